// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Transcript, KeccakTranscript as T} from "./Transcript.sol";
import {Cursor, ProofReader as R} from "./ProofReader.sol";
import {WhirVerifier} from "./WhirVerifier.sol";

/// @title The plain WHIR opening of two columns at one point, as a deployed library.
/// @notice `WhirVerifier.verifyPcsClaims` behind an external function, so that a verifier that ends with a
/// plain opening (the masked opening's `P₁ = C₀ + X·C₁`) calls it instead of inlining it: the whole plain
/// verifier inlined puts a masked verifier over EIP-170's 24,576 bytes. The caller's transcript crosses the
/// call as `KeccakTranscript.save`'s state; the commitment is already absorbed. Reverts with
/// `WhirVerifier`'s named errors (bubbled up to the caller).
library PlainOpening {
    /// Verifies `proof` (all of it: trailing bytes are an error) as the opening of the commitment `root` (two
    /// columns, verifying data `vdata`: `WhirVerifier.readConfig`'s, nothing after it) at `point`, column 0
    /// to `v0` and column 1 to `v1`, on the transcript saved as (`pending`, `out`, `left`).
    function verifyTwo(
        bytes calldata pending,
        uint256 out,
        uint256 left,
        bytes calldata vdata,
        bytes32 root,
        uint256[] calldata point,
        uint256 v0,
        uint256 v1,
        bytes calldata proof
    ) external pure {
        Transcript memory t = T.restore(pending, out, left);
        Cursor memory vc = R.open(vdata);
        WhirVerifier.Config memory cfg = WhirVerifier.readConfig(vc);
        R.finish(vc);
        WhirVerifier.Claim[] memory claims = new WhirVerifier.Claim[](2);
        claims[0] = WhirVerifier.Claim({column: 0, point: point, value: v0});
        claims[1] = WhirVerifier.Claim({column: 1, point: point, value: v1});
        WhirVerifier.verifyPcsClaims(t, cfg, root, claims, R.open(proof));
    }
}

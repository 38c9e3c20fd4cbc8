// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Transcript, KeccakTranscript as T} from "../Transcript.sol";
import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {MaskedVerifier} from "../MaskedVerifier.sol";

/// Test and gas harness for `MaskedVerifier.sol` (the masked-first-round prototype; not part of a verifier of
/// zkinfer proofs).
contract MaskedHarness {
    /// `MaskedVerifier.verify` of `proof` against `claims` (a 1-byte count; per claim a 1-byte point length, the
    /// point and the value, EF) on the column committed as `root`, with verifying data `mdata`, on a transcript
    /// fresh from `init(context)`; returns the execution gas (decoding the verifying data and the claims
    /// excluded).
    function verifyMasked(
        bytes calldata context,
        bytes calldata mdata,
        bytes32 root,
        bytes calldata claims,
        bytes calldata proof
    ) external view returns (uint256 gasUsed) {
        Transcript memory t = T.init(context);
        MaskedVerifier.Config memory cfg = MaskedVerifier.readConfig(R.open(mdata));
        MaskedVerifier.Claim[] memory cs = _claims(claims);
        uint256 g = gasleft();
        MaskedVerifier.verify(t, cfg, root, cs, R.open(proof));
        gasUsed = g - gasleft();
    }

    /// `MaskedVerifier.verifyBatch` of `proof` against the batch's column and stack `claims` (a 2-byte count;
    /// per claim a 2-byte column, a 1-byte point length, the point and the value; then the stack claims as
    /// `verifyMasked` takes its claims) on the columns with slots `bdata` committed as `root`.
    function verifyMaskedBatch(
        bytes calldata context,
        bytes calldata mdata,
        bytes calldata bdata,
        bytes32 root,
        bytes calldata claims,
        bytes calldata proof
    ) external view returns (uint256 gasUsed) {
        Transcript memory t = T.init(context);
        MaskedVerifier.Config memory cfg = MaskedVerifier.readConfig(R.open(mdata));
        Cursor memory b = R.open(bdata);
        MaskedVerifier.Slot[] memory slots = MaskedVerifier.readBatch(b, cfg.d);
        R.finish(b);
        Cursor memory c = R.open(claims);
        uint256 m = R.readUint(c, 2);
        MaskedVerifier.ColumnClaim[] memory cs = new MaskedVerifier.ColumnClaim[](m);
        for (uint256 i = 0; i < m; i++) {
            cs[i].column = R.readUint(c, 2);
            uint256 k = R.readUint(c, 1);
            cs[i].point = new uint256[](k);
            for (uint256 j = 0; j < k; j++) cs[i].point[j] = R.readExt(c);
            cs[i].value = R.readExt(c);
        }
        MaskedVerifier.Claim[] memory ss = _read(c);
        uint256 g = gasleft();
        MaskedVerifier.verifyBatch(t, cfg, slots, root, cs, ss, R.open(proof));
        gasUsed = g - gasleft();
    }

    function _claims(bytes calldata data) private pure returns (MaskedVerifier.Claim[] memory cs) {
        Cursor memory c = R.open(data);
        cs = _read(c);
    }

    function _read(Cursor memory c) private pure returns (MaskedVerifier.Claim[] memory cs) {
        uint256 m = R.readUint(c, 1);
        cs = new MaskedVerifier.Claim[](m);
        for (uint256 i = 0; i < m; i++) {
            uint256 k = R.readUint(c, 1);
            cs[i].point = new uint256[](k);
            for (uint256 j = 0; j < k; j++) cs[i].point[j] = R.readExt(c);
            cs[i].value = R.readExt(c);
        }
        R.finish(c);
    }
}

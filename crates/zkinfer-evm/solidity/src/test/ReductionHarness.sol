// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Transcript, KeccakTranscript as T} from "../Transcript.sol";
import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {MaskPool, Pool, PoolProof} from "../MaskPool.sol";
import {ColumnClaim, MaskedProof} from "../MaskedSumcheck.sol";
import {MaskedReduction} from "../MaskedReduction.sol";
import {PoolScript} from "./PoolScript.sol";

/// Test and gas harness for `MaskedReduction.sol` (not part of a verifier): a pool script (`PoolScript`), the
/// reduction (`zkinfer_evm::pool::encode_reduction`), the pool's discharge; returns the reduced claim (as
/// `PoolScript.flattenColumns`) before the pool's three claims.
contract ReductionHarness {
    function run(bytes calldata context, bytes calldata script, bytes calldata reduction, bytes calldata proof)
        external
        view
        returns (uint256[] memory out, uint256 gasUsed, uint256 verifyGas)
    {
        uint256 g = gasleft();
        PoolProof memory pr = PoolScript.readPoolProof(proof);
        Cursor memory c = R.open(reduction);
        uint256 numVars = R.readUint(c, 1);
        uint256 n = R.readUint(c, 2);
        // Each claim takes at least a byte: a count beyond the data is truncated data, caught before allocating.
        if (n > c.end - c.pos) revert R.Truncated(c.pos - c.base, n);
        ColumnClaim[] memory claims = new ColumnClaim[](n);
        for (uint256 i = 0; i < claims.length; i++) {
            claims[i] = PoolScript.readClaim(c);
        }
        MaskedReduction.Weighted memory w = _weighted(c, claims.length);
        bool priv = R.readUint(c, 1) != 0;
        MaskedProof memory mp = PoolScript.readMaskedProof(c);
        uint256 eval = R.readExt(c);
        R.finish(c);
        Pool memory p = PoolScript.run(script);
        Transcript memory t = T.init(context);
        uint256 g1 = gasleft();
        ColumnClaim[] memory reduced = new ColumnClaim[](1);
        reduced[0] = MaskedReduction.verify(p, t, numVars, claims, w, priv, mp, eval);
        verifyGas = g1 - gasleft();
        out = PoolScript.flatten(PoolScript.flattenColumns(reduced), MaskPool.finish(p, t, pr));
        gasUsed = g - gasleft();
    }

    /// A 1-byte flag; if set, per claim a 1-byte term count and per term its coefficient and point (`readExts8`).
    function _weighted(Cursor memory c, uint256 n) private pure returns (MaskedReduction.Weighted memory w) {
        if (R.readUint(c, 1) == 0) {
            w.coeffs = new uint256[][](0);
            w.points = new uint256[][][](0);
            return w;
        }
        w.coeffs = new uint256[][](n);
        w.points = new uint256[][][](n);
        for (uint256 i = 0; i < n; i++) {
            uint256 k = R.readUint(c, 1);
            w.coeffs[i] = new uint256[](k);
            w.points[i] = new uint256[][](k);
            for (uint256 j = 0; j < k; j++) {
                w.coeffs[i][j] = R.readExt(c);
                w.points[i][j] = R.readExts8(c);
            }
        }
    }
}

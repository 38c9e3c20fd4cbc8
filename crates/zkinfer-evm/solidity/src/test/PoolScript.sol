// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {MaskPool, Pool, PoolClaim, PoolProof} from "../MaskPool.sol";
import {ColumnClaim, MaskedProof} from "../MaskedSumcheck.sol";

/// The calldata the pool harnesses share (not part of a verifier; `zkinfer_evm::pool` is its Rust twin).
/// A script: a 5-byte pool size, then per operation a 1-byte code — 0 take a mask (1-byte variables, 1-byte
/// degree); 1 take a per-variable mask (1-byte count, a byte per degree); 2 take a claim mask; 3 record a Libra
/// claim (2-byte slot, `readExts8` point, EF value); 4 record a linear claim (1-byte term count; per term a
/// 2-byte slot, a 2-byte weight count and the weights; EF value); 5 check a claim mask (2-byte slot).
library PoolScript {
    error BadScript(uint256 code);

    /// The pool the script makes and walks.
    function run(bytes calldata script) internal pure returns (Pool memory p) {
        Cursor memory c = R.open(script);
        p = MaskPool.init(R.readUint(c, 5));
        while (c.pos < c.end) {
            _op(p, c);
        }
    }

    function _op(Pool memory p, Cursor memory c) private pure {
        uint256 code = R.readUint(c, 1);
        if (code == 0) {
            uint256 vars = R.readUint(c, 1);
            MaskPool.takeMask(p, vars, R.readUint(c, 1));
        } else if (code == 1) {
            uint256[] memory ds = new uint256[](R.readUint(c, 1));
            for (uint256 i = 0; i < ds.length; i++) {
                ds[i] = R.readUint(c, 1);
            }
            MaskPool.takeMaskPerVar(p, ds);
        } else if (code == 2) {
            MaskPool.takeClaimMask(p);
        } else if (code == 3) {
            uint256 slot = R.readUint(c, 2);
            uint256[] memory point = R.readExts8(c);
            MaskPool.record(p, slot, point, R.readExt(c));
        } else if (code == 4) {
            uint256 terms = R.readUint(c, 1);
            uint256[] memory slots = new uint256[](terms);
            uint256[][] memory weights = new uint256[][](terms);
            for (uint256 i = 0; i < terms; i++) {
                slots[i] = R.readUint(c, 2);
                weights[i] = new uint256[](R.readUint(c, 2));
                for (uint256 e = 0; e < weights[i].length; e++) {
                    weights[i][e] = R.readExt(c);
                }
            }
            MaskPool.recordLinear(p, slots, weights, R.readExt(c));
        } else if (code == 5) {
            MaskPool.checkClaimMask(p, R.readUint(c, 2));
        } else {
            revert BadScript(code);
        }
    }

    /// The discharge proof: level 1 (mask sum, rounds, mask value), `c̃(z)`, level 2 (the same), `c̃_h(s)`.
    function readPoolProof(bytes calldata proof) internal pure returns (PoolProof memory pr) {
        Cursor memory c = R.open(proof);
        pr.reduceMaskSum = R.readExt(c);
        pr.reduceRounds = R.readSumcheckProof(c);
        pr.reduceMaskEval = R.readExt(c);
        pr.poolEval = R.readExt(c);
        pr.innerMaskSum = R.readExt(c);
        pr.innerRounds = R.readSumcheckProof(c);
        pr.innerMaskEval = R.readExt(c);
        pr.innerEval = R.readExt(c);
        R.finish(c);
    }

    /// A masked sumcheck's proof: mask sum, rounds, mask value, a 1-byte flag and (if set) `M(c_w)`.
    function readMaskedProof(Cursor memory c) internal pure returns (MaskedProof memory mp) {
        mp.maskSum = R.readExt(c);
        mp.rounds = R.readSumcheckProof(c);
        mp.maskEval = R.readExt(c);
        mp.hasIncoming = R.readUint(c, 1) != 0;
        if (mp.hasIncoming) mp.incomingEval = R.readExt(c);
    }

    /// Per pool claim the point's length, the point, the value; after `head`.
    function flatten(uint256[] memory head, PoolClaim[3] memory claims) internal pure returns (uint256[] memory out) {
        uint256 n = head.length;
        for (uint256 i = 0; i < 3; i++) {
            n += 2 + claims[i].point.length;
        }
        out = new uint256[](n);
        uint256 o = 0;
        for (uint256 i = 0; i < head.length; i++) {
            out[o++] = head[i];
        }
        for (uint256 i = 0; i < 3; i++) {
            o = _put(out, o, claims[i].point);
            out[o++] = claims[i].value;
        }
    }

    /// Per column claim the point's length, the point, the value, the mask count, each mask's slot and coefficient.
    function flattenColumns(ColumnClaim[] memory cols) internal pure returns (uint256[] memory out) {
        uint256 n = 0;
        for (uint256 j = 0; j < cols.length; j++) {
            n += 3 + cols[j].point.length + 2 * cols[j].maskSlots.length;
        }
        out = new uint256[](n);
        uint256 o = 0;
        for (uint256 j = 0; j < cols.length; j++) {
            ColumnClaim memory cl = cols[j];
            o = _put(out, o, cl.point);
            out[o++] = cl.value;
            out[o++] = cl.maskSlots.length;
            for (uint256 i = 0; i < cl.maskSlots.length; i++) {
                out[o++] = cl.maskSlots[i];
                out[o++] = cl.maskCoeffs[i];
            }
        }
    }

    /// Reads a masked claim: its point (`readExts8`), value, a 1-byte mask count, per mask a 2-byte slot and its
    /// coefficient.
    function readClaim(Cursor memory c) internal pure returns (ColumnClaim memory cl) {
        cl.point = R.readExts8(c);
        cl.value = R.readExt(c);
        uint256 m = R.readUint(c, 1);
        cl.maskSlots = new uint256[](m);
        cl.maskCoeffs = new uint256[](m);
        for (uint256 i = 0; i < m; i++) {
            cl.maskSlots[i] = R.readUint(c, 2);
            cl.maskCoeffs[i] = R.readExt(c);
        }
    }

    function _put(uint256[] memory out, uint256 o, uint256[] memory xs) private pure returns (uint256) {
        out[o++] = xs.length;
        for (uint256 i = 0; i < xs.length; i++) {
            out[o++] = xs[i];
        }
        return o;
    }
}

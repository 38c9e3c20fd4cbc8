// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Transcript, KeccakTranscript as T} from "../Transcript.sol";
import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {MaskPool, Pool, PoolClaim, PoolProof} from "../MaskPool.sol";

/// Test and gas harness for `MaskPool.sol` (not part of a verifier). Runs a script of the pool operations a
/// proof's verifier performs (`zkinfer_evm::pool::PoolOp`, encoded by `encode_script`), then the discharge, and
/// returns the three claims on the pool's column flattened (per claim the point's length, the point, the value).
/// Script: a 5-byte pool size, then per operation a 1-byte code — 0 take a mask (1-byte variables, 1-byte
/// degree); 1 take a per-variable mask (1-byte count, a byte per degree); 2 take a claim mask; 3 record a Libra
/// claim (2-byte slot, `readExts8` point, EF value); 4 record a linear claim (1-byte term count; per term a
/// 2-byte slot, a 2-byte weight count and the weights; EF value); 5 check a claim mask (2-byte slot).
contract PoolHarness {
    error BadScript(uint256 code);

    function run(bytes calldata context, bytes calldata script, bytes calldata proof)
        external
        view
        returns (uint256[] memory out, uint256 gasUsed, uint256 finishGas)
    {
        uint256 g = gasleft();
        PoolProof memory pr = _proof(proof);
        Cursor memory c = R.open(script);
        Pool memory p = MaskPool.init(R.readUint(c, 5));
        while (c.pos < c.end) {
            _op(p, c);
        }
        Transcript memory t = T.init(context);
        uint256 g1 = gasleft();
        PoolClaim[3] memory claims = MaskPool.finish(p, t, pr);
        finishGas = g1 - gasleft();
        uint256 n = 0;
        for (uint256 i = 0; i < 3; i++) {
            n += 2 + claims[i].point.length;
        }
        out = new uint256[](n);
        uint256 o = 0;
        for (uint256 i = 0; i < 3; i++) {
            uint256[] memory pt = claims[i].point;
            out[o++] = pt.length;
            for (uint256 j = 0; j < pt.length; j++) {
                out[o++] = pt[j];
            }
            out[o++] = claims[i].value;
        }
        gasUsed = g - gasleft();
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
    function _proof(bytes calldata proof) private pure returns (PoolProof memory pr) {
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
}

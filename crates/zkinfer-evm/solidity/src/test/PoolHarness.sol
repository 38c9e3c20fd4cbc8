// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Transcript, KeccakTranscript as T} from "../Transcript.sol";
import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {MaskPool, Pool, PoolClaim, PoolProof} from "../MaskPool.sol";
import {ColumnClaim, MaskedProof, MaskedStatement, MaskedSumcheck} from "../MaskedSumcheck.sol";

/// Test and gas harness for `MaskPool.sol` (not part of a verifier). Runs a script of the pool operations a
/// proof's verifier performs (`zkinfer_evm::pool::PoolOp`, encoded by `encode_script`), then the discharge, and
/// returns the three claims on the pool's column flattened (per claim the point's length, the point, the value).
/// Script: a 5-byte pool size, then per operation a 1-byte code — 0 take a mask (1-byte variables, 1-byte
/// degree); 1 take a per-variable mask (1-byte count, a byte per degree); 2 take a claim mask; 3 record a Libra
/// claim (2-byte slot, `readExts8` point, EF value); 4 record a linear claim (1-byte term count; per term a
/// 2-byte slot, a 2-byte weight count and the weights; EF value); 5 check a claim mask (2-byte slot).
/// `runMasked` runs a masked sumcheck between the script and the discharge (`zkinfer_evm::pool::encode_masked`
/// encodes its statement, proof and reported evaluations) and returns its column claims (per column the point's
/// length, the point, the value, the mask count, each mask's slot and coefficient) before the pool's claims.
contract PoolHarness {
    error BadScript(uint256 code);

    function runMasked(bytes calldata context, bytes calldata script, bytes calldata masked, bytes calldata proof)
        external
        view
        returns (uint256[] memory out, uint256 gasUsed, uint256 verifyGas)
    {
        uint256 g = gasleft();
        PoolProof memory pr = _proof(proof);
        (MaskedStatement memory st, MaskedProof memory mp, uint256[] memory evals) = _masked(masked);
        Cursor memory c = R.open(script);
        Pool memory p = MaskPool.init(R.readUint(c, 5));
        while (c.pos < c.end) {
            _op(p, c);
        }
        Transcript memory t = T.init(context);
        uint256 g1 = gasleft();
        ColumnClaim[] memory cols = MaskedSumcheck.verifyAndCheck(p, t, st, mp, evals);
        verifyGas = g1 - gasleft();
        PoolClaim[3] memory claims = MaskPool.finish(p, t, pr);
        uint256 n = 0;
        for (uint256 j = 0; j < cols.length; j++) {
            n += 3 + cols[j].point.length + 2 * cols[j].maskSlots.length;
        }
        uint256[] memory pool = _flatten(claims);
        out = new uint256[](n + pool.length);
        uint256 o = 0;
        for (uint256 j = 0; j < cols.length; j++) {
            ColumnClaim memory cl = cols[j];
            out[o++] = cl.point.length;
            for (uint256 i = 0; i < cl.point.length; i++) {
                out[o++] = cl.point[i];
            }
            out[o++] = cl.value;
            out[o++] = cl.maskSlots.length;
            for (uint256 i = 0; i < cl.maskSlots.length; i++) {
                out[o++] = cl.maskSlots[i];
                out[o++] = cl.maskCoeffs[i];
            }
        }
        for (uint256 i = 0; i < pool.length; i++) {
            out[o++] = pool[i];
        }
        gasUsed = g - gasleft();
    }

    /// Statement: 1-byte variables; 1-byte term count, per term its coefficient, 1-byte factor count and 1-byte
    /// factors; 1-byte eq flag and (if set) the eq point (`readExts8`); 1-byte private count and 1-byte columns;
    /// 1-byte incoming count, per incoming mask a 2-byte slot and its coefficient; the claimed sum. Proof: mask
    /// sum, rounds, mask value, 1-byte flag and (if set) `M(c_w)`. Then the reported evaluations (`readExts8`).
    function _masked(bytes calldata data)
        private
        pure
        returns (MaskedStatement memory st, MaskedProof memory mp, uint256[] memory evals)
    {
        Cursor memory c = R.open(data);
        st.numVars = R.readUint(c, 1);
        uint256 terms = R.readUint(c, 1);
        st.coeffs = new uint256[](terms);
        st.factors = new uint256[][](terms);
        for (uint256 j = 0; j < terms; j++) {
            st.coeffs[j] = R.readExt(c);
            uint256[] memory fs = new uint256[](R.readUint(c, 1));
            for (uint256 i = 0; i < fs.length; i++) {
                fs[i] = R.readUint(c, 1);
            }
            st.factors[j] = fs;
        }
        st.hasEq = R.readUint(c, 1) != 0;
        if (st.hasEq) st.eqPoint = R.readExts8(c);
        st.priv = new uint256[](R.readUint(c, 1));
        for (uint256 i = 0; i < st.priv.length; i++) {
            st.priv[i] = R.readUint(c, 1);
        }
        uint256 k = R.readUint(c, 1);
        st.inSlots = new uint256[](k);
        st.inCoeffs = new uint256[](k);
        for (uint256 i = 0; i < k; i++) {
            st.inSlots[i] = R.readUint(c, 2);
            st.inCoeffs[i] = R.readExt(c);
        }
        st.claimedSum = R.readExt(c);
        mp.maskSum = R.readExt(c);
        mp.rounds = R.readSumcheckProof(c);
        mp.maskEval = R.readExt(c);
        mp.hasIncoming = R.readUint(c, 1) != 0;
        if (mp.hasIncoming) mp.incomingEval = R.readExt(c);
        evals = R.readExts8(c);
        R.finish(c);
    }

    function _flatten(PoolClaim[3] memory claims) private pure returns (uint256[] memory out) {
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
    }

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
        out = _flatten(claims);
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

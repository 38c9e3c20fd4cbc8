// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Transcript, KeccakTranscript as T} from "./Transcript.sol";
import {Sumcheck} from "./Sumcheck.sol";
import {ZkSumcheck} from "./ZkSumcheck.sol";
import {MaskPool, Pool} from "./MaskPool.sol";

/// A masked sumcheck's statement (`verify_zk_masked`'s arguments): `Σ_x [eq(eqPoint, x)]·Σ_j coeffs[j]·Π_i
/// columns[factors[j][i]](x) + Σ_i κ_i Σ_w R̂_{slot_i}(w) = claimedSum`, the columns in `priv` reported masked.
struct MaskedStatement {
    uint256 numVars;
    uint256[] coeffs;
    uint256[][] factors;
    bool hasEq;
    uint256[] eqPoint;
    uint256[] priv;
    /// The incoming claim masks: slots and coefficients κ.
    uint256[] inSlots;
    uint256[] inCoeffs;
    uint256 claimedSum;
}

/// A masked sumcheck's proof (`MaskedSumcheckProof`): the ZK sumcheck and, with incoming masks, `M(c_w)`.
struct MaskedProof {
    uint256 maskSum;
    uint256[][] rounds;
    uint256 maskEval;
    bool hasIncoming;
    uint256 incomingEval;
}

/// One column's claim after a masked sumcheck (`MaskedClaim`): `T_col(point) + Σ_i coeff·Σ_w R̂_slot(w) = value`.
struct ColumnClaim {
    uint256[] point;
    uint256 value;
    uint256[] maskSlots;
    uint256[] maskCoeffs;
}

/// @title The masked sumcheck's verifier (`zkinfer_sumcheck::zk::verify_zk_masked` and
/// `MaskedSubClaim::check_products`, docs/ZK-sumcheck.md §5): the sumcheck every op of a zero-knowledge zkinfer
/// proof runs, its private columns reported as `T + Z·S`, its incoming masked claims consumed over a leading
/// variable `w`.
/// @notice Takes from the pool, in the prover's order: the Libra mask (per-round degrees `maskedDegrees`), one
/// claim mask per private column; records the Libra mask's claim and, with incoming masks, the linear claim
/// `M(c_w) = Σ_i κ_i (a_i + b_i·c_w)` ("sumcheck-zk/incoming-eval"). The final value is `f'(r)` over the
/// reported evaluations (`(value − 2^−n·M(c_w))·2` with incoming masks). Errors are named as the Rust ones
/// (`MaskedClaims` with a reason code, `Sumcheck`'s, `MaskPool`'s).
library MaskedSumcheck {
    /// `reason`: 0 a private column in a sumcheck without variables, 1 a private column listed twice,
    /// 2 the incoming masks' evaluation missing or unexpected.
    error MaskedClaims(uint256 reason);

    /// `KeccakTranscript.encodeLabel("sumcheck-zk/incoming-eval")`.
    bytes internal constant INCOMING_EVAL = hex"77f21426fa10ead1";

    /// Verifies the masked sumcheck of `s` and discharges its sub-claim against the reported evaluations
    /// `evals` (one per column, masked for the private ones); returns one claim per column to pass on.
    function verifyAndCheck(
        Pool memory p,
        Transcript memory t,
        MaskedStatement memory s,
        MaskedProof memory proof,
        uint256[] memory evals
    ) internal pure returns (ColumnClaim[] memory claims) {
        (uint256[] memory point, uint256 value, uint256[] memory slots) = verify(p, t, s, proof);
        for (uint256 i = 0; i < s.priv.length; i++) {
            if (s.priv[i] >= evals.length) revert Sumcheck.WrongEvalCount(s.priv[i] + 1, evals.length);
        }
        Sumcheck.checkProducts(value, s.coeffs, s.factors, s.hasEq, s.eqPoint, point, evals);
        uint256 z = 0;
        if (point.length > 0) {
            uint256 r = point[point.length - 1];
            z = G.extMul(r, G.extSub(1, r));
        }
        claims = new ColumnClaim[](evals.length);
        for (uint256 j = 0; j < evals.length; j++) {
            uint256 n = 0;
            for (uint256 i = 0; i < s.priv.length; i++) {
                if (s.priv[i] == j) n++;
            }
            ColumnClaim memory c = claims[j];
            c.point = point;
            c.value = evals[j];
            c.maskSlots = new uint256[](n);
            c.maskCoeffs = new uint256[](n);
            n = 0;
            for (uint256 i = 0; i < s.priv.length; i++) {
                if (s.priv[i] == j) {
                    c.maskSlots[n] = slots[i];
                    c.maskCoeffs[n++] = z;
                }
            }
        }
    }

    /// `verify_zk_masked`: returns the sub-claim (point without `c_w`, value over the reported evaluations) and
    /// the claim-mask slot of each private column (in `s.priv`'s order).
    function verify(Pool memory p, Transcript memory t, MaskedStatement memory s, MaskedProof memory proof)
        internal
        pure
        returns (uint256[] memory point, uint256 value, uint256[] memory slots)
    {
        uint256 n = s.numVars;
        _checkPrivate(n, s.priv);
        if (s.hasEq && s.eqPoint.length != n) revert Sumcheck.WrongEvalCount(n, s.eqPoint.length);
        bool hasW = s.inSlots.length != 0;
        if (hasW != proof.hasIncoming) revert MaskedClaims(2);
        for (uint256 i = 0; i < s.inSlots.length; i++) {
            MaskPool.checkClaimMask(p, s.inSlots[i]);
        }
        uint256 rounds = n + (hasW ? 1 : 0);
        if (proof.rounds.length != rounds) revert Sumcheck.WrongRoundCount(rounds, proof.rounds.length);
        uint256[] memory degrees = maskedDegrees(s, hasW);
        uint256 slot = MaskPool.takeMaskPerVar(p, degrees);
        slots = new uint256[](s.priv.length);
        for (uint256 i = 0; i < s.priv.length; i++) {
            slots[i] = MaskPool.takeClaimMask(p);
        }
        uint256[] memory full;
        uint256 maskValue;
        (full, value, maskValue) =
            ZkSumcheck.verifyPerRound(t, degrees, s.claimedSum, proof.maskSum, proof.rounds, proof.maskEval);
        MaskPool.record(p, slot, full, maskValue);
        if (hasW) {
            uint256 cw = full[0];
            uint256 m = proof.incomingEval;
            T.absorbExt(t, INCOMING_EVAL, m);
            uint256[][] memory weights = new uint256[][](s.inSlots.length);
            for (uint256 i = 0; i < s.inSlots.length; i++) {
                weights[i] = new uint256[](2);
                weights[i][0] = s.inCoeffs[i];
                weights[i][1] = G.extMul(s.inCoeffs[i], cw);
            }
            MaskPool.recordLinear(p, s.inSlots, weights, m);
            // final = f'(r)/2 + 2^−n·M(c_w).
            uint256 scale = G.pow(0x7FFFFFFF80000001, n);
            value = G.extMul(G.extSub(value, G.extMulBase(m, scale)), 2);
            point = new uint256[](n);
            for (uint256 i = 0; i < n; i++) {
                point[i] = full[i + 1];
            }
        } else {
            point = full;
        }
    }

    /// `check_private`: a private column needs a variable for `Z`, and is listed once.
    function _checkPrivate(uint256 n, uint256[] memory priv) private pure {
        if (n == 0 && priv.length != 0) revert MaskedClaims(0);
        for (uint256 i = 0; i < priv.length; i++) {
            for (uint256 j = i + 1; j < priv.length; j++) {
                if (priv[i] == priv[j]) revert MaskedClaims(1);
            }
        }
    }

    /// `masked_degrees`: 1 for `w` (with incoming masks); `d = zk_degree` for every `x` round but the last; for
    /// the last `max(d, [eq] + max_j Σ_i (1 + [factor i private]))`.
    function maskedDegrees(MaskedStatement memory s, bool hasW) internal pure returns (uint256[] memory out) {
        uint256 d = 0;
        uint256 last = 0;
        for (uint256 j = 0; j < s.factors.length; j++) {
            uint256[] memory fs = s.factors[j];
            if (fs.length > d) d = fs.length;
            uint256 l = 0;
            for (uint256 i = 0; i < fs.length; i++) {
                l += 1;
                for (uint256 q = 0; q < s.priv.length; q++) {
                    if (s.priv[q] == fs[i]) {
                        l += 1;
                        break;
                    }
                }
            }
            if (l > last) last = l;
        }
        uint256 e = s.hasEq ? 1 : 0;
        d += e;
        if (d == 0) d = 1;
        last += e;
        uint256 n = s.numVars;
        uint256 w = hasW ? 1 : 0;
        out = new uint256[](n + w);
        if (hasW) out[0] = 1;
        if (n > 0) {
            for (uint256 i = 0; i + 1 < n; i++) {
                out[w + i] = d;
            }
            out[w + n - 1] = last > d ? last : d;
        }
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Transcript, KeccakTranscript as T} from "./Transcript.sol";
import {Sumcheck} from "./Sumcheck.sol";
import {MaskPool, Pool} from "./MaskPool.sol";
import {ColumnClaim, MaskedProof, MaskedStatement, MaskedSumcheck} from "./MaskedSumcheck.sol";

/// @title The masked claim reduction's verifier (`zkinfer_sumcheck::zk::verify_reduce_masked_claims` and its
/// weighted twin): many masked claims on one multilinear `P` of `numVars` variables become one claim at a fresh
/// point `ρ`, masked again when `priv` — how every tensor's claims are merged before the next op or the opening.
/// @notice Transcript: "sumcheck-zk/reduce-count" (the claim count, u64), "sumcheck-zk/reduce-claim" (the
/// values), "sumcheck-zk/reduce-masks" (per claim its mask count, then each mask's slot and coefficient's two
/// coordinates, as base elements), α ("sumcheck-zk/reduce-alpha"); the masked sumcheck of `P·W` with claimed sum
/// `Σ α^i v_i` and incoming masks `α^i·masks_i` (`MaskedSumcheck.verify`, `P` private when `priv`);
/// "sumcheck-zk/reduce-eval" `P'(ρ)`. The claims' points are not absorbed (they are the verifier's own). The
/// sub-claim is checked as `P'(ρ)·W(ρ)` with `W(ρ) = Σ_i α^i eq(p_i, ρ)` (weighted: `Σ_i α^i Σ_t c_t eq(p_t, ρ)`).
library MaskedReduction {
    /// `SumcheckError::Empty`: no claims, or a weighted claim without terms.
    error Empty();

    bytes internal constant COUNT = hex"440b0c33c20433c3";
    bytes internal constant CLAIM = hex"41f7062cc51838ca";
    bytes internal constant MASKS = hex"36090932d00636ba";
    bytes internal constant ALPHA = hex"41060620c50939d8";
    bytes internal constant EVAL = hex"4af709bfbb183535";

    /// Weighted claims: claim `i` is `Σ_t coeffs[i][t]·P(points[i][t])` (its own point unused). Empty arrays for
    /// plain claims.
    struct Weighted {
        uint256[][] coeffs;
        uint256[][][] points;
    }

    /// Verifies the reduction of `claims` (`w.coeffs` empty: plain; else weighted) and returns the one claim on
    /// `P` it leaves (masked with a fresh claim mask when `priv`).
    function verify(
        Pool memory p,
        Transcript memory t,
        uint256 numVars,
        ColumnClaim[] memory claims,
        Weighted memory w,
        bool priv,
        MaskedProof memory proof,
        uint256 eval
    ) internal pure returns (ColumnClaim memory out) {
        uint256 n = claims.length;
        bool weighted = w.coeffs.length != 0;
        (uint256[] memory alphas, MaskedStatement memory s) = _absorb(t, numVars, claims, w, weighted);
        s.priv = new uint256[](priv ? 1 : 0);
        (uint256[] memory point, uint256 value, uint256[] memory slots) = MaskedSumcheck.verify(p, t, s, proof);
        T.absorbExt(t, EVAL, eval);
        uint256 wr = 0;
        for (uint256 i = 0; i < n; i++) {
            uint256 f;
            if (weighted) {
                for (uint256 k = 0; k < w.coeffs[i].length; k++) {
                    f = G.extAdd(f, G.extMul(w.coeffs[i][k], Sumcheck.eqEval(w.points[i][k], point)));
                }
            } else {
                f = Sumcheck.eqEval(claims[i].point, point);
            }
            wr = G.extAdd(wr, G.extMul(alphas[i], f));
        }
        uint256 got = G.extMul(eval, wr);
        if (got != value) revert Sumcheck.FinalEvalMismatch(value, got);
        out.point = point;
        out.value = eval;
        out.maskSlots = slots;
        out.maskCoeffs = new uint256[](slots.length);
        if (slots.length != 0) {
            uint256 r = point[point.length - 1];
            out.maskCoeffs[0] = G.extMul(r, G.extSub(1, r));
        }
    }

    /// Checks the claims' shapes, absorbs their values and masks, draws α; returns `α^i` and the masked
    /// sumcheck's statement (`P·W`, claimed sum `Σ α^i v_i`, incoming masks `α^i·masks_i`).
    function _absorb(
        Transcript memory t,
        uint256 numVars,
        ColumnClaim[] memory claims,
        Weighted memory w,
        bool weighted
    ) private pure returns (uint256[] memory alphas, MaskedStatement memory s) {
        uint256 n = claims.length;
        if (n == 0) revert Empty();
        if (weighted) {
            if (w.coeffs.length != n || w.points.length != n) revert Empty();
            for (uint256 i = 0; i < n; i++) {
                if (w.coeffs[i].length == 0 || w.points[i].length != w.coeffs[i].length) revert Empty();
            }
        }
        uint256 nMasks = 0;
        for (uint256 i = 0; i < n; i++) {
            if (weighted) {
                for (uint256 k = 0; k < w.points[i].length; k++) {
                    uint256 len = w.points[i][k].length;
                    if (len != numVars) revert MaskPool.WrongPointLength(i, numVars, len);
                }
            } else if (claims[i].point.length != numVars) {
                revert MaskPool.WrongPointLength(i, numVars, claims[i].point.length);
            }
            nMasks += claims[i].maskSlots.length;
        }
        T.absorbU64(t, COUNT, uint64(n));
        uint256[] memory values = new uint256[](n);
        uint256[] memory fields = new uint256[](n + 3 * nMasks);
        uint256 o = 0;
        for (uint256 i = 0; i < n; i++) {
            values[i] = claims[i].value;
            uint256[] memory ms = claims[i].maskSlots;
            fields[o++] = ms.length;
            for (uint256 k = 0; k < ms.length; k++) {
                (uint256 c0, uint256 c1) = G.coords(claims[i].maskCoeffs[k]);
                fields[o++] = ms[k];
                fields[o++] = c0;
                fields[o++] = c1;
            }
        }
        T.absorbExts(t, CLAIM, values);
        T.absorbFields(t, MASKS, fields);
        uint256 alpha = T.challenge(t, ALPHA);
        alphas = new uint256[](n);
        s.inSlots = new uint256[](nMasks);
        s.inCoeffs = new uint256[](nMasks);
        uint256 a = 1;
        uint256 m = 0;
        for (uint256 i = 0; i < n; i++) {
            alphas[i] = a;
            s.claimedSum = G.extAdd(s.claimedSum, G.extMul(a, values[i]));
            for (uint256 k = 0; k < claims[i].maskSlots.length; k++) {
                s.inSlots[m] = claims[i].maskSlots[k];
                s.inCoeffs[m++] = G.extMul(a, claims[i].maskCoeffs[k]);
            }
            a = G.extMul(a, alpha);
        }
        s.numVars = numVars;
        s.coeffs = new uint256[](1);
        s.coeffs[0] = 1;
        s.factors = new uint256[][](1);
        s.factors[0] = new uint256[](2);
        s.factors[0][1] = 1;
    }
}

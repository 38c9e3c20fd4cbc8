// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Transcript, KeccakTranscript as T} from "./Transcript.sol";

/// @title The sumcheck verifier of crates/zkinfer-sumcheck (`verifier::verify`, `summand_at`).
/// @notice Round k sends g_k by its values at 0, 2, 3, …, degree (packed EF; `degree` values): g_k(1) is the
/// running claim less g_k(0) (proof format 24, `zkinfer_sumcheck::round_values`). The verifier absorbs the
/// claimed sum ("sumcheck/claim"), then per round checks the length, absorbs the round's message
/// ("sumcheck/round"), draws ρ_k ("sumcheck/challenge") and sets the claim to g_k(ρ_k) (Lagrange interpolation
/// over the nodes 0..degree). It returns the sub-claim (ρ, value) that the caller must discharge,
/// e.g. with `summandAt`. Errors mirror the Rust `SumcheckError` variants and revert.
library Sumcheck {
    error WrongRoundCount(uint256 expected, uint256 got);
    error WrongRoundDegree(uint256 round, uint256 expected, uint256 got);
    error FinalEvalMismatch(uint256 expected, uint256 got);
    error BadDegree(uint256 degree);
    error WrongEvalCount(uint256 expected, uint256 got);
    error RoundProofOfWork(uint256 round);

    /// The labels of zkinfer_sumcheck::labels, encoded (KeccakTranscript.encodeLabel): "sumcheck/claim",
    /// "sumcheck/round", "sumcheck/challenge".
    bytes internal constant CLAIM = hex"dba4000297c8cfcc";
    bytes internal constant ROUND = hex"d69efded96d7d2e0";
    bytes internal constant CHALLENGE = hex"d8a59f932f63cbcc";

    uint256 private constant P = 0xFFFFFFFF00000001;
    uint256 private constant W = 7;
    uint256 private constant MASK64 = 0xFFFFFFFFFFFFFFFF;

    /// The largest degree accepted (a round's length is one byte in the calldata encoding).
    uint256 internal constant MAX_DEGREE = 254;

    /// Verifies the rounds of a sumcheck of `numVars` variables, degree `degree` and claimed sum `claimedSum`.
    /// Returns the sub-claim: the summand at `point` must equal `value`.
    function verify(
        Transcript memory t,
        uint256 numVars,
        uint256 degree,
        uint256 claimedSum,
        uint256[][] memory roundPolys
    ) internal pure returns (uint256[] memory point, uint256 value) {
        return verifyGround(t, numVars, degree, claimedSum, roundPolys, 0, new uint256[](0));
    }

    /// `verify` with a proof of work of `bits` between each round's message and its challenge (`pows[round]`,
    /// one per round; none when `pows` is empty): the masked opening's first sumcheck, whose rounds fold the
    /// committed word (`zkinfer_pcs::masked`'s `first_sumcheck`). Reverts `RoundProofOfWork(round)`.
    function verifyGround(
        Transcript memory t,
        uint256 numVars,
        uint256 degree,
        uint256 claimedSum,
        uint256[][] memory roundPolys,
        uint256 bits,
        uint256[] memory pows
    ) internal pure returns (uint256[] memory point, uint256 value) {
        if (degree > MAX_DEGREE) revert BadDegree(degree);
        if (roundPolys.length != numVars) revert WrongRoundCount(numVars, roundPolys.length);
        bool ground = pows.length != 0;
        if (ground && pows.length < numVars) revert WrongRoundCount(numVars, pows.length);
        T.absorbExt(t, CLAIM, claimedSum);
        uint256[] memory weights = lagrangeWeights(degree);
        uint256 claim = claimedSum;
        point = new uint256[](numVars);
        // The round's values at 0..degree, rebuilt in one buffer.
        uint256[] memory g = new uint256[](degree + 1);
        for (uint256 round = 0; round < numVars; round++) {
            uint256[] memory m = roundPolys[round];
            if (degree == 0 || m.length != degree) revert WrongRoundDegree(round, degree, m.length);
            T.absorbExts(t, ROUND, m);
            if (ground) _grind(t, bits, pows, round);
            uint256 r = T.challenge(t, CHALLENGE);
            claim = _next(g, m, claim, weights, r);
            point[round] = r;
        }
        value = claim;
    }

    /// `verify` with a degree per round (`zkinfer_sumcheck::verify_per_round`): round k sends `degrees[k]`
    /// values. The barycentric weights are computed once per distinct degree (one inversion each).
    function verifyPerRound(
        Transcript memory t,
        uint256[] memory degrees,
        uint256 claimedSum,
        uint256[][] memory roundPolys
    ) internal pure returns (uint256[] memory point, uint256 value) {
        return verifyPerRoundCached(t, degrees, claimedSum, roundPolys, new uint256[][](0));
    }

    /// `verifyPerRound` with the barycentric weights kept in `cache` (indexed by degree, filled on first use)
    /// across calls: a verifier running many sumchecks of the same degrees (the LogUp layers: 1, 3, 5)
    /// computes each degree's weights once. A cache shorter than the largest degree + 1 is not used. The
    /// round values are rebuilt in one buffer of the largest degree + 1 for every round.
    function verifyPerRoundCached(
        Transcript memory t,
        uint256[] memory degrees,
        uint256 claimedSum,
        uint256[][] memory roundPolys,
        uint256[][] memory cache
    ) internal pure returns (uint256[] memory point, uint256 value) {
        (uint256[][] memory weights, uint256[] memory g) = _buffers(degrees, roundPolys.length, cache);
        T.absorbExt(t, CLAIM, claimedSum);
        value = claimedSum;
        point = new uint256[](degrees.length);
        for (uint256 round = 0; round < degrees.length; round++) {
            uint256 degree = degrees[round];
            uint256[] memory m = roundPolys[round];
            if (degree == 0 || m.length != degree) revert WrongRoundDegree(round, degree, m.length);
            T.absorbExts(t, ROUND, m);
            uint256 r = T.challenge(t, CHALLENGE);
            if (weights[degree].length == 0) weights[degree] = lagrangeWeights(degree);
            // `g` holds degree + 1 values this round (its allocation holds the largest degree + 1).
            assembly ("memory-safe") {
                mstore(g, add(degree, 1))
            }
            value = _next(g, m, value, weights[degree], r);
            point[round] = r;
        }
    }

    /// Checks the degrees and the round count; returns the weights' cache (`cache` if it is long enough) and
    /// the round buffer, both sized by the largest degree.
    function _buffers(uint256[] memory degrees, uint256 rounds, uint256[][] memory cache)
        private
        pure
        returns (uint256[][] memory weights, uint256[] memory g)
    {
        uint256 n = degrees.length;
        uint256 maxDegree = 0;
        for (uint256 k = 0; k < n; k++) {
            if (degrees[k] > MAX_DEGREE) revert BadDegree(degrees[k]);
            if (degrees[k] > maxDegree) maxDegree = degrees[k];
        }
        if (rounds != n) revert WrongRoundCount(n, rounds);
        weights = cache.length > maxDegree ? cache : new uint256[][](maxDegree + 1);
        g = new uint256[](maxDegree + 1);
    }

    function _grind(Transcript memory t, uint256 bits, uint256[] memory pows, uint256 round) private pure {
        if (!T.checkWitness(t, bits, pows[round])) revert RoundProofOfWork(round);
    }

    /// The round polynomial's values at 0..degree in `g` (`g(1)` the running claim less `g(0)`), at `r`.
    function _next(uint256[] memory g, uint256[] memory m, uint256 claim, uint256[] memory weights, uint256 r)
        private
        pure
        returns (uint256)
    {
        g[0] = m[0];
        g[1] = G.extSub(claim, m[0]);
        for (uint256 i = 1; i < m.length; i++) {
            g[i + 1] = m[i];
        }
        return interpolate(g, weights, r);
    }

    /// The barycentric weights w_i = 1 / Π_{j≠i} (i − j) of the nodes 0..degree, in F:
    /// w_i = (−1)^(degree−i) / (i! (degree−i)!), from one inversion of degree!.
    /// For degree ≤ 8 (every round the engine sends) 1/degree! is a constant: no inversion (≈ 8,300 gas
    /// saved per sumcheck and per distinct degree).
    function lagrangeWeights(uint256 degree) internal pure returns (uint256[] memory w) {
        uint256 n = degree + 1;
        uint256[] memory invFact = new uint256[](n);
        if (degree <= 8) {
            invFact[degree] = _smallInvFactorial(degree);
        } else {
            uint256 fact = 1;
            for (uint256 k = 2; k <= degree; k++) {
                fact = G.mul(fact, k);
            }
            invFact[degree] = G.inv(fact);
        }
        for (uint256 k = degree; k > 0; k--) {
            invFact[k - 1] = G.mul(invFact[k], k);
        }
        w = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            uint256 v = G.mul(invFact[i], invFact[degree - i]);
            w[i] = (degree - i) % 2 == 1 ? G.neg(v) : v;
        }
    }

    /// 1/k! in F for k ≤ 8 (k! inverted offline: `pow(k!, p − 2, p)`).
    function _smallInvFactorial(uint256 k) private pure returns (uint256) {
        if (k <= 1) return 1;
        if (k == 2) return 0x7fffffff80000001;
        if (k == 3) return 0xd555555480000001;
        if (k == 4) return 0xf555555460000001;
        if (k == 5) return 0xfddddddce0000001;
        if (k == 6) return 0xaa4fa4f9a5555556;
        if (k == 7) return 0x61791791179e79e8;
        return 0x0c2f22f222f3cf3d;
    }

    /// p(x) for the polynomial of degree < values.length with p(i) = values[i]:
    /// Σ_i values[i] · w_i · Π_{j≠i} (x − j), with prefix and suffix products (no division: exact at nodes).
    /// `weights` must have the length of `values`. In Yul, on coordinates (the arithmetic of
    /// `Goldilocks.extMul`, inlined); the suffix products live in scratch memory past the free pointer.
    function interpolate(uint256[] memory values, uint256[] memory weights, uint256 x)
        internal
        pure
        returns (uint256 acc)
    {
        assembly ("memory-safe") {
            let n := mload(values)
            let scratch := mload(0x40)
            let x0 := and(x, MASK64)
            let x1 := shr(64, x)
            // suffix[i] = Π_{j>i} (x − j)
            let s0 := 1
            let s1 := 0
            for { let i := n } gt(i, 0) { i := sub(i, 1) } {
                mstore(add(scratch, mul(sub(i, 1), 32)), or(s0, shl(64, s1)))
                let d0 := mod(sub(add(x0, P), sub(i, 1)), P)
                let t0 := mod(add(mul(s0, d0), mul(W, mul(s1, x1))), P)
                s1 := mod(add(mul(s0, x1), mul(s1, d0)), P)
                s0 := t0
            }
            let p0 := 1
            let p1 := 0
            let a0 := 0
            let a1 := 0
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let sf := mload(add(scratch, mul(i, 32)))
                let f0 := and(sf, MASK64)
                let f1 := shr(64, sf)
                let w := mload(add(weights, mul(add(i, 1), 32)))
                // b = prefix · suffix · w_i
                let b0 := mod(mul(mod(add(mul(p0, f0), mul(W, mul(p1, f1))), P), w), P)
                let b1 := mod(mul(mod(add(mul(p0, f1), mul(p1, f0)), P), w), P)
                // acc += values[i] · b
                let v := mload(add(values, mul(add(i, 1), 32)))
                let v0 := and(v, MASK64)
                let v1 := shr(64, v)
                a0 := mod(add(a0, add(mul(v0, b0), mul(W, mul(v1, b1)))), P)
                a1 := mod(add(a1, add(mul(v0, b1), mul(v1, b0))), P)
                // prefix *= (x − i)
                let d0 := mod(sub(add(x0, P), i), P)
                let t0 := mod(add(mul(p0, d0), mul(W, mul(p1, x1))), P)
                p1 := mod(add(mul(p0, x1), mul(p1, d0)), P)
                p0 := t0
            }
            acc := or(a0, shl(64, a1))
        }
    }

    /// eq(r, x) = Π_i (r_i x_i + (1 − r_i)(1 − x_i)); the lengths must agree.
    function eqEval(uint256[] memory r, uint256[] memory x) internal pure returns (uint256 acc) {
        if (r.length != x.length) revert WrongEvalCount(x.length, r.length);
        acc = 1;
        for (uint256 i = 0; i < r.length; i++) {
            uint256 rx = G.extMul(r[i], x[i]);
            uint256 nr = G.extSub(1, r[i]);
            uint256 nx = G.extSub(1, x[i]);
            acc = G.extMul(acc, G.extAdd(rx, G.extMul(nr, nx)));
        }
    }

    /// [eq(eqPoint, point)] · Σ_j coeffs[j] · Π_i evals[factors[j][i]] (zkinfer_sumcheck::summand_at).
    function summandAt(
        uint256[] memory coeffs,
        uint256[][] memory factors,
        bool hasEq,
        uint256[] memory eqPoint,
        uint256[] memory point,
        uint256[] memory evals
    ) internal pure returns (uint256 sum) {
        for (uint256 j = 0; j < coeffs.length; j++) {
            uint256 prod = coeffs[j];
            uint256[] memory fs = factors[j];
            for (uint256 i = 0; i < fs.length; i++) {
                if (fs[i] >= evals.length) revert WrongEvalCount(fs[i] + 1, evals.length);
                prod = G.extMul(prod, evals[fs[i]]);
            }
            sum = G.extAdd(sum, prod);
        }
        if (hasEq) {
            sum = G.extMul(sum, eqEval(eqPoint, point));
        }
    }

    /// Discharges a sub-claim: reverts with `FinalEvalMismatch` unless `value` equals the summand at `point`.
    function checkProducts(
        uint256 value,
        uint256[] memory coeffs,
        uint256[][] memory factors,
        bool hasEq,
        uint256[] memory eqPoint,
        uint256[] memory point,
        uint256[] memory evals
    ) internal pure {
        uint256 got = summandAt(coeffs, factors, hasEq, eqPoint, point, evals);
        if (got != value) revert FinalEvalMismatch(value, got);
    }
}

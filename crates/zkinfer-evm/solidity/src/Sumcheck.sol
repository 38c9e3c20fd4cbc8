// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Transcript, KeccakTranscript as T} from "./Transcript.sol";

/// @title The sumcheck verifier of crates/zkinfer-sumcheck (`verifier::verify`, `summand_at`).
/// @notice Round k sends g_k by its values at 0, 1, …, degree (packed EF). The verifier absorbs the claimed sum
/// ("sumcheck/claim"), then per round checks the length, checks g_k(0) + g_k(1) against the running claim,
/// absorbs g_k ("sumcheck/round"), draws ρ_k ("sumcheck/challenge") and sets the claim to g_k(ρ_k) (Lagrange
/// interpolation over the nodes 0..degree). It returns the sub-claim (ρ, value) that the caller must discharge,
/// e.g. with `summandAt`. Errors mirror the Rust `SumcheckError` variants and revert.
library Sumcheck {
    error WrongRoundCount(uint256 expected, uint256 got);
    error WrongRoundDegree(uint256 round, uint256 expected, uint256 got);
    error RoundCheckFailed(uint256 round, uint256 expected, uint256 got);
    error FinalEvalMismatch(uint256 expected, uint256 got);
    error BadDegree(uint256 degree);
    error WrongEvalCount(uint256 expected, uint256 got);

    /// The labels of zkinfer_sumcheck::labels, encoded (KeccakTranscript.encodeLabel): "sumcheck/claim",
    /// "sumcheck/round", "sumcheck/challenge".
    bytes internal constant CLAIM =
        hex"0e00000000000000730000000000000075000000000000006d0000000000000063000000000000006800000000000000650000000000000063000000000000006b000000000000002f0000000000000063000000000000006c00000000000000610000000000000069000000000000006d00000000000000";
    bytes internal constant ROUND =
        hex"0e00000000000000730000000000000075000000000000006d0000000000000063000000000000006800000000000000650000000000000063000000000000006b000000000000002f0000000000000072000000000000006f0000000000000075000000000000006e000000000000006400000000000000";
    bytes internal constant CHALLENGE =
        hex"1200000000000000730000000000000075000000000000006d0000000000000063000000000000006800000000000000650000000000000063000000000000006b000000000000002f000000000000006300000000000000680000000000000061000000000000006c000000000000006c0000000000000065000000000000006e0000000000000067000000000000006500000000000000";

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
        if (degree > MAX_DEGREE) revert BadDegree(degree);
        if (roundPolys.length != numVars) revert WrongRoundCount(numVars, roundPolys.length);
        T.absorbExt(t, CLAIM, claimedSum);
        uint256[] memory weights = lagrangeWeights(degree);
        uint256 claim = claimedSum;
        point = new uint256[](numVars);
        for (uint256 round = 0; round < numVars; round++) {
            uint256[] memory g = roundPolys[round];
            if (g.length != degree + 1) revert WrongRoundDegree(round, degree + 1, g.length);
            uint256 sum = G.extAdd(g[0], g[1]);
            if (sum != claim) revert RoundCheckFailed(round, claim, sum);
            T.absorbExts(t, ROUND, g);
            uint256 r = T.challenge(t, CHALLENGE);
            claim = interpolate(g, weights, r);
            point[round] = r;
        }
        value = claim;
    }

    /// The barycentric weights w_i = 1 / Π_{j≠i} (i − j) of the nodes 0..degree, in F:
    /// w_i = (−1)^(degree−i) / (i! (degree−i)!), from one inversion of degree!.
    function lagrangeWeights(uint256 degree) internal pure returns (uint256[] memory w) {
        uint256 n = degree + 1;
        uint256[] memory invFact = new uint256[](n);
        uint256 fact = 1;
        for (uint256 k = 2; k <= degree; k++) {
            fact = G.mul(fact, k);
        }
        invFact[degree] = G.inv(fact);
        for (uint256 k = degree; k > 0; k--) {
            invFact[k - 1] = G.mul(invFact[k], k);
        }
        w = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            uint256 v = G.mul(invFact[i], invFact[degree - i]);
            w[i] = (degree - i) % 2 == 1 ? G.neg(v) : v;
        }
    }

    /// p(x) for the polynomial of degree < values.length with p(i) = values[i]:
    /// Σ_i values[i] · w_i · Π_{j≠i} (x − j), with prefix and suffix products (no division: exact at nodes).
    function interpolate(uint256[] memory values, uint256[] memory weights, uint256 x)
        internal
        pure
        returns (uint256 acc)
    {
        uint256 n = values.length;
        // suffix[i] = Π_{j>i} (x − j)
        uint256[] memory suffix = new uint256[](n);
        uint256 s = 1;
        for (uint256 i = n; i > 0; i--) {
            suffix[i - 1] = s;
            s = G.extMul(s, G.extSub(x, i - 1));
        }
        uint256 prefix = 1;
        for (uint256 i = 0; i < n; i++) {
            uint256 basis = G.extMul(prefix, suffix[i]);
            acc = G.extAdd(acc, G.extMul(values[i], G.extMulBase(basis, weights[i])));
            prefix = G.extMul(prefix, G.extSub(x, i));
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

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// The parts of a leaf claim's polynomials that the verifier computes (`zkinfer_lookup::zk::LeafForm`):
/// `P = pConst + multiplicity·m(x') + s·N(z)` and `Q = qConst + Σ_c witness[c]·X_c + s·D(z)`, each plus the leaf
/// masks `masks[0]·S[0] + masks[1]·S[1]`.
struct LeafForm {
    uint256 s;
    uint256 z;
    uint256 pConst;
    uint256 multiplicity;
    uint256 qConst;
    uint256[] witness;
    uint256[2] masks;
}

/// @title The lookup tables' multilinear extensions in closed form, and the leaf forms of the blinded LogUp
/// argument (`Table::evaluate_columns`, `LeafClaim::form`).
/// @notice A table's columns at a point of its `bits` variables (big-endian), with `u = Σ_j 2^(bits−1−j)·x_j`:
/// a range table `[u]`; a signed range `[u − 2^(bits−1)]`; the ReLU function table (`max(i, 0)` over the signed
/// range) `[u − 2^(bits−1), x_0·(u − 2^(bits−1)·x_0)]` — its outputs are the top bit times the lower bits' value,
/// a multilinear polynomial, so its MLE costs `bits` operations instead of a `2^bits` table. Other function
/// tables (GELU, exp, …) have no such form: a verifier needs them committed (issue 14 item 4), and
/// `UnsupportedTable` refuses them.
library LookupTables {
    error UnsupportedTable(uint256 kind);
    error EmptyLeafPoint();

    uint256 internal constant RANGE = 0;
    uint256 internal constant SIGNED_RANGE = 1;
    uint256 internal constant RELU = 2;

    /// The table's number of columns.
    function numColumns(uint256 kind) internal pure returns (uint256) {
        if (kind == RANGE || kind == SIGNED_RANGE) return 1;
        if (kind == RELU) return 2;
        revert UnsupportedTable(kind);
    }

    /// The table's columns' MLEs at `point` (`bits` coordinates).
    function columnsAt(uint256 kind, uint256 bits, uint256[] memory point) internal pure returns (uint256[] memory cols) {
        cols = new uint256[](numColumns(kind));
        if (point.length != bits) revert Sumcheck.WrongEvalCount(bits, point.length);
        uint256 u = 0;
        for (uint256 j = 0; j < point.length; j++) {
            u = G.extAdd(G.extAdd(u, u), point[j]);
        }
        if (kind == RANGE) {
            cols[0] = u;
            return cols;
        }
        uint256 half = bits == 0 ? 0 : 1 << (bits - 1);
        cols[0] = G.extSub(u, half);
        if (kind == RELU) {
            uint256 x0 = point[0];
            cols[1] = G.extMul(x0, G.extSub(u, G.extMulBase(x0, half)));
        }
    }

    /// `LeafClaim::form` for a leaf `point` (of `bits + 1` coordinates for the table tree): the selector `s`
    /// (the product of every coordinate but the last), `z` (the last), the constants, and the leaf masks'
    /// coefficients `[Z(ρ)(1 − μ), Z(ρ)·μ]` with `(μ, ρ)` the point's first coordinate and the rest.
    function leafForm(uint256[] memory point, bool isTable, uint256 kind, uint256 bits, uint256 alpha, uint256 beta)
        internal
        pure
        returns (LeafForm memory f)
    {
        uint256 n = point.length;
        if (n == 0) revert EmptyLeafPoint();
        f.s = 1;
        for (uint256 i = 0; i + 1 < n; i++) {
            f.s = G.extMul(f.s, point[i]);
        }
        f.z = point[n - 1];
        uint256 mu = point[0];
        uint256 zr = 1;
        for (uint256 i = 1; i < n; i++) {
            zr = G.extMul(zr, G.extMul(point[i], G.extSub(1, point[i])));
        }
        f.masks[0] = G.extMul(zr, G.extSub(1, mu));
        f.masks[1] = G.extMul(zr, mu);
        if (isTable) {
            uint256[] memory rest = new uint256[](n - 1);
            for (uint256 i = 1; i < n; i++) {
                rest[i - 1] = point[i];
            }
            uint256[] memory cols = columnsAt(kind, bits, rest);
            // fold_β: Σ_c β^c·cols[c].
            uint256 tv = 0;
            for (uint256 c = cols.length; c > 0; c--) {
                tv = G.extAdd(G.extMul(tv, beta), cols[c - 1]);
            }
            uint256 notX0 = G.extSub(1, mu);
            f.multiplicity = notX0;
            f.qConst = G.extSub(G.extAdd(G.extMul(notX0, G.extSub(alpha, tv)), mu), f.s);
            f.witness = new uint256[](0);
        } else {
            f.pConst = G.extSub(1, f.s);
            f.qConst = G.extMul(alpha, G.extSub(1, f.s));
            uint256 m = numColumns(kind);
            f.witness = new uint256[](m);
            uint256 b = 1;
            for (uint256 c = 0; c < m; c++) {
                f.witness[c] = G.extNeg(b);
                b = G.extMul(b, beta);
            }
        }
    }
}

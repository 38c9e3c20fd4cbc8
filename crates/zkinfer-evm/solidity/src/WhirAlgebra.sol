// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Cursor, ProofReader as R} from "./ProofReader.sol";
import {Whir} from "./Whir.sol";

/// @title The algebra of a plain p3-whir 0.8 opening (one claim), with the challenges given: the claim chain
/// through every sumcheck phase (`reduce_claim` of `Basis::Evaluation`: h(1) = claim − h(0), claim ← h(r)),
/// the OOD and STIR constraints batched with powers of α and γ (the carried claim keeps 1), the final queries
/// against the final polynomial (Horner at ω^index), and the closing identity claim = W(r) · f̂(r_final).
/// @notice `zkinfer_evm::whir::WhirAlgebra` encodes the message and is the Rust twin (error for error); its
/// reading of p3-whir is checked against p3's verifier on real openings (tests/whir_trace.rs). NOT yet the
/// whole WHIR verifier: the challenges are inputs (the transcript that draws them is replayed separately),
/// see crates/zkinfer-evm/README.md.
library WhirAlgebra {
    error BadShape(uint256 what);
    error FinalQueryMismatch(uint256 query);
    error ClosingIdentityFailed();

    /// The 2^32-th root of unity of p3-goldilocks (`TWO_ADIC_GENERATORS[32]`).
    uint256 internal constant G32 = 0x185629dcda58878c;
    uint256 private constant ONE = 1;

    struct Queries {
        uint256 bits;
        uint256[] idx;
        uint256[][] rows;
    }

    struct Round {
        uint256[] oodZ;
        uint256[] oodY;
        uint256 gamma;
        Queries q;
    }

    struct Msg {
        uint256 n;
        uint256 fold;
        /// The claims, in p3's schedule order: each point lifted into the stack (n coordinates) and its value.
        uint256[][] points;
        uint256[] values;
        uint256[] initZ;
        uint256[] initY;
        uint256 alpha;
        uint256[][] h0;
        uint256[][] hinf;
        uint256[][] r;
        Round[] rounds;
        uint256[] finalPoly;
        Queries fq;
    }

    function _exts(Cursor memory c, uint256 n) private pure returns (uint256[] memory xs) {
        xs = new uint256[](n);
        for (uint256 i = 0; i < n; i++) xs[i] = R.readExt(c);
    }

    function _pairs(Cursor memory c) private pure returns (uint256[] memory z, uint256[] memory y) {
        uint256 k = R.readUint(c, 1);
        z = new uint256[](k);
        y = new uint256[](k);
        for (uint256 i = 0; i < k; i++) {
            z[i] = R.readExt(c);
            y[i] = R.readExt(c);
        }
    }

    function _queries(Cursor memory c) private pure returns (uint256[] memory idx, uint256[][] memory rows) {
        uint256 k = R.readUint(c, 2);
        idx = new uint256[](k);
        rows = new uint256[][](k);
        for (uint256 i = 0; i < k; i++) {
            idx[i] = R.readUint(c, 4);
            rows[i] = _exts(c, R.readUint(c, 1));
        }
    }

    /// Decodes the whole message (then no trailing bytes), as `WhirAlgebra::decode`.
    function decode(Cursor memory c) internal pure returns (Msg memory m) {
        m.n = R.readUint(c, 1);
        m.fold = R.readUint(c, 1);
        uint256 nc = R.readUint(c, 1);
        m.points = new uint256[][](nc);
        m.values = new uint256[](nc);
        for (uint256 i = 0; i < nc; i++) {
            m.points[i] = _exts(c, m.n);
            m.values[i] = R.readExt(c);
        }
        (m.initZ, m.initY) = _pairs(c);
        m.alpha = R.readExt(c);
        uint256 np = R.readUint(c, 1);
        m.h0 = new uint256[][](np);
        m.hinf = new uint256[][](np);
        m.r = new uint256[][](np);
        for (uint256 p = 0; p < np; p++) {
            uint256 k = R.readUint(c, 1);
            m.h0[p] = new uint256[](k);
            m.hinf[p] = new uint256[](k);
            m.r[p] = new uint256[](k);
            for (uint256 i = 0; i < k; i++) {
                m.h0[p][i] = R.readExt(c);
                m.hinf[p][i] = R.readExt(c);
                m.r[p][i] = R.readExt(c);
            }
        }
        uint256 nr = R.readUint(c, 1);
        m.rounds = new Round[](nr);
        for (uint256 i = 0; i < nr; i++) {
            Round memory rd = m.rounds[i];
            (rd.oodZ, rd.oodY) = _pairs(c);
            rd.gamma = R.readExt(c);
            rd.q.bits = R.readUint(c, 1);
            (rd.q.idx, rd.q.rows) = _queries(c);
        }
        m.finalPoly = _exts(c, R.readUint(c, 1));
        m.fq.bits = R.readUint(c, 1);
        (m.fq.idx, m.fq.rows) = _queries(c);
        R.finish(c);
    }

    function _checkShape(Msg memory m) private pure {
        uint256 np = m.r.length;
        if (m.values.length == 0) revert BadShape(6);
        if (np != m.rounds.length + 2) revert BadShape(1);
        uint256 sum = 0;
        for (uint256 p = 0; p < np; p++) sum += m.r[p].length;
        if (sum != m.n) revert BadShape(2);
        for (uint256 p = 0; p + 1 < np; p++) {
            if (m.r[p].length != m.fold) revert BadShape(3);
        }
        uint256 lastLen = m.r[np - 1].length;
        if (lastLen >= 32 || m.finalPoly.length != 1 << lastLen) revert BadShape(4);
        for (uint256 i = 0; i <= m.rounds.length; i++) {
            Queries memory q = i < m.rounds.length ? m.rounds[i].q : m.fq;
            for (uint256 j = 0; j < q.idx.length; j++) {
                if (m.fold >= 32 || q.rows[j].length != 1 << m.fold || q.bits >= 32 || q.idx[j] >> q.bits != 0) {
                    revert BadShape(5);
                }
            }
        }
    }

    /// h(r) for the quadratic through h(0), h(1) = claim − h(0), leading coefficient h(∞).
    function _reduce(uint256 claim, uint256 h0, uint256 hinf, uint256 r) private pure returns (uint256) {
        uint256 t = G.extSub(G.extSub(claim, h0), h0);
        t = G.extAdd(t, G.extMul(hinf, G.extSub(r, ONE)));
        return G.extAdd(h0, G.extMul(r, t));
    }

    /// ω^index for the two-adic generator ω of order 2^bits (F, as packed EF).
    function omegaPow(uint256 bits, uint256 index) internal pure returns (uint256 x) {
        assembly ("memory-safe") {
            let P := 0xFFFFFFFF00000001
            let g := G32
            for { let i := bits } lt(i, 32) { i := add(i, 1) } { g := mulmod(g, g, P) }
            x := 1
            for {} index {} {
                if and(index, 1) { x := mulmod(x, g, P) }
                g := mulmod(g, g, P)
                index := shr(1, index)
            }
        }
    }

    /// eq(p, full[from..]) = Π (2·l·r − l − r + 1).
    function _eq(uint256[] memory p, uint256[] memory full, uint256 from) private pure returns (uint256 acc) {
        acc = ONE;
        for (uint256 i = 0; i < p.length; i++) {
            uint256 l = p[i];
            uint256 r = full[from + i];
            uint256 lr = G.extMul(l, r);
            acc = G.extMul(acc, G.extAdd(G.extSub(G.extSub(G.extAdd(lr, lr), l), r), ONE));
        }
    }

    /// eq(expand_from_univariate(z, nv), full[from..]): coordinate nv − 1 is z, each earlier one the square.
    function _eqExpanded(uint256 z, uint256[] memory full, uint256 from, uint256 nv)
        private
        pure
        returns (uint256 acc)
    {
        acc = ONE;
        uint256 l = z;
        for (uint256 k = nv; k > 0; k--) {
            uint256 r = full[from + k - 1];
            uint256 lr = G.extMul(l, r);
            acc = G.extMul(acc, G.extAdd(G.extSub(G.extSub(G.extAdd(lr, lr), l), r), ONE));
            l = G.extMul(l, l);
        }
    }

    /// p3's `Point::eval_select(x, full[from..from + nv])`: Π over the coordinates from the last, r·(x − 1) + 1,
    /// x squared each step (x in F).
    function _select(uint256 x, uint256[] memory full, uint256 from, uint256 nv) private pure returns (uint256 acc) {
        assembly ("memory-safe") {
            let P := 0xFFFFFFFF00000001
            let M := 0xFFFFFFFFFFFFFFFF
            let a0 := 1
            let a1 := 0
            let base := add(add(full, 0x20), shl(5, from))
            for { let k := nv } gt(k, 0) { k := sub(k, 1) } {
                let r := mload(add(base, shl(5, sub(k, 1))))
                let xm := mod(add(x, sub(P, 1)), P)
                // t = r · (x − 1) + 1
                let t0 := mod(add(mul(and(r, M), xm), 1), P)
                let t1 := mod(mul(shr(64, r), xm), P)
                let n0 := mod(add(mul(a0, t0), mul(7, mul(a1, t1))), P)
                a1 := mod(add(mul(a0, t1), mul(a1, t0)), P)
                a0 := n0
                x := mulmod(x, x, P)
            }
            acc := or(a0, shl(64, a1))
        }
    }

    /// Checks the algebra (as `WhirAlgebra::check`); reverts with `BadShape`, `FinalQueryMismatch` or
    /// `ClosingIdentityFailed`. Consumes `m`: the opened rows and the final polynomial are folded in place.
    function check(Msg memory m) internal pure {
        _checkShape(m);
        uint256 last = m.r.length - 1;
        // The layout's constraint: one α-power per claim (schedule order), then the OOD claims.
        uint256 claim = 0;
        uint256 pw = 1;
        for (uint256 i = 0; i < m.values.length; i++) {
            claim = G.extAdd(claim, G.extMul(pw, m.values[i]));
            pw = G.extMul(pw, m.alpha);
        }
        for (uint256 j = 0; j < m.initY.length; j++) {
            claim = G.extAdd(claim, G.extMul(pw, m.initY[j]));
            pw = G.extMul(pw, m.alpha);
        }
        for (uint256 i = 0; i < m.r[0].length; i++) claim = _reduce(claim, m.h0[0][i], m.hinf[0][i], m.r[0][i]);
        for (uint256 i = 0; i < m.rounds.length; i++) {
            Round memory rd = m.rounds[i];
            pw = rd.gamma;
            for (uint256 j = 0; j < rd.oodY.length; j++) {
                claim = G.extAdd(claim, G.extMul(pw, rd.oodY[j]));
                pw = G.extMul(pw, rd.gamma);
            }
            for (uint256 j = 0; j < rd.q.idx.length; j++) {
                claim = G.extAdd(claim, G.extMul(pw, Whir.foldRow(rd.q.rows[j], m.r[i])));
                pw = G.extMul(pw, rd.gamma);
            }
            for (uint256 k = 0; k < m.r[i + 1].length; k++) {
                claim = _reduce(claim, m.h0[i + 1][k], m.hinf[i + 1][k], m.r[i + 1][k]);
            }
        }
        for (uint256 j = 0; j < m.fq.idx.length; j++) {
            uint256 x = omegaPow(m.fq.bits, m.fq.idx[j]);
            uint256 acc = 0;
            for (uint256 k = m.finalPoly.length; k > 0; k--) {
                acc = G.extAdd(G.extMulBase(acc, x), m.finalPoly[k - 1]);
            }
            if (acc != Whir.foldRow(m.fq.rows[j], m.r[last - 1])) revert FinalQueryMismatch(j);
        }
        for (uint256 k = 0; k < m.r[last].length; k++) {
            claim = _reduce(claim, m.h0[last][k], m.hinf[last][k], m.r[last][k]);
        }
        // The whole folding randomness, phase after phase.
        uint256[] memory full = new uint256[](m.n);
        {
            uint256 at = 0;
            for (uint256 p = 0; p <= last; p++) {
                for (uint256 k = 0; k < m.r[p].length; k++) full[at++] = m.r[p][k];
            }
        }
        uint256 w = 0;
        pw = 1;
        for (uint256 i = 0; i < m.points.length; i++) {
            w = G.extAdd(w, G.extMul(pw, _eq(m.points[i], full, 0)));
            pw = G.extMul(pw, m.alpha);
        }
        for (uint256 j = 0; j < m.initZ.length; j++) {
            w = G.extAdd(w, G.extMul(pw, _eqExpanded(m.initZ[j], full, 0, m.n)));
            pw = G.extMul(pw, m.alpha);
        }
        for (uint256 i = 0; i < m.rounds.length; i++) {
            Round memory rd = m.rounds[i];
            uint256 nv = m.n - m.fold * (i + 1);
            uint256 from = m.n - nv;
            pw = rd.gamma;
            for (uint256 j = 0; j < rd.oodZ.length; j++) {
                w = G.extAdd(w, G.extMul(pw, _eqExpanded(rd.oodZ[j], full, from, nv)));
                pw = G.extMul(pw, rd.gamma);
            }
            for (uint256 j = 0; j < rd.q.idx.length; j++) {
                w = G.extAdd(w, G.extMul(pw, _select(omegaPow(rd.q.bits, rd.q.idx[j]), full, from, nv)));
                pw = G.extMul(pw, rd.gamma);
            }
        }
        // The final polynomial is not read after this: folded in place.
        uint256 f = Whir.foldRow(m.finalPoly, m.r[last]);
        if (claim != G.extMul(w, f)) revert ClosingIdentityFailed();
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Transcript, KeccakTranscript as T} from "./Transcript.sol";
import {Sumcheck} from "./Sumcheck.sol";
import {ZkSumcheck} from "./ZkSumcheck.sol";

/// One slot of the pool: a Libra mask (per-variable `degrees`, its claim `g(point) = value` once recorded) or a
/// claim mask (`raw`: two entries, revealed only through linear claims).
struct PoolSlot {
    uint256 offset;
    uint256 numVars;
    uint256 degree;
    uint256 len;
    bool raw;
    uint256[] degrees;
    bool recorded;
    uint256[] point;
    uint256 value;
}

/// A linear claim on the pool: `Σ_terms ⟨entries of slots[i], weights[i]⟩ = value`.
struct PoolLinear {
    uint256[] slots;
    uint256[][] weights;
    uint256 value;
}

/// The verifier's mask pool (`zkinfer_sumcheck::zk::MaskPoolVerifier`): the layout (a function of the size
/// alone), the slots taken in the prover's order and the claims recorded on them.
struct Pool {
    uint256 size;
    uint256 vars;
    uint256 innerVars;
    uint256 hOffset;
    uint256 denseOffset;
    uint256 capacity;
    uint256 next;
    PoolSlot[] slots;
    uint256 nSlots;
    PoolLinear[] linear;
    uint256 nLinear;
}

/// The pool's discharge proof (`MaskPoolProof`): level 1's ZK sumcheck and `c̃(z)`, level 2's and `c̃_h(s)`.
struct PoolProof {
    uint256 reduceMaskSum;
    uint256[][] reduceRounds;
    uint256 reduceMaskEval;
    uint256 poolEval;
    uint256 innerMaskSum;
    uint256[][] innerRounds;
    uint256 innerMaskEval;
    uint256 innerEval;
}

/// A claim on the pool's one committed column (`PoolClaim`): its MLE at `point` is `value`.
struct PoolClaim {
    uint256[] point;
    uint256 value;
}

/// @title The mask pool's verifier (`zkinfer_sumcheck::zk::pool`, docs/ZK-sumcheck.md §4): slot book-keeping in
/// the prover's order, the mask and linear claims, and the two-level zero-knowledge discharge that turns every
/// one of them into three multilinear claims on the pool's column for the proof's hiding opening.
/// @notice Transcript of `finish`, as the Rust verifier's: "mask-pool/shape" (the pool's shape as zigzag varints:
/// size, claim and slot counts, per slot its kind and dimensions, the linear claims' terms), "mask-pool/values"
/// (the Libra claims' values in slot order), "mask-pool/linear" twice (all linear weights, then the linear
/// values; only if there are linear claims), λ ("mask-pool/lambda"); level 1, a ZK sumcheck of `c̃·W̃` over
/// `log₂ K` variables at degree 2, then "mask-pool/pool-eval" `c̃(z)`; level 2, a ZK sumcheck over the `h`
/// block's `m` variables at degree 2, then "mask-pool/inner-eval" `c̃_h(s)`. `W̃(z)` is evaluated from the
/// slots' weights alone (never the `K`-entry vector): two half-size `eq` tables, one product per used entry.
/// Errors are named as the Rust `SumcheckError` variants.
library MaskPool {
    error BadPoolSize(uint256 size, uint256 minimum);
    error PoolExhausted(uint256 requested, uint256 remaining);
    /// `reason`: see `NO_SLOT` … `NEVER_RECORDED`.
    error BadMaskSlot(uint256 slot, uint256 reason);
    error WrongPointLength(uint256 index, uint256 expected, uint256 got);
    error DegenerateChallenge();

    uint256 internal constant NO_SLOT = 0;
    uint256 internal constant NOT_A_CLAIM_MASK = 1;
    uint256 internal constant ALREADY_RECORDED = 2;
    uint256 internal constant RAW_HAS_NO_CLAIM = 3;
    uint256 internal constant NEVER_RECORDED = 4;

    /// The smallest usable pool (`Layout::minimum`), and the largest this verifier takes.
    uint256 internal constant MIN_SIZE = 1 << 13;
    uint256 internal constant MAX_VARS = 40;
    /// Entries of a claim mask (`CLAIM_MASK_LEN`).
    uint256 internal constant CLAIM_MASK_LEN = 2;

    bytes internal constant SHAPE = hex"a0c19a02999fe2d7";
    bytes internal constant VALUES = hex"95bc9796989fe5d0";
    bytes internal constant LINEAR = hex"93cca58f989fdbd8";
    bytes internal constant LAMBDA = hex"94cfa2a8989fdbd0";
    bytes internal constant POOL_EVAL = hex"92c5d596223e73de";
    bytes internal constant INNER_EVAL = hex"93cc97cf33297771";

    // ---------------------------------------------------------------- book-keeping

    /// The verifier of a pool of `size` entries (`MaskPoolVerifier::new`).
    function init(uint256 size) internal pure returns (Pool memory p) {
        if (size < MIN_SIZE || size > (1 << MAX_VARS) || size & (size - 1) != 0) revert BadPoolSize(size, MIN_SIZE);
        uint256 vars = 0;
        while ((1 << vars) < size) vars++;
        uint256 inner = 0;
        while ((1 << inner) < 3 * vars + 1) inner++;
        // size ≥ 2^13 leaves room for the 4^m dense block, the 2^m h block and a free entry.
        p.size = size;
        p.vars = vars;
        p.innerVars = inner;
        p.denseOffset = size - (1 << (2 * inner));
        p.hOffset = p.denseOffset - (1 << inner);
        p.capacity = p.hOffset - 1;
        p.slots = new PoolSlot[](16);
        p.linear = new PoolLinear[](4);
    }

    /// The next Libra mask of `numVars` variables, every one of degree `degree` (`next_mask_shape`).
    function takeMask(Pool memory p, uint256 numVars, uint256 degree) internal pure returns (uint256) {
        if (degree == 0) revert Sumcheck.BadDegree(0);
        uint256[] memory degrees = new uint256[](numVars);
        for (uint256 i = 0; i < numVars; i++) {
            degrees[i] = degree;
        }
        return _push(p, numVars, degree, numVars * (degree + 1), false, degrees);
    }

    /// The next Libra mask with per-variable degrees (`next_mask_shape_per_var`).
    function takeMaskPerVar(Pool memory p, uint256[] memory degrees) internal pure returns (uint256) {
        uint256 len = 0;
        uint256 degree = 0;
        for (uint256 i = 0; i < degrees.length; i++) {
            if (degrees[i] == 0) revert Sumcheck.BadDegree(0);
            len += degrees[i] + 1;
            if (degrees[i] > degree) degree = degrees[i];
        }
        if (degrees.length == 0) degree = 1;
        return _push(p, degrees.length, degree, len, false, degrees);
    }

    /// The next claim mask (`next_claim_mask`).
    function takeClaimMask(Pool memory p) internal pure returns (uint256) {
        return _push(p, 0, 0, CLAIM_MASK_LEN, true, new uint256[](0));
    }

    function _push(Pool memory p, uint256 numVars, uint256 degree, uint256 len, bool raw, uint256[] memory degrees)
        private
        pure
        returns (uint256 index)
    {
        uint256 remaining = p.capacity - p.next;
        if (len > remaining) revert PoolExhausted(len, remaining);
        index = p.nSlots;
        if (index == p.slots.length) {
            PoolSlot[] memory grown = new PoolSlot[](2 * index);
            for (uint256 i = 0; i < index; i++) {
                grown[i] = p.slots[i];
            }
            p.slots = grown;
        }
        PoolSlot memory s = p.slots[index];
        s.offset = p.next;
        s.numVars = numVars;
        s.degree = degree;
        s.len = len;
        s.raw = raw;
        s.degrees = degrees;
        p.next += len;
        p.nSlots = index + 1;
    }

    function _slot(Pool memory p, uint256 slot) private pure returns (PoolSlot memory) {
        if (slot >= p.nSlots) revert BadMaskSlot(slot, NO_SLOT);
        return p.slots[slot];
    }

    /// Reverts unless `slot` is a claim mask (`check_claim_mask`).
    function checkClaimMask(Pool memory p, uint256 slot) internal pure {
        if (!_slot(p, slot).raw) revert BadMaskSlot(slot, NOT_A_CLAIM_MASK);
    }

    /// Records slot `slot`'s Libra claim `g(point) = value` (`record`).
    function record(Pool memory p, uint256 slot, uint256[] memory point, uint256 value) internal pure {
        PoolSlot memory s = _slot(p, slot);
        if (s.recorded) revert BadMaskSlot(slot, ALREADY_RECORDED);
        if (s.raw) revert BadMaskSlot(slot, RAW_HAS_NO_CLAIM);
        if (point.length != s.numVars) revert WrongPointLength(slot, s.numVars, point.length);
        s.recorded = true;
        s.point = point;
        s.value = value;
    }

    /// Records a linear claim (`record_linear`): each term's slot must exist and its weights fit it.
    function recordLinear(Pool memory p, uint256[] memory slots, uint256[][] memory weights, uint256 value)
        internal
        pure
    {
        for (uint256 i = 0; i < slots.length; i++) {
            PoolSlot memory s = _slot(p, slots[i]);
            if (weights[i].length != s.len) revert Sumcheck.WrongEvalCount(s.len, weights[i].length);
        }
        uint256 n = p.nLinear;
        if (n == p.linear.length) {
            PoolLinear[] memory grown = new PoolLinear[](2 * n);
            for (uint256 i = 0; i < n; i++) {
                grown[i] = p.linear[i];
            }
            p.linear = grown;
        }
        p.linear[n] = PoolLinear(slots, weights, value);
        p.nLinear = n + 1;
    }

    // ---------------------------------------------------------------- discharge

    /// Checks the discharge proof (`MaskPoolVerifier::finish`); returns the three claims on the pool's column
    /// that the caller's hiding opening must hold.
    function finish(Pool memory p, Transcript memory t, PoolProof memory proof)
        internal
        pure
        returns (PoolClaim[3] memory claims)
    {
        (uint256 lambda, uint256 sum) = _combine(p, t);
        uint256[] memory z;
        uint256 v1;
        uint256 m1;
        (z, v1, m1) =
            ZkSumcheck.verifyPerRound(t, _twos(p.vars), sum, proof.reduceMaskSum, proof.reduceRounds, proof.reduceMaskEval);
        T.absorbExt(t, POOL_EVAL, proof.poolEval);
        _check(G.extMul(proof.poolEval, _weightsAt(p, lambda, z)), v1);
        uint256[] memory s;
        uint256 v2;
        uint256 m2;
        (s, v2, m2) =
            ZkSumcheck.verifyPerRound(t, _twos(p.innerVars), m1, proof.innerMaskSum, proof.innerRounds, proof.innerMaskEval);
        T.absorbExt(t, INNER_EVAL, proof.innerEval);
        _check(G.extMul(proof.innerEval, _innerWeightsAt(z, s)), v2);
        claims = _poolClaims(p, z, proof.poolEval, s, proof.innerEval, m2);
    }

    /// Absorbs the shape, the Libra claims' values and the linear claims; draws λ; returns λ and
    /// `Σ_j λ^j v_j` over the Libra claims then the linear claims.
    function _combine(Pool memory p, Transcript memory t) private pure returns (uint256 lambda, uint256 sum) {
        uint256 nClaims = 0;
        for (uint256 i = 0; i < p.nSlots; i++) {
            PoolSlot memory s = p.slots[i];
            if (s.raw) continue;
            if (!s.recorded) revert BadMaskSlot(i, NEVER_RECORDED);
            nClaims++;
        }
        T.absorbBytes(t, SHAPE, _shape(p, nClaims));
        uint256[] memory values = new uint256[](nClaims);
        uint256 c = 0;
        for (uint256 i = 0; i < p.nSlots; i++) {
            if (!p.slots[i].raw) values[c++] = p.slots[i].value;
        }
        T.absorbExts(t, VALUES, values);
        if (p.nLinear > 0) {
            uint256 nw = 0;
            for (uint256 l = 0; l < p.nLinear; l++) {
                for (uint256 i = 0; i < p.linear[l].weights.length; i++) {
                    nw += p.linear[l].weights[i].length;
                }
            }
            uint256[] memory ws = new uint256[](nw);
            uint256[] memory lv = new uint256[](p.nLinear);
            nw = 0;
            for (uint256 l = 0; l < p.nLinear; l++) {
                uint256[][] memory w = p.linear[l].weights;
                for (uint256 i = 0; i < w.length; i++) {
                    for (uint256 e = 0; e < w[i].length; e++) {
                        ws[nw++] = w[i][e];
                    }
                }
                lv[l] = p.linear[l].value;
            }
            T.absorbExts(t, LINEAR, ws);
            T.absorbExts(t, LINEAR, lv);
        }
        lambda = T.challenge(t, LAMBDA);
        uint256 scale = 1;
        for (uint256 i = 0; i < nClaims; i++) {
            sum = G.extAdd(sum, G.extMul(scale, values[i]));
            scale = G.extMul(scale, lambda);
        }
        for (uint256 l = 0; l < p.nLinear; l++) {
            sum = G.extAdd(sum, G.extMul(scale, p.linear[l].value));
            scale = G.extMul(scale, lambda);
        }
    }

    /// The pool's shape as zigzag LEB128 varints (`Book::combine`; every number is non-negative: 2v).
    function _shape(Pool memory p, uint256 nClaims) private pure returns (bytes memory out) {
        uint256 ints = 4;
        for (uint256 i = 0; i < p.nSlots; i++) {
            PoolSlot memory s = p.slots[i];
            ints += s.raw ? 2 : (_uniform(s) ? 4 : 4 + s.numVars);
        }
        for (uint256 l = 0; l < p.nLinear; l++) {
            ints += 1 + 2 * p.linear[l].slots.length;
        }
        // Ten bytes bound a varint; the length is set to what was written.
        out = new bytes(10 * ints);
        uint256 o = 0;
        o = _varint(out, o, p.size);
        o = _varint(out, o, nClaims);
        o = _varint(out, o, p.nSlots);
        for (uint256 i = 0; i < p.nSlots; i++) {
            PoolSlot memory s = p.slots[i];
            if (s.raw) {
                o = _varint(out, o, 1);
                o = _varint(out, o, s.len);
            } else {
                o = _varint(out, o, 0);
                o = _varint(out, o, s.numVars);
                o = _varint(out, o, s.degree);
                if (_uniform(s)) {
                    o = _varint(out, o, 0);
                } else {
                    o = _varint(out, o, s.degrees.length);
                    for (uint256 v = 0; v < s.degrees.length; v++) {
                        o = _varint(out, o, s.degrees[v]);
                    }
                }
            }
        }
        o = _varint(out, o, p.nLinear);
        for (uint256 l = 0; l < p.nLinear; l++) {
            uint256[] memory slots = p.linear[l].slots;
            o = _varint(out, o, slots.length);
            for (uint256 i = 0; i < slots.length; i++) {
                o = _varint(out, o, slots[i]);
                o = _varint(out, o, p.linear[l].weights[i].length);
            }
        }
        assembly ("memory-safe") {
            mstore(out, o)
        }
    }

    function _uniform(PoolSlot memory s) private pure returns (bool) {
        for (uint256 v = 0; v < s.degrees.length; v++) {
            if (s.degrees[v] != s.degree) return false;
        }
        return true;
    }

    /// Writes the zigzag varint of the non-negative `v` (i.e. of `2v`) at `o`; returns the next offset. `out`
    /// has room (ten bytes a varint were reserved).
    function _varint(bytes memory out, uint256 o, uint256 v) private pure returns (uint256) {
        assembly ("memory-safe") {
            let z := shl(1, v)
            let at := add(add(out, 0x20), o)
            for {} gt(z, 0x7f) { z := shr(7, z) } {
                mstore8(at, or(and(z, 0x7f), 0x80))
                at := add(at, 1)
            }
            mstore8(at, z)
            o := sub(add(at, 1), add(out, 0x20))
        }
        return o;
    }

    /// `[2; n]`.
    function _twos(uint256 n) private pure returns (uint256[] memory d) {
        d = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            d[i] = 2;
        }
    }

    function _check(uint256 got, uint256 expected) private pure {
        if (got != expected) revert Sumcheck.FinalEvalMismatch(expected, got);
    }

    /// `eq(·, z[from..from + n])` over `{0,1}^n`, big-endian (the first coordinate is the top bit): built in
    /// place, entries `[0, 2^j)` becoming `[0, 2^(j+1))` (index `i` → `2i` for bit 0, `2i + 1` for bit 1, from
    /// the top down so that nothing is overwritten before it is read). In Yul: two products per entry.
    function _eqTable(uint256[] memory z, uint256 from, uint256 n) private pure returns (uint256[] memory e) {
        e = new uint256[](1 << n);
        if (from + n > z.length) revert Sumcheck.WrongEvalCount(from + n, z.length);
        assembly ("memory-safe") {
            let p := 0xFFFFFFFF00000001
            let m := 0xFFFFFFFFFFFFFFFF
            function mulx(a, b) -> r {
                let q := 0xFFFFFFFF00000001
                let k := 0xFFFFFFFFFFFFFFFF
                let a0 := and(a, k)
                let a1 := shr(64, a)
                let b0 := and(b, k)
                let b1 := shr(64, b)
                r := or(mod(add(mul(a0, b0), mul(7, mul(a1, b1))), q), shl(64, mod(add(mul(a0, b1), mul(a1, b0)), q)))
            }
            let base := add(e, 0x20)
            mstore(base, 1)
            for { let j := 0 } lt(j, n) { j := add(j, 1) } {
                let x := mload(add(z, shl(5, add(add(from, j), 1))))
                // 1 − x, coordinate-wise.
                let y := or(mod(sub(add(1, p), and(x, m)), p), shl(64, mod(sub(p, shr(64, x)), p)))
                for { let i := shl(j, 1) } gt(i, 0) { i := sub(i, 1) } {
                    let a := sub(i, 1)
                    let v := mload(add(base, shl(5, a)))
                    mstore(add(base, shl(6, a)), mulx(v, y))
                    mstore(add(base, add(shl(6, a), 0x20)), mulx(v, x))
                }
            }
        }
    }

    /// `W̃(z)`: the MLE of the combined weights (each Libra slot's `λ^j·mask_weights(degrees, point)`, each
    /// linear claim's `λ^j·weights`, at their offsets) at `z`, as `Σ_idx W[idx]·eqHi[idx >> L]·eqLo[idx mod 2^L]`.
    function _weightsAt(Pool memory p, uint256 lambda, uint256[] memory z) private pure returns (uint256 total) {
        uint256 low = p.vars / 2;
        uint256[] memory eqHi = _eqTable(z, 0, p.vars - low);
        uint256[] memory eqLo = _eqTable(z, p.vars - low, low);
        uint256 mask = (1 << low) - 1;
        uint256 scale = 1;
        for (uint256 i = 0; i < p.nSlots; i++) {
            PoolSlot memory s = p.slots[i];
            if (s.raw) continue;
            uint256 acc = _slotSum(s.degrees, s.point, s.offset, eqHi, eqLo, low);
            total = G.extAdd(total, G.extMul(scale, acc));
            scale = G.extMul(scale, lambda);
        }
        for (uint256 l = 0; l < p.nLinear; l++) {
            PoolLinear memory lc = p.linear[l];
            uint256 acc = 0;
            for (uint256 i = 0; i < lc.slots.length; i++) {
                uint256 idx = p.slots[lc.slots[i]].offset;
                uint256[] memory w = lc.weights[i];
                for (uint256 e = 0; e < w.length; e++) {
                    acc = G.extAdd(acc, G.extMul(w[e], G.extMul(eqHi[idx >> low], eqLo[idx & mask])));
                    idx++;
                }
            }
            total = G.extAdd(total, G.extMul(scale, acc));
            scale = G.extMul(scale, lambda);
        }
    }

    /// A Libra slot's `Σ_v Σ_{t ≤ degrees[v]} point[v]^t·eq(idx, z)` (`idx` running from `offset` over the slot's
    /// entries, variable-major) with `eq(i, z) = eqHi[i >> low]·eqLo[i mod 2^low]`: the entries are summed per
    /// `eqHi` block (one product by `eqHi` per block), in Yul (two products per entry). `point` has one
    /// coordinate per degree (`record` checked it) and the slot lies in the pool, so every read is inside the
    /// arrays.
    function _slotSum(
        uint256[] memory degrees,
        uint256[] memory point,
        uint256 offset,
        uint256[] memory eqHi,
        uint256[] memory eqLo,
        uint256 low
    ) private pure returns (uint256 acc) {
        assembly ("memory-safe") {
            function mulx(a, b) -> r {
                let p := 0xFFFFFFFF00000001
                let m := 0xFFFFFFFFFFFFFFFF
                let a0 := and(a, m)
                let a1 := shr(64, a)
                let b0 := and(b, m)
                let b1 := shr(64, b)
                r := or(mod(add(mul(a0, b0), mul(7, mul(a1, b1))), p), shl(64, mod(add(mul(a0, b1), mul(a1, b0)), p)))
            }
            function addx(a, b) -> r {
                let p := 0xFFFFFFFF00000001
                let m := 0xFFFFFFFFFFFFFFFF
                r := or(mod(add(and(a, m), and(b, m)), p), shl(64, mod(add(shr(64, a), shr(64, b)), p)))
            }
            let p := 0xFFFFFFFF00000001
            let m := 0xFFFFFFFFFFFFFFFF
            let lowMask := sub(shl(low, 1), 1)
            let hiBase := add(eqHi, 0x20)
            let loBase := add(eqLo, 0x20)
            // The current block's sum, its two coordinates unreduced (each term < 2^131; a block has at most
            // 2^20 entries).
            let s0 := 0
            let s1 := 0
            let idx := offset
            let hi := shr(low, idx)
            let n := mload(degrees)
            for { let v := 0 } lt(v, n) { v := add(v, 1) } {
                let x := mload(add(point, shl(5, add(v, 1))))
                let x0 := and(x, m)
                let x1 := shr(64, x)
                let end := add(idx, add(mload(add(degrees, shl(5, add(v, 1)))), 1))
                let w0 := 1
                let w1 := 0
                for {} lt(idx, end) { idx := add(idx, 1) } {
                    let h := shr(low, idx)
                    if iszero(eq(h, hi)) {
                        let part := or(mod(s0, p), shl(64, mod(s1, p)))
                        acc := addx(acc, mulx(part, mload(add(hiBase, shl(5, hi)))))
                        s0 := 0
                        s1 := 0
                        hi := h
                    }
                    let e := mload(add(loBase, shl(5, and(idx, lowMask))))
                    let e0 := and(e, m)
                    let e1 := shr(64, e)
                    s0 := add(s0, add(mul(w0, e0), mul(7, mul(w1, e1))))
                    s1 := add(s1, add(mul(w0, e1), mul(w1, e0)))
                    let n0 := mod(add(mul(w0, x0), mul(7, mul(w1, x1))), p)
                    w1 := mod(add(mul(w0, x1), mul(w1, x0)), p)
                    w0 := n0
                }
            }
            let last := or(mod(s0, p), shl(64, mod(s1, p)))
            acc := addx(acc, mulx(last, mload(add(hiBase, shl(5, hi)))))
        }
    }

    /// `w̃_h(s)`: `mask_weights(2, z) = (1, z_i, z_i²)_i` (padded to the `h` block) as an MLE at `s`.
    function _innerWeightsAt(uint256[] memory z, uint256[] memory s) private pure returns (uint256 acc) {
        uint256[] memory eq = _eqTable(s, 0, s.length);
        for (uint256 i = 0; i < z.length; i++) {
            uint256 zi = z[i];
            acc = G.extAdd(acc, eq[3 * i]);
            acc = G.extAdd(acc, G.extMul(zi, eq[3 * i + 1]));
            acc = G.extAdd(acc, G.extMul(G.extMul(zi, zi), eq[3 * i + 2]));
        }
    }

    /// The three claims on the pool's column (`pool_claims`), each at `(·, ℓ*)` with `ℓ* = u/(1 + u)` and
    /// value scaled by `1/(1 + u)`: `c̃(z)`; the `h` block's `c̃_h(s)` under its offset's prefix bits; the dense
    /// block's table MLE at the lifted point `q` (`D(s)/scale`).
    function _poolClaims(Pool memory p, uint256[] memory z, uint256 poolEval, uint256[] memory s, uint256 innerEval, uint256 dense)
        private
        pure
        returns (PoolClaim[3] memory out)
    {
        // u = X: 1 + u = (1, 1).
        uint256 inv = G.extInv(G.ext(1, 1));
        uint256 limb = G.extMul(G.ext(0, 1), inv);
        (uint256[] memory q, uint256 scale) = _liftPoint(s);
        uint256 k = p.vars;
        uint256 m = p.innerVars;
        out[0] = PoolClaim(_concat(new uint256[](0), z, limb), G.extMul(poolEval, inv));
        out[1] = PoolClaim(_concat(_prefixBits(p.hOffset, k, k - m), s, limb), G.extMul(innerEval, inv));
        out[2] = PoolClaim(
            _concat(_prefixBits(p.denseOffset, k, k - 2 * m), q, limb),
            G.extMul(G.extMul(dense, G.extInv(scale)), inv)
        );
    }

    /// `lift_point`: per coordinate `y`, for `x ∈ (y², y)`, `x/(1 + x)`; and `Π (1 + x)`.
    function _liftPoint(uint256[] memory s) private pure returns (uint256[] memory q, uint256 scale) {
        q = new uint256[](2 * s.length);
        scale = 1;
        for (uint256 i = 0; i < s.length; i++) {
            uint256 y = s[i];
            uint256[2] memory xs = [G.extMul(y, y), y];
            for (uint256 j = 0; j < 2; j++) {
                uint256 onePlus = G.extAdd(1, xs[j]);
                if (onePlus == 0) revert DegenerateChallenge();
                q[2 * i + j] = G.extMul(xs[j], G.extInv(onePlus));
                scale = G.extMul(scale, onePlus);
            }
        }
    }

    /// The `bits` leading bits of the `vars`-bit `offset`, as 0/1 coordinates.
    function _prefixBits(uint256 offset, uint256 vars, uint256 bits) private pure returns (uint256[] memory b) {
        b = new uint256[](bits);
        for (uint256 j = 0; j < bits; j++) {
            b[j] = (offset >> (vars - 1 - j)) & 1;
        }
    }

    /// `head ‖ tail ‖ [last]`.
    function _concat(uint256[] memory head, uint256[] memory tail, uint256 last)
        private
        pure
        returns (uint256[] memory out)
    {
        out = new uint256[](head.length + tail.length + 1);
        for (uint256 i = 0; i < head.length; i++) {
            out[i] = head[i];
        }
        for (uint256 i = 0; i < tail.length; i++) {
            out[head.length + i] = tail[i];
        }
        out[head.length + tail.length] = last;
    }
}

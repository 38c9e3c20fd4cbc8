// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title Goldilocks and its quadratic extension, as zkinfer-field defines them.
/// @notice Base field F: p = 2^64 - 2^32 + 1; an element is a uint256 < p. Extension EF = F[X]/(X^2 - 7)
/// (p3's BinomialExtensionField<Goldilocks, 2>, W = 7); an element c0 + c1·X is packed in one word as
/// c0 | c1 << 64 with both coordinates < p. Every function expects canonical inputs and returns canonical
/// outputs; data from calldata goes through `isCanonical`/`isCanonicalExt` (or a decoder that calls them)
/// first. Products of two coordinates fit in 128 bits, so each result coordinate needs one `mod`.
library Goldilocks {
    uint256 internal constant P = 0xFFFFFFFF00000001;
    /// The non-residue: X^2 = W.
    uint256 internal constant W = 7;
    uint256 internal constant MASK64 = 0xFFFFFFFFFFFFFFFF;

    /// Inverse of zero requested (the Rust side's `inverse` panics; here the call reverts).
    error InverseOfZero();

    // ---------------------------------------------------------------- base field

    function add(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := mod(add(a, b), P)
        }
    }

    function sub(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := mod(sub(add(a, P), b), P)
        }
    }

    function neg(uint256 a) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := mod(sub(P, a), P)
        }
    }

    function mul(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := mod(mul(a, b), P)
        }
    }

    /// a^e by square-and-multiply (e is public: no constant-time concern in a verifier).
    function pow(uint256 a, uint256 e) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := 1
            for {} e {} {
                if and(e, 1) { r := mod(mul(r, a), P) }
                a := mod(mul(a, a), P)
                e := shr(1, e)
            }
        }
    }

    /// a^-1 = a^(p-2). Reverts with `InverseOfZero` on zero.
    function inv(uint256 a) internal pure returns (uint256) {
        if (a == 0) revert InverseOfZero();
        return pow(a, P - 2);
    }

    function isCanonical(uint256 a) internal pure returns (bool) {
        return a < P;
    }

    // ---------------------------------------------------------------- extension field

    /// Packs (c0, c1); both must be canonical.
    function ext(uint256 c0, uint256 c1) internal pure returns (uint256) {
        return c0 | (c1 << 64);
    }

    /// The coordinates (c0, c1) of a packed element.
    function coords(uint256 a) internal pure returns (uint256 c0, uint256 c1) {
        c0 = a & MASK64;
        c1 = a >> 64;
    }

    /// Whether `a` is a packed element with both coordinates canonical (and nothing above bit 128).
    function isCanonicalExt(uint256 a) internal pure returns (bool) {
        return (a >> 128) == 0 && (a & MASK64) < P && (a >> 64) < P;
    }

    function extAdd(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            let c0 := mod(add(and(a, MASK64), and(b, MASK64)), P)
            let c1 := mod(add(shr(64, a), shr(64, b)), P)
            r := or(c0, shl(64, c1))
        }
    }

    function extSub(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            let c0 := mod(sub(add(and(a, MASK64), P), and(b, MASK64)), P)
            let c1 := mod(sub(add(shr(64, a), P), shr(64, b)), P)
            r := or(c0, shl(64, c1))
        }
    }

    function extNeg(uint256 a) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            let c0 := mod(sub(P, and(a, MASK64)), P)
            let c1 := mod(sub(P, shr(64, a)), P)
            r := or(c0, shl(64, c1))
        }
    }

    /// (a0 + a1 X)(b0 + b1 X) = (a0 b0 + W a1 b1) + (a0 b1 + a1 b0) X. Each sum < 2^132: one `mod`.
    function extMul(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            let a0 := and(a, MASK64)
            let a1 := shr(64, a)
            let b0 := and(b, MASK64)
            let b1 := shr(64, b)
            let c0 := mod(add(mul(a0, b0), mul(W, mul(a1, b1))), P)
            let c1 := mod(add(mul(a0, b1), mul(a1, b0)), P)
            r := or(c0, shl(64, c1))
        }
    }

    /// An extension element times a base element.
    function extMulBase(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            let c0 := mod(mul(and(a, MASK64), b), P)
            let c1 := mod(mul(shr(64, a), b), P)
            r := or(c0, shl(64, c1))
        }
    }

    /// (a0 + a1 X)^-1 = (a0 − a1 X) / (a0^2 − W a1^2); the norm is non-zero for a ≠ 0 since W is a
    /// non-residue. Reverts with `InverseOfZero` on zero.
    function extInv(uint256 a) internal pure returns (uint256) {
        (uint256 a0, uint256 a1) = coords(a);
        uint256 norm;
        assembly ("memory-safe") {
            norm := mod(sub(add(mul(a0, a0), P), mod(mul(W, mul(a1, a1)), P)), P)
        }
        uint256 n = inv(norm);
        return ext(mul(a0, n), mul(neg(a1), n));
    }

    /// The embedding F → EF.
    function fromBase(uint256 a) internal pure returns (uint256) {
        return a;
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Cursor, ProofReader as R} from "./ProofReader.sol";
import {Whir} from "./Whir.sol";
import {WhirAlgebra as A} from "./WhirAlgebra.sol";

/// @title Pieces of the masked base case of p3-whir 0.8's HVZK-WHIR (`BaseCaseZkVerifier`, Construction 7.2),
/// the last phase of a `HidingPcs` opening: the re-encoding of a blinded reveal at a spot-check position,
/// Enc(msg, rand)(x) = Σ_j msg_j x^j + x^{|msg|} Σ_s rand_s x^s (p3's `padded_ood_t1`, which
/// `FoldedRsCode::evaluate_at` applies at the code's ω^z), and check 5, the mask spot checks
/// Enc(ξ*_i, r*_i)(ω^y) = s'_i(y) + γ · ξ_i(y) for every member i of every mask group at each of the group's
/// positions y (`MaskSpotCheckFailed`), and check 4, the source spot checks Enc(f*, r*)(ω^z) = g(z) + γ · f(z)
/// with f(z) the opened source row folded at the last sumcheck batch's challenges (`SourceSpotCheckFailed`).
/// @notice NOT a hiding verifier: γ, the positions and the opened rows are inputs (the transcript replay that
/// draws them and the Merkle openings that authenticate the rows are checked separately, tests/hiding_trace.rs),
/// and the rest of the hiding verifier (masked sumchecks, code-switching rounds, the base case's target check
/// and source spot checks) is not built. `zkinfer_evm::hiding::MaskSpotChecks` encodes the message and is the
/// Rust twin, error for error; both are checked against real `HidingPcs` proofs.
library HidingBaseCase {
    error MaskSpotCheckFailed(uint256 group, uint256 position);
    error SourceSpotCheckFailed(uint256 position);
    error BadSpotCheckShape(uint256 what);

    /// Σ_j coeffs[j] · x^j for packed EF coefficients and x in F (as packed EF: c1 = 0), by Horner from the top,
    /// three coefficients per reduction (`encodeAtPrefix`): with a < p, ((a·x + c)·x + c')·x + c'' < p⁴ + p³ +
    /// p² + p < 2^256.
    function encodeAt(uint256[] memory coeffs, uint256 x) internal pure returns (uint256 r) {
        r = encodeAtPrefix(coeffs, coeffs.length, x);
    }

    /// `encodeAt` of the first `n` coefficients (n ≤ coeffs.length).
    function encodeAtPrefix(uint256[] memory coeffs, uint256 n, uint256 x) internal pure returns (uint256 r) {
        if (x >> 64 != 0) revert BadSpotCheckShape(0);
        if (n > coeffs.length) revert BadSpotCheckShape(3);
        assembly ("memory-safe") {
            let P := 0xFFFFFFFF00000001
            let M := 0xFFFFFFFFFFFFFFFF
            let a0 := 0
            let a1 := 0
            let p := add(coeffs, shl(5, n))
            // The top n mod 3 coefficients one at a time, then three per reduction.
            for { let top := sub(p, shl(5, mod(n, 3))) } gt(p, top) { p := sub(p, 0x20) } {
                let c := mload(p)
                a0 := mod(add(mul(a0, x), and(c, M)), P)
                a1 := mod(add(mul(a1, x), shr(64, c)), P)
            }
            for {} gt(p, coeffs) { p := sub(p, 0x60) } {
                let c := mload(p)
                let d := mload(sub(p, 0x20))
                let e := mload(sub(p, 0x40))
                a0 := mod(add(mul(add(mul(add(mul(a0, x), and(c, M)), x), and(d, M)), x), and(e, M)), P)
                a1 := mod(add(mul(add(mul(add(mul(a1, x), shr(64, c)), x), shr(64, d)), x), shr(64, e)), P)
            }
            r := or(a0, shl(64, a1))
        }
    }

    /// A reveal as its concatenated coefficients: a 2-byte message length, a 2-byte randomness length, then
    /// the message's and the randomness's EF values (so `encodeAt` of the result is p3's `padded_ood_t1`).
    function readReveal(Cursor memory c) internal pure returns (uint256[] memory coeffs) {
        uint256 lm = R.readUint(c, 2);
        uint256 lr = R.readUint(c, 2);
        coeffs = new uint256[](lm + lr);
        for (uint256 j = 0; j < lm + lr; j++) coeffs[j] = R.readExt(c);
    }

    /// Check 5 of the base case. Message (`MaskSpotChecks::encode`): γ (EF); a 2-byte group count; per group
    /// its domain's log2 size (1 byte), its member count (2 bytes), each member's reveal (`readReveal`), its
    /// position count (2 bytes), then per position the position (4 bytes) and per member the carried and the
    /// fresh opened value (EF each).
    function checkMasks(Cursor memory c) internal pure {
        uint256 gamma = R.readExt(c);
        uint256 groups = R.readUint(c, 2);
        for (uint256 g = 0; g < groups; g++) {
            uint256 bits = R.readUint(c, 1);
            if (bits > 32) revert BadSpotCheckShape(1);
            uint256 width = R.readUint(c, 2);
            uint256[][] memory reveals = new uint256[][](width);
            for (uint256 i = 0; i < width; i++) reveals[i] = readReveal(c);
            uint256 positions = R.readUint(c, 2);
            for (uint256 k = 0; k < positions; k++) {
                uint256 position = R.readUint(c, 4);
                if (position >> bits != 0) revert BadSpotCheckShape(2);
                uint256 x = A.omegaPow(bits, position);
                for (uint256 i = 0; i < width; i++) {
                    uint256 carried = R.readExt(c);
                    uint256 fresh = R.readExt(c);
                    if (encodeAt(reveals[i], x) != G.extAdd(fresh, G.extMul(gamma, carried))) {
                        revert MaskSpotCheckFailed(g, position);
                    }
                }
            }
        }
        R.finish(c);
    }

    /// Check 4 of the base case. Message (`SourceSpotChecks::encode`): γ (EF); the code domain's log2 size
    /// (1 byte); the blinded reveal (`readReveal`); the folding point (1-byte count, EF values); the row width
    /// (2 bytes); the position count (2 bytes), then per position the position (4 bytes), the opened source
    /// row (EF values: base-field rows lifted) and the fresh main mask's opened value (EF).
    function checkSource(Cursor memory c) internal pure {
        uint256 gamma = R.readExt(c);
        uint256 bits = R.readUint(c, 1);
        if (bits > 32) revert BadSpotCheckShape(1);
        uint256[] memory reveal = readReveal(c);
        uint256 k = R.readUint(c, 1);
        uint256[] memory point = new uint256[](k);
        for (uint256 j = 0; j < k; j++) point[j] = R.readExt(c);
        uint256 width = R.readUint(c, 2);
        uint256 positions = R.readUint(c, 2);
        uint256[] memory row = new uint256[](width);
        for (uint256 q = 0; q < positions; q++) {
            uint256 position = R.readUint(c, 4);
            if (position >> bits != 0) revert BadSpotCheckShape(2);
            for (uint256 j = 0; j < width; j++) row[j] = R.readExt(c);
            uint256 fresh = R.readExt(c);
            uint256 f = Whir.foldRow(row, point);
            if (encodeAt(reveal, A.omegaPow(bits, position)) != G.extAdd(fresh, G.extMul(gamma, f))) {
                revert SourceSpotCheckFailed(position);
            }
        }
        R.finish(c);
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Transcript, KeccakTranscript as T} from "./Transcript.sol";

/// @title Pieces of p3-whir 0.8's verifier (vendor/p3-whir/src/pcs/verifier, transcript/mod.rs) that do not
/// depend on the rest of the protocol: the STIR query indices, the query-phase proof of work, and the fold of
/// an opened row at the round's folding randomness. The full WHIR verifier (claims batching through the
/// stacked layout, the sumcheck rounds with their per-round grinding, out-of-domain samples, the constraint
/// weights, the final polynomial) is NOT built yet: see crates/zkinfer-evm/README.md, "WHIR verifier".
library Whir {
    error PowWitnessRejected(uint256 round, uint256 bits);
    error TooManyQueryBits(uint256 width);
    error WrongRowLength(uint256 expected, uint256 got);

    /// p3-whir's `play_query_indices` for one site: `draws` indices of `width` bits (`query_draws` already
    /// applied by the caller: 0 means the phase is saturated and opens every position). Unstratified: `draws`
    /// samples of `width` bits. Stratified: for each power of two 2^c in `draws`, highest first, 2^c samples
    /// of `width − c` bits, the s-th placed in stratum s (`s << (width − c) | low`).
    function queryIndices(Transcript memory t, uint256 width, uint256 draws, bool stratified)
        internal
        pure
        returns (uint256[] memory idx)
    {
        if (width >= 64) revert TooManyQueryBits(width);
        if (draws == 0) {
            uint256 all = 1 << width;
            idx = new uint256[](all);
            for (uint256 i = 0; i < all; i++) idx[i] = i;
            return idx;
        }
        idx = new uint256[](draws);
        if (!stratified) {
            for (uint256 i = 0; i < draws; i++) idx[i] = T.sampleBits(t, width);
            return idx;
        }
        uint256 k = 0;
        uint256 remaining = draws;
        while (remaining != 0) {
            uint256 depth = _log2(remaining);
            uint256 lowBits = width - depth;
            for (uint256 s = 0; s < (1 << depth); s++) {
                idx[k++] = (s << lowBits) | T.sampleBits(t, lowBits);
            }
            remaining -= 1 << depth;
        }
    }

    function _log2(uint256 x) private pure returns (uint256 r) {
        while (x > 1) {
            x >>= 1;
            r++;
        }
    }

    /// The query-phase proof of work of `round` (p3's `check_witness`); reverts with `PowWitnessRejected`.
    function checkPow(Transcript memory t, uint256 round, uint256 bits, uint256 witness) internal pure {
        if (!T.checkWitness(t, bits, witness)) revert PowWitnessRejected(round, bits);
    }

    /// The multilinear extension of `row` (2^k values, F or packed EF) at `point` (k packed EF values),
    /// `point[0]` on the most significant bit of the row index: p3's `Poly::eval_ext`, which WHIR applies to
    /// every opened row at the round's folding randomness (prefix variable order). Overwrites `row`.
    function foldRow(uint256[] memory row, uint256[] memory point) internal pure returns (uint256) {
        uint256 k = point.length;
        uint256 half = row.length;
        if (k >= 64 || half != 1 << k) revert WrongRowLength(k >= 64 ? 0 : 1 << k, half);
        assembly ("memory-safe") {
            let P := 0xFFFFFFFF00000001
            let M := 0xFFFFFFFFFFFFFFFF
            let base := add(row, 0x20)
            for { let i := 0 } lt(i, k) { i := add(i, 1) } {
                half := shr(1, half)
                let r := mload(add(add(point, 0x20), shl(5, i)))
                let r0 := and(r, M)
                let r1 := shr(64, r)
                let hi := add(base, shl(5, half))
                for { let j := 0 } lt(j, half) { j := add(j, 1) } {
                    let off := shl(5, j)
                    let lo := mload(add(base, off))
                    let h := mload(add(hi, off))
                    let l0 := and(lo, M)
                    let l1 := shr(64, lo)
                    // d = h − lo; row[j] = lo + r · d (EF, W = 7)
                    let d0 := sub(add(and(h, M), P), l0)
                    let d1 := sub(add(shr(64, h), P), l1)
                    let c0 := mod(add(add(mul(r0, d0), mul(7, mul(r1, d1))), l0), P)
                    let c1 := mod(add(add(mul(r0, d1), mul(r1, d0)), l1), P)
                    mstore(add(base, off), or(c0, shl(64, c1)))
                }
            }
        }
        return row[0];
    }
}

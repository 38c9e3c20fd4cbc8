// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Cursor, ProofReader as R} from "./ProofReader.sol";

/// @title p3's `MerkleTreeMmcs` multi-opening over Keccak-256 (zkinfer-pcs' `KeccakMmcs`, and the salted
/// `SaltedKeccakMmcs` of the hiding commitment), as WHIR uses it: one matrix per tree, binary, cap height 0.
/// @notice A digest is Keccak-256 truncated to its first 25 bytes (`zkinfer_pcs::TruncatedKeccak`), held as a
/// `bytes32` whose low 7 bytes are zero. Leaf = the digest of the row's little-endian bytes (F: 8 bytes; EF: c0
/// then c1, 8 bytes each), then, in the salted tree, the salt's elements (8 bytes each). Node = the digest of
/// `left ‖ right` (50 bytes).
///
/// Calldata layout of one opening (written by `zkinfer_evm::merkle::encode_opening`): for each query, in query
/// order, the row's leaf preimage as above (so a leaf hash is one `keccak256` over calldata, no copying of
/// values into a buffer); then a 2-byte sibling count and the 25-byte siblings of p3's pruned multiproof
/// (`PrunedMerklePaths`: level 0 first, within a level by ascending parent; a sibling is sent only for a
/// node whose sibling is not itself known).
///
/// Checks, in p3's order: leaf indices below the height (`IndexOutOfBounds`), two queries of the same leaf
/// open the same salted row (`InconsistentDuplicateOpenings`; compared by leaf digest: equal rows ⇔ equal
/// digests barring a Keccak collision), the sibling count is exactly what the queried set needs
/// (`SiblingCountMismatch`), the walk ends at the root (`CapMismatch`). Element canonicity is checked by
/// `readRowValues` (`NonCanonical`).
library Merkle {
    error IndexOutOfBounds(uint256 index, uint256 height);
    error InconsistentDuplicateOpenings(uint256 slot);
    error SiblingCountMismatch(uint256 expected, uint256 got);
    error CapMismatch();

    uint256 internal constant P = 0xFFFFFFFF00000001;
    /// The high 25 bytes of a word: a digest.
    uint256 internal constant DIGEST_MASK = 0xffffffffffffffffffffffffffffffffffffffffffffffffff00000000000000;

    /// A row's shape: `width` elements of `elemBytes` (8: F, 16: EF) bytes, then `saltElems` F elements.
    struct RowShape {
        uint256 width;
        uint256 elemBytes;
        uint256 saltElems;
    }

    function rowBytes(RowShape memory s) internal pure returns (uint256) {
        return s.width * s.elemBytes + s.saltElems * 8;
    }

    /// Reads `n` rows of shape `s` at the cursor: their leaf digests, and their values (F as the integer; EF
    /// packed `c0 | c1 << 64`, as `Goldilocks.sol`). Every element, salts included, must be canonical.
    function readRows(Cursor memory c, uint256 n, RowShape memory s)
        internal
        pure
        returns (bytes32[] memory leaves, uint256[][] memory values)
    {
        uint256 len = rowBytes(s);
        if (n * len > c.end - c.pos) revert R.Truncated(c.pos - c.base, n * len);
        leaves = new bytes32[](n);
        values = new uint256[][](n);
        for (uint256 q = 0; q < n; q++) {
            uint256 pos = c.pos;
            bytes32 h;
            assembly ("memory-safe") {
                let m := mload(0x40)
                calldatacopy(m, pos, len)
                h := and(keccak256(m, len), DIGEST_MASK)
            }
            leaves[q] = h;
            values[q] = _rowValues(c, s);
        }
    }

    function _rowValues(Cursor memory c, RowShape memory s) private pure returns (uint256[] memory row) {
        uint256 pos = c.pos;
        uint256 w = s.width;
        bool ext = s.elemBytes == 16;
        uint256 coords = ext ? 2 * w : w;
        uint256 count = coords + s.saltElems;
        bool anyBad;
        row = new uint256[](w);
        assembly ("memory-safe") {
            // Byte swap inside each 64-bit lane of a word: four little-endian u64s become four integers.
            function bswapLanes(x) -> y {
                x := or(
                    shr(8, and(x, 0xFF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00)),
                    shl(8, and(x, 0x00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF))
                )
                x := or(
                    shr(16, and(x, 0xFFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000)),
                    shl(16, and(x, 0x0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF))
                )
                y := or(
                    shr(32, and(x, 0xFFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000)),
                    shl(32, and(x, 0x00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF))
                )
            }
            let p := 0xFFFFFFFF00000001
            let m64 := 0xFFFFFFFFFFFFFFFF
            let o := add(row, 0x20)
            let words := shr(2, coords)
            // Four coordinates per calldata word; a non-canonical one only sets a flag (the slow path below
            // finds it).
            for { let k := 0 } lt(k, words) { k := add(k, 1) } {
                let x := bswapLanes(calldataload(add(pos, shl(5, k))))
                let a := shr(192, x)
                let b := and(shr(128, x), m64)
                let cc := and(shr(64, x), m64)
                let d := and(x, m64)
                anyBad := or(
                    anyBad,
                    or(or(iszero(lt(a, p)), iszero(lt(b, p))), or(iszero(lt(cc, p)), iszero(lt(d, p))))
                )
                switch ext
                case 0 {
                    mstore(o, a)
                    mstore(add(o, 0x20), b)
                    mstore(add(o, 0x40), cc)
                    mstore(add(o, 0x60), d)
                    o := add(o, 0x80)
                }
                default {
                    mstore(o, or(a, shl(64, b)))
                    mstore(add(o, 0x20), or(cc, shl(64, d)))
                    o := add(o, 0x40)
                }
            }
            // The rest of the row (fewer than four coordinates), then the salt.
            let c0 := 0
            for { let e := shl(2, words) } lt(e, count) { e := add(e, 1) } {
                let v := shr(192, bswapLanes(calldataload(add(pos, shl(3, e)))))
                anyBad := or(anyBad, iszero(lt(v, p)))
                if lt(e, coords) {
                    switch ext
                    case 0 { mstore(add(add(row, 0x20), shl(5, e)), v) }
                    default {
                        switch and(e, 1)
                        case 0 { c0 := v }
                        default { mstore(add(add(row, 0x20), shl(5, shr(1, e))), or(c0, shl(64, v))) }
                    }
                }
            }
        }
        if (anyBad) _revertNonCanonical(c.base, pos, coords, count, ext);
        c.pos = pos + 8 * count;
    }

    /// The slow path of `_rowValues`: the first non-canonical coordinate, reported at its element's start
    /// (an EF element at its c0), as the Rust decoder does.
    function _revertNonCanonical(uint256 base, uint256 pos, uint256 coords, uint256 count, bool ext) private pure {
        for (uint256 e = 0; e < count; e++) {
            uint256 x;
            assembly ("memory-safe") {
                x := shr(192, calldataload(add(pos, shl(3, e))))
            }
            uint256 v;
            for (uint256 i = 0; i < 8; i++) v |= ((x >> (8 * i)) & 0xFF) << (8 * (7 - i));
            if (v >= P) {
                uint256 at = (ext && e < coords) ? e & ~uint256(1) : e;
                revert R.NonCanonical(pos + 8 * at - base);
            }
        }
    }

    /// Reads a pruned multiproof at the cursor (2-byte count, then the 25-byte siblings): returns where the
    /// siblings start (absolute calldata offset) and how many there are. Nothing is copied.
    function readSiblings(Cursor memory c) internal pure returns (uint256 sib, uint256 count) {
        count = R.readUint(c, 2);
        uint256 len = count * R.DIGEST_BYTES;
        if (len > c.end - c.pos) revert R.Truncated(c.pos - c.base, len);
        sib = c.pos;
        c.pos = sib + len;
    }

    /// Verifies the pruned multiproof (`count` siblings at calldata offset `sib`, from `readSiblings`) for
    /// `leaves[q]` at `indices[q]` (query order, repeats allowed) in a tree of `2^logHeight` leaves with root
    /// `root`. Reverts on failure.
    function verifyMulti(
        uint256 sib,
        uint256 count,
        bytes32 root,
        uint256 logHeight,
        uint256[] memory indices,
        bytes32[] memory leaves
    ) internal pure {
        uint256 n = indices.length;
        if (n == 0) {
            // p3: nothing to authenticate; any sibling is malformed.
            if (count != 0) revert SiblingCountMismatch(0, count);
            return;
        }
        uint256 height = 1 << logHeight;
        // p3's order: the highest index in range, duplicates agree, the sibling count, then the hashes.
        uint256 highest = 0;
        uint256 dupSlot = type(uint256).max;
        uint256 used;
        bytes32 top;
        assembly ("memory-safe") {
            let ip := add(indices, 0x20)
            for { let q := 0 } lt(q, n) { q := add(q, 1) } {
                let i := mload(add(ip, shl(5, q)))
                if gt(i, highest) { highest := i }
            }
        }
        if (highest >= height) revert IndexOutOfBounds(highest, height);
        assembly ("memory-safe") {
            let ip := add(indices, 0x20)
            let lp := add(leaves, 0x20)
            // Sorted, deduplicated (index, digest) pairs: insertion sort (tens of queries).
            let idx := mload(0x40)
            let dig := add(idx, shl(5, n))
            mstore(0x40, add(dig, shl(5, n)))
            let m := 0
            for { let q := 0 } lt(q, n) { q := add(q, 1) } {
                let i := mload(add(ip, shl(5, q)))
                let d := mload(add(lp, shl(5, q)))
                let j := m
                for {} 1 {} {
                    if iszero(j) { break }
                    if iszero(gt(mload(add(idx, shl(5, sub(j, 1)))), i)) { break }
                    j := sub(j, 1)
                }
                let dup := 0
                if j {
                    if eq(mload(add(idx, shl(5, sub(j, 1)))), i) {
                        dup := 1
                        if iszero(eq(mload(add(dig, shl(5, sub(j, 1)))), d)) {
                            if eq(dupSlot, not(0)) { dupSlot := sub(j, 1) }
                        }
                    }
                }
                if iszero(dup) {
                    let tail := shl(5, sub(m, j))
                    mcopy(add(idx, shl(5, add(j, 1))), add(idx, shl(5, j)), tail)
                    mcopy(add(dig, shl(5, add(j, 1))), add(dig, shl(5, j)), tail)
                    mstore(add(idx, shl(5, j)), i)
                    mstore(add(dig, shl(5, j)), d)
                    m := add(m, 1)
                }
            }
            // Walk up: a node whose sibling is in the frontier pairs with it; otherwise the next proof
            // sibling is its sibling. Past the proof's end, zero words are read: the count check below rejects.
            for { let level := 0 } lt(level, logHeight) { level := add(level, 1) } {
                let w := 0
                let i := 0
                for {} lt(i, m) {} {
                    let x := mload(add(idx, shl(5, i)))
                    let d := mload(add(dig, shl(5, i)))
                    let paired := 0
                    if iszero(and(x, 1)) {
                        if lt(add(i, 1), m) {
                            if eq(mload(add(idx, shl(5, add(i, 1)))), add(x, 1)) { paired := 1 }
                        }
                    }
                    switch paired
                    case 1 {
                        mstore(0x00, d)
                        mstore(0x19, mload(add(dig, shl(5, add(i, 1)))))
                        i := add(i, 2)
                    }
                    default {
                        let sb := 0
                        if lt(used, count) { sb := and(calldataload(add(sib, mul(used, 25))), DIGEST_MASK) }
                        used := add(used, 1)
                        switch and(x, 1)
                        case 0 {
                            mstore(0x00, d)
                            mstore(0x19, sb)
                        }
                        default {
                            mstore(0x00, sb)
                            mstore(0x19, d)
                        }
                        i := add(i, 1)
                    }
                    mstore(add(idx, shl(5, w)), shr(1, x))
                    mstore(add(dig, shl(5, w)), and(keccak256(0x00, 50), DIGEST_MASK))
                    w := add(w, 1)
                }
                m := w
            }
            top := mload(dig)
        }
        if (dupSlot != type(uint256).max) revert InconsistentDuplicateOpenings(dupSlot);
        if (used != count) revert SiblingCountMismatch(used, count);
        if (top != root) revert CapMismatch();
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";

/// The Fiat–Shamir state: a byte buffer (p3's HashChallenger input buffer) and the unread part of the last
/// Keccak-256 output. `buf` points at `cap + 32` allocated bytes (the slack lets an 8-byte write use one
/// `mstore`).
struct Transcript {
    uint256 buf;
    uint256 len;
    uint256 cap;
    uint256 out;
    uint256 left;
}

/// @title The Keccak transcript of zkinfer-field (`crates/zkinfer-field/src/transcript.rs`), byte for byte.
/// @notice The Rust transcript is p3's `SerializingChallenger64<Goldilocks, HashChallenger<u8, ChunkedKeccak256, 32>>`:
/// - observing a field element appends its canonical u64, little-endian, to an input buffer;
/// - sampling with an empty output buffer hashes the input buffer (Keccak-256, chunked above 8 KiB: `_flush`),
///   replaces the input buffer by the digest (chaining) and makes the digest's 32 bytes the output buffer,
///   which is consumed from its end; a
///   u64 is read little-endian from 8 popped bytes, so the k-th u64 of a digest d is bits [64k, 64k + 64) of d
///   read as a big-endian uint256; a u64 ≥ p is rejected and the next one read;
/// - observing anything discards the unread output.
/// On top, zkinfer absorbs a label as one element (its bytes as a base-256 number, least significant first,
/// mod p: `zkinfer_field::label_element`), byte strings as length then 7-byte
/// chunks (zero-padded to 8), vectors as length then elements; a challenge in EF absorbs its label then
/// samples c0, then c1. `init` absorbs ("protocol", "zkinfer/v1") and ("context", context).
library KeccakTranscript {
    uint256 private constant MASK64 = 0xFFFFFFFFFFFFFFFF;
    uint256 private constant P = 0xFFFFFFFF00000001;
    uint256 private constant INITIAL_CAP = 1024;
    /// Pending input above this many bytes is hashed in chunks (`zkinfer_field::CHUNK_BYTES`).
    uint256 private constant CHUNK = 8192;
    /// encodeLabel("protocol"), encodeLabel("context").
    bytes private constant PROTOCOL_LABEL = hex"70726f746f636f6c";
    bytes private constant CONTEXT_LABEL = hex"636f6e7465787400";

    /// A fresh transcript bound to the protocol tag and `context` (e.g. the vk digest).
    function init(bytes memory context) internal pure returns (Transcript memory t) {
        uint256 buf;
        assembly ("memory-safe") {
            buf := mload(0x40)
            mstore(0x40, add(buf, add(INITIAL_CAP, 32)))
        }
        t.buf = buf;
        t.cap = INITIAL_CAP;
        absorbBytes(t, PROTOCOL_LABEL, "zkinfer/v1");
        absorbBytes(t, CONTEXT_LABEL, context);
    }

    /// Makes room for `n` more bytes, moving the buffer to fresh memory when it is full.
    /// The state to hand to a deployed library (`restore` rebuilds it there): the pending input, the output
    /// word and how many of its u64s are left.
    function save(Transcript memory t) internal pure returns (bytes memory pending, uint256 out, uint256 left) {
        uint256 len = t.len;
        pending = new bytes(len);
        assembly ("memory-safe") {
            mcopy(add(pending, 0x20), mload(t), len)
        }
        out = t.out;
        left = t.left;
    }

    /// The transcript `save` gave: its pending input copied into a buffer of its own.
    function restore(bytes memory pending, uint256 out, uint256 left) internal pure returns (Transcript memory t) {
        uint256 len = pending.length;
        uint256 cap = len > INITIAL_CAP ? len : INITIAL_CAP;
        uint256 buf;
        assembly ("memory-safe") {
            buf := mload(0x40)
            mstore(0x40, add(buf, add(cap, 32)))
            mcopy(buf, add(pending, 0x20), len)
        }
        t.buf = buf;
        t.len = len;
        t.cap = cap;
        t.out = out;
        t.left = left;
    }

    function _reserve(Transcript memory t, uint256 n) private pure {
        assembly ("memory-safe") {
            let len := mload(add(t, 0x20))
            let need := add(len, n)
            let cap := mload(add(t, 0x40))
            if gt(need, cap) {
                let newCap := mul(cap, 2)
                if lt(newCap, need) { newCap := need }
                let nb := mload(0x40)
                mstore(0x40, add(nb, add(newCap, 32)))
                mcopy(nb, mload(t), len)
                mstore(t, nb)
                mstore(add(t, 0x40), newCap)
            }
        }
    }

    /// `v` (< 2^64) as 8 little-endian bytes in the top of a word.
    function _le64(uint256 v) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            v := or(shl(8, and(v, 0x00FF00FF00FF00FF)), and(shr(8, v), 0x00FF00FF00FF00FF))
            v := or(shl(16, and(v, 0x0000FFFF0000FFFF)), and(shr(16, v), 0x0000FFFF0000FFFF))
            v := and(or(shl(32, v), shr(32, v)), MASK64)
            w := shl(192, v)
        }
    }

    /// Appends one u64 (a canonical field element or a length), little-endian; room must be reserved.
    function _put(Transcript memory t, uint256 v) private pure {
        uint256 w = _le64(v);
        assembly ("memory-safe") {
            let len := mload(add(t, 0x20))
            mstore(add(mload(t), len), w)
            mstore(add(t, 0x20), add(len, 8))
        }
    }

    /// The encoding of a label as the Rust transcript absorbs it: one element, `Σ_i label[i]·256^i mod p`
    /// (Horner from the last byte), as 8 little-endian bytes. Verifiers keep their labels encoded in constants
    /// (absorbing one is then a copy); this function is for labels known only at run time.
    function encodeLabel(bytes memory label) internal pure returns (bytes memory enc) {
        uint256 acc;
        assembly ("memory-safe") {
            let src := add(label, 0x20)
            for { let i := mload(label) } gt(i, 0) { i := sub(i, 1) } {
                acc := addmod(mulmod(acc, 256, P), byte(0, mload(add(src, sub(i, 1)))), P)
            }
        }
        enc = new bytes(8);
        uint256 word = _le64(acc);
        assembly ("memory-safe") {
            // The word's last 24 bytes land in enc's padding (new bytes(8) takes a whole word).
            mstore(add(enc, 0x20), word)
        }
    }

    /// Appends an encoded label (see `encodeLabel`) and reserves `extraWords` more u64s; discards the output.
    function _absorbLabel(Transcript memory t, bytes memory enc, uint256 extraWords) private pure {
        uint256 n = enc.length;
        _reserve(t, n + 8 * extraWords);
        assembly ("memory-safe") {
            let len := mload(add(t, 0x20))
            mcopy(add(mload(t), len), add(enc, 0x20), n)
            mstore(add(t, 0x20), add(len, n))
            mstore(add(t, 0x80), 0)
        }
    }

    /// Absorbs a byte string (length-prefixed, 7 bytes per element) under an encoded label.
    function absorbBytes(Transcript memory t, bytes memory label, bytes memory data) internal pure {
        uint256 n = data.length;
        uint256 chunks = (n + 6) / 7;
        _absorbLabel(t, label, 1 + chunks);
        _put(t, n);
        assembly ("memory-safe") {
            let dst := add(mload(t), mload(add(t, 0x20)))
            let src := add(data, 0x20)
            for { let c := 0 } lt(c, chunks) { c := add(c, 1) } {
                let k := sub(n, mul(c, 7))
                if gt(k, 7) { k := 7 }
                let drop := sub(256, mul(k, 8))
                mstore(add(dst, mul(c, 8)), shl(drop, shr(drop, mload(add(src, mul(c, 7))))))
            }
            mstore(add(t, 0x20), add(mload(add(t, 0x20)), mul(chunks, 8)))
        }
    }

    /// Absorbs one u64 (as the 8-byte string of its little-endian bytes) under an encoded label.
    function absorbU64(Transcript memory t, bytes memory label, uint64 v) internal pure {
        // 8 bytes = two chunks: the low 7 bytes, then the top byte.
        _absorbLabel(t, label, 3);
        _put(t, 8);
        _put(t, uint256(v) & 0xFFFFFFFFFFFFFF);
        _put(t, uint256(v) >> 56);
    }

    /// Absorbs one base-field element (canonical) under an encoded label.
    function absorbField(Transcript memory t, bytes memory label, uint256 x) internal pure {
        _absorbLabel(t, label, 1);
        _put(t, x);
    }

    /// Absorbs a length-prefixed vector of base-field elements (canonical) under an encoded label.
    function absorbFields(Transcript memory t, bytes memory label, uint256[] memory xs) internal pure {
        uint256 n = xs.length;
        _absorbLabel(t, label, 1 + n);
        _put(t, n);
        for (uint256 i = 0; i < n; i++) {
            _put(t, xs[i]);
        }
    }

    /// c0 then c1 of a packed element, each 8 bytes little-endian, in the top 16 bytes of a word.
    function _le128(uint256 x) private pure returns (uint256) {
        return _le64(x & MASK64) | (_le64(x >> 64) >> 64);
    }

    /// Appends one packed element; room must be reserved.
    function _putExt(Transcript memory t, uint256 x) private pure {
        uint256 w = _le128(x);
        assembly ("memory-safe") {
            let len := mload(add(t, 0x20))
            mstore(add(mload(t), len), w)
            mstore(add(t, 0x20), add(len, 16))
        }
    }

    /// Absorbs one extension element (packed, canonical) under an encoded label.
    function absorbExt(Transcript memory t, bytes memory label, uint256 x) internal pure {
        _absorbLabel(t, label, 2);
        _putExt(t, x);
    }

    /// Absorbs a length-prefixed vector of extension elements (packed, canonical) under an encoded label.
    function absorbExts(Transcript memory t, bytes memory label, uint256[] memory xs) internal pure {
        uint256 n = xs.length;
        _absorbLabel(t, label, 1 + 2 * n);
        _put(t, n);
        for (uint256 i = 0; i < n; i++) {
            _putExt(t, xs[i]);
        }
    }

    /// One base-field sample: the next u64 of the output below p (rejection sampling, as p3's).
    function sampleBase(Transcript memory t) internal pure returns (uint256 r) {
        while (true) {
            r = _sampleU64(t);
            if (r < P) return r;
        }
    }

    /// Hashes the pending input as `zkinfer_field::chunked` does (`keccak256(B)` up to `CHUNK` bytes; above,
    /// `keccak256(B[0..CHUNK] ‖ d_2 ‖ … ‖ d_k ‖ le64(|B|))` with `d_i` the Keccak-256 of the i-th `CHUNK`-byte
    /// chunk, the last one possibly short); the digest becomes the chaining input and the output.
    function _flush(Transcript memory t) private pure {
        uint256 len = t.len;
        // The root's length word is written as a whole word after the last chunk digest, up to 32 bytes
        // past the pending input: reserve them.
        if (len > CHUNK) _reserve(t, 32);
        uint256 buf = t.buf;
        uint256 lenWord = _le64(len);
        bytes32 d;
        assembly ("memory-safe") {
            switch gt(len, CHUNK)
            case 0 { d := keccak256(buf, len) }
            default {
                // Each chunk digest overwrites bytes already hashed: the j-th (j >= 2) goes to
                // CHUNK + 32 (j - 2), before chunk j + 1 starts at CHUNK j.
                let w := add(buf, CHUNK)
                for { let off := CHUNK } lt(off, len) { off := add(off, CHUNK) } {
                    let n := sub(len, off)
                    if gt(n, CHUNK) { n := CHUNK }
                    mstore(w, keccak256(add(buf, off), n))
                    w := add(w, 32)
                }
                mstore(w, lenWord)
                d := keccak256(buf, add(sub(w, buf), 8))
            }
            mstore(buf, d)
        }
        t.len = 32;
        t.out = uint256(d);
        t.left = 4;
    }

    /// A labelled challenge in EF (packed).
    function challenge(Transcript memory t, bytes memory label) internal pure returns (uint256) {
        _absorbLabel(t, label, 0);
        uint256 c0 = sampleBase(t);
        uint256 c1 = sampleBase(t);
        return G.ext(c0, c1);
    }

    /// `n` labelled challenges in EF (packed).
    function challenges(Transcript memory t, bytes memory label, uint256 n) internal pure returns (uint256[] memory cs) {
        _absorbLabel(t, label, 1);
        _put(t, n);
        cs = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            uint256 c0 = sampleBase(t);
            uint256 c1 = sampleBase(t);
            cs[i] = G.ext(c0, c1);
        }
    }

    // ---- p3's challenger, raw (no labels): what p3-whir plays on the same sponge ----

    /// Observes one base-field element (canonical), as p3's `observe(F)`: 8 little-endian bytes.
    function observeBase(Transcript memory t, uint256 x) internal pure {
        _reserve(t, 8);
        _put(t, x);
        assembly ("memory-safe") {
            mstore(add(t, 0x80), 0)
        }
    }

    /// Observes one EF element (packed, canonical), as p3's `observe_algebra_element`: c0 then c1.
    function observeExt(Transcript memory t, uint256 x) internal pure {
        _reserve(t, 16);
        _putExt(t, x);
        assembly ("memory-safe") {
            mstore(add(t, 0x80), 0)
        }
    }

    /// Observes a digest (a Merkle root: 25 bytes, held in the high bytes of `d`) as its raw bytes, as p3's
    /// `observe(&MerkleCap<F, [u8; 25]>)`.
    function observeDigest(Transcript memory t, bytes32 d) internal pure {
        // Room for the whole word the store writes; the 7 bytes past the digest are overwritten later.
        _reserve(t, 32);
        assembly ("memory-safe") {
            let len := mload(add(t, 0x20))
            mstore(add(mload(t), len), d)
            mstore(add(t, 0x20), add(len, 25))
            mstore(add(t, 0x80), 0)
        }
    }

    /// Observes raw bytes (e.g. a p3 domain-separator seed, pre-encoded as the field elements p3 observes).
    function observeRaw(Transcript memory t, bytes memory data) internal pure {
        uint256 n = data.length;
        if (n == 0) return;
        _reserve(t, n);
        assembly ("memory-safe") {
            let len := mload(add(t, 0x20))
            mcopy(add(mload(t), len), add(data, 0x20), n)
            mstore(add(t, 0x20), add(len, n))
            mstore(add(t, 0x80), 0)
        }
    }

    /// One EF sample (packed): c0 then c1, each as `sampleBase`.
    function sampleExt(Transcript memory t) internal pure returns (uint256) {
        uint256 c0 = sampleBase(t);
        uint256 c1 = sampleBase(t);
        return G.ext(c0, c1);
    }

    /// The next u64 of the output, without rejection (p3's `sample_bits` reads 8 bytes as they are).
    function _sampleU64(Transcript memory t) private pure returns (uint256 v) {
        if (t.left == 0) _flush(t);
        uint256 left = t.left;
        v = (t.out >> (64 * (4 - left))) & MASK64;
        t.left = left - 1;
    }

    /// p3's `sample_bits(bits)` (= `sample_uniform_bits`): the low `bits` bits of the next u64. `bits` < 64.
    function sampleBits(Transcript memory t, uint256 bits) internal pure returns (uint256) {
        return _sampleU64(t) & ((1 << bits) - 1);
    }

    /// p3's `check_witness(bits, witness)` (proof of work): with `bits` = 0 nothing is absorbed and any witness
    /// passes; otherwise one byte is squeezed (which hashes the pending input if no output is unread: the
    /// observe that follows discards the rest), the witness is observed, and the next `bits` sampled bits must
    /// all be zero. `witness` must be canonical (the caller decodes it).
    function checkWitness(Transcript memory t, uint256 bits, uint256 witness) internal pure returns (bool) {
        if (bits == 0) return true;
        if (t.left == 0) _flush(t);
        observeBase(t, witness);
        return sampleBits(t, bits) == 0;
    }
}

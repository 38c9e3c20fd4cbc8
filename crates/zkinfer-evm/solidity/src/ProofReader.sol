// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";

/// A read position in a calldata byte string (absolute calldata offsets).
struct Cursor {
    uint256 base;
    uint256 pos;
    uint256 end;
}

/// @title Decoding proof data from calldata, as `zkinfer_evm::encoding` encodes it.
/// @notice Integers are big-endian; an EF element is 16 bytes, c1 then c0 (each 8 bytes, big-endian), so that the
/// 16 bytes read as one integer are the packed element; a non-canonical coordinate is an error. A sumcheck proof
/// is a 2-byte round count, then per round a 1-byte value count and the values. Every read is bounds-checked;
/// `finish` rejects trailing bytes. Errors carry the offset (from the start of the byte string).
library ProofReader {
    error Truncated(uint256 offset, uint256 need);
    error NonCanonical(uint256 offset);
    error TrailingBytes(uint256 offset, uint256 length);

    function open(bytes calldata data) internal pure returns (Cursor memory c) {
        uint256 offset;
        assembly ("memory-safe") {
            offset := data.offset
        }
        c.base = offset;
        c.pos = offset;
        c.end = offset + data.length;
    }

    /// Reads an `n`-byte (1 ≤ n ≤ 32) big-endian unsigned integer.
    function readUint(Cursor memory c, uint256 n) internal pure returns (uint256 v) {
        uint256 pos = c.pos;
        if (n > c.end - pos) revert Truncated(pos - c.base, n);
        assembly ("memory-safe") {
            v := shr(sub(256, mul(n, 8)), calldataload(pos))
        }
        c.pos = pos + n;
    }

    /// Bytes of a Merkle digest (`zkinfer_pcs::DIGEST_BYTES`): Keccak-256 truncated to its first 25 bytes.
    uint256 internal constant DIGEST_BYTES = 25;

    /// Reads a digest (25 bytes) as the contracts hold it: a `bytes32` with the low 7 bytes zero.
    function readDigest(Cursor memory c) internal pure returns (bytes32) {
        return bytes32(readUint(c, DIGEST_BYTES) << 56);
    }

    /// Reads one canonical EF element (packed).
    function readExt(Cursor memory c) internal pure returns (uint256 v) {
        uint256 at = c.pos - c.base;
        v = readUint(c, 16);
        if (!G.isCanonicalExt(v)) revert NonCanonical(at);
    }

    /// Reads a 1-byte count, then that many EF elements.
    function readExts8(Cursor memory c) internal pure returns (uint256[] memory xs) {
        uint256 n = readUint(c, 1);
        xs = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            xs[i] = readExt(c);
        }
    }

    /// Reads a sumcheck proof: a 2-byte round count, then per round a 1-byte count and the values.
    function readSumcheckProof(Cursor memory c) internal pure returns (uint256[][] memory rounds) {
        uint256 n = readUint(c, 2);
        // Each round takes at least one byte: a count larger than what is left is truncated data, caught
        // before allocating.
        if (n > c.end - c.pos) revert Truncated(c.pos - c.base, n);
        rounds = new uint256[][](n);
        for (uint256 k = 0; k < n; k++) {
            rounds[k] = readExts8(c);
        }
    }

    /// Reverts unless every byte was read.
    function finish(Cursor memory c) internal pure {
        if (c.pos != c.end) revert TrailingBytes(c.pos - c.base, c.end - c.base);
    }
}

//! Keccak-256 with a chunked mode for long inputs: the transcript's hash.
//!
//! The transcript (p3's `HashChallenger`) hashes everything absorbed since the last challenge in
//! one Keccak-256 call when the next challenge is drawn. One sponge is sequential, ≈ 200 MB/s on
//! the benchmark machine, and a proof absorbs megabytes in a few calls (GPT-2 124M: its public
//! logits, each hiding opening's revealed masks), so those calls were ≈ 20% of verification.
//! [`ChunkedKeccak256`] hashes a long input as independent 8 KiB chunks — eight at a time in
//! p3-keccak's vectorized `hash_many`, over all cores — and then one short root:
//!
//! ```text
//!     |B| ≤ 8192:  H(B) = keccak256(B)                                   (unchanged)
//!     |B| > 8192:  H(B) = keccak256(B[0..8192] ‖ d_2 ‖ … ‖ d_k ‖ le64(|B|)),
//!                  d_i = keccak256(B[8192·(i−1) .. min(8192·i, |B|)])     (the last chunk may be short)
//! ```
//!
//! The root's input keeps the first chunk itself, so it is always longer than 8192 bytes and never
//! equal to a short input's: a collision of `H` between any two inputs, short or long, is a
//! collision of Keccak-256 (two long inputs with the same root input have the same length, first
//! chunk and chunk digests). The EVM reproduces it with its `KECCAK256` opcode
//! (`crates/zkinfer-evm/solidity/src/Transcript.sol`, `_flush`).

use p3_keccak::Keccak256Hash;
use p3_symmetric::CryptographicHasher;
use rayon::prelude::*;

/// Inputs longer than this many bytes are hashed in chunks of this size.
pub const CHUNK_BYTES: usize = 8192;

/// Chunks hashed per parallel task: two batches of the AVX-512 permutation's eight lanes.
const CHUNKS_PER_TASK: usize = 16;

/// Keccak-256, chunked above [`CHUNK_BYTES`] (module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct ChunkedKeccak256;

/// The chunked Keccak-256 of `bytes` (module docs).
#[must_use]
pub fn chunked_keccak256(bytes: &[u8]) -> [u8; 32] {
    if bytes.len() <= CHUNK_BYTES {
        return Keccak256Hash.hash_slice(bytes);
    }
    let rest = &bytes[CHUNK_BYTES..];
    let full = rest.len() / CHUNK_BYTES;
    let tail = &rest[full * CHUNK_BYTES..];
    let mut digests = vec![[0u8; 32]; full + usize::from(!tail.is_empty())];
    rest[..full * CHUNK_BYTES]
        .par_chunks(CHUNK_BYTES * CHUNKS_PER_TASK)
        .zip(digests[..full].par_chunks_mut(CHUNKS_PER_TASK))
        .for_each(|(chunks, out)| Keccak256Hash.hash_many(chunks, out));
    if !tail.is_empty() {
        digests[full] = Keccak256Hash.hash_slice(tail);
    }
    let len = (bytes.len() as u64).to_le_bytes();
    Keccak256Hash.hash_iter_slices(
        std::iter::once(&bytes[..CHUNK_BYTES])
            .chain(digests.iter().map(|d| &d[..]))
            .chain(std::iter::once(&len[..])),
    )
}

impl CryptographicHasher<u8, [u8; 32]> for ChunkedKeccak256 {
    const LANES: usize = <Keccak256Hash as CryptographicHasher<u8, [u8; 32]>>::LANES;
    const PREFER_CONTIGUOUS_INPUT: bool = true;

    fn hash_iter<I>(&self, input: I) -> [u8; 32]
    where
        I: IntoIterator<Item = u8>,
    {
        let bytes: Vec<u8> = input.into_iter().collect();
        chunked_keccak256(&bytes)
    }

    fn hash_iter_slices<'a, I>(&self, input: I) -> [u8; 32]
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let mut bytes = Vec::new();
        for slice in input {
            bytes.extend_from_slice(slice);
        }
        chunked_keccak256(&bytes)
    }

    fn hash_slice(&self, input: &[u8]) -> [u8; 32] {
        chunked_keccak256(input)
    }

    /// Equal-length messages (p3's proof-of-work search): the vectorized Keccak-256 when they are
    /// short, one by one otherwise.
    fn hash_many(&self, input: &[u8], out: &mut [[u8; 32]]) {
        if out.is_empty() {
            return;
        }
        let len = input.len() / out.len();
        if len <= CHUNK_BYTES {
            Keccak256Hash.hash_many(input, out);
        } else {
            for (message, digest) in input.chunks(len).zip(out.iter_mut()) {
                *digest = chunked_keccak256(message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    /// The definition, written out serially.
    fn reference(bytes: &[u8]) -> [u8; 32] {
        if bytes.len() <= CHUNK_BYTES {
            return Keccak256Hash.hash_slice(bytes);
        }
        let mut root = bytes[..CHUNK_BYTES].to_vec();
        for chunk in bytes[CHUNK_BYTES..].chunks(CHUNK_BYTES) {
            root.extend_from_slice(&Keccak256Hash.hash_slice(chunk));
        }
        root.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        Keccak256Hash.hash_slice(&root)
    }

    fn random_bytes(rng: &mut SmallRng, n: usize) -> Vec<u8> {
        (0..n).map(|_| rng.random()).collect()
    }

    #[test]
    fn equals_the_definition_at_and_around_chunk_boundaries() {
        let mut rng = SmallRng::seed_from_u64(1);
        let c = CHUNK_BYTES;
        let lengths = [
            0,
            1,
            135,
            136,
            c - 1,
            c,
            c + 1,
            2 * c - 1,
            2 * c,
            2 * c + 1,
            17 * c,
            17 * c + 5,
            40 * c + 4095,
        ];
        for n in lengths {
            let bytes = random_bytes(&mut rng, n);
            assert_eq!(chunked_keccak256(&bytes), reference(&bytes), "length {n}");
            assert_eq!(ChunkedKeccak256.hash_slice(&bytes), reference(&bytes));
            assert_eq!(
                ChunkedKeccak256.hash_iter(bytes.iter().copied()),
                reference(&bytes)
            );
            assert_eq!(
                ChunkedKeccak256.hash_iter_slices(bytes.chunks(1000)),
                reference(&bytes)
            );
        }
    }

    #[test]
    fn short_inputs_are_plain_keccak() {
        // The empty string's Keccak-256 (not SHA3-256), so the EVM's KECCAK256 agrees.
        let empty = chunked_keccak256(&[]);
        assert_eq!(
            empty[..4],
            [0xc5, 0xd2, 0x46, 0x01],
            "keccak256(\"\") = c5d24601…"
        );
        let bytes = vec![7u8; CHUNK_BYTES];
        assert_eq!(chunked_keccak256(&bytes), Keccak256Hash.hash_slice(&bytes));
        let bytes = vec![7u8; CHUNK_BYTES + 1];
        assert_ne!(chunked_keccak256(&bytes), Keccak256Hash.hash_slice(&bytes));
    }

    #[test]
    fn every_byte_and_the_length_matter() {
        let mut rng = SmallRng::seed_from_u64(2);
        let bytes = random_bytes(&mut rng, 5 * CHUNK_BYTES + 300);
        let h = chunked_keccak256(&bytes);
        for at in [
            0,
            CHUNK_BYTES - 1,
            CHUNK_BYTES,
            3 * CHUNK_BYTES + 17,
            bytes.len() - 1,
        ] {
            let mut changed = bytes.clone();
            changed[at] ^= 1;
            assert_ne!(chunked_keccak256(&changed), h, "byte {at}");
        }
        // A trailing zero byte changes the last chunk and the length.
        let mut longer = bytes.clone();
        longer.push(0);
        assert_ne!(chunked_keccak256(&longer), h);
    }

    #[test]
    fn hash_many_matches_one_by_one() {
        let mut rng = SmallRng::seed_from_u64(3);
        for len in [0usize, 40, CHUNK_BYTES, CHUNK_BYTES + 9] {
            let n = 11;
            let input = random_bytes(&mut rng, n * len);
            let mut out = vec![[0u8; 32]; n];
            ChunkedKeccak256.hash_many(&input, &mut out);
            for (i, d) in out.iter().enumerate() {
                assert_eq!(*d, reference(&input[i * len..(i + 1) * len]), "len {len}");
            }
        }
    }
}

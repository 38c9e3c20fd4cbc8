//! The Rust side of `solidity/src/Whir.sol`: the constants a WHIR verifier contract needs from the
//! configuration, pre-encoded as the bytes the contract absorbs.
//!
//! p3-whir seeds every sub-protocol it runs on the transcript (the WHIR run itself, each delegated sumcheck)
//! with a domain separator: a byte string fixed by the configuration, absorbed through p3's
//! `TranscriptField::observe_seed` as field elements (the length, then 7-byte little-endian chunks). The
//! contract does not rebuild these strings: [`encode_seed`] turns one into the exact bytes the transcript
//! absorbs (8 little-endian bytes per element), to be carried in the verifying data and absorbed with
//! `KeccakTranscript.observeRaw`.

/// The bytes the zkinfer transcript absorbs when p3 observes `seed` with `observe_seed` (Goldilocks: 7 bytes
/// per element): the length, then each 7-byte chunk read little-endian, each element as 8 little-endian bytes.
#[must_use]
pub fn encode_seed(seed: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 * (1 + seed.len().div_ceil(7)));
    out.extend_from_slice(&(seed.len() as u64).to_le_bytes());
    for chunk in seed.chunks(7) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        out.extend_from_slice(&w);
    }
    out
}

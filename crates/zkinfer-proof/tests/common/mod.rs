//! Helpers shared by the tests: the statistical zero-knowledge tests (`zk_whole.rs`,
//! `zk_weights.rs`) and the masked openings' byte changes (`masked_witness.rs`,
//! `masked_weights.rs`).

/// Where the non-overlapping windows of 16 zero bytes of `bytes` start (one extension-field
/// zero, or structural zeros): a run of zeros counts one window per 16 bytes.
#[allow(dead_code, reason = "each test binary uses part of the helpers")]
pub fn zero_window_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        run = if b == 0 { run + 1 } else { 0 };
        if run == 16 {
            starts.push(i + 1 - 16);
            run = 0;
        }
    }
    starts
}

/// A masked opening's encoding as a proof file writes it (bincode varints).
#[allow(dead_code, reason = "each test binary uses part of the helpers")]
pub fn masked_wire(o: &zkinfer_pcs::masked::MaskedProof) -> Vec<u8> {
    use bincode::Options;
    bincode::DefaultOptions::new()
        .with_varint_encoding()
        .serialize(o)
        .expect("encodes")
}

/// Every masked opening that decodes from `bytes` with one byte changed — at every `step`-th
/// position and 16 spread ones — with the position; `rejected` is called on each, and the number
/// decoded returned.
#[allow(dead_code, reason = "each test binary uses part of the helpers")]
pub fn changed_masked_openings(
    o: &zkinfer_pcs::masked::MaskedProof,
    step: usize,
    mut rejected: impl FnMut(usize, zkinfer_pcs::masked::MaskedProof),
) -> usize {
    use bincode::Options;
    let bytes = masked_wire(o);
    let mut positions: Vec<usize> = (0..bytes.len()).step_by(step).collect();
    positions.extend((0..16).map(|i| bytes.len() * (2 * i + 1) / 32));
    let mut decoded = 0;
    for at in positions {
        let mut b = bytes.clone();
        b[at] ^= 0x21;
        if let Ok(changed) = bincode::DefaultOptions::new()
            .with_varint_encoding()
            .with_limit(1 << 24)
            .deserialize(&b)
        {
            decoded += 1;
            rejected(at, changed);
        }
    }
    decoded
}

//! Helpers shared by the statistical zero-knowledge tests (`zk_whole.rs`, `zk_weights.rs`).

/// Where the non-overlapping windows of 16 zero bytes of `bytes` start (one extension-field
/// zero, or structural zeros): a run of zeros counts one window per 16 bytes.
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

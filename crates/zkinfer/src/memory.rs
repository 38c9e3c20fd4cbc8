//! How long freed memory stays in a process that proves several times (the `zkinfer` CLI with
//! several inputs, the Python bindings).
//!
//! A proof touches its whole working set (codewords, tables, columns: ≈ 1.8 GiB for ResNet-18)
//! and frees it at the end. mimalloc, the allocator of the `zkinfer` binary and of the Python
//! extension, returns freed memory to the OS a second after it is freed (mimalloc 3's default
//! purge delay), so the next proof touches fresh pages again; on a virtual machine whose host
//! reclaims freed guest memory, those first touches cost as much system time as the proof's own
//! computation (docs/BENCHMARKS.md, "Warm proves"). [`retain_freed_memory`] keeps freed memory
//! for the given time instead, so back-to-back proofs reuse it.

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_t`, the same in mimalloc 2 and 3:
/// `libmimalloc-sys` 0.1.49 names the options before and after it but not this one).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The purge delay [`retain_freed_memory`] sets when a process is about to prove several times:
/// long enough to span one proof of the largest bench models (ResNet-18: 2.6–5 s) and the pause
/// between two (measured: with mimalloc's 1 s ResNet-18's repeated proves spent 1.1–2.2 s in the
/// kernel, with 10 s 0.08–0.45 s from the third proof of a process).
pub const PROVER_PURGE_DELAY_MS: i64 = 10_000;

/// The environment variable that overrides the delay [`prepare_repeated_proofs`] sets:
/// milliseconds, `-1` never to return freed memory, `1000` mimalloc's own default (less resident
/// memory between proofs).
pub const PURGE_DELAY_ENV: &str = "ZKINFER_PURGE_DELAY_MS";

/// Sets how this process treats freed memory before one of several proofs with a key whose
/// cost model is `cost`: kept [`PROVER_PURGE_DELAY_MS`] when twice the key's predicted peak fits
/// this machine's memory, else returned at once (a purge delay of 0, unless [`PURGE_DELAY_ENV`]
/// says otherwise), so that back-to-back proofs of a large model do not pile up what they freed
/// (MiniLM's resident set grew from 3.2 GB for one proof to 4.7–5.3 GB over four proofs in one
/// process; GPT-2 124M's one proof peaks at 12.6 GiB of this machine's 24). Returns the delay set.
pub fn prepare_repeated_proofs(cost: &zkinfer_proof::plan::Cost) -> i64 {
    let default = if room_to_retain(cost.predicted_memory_bytes, crate::machine_memory()) {
        PROVER_PURGE_DELAY_MS
    } else {
        0
    };
    let ms = purge_delay(std::env::var(PURGE_DELAY_ENV).ok().as_deref(), default);
    retain_freed_memory(ms);
    ms
}

/// Whether a process may keep what one proof of `predicted` peak bytes freed, on a machine of
/// `machine` bytes (unknown: yes): twice the peak must fit.
fn room_to_retain(predicted: u64, machine: Option<u64>) -> bool {
    machine.is_none_or(|m| predicted.saturating_mul(2) <= m)
}

/// The delay for this value of [`PURGE_DELAY_ENV`]: the integer it holds, else (unset, empty,
/// not an integer) `default`.
fn purge_delay(env: Option<&str>, default: i64) -> i64 {
    env.and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(default)
}

/// Asks mimalloc to keep memory freed in this process for `ms` milliseconds before returning it
/// to the OS (`-1`: never). It costs resident memory: what a proof freed stays counted until
/// it is reused or the delay passes (ResNet-18: a 2,052 MiB peak instead of 1,861 in one run).
/// Without effect on memory that another allocator manages (a binary whose global allocator is
/// not mimalloc).
#[allow(
    unsafe_code,
    reason = "a call into mimalloc's C API; the workspace's only unsafe code outside tests"
)]
pub fn retain_freed_memory(ms: i64) {
    let value = std::ffi::c_long::try_from(ms).unwrap_or(std::ffi::c_long::MAX);
    // SAFETY: `mi_option_set` stores an integer option; mimalloc reads its options with atomic
    // loads, so setting one at any time from any thread is allowed (mimalloc's documentation of
    // `mi_option_set`), and every value is valid for the purge delay (negative: never purge).
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, value) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_overrides_the_delay_only_with_an_integer() {
        assert_eq!(purge_delay(None, 7), 7);
        assert_eq!(purge_delay(Some("10"), 7), 10);
        assert_eq!(purge_delay(Some(" -1 "), 7), -1);
        assert_eq!(purge_delay(Some(""), 7), 7);
        assert_eq!(purge_delay(Some("10s"), 7), 7);
    }

    #[test]
    fn memory_is_kept_only_where_twice_the_peak_fits() {
        let gib = 1u64 << 30;
        // ResNet-18 (1.9 GiB predicted) and MiniLM (2.9 GiB) on this 24 GiB machine: kept.
        assert!(room_to_retain(2 * gib, Some(24 * gib)));
        assert!(room_to_retain(12 * gib, Some(24 * gib)));
        // GPT-2 124M (12.7 GiB predicted): returned at once.
        assert!(!room_to_retain(13 * gib, Some(24 * gib)));
        assert!(room_to_retain(13 * gib, None));
        assert!(!room_to_retain(u64::MAX, Some(24 * gib)));
    }

    #[test]
    fn setting_the_delay_is_read_back_by_mimalloc() {
        #[allow(
            unsafe_code,
            reason = "reads back the option the function under test set"
        )]
        // SAFETY: `mi_option_get` reads an integer option; any time, any thread.
        let read = || unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        let before = read();
        // Option 15 is the purge delay: it holds mimalloc's default for it (1000 ms in
        // mimalloc 3, 10 in mimalloc 2) unless the environment set another.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert!(before == 1000 || before == 10, "option 15 is {before}");
        }
        retain_freed_memory(1234);
        assert_eq!(read(), 1234);
        retain_freed_memory(i64::from(i32::try_from(before).unwrap_or(10)));
        assert_eq!(read(), before);
    }
}

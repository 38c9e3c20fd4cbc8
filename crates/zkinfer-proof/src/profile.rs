//! Per-phase time and peak memory of one prove (`zkinfer prove --profile`, the bench's
//! `--profile`).
//!
//! Peak memory is the process's resident-set high-water mark (`VmHWM`), reset at the start of
//! each phase through `/proc/self/clear_refs` (Linux); where that file cannot be written the
//! figure is the process's peak so far, and `peak_reset` says so. Off (the default), a
//! [`Profile`] records nothing and costs nothing.

use std::time::Instant;

/// One phase of a prove.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    /// `key check`, `witness`, `commitments`, `lookups`, `sumchecks` or `opening` (and the
    /// caller's own, e.g. `zkinfer`'s `interpreter`).
    pub name: &'static str,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Peak resident memory during the phase, MiB (`None` off Linux).
    pub peak_mib: Option<f64>,
}

/// The phases of one prove, in order.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// The phases recorded so far.
    pub phases: Vec<Phase>,
    /// Whether the peak was reset at each phase start (else each peak is the process's so far).
    pub peak_reset: bool,
    started: Option<Instant>,
}

impl Profile {
    /// A profile that records: the clock and the peak start now.
    #[must_use]
    pub fn new() -> Self {
        Self {
            phases: Vec::new(),
            peak_reset: reset_peak(),
            started: Some(Instant::now()),
        }
    }

    /// Ends the current phase as `name` and starts the next (nothing when off).
    pub fn mark(&mut self, name: &'static str) {
        let Some(start) = self.started else {
            return;
        };
        self.phases.push(Phase {
            name,
            seconds: start.elapsed().as_secs_f64(),
            peak_mib: peak_mib(),
        });
        self.peak_reset &= reset_peak();
        self.started = Some(Instant::now());
    }
}

/// Resets the resident-set high-water mark; whether it could.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// `VmHWM` in MiB.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::Profile;

    #[test]
    fn off_records_nothing_on_records_each_phase() {
        let mut off = Profile::default();
        off.mark("witness");
        assert!(off.phases.is_empty());
        let mut on = Profile::new();
        on.mark("witness");
        on.mark("opening");
        let names: Vec<_> = on.phases.iter().map(|p| p.name).collect();
        assert_eq!(names, ["witness", "opening"]);
        assert!(on.phases.iter().all(|p| p.seconds >= 0.0));
        if cfg!(target_os = "linux") {
            assert!(
                on.phases
                    .iter()
                    .all(|p| p.peak_mib.is_some_and(|m| m > 0.0))
            );
        }
    }
}

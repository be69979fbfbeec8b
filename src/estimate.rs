//! How long a simulation will take, so that absurd requests are refused before they start.
//!
//! The cost of a request is `runs × (setup + Σ deadlines × round)`: every run samples its
//! parameters once (`setup`) and then plays at most `deadline` rounds at each deadline. The
//! per-run and per-round costs are measured, not modelled: a short pilot plays a few runs of
//! the scenario itself on this machine. Why not a formula in terms × options × agents: on a
//! 2-core test machine the measured cost of a round ranged from about 1 µs to 2 ms across
//! scenarios of similar size, because the offer search prunes well or badly depending on the
//! preferences (see README, "Refusing absurd requests"). Every run is counted as lasting until
//! its deadline, so the estimate is an upper bound when deals come early.

use crate::model::{Instance, Model};
use crate::protocol::{End, Workspace, play};
use crate::rng;
use std::time::{Duration, Instant};

/// Requests estimated to take longer than this are refused unless forced.
pub const LIMIT_SECONDS: f64 = 3600.0;

/// The pilot stops after this much time (or [`PILOT_RUNS`] runs).
const PILOT_TIME: Duration = Duration::from_millis(30);
/// Most runs the pilot plays.
const PILOT_RUNS: u64 = 64;
/// Longest deadline the pilot plays: long enough to reach late-round behaviour, short enough
/// to stay quick.
const PILOT_DEADLINE: u32 = 64;

/// Measured costs of one scenario on this machine, on one thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Speed {
    /// Seconds to sample and prepare one run.
    pub setup: f64,
    /// Seconds per round played.
    pub round: f64,
}

/// Plays a few runs of `model` (seed `seed`) to measure its per-run and per-round costs.
pub fn measure(model: &Model, seed: u64, deadlines: &[u32]) -> Speed {
    let deadline = deadlines
        .iter()
        .copied()
        .max()
        .unwrap_or(1)
        .clamp(1, PILOT_DEADLINE);
    let mut inst = Instance::default();
    let mut ws = Workspace::default();
    let (mut setup, mut playing) = (Duration::ZERO, Duration::ZERO);
    let (mut runs, mut rounds) = (0u64, 0u64);
    let start = Instant::now();
    while runs < PILOT_RUNS && (runs == 0 || start.elapsed() < PILOT_TIME) {
        let t0 = Instant::now();
        model.sample_into(seed, runs, &mut inst);
        ws.prepare(model, &inst);
        let t1 = Instant::now();
        let mut r = rng::play_rng(seed, runs);
        let res = play(model, &inst, &mut ws, deadline, &mut r, &mut ());
        playing += t1.elapsed();
        setup += t1 - t0;
        rounds += u64::from(match res.end {
            End::Agreement { round } | End::WalkOut { round, .. } => round,
            End::Expired => deadline,
        });
        runs += 1;
    }
    Speed {
        setup: setup.as_secs_f64() / runs as f64,
        round: playing.as_secs_f64() / rounds.max(1) as f64,
    }
}

/// Upper estimate of the wall-clock seconds to play `runs` runs at every deadline on `threads`
/// threads, at the measured `speed`.
pub fn seconds_at(speed: Speed, runs: u64, deadlines: &[u32], threads: usize) -> f64 {
    let rounds: f64 = deadlines.iter().map(|&d| f64::from(d)).sum();
    runs as f64 * (speed.setup + rounds * speed.round) / threads.max(1) as f64
}

/// Upper estimate of the wall-clock seconds `negsim run` needs for this request, measured by a
/// short pilot (tens of milliseconds) on this machine.
pub fn estimate_seconds(
    model: &Model,
    seed: u64,
    runs: u64,
    deadlines: &[u32],
    threads: usize,
) -> f64 {
    seconds_at(measure(model, seed, deadlines), runs, deadlines, threads)
}

/// A duration in words: "40 seconds", "3.2 hours", "12 days", "3,000 years".
pub fn describe(seconds: f64) -> String {
    const UNITS: [(&str, f64); 5] = [
        ("years", 365.25 * 86400.0),
        ("days", 86400.0),
        ("hours", 3600.0),
        ("minutes", 60.0),
        ("seconds", 1.0),
    ];
    let (unit, size) = UNITS
        .iter()
        .copied()
        .find(|&(_, size)| seconds >= size)
        .unwrap_or(("seconds", 1.0));
    let x = seconds / size;
    if x >= 100.0 {
        format!("{} {unit}", crate::scenario::thousands(x.round() as u64))
    } else {
        format!("{x:.1} {unit}")
    }
}

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
//!
//! The pilot plays its runs as the request will, at every deadline of the request (each cut to
//! [`PILOT_DEADLINE`] rounds), so that the work done once per run (the offer-search tables,
//! built at the first query) is spread over the rounds it serves. It plays at least
//! [`PILOT_MIN_RUNS`] runs when they take under [`PILOT_MAX_TIME`]: the cost of a run can vary
//! by tens of times between runs (20 terms × 50 options: a median of 15–30 ms, some runs
//! 0.2 s), and the one or two runs that fit in [`PILOT_TIME`] said a quarter of the time.

use crate::engine::model::{Instance, Model};
use crate::engine::protocol::{End, Workspace, play};
use crate::engine::rng;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// Requests estimated to take longer than this are refused unless forced.
pub const LIMIT_SECONDS: f64 = 3600.0;

/// The pilot stops after this much time (or [`PILOT_RUNS`] runs) once it has played
/// [`PILOT_MIN_RUNS`] runs.
const PILOT_TIME: Duration = Duration::from_millis(30);
/// Most runs the pilot plays.
const PILOT_RUNS: u64 = 64;
/// Fewest runs the pilot plays, unless they take longer than [`PILOT_MAX_TIME`].
pub const PILOT_MIN_RUNS: u64 = 16;
/// The pilot stops after this much time even short of [`PILOT_MIN_RUNS`] runs (well within
/// [`PILOT_TIMEOUT`]).
const PILOT_MAX_TIME: Duration = Duration::from_millis(600);
/// A pilot run slower than this is not waited for: the scenario is too slow to estimate, and
/// the estimate becomes a lower bound. Why: a single round can take very long when the offer
/// search prunes badly, and a time estimate must not itself hang.
pub const PILOT_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest deadline the pilot plays: long enough to reach late-round behaviour, short enough
/// to stay quick.
pub const PILOT_DEADLINE: u32 = 64;

/// Measured costs of one scenario on this machine, on one thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Speed {
    /// Seconds to sample and prepare one run.
    pub setup: f64,
    /// Seconds per round played.
    pub round: f64,
}

/// What the pilot's runs cost in all, beside the [`Speed`] measured from them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PilotRuns {
    /// Runs played.
    pub runs: u64,
    /// Seconds they took (setting up and playing).
    pub spent: f64,
}

/// What the pilot found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pilot {
    /// The costs were measured.
    Measured(Speed),
    /// The first pilot run, at a deadline of `deadline` rounds, took longer than
    /// [`PILOT_TIMEOUT`].
    TooSlow {
        /// The deadline of the pilot run.
        deadline: u32,
    },
}

impl Pilot {
    /// Estimated wall-clock seconds for `runs` runs at every deadline on `threads` threads:
    /// an upper bound when measured, a lower bound (every run taking at least the pilot
    /// timeout) when too slow to measure.
    pub fn seconds(&self, runs: u64, deadlines: &[u32], threads: usize) -> f64 {
        match *self {
            Pilot::Measured(speed) => seconds_at(speed, runs, deadlines, threads),
            Pilot::TooSlow { .. } => {
                runs as f64 * PILOT_TIMEOUT.as_secs_f64() / threads.max(1) as f64
            }
        }
    }
}

/// Runs [`measure`] on a thread of its own and waits at most [`PILOT_TIMEOUT`] for it. A pilot
/// that times out is stopped: its offer search gives up within milliseconds
/// ([`crate::engine::offer::stoppable`]) and the thread ends, rather than searching on in the
/// background while the command runs.
pub fn pilot(model: &Model, seed: u64, deadlines: &[u32]) -> Pilot {
    let deadline = pilot_deadline(deadlines);
    let (tx, rx) = mpsc::channel();
    let model = Arc::new(model.clone());
    let deadlines = deadlines.to_vec();
    let stop = Arc::new(AtomicBool::new(false));
    let stop_pilot = Arc::clone(&stop);
    let spawned = std::thread::Builder::new()
        .name("negsim-pilot".into())
        .spawn(move || {
            let (speed, _) =
                crate::engine::offer::stoppable(&stop_pilot, || measure(&model, seed, &deadlines));
            let _ = tx.send(speed);
        });
    let Ok(handle) = spawned else {
        return Pilot::TooSlow { deadline };
    };
    match rx.recv_timeout(PILOT_TIMEOUT) {
        Ok(speed) => Pilot::Measured(speed),
        Err(_) => {
            stop.store(true, Ordering::Relaxed);
            // Detached: the thread ends as soon as its search sees the request.
            drop(handle);
            Pilot::TooSlow { deadline }
        }
    }
}

fn pilot_deadline(deadlines: &[u32]) -> u32 {
    deadlines
        .iter()
        .copied()
        .max()
        .unwrap_or(1)
        .clamp(1, PILOT_DEADLINE)
}

/// The deadlines a pilot run plays: every deadline of the request cut to [`PILOT_DEADLINE`]
/// (open-ended talks: one negotiation, to the longest).
pub fn pilot_deadlines(model: &Model, deadlines: &[u32]) -> Vec<u32> {
    if model.scenario.simulation.open_ended() || deadlines.is_empty() {
        return vec![pilot_deadline(deadlines)];
    }
    deadlines
        .iter()
        .map(|&d| d.clamp(1, PILOT_DEADLINE))
        .collect()
}

/// Plays a few runs of `model` (seed `seed`) to measure its per-run and per-round costs.
pub fn measure(model: &Model, seed: u64, deadlines: &[u32]) -> Speed {
    measure_runs(model, seed, deadlines).0
}

/// [`measure`], with what the pilot's runs cost in all.
pub fn measure_runs(model: &Model, seed: u64, deadlines: &[u32]) -> (Speed, PilotRuns) {
    let plays = pilot_deadlines(model, deadlines);
    let mut inst = Instance::default();
    let mut ws = Workspace::default();
    let (mut setup, mut playing) = (Duration::ZERO, Duration::ZERO);
    let (mut runs, mut rounds) = (0u64, 0u64);
    let start = Instant::now();
    while runs < PILOT_RUNS
        && (runs < PILOT_MIN_RUNS || start.elapsed() < PILOT_TIME)
        && (runs == 0 || start.elapsed() < PILOT_MAX_TIME)
        && !crate::engine::offer::stopped()
    {
        let t0 = Instant::now();
        model.sample_into(seed, runs, &mut inst);
        ws.prepare(model, &inst);
        let t1 = Instant::now();
        for &deadline in &plays {
            let mut r = rng::play_rng(seed, runs);
            let res = play(model, &inst, &mut ws, deadline, &mut r, &mut ());
            rounds += u64::from(match res.end {
                End::Agreement { round } | End::WalkOut { round, .. } => round,
                End::Expired => deadline,
            });
        }
        playing += t1.elapsed();
        setup += t1 - t0;
        runs += 1;
    }
    let speed = Speed {
        setup: setup.as_secs_f64() / runs as f64,
        round: playing.as_secs_f64() / rounds.max(1) as f64,
    };
    let spent = (setup + playing).as_secs_f64();
    (speed, PilotRuns { runs, spent })
}

/// Upper estimate of the wall-clock seconds to play `runs` runs at every deadline on `threads`
/// threads, at the measured `speed`.
pub fn seconds_at(speed: Speed, runs: u64, deadlines: &[u32], threads: usize) -> f64 {
    let rounds: f64 = deadlines.iter().map(|&d| f64::from(d)).sum();
    runs as f64 * (speed.setup + rounds * speed.round) / threads.max(1) as f64
}

/// Estimate of the wall-clock seconds `negsim run` needs for this request, from a short pilot
/// (tens of milliseconds, at most [`PILOT_TIMEOUT`]) on this machine: see [`Pilot::seconds`].
pub fn estimate_seconds(
    model: &Model,
    seed: u64,
    runs: u64,
    deadlines: &[u32],
    threads: usize,
) -> f64 {
    pilot(model, seed, deadlines).seconds(runs, deadlines, threads)
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

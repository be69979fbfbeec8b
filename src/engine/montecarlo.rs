//! Monte Carlo: many runs in parallel, each with its own ChaCha stream keyed by its index, and
//! the same sampled parameters and play stream at every deadline (common random numbers).

use crate::engine::model::{Instance, Model};
use crate::engine::protocol::{RunResult, Workspace, play, play_marked};
use crate::engine::rng;
use crate::engine::stats::Tally;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Runs per work item; a chunk is the unit of parallelism, progress and cancellation.
pub const CHUNK: u64 = 256;

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Master seed.
    pub seed: u64,
    /// Deadlines, in rounds.
    pub deadlines: Vec<u32>,
    /// The run indices to play (all of `0..runs` unless sharded).
    pub runs: Range<u64>,
}

/// Shared progress counter and stop flag, polled between chunks.
#[derive(Debug, Default)]
pub struct Control {
    /// Runs finished so far.
    pub done: AtomicU64,
    /// Set to stop early; finished chunks are kept. Shared (`Arc`) so that the offer searches
    /// of the runs in progress observe it too ([`crate::engine::offer::stoppable`]).
    pub cancel: Arc<AtomicBool>,
}

/// The tallies of a simulation, one per deadline in the order of the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// One tally per deadline.
    pub tallies: Vec<Tally>,
    /// True when stopped before every run was played.
    pub partial: bool,
}

/// Plays every run of `settings` on the current rayon pool.
///
/// Tallies are exact integer statistics, so the fold/reduce grouping that rayon picks (which
/// depends on the thread count) cannot change the result.
pub fn simulate(model: &Model, settings: &Settings, control: &Control) -> Outcome {
    let chunks: Vec<Range<u64>> = chunk_ranges(settings.runs.clone());
    let empty = || -> Vec<Tally> {
        settings
            .deadlines
            .iter()
            .map(|&d| Tally::new(model, d))
            .collect()
    };
    let tallies = chunks
        .par_iter()
        .fold(empty, |mut acc, r| {
            if !control.cancel.load(Ordering::Relaxed) {
                crate::engine::offer::stoppable(&control.cancel, || {
                    simulate_range(model, settings, r.clone(), &mut acc);
                });
                control.done.fetch_add(r.end - r.start, Ordering::Relaxed);
            }
            acc
        })
        .reduce(empty, |mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| x.merge(y));
            a
        });
    let requested = settings.runs.end - settings.runs.start;
    let partial = tallies.first().is_some_and(|t| t.runs < requested);
    Outcome { tallies, partial }
}

/// Splits a run range into chunks aligned on multiples of [`CHUNK`].
pub fn chunk_ranges(runs: Range<u64>) -> Vec<Range<u64>> {
    let mut out = Vec::new();
    let mut s = runs.start;
    while s < runs.end {
        let e = ((s / CHUNK + 1) * CHUNK).min(runs.end);
        out.push(s..e);
        s = e;
    }
    out
}

/// Plays the runs of `range` sequentially, adding them to `tallies`.
pub fn simulate_range(
    model: &Model,
    settings: &Settings,
    range: Range<u64>,
    tallies: &mut [Tally],
) {
    let mut inst = Instance::default();
    let mut ws = Workspace::default();
    let mut player = RunPlayer::new(model, settings);
    for run in range {
        model.sample_into(settings.seed, run, &mut inst);
        ws.prepare(model, &inst);
        // A run whose offer search was stopped did not play as it would have: it is left out
        // at every deadline, so that each deadline still holds the same runs.
        if !player.play(model, settings, &inst, &mut ws, run) {
            return;
        }
        player.tally(model, &inst, tallies);
    }
}

/// Plays one run (its parameters sampled) at every deadline of the settings, or, in
/// open-ended talks, once to the last checkpoint read at every checkpoint; keeps the results
/// until [`RunPlayer::tally`] adds them. Shared by plain runs and worlds.
#[derive(Debug)]
pub struct RunPlayer {
    /// Deadline indices in ascending order of the deadline (open-ended talks).
    order: Vec<usize>,
    /// The checkpoints in ascending order.
    marks: Vec<u32>,
    /// (deadline index, result) of the run just played.
    results: Vec<(usize, RunResult)>,
}

impl RunPlayer {
    /// A player for `settings`' deadlines.
    pub fn new(model: &Model, settings: &Settings) -> RunPlayer {
        let mut order: Vec<usize> = (0..settings.deadlines.len()).collect();
        if model.scenario.simulation.open_ended() {
            order.sort_by_key(|&i| settings.deadlines[i]);
        }
        let marks = order.iter().map(|&i| settings.deadlines[i]).collect();
        RunPlayer {
            order,
            marks,
            results: Vec::with_capacity(settings.deadlines.len()),
        }
    }

    /// Plays run `run` with `inst` (`ws` prepared for it); false when an offer search was
    /// stopped, so that the run must be left out.
    pub fn play(
        &mut self,
        model: &Model,
        settings: &Settings,
        inst: &Instance,
        ws: &mut Workspace,
        run: u64,
    ) -> bool {
        self.results.clear();
        if model.scenario.simulation.open_ended() {
            let mut rng = rng::play_rng(settings.seed, run);
            let last = self.marks.last().copied().unwrap_or(0);
            let (order, results) = (&self.order, &mut self.results);
            play_marked(
                model,
                inst,
                ws,
                last,
                &self.marks,
                &mut rng,
                &mut (),
                &mut |j, res| results.push((order[j], res.clone())),
            );
        } else {
            for (i, &d) in settings.deadlines.iter().enumerate() {
                let mut rng = rng::play_rng(settings.seed, run);
                self.results
                    .push((i, play(model, inst, ws, d, &mut rng, &mut ())));
            }
        }
        !crate::engine::offer::stopped()
    }

    /// The deadline indices at which the run just played ended in agreement.
    pub fn agreed(&self) -> impl Iterator<Item = usize> + '_ {
        self.results.iter().filter_map(|(i, res)| {
            matches!(res.end, crate::engine::protocol::End::Agreement { .. }).then_some(*i)
        })
    }

    /// Adds the results of the run just played to `tallies` (one per deadline).
    pub fn tally(&self, model: &Model, inst: &Instance, tallies: &mut [Tally]) {
        for (i, res) in &self.results {
            tallies[*i].add(model, inst, res);
        }
    }
}

/// Plays one run at one deadline, reporting every event to `obs` (for transcripts).
pub fn trace_run<O: crate::engine::protocol::Observer>(
    model: &Model,
    seed: u64,
    run: u64,
    deadline: u32,
    obs: &mut O,
) -> (Instance, crate::engine::protocol::RunResult) {
    let mut inst = Instance::default();
    let mut ws = Workspace::default();
    model.sample_into(seed, run, &mut inst);
    ws.prepare(model, &inst);
    let mut rng = rng::play_rng(seed, run);
    let res = play(model, &inst, &mut ws, deadline, &mut rng, obs);
    (inst, res)
}

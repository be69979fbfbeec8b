//! Monte Carlo: many runs in parallel, each with its own ChaCha stream keyed by its index, and
//! the same sampled parameters and play stream at every deadline (common random numbers).

use crate::model::{Instance, Model};
use crate::protocol::{Workspace, play, play_marked};
use crate::rng;
use crate::stats::Tally;
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
    /// of the runs in progress observe it too ([`crate::offer::stoppable`]).
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
                crate::offer::stoppable(&control.cancel, || {
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
    if model.scenario.simulation.open_ended() {
        // One negotiation per run, read at every checkpoint (in ascending order).
        let mut order: Vec<usize> = (0..settings.deadlines.len()).collect();
        order.sort_by_key(|&i| settings.deadlines[i]);
        let marks: Vec<u32> = order.iter().map(|&i| settings.deadlines[i]).collect();
        let last = marks.last().copied().unwrap_or(0);
        let mut marked = Vec::with_capacity(marks.len());
        for run in range {
            model.sample_into(settings.seed, run, &mut inst);
            ws.prepare(model, &inst);
            let mut rng = rng::play_rng(settings.seed, run);
            marked.clear();
            play_marked(
                model,
                &inst,
                &mut ws,
                last,
                &marks,
                &mut rng,
                &mut (),
                &mut |j, res| marked.push((j, res.clone())),
            );
            // As below: a run whose offer search was stopped is left out at every deadline.
            if crate::offer::stopped() {
                return;
            }
            for (j, res) in &marked {
                tallies[order[*j]].add(model, &inst, res);
            }
        }
        return;
    }
    let mut results = Vec::with_capacity(settings.deadlines.len());
    for run in range {
        model.sample_into(settings.seed, run, &mut inst);
        ws.prepare(model, &inst);
        results.clear();
        for &d in &settings.deadlines {
            let mut rng = rng::play_rng(settings.seed, run);
            results.push(play(model, &inst, &mut ws, d, &mut rng, &mut ()));
        }
        // A run whose offer search was stopped did not play as it would have: it is left out
        // at every deadline, so that each deadline still holds the same runs.
        if crate::offer::stopped() {
            return;
        }
        for (tally, res) in tallies.iter_mut().zip(&results) {
            tally.add(model, &inst, res);
        }
    }
}

/// Plays one run at one deadline, reporting every event to `obs` (for transcripts).
pub fn trace_run<O: crate::protocol::Observer>(
    model: &Model,
    seed: u64,
    run: u64,
    deadline: u32,
    obs: &mut O,
) -> (Instance, crate::protocol::RunResult) {
    let mut inst = Instance::default();
    let mut ws = Workspace::default();
    model.sample_into(seed, run, &mut inst);
    ws.prepare(model, &inst);
    let mut rng = rng::play_rng(seed, run);
    let res = play(model, &inst, &mut ws, deadline, &mut rng, obs);
    (inst, res)
}

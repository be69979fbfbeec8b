//! Worlds: the spread of P(agreement) over what we do not know.
//!
//! A plain run draws every uncertain number afresh in each run, so its P(agreement) already
//! averages over the scenario's distributions, and its interval is Monte Carlo noise only. A
//! *world* is one draw of every uncertain number (weights, values, reservations, walk-out
//! chances, clocks, ...), played `runs` times with only the play randomness varying (walk-out
//! draws, random offer choices, and the noise in the agents' estimates of each other). The
//! spread of P across worlds is the uncertainty that comes from the assumptions.
//!
//! Streams: world `w`'s parameters come from [`crate::engine::rng::world_rng`]`(seed, w)`; run `r` of
//! every world takes its estimate noise from its own parameter stream (past the words the
//! parameters would take) and its play from [`crate::engine::rng::play_rng`]`(seed, r)`. So the same
//! run index meets the same luck in every world and at every deadline (common random numbers),
//! and every count is an exact integer: any thread count gives the same result.

pub mod summary;

use crate::engine::model::{Instance, Model};
use crate::engine::montecarlo::{Control, RunPlayer, Settings};
use crate::engine::offer::for_each_package;
use crate::engine::protocol::Workspace;
use crate::engine::stats::Tally;
use crate::scenario::slots::{Slot, uncertain_slots};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::Ordering;

/// Largest outcome space for which a world's zone of agreement is checked by listing it.
pub const ZOPA_MAX_PACKAGES: u128 = 1 << 20;

/// The result of simulating `worlds` worlds.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldsOutcome {
    /// The index of each world played, ascending (a stopped simulation may leave some out).
    pub ids: Vec<u64>,
    /// Every run of every world, one tally per deadline (the pooled P is today's P).
    pub pooled: Vec<Tally>,
    /// `agreements[w][d]`: agreements of world `w` at deadline `d` (settings order).
    pub agreements: Vec<Vec<u64>>,
    /// Runs each world played (the same for every world unless stopped early).
    pub runs: Vec<u64>,
    /// Per world, whether some package gives every signatory at least its reservation value
    /// and crosses no red line, at the world's parameters (`None`: space too large to list).
    pub zopa: Vec<Option<bool>>,
    /// True when stopped before every world was played.
    pub partial: bool,
    /// `run_agreements[d][i]`: in how many worlds run `runs.start + i` ended in agreement at
    /// deadline `d` (for the interval of the pooled P under common random numbers).
    pub run_agreements: Vec<Vec<u32>>,
    /// The scenario's uncertain parameters, in the engine's draw order.
    pub slots: Vec<Slot>,
    /// `params[w][j]`: the value `slots[j]` took in world `w`.
    pub params: Vec<Vec<f64>>,
}

/// One world's result.
struct World {
    tallies: Vec<Tally>,
    agreed: Vec<u64>,
    runs: u64,
    zopa: Option<bool>,
    /// `per_run[d][i]`: whether run `start + i` agreed at deadline `d`.
    per_run: Vec<Vec<bool>>,
    params: Vec<f64>,
}

/// Plays `settings.runs` runs in each of the worlds `worlds` (world indices: `0..K` for a
/// whole simulation, a block of it for a shard) on the current rayon pool.
pub fn simulate_worlds(
    model: &Model,
    settings: &Settings,
    worlds: Range<u64>,
    control: &Control,
) -> WorldsOutcome {
    let slots: Vec<Slot> = uncertain_slots(&model.scenario);
    let per_world: Vec<Option<World>> = worlds
        .clone()
        .into_par_iter()
        .map(|w| {
            if control.cancel.load(Ordering::Relaxed) {
                return None;
            }
            let out = play_world(model, settings, w, &slots);
            control
                .done
                .fetch_add(settings.runs.end - settings.runs.start, Ordering::Relaxed);
            Some(out)
        })
        .collect();
    let mut pooled: Vec<Tally> = settings
        .deadlines
        .iter()
        .map(|&d| Tally::new(model, d))
        .collect();
    let requested = settings.runs.end - settings.runs.start;
    let (mut ids, mut agreements, mut runs, mut zopa, mut params) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut run_agreements = vec![vec![0u32; requested as usize]; settings.deadlines.len()];
    let mut partial = false;
    // Worlds are folded in index order, so every sum is the same at any thread count.
    for (id, world) in worlds.zip(per_world) {
        match world {
            Some(w) => {
                ids.push(id);
                pooled
                    .iter_mut()
                    .zip(&w.tallies)
                    .for_each(|(p, t)| p.merge(t));
                for (counts, agreed) in run_agreements.iter_mut().zip(&w.per_run) {
                    for (c, &a) in counts.iter_mut().zip(agreed) {
                        *c += u32::from(a);
                    }
                }
                agreements.push(w.agreed);
                runs.push(w.runs);
                zopa.push(w.zopa);
                params.push(w.params);
            }
            None => partial = true,
        }
    }
    partial |= runs.iter().any(|&n| n < requested);
    WorldsOutcome {
        ids,
        pooled,
        agreements,
        runs,
        zopa,
        partial,
        run_agreements,
        slots,
        params,
    }
}

/// Plays every run of world `w`: its tallies, its agreements per deadline, its runs and
/// whether it has a zone of agreement.
fn play_world(model: &Model, settings: &Settings, w: u64, slots: &[Slot]) -> World {
    let mut tallies: Vec<Tally> = settings
        .deadlines
        .iter()
        .map(|&d| Tally::new(model, d))
        .collect();
    let mut inst = Instance::default();
    let start = model.sample_world(settings.seed, w, &mut inst);
    let zopa = has_zopa(model, &inst);
    let params = slots.iter().map(|s| s.value_in(model, &inst)).collect();
    let mut ws = Workspace::default();
    let mut player = RunPlayer::new(model, settings);
    let n_runs = (settings.runs.end - settings.runs.start) as usize;
    let mut per_run = vec![vec![false; n_runs]; settings.deadlines.len()];
    for (i, run) in settings.runs.clone().enumerate() {
        model.sample_run_estimates(settings.seed, run, start, &mut inst);
        ws.prepare(model, &inst);
        // A stopped search (Ctrl-C) leaves its run and the rest of the world out.
        if !player.play(model, settings, &inst, &mut ws, run) {
            break;
        }
        player.tally(model, &inst, &mut tallies);
        for d in player.agreed() {
            per_run[d][i] = true;
        }
    }
    World {
        agreed: tallies.iter().map(|t| t.agreements).collect(),
        runs: tallies.first().map_or(0, |t| t.runs),
        tallies,
        zopa,
        per_run,
        params,
    }
}

/// Whether some package gives every signatory at least its reservation value and crosses no
/// red line, at the parameters of `inst`; `None` above [`ZOPA_MAX_PACKAGES`] packages.
pub fn has_zopa(model: &Model, inst: &Instance) -> Option<bool> {
    if model.scenario.outcome_space_size() > ZOPA_MAX_PACKAGES {
        return None;
    }
    let signatories = model.scenario.signatories();
    let mut found = false;
    let no = model.n_opts;
    for_each_package(model, |pkg| {
        if found {
            return;
        }
        found = signatories.iter().all(|&s| {
            let crosses = pkg
                .iter()
                .zip(&model.offsets)
                .any(|(&o, &off)| model.red[s * no + off + o as usize]);
            !crosses && inst.utility(model, s, pkg) >= inst.reservation[s]
        });
    });
    Some(found)
}

/// The `q`-quantile of `xs` by linear interpolation between order statistics (the default
/// of numpy and R's type 7): `h = (n - 1)·q`, `x[⌊h⌋] + (h - ⌊h⌋)·(x[⌊h⌋ + 1] - x[⌊h⌋])`.
pub fn quantile(xs: &[f64], q: f64) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

/// The spread of P(agreement) across worlds at one deadline.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Spread {
    /// 5th percentile of the worlds' P(agreement).
    pub p05: f64,
    /// Median of the worlds' P(agreement).
    pub p50: f64,
    /// 95th percentile of the worlds' P(agreement).
    pub p95: f64,
}

impl WorldsOutcome {
    /// Every run of every world as one outcome (the pooled tallies).
    pub fn pooled_outcome(&self) -> crate::engine::montecarlo::Outcome {
        crate::engine::montecarlo::Outcome {
            tallies: self.pooled.clone(),
            partial: self.partial,
        }
    }

    /// Each world's P(agreement) at deadline index `d`.
    pub fn p_by_world(&self, d: usize) -> Vec<f64> {
        self.agreements
            .iter()
            .zip(&self.runs)
            .filter(|(_, n)| **n > 0)
            .map(|(a, n)| a[d] as f64 / *n as f64)
            .collect()
    }

    /// The 5th, 50th and 95th percentiles of the worlds' P(agreement) at deadline index `d`.
    pub fn spread(&self, d: usize) -> Option<Spread> {
        let p = self.p_by_world(d);
        Some(Spread {
            p05: quantile(&p, 0.05)?,
            p50: quantile(&p, 0.5)?,
            p95: quantile(&p, 0.95)?,
        })
    }

    /// Share of the worlds with a zone of agreement (`None` when it could not be checked).
    pub fn zopa_share(&self) -> Option<f64> {
        let known: Option<Vec<bool>> = self.zopa.iter().copied().collect();
        let known = known?;
        (!known.is_empty())
            .then(|| known.iter().filter(|&&z| z).count() as f64 / known.len() as f64)
    }
}

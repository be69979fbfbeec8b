//! Worlds: the spread of P(agreement) over what we do not know.
//!
//! A plain run draws every uncertain number afresh in each run, so its P(agreement) already
//! averages over the scenario's distributions, and its interval is Monte Carlo noise only. A
//! *world* is one draw of every uncertain number (weights, values, reservations, walk-out
//! chances, clocks, ...), played `runs` times with only the play randomness varying (walk-out
//! draws, random offer choices, and the noise in the agents' estimates of each other). The
//! spread of P across worlds is the uncertainty that comes from the assumptions.
//!
//! Streams: world `w`'s parameters come from [`crate::rng::world_rng`]`(seed, w)`; run `r` of
//! every world takes its estimate noise from its own parameter stream (past the words the
//! parameters would take) and its play from [`crate::rng::play_rng`]`(seed, r)`. So the same
//! run index meets the same luck in every world and at every deadline (common random numbers),
//! and every count is an exact integer: any thread count gives the same result.

use crate::model::{Instance, Model};
use crate::montecarlo::{Control, RunPlayer, Settings};
use crate::offer::for_each_package;
use crate::protocol::Workspace;
use crate::stats::Tally;
use rayon::prelude::*;
use std::sync::atomic::Ordering;

/// Largest outcome space for which a world's zone of agreement is checked by listing it.
pub const ZOPA_MAX_PACKAGES: u128 = 1 << 20;

/// The result of simulating `worlds` worlds.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldsOutcome {
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
}

/// One world's result: its tallies, its agreements per deadline, its runs, its zone of
/// agreement.
type World = (Vec<Tally>, Vec<u64>, u64, Option<bool>);

/// Plays `settings.runs` runs in each of `worlds` worlds on the current rayon pool.
pub fn simulate_worlds(
    model: &Model,
    settings: &Settings,
    worlds: u64,
    control: &Control,
) -> WorldsOutcome {
    let per_world: Vec<Option<World>> = (0..worlds)
        .into_par_iter()
        .map(|w| {
            if control.cancel.load(Ordering::Relaxed) {
                return None;
            }
            let out = play_world(model, settings, w);
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
    let (mut agreements, mut runs, mut zopa) = (Vec::new(), Vec::new(), Vec::new());
    let mut partial = false;
    for world in per_world {
        match world {
            Some((tallies, agreed, n, z)) => {
                pooled
                    .iter_mut()
                    .zip(&tallies)
                    .for_each(|(p, t)| p.merge(t));
                agreements.push(agreed);
                runs.push(n);
                zopa.push(z);
            }
            None => partial = true,
        }
    }
    let requested = settings.runs.end - settings.runs.start;
    partial |= runs.iter().any(|&n| n < requested);
    WorldsOutcome {
        pooled,
        agreements,
        runs,
        zopa,
        partial,
    }
}

/// Plays every run of world `w`: its tallies, its agreements per deadline, its runs and
/// whether it has a zone of agreement.
fn play_world(model: &Model, settings: &Settings, w: u64) -> World {
    let mut tallies: Vec<Tally> = settings
        .deadlines
        .iter()
        .map(|&d| Tally::new(model, d))
        .collect();
    let mut inst = Instance::default();
    let start = model.sample_world(settings.seed, w, &mut inst);
    let zopa = has_zopa(model, &inst);
    let mut ws = Workspace::default();
    let mut player = RunPlayer::new(model, settings);
    for run in settings.runs.clone() {
        model.sample_run_estimates(settings.seed, run, start, &mut inst);
        ws.prepare(model, &inst);
        // A stopped search (Ctrl-C) leaves its run and the rest of the world out.
        if !player.play(model, settings, &inst, &mut ws, run) {
            break;
        }
        player.tally(model, &inst, &mut tallies);
    }
    let agreed = tallies.iter().map(|t| t.agreements).collect();
    let n = tallies.first().map_or(0, |t| t.runs);
    (tallies, agreed, n, zopa)
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

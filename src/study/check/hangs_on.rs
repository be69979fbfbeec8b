//! What the result hangs on: `check`'s quick look at the two uncertainties before a long run.
//! A few worlds show how far P moves over what we don't know, and a coarse one-at-a-time pass
//! names the assumption that moves it most, so that the caveats of the report
//! ([`crate::study::caveat`]) are visible before anything is run for real.

use crate::engine::model::Model;
use crate::engine::montecarlo::Control;
use crate::engine::worlds::simulate_worlds;
use crate::study::caveat;
use crate::study::estimate;
use crate::study::sensitivity::{self, Method, factors::scenario_factors};
use serde::Serialize;

/// Runs each world plays in the quick look (enough to tell 0.2 from 0.8, not to report).
pub const RUNS_PER_WORLD: u64 = 20;
/// Runs per evaluation of the quick one-at-a-time pass.
pub const OAT_RUNS: u64 = 200;
/// Worlds of the quick look when the scenario asks for none.
pub const DEFAULT_WORLDS: u64 = 100;
/// The quick look is skipped when its estimated time is over this many seconds. The estimate
/// is an upper bound (every run lasting to its deadline) from a timed pilot, often ten times
/// the real time; the margin keeps a file that looks in well under a second from being skipped
/// on a busy machine.
pub const BUDGET_SECONDS: f64 = 10.0;

/// The spread across worlds at one deadline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpreadRow {
    /// Deadline in rounds.
    pub deadline: u32,
    /// P pooled over the worlds' runs.
    pub pooled: f64,
    /// 5th, 50th and 95th percentiles of P across worlds.
    pub percentiles: [f64; 3],
}

/// The quick look, built once as data and rendered as text by `crate::report::check` (as
/// JSON by serde: `{"kind": "look", ...}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HangsOn {
    /// Every number is fixed: there is one world, and only Monte Carlo noise.
    Certain,
    /// Too slow for a quick look.
    TooSlow {
        /// The estimate in seconds.
        seconds: f64,
    },
    /// The look itself.
    Look {
        /// Worlds played.
        worlds: u64,
        /// Master seed.
        seed: u64,
        /// One row per deadline, in the scenario's order.
        spread: Vec<SpreadRow>,
        /// Share of the worlds with a zone of agreement, when it could be checked.
        zopa_share: Option<f64>,
        /// Deadline of the one-at-a-time pass (the longest).
        oat_deadline: u32,
        /// The three largest swings of P across one factor's range: label, path, signed swing.
        swings: Vec<(String, String, f64)>,
        /// The caveats that apply.
        caveats: Vec<String>,
    },
}

/// Plays the quick look of `sc` on the current rayon pool: `worlds` worlds (0: the
/// scenario's, or [`DEFAULT_WORLDS`]) of [`RUNS_PER_WORLD`] runs, and one factor at a time
/// with [`OAT_RUNS`] runs per evaluation at the longest deadline.
pub fn hangs_on(sc: &crate::scenario::Scenario, worlds: u64) -> HangsOn {
    let factors = scenario_factors(sc);
    if factors.is_empty() {
        return HangsOn::Certain;
    }
    let k = match (worlds, sc.simulation.worlds) {
        (0, Some(w)) if w > 0 => w,
        (0, _) => DEFAULT_WORLDS,
        (w, _) => w,
    };
    let deadlines = sc.simulation.deadlines.clone();
    let longest = deadlines.iter().copied().max().unwrap_or(1);
    let seed = sc.simulation.seed;
    let model = Model::new(sc);
    // One pilot for both parts. Open-ended talks play each run once, to the longest
    // checkpoint; the one-at-a-time pass plays the longest deadline only.
    let threads = rayon::current_num_threads();
    let pilot = estimate::pilot(&model, seed, &deadlines);
    let world_deadlines = if sc.simulation.open_ended() {
        vec![longest]
    } else {
        deadlines.clone()
    };
    let oat_runs = sensitivity::evaluations(Method::Oat, factors.len(), 0) * OAT_RUNS;
    let secs = pilot.seconds(k * RUNS_PER_WORLD, &world_deadlines, threads)
        + pilot.seconds(oat_runs, &[longest], threads);
    if secs > BUDGET_SECONDS {
        return HangsOn::TooSlow { seconds: secs };
    }
    let settings = crate::engine::montecarlo::Settings {
        seed,
        deadlines: deadlines.clone(),
        runs: 0..RUNS_PER_WORLD,
    };
    let out = simulate_worlds(&model, &settings, 0..k, &Control::default());
    let mut caveats = Vec::new();
    let open = sc.simulation.open_ended();
    let label = &sc.simulation.round_label;
    let pooled = out.pooled_outcome();
    let spread: Vec<SpreadRow> = deadlines
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| {
            let s = out.spread(i)?;
            let t = &pooled.tallies[i];
            Some(SpreadRow {
                deadline: d,
                pooled: t.agreements as f64 / t.runs.max(1) as f64,
                percentiles: [s.p05, s.p50, s.p95],
            })
        })
        .collect();
    // One caveat for the spread, at the deadline where the worlds disagree most (the first
    // of equals), rather than one per deadline.
    let widest = spread.iter().fold(None::<&SpreadRow>, |w, r| match w {
        Some(w) if w.percentiles[2] - w.percentiles[0] >= r.percentiles[2] - r.percentiles[0] => {
            Some(w)
        }
        _ => Some(r),
    });
    if let Some(r) = widest {
        caveats.extend(caveat::worlds_spread(
            &caveat::at_deadline(open, label, r.deadline),
            r.percentiles[0],
            r.percentiles[2],
        ));
    }
    let opts = sensitivity::Options {
        method: Method::Oat,
        deadline: longest,
        seed,
        runs: OAT_RUNS,
        samples: 0,
        bootstrap: 0,
    };
    let sr = sensitivity::analyze(sc, &factors, &opts);
    caveats.extend(sr.caveat.clone());
    let swings = sr
        .oat
        .map(|o| {
            o.rows
                .iter()
                .take(3)
                .map(|r| (r.label.clone(), r.factor.clone(), r.change))
                .collect()
        })
        .unwrap_or_default();
    HangsOn::Look {
        worlds: k,
        seed,
        spread,
        zopa_share: out.zopa_share(),
        oat_deadline: longest,
        swings,
        caveats,
    }
}

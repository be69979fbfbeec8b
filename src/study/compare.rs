//! Two scenarios compared under common random numbers: the same master seed, the same runs,
//! so run `i` of both draws from the same ChaCha streams, and the difference in P(agreement)
//! per deadline is estimated from the paired outcomes (`negsim run A --compare B`, and the
//! compare view of `negsim serve`).
//!
//! Why paired: when B is A with one number changed, most runs end the same way in both, and
//! only the discordant runs (agreement in one, none in the other) carry the difference. The
//! interval of the paired difference is then far tighter than the two Wilson intervals side by
//! side. It is the Agresti–Min interval (a Wald interval after adding one half to each cell of
//! the 2×2 table of paired outcomes), which keeps its coverage when discordant runs are few.

use crate::engine::model::{Instance, Model};
use crate::engine::montecarlo::{Control, Outcome, RunPlayer, chunk_ranges};
use crate::engine::protocol::Workspace;
use crate::engine::stats::{Tally, Z95, wilson};
use crate::error::{Error, InputError};
use crate::request::{ResolvedSim, with_threads};
use crate::scenario::Scenario;
use crate::study::run::Report;
use rayon::prelude::*;
use serde::Serialize;
use std::sync::atomic::Ordering;

/// The paired difference at one deadline: B minus A.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeadlineDiff {
    /// Deadline (or checkpoint) in rounds.
    pub deadline: u32,
    /// Runs compared.
    pub runs: u64,
    /// P(agreement) of A, with its Wilson 95% interval.
    pub p_a: f64,
    /// Wilson 95% interval of `p_a`.
    pub ci95_a: [f64; 2],
    /// P(agreement) of B.
    pub p_b: f64,
    /// Wilson 95% interval of `p_b`.
    pub ci95_b: [f64; 2],
    /// `p_b - p_a`, from the paired runs.
    pub diff: f64,
    /// Agresti–Min 95% interval of `diff`.
    pub ci95_diff: [f64; 2],
    /// Runs that agreed under B only.
    pub only_b: u64,
    /// Runs that agreed under A only.
    pub only_a: u64,
}

/// A comparison of two scenarios run with the same settings.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comparison {
    /// Master seed of both.
    pub seed: u64,
    /// Runs compared per deadline.
    pub runs: u64,
    /// True when the comparison was stopped early (fewer runs than asked).
    pub partial: bool,
    /// The paired differences, one per deadline.
    pub deadlines: Vec<DeadlineDiff>,
    /// The report of A.
    pub a: Report,
    /// The report of B.
    pub b: Report,
}

/// The Agresti–Min 95% interval of a paired difference of proportions, for `n` pairs of which
/// `only_b` succeeded under B only and `only_a` under A only.
pub fn paired_interval(only_b: u64, only_a: u64, n: u64) -> [f64; 2] {
    let (b, c, n) = (only_b as f64 + 0.5, only_a as f64 + 0.5, n as f64 + 2.0);
    let d = (b - c) / n;
    let se = (((b + c) - (b - c) * (b - c) / n) / (n * n))
        .max(0.0)
        .sqrt();
    [(d - Z95 * se).max(-1.0), (d + Z95 * se).min(1.0)]
}

/// Per run of a chunk, whether it agreed at each deadline (`None`: not played).
type Bits = Vec<Option<Vec<bool>>>;

/// One scenario's side of a comparison: which runs agreed at each deadline, and its report.
#[derive(Debug, Clone)]
pub struct Side {
    /// Per run, whether it agreed at each deadline (`None`: not played, stopped early).
    agreed: Vec<Option<Vec<bool>>>,
    /// Its report (the same as `negsim run` gives for these settings).
    pub report: Report,
    /// Whether it was stopped early.
    pub partial: bool,
}

/// Plays `sc` with `sim` as [`crate::engine::montecarlo::simulate`] does (the same chunks, streams and
/// exact tallies, so the same report), noting for every run whether it agreed at each
/// deadline: a run agreed where its tally's agreement count went up.
pub fn side(sc: &Scenario, sim: &ResolvedSim, control: &Control) -> Result<Side, Error> {
    let model = Model::new(sc);
    let settings = sim.settings();
    let empty = || -> Vec<Tally> {
        settings
            .deadlines
            .iter()
            .map(|&d| Tally::new(&model, d))
            .collect()
    };
    let chunks = chunk_ranges(settings.runs.clone());
    let parts: Vec<(Vec<Tally>, Bits)> = with_threads(sim.threads, || {
        chunks
            .par_iter()
            .map(|r| {
                let mut tallies = empty();
                let mut bits = vec![None; (r.end - r.start) as usize];
                if control.cancel.load(Ordering::Relaxed) {
                    return (tallies, bits);
                }
                let mut inst = Instance::default();
                let mut ws = Workspace::default();
                let mut player = RunPlayer::new(&model, &settings);
                crate::engine::offer::stoppable(&control.cancel, || {
                    for run in r.clone() {
                        model.sample_into(settings.seed, run, &mut inst);
                        ws.prepare(&model, &inst);
                        if !player.play(&model, &settings, &inst, &mut ws, run) {
                            return;
                        }
                        let before: Vec<u64> = tallies.iter().map(|t| t.agreements).collect();
                        player.tally(&model, &inst, &mut tallies);
                        bits[(run - r.start) as usize] = Some(
                            tallies
                                .iter()
                                .zip(&before)
                                .map(|(t, &b)| t.agreements > b)
                                .collect(),
                        );
                    }
                });
                control.done.fetch_add(r.end - r.start, Ordering::Relaxed);
                (tallies, bits)
            })
            .collect()
    })?;
    let mut tallies = empty();
    let mut agreed = Vec::with_capacity(sim.runs as usize);
    for (t, b) in parts {
        tallies.iter_mut().zip(&t).for_each(|(x, y)| x.merge(y));
        agreed.extend(b);
    }
    let partial = tallies.first().is_some_and(|t| t.runs < sim.runs);
    let outcome = Outcome { tallies, partial };
    Ok(Side {
        agreed,
        report: Report::new(&model, sim.seed, sim.runs, &outcome),
        partial,
    })
}

/// Runs `a` and `b` with the same settings `sim` (resolved against `a`) and compares them run
/// by run. `b` must accept `a`'s deadlines (the same checkpoints in open-ended talks).
pub fn compare(
    a: &Scenario,
    b: &Scenario,
    sim: &ResolvedSim,
    b_origin: &str,
    control: &Control,
) -> Result<Comparison, Error> {
    if a.simulation.open_ended() != b.simulation.open_ended() {
        return Err(InputError::new(
            b_origin,
            "the two scenarios read time differently: one is open-ended (horizon), the other has deadlines",
        )
        .with_help("compare scenarios of the same kind: both with `horizon` and `checkpoints`, or both with `deadlines`")
        .into());
    }
    b.check_checkpoints(&sim.deadlines)?;
    let a = side(a, sim, control)?;
    let b = side(b, sim, control)?;
    Ok(paired(&a, &b, sim))
}

/// Compares two sides played with the same settings `sim`, run by run (runs played in both).
pub fn paired(a: &Side, b: &Side, sim: &ResolvedSim) -> Comparison {
    let both: Vec<(&Vec<bool>, &Vec<bool>)> = a
        .agreed
        .iter()
        .zip(&b.agreed)
        .filter_map(|(x, y)| Some((x.as_ref()?, y.as_ref()?)))
        .collect();
    let runs = both.len() as u64;
    let deadlines = sim
        .deadlines
        .iter()
        .enumerate()
        .map(|(i, &deadline)| {
            let (mut k_a, mut k_b, mut only_a, mut only_b) = (0, 0, 0, 0);
            for (x, y) in &both {
                let (x, y) = (x[i], y[i]);
                k_a += u64::from(x);
                k_b += u64::from(y);
                only_a += u64::from(x && !y);
                only_b += u64::from(y && !x);
            }
            let p = |k: u64| {
                if runs == 0 {
                    0.0
                } else {
                    k as f64 / runs as f64
                }
            };
            let ci = |k: u64| {
                let (l, h) = wilson(k, runs, Z95);
                [l, h]
            };
            DeadlineDiff {
                deadline,
                runs,
                p_a: p(k_a),
                ci95_a: ci(k_a),
                p_b: p(k_b),
                ci95_b: ci(k_b),
                diff: p(k_b) - p(k_a),
                ci95_diff: paired_interval(only_b, only_a, runs),
                only_b,
                only_a,
            }
        })
        .collect();
    Comparison {
        seed: sim.seed,
        runs,
        partial: a.partial || b.partial,
        deadlines,
        a: a.report.clone(),
        b: b.report.clone(),
    }
}

impl Comparison {
    /// A table for the terminal (under 80 columns): per deadline, P of A and B with intervals
    /// and the paired difference with its interval.
    pub fn to_table(&self, a_name: &str, b_name: &str, round_label: &str) -> String {
        let mut s = format!(
            "A: {a_name}\nB: {b_name}\n{} runs each, seed {}, the same runs (common random numbers)\n\n",
            crate::scenario::thousands(self.runs),
            self.seed
        );
        let pct = |x: f64| format!("{:.3}", x);
        let ci = |c: [f64; 2]| format!("[{:.3}, {:.3}]", c[0], c[1]);
        let head = format!("by {round_label}");
        s.push_str(&format!(
            "{head:>9}  {:>20}  {:>20}  {:>23}\n",
            "P(A) [95%]", "P(B) [95%]", "B - A [95%]"
        ));
        for d in &self.deadlines {
            s.push_str(&format!(
                "{:>9}  {:>5} {:>14}  {:>5} {:>14}  {:>6} {:>16}\n",
                d.deadline,
                pct(d.p_a),
                ci(d.ci95_a),
                pct(d.p_b),
                ci(d.ci95_b),
                format!("{:+.3}", d.diff),
                format!("[{:+.3}, {:+.3}]", d.ci95_diff[0], d.ci95_diff[1]),
            ));
        }
        s.push_str("\nB - A is read run by run: runs that agree under one and not the other.\n");
        if self.partial {
            s.push_str("Stopped early: the figures are of the runs finished.\n");
        }
        s
    }
}

impl Comparison {
    /// Tidy CSV: a header and one row per deadline.
    pub fn to_csv(&self) -> String {
        let mut s = String::from(
            "deadline,runs,p_a,ci_low_a,ci_high_a,p_b,ci_low_b,ci_high_b,diff,ci_low_diff,ci_high_diff,only_a,only_b\n",
        );
        for d in &self.deadlines {
            s.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                d.deadline,
                d.runs,
                d.p_a,
                d.ci95_a[0],
                d.ci95_a[1],
                d.p_b,
                d.ci95_b[0],
                d.ci95_b[1],
                d.diff,
                d.ci95_diff[0],
                d.ci95_diff[1],
                d.only_a,
                d.only_b
            ));
        }
        s
    }
}

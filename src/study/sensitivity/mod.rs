//! `negsim sensitivity`: which uncertain assumptions drive P(agreement) at one deadline.
//!
//! The model seen by the analysis is `f(x) = P(agreement by the deadline | factors = x)`: the
//! factors (the scenario's distributions, plus `--param` ranges) are set to the values `x`,
//! and the rest of the scenario's chance (each agent's noisy estimates of the others and the
//! walk-out draws) is averaged over a batch of Monte Carlo runs. Every evaluation plays the
//! same run indices with the same seed, and every parameter slot consumes two generator words
//! whatever its value, so two evaluations differ only through the factors (common random
//! numbers): a factor that changes no run's outcome shows exactly zero effect.
//!
//! - **oat** (tornado): every factor at the 5th and 95th percentiles of its distribution with
//!   the others fixed at their means; the change in P(agreement) with a paired interval.
//! - **sobol**: first- and total-order indices of `f` by Saltelli sampling (see [`sobol`]).

pub mod factors;
pub(crate) mod output;
pub mod paths;
pub mod sobol;

use crate::engine::model::{Instance, Model};
use crate::engine::protocol::{End, Workspace, play};
use crate::engine::rng;
use crate::engine::stats::{Z95, wilson};
use crate::error::InputError;
use crate::scenario::Scenario;
use factors::{Factor, Source};
use rayon::prelude::*;
use serde::Serialize;
use std::ops::Range;

/// Runs per parallel work item (a multiple of 64, so chunks fill whole words of outcome bits).
const RUN_CHUNK: u64 = 512;

/// Default base samples `N` of the Sobol method.
pub const DEFAULT_SAMPLES: usize = 256;
/// Default Monte Carlo runs per evaluation of the Sobol method.
pub const DEFAULT_SOBOL_RUNS: u64 = 64;
/// Most Monte Carlo runs per evaluation of the tornado in `negsim report --sensitivity` (fewer
/// when the report itself has fewer runs): `(2k + 2)` evaluations at the longest deadline make
/// the section cost a few seconds on the bundled scenario, and the paired intervals of the
/// changes stay within about ±0.03.
pub const REPORT_OAT_RUNS: u64 = 1000;

/// The analysis to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// One factor at a time (tornado).
    Oat,
    /// Variance-based first- and total-order indices.
    Sobol,
}

/// Settings of an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The method.
    pub method: Method,
    /// Deadline in rounds at which P(agreement) is analysed.
    pub deadline: u32,
    /// Master seed (runs, Saltelli design and bootstrap all derive from it).
    pub seed: u64,
    /// Monte Carlo runs per model evaluation.
    pub runs: u64,
    /// Base samples `N` of the Sobol design (ignored by OAT).
    pub samples: usize,
    /// Bootstrap resamples of the Sobol intervals (ignored by OAT).
    pub bootstrap: usize,
}

/// Most base samples `N` of the Sobol method (the design holds `2·N·k` numbers).
pub const MAX_SAMPLES: usize = 100_000;

/// Fills in the defaults of an analysis: the scenario's longest deadline and seed, the
/// scenario's runs per evaluation for OAT and [`DEFAULT_SOBOL_RUNS`] for Sobol, and
/// [`DEFAULT_SAMPLES`]. Checks `samples` (the shared checks of runs, seed and deadline range
/// are the command line's).
pub fn resolve_options(
    sc: &Scenario,
    method: Method,
    deadline: Option<u32>,
    samples: Option<usize>,
    runs: Option<u64>,
    seed: Option<u64>,
) -> Result<Options, InputError> {
    if method == Method::Oat && samples.is_some() {
        return Err(
            InputError::new("--samples", "--samples applies to --method sobol only")
                .with_help("one-at-a-time makes 2k + 2 evaluations; set their runs with --runs"),
        );
    }
    let samples = samples.unwrap_or(DEFAULT_SAMPLES);
    if !(2..=MAX_SAMPLES).contains(&samples) {
        return Err(
            InputError::new("--samples", format!("{samples} samples is out of range"))
                .with_help(format!("give between 2 and {MAX_SAMPLES} base samples")),
        );
    }
    let default_deadline = sc.simulation.deadlines.iter().copied().max().unwrap_or(1);
    Ok(Options {
        method,
        deadline: deadline.unwrap_or(default_deadline),
        seed: seed.unwrap_or(sc.simulation.seed),
        runs: runs.unwrap_or(match method {
            Method::Oat => sc.simulation.runs,
            Method::Sobol => DEFAULT_SOBOL_RUNS,
        }),
        samples,
        bootstrap: sobol::BOOTSTRAP,
    })
}

/// Refuses an analysis without factors.
pub fn check_factors(factors: &[Factor]) -> Result<(), InputError> {
    if factors.is_empty() {
        return Err(InputError::new(
            "scenario",
            "the scenario has no uncertain numbers: there is nothing to analyse",
        )
        .with_help(
            "write some numbers as distributions, e.g. reservation = { uniform = [0.3, 0.5] }",
        ));
    }
    Ok(())
}

/// Number of model evaluations an analysis makes with `k` factors: `2k + 2` for OAT, `N·(k+2)`
/// for Sobol.
pub fn evaluations(method: Method, k: usize, samples: usize) -> u64 {
    let k = k as u64;
    match method {
        // The base point, both ends of every factor, and the headline point (every factor
        // drawn, as in `run`).
        Method::Oat => 2 * k + 2,
        Method::Sobol => (samples as u64).saturating_mul(k + 2),
    }
}

/// The line announcing the work before it starts: factors, evaluations and runs.
pub fn plan(factors: usize, evaluations: u64, runs: u64, deadline: u32) -> String {
    format!(
        "{}, {evaluations} model evaluations x {runs} runs = {} runs at deadline {deadline}",
        output::counted(factors as u64, "factor"),
        u128::from(evaluations) * u128::from(runs)
    )
}

/// The results of an analysis, ready to print or to chart (a tornado from `oat`, an indices
/// bar chart from `sobol`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityReport {
    /// The format of this JSON document, [`crate::provenance::SENSITIVITY_FORMAT`].
    pub format: &'static str,
    /// The negsim that wrote it ([`crate::provenance::VERSION`]).
    pub negsim_version: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// Protocol name, as in the run report.
    pub protocol: String,
    /// `deadline` or `open_ended`, as in the run report.
    pub mode: &'static str,
    /// The method used.
    pub method: Method,
    /// Deadline analysed, in rounds.
    pub deadline: u32,
    /// What a round is called.
    pub round_label: String,
    /// Master seed.
    pub seed: u64,
    /// Monte Carlo runs per model evaluation.
    pub runs_per_evaluation: u64,
    /// Model evaluations made.
    pub evaluations: u64,
    /// The factors in the scenario's order.
    pub factors: Vec<FactorInfo>,
    /// OAT results (method `oat`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oat: Option<Oat>,
    /// Sobol results (method `sobol`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sobol: Option<Sobol>,
    /// The caveat when one factor decides P mostly on its own (a tornado swing or a total
    /// index above [`crate::study::caveat::ONE_ASSUMPTION`]), else null.
    pub caveat: Option<String>,
}

/// A factor as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorInfo {
    /// Dotted path.
    pub name: String,
    /// The factor in the scenario's words ("Russia · horizon").
    pub label: String,
    /// The distribution sampled ("triangular(0.3, 0.4, 0.5)").
    pub distribution: String,
    /// `scenario` or `--param`.
    pub source: &'static str,
    /// Low end of the range (5th percentile, or LOW of `--param`).
    pub low: f64,
    /// High end of the range (95th percentile, or HIGH of `--param`).
    pub high: f64,
    /// Value held while other factors move.
    pub mean: f64,
}

impl FactorInfo {
    fn new(f: &Factor) -> FactorInfo {
        FactorInfo {
            name: f.name.clone(),
            label: f.label.clone(),
            distribution: f.describe(),
            source: match f.source {
                Source::Scenario => "scenario",
                Source::Flag => "--param",
            },
            low: f.low,
            high: f.high,
            mean: f.mean,
        }
    }
}

/// One-at-a-time results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Oat {
    /// P(agreement) with every factor at its mean.
    pub base: f64,
    /// Wilson 95% interval of `base`.
    pub base_ci95: [f64; 2],
    /// P(agreement) with every factor drawn from its distribution in each run, over the same
    /// runs and seed: what `negsim run --worlds 0` reports at this deadline. It differs from
    /// `base` because P is not linear in the factors.
    pub headline: f64,
    /// Wilson 95% interval of `headline`.
    pub headline_ci95: [f64; 2],
    /// One row per factor, largest absolute change first.
    pub rows: Vec<OatRow>,
}

/// One factor moved from the low to the high end of its range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OatRow {
    /// Dotted path.
    pub factor: String,
    /// The factor in the scenario's words.
    pub label: String,
    /// Low value.
    pub low: f64,
    /// High value.
    pub high: f64,
    /// P(agreement) with the factor at its low value.
    pub p_low: f64,
    /// P(agreement) with the factor at its high value.
    pub p_high: f64,
    /// `p_high - p_low`.
    pub change: f64,
    /// 95% interval of `change` from the paired runs (Agresti–Min).
    pub ci95: [f64; 2],
    /// Runs that agree at the high value but not at the low one.
    pub gained: u64,
    /// Runs that agree at the low value but not at the high one.
    pub lost: u64,
}

/// Variance-based results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sobol {
    /// Base samples `N`.
    pub samples: usize,
    /// Bootstrap resamples behind the intervals.
    pub bootstrap: usize,
    /// Mean P(agreement) over the sampled points.
    pub mean: f64,
    /// Variance of the estimated P(agreement) over the sampled points.
    pub variance: f64,
    /// Estimated Monte Carlo noise variance of one evaluation, mean of `p(1-p)/(R-1)` over the
    /// points (null with one run per evaluation).
    pub noise_variance: Option<f64>,
    /// `noise_variance / variance`: the share of the variance that is within-evaluation noise.
    pub noise_share: Option<f64>,
    /// One row per factor, largest total index first.
    pub rows: Vec<SobolRow>,
}

/// The indices of one factor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SobolRow {
    /// Dotted path.
    pub factor: String,
    /// The factor in the scenario's words.
    pub label: String,
    /// First-order index (Saltelli 2010); null when P(agreement) does not vary.
    pub s1: f64,
    /// Bootstrap 95% interval of `s1`.
    pub s1_ci95: [f64; 2],
    /// Total-order index (Jansen); null when P(agreement) does not vary.
    pub st: f64,
    /// Bootstrap 95% interval of `st`.
    pub st_ci95: [f64; 2],
}

/// Runs the analysis on the current rayon pool. The result is the same for any thread count.
pub fn analyze(sc: &Scenario, factors: &[Factor], opts: &Options) -> SensitivityReport {
    let ev = Evaluator {
        scenario: sc,
        factors,
        deadline: opts.deadline,
        seed: opts.seed,
        runs: opts.runs,
    };
    let (oat, sobol) = match opts.method {
        Method::Oat => (Some(ev.oat()), None),
        Method::Sobol => (None, Some(ev.sobol(opts.samples, opts.bootstrap))),
    };
    let at = crate::study::caveat::at_deadline(
        sc.simulation.open_ended(),
        &sc.simulation.round_label,
        opts.deadline,
    );
    let caveat = match (&oat, &sobol) {
        (Some(o), _) => o
            .rows
            .first()
            .and_then(|r| crate::study::caveat::tornado_swing(&at, &r.label, r.p_high - r.p_low)),
        (_, Some(s)) => s
            .rows
            .first()
            .and_then(|r| crate::study::caveat::total_index(&at, &r.label, r.st)),
        _ => None,
    };
    SensitivityReport {
        format: crate::provenance::SENSITIVITY_FORMAT,
        negsim_version: crate::provenance::VERSION,
        scenario: sc.name.clone(),
        protocol: sc.simulation.protocol.as_str().to_string(),
        mode: crate::provenance::mode(sc),
        method: opts.method,
        deadline: opts.deadline,
        round_label: sc.simulation.round_label.clone(),
        seed: opts.seed,
        runs_per_evaluation: opts.runs,
        evaluations: evaluations(opts.method, factors.len(), opts.samples),
        factors: factors.iter().map(FactorInfo::new).collect(),
        oat,
        sobol,
        caveat,
    }
}

/// Plays batches of runs with the factors set to given values.
struct Evaluator<'a> {
    scenario: &'a Scenario,
    factors: &'a [Factor],
    deadline: u32,
    seed: u64,
    runs: u64,
}

impl Evaluator<'_> {
    /// Agreement indicators of the runs in `range` (bit `r - range.start`, 64 to a word) with
    /// factor `i` fixed at `values[i]`.
    /// With no `values`, every factor is drawn from its distribution in each run, as `run`
    /// (without worlds) draws it.
    fn outcomes(&self, values: Option<&[f64]>, range: Range<u64>) -> Vec<u64> {
        let mut sc = self.scenario.clone();
        for (f, &v) in self.factors.iter().zip(values.unwrap_or_default()) {
            f.slot.fix(&mut sc, v);
        }
        let model = Model::new(&sc);
        let mut inst = Instance::default();
        let mut ws = Workspace::default();
        let mut bits = vec![0u64; (range.end - range.start).div_ceil(64) as usize];
        for (i, run) in range.enumerate() {
            model.sample_into(self.seed, run, &mut inst);
            ws.prepare(&model, &inst);
            let mut rng = rng::play_rng(self.seed, run);
            let res = play(&model, &inst, &mut ws, self.deadline, &mut rng, &mut ());
            if matches!(res.end, End::Agreement { .. }) {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        bits
    }

    /// Evaluates `points` points in parallel, `fill(p, values)` writing the factor values of
    /// point `p`. Each point's runs `0..runs` are played in chunks of [`RUN_CHUNK`]; `keep`
    /// turns a chunk's agreement indicators into what the caller needs. Returns, for each
    /// point, its chunks' results in run order.
    fn evaluate<T, F, K>(&self, points: usize, fill: F, keep: K) -> Vec<Vec<T>>
    where
        T: Send,
        F: Fn(usize, &mut [f64]) + Sync,
        K: Fn(Vec<u64>) -> T + Sync,
    {
        let chunks = self.runs.div_ceil(RUN_CHUNK);
        let k = self.factors.len();
        let mut pieces = (0..points as u64 * chunks)
            .into_par_iter()
            .map_init(
                || vec![0.0; k],
                |values, item| {
                    let (p, c) = (item / chunks, item % chunks);
                    fill(p as usize, values);
                    let start = c * RUN_CHUNK;
                    keep(self.outcomes(Some(values), start..(start + RUN_CHUNK).min(self.runs)))
                },
            )
            .collect::<Vec<T>>()
            .into_iter();
        (0..points)
            .map(|_| pieces.by_ref().take(chunks as usize).collect())
            .collect()
    }

    /// Agreements over runs `0..runs` with every factor drawn from its distribution: the
    /// P(agreement) of `negsim run --worlds 0` with the same runs, seed and deadline.
    fn headline(&self) -> u64 {
        (0..self.runs.div_ceil(RUN_CHUNK))
            .into_par_iter()
            .map(|c| {
                let start = c * RUN_CHUNK;
                let bits = self.outcomes(None, start..(start + RUN_CHUNK).min(self.runs));
                bits.iter().map(|w| u64::from(w.count_ones())).sum::<u64>()
            })
            .sum()
    }

    fn oat(&self) -> Oat {
        let means: Vec<f64> = self.factors.iter().map(|f| f.mean).collect();
        let fill = |p: usize, values: &mut [f64]| {
            values.copy_from_slice(&means);
            if p > 0 {
                let f = &self.factors[(p - 1) / 2];
                values[(p - 1) / 2] = if p % 2 == 1 { f.low } else { f.high };
            }
        };
        // Keep every run's indicator: the intervals pair the runs of the low and high ends.
        let out: Vec<Vec<u64>> = self
            .evaluate(2 * self.factors.len() + 1, fill, |bits| bits)
            .into_iter()
            .map(|chunks| chunks.concat())
            .collect();
        let n = self.runs;
        let count = |bits: &[u64]| bits.iter().map(|w| u64::from(w.count_ones())).sum::<u64>();
        let base_k = count(&out[0]);
        let (lo, hi) = wilson(base_k, n, Z95);
        let headline_k = self.headline();
        let (hlo, hhi) = wilson(headline_k, n, Z95);
        let mut rows: Vec<OatRow> = self
            .factors
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let (l, h) = (&out[1 + 2 * i], &out[2 + 2 * i]);
                let gained: u64 = l
                    .iter()
                    .zip(h)
                    .map(|(l, h)| u64::from((h & !l).count_ones()))
                    .sum();
                let lost: u64 = l
                    .iter()
                    .zip(h)
                    .map(|(l, h)| u64::from((l & !h).count_ones()))
                    .sum();
                OatRow {
                    factor: f.name.clone(),
                    label: f.label.clone(),
                    low: f.low,
                    high: f.high,
                    p_low: count(l) as f64 / n as f64,
                    p_high: count(h) as f64 / n as f64,
                    change: (gained as f64 - lost as f64) / n as f64,
                    ci95: paired_difference_ci(gained, lost, n, Z95),
                    gained,
                    lost,
                }
            })
            .collect();
        // Stable sort: equal changes keep the scenario's order.
        rows.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
        Oat {
            base: base_k as f64 / n as f64,
            base_ci95: [lo, hi],
            headline: headline_k as f64 / n as f64,
            headline_ci95: [hlo, hhi],
            rows,
        }
    }

    fn sobol(&self, samples: usize, bootstrap: usize) -> Sobol {
        let k = self.factors.len();
        let design = sobol::Design::new(samples, k, self.seed);
        let fill = |e: usize, values: &mut [f64]| {
            design.point(e, values);
            for (v, f) in values.iter_mut().zip(self.factors) {
                *v = f.at_quantile(*v);
            }
        };
        // Only the agreement counts matter here; keeping them alone bounds the memory.
        let count = |bits: Vec<u64>| bits.iter().map(|w| u64::from(w.count_ones())).sum::<u64>();
        let r = self.runs as f64;
        let p: Vec<f64> = self
            .evaluate(design.evaluations(), fill, count)
            .iter()
            .map(|c| c.iter().sum::<u64>() as f64 / r)
            .collect();
        let est = sobol::estimate(&design, &p, bootstrap, self.seed);
        let ix = &est.indices;
        let noise_variance = (self.runs > 1)
            .then(|| p.iter().map(|q| q * (1.0 - q) / (r - 1.0)).sum::<f64>() / p.len() as f64);
        let noise_share = noise_variance
            .filter(|_| ix.variance > 0.0)
            .map(|nv| nv / ix.variance);
        let mut rows: Vec<SobolRow> = self
            .factors
            .iter()
            .enumerate()
            .map(|(i, f)| SobolRow {
                factor: f.name.clone(),
                label: f.label.clone(),
                s1: ix.s1[i],
                s1_ci95: est.s1_ci[i],
                st: ix.st[i],
                st_ci95: est.st_ci[i],
            })
            .collect();
        rows.sort_by(|a, b| b.st.total_cmp(&a.st));
        Sobol {
            samples,
            bootstrap,
            mean: ix.mean,
            variance: ix.variance,
            noise_variance,
            noise_share,
            rows,
        }
    }
}

/// Interval for the difference of two paired proportions, `(gained - lost) / n`, where
/// `gained` and `lost` count the discordant pairs: the Agresti–Min (2005) Wald interval, which
/// adds half a pair to each cell of the 2×2 table so that it does not collapse to a point
/// when no pair is discordant.
pub fn paired_difference_ci(gained: u64, lost: u64, n: u64, z: f64) -> [f64; 2] {
    let m = n as f64 + 2.0;
    let (g, l) = ((gained as f64 + 0.5) / m, (lost as f64 + 0.5) / m);
    let d = g - l;
    let half = z * ((g + l - d * d) / m).sqrt();
    let est = (gained as f64 - lost as f64) / n.max(1) as f64;
    // Keep the estimate inside its interval even where the adjustment shifts the centre.
    [
        (d - half).clamp(-1.0, 1.0).min(est),
        (d + half).clamp(-1.0, 1.0).max(est),
    ]
}

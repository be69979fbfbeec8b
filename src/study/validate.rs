//! The validation table: closed forms of bargaining theory against what negsim computes, from
//! the scenarios in `scenarios/validation/` (embedded, so that an installed binary checks
//! itself). `negsim validate` prints it; README shows the same table; the tests hold every row.

use crate::engine::montecarlo::{Control, Settings, simulate};
use crate::engine::stats::{Z95, wilson};
use crate::error::InputError;
use crate::study::run::{DeadlineReport, Report};
use crate::{Model, Scenario};

/// The shipped validation scenarios: file name and text.
pub const FILES: [(&str, &str); 7] = [
    (
        "stahl.toml",
        include_str!("../../scenarios/validation/stahl.toml"),
    ),
    (
        "rubinstein.toml",
        include_str!("../../scenarios/validation/rubinstein.toml"),
    ),
    (
        "baron-ferejohn.toml",
        include_str!("../../scenarios/validation/baron-ferejohn.toml"),
    ),
    (
        "nash.toml",
        include_str!("../../scenarios/validation/nash.toml"),
    ),
    (
        "walk-out.toml",
        include_str!("../../scenarios/validation/walk-out.toml"),
    ),
    (
        "no-zone.toml",
        include_str!("../../scenarios/validation/no-zone.toml"),
    ),
    (
        "identical.toml",
        include_str!("../../scenarios/validation/identical.toml"),
    ),
];

/// Rubinstein's pie is cut in steps of 0.001.
const RUBINSTEIN_GRID: f64 = 0.001;
/// The discount factors of the Rubinstein scenario (first and second proposer).
const RUBINSTEIN_DELTAS: (f64, f64) = (0.9, 0.8);
/// The walk-out chance per round of the walk-out scenario.
const WALK_OUT_P: f64 = 0.05;

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What is checked ("Ståhl T=3").
    pub case: String,
    /// The closed form's value.
    pub theory: String,
    /// negsim's value, with its interval or tolerance.
    pub negsim: String,
    /// Whether negsim's value agrees with the theory as the row says.
    pub pass: bool,
    /// The scenario file in `scenarios/validation/`.
    pub file: &'static str,
}

/// Simulates one shipped file with its own settings.
fn simulate_file(name: &'static str, text: &str) -> Result<Report, InputError> {
    let sc = Scenario::from_toml_str(text, &format!("scenarios/validation/{name}"))?;
    let model = Model::new(&sc);
    let settings = Settings {
        seed: sc.simulation.seed,
        deadlines: sc.simulation.deadlines.clone(),
        runs: 0..sc.simulation.runs,
    };
    let out = simulate(&model, &settings, &Control::default());
    Ok(Report::new(&model, settings.seed, sc.simulation.runs, &out))
}

/// The first agent's mean utility, when every run agreed in round 1.
fn round_one_share(d: &DeadlineReport) -> Option<f64> {
    let first = d.agents.values().next()?;
    (d.agreements == d.runs && d.mean_round == Some(1.0))
        .then_some(first.mean_utility)
        .flatten()
}

/// Computes every row (a few seconds of simulation).
pub fn rows() -> Result<Vec<Row>, InputError> {
    let mut rows = Vec::new();
    for (file, text) in FILES {
        if file == "baron-ferejohn.toml" {
            baron_ferejohn(file, text, &mut rows)?;
            continue;
        }
        if file == "nash.toml" {
            nash(file, text, &mut rows)?;
            continue;
        }
        let rep = simulate_file(file, text)?;
        match file {
            "stahl.toml" => stahl(&rep, file, &mut rows),
            "rubinstein.toml" => rubinstein(&rep, file, &mut rows),
            "walk-out.toml" => walk_out(&rep, file, &mut rows),
            "no-zone.toml" => {
                let deals: u64 = rep.deadlines.iter().map(|d| d.agreements).sum();
                let runs: u64 = rep.deadlines.iter().map(|d| d.runs).sum();
                rows.push(Row {
                    case: "no zone, P(deal)".into(),
                    theory: "0".into(),
                    negsim: format!("{deals} of {runs} runs"),
                    pass: deals == 0,
                    file,
                });
            }
            _ => {
                let runs: u64 = rep.deadlines.iter().map(|d| d.runs).sum();
                let ok = rep
                    .deadlines
                    .iter()
                    .filter(|d| d.agreements == d.runs && d.mean_round == Some(1.0))
                    .map(|d| d.runs)
                    .sum::<u64>();
                rows.push(Row {
                    case: "identical, round 1".into(),
                    theory: "1".into(),
                    negsim: format!("{ok} of {runs} runs"),
                    pass: ok == runs,
                    file,
                });
            }
        }
    }
    Ok(rows)
}

/// Ståhl: with common discount δ = 1/2, the first proposer's share with horizon T is
/// `(1 - (-δ)^T) / (1 + δ)`, exact on the scenario's grid.
fn stahl(rep: &Report, file: &'static str, rows: &mut Vec<Row>) {
    let delta: f64 = 0.5;
    for d in &rep.deadlines {
        let t = d.deadline as i32;
        let theory = (1.0 - (-delta).powi(t)) / (1.0 + delta);
        let got = round_one_share(d);
        rows.push(Row {
            case: format!("Ståhl T={t}"),
            theory: format!("{theory:.9}"),
            negsim: got.map_or("no deal in round 1".into(), |g| format!("{g:.9} exact")),
            pass: got == Some(theory),
            file,
        });
    }
}

/// Rubinstein: the first proposer's share `(1 - δ₂) / (1 - δ₁δ₂)`; on a grid of step `g` the
/// discrete equilibrium is within `g / (1 - δ₁δ₂)` of it once the horizon is long.
fn rubinstein(rep: &Report, file: &'static str, rows: &mut Vec<Row>) {
    let (d1, d2) = RUBINSTEIN_DELTAS;
    let theory = (1.0 - d2) / (1.0 - d1 * d2);
    let tol = RUBINSTEIN_GRID / (1.0 - d1 * d2);
    for d in &rep.deadlines {
        let got = round_one_share(d);
        rows.push(Row {
            case: format!("Rubinstein T={}", d.deadline),
            theory: format!("{theory:.4}"),
            negsim: got.map_or("no deal in round 1".into(), |g| {
                format!("{g:.4} (±{tol:.4})")
            }),
            pass: got.is_some_and(|g| (g - theory).abs() <= tol),
            file,
        });
    }
}

/// Records who made the last offer of a run.
struct LastProposer(Option<usize>);

impl crate::engine::protocol::Observer for LastProposer {
    const WANTS_TARGETS: bool = false;
    fn offer(&mut self, _round: u32, proposer: usize, _package: &[u8]) {
        self.0 = Some(proposer);
    }
}

/// The sample mean of `xs` and its 95% normal interval.
fn mean_interval(xs: &[f64]) -> (f64, f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let half = Z95 * (var / n).sqrt();
    (mean, mean - half, mean + half)
}

/// Baron–Ferejohn: with `n` agents recognized at random with equal chances, quota `q` and
/// common discount δ, the stationary proposer keeps `1 - δ(q - 1)/n` (for a simple majority
/// and odd `n`, `1 - δ(n - 1)/(2n)`: 0.70 for n = 3, δ = 0.9) and every agent's mean share
/// is `1/n`; negsim's means over the runs with their 95% intervals (random recognition and
/// random coalitions), every run agreed in round 1.
fn baron_ferejohn(file: &'static str, text: &str, rows: &mut Vec<Row>) -> Result<(), InputError> {
    let sc = Scenario::from_toml_str(text, &format!("scenarios/validation/{file}"))?;
    let model = Model::new(&sc);
    let sim = &sc.simulation;
    let n = sc.agents.len() as f64;
    let delta = sc.agents[0].discount;
    let deadline = sim.deadlines[0];
    let (mut proposer, mut first) = (Vec::new(), Vec::new());
    let mut round_one = true;
    for run in 0..sim.runs {
        let mut obs = LastProposer(None);
        let (inst, res) =
            crate::engine::montecarlo::trace_run(&model, sim.seed, run, deadline, &mut obs);
        round_one &= res.end == crate::engine::protocol::End::Agreement { round: 1 };
        let p = obs.0.unwrap_or(0);
        proposer.push(inst.utility(&model, p, &res.package));
        first.push(inst.utility(&model, 0, &res.package));
    }
    let keeps = 1.0 - delta * f64::from(sim.quota - 1) / n;
    // Slack for the decimal grid's rounding only.
    let within = |t: f64, (_, lo, hi): (f64, f64, f64)| lo - 1e-9 <= t && t <= hi + 1e-9;
    for (case, theory, xs) in [
        ("B-F proposer share", keeps, &proposer),
        ("B-F mean share a", 1.0 / n, &first),
    ] {
        let m = mean_interval(xs);
        rows.push(Row {
            case: case.into(),
            theory: format!("{theory:.4}"),
            negsim: format!("{:.4} [{:.4}, {:.4}]", m.0, m.1, m.2),
            pass: round_one && within(theory, m),
            file,
        });
    }
    Ok(())
}

/// The Nash bargaining solution: the Zeuthen pair's agreement against the Nash point that
/// `check` computes ([`crate::engine::analysis::Analysis`], at mean parameters, which are the run's:
/// the file has no uncertain parameter). A row per signatory: its utility at the Nash point,
/// and negsim's, which must be the same package agreed in every run (or, where the Nash
/// product ties, a package of the same product within [`crate::engine::analysis::TIE_EPS`]).
fn nash(file: &'static str, text: &str, rows: &mut Vec<Row>) -> Result<(), InputError> {
    let sc = Scenario::from_toml_str(text, &format!("scenarios/validation/{file}"))?;
    let model = Model::new(&sc);
    let sim = &sc.simulation;
    let analysis = crate::engine::analysis::Analysis::new(&model).ok();
    let point = analysis.as_ref().and_then(|a| a.nash.clone());
    let product = |u: &[f64]| -> f64 {
        let r = &analysis.as_ref().map_or(&[][..], |a| &a.reservation[..]);
        u.iter()
            .zip(r.iter())
            .map(|(u, r)| (u - r).max(0.0))
            .product()
    };
    // Every run's (round of agreement, package), `None` for a run without a deal.
    let mut deals = Vec::new();
    for run in 0..sim.runs {
        let (_, res) =
            crate::engine::montecarlo::trace_run(&model, sim.seed, run, sim.deadlines[0], &mut ());
        deals.push(match res.end {
            crate::engine::protocol::End::Agreement { round } => Some((round, res.package)),
            _ => None,
        });
    }
    let first = deals.first().cloned().flatten();
    let same = deals.iter().all(|d| *d == deals[0]);
    for (j, agent) in sc.signatories().into_iter().enumerate() {
        let case = format!("Nash point, u_{}", sc.agents[agent].id);
        let (theory, negsim, pass) = match (&point, &first, &analysis) {
            (Some(p), Some((round, pkg)), Some(a)) => {
                let u = a.point(&model, pkg);
                let (exact, tie) = (
                    *pkg == p.package,
                    (product(&u) - product(&p.utility)).abs() <= crate::engine::analysis::TIE_EPS,
                );
                let how = if exact { "same pkg" } else { "tied pkg" };
                (
                    format!("{:.6}", p.utility[j]),
                    format!("{:.6} r{round} {how}", u[j]),
                    same && (exact || tie),
                )
            }
            (Some(p), _, _) => (format!("{:.6}", p.utility[j]), "no deal".into(), false),
            _ => ("none".into(), "no Nash point".into(), false),
        };
        rows.push(Row {
            case,
            theory,
            negsim,
            pass,
            file,
        });
    }
    Ok(())
}

/// The walk-out law: P(walk-out within k rounds) = 1 - (1 - p)^k, inside the 95% interval.
fn walk_out(rep: &Report, file: &'static str, rows: &mut Vec<Row>) {
    for d in &rep.deadlines {
        let theory = 1.0 - (1.0 - WALK_OUT_P).powi(d.deadline as i32);
        let p = d.walkouts as f64 / d.runs as f64;
        let (lo, hi) = wilson(d.walkouts, d.runs, Z95);
        rows.push(Row {
            case: format!("walk-out k={}", d.deadline),
            theory: format!("{theory:.4}"),
            negsim: format!("{p:.4} [{lo:.4}, {hi:.4}]"),
            pass: lo <= theory && theory <= hi,
            file,
        });
    }
}

/// The table as `negsim validate` prints it (under 80 columns).
pub fn table(rows: &[Row]) -> String {
    let mut s = format!(
        "{:<18} {:<11} {:<24} {:<4} {}\n",
        "case", "theory", "negsim", "ok", "file"
    );
    for r in rows {
        s += &format!(
            "{:<18} {:<11} {:<24} {:<4} {}\n",
            r.case,
            r.theory,
            r.negsim,
            if r.pass { "yes" } else { "NO" },
            r.file
        );
    }
    let failed = rows.iter().filter(|r| !r.pass).count();
    s += &format!("{} rows, {failed} failed\n", rows.len());
    s
}

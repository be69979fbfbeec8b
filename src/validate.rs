//! The validation table: closed forms of bargaining theory against what negsim computes, from
//! the scenarios in `scenarios/validation/` (embedded, so that an installed binary checks
//! itself). `negsim validate` prints it; README shows the same table; the tests hold every row.

use crate::error::InputError;
use crate::montecarlo::{Control, Settings, simulate};
use crate::report::{DeadlineReport, Report};
use crate::stats::{Z95, wilson};
use crate::{Model, Scenario};

/// The shipped validation scenarios: file name and text.
pub const FILES: [(&str, &str); 5] = [
    (
        "stahl.toml",
        include_str!("../scenarios/validation/stahl.toml"),
    ),
    (
        "rubinstein.toml",
        include_str!("../scenarios/validation/rubinstein.toml"),
    ),
    (
        "walk-out.toml",
        include_str!("../scenarios/validation/walk-out.toml"),
    ),
    (
        "no-zone.toml",
        include_str!("../scenarios/validation/no-zone.toml"),
    ),
    (
        "identical.toml",
        include_str!("../scenarios/validation/identical.toml"),
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

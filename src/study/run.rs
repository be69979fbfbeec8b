//! The result of a run: the tallies of a simulation summarized per deadline (shares with
//! their intervals, the spread across worlds, the agreed packages, the outcome space). This is
//! the view model of `negsim run`; [`crate::report`] renders it as a terminal table, JSON, CSV
//! and HTML, and the studies (sweeps, batches, shards, comparisons) build their rows from it.

use crate::engine::analysis::{Analysis, Point, TooLarge};
use crate::engine::model::Model;
use crate::engine::montecarlo::Outcome;
use crate::engine::stats::{FIXED_SCALE, Tally, Z95, wilson};
use crate::engine::worlds::WorldsOutcome;
use crate::engine::worlds::summary::{WorldsAtDeadline, WorldsReport};
use crate::scenario::fmt_num;
use indexmap::IndexMap;
use serde::Serialize;

/// How many agreed packages the report lists per deadline.
pub const TOP_PACKAGES: usize = 5;

/// The whole report of a simulation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// The format of this JSON document, [`crate::provenance::REPORT_FORMAT`].
    pub format: &'static str,
    /// The negsim that wrote it ([`crate::provenance::VERSION`]).
    pub negsim_version: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// Runs per deadline: as requested, or as played when `partial`.
    pub runs: u64,
    /// Protocol name.
    pub protocol: &'static str,
    /// What a round is called.
    pub round_label: String,
    /// True when the simulation was stopped early: fewer runs than requested were played.
    pub partial: bool,
    /// One entry per deadline.
    pub deadlines: Vec<DeadlineReport>,
    /// The outcome space at mean parameters: Pareto frontier, Nash, Kalai–Smorodinsky and
    /// maximum-welfare packages.
    pub outcome_space: OutcomeSpace,
    /// `"deadline"` (each deadline a separate world whose deadline is known) or
    /// `"open_ended"` (one negotiation per run, read at checkpoints).
    pub mode: &'static str,
    /// The most rounds of the open-ended talks (null in the deadline mode).
    pub horizon: Option<u32>,
    /// The question the numbers answer, in words.
    pub question: String,
    /// The worlds played, when the runs were grouped into worlds (`--worlds K`): then `runs`
    /// is every run of every world, and each deadline has its spread across worlds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worlds: Option<WorldsReport>,
}

/// The outcome-space analysis at mean parameters, as reported (see [`crate::engine::analysis`]).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutcomeSpace {
    /// Whether the analysis was computed (false when the outcome space is too large).
    pub computed: bool,
    /// Why it was not computed, or what to keep in mind.
    pub note: Option<String>,
    /// The signatories: the axes of the utility space.
    pub signatories: Vec<String>,
    /// Number of Pareto-optimal agreeable packages (one per distinct utility vector).
    pub pareto_size: Option<usize>,
    /// The Nash bargaining point (largest product of gains over reservation).
    pub nash: Option<Solution>,
    /// The Kalai–Smorodinsky point (largest smallest normalized gain).
    pub kalai_smorodinsky: Option<Solution>,
    /// The agreeable package with the largest sum of the signatories' utilities.
    pub max_welfare: Option<Solution>,
}

/// A package singled out by the analysis, with the signatories' utilities for it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Solution {
    /// Option chosen for each term.
    pub package: IndexMap<String, String>,
    /// Each signatory's utility at mean parameters.
    pub utilities: IndexMap<String, f64>,
}

impl OutcomeSpace {
    /// Summarizes an analysis (or the reason it was skipped).
    pub fn new(model: &Model, analysis: Result<&Analysis, &TooLarge>) -> OutcomeSpace {
        let sc = &model.scenario;
        let signatories: Vec<String> = sc
            .signatories()
            .into_iter()
            .map(|a| sc.agents[a].id.clone())
            .collect();
        match analysis {
            Err(e) => OutcomeSpace {
                computed: false,
                note: Some(e.to_string()),
                signatories,
                pareto_size: None,
                nash: None,
                kalai_smorodinsky: None,
                max_welfare: None,
            },
            Ok(a) => {
                let solution = |p: &Option<Point>| {
                    p.as_ref().map(|p| Solution {
                        package: package_names(model, &p.package),
                        utilities: signatories.iter().cloned().zip(p.utility.clone()).collect(),
                    })
                };
                let note = if a.frontier.is_empty() {
                    Some("every package crosses a signatory's red line".to_string())
                } else if a.nash.is_none() {
                    Some("no package gives every signatory at least its reservation value: no Nash or Kalai–Smorodinsky point".to_string())
                } else {
                    None
                };
                OutcomeSpace {
                    computed: true,
                    note,
                    pareto_size: Some(a.frontier.len()),
                    nash: solution(&a.nash),
                    kalai_smorodinsky: solution(&a.kalai_smorodinsky),
                    max_welfare: solution(&a.max_welfare),
                    signatories,
                }
            }
        }
    }
}

/// The results at one deadline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeadlineReport {
    /// Deadline in rounds.
    pub deadline: u32,
    /// Runs played.
    pub runs: u64,
    /// Runs ending in agreement.
    pub agreements: u64,
    /// Share of runs ending in agreement.
    pub p_agreement: f64,
    /// Wilson 95% interval of `p_agreement`.
    pub ci95: [f64; 2],
    /// Runs ended by a walk-out.
    pub walkouts: u64,
    /// Runs ended by each agent's walk-out.
    pub walkouts_by: IndexMap<String, u64>,
    /// Runs that reached the deadline without agreement.
    pub expired: u64,
    /// Mean round of agreement (null without agreements).
    pub mean_round: Option<f64>,
    /// Median round of agreement (null without agreements).
    pub median_round: Option<u32>,
    /// Most frequent agreed packages.
    pub top_packages: Vec<PackageShare>,
    /// Set when the agreements held too many distinct packages to count (`top_packages` is
    /// then empty; the option shares stay exact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_packages_note: Option<String>,
    /// Share of each option of each term among agreements.
    pub option_shares: IndexMap<String, IndexMap<String, f64>>,
    /// Each agent's mean utility and gain over its reservation value in agreements.
    pub agents: IndexMap<String, AgentOutcome>,
    /// The signatory who most often rejected the last package in runs without agreement.
    pub blocker: Option<String>,
    /// Per signatory, runs without agreement in which it rejected the last package.
    pub blocked_by: IndexMap<String, u64>,
    /// Mean Euclidean distance of the agreements to the Pareto frontier, in the signatories'
    /// mean-parameter utility space (null without agreements or analysis).
    pub mean_distance_pareto: Option<f64>,
    /// Mean Euclidean distance of the agreements to the Nash point (null without agreements,
    /// analysis or Nash point).
    pub mean_distance_nash: Option<f64>,
    /// Share of agreements among the runs that no walk-out ended (null when every run was
    /// ended by one): bargaining failure apart from exposure to walk-outs.
    pub p_agreement_no_walkout: Option<f64>,
    /// Wilson 95% interval of `p_agreement_no_walkout`.
    pub ci95_no_walkout: Option<[f64; 2]>,
    /// Share of all runs ended by each agent's walk-out.
    pub walkout_share: IndexMap<String, f64>,
    /// Per signatory, the share of the runs without agreement in which it rejected the last
    /// text (several may have: the shares need not sum to 1).
    pub blocked_share: IndexMap<String, f64>,
    /// The spread of P across worlds (only with `--worlds`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worlds: Option<WorldsAtDeadline>,
}

/// An agreed package and how often it was agreed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PackageShare {
    /// Option chosen for each term.
    pub package: IndexMap<String, String>,
    /// Number of agreements on it.
    pub count: u64,
    /// Its share among agreements.
    pub share: f64,
}

/// One agent's view of the agreements.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgentOutcome {
    /// Mean utility in agreements.
    pub mean_utility: Option<f64>,
    /// Mean of utility minus the run's reservation value, in agreements.
    pub mean_gain: Option<f64>,
    /// Mean discounted utility `discount^round · utility` in agreements; present only when
    /// some agent of the scenario discounts (the inner value is null without agreements).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_discounted_utility: Option<Option<f64>>,
}

impl Report {
    /// Builds the report of `outcome` for `model`, analyzing the outcome space first.
    pub fn new(model: &Model, seed: u64, runs: u64, outcome: &Outcome) -> Report {
        let analysis = Analysis::new(model);
        Report::with_analysis(model, seed, runs, outcome, analysis.as_ref())
    }

    /// Builds the report of `outcome` for `model` with an analysis computed beforehand.
    pub fn with_analysis(
        model: &Model,
        seed: u64,
        runs: u64,
        outcome: &Outcome,
        analysis: Result<&Analysis, &TooLarge>,
    ) -> Report {
        let sc = &model.scenario;
        // A stopped simulation reports the runs it played, not the runs requested: every
        // path to a report (run, merge of interrupted shards, a library caller) gets this.
        let runs = if outcome.partial {
            outcome.tallies.first().map_or(0, |t| t.runs)
        } else {
            runs
        };
        Report {
            format: crate::provenance::REPORT_FORMAT,
            negsim_version: crate::provenance::VERSION,
            scenario: sc.name.clone(),
            seed,
            runs,
            protocol: sc.simulation.protocol.as_str(),
            round_label: sc.simulation.round_label.clone(),
            partial: outcome.partial,
            deadlines: outcome
                .tallies
                .iter()
                .map(|t| DeadlineReport::new(model, t, analysis.ok()))
                .collect(),
            outcome_space: OutcomeSpace::new(model, analysis),
            mode: if sc.simulation.open_ended() {
                "open_ended"
            } else {
                "deadline"
            },
            horizon: sc.simulation.horizon,
            question: question(model),
            worlds: None,
        }
    }

    /// Builds the report of `worlds` worlds of `runs` runs each: the pooled tallies as in
    /// [`Report::new`] (so `runs` is every run of every world), each deadline's interval
    /// widened for the worlds (see [`WorldsOutcome::pooled_interval`]) and its spread.
    pub fn of_worlds(model: &Model, seed: u64, runs: u64, worlds: &WorldsOutcome) -> Report {
        let analysis = Analysis::new(model);
        Report::of_worlds_with_analysis(model, seed, runs, worlds, analysis.as_ref())
    }

    /// As [`Report::of_worlds`], with an analysis computed beforehand.
    pub fn of_worlds_with_analysis(
        model: &Model,
        seed: u64,
        runs: u64,
        worlds: &WorldsOutcome,
        analysis: Result<&Analysis, &TooLarge>,
    ) -> Report {
        let outcome = worlds.pooled_outcome();
        let total = runs.saturating_mul(worlds.agreements.len() as u64);
        let mut report = Report::with_analysis(model, seed, total, &outcome, analysis);
        set_worlds(&mut report.deadlines, model, worlds);
        report.worlds = Some(worlds.report());
        report
    }

    /// Renders as pretty JSON (with a final newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("reports serialize");
        s.push('\n');
        s
    }
}

impl Report {
    /// The question in a few words, for the top of the terminal report.
    pub fn short_question(&self) -> String {
        let label = &self.round_label;
        match self.horizon {
            Some(h) => format!(
                "P(deal by {label} w) in open-ended talks of up to {h} {}",
                plural(label, h)
            ),
            None => format!(
                "P(deal) if the talks had a deadline of D {}, each D a separate world",
                plural(label, 2)
            ),
        }
    }
}

/// The question a report of `model` answers, in words.
pub fn question(model: &Model) -> String {
    let sim = &model.scenario.simulation;
    let label = &sim.round_label;
    match sim.horizon {
        Some(h) => format!(
            "open-ended talks of up to {h} {}: P(deal by {label} w), one negotiation per run read at each checkpoint w",
            plural(label, h)
        ),
        None => format!(
            "each deadline D is a separate world: P(deal) if the talks had a deadline of D {}",
            plural(label, 2)
        ),
    }
}

/// `label` for `n` of them: "week" for 1, "weeks" otherwise.
pub fn plural(label: &str, n: u32) -> String {
    if n == 1 {
        label.to_string()
    } else {
        format!("{label}s")
    }
}

impl DeadlineReport {
    /// Summarizes one tally; distances need the outcome-space analysis.
    pub fn new(model: &Model, t: &Tally, analysis: Option<&Analysis>) -> DeadlineReport {
        let sc = &model.scenario;
        let p = if t.runs > 0 {
            t.agreements as f64 / t.runs as f64
        } else {
            0.0
        };
        let (lo, hi) = wilson(t.agreements, t.runs, Z95);
        let share = |c: u64| {
            if t.agreements > 0 {
                c as f64 / t.agreements as f64
            } else {
                0.0
            }
        };
        let option_shares = sc
            .terms
            .iter()
            .enumerate()
            .map(|(ti, term)| {
                let opts = term
                    .options
                    .iter()
                    .enumerate()
                    .map(|(o, name)| (name.clone(), share(t.option_counts[model.offsets[ti] + o])))
                    .collect();
                (term.id.clone(), opts)
            })
            .collect();
        let mean =
            |sum: i64| (t.agreements > 0).then(|| sum as f64 / FIXED_SCALE / t.agreements as f64);
        let agents = sc
            .agents
            .iter()
            .enumerate()
            .map(|(a, ag)| {
                (
                    ag.id.clone(),
                    AgentOutcome {
                        mean_utility: mean(t.utility_sum[a]),
                        mean_gain: mean(t.gain_sum[a]),
                        mean_discounted_utility: t.discounted_sum.get(a).map(|&d| mean(d)),
                    },
                )
            })
            .collect();
        let blocked_by: IndexMap<String, u64> = sc
            .agents
            .iter()
            .enumerate()
            .filter(|(_, a)| a.signatory)
            .map(|(i, a)| (a.id.clone(), t.blocked[i]))
            .collect();
        // Ties go to the agent listed first.
        let blocker = blocked_by
            .iter()
            .filter(|(_, c)| **c > 0)
            .fold(None::<(&String, u64)>, |best, (id, c)| match best {
                Some((_, bc)) if bc >= *c => best,
                _ => Some((id, *c)),
            })
            .map(|(id, _)| id.clone());
        let distances = analysis.map_or((None, None), |a| a.mean_distances(model, t));
        let no_walkout = t.agreements + t.expired;
        let (nlo, nhi) = wilson(t.agreements, no_walkout, Z95);
        DeadlineReport {
            deadline: t.deadline,
            runs: t.runs,
            agreements: t.agreements,
            p_agreement: p,
            ci95: [lo, hi],
            walkouts: t.total_walkouts(),
            walkouts_by: sc
                .agents
                .iter()
                .zip(&t.walkouts)
                .map(|(a, c)| (a.id.clone(), *c))
                .collect(),
            expired: t.expired,
            mean_round: t.mean_round(),
            median_round: t.median_round(),
            top_packages: t
                .top_packages(TOP_PACKAGES)
                .into_iter()
                .map(|(pkg, c)| PackageShare {
                    package: package_names(model, pkg),
                    count: c,
                    share: share(c),
                })
                .collect(),
            top_packages_note: t.packages_overflow.then(|| {
                format!(
                    "not meaningful: the agreements held more than {} distinct packages, which are not counted one by one; the option shares are exact",
                    crate::engine::stats::MAX_PACKAGES
                )
            }),
            option_shares,
            agents,
            blocker,
            blocked_by: blocked_by.clone(),
            mean_distance_pareto: distances.0,
            mean_distance_nash: distances.1,
            p_agreement_no_walkout: (no_walkout > 0)
                .then(|| t.agreements as f64 / no_walkout as f64),
            ci95_no_walkout: (no_walkout > 0).then_some([nlo, nhi]),
            blocked_share: blocked_by
                .iter()
                .map(|(id, &c)| {
                    let without = t.runs - t.agreements;
                    let share = if without > 0 {
                        c as f64 / without as f64
                    } else {
                        0.0
                    };
                    (id.clone(), share)
                })
                .collect(),
            worlds: None,
            walkout_share: sc
                .agents
                .iter()
                .zip(&t.walkouts)
                .map(|(a, c)| {
                    let share = if t.runs > 0 {
                        *c as f64 / t.runs as f64
                    } else {
                        0.0
                    };
                    (a.id.clone(), share)
                })
                .collect(),
        }
    }
}

/// Names of the options of a package, keyed by term id.
pub fn package_names(model: &Model, pkg: &[u8]) -> IndexMap<String, String> {
    model
        .scenario
        .terms
        .iter()
        .zip(pkg)
        .map(|(t, &o)| (t.id.clone(), t.options[o as usize].clone()))
        .collect()
}

/// A package as `term=option` pairs separated by spaces.
pub fn package_string(model: &Model, pkg: &[u8]) -> String {
    package_names(model, pkg)
        .iter()
        .map(|(t, o)| format!("{t}={o}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Formats a utility for transcripts.
pub fn fmt_utility(u: f64) -> String {
    fmt_num(u)
}

/// Gives rows built from the pooled tallies of `worlds` (one per deadline, in order) the
/// worlds' interval and their spread: what makes a row of worlds in every table.
pub fn set_worlds(rows: &mut [DeadlineReport], model: &Model, worlds: &WorldsOutcome) {
    for (d, r) in rows.iter_mut().enumerate() {
        r.ci95 = worlds.pooled_interval(d);
        r.worlds = worlds.at_deadline(model, d);
    }
}

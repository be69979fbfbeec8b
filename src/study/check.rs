//! `negsim check`: a validated scenario summarized, with the zone of possible agreement and
//! the outcome-space analysis at mean parameters, built once as data ([`Summary`], with the
//! quick look of [`hangs_on`]) and rendered by `crate::report::check` as text or as JSON.

use crate::engine::analysis::Analysis;
use crate::engine::model::Model;
use crate::engine::offer::for_each_package;
use crate::scenario::{Scenario, describe_param};
use crate::study::run::package_string;
use serde::Serialize;

pub mod hangs_on;

/// Largest outcome space that `check` enumerates.
pub const ENUMERATION_LIMIT: u128 = 5_000_000;

/// The zone of possible agreement at mean parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zopa {
    /// Packages in the outcome space.
    pub total: u128,
    /// Packages every signatory accepts at its reservation value (crossing no red line).
    pub acceptable: u64,
    /// Up to five acceptable packages with the largest product of signatories' gains.
    pub best: Vec<(Vec<u8>, f64)>,
}

/// Counts the packages acceptable to all signatories at mean parameters; `None` when the
/// outcome space is larger than [`ENUMERATION_LIMIT`].
pub fn zopa(sc: &Scenario) -> Option<Zopa> {
    let total = sc.outcome_space_size();
    if total > ENUMERATION_LIMIT {
        return None;
    }
    let model = Model::new(sc);
    let inst = model.mean_instance();
    let sigs = sc.signatories();
    let no = model.n_opts;
    let mut acceptable = 0u64;
    let mut best: Vec<(Vec<u8>, f64)> = Vec::new();
    for_each_package(&model, |pkg| {
        let mut product = 1.0;
        for &s in &sigs {
            if pkg
                .iter()
                .enumerate()
                .any(|(t, &o)| model.red[s * no + model.offsets[t] + o as usize])
            {
                return;
            }
            let gain = inst.utility(&model, s, pkg) - inst.reservation[s];
            if gain < 0.0 {
                return;
            }
            product *= gain;
        }
        acceptable += 1;
        if best.len() < 5 || product > best[best.len() - 1].1 {
            best.push((pkg.to_vec(), product));
            best.sort_by(|a, b| b.1.total_cmp(&a.1));
            best.truncate(5);
        }
    });
    Some(Zopa {
        total,
        acceptable,
        best,
    })
}

/// Everything `negsim check` says: the scenario summarized and, unless skipped, the quick look.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// The scenario, its zone of agreement and its outcome space.
    pub summary: Summary,
    /// What the result hangs on (`None` under `--no-look`).
    pub hangs_on: Option<hangs_on::HangsOn>,
}

/// A scenario as `check` summarizes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The scenario's name.
    pub name: String,
    /// Its description (trimmed; empty when it has none).
    pub description: String,
    /// The protocol's name in the file's words.
    pub protocol: String,
    /// The mediator's id, under the mediated protocol.
    pub mediator: Option<String>,
    /// What a round is called ("week").
    pub round_label: String,
    /// The deadlines (or, in open-ended talks, the checkpoints) in rounds.
    pub deadlines: Vec<u32>,
    /// The horizon of open-ended talks, in rounds.
    pub horizon: Option<u32>,
    /// Runs per deadline.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Packages in the outcome space; `None` when there are more than 10^38.
    pub packages: Option<u128>,
    /// The terms with their options.
    pub terms: Vec<TermSummary>,
    /// The agents.
    pub agents: Vec<AgentSummary>,
    /// Parameters given as distributions (each sampled afresh in every run).
    pub uncertain: usize,
    /// Terms whose every option is some signatory's red line (no agreement is possible).
    pub impossible_terms: Vec<String>,
    /// The zone of possible agreement at mean parameters; `None` when the outcome space is
    /// larger than [`ENUMERATION_LIMIT`].
    pub zopa: Option<ZopaSummary>,
    /// The outcome-space analysis at mean parameters.
    pub analysis: AnalysisSummary,
}

/// A term and its options.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermSummary {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its options, in order.
    pub options: Vec<String>,
}

/// An agent as `check` describes it (uncertain numbers as their distributions).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentSummary {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether its acceptance is needed.
    pub signatory: bool,
    /// Its reservation value.
    pub reservation: String,
    /// Its strategy's name.
    pub strategy: String,
    /// Its chance of walking out per round.
    pub walk_away: String,
    /// Its clock: the deadline belief, or another clock with its pace.
    pub clock: String,
    /// Its delay cost per round, when it has one.
    pub delay_cost: Option<String>,
    /// Its weights at their means, normalized to sum 1 (terms of weight 0 left out).
    pub weights: Vec<(String, f64)>,
    /// Its red lines as `term=option`.
    pub red_lines: Vec<String>,
}

/// The zone of possible agreement at mean parameters, as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZopaSummary {
    /// Packages in the outcome space.
    pub total: u128,
    /// Packages every signatory accepts at its reservation value.
    pub acceptable: u64,
    /// Up to five acceptable packages with the largest product of gains: the product and
    /// the package as `term=option` pairs.
    pub best: Vec<(f64, String)>,
}

/// The outcome-space analysis at mean parameters, as `check` reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalysisSummary {
    /// Why it was not computed (the outcome space is too large), if so.
    pub skipped: Option<String>,
    /// The signatories' ids: the axes of the utility space.
    pub signatories: Vec<String>,
    /// Their mean reservation values.
    pub reservation: Vec<f64>,
    /// Pareto-optimal agreeable packages (one per distinct utility vector).
    pub pareto_size: usize,
    /// The Nash, Kalai–Smorodinsky and maximum-welfare points, in that order.
    pub points: Vec<NamedPoint>,
}

/// A package the analysis singles out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedPoint {
    /// What it is ("Nash point (largest product of gains)").
    pub label: String,
    /// The signatories' utilities and the package as `term=option` pairs; `None` when no
    /// package gives every signatory its reservation value.
    pub point: Option<(Vec<f64>, String)>,
}

impl Summary {
    /// Summarizes a validated scenario (enumerating its zone of agreement when the outcome
    /// space is small enough, and analysing its outcome space).
    pub fn of(sc: &Scenario) -> Summary {
        let sim = &sc.simulation;
        let model = Model::new(sc);
        let total = sc.outcome_space_size();
        let agents = sc
            .agents
            .iter()
            .map(|a| AgentSummary {
                id: a.id.clone(),
                name: a.name.clone(),
                signatory: a.signatory,
                reservation: describe_param(&a.reservation),
                strategy: a.strategy.label(),
                walk_away: describe_param(&a.walk_away),
                clock: match a.clock {
                    crate::scenario::Clock::Deadline => {
                        format!("deadline belief {}", describe_param(&a.deadline_belief))
                    }
                    c => format!("clock {} {}s", c.label(), sim.round_label),
                },
                delay_cost: (a.delay_cost.mean() > 0.0 || a.delay_cost.is_uncertain())
                    .then(|| describe_param(&a.delay_cost)),
                weights: sc
                    .terms
                    .iter()
                    .zip(a.mean_weights())
                    .filter(|(_, w)| *w > 0.0)
                    .map(|(t, w)| (t.id.clone(), w))
                    .collect(),
                red_lines: sc
                    .terms
                    .iter()
                    .zip(&a.red_lines)
                    .flat_map(|(t, r)| {
                        r.iter()
                            .enumerate()
                            .filter(|(_, x)| **x)
                            .map(move |(o, _)| format!("{}={}", t.id, t.options[o]))
                    })
                    .collect(),
            })
            .collect();
        Summary {
            name: sc.name.clone(),
            description: sc.description.trim().to_string(),
            protocol: sim.protocol.as_str().to_string(),
            mediator: sim.mediator.map(|m| sc.agents[m].id.clone()),
            round_label: sim.round_label.clone(),
            deadlines: sim.deadlines.clone(),
            horizon: sim.horizon,
            runs: sim.runs,
            seed: sim.seed,
            packages: (total != u128::MAX).then_some(total),
            terms: sc
                .terms
                .iter()
                .map(|t| TermSummary {
                    id: t.id.clone(),
                    name: t.name.clone(),
                    options: t.options.clone(),
                })
                .collect(),
            agents,
            uncertain: crate::study::sensitivity::factors::scenario_factors(sc).len(),
            impossible_terms: sc
                .terms
                .iter()
                .zip(sc.publicly_allowed())
                .filter(|(_, allowed)| !allowed.iter().any(|a| *a))
                .map(|(t, _)| t.id.clone())
                .collect(),
            zopa: zopa(sc).map(|z| ZopaSummary {
                total: z.total,
                acceptable: z.acceptable,
                best: z
                    .best
                    .iter()
                    .map(|(pkg, prod)| (*prod, package_string(&model, pkg)))
                    .collect(),
            }),
            analysis: AnalysisSummary::of(&model),
        }
    }
}

impl AnalysisSummary {
    /// The outcome-space analysis of `model` at mean parameters.
    pub fn of(model: &Model) -> AnalysisSummary {
        let sc = &model.scenario;
        let a = match Analysis::new(model) {
            Ok(a) => a,
            Err(e) => {
                return AnalysisSummary {
                    skipped: Some(e.to_string()),
                    signatories: Vec::new(),
                    reservation: Vec::new(),
                    pareto_size: 0,
                    points: Vec::new(),
                };
            }
        };
        let points = [
            ("Nash point (largest product of gains)", &a.nash),
            (
                "Kalai-Smorodinsky point (largest smallest normalized gain)",
                &a.kalai_smorodinsky,
            ),
            ("maximum social welfare (largest sum)", &a.max_welfare),
        ]
        .into_iter()
        .map(|(label, p)| NamedPoint {
            label: label.to_string(),
            point: p
                .as_ref()
                .map(|p| (p.utility.clone(), package_string(model, &p.package))),
        })
        .collect();
        AnalysisSummary {
            skipped: None,
            signatories: a.agents.iter().map(|&i| sc.agents[i].id.clone()).collect(),
            reservation: a.reservation.clone(),
            pareto_size: a.frontier.len(),
            points,
        }
    }
}

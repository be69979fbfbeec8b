//! The rules of the game-theoretic agents (`strategy = "backward_induction"`): what a scenario
//! must be for their equilibrium to be computed exactly, checked once when the file is read.

use super::{Agent, Protocol, Simulation, Term, Validator, thousands};
use crate::error::InputError;
use std::ops::Range;

/// The first agent with `strategy`, and the span of its `strategy` key (where its rules'
/// errors point), or `None` when no agent uses it.
fn first_with(
    agents: &[Agent],
    strategy_spans: &[Option<Range<usize>>],
    strategy: super::Strategy,
) -> Option<(usize, Range<usize>)> {
    let i = agents.iter().position(|a| a.strategy == strategy)?;
    Some((i, strategy_spans[i].clone().unwrap_or(0..0)))
}

/// Largest outcome space for which a backward-induction agent is accepted with more than two
/// signatories. Why: each round's equilibrium offer then meets one constraint per responder,
/// which no single-constraint offer search answers; an exact depth-first search does, and this
/// bounds its work per round.
pub const EQUILIBRIUM_MAX_OUTCOMES: u128 = 100_000;

/// Most cells (longest deadline × (terms + 1)) one backward-induction plan may hold. Why: the
/// plan keeps the agent's own offer and answer threshold for every round of the longest
/// deadline, per worker thread.
pub const EQUILIBRIUM_MAX_PLAN_CELLS: u64 = 1 << 26;

impl Validator<'_> {
    /// Refuses scenarios in which a backward-induction agent's continuation values cannot be
    /// computed exactly within the limits, at the agent's `strategy` key.
    pub(super) fn theory_rules(
        &self,
        terms: &[Term],
        agents: &[Agent],
        sim: &Simulation,
        strategy_spans: &[Option<Range<usize>>],
        protocol_span: Option<Range<usize>>,
    ) -> Result<(), InputError> {
        let Some((i, at)) = first_with(agents, strategy_spans, super::Strategy::BackwardInduction)
        else {
            return Ok(());
        };
        let id = &agents[i].id;
        if sim.protocol != Protocol::Alternating {
            return Err(self
                .at(
                    protocol_span.unwrap_or(at),
                    format!(
                        "agent `{id}` uses strategy = \"backward_induction\", the equilibrium of alternating offers, but the protocol is \"{}\"",
                        sim.protocol.as_str()
                    ),
                )
                .with_help("use protocol = \"alternating\", or another strategy for this agent"));
        }
        if let Some(o) = agents.iter().find(|a| !a.signatory) {
            return Err(self
                .at(
                    at,
                    format!(
                        "agent `{id}` uses strategy = \"backward_induction\", which needs every agent to be a signatory, but `{}` is not",
                        o.id
                    ),
                )
                .with_help("make every agent a signatory (signatory = true, the default) or use another strategy"));
        }
        let outcomes: u128 = terms.iter().map(|t| t.options.len() as u128).product();
        if agents.len() > 2 && outcomes > EQUILIBRIUM_MAX_OUTCOMES {
            return Err(self
                .at(
                    at,
                    format!(
                        "agent `{id}` uses strategy = \"backward_induction\" with {} signatories on {} packages; with more than two signatories the exact equilibrium is computed for outcome spaces of at most {} packages",
                        agents.len(),
                        thousands(outcomes.min(u128::from(u64::MAX)) as u64),
                        thousands(EQUILIBRIUM_MAX_OUTCOMES as u64)
                    ),
                )
                .with_help("use fewer terms or options, or two signatories (then any size works)"));
        }
        let longest = sim
            .horizon
            .unwrap_or_else(|| sim.deadlines.iter().copied().max().unwrap_or(1));
        let cells = u64::from(longest) * (terms.len() as u64 + 1);
        if cells > EQUILIBRIUM_MAX_PLAN_CELLS {
            return Err(self
                .at(
                    at,
                    format!(
                        "agent `{id}` uses strategy = \"backward_induction\": a plan over {} rounds of {} terms needs {} cells, more than the limit of {}",
                        thousands(u64::from(longest)),
                        terms.len(),
                        thousands(cells),
                        thousands(EQUILIBRIUM_MAX_PLAN_CELLS)
                    ),
                )
                .with_help("use shorter deadlines or fewer terms"));
        }
        Ok(())
    }
}

/// How far the agents' utilities of a package may sum from 1, and an option's pie share from
/// the others of its term, for a scenario to count as divide-the-dollar-like.
pub const PIE_TOLERANCE: f64 = 1e-9;

impl Validator<'_> {
    /// Refuses scenarios in which the stationary strategy is not the Baron–Ferejohn
    /// equilibrium, at the first stationary agent's `strategy` key. The conditions (README's
    /// bargaining rules list the same): protocol = "legislative"; every agent a signatory
    /// recognized with equal chances; every agent with estimates = "exact" or none needed, the
    /// same discount = { rate = δ, in_decisions = true }, a fixed reservation of 0, no
    /// walk-out chance and no delay cost; fixed weights and values under which every package
    /// divides a pie of 1 (per term, the agents' weighted values of every option sum to the
    /// same share, and the shares of the terms sum to 1); at most
    /// [`EQUILIBRIUM_MAX_OUTCOMES`] packages.
    pub(super) fn stationary_rules(
        &self,
        terms: &[Term],
        agents: &[Agent],
        sim: &Simulation,
        strategy_spans: &[Option<Range<usize>>],
    ) -> Result<(), InputError> {
        let Some((i, at)) = first_with(agents, strategy_spans, super::Strategy::Stationary) else {
            return Ok(());
        };
        let id = &agents[i].id;
        let refuse = |why: String, help: &str| {
            Err(self
                .at(
                    at.clone(),
                    format!("agent `{id}` uses strategy = \"stationary\" (the Baron-Ferejohn equilibrium), but {why}"),
                )
                .with_help(help.to_string()))
        };
        if sim.protocol != Protocol::Legislative {
            return refuse(
                format!("the protocol is \"{}\"", sim.protocol.as_str()),
                "use protocol = \"legislative\", or another strategy for this agent",
            );
        }
        if let Some(o) = agents.iter().find(|a| !a.signatory) {
            return refuse(
                format!(
                    "`{}` is not a signatory; the equilibrium needs every agent to vote",
                    o.id
                ),
                "make every agent a signatory, or use another strategy",
            );
        }
        let n = agents.len() as f64;
        if sim
            .recognition
            .iter()
            .any(|&p| (p - 1.0 / n).abs() > super::legislative::RECOGNITION_SUM_TOLERANCE)
        {
            return refuse(
                "the recognition probabilities are not equal; the continuation values are 1/n only with equal recognition (unequal ones need mixed coalition choices, Eraslan 2002, which this strategy does not compute)".into(),
                "remove `recognition` from [simulation] (equal chances), or use another strategy",
            );
        }
        let delta = agents[i].discount;
        for a in agents {
            let fixed = |p: &crate::engine::dist::Param| !p.is_uncertain();
            let why = if !(a.discount_in_decisions && a.discount == delta) {
                Some(format!(
                    "agent `{}` does not discount at the common rate in its decisions; every agent needs discount = {{ rate = {}, in_decisions = true }}",
                    a.id,
                    super::fmt_num(delta)
                ))
            } else if !(fixed(&a.reservation) && a.reservation.mean() == 0.0) {
                Some(format!(
                    "agent `{}` has a no-deal value other than a fixed 0 (reservation)",
                    a.id
                ))
            } else if !(fixed(&a.walk_away) && a.walk_away.mean() == 0.0) {
                Some(format!("agent `{}` may walk out (walk_away above 0)", a.id))
            } else if !(fixed(&a.delay_cost) && a.delay_cost.mean() == 0.0) {
                Some(format!("agent `{}` has a delay cost", a.id))
            } else if !(a.weights.iter().all(fixed) && a.values.iter().flatten().all(fixed)) {
                Some(format!(
                    "agent `{}` has uncertain weights or values; the pie must be known",
                    a.id
                ))
            } else {
                None
            };
            if let Some(why) = why {
                return refuse(
                    why,
                    "the stationary strategy is defined for divide-the-dollar-like scenarios only (README: bargaining rules)",
                );
            }
        }
        if !agents[i].exact_estimates {
            return refuse(
                "its estimates are noisy; it offers its partners exactly their continuation value, which needs their utilities".into(),
                "give the agent estimates = \"exact\"",
            );
        }
        // Every package divides a pie of 1 exactly when, per term, the agents' weighted values
        // of every option sum to the same share, and the shares sum to 1.
        let weights: Vec<Vec<f64>> = agents.iter().map(|a| a.mean_weights()).collect();
        let mut total = 0.0;
        for (t, term) in terms.iter().enumerate() {
            let share = |o: usize| -> f64 {
                agents
                    .iter()
                    .enumerate()
                    .map(|(a, ag)| weights[a][t] * ag.values[t][o].mean())
                    .sum()
            };
            let first = share(0);
            if let Some(o) =
                (1..term.options.len()).find(|&o| (share(o) - first).abs() > PIE_TOLERANCE)
            {
                return refuse(
                    format!(
                        "the scenario does not divide a pie: the agents' utilities of option `{}` of term `{}` sum to {}, of option `{}` to {}; every package's utilities must sum to 1",
                        term.options[0],
                        term.id,
                        super::fmt_num(first),
                        term.options[o],
                        super::fmt_num(share(o))
                    ),
                    "the stationary strategy is defined for divide-the-dollar-like scenarios only (README: bargaining rules)",
                );
            }
            total += first;
        }
        if (total - 1.0).abs() > PIE_TOLERANCE {
            return refuse(
                format!(
                    "every package's utilities sum to {}, not 1: the pie must be 1",
                    super::fmt_num(total)
                ),
                "the stationary strategy is defined for divide-the-dollar-like scenarios only (README: bargaining rules)",
            );
        }
        let outcomes: u128 = terms.iter().map(|t| t.options.len() as u128).product();
        if outcomes > EQUILIBRIUM_MAX_OUTCOMES {
            return refuse(
                format!(
                    "the outcome space has {} packages; its offers are computed exactly for at most {}",
                    thousands(outcomes.min(u128::from(u64::MAX)) as u64),
                    thousands(EQUILIBRIUM_MAX_OUTCOMES as u64)
                ),
                "use fewer terms or options",
            );
        }
        Ok(())
    }
}

/// Largest outcome space for which `strategy = "zeuthen"` is accepted. Why: each run's
/// frontier search in the plane of the two utilities extends every non-dominated partial
/// package, and the outcome space bounds how many there can be whatever the sampled values.
pub const ZEUTHEN_MAX_OUTCOMES: u128 = 1_000_000;

impl Validator<'_> {
    /// Refuses scenarios in which the Zeuthen process is not defined, at the first Zeuthen
    /// agent's `strategy` key (README's bargaining rules list the same): protocol =
    /// "alternating"; exactly two agents, both signatories, both with strategy = "zeuthen"
    /// and estimates = "exact"; no discount in decisions and no delay cost (the risk compares
    /// gains over a fixed no-deal value); at most [`ZEUTHEN_MAX_OUTCOMES`] packages and
    /// [`EQUILIBRIUM_MAX_PLAN_CELLS`] plan cells.
    pub(super) fn zeuthen_rules(
        &self,
        terms: &[Term],
        agents: &[Agent],
        sim: &Simulation,
        strategy_spans: &[Option<Range<usize>>],
        protocol_span: Option<Range<usize>>,
    ) -> Result<(), InputError> {
        let Some((i, at)) = first_with(agents, strategy_spans, super::Strategy::Zeuthen) else {
            return Ok(());
        };
        let id = &agents[i].id;
        let refuse = |span: Range<usize>, why: String, help: &str| {
            Err(self
                .at(
                    span,
                    format!("agent `{id}` uses strategy = \"zeuthen\" (the Zeuthen concession process of two signatories), but {why}"),
                )
                .with_help(help.to_string()))
        };
        if sim.protocol != Protocol::Alternating {
            return refuse(
                protocol_span.unwrap_or(at),
                format!("the protocol is \"{}\"", sim.protocol.as_str()),
                "use protocol = \"alternating\", or another strategy for this agent",
            );
        }
        if agents.len() != 2 {
            return refuse(
                at,
                format!(
                    "the scenario has {} agents; the process is defined for two",
                    agents.len()
                ),
                "use two agents, or another strategy (backward_induction works for any number)",
            );
        }
        if let Some(o) = agents.iter().find(|a| !a.signatory) {
            return refuse(
                at,
                format!("`{}` is not a signatory", o.id),
                "make both agents signatories (signatory = true, the default)",
            );
        }
        if let Some(o) = agents
            .iter()
            .find(|a| a.strategy != super::Strategy::Zeuthen)
        {
            return refuse(
                at,
                format!(
                    "`{}` uses {}; each Zeuthen agent's concessions depend on the other's, so both must play it",
                    o.id,
                    o.strategy.label()
                ),
                "give both agents strategy = \"zeuthen\"",
            );
        }
        for a in agents {
            let fixed_zero = |p: &crate::engine::dist::Param| !p.is_uncertain() && p.mean() == 0.0;
            let why = if !a.exact_estimates {
                Some(format!(
                    "agent `{}` does not have estimates = \"exact\"; the process reads both sides' true utilities",
                    a.id
                ))
            } else if a.discount_in_decisions && a.discount < 1.0 {
                Some(format!(
                    "agent `{}` discounts in its decisions; the risk compares gains over a fixed no-deal value",
                    a.id
                ))
            } else if !fixed_zero(&a.delay_cost) {
                Some(format!(
                    "agent `{}` has a delay cost; the risk compares gains over a fixed no-deal value",
                    a.id
                ))
            } else {
                None
            };
            if let Some(why) = why {
                return refuse(
                    at.clone(),
                    why,
                    "give both agents estimates = \"exact\", no discount in decisions and no delay cost (README: bargaining rules)",
                );
            }
        }
        let outcomes: u128 = terms
            .iter()
            .fold(1u128, |n, t| n.saturating_mul(t.options.len() as u128));
        if outcomes > ZEUTHEN_MAX_OUTCOMES {
            return refuse(
                at,
                format!(
                    "the outcome space has {} packages; the process is computed exactly for at most {}",
                    thousands(outcomes.min(u128::from(u64::MAX)) as u64),
                    thousands(ZEUTHEN_MAX_OUTCOMES as u64)
                ),
                "use fewer terms or options",
            );
        }
        let longest = sim
            .horizon
            .unwrap_or_else(|| sim.deadlines.iter().copied().max().unwrap_or(1));
        let cells = u64::from(longest) * (terms.len() as u64 + 1);
        if cells > EQUILIBRIUM_MAX_PLAN_CELLS {
            return refuse(
                at,
                format!(
                    "a plan over {} rounds of {} terms needs {} cells, more than the limit of {}",
                    thousands(u64::from(longest)),
                    terms.len(),
                    thousands(cells),
                    thousands(EQUILIBRIUM_MAX_PLAN_CELLS)
                ),
                "use shorter deadlines or fewer terms",
            );
        }
        Ok(())
    }
}

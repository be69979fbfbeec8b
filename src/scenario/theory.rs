//! The rules of the game-theoretic agents (`strategy = "backward_induction"`): what a scenario
//! must be for their equilibrium to be computed exactly, checked once when the file is read.

use super::{Agent, Protocol, Simulation, Term, Validator, thousands};
use crate::error::InputError;
use std::ops::Range;

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
        let Some(i) = agents
            .iter()
            .position(|a| a.strategy == super::Strategy::BackwardInduction)
        else {
            return Ok(());
        };
        let at = strategy_spans[i].clone().unwrap_or(0..0);
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

//! Legislative bargaining (Baron and Ferejohn 1989): `protocol = "legislative"`.
//!
//! A round is: walk-out draws (as under alternating offers: one uniform per agent from the
//! play stream, a signatory's departure ends the talks), then the recognition draw (one
//! uniform from the run's recognition stream, [`crate::engine::rng::recognition_rng`], every round:
//! the proposer is the first agent in file order whose cumulative recognition probability
//! exceeds it), then the recognized signatory's proposal and every signatory's answer. The
//! proposal passes when at least `quota` signatories accept it, the proposer's own vote
//! included (closed rule: no amendments); else the next round begins, until the deadline.
//!
//! Proposers: a heuristic proposer with `offer = "best_for_others"` uses the quota search
//! ([`crate::engine::offer::quota`]): the package best for the `quota - 1` others it courts, by its
//! estimates, among those that meet its target; `nearest` and `random_above` proposers pick as
//! under alternating offers; a stationary agent follows [`crate::engine::stationary`]. As under
//! unanimity, no proposer offers an option a signatory red-lines.

use super::rounds::{Known, Rules, random_offer, rounds};
use super::{Marker, Observer, RunResult, Workspace, proposer_targets};
use crate::engine::model::{Instance, Model};
use crate::engine::offer::quota::QuotaSearch;
use crate::engine::rng::{RunRng, choice_rng, coalition_rng, recognition_rng, uniform01};
use crate::scenario::OfferRule;

/// Per-thread state of the legislative protocol: each proposer's quota search for the run.
#[derive(Debug, Default, Clone)]
pub struct State {
    quota: Vec<QuotaSearch>,
}

/// Builds the quota searches of the run's `best_for_others` heuristic proposers.
pub(super) fn prepare(model: &Model, inst: &Instance, ws: &mut Workspace) {
    let (na, no) = (model.n_agents(), model.n_opts);
    let quota = model.scenario.simulation.quota;
    ws.legislative.quota.resize_with(na, QuotaSearch::default);
    for a in 0..na {
        let agent = &model.scenario.agents[a];
        if !model.signatory[a]
            || model.equilibrium & (1 << a) != 0
            || agent.offer != OfferRule::BestForOthers
        {
            continue;
        }
        // As `build_search` floors the unanimity search.
        let floor = if inst.delay_cost[a] > 0.0 {
            0.0
        } else {
            inst.reservation[a].min(inst.best[a])
        };
        ws.legislative.quota[a].prepare(
            model,
            a,
            &inst.util[a * no..(a + 1) * no],
            &inst.est[a * na * no..(a + 1) * na * no],
            quota,
            ws.method,
            floor,
        );
    }
}

/// The agent recognized by uniform draw `u`: the first in file order whose cumulative
/// probability exceeds `u` (the last with a positive chance, should rounding leave `u` above
/// the total).
pub fn recognized(probs: &[f64], u: f64) -> usize {
    let mut cum = 0.0;
    for (a, &p) in probs.iter().enumerate() {
        cum += p;
        if p > 0.0 && u < cum {
            return a;
        }
    }
    probs.iter().rposition(|&p| p > 0.0).unwrap_or(0)
}

/// The legislative protocol's part of a round: the recognition draw picks the proposer, and
/// a proposal passes with `quota` votes.
struct Legislative<'a> {
    /// Recognition probabilities, one per agent.
    recognition_probs: &'a [f64],
    /// Signatories whose acceptance passes a proposal.
    quota: u32,
    /// The word range of the play stream that random offer choices read, when some agent
    /// chooses at random.
    choices: Option<RunRng>,
    /// The run's recognition stream.
    recognition: RunRng,
    /// The stationary proposers' coalition draws.
    coalitions: RunRng,
}

impl Rules for Legislative<'_> {
    #[inline]
    fn chair(&mut self, _model: &Model, _round: u32, _departed: u64) -> Option<usize> {
        // Only signatories are recognized, and a signatory's departure ended the talks
        // before this is asked, so the recognized agent is present.
        Some(recognized(
            self.recognition_probs,
            uniform01(&mut self.recognition),
        ))
    }

    // Once per round in the hot loop: inlined into it (measured: +2.6% instructions on the
    // bilateral reference when left to a call).
    #[inline(always)]
    fn table(
        &mut self,
        model: &Model,
        inst: &Instance,
        ws: &mut Workspace,
        p: usize,
        round: u32,
        deadline: u32,
    ) -> Option<Option<Known>> {
        let equilibrium = model.equilibrium & (1 << p) != 0;
        let (tgt, own_tgt) = proposer_targets(model, ws, inst, p, round, deadline);
        // Every search's own utility is summed in file order (`Known::own`); a plan's offer
        // does not come with one.
        let own = match (model.scenario.agents[p].offer, self.choices.as_mut()) {
            _ if equilibrium => ws.plans[p]
                .stationary_offer(model, self.quota, &mut self.coalitions, &mut ws.offer)
                .then_some(None),
            (OfferRule::RandomAbove, Some(c)) => random_offer(ws, p, own_tgt, c).map(Some),
            (OfferRule::BestForOthers, _) => ws.legislative.quota[p]
                .search(model, own_tgt, &mut ws.offer)
                .map(Some),
            _ => ws.searches[p].search(own_tgt, &mut ws.offer).map(Some),
        }?;
        Some(Some(Known {
            by: p,
            target: tgt,
            own,
        }))
    }

    #[inline]
    fn passes(&self, model: &Model, rejecters: u64) -> bool {
        (model.signatory_mask & !rejecters).count_ones() >= self.quota
    }
}

/// Plays one legislative negotiation of at most `deadline` rounds.
pub(super) fn legislative<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    deadline: u32,
    rng: &mut RunRng,
    obs: &mut O,
    marker: &mut Marker,
) -> RunResult {
    let sim = &model.scenario.simulation;
    let choices = model
        .scenario
        .agents
        .iter()
        .any(|a| a.offer == OfferRule::RandomAbove)
        .then(|| choice_rng(rng));
    let recognition = recognition_rng(rng);
    let coalitions = coalition_rng(rng);
    crate::engine::equilibrium::solve_all(model, inst, &mut ws.plans, deadline);
    let mut rules = Legislative {
        recognition_probs: &sim.recognition,
        quota: sim.quota,
        choices,
        recognition,
        coalitions,
    };
    rounds(model, inst, ws, deadline, rng, obs, marker, &mut rules)
}

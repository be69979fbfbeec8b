//! Alternating offers: the proposer rotates in file order, every other signatory answers.

use super::rounds::{Known, Rules, random_offer, rounds};
use super::*;

/// Alternating offers' part of a round: the rotating proposer, its offer rule, and the
/// frequency learners who watch the offers.
struct Alternating {
    /// The word range of the play stream that random offer choices read (see `rng`), when
    /// some agent chooses at random.
    choices: Option<RunRng>,
    /// Who learns from offers (frequency model), as a bit mask: asked once per negotiation.
    learners: u64,
}

impl Rules for Alternating {
    // Unanimity, and nothing learns from who rejected.
    const ONE_NO_FAILS: bool = true;

    #[inline]
    fn chair(&mut self, model: &Model, round: u32, departed: u64) -> Option<usize> {
        // The proposer rotates through the agents in file order, skipping those who left.
        // One 32-bit remainder, then wrap-around by subtraction: a 64-bit division per
        // candidate cost tens of cycles a round.
        let n = model.n_agents();
        let start = ((round - 1) % n as u32) as usize;
        (start..start + n)
            .map(|a| if a >= n { a - n } else { a })
            .find(|&a| departed & (1 << a) == 0)
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
        // The own utility the offer needs is above the target when the proposer discounts.
        let (tgt, own_tgt) = proposer_targets(model, ws, inst, p, round, deadline);
        // `Some(None)`: a plan's offer, whose own utility is not at hand.
        let own = match (model.scenario.agents[p].offer, self.choices.as_mut()) {
            _ if equilibrium => ws.plans[p].offer_into(round, &mut ws.offer).then_some(None),
            (OfferRule::RandomAbove, Some(c)) => random_offer(ws, p, own_tgt, c).map(Some),
            _ => {
                if self.learners & (1 << p) != 0 {
                    refresh(model, inst, ws, p);
                }
                ws.searches[p].search(own_tgt, &mut ws.offer).map(Some)
            }
        }?;
        Some(Some(Known {
            by: p,
            target: tgt,
            own,
        }))
    }

    #[inline]
    fn offered(&mut self, model: &Model, ws: &mut Workspace, p: usize) {
        if model.signatory[p] && self.learners & !(1 << p) != 0 {
            for a in (0..model.n_agents()).filter(|&a| a != p && self.learners & (1 << a) != 0) {
                ws.freq[a].observe(model, p, &ws.offer);
            }
        }
    }

    #[inline]
    fn passes(&self, _model: &Model, rejecters: u64) -> bool {
        rejecters == 0
    }
}

/// Plays one negotiation under alternating offers.
pub(super) fn alternating<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    deadline: u32,
    rng: &mut RunRng,
    obs: &mut O,
    marker: &mut Marker,
) -> RunResult {
    let n = model.n_agents();
    let choices = model
        .scenario
        .agents
        .iter()
        .any(|a| a.offer == OfferRule::RandomAbove)
        .then(|| choice_rng(rng));
    ws.freq.resize_with(n, FrequencyModel::default);
    let mut learners = 0u64;
    for a in 0..n {
        if learns(model, a) {
            learners |= 1 << a;
            ws.freq[a].reset(n, model.n_terms(), model.n_opts);
        }
    }
    crate::engine::equilibrium::solve_all(model, inst, &mut ws.plans, deadline);
    let mut rules = Alternating { choices, learners };
    rounds(model, inst, ws, deadline, rng, obs, marker, &mut rules)
}

//! Alternating offers: the proposer rotates in file order, every other signatory answers.

use super::rounds::{Known, Pending, Rules, random_offer, resume_answers, rounds};
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
    if plain::<O>(model, inst, learners, choices.is_some()) {
        return plain_rounds(model, inst, ws, deadline, obs, marker);
    }
    let mut rules = Alternating { choices, learners };
    rounds(model, inst, ws, deadline, rng, obs, marker, &mut rules)
}

/// Whether [`plain_rounds`] plays this negotiation: nobody hears the answers, and nothing in
/// the run asks for more than a target, a search and the target rule (no backward induction,
/// no delay, no learner, no random offers, no walk-out chance, no AC_next or AC_combi).
fn plain<O: Observer>(model: &Model, inst: &Instance, learners: u64, choices: bool) -> bool {
    !O::WANTS_ANSWERS
        && model.equilibrium == 0
        && inst.delayed == 0
        && learners == 0
        && !choices
        && inst.walk_away.iter().all(|&w| w <= 0.0)
        && model
            .scenario
            .agents
            .iter()
            .all(|a| a.accept == AcceptRule::Target)
}

/// [`rounds`] under [`Alternating`] for a negotiation that [`plain`] admits, with every
/// question the general loop asks per round answered once for the negotiation: the same
/// proposers, targets, searches and comparisons in the same order, so the same result.
///
/// Why a loop of its own: the general one pays, in every round, for the features the run
/// does not use (a call to `answers` that reloads some thirty fields, the checks of
/// equilibrium, delay, accept rules and learners); on the bilateral reference that was about
/// a tenth of its instructions.
fn plain_rounds<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    deadline: u32,
    obs: &mut O,
    marker: &mut Marker,
) -> RunResult {
    let n = model.n_agents();
    let no = model.n_opts;
    ws.concession.prime(inst, deadline);
    // Each proposer's target in the round by which the thread's recent negotiations ended
    // is a hint to its search: the staircase is first built only down to it, and built
    // again, whole, if the talks go on longer (the same answers either way). A Boulware
    // proposer's late targets stay high, and the levels above them are a fraction of the
    // whole (bilateral reference: −6 % of its instructions).
    if ws.late_share > 0.0 {
        let late = ((f64::from(deadline) * ws.late_share).ceil() as u32).clamp(1, deadline);
        for a in 0..n {
            let low = ws.concession.plain_target(inst, a, late, deadline);
            ws.searches[a].set_hint(low);
        }
    }
    // A proposer offers the same package again in most rounds (its target falls within a
    // step of its staircase): each answerer's utility for it is kept by the step, which
    // names the same package all negotiation (no search is prepared again in it), and is
    // the same sum.
    ws.step_utils.clear();
    ws.step_utils.resize(n * n, (u32::MAX, 0.0));
    let mut last = Vec::new();
    // Whose buffer in `ws.own_offers` holds the last text tabled: copied to `last` only
    // where that is read (a checkpoint, the end), not every round.
    let mut last_by: Option<usize> = None;
    ws.own_offers.resize_with(n, Vec::new);
    let mut last_rejecters = 0u64;
    // As in `rounds`: the answers after the first rejection are left out until read, then
    // given by the general `answers` (the same answers: nothing they depend on has changed).
    let mut pending: Option<Pending> = None;
    let resume = |ws: &mut Workspace,
                  last: &mut Vec<u8>,
                  last_rejecters: &mut u64,
                  pending: &mut Option<Pending>| {
        resume_answers(
            model,
            inst,
            ws,
            deadline,
            last,
            last_rejecters,
            pending,
            &mut (),
        );
    };
    // The proposer rotates in file order: nobody leaves.
    let mut p = 0;
    for round in 1..=deadline {
        if marker.reads_before(round) {
            take_last(ws, &mut last, last_by);
            resume(ws, &mut last, &mut last_rejecters, &mut pending);
            marker.before(round, &last, last_rejecters);
        }
        let chair = p;
        p = if p + 1 == n { 0 } else { p + 1 };
        let target = ws.concession.plain_target(inst, chair, round, deadline);
        let Some(own) = ws.searches[chair].search_own(target, &mut ws.own_offers[chair]) else {
            obs.no_offer(round, chair);
            continue;
        };
        obs.offer(round, chair, &ws.own_offers[chair]);
        let step = ws.searches[chair].answer_step();
        pending = None;
        let mut rejecters = 0u64;
        for s in 0..n {
            if !model.signatory[s] {
                continue;
            }
            let ok = if s == chair {
                // Its text meets its target and crosses none of its lines by construction.
                own >= inst.reservation[s]
            } else {
                // Summed in term order, as `Instance::utility` does. No red-line check: a
                // signatory's red lines are public, and no proposer's search offers an option
                // another signatory red-lines (`Model::allowed`), so the text crosses none.
                let kept = &mut ws.step_utils[chair * n + s];
                let u = match step {
                    Some(j) if kept.0 == j => kept.1,
                    _ => {
                        let util = &inst.util[s * no..(s + 1) * no];
                        let mut u = 0.0;
                        for (&o, &off) in ws.own_offers[chair].iter().zip(&model.offsets) {
                            u += util[off + o as usize];
                        }
                        if let Some(j) = step {
                            *kept = (j, u);
                        }
                        u
                    }
                };
                // The comparisons of `answers` under the target rule, in its order.
                if u < inst.reservation[s] {
                    false
                } else if u >= inst.best[s] {
                    true
                } else if ws.concession.kept(s) {
                    // `meets_target` with a kept table: an exact target, at a lookup's cost.
                    u >= ws.concession.plain_target(inst, s, round, deadline)
                } else {
                    meets_target(ws, inst, s, u, round, deadline).0
                }
            };
            if !ok {
                rejecters |= 1 << s;
                let known = Known {
                    by: chair,
                    target,
                    own: Some(own),
                };
                pending = Some((round, Some(known), s + 1));
                break;
            }
        }
        last_by = Some(chair);
        last_rejecters = rejecters;
        if rejecters == 0 {
            take_last(ws, &mut last, last_by);
            note_end(ws, round, deadline);
            return RunResult {
                end: End::Agreement { round },
                package: last,
                last_rejecters,
            };
        }
    }
    take_last(ws, &mut last, last_by);
    resume(ws, &mut last, &mut last_rejecters, &mut pending);
    note_end(ws, deadline, deadline);
    RunResult {
        end: End::Expired,
        package: last,
        last_rejecters,
    }
}

/// Copies the last text tabled (in proposer `by`'s buffer) to `last`.
#[inline]
fn take_last(ws: &Workspace, last: &mut Vec<u8>, by: Option<usize>) {
    if let Some(p) = by {
        last.clone_from(&ws.own_offers[p]);
    }
}

/// How fast `Workspace::late_share` drifts back towards earlier ends: a share of the gap per
/// negotiation. Slow, so that one early deal does not make the next hint too high (a hint
/// too high costs a second build of the staircase; one too low only saves less).
const LATE_DRIFT: f64 = 0.005;

/// Records in `ws.late_share` that a plain negotiation ended in `round` of `deadline`.
fn note_end(ws: &mut Workspace, round: u32, deadline: u32) {
    let share = f64::from(round) / f64::from(deadline.max(1));
    ws.late_share = if share >= ws.late_share || ws.late_share == 0.0 {
        share
    } else {
        ws.late_share - LATE_DRIFT * (ws.late_share - share)
    };
}

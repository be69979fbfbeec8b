//! Bargaining protocols: one negotiation played round by round until agreement, walk-out or
//! deadline.
//!
//! A round is: walk-out draws (one uniform per agent, in file order, drawn whether or not it
//! matters, so that streams stay aligned), then one proposal, then every signatory's answer.
//!
//! The walk-out draws are the only reader of a run's play stream. So when no agent of a run
//! can walk out (every sampled `walk_away` is 0) they are skipped, which changes no result. A
//! future reader of the play stream must take its numbers from a word range of its own (see
//! `rng`), so that this stays true and its draws do not depend on the walk-out chances.

use crate::engine::model::{Instance, Model};
use crate::engine::offer::for_each_package;
use crate::engine::offer::{Method, OfferSearch};
use crate::engine::rng::{RunRng, choice_rng, uniform01};
use crate::engine::strategy::{APPROX_SLACK, approx_target, concession, target_at};
use crate::scenario::{AcceptRule, MAX_AGENTS, OfferRule, Protocol};

mod alternating;
mod concession;
pub mod legislative;
mod mediated;
mod rounds;
mod workspace;

use alternating::alternating;
use concession::Concession;
use mediated::mediated;
pub use mediated::{MediatorState, mediator_text};
use workspace::*;
pub use workspace::{FREQUENCY_LEARNING_RATE, FrequencyModel, Workspace};

/// How a negotiation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// All signatories accepted the package on the table in this round.
    Agreement {
        /// The round of agreement (1-based).
        round: u32,
    },
    /// A signatory or the mediator left the talks at the start of this round.
    WalkOut {
        /// The round of the walk-out.
        round: u32,
        /// Who left.
        agent: usize,
    },
    /// The deadline passed without agreement.
    Expired,
}

/// The result of one negotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    /// How it ended.
    pub end: End,
    /// The agreed package, or the last package put on the table (empty if none was).
    pub package: Vec<u8>,
    /// Bit mask of the signatories who rejected the last package on the table.
    pub last_rejecters: u64,
}

/// Receives the events of a negotiation, for transcripts; the unit type ignores them.
pub trait Observer {
    /// Whether [`Observer::answer`] needs every answerer's target. When false, the protocol
    /// skips computing targets that cannot change an answer (a `powf` each) and passes NaN.
    const WANTS_TARGETS: bool = true;
    /// Whether [`Observer::answer`] is needed at all. When false, the protocol may leave out
    /// answers that cannot change the result (those after a rejection, until it must say
    /// who rejected).
    const WANTS_ANSWERS: bool = true;
    /// Agent `agent` left the talks at the start of `round`.
    fn walk_out(&mut self, _round: u32, _agent: usize) {}
    /// `proposer` put `package` on the table (for the mediated protocol, the mediator's text).
    fn offer(&mut self, _round: u32, _proposer: usize, _package: &[u8]) {}
    /// `proposer` found no package meeting its target and crossing no red line.
    fn no_offer(&mut self, _round: u32, _proposer: usize) {}
    /// Signatory `agent` answered: its utility for the package, its target, and yes or no.
    fn answer(&mut self, _round: u32, _agent: usize, _utility: f64, _target: f64, _accept: bool) {}
}

impl Observer for () {
    const WANTS_TARGETS: bool = false;
    const WANTS_ANSWERS: bool = false;
}

/// An agent's target in `round` of a negotiation with `deadline` rounds, on the scale its
/// decisions use: the time-dependent tactic between its no-deal value then and its best
/// utility then (both as in [`Instance::no_deal_value`] and [`Instance::decision_factor`]).
#[inline]
pub fn agent_target(inst: &Instance, a: usize, round: u32, deadline: u32) -> f64 {
    target_with(inst, a, round, |e| {
        concession(e, inst.time(a, round, deadline))
    })
}

/// [`agent_target`] with the concession factor `1 - t^(1/e)` from `factor(e)` (computed or
/// tabulated: the same bits either way).
#[inline(always)]
fn target_with(inst: &Instance, a: usize, round: u32, factor: impl FnOnce(f64) -> f64) -> f64 {
    let best = inst.best[a];
    let (res, best) = if inst.delayed & (1 << a) != 0 {
        let res = inst.no_deal_value(a, round);
        if !best.is_finite() {
            return res;
        }
        (res, best * inst.decision_factor(a, round))
    } else {
        if !best.is_finite() {
            return inst.reservation[a];
        }
        (inst.reservation[a], best)
    };
    match inst.exponent[a] {
        None => best,
        Some(e) => target_at(res, best, factor(e)),
    }
}

/// [`agent_target`] with the concession factor from the workspace's table.
#[inline(always)]
fn ws_target(ws: &mut Workspace, inst: &Instance, a: usize, round: u32, deadline: u32) -> f64 {
    target_with(inst, a, round, |e| {
        ws.concession.factor(inst, a, e, round, deadline)
    })
}

/// A proposer's target in `round` and the own utility its offer must reach (the target over
/// its decision discount factor, when it discounts); a backward-induction agent's target is
/// its plan's threshold. One rule for every protocol with a proposer.
#[inline]
fn proposer_targets(
    model: &Model,
    ws: &mut Workspace,
    inst: &Instance,
    p: usize,
    round: u32,
    deadline: u32,
) -> (f64, f64) {
    let tgt = if model.equilibrium & (1 << p) != 0 {
        ws.plans[p].threshold(round)
    } else {
        ws_target(ws, inst, p, round, deadline)
    };
    let own = if inst.delayed & (1 << p) != 0 {
        tgt / inst.decision_factor(p, round)
    } else {
        tgt
    };
    (tgt, own)
}

/// The own utility (undiscounted) a proposer's offer must reach in `round`: its target
/// divided by its decision discount factor.
#[inline]
pub fn offer_target(inst: &Instance, a: usize, round: u32, deadline: u32) -> f64 {
    let t = agent_target(inst, a, round, deadline);
    if inst.delayed & (1 << a) != 0 {
        t / inst.decision_factor(a, round)
    } else {
        t
    }
}

/// [`agent_target`] to within [`APPROX_SLACK`], without `powf` where the tactic allows (agents
/// without delay only).
#[inline]
fn agent_target_approx(inst: &Instance, a: usize, round: u32, deadline: u32) -> Option<f64> {
    let t = inst.time(a, round, deadline);
    let best = inst.best[a];
    if !best.is_finite() {
        return Some(inst.reservation[a]);
    }
    approx_target(inst.reservation[a], best, inst.exponent[a], t)
}

/// Whether agent `a` accepts `package` in `round` by the target rule; returns the package's
/// value to it (its utility, discounted when its decisions discount) and its target too.
#[inline]
pub fn answer(
    model: &Model,
    inst: &Instance,
    a: usize,
    package: &[u8],
    round: u32,
    deadline: u32,
) -> (bool, f64, f64) {
    let u = inst.utility(model, a, package) * inst.decision_factor(a, round);
    let tgt = agent_target(inst, a, round, deadline);
    let no = model.n_opts;
    let crosses = package
        .iter()
        .enumerate()
        .any(|(t, &o)| model.red[a * no + model.offsets[t] + o as usize]);
    (
        u >= tgt && u >= inst.no_deal_value(a, round) && !crosses,
        u,
        tgt,
    )
}

/// Plays one negotiation with the given deadline. `ws` must have been prepared for `inst`.
pub fn play<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    deadline: u32,
    rng: &mut RunRng,
    obs: &mut O,
) -> RunResult {
    play_marked(model, inst, ws, deadline, &[], rng, obs, &mut |_, _| {})
}

/// Plays one negotiation of at most `deadline` rounds and hands `mark(i, state)` the state of
/// the talks at the end of round `marks[i]` (`marks` ascending, none above `deadline`): the
/// final result if they had ended by then, else `End::Expired` with the package on the table
/// and its rejecters. This reads open-ended talks at their checkpoints from one negotiation.
#[allow(clippy::too_many_arguments)]
pub fn play_marked<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    deadline: u32,
    marks: &[u32],
    rng: &mut RunRng,
    obs: &mut O,
    mark: &mut dyn FnMut(usize, &RunResult),
) -> RunResult {
    let mut m = Marker {
        marks,
        next: 0,
        mark,
    };
    let res = match model.protocol {
        Protocol::Alternating => alternating(model, inst, ws, deadline, rng, obs, &mut m),
        Protocol::Mediated => mediated(model, inst, ws, deadline, rng, obs, &mut m),
        Protocol::Legislative => {
            legislative::legislative(model, inst, ws, deadline, rng, obs, &mut m)
        }
    };
    m.finish(&res);
    res
}

/// Hands the state of the talks to the caller at each checkpoint round.
struct Marker<'a> {
    marks: &'a [u32],
    next: usize,
    mark: &'a mut dyn FnMut(usize, &RunResult),
}

impl Marker<'_> {
    /// At the start of `round`: every checkpoint before it saw the talks still going, with
    /// `last` on the table.
    #[inline]
    fn before(&mut self, round: u32, last: &[u8], last_rejecters: u64) {
        while self.next < self.marks.len() && self.marks[self.next] < round {
            let state = RunResult {
                end: End::Expired,
                package: last.to_vec(),
                last_rejecters,
            };
            (self.mark)(self.next, &state);
            self.next += 1;
        }
    }

    /// Whether [`Marker::before`] at the start of `round` hands a checkpoint over.
    #[inline]
    fn reads_before(&self, round: u32) -> bool {
        self.next < self.marks.len() && self.marks[self.next] < round
    }

    /// The talks ended with `res`: every checkpoint not yet passed sees that end.
    fn finish(&mut self, res: &RunResult) {
        while self.next < self.marks.len() {
            (self.mark)(self.next, res);
            self.next += 1;
        }
    }
}

/// Draws this round's walk-outs (one uniform per agent, in file order, whether or not it
/// matters; none at all when no agent of the run can walk out, see the module docs); returns
/// the first signatory or mediator who left, if any.
#[inline]
pub fn walk_outs<O: Observer>(
    model: &Model,
    inst: &Instance,
    departed: &mut u64,
    round: u32,
    rng: &mut RunRng,
    obs: &mut O,
) -> Option<usize> {
    let mut ended = None;
    if inst.walk_away.iter().all(|&w| w <= 0.0) {
        // Nobody can leave: the draws could not change anything (see the module docs).
        return None;
    }
    for a in 0..model.n_agents() {
        let u = uniform01(rng);
        if *departed & (1 << a) == 0 && u < inst.walk_away[a] {
            *departed |= 1 << a;
            obs.walk_out(round, a);
            if ended.is_none() && (model.signatory[a] || model.mediator == Some(a)) {
                ended = Some(a);
            }
        }
    }
    ended
}

/// The threshold of a signatory `s` with an AC_next or AC_combi rule in `round`: the own
/// utility of the offer it would make next round (its next target itself if it would find
/// none), lowered under AC_combi, from perceived time `T` on, to the best offer it received
/// earlier in the negotiation.
fn rule_threshold(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    s: usize,
    round: u32,
    deadline: u32,
) -> f64 {
    let next_target = ws_target(ws, inst, s, round + 1, deadline);
    refresh(model, inst, ws, s);
    let (f_next, f_now) = (
        inst.decision_factor(s, round + 1),
        inst.decision_factor(s, round),
    );
    // As `offer_target` forms it.
    let next_own = if inst.delayed & (1 << s) != 0 {
        next_target / f_next
    } else {
        next_target
    };
    let next = ws.searches[s]
        .search(next_own, &mut ws.next_pkg)
        .map_or(next_target, |u| u * f_next);
    match model.scenario.agents[s].accept {
        AcceptRule::Combi(tc)
            if inst.time(s, round, deadline) >= tc && ws.best_seen[s].is_finite() =>
        {
            next.min(ws.best_seen[s] * f_now)
        }
        _ => next,
    }
}

/// Records the package on the table as received by every AC_combi signatory but `from`.
fn record_received(model: &Model, inst: &Instance, ws: &mut Workspace, from: usize) {
    for s in 0..model.n_agents() {
        if s != from
            && model.signatory[s]
            && matches!(model.scenario.agents[s].accept, AcceptRule::Combi(_))
        {
            let u = inst.utility(model, s, &ws.offer);
            ws.best_seen[s] = ws.best_seen[s].max(u);
        }
    }
}

/// Whether utility `u` meets agent `s`'s target in `round` (an agent without delay), and the
/// target as far as it was needed: exact, or the approximation when that decides (it is
/// exact whenever it does), so the decision is the exact comparison's.
#[inline(always)]
fn meets_target(
    ws: &mut Workspace,
    inst: &Instance,
    s: usize,
    u: f64,
    round: u32,
    deadline: u32,
) -> (bool, f64) {
    if ws.concession.kept(s) {
        // A kept table answers exactly at the cost of a lookup.
        let t = ws_target(ws, inst, s, round, deadline);
        return (u >= t, t);
    }
    match agent_target_approx(inst, s, round, deadline) {
        Some(t) if u >= t + APPROX_SLACK => (true, t),
        Some(t) if u < t - APPROX_SLACK => (false, t),
        _ => {
            let t = ws_target(ws, inst, s, round, deadline);
            (u >= t, t)
        }
    }
}

/// Collects the answers to `ws.offer` of the signatories from agent `from` on; returns the
/// mask of rejecters and, when `stop` and one rejected, the agent to resume from (the others'
/// answers are not given). `known` is what the proposer's search already computed this round
/// (its target, its own utility), so that it is not computed twice.
#[inline]
#[allow(clippy::too_many_arguments)]
fn answers<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    round: u32,
    deadline: u32,
    known: Option<rounds::Known>,
    obs: &mut O,
    from: usize,
    stop: bool,
) -> (u64, Option<usize>) {
    let no = model.n_opts;
    let mut rejecters = 0u64;
    for s in from..model.n_agents() {
        if !model.signatory[s] {
            continue;
        }
        let is_proposer = known.is_some_and(|k| k.by == s);
        let (u, crosses) = match known {
            // The proposer's search summed it already, over options it may offer.
            Some(rounds::Known { own: Some(own), .. }) if is_proposer => {
                if !O::WANTS_ANSWERS && (model.equilibrium | inst.delayed) & (1 << s) == 0 {
                    // Unheard, and of the general rule below only the no-deal value can
                    // decide: its own text meets its target and crosses none of its lines.
                    // The same comparison, without the rest (5 % of a small run's answers).
                    let ok = own >= inst.reservation[s];
                    if !ok {
                        rejecters |= 1 << s;
                        if stop {
                            return (rejecters, Some(s + 1));
                        }
                    }
                    continue;
                }
                (own, false)
            }
            _ => {
                // One pass for the utility (summed in term order, as `Instance::utility`
                // does) and the red-line check.
                let red = &model.red[s * no..(s + 1) * no];
                let util = &inst.util[s * no..(s + 1) * no];
                let (mut u, mut crosses) = (0.0, false);
                for (&o, &off) in ws.offer.iter().zip(&model.offsets) {
                    let k = off + o as usize;
                    u += util[k];
                    crosses |= red[k];
                }
                (u, crosses)
            }
        };
        if model.equilibrium & (1 << s) != 0 {
            // A backward-induction agent accepts what is worth its continuation value.
            let thr = ws.plans[s].threshold(round);
            let ok = (is_proposer || u >= thr) && !crosses;
            obs.answer(round, s, u, thr, ok);
            if !ok {
                rejecters |= 1 << s;
                if stop {
                    return (rejecters, Some(s + 1));
                }
            }
            continue;
        }
        if inst.delayed & (1 << s) != 0 {
            // Delay moves this agent's no-deal value or discounts its view of the package:
            // every comparison on the scale of its decisions, no shortcut.
            let v = u * inst.decision_factor(s, round);
            let res = inst.no_deal_value(s, round);
            let (meets, thr) = if is_proposer {
                (true, known.map_or(f64::NAN, |k| k.target))
            } else if model.scenario.agents[s].accept != AcceptRule::Target {
                let thr = rule_threshold(model, inst, ws, s, round, deadline);
                (v >= thr, thr)
            } else {
                let t = ws_target(ws, inst, s, round, deadline);
                (v >= t, t)
            };
            let ok = meets && v >= res && !crosses;
            obs.answer(round, s, v, thr, ok);
            if !ok {
                rejecters |= 1 << s;
                if stop {
                    return (rejecters, Some(s + 1));
                }
            }
            continue;
        }
        let res = inst.reservation[s];
        if model.scenario.agents[s].accept != AcceptRule::Target && !is_proposer {
            let thr = rule_threshold(model, inst, ws, s, round, deadline);
            let ok = u >= thr && u >= res && !crosses;
            obs.answer(round, s, u, thr, ok);
            if !ok {
                rejecters |= 1 << s;
                if stop {
                    return (rejecters, Some(s + 1));
                }
            }
            continue;
        }
        // The target never exceeds `best`, so it only matters for res <= u < best; the same
        // comparisons as `answer`, in the same order, decide.
        let need_target = O::WANTS_TARGETS || !(crosses || u < res || u >= inst.best[s]);
        let (meets, tgt) = match known {
            // The proposer's offer meets its own target by construction.
            Some(k) if k.by == s => (true, k.target),
            _ if O::WANTS_TARGETS => {
                let t = ws_target(ws, inst, s, round, deadline);
                (u >= t, t)
            }
            _ if need_target => meets_target(ws, inst, s, u, round, deadline),
            _ => (true, f64::NAN),
        };
        let ok = meets && u >= res && !crosses;
        obs.answer(round, s, u, tgt, ok);
        if !ok {
            rejecters |= 1 << s;
            if stop {
                return (rejecters, Some(s + 1));
            }
        }
    }
    (rejecters, None)
}

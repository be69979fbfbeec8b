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

use crate::model::{Instance, Model};
use crate::offer::for_each_package;
use crate::offer::{Method, OfferSearch};
use crate::rng::{RunRng, choice_rng, uniform01};
use crate::scenario::{AcceptRule, MAX_AGENTS, OfferRule, Protocol};
use crate::strategy::{APPROX_SLACK, approx_target, concession, target_at};

mod concession;
pub mod legislative;
use concession::Concession;

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
}

/// Reusable per-thread buffers: a run's offer-search tables and the package buffers.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    /// One offer search per agent, prepared for the current run.
    pub searches: Vec<OfferSearch>,
    /// The offer-search method every proposer uses (all methods give the same offers).
    pub method: Method,
    offer: Vec<u8>,
    /// Minus an agent's own utilities: the objective of the `nearest` offer rule.
    neg_own: Vec<f64>,
    /// Per agent, the best own utility of the packages others put on the table earlier in
    /// this negotiation (for AC_combi; `-inf` before the first).
    best_seen: Vec<f64>,
    /// The package an AC_next answerer would offer next round (discarded).
    next_pkg: Vec<u8>,
    /// Per agent, for `offer = "random_above"`: its allowed packages by own utility.
    pools: Vec<Pool>,
    /// Per agent, for `estimates = "frequency"`: its opponent models in this negotiation.
    freq: Vec<FrequencyModel>,
    /// Scratch table of a frequency agent's estimated gains.
    freq_gain: Vec<f64>,
    /// The mediator's memory (mediated protocol).
    mediator: MediatorState,
    /// Per agent, its concession factor by round, kept across runs while it does not change.
    concession: Concession,
    /// Per agent, the equilibrium plan of a backward-induction agent (empty otherwise).
    pub plans: Vec<crate::equilibrium::Plan>,
    /// The legislative protocol's per-run tables (empty under the other protocols).
    legislative: legislative::State,
}

/// Learning rate of the frequency model's term weights (HardHeaded's `learnCoef`).
pub const FREQUENCY_LEARNING_RATE: f64 = 0.2;

/// The frequency opponent model of the ANAC agents (HardHeaded, van Krimpen et al. 2013):
/// one observer's view of every other agent, learnt only from the offers it has seen in the
/// current negotiation. A term whose option an opponent keeps between consecutive offers gains
/// weight `FREQUENCY_LEARNING_RATE` (weights start equal and are renormalized); an option's
/// value is `(1 + times offered) / (1 + most times any option of its term was offered)`.
#[derive(Debug, Default, Clone)]
pub struct FrequencyModel {
    n_terms: usize,
    n_opts: usize,
    /// `counts[s * n_opts + k]`: offers of agent `s` that contained option `k`.
    counts: Vec<u32>,
    /// `unchanged[s * n_terms + t]`: times `s` kept term `t`'s option from its previous offer.
    unchanged: Vec<u32>,
    /// `s`'s previous offer (`n_terms` options each), where `seen[s]`.
    last: Vec<u8>,
    seen: Vec<bool>,
    /// True when offers arrived since the observer's search tables were built.
    dirty: bool,
}

impl FrequencyModel {
    /// Forgets everything (a new negotiation).
    pub fn reset(&mut self, n_agents: usize, n_terms: usize, n_opts: usize) {
        self.n_terms = n_terms;
        self.n_opts = n_opts;
        self.counts.clear();
        self.counts.resize(n_agents * n_opts, 0);
        self.unchanged.clear();
        self.unchanged.resize(n_agents * n_terms, 0);
        self.last.clear();
        self.last.resize(n_agents * n_terms, 0);
        self.seen.clear();
        self.seen.resize(n_agents, false);
        self.dirty = true;
    }

    /// Learns from agent `s` offering `package`.
    pub fn observe(&mut self, model: &Model, s: usize, package: &[u8]) {
        let nt = self.n_terms;
        for (t, &o) in package.iter().enumerate() {
            self.counts[s * self.n_opts + model.offsets[t] + o as usize] += 1;
            if self.seen[s] && self.last[s * nt + t] == o {
                self.unchanged[s * nt + t] += 1;
            }
        }
        self.last[s * nt..(s + 1) * nt].copy_from_slice(package);
        self.seen[s] = true;
        self.dirty = true;
    }

    /// The estimated (normalized) term weights of agent `s`.
    pub fn weights(&self, s: usize) -> Vec<f64> {
        let nt = self.n_terms;
        let raw: Vec<f64> = (0..nt)
            .map(|t| 1.0 + FREQUENCY_LEARNING_RATE * f64::from(self.unchanged[s * nt + t]))
            .collect();
        let sum: f64 = raw.iter().sum();
        raw.iter().map(|w| w / sum).collect()
    }

    /// The estimated value of flat option `k` (of term `t`) to agent `s`.
    pub fn value(&self, model: &Model, s: usize, t: usize, k: usize) -> f64 {
        let counts = &self.counts[s * self.n_opts..(s + 1) * self.n_opts];
        let max = model.term_range(t).map(|j| counts[j]).max().unwrap_or(0);
        f64::from(1 + counts[k]) / f64::from(1 + max)
    }

    /// Writes to `out` the summed estimated utility contribution of every option to the
    /// signatories other than `observer`.
    pub fn gains(&self, model: &Model, observer: usize, out: &mut Vec<f64>) {
        out.clear();
        out.resize(model.n_opts, 0.0);
        for s in (0..model.n_agents()).filter(|&s| s != observer && model.signatory[s]) {
            let w = self.weights(s);
            for (t, wt) in w.iter().enumerate() {
                for k in model.term_range(t) {
                    out[k] += wt * self.value(model, s, t, k);
                }
            }
        }
    }
}

/// Whether agent `a` judges the others through a frequency model that drives its offers.
fn learns(model: &Model, a: usize) -> bool {
    let agent = &model.scenario.agents[a];
    agent.frequency_estimates && agent.offer == OfferRule::BestForOthers
}

/// Rebuilds a frequency agent's search tables from its opponent models if offers arrived since
/// they were built.
fn refresh(model: &Model, inst: &Instance, ws: &mut Workspace, a: usize) {
    if !learns(model, a) || !ws.freq[a].dirty {
        return;
    }
    ws.freq[a].gains(model, a, &mut ws.freq_gain);
    build_search(
        &mut ws.searches[a],
        ws.method,
        model,
        inst,
        a,
        &ws.freq_gain,
    );
    ws.freq[a].dirty = false;
}

/// A proposer's allowed packages sorted by own utility, highest first (ties in package
/// order), for drawing uniformly among those that meet a target.
#[derive(Debug, Default, Clone)]
struct Pool {
    own: Vec<f64>,
    /// The packages, `n_terms` options each, in the order of `own`.
    packages: Vec<u8>,
}

impl Pool {
    fn build(&mut self, model: &Model, a: usize, util: &[f64]) {
        let no = model.n_opts;
        let mut all: Vec<(f64, Vec<u8>)> = Vec::new();
        for_each_package(model, |pkg| {
            let mut own = 0.0;
            for (t, &o) in pkg.iter().enumerate() {
                let k = model.offsets[t] + o as usize;
                if !model.allowed[a * no + k] {
                    return;
                }
                own += util[k];
            }
            all.push((own, pkg.to_vec()));
        });
        // Stable: equal utilities keep the listing's (lexicographic) order.
        all.sort_by(|x, y| y.0.total_cmp(&x.0));
        self.own.clear();
        self.packages.clear();
        for (own, pkg) in all {
            self.own.push(own);
            self.packages.extend_from_slice(&pkg);
        }
    }
}

impl Workspace {
    /// Prepares the per-run tables (done once per run, shared by all deadlines).
    pub fn prepare(&mut self, model: &Model, inst: &Instance) {
        let (na, no) = (model.n_agents(), model.n_opts);
        self.searches.resize_with(na, OfferSearch::default);
        for a in 0..na {
            // Proposers need a search; so do AC_next answerers (for their next offer).
            if model.protocol != Protocol::Mediated
                || model.scenario.agents[a].accept != AcceptRule::Target
            {
                let own = &inst.util[a * no..(a + 1) * no];
                let gain = match model.scenario.agents[a].offer {
                    OfferRule::BestForOthers => &inst.est_others[a * no..(a + 1) * no],
                    // A `random_above` proposer's search serves AC_next answers (and `negsim
                    // play`): the least its next offer can be worth, the nearest package.
                    OfferRule::Nearest | OfferRule::RandomAbove => {
                        // Maximizing minus own utility above the target finds the package
                        // nearest the target from above; equal sums tie to the smallest
                        // option indices (the search's last tie-break).
                        self.neg_own.clear();
                        self.neg_own.extend(own.iter().map(|&u| -u));
                        &self.neg_own
                    }
                };
                if model.scenario.agents[a].offer == OfferRule::RandomAbove {
                    self.pools.resize_with(na, Pool::default);
                    self.pools[a].build(model, a, own);
                }
                build_search(&mut self.searches[a], self.method, model, inst, a, gain);
            }
        }
        crate::equilibrium::prepare_all(model, inst, &mut self.plans, self.method);
        if model.protocol == Protocol::Legislative {
            legislative::prepare(model, inst, self);
        }
    }
}

/// Builds agent `a`'s search tables for maximizing `gain` above its targets.
fn build_search(
    search: &mut OfferSearch,
    method: Method,
    model: &Model,
    inst: &Instance,
    a: usize,
    gain: &[f64],
) {
    let no = model.n_opts;
    search.set_method(method);
    search.prepare(model, a, &inst.util[a * no..(a + 1) * no], gain);
    // No target falls below min(reservation, best) (see `strategy::target`), unless the
    // no-deal value itself falls with a delay cost.
    search.set_floor(if inst.delay_cost[a] > 0.0 {
        0.0
    } else {
        inst.reservation[a].min(inst.best[a])
    });
}

impl Workspace {
    /// Writes to `out` a package drawn uniformly (one word of `rng`) among proposer `a`'s
    /// allowed packages whose own utility, summed in term order, is at least `target`;
    /// returns its own utility, or `None` (no word drawn) when there is none. Needs a
    /// `random_above` proposer prepared by [`Workspace::prepare`].
    pub fn random_above(
        &self,
        a: usize,
        target: f64,
        rng: &mut RunRng,
        out: &mut Vec<u8>,
    ) -> Option<f64> {
        let pool = &self.pools[a];
        let n = pool.own.partition_point(|&o| o >= target);
        if n == 0 {
            return None;
        }
        let i = ((uniform01(rng) * n as f64) as usize).min(n - 1);
        let nt = pool.packages.len() / pool.own.len();
        out.clear();
        out.extend_from_slice(&pool.packages[i * nt..(i + 1) * nt]);
        Some(pool.own[i])
    }
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
#[inline]
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
#[inline]
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

    /// The talks ended with `res`: every checkpoint not yet passed sees that end.
    fn finish(&mut self, res: &RunResult) {
        while self.next < self.marks.len() {
            (self.mark)(self.next, res);
            self.next += 1;
        }
    }
}

/// The mediator's single negotiating text for `round`, written to `out`: term by term, the
/// option that maximizes `self_weight · own utility + Σ λ_s · estimated utility of s` over
/// the options it may table (`weights` holds the `λ_s`, one per agent). False when some term
/// has no such option (no text this round).
pub fn mediator_text(
    model: &Model,
    inst: &Instance,
    weights: &[f64],
    round: u32,
    deadline: u32,
    out: &mut Vec<u8>,
) -> bool {
    let m = model
        .mediator
        .expect("validated: mediated protocol has a mediator");
    let (na, no) = (model.n_agents(), model.n_opts);
    // The mediator's own interests fade along its own concession curve.
    let self_w = match inst.exponent[m] {
        None => 1.0,
        Some(e) => 1.0 - inst.time(m, round, deadline).powf(1.0 / e),
    };
    out.clear();
    // The mediator's rows, sliced once (this loop is most of a mediated round's cost).
    let util = &inst.util[m * no..(m + 1) * no];
    let allowed = &model.allowed[m * no..(m + 1) * no];
    let est = &inst.est[m * na * no..(m + 1) * na * no];
    // (λ_s, row of s) for the other signatories, in file order (the order of the sum).
    let mut rows = [(0.0, 0); MAX_AGENTS];
    let mut n = 0;
    for (s, &lambda) in weights.iter().enumerate() {
        if model.signatory[s] && s != m {
            rows[n] = (lambda, s * no);
            n += 1;
        }
    }
    let rows = &rows[..n];
    for t in 0..model.n_terms() {
        let mut best: Option<(f64, u8)> = None;
        for (o, k) in model.term_range(t).enumerate() {
            if !allowed[k] {
                continue;
            }
            let mut score = self_w * util[k];
            for &(lambda, row) in rows {
                score += lambda * est[row + k];
            }
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, o as u8));
            }
        }
        match best {
            Some((_, o)) => out.push(o),
            None => return false,
        }
    }
    true
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

/// Collects the signatories' answers to `ws.offer`; returns the mask of rejecters. `known` is
/// a target already computed this round (the proposer's), so that it is not computed twice.
#[inline]
fn answers<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    round: u32,
    deadline: u32,
    known: Option<(usize, f64)>,
    obs: &mut O,
) -> u64 {
    let no = model.n_opts;
    let mut rejecters = 0u64;
    for s in 0..model.n_agents() {
        if !model.signatory[s] {
            continue;
        }
        let package = &ws.offer;
        // One pass for the utility (summed in term order, as `Instance::utility` does) and
        // the red-line check.
        let red = &model.red[s * no..(s + 1) * no];
        let util = &inst.util[s * no..(s + 1) * no];
        let (mut u, mut crosses) = (0.0, false);
        for (&o, &off) in package.iter().zip(&model.offsets) {
            let k = off + o as usize;
            u += util[k];
            crosses |= red[k];
        }
        let is_proposer = known.is_some_and(|(a, _)| a == s);
        if model.equilibrium & (1 << s) != 0 {
            // A backward-induction agent accepts what is worth its continuation value.
            let thr = ws.plans[s].threshold(round);
            let ok = (is_proposer || u >= thr) && !crosses;
            obs.answer(round, s, u, thr, ok);
            if !ok {
                rejecters |= 1 << s;
            }
            continue;
        }
        if inst.delayed & (1 << s) != 0 {
            // Delay moves this agent's no-deal value or discounts its view of the package:
            // every comparison on the scale of its decisions, no shortcut.
            let v = u * inst.decision_factor(s, round);
            let res = inst.no_deal_value(s, round);
            let (meets, thr) = if is_proposer {
                (true, known.map_or(f64::NAN, |(_, t)| t))
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
            }
            continue;
        }
        // The target never exceeds `best`, so it only matters for res <= u < best; the same
        // comparisons as `answer`, in the same order, decide.
        let need_target = O::WANTS_TARGETS || !(crosses || u < res || u >= inst.best[s]);
        let (meets, tgt) = match known {
            // The proposer's offer meets its own target by construction.
            Some((a, t)) if a == s => (true, t),
            _ if O::WANTS_TARGETS => {
                let t = ws_target(ws, inst, s, round, deadline);
                (u >= t, t)
            }
            _ if need_target => match agent_target_approx(inst, s, round, deadline) {
                Some(t) if u >= t + APPROX_SLACK => (true, t),
                Some(t) if u < t - APPROX_SLACK => (false, t),
                _ => {
                    let t = ws_target(ws, inst, s, round, deadline);
                    (u >= t, t)
                }
            },
            _ => (true, f64::NAN),
        };
        let ok = meets && u >= res && !crosses;
        obs.answer(round, s, u, tgt, ok);
        if !ok {
            rejecters |= 1 << s;
        }
    }
    rejecters
}

fn alternating<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    deadline: u32,
    rng: &mut RunRng,
    obs: &mut O,
    marker: &mut Marker,
) -> RunResult {
    let n = model.n_agents();
    // Random offer choices read a word range of the play stream of their own (see `rng`).
    let mut choices = model
        .scenario
        .agents
        .iter()
        .any(|a| a.offer == OfferRule::RandomAbove)
        .then(|| choice_rng(rng));
    ws.best_seen.clear();
    ws.best_seen.resize(n, f64::NEG_INFINITY);
    ws.freq.resize_with(n, FrequencyModel::default);
    // What the rounds would otherwise ask of the model every round, asked once: who learns
    // from offers, whether anyone can walk out (else `walk_outs` draws nothing) and whether
    // anyone keeps the best offer received (AC_combi, else `record_received` does nothing).
    let mut learners = 0u64;
    for a in 0..n {
        if learns(model, a) {
            learners |= 1 << a;
            ws.freq[a].reset(n, model.n_terms(), model.n_opts);
        }
    }
    let can_walk = !inst.walk_away.iter().all(|&w| w <= 0.0);
    let keeps_best = (0..n).any(|s| {
        model.signatory[s] && matches!(model.scenario.agents[s].accept, AcceptRule::Combi(_))
    });
    crate::equilibrium::solve_all(model, inst, &mut ws.plans, deadline);
    let mut departed = 0u64;
    let mut last_rejecters = 0u64;
    let mut last = Vec::new();
    for round in 1..=deadline {
        marker.before(round, &last, last_rejecters);
        if can_walk && let Some(agent) = walk_outs(model, inst, &mut departed, round, rng, obs) {
            return RunResult {
                end: End::WalkOut { round, agent },
                package: last,
                last_rejecters,
            };
        }
        // The proposer rotates through the agents in file order, skipping those who left.
        let start = (round as usize - 1) % n;
        let Some(p) = (0..n)
            .map(|i| (start + i) % n)
            .find(|&a| departed & (1 << a) == 0)
        else {
            break;
        };
        let equilibrium = model.equilibrium & (1 << p) != 0;
        // The own utility the offer needs is above the target when the proposer discounts.
        let (tgt, own_tgt) = proposer_targets(model, ws, inst, p, round, deadline);
        let found = match (model.scenario.agents[p].offer, choices.as_mut()) {
            _ if equilibrium => ws.plans[p].offer_into(round, &mut ws.offer),
            (OfferRule::RandomAbove, Some(c)) => {
                let mut pkg = std::mem::take(&mut ws.offer);
                let found = ws.random_above(p, own_tgt, c, &mut pkg).is_some();
                ws.offer = pkg;
                found
            }
            _ => {
                if learners & (1 << p) != 0 {
                    refresh(model, inst, ws, p);
                }
                ws.searches[p].search(own_tgt, &mut ws.offer).is_some()
            }
        };
        if !found {
            obs.no_offer(round, p);
            continue;
        }
        obs.offer(round, p, &ws.offer);
        if model.signatory[p] && learners & !(1 << p) != 0 {
            for a in (0..n).filter(|&a| a != p && learners & (1 << a) != 0) {
                ws.freq[a].observe(model, p, &ws.offer);
            }
        }
        let rejecters = answers(model, inst, ws, round, deadline, Some((p, tgt)), obs);
        if keeps_best {
            record_received(model, inst, ws, p);
        }
        // The offer moves to the table rather than being copied: every path that offers
        // next round writes `ws.offer` whole first.
        std::mem::swap(&mut last, &mut ws.offer);
        last_rejecters = rejecters;
        if rejecters == 0 {
            return RunResult {
                end: End::Agreement { round },
                package: last,
                last_rejecters,
            };
        }
    }
    RunResult {
        end: End::Expired,
        package: last,
        last_rejecters,
    }
}

/// The mediator's memory over one negotiation: its weights on the signatories and, under
/// the remembering rule, the text that has won the most acceptances so far and, per
/// signatory, the least it has been seen to accept.
#[derive(Debug, Default, Clone)]
pub struct MediatorState {
    /// `λ_s` per agent (read only for the signatories other than the mediator).
    pub lambda: Vec<f64>,
    /// The remembered text (empty before the first).
    best: Vec<u8>,
    /// Acceptances it won when last tabled.
    best_support: u32,
    /// The signatories who rejected it when last tabled.
    best_rejecters: u64,
    /// Per agent, its utility (by the mediator's estimates) for the last text it rejected;
    /// -inf while it has rejected none.
    last_rejected: Vec<f64>,
    /// Per agent, the lowest utility (by the mediator's estimates) of a text it accepted;
    /// +inf while it has accepted none.
    floor: Vec<f64>,
    /// This round's text is the remembered one, tabled again.
    retabled: bool,
    /// The learning rate in this negotiation.
    eta: f64,
    /// Number of signatories other than the mediator.
    others: f64,
}

impl MediatorState {
    /// The state at the start of a negotiation: every `λ_s` = 1, nothing remembered.
    pub fn new(model: &Model, inst: &Instance) -> MediatorState {
        let mut st = MediatorState::default();
        st.reset(model, inst);
        st
    }

    /// Resets the state for a new negotiation, keeping the buffers.
    pub fn reset(&mut self, model: &Model, inst: &Instance) {
        let m = model.mediator;
        let na = model.n_agents();
        self.lambda.clear();
        self.lambda.resize(na, 1.0);
        self.best.clear();
        self.best_support = 0;
        self.best_rejecters = 0;
        self.floor.clear();
        self.floor.resize(na, f64::INFINITY);
        self.last_rejected.clear();
        self.last_rejected.resize(na, f64::NEG_INFINITY);
        self.retabled = false;
        self.eta = inst.mediator_learning_rate;
        self.others = (0..na)
            .filter(|&s| model.signatory[s] && Some(s) != m)
            .count() as f64;
    }

    /// Signatory `s`'s utility for `text` as the mediator sees it: its estimate of the
    /// others, its true utility for itself.
    fn seen(model: &Model, inst: &Instance, s: usize, text: &[u8]) -> f64 {
        let m = model
            .mediator
            .expect("validated: mediated protocol has a mediator");
        if s == m {
            return inst.utility(model, m, text);
        }
        let (na, no) = (model.n_agents(), model.n_opts);
        let row = &inst.est[(m * na + s) * no..(m * na + s + 1) * no];
        text.iter()
            .zip(&model.offsets)
            .map(|(&o, &off)| row[off + o as usize])
            .sum()
    }

    /// Writes this round's text to `out`: a draft by [`mediator_text`] from the current
    /// weights, or, under the remembering rule, the remembered text when (1) the last text was
    /// a draft, (2) fewer signatories are expected to accept this draft than accepted the
    /// remembered text (a signatory is expected to accept a text it values at least as much
    /// as one it accepted before), and (3) the remembered text can still pass: none of its
    /// rejecters has since rejected a text it values more. False when there is no text.
    pub fn text(
        &mut self,
        model: &Model,
        inst: &Instance,
        round: u32,
        deadline: u32,
        out: &mut Vec<u8>,
    ) -> bool {
        let drafted = mediator_text(model, inst, &self.lambda, round, deadline, out);
        let was_retabled = std::mem::take(&mut self.retabled);
        if !model.scenario.simulation.mediator_memory || was_retabled || self.best.is_empty() {
            return drafted;
        }
        if drafted && *out == self.best {
            return true;
        }
        let expected = if drafted {
            (0..model.n_agents())
                .filter(|&s| model.signatory[s] && Self::seen(model, inst, s, out) >= self.floor[s])
                .count() as u32
        } else {
            0
        };
        let can_pass = (0..model.n_agents())
            .filter(|&h| self.best_rejecters & (1 << h) != 0)
            .all(|h| self.last_rejected[h] <= Self::seen(model, inst, h, &self.best));
        if expected < self.best_support && can_pass {
            out.clone_from(&self.best);
            self.retabled = true;
            return true;
        }
        drafted
    }

    /// Learns from the answers to `text`. Under the remembering rule: the text is remembered
    /// if it won at least as many acceptances as the remembered one, each acceptor's floor
    /// falls to its value of the text, and the weights are rescaled after the update.
    /// Always: the weights of its rejecters grow by the factor `1 + η`.
    pub fn answered(&mut self, model: &Model, inst: &Instance, text: &[u8], rejecters: u64) {
        let memory = model.scenario.simulation.mediator_memory;
        if memory {
            let accepted = model.signatory_mask & !rejecters;
            let support = accepted.count_ones();
            if support >= self.best_support {
                self.best.clear();
                self.best.extend_from_slice(text);
                self.best_support = support;
                self.best_rejecters = rejecters;
            }
            for s in (0..model.n_agents()).filter(|&s| model.signatory[s]) {
                let v = Self::seen(model, inst, s, text);
                if accepted & (1 << s) != 0 {
                    self.floor[s] = self.floor[s].min(v);
                } else {
                    self.last_rejected[s] = v;
                }
            }
        }
        for s in 0..model.n_agents() {
            if rejecters & (1 << s) != 0 {
                self.lambda[s] *= 1.0 + self.eta;
            }
        }
        if memory {
            let m = model.mediator;
            let sum: f64 = (0..model.n_agents())
                .filter(|&s| model.signatory[s] && Some(s) != m)
                .map(|s| self.lambda[s])
                .sum();
            if sum > 0.0 {
                let scale = self.others / sum;
                self.lambda.iter_mut().for_each(|l| *l *= scale);
            }
        }
    }
}

fn mediated<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    deadline: u32,
    rng: &mut RunRng,
    obs: &mut O,
    marker: &mut Marker,
) -> RunResult {
    let m = model
        .mediator
        .expect("validated: mediated protocol has a mediator");
    let na = model.n_agents();
    let mut med = std::mem::take(&mut ws.mediator);
    med.reset(model, inst);
    ws.best_seen.clear();
    ws.best_seen.resize(na, f64::NEG_INFINITY);
    let mut departed = 0u64;
    let mut last_rejecters = 0u64;
    let mut last = Vec::new();
    let mut end = End::Expired;
    for round in 1..=deadline {
        marker.before(round, &last, last_rejecters);
        if let Some(agent) = walk_outs(model, inst, &mut departed, round, rng, obs) {
            end = End::WalkOut { round, agent };
            break;
        }
        if !med.text(model, inst, round, deadline, &mut ws.offer) {
            obs.no_offer(round, m);
            continue;
        }
        obs.offer(round, m, &ws.offer);
        let rejecters = answers(model, inst, ws, round, deadline, None, obs);
        record_received(model, inst, ws, m);
        last.clone_from(&ws.offer);
        last_rejecters = rejecters;
        if rejecters == 0 {
            end = End::Agreement { round };
            break;
        }
        med.answered(model, inst, &ws.offer, rejecters);
    }
    ws.mediator = med;
    RunResult {
        end,
        package: last,
        last_rejecters,
    }
}

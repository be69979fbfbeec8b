//! The subgame-perfect agent of finite-horizon alternating offers (Ståhl 1972):
//! `strategy = "backward_induction"`.
//!
//! Each such agent computes, once per run and deadline, the equilibrium of the alternating
//! offers game among all the agents as it sees them (its own utility, its estimates of the
//! others' utilities, everyone's sampled no-deal values, decision discounts and walk-out
//! chances), backwards from the deadline:
//!
//! - `C_s(D) = no_deal_s(D)`: a proposal rejected in the last round leaves no deal;
//! - in round `r` the proposer `p` (the rotation of the protocol) offers, among the packages it
//!   may offer, the one best for itself whose utility to every other agent `s` is at least
//!   `C_s(r) / f_s(r)` (the continuation value over the decision discount factor), ties to the
//!   larger sum of the others' utilities, then to the first package in file order; if that
//!   package is worth less to `p` than `C_p(r) / f_p(r)`, or there is none, it offers nothing;
//! - the round is worth `X_s(r) = f_s(r) · u_s(offer)` to every `s` (or `C_s(r)` without an
//!   offer), and `C_s(r - 1) = q · X_s(r) + (1 - q) · no_deal_s(r)`, `q` being the chance
//!   that nobody walks out at the start of round `r`.
//!
//! The agent then plays its part: it offers its equilibrium package in its rounds and accepts a
//! package in round `r` when its utility is at least `C_a(r) / f_a(r)`, whatever the others
//! actually do (it best-responds to the equilibrium, not to their tactics).
//!
//! Exact: with two agents each round's offer is one query of the exact offer search
//! ([`OfferSearch`], with the responder's utility as the constraint and the proposer's as the
//! objective); with more, an exact depth-first search over the terms with one bound per
//! responder (outcome spaces of at most [`crate::scenario::EQUILIBRIUM_MAX_OUTCOMES`]).

use crate::engine::model::{Instance, Model};
use crate::engine::offer::{Method, OfferSearch};

/// Slack used only when pruning, far above the rounding of sums formed in another order.
const PRUNE_EPS: f64 = 1e-9;

/// One backward-induction agent's equilibrium plan for one run and deadline.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The agent.
    agent: usize,
    /// `view[s * n_opts + k]`: the agent's view of agent `s`'s utility contribution of option
    /// `k` (its own utilities for itself, its estimates for the others).
    view: Vec<f64>,
    /// Two agents: `searches[p]` maximizes `p`'s utility over the other's utility.
    searches: Vec<OfferSearch>,
    /// `threshold[r - 1]`: the least utility the agent accepts in round `r`.
    threshold: Vec<f64>,
    /// `offers[r - 1]`: whether the agent offers in round `r` (its rounds only).
    offers: Vec<bool>,
    /// The packages it offers, `n_terms` per round.
    packages: Vec<u8>,
    n_terms: usize,
    /// Scratch buffers of the search.
    pkg: Vec<u8>,
    best: Vec<u8>,
    /// The stationary strategy's state when the agent plays it (`strategy = "stationary"`).
    stationary: Option<crate::engine::stationary::Stationary>,
    /// The Zeuthen process when the agent plays it (`strategy = "zeuthen"`).
    zeuthen: Option<crate::engine::zeuthen::Zeuthen>,
}

/// The least utility `u` with `f · u >= c`, as `c / f`; when the factor has underflowed to 0,
/// every package is worth 0, so all (`c <= 0`) or nothing is enough.
#[inline]
fn over_factor(c: f64, f: f64) -> f64 {
    if f > 0.0 {
        c / f
    } else if c > 0.0 {
        f64::INFINITY
    } else {
        f64::NEG_INFINITY
    }
}

/// The proposer of `round` under the alternating protocol when nobody has left.
#[inline]
pub fn proposer(n_agents: usize, round: u32) -> usize {
    (round as usize - 1) % n_agents
}

impl Plan {
    /// Prepares agent `a`'s tables for a run (its views of everyone's utilities and, with two
    /// agents, the offer searches, by `method`).
    pub fn prepare(&mut self, model: &Model, inst: &Instance, a: usize, method: Method) {
        let (na, no) = (model.n_agents(), model.n_opts);
        self.agent = a;
        self.n_terms = model.n_terms();
        self.view.clear();
        for s in 0..na {
            if s == a {
                self.view
                    .extend_from_slice(&inst.util[a * no..(a + 1) * no]);
            } else {
                let base = (a * na + s) * no;
                self.view.extend_from_slice(&inst.est[base..base + no]);
            }
        }
        if model.scenario.agents[a].strategy == crate::scenario::Strategy::Stationary {
            // Its offers come from its own rule (`stationary`); no pairwise searches needed.
            let mut st = self.stationary.take().unwrap_or_default();
            st.prepare(model, a);
            self.stationary = Some(st);
            self.zeuthen = None;
            self.searches.clear();
            return;
        }
        self.stationary = None;
        if model.scenario.agents[a].strategy == crate::scenario::Strategy::Zeuthen {
            // The whole process is known from the run's true utilities (`zeuthen`).
            let mut z = self.zeuthen.take().unwrap_or_default();
            z.prepare(model, inst);
            self.zeuthen = Some(z);
            self.searches.clear();
            return;
        }
        self.zeuthen = None;
        self.searches
            .resize_with(if na == 2 { 2 } else { 0 }, OfferSearch::default);
        if na == 2 {
            for p in 0..2 {
                let s = 1 - p;
                let (own, gain) = (
                    &self.view[s * no..(s + 1) * no],
                    &self.view[p * no..(p + 1) * no],
                );
                self.searches[p].set_method(method);
                self.searches[p].prepare(model, p, own, gain);
            }
        }
    }

    /// Computes the equilibrium backwards from `deadline` (after [`Plan::prepare`]).
    pub fn solve(&mut self, model: &Model, inst: &Instance, deadline: u32) {
        let na = model.n_agents();
        let nt = self.n_terms;
        let d = deadline as usize;
        if let Some(st) = &self.stationary {
            // Stationary: the same threshold in every round, offers drawn when proposing.
            self.threshold.clear();
            self.threshold.resize(d, st.threshold());
            self.offers.clear();
            self.offers.resize(d, false);
            return;
        }
        self.threshold.clear();
        self.threshold.resize(d, 0.0);
        self.offers.clear();
        self.offers.resize(d, false);
        self.packages.clear();
        self.packages.resize(d * nt, 0);
        if let Some(z) = &self.zeuthen {
            // The process ignores the deadline: its rounds, cut at the deadline.
            let a = self.agent;
            for round in 1..=deadline {
                let r = round as usize - 1;
                self.threshold[r] = z.threshold(a, round);
                if proposer(2, round) == a
                    && let Some(pkg) = z.offer(a, round)
                {
                    self.offers[r] = true;
                    self.packages[r * nt..(r + 1) * nt].copy_from_slice(pkg);
                }
            }
            return;
        }
        // The chance that nobody walks out at the start of a round (every agent signs).
        let stay: f64 = inst.walk_away.iter().map(|w| 1.0 - w).product();
        let mut cont: Vec<f64> = (0..na).map(|s| inst.no_deal_value(s, deadline)).collect();
        let mut thr = vec![0.0; na];
        let mut value = vec![0.0; na];
        for round in (1..=deadline).rev() {
            let p = proposer(na, round);
            for (s, (t, c)) in thr.iter_mut().zip(&cont).enumerate() {
                *t = over_factor(*c, inst.decision_factor(s, round));
            }
            let a = self.agent;
            self.threshold[round as usize - 1] = thr[a];
            let offered = self.best_offer(model, p, &thr);
            let own = offered.then(|| self.utility(model, p, &self.pkg));
            match own {
                Some(u) if u >= thr[p] => {
                    for (s, v) in value.iter_mut().enumerate() {
                        *v = inst.decision_factor(s, round) * self.utility(model, s, &self.pkg);
                    }
                    if p == a {
                        let r = round as usize - 1;
                        self.offers[r] = true;
                        self.packages[r * nt..(r + 1) * nt].copy_from_slice(&self.pkg);
                    }
                }
                _ => value.copy_from_slice(&cont),
            }
            if round > 1 {
                for (s, (c, v)) in cont.iter_mut().zip(&value).enumerate() {
                    *c = stay * v + (1.0 - stay) * inst.no_deal_value(s, round);
                }
            }
        }
    }

    /// The least utility the agent accepts in `round` (1-based, at most the deadline solved).
    #[inline]
    pub fn threshold(&self, round: u32) -> f64 {
        self.threshold[round as usize - 1]
    }

    /// Writes the agent's offer of `round` to `out`; false when it offers nothing then.
    #[inline]
    pub fn offer_into(&self, round: u32, out: &mut Vec<u8>) -> bool {
        let r = round as usize - 1;
        if !self.offers[r] {
            return false;
        }
        out.clear();
        out.extend_from_slice(&self.packages[r * self.n_terms..(r + 1) * self.n_terms]);
        true
    }

    /// A stationary agent's offer when recognized (see [`crate::engine::stationary`]): its coalition
    /// drawn from `rng`, the package written to `out`; false when it has none (or is not a
    /// stationary agent).
    pub fn stationary_offer(
        &mut self,
        model: &Model,
        quota: u32,
        rng: &mut crate::engine::rng::RunRng,
        out: &mut Vec<u8>,
    ) -> bool {
        let Some(st) = self.stationary.as_mut() else {
            return false;
        };
        st.offer(model, &self.view, self.agent, quota, rng, out)
    }

    /// The agent's offer of `round`, if it makes one.
    pub fn offer(&self, round: u32) -> Option<&[u8]> {
        let r = round as usize - 1;
        self.offers[r].then(|| &self.packages[r * self.n_terms..(r + 1) * self.n_terms])
    }

    /// Agent `s`'s utility for `pkg` in this agent's view, summed term by term in file order.
    fn utility(&self, model: &Model, s: usize, pkg: &[u8]) -> f64 {
        let row = &self.view[s * model.n_opts..(s + 1) * model.n_opts];
        pkg.iter()
            .zip(&model.offsets)
            .map(|(&o, &off)| row[off + o as usize])
            .sum()
    }

    /// Writes to `self.pkg` the package best for `p` among those it may offer that give every
    /// other agent `s` at least `thr[s]`; false when there is none.
    fn best_offer(&mut self, model: &Model, p: usize, thr: &[f64]) -> bool {
        if self.searches.len() == 2 {
            let s = 1 - p;
            return self.searches[p].search(thr[s], &mut self.pkg).is_some();
        }
        self.search_many(model, p, thr)
    }

    /// The exact depth-first search for more than two agents: terms in file order, options
    /// in index order, a subtree pruned only when some responder cannot reach its threshold
    /// or the proposer cannot reach the best found, each by a margin above rounding.
    fn search_many(&mut self, model: &Model, p: usize, thr: &[f64]) -> bool {
        let found = constrained_best(model, &self.view, p, thr, &mut self.best);
        if found {
            self.pkg.clone_from(&self.best);
        }
        found
    }
}

/// Writes to `best` the package best for `p` (by `view`: one utility row per agent) among
/// those it may offer that give every other agent `s` at least `thr[s]` (`-inf`: no
/// constraint); ties to the larger sum of the others' utilities, then to the first package in
/// file order. False when there is none. The exact depth-first search of [`Plan`], shared
/// with the stationary strategy.
pub(crate) fn constrained_best(
    model: &Model,
    view: &[f64],
    p: usize,
    thr: &[f64],
    best: &mut Vec<u8>,
) -> bool {
    {
        let (na, nt, no) = (model.n_agents(), model.n_terms(), model.n_opts);
        // suffix[t * na + s]: the most agent s can still get from terms t.. (allowed options).
        let mut suffix = vec![0.0; (nt + 1) * na];
        for t in (0..nt).rev() {
            for s in 0..na {
                let best = model
                    .term_range(t)
                    .filter(|&k| model.allowed[p * no + k])
                    .map(|k| view[s * no + k])
                    .fold(f64::NEG_INFINITY, f64::max);
                suffix[t * na + s] = suffix[(t + 1) * na + s] + best;
            }
        }
        let mut st = Dfs {
            model,
            view,
            p,
            thr,
            suffix: &suffix,
            cur: vec![0; nt],
            part: vec![0.0; (nt + 1) * na],
            best: None,
            best_pkg: std::mem::take(best),
        };
        st.go(0);
        let found = st.best.is_some();
        *best = st.best_pkg;
        found
    }
}

/// State of [`Plan::search_many`].
struct Dfs<'a> {
    model: &'a Model,
    view: &'a [f64],
    p: usize,
    thr: &'a [f64],
    suffix: &'a [f64],
    cur: Vec<u8>,
    /// `part[t * na + s]`: agent s's utility of the first t terms of `cur`, in file order.
    part: Vec<f64>,
    /// The proposer's utility and the others' summed utility of the best package so far.
    best: Option<(f64, f64)>,
    best_pkg: Vec<u8>,
}

impl Dfs<'_> {
    fn go(&mut self, t: usize) {
        let (na, nt, no) = (
            self.model.n_agents(),
            self.model.n_terms(),
            self.model.n_opts,
        );
        if t == nt {
            let u = |s: usize| self.part[nt * na + s];
            if (0..na).any(|s| s != self.p && u(s) < self.thr[s]) {
                return;
            }
            let own = u(self.p);
            let others: f64 = (0..na).filter(|&s| s != self.p).map(u).sum();
            let better = match self.best {
                None => true,
                Some((bo, bs)) => own > bo || (own == bo && others > bs),
            };
            if better {
                self.best = Some((own, others));
                self.best_pkg.clone_from(&self.cur);
            }
            return;
        }
        let first = self.model.offsets[t];
        for k in self.model.term_range(t) {
            if !self.model.allowed[self.p * no + k] {
                continue;
            }
            for s in 0..na {
                self.part[(t + 1) * na + s] = self.part[t * na + s] + self.view[s * no + k];
            }
            let rest = |s: usize| self.part[(t + 1) * na + s] + self.suffix[(t + 1) * na + s];
            if (0..na).any(|s| s != self.p && rest(s) < self.thr[s] - PRUNE_EPS) {
                continue;
            }
            if let Some((bo, _)) = self.best
                && rest(self.p) < bo - PRUNE_EPS
            {
                continue;
            }
            self.cur[t] = (k - first) as u8;
            self.go(t + 1);
        }
    }
}

/// Prepares the plan of every backward-induction agent of `model` for a run.
pub fn prepare_all(model: &Model, inst: &Instance, plans: &mut Vec<Plan>, method: Method) {
    if model.equilibrium == 0 {
        return;
    }
    plans.resize_with(model.n_agents(), Plan::default);
    for (a, plan) in plans.iter_mut().enumerate() {
        if model.equilibrium & (1 << a) != 0 {
            plan.prepare(model, inst, a, method);
        }
    }
}

/// Solves the plan of every backward-induction agent for `deadline`.
pub fn solve_all(model: &Model, inst: &Instance, plans: &mut [Plan], deadline: u32) {
    if model.equilibrium == 0 {
        return;
    }
    for (a, plan) in plans.iter_mut().enumerate() {
        if model.equilibrium & (1 << a) != 0 {
            plan.solve(model, inst, deadline);
        }
    }
}

//! The Zeuthen pair (Zeuthen 1930, Harsanyi 1956): `strategy = "zeuthen"`, two signatories
//! who know both utilities and concede by the risk rule until they meet at a package of
//! largest Nash product, as in the monotonic concession protocol of Rosenschein and Zlotkin
//! (1994), played on alternating offers.
//!
//! Both agents compute the same process once per run, from the run's true utilities `u_i` and
//! reservation values `d_i` (gains `g_i = u_i - d_i`, Nash product
//! `N = max(g_0, 0) · max(g_1, 0)`). Over the set `R` of Pareto-optimal agreeable packages
//! that give both at least their reservation (within [`RATIONAL_EPS`], as `check` counts
//! them; one package per utility pair, the first in option order):
//!
//! - each agent opens with the package of `R` best for itself;
//! - in round `r` the proposer `p = (r - 1) mod 2` tables its standing offer `x_p`, and the
//!   responder `s` accepts when `u_s(x_p) >= u_s(x_s)` (the offer is worth at least what it
//!   proposes to itself) or when no package of `R` has a larger Nash product than `x_p` (the
//!   concession it would have to make is `x_p` itself);
//! - otherwise the agent with the smaller risk `(u_i(x_i) - u_i(x_j)) / g_i(x_i)` concedes,
//!   both when the risks are equal. With positive gains, `risk_i <= risk_j` exactly when
//!   `N(x_i) <= N(x_j)` (Harsanyi), so the products decide, with no division and no 0/0 when a
//!   gain is 0. The conceder makes the minimal sufficient concession: the package of `R` best
//!   for itself whose Nash product exceeds that of the other's standing offer (then the other
//!   must concede next); if there is none it takes the other's offer.
//!
//! Why it ends, and where. Each agent's standing offer is always the package of `R` best for
//! itself among those whose product exceeds a threshold `τ_i` (`-inf` at the opening) that
//! only grows, and a concession leaves the conceder's product above both standing ones. So
//! each rejected round raises the larger of the two standing products, or a conceder takes
//! the other's offer (accepted the next round: it is then the responder's own offer): the
//! process lasts at most `|R| + 1` rounds. Agreement by the second clause is on a largest
//! product. By the first, `u_s(x_p) >= u_s(x_s)`: had `N(x_p) <= τ_s`, `p` would not have
//! conceded since `s` did, `s`'s offer would beat `x_p` in product and lie in `p`'s choice
//! set, so `u_p(x_p) >= u_p(x_s)` and `x_p` would weakly dominate `x_s`, a contradiction;
//! so `x_p` lies in `s`'s choice set and, `R` holding one package per utility pair on the
//! frontier, `x_p = x_s`. Then any package of larger product would lie in both choice sets
//! and be worse for neither agent than `x_p`, so it cannot have a larger product: `x_p` has
//! the largest. (Rounding cannot break this: a product of non-negative floats is monotone in
//! each factor.) Exact and without listing the outcome space: `R` comes
//! from a term-by-term frontier search in the plane of the two utilities (dominated partial
//! packages are never extended), for outcome spaces of at most
//! [`crate::scenario::ZEUTHEN_MAX_OUTCOMES`] packages, which bounds that search's work.

use crate::engine::analysis::RATIONAL_EPS;
use crate::engine::model::{Instance, Model};

/// One run's Zeuthen process, shared by both agents' plans.
#[derive(Debug, Clone, Default)]
pub struct Zeuthen {
    n_terms: usize,
    /// The packages of `R`, best for agent 0 first (`n_terms` options each).
    packages: Vec<u8>,
    /// Utilities of agents 0 and 1 of each package of `R`, summed term by term in file order.
    util: Vec<[f64; 2]>,
    /// Nash product of each package of `R`.
    nash: Vec<f64>,
    /// The largest Nash product over `R`.
    best: f64,
    /// `steps[r - 1]`: the standing offers of agents 0 and 1 (indices into `R`) in round `r`,
    /// up to the round of agreement.
    steps: Vec<[usize; 2]>,
}

/// Writes to `packages` and `util` the Pareto frontier of the agreeable packages in the plane
/// of agents 0 and 1, one package per utility pair (the first in option order), best for
/// agent 0 first. Term by term, only non-dominated partial packages are extended: with
/// additive utilities a dominated prefix only leads to dominated packages.
pub fn frontier(model: &Model, inst: &Instance, packages: &mut Vec<u8>, util: &mut Vec<[f64; 2]>) {
    let no = model.n_opts;
    // Prefixes kept in option order, so that (prefix, option) order is option order.
    let mut pre: Vec<Vec<u8>> = vec![Vec::new()];
    let mut pre_u: Vec<[f64; 2]> = vec![[0.0, 0.0]];
    let mut cand: Vec<(usize, u8, [f64; 2])> = Vec::new();
    let mut keep: Vec<usize> = Vec::new();
    for t in 0..model.n_terms() {
        cand.clear();
        for (i, u) in pre_u.iter().enumerate() {
            for k in model.term_range(t) {
                // Agent 0 signs, so it may offer exactly the options no signatory red-lines.
                if model.allowed[k] {
                    let o = (k - model.offsets[t]) as u8;
                    cand.push((i, o, [u[0] + inst.util[k], u[1] + inst.util[no + k]]));
                }
            }
        }
        // Best for agent 0 first, then for agent 1, then option order: a candidate is kept
        // when agent 1 gets strictly more than from every candidate before it.
        let mut order: Vec<usize> = (0..cand.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&cand[a], &cand[b]);
            y.2[0]
                .total_cmp(&x.2[0])
                .then(y.2[1].total_cmp(&x.2[1]))
                .then((x.0, x.1).cmp(&(y.0, y.1)))
        });
        keep.clear();
        let mut top = f64::NEG_INFINITY;
        for &c in &order {
            if cand[c].2[1] > top {
                top = cand[c].2[1];
                keep.push(c);
            }
        }
        if t + 1 < model.n_terms() {
            keep.sort_unstable();
        }
        let next: Vec<Vec<u8>> = keep
            .iter()
            .map(|&c| {
                let mut p = pre[cand[c].0].clone();
                p.push(cand[c].1);
                p
            })
            .collect();
        pre_u = keep.iter().map(|&c| cand[c].2).collect();
        pre = next;
    }
    packages.clear();
    util.clear();
    for (p, u) in pre.iter().zip(&pre_u) {
        packages.extend_from_slice(p);
        util.push(*u);
    }
}

impl Zeuthen {
    /// Computes the process for a run: `R` and the standing offers round by round until
    /// agreement (needs two agents, both signatories).
    pub fn prepare(&mut self, model: &Model, inst: &Instance) {
        self.n_terms = model.n_terms();
        let (mut pkgs, mut util) = (Vec::new(), Vec::new());
        frontier(model, inst, &mut pkgs, &mut util);
        let d = [inst.reservation[0], inst.reservation[1]];
        self.packages.clear();
        self.util.clear();
        self.nash.clear();
        let nt = self.n_terms;
        for (i, u) in util.iter().enumerate() {
            let g = [u[0] - d[0], u[1] - d[1]];
            if g[0] >= -RATIONAL_EPS && g[1] >= -RATIONAL_EPS {
                self.packages.extend_from_slice(&pkgs[i * nt..(i + 1) * nt]);
                self.util.push(*u);
                self.nash.push(g[0].max(0.0) * g[1].max(0.0));
            }
        }
        self.best = self.nash.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        self.steps.clear();
        let m = self.util.len();
        if m == 0 {
            return;
        }
        let mut x = [0, m - 1];
        // The next candidates of each agent's concessions: the thresholds only grow, so the
        // first (agent 0) and last (agent 1) package above them only move inwards.
        let (mut lo, mut hi) = (0usize, m as isize - 1);
        // The argument in the module docs bounds the rounds by m + 1; the cap only guards it.
        for k in 0..m + 2 {
            self.steps.push(x);
            let p = k % 2;
            let s = 1 - p;
            if self.util[x[p]][s] >= self.util[x[s]][s] || self.nash[x[p]] >= self.best {
                return;
            }
            let (n0, n1) = (self.nash[x[0]], self.nash[x[1]]);
            let old = x;
            if n0 <= n1 {
                while lo < m && self.nash[lo] <= n1 {
                    lo += 1;
                }
                x[0] = if lo < m { lo } else { old[1] };
            }
            if n1 <= n0 {
                while hi >= 0 && self.nash[hi as usize] <= n0 {
                    hi -= 1;
                }
                x[1] = if hi >= 0 { hi as usize } else { old[0] };
            }
        }
    }

    /// Number of rounds the process lasts (the round of agreement; 0 when `R` is empty).
    pub fn rounds(&self) -> usize {
        self.steps.len()
    }

    /// Agent `a`'s standing offer in `round` (1-based), if the process reaches that round.
    pub fn offer(&self, a: usize, round: u32) -> Option<&[u8]> {
        let x = self.steps.get(round as usize - 1)?;
        let nt = self.n_terms;
        Some(&self.packages[x[a] * nt..(x[a] + 1) * nt])
    }

    /// The least utility agent `a` accepts in `round`: the utility of its standing offer, or,
    /// when the other's standing offer has the largest Nash product, the lesser of that and
    /// the other's offer's utility; `+inf` past the end of the process.
    pub fn threshold(&self, a: usize, round: u32) -> f64 {
        let Some(x) = self.steps.get(round as usize - 1) else {
            return f64::INFINITY;
        };
        let own = self.util[x[a]][a];
        let other = x[1 - a];
        if self.nash[other] >= self.best {
            own.min(self.util[other][a])
        } else {
            own
        }
    }

    /// The largest Nash product over `R` (`-inf` when `R` is empty).
    pub fn best_nash(&self) -> f64 {
        self.best
    }
}

//! The stationary subgame-perfect strategy of legislative bargaining (Baron and Ferejohn
//! 1989): `strategy = "stationary"`, for divide-the-dollar-like scenarios under
//! `protocol = "legislative"` (what that means is checked when the file is read, see
//! `scenario/theory.rs`).
//!
//! With `n` signatories recognized with equal chances, a common discount factor `δ` in
//! decisions and every package dividing a pie of 1, the stationary equilibrium gives every
//! agent the continuation value `v = 1/n` (by symmetry: the pie is shared at once and equally
//! in expectation). So:
//!
//! - a recognized stationary agent courts `quota - 1` other signatories, drawn uniformly at
//!   random among the others (all are equally cheap, each costing `δ·v`), and offers the
//!   package best for itself that gives each of them at least `δ·v` (on a discrete grid: the
//!   smallest share at or above it), ties as [`crate::engine::equilibrium`]'s exact search breaks them;
//! - a stationary responder accepts a package worth at least `δ·v` to it.
//!
//! Both comparisons allow [`STATIONARY_SLACK`] so that a share written as a decimal (0.3)
//! meets a price computed in binary (0.9 / 3).
//!
//! The coalition draws take `quota - 1` words of the run's coalition stream
//! ([`crate::engine::rng::coalition_rng`]) each time the agent proposes (a partial Fisher–Yates
//! shuffle of the others in file order).

use crate::engine::model::Model;
use crate::engine::rng::{RunRng, uniform01};

/// How far below `δ·v` a share may fall and still count as meeting it: far above the rounding
/// of a decimal grid, far below any grid step.
pub const STATIONARY_SLACK: f64 = 1e-9;

/// One stationary agent's state for a run.
#[derive(Debug, Clone, Default)]
pub struct Stationary {
    /// `δ·v - STATIONARY_SLACK`: the least share accepted, and offered to each partner.
    price: f64,
    /// The other signatories, in file order.
    others: Vec<usize>,
    /// Scratch: the others shuffled for this round's draw.
    pick: Vec<usize>,
    /// Offers already computed this run, by coalition mask (`None`: no package fits).
    cache: Vec<(u64, Option<Vec<u8>>)>,
    thr: Vec<f64>,
    pkg: Vec<u8>,
}

impl Stationary {
    /// Prepares agent `a`'s state for a run: `v = 1/n` and its price `δ·v`.
    pub fn prepare(&mut self, model: &Model, a: usize) {
        let n = model.signatory.iter().filter(|&&s| s).count();
        let delta = model.scenario.agents[a].discount;
        self.price = delta / n as f64 - STATIONARY_SLACK;
        self.others.clear();
        self.others
            .extend((0..model.n_agents()).filter(|&s| s != a && model.signatory[s]));
        self.cache.clear();
    }

    /// The least share the agent accepts in any round: `δ·v` less the slack.
    pub fn threshold(&self) -> f64 {
        self.price
    }

    /// Draws the coalition (`quota - 1` words of `rng`) and writes the agent's offer to `out`
    /// (`view`: its utility rows of every agent); false when no package gives every partner
    /// its price.
    pub fn offer(
        &mut self,
        model: &Model,
        view: &[f64],
        a: usize,
        quota: u32,
        rng: &mut RunRng,
        out: &mut Vec<u8>,
    ) -> bool {
        let m = self.others.len();
        let k = (quota as usize).saturating_sub(1).min(m);
        self.pick.clone_from(&self.others);
        for i in 0..k {
            let j = i + ((uniform01(rng) * (m - i) as f64) as usize).min(m - i - 1);
            self.pick.swap(i, j);
        }
        let mask = self.pick[..k].iter().fold(0u64, |acc, &s| acc | (1 << s));
        let found = match self.cache.iter().find(|(c, _)| *c == mask) {
            Some((_, hit)) => hit.clone(),
            None => {
                self.thr.clear();
                self.thr.resize(model.n_agents(), f64::NEG_INFINITY);
                for &s in &self.pick[..k] {
                    self.thr[s] = self.price;
                }
                let ok = crate::engine::equilibrium::constrained_best(
                    model,
                    view,
                    a,
                    &self.thr,
                    &mut self.pkg,
                );
                let hit = ok.then(|| self.pkg.clone());
                self.cache.push((mask, hit.clone()));
                hit
            }
        };
        match found {
            Some(p) => {
                out.clone_from(&p);
                true
            }
            None => false,
        }
    }
}

//! The offer search of a proposer who needs only `quota - 1` other votes (the legislative
//! protocol): among the packages that meet its own target and cross no signatory's red line,
//! the one that maximizes the summed estimated utility of the `quota - 1` other signatories it
//! courts, the coalition chosen with the package. With `quota` = every signatory this is the
//! unanimity search of [`super::OfferSearch`] (one coalition: all the others).
//!
//! Exact: maximizing over packages and coalitions is maximizing, over the coalitions, each
//! coalition's best package, so one exact [`OfferSearch`] per coalition (its gain table the
//! coalition's summed estimates) and the documented order across their answers (more gain,
//! then more own utility, then lexicographically first) give the answer.
//! [`exhaustive_quota_offer`] is the reference it is tested against.

use super::{Method, OfferSearch, better, for_each_package};
use crate::engine::model::Model;

/// One proposer's quota search for one run.
#[derive(Debug, Clone, Default)]
pub struct QuotaSearch {
    /// Per coalition: its gain table, flat over options.
    gains: Vec<Vec<f64>>,
    /// Per coalition: the exact search maximizing its gain above the proposer's target.
    searches: Vec<OfferSearch>,
    pkg: Vec<u8>,
    best: Vec<u8>,
}

/// Every set of `k` members of `pool`, each as a bit mask, in lexicographic order of members.
pub fn coalitions(pool: &[usize], k: usize) -> Vec<u64> {
    fn rec(pool: &[usize], k: usize, from: usize, mask: u64, out: &mut Vec<u64>) {
        if k == 0 {
            out.push(mask);
            return;
        }
        for i in from..pool.len() {
            if pool.len() - i < k {
                break;
            }
            rec(pool, k - 1, i + 1, mask | (1 << pool[i]), out);
        }
    }
    let mut out = Vec::new();
    rec(pool, k, 0, 0, &mut out);
    out
}

/// Coalition `mask`'s gain table: per option, the summed estimates of its members in file
/// order from 0 (as the unanimity search's `est_others` is formed). `est` holds the
/// observer's rows, `n_opts` per agent.
fn coalition_gain(est: &[f64], n_agents: usize, n_opts: usize, mask: u64, out: &mut Vec<f64>) {
    out.clear();
    out.resize(n_opts, 0.0);
    for s in (0..n_agents).filter(|&s| mask & (1 << s) != 0) {
        for (g, &e) in out.iter_mut().zip(&est[s * n_opts..(s + 1) * n_opts]) {
            *g += e;
        }
    }
}

/// Sum of `table` over `pkg`, term by term in file order from 0.
fn package_sum(model: &Model, table: &[f64], pkg: &[u8]) -> f64 {
    pkg.iter()
        .zip(&model.offsets)
        .map(|(&o, &off)| table[off + o as usize])
        .fold(0.0, |acc, x| acc + x)
}

/// The other signatories than `a`, in file order.
fn others(model: &Model, a: usize) -> Vec<usize> {
    (0..model.n_agents())
        .filter(|&s| s != a && model.signatory[s])
        .collect()
}

impl QuotaSearch {
    /// Builds proposer `a`'s tables: `own` its utility table, `est` its estimate rows (one
    /// per agent, `n_opts` each), `quota` the votes a proposal needs (its own included);
    /// `method` and `floor` as for [`OfferSearch::set_method`] and [`OfferSearch::set_floor`].
    #[allow(clippy::too_many_arguments)]
    pub fn prepare(
        &mut self,
        model: &Model,
        a: usize,
        own: &[f64],
        est: &[f64],
        quota: u32,
        method: Method,
        floor: f64,
    ) {
        let pool = others(model, a);
        let k = (quota as usize).saturating_sub(1).min(pool.len());
        let masks = coalitions(&pool, k);
        self.gains.resize_with(masks.len(), Vec::new);
        self.searches.resize_with(masks.len(), OfferSearch::default);
        self.gains.truncate(masks.len());
        self.searches.truncate(masks.len());
        for (i, &mask) in masks.iter().enumerate() {
            coalition_gain(
                est,
                model.n_agents(),
                model.n_opts,
                mask,
                &mut self.gains[i],
            );
            let s = &mut self.searches[i];
            s.set_method(method);
            s.prepare(model, a, own, &self.gains[i]);
            s.set_floor(floor);
        }
    }

    /// Finds the best package with own utility at least `target` (see the module docs);
    /// writes it to `out` and returns its own utility, or `None` when none reaches it.
    pub fn search(&mut self, model: &Model, target: f64, out: &mut Vec<u8>) -> Option<f64> {
        let mut best: Option<(f64, f64)> = None;
        for (search, gain) in self.searches.iter_mut().zip(&self.gains) {
            let Some(own) = search.search(target, &mut self.pkg) else {
                continue;
            };
            let g = package_sum(model, gain, &self.pkg);
            let take = match best {
                None => true,
                Some((bg, bo)) => better(g, own, &self.pkg, bg, bo, &self.best, true),
            };
            if take {
                best = Some((g, own));
                self.best.clone_from(&self.pkg);
            }
        }
        let (_, own) = best?;
        out.clone_from(&self.best);
        Some(own)
    }
}

/// Reference quota offer search by enumerating every package and coalition; the same order
/// and tie-breaks as [`QuotaSearch`]. Only for small outcome spaces (tests).
pub fn exhaustive_quota_offer(
    model: &Model,
    a: usize,
    own: &[f64],
    est: &[f64],
    quota: u32,
    target: f64,
) -> Option<(Vec<u8>, f64)> {
    let no = model.n_opts;
    let pool = others(model, a);
    let k = (quota as usize).saturating_sub(1).min(pool.len());
    let tables: Vec<Vec<f64>> = coalitions(&pool, k)
        .into_iter()
        .map(|m| {
            let mut t = Vec::new();
            coalition_gain(est, model.n_agents(), no, m, &mut t);
            t
        })
        .collect();
    let mut best: Option<(Vec<u8>, f64, f64)> = None;
    for_each_package(model, |pkg| {
        if pkg
            .iter()
            .zip(&model.offsets)
            .any(|(&o, &off)| !model.allowed[a * no + off + o as usize])
        {
            return;
        }
        let o = package_sum(model, own, pkg);
        if o < target {
            return;
        }
        let g = tables
            .iter()
            .map(|t| package_sum(model, t, pkg))
            .fold(f64::NEG_INFINITY, f64::max);
        let take = match &best {
            None => true,
            Some((bp, bg, bo)) => better(g, o, pkg, *bg, *bo, bp, true),
        };
        if take {
            best = Some((pkg.to_vec(), g, o));
        }
    });
    best.map(|(p, _, o)| (p, o))
}

//! The outcome space and the proposer's offer search.
//!
//! A proposer offers, among the packages that meet its own target and cross no signatory's red
//! line, the one that maximizes the other signatories' summed *estimated* utility. Ties go to
//! the higher own utility, then to the lexicographically smallest option indices. With linear
//! additive utilities this is a multiple-choice knapsack problem; [`OfferSearch`] solves it
//! exactly by depth-first branch and bound, so the outcome space is never enumerated unless the
//! bounds fail to prune. [`exhaustive_offer`] is the reference it is tested against.

use crate::model::Model;

/// One candidate option of a term, as seen by the proposer.
#[derive(Debug, Clone, Copy)]
struct Cand {
    own: f64,
    gain: f64,
    option: u8,
}

/// Search tables of one proposer for one run; reused across deadlines and rounds.
#[derive(Debug, Clone, Default)]
pub struct OfferSearch {
    cands: Vec<Cand>,
    starts: Vec<usize>,
    suffix_own: Vec<f64>,
    suffix_gain: Vec<f64>,
    cur: Vec<u8>,
    best: Vec<u8>,
    best_gain: f64,
    best_own: f64,
    found: bool,
}

/// Slack used only when pruning, so that rounding in the bounds never cuts a true optimum.
const PRUNE_EPS: f64 = 1e-9;

impl OfferSearch {
    /// Builds the tables for proposer `a` from its own utility table `own` and the estimated
    /// gain table `gain` (both flat over options), keeping only the options it may offer.
    pub fn prepare(&mut self, model: &Model, a: usize, own: &[f64], gain: &[f64]) {
        let nt = model.n_terms();
        let no = model.n_opts;
        self.cands.clear();
        self.starts.clear();
        for t in 0..nt {
            self.starts.push(self.cands.len());
            let range = model.term_range(t);
            let first = range.start;
            for k in range {
                if model.allowed[a * no + k] {
                    self.cands.push(Cand {
                        own: own[k],
                        gain: gain[k],
                        option: (k - first) as u8,
                    });
                }
            }
            let s = *self.starts.last().unwrap();
            self.cands[s..].sort_by(|x, y| {
                y.gain
                    .total_cmp(&x.gain)
                    .then(y.own.total_cmp(&x.own))
                    .then(x.option.cmp(&y.option))
            });
        }
        self.starts.push(self.cands.len());
        self.suffix_own.clear();
        self.suffix_own.resize(nt + 1, 0.0);
        self.suffix_gain.clear();
        self.suffix_gain.resize(nt + 1, 0.0);
        for t in (0..nt).rev() {
            let c = &self.cands[self.starts[t]..self.starts[t + 1]];
            let mo = c.iter().map(|c| c.own).fold(f64::NEG_INFINITY, f64::max);
            let mg = c.iter().map(|c| c.gain).fold(f64::NEG_INFINITY, f64::max);
            self.suffix_own[t] = self.suffix_own[t + 1] + mo;
            self.suffix_gain[t] = self.suffix_gain[t + 1] + mg;
        }
        self.cur.clear();
        self.cur.resize(nt, 0);
    }

    /// Finds the best package with own utility at least `target`; writes it to `out` and
    /// returns its own utility, or `None` when no allowed package reaches the target.
    pub fn search(&mut self, target: f64, out: &mut Vec<u8>) -> Option<f64> {
        self.found = false;
        self.best_gain = f64::NEG_INFINITY;
        self.best_own = f64::NEG_INFINITY;
        if self.suffix_own[0] < target - PRUNE_EPS || !self.suffix_own[0].is_finite() {
            return None;
        }
        self.dfs(0, 0.0, 0.0, target);
        if !self.found {
            return None;
        }
        out.clear();
        out.extend_from_slice(&self.best);
        Some(self.best_own)
    }

    fn dfs(&mut self, t: usize, own: f64, gain: f64, target: f64) {
        let nt = self.starts.len() - 1;
        if t == nt {
            if own >= target
                && better(
                    gain,
                    own,
                    &self.cur,
                    self.best_gain,
                    self.best_own,
                    &self.best,
                    self.found,
                )
            {
                self.best_gain = gain;
                self.best_own = own;
                self.best.clear();
                self.best.extend_from_slice(&self.cur);
                self.found = true;
            }
            return;
        }
        for i in self.starts[t]..self.starts[t + 1] {
            let c = self.cands[i];
            let g = gain + c.gain;
            if self.found && g + self.suffix_gain[t + 1] < self.best_gain - PRUNE_EPS {
                // Candidates are sorted by gain: the rest of this term can only do worse.
                break;
            }
            let o = own + c.own;
            if o + self.suffix_own[t + 1] < target - PRUNE_EPS {
                continue;
            }
            self.cur[t] = c.option;
            self.dfs(t + 1, o, g, target);
        }
    }
}

/// Whether candidate (gain, own, package) beats the incumbent under the documented order.
#[inline]
fn better(gain: f64, own: f64, pkg: &[u8], bg: f64, bo: f64, bp: &[u8], have: bool) -> bool {
    if !have {
        return true;
    }
    if gain != bg {
        return gain > bg;
    }
    if own != bo {
        return own > bo;
    }
    pkg < bp
}

/// Reference offer search by enumerating every package; same order and tie-breaks as
/// [`OfferSearch`]. Only for small outcome spaces (tests and `check`).
pub fn exhaustive_offer(
    model: &Model,
    a: usize,
    own: &[f64],
    gain: &[f64],
    target: f64,
) -> Option<(Vec<u8>, f64)> {
    let no = model.n_opts;
    let mut best: Option<(Vec<u8>, f64, f64)> = None;
    for_each_package(model, |pkg| {
        let mut o = 0.0;
        let mut g = 0.0;
        for (t, &opt) in pkg.iter().enumerate() {
            let k = model.offsets[t] + opt as usize;
            if !model.allowed[a * no + k] {
                return;
            }
            o += own[k];
            g += gain[k];
        }
        if o < target {
            return;
        }
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

/// Calls `f` with every package of the outcome space in lexicographic order.
pub fn for_each_package(model: &Model, mut f: impl FnMut(&[u8])) {
    let sizes: Vec<usize> = (0..model.n_terms())
        .map(|t| model.term_range(t).len())
        .collect();
    let mut pkg = vec![0u8; sizes.len()];
    loop {
        f(&pkg);
        let mut t = sizes.len();
        loop {
            if t == 0 {
                return;
            }
            t -= 1;
            if (pkg[t] as usize) + 1 < sizes[t] {
                pkg[t] += 1;
                break;
            }
            pkg[t] = 0;
        }
    }
}

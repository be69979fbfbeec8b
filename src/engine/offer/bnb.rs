//! The branch and bound behind [`OfferSearch::search`]: the Lagrangian multiplier and
//! bounds, the depth-first search, and the tie-break every exact search shares.

use super::*;

impl OfferSearch {
    /// Picks the LP-optimal multiplier for `target`, orders each term's options by
    /// `gain + λ·own` and tabulates the Lagrangian bound of every suffix of terms.
    pub(super) fn set_multiplier(&mut self, target: f64) {
        let need = target - self.base_own;
        let lambda = if need <= 0.0 || self.steps.is_empty() {
            0.0
        } else {
            let i = self.steps_own.partition_point(|&c| c < need);
            self.steps[i.min(self.steps.len() - 1)].slope
        };
        let lambda = lambda.min(MAX_LAMBDA);
        if self.lambda_ready == Some(lambda) {
            // Targets change every round but the critical hull step rarely does.
            return;
        }
        self.lambda_ready = Some(lambda);
        self.lambda = lambda;
        self.slack = PRUNE_EPS * (1.0 + lambda);
        let nt = self.starts.len() - 1;
        // This runs at almost every search that is not answered by reuse (2,901 times for
        // 3,376 such searches in 100 runs of 20 × 5 × 6), so it is written over slices,
        // without pushes, and moves a candidate only when it is out of order.
        self.term_top.resize(nt, 0.0);
        self.term_margin.resize(nt, 0);
        let cands = &mut self.cands[..];
        let per_term = self
            .starts
            .windows(2)
            .zip(self.term_top.iter_mut())
            .zip(self.term_margin.iter_mut());
        for ((w, top_out), margin_out) in per_term {
            let term = &mut cands[w[0]..w[1]];
            for c in term.iter_mut() {
                c.lag = c.gain + lambda * c.own;
            }
            // Insertion sort: a handful of options, and nearly sorted from the last search.
            for i in 1..term.len() {
                if !lag_before(&term[i], &term[i - 1]) {
                    continue;
                }
                let x = term[i];
                let mut j = i;
                while j > 0 && lag_before(&x, &term[j - 1]) {
                    term[j] = term[j - 1];
                    j -= 1;
                }
                term[j] = x;
            }
            let top = term.first().map_or(f64::NEG_INFINITY, |c| c.lag);
            let margin = term.get(1).map_or(f64::INFINITY, |c| top - c.lag);
            *top_out = top;
            *margin_out = total_order_key(margin);
        }
        // Clear-cut terms (a large margin before the second-best option) first, the close
        // calls last: the few partial packages worth continuing then branch only near the
        // leaves, which keeps the tree narrow. Ties by term index: the key is a total order, so
        // the insertion sort may start from the last multiplier's order (which a small change
        // of λ disturbs less than a shuffle does).
        let keys = &mut self.term_keys;
        keys.clear();
        keys.extend(self.order.iter().map(|&t| (self.term_margin[t], t)));
        let first = |x: (i64, usize), y: (i64, usize)| x.0 > y.0 || (x.0 == y.0 && x.1 < y.1);
        for i in 1..keys.len() {
            let x = keys[i];
            let mut j = i;
            while j > 0 && first(x, keys[j - 1]) {
                keys[j] = keys[j - 1];
                j -= 1;
            }
            keys[j] = x;
        }
        let (mut own, mut gain, mut lag) = (0.0, 0.0, 0.0);
        for (d, &(_, t)) in keys.iter().enumerate().rev() {
            self.order[d] = t;
            own += self.term_own[t];
            gain += self.term_gain[t];
            lag += self.term_top[t];
            self.depth_own[d] = own;
            self.depth_gain[d] = gain;
            self.depth_lag[d] = lag;
        }
    }

    /// Offers the rounded LP solution (first option of every term) as the first incumbent.
    pub(super) fn try_rounded_lp(&mut self, target: f64) {
        let (mut own, mut gain) = (0.0, 0.0);
        let nt = self.starts.len() - 1;
        for t in 0..nt {
            let c = self.cands[self.starts[t]];
            own += c.own;
            gain += c.gain;
            self.cur[t] = c.option;
        }
        self.consider_leaf(own, gain, target);
    }

    #[inline]
    pub(super) fn consider_leaf(&mut self, own: f64, gain: f64, target: f64) {
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
    }

    /// Own utility and gain of the package in `cur`, added up in file order (as exhaustive
    /// search adds them, so that ties and targets are decided on the same numbers).
    pub(super) fn exact_sums(&self) -> (f64, f64) {
        let (mut own, mut gain) = (0.0, 0.0);
        for (t, &o) in self.cur.iter().enumerate() {
            let (x, y) = self.exact[self.exact_at[t] + usize::from(o)];
            own += x;
            gain += y;
        }
        (own, gain)
    }

    /// Visits depth `d` (term `order[d]`); `own` and `gain` are the sums so far in search
    /// order, which differ from file order only by rounding: bounds allow for it, and leaves
    /// are added up again in file order before they are compared.
    pub(super) fn dfs(&mut self, d: usize, own: f64, gain: f64, target: f64) {
        self.nodes += 1;
        if self.nodes >= self.budget {
            self.over_budget = true;
            self.halted = true;
        }
        if self.nodes & STOP_CHECK_MASK == 0 && stop_requested() {
            self.halted = true;
        }
        if self.halted {
            return;
        }
        let nt = self.starts.len() - 1;
        if d == nt {
            let (o, g) = self.exact_sums();
            self.consider_leaf(o, g, target);
            return;
        }
        let t = self.order[d];
        let (lambda, slack) = (self.lambda, self.slack);
        if d + 1 == nt {
            // Last term: every option is a leaf.
            for i in self.starts[t]..self.starts[t + 1] {
                let c = self.cands[i];
                let (o, g) = (own + c.own, gain + c.gain);
                if self.found && g < self.best_gain - slack {
                    continue;
                }
                if o < target - PRUNE_EPS {
                    self.cert = self.cert.max(o + PRUNE_EPS);
                    continue;
                }
                self.cur[t] = c.option;
                let (o, g) = self.exact_sums();
                if o >= target {
                    self.consider_leaf(o, g, target);
                } else {
                    self.cert = self.cert.max(o);
                }
            }
            return;
        }
        let (rest_own, rest_gain) = (self.depth_own[d + 1], self.depth_gain[d + 1]);
        // The Lagrangian bound of option c is `base + c.lag` (up to rounding, which the
        // slack covers): gain + c.gain + λ·(own + c.own − target) + Σ later max lag.
        let base = gain + lambda * (own - target) + self.depth_lag[d + 1];
        for i in self.starts[t]..self.starts[t + 1] {
            let c = self.cands[i];
            let o = own + c.own;
            let g = gain + c.gain;
            // Each pruned subtree also records the largest own utility that one of its
            // packages could have while matching the incumbent's gain: the certificate that
            // lets later, lower targets above it reuse this answer without a search.
            if self.found {
                // Options come in order of gain + λ·own, so this bound only falls from here.
                let bound = base + c.lag;
                if bound < self.best_gain - slack {
                    if lambda > 0.0 {
                        // gain + λ(own − target) ≤ bound and gain ≥ incumbent give this.
                        let cert = target + (bound - self.best_gain + slack) / lambda;
                        self.cert = self.cert.max(cert);
                    }
                    break;
                }
                if g + rest_gain < self.best_gain - PRUNE_EPS {
                    continue;
                }
            }
            if o + rest_own < target - PRUNE_EPS {
                self.cert = self.cert.max(o + rest_own + PRUNE_EPS);
                continue;
            }
            self.cur[t] = c.option;
            self.dfs(d + 1, o, g, target);
            if self.halted {
                return;
            }
        }
    }
}

/// A key whose integer order is `f64::total_cmp`'s order (the bit trick of `total_cmp`), so
/// that sorting compares plain integers.
#[inline]
fn total_order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// DFS order within a term: larger `gain + λ·own` first, then larger own, then smaller option.
#[inline]
pub(super) fn lag_before(x: &Cand, y: &Cand) -> bool {
    if x.lag != y.lag {
        return x.lag > y.lag;
    }
    if x.own != y.own {
        return x.own > y.own;
    }
    x.option < y.option
}

/// Appends the steps of one term's upper hull (from its best-gain option towards more own
/// utility) to `steps` and returns the own utility of its best-gain option (ties: more own).
pub(super) fn hull_steps(
    term: &mut [Cand],
    hull: &mut Vec<(f64, f64)>,
    steps: &mut Vec<Step>,
) -> f64 {
    if term.is_empty() {
        return f64::NEG_INFINITY;
    }
    // By own ascending, then gain descending: the first of each own value dominates the rest.
    // A stable insertion sort (a handful of options; the library's sort costs more to set up).
    let before = |x: &Cand, y: &Cand| {
        x.own
            .total_cmp(&y.own)
            .then(y.gain.total_cmp(&x.gain))
            .is_lt()
    };
    for i in 1..term.len() {
        let mut j = i;
        while j > 0 && before(&term[j], &term[j - 1]) {
            term.swap(j, j - 1);
            j -= 1;
        }
    }
    let top = term
        .iter()
        .enumerate()
        .max_by(|(_, x), (_, y)| x.gain.total_cmp(&y.gain).then(x.own.total_cmp(&y.own)))
        .map(|(i, _)| i)
        .expect("non-empty");
    // Upper concave chain from the best-gain option rightwards (monotone chain algorithm).
    hull.clear();
    hull.push((term[top].own, term[top].gain));
    for c in &term[top + 1..] {
        let p = (c.own, c.gain);
        if p.0 == hull.last().expect("non-empty").0 {
            continue;
        }
        while hull.len() >= 2 {
            let (a, b) = (hull[hull.len() - 2], hull[hull.len() - 1]);
            // Drop b when it lies on or below the segment from a to p.
            if (b.1 - a.1) * (p.0 - a.0) <= (p.1 - a.1) * (b.0 - a.0) {
                hull.pop();
            } else {
                break;
            }
        }
        hull.push(p);
    }
    for w in hull.windows(2) {
        let d_own = w[1].0 - w[0].0;
        let slope = ((w[0].1 - w[1].1) / d_own).max(0.0);
        steps.push(Step { slope, d_own });
    }
    term[top].own
}

/// The offer order on sums: whether (gain, own) comes before (bg, bo), more gain first, then
/// more own utility; `None` when both are equal and file order decides.
#[inline]
pub(super) fn ahead(gain: f64, own: f64, bg: f64, bo: f64) -> Option<bool> {
    if gain != bg {
        Some(gain > bg)
    } else if own != bo {
        Some(own > bo)
    } else {
        None
    }
}

/// Whether candidate (gain, own, package) beats the incumbent under the documented order.
#[inline]
pub(super) fn better(
    gain: f64,
    own: f64,
    pkg: &[u8],
    bg: f64,
    bo: f64,
    bp: &[u8],
    have: bool,
) -> bool {
    if !have {
        return true;
    }
    if let Some(first) = ahead(gain, own, bg, bo) {
        return first;
    }
    // Short packages: a plain loop beats a call to memcmp.
    for (x, y) in pkg.iter().zip(bp) {
        if x != y {
            return x < y;
        }
    }
    pkg.len() < bp.len()
}

//! The fallback of the branch and bound when it visits too many nodes: dynamic programming
//! over the terms in file order that keeps, after each term, only the partial packages that
//! can still beat the incumbent and that no other partial package beats whatever the remaining
//! terms add (the staircase's rule, `staircase.rs`). Why: with opposed, nearly collinear
//! values (20 terms × 50 options) a single query could take the depth-first search hundreds
//! of millions of nodes through partial packages whose sums nearly coincide, where this keeps
//! a few hundred per term. Partial sums are formed term by term from 0, exactly as exhaustive
//! search forms them, so every comparison sees the same floating-point numbers.

use super::*;

/// A kept partial package: its sums so far, its rank in lexicographic order (the options read
/// as the digits of a mixed-radix number) and the link that spells out its options.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Node {
    own: f64,
    gain: f64,
    rank: u128,
    link: u32,
}

/// No parent: the partial package is empty.
const ROOT: u32 = u32::MAX;

/// Most partial packages kept at one term before the fallback gives up (and the depth-first
/// search runs on without a node budget).
const FRONTIER_CAP: usize = 1 << 18;

/// Reusable tables of the fallback.
#[derive(Debug, Clone, Default)]
pub(super) struct Frontier {
    level: Vec<Node>,
    children: Vec<(Node, u8)>,
    /// (parent link, option) of every kept partial package.
    links: Vec<(u32, u8)>,
    /// By term (file order): Σ over the terms from it on of the largest gain, `gain + λ·own`.
    suffix_gain: Vec<f64>,
    suffix_lag: Vec<f64>,
}

/// Whether the lexicographic ranks of packages of these terms fit in a `u128`.
pub(super) fn ranks_fit(cands: &[Cand], starts: &[usize]) -> bool {
    let mut radix: u128 = 1;
    for t in 0..starts.len() - 1 {
        let width = cands[starts[t]..starts[t + 1]]
            .iter()
            .map(|c| u128::from(c.option) + 1)
            .max()
            .unwrap_or(1);
        match radix.checked_mul(width) {
            Some(r) => radix = r,
            None => return false,
        }
    }
    true
}

impl OfferSearch {
    /// Finds the best package with own utility at least `target`, starting from the
    /// incumbent in `best` (if `found`), with the multiplier of [`OfferSearch::set_multiplier`];
    /// leaves the answer in `best`, `best_gain`, `best_own`, `found` and the reuse certificate
    /// in `cert`, as the depth-first search does. Returns false, having changed nothing but
    /// `cert`, when a term keeps more than [`FRONTIER_CAP`] partial packages.
    pub(super) fn frontier_search(&mut self, target: f64) -> bool {
        let nt = self.starts.len() - 1;
        let (lambda, slack) = (self.lambda, self.slack);
        let delta = self.stair_delta();
        let fr = &mut self.frontier;
        fr.suffix_gain.clear();
        fr.suffix_gain.resize(nt + 1, 0.0);
        fr.suffix_lag.clear();
        fr.suffix_lag.resize(nt + 1, 0.0);
        for t in (0..nt).rev() {
            let top = self.cands[self.starts[t]..self.starts[t + 1]]
                .iter()
                .map(|c| c.lag)
                .fold(f64::NEG_INFINITY, f64::max);
            fr.suffix_gain[t] = fr.suffix_gain[t + 1] + self.term_gain[t];
            fr.suffix_lag[t] = fr.suffix_lag[t + 1] + top;
        }
        fr.links.clear();
        fr.level.clear();
        fr.level.push(Node {
            own: 0.0,
            gain: 0.0,
            rank: 0,
            link: ROOT,
        });
        let mut cert = f64::NEG_INFINITY;
        for t in 0..nt {
            if stop_requested() {
                self.halted = true;
                return true;
            }
            let term = &self.cands[self.starts[t]..self.starts[t + 1]];
            let width = term
                .iter()
                .map(|c| u128::from(c.option) + 1)
                .max()
                .unwrap_or(1);
            let (reach, rest_gain, rest_lag) = (
                self.suffix_own[t + 1],
                fr.suffix_gain[t + 1],
                fr.suffix_lag[t + 1],
            );
            fr.children.clear();
            for p in &fr.level {
                // The options come in order of `gain + λ·own` (see `set_multiplier`), so the
                // Lagrangian bound only falls along them: the first that fails it ends the
                // parent's children, and records the largest certificate among them.
                let base = p.gain + lambda * (p.own - target) + rest_lag;
                for c in term {
                    let (o, g) = (p.own + c.own, p.gain + c.gain);
                    if self.found {
                        let bound = base + c.lag;
                        if bound < self.best_gain - slack {
                            if lambda > 0.0 {
                                cert = cert.max(target + (bound - self.best_gain + slack) / lambda);
                            }
                            break;
                        }
                        // Packages of less gain than the incumbent never beat it, whatever
                        // their own utility: no certificate needed.
                        if g + rest_gain < self.best_gain - PRUNE_EPS {
                            continue;
                        }
                    }
                    if o + reach < target - PRUNE_EPS {
                        cert = cert.max(o + reach + PRUNE_EPS);
                        continue;
                    }
                    let node = Node {
                        own: o,
                        gain: g,
                        rank: p.rank * width + u128::from(c.option),
                        link: p.link,
                    };
                    fr.children.push((node, c.option));
                }
            }
            // More own utility first; among equal own, the one that beats the others first.
            fr.children.sort_unstable_by(|(x, _), (y, _)| {
                y.own
                    .total_cmp(&x.own)
                    .then(y.gain.total_cmp(&x.gain))
                    .then(x.rank.cmp(&y.rank))
            });
            fr.level.clear();
            let (mut lead_gain, mut lead_rank) = (f64::NEG_INFINITY, u128::MAX);
            for &(node, option) in &fr.children {
                // Dropped when an earlier one (at least as much own utility) has at least as
                // much gain and is lexicographically first (so wins every tie too) or is ahead
                // by at least `delta` (so rounding cannot make a tie): addition is monotone.
                if lead_gain >= node.gain + delta
                    || (lead_gain >= node.gain && lead_rank < node.rank)
                {
                    continue;
                }
                if node.gain > lead_gain || (node.gain == lead_gain && node.rank < lead_rank) {
                    (lead_gain, lead_rank) = (node.gain, node.rank);
                }
                if fr.level.len() == FRONTIER_CAP {
                    return false;
                }
                fr.links.push((node.link, option));
                fr.level.push(Node {
                    link: (fr.links.len() - 1) as u32,
                    ..node
                });
            }
        }
        // The best complete package that meets the target; the others that would beat it
        // fall short of the target, which the certificate records.
        let mut win: Option<Node> = None;
        for n in &fr.level {
            if n.own < target {
                cert = cert.max(n.own);
                continue;
            }
            let take = match win {
                None => true,
                Some(w) => ahead(n.gain, n.own, w.gain, w.own).unwrap_or(n.rank < w.rank),
            };
            if take {
                win = Some(*n);
            }
        }
        self.cert = cert;
        let Some(w) = win else {
            return true;
        };
        self.cur.clear();
        self.cur.resize(nt, 0);
        let mut link = w.link;
        for t in (0..nt).rev() {
            let (parent, option) = fr.links[link as usize];
            self.cur[t] = option;
            link = parent;
        }
        self.consider_leaf(w.own, w.gain, target);
        true
    }
}

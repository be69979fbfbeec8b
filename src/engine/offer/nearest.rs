//! The exact search of the `nearest` offer rule (and of `random_above` agents' AC_next
//! answers): the allowed package with the smallest own utility at least the target, equal sums
//! to the lexicographically smallest option indices, the order [`exhaustive_offer`] gives with
//! the objective `gain = -own`.
//!
//! Why a search of its own: under that objective the branch and bound's Lagrangian bound is
//! flat and the staircase prunes nothing, so both walk through most packages near the target.
//! This one meets in the middle: the terms are cut once per run into a prefix (terms
//! `0..split`, file order) and a suffix; each half's allowed partial packages are listed with
//! their own-utility sums and sorted. A query sweeps the prefix sums upwards while a pointer
//! walks the suffix sums downwards, so each prefix meets the smallest suffix whose approximate
//! total reaches `target − slack`: `O(prefixes + suffixes)` per query, about `2·√N`.
//!
//! Exactness: a prefix's sum is formed term by term from 0 in file order, so it is exactly the
//! running sum [`exhaustive_offer`] has after those terms; prefixes of equal sums are kept once,
//! the lexicographically smallest (for every suffix they tie, and it wins). A suffix's own sum
//! is formed from 0, so `prefix + suffix` differs from the file-order total by rounding only:
//! those approximate totals only prune, with a slack far above their rounding, and every
//! package within the slack of deciding is summed again exactly, the prefix's sum followed by
//! the suffix's terms in file order, and compared on (sum, prefix rank, suffix rank), which is
//! (sum, lexicographic order).

use super::*;

/// Most partial packages one half may list (16 bytes each): beyond it the search is not built
/// and the general search answers (slowly). Never reached under the `nearest` limit of the
/// scenario checks, since a contiguous cut keeps both halves within 256·√N for N ≤ 10^8.
const HALF_CAP: f64 = (1u64 << 22) as f64;

/// The tables of one proposer's `nearest` search for one run (built at its first query).
#[derive(Debug, Clone, Default)]
pub(super) struct Nearest {
    /// Whether `nearest` is the objective this run (see [`OfferSearch::set_nearest`]).
    pub(super) on: bool,
    /// `None`: not built yet this run; `Some(false)`: too large, the general search answers.
    ready: Option<bool>,
    split: usize,
    /// Per term in file order: its allowed options' own utilities and option indices,
    /// by option index (`opt_at[t]..opt_at[t + 1]`).
    opts: Vec<(f64, u8)>,
    opt_at: Vec<usize>,
    /// Distinct exact prefix sums, ascending, and the rank (lexicographic, among allowed
    /// prefixes) of the smallest prefix of each sum.
    pre_sum: Vec<f64>,
    pre_rank: Vec<u32>,
    /// Suffix sums (from 0, file order), ascending, and each suffix's rank.
    suf_sum: Vec<f64>,
    suf_rank: Vec<u32>,
    /// Margin that covers the rounding of any sum of the terms, many times over.
    slack: f64,
    /// The previous query's proof: for every target in `(above, upto]` the answer is `answer`.
    last: Option<Proof>,
    buf: Vec<(f64, u32)>,
    half: Vec<(f64, u32)>,
}

/// The answer to one query and the targets it stays the answer for.
#[derive(Debug, Clone, Copy)]
struct Proof {
    above: f64,
    upto: f64,
    /// (own utility, prefix rank, suffix rank), or `None` when no package reaches the target.
    answer: Option<(f64, u32, u32)>,
}

impl Nearest {
    /// Forgets the previous run (called by [`OfferSearch::prepare`]).
    pub(super) fn reset(&mut self) {
        self.on = false;
        self.ready = None;
        self.last = None;
    }

    /// Lists and sorts both halves for the allowed options in `cands` (terms at `starts`).
    /// Returns false when a half would be too large.
    fn build(&mut self, cands: &[Cand], starts: &[usize]) -> bool {
        let nt = starts.len() - 1;
        self.opts.clear();
        self.opt_at.clear();
        let mut scale = 0.0f64;
        for t in 0..nt {
            self.opt_at.push(self.opts.len());
            let s = self.opts.len();
            self.opts.extend(
                cands[starts[t]..starts[t + 1]]
                    .iter()
                    .map(|c| (c.own, c.option)),
            );
            // The branch and bound may have reordered a term; ranks follow option indices.
            self.opts[s..].sort_by_key(|o| o.1);
            scale += self.opts[s..].iter().map(|o| o.0.abs()).fold(0.0, f64::max);
        }
        self.opt_at.push(self.opts.len());
        self.slack = PRUNE_EPS * (1.0 + scale);
        // The cut that lists fewest partial packages in all.
        let size = |r: std::ops::Range<usize>| -> f64 {
            r.map(|t| (self.opt_at[t + 1] - self.opt_at[t]) as f64)
                .product()
        };
        let split = (0..=nt)
            .min_by(|&x, &y| {
                let cx = size(0..x) + size(x..nt);
                let cy = size(0..y) + size(y..nt);
                cx.total_cmp(&cy)
            })
            .unwrap_or(0);
        if size(0..split) > HALF_CAP || size(split..nt) > HALF_CAP {
            return false;
        }
        self.split = split;
        self.list(0..split, true);
        self.pre_sum.clear();
        self.pre_rank.clear();
        self.pre_sum.extend(self.half.iter().map(|h| h.0));
        self.pre_rank.extend(self.half.iter().map(|h| h.1));
        self.list(split..nt, false);
        self.suf_sum.clear();
        self.suf_rank.clear();
        self.suf_sum.extend(self.half.iter().map(|h| h.0));
        self.suf_rank.extend(self.half.iter().map(|h| h.1));
        true
    }

    /// Lists into `half`, sorted by sum, the partial packages of `terms` with their sums formed
    /// from 0 in file order and their lexicographic ranks; with `dedup`, one per distinct sum
    /// (the smallest rank). Term by term: a term's options each shift the sorted list by their
    /// own utility, which keeps it sorted, so the stable sort only merges those runs.
    fn list(&mut self, terms: std::ops::Range<usize>, dedup: bool) {
        self.half.clear();
        self.half.push((0.0, 0));
        for t in terms {
            let opts = &self.opts[self.opt_at[t]..self.opt_at[t + 1]];
            let m = opts.len() as u32;
            self.buf.clear();
            for (r, &(own, _)) in opts.iter().enumerate() {
                self.buf
                    .extend(self.half.iter().map(|&(s, k)| (s + own, k * m + r as u32)));
            }
            self.buf.sort_by(|x, y| x.0.total_cmp(&y.0));
            self.half.clear();
            if dedup {
                // Equal partial sums stay equal whatever follows, so only the smallest
                // rank of each can ever be offered.
                for &(s, k) in &self.buf {
                    match self.half.last_mut() {
                        Some(last) if last.0 == s => last.1 = last.1.min(k),
                        _ => self.half.push((s, k)),
                    }
                }
            } else {
                self.half.extend_from_slice(&self.buf);
            }
        }
    }

    /// The exact file-order own utility of prefix `i` (an index into `pre_sum`) followed by
    /// the suffix of rank `rank`.
    fn exact(&self, i: usize, rank: u32) -> f64 {
        let nt = self.opt_at.len() - 1;
        let mut s = self.pre_sum[i];
        // Suffix ranks are mixed-radix numbers, the first suffix term most significant.
        let mut stride: u32 = (self.split + 1..nt)
            .map(|t| (self.opt_at[t + 1] - self.opt_at[t]) as u32)
            .product();
        for t in self.split..nt {
            let m = (self.opt_at[t + 1] - self.opt_at[t]) as u32;
            let digit = (rank / stride) % m;
            s += self.opts[self.opt_at[t] + digit as usize].0;
            if t + 1 < nt {
                stride /= (self.opt_at[t + 2] - self.opt_at[t + 1]) as u32;
            }
        }
        s
    }

    /// Writes the package of (prefix rank, suffix rank) to `out`, file order.
    fn package(&self, pre: u32, suf: u32, out: &mut Vec<u8>) {
        let nt = self.opt_at.len() - 1;
        out.clear();
        out.resize(nt, 0);
        for (range, mut rank) in [(0..self.split, pre), (self.split..nt, suf)] {
            for t in range.rev() {
                let m = (self.opt_at[t + 1] - self.opt_at[t]) as u32;
                out[t] = self.opts[self.opt_at[t] + (rank % m) as usize].1;
                rank /= m;
            }
        }
    }

    /// The smallest exact own utility at least `target`, with the ranks of its
    /// lexicographically first package; `None` when no allowed package reaches `target`.
    fn query(&mut self, target: f64) -> Option<(f64, u32, u32)> {
        // A NaN target is met by every package, as in `exhaustive_offer` (`o < target` fails).
        let target = if target.is_nan() {
            f64::NEG_INFINITY
        } else {
            target
        };
        if let Some(p) = self.last
            && target > p.above
            && target <= p.upto
        {
            return p.answer;
        }
        let slack = self.slack;
        let lo = target - slack;
        let (pre, suf) = (&self.pre_sum, &self.suf_sum);
        let (Some(&suf_min), Some(&suf_max)) = (suf.first(), suf.last()) else {
            return None;
        };
        // The incumbent: the previous answer when it still meets the target, so that the
        // sweep stops early.
        let mut best: Option<(f64, u32, u32)> = self
            .last
            .and_then(|p| p.answer)
            .filter(|&(own, _, _)| own >= target);
        // The largest exact sum below the target met on the way (for the proof).
        let mut below = f64::NEG_INFINITY;
        let mut i = pre.partition_point(|&a| a + suf_max < lo);
        let mut j = match pre.get(i) {
            Some(&a) => suf.partition_point(|&b| b < lo - a),
            None => 0,
        };
        while i < pre.len() {
            let a = pre[i];
            let cut = best.map_or(f64::INFINITY, |b| b.0 + slack);
            if a + suf_min > cut {
                // Every later prefix is larger still.
                break;
            }
            let thr = lo - a;
            while j > 0 && suf[j - 1] >= thr {
                j -= 1;
            }
            let mut k = j;
            while k < suf.len() && a + suf[k] <= best.map_or(f64::INFINITY, |b| b.0 + slack) {
                let s = self.exact(i, self.suf_rank[k]);
                if s >= target {
                    let cand = (s, self.pre_rank[i], self.suf_rank[k]);
                    let wins = match best {
                        None => true,
                        Some(b) => s < b.0 || (s == b.0 && (cand.1, cand.2) < (b.1, b.2)),
                    };
                    if wins {
                        best = Some(cand);
                    }
                } else {
                    below = below.max(s);
                }
                k += 1;
            }
            i += 1;
        }
        // Every package of exact sum in [target − slack/2, target) had an approximate sum of
        // at least `lo` and at most the answer's, so it was summed exactly: none lies above
        // `below` there, and the answer stands for every target in (above, its own utility].
        self.last = Some(Proof {
            above: below.max(target - slack / 2.0),
            upto: best.map_or(f64::INFINITY, |b| b.0),
            answer: best,
        });
        best
    }
}

impl OfferSearch {
    /// Declares the objective of this run `gain = -own` (the `nearest` offer rule), so that
    /// queries go to the dedicated search of `offer/nearest.rs`, which gives the same offers.
    /// Call after [`OfferSearch::prepare`] (which forgets it), with the `gain` it was given
    /// exactly minus the own utilities.
    pub fn set_nearest(&mut self) {
        self.nearest.on = true;
    }

    /// Answers from the `nearest` search; `None` to fall back (tables too large).
    pub(super) fn nearest_answer(&mut self, target: f64, out: &mut Vec<u8>) -> Option<Option<f64>> {
        if self.nearest.ready.is_none() {
            let ok = self.nearest.build(&self.cands, &self.starts);
            self.nearest.ready = Some(ok);
        }
        if self.nearest.ready != Some(true) {
            return None;
        }
        let (own, pre, suf) = match self.nearest.query(target) {
            Some(found) => found,
            None => return Some(None),
        };
        self.nearest.package(pre, suf, out);
        Some(Some(own))
    }
}

//! The exact search of the `nearest` offer rule (and of `random_above` agents' AC_next
//! answers): the allowed package with the smallest own utility at least the target, equal sums
//! to the lexicographically smallest option indices, the order [`exhaustive_offer`] gives with
//! the objective `gain = -own`.
//!
//! Why a search of its own: under that objective the branch and bound's Lagrangian bound is
//! flat and the staircase prunes nothing, so both walk through most packages near the target.
//! This one meets in the middle: the terms are cut once per run into a prefix (terms
//! `0..split`, file order) and a suffix; each half's allowed partial packages are listed with
//! their own-utility sums and sorted by a counting sort over buckets, which also indexes them.
//! A query sweeps the smaller half's sums and finds, for each, the smallest sum of the other
//! half whose approximate total reaches `target − slack` through that half's bucket index:
//! `O(smaller half)` steps per query, at most about `√N`.
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

/// Most partial packages one half may list (about 60 bytes each with the listing's scratch
/// tables and the index): beyond it the search is not built
/// and the general search answers (slowly). Never reached under the `nearest` limit of the
/// scenario checks, since a contiguous cut keeps both halves within 256·√N for N ≤ 10^8.
const HALF_CAP: f64 = (1u64 << 22) as f64;

/// Relative cost of one entry of the swept half (one step at every query of a run) against
/// one entry listed (once per run): the cut between the halves minimizes their sum. (12,
/// which cuts 10^8 packages into 10^3 × 10^5 rather than 10^4 × 10^4, took 4 % fewer
/// instructions and 40 to 70 % more CPU time: the larger half's look-ups leave the cache.)
const SWEEP_WEIGHT: f64 = 4.0;

/// The tables of one proposer's `nearest` search for one run (built at its first query).
#[derive(Debug, Clone, Default)]
pub(super) struct Nearest {
    /// Whether `nearest` is the objective this run (see [`OfferSearch::set_nearest`]).
    pub(super) on: bool,
    /// `None`: not built yet this run; `Some(false)`: too large (or a NaN utility), the general
    /// search answers.
    ready: Option<bool>,
    split: usize,
    /// Per term in file order: its allowed options' own utilities and option indices,
    /// by option index (`opt_at[t]..opt_at[t + 1]`).
    opts: Vec<(f64, u8)>,
    opt_at: Vec<usize>,
    /// Distinct exact prefix sums, ascending, each with the rank (lexicographic, among
    /// allowed prefixes) of the smallest prefix of that sum.
    pre: Half,
    /// Suffix sums (from 0, file order), ascending, with each suffix's rank.
    suf: Half,
    /// Whether queries sweep the prefixes (and look suffixes up) or the other way round:
    /// the smaller half is swept, the larger one looked up through its bucket index.
    sweep_pre: bool,
    /// Margin that covers the rounding of any sum of the terms, many times over.
    slack: f64,
    /// The previous query's proof: for every target in `(above, upto]` the answer is `answer`.
    last: Option<Proof>,
    lister: Lister,
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

    /// Lists and sorts both halves for the allowed options in `cands` (terms at `starts`),
    /// and indexes the larger one. Returns false when a half would be too large.
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
        // A NaN utility has no place in the buckets' order: the general search answers.
        if self.opts.iter().any(|o| o.0.is_nan()) {
            return false;
        }
        self.slack = PRUNE_EPS * (1.0 + scale);
        let size = |r: std::ops::Range<usize>| -> f64 {
            r.map(|t| (self.opt_at[t + 1] - self.opt_at[t]) as f64)
                .product()
        };
        // A query costs a few steps per entry of the swept (smaller) half; listing costs a
        // few per entry of both, once per run. A run asks some tens of queries, so the cut
        // that minimizes the sum makes the swept half several times smaller than the other.
        let cost = |k: usize| {
            let (p, q) = (size(0..k), size(k..nt));
            SWEEP_WEIGHT * p.min(q) + p + q
        };
        let split = (0..=nt)
            .min_by(|&x, &y| cost(x).total_cmp(&cost(y)))
            .unwrap_or(0);
        if size(0..split) > HALF_CAP || size(split..nt) > HALF_CAP {
            return false;
        }
        self.split = split;
        let (opts, opt_at) = (&self.opts, &self.opt_at);
        self.lister
            .list(opts, opt_at, 0..split, true, &mut self.pre);
        self.lister
            .list(opts, opt_at, split..nt, false, &mut self.suf);
        self.sweep_pre = self.pre.len() <= self.suf.len();
        true
    }

    /// The exact file-order own utility of prefix `i` (a position in `pre`) followed by
    /// the suffix of rank `rank`.
    fn exact(&self, i: usize, rank: u32) -> f64 {
        let nt = self.opt_at.len() - 1;
        let mut s = self.pre.sum[i];
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
        let (swept, looked) = if self.sweep_pre {
            (&self.pre, &self.suf)
        } else {
            (&self.suf, &self.pre)
        };
        let xs = swept.sums();
        let n_ys = looked.len();
        if n_ys == 0 || xs.is_empty() {
            return None;
        }
        let ys = &looked.sum[..];
        let y_max = ys[n_ys - 1];
        // The incumbent: the previous answer when it still meets the target, so that the
        // sweep stops early.
        let mut best: Option<(f64, u32, u32)> = self
            .last
            .and_then(|p| p.answer)
            .filter(|&(own, _, _)| own >= target);
        let mut cut = best.map_or(f64::INFINITY, |b| b.0 + slack);
        // The largest exact sum below the target met on the way (for the proof).
        let mut below = f64::NEG_INFINITY;
        let start = xs.partition_point(|&x| x + y_max < lo);
        let index = looked.index();
        let mut from = start;
        while let Some((ix, mut iy)) = index.next_within(xs, from, lo, cut) {
            let x = xs[ix];
            while x + ys[iy] <= cut && iy < n_ys {
                let (i, k) = if self.sweep_pre { (ix, iy) } else { (iy, ix) };
                let s = self.exact(i, self.suf.rank[k]);
                if s >= target {
                    let cand = (s, self.pre.rank[i], self.suf.rank[k]);
                    let wins = match best {
                        None => true,
                        Some(b) => s < b.0 || (s == b.0 && (cand.1, cand.2) < (b.1, b.2)),
                    };
                    if wins {
                        best = Some(cand);
                        cut = s + slack;
                    }
                } else {
                    below = below.max(s);
                }
                iy += 1;
            }
            from = ix + 1;
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

/// One half's partial packages, sorted by sum, with the bucket index that finds a sum's
/// place among them.
#[derive(Debug, Clone, Default)]
struct Half {
    /// The sums, ascending, then two `+inf`, which end every forward scan and let a look-up
    /// read two entries past any bucket's first.
    sum: Vec<f64>,
    /// Each sum's rank: the mixed-radix number of its options, the half's first term most
    /// significant.
    rank: Vec<u32>,
    /// `bucket[b]`: the first position whose sum falls in bucket `b` or later (see
    /// [`bucket_of`], of `min` and `scale`); `bucket.len() - 1` is the last bucket.
    bucket: Vec<u32>,
    min: f64,
    scale: f64,
}

impl Half {
    /// How many partial packages are listed.
    fn len(&self) -> usize {
        self.rank.len()
    }

    /// The sums, without the padding.
    fn sums(&self) -> &[f64] {
        &self.sum[..self.rank.len()]
    }

    /// The half as a query's sweep looks it up.
    fn index(&self) -> Index<'_> {
        Index {
            look: &self.sum,
            bucket: &self.bucket,
            min: self.min,
            scale: self.scale,
            last: (self.bucket.len() - 1) as f64,
        }
    }
}

/// Scratch tables for listing a half, kept from run to run.
#[derive(Debug, Clone, Default)]
struct Lister {
    level: Vec<f64>,
    next: Vec<f64>,
    /// Each listed entry's bucket, in rank order.
    of: Vec<u32>,
    sorted: Vec<(f64, u32)>,
    /// With `dedup`: how many entries of `sorted` before each one are kept.
    kept: Vec<u32>,
}

impl Lister {
    /// Lists into `out` the partial packages of `terms` (each term's options at
    /// `opts[opt_at[t]..opt_at[t + 1]]`), their sums formed from 0 in file order, sorted by
    /// sum and then rank, and indexes them; with `dedup`, one per distinct sum (the smallest
    /// rank).
    ///
    /// Why buckets: the index needs each sum's bucket anyway, and a counting sort by bucket
    /// (about two buckets an entry, so most hold none or one) leaves little to sort: fewer
    /// instructions than merging each level's sorted runs, which picked the least of `m`
    /// heads for every entry, and a third of listing and sorting by comparison.
    fn list(
        &mut self,
        opts: &[(f64, u8)],
        opt_at: &[usize],
        terms: std::ops::Range<usize>,
        dedup: bool,
        out: &mut Half,
    ) {
        // In rank order: rank `k·m + r` extends rank `k` by option `r`. Rounding is monotone,
        // so the least and largest sums are the sums, in the same order, of each term's
        // least and largest utilities.
        self.level.clear();
        self.level.push(0.0);
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for t in terms {
            let opts = &opts[opt_at[t]..opt_at[t + 1]];
            let (least, most) = opts
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &(o, _)| {
                    (a.min(o), b.max(o))
                });
            (lo, hi) = (lo + least, hi + most);
            self.next.clear();
            self.next.reserve(self.level.len() * opts.len());
            for &s in &self.level {
                self.next.extend(opts.iter().map(|&(own, _)| s + own));
            }
            std::mem::swap(&mut self.level, &mut self.next);
        }
        let sums = &self.level;
        let n = sums.len();
        let nb = 2 * n;
        // One distinct sum (or an infinite range) gives an infinite (or zero) ratio: the
        // largest scale then puts every sum above the least in the last bucket.
        let scale = nb as f64 / (hi - lo);
        let scale = if scale > 0.0 { scale } else { f64::MAX };
        let last = (nb + 1) as f64;
        // Counting sort by bucket: `counts[b + 1]` counts bucket b; the running sums make
        // `counts[b]` its start, and placing the entries moves that to its end.
        let counts = &mut out.bucket;
        counts.clear();
        counts.resize(nb + 3, 0);
        self.of.clear();
        self.of.extend(sums.iter().map(|&s| {
            let b = bucket_of(s, lo, scale, last);
            counts[b + 1] += 1;
            b as u32
        }));
        let mut total = 0;
        for c in counts.iter_mut() {
            total += *c;
            *c = total;
        }
        // Every place is written below (the buckets partition `0..n`), so the table is only
        // sized, which after the first run is no work at all.
        self.sorted.resize(n, (0.0, 0));
        let (sorted, at) = (&mut self.sorted[..], &mut counts[..]);
        for (rank, (&s, &b)) in sums.iter().zip(&self.of).enumerate() {
            let at = &mut at[b as usize];
            sorted[*at as usize] = (s, rank as u32);
            *at += 1;
        }
        order_buckets(sorted);
        out.sum.clear();
        out.rank.clear();
        if dedup {
            // Equal partial sums stay equal whatever follows, so only the smallest rank of
            // each can ever be offered: the first of each run of equal sums (-0 and +0
            // included), since `order_buckets` leaves equal sums in rank order. Equal sums
            // share a bucket, so each bucket's start moves back by the entries dropped before
            // it.
            self.kept.clear();
            self.kept.reserve(n + 1);
            let mut prev = f64::NAN;
            for &(s, k) in &self.sorted {
                self.kept.push(out.rank.len() as u32);
                if s != prev {
                    out.sum.push(s);
                    out.rank.push(k);
                    prev = s;
                }
            }
            self.kept.push(out.rank.len() as u32);
            // Bucket b starts where b − 1 ends, at its kept count (top down, in place).
            for b in (1..nb + 2).rev() {
                counts[b] = self.kept[counts[b - 1] as usize];
            }
        } else {
            out.sum.extend(self.sorted.iter().map(|e| e.0));
            out.rank.extend(self.sorted.iter().map(|e| e.1));
            // Bucket b starts where b − 1 ends.
            counts.copy_within(0..nb + 1, 1);
        }
        counts[0] = 0;
        counts.truncate(nb + 2);
        out.sum.extend([f64::INFINITY; 2]);
        out.min = lo;
        out.scale = scale;
    }
}

/// Sorts entries that are in bucket order, each bucket's in ascending rank, by sum and then
/// rank (−0 and +0 count as equal; the sums are not NaN, which `build` refuses).
///
/// Why one pass over the entries: most buckets hold one entry or none, so testing each
/// entry against the one before it is cheaper than visiting every bucket (two an entry), and
/// an entry out of place moves back only within its bucket, past greater sums only, so equal
/// sums keep their rank order. Should the moves grow past a few an entry (sums crowded into
/// few buckets), the rest is left to a sort.
fn order_buckets(sorted: &mut [(f64, u32)]) {
    let budget = 8 * sorted.len();
    let mut moves = 0;
    for i in 1..sorted.len() {
        let e = sorted[i];
        if e.0 >= sorted[i - 1].0 {
            continue;
        }
        let mut j = i;
        while j > 0 && sorted[j - 1].0 > e.0 {
            sorted[j] = sorted[j - 1];
            j -= 1;
        }
        sorted[j] = e;
        moves += i - j;
        if moves > budget {
            sorted.sort_unstable_by(|x, y| {
                (x.0.partial_cmp(&y.0))
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(x.1.cmp(&y.1))
            });
            return;
        }
    }
}

/// The looked-up half of a [`Nearest`] search, borrowed for one query's sweep.
struct Index<'a> {
    /// The half's sums, ascending, then two `+inf`.
    look: &'a [f64],
    /// `bucket[b]`: the first position whose sum's bucket is `b` or later.
    bucket: &'a [u32],
    min: f64,
    scale: f64,
    /// The last bucket, as a float for the clamp.
    last: f64,
}

impl Index<'_> {
    /// The first `ix ≥ from` whose partner, the smallest looked-up sum `y` with
    /// `xs[ix] + y ≥ lo` (up to rounding, which the slack covers), has `xs[ix] + y ≤ cut`,
    /// with that partner's position; `None` when no later entry of `xs` (ascending) can have one.
    ///
    /// Why a function of its own: this is every step of a sweep, and most steps find nothing,
    /// so it keeps its few numbers in registers; the exact sums of the rare finds are the
    /// caller's.
    #[inline(never)]
    fn next_within(&self, xs: &[f64], from: usize, lo: f64, cut: f64) -> Option<(usize, usize)> {
        let look = self.look;
        let n = look.len() - 2;
        let y_min = look[0];
        // Past `end` no entry can have a partner within the cut, nor can any later one (the
        // sums rise): found once per call by bisection rather than tested at every step.
        let end = xs.partition_point(|&x| x + y_min <= cut);
        for (k, &x) in xs.get(from..end)?.iter().enumerate() {
            // A bucket holds one or two sums, so two branch-free tests usually find the
            // partner. They count the entries below `v` among the bucket's first two (the
            // sums are sorted), from loads that do not wait on each other. (Stepping down
            // from the previous x's partner instead, when the halves are as dense, took 22 %
            // fewer instructions at 10^8 packages but 10 to 25 % more CPU time: its branches
            // mispredict.)
            let v = lo - x;
            let mut iy = self.bucket[bucket_of(v, self.min, self.scale, self.last)] as usize;
            let w = &look[iy..iy + 2];
            iy += usize::from(w[0] < v) + usize::from(w[1] < v);
            while look[iy] < v {
                iy += 1;
            }
            if x + look[iy] <= cut && iy < n {
                return Some((from + k, iy));
            }
        }
        None
    }
}

/// The bucket of sum `v`, clamped to `0..=last` (a whole number): monotone in `v`, which is
/// all that an index needs, since a look-up then scans forward to the exact position. `scale`
/// must be positive (not NaN): with an infinite one every sum above `min` lands in `last`.
///
/// Clamped without branches (NaN goes to 0, +inf to `last`), then rounded to the nearest
/// whole number by adding 2^52, whose low mantissa bits are then that number: the same order
/// as truncating, in a handful of instructions without a conversion's saturation checks or
/// a test for a zero scale (a look-up in every step of a sweep).
#[inline]
fn bucket_of(v: f64, min: f64, scale: f64, last: f64) -> usize {
    let b = (v - min) * scale;
    let b = if b > 0.0 { b } else { 0.0 };
    let b = if b < last { b } else { last };
    (b + TWO_POW_52).to_bits() as u32 as usize
}

/// 2^52: adding it to a number in `0..2^32` leaves that number, rounded, in the low bits.
const TWO_POW_52: f64 = 4_503_599_627_370_496.0;

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

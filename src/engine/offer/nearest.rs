//! The exact search of the `nearest` offer rule (and of `random_above` agents' AC_next
//! answers): the allowed package with the smallest own utility at least the target, equal sums
//! to the lexicographically smallest option indices, the order [`exhaustive_offer`] gives with
//! the objective `gain = -own`.
//!
//! Why a search of its own: under that objective the branch and bound's Lagrangian bound is
//! flat and the staircase prunes nothing, so both walk through most packages near the target.
//! This one meets in the middle: the terms are cut once per run into a prefix (terms
//! `0..split`, file order) and a suffix; each half's allowed partial packages are listed with
//! their own-utility sums and sorted. A query sweeps the smaller half's sums and finds, for each,
//! the smallest sum of the other half whose approximate total reaches `target − slack` through
//! a bucket index of that half: `O(smaller half)` steps per query, at most about `√N`.
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

/// Relative cost of one entry of the swept half (one step at every query of a run) against
/// one entry listed (once per run): the cut between the halves minimizes their sum.
const SWEEP_WEIGHT: f64 = 4.0;

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
    /// Whether queries sweep the prefixes (and look suffixes up) or the other way round:
    /// the smaller half is swept, the larger one indexed by `bucket`.
    sweep_pre: bool,
    /// Index of the looked-up half's sums: `bucket[b]` is the first position whose sum falls
    /// in bucket `b` or later (buckets of width `1 / bucket_scale` from `bucket_min`).
    bucket: Vec<u32>,
    /// The looked-up half's sums followed by `+inf`, which ends every forward scan without a
    /// bounds check.
    look: Vec<f64>,
    bucket_min: f64,
    bucket_scale: f64,
    /// Margin that covers the rounding of any sum of the terms, many times over.
    slack: f64,
    /// The previous query's proof: for every target in `(above, upto]` the answer is `answer`.
    last: Option<Proof>,
    buf: Vec<(f64, u32)>,
    half: Vec<(f64, u32)>,
    counts: Vec<u32>,
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
        self.sweep_pre = self.pre_sum.len() <= self.suf_sum.len();
        self.index();
        true
    }

    /// Builds `bucket` over the looked-up half: about two buckets per entry, so that a
    /// look-up scans one or two entries.
    fn index(&mut self) {
        let ys = if self.sweep_pre {
            &self.suf_sum
        } else {
            &self.pre_sum
        };
        let (lo, hi) = (ys[0], ys[ys.len() - 1]);
        let nb = 2 * ys.len();
        self.bucket_min = lo;
        self.bucket_scale = if hi > lo { nb as f64 / (hi - lo) } else { 0.0 };
        self.bucket.clear();
        self.look.clear();
        self.look.extend_from_slice(ys);
        self.look.push(f64::INFINITY);
        let mut b = 0;
        for (i, &y) in ys.iter().enumerate() {
            let of_y = bucket_of(y, lo, self.bucket_scale, nb);
            while b <= of_y {
                self.bucket.push(i as u32);
                b += 1;
            }
        }
        while b <= nb + 1 {
            self.bucket.push(ys.len() as u32);
            b += 1;
        }
    }

    /// Lists into `half`, sorted by sum, the partial packages of `terms` with their sums formed
    /// from 0 in file order and their lexicographic ranks; with `dedup`, one per distinct sum
    /// (the smallest rank).
    fn list(&mut self, terms: std::ops::Range<usize>, dedup: bool) {
        // Rank `k·m + r` extends rank `k` by allowed option `r`.
        self.buf.clear();
        self.buf.push((0.0, 0));
        let merge = terms.clone().all(|t| {
            let opts = &self.opts[self.opt_at[t]..self.opt_at[t + 1]];
            opts.len() <= MERGE_OPTIONS && opts.iter().all(|o| o.0.is_finite())
        });
        for t in terms {
            let opts = &self.opts[self.opt_at[t]..self.opt_at[t + 1]];
            std::mem::swap(&mut self.half, &mut self.buf);
            self.buf.clear();
            if merge {
                merge_level(&self.half, opts, &mut self.buf);
            } else {
                // In rank order, term by term, sorted once at the end.
                let m = opts.len() as u32;
                for &(s, k) in &self.half {
                    for (r, &(own, _)) in opts.iter().enumerate() {
                        self.buf.push((s + own, k * m + r as u32));
                    }
                }
            }
        }
        if !merge {
            bucket_sort(&mut self.buf, &mut self.half, &mut self.counts);
        }
        self.half.clear();
        if dedup {
            // Equal partial sums stay equal whatever follows, so only the smallest rank of
            // each can ever be offered.
            for &(s, k) in &self.buf {
                match self.half.last_mut() {
                    Some(last) if last.0 == s => last.1 = last.1.min(k),
                    _ => self.half.push((s, k)),
                }
            }
        } else {
            std::mem::swap(&mut self.half, &mut self.buf);
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
        let xs = if self.sweep_pre {
            &self.pre_sum
        } else {
            &self.suf_sum
        };
        let ys = &self.look;
        let n_ys = ys.len() - 1;
        if n_ys == 0 || xs.is_empty() {
            return None;
        }
        let (y_min, y_max) = (ys[0], ys[n_ys - 1]);
        let nb = self.bucket.len() - 2;
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
        for (ix, &x) in xs.iter().enumerate().skip(start) {
            if x + y_min > cut {
                // Every later entry is larger still.
                break;
            }
            // The first y with x + y ≥ lo (up to rounding, which the slack covers): a bucket
            // holds one or two sums, so two branch-free steps usually find it. (Stepping down
            // from the previous x's partner instead, when the halves are as dense, took 22 %
            // fewer instructions at 10^8 packages but 10 to 25 % more CPU time: its branches
            // mispredict.)
            let v = lo - x;
            let mut iy = self.bucket[bucket_of(v, self.bucket_min, self.bucket_scale, nb)] as usize;
            iy += usize::from(ys[iy] < v);
            iy += usize::from(ys[iy] < v);
            while ys[iy] < v {
                iy += 1;
            }
            while x + ys[iy] <= cut && iy < n_ys {
                let (i, k) = if self.sweep_pre { (ix, iy) } else { (iy, ix) };
                let s = self.exact(i, self.suf_rank[k]);
                if s >= target {
                    let cand = (s, self.pre_rank[i], self.suf_rank[k]);
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

/// Most options a term may have for its level to be merged ([`merge_level`]) rather than
/// listed and sorted: the merge compares every option's next entry for each one it writes.
const MERGE_OPTIONS: usize = 16;

/// Writes to `out`, sorted by sum, every entry of `level` (sorted by sum) extended by every
/// option of `opts`: the sum plus the option's own utility, rank `k·m + r`. Each option's
/// extensions come sorted already (adding the same number keeps the order, rounding
/// included), so a merge of the `m` runs sorts them, a few steps per entry. Equal sums come
/// in some order, which no use of the list depends on.
///
/// Why a merge: listing a level in rank order and sorting it at the end (`bucket_sort`) was
/// about 180 instructions an entry, most of a `nearest` run's cost at 10^7 packages.
fn merge_level(level: &[(f64, u32)], opts: &[(f64, u8)], out: &mut Vec<(f64, u32)>) {
    // Fixed-size, padded tables let the compiler unroll the pick.
    match opts.len() {
        0..=4 => merge_with::<4>(level, opts, out),
        5..=8 => merge_with::<8>(level, opts, out),
        // Ten options, a common size, would pay for six padding ones in a table of 16.
        9..=10 => merge_with::<10>(level, opts, out),
        11..=12 => merge_with::<12>(level, opts, out),
        _ => merge_with::<MERGE_OPTIONS>(level, opts, out),
    }
}

/// [`merge_level`] for at most `N` options.
fn merge_with<const N: usize>(level: &[(f64, u32)], opts: &[(f64, u8)], out: &mut Vec<(f64, u32)>) {
    let m = opts.len();
    debug_assert!(m <= N);
    // Option r's next extension is `level[heads[r]]` by it, of sum `front[r]`; padding
    // options and finished runs stand at +inf, so they are not picked while any other is.
    let mut heads = [0usize; N];
    let mut front = [f64::INFINITY; N];
    let mut own = [0.0; N];
    let Some(&(first, _)) = level.first() else {
        return;
    };
    for (r, &(o, _)) in opts.iter().enumerate() {
        (own[r], front[r]) = (o, first + o);
    }
    out.reserve(level.len() * m);
    let m32 = m as u32;
    for _ in 0..level.len() * m {
        // The option whose next extension is smallest (ties to the first).
        let (mut pick, mut low) = (0, front[0]);
        // An index loop over a fixed-size table compiles to a few compares and moves.
        #[allow(clippy::needless_range_loop)]
        for r in 1..N {
            if front[r] < low {
                (pick, low) = (r, front[r]);
            }
        }
        // Every run holds a finite sum until it is written (`list` merges only finite
        // utilities), so the pick is never a finished run; should it be, the level is done.
        let Some(&(_, k)) = level.get(heads[pick]) else {
            break;
        };
        out.push((low, k * m32 + pick as u32));
        heads[pick] += 1;
        front[pick] = match level.get(heads[pick]) {
            Some(&(s, _)) => s + own[pick],
            None => f64::INFINITY,
        };
    }
}

/// The bucket of sum `v` (clamped to `0..=nb + 1`): monotone in `v`, which is all that the
/// index needs, since a look-up then scans forward to the exact position.
#[inline]
fn bucket_of(v: f64, min: f64, scale: f64, nb: usize) -> usize {
    if scale == 0.0 {
        // One distinct sum: every entry is below `v` or none is.
        return if v > min { nb + 1 } else { 0 };
    }
    let b = (v - min) * scale;
    let last = nb + 1;
    if b >= 0.0 {
        // +inf or a huge value lands in the last bucket. The same bucket as
        // `(b as usize).min(last)`, but a 32-bit conversion of a number known to fit costs
        // a third of the saturating 64-bit one (a look-up in every step of a sweep).
        if b < last as f64 {
            b as u32 as usize
        } else {
            last
        }
    } else {
        0
    }
}

/// Sorts `items` by sum (any order among equal sums) in expected linear time: one bucket per
/// item over the range of the sums, then each bucket by insertion (a sort when it is large).
/// Why not `sort_by`: listing the halves is most of a run's cost at 10^7 packages and more.
fn bucket_sort(items: &mut [(f64, u32)], tmp: &mut Vec<(f64, u32)>, counts: &mut Vec<u32>) {
    let n = items.len();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for it in items.iter() {
        lo = lo.min(it.0);
        hi = hi.max(it.0);
    }
    if n < 64 || hi <= lo || !(hi - lo).is_finite() {
        items.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
        return;
    }
    let scale = n as f64 / (hi - lo);
    counts.clear();
    counts.resize(n + 2, 0);
    for it in items.iter() {
        counts[bucket_of(it.0, lo, scale, n) + 1] += 1;
    }
    for b in 1..counts.len() {
        counts[b] += counts[b - 1];
    }
    tmp.clear();
    tmp.resize(n, (0.0, 0));
    for &it in items.iter() {
        let b = bucket_of(it.0, lo, scale, n);
        tmp[counts[b] as usize] = it;
        counts[b] += 1;
    }
    // `counts[b]` is now the end of bucket b (and the start of b + 1).
    let mut start = 0;
    for &end in counts.iter().take(n + 2) {
        let bucket = &mut tmp[start..end as usize];
        if bucket.len() > 16 {
            bucket.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
        } else {
            for i in 1..bucket.len() {
                let mut j = i;
                while j > 0 && bucket[j].0.total_cmp(&bucket[j - 1].0).is_lt() {
                    bucket.swap(j, j - 1);
                    j -= 1;
                }
            }
        }
        start = end as usize;
    }
    items.copy_from_slice(tmp);
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

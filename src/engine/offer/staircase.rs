//! The whole answer function of one proposer for one run, for small outcome spaces.
//!
//! The best package above a target, as a function of the target, is a staircase: it changes
//! only at the own utilities of a few packages. [`Staircase`] finds those packages by dynamic
//! programming over the terms in file order, keeping after each term only the partial packages
//! that no other partial package beats whatever the remaining terms add; a query is then a
//! short walk from the previous query's place. Partial sums are formed term by term from 0,
//! exactly as exhaustive search forms them, so every comparison sees the same floating-point
//! numbers.

use super::Cand;

/// A partial package: its sums so far and its options, read as the digits of a binary
/// number (each term's option in a fixed bit field, the first term's in the highest), which
/// is also its rank in lexicographic order. Why bit fields: the package is spelled out by
/// shifts, so no table of links from each choice to the one before needs to be written (a
/// push per kept partial package).
#[derive(Debug, Clone, Copy)]
struct Entry {
    own: f64,
    gain: f64,
    rank: u64,
}

/// The entry after a level's last: no own utility, so no child of it is ever picked, and
/// unbounded gain, so that no skip runs past it. Why: each option's run of children then
/// ends by itself, with no end to keep or compare against.
const END: Entry = Entry {
    own: f64::NEG_INFINITY,
    gain: f64::INFINITY,
    rank: 0,
};

/// What one term's merge needs besides the levels: its field width, the most own utility
/// the terms after it can add, the floor less the pruning slack, the gain margin and the cap.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    bits: u32,
    reach: f64,
    low: f64,
    delta: f64,
    cap: usize,
}

/// The staircase of one proposer; built once per run, queried every round.
#[derive(Debug, Clone, Default)]
pub(super) struct Staircase {
    /// Each term's field in a rank: its shift from the lowest bit and its mask (the field
    /// holds the term's largest option index).
    fields: Vec<(u32, u8)>,
    level: Vec<Entry>,
    merged: Vec<Entry>,
    /// The staircase's steps by own utility, ascending: each is the best package with own
    /// utility at least its own, and beats every step after it.
    finals: Vec<Entry>,
    /// Where the last query's target fell in `finals`: a proposer's targets mostly fall a
    /// little each round, so walking from here beats a binary search.
    cursor: usize,
}

impl Staircase {
    /// Builds the staircase for targets at least `floor` from each term's candidates
    /// (`cands[starts[t]..starts[t + 1]]`, any order) and `suffix_own[t]`, the largest own
    /// utility the terms from `t` on can add. Returns false, leaving it unusable, when some
    /// level keeps more than `cap` partial packages, or when the packages' bit fields do not
    /// fit in 64 bits.
    ///
    /// `delta` must exceed the rounding that the remaining additions can do to a gain
    /// difference: a partial package whose gain is at least `delta` above another's, and whose
    /// own utility is no lower, beats it under every completion.
    pub(super) fn build(
        &mut self,
        cands: &[Cand],
        starts: &[usize],
        suffix_own: &[f64],
        floor: f64,
        cap: usize,
        delta: f64,
    ) -> bool {
        let nt = starts.len() - 1;
        self.fields.clear();
        self.level.clear();
        self.level.push(Entry {
            own: 0.0,
            gain: 0.0,
            rank: 0,
        });
        self.level.push(END);
        let mut used = 0;
        for t in 0..nt {
            let term = &cands[starts[t]..starts[t + 1]];
            // Any field wide enough for this term's largest option index keeps ranks in
            // lexicographic order.
            let top = term.iter().map(|c| c.option).max().unwrap_or(0);
            let bits = u8::BITS - top.leading_zeros();
            used += bits;
            if used > u64::BITS {
                return false;
            }
            self.fields.push((bits, ((1u16 << bits) - 1) as u8));
            let bounds = Bounds {
                bits,
                reach: suffix_own[t + 1],
                low: floor - super::PRUNE_EPS,
                delta,
                cap,
            };
            if !self.extend_level(term, t + 1 == nt, bounds) {
                return false;
            }
            std::mem::swap(&mut self.level, &mut self.merged);
        }
        // The fields' widths become shifts: the last term's field is the lowest.
        let mut shift = 0;
        for f in self.fields.iter_mut().rev() {
            (f.0, shift) = (shift, shift + f.0);
        }
        self.finals.clear();
        let kept = self.level.len() - 1;
        self.finals.extend(self.level[..kept].iter().rev());
        self.cursor = self.finals.len();
        true
    }

    /// How many steps the staircase has (its step numbers are below this).
    pub(super) fn steps(&self) -> u32 {
        self.finals.len() as u32
    }

    /// The best package with own utility at least `target`: its index and own utility.
    pub(super) fn query(&mut self, target: f64) -> Option<(u32, f64)> {
        // The partition point of `finals` (ascending by own utility) at `target`, found by
        // walking from the last one, down or up.
        if target.is_nan() {
            // Compares false with everything: where a binary search would land.
            self.cursor = 0;
        }
        let mut i = self.cursor.min(self.finals.len());
        while i > 0 && self.finals[i - 1].own >= target {
            i -= 1;
        }
        while i < self.finals.len() && self.finals[i].own < target {
            i += 1;
        }
        self.cursor = i;
        // The step with the least own utility at least `target` beats every step above it.
        let step = self.finals.get(i)?;
        Some((i as u32, step.own))
    }

    /// Writes the options of final package `j` (one per term) to `out`.
    pub(super) fn package(&self, j: u32, n_terms: usize, out: &mut Vec<u8>) {
        // Every option is written below: a buffer of the right length (the previous
        // package's, as a rule) is reused without clearing.
        if out.len() != n_terms {
            out.clear();
            out.resize(n_terms, 0);
        }
        let rank = self.finals[j as usize].rank;
        for (o, &(shift, mask)) in out.iter_mut().zip(&self.fields) {
            // A field holds an option index, at most 8 bits.
            // (A field of no bits may sit at shift 64: its mask is 0 whatever the shift reads.)
            *o = rank.wrapping_shr(shift) as u8 & mask;
        }
    }
}

impl Staircase {
    /// Forms the next level in `merged`: every kept partial package of `level` completed
    /// with every option of `term`, dropping those that cannot reach `floor` and those that
    /// another one beats under every completion. Returns false when more than `cap` are kept.
    ///
    /// `level` is sorted by own utility, descending, and ends with [`END`], so for each option
    /// the children come sorted the same way (rounding is monotone) and stop at the first that
    /// cannot reach the floor; a K-way merge visits them all in that order without storing
    /// them. `merged` ends with [`END`] too.
    ///
    /// A child is dropped when an earlier one (so with at least as much own utility) has at
    /// least as much gain and is either lexicographically first (so it also wins every tie) or
    /// ahead in gain by at least `delta` (so rounding cannot turn it into a tie). Addition is
    /// monotone, so completing both with the same options keeps these inequalities. Only the
    /// leader (the most gain so far, ties: lexicographically first) is compared against;
    /// keeping a partial package that could have been dropped is always safe.
    ///
    /// This is the hot part of a small run (a few hundred children per build), so the loop
    /// works on local slices, ends a run at its first child below the floor, skips at once the
    /// children of a run that the leader beats by `delta`, and forms a child's rank only
    /// once it is not beaten by `delta`.
    ///
    /// After the `last` term no completion follows, so only the steps are kept: the children
    /// that beat every child before them in the offer order (more gain, then more own
    /// utility, then lexicographically first). Each is then the best package with own utility
    /// at least its own, and a query needs nothing else.
    fn extend_level(&mut self, term: &[Cand], last: bool, bounds: Bounds) -> bool {
        // Fixed-size, padded tables let the compiler unroll the pick over a few options.
        match (term.len(), last) {
            (0..=4, false) => self.extend_with::<4, false>(term, bounds),
            (0..=4, true) => self.extend_with::<4, true>(term, bounds),
            (5..=8, false) => self.extend_with::<8, false>(term, bounds),
            (5..=8, true) => self.extend_with::<8, true>(term, bounds),
            (_, false) => self.extend_with::<256, false>(term, bounds),
            (_, true) => self.extend_with::<256, true>(term, bounds),
        }
    }

    /// [`Staircase::extend_level`] for terms of at most `N` options (`N` ≥ 256 covers all).
    fn extend_with<const N: usize, const LAST: bool>(&mut self, term: &[Cand], b: Bounds) -> bool {
        let Bounds {
            bits,
            reach,
            low,
            delta,
            cap,
        } = b;
        let level = &self.level[..];
        let merged = &mut self.merged;
        // Option h's next child is `level[heads[h]]` completed with it, of own utility
        // `front[h]`; padding options have no children (own -inf), so they are never picked.
        let mut heads = [0usize; N];
        let mut front = [f64::NEG_INFINITY; N];
        // The options' own utilities, gains and indices in tables of the padded size, read
        // by the picked index with no bounds check.
        let (mut c_own, mut c_gain, mut c_opt) = ([0.0; N], [0.0; N], [0u8; N]);
        for (h, c) in term.iter().enumerate() {
            // -inf when the level is empty ([`END`] only).
            front[h] = level[0].own + c.own;
            (c_own[h], c_gain[h], c_opt[h]) = (c.own, c.gain, c.option);
        }
        // Up to 8 options the whole padded table is scanned (unrolled); beyond, only the options.
        let span = if N <= 8 { N } else { term.len() };
        merged.clear();
        merged.reserve(level.len() * term.len());
        let (mut lead_gain, mut lead_own, mut lead_rank) =
            (f64::NEG_INFINITY, f64::NEG_INFINITY, u64::MAX);
        loop {
            // The largest own utility among the runs' next children; ties to the first option.
            let (mut pick, mut own) = (0, front[0]);
            // An index loop over a fixed-size table compiles to a few compares and moves; the
            // iterator with `enumerate` cost several times as many instructions here.
            #[allow(clippy::needless_range_loop)]
            for h in 1..span {
                if front[h] > own {
                    (pick, own) = (h, front[h]);
                }
            }
            if own == f64::NEG_INFINITY {
                merged.push(END);
                return true;
            }
            let i = head_at(&heads, pick);
            let p = &level[i];
            let (co, cg) = (c_own[pick], c_gain[pick]);
            if own + reach < low {
                // The first of this run that cannot reach the floor: nor can the rest, as
                // the children's own utilities only fall, so the run ends here.
                set_head(&mut heads, &mut front, pick, i, f64::NEG_INFINITY);
                continue;
            }
            let gain = p.gain + cg;
            if lead_gain >= gain + delta {
                // Dropped; so is every later child of this run that the leader already beats
                // by `delta`, since the leader's gain only grows: they are skipped here at a
                // few instructions each instead of each being picked in turn. The others keep
                // their order, so the same children are kept as without the skip. (A skipped
                // child may not reach the floor: it is dropped either way.) The skip stops at
                // [`END`] at the latest.
                let mut j = i + 1;
                while lead_gain >= level[j].gain + cg + delta {
                    j += 1;
                }
                set_head(&mut heads, &mut front, pick, j, level[j].own + co);
                continue;
            }
            set_head(&mut heads, &mut front, pick, i + 1, level[i + 1].own + co);
            let rank = (p.rank << bits) | u64::from(c_opt[pick]);
            if LAST {
                // The offer order against the best child so far, which is the leader here.
                if !super::ahead(gain, own, lead_gain, lead_own).unwrap_or(rank < lead_rank) {
                    continue;
                }
                (lead_gain, lead_own, lead_rank) = (gain, own, rank);
            } else {
                if lead_gain >= gain && lead_rank < rank {
                    continue;
                }
                if gain > lead_gain || (gain == lead_gain && rank < lead_rank) {
                    (lead_gain, lead_rank) = (gain, rank);
                }
            }
            if merged.len() == cap {
                return false;
            }
            merged.push(Entry { own, gain, rank });
        }
    }
}

/// `heads[pick]`. Why not an index: up to 4 options the merge's tables live in registers,
/// and an access by a variable index would put them in memory, where each pick waited for
/// the store of the one before it (a store-to-load forward on the merge's critical path).
#[inline(always)]
fn head_at<const N: usize>(heads: &[usize; N], pick: usize) -> usize {
    if N > 4 {
        return heads[pick];
    }
    let mut i = 0;
    for (h, &v) in heads.iter().enumerate() {
        i = if h == pick { v } else { i };
    }
    i
}

/// `heads[pick] = head` and `front[pick] = own`, by selects up to 4 options (see
/// [`head_at`]); beyond, by index: eight selects for each of two tables cost more than the
/// store's wait (+23 % CPU on 5 terms of 8 options).
#[inline(always)]
fn set_head<const N: usize>(
    heads: &mut [usize; N],
    front: &mut [f64; N],
    pick: usize,
    head: usize,
    own: f64,
) {
    if N > 4 {
        (heads[pick], front[pick]) = (head, own);
        return;
    }
    for h in 0..N {
        let hit = h == pick;
        heads[h] = if hit { head } else { heads[h] };
        front[h] = if hit { own } else { front[h] };
    }
}

/// The offer search's use of its staircase: when to build it, how far down, and the
/// answers from it.
impl super::OfferSearch {
    /// Whether the method calls for the staircase in this run.
    fn staircase_wanted(&self) -> bool {
        match self.method {
            super::Method::BranchAndBound | super::Method::Frontier => false,
            super::Method::Staircase => true,
            super::Method::Auto => self.outcomes <= super::STAIRCASE_MAX_OUTCOMES,
        }
    }

    /// Builds the staircase if this run has not tried yet.
    fn build_staircase(&mut self) {
        if self.stair_ready.is_some() {
            return;
        }
        let delta = self.stair_delta;
        // Not below the floor: targets under it go to branch and bound.
        self.stair_floor = if self.hint > self.floor {
            self.hint
        } else {
            self.floor
        };
        let ok = self.stair.build(
            &self.cands,
            &self.starts,
            &self.suffix_own,
            self.stair_floor,
            super::STAIRCASE_CAP,
            delta,
        );
        self.stair_ready = Some(ok);
        self.last_stair = None;
    }

    /// Answers from the staircase when the method and `target` allow; `None` to fall back.
    pub(super) fn staircase_answer(
        &mut self,
        target: f64,
        out: &mut Vec<u8>,
    ) -> Option<Option<f64>> {
        if !self.staircase_wanted() || target < self.floor {
            return None;
        }
        self.build_staircase();
        // Below a hint (or NaN, answered over every package above the floor): built again,
        // down to the floor, with new step numbers.
        if self.stair_ready == Some(true)
            && (target < self.stair_floor || target.is_nan())
            && self.stair_floor > self.floor
        {
            self.stair_base = self.stair_base.saturating_add(self.stair.steps());
            self.hint = f64::NEG_INFINITY;
            self.stair_ready = None;
            self.build_staircase();
        }
        if self.stair_ready != Some(true) {
            return None;
        }
        Some(self.stair_query(target, out))
    }

    /// The staircase's answer at `target` (built, and `target` at least its floor).
    #[inline]
    pub(super) fn stair_query(&mut self, target: f64, out: &mut Vec<u8>) -> Option<f64> {
        let (j, own) = self.stair_step(target)?;
        if self.last_stair != Some(j) {
            self.stair
                .package(j, self.starts.len() - 1, &mut self.stair_pkg);
            self.last_stair = Some(j);
        }
        out.clone_from(&self.stair_pkg);
        Some(own)
    }

    /// Whether `target` goes to the staircase at once: it is built down to at least there,
    /// and `nearest` is off (the checks of [`OfferSearch::search`] would answer the same).
    #[inline]
    pub(super) fn stair_covers(&self, target: f64) -> bool {
        self.stair_ready == Some(true) && target >= self.stair_floor && !self.nearest.on
    }

    /// The staircase's step at `target` (built, and `target` at least its floor) and its
    /// own utility, recorded as the answer's step number.
    #[inline]
    fn stair_step(&mut self, target: f64) -> Option<(u32, f64)> {
        let Some((j, own)) = self.stair.query(target) else {
            self.answer_step = None;
            return None;
        };
        self.answer_step = Some(self.stair_base + j);
        Some((j, own))
    }

    /// Which package the last [`OfferSearch::search`] answered with, when its staircase did:
    /// its step, the same number for the same package until the next
    /// [`OfferSearch::prepare`], [`OfferSearch::set_method`] or [`OfferSearch::set_floor`]
    /// (a staircase built again below a hint numbers its steps after the first one's), so
    /// that what follows from a package can be kept for the next time it is offered; `None`
    /// otherwise.
    #[inline]
    pub fn answer_step(&self) -> Option<u32> {
        self.answer_step
    }

    /// [`OfferSearch::search`] into a buffer that only this search writes (from one
    /// [`OfferSearch::prepare`] on): when its staircase answers with the same step as its last
    /// answer into `out`, the package is already there and is not written again. Why: a
    /// proposer offers the same package again in most rounds, and the copy of it was a fifth
    /// of a round's cost on the bilateral reference. `out` must hold what this search last
    /// left in it, untouched since.
    #[inline]
    pub fn search_own(&mut self, target: f64, out: &mut Vec<u8>) -> Option<f64> {
        if self.stair_covers(target) {
            // As in `search`, which goes to the staircase at once here.
            let (j, own) = self.stair_step(target)?;
            if self.own_step != self.answer_step {
                self.stair.package(j, self.starts.len() - 1, out);
                self.own_step = self.answer_step;
            }
            return Some(own);
        }
        let answer = self.search(target, out);
        // Whatever `search` wrote is what `out` holds now.
        self.own_step = answer.and(self.answer_step);
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression for the bit-field ranks: a first term with one option (a field of no bits)
    /// before eight terms of 8-bit fields puts a field at shift 64, and ranks use all 64
    /// bits; every answer must still spell out the package that exhaustive search finds.
    #[test]
    fn packages_spelled_from_64_bit_ranks_match_exhaustive_search() {
        // Term 0: option 0 only. Terms 1..=8: options 0 and 255 (8 bits each).
        let mut cands = vec![Cand {
            own: 0.25,
            gain: 0.5,
            lag: 0.0,
            option: 0,
        }];
        let mut starts = vec![0, 1];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            // A fixed xorshift sequence: the test needs varied, reproducible numbers.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..8 {
            for option in [0u8, 255] {
                cands.push(Cand {
                    own: next(),
                    gain: next(),
                    lag: 0.0,
                    option,
                });
            }
            starts.push(cands.len());
        }
        let nt = starts.len() - 1;
        let mut suffix_own = vec![0.0; nt + 1];
        for t in (0..nt).rev() {
            let top = cands[starts[t]..starts[t + 1]]
                .iter()
                .map(|c| c.own)
                .fold(f64::NEG_INFINITY, f64::max);
            suffix_own[t] = suffix_own[t + 1] + top;
        }
        let mut stair = Staircase::default();
        assert!(stair.build(&cands, &starts, &suffix_own, 0.0, 4096, 1e-8));
        // Every package, sums in term order, in lexicographic order of the option indices.
        let mut all: Vec<(Vec<u8>, f64, f64)> = Vec::new();
        for bits in 0u32..256 {
            let (mut pkg, mut own, mut gain) = (vec![0u8], 0.0, 0.0);
            (own, gain) = (own + cands[0].own, gain + cands[0].gain);
            for t in 1..nt {
                let c = cands[starts[t] + ((bits >> (8 - t)) & 1) as usize];
                pkg.push(c.option);
                (own, gain) = (own + c.own, gain + c.gain);
            }
            all.push((pkg, own, gain));
        }
        all.sort_by(|a, b| a.0.cmp(&b.0));
        for k in 0..=40 {
            let target = 0.25 + f64::from(k) * 0.1;
            let mut best: Option<&(Vec<u8>, f64, f64)> = None;
            for p in all.iter().filter(|p| p.1 >= target) {
                if best.is_none_or(|b| super::super::ahead(p.2, p.1, b.2, b.1) == Some(true)) {
                    best = Some(p);
                }
            }
            let mut out = Vec::new();
            let got = stair.query(target).map(|(j, own)| {
                stair.package(j, nt, &mut out);
                own
            });
            assert_eq!(got, best.map(|b| b.1), "target {target}");
            if let Some(b) = best {
                assert_eq!(out, b.0, "target {target}");
            }
        }
    }
}

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

/// No parent: the partial package is empty.
const ROOT: u32 = u32::MAX;

/// A partial package: its sums so far, its rank in lexicographic order (the options read as
/// the digits of a mixed-radix number) and the link that spells out its options.
#[derive(Debug, Clone, Copy)]
struct Entry {
    own: f64,
    gain: f64,
    rank: u64,
    link: u32,
}

/// One option choice: the previous choice's link (or [`ROOT`]) and this term's option.
#[derive(Debug, Clone, Copy)]
struct Link {
    parent: u32,
    option: u8,
}

/// The staircase of one proposer; built once per run, queried every round.
#[derive(Debug, Clone, Default)]
pub(super) struct Staircase {
    links: Vec<Link>,
    level: Vec<Entry>,
    merged: Vec<Entry>,
    term: Vec<Cand>,
    /// Final packages by own utility, ascending.
    finals: Vec<Entry>,
    /// `best_from[i]`: index in `finals` of the best package among `finals[i..]`.
    best_from: Vec<u32>,
    /// Where the last query's target fell in `finals`: a proposer's targets mostly fall a
    /// little each round, so walking from here beats a binary search.
    cursor: usize,
}

impl Staircase {
    /// Builds the staircase for targets at least `floor` from each term's candidates
    /// (`cands[starts[t]..starts[t + 1]]`, any order) and `suffix_own[t]`, the largest own
    /// utility the terms from `t` on can add. Returns false, leaving it unusable, when some
    /// level keeps more than `cap` partial packages.
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
        self.links.clear();
        self.level.clear();
        self.level.push(Entry {
            own: 0.0,
            gain: 0.0,
            rank: 0,
            link: ROOT,
        });
        let mut radix: u64 = 1;
        for t in 0..nt {
            self.term.clear();
            self.term
                .extend_from_slice(&cands[starts[t]..starts[t + 1]]);
            // Any radix above this term's largest option index keeps ranks in lexicographic order.
            let width = self
                .term
                .iter()
                .map(|c| usize::from(c.option) + 1)
                .max()
                .unwrap_or(1);
            let Some(r) = radix.checked_mul(width as u64) else {
                return false;
            };
            radix = r;
            let reach = suffix_own[t + 1];
            if !self.extend_level(width as u64, reach, floor, delta, cap) {
                return false;
            }
            std::mem::swap(&mut self.level, &mut self.merged);
        }
        self.finals.clear();
        self.finals.extend(self.level.iter().rev());
        self.cursor = self.finals.len();
        self.best_from.clear();
        self.best_from.resize(self.finals.len(), 0);
        for i in (0..self.finals.len()).rev() {
            let keep_later = i + 1 < self.finals.len() && {
                let b = self.finals[self.best_from[i + 1] as usize];
                beats(&b, &self.finals[i])
            };
            self.best_from[i] = if keep_later {
                self.best_from[i + 1]
            } else {
                i as u32
            };
        }
        true
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
        let j = *self.best_from.get(i)?;
        Some((j, self.finals[j as usize].own))
    }

    /// Writes the options of final package `j` (one per term) to `out`.
    pub(super) fn package(&self, j: u32, n_terms: usize, out: &mut Vec<u8>) {
        // Every option is written below: a buffer of the right length (the previous
        // package's, as a rule) is reused without clearing.
        if out.len() != n_terms {
            out.clear();
            out.resize(n_terms, 0);
        }
        let mut link = self.finals[j as usize].link;
        for t in (0..n_terms).rev() {
            let l = self.links[link as usize];
            out[t] = l.option;
            link = l.parent;
        }
    }
}

/// Whether complete package `x` comes before `y` in the offer order: more gain, then more own
/// utility, then lexicographically first.
#[inline]
fn beats(x: &Entry, y: &Entry) -> bool {
    super::ahead(x.gain, x.own, y.gain, y.own).unwrap_or(x.rank < y.rank)
}

impl Staircase {
    /// Forms the next level in `merged`: every kept partial package of `level` completed
    /// with every option of `term`, dropping those that cannot reach `floor` and those that
    /// another one beats under every completion. Returns false when more than `cap` are kept.
    ///
    /// `level` is sorted by own utility, descending, so for each option the children come
    /// sorted the same way (rounding is monotone) and stop at the first that cannot reach the
    /// floor; a K-way merge visits them all in that order without storing them.
    ///
    /// A child is dropped when an earlier one (so with at least as much own utility) has at
    /// least as much gain and is either lexicographically first (so it also wins every tie) or
    /// ahead in gain by at least `delta` (so rounding cannot turn it into a tie). Addition is
    /// monotone, so completing both with the same options keeps these inequalities. Only the
    /// leader (the most gain so far, ties: lexicographically first) is compared against;
    /// keeping a partial package that could have been dropped is always safe.
    ///
    /// This is the hot part of a small run (a few hundred children per build), so the loop
    /// works on local slices, finds each option's run length up front and forms a child's
    /// rank only when a tie with the leader needs it.
    fn extend_level(&mut self, width: u64, reach: f64, floor: f64, delta: f64, cap: usize) -> bool {
        // Fixed-size, padded tables let the compiler unroll the pick over a few options.
        match self.term.len() {
            0..=4 => self.extend_with::<4>(width, reach, floor, delta, cap),
            5..=8 => self.extend_with::<8>(width, reach, floor, delta, cap),
            _ => self.extend_with::<256>(width, reach, floor, delta, cap),
        }
    }

    /// [`Staircase::extend_level`] for terms of at most `N` options (`N` ≥ 256 covers all).
    fn extend_with<const N: usize>(
        &mut self,
        width: u64,
        reach: f64,
        floor: f64,
        delta: f64,
        cap: usize,
    ) -> bool {
        let (level, term) = (&self.level[..], &self.term[..]);
        let low = floor - super::PRUNE_EPS;
        let (merged, links) = (&mut self.merged, &mut self.links);
        // Padding options have no children (own -inf), so they are never picked.
        let mut ends = [0usize; N];
        let mut heads = [0usize; N];
        let mut front = [f64::NEG_INFINITY; N];
        for (h, c) in term.iter().enumerate() {
            // Option h's children are `level[..end]`: the run stops at the first child that
            // cannot reach the floor, as the children's own utilities only fall.
            let end = level
                .iter()
                .take_while(|p| p.own + c.own + reach >= low)
                .count();
            ends[h] = end;
            if end > 0 {
                front[h] = level[0].own + c.own;
            }
        }
        // Up to 8 options the whole padded table is scanned (unrolled); beyond, only the options.
        let span = if N <= 8 { N } else { term.len() };
        merged.clear();
        merged.reserve(level.len() * term.len());
        links.reserve(level.len() * term.len());
        let (mut lead_gain, mut lead_rank) = (f64::NEG_INFINITY, u64::MAX);
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
                return true;
            }
            let i = heads[pick];
            let (p, c) = (&level[i], &term[pick]);
            let gain = p.gain + c.gain;
            if lead_gain >= gain + delta {
                // Dropped; so is every later child of this run that the leader already beats
                // by `delta`, since the leader's gain only grows: they are skipped here at a
                // few instructions each instead of each being picked in turn. The others keep
                // their order, so the same children are kept as without the skip.
                let mut j = i + 1;
                while j < ends[pick] && lead_gain >= level[j].gain + c.gain + delta {
                    j += 1;
                }
                heads[pick] = j;
                front[pick] = if j < ends[pick] {
                    level[j].own + c.own
                } else {
                    f64::NEG_INFINITY
                };
                continue;
            }
            heads[pick] = i + 1;
            front[pick] = if i + 1 < ends[pick] {
                level[i + 1].own + c.own
            } else {
                f64::NEG_INFINITY
            };
            let rank = p.rank * width + u64::from(c.option);
            if lead_gain >= gain && lead_rank < rank {
                continue;
            }
            if gain > lead_gain || (gain == lead_gain && rank < lead_rank) {
                (lead_gain, lead_rank) = (gain, rank);
            }
            if merged.len() == cap {
                return false;
            }
            links.push(Link {
                parent: p.link,
                option: c.option,
            });
            merged.push(Entry {
                own,
                gain,
                rank,
                link: (links.len() - 1) as u32,
            });
        }
    }
}

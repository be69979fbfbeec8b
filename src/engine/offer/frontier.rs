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
    /// The children of the level, by the position of their option in the term (see
    /// `frontier_search`), with the next position to merge of each and the merge's heap.
    buckets: Vec<Vec<(Node, u8)>>,
    next: Vec<usize>,
    heap: Vec<u32>,
    heads: Vec<HeadKey>,
    /// (parent link, option) of every kept partial package.
    links: Vec<(u32, u8)>,
    /// By term (file order): Σ over the terms from it on of the largest gain, `gain + λ·own`.
    suffix_gain: Vec<f64>,
    suffix_lag: Vec<f64>,
}

/// Whether the lexicographic ranks of packages of these terms fit in a `u128`.
pub(super) fn ranks_fit(cands: &[Cand], starts: &[usize]) -> bool {
    // In `u64` while it fits (a hardware multiplication; `u128::checked_mul` is a library
    // call, and this runs for every proposer of every run), then in `u128`.
    let (mut small, mut radix): (Option<u64>, u128) = (Some(1), 1);
    for t in 0..starts.len() - 1 {
        let width = cands[starts[t]..starts[t + 1]]
            .iter()
            .map(|c| u64::from(c.option) + 1)
            .max()
            .unwrap_or(1);
        if let Some(r) = small {
            small = r.checked_mul(width);
            if small.is_some() {
                continue;
            }
            radix = u128::from(r);
        }
        match radix.checked_mul(u128::from(width)) {
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
        let delta = self.stair_delta;
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
            let k = term.len();
            if fr.buckets.len() < k {
                fr.buckets.resize_with(k, Vec::new);
            }
            for b in &mut fr.buckets[..k] {
                b.clear();
            }
            for p in &fr.level {
                // The options come in order of `gain + λ·own` (see `set_multiplier`), so the
                // Lagrangian bound only falls along them: the first that fails it ends the
                // parent's children, and records the largest certificate among them.
                let base = p.gain + lambda * (p.own - target) + rest_lag;
                for (i, c) in term.iter().enumerate() {
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
                    fr.buckets[i].push((node, c.option));
                }
            }
            // The children are wanted in `child_first` order: more own utility first, among
            // equal own the one that beats the others first. The parents are in that order
            // and adding one option's sums keeps it (addition is monotone, the rank order is
            // kept), except where rounding makes two sums equal: an insertion pass over each
            // bucket repairs those few, and a merge of the buckets (a heap of their heads)
            // replaces the sort of all children, which took most of a hand-over's time on
            // 20 × 50. The order is total (ranks differ), so this is the sort's order exactly.
            for b in &mut fr.buckets[..k] {
                insertion_sort(b);
            }
            // The heap holds bucket numbers, ordered by their next child's key (cached in
            // `heads`, so that a comparison reads one small array).
            fr.next.clear();
            fr.next.resize(k, 0);
            fr.heads.clear();
            fr.heads.extend(fr.buckets[..k].iter().map(|b| {
                b.first()
                    .map_or(HeadKey::default(), |(n, _)| HeadKey::of(n))
            }));
            fr.heap.clear();
            fr.heap
                .extend((0..k as u32).filter(|&i| !fr.buckets[i as usize].is_empty()));
            let (buckets, next, heap, heads) =
                (&fr.buckets, &mut fr.next, &mut fr.heap, &mut fr.heads);
            for i in (0..heap.len() / 2).rev() {
                sift_down(heap, heads, i);
            }
            fr.level.clear();
            let (mut lead_gain, mut lead_rank) = (f64::NEG_INFINITY, u128::MAX);
            while let Some(&b) = heap.first() {
                let bucket = &buckets[b as usize];
                let at = &mut next[b as usize];
                let (node, option) = bucket[*at];
                *at += 1;
                if let Some((n, _)) = bucket.get(*at) {
                    heads[b as usize] = HeadKey::of(n);
                } else {
                    let last = heap.pop().expect("non-empty");
                    if !heap.is_empty() {
                        heap[0] = last;
                    }
                }
                sift_down(heap, heads, 0);
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

/// The order of the kept partial packages: more own utility first, then more gain, then the
/// lexicographically first (the order the fallback's dominance rule reads them in).
#[inline]
fn child_first(x: &Node, y: &Node) -> bool {
    y.own
        .total_cmp(&x.own)
        .then(y.gain.total_cmp(&x.gain))
        .then(x.rank.cmp(&y.rank))
        .is_lt()
}

/// Sorts nearly sorted children in [`child_first`] order (linear when already sorted).
fn insertion_sort(v: &mut [(Node, u8)]) {
    for i in 1..v.len() {
        if !child_first(&v[i].0, &v[i - 1].0) {
            continue;
        }
        let x = v[i];
        let mut j = i;
        while j > 0 && child_first(&x.0, &v[j - 1].0) {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

/// The sort key of a bucket's next child: own and gain as integers in the order of
/// `f64::total_cmp` (the same order as [`child_first`]), and the rank.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct HeadKey {
    own: i64,
    gain: i64,
    rank: u128,
}

impl HeadKey {
    #[inline]
    fn of(n: &Node) -> HeadKey {
        // The bit trick of `f64::total_cmp`.
        let key = |x: f64| {
            let bits = x.to_bits() as i64;
            bits ^ ((((bits >> 63) as u64) >> 1) as i64)
        };
        HeadKey {
            own: key(n.own),
            gain: key(n.gain),
            rank: n.rank,
        }
    }

    /// Whether `self` comes before `other` in [`child_first`] order.
    #[inline]
    fn first(&self, other: &HeadKey) -> bool {
        if self.own != other.own {
            return self.own > other.own;
        }
        if self.gain != other.gain {
            return self.gain > other.gain;
        }
        self.rank < other.rank
    }
}

/// Restores the heap property (the bucket whose next child comes first on top) below `i`.
#[inline]
fn sift_down(heap: &mut [u32], heads: &[HeadKey], mut i: usize) {
    let n = heap.len();
    loop {
        let l = 2 * i + 1;
        if l >= n {
            return;
        }
        let mut top = l;
        if l + 1 < n && heads[heap[l + 1] as usize].first(&heads[heap[l] as usize]) {
            top = l + 1;
        }
        if !heads[heap[top] as usize].first(&heads[heap[i] as usize]) {
            return;
        }
        heap.swap(i, top);
        i = top;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Terms of the given widths (options numbered from 0).
    fn terms(widths: &[u32]) -> (Vec<Cand>, Vec<usize>) {
        let (mut cands, mut starts) = (Vec::new(), vec![0]);
        for &w in widths {
            cands.extend((0..w).map(|o| Cand {
                own: 0.0,
                gain: 0.0,
                lag: 0.0,
                option: o as u8,
            }));
            starts.push(cands.len());
        }
        (cands, starts)
    }

    #[test]
    fn ranks_fit_exactly_when_the_product_of_the_widths_fits_a_u128() {
        let fits = |widths: &[u32]| {
            let (c, s) = terms(widths);
            ranks_fit(&c, &s)
        };
        // 2^64 leaves `u64` at the last term, 2^128 leaves `u128`.
        assert!(fits(&[256; 8]));
        assert!(fits(&[256; 15]));
        assert!(!fits(&[256; 16]));
        let mut w = vec![256; 15];
        w.push(255);
        assert!(fits(&w));
        w.push(2);
        assert!(!fits(&w));
        assert!(fits(&[50; 20]));
        assert!(!fits(&[50; 23]));
        assert!(fits(&[5; 20]));
        assert!(fits(&[]));
    }
}

//! The outcome space and the proposer's offer search.
//!
//! A proposer offers, among the packages that meet its own target and cross no signatory's red
//! line, the one that maximizes the other signatories' summed *estimated* utility. Ties go to
//! the higher own utility, then to the lexicographically smallest option indices. With linear
//! additive utilities this is a multiple-choice knapsack problem; [`OfferSearch`] solves it
//! exactly, never by listing the outcome space: for small spaces by building the whole answer
//! function once per run (the staircase, `offer/staircase.rs`), otherwise by a depth-first
//! branch and bound per query (see [`Method`]). [`exhaustive_offer`] is the reference both are
//! tested against.
//!
//! Exactness: every sum that decides (is the target met? which package wins?) is formed term by
//! term in file order from 0, as [`exhaustive_offer`] forms it; sums formed in another order
//! only ever prune, with a slack far above their rounding.

use crate::engine::model::Model;
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

mod bnb;
mod frontier;
mod nearest;
pub mod quota;
mod staircase;

use bnb::*;

/// The searches check for a stop request every this many nodes (a power of two minus one, as
/// a mask): often enough to stop within milliseconds, rarely enough to cost nothing.
const STOP_CHECK_MASK: u64 = (1 << 14) - 1;

thread_local! {
    /// The stop request that this thread's searches observe (see [`stoppable`]).
    static STOP: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
    /// Whether a search on this thread was stopped since [`stoppable`] began.
    static STOPPED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with every offer search on this thread observing `stop`: once it is set, the
/// search in progress gives up within a few thousand nodes and every later one at once,
/// answering "no offer". Why: one search can take minutes when the branch and bound prunes
/// badly, and Ctrl-C or a timed-out estimate must not wait for it. Returns `f`'s result and
/// whether a search was stopped, in which case the runs in progress did not play as they
/// would have and must be discarded.
pub fn stoppable<T>(stop: &Arc<AtomicBool>, f: impl FnOnce() -> T) -> (T, bool) {
    let outer = STOP.with(|s| s.replace(Some(Arc::clone(stop))));
    let outer_stopped = STOPPED.with(|s| s.replace(false));
    // Restored even if `f` panics, so that a reused thread does not keep this request.
    struct Restore(Option<Option<Arc<AtomicBool>>>, bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take().flatten();
            STOP.with(|s| *s.borrow_mut() = outer);
            STOPPED.with(|s| s.set(self.1));
        }
    }
    let restore = Restore(Some(outer), outer_stopped);
    let out = f();
    let stopped = STOPPED.with(Cell::get);
    drop(restore);
    (out, stopped)
}

/// Whether a search on this thread was stopped (inside [`stoppable`]).
pub fn stopped() -> bool {
    STOPPED.with(Cell::get)
}

/// Checks this thread's stop request; records and returns whether it is set.
fn stop_requested() -> bool {
    let stop = STOP.with(|s| {
        s.borrow()
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
    });
    if stop {
        STOPPED.with(|s| s.set(true));
    }
    stop
}

use staircase::Staircase;

/// Which exact method answers a proposer's queries (all give the same offers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// The staircase when the proposer's outcome space is small, else branch and bound.
    #[default]
    Auto,
    /// Depth-first branch and bound on every query.
    BranchAndBound,
    /// The whole staircase once per run, then a binary search per query (falls back to
    /// branch and bound when the staircase grows too large or a target is below the floor).
    Staircase,
    /// Branch and bound that hands every query over to its frontier fallback at once (the
    /// fallback otherwise answers only queries that take too many nodes; for tests).
    Frontier,
}

/// Largest outcome space (packages of allowed options) that [`Method::Auto`] builds the
/// staircase for: beyond it, the branch and bound's few nodes per query cost less.
pub const STAIRCASE_MAX_OUTCOMES: f64 = 50_000.0;

/// Most partial packages the staircase keeps at one term before giving up.
const STAIRCASE_CAP: usize = 4096;

/// Nodes a depth-first search may visit before the frontier fallback (`offer/frontier.rs`)
/// answers instead. Why: most queries finish within a few thousand nodes, and then the
/// search is cheaper; the few that do not can take it hundreds of millions.
const DFS_BUDGET: u64 = 1 << 11;

/// One candidate option of a term, as seen by the proposer.
#[derive(Debug, Clone, Copy)]
struct Cand {
    own: f64,
    gain: f64,
    /// `gain + λ·own` for the current search's multiplier λ (the DFS order within a term).
    lag: f64,
    option: u8,
}

/// One step along a term's upper convex hull in the (own, gain) plane: moving to the next
/// hull point gains `d_own` own utility at the price of `slope` gain per unit.
#[derive(Debug, Clone, Copy)]
struct Step {
    slope: f64,
    d_own: f64,
}

/// Search tables of one proposer for one run; reused across deadlines and rounds.
///
/// The branch and bound goes depth first over the terms, the clear-cut ones (a large margin
/// between their best and second-best option under the bound below) first. Each node is
/// bounded twice: by the sum of the remaining terms' best gains, and by the Lagrangian bound
/// `Σ max(gain + λ·own) − λ·(still needed own)` whose multiplier λ is the LP-optimal one at the
/// root (the slope of the critical step when the hull steps of all terms are taken greedily,
/// cheapest first: the LP relaxation of the multiple-choice knapsack). Within a term the
/// options are tried in order of `gain + λ·own`, so the first leaf reached is the LP solution
/// rounded up, and the bound lets the loop stop at the first option that cannot win.
#[derive(Debug, Clone, Default)]
pub struct OfferSearch {
    cands: Vec<Cand>,
    starts: Vec<usize>,
    /// `suffix_own[t]`: the largest own utility the terms from `t` on can add (file order).
    suffix_own: Vec<f64>,
    /// Hull steps of all terms, cheapest (smallest slope) first.
    steps: Vec<Step>,
    /// `steps_own[i]`: own utility gained by taking steps `0..=i`.
    steps_own: Vec<f64>,
    /// Own utility of the package made of every term's best-gain option.
    base_own: f64,
    lambda: f64,
    slack: f64,
    /// `order[d]`: the term decided at depth `d` of the search (most clear-cut terms first).
    order: Vec<usize>,
    /// By depth: Σ over the terms from depth `d` on of the largest own, gain, `gain + λ·own`.
    depth_own: Vec<f64>,
    depth_gain: Vec<f64>,
    depth_lag: Vec<f64>,
    /// Per term: its largest own utility and gain, and the margin of its best `gain + λ·own`
    /// over the second best.
    term_own: Vec<f64>,
    term_gain: Vec<f64>,
    /// (the margin as a key in the order of [`f64::total_cmp`])
    term_margin: Vec<i64>,
    term_top: Vec<f64>,
    /// (margin key, term) in search order, the scratch of the term sort.
    term_keys: Vec<(i64, usize)>,
    /// Own utility and gain by term and option index (`exact_at[t] + option`), to add up a
    /// leaf in file order.
    exact: Vec<(f64, f64)>,
    exact_at: Vec<usize>,
    cur: Vec<u8>,
    best: Vec<u8>,
    best_gain: f64,
    best_own: f64,
    found: bool,
    /// The previous answer (own, gain; package in `last_pkg`): feasible again whenever the
    /// target allows, and still the answer for every target in `(last_valid_above, own]`.
    last: Option<(f64, f64)>,
    last_valid_above: f64,
    /// Largest own utility that a package beating the current answer may have (see `dfs`).
    cert: f64,
    last_pkg: Vec<u8>,
    /// The multiplier the candidate order and `depth_lag` were last set up for.
    lambda_ready: Option<f64>,
    hull: Vec<(f64, f64)>,
    nodes: u64,
    /// Set when a stop request ended the search in progress (see [`stoppable`]).
    halted: bool,
    reused: u64,
    /// Whether the hull steps (branch-and-bound tables) exist for this run.
    bnb_ready: bool,
    /// The node count at which the depth-first search hands over to the frontier fallback
    /// (`u64::MAX`: never), and whether it did.
    budget: u64,
    over_budget: bool,
    /// Whether this run's packages can be ranked for the fallback (`frontier.rs`); formed in
    /// `prepare_bnb`.
    frontier_ok: bool,
    frontier: frontier::Frontier,
    method: Method,
    floor: f64,
    outcomes: f64,
    stair: Staircase,
    /// The gain margin beyond which rounding cannot turn a lead into a tie: the gains may be
    /// any objective, so it is scaled to their size (`PRUNE_EPS · (1 + Σ max |gain|)`).
    stair_delta: f64,
    /// `None`: not built yet this run; `Some(false)`: too large, not used.
    stair_ready: Option<bool>,
    /// Targets below this are not expected in this run (see [`OfferSearch::set_hint`]).
    hint: f64,
    /// The floor the staircase was built down to: `floor`, or `hint` when higher.
    stair_floor: f64,
    /// Added to the staircase's step numbers, so that a staircase built again in the same
    /// run (down to the floor, after a hint proved too high) numbers its steps anew.
    stair_base: u32,
    /// The staircase step whose package `stair_pkg` holds.
    last_stair: Option<u32>,
    /// The staircase step of the last search's answer; `None` when another search answered.
    answer_step: Option<u32>,
    /// The step whose package [`OfferSearch::search_own`] last left in its caller's buffer.
    own_step: Option<u32>,
    stair_pkg: Vec<u8>,
    /// The dedicated search of the `nearest` objective (`offer/nearest.rs`), when it is on.
    nearest: nearest::Nearest,
}

/// Slack used only when pruning, so that rounding in the bounds never cuts a true optimum.
const PRUNE_EPS: f64 = 1e-9;

/// Largest Lagrange multiplier used; any λ ≥ 0 gives a valid bound, and capping it keeps the
/// rounding slack (which grows with λ) meaningful.
const MAX_LAMBDA: f64 = 1e6;

impl OfferSearch {
    /// Builds the tables for proposer `a` from its own utility table `own` and the estimated
    /// gain table `gain` (both flat over options), keeping only the options it may offer.
    ///
    /// `gain` can be any per-option objective: maximizing `-own`, for example, finds the
    /// package with the lowest own utility that still meets the target.
    pub fn prepare(&mut self, model: &Model, a: usize, own: &[f64], gain: &[f64]) {
        let nt = model.n_terms();
        let no = model.n_opts;
        self.cands.clear();
        self.starts.clear();
        self.outcomes = 1.0;
        self.term_own.clear();
        self.term_own.resize(nt, 0.0);
        self.term_gain.clear();
        self.term_gain.resize(nt, 0.0);
        // The staircase's gain margin (see `stair_delta`), from each term's largest |gain|.
        let mut size = 0.0;
        for t in 0..nt {
            let s = self.cands.len();
            self.starts.push(s);
            let range = model.term_range(t);
            let first = range.start;
            // Each term's largest own utility and gain and |gain|, over the allowed options
            // in option order, in the one pass that collects them.
            let (mut mo, mut mg, mut ma) = (f64::NEG_INFINITY, f64::NEG_INFINITY, 0.0f64);
            for k in range {
                if model.allowed[a * no + k] {
                    let (o, g) = (own[k], gain[k]);
                    self.cands.push(Cand {
                        own: o,
                        gain: g,
                        lag: g,
                        option: (k - first) as u8,
                    });
                    (mo, mg, ma) = (mo.max(o), mg.max(g), ma.max(g.abs()));
                }
            }
            (self.term_own[t], self.term_gain[t]) = (mo, mg);
            size += ma;
            self.outcomes *= (self.cands.len() - s) as f64;
        }
        self.stair_delta = PRUNE_EPS * (1.0 + size);
        self.starts.push(self.cands.len());
        self.suffix_own.clear();
        self.suffix_own.resize(nt + 1, 0.0);
        for t in (0..nt).rev() {
            self.suffix_own[t] = self.suffix_own[t + 1] + self.term_own[t];
        }
        self.last = None;
        self.lambda_ready = None;
        self.bnb_ready = false;
        self.stair_ready = None;
        self.last_stair = None;
        self.stair_base = 0;
        self.own_step = None;
        self.hint = f64::NEG_INFINITY;
        self.floor = f64::NEG_INFINITY;
        self.nodes = 0;
        self.reused = 0;
        self.nearest.reset();
    }

    /// Chooses the method (the default is [`Method::Auto`]); takes effect from the next query.
    pub fn set_method(&mut self, method: Method) {
        self.method = method;
        self.stair_ready = None;
        self.own_step = None;
    }

    /// Declares that targets below `floor` will not come (or only rarely) in this run, so the
    /// staircase need not cover them; such a target is still answered exactly, by branch and
    /// bound. Call after [`OfferSearch::prepare`].
    pub fn set_floor(&mut self, floor: f64) {
        self.floor = floor;
        self.hint = f64::NEG_INFINITY;
        self.stair_ready = None;
        self.own_step = None;
    }

    /// Declares that targets below `low` are not expected in this run (a proposer's target
    /// late in the talks), so the staircase is first built only down to it, and built again
    /// down to the floor if a lower target comes. The answers are the same either way; only
    /// their cost changes. Why: a proposer that holds out never asks far below its early
    /// targets, and the levels above a high floor are a fraction of the whole. Takes effect
    /// from the next build; [`OfferSearch::prepare`] and [`OfferSearch::set_floor`] clear it.
    pub fn set_hint(&mut self, low: f64) {
        self.hint = low;
    }

    /// Builds the branch-and-bound tables: the sums by option index, the depth tables and
    /// every term's hull steps, sorted by slope. Why not in [`OfferSearch::prepare`]: a run
    /// the staircase answers never reads them (they were 10 % of a small run's preparation).
    fn prepare_bnb(&mut self) {
        let nt = self.starts.len() - 1;
        // Only the branch and bound's budget reads it (0.9 % of the bilateral reference's
        // instructions when every run formed it).
        self.frontier_ok = frontier::ranks_fit(&self.cands, &self.starts);
        // Only allowed options are ever summed; the others' slots stay 0.
        self.exact.clear();
        self.exact_at.clear();
        for t in 0..nt {
            let term = &self.cands[self.starts[t]..self.starts[t + 1]];
            let width = term.iter().map(|c| usize::from(c.option) + 1).max();
            let at = self.exact.len();
            self.exact_at.push(at);
            self.exact.resize(at + width.unwrap_or(0), (0.0, 0.0));
            for c in term {
                self.exact[at + usize::from(c.option)] = (c.own, c.gain);
            }
        }
        for v in [
            &mut self.depth_own,
            &mut self.depth_gain,
            &mut self.depth_lag,
        ] {
            v.clear();
            v.resize(nt + 1, 0.0);
        }
        self.cur.clear();
        self.cur.resize(nt, 0);
        // Any permutation of the terms will do as the starting point of the term sort.
        self.order.clear();
        self.order.extend(0..nt);
        self.steps.clear();
        self.base_own = 0.0;
        for t in 0..nt {
            let term = &mut self.cands[self.starts[t]..self.starts[t + 1]];
            self.base_own += hull_steps(term, &mut self.hull, &mut self.steps);
        }
        self.steps.sort_by(|x, y| x.slope.total_cmp(&y.slope));
        self.steps_own.clear();
        let mut cum = 0.0;
        for st in &self.steps {
            cum += st.d_own;
            self.steps_own.push(cum);
        }
        self.bnb_ready = true;
    }

    /// Finds the best package with own utility at least `target`; writes it to `out` and
    /// returns its own utility, or `None` when no allowed package reaches the target.
    pub fn search(&mut self, target: f64, out: &mut Vec<u8>) -> Option<f64> {
        // Once this run's staircase is built, a target in its range goes to it at once: the
        // checks below would answer the same (a target beyond every package's own utility
        // by `PRUNE_EPS` is beyond every step too; the staircase comes before the other
        // searches unless `nearest` is on), and were a tenth of the bilateral reference's
        // per-round cost.
        if self.stair_covers(target) {
            return self.stair_query(target, out);
        }
        self.answer_step = None;
        self.found = false;
        self.best_gain = f64::NEG_INFINITY;
        self.best_own = f64::NEG_INFINITY;
        if self.suffix_own[0] < target - PRUNE_EPS || !self.suffix_own[0].is_finite() {
            return None;
        }
        if self.nearest.on {
            if stopped() {
                // The run is being discarded: answer at once.
                return None;
            }
            if let Some(answer) = self.nearest_answer(target, out) {
                return answer;
            }
        }
        // The staircase answers at once (after one small build per run), so only the slower
        // searches below look for a stop request (its thread-local read every round was
        // 0.5 % of the bilateral reference's instructions).
        if let Some(answer) = self.staircase_answer(target, out) {
            return answer;
        }
        if stopped() {
            // The run is being discarded: answer at once.
            return None;
        }
        if let Some((own, _)) = self.last
            && target <= own
            && target > self.last_valid_above
        {
            // Proven by the search that found it: every package that beats it has own
            // utility at most `last_valid_above`, so it is still the best one above target.
            self.reused += 1;
            out.clear();
            out.extend_from_slice(&self.last_pkg);
            return Some(own);
        }
        if !self.bnb_ready {
            self.prepare_bnb();
        }
        self.set_multiplier(target);
        // Start from the best known feasible package, so that pruning bites from the first
        // node: the previous answer if it still meets the target, and the LP solution
        // rounded up (each term's option of largest gain + λ·own).
        if let Some((own, gain)) = self.last
            && own >= target
        {
            self.best.clone_from(&self.last_pkg);
            (self.best_own, self.best_gain, self.found) = (own, gain, true);
        }
        self.try_rounded_lp(target);
        self.cert = f64::NEG_INFINITY;
        self.halted = false;
        self.over_budget = false;
        self.budget = match self.method {
            _ if !self.frontier_ok => u64::MAX,
            Method::Frontier => self.nodes,
            _ => self.nodes.saturating_add(DFS_BUDGET),
        };
        self.dfs(0, 0.0, 0.0, target);
        if self.over_budget {
            // Too many nodes: the fallback answers from the incumbent found so far, or, if
            // it keeps too many partial packages, the search runs on without a budget.
            self.over_budget = false;
            self.halted = false;
            if !self.frontier_search(target) {
                self.budget = u64::MAX;
                self.cert = f64::NEG_INFINITY;
                self.dfs(0, 0.0, 0.0, target);
            }
        }
        if self.halted {
            // Unfinished: neither an answer nor a proof to reuse.
            self.last = None;
            return None;
        }
        if !self.found {
            return None;
        }
        self.last = Some((self.best_own, self.best_gain));
        self.last_valid_above = self.cert;
        self.last_pkg.clone_from(&self.best);
        out.clear();
        out.extend_from_slice(&self.best);
        Some(self.best_own)
    }

    /// Search nodes visited since [`OfferSearch::prepare`] (a machine-independent cost measure).
    pub fn nodes_visited(&self) -> u64 {
        self.nodes
    }

    /// Searches since [`OfferSearch::prepare`] answered from the previous answer's proof.
    pub fn answers_reused(&self) -> u64 {
        self.reused
    }
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

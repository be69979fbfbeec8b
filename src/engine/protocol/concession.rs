//! A table of each agent's concession factor `1 - t^(1/e)` by round.
//!
//! Why: the factor costs a `powf`, a proposer needs it every round, and when an agent's
//! exponent and clock are fixed in the scenario (not drawn per run) it is the same in every run
//! of a deadline. The table keeps it for as long as the numbers it depends on stay the same
//! (compared bit for bit), and fills it lazily with the very `powf` it replaces, so a looked-up
//! factor has the bits of a computed one.

use crate::engine::model::Instance;
use crate::engine::strategy::{concession, target_at};

/// Longest table kept per agent; later rounds are computed every time.
const MAX_ROUNDS: usize = 1 << 14;

/// Per agent: what its factors depend on, and the factors by round (NaN: not computed yet).
#[derive(Debug, Default, Clone)]
struct AgentTable {
    /// (exponent, horizon, deadline belief) as bits, and the deadline.
    key: Option<([u64; 3], u32)>,
    factors: Vec<f64>,
    /// Whether the last [`Concession::prime`] kept the table (same numbers as the run before).
    kept: bool,
    /// The run's numbers a target needs besides the factor, set by [`Concession::prime`] for
    /// [`Concession::plain_target`]: the exponent, the no-deal value, the best utility, and
    /// the target when it does not concede (no exponent, or nothing it may offer).
    exponent: f64,
    reservation: f64,
    best: f64,
    fixed: Option<f64>,
}

/// The concession factors of every agent (see the module docs).
#[derive(Debug, Default, Clone)]
pub(super) struct Concession {
    agents: Vec<AgentTable>,
}

impl Concession {
    /// Makes every agent's table ready for the run `inst` and `deadline`; once per
    /// negotiation, before any [`Concession::factor`], so that the hot lookup need not check
    /// what the table was filled for.
    pub(super) fn prime(&mut self, inst: &Instance, deadline: u32) {
        let n = inst.exponent.len();
        if self.agents.len() < n {
            self.agents.resize_with(n, AgentTable::default);
        }
        for (a, table) in self.agents.iter_mut().enumerate().take(n) {
            table.kept = false;
            (table.reservation, table.best) = (inst.reservation[a], inst.best[a]);
            // As `target_with` decides, for an agent whose decisions do not change with delay.
            table.fixed = if !table.best.is_finite() {
                Some(table.reservation)
            } else {
                inst.exponent[a].is_none().then_some(table.best)
            };
            let Some(e) = inst.exponent[a] else {
                // No table: a hardliner's target is its best utility.
                table.key = None;
                continue;
            };
            table.exponent = e;
            let key = (
                [
                    e.to_bits(),
                    inst.horizon[a].to_bits(),
                    inst.belief[a].to_bits(),
                ],
                deadline,
            );
            if table.key != Some(key) {
                table.key = Some(key);
                table.factors.clear();
                table
                    .factors
                    .resize((deadline as usize + 2).min(MAX_ROUNDS), f64::NAN);
            } else {
                table.kept = true;
            }
        }
    }

    /// Whether agent `a`'s table was kept from the negotiation before (its exponent, clock
    /// and deadline did not change): then an exact factor soon costs only a lookup, as every
    /// round's slot is filled once and stays, and is cheaper than any approximation.
    #[inline]
    pub(super) fn kept(&self, a: usize) -> bool {
        self.agents[a].kept
    }

    /// Agent `a`'s target in `round` (its `ws_target`) for an agent whose decisions do not
    /// change with delay (its bit of `inst.delayed` clear), from the numbers primed for the
    /// run: the same arithmetic on the same factor, so the same bits. Why: the plain round
    /// loop asks for two targets a round, and reading the run's numbers from the instance
    /// each time (with their checks) was most of a target's cost.
    #[inline(always)]
    pub(super) fn plain_target(
        &mut self,
        inst: &Instance,
        a: usize,
        round: u32,
        deadline: u32,
    ) -> f64 {
        let table = &mut self.agents[a];
        if let Some(t) = table.fixed {
            return t;
        }
        let f = table.factor(inst, a, table.exponent, round, deadline);
        target_at(table.reservation, table.best, f)
    }

    /// Agent `a`'s factor `1 - t^(1/e)` in `round` of a negotiation with `deadline` rounds,
    /// `e` being its exponent (`inst.exponent[a]`). The table must have been primed for
    /// `inst` and `deadline` ([`Concession::prime`]).
    #[inline(always)]
    pub(super) fn factor(
        &mut self,
        inst: &Instance,
        a: usize,
        e: f64,
        round: u32,
        deadline: u32,
    ) -> f64 {
        let table = &mut self.agents[a];
        debug_assert!(
            table
                .key
                .is_some_and(|(k, d)| k[0] == e.to_bits() && d == deadline),
            "the concession table is primed for this run"
        );
        table.factor(inst, a, e, round, deadline)
    }
}

impl AgentTable {
    /// The factor in `round` of exponent `e` from the table, computed and kept the first
    /// time (rounds past the table's length are computed every time).
    #[inline(always)]
    fn factor(&mut self, inst: &Instance, a: usize, e: f64, round: u32, deadline: u32) -> f64 {
        match self.factors.get_mut(round as usize) {
            Some(f) if !f.is_nan() => *f,
            slot => {
                let c = concession(e, inst.time(a, round, deadline));
                if let Some(f) = slot {
                    *f = c;
                }
                c
            }
        }
    }
}

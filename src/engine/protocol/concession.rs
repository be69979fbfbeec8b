//! A table of each agent's concession factor `1 - t^(1/e)` by round.
//!
//! Why: the factor costs a `powf`, a proposer needs it every round, and when an agent's
//! exponent and clock are fixed in the scenario (not drawn per run) it is the same in every run
//! of a deadline. The table keeps it for as long as the numbers it depends on stay the same
//! (compared bit for bit), and fills it lazily with the very `powf` it replaces, so a looked-up
//! factor has the bits of a computed one.

use crate::engine::model::Instance;
use crate::engine::strategy::concession;

/// Longest table kept per agent; later rounds are computed every time.
const MAX_ROUNDS: usize = 1 << 14;

/// Per agent: what its factors depend on, and the factors by round (NaN: not computed yet).
#[derive(Debug, Default, Clone)]
struct AgentTable {
    /// (exponent, horizon, deadline belief) as bits, and the deadline.
    key: Option<([u64; 3], u32)>,
    factors: Vec<f64>,
}

/// The concession factors of every agent (see the module docs).
#[derive(Debug, Default, Clone)]
pub(super) struct Concession {
    agents: Vec<AgentTable>,
}

impl Concession {
    /// Agent `a`'s factor `1 - t^(1/e)` in `round` of a negotiation with `deadline` rounds,
    /// `e` being its exponent (`inst.exponent[a]`).
    #[inline]
    pub(super) fn factor(
        &mut self,
        inst: &Instance,
        a: usize,
        e: f64,
        round: u32,
        deadline: u32,
    ) -> f64 {
        if self.agents.len() <= a {
            self.agents.resize_with(a + 1, AgentTable::default);
        }
        let table = &mut self.agents[a];
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
        }
        match table.factors.get_mut(round as usize) {
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

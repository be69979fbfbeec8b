//! Slots: each numeric parameter of a [`Scenario`] addressed by index, with its dotted TOML
//! path and its name in the scenario's words, so that a study can clone a scenario and fix any
//! set of slots without a round trip through TOML text, and a report can name what it varied.

use crate::engine::dist::{Dist, Param};
use crate::scenario::{Clock, Scenario, Strategy};

/// One numeric parameter of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// `agents.ID.weights.TERM`.
    Weight {
        /// Agent index.
        agent: usize,
        /// Term index.
        term: usize,
    },
    /// `agents.ID.values.TERM.OPTION`.
    Value {
        /// Agent index.
        agent: usize,
        /// Term index.
        term: usize,
        /// Option index within the term.
        option: usize,
    },
    /// `agents.ID.reservation`.
    Reservation {
        /// Agent index.
        agent: usize,
    },
    /// `agents.ID.walk_away`.
    WalkAway {
        /// Agent index.
        agent: usize,
    },
    /// `agents.ID.deadline_belief`.
    DeadlineBelief {
        /// Agent index.
        agent: usize,
    },
    /// `agents.ID.strategy.exponent` (absent for hardliners).
    Exponent {
        /// Agent index.
        agent: usize,
    },
    /// `agents.ID.clock.horizon` (absent for the deadline clock).
    Horizon {
        /// Agent index.
        agent: usize,
    },
    /// `agents.ID.delay_cost`.
    DelayCost {
        /// Agent index.
        agent: usize,
    },
    /// `simulation.mediator_learning_rate`.
    LearningRate,
}

impl Slot {
    /// The dotted path naming this slot, as the scenario file would spell it.
    pub fn path(&self, sc: &Scenario) -> String {
        let id = |a: usize| sc.agents[a].id.as_str();
        match *self {
            Slot::Weight { agent, term } => {
                format!("agents.{}.weights.{}", id(agent), sc.terms[term].id)
            }
            Slot::Value {
                agent,
                term,
                option,
            } => format!(
                "agents.{}.values.{}.{}",
                id(agent),
                sc.terms[term].id,
                sc.terms[term].options[option]
            ),
            Slot::Reservation { agent } => format!("agents.{}.reservation", id(agent)),
            Slot::WalkAway { agent } => format!("agents.{}.walk_away", id(agent)),
            Slot::DeadlineBelief { agent } => format!("agents.{}.deadline_belief", id(agent)),
            Slot::Exponent { agent } => format!("agents.{}.strategy.exponent", id(agent)),
            Slot::Horizon { agent } => format!("agents.{}.clock.horizon", id(agent)),
            Slot::DelayCost { agent } => format!("agents.{}.delay_cost", id(agent)),
            Slot::LearningRate => "simulation.mediator_learning_rate".to_string(),
        }
    }

    /// The slot in the scenario's own words, for charts and the answer block: "Russia ·
    /// value of occupied oblasts: de facto Russian" (the path stays in CSV and JSON).
    pub fn label(&self, sc: &Scenario) -> String {
        let who = |a: usize| sc.agents[a].name.as_str();
        let term = |t: usize| sc.terms[t].name.as_str();
        match *self {
            Slot::Weight { agent, term: t } => format!("{} · weight of {}", who(agent), term(t)),
            Slot::Value {
                agent,
                term: t,
                option,
            } => format!(
                "{} · value of {}: {}",
                who(agent),
                term(t),
                sc.terms[t].labels[option]
            ),
            Slot::Reservation { agent } => format!("{} · reservation value", who(agent)),
            Slot::WalkAway { agent } => format!("{} · walk-out chance", who(agent)),
            Slot::DeadlineBelief { agent } => format!("{} · deadline belief", who(agent)),
            Slot::Exponent { agent } => format!("{} · concession exponent", who(agent)),
            Slot::Horizon { agent } => format!("{} · horizon", who(agent)),
            Slot::DelayCost { agent } => format!("{} · delay cost", who(agent)),
            Slot::LearningRate => "mediator · learning rate".to_string(),
        }
    }

    /// The value this slot took in a sampled instance (weights as the engine keeps them,
    /// normalized to sum 1 over the agent's terms; a hardliner's exponent is NaN).
    pub fn value_in(
        &self,
        model: &crate::engine::model::Model,
        inst: &crate::engine::model::Instance,
    ) -> f64 {
        match *self {
            Slot::Weight { agent, term } => inst.weights[agent * model.n_terms() + term],
            Slot::Value {
                agent,
                term,
                option,
            } => inst.values[agent * model.n_opts + model.offsets[term] + option],
            Slot::Reservation { agent } => inst.reservation[agent],
            Slot::WalkAway { agent } => inst.walk_away[agent],
            Slot::DeadlineBelief { agent } => inst.belief[agent],
            Slot::Exponent { agent } => inst.exponent[agent].unwrap_or(f64::NAN),
            Slot::Horizon { agent } => inst.horizon[agent],
            Slot::DelayCost { agent } => inst.delay_cost[agent],
            Slot::LearningRate => inst.mediator_learning_rate,
        }
    }

    /// The parameter in this slot (`None` for the exponent of a hardliner).
    pub fn get(&self, sc: &Scenario) -> Option<Param> {
        let a = |agent: usize| &sc.agents[agent];
        match *self {
            Slot::Weight { agent, term } => Some(a(agent).weights[term]),
            Slot::Value {
                agent,
                term,
                option,
            } => Some(a(agent).values[term][option]),
            Slot::Reservation { agent } => Some(a(agent).reservation),
            Slot::WalkAway { agent } => Some(a(agent).walk_away),
            Slot::DeadlineBelief { agent } => Some(a(agent).deadline_belief),
            Slot::Exponent { agent } => match a(agent).strategy {
                Strategy::TimeDependent { exponent, .. } => Some(exponent),
                Strategy::Hardliner
                | Strategy::BackwardInduction
                | Strategy::Stationary
                | Strategy::Zeuthen => None,
            },
            Slot::Horizon { agent } => match a(agent).clock {
                Clock::Horizon(h) => Some(h),
                Clock::Deadline => None,
            },
            Slot::DelayCost { agent } => Some(a(agent).delay_cost),
            Slot::LearningRate => Some(sc.simulation.mediator_learning_rate),
        }
    }

    /// Mutable access to the parameter in this slot (`None` for the exponent of a hardliner).
    pub fn get_mut<'a>(&self, sc: &'a mut Scenario) -> Option<&'a mut Param> {
        match *self {
            Slot::Weight { agent, term } => Some(&mut sc.agents[agent].weights[term]),
            Slot::Value {
                agent,
                term,
                option,
            } => Some(&mut sc.agents[agent].values[term][option]),
            Slot::Reservation { agent } => Some(&mut sc.agents[agent].reservation),
            Slot::WalkAway { agent } => Some(&mut sc.agents[agent].walk_away),
            Slot::DeadlineBelief { agent } => Some(&mut sc.agents[agent].deadline_belief),
            Slot::Exponent { agent } => match &mut sc.agents[agent].strategy {
                Strategy::TimeDependent { exponent, .. } => Some(exponent),
                Strategy::Hardliner
                | Strategy::BackwardInduction
                | Strategy::Stationary
                | Strategy::Zeuthen => None,
            },
            Slot::Horizon { agent } => match &mut sc.agents[agent].clock {
                Clock::Horizon(h) => Some(h),
                Clock::Deadline => None,
            },
            Slot::DelayCost { agent } => Some(&mut sc.agents[agent].delay_cost),
            Slot::LearningRate => Some(&mut sc.simulation.mediator_learning_rate),
        }
    }

    /// Replaces the parameter in this slot by the known value `v` (kept inside its valid
    /// range by the sampler's clamp). A hardliner's missing exponent is left alone.
    pub fn fix(&self, sc: &mut Scenario, v: f64) {
        if let Some(p) = self.get_mut(sc) {
            p.dist = Dist::Fixed(v);
        }
    }
}

/// Every parameter slot of the scenario, in the engine's draw order (for each agent: weights,
/// values, reservation, walk-out chance, deadline belief, strategy exponent; then for each
/// agent its horizon and delay cost; then the mediator's learning rate).
pub fn all_slots(sc: &Scenario) -> Vec<Slot> {
    let mut out = Vec::new();
    for (agent, a) in sc.agents.iter().enumerate() {
        out.extend((0..sc.terms.len()).map(|term| Slot::Weight { agent, term }));
        for (term, t) in sc.terms.iter().enumerate() {
            out.extend((0..t.options.len()).map(|option| Slot::Value {
                agent,
                term,
                option,
            }));
        }
        out.push(Slot::Reservation { agent });
        out.push(Slot::WalkAway { agent });
        // A horizon clock ignores the deadline belief: no factor to vary.
        if a.clock == Clock::Deadline {
            out.push(Slot::DeadlineBelief { agent });
        }
        if matches!(a.strategy, Strategy::TimeDependent { .. }) {
            out.push(Slot::Exponent { agent });
        }
    }
    // The parameters of time are drawn after all the others (see `Model::sample_into`).
    for (agent, a) in sc.agents.iter().enumerate() {
        if matches!(a.clock, Clock::Horizon(_)) {
            out.push(Slot::Horizon { agent });
        }
        out.push(Slot::DelayCost { agent });
    }
    if sc.simulation.protocol == crate::scenario::Protocol::Mediated {
        out.push(Slot::LearningRate);
    }
    out
}

/// The slots whose parameter is uncertain (a distribution), in the engine's draw order: what
/// a world draws once and a sensitivity analysis varies.
pub fn uncertain_slots(sc: &Scenario) -> Vec<Slot> {
    all_slots(sc)
        .into_iter()
        .filter(|slot| slot.get(sc).is_some_and(|p| p.is_uncertain()))
        .collect()
}

/// The name in the scenario's words of the parameter at dotted `path` ("Russia · reservation
/// value"), when the path names a numeric parameter of `sc`.
pub fn label_of_path(sc: &Scenario, path: &str) -> Option<String> {
    all_slots(sc)
        .into_iter()
        .find(|s| s.path(sc) == path)
        .map(|s| s.label(sc))
}

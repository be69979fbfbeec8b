//! The factors of a sensitivity analysis: the scenario's uncertain numbers (and any extra
//! ranges given on the command line), each named by its dotted TOML path.
//!
//! A factor is a [`Slot`] (one numeric parameter of the scenario, `crate::scenario::slots`)
//! with the range it is moved over.

use crate::engine::dist::Param;
use crate::scenario::slots::{Slot, all_slots};
use crate::scenario::{Scenario, describe_param};

/// Lower and upper percentiles that bound a factor's range (the ends of a tornado bar).
pub const RANGE_PERCENTILES: (f64, f64) = (0.05, 0.95);

/// Where a factor's range comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A distribution written in the scenario file.
    Scenario,
    /// A `--param PATH=LOW:HIGH` range (uniform on it).
    Flag,
}

/// One factor: a parameter slot, the distribution it is sampled from, and its range.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// The dotted path of the slot.
    pub name: String,
    /// The slot in the scenario's own words ([`Slot::label`]), for charts and tables.
    pub label: String,
    /// The slot it sets.
    pub slot: Slot,
    /// The distribution sampled by the variance-based method (via its quantile function).
    pub dist: Param,
    /// Low end of the range (5th percentile, or LOW of `--param`).
    pub low: f64,
    /// High end of the range (95th percentile, or HIGH of `--param`).
    pub high: f64,
    /// Value held while other factors move (the mean; the midpoint for `--param` ranges).
    pub mean: f64,
    /// Where the range comes from.
    pub source: Source,
}

impl Factor {
    /// A factor for an uncertain scenario parameter.
    fn from_scenario(sc: &Scenario, slot: Slot, p: Param) -> Factor {
        Factor {
            name: slot.path(sc),
            label: slot.label(sc),
            slot,
            dist: p,
            low: p.quantile(RANGE_PERCENTILES.0),
            high: p.quantile(RANGE_PERCENTILES.1),
            mean: p.mean(),
            source: Source::Scenario,
        }
    }

    /// The factor's value at the `u`-quantile of its distribution (`u` in (0, 1)).
    pub fn at_quantile(&self, u: f64) -> f64 {
        self.dist.quantile(u)
    }

    /// The distribution as written ("triangular(0.3, 0.4, 0.5)", "uniform(0.1, 0.9)").
    pub fn describe(&self) -> String {
        describe_param(&self.dist)
    }
}

/// The scenario's factors: every uncertain parameter, in the engine's draw order.
pub fn scenario_factors(sc: &Scenario) -> Vec<Factor> {
    all_slots(sc)
        .into_iter()
        .filter_map(|slot| {
            let p = slot.get(sc)?;
            p.is_uncertain().then(|| Factor::from_scenario(sc, slot, p))
        })
        .collect()
}

//! `--param PATH=LOW:HIGH`: extra factors named by the dotted path of a numeric scenario value.
//!
//! A path is resolved by matching it against the paths of every parameter slot of the compiled
//! scenario, so ids that contain dots cannot make a path ambiguous. `negsim sweep` resolves its
//! paths on its own (`sweep::valid_paths`), on purpose: a sweep writes any key of the TOML
//! file (strings, tables created on the fly, a hardliner's exponent that replaces its tactic),
//! while a factor must be a number the engine samples, addressed by [`Slot`] so that
//! evaluations fix it without a trip through TOML. What the two share is the spelling of the
//! numeric paths; a test checks that a sweep of a slot's path sets exactly that slot.

use super::factors::{Factor, Source};
use crate::engine::dist::{Dist, Param};
use crate::error::{InputError, did_you_mean};
use crate::scenario::slots::{Slot, all_slots};
use crate::scenario::{Scenario, Strategy, fmt_num};

/// An extra factor range from `--param PATH=LOW:HIGH`, not yet resolved against a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamRange {
    /// The dotted path.
    pub path: String,
    /// Low end.
    pub low: f64,
    /// High end.
    pub high: f64,
}

/// The forms of path that `--param` accepts, for help messages.
const PATH_FORMS: &str = "agents.ID.weights.TERM, agents.ID.values.TERM.OPTION, \
agents.ID.reservation, agents.ID.walk_away, agents.ID.deadline_belief, agents.ID.strategy.exponent, \
agents.ID.clock.horizon, agents.ID.delay_cost, simulation.mediator_learning_rate";

impl ParamRange {
    /// Parses `PATH=LOW:HIGH`.
    pub fn parse(s: &str) -> Result<ParamRange, InputError> {
        let usage = || format!("write --param PATH=LOW:HIGH, PATH being one of {PATH_FORMS}");
        let err = |m: String| InputError::new("--param", m).with_help(usage());
        // Ids may contain `=` but numbers may not, so the last `=` separates the range.
        let (path, range) = s
            .rsplit_once('=')
            .ok_or_else(|| err(format!("`{s}` has no `=`")))?;
        let (lo, hi) = range
            .split_once(':')
            .ok_or_else(|| err(format!("range `{range}` of `{path}` has no `:`")))?;
        let num = |t: &str| -> Result<f64, InputError> {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| err(format!("`{t}` in `{s}` is not a finite number")))
        };
        let (low, high) = (num(lo)?, num(hi)?);
        if path.is_empty() {
            return Err(err(format!("`{s}` names no path")));
        }
        if low > high {
            return Err(err(format!("in `{s}` LOW {low} is above HIGH {high}")));
        }
        Ok(ParamRange {
            path: path.to_string(),
            low,
            high,
        })
    }

    /// Finds the slot named by the path, checking the range against the slot's valid range.
    pub fn resolve(&self, sc: &Scenario) -> Result<(Slot, Param), InputError> {
        let slots = all_slots(sc);
        let paths: Vec<String> = slots.iter().map(|s| s.path(sc)).collect();
        let Some(i) = paths.iter().position(|p| *p == self.path) else {
            return Err(self.unknown(sc, &paths));
        };
        let slot = slots[i];
        let p = slot
            .get(sc)
            .expect("all_slots lists only present parameters");
        if self.low < p.min || self.high > p.max {
            let valid = if p.max == f64::MAX {
                format!(">= {}", fmt_num(p.min))
            } else {
                format!("in [{}, {}]", fmt_num(p.min), fmt_num(p.max))
            };
            return Err(InputError::new(
                "--param",
                format!(
                    "range {}:{} of `{}` leaves its valid range",
                    self.low, self.high, self.path
                ),
            )
            .with_help(format!("values of `{}` must be {valid}", self.path)));
        }
        let dist = Param {
            dist: Dist::Uniform {
                low: self.low,
                high: self.high,
            },
            ..p
        };
        Ok((slot, dist))
    }

    fn unknown(&self, sc: &Scenario, paths: &[String]) -> InputError {
        let mut e = InputError::new(
            "--param",
            format!("`{}` names no numeric value of the scenario", self.path),
        );
        let hardliner = sc.agents.iter().find(|a| {
            matches!(a.strategy, Strategy::Hardliner)
                && self.path == format!("agents.{}.strategy.exponent", a.id)
        });
        e.help = Some(if let Some(a) = hardliner {
            format!(
                "agent `{}` is a hardliner and has no concession exponent; give it \
                 strategy = {{ exponent = ... }} in the file to vary one",
                a.id
            )
        } else if let Some(s) = did_you_mean(&self.path, paths.iter().map(String::as_str)) {
            format!("did you mean `{s}`? paths have the forms {PATH_FORMS}")
        } else {
            format!("paths have the forms {PATH_FORMS}")
        });
        e
    }
}

/// The scenario's factors followed by the `--param` ranges; a range for a parameter that is
/// already uncertain replaces its distribution in place (and its 5th/95th percentiles by the
/// range's ends).
pub fn with_ranges(
    sc: &Scenario,
    mut factors: Vec<Factor>,
    ranges: &[ParamRange],
) -> Result<Vec<Factor>, InputError> {
    for (i, r) in ranges.iter().enumerate() {
        if ranges[..i].iter().any(|q| q.path == r.path) {
            return Err(InputError::new(
                "--param",
                format!("`{}` is given more than once", r.path),
            )
            .with_help("give each path at most one range"));
        }
        let (slot, dist) = r.resolve(sc)?;
        let f = Factor {
            name: r.path.clone(),
            label: slot.label(sc),
            slot,
            dist,
            low: r.low,
            high: r.high,
            mean: 0.5 * (r.low + r.high),
            source: Source::Flag,
        };
        match factors.iter_mut().find(|x| x.slot == slot) {
            Some(x) => *x = f,
            None => factors.push(f),
        }
    }
    Ok(factors)
}

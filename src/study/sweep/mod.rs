//! Parameter sweeps: a scenario run at every point of a grid of values given for some of its
//! keys (`--param agents.us.walk_away=0:0.02:0.005`), into one tidy table.
//!
//! A point's scenario is the file with the swept values written in: the file is read as a
//! TOML table, the values are set at their dotted paths, and the table is serialized and read
//! back through [`Scenario::from_toml_str`], so every rule of the file format applies to swept
//! values exactly as to values typed into the file. Every point is validated before anything
//! runs. Points are numbered in the order of the cartesian product of the `--param` flags, the
//! last flag varying fastest, and are generated one at a time from their number, so memory
//! does not depend on how many there are.

pub mod chart;
mod paths;
mod values;

pub use paths::valid_paths;
use paths::*;
pub use values::Value;
use values::*;

use crate::engine::montecarlo::{Control, Settings};
use crate::error::{Error, InputError, did_you_mean, edit_distance};
use crate::progress::Progress;
use crate::scenario::Scenario;
use crate::study::run::DeadlineReport;
use crate::study::tidy::{self, Cell, Finished, Item, Layout, Output};
use rayon::prelude::*;
use std::borrow::Cow;
use std::path::Path;

/// Most points one sweep may have (every point is validated before the first runs).
pub const MAX_POINTS: u64 = 1_000_000;

/// Most significant digits (and decimals) of a number in a range.
const MAX_DIGITS: usize = 18;

/// Where in the command line errors of this module point.
const ORIGIN: &str = "--param";

/// A validated sweep: a scenario and the values of its swept keys.
#[derive(Debug, Clone)]
pub struct Sweep {
    origin: String,
    base: toml::Table,
    scenario: Scenario,
    params: Vec<Param>,
    len: u64,
}

impl Sweep {
    /// Reads the scenario text `src` (named `origin` in messages) and the `PATH=VALUES`
    /// specifications, and validates the scenario of every point.
    pub fn new(src: &str, origin: &str, specs: &[String]) -> Result<Sweep, InputError> {
        let scenario = Scenario::from_toml_str(src, origin)?;
        let base: toml::Table = src.parse().map_err(|e: toml::de::Error| {
            InputError::new(origin, e.message().trim().to_string())
        })?;
        let paths = valid_paths(&scenario);
        let mut params: Vec<Param> = Vec::new();
        let mut len = 1u64;
        for spec in specs {
            let (path, values) = spec.split_once('=').ok_or_else(|| {
                InputError::new(ORIGIN, format!("`{spec}` has no `=`"))
                    .with_help("write --param PATH=VALUES, for example --param agents.us.walk_away=0,0.01,0.02")
            })?;
            let path = path.trim();
            let segments = paths
                .iter()
                .find(|s| s.join(".") == path)
                .cloned()
                .ok_or_else(|| path_error(path, &scenario))?;
            if params.iter().any(|p| p.path == path) {
                return Err(InputError::new(ORIGIN, format!("`{path}` is swept twice"))
                    .with_help("give all its values in one --param, separated by commas"));
            }
            let elements = split_list(values)
                .into_iter()
                .map(|tok| {
                    if tok.is_empty() {
                        return Err("an empty value in the list".to_string());
                    }
                    parse_element(tok)
                })
                .collect::<Result<Vec<Element>, String>>()
                .map_err(|msg| {
                    InputError::new(ORIGIN, format!("`{path}`: {msg}")).with_help(
                        "VALUES is a comma-separated list of numbers, ranges START:STOP:STEP, \
                         true/false, strings, or dist:normal(MEAN,SD)",
                    )
                })?;
            // A red-line set is a list of option names; one name stands for a set of one.
            let elements: Vec<Element> = if segments.len() == 4 && segments[2] == "red_lines" {
                elements.into_iter().map(as_name_list).collect()
            } else {
                elements
            };
            let count = elements.iter().map(Element::len).sum::<u64>();
            len = len.saturating_mul(count);
            if len > MAX_POINTS {
                return Err(InputError::new(
                    ORIGIN,
                    format!("the sweep has more than {MAX_POINTS} points"),
                )
                .with_help("use fewer values or coarser steps"));
            }
            let text = elements.iter().any(|e| e.kind() != elements[0].kind());
            params.push(Param {
                path: path.to_string(),
                segments,
                elements,
                len: count,
                text,
            });
        }
        if params.is_empty() {
            return Err(InputError::new(ORIGIN, "no parameter to sweep")
                .with_help("give at least one --param PATH=VALUES"));
        }
        let sweep = Sweep {
            origin: origin.to_string(),
            base,
            scenario,
            params,
            len,
        };
        // First each parameter's values once, the other parameters at their first value: a
        // bad value is then found after as many validations as there are values, not points
        // (a 10^6-point sweep whose last value was out of range took 292 s to refuse). With
        // one parameter these are all the points.
        let mut stride = sweep.len;
        for p in &sweep.params {
            stride /= p.len;
            if let Some(e) = (0..p.len)
                .into_par_iter()
                .find_map_first(|v| sweep.scenario(v * stride).err())
            {
                return Err(e);
            }
        }
        // Then every point, for values valid alone but not together. In parallel, but the
        // error reported is always the one of the first bad point.
        if sweep.params.len() > 1
            && let Some(e) = (0..sweep.len)
                .into_par_iter()
                .find_map_first(|p| sweep.scenario(p).err())
        {
            return Err(e);
        }
        Ok(sweep)
    }

    /// The number of points.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True if there are no points (never, for a validated sweep).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The scenario as written in the file, before any value is swept.
    pub fn base(&self) -> &Scenario {
        &self.scenario
    }

    /// The path of each `--param`, in order.
    pub fn paths(&self) -> Vec<&str> {
        self.params.iter().map(|p| p.path.as_str()).collect()
    }

    /// For each `--param`, in order: whether every value it takes is a number.
    pub fn numeric_params(&self) -> Vec<bool> {
        self.params
            .iter()
            .map(|p| {
                p.elements.iter().all(|e| match e {
                    Element::Range { .. } => true,
                    Element::One(v) => v.toml.is_integer() || v.toml.is_float(),
                })
            })
            .collect()
    }

    /// The key columns: `param_<path>` for each `--param`, in order.
    pub fn columns(&self) -> Vec<String> {
        self.params
            .iter()
            .map(|p| format!("param_{}", p.path))
            .collect()
    }

    /// The values of point `point`, one per parameter (the last parameter varies fastest).
    pub fn values(&self, point: u64) -> Vec<Value> {
        let mut rest = point;
        let mut out: Vec<Value> = self
            .params
            .iter()
            .rev()
            .map(|p| {
                let v = p.get(rest % p.len);
                rest /= p.len;
                v
            })
            .collect();
        out.reverse();
        out
    }

    /// The key cells of point `point`.
    pub fn cells(&self, point: u64) -> Vec<Cell> {
        self.values(point).into_iter().map(|v| v.cell).collect()
    }

    /// The `PATH=VALUE` assignments of point `point`, for messages.
    fn assigned(&self, values: &[Value]) -> String {
        self.params
            .iter()
            .zip(values)
            .map(|(p, v)| format!("{}={}", p.path, v.cell.text))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The TOML text of point `point`: the file with the point's values written in (comments
    /// and layout are not kept). The Python binding's `with_params` keeps it to chain edits.
    pub fn source(&self, point: u64) -> Result<String, InputError> {
        let values = self.values(point);
        let mut table = self.base.clone();
        for (p, v) in self.params.iter().zip(&values) {
            set_path(&mut table, &p.segments, v.toml.clone());
        }
        toml::to_string(&table)
            .map_err(|e| InputError::new(ORIGIN, format!("{}: {e}", self.assigned(&values))))
    }

    /// The scenario of point `point`: the file with the point's values written in.
    pub fn scenario(&self, point: u64) -> Result<Scenario, InputError> {
        let values = self.values(point);
        let assigned = || self.assigned(&values);
        let text = self.source(point)?;
        Scenario::from_toml_str(&text, &self.origin).map_err(|e| InputError {
            origin: ORIGIN.to_string(),
            // The position would be in the rewritten text, which the user never sees.
            location: None,
            message: format!("{}: {}", assigned(), e.message),
            help: e.help,
        })
    }

    /// How the rows of `point` begin in `layout`, one per deadline (for `--resume`).
    fn row_starts(&self, layout: &Layout, point: u64, settings: &Settings) -> Vec<String> {
        let cells = self.cells(point);
        let runs = settings.runs.end - settings.runs.start;
        settings
            .deadlines
            .iter()
            .map(|&d| layout.row_start(&cells, d, runs))
            .collect()
    }

    /// Opens `path` to continue this sweep; returns the number of points it already holds
    /// (they are skipped) and the file opened for appending. See [`tidy::resume`].
    pub fn resume(
        &self,
        path: &Path,
        layout: &Layout,
        settings: &Settings,
    ) -> Result<(u64, Output), Error> {
        tidy::resume(path, layout, self.len, |p| {
            self.row_starts(layout, p, settings)
        })
    }

    /// Simulates the points from `start` on, in order, with the same settings (runs, seed and
    /// therefore streams) at every point, writing each point's rows as soon as it is done.
    /// Stops between points when `control.cancel` is set; `seen` is shown each point written.
    // Each argument is a collaborator of another kind; a struct of them would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &self,
        start: u64,
        settings: &Settings,
        layout: &Layout,
        out: &mut Output,
        control: &Control,
        progress: &Progress,
        seen: &mut dyn FnMut(&[Cell], &[DeadlineReport]),
    ) -> Result<Finished, Error> {
        let items = (start..self.len).map(|point| {
            Ok(Item {
                cells: self.cells(point),
                scenario: Cow::Owned(self.scenario(point)?),
                settings,
            })
        });
        tidy::run_items(items, layout, out, control, progress, seen)
    }
}

#[cfg(test)]
mod tests;

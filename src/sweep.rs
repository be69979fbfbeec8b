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

use crate::error::{Error, InputError, did_you_mean, edit_distance};
use crate::montecarlo::{Control, Settings};
use crate::progress::Progress;
use crate::report::DeadlineReport;
use crate::scenario::Scenario;
use crate::tidy::{self, Cell, Finished, Item, Layout, Output};
use rayon::prelude::*;
use std::borrow::Cow;
use std::path::Path;

/// Most points one sweep may have (every point is validated before the first runs).
pub const MAX_POINTS: u64 = 1_000_000;

/// Most significant digits (and decimals) of a number in a range.
const MAX_DIGITS: usize = 18;

/// Where in the command line errors of this module point.
const ORIGIN: &str = "--param";

/// A swept value: its text in the table and the TOML value written into the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The key cell: the value as shown in the table.
    pub cell: Cell,
    /// The value set in the scenario.
    pub toml: toml::Value,
}

impl Value {
    /// A number from its canonical text (integers stay TOML integers, so the point's scenario
    /// is the file as written). The table shows it as a float, `1.0` rather than `1`, so that
    /// a swept number column is a float column in pandas whatever its values.
    fn number(text: String) -> Value {
        let toml = match text.parse::<i64>() {
            Ok(i) if !text.contains('.') => toml::Value::Integer(i),
            _ => toml::Value::Float(text.parse().expect("canonical numbers parse")),
        };
        let shown = if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        };
        Value {
            cell: Cell::literal(shown),
            toml,
        }
    }

    /// What kind of column the value would make: 0 number, 1 boolean, 2 text.
    fn kind(&self) -> u8 {
        match self.toml {
            toml::Value::Integer(_) | toml::Value::Float(_) => 0,
            toml::Value::Boolean(_) => 1,
            _ => 2,
        }
    }

    fn string(s: &str) -> Value {
        Value {
            cell: Cell::text(s),
            toml: toml::Value::String(s.to_string()),
        }
    }
}

/// A decimal number `mant / 10^scale`, so that ranges step without binary rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    mant: i128,
    scale: u32,
}

impl Decimal {
    /// Parses `[+-]digits[.digits]` (no exponent).
    fn parse(s: &str) -> Option<Decimal> {
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = format!("{int}{frac}");
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.trim_start_matches('0').len() > MAX_DIGITS
            || frac.len() > MAX_DIGITS
        {
            return None;
        }
        let mant: i128 = digits.trim_start_matches('0').parse().unwrap_or(0);
        Some(Decimal {
            mant: if neg { -mant } else { mant },
            scale: frac.len() as u32,
        })
    }

    /// The mantissa at a finer `scale`.
    fn at_scale(self, scale: u32) -> i128 {
        self.mant * 10i128.pow(scale - self.scale)
    }
}

/// `mant / 10^scale` written without exponent or trailing zeros: (30, 2) -> "0.3".
fn format_decimal(mant: i128, scale: u32) -> String {
    let scale = scale as usize;
    let digits = format!("{:0>width$}", mant.unsigned_abs(), width = scale + 1);
    let (int, frac) = digits.split_at(digits.len() - scale);
    let frac = frac.trim_end_matches('0');
    let sign = if mant < 0 { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// Parses a number: a decimal, or a float with an exponent (`1e-3`) or with more digits than
/// [`MAX_DIGITS`] (`0.0026666666666666666`), in canonical text.
fn parse_number(s: &str) -> Option<String> {
    if let Some(d) = Decimal::parse(s) {
        return Some(format_decimal(d.mant, d.scale));
    }
    let floaty = s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    let x: f64 = s.parse().ok().filter(|x: &f64| floaty && x.is_finite())?;
    // Display of an f64 is the shortest text that reads back as the same number.
    Some(x.to_string())
}

/// One element of a value list: a single value or an inclusive range.
#[derive(Debug, Clone, PartialEq)]
enum Element {
    One(Value),
    Range {
        start: i128,
        step: i128,
        scale: u32,
        count: u64,
    },
}

impl Element {
    /// The kind of column it makes (see [`Value::kind`]).
    fn kind(&self) -> u8 {
        match self {
            Element::One(v) => v.kind(),
            Element::Range { .. } => 0,
        }
    }

    fn len(&self) -> u64 {
        match self {
            Element::One(_) => 1,
            Element::Range { count, .. } => *count,
        }
    }

    fn get(&self, i: u64) -> Value {
        match self {
            Element::One(v) => v.clone(),
            Element::Range {
                start, step, scale, ..
            } => Value::number(format_decimal(start + i128::from(i) * step, *scale)),
        }
    }
}

/// Parses one list element: `"text"`, `dist:normal(0.3,0.05)`, `START:STOP:STEP`, `true`,
/// a number, or else a string.
fn parse_element(tok: &str) -> Result<Element, String> {
    if let Some(rest) = tok.strip_prefix('"') {
        let inner = rest
            .strip_suffix('"')
            .filter(|i| !i.contains('"'))
            .ok_or_else(|| format!("unbalanced quotes in `{tok}`"))?;
        return Ok(Element::One(Value::string(inner)));
    }
    if let Some(rest) = tok.strip_prefix("dist:") {
        return parse_dist(rest).map(Element::One);
    }
    if let Some(inner) = tok.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or_else(|| format!("unbalanced brackets in `{tok}`"))?;
        return parse_list(inner).map(Element::One);
    }
    if tok.contains(':') {
        return parse_range(tok);
    }
    if tok == "true" || tok == "false" {
        return Ok(Element::One(Value {
            cell: Cell::literal(tok),
            toml: toml::Value::Boolean(tok == "true"),
        }));
    }
    Ok(Element::One(match parse_number(tok) {
        Some(text) => Value::number(text),
        None => Value::string(tok),
    }))
}

/// `a, "b"` (inside brackets) -> `["a", "b"]`: a list of names, such as a red-line set.
fn parse_list(inner: &str) -> Result<Value, String> {
    let mut names = Vec::new();
    for item in split_list(inner).into_iter().filter(|i| !i.is_empty()) {
        let name = match item.strip_prefix('"') {
            Some(rest) => rest
                .strip_suffix('"')
                .filter(|i| !i.contains('"'))
                .ok_or_else(|| format!("unbalanced quotes in `{item}`"))?,
            None => item,
        };
        names.push(name.to_string());
    }
    Ok(Value {
        cell: Cell::text(format!("[{}]", names.join(", "))),
        toml: toml::Value::Array(names.into_iter().map(toml::Value::String).collect()),
    })
}

/// A red-line set given as one name (`recognized_russian`, or a number-like `1`) means the
/// set of that one option, as `[recognized_russian]` does.
fn as_name_list(e: Element) -> Element {
    match e {
        Element::One(Value {
            cell,
            toml: toml::Value::String(_) | toml::Value::Integer(_) | toml::Value::Float(_),
        }) => {
            let name = cell.text;
            Element::One(Value {
                cell: Cell::text(name.clone()),
                toml: toml::Value::Array(vec![toml::Value::String(name)]),
            })
        }
        Element::Range { .. } | Element::One(_) => e,
    }
}

/// `normal(0.3,0.05)` -> `{ normal = [0.3, 0.05] }`.
fn parse_dist(s: &str) -> Result<Value, String> {
    const FORM: &str =
        "write dist:normal(MEAN,SD), dist:uniform(LOW,HIGH) or dist:triangular(LOW,MODE,HIGH)";
    let (kind, args) = s
        .strip_suffix(')')
        .and_then(|s| s.split_once('('))
        .ok_or_else(|| format!("`dist:{s}` is not a distribution: {FORM}"))?;
    let kind = kind.trim();
    let kinds = ["normal", "uniform", "triangular"];
    if !kinds.contains(&kind) {
        return Err(match did_you_mean(kind, kinds) {
            Some(k) => format!("unknown distribution `{kind}`: did you mean `{k}`? {FORM}"),
            None => format!("unknown distribution `{kind}`: {FORM}"),
        });
    }
    let params = args
        .split(',')
        .map(|a| parse_number(a.trim()).ok_or_else(|| format!("`{}` is not a number", a.trim())))
        .collect::<Result<Vec<String>, String>>()?;
    let array = params
        .iter()
        .map(|p| toml::Value::Float(p.parse().expect("canonical numbers parse")))
        .collect();
    let mut table = toml::Table::new();
    table.insert(kind.to_string(), toml::Value::Array(array));
    Ok(Value {
        cell: Cell::text(format!("dist:{kind}({})", params.join(","))),
        toml: toml::Value::Table(table),
    })
}

/// `START:STOP:STEP`, inclusive, stepped in exact decimal arithmetic.
fn parse_range(tok: &str) -> Result<Element, String> {
    let parts: Vec<&str> = tok.split(':').collect();
    let nums: Option<Vec<Decimal>> = parts.iter().map(|p| Decimal::parse(p.trim())).collect();
    let nums = nums
        .filter(|n| n.len() == 3)
        .ok_or_else(|| format!("`{tok}` is not a range: write START:STOP:STEP with three decimal numbers, for example 0.1:0.5:0.1"))?;
    let scale = nums.iter().map(|d| d.scale).max().unwrap_or(0);
    let (start, stop, step) = (
        nums[0].at_scale(scale),
        nums[1].at_scale(scale),
        nums[2].at_scale(scale),
    );
    if step == 0 {
        return Err(format!("the step of range `{tok}` is 0"));
    }
    if stop != start && (stop - start).signum() != step.signum() {
        return Err(format!(
            "range `{tok}` never reaches its stop: the step goes the other way"
        ));
    }
    let count = (stop - start) / step + 1;
    if count > i128::from(MAX_POINTS) {
        return Err(format!(
            "range `{tok}` has {count} values, more than the limit of {MAX_POINTS} points"
        ));
    }
    Ok(Element::Range {
        start,
        step,
        scale,
        count: count as u64,
    })
}

/// Splits a value list at commas outside quotes and parentheses.
fn split_list(s: &str) -> Vec<&str> {
    let (mut depth, mut quoted, mut from) = (0i32, false, 0);
    let mut out = Vec::new();
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' | '[' if !quoted => depth += 1,
            ')' | ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(s[from..i].trim());
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[from..].trim());
    out
}

/// One `--param PATH=VALUES`.
#[derive(Debug, Clone, PartialEq)]
struct Param {
    path: String,
    segments: Vec<String>,
    elements: Vec<Element>,
    len: u64,
    /// The values mix kinds (numbers and distributions, say): every cell is then text, in
    /// JSON lines too, so that the column has one type.
    text: bool,
}

impl Param {
    fn get(&self, mut i: u64) -> Value {
        for e in &self.elements {
            if i < e.len() {
                let mut v = e.get(i);
                if self.text {
                    v.cell = Cell::text(v.cell.text);
                }
                return v;
            }
            i -= e.len();
        }
        unreachable!("value index within the list")
    }
}

/// Every key path a sweep may set in `sc`: present in the file or allowed there by the format.
/// Each is given as its key segments (ids may themselves contain dots).
pub fn valid_paths(sc: &Scenario) -> Vec<Vec<String>> {
    let p = |segs: &[&str]| segs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut out = vec![
        p(&["scenario", "name"]),
        p(&["scenario", "description"]),
        p(&["simulation", "protocol"]),
        p(&["simulation", "mediator"]),
        p(&["simulation", "round_label"]),
        p(&["simulation", "mediator_learning_rate"]),
        p(&["simulation", "mediator_rule"]),
        p(&["simulation", "clock"]),
        p(&["simulation", "clock", "horizon"]),
    ];
    for a in &sc.agents {
        let id = a.id.as_str();
        for key in [
            "name",
            "signatory",
            "reservation",
            "strategy",
            "walk_away",
            "deadline_belief",
            "estimate_noise",
            "offer",
            "accept",
            "estimates",
            "discount",
            "clock",
            "delay_cost",
        ] {
            out.push(p(&["agents", id, key]));
        }
        out.push(p(&["agents", id, "clock", "horizon"]));
        out.push(p(&["agents", id, "discount", "rate"]));
        out.push(p(&["agents", id, "discount", "in_decisions"]));
        out.push(p(&["agents", id, "strategy", "exponent"]));
        out.push(p(&["agents", id, "accept", "combi"]));
        for t in &sc.terms {
            out.push(p(&["agents", id, "weights", &t.id]));
            out.push(p(&["agents", id, "red_lines", &t.id]));
            for o in &t.options {
                out.push(p(&["agents", id, "values", &t.id, o]));
            }
        }
    }
    out
}

/// Keys that set how the simulation is run rather than what is simulated: every point uses
/// the same, so that points differ only through the parameters.
const RUN_KEYS: [&str; 5] = [
    "simulation.runs",
    "simulation.seed",
    "simulation.deadlines",
    "simulation.horizon",
    "simulation.checkpoints",
];

fn path_error(path: &str, sc: &Scenario) -> InputError {
    let err = |msg: String, help: String| InputError::new(ORIGIN, msg).with_help(help);
    if RUN_KEYS.contains(&path) {
        return err(
            format!("`{path}` cannot be swept"),
            "every point runs the same runs, seed and deadlines (common random numbers); \
             set them for the whole sweep with --runs, --seed and --deadlines"
                .into(),
        );
    }
    if path == "terms" || path.starts_with("terms.") {
        return err(
            format!("`{path}` cannot be swept"),
            "the terms and their options define the table every point shares; sweep the \
             agents' weights, values or red lines instead"
                .into(),
        );
    }
    let all: Vec<String> = valid_paths(sc).iter().map(|s| s.join(".")).collect();
    let inside = format!("{path}.");
    let children: Vec<&str> = all
        .iter()
        .filter(|p| p.starts_with(&inside))
        .map(String::as_str)
        .collect();
    if !children.is_empty() {
        let shown: Vec<&str> = children.iter().take(6).copied().collect();
        return err(
            format!("`{path}` is a table, not a value"),
            format!("sweep one of its values, such as {}", shown.join(", ")),
        );
    }
    let nearest = did_you_mean(path, all.iter().map(String::as_str)).or_else(|| {
        all.iter()
            .min_by_key(|c| edit_distance(path, c))
            .map(String::as_str)
    });
    err(
        format!("unknown scenario path `{path}`"),
        match nearest {
            Some(n) => format!("did you mean `{n}`?"),
            None => "paths look like agents.ID.reservation".into(),
        },
    )
}

/// Sets `value` at the key path `segs`, creating the tables on the way. A value found where a
/// table is needed is replaced (`strategy = "linear"` by `strategy.exponent = 0.5`).
fn set_path(table: &mut toml::Table, segs: &[String], value: toml::Value) {
    let (last, parents) = segs.split_last().expect("paths are not empty");
    let mut t = table;
    for s in parents {
        let slot = t
            .entry(s.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !slot.is_table() {
            *slot = toml::Value::Table(toml::Table::new());
        }
        t = slot.as_table_mut().expect("made a table above");
    }
    t.insert(last.clone(), value);
}

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
mod tests {
    use super::*;

    fn texts(spec: &str) -> Vec<String> {
        let elements: Vec<Element> = split_list(spec)
            .into_iter()
            .map(|t| parse_element(t).unwrap())
            .collect();
        elements
            .iter()
            .flat_map(|e| (0..e.len()).map(|i| e.get(i).cell.text))
            .collect()
    }

    #[test]
    fn decimal_ranges_do_not_drift() {
        assert_eq!(texts("0.1:0.3:0.1"), ["0.1", "0.2", "0.3"]);
        let tenths = texts("0:1:0.1");
        assert_eq!(tenths.len(), 11);
        assert_eq!(tenths[3], "0.3");
        assert_eq!(tenths[10], "1.0");
        assert_eq!(texts("1:0:-0.25"), ["1.0", "0.75", "0.5", "0.25", "0.0"]);
        assert_eq!(texts("-0.5:0.5:0.5"), ["-0.5", "0.0", "0.5"]);
        // The stop is included only when the grid reaches it.
        assert_eq!(texts("0:1:0.3"), ["0.0", "0.3", "0.6", "0.9"]);
        assert_eq!(texts("0.001:0.003:0.001"), ["0.001", "0.002", "0.003"]);
        // Every value of a range reads back as the float its text denotes.
        let v = parse_element("0:1:0.1").unwrap().get(3);
        assert_eq!(v.toml, toml::Value::Float(0.3));
    }

    #[test]
    fn lists_mix_numbers_strings_ranges_and_distributions() {
        assert_eq!(
            texts("0.10, 2, 1e-3, mediated, \"0.5\", true, 0:0.2:0.1, dist:normal(0.3, 0.05)"),
            [
                "0.1",
                "2.0",
                "0.001",
                "mediated",
                "0.5",
                "true",
                "0.0",
                "0.1",
                "0.2",
                "dist:normal(0.3,0.05)"
            ]
        );
        // More digits than a decimal range takes still make a number, not a string.
        let long = parse_element("0.0026666666666666666").unwrap().get(0);
        assert_eq!(long.toml, toml::Value::Float(0.0026666666666666666));
        assert_eq!(long.cell.text, "0.0026666666666666666");
        let d = parse_element("dist:uniform(0.1,0.4)").unwrap().get(0);
        let mut t = toml::Table::new();
        t.insert(
            "uniform".into(),
            toml::Value::Array(vec![toml::Value::Float(0.1), toml::Value::Float(0.4)]),
        );
        assert_eq!(d.toml, toml::Value::Table(t));
        assert_eq!(
            parse_element("2").unwrap().get(0).toml,
            toml::Value::Integer(2)
        );
        assert_eq!(
            parse_element("\"0.5\"").unwrap().get(0).toml,
            toml::Value::String("0.5".into())
        );
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert!(parse_element("0:1:0").unwrap_err().contains("step"));
        assert!(
            parse_element("1:0:0.1")
                .unwrap_err()
                .contains("never reaches")
        );
        assert!(
            parse_element("0:1")
                .unwrap_err()
                .contains("START:STOP:STEP")
        );
        assert!(
            parse_element("0:x:1")
                .unwrap_err()
                .contains("START:STOP:STEP")
        );
        assert!(parse_element("0:1e9:1e-9").is_err());
        assert!(
            parse_element("dist:norml(0.3,0.1)")
                .unwrap_err()
                .contains("did you mean `normal`")
        );
        assert!(parse_element("\"abc").is_err());
    }

    #[test]
    fn rewritten_files_read_back_as_the_same_scenario() {
        for (name, src) in [
            ("ukraine", crate::scenario::BUNDLED),
            ("split", include_str!("../scenarios/two-party-split.toml")),
            ("labour", include_str!("../scenarios/labour-contract.toml")),
        ] {
            let table: toml::Table = src.parse().unwrap();
            let text = toml::to_string(&table).unwrap();
            assert_eq!(
                Scenario::from_toml_str(&text, name).unwrap(),
                Scenario::from_toml_str(src, name).unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn points_run_through_the_product_last_param_fastest() {
        let specs = [
            "agents.russia.reservation=0.3,0.4".to_string(),
            "simulation.protocol=alternating,mediated".to_string(),
            "agents.us.walk_away=0:0.02:0.01".to_string(),
        ];
        let sw = Sweep::new(crate::scenario::BUNDLED, "b.toml", &specs).unwrap();
        assert_eq!(sw.len(), 12);
        let texts = |p| -> Vec<String> { sw.cells(p).into_iter().map(|c| c.text).collect() };
        assert_eq!(texts(0), ["0.3", "alternating", "0.0"]);
        assert_eq!(texts(1), ["0.3", "alternating", "0.01"]);
        assert_eq!(texts(3), ["0.3", "mediated", "0.0"]);
        assert_eq!(texts(11), ["0.4", "mediated", "0.02"]);
        let sc = sw.scenario(11).unwrap();
        let r = sc.agent_index("russia").unwrap();
        assert_eq!(sc.agents[r].reservation.mean(), 0.4);
        assert_eq!(sc.simulation.protocol, crate::scenario::Protocol::Mediated);
    }

    #[test]
    fn a_column_mixing_numbers_and_distributions_is_all_text() {
        let one = |spec: &str| {
            let sw = Sweep::new(crate::scenario::BUNDLED, "b.toml", &[spec.to_string()]).unwrap();
            (0..sw.len())
                .map(|p| sw.cells(p).remove(0).json)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            one("agents.russia.reservation=0.3,dist:uniform(0.2,0.4),0.4:0.5:0.1"),
            ["\"0.3\"", "\"dist:uniform(0.2,0.4)\"", "\"0.4\"", "\"0.5\""]
        );
        // All numbers: JSON numbers, written as floats; the scenario keeps an integer.
        assert_eq!(one("agents.us.walk_away=0,0.01"), ["0.0", "0.01"]);
        let sw = Sweep::new(
            crate::scenario::BUNDLED,
            "b.toml",
            &["agents.us.walk_away=0".to_string()],
        )
        .unwrap();
        assert_eq!(sw.values(0)[0].toml, toml::Value::Integer(0));
    }

    #[test]
    fn optional_keys_can_be_set_when_absent() {
        let specs = ["agents.ukraine.strategy.exponent=0.5".to_string()];
        let sw = Sweep::new(crate::scenario::BUNDLED, "b.toml", &specs).unwrap();
        let sc = sw.scenario(0).unwrap();
        let u = sc.agent_index("ukraine").unwrap();
        assert_eq!(sc.agents[u].strategy.label(), "exponent 0.5");
        // A named tactic is replaced by an exponent table.
        let specs = ["agents.russia.strategy.exponent=3".to_string()];
        let sw = Sweep::new(crate::scenario::BUNDLED, "b.toml", &specs).unwrap();
        let r = sw.base().agent_index("russia").unwrap();
        assert_eq!(
            sw.scenario(0).unwrap().agents[r].strategy.label(),
            "exponent 3"
        );
    }
}

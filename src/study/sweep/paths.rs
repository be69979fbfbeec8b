//! The dotted key paths a sweep may set, and their errors with suggestions.

use super::*;

/// One `--param PATH=VALUES`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Param {
    pub(super) path: String,
    pub(super) segments: Vec<String>,
    pub(super) elements: Vec<Element>,
    pub(super) len: u64,
    /// The values mix kinds (numbers and distributions, say): every cell is then text, in
    /// JSON lines too, so that the column has one type.
    pub(super) text: bool,
}

impl Param {
    pub(super) fn get(&self, mut i: u64) -> Value {
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
pub(super) const RUN_KEYS: [&str; 5] = [
    "simulation.runs",
    "simulation.seed",
    "simulation.deadlines",
    "simulation.horizon",
    "simulation.checkpoints",
];

pub(super) fn path_error(path: &str, sc: &Scenario) -> InputError {
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
pub(super) fn set_path(table: &mut toml::Table, segs: &[String], value: toml::Value) {
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

//! Provenance and format names: what every table row and JSON document says about where it
//! came from, so that a file read months later (or pooled with others in pandas) still tells
//! its seed, protocol, round unit, mode and the negsim that wrote it.
//!
//! Rows carry these as ordinary trailing columns rather than comment lines: `pd.read_csv`
//! and R's `read.csv` read them without options, and concatenated tables keep them per row.

use crate::report::Report;
use crate::scenario::Scenario;

/// The crate version, as in every row's `negsim_version` and every part file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The short git commit negsim was built from, when built from a git checkout (build.rs).
pub const COMMIT: Option<&str> = option_env!("NEGSIM_GIT_COMMIT");

/// Format of the JSON report of `run`, `merge --format json` and the Python `run`.
pub const REPORT_FORMAT: &str = "negsim.report/1";
/// Format of the JSON of `sensitivity --format json`.
pub const SENSITIVITY_FORMAT: &str = "negsim.sensitivity/1";
/// Format of a run's partial result (`run --shard`, `merge --format part` of run parts).
pub const PART_FORMAT: &str = "negsim.part/1";
/// Format of a sweep part file (`sweep --shard`, `merge --format part` of sweep parts).
pub const SWEEP_FORMAT: &str = "negsim.sweep/1";

/// The names of the provenance columns, in order, after every table's own columns.
pub const COLUMNS: [&str; 5] = ["seed", "protocol", "round_label", "mode", "negsim_version"];

/// The `--version` text: the crate version, and the commit when it is known.
pub fn long_version() -> String {
    match COMMIT {
        Some(c) => format!("{VERSION} (git {c})"),
        None => VERSION.to_string(),
    }
}

/// `"open_ended"` for talks with a horizon and checkpoints, `"deadline"` otherwise (the
/// report's `mode`).
pub fn mode(sc: &Scenario) -> &'static str {
    if sc.simulation.open_ended() {
        "open_ended"
    } else {
        "deadline"
    }
}

/// The provenance of the rows of one simulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// Master seed.
    pub seed: u64,
    /// Protocol name.
    pub protocol: String,
    /// What a round is called.
    pub round_label: String,
    /// `deadline` or `open_ended`.
    pub mode: &'static str,
}

impl Provenance {
    /// The provenance of simulating `sc` with master seed `seed`.
    pub fn of(sc: &Scenario, seed: u64) -> Provenance {
        Provenance {
            seed,
            protocol: sc.simulation.protocol.as_str().to_string(),
            round_label: sc.simulation.round_label.clone(),
            mode: mode(sc),
        }
    }

    /// The provenance of a finished report.
    pub fn of_report(r: &Report) -> Provenance {
        Provenance {
            seed: r.seed,
            protocol: r.protocol.to_string(),
            round_label: r.round_label.clone(),
            mode: r.mode,
        }
    }

    /// The CSV cells, each after a comma: appended to a row (quoted where needed).
    pub fn csv_suffix(&self) -> String {
        format!(
            ",{}",
            crate::csv_text::record(&(
                self.seed,
                self.protocol.as_str(),
                self.round_label.as_str(),
                self.mode,
                VERSION
            ))
        )
    }

    /// The JSON fields, each after a comma, to close a row object with `}` after them.
    pub fn json_suffix(&self) -> String {
        let s = |t: &str| serde_json::to_string(t).expect("strings serialize");
        format!(
            ",\"seed\":{},\"protocol\":{},\"round_label\":{},\"mode\":{},\"negsim_version\":{}",
            self.seed,
            s(&self.protocol),
            s(&self.round_label),
            s(self.mode),
            s(VERSION)
        )
    }
}

/// `,seed,protocol,round_label,mode,negsim_version`: the provenance header cells.
pub fn csv_header_suffix() -> String {
    format!(",{}", COLUMNS.join(","))
}

/// The run report as tidy CSV: the header and one row per deadline, each ending in the
/// provenance columns.
pub fn run_csv(r: &Report) -> String {
    let mut s = String::from(Report::csv_header());
    s.push_str(&csv_header_suffix());
    s.push('\n');
    let tail = Provenance::of_report(r).csv_suffix();
    for d in &r.deadlines {
        s.push_str(&d.csv_row());
        s.push_str(&tail);
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_quote_what_needs_quoting() {
        let p = Provenance {
            seed: 7,
            protocol: "mediated".into(),
            round_label: "week, roughly".into(),
            mode: "deadline",
        };
        assert_eq!(
            p.csv_suffix(),
            format!(",7,mediated,\"week, roughly\",deadline,{VERSION}")
        );
        let row: serde_json::Value =
            serde_json::from_str(&format!("{{\"a\":1{}}}", p.json_suffix())).unwrap();
        assert_eq!(row["round_label"], "week, roughly");
        assert_eq!(row["seed"], 7);
        assert_eq!(row["negsim_version"], VERSION);
    }
}

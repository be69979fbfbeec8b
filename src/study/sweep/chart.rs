//! The rows that `negsim sweep --report FILE.html` draws (the page itself is rendered by
//! [`crate::report::html::sweep`]): the rows of the sweep's own table.
//!
//! The page is drawn from the rows the sweep wrote, never from a second computation: the
//! points played now are kept as they are simulated, and with `--resume` the points of the
//! earlier invocation are read back from their rows in the table. Per point only what the
//! chart needs is kept (the swept values, and per deadline P(agreement) and its interval), so
//! the memory grows by a few hundred bytes per point; the number of points of a report is
//! capped at [`MAX_REPORT_POINTS`].

use super::Sweep;
use crate::error::{Error, InputError};
use crate::study::run::DeadlineReport;
use crate::study::tidy::{Cell, Format, Layout};
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Most points a sweep may have when it writes a report (a page beyond this is no longer
/// readable, and its size grows with the points).
pub const MAX_REPORT_POINTS: u64 = 5_000;

/// One row of the table, as far as the chart needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Index of the row among the table's data rows (0-based, header not counted).
    pub index: usize,
    /// Deadline in rounds.
    pub deadline: u32,
    /// P(agreement).
    pub p: f64,
    /// Lower end of the 95% interval.
    pub lo: f64,
    /// Upper end of the 95% interval.
    pub hi: f64,
}

/// The rows of one point: its swept values (as the table shows them) and one row per deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The key cells, one per `--param`, as text.
    pub cells: Vec<String>,
    /// One row per deadline, in the table's order.
    pub rows: Vec<Row>,
}

/// The chart's data: the points of the sweep, in table order. The points this invocation
/// plays are kept as they are simulated ([`SweepRows::push`]); only the points an earlier
/// invocation left in a resumed table are read back, as CSV records or JSON objects.
#[derive(Debug, Clone)]
pub struct SweepRows {
    format: Format,
    deadlines: usize,
    rows_seen: usize,
    /// The whole points so far, in table order.
    pub points: Vec<Point>,
}

impl SweepRows {
    /// An empty collector for a table in `format` with `deadlines` rows per point.
    pub fn new(format: Format, deadlines: usize) -> SweepRows {
        SweepRows {
            format,
            deadlines: deadlines.max(1),
            rows_seen: 0,
            points: Vec::new(),
        }
    }

    /// Checks a sweep's `--report FILE` (its number of points, and that the page overwrites
    /// neither the `table` nor the `scenario`) and returns an empty collector for its rows.
    pub fn prepare(
        report: &Path,
        table: Option<&Path>,
        scenario: &Path,
        points: u64,
        layout: &Layout,
        deadlines: usize,
    ) -> Result<SweepRows, InputError> {
        if points > MAX_REPORT_POINTS {
            return Err(InputError::new(
                "--report",
                format!(
                    "the sweep has {points} points; a report draws at most {MAX_REPORT_POINTS}"
                ),
            )
            .with_help("sweep fewer values, or chart the table with other tools"));
        }
        let same = |p: &Path| {
            p == report
                || matches!((std::fs::canonicalize(p), std::fs::canonicalize(report)),
                    (Ok(x), Ok(y)) if x == y)
        };
        if table.is_some_and(same) || same(scenario) {
            return Err(InputError::new(
                "--report",
                "the report would overwrite the table or the scenario",
            )
            .with_help("give the HTML report a file of its own"));
        }
        Ok(SweepRows::new(layout.format, deadlines))
    }

    /// Adds the point whose key cells are `cells`, one row per deadline.
    pub fn push(&mut self, cells: &[Cell], deadlines: &[DeadlineReport]) {
        self.push_rows(
            cells.iter().map(|c| c.text.clone()).collect(),
            deadlines
                .iter()
                .map(|d| (d.deadline, d.p_agreement, d.ci95[0], d.ci95[1])),
        );
    }

    /// Adds a point from its cells' text and its rows as (deadline, P, low, high).
    fn push_rows(
        &mut self,
        cells: Vec<String>,
        rows: impl IntoIterator<Item = (u32, f64, f64, f64)>,
    ) {
        let rows = rows
            .into_iter()
            .map(|(deadline, p, lo, hi)| {
                self.rows_seen += 1;
                Row {
                    index: self.rows_seen - 1,
                    deadline,
                    p,
                    lo,
                    hi,
                }
            })
            .collect();
        self.points.push(Point { cells, rows });
    }

    /// Reads the first `points` points of a resumed table in `path` (which `--resume` has
    /// just checked row by row against `sweep`): CSV through the `csv` crate, JSON lines
    /// through serde_json, so that quoting and line breaks inside values are handled.
    pub fn read_resumed(&mut self, path: &Path, sweep: &Sweep, points: u64) -> Result<(), Error> {
        let name = path.display().to_string();
        let bad = |m: String| Error::Input(InputError::new(&name, m));
        let f = std::fs::File::open(path).map_err(|e| Error::io(name.clone(), e))?;
        let mut fields: Vec<[String; 4]> = Vec::new();
        let want = (points as usize).saturating_mul(self.deadlines);
        match self.format {
            Format::Csv => {
                let mut r = csv::ReaderBuilder::new().from_reader(f);
                let head = r.headers().map_err(|e| bad(e.to_string()))?.clone();
                let col = |k: &str| {
                    head.iter()
                        .position(|h| h == k)
                        .ok_or_else(|| bad(format!("the table has no column `{k}`")))
                };
                let cols = [
                    col("deadline")?,
                    col("p_agreement")?,
                    col("ci_low")?,
                    col("ci_high")?,
                ];
                for rec in r.records().take(want) {
                    let rec = rec.map_err(|e| bad(e.to_string()))?;
                    fields.push(cols.map(|c| rec.get(c).unwrap_or("").to_string()));
                }
            }
            Format::Jsonl => {
                for line in BufReader::new(f).lines().take(want) {
                    let line = line.map_err(|e| Error::io(name.clone(), e))?;
                    let v: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
                    fields.push(
                        ["deadline", "p_agreement", "ci_low", "ci_high"]
                            .map(|k| v.get(k).map_or(String::new(), |x| x.to_string())),
                    );
                }
            }
        }
        if fields.len() < want {
            return Err(bad(format!(
                "{} rows were expected, {} were found",
                want,
                fields.len()
            )));
        }
        let num = |s: &str, what: &str| {
            s.trim()
                .parse::<f64>()
                .map_err(|_| bad(format!("{what} `{s}` is not a number")))
        };
        for (point, chunk) in fields.chunks(self.deadlines).enumerate() {
            let mut rows = Vec::with_capacity(chunk.len());
            for f in chunk {
                let deadline = f[0]
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("deadline `{}` is not a number", f[0])))?;
                rows.push((
                    deadline,
                    num(&f[1], "p_agreement")?,
                    num(&f[2], "ci_low")?,
                    num(&f[3], "ci_high")?,
                ));
            }
            let cells = sweep.cells(point as u64).into_iter().map(|c| c.text);
            self.push_rows(cells.collect(), rows);
        }
        Ok(())
    }

    /// The exact text of `x` as the table writes it (Rust's shortest round-trip form in CSV,
    /// serde_json's in JSON lines), so that the page's `data-*` values equal the table's.
    pub fn text(&self, x: f64) -> String {
        match self.format {
            Format::Csv => x.to_string(),
            Format::Jsonl => serde_json::to_string(&x).expect("finite numbers serialize"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushed_points_number_their_rows_in_table_order() {
        let mut r = SweepRows::new(Format::Csv, 2);
        r.push_rows(vec!["0.1".into()], [(3, 0.5, 0.4, 0.6), (6, 0.6, 0.5, 0.7)]);
        r.push_rows(vec!["0.2".into()], [(3, 0.1, 0.0, 0.2), (6, 0.2, 0.1, 0.3)]);
        assert_eq!(r.points.len(), 2);
        assert_eq!(r.points[0].cells, ["0.1"]);
        assert_eq!(r.points[0].rows[1].p, 0.6);
        assert_eq!(r.points[1].rows[1].index, 3);
        assert_eq!(r.text(0.1), "0.1");
    }
}

//! `negsim sweep --report FILE.html`: P(agreement) against the swept parameter, drawn from the
//! rows of the sweep's own table.
//!
//! The page is drawn from the rows the sweep wrote, never from a second computation: the
//! points played now are kept as they are simulated, and with `--resume` the points of the
//! earlier invocation are read back from their rows in the table. Per point only what the
//! chart needs is kept (the swept values, and per deadline P(agreement) and its interval), so
//! the memory grows by a few hundred bytes per point; the number of points of a report is
//! capped at [`MAX_REPORT_POINTS`].

use super::Sweep;
use crate::error::{Error, InputError};
use crate::page::{PAGE_END, num_cell, page_start};
use crate::report::DeadlineReport;
use crate::report::plural;
use crate::svg::{self, HChart, HMark, HRow, LineChart, Series, SeriesPoint, esc};
use crate::tidy::{Cell, Format, Layout};
use indexmap::IndexMap;
use std::fmt::Write as _;
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
    fn text(&self, x: f64) -> String {
        match self.format {
            Format::Csv => x.to_string(),
            Format::Jsonl => serde_json::to_string(&x).expect("finite numbers serialize"),
        }
    }
}

/// What the sweep report shows besides the rows.
#[derive(Debug, Clone, Copy)]
pub struct PageInfo<'a> {
    /// Runs per point and deadline.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// The scenario file, as given.
    pub source: &'a str,
    /// The table the rows come from (a file name, or stdout).
    pub table: &'a str,
    /// The command that reproduces the sweep and the page.
    pub command: &'a str,
}

/// The unit of a swept value, for axis titles.
fn unit(path: &str, round_label: &str) -> Option<String> {
    let last = path.rsplit('.').next().unwrap_or(path);
    let segs: Vec<&str> = path.split('.').collect();
    let under = |s: &str| segs.len() >= 2 && segs[segs.len() - 2] == s;
    let u = if path.contains(".values.") {
        "utility, 0–1".to_string()
    } else if path.contains(".weights.") {
        "weight before renormalizing".to_string()
    } else {
        match last {
            "reservation" => "utility of no deal, 0–1".to_string(),
            "walk_away" => format!("chance per {round_label}"),
            "deadline_belief" => "multiple of the real deadline".to_string(),
            "estimate_noise" => "sd of the estimate errors".to_string(),
            "exponent" if under("strategy") => "concession exponent".to_string(),
            "mediator_learning_rate" => "weight increase per rejection".to_string(),
            _ => return None,
        }
    };
    Some(u)
}

/// "12 weeks", "1 week".
fn deadline_label(d: u32, round_label: &str) -> String {
    format!("{d} {}", plural(round_label, d))
}

/// Renders the sweep report: the chart(s), the table of the numbers drawn and the command.
pub fn render(sweep: &Sweep, rows: &SweepRows, info: &PageInfo) -> String {
    let sc = sweep.base();
    let label = &sc.simulation.round_label;
    let paths: Vec<String> = sweep.params.iter().map(|p| p.path.clone()).collect();
    let mut h = page_start(&format!("negsim sweep: {}", sc.name));
    let _ = write!(
        h,
        "<header><h1>{}: sweep</h1>\n<p class=\"meta\">Swept: {} · <span data-k=\"points\" data-v=\"{}\">{}</span> of {} points drawn · <span data-k=\"runs\" data-v=\"{}\">{}</span> Monte Carlo runs per point and deadline · seed <span data-k=\"seed\" data-v=\"{}\">{}</span> · scenario {} · rows from {} · produced by negsim {}</p>\n",
        esc(&sc.name),
        paths
            .iter()
            .map(|p| format!("<code>{}</code>", esc(p)))
            .collect::<Vec<_>>()
            .join(", "),
        rows.points.len(),
        rows.points.len(),
        sweep.len(),
        info.runs,
        info.runs,
        info.seed,
        info.seed,
        esc(info.source),
        esc(info.table),
        env!("CARGO_PKG_VERSION")
    );
    if (rows.points.len() as u64) < sweep.len() {
        let _ = writeln!(
            h,
            "<p class=\"warn\">The sweep stopped early: {} of its {} points are in the table and drawn here. Run it again with --resume to finish it.</p>",
            rows.points.len(),
            sweep.len()
        );
    }
    h.push_str("</header>\n");
    let numeric = sweep.numeric_params();
    let (lo, hi) = rows
        .points
        .iter()
        .flat_map(|p| &p.rows)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), r| {
            (a.min(r.lo), b.max(r.hi))
        });
    let y_range = svg::prob_range(lo, hi, 0.1);
    h.push_str("<section id=\"chart\">");
    match numeric.iter().position(|&n| n) {
        Some(xi) => h += &line_charts(sweep, rows, xi, y_range, info.runs),
        None => h += &dot_chart(sweep, rows, y_range, info.runs),
    }
    h.push_str("</section>\n");
    h += &table(rows, &paths, &numeric, label);
    let _ = write!(
        h,
        "<section id=\"reproduce\"><h2>Reproduce</h2>\n<pre><code id=\"command\">{}</code></pre>\n\
<p class=\"note\">Every point plays the same runs from the same seed, so the command gives the same table and page on any machine with any number of threads.</p></section>\n",
        esc(info.command)
    );
    h.push_str(PAGE_END);
    h
}

/// The `data-*` attributes of a drawn row, with the numbers written as in the table.
fn row_data(rows: &SweepRows, r: &Row) -> Vec<(String, String)> {
    svg::data(&[
        ("row", r.index.to_string()),
        ("deadline", r.deadline.to_string()),
        ("p", rows.text(r.p)),
        ("lo", rows.text(r.lo)),
        ("hi", rows.text(r.hi)),
    ])
}

/// The deadlines of the table, in the order of its rows.
fn deadlines(rows: &SweepRows) -> Vec<u32> {
    rows.points
        .first()
        .map(|p| p.rows.iter().map(|r| r.deadline).collect())
        .unwrap_or_default()
}

const CAPTION: &str = "the 95% Wilson interval of each point alone (Monte Carlo uncertainty only). Every point replays the same runs with the same random numbers (common random numbers), so the difference between two points is measured far more precisely than the two intervals suggest.";

/// One line chart per combination of the other parameters' values, x = parameter `xi`.
fn line_charts(
    sweep: &Sweep,
    rows: &SweepRows,
    xi: usize,
    y_range: (f64, f64),
    runs: u64,
) -> String {
    let sc = sweep.base();
    let label = &sc.simulation.round_label;
    let paths: Vec<&str> = sweep.params.iter().map(|p| p.path.as_str()).collect();
    let xpath = paths[xi];
    let x_label = match unit(xpath, label) {
        Some(u) => format!("{xpath} ({u})"),
        None => xpath.to_string(),
    };
    // Panels in the order in which their first point comes.
    let mut panels: IndexMap<Vec<&str>, Vec<&Point>> = IndexMap::new();
    for p in &rows.points {
        let others: Vec<&str> = p
            .cells
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != xi)
            .map(|(_, c)| c.as_str())
            .collect();
        panels.entry(others).or_default().push(p);
    }
    let dls = deadlines(rows);
    let mut h = format!(
        "<h2>P(agreement) against <code>{}</code></h2>\n",
        esc(xpath)
    );
    if panels.len() > 1 {
        let others: Vec<&str> = (0..paths.len())
            .filter(|&i| i != xi)
            .map(|i| paths[i])
            .collect();
        let _ = writeln!(
            h,
            "<p class=\"note\">One chart per combination of the values of {} ({} charts, in the order of the sweep's points), all on the same vertical scale. <code>{}</code> is the horizontal axis because it is the first numeric parameter swept.</p>",
            others
                .iter()
                .map(|o| format!("<code>{}</code>", esc(o)))
                .collect::<Vec<_>>()
                .join(", "),
            panels.len(),
            esc(xpath)
        );
    }
    for (k, (others, pts)) in panels.iter().enumerate() {
        let mut pts: Vec<(f64, &Point)> = pts
            .iter()
            .map(|p| (p.cells[xi].parse::<f64>().unwrap_or(f64::NAN), *p))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let series = dls
            .iter()
            .enumerate()
            .map(|(di, &d)| Series {
                name: format!("deadline {}", deadline_label(d, label)),
                points: pts
                    .iter()
                    .filter_map(|(x, p)| {
                        let r = p.rows.get(di).filter(|r| r.deadline == d)?;
                        Some(SeriesPoint {
                            x: *x,
                            y: r.p,
                            band: Some((r.lo, r.hi)),
                            data: row_data(rows, r),
                        })
                    })
                    .collect(),
            })
            .collect();
        let fixed: Vec<String> = (0..paths.len())
            .filter(|&i| i != xi)
            .zip(others)
            .map(|(i, v)| format!("{} = {v}", paths[i]))
            .collect();
        let mut xs: Vec<f64> = pts.iter().map(|(x, _)| *x).collect();
        xs.dedup();
        let title = if fixed.is_empty() {
            format!("P(agreement) against {xpath}")
        } else {
            format!("P(agreement) against {xpath}, {}", fixed.join(", "))
        };
        let chart = LineChart {
            id: format!("sweep-chart-{k}"),
            title: svg_title(&title),
            desc: format!(
                "P(agreement) at each swept value of {xpath}, one line per deadline, with 95% intervals"
            ),
            x_label: x_label.clone(),
            y_label: "P(agreement) (share of runs)".into(),
            series,
            y_range: Some(y_range),
            x_ticks: (xs.len() <= 12).then_some(xs),
            band_label: Some("95% interval (Wilson)".into()),
        };
        if !fixed.is_empty() {
            let _ = writeln!(h, "<h3>{}</h3>", esc(&fixed.join(", ")));
        }
        let _ = writeln!(
            h,
            "<figure>{}<figcaption>P(agreement) with {} runs per point, one line per deadline. Band and bars: {CAPTION}</figcaption></figure>",
            svg::line_chart(&chart),
            runs
        );
    }
    h
}

/// Titles longer than the chart is wide are cut (the heading above the chart has them whole).
fn svg_title(t: &str) -> String {
    let max = (svg::WIDTH / 8.6) as usize;
    if t.chars().count() <= max {
        t.to_string()
    } else {
        let mut s: String = t.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// With no numeric parameter: one row per point, a marker with its interval per deadline.
fn dot_chart(sweep: &Sweep, rows: &SweepRows, x_range: (f64, f64), runs: u64) -> String {
    let sc = sweep.base();
    let label = &sc.simulation.round_label;
    let paths: Vec<&str> = sweep.params.iter().map(|p| p.path.as_str()).collect();
    let dls = deadlines(rows);
    let chart = HChart {
        id: "sweep-chart-0".into(),
        title: svg_title(&format!("P(agreement) by {}", paths.join(" and "))),
        desc:
            "P(agreement) at each point of the sweep, one marker per deadline, with 95% intervals"
                .into(),
        x_label: "P(agreement) (share of runs)".into(),
        y_label: paths.join(" · "),
        series: dls
            .iter()
            .map(|&d| format!("deadline {}", deadline_label(d, label)))
            .collect(),
        bars: false,
        lanes: dls.len(),
        x_range,
        reference: None,
        interval_label: Some("95% interval (Wilson)".into()),
        rows: rows
            .points
            .iter()
            .map(|p| HRow {
                label: p.cells.join(" · "),
                marks: p
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(di, r)| HMark {
                        series: di,
                        from: None,
                        value: r.p,
                        interval: Some((r.lo, r.hi)),
                        lane: di,
                        data: row_data(rows, r),
                        tip: format!(
                            "{}, deadline {}: {:.3} [{:.3}, {:.3}]",
                            p.cells.join(", "),
                            deadline_label(r.deadline, label),
                            r.p,
                            r.lo,
                            r.hi
                        ),
                    })
                    .collect(),
                note: String::new(),
            })
            .collect(),
    };
    format!(
        "<h2>P(agreement) at each point</h2>\n<p class=\"note\">No swept parameter is numeric, so each point is a row: one marker per deadline with its interval.</p>\n<figure>{}<figcaption>Markers: P(agreement) with {runs} runs per point. Bars: {CAPTION}</figcaption></figure>\n",
        svg::hchart(&chart)
    )
}

/// The table of every row drawn.
fn table(rows: &SweepRows, paths: &[String], numeric: &[bool], label: &str) -> String {
    let mut h = String::from(
        "<section id=\"numbers\"><h2>The numbers</h2>\n<table id=\"sweep-table\"><thead><tr>",
    );
    for (p, &n) in paths.iter().zip(numeric) {
        let class = if n { " class=\"n\"" } else { "" };
        let _ = write!(h, "<th{class}><code>{}</code></th>", svg::breakable(p));
    }
    h.push_str("<th>deadline</th><th class=\"n\">P(agreement)</th><th class=\"n\">95% interval</th></tr></thead><tbody>\n");
    for p in &rows.points {
        for r in &p.rows {
            let _ = write!(
                h,
                "<tr data-row=\"{}\" data-deadline=\"{}\">",
                r.index, r.deadline
            );
            for (c, &n) in p.cells.iter().zip(numeric) {
                let class = if n { " class=\"n\"" } else { "" };
                let _ = write!(h, "<td{class} data-k=\"param\">{}</td>", esc(c));
            }
            let _ = writeln!(
                h,
                "<td>{}</td>{}<td class=\"n\"><span data-k=\"ci_low\" data-v=\"{}\">{:.3}</span> – <span data-k=\"ci_high\" data-v=\"{}\">{:.3}</span></td></tr>",
                esc(&deadline_label(r.deadline, label)),
                num_cell("p_agreement", &rows.text(r.p), &format!("{:.3}", r.p)),
                rows.text(r.lo),
                r.lo,
                rows.text(r.hi),
                r.hi
            );
        }
    }
    h.push_str("</tbody></table>\n<p class=\"note\">The rows of the sweep's table (its other columns, such as walk-outs and rounds, are in the table file).</p></section>\n");
    h
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

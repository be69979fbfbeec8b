//! `negsim sweep --report FILE.html`: P(agreement) against the swept parameter, drawn from the
//! rows of the sweep's own table.
//!
//! The page is drawn from the table the sweep wrote (read back from `--output`, or caught on
//! its way to stdout), never from a second computation: with `--resume` the points of the
//! earlier invocation are drawn from their rows like the others. Per point only what the
//! chart needs is kept (the swept values, and per deadline P(agreement) and its interval), so
//! the memory grows by a few hundred bytes per point; the number of points of a report is
//! capped at [`MAX_REPORT_POINTS`].

use super::Sweep;
use crate::error::{Error, InputError};
use crate::html::{PAGE_END, num_cell, page_start};
use crate::report::plural;
use crate::svg::{self, HChart, HMark, HRow, LineChart, Series, SeriesPoint, esc};
use crate::tidy::{Format, Layout};
use indexmap::IndexMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

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

/// The chart's data gathered from the lines of a sweep table.
#[derive(Debug, Clone)]
pub struct SweepRows {
    format: Format,
    keys: Vec<String>,
    deadlines: usize,
    header_pending: bool,
    pending: Vec<u8>,
    rows_seen: usize,
    current: Option<Point>,
    /// The whole points read so far, in table order.
    pub points: Vec<Point>,
}

impl SweepRows {
    /// An empty collector for a table with the key columns `keys` (as in the header) and
    /// `deadlines` rows per point.
    pub fn new(format: Format, keys: Vec<String>, deadlines: usize) -> SweepRows {
        SweepRows {
            format,
            header_pending: format == Format::Csv,
            keys,
            deadlines: deadlines.max(1),
            pending: Vec::new(),
            rows_seen: 0,
            current: None,
            points: Vec::new(),
        }
    }

    /// Checks a sweep's `--report FILE` (its number of points, and that the page overwrites
    /// neither the `table` nor the `scenario`) and returns an empty collector for its rows,
    /// shared with the writer of the table when that is stdout (see [`Tee`]).
    pub fn prepare(
        report: &Path,
        table: Option<&Path>,
        scenario: &Path,
        points: u64,
        layout: &Layout,
        deadlines: usize,
    ) -> Result<Arc<Mutex<SweepRows>>, InputError> {
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
        let rows = SweepRows::new(layout.format, layout.keys.clone(), deadlines);
        Ok(Arc::new(Mutex::new(rows)))
    }

    /// The rows to draw once the sweep is done: read back from the `table` file (so that a
    /// resumed sweep's earlier points are drawn too), or those caught on their way to stdout.
    pub fn finish(rows: Arc<Mutex<SweepRows>>, table: Option<&Path>) -> Result<SweepRows, Error> {
        let rows = rows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        match table {
            Some(path) => rows.read_file(path),
            None => Ok(rows),
        }
    }

    /// Reads the table in `path` line by line.
    pub fn read_file(mut self, path: &Path) -> Result<SweepRows, Error> {
        let name = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|e| Error::io(name.clone(), e))?;
        for (i, line) in BufReader::new(f).lines().enumerate() {
            let line = line.map_err(|e| Error::io(name.clone(), e))?;
            self.push_line(&line)
                .map_err(|m| InputError::new(&name, format!("line {}: {m}", i + 1)))?;
        }
        Ok(self)
    }

    /// Takes bytes as they are written, handling each line once it is complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.pending.extend_from_slice(bytes);
        while let Some(n) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=n).collect();
            let line = String::from_utf8_lossy(&line[..n]).into_owned();
            self.push_line(&line)?;
        }
        Ok(())
    }

    /// Handles one line of the table (without its newline).
    pub fn push_line(&mut self, line: &str) -> Result<(), String> {
        if std::mem::take(&mut self.header_pending) || line.trim().is_empty() {
            return Ok(());
        }
        let n = self.keys.len();
        let (cells, fields) = match self.format {
            Format::Csv => {
                let f = csv_fields(line, n + 6).ok_or("not a row of this sweep's table")?;
                (f[..n].to_vec(), f[n..].to_vec())
            }
            Format::Jsonl => {
                let all: IndexMap<String, String> = json_fields(line)
                    .ok_or("not a row of this sweep's table")?
                    .into_iter()
                    .collect();
                let get = |k: &str| all.get(k).cloned().ok_or(format!("no field `{k}`"));
                let cells = self
                    .keys
                    .iter()
                    .map(|k| get(k))
                    .collect::<Result<Vec<_>, _>>()?;
                let fields = ["deadline", "runs", "agreements", "p_agreement"]
                    .iter()
                    .chain(&["ci_low", "ci_high"])
                    .map(|k| get(k))
                    .collect::<Result<Vec<_>, _>>()?;
                (cells, fields)
            }
        };
        let num = |i: usize, what: &str| -> Result<f64, String> {
            fields[i]
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("{what} `{}` is not a number", fields[i]))
        };
        let row = Row {
            index: self.rows_seen,
            deadline: fields[0]
                .trim()
                .parse()
                .map_err(|_| format!("deadline `{}` is not a number", fields[0]))?,
            p: num(3, "p_agreement")?,
            lo: num(4, "ci_low")?,
            hi: num(5, "ci_high")?,
        };
        self.rows_seen += 1;
        let point = self.current.get_or_insert_with(|| Point {
            cells: cells.clone(),
            rows: Vec::new(),
        });
        if point.cells != cells {
            return Err("a point's rows do not all have the same swept values".into());
        }
        point.rows.push(row);
        if point.rows.len() == self.deadlines {
            self.points.extend(self.current.take());
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

/// A writer that passes everything on to `inner` and shows it to a [`SweepRows`] as well: the
/// chart of a sweep written to stdout.
pub struct Tee {
    inner: Box<dyn Write + Send>,
    rows: Arc<Mutex<SweepRows>>,
}

impl Tee {
    /// Writes to `inner`, feeding `rows`.
    pub fn new(inner: Box<dyn Write + Send>, rows: Arc<Mutex<SweepRows>>) -> Tee {
        Tee { inner, rows }
    }
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.rows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .feed(&buf[..n])
            .map_err(std::io::Error::other)?;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The first `n` fields of a CSV line (RFC 4180 quoting), or `None` if it has fewer.
fn csv_fields(line: &str, n: usize) -> Option<Vec<String>> {
    let mut out = Vec::with_capacity(n);
    let mut rest = line;
    while out.len() < n {
        if let Some(q) = rest.strip_prefix('"') {
            let mut field = String::new();
            let mut chars = q.char_indices();
            let end = loop {
                let (i, c) = chars.next()?;
                if c != '"' {
                    field.push(c);
                } else if q[i + 1..].starts_with('"') {
                    field.push('"');
                    chars.next();
                } else {
                    break i + 1;
                }
            };
            out.push(field);
            rest = &q[end..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
        match rest.strip_prefix(',') {
            Some(r) => rest = r,
            None if out.len() < n => return None,
            None => {}
        }
    }
    Some(out)
}

/// The fields of a flat JSON object of scalars (what a JSON-lines table row is): strings
/// unescaped, other values as their literal text (numbers keep the digits written).
fn json_fields(line: &str) -> Option<Vec<(String, String)>> {
    let mut rest = line.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Some(out);
        }
        let (key, r) = json_string(rest)?;
        let r = r.trim_start().strip_prefix(':')?.trim_start();
        let (value, r) = if r.starts_with('"') {
            json_string(r)?
        } else {
            let end = r.find(',').unwrap_or(r.len());
            (r[..end].trim().to_string(), &r[end..])
        };
        out.push((key, value));
        let r = r.trim_start();
        rest = match r.strip_prefix(',') {
            Some(r) => r,
            None if r.is_empty() => r,
            None => return None,
        };
    }
}

/// A JSON string at the start of `s`, unescaped, and what follows it.
fn json_string(s: &str) -> Option<(String, &str)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    while i < b.len() && b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    if i >= b.len() {
        return None;
    }
    let text = serde_json::from_str(&s[..=i]).ok()?;
    Some((text, &s[i + 1..]))
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
    fn csv_fields_follow_rfc_4180() {
        assert_eq!(
            csv_fields("\"a,b\",\"say \"\"hi\"\"\",3,x", 3).unwrap(),
            ["a,b", "say \"hi\"", "3"]
        );
        assert_eq!(csv_fields("1,2", 2).unwrap(), ["1", "2"]);
        assert!(csv_fields("1,2", 3).is_none());
        assert!(csv_fields("\"open,2", 2).is_none());
    }

    #[test]
    fn json_fields_keep_number_text() {
        let f =
            json_fields(r#"{"k":"a,\"b\"","n":0.35085367784709615,"t":true,"z":null}"#).unwrap();
        assert_eq!(
            f,
            [
                ("k".to_string(), "a,\"b\"".to_string()),
                ("n".into(), "0.35085367784709615".into()),
                ("t".into(), "true".into()),
                ("z".into(), "null".into())
            ]
        );
        assert!(json_fields(r#"{"k":"a" "b"}"#).is_none());
        assert!(json_fields(r#"{"k":1"#).is_none());
    }

    #[test]
    fn rows_group_into_points_of_one_row_per_deadline() {
        let mut r = SweepRows::new(Format::Csv, vec!["param_x".into()], 2);
        let text = "param_x,deadline,runs,agreements,p_agreement,ci_low,ci_high,rest\n\
                    0.1,3,10,5,0.5,0.2,0.8,x\n0.1,6,10,6,0.6,0.3,0.9,y\n0.2,3,10,1,0.1,0,0.4,z\n0.2,6";
        r.feed(text.as_bytes()).unwrap();
        assert_eq!(r.points.len(), 1);
        assert_eq!(r.points[0].cells, ["0.1"]);
        assert_eq!(r.points[0].rows[1].p, 0.6);
        assert_eq!(r.points[0].rows[1].index, 1);
        // The unfinished point is kept apart until its last row arrives.
        r.feed(b",10,2,0.2,0.05,0.5,w\n").unwrap();
        assert_eq!(r.points.len(), 2);
        assert_eq!(r.points[1].rows[1].hi, 0.5);
        assert!(r.push_line("0.3,3,10,x,0.5,0.1,0.9").is_ok());
        assert!(r.push_line("0.4,6,10,1,0.5,0.1,0.9").is_err());
    }
}

//! `negsim sweep --report FILE.html`: P(agreement) against the swept parameter, drawn from the
//! rows of the sweep's own table (kept by [`crate::study::sweep::chart::SweepRows`]).

use super::{breakable, num_cell, num_span};
use crate::report::charts::{self, HChart, HMark, HRow, Key, LineChart, Series, SeriesPoint};
use crate::report::plural;
use crate::study::sweep::Sweep;
use crate::study::sweep::chart::{Point, Row, SweepRows};
use indexmap::IndexMap;
use maud::{Markup, html};

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

/// Paths as a comma-separated list of `<code>` elements.
fn code_list<'a>(paths: impl IntoIterator<Item = &'a str>) -> Markup {
    html! {
        @for (i, p) in paths.into_iter().enumerate() {
            @if i > 0 { ", " }
            code { (p) }
        }
    }
}

/// Renders the sweep report: the chart(s), the table of the numbers drawn and the command.
pub fn render(sweep: &Sweep, rows: &SweepRows, info: &PageInfo) -> String {
    let sc = sweep.base();
    let label = &sc.simulation.round_label;
    let paths: Vec<String> = sweep.paths().into_iter().map(String::from).collect();
    let numeric = sweep.numeric_params();
    let (lo, hi) = rows
        .points
        .iter()
        .flat_map(|p| &p.rows)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), r| {
            (a.min(r.lo), b.max(r.hi))
        });
    let y_range = charts::prob_range(lo, hi, 0.1);
    let n = |k: &str, v: String| num_span(k, &v, &v);
    let body = html! {
        header {
            h1 { (sc.name) ": sweep" } "\n"
            p class="meta" {
                "Swept: " (code_list(paths.iter().map(String::as_str))) " · "
                (n("points", rows.points.len().to_string())) " of " (sweep.len()) " points drawn · "
                (n("runs", info.runs.to_string())) " Monte Carlo runs per point and deadline · seed "
                (n("seed", info.seed.to_string())) " · scenario " (info.source) " · rows from "
                (info.table) " · produced by negsim " (env!("CARGO_PKG_VERSION"))
            } "\n"
            @if (rows.points.len() as u64) < sweep.len() {
                p class="warn" { "The sweep stopped early: " (rows.points.len()) " of its " (sweep.len()) " points are in the table and drawn here. Run it again with --resume to finish it." } "\n"
            }
        } "\n"
        section id="chart" {
            @match numeric.iter().position(|&n| n) {
                Some(xi) => (line_charts(sweep, rows, xi, y_range, info.runs)),
                None => (dot_chart(sweep, rows, y_range, info.runs)),
            }
        } "\n"
        (table(rows, &paths, &numeric, label))
        section id="reproduce" {
            h2 { "Reproduce" } "\n"
            pre { code id="command" { (info.command) } } "\n"
            p class="note" { "Every point plays the same runs from the same seed, so the command gives the same table and page on any machine with any number of threads." }
        } "\n"
    };
    super::page(&format!("negsim sweep: {}", sc.name), body)
}

/// The `data-*` attributes of a drawn row, with the numbers written as in the table.
fn row_data(rows: &SweepRows, r: &Row) -> charts::Data {
    charts::data(&[
        (Key::Row, r.index.to_string()),
        (Key::Deadline, r.deadline.to_string()),
        (Key::P, rows.text(r.p)),
        (Key::Lo, rows.text(r.lo)),
        (Key::Hi, rows.text(r.hi)),
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
) -> Markup {
    let sc = sweep.base();
    let label = &sc.simulation.round_label;
    let paths: Vec<&str> = sweep.paths();
    let xpath = paths[xi];
    // The scenario's own name for the parameter where it has one; the path stays beside it.
    let xname = crate::scenario::slots::label_of_path(sc, xpath).unwrap_or_else(|| xpath.into());
    let x_label = match unit(xpath, label) {
        Some(u) => format!("{xname} ({u})"),
        None => xname.clone(),
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
    let others: Vec<&str> = (0..paths.len())
        .filter(|&i| i != xi)
        .map(|i| paths[i])
        .collect();
    html! {
        h2 { "P(agreement) against " (xname) @if xname != xpath { " (" code { (xpath) } ")" } } "\n"
        @if panels.len() > 1 {
            p class="note" {
                "One chart per combination of the values of " (code_list(others.iter().copied()))
                " (" (panels.len()) " charts, in the order of the sweep's points), all on the same vertical scale. "
                code { (xpath) } " is the horizontal axis because it is the first numeric parameter swept."
            } "\n"
        }
        @for (k, (others, pts)) in panels.iter().enumerate() {
            @let fixed: Vec<String> = (0..paths.len())
                .filter(|&i| i != xi)
                .zip(others)
                .map(|(i, v)| format!("{} = {v}", paths[i]))
                .collect();
            @if !fixed.is_empty() {
                h3 { (fixed.join(", ")) } "\n"
            }
            figure {
                (panel(rows, &dls, label, pts, xi, &xname, &x_label, &fixed, k, y_range))
                figcaption { "P(agreement) with " (runs) " runs per point, one line per deadline. Band and bars: " (CAPTION) }
            } "\n"
        }
    }
}

/// The line chart of one panel: the points `pts` against parameter `xi`.
#[allow(clippy::too_many_arguments)]
fn panel(
    rows: &SweepRows,
    dls: &[u32],
    label: &str,
    pts: &[&Point],
    xi: usize,
    xpath: &str,
    x_label: &str,
    fixed: &[String],
    k: usize,
    y_range: (f64, f64),
) -> Markup {
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
    let mut xs: Vec<f64> = pts.iter().map(|(x, _)| *x).collect();
    xs.dedup();
    let title = if fixed.is_empty() {
        format!("P(agreement) against {xpath}")
    } else {
        format!("P(agreement) against {xpath}, {}", fixed.join(", "))
    };
    charts::line_chart(&LineChart {
        id: format!("sweep-chart-{k}"),
        title: svg_title(&title),
        desc: format!(
            "P(agreement) at each swept value of {xpath}, one line per deadline, with 95% intervals"
        ),
        x_label: x_label.to_string(),
        y_label: "P(agreement) (share of runs)".into(),
        series,
        y_range: Some(y_range),
        x_ticks: (xs.len() <= 12).then_some(xs),
        band_label: Some("95% interval (Wilson)".into()),
    })
}

/// Titles longer than the chart is wide are cut (the heading above the chart has them whole).
fn svg_title(t: &str) -> String {
    let max = (charts::WIDTH / 8.6) as usize;
    if t.chars().count() <= max {
        t.to_string()
    } else {
        let mut s: String = t.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// With no numeric parameter: one row per point, a marker with its interval per deadline.
fn dot_chart(sweep: &Sweep, rows: &SweepRows, x_range: (f64, f64), runs: u64) -> Markup {
    let sc = sweep.base();
    let label = &sc.simulation.round_label;
    let paths: Vec<&str> = sweep.paths();
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
                detail: String::new(),
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
    html! {
        h2 { "P(agreement) at each point" } "\n"
        p class="note" { "No swept parameter is numeric, so each point is a row: one marker per deadline with its interval." } "\n"
        figure {
            (charts::hchart(&chart))
            figcaption { "Markers: P(agreement) with " (runs) " runs per point. Bars: " (CAPTION) }
        } "\n"
    }
}

/// The table of every row drawn.
fn table(rows: &SweepRows, paths: &[String], numeric: &[bool], label: &str) -> Markup {
    let class = |n: bool| n.then_some("n");
    html! {
        section id="numbers" {
            h2 { "The numbers" } "\n"
            table id="sweep-table" {
                thead { tr {
                    @for (p, &n) in paths.iter().zip(numeric) {
                        th class=[class(n)] { code { (breakable(p)) } }
                    }
                    th { "deadline" } th class="n" { "P(agreement)" } th class="n" { "95% interval" }
                } }
                tbody {
                    "\n"
                    @for p in &rows.points {
                        @for r in &p.rows {
                            tr data-row=(r.index) data-deadline=(r.deadline) {
                                @for (c, &n) in p.cells.iter().zip(numeric) {
                                    td class=[class(n)] data-k="param" { (c) }
                                }
                                td { (deadline_label(r.deadline, label)) }
                                (num_cell("p_agreement", &rows.text(r.p), &format!("{:.3}", r.p)))
                                td class="n" {
                                    (num_span("ci_low", &rows.text(r.lo), &format!("{:.3}", r.lo)))
                                    " – "
                                    (num_span("ci_high", &rows.text(r.hi), &format!("{:.3}", r.hi)))
                                }
                            } "\n"
                        }
                    }
                }
            } "\n"
            p class="note" { "The rows of the sweep's table (its other columns, such as walk-outs and rounds, are in the table file)." }
        } "\n"
    }
}

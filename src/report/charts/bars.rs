//! Bar charts: horizontal 100% stacked bars (how runs end, which options deals pick) and
//! vertical grouped bars with reference ticks (utilities against reservation values).

use super::axis::{Frame, Swatch, axes, labelled, legend, nice_ticks};
use super::{Data, WIDTH, chart, f1, f2, mark, patterns};
use maud::{Markup, html};

/// One bar of a 100% stacked bar chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StackRow {
    /// Row label (left of the bar).
    pub label: String,
    /// Segment sizes as shares of the bar (summing to 1, or all 0 for an empty bar).
    pub shares: Vec<f64>,
    /// `data-*` attributes per segment.
    pub data: Vec<Data>,
    /// Text drawn right of an empty bar (for example "no agreements").
    pub empty_note: String,
}

/// A horizontal 100% stacked bar chart: one bar per row, one segment per category.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StackedBars {
    /// Element id, unique within the document.
    pub id: String,
    /// Title shown above the chart.
    pub title: String,
    /// Longer description for screen readers.
    pub desc: String,
    /// Horizontal axis title, with unit.
    pub x_label: String,
    /// Vertical axis title.
    pub y_label: String,
    /// Category names, in segment order.
    pub categories: Vec<String>,
    /// Category styles: index into the palette and hatch patterns (default: position).
    pub styles: Vec<usize>,
    /// The bars, top to bottom.
    pub rows: Vec<StackRow>,
}

/// Renders [`StackedBars`]; segments wide enough carry their percentage.
pub fn stacked_bars(c: &StackedBars) -> Markup {
    let bar_h = 22.0;
    let gap = 10.0;
    let f = Frame {
        left: 110.0,
        top: 36.0,
        width: WIDTH - 140.0,
        height: c.rows.len() as f64 * (bar_h + gap) + gap,
        x: (0.0, 100.0),
        y: (0.0, 1.0),
    };
    let style = |k: usize| c.styles.get(k).copied().unwrap_or(k);
    let n_styles = (0..c.categories.len())
        .map(style)
        .max()
        .map_or(0, |m| m + 1);
    let pid = format!("{}-pat", c.id);
    let items: Vec<(Swatch, String)> = c
        .categories
        .iter()
        .enumerate()
        .map(|(k, name)| {
            (
                Swatch::Fill(format!("url(#{pid}-{})", style(k))),
                name.clone(),
            )
        })
        .collect();
    let (leg, leg_h) = legend(f.left - 90.0, f.bottom() + 58.0, &items);
    let xt: Vec<(f64, String)> = (0..=5)
        .map(|k| (k as f64 * 20.0, format!("{}", k * 20)))
        .collect();
    let body = html! {
        defs { (patterns(&pid, n_styles)) }
        (axes(&f, &xt, &[], &c.x_label, ""))
        text x="14" y=(f1(f.top - 6.0)) text-anchor="start" font-size="11" fill="#333" { (c.y_label) }
        @for (r, row) in c.rows.iter().enumerate() {
            @let y = f.top + gap + r as f64 * (bar_h + gap);
            text x=(f1(f.left - 8.0)) y=(f1(y + bar_h / 2.0 + 4.0)) text-anchor="end" { (row.label) }
            @if row.shares.iter().all(|&v| v <= 0.0) {
                text x=(f1(f.left + 6.0)) y=(f1(y + bar_h / 2.0 + 4.0)) fill="#333" font-style="italic" { (row.empty_note) }
            } @else {
                @for (k, x0, x1, v) in segments(&f, &row.shares) {
                    @let name = c.categories.get(k).map_or("", |n| n.as_str());
                    @let tip = format!("{}, {name}: {:.1}%", row.label, 100.0 * v);
                    @let d = row.data.get(k).map_or(&[][..], |d| &d[..]);
                    (mark!(rect [class="seg" x=(f2(x0)) y=(f1(y)) width=(f2((x1 - x0).max(0.0))) height=(bar_h) fill={ "url(#" (pid) "-" (style(k)) ")" } stroke="#fff" stroke-width="0.5"] d, Some(&tip)))
                    @if x1 - x0 >= 34.0 {
                        text x=(f1((x0 + x1) / 2.0)) y=(f1(y + bar_h / 2.0 + 4.0)) text-anchor="middle" font-size="11" font-weight="bold" stroke="#fff" stroke-width="3" paint-order="stroke" { (format!("{:.0}%", 100.0 * v)) }
                    }
                }
            }
        }
        (leg)
    };
    chart(&c.id, f.bottom() + 58.0 + leg_h, &c.title, &c.desc, body)
}

/// The segments of a stacked bar: (index, left, right, share), shares accumulated in order.
fn segments(f: &Frame, shares: &[f64]) -> Vec<(usize, f64, f64, f64)> {
    let mut acc = 0.0;
    shares
        .iter()
        .enumerate()
        .map(|(k, &v)| {
            let x0 = f.px(acc * 100.0);
            acc += v;
            (k, x0, f.px(acc * 100.0), v)
        })
        .collect()
}

/// One bar of a grouped bar chart, with an optional reference tick across it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bar {
    /// Height.
    pub value: f64,
    /// Position of a reference tick drawn across the bar (for example a reservation value).
    pub tick: Option<f64>,
    /// `data-*` attributes of the bar.
    pub data: Data,
}

/// Vertical bars in groups: one group per label, one bar per series (hatched by series).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupedBars {
    /// Element id, unique within the document.
    pub id: String,
    /// Title shown above the chart.
    pub title: String,
    /// Longer description for screen readers.
    pub desc: String,
    /// Vertical axis title, with unit.
    pub y_label: String,
    /// Horizontal axis title.
    pub x_label: String,
    /// Series names (legend), one bar each per group.
    pub series: Vec<String>,
    /// Group labels and their bars (`None`: no bar, marked "–").
    pub groups: Vec<(String, Vec<Option<Bar>>)>,
    /// Vertical range.
    pub y_range: (f64, f64),
    /// Legend label of the reference ticks.
    pub tick_label: String,
}

/// Renders [`GroupedBars`].
pub fn grouped_bars(c: &GroupedBars) -> Markup {
    let f = Frame {
        left: 70.0,
        top: 36.0,
        width: WIDTH - 100.0,
        height: 280.0,
        x: (0.0, c.groups.len().max(1) as f64),
        y: c.y_range,
    };
    let pid = format!("{}-pat", c.id);
    let mut items: Vec<(Swatch, String)> = c
        .series
        .iter()
        .enumerate()
        .map(|(k, n)| (Swatch::Fill(format!("url(#{pid}-{k})")), n.clone()))
        .collect();
    items.push((
        Swatch::Line {
            colour: "#000".into(),
            dash: String::new(),
            marker: None,
        },
        c.tick_label.clone(),
    ));
    let (leg, leg_h) = legend(f.left, f.bottom() + 60.0, &items);
    let yt = nice_ticks(c.y_range.0, c.y_range.1, 5);
    let xt: Vec<(f64, String)> = c
        .groups
        .iter()
        .enumerate()
        .map(|(g, (l, _))| (g as f64 + 0.5, l.clone()))
        .collect();
    let group_w = f.width / c.groups.len().max(1) as f64;
    let bar_w = (group_w * 0.8 / c.series.len().max(1) as f64).min(40.0);
    let body = html! {
        defs { (patterns(&pid, c.series.len())) }
        (axes(&f, &xt, &labelled(&yt), &c.x_label, &c.y_label))
        @for (g, (glabel, bars)) in c.groups.iter().enumerate() {
            @let start = f.px(g as f64 + 0.5) - bar_w * bars.len() as f64 / 2.0;
            @for (k, b) in bars.iter().enumerate() {
                @let x = start + k as f64 * bar_w;
                @if let Some(b) = b {
                    @let y = f.py(b.value);
                    @let series = c.series.get(k).map_or("", |n| n.as_str());
                    @let tick = b.tick.map_or(String::new(), |t| format!(" ({}: {t:.3})", c.tick_label));
                    @let tip = format!("{glabel}, {series}: {:.3}{tick}", b.value);
                    (mark!(rect [class="bar" x=(f1(x)) y=(f1(y)) width=(f1(bar_w - 2.0)) height=(f1((f.bottom() - y).max(0.0))) fill={ "url(#" (pid) "-" (k) ")" } stroke="#333" stroke-width="0.6"] &b.data, Some(&tip)))
                    @if let Some(t) = b.tick {
                        @let d = format!("M{:.1},{:.1}H{:.1}", x - 2.0, f.py(t), x + bar_w);
                        path d=(d) stroke="#fff" stroke-width="4.5" {}
                        path d=(d) stroke="#000" stroke-width="2" {}
                    }
                } @else {
                    text x=(f1(x + bar_w / 2.0)) y=(f1(f.bottom() - 4.0)) text-anchor="middle" font-size="11" { "–" }
                }
            }
        }
        (leg)
    };
    chart(&c.id, f.bottom() + 60.0 + leg_h, &c.title, &c.desc, body)
}

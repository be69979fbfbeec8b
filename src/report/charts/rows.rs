//! Charts with one row per category on a numeric horizontal axis: bars from a base (a
//! tornado, Sobol indices with intervals) or markers with whiskers (a dot plot).

use super::axis::{Frame, Swatch, axes, labelled, legend, nice_ticks};
use super::{Data, MarkerStyle, WIDTH, chart, colour, f1, f2, mark, marker, marker_of, patterns};
use maud::{Markup, html};

/// One mark in a row of a [`HChart`]: a bar from `from` to `value`, or a marker at `value`,
/// with an optional interval drawn as a whisker.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HMark {
    /// Series: legend entry, colour, hatch and marker shape.
    pub series: usize,
    /// Where the bar starts (`None`: a marker at `value` instead of a bar).
    pub from: Option<f64>,
    /// Where the bar ends, or where the marker sits.
    pub value: f64,
    /// Interval (low, high) drawn as a whisker across the mark's lane.
    pub interval: Option<(f64, f64)>,
    /// Lane within the row (lanes are stacked top to bottom; marks of one lane overlap, the
    /// longest bar drawn first).
    pub lane: usize,
    /// `data-*` attributes of the mark.
    pub data: Data,
    /// Tooltip text.
    pub tip: String,
}

/// One row of a [`HChart`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HRow {
    /// Label left of the row (cut to fit with "…"; the whole label is in its tooltip).
    pub label: String,
    /// More for the label's tooltip, on a line of its own (a factor's dotted path).
    pub detail: String,
    /// The marks.
    pub marks: Vec<HMark>,
    /// Text drawn in a row without marks (for example "n/a").
    pub note: String,
}

/// A vertical reference line across a [`HChart`] (for example the base of a tornado).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reference {
    /// Where it is drawn.
    pub value: f64,
    /// Legend label.
    pub label: String,
    /// `data-*` attributes of the line.
    pub data: Data,
}

/// A horizontal chart with one row per category and a numeric horizontal axis: bars (a
/// tornado, indices with intervals) or markers with whiskers (a dot plot).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HChart {
    /// Element id, unique within the document.
    pub id: String,
    /// Title shown above the chart.
    pub title: String,
    /// Longer description for screen readers.
    pub desc: String,
    /// Horizontal axis title, with unit.
    pub x_label: String,
    /// Title of the row labels (shown above them).
    pub y_label: String,
    /// Series names, in legend order.
    pub series: Vec<String>,
    /// True for bars (hatched fills), false for markers.
    pub bars: bool,
    /// Lanes per row.
    pub lanes: usize,
    /// Horizontal data range.
    pub x_range: (f64, f64),
    /// A vertical reference line.
    pub reference: Option<Reference>,
    /// Legend label of the whiskers, when any mark has an interval.
    pub interval_label: Option<String>,
    /// The rows, top to bottom.
    pub rows: Vec<HRow>,
}

/// Average width of a character at font size 11, in SVG units (generous, so labels fit).
const CHAR_W: f64 = 6.1;

/// Cuts `s` to at most `n` characters, ending in "…" when cut.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The legend entries of a [`HChart`]: its series, the reference line, the whiskers.
fn legend_items(c: &HChart, pid: &str) -> Vec<(Swatch, String)> {
    let mut items: Vec<(Swatch, String)> = c
        .series
        .iter()
        .enumerate()
        .map(|(k, n)| {
            let sw = if c.bars {
                Swatch::Fill(format!("url(#{pid}-{k})"))
            } else {
                Swatch::Marker {
                    shape: marker_of(k),
                    fill: colour(k).into(),
                    stroke: "#fff".into(),
                }
            };
            (sw, n.clone())
        })
        .collect();
    if let Some(Reference { label, .. }) = &c.reference {
        items.push((
            Swatch::Line {
                colour: "#000".into(),
                dash: "5 3".into(),
                marker: None,
            },
            label.clone(),
        ));
    }
    let has_interval = c
        .rows
        .iter()
        .any(|r| r.marks.iter().any(|m| m.interval.is_some()));
    if has_interval {
        items.push((
            Swatch::Line {
                colour: "#000".into(),
                dash: String::new(),
                marker: None,
            },
            c.interval_label
                .clone()
                .unwrap_or_else(|| "interval".into()),
        ));
    }
    items
}

/// Renders a [`HChart`] as an `<svg>` element.
pub fn hchart(c: &HChart) -> Markup {
    let lanes = c.lanes.max(1);
    let lane_h = if c.bars { 12.0 } else { 13.0 };
    let row_h = lanes as f64 * lane_h + 8.0;
    // Room for the longest label, within limits; longer labels are cut.
    let longest = c.rows.iter().map(|r| r.label.chars().count()).max();
    let max_chars = 58;
    let label_w = (CHAR_W * longest.unwrap_or(0).min(max_chars) as f64 + 14.0).clamp(60.0, 370.0);
    let f = Frame {
        left: label_w,
        top: 46.0,
        width: WIDTH - label_w - 24.0,
        height: row_h * c.rows.len().max(1) as f64,
        x: c.x_range,
        y: (0.0, 1.0),
    };
    let pid = format!("{}-pat", c.id);
    let (leg, leg_h) = legend(20.0, f.bottom() + 58.0, &legend_items(c, &pid));
    let ticks = nice_ticks(c.x_range.0, c.x_range.1, 6);
    let chars = ((f.left - 14.0) / CHAR_W + 1e-6).floor().max(4.0) as usize;
    let body = html! {
        @if c.bars { defs { (patterns(&pid, c.series.len())) } }
        g class="grid" {
            @for &t in &ticks {
                @let x = f1(f.px(t));
                line x1=(x) y1=(f1(f.top)) x2=(x) y2=(f1(f.bottom())) stroke="#d0d0d0" stroke-width="0.8" {}
            }
            // Every other row shaded, so that a row's marks are easy to follow to its label.
            @for r in (1..c.rows.len()).step_by(2) {
                rect x="4" y=(f1(f.top + r as f64 * row_h)) width=(f1(f.left + f.width - 4.0)) height=(f1(row_h)) fill="#000" fill-opacity="0.045" {}
            }
        }
        (axes(&f, &labelled(&ticks), &[], &c.x_label, ""))
        // Left-aligned: a title wider than the labels runs on above the plot, which is empty.
        text x="8" y=(f1(f.top - 8.0)) font-size="11" font-weight="bold" { (c.y_label) }
        @if let Some(Reference { value, label, data }) = &c.reference {
            @let x = f.px(*value);
            @let d = format!("M{x:.1},{:.1}V{:.1}", f.top - 4.0, f.bottom());
            (mark!(path [class="reference" d=(d) stroke="#000" stroke-width="1.4" stroke-dasharray="5 3"] data, Some(label)))
        }
        @for (r, row) in c.rows.iter().enumerate() {
            @let top = f.top + r as f64 * row_h + 4.0;
            @let mid = top + (lanes as f64 * lane_h) / 2.0;
            text x=(f1(f.left - 8.0)) y=(f1(mid + 4.0)) text-anchor="end" font-size="11" {
                (cut(&row.label, chars))
                title { (row.label) @if !row.detail.is_empty() { "\n" (row.detail) } }
            }
            @if row.marks.is_empty() {
                text x=(f1(f.left + 6.0)) y=(f1(mid + 4.0)) font-size="11" font-style="italic" fill="#333" { (row.note) }
            } @else {
                @let lane_mid = |m: &HMark| top + (m.lane.min(lanes - 1) as f64 + 0.5) * lane_h;
                // Whiskers over bars, but under markers.
                @if c.bars {
                    (marks(&f, &pid, row, lane_h, &lane_mid))
                    (whiskers(c, &f, row, lane_h, &lane_mid))
                } @else {
                    (whiskers(c, &f, row, lane_h, &lane_mid))
                    (marks(&f, &pid, row, lane_h, &lane_mid))
                }
            }
        }
        (leg)
    };
    chart(&c.id, f.bottom() + 58.0 + leg_h, &c.title, &c.desc, body)
}

/// The bars or markers of one row.
fn marks(
    f: &Frame,
    pid: &str,
    row: &HRow,
    lane_h: f64,
    lane_mid: &dyn Fn(&HMark) -> f64,
) -> Markup {
    let mut order: Vec<&HMark> = row.marks.iter().collect();
    // Longest bars first, so that a shorter bar of the same lane stays visible on top.
    order.sort_by(|a, b| {
        let len = |m: &HMark| m.from.map_or(0.0, |f| (m.value - f).abs());
        len(b).total_cmp(&len(a))
    });
    html! {
        @for m in &order {
            @let y = lane_mid(m);
            @match m.from {
                Some(from) => {
                    @let (x0, x1) = (f.px(from.min(m.value)), f.px(from.max(m.value)));
                    (mark!(rect [x=(f2(x0)) y=(f1(y - lane_h / 2.0 + 1.0)) width=(f2((x1 - x0).max(0.0))) height=(f1(lane_h - 2.0)) fill={ "url(#" (pid) "-" (m.series) ")" } stroke="#333" stroke-width="0.6" class="mark"] &m.data, Some(&m.tip)))
                }
                None => {
                    @let style = MarkerStyle { shape: marker_of(m.series), r: 4.2, fill: colour(m.series), stroke: "#fff", class: Some("mark"), stroke_width: None };
                    (marker(&style, f.px(m.value), y, &m.data, Some(&m.tip)))
                }
            }
        }
    }
}

/// The interval whiskers of one row, kept inside the plot.
fn whiskers(
    c: &HChart,
    f: &Frame,
    row: &HRow,
    lane_h: f64,
    lane_mid: &dyn Fn(&HMark) -> f64,
) -> Markup {
    html! {
        @for m in &row.marks {
            @if let Some((lo, hi)) = m.interval {
                @let y = lane_mid(m);
                @let col = if c.bars { "#000" } else { colour(m.series) };
                // Kept inside the plot, so that a whisker never runs into the labels.
                @let clip = |v: f64| v.clamp(c.x_range.0, c.x_range.1);
                @let (x0, x1) = (f.px(clip(lo)), f.px(clip(hi)));
                @let cap = lane_h * 0.35;
                @let d = format!(
                    "M{x0:.1},{:.1}V{:.1}M{x0:.1},{y:.1}H{x1:.1}M{x1:.1},{:.1}V{:.1}",
                    y - cap, y + cap, y - cap, y + cap
                );
                path class="whisker" d=(d) stroke=(col) stroke-width="1.3" fill="none" {}
            }
        }
    }
}

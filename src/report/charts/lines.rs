//! Line charts with a numeric horizontal axis and optional interval bands.

use super::axis::{Frame, Swatch, axes, labelled, legend, nice_ticks};
use super::{DASHES, Data, MarkerStyle, WIDTH, chart, colour, marker, marker_of};
use maud::{Markup, html};
use std::fmt::Write as _;

/// One point of a line-chart series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesPoint {
    /// Horizontal value.
    pub x: f64,
    /// Vertical value.
    pub y: f64,
    /// Optional interval (low, high) drawn as a band around the line.
    pub band: Option<(f64, f64)>,
    /// `data-*` attributes of the point's marker.
    pub data: Data,
}

/// One line of a line chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// Points in order of x.
    pub points: Vec<SeriesPoint>,
}

/// A line chart with a numeric x axis: several series, each with an optional band (for
/// example a 95% interval). Series `i` gets colour `i`, marker `i` and dash pattern `i`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// Element id, unique within the document.
    pub id: String,
    /// Title shown above the chart.
    pub title: String,
    /// Longer description for screen readers.
    pub desc: String,
    /// Horizontal axis title, with unit.
    pub x_label: String,
    /// Vertical axis title, with unit.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// Vertical range (default: the data's, padded).
    pub y_range: Option<(f64, f64)>,
    /// Horizontal tick positions (default: round numbers).
    pub x_ticks: Option<Vec<f64>>,
    /// Legend label of the bands, when any series has them (for example "95% interval").
    pub band_label: Option<String>,
}

/// An SVG path through `points` (`M` then `L`), coordinates with one decimal.
fn polyline(points: impl Iterator<Item = (f64, f64)>) -> String {
    let mut d = String::new();
    for (k, (x, y)) in points.enumerate() {
        let _ = write!(d, "{}{x:.1},{y:.1}", if k == 0 { "M" } else { "L" });
    }
    d
}

/// Renders a [`LineChart`] as an `<svg>` element.
pub fn line_chart(c: &LineChart) -> Markup {
    let pts = c.series.iter().flat_map(|s| &s.points);
    let (mut xlo, mut xhi) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut ylo, mut yhi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in pts {
        xlo = xlo.min(p.x);
        xhi = xhi.max(p.x);
        let (lo, hi) = p.band.unwrap_or((p.y, p.y));
        ylo = ylo.min(p.y.min(lo));
        yhi = yhi.max(p.y.max(hi));
    }
    if !xlo.is_finite() {
        (xlo, xhi, ylo, yhi) = (0.0, 1.0, 0.0, 1.0);
    }
    if xhi <= xlo {
        (xlo, xhi) = (xlo - 1.0, xhi + 1.0);
    }
    let (ylo, yhi) = c.y_range.unwrap_or_else(|| {
        let pad = ((yhi - ylo) * 0.08).max(1e-9);
        (ylo - pad, yhi + pad)
    });
    let xpad = (xhi - xlo) * 0.04;
    let mut items: Vec<(Swatch, String)> = c
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                Swatch::Line {
                    colour: colour(i).into(),
                    dash: DASHES[i % DASHES.len()].into(),
                    marker: Some(marker_of(i)),
                },
                s.name.clone(),
            )
        })
        .collect();
    let has_band = c
        .series
        .iter()
        .any(|s| s.points.iter().any(|p| p.band.is_some()));
    if has_band {
        items.push((
            Swatch::Fill("#bbbbbb".into()),
            c.band_label.clone().unwrap_or_else(|| "interval".into()),
        ));
    }
    let f = Frame {
        left: 70.0,
        top: 36.0,
        width: WIDTH - 100.0,
        height: 300.0,
        x: (xlo - xpad, xhi + xpad),
        y: (ylo, yhi),
    };
    let (leg, leg_h) = legend(f.left, f.bottom() + 60.0, &items);
    let xt = c.x_ticks.clone().unwrap_or_else(|| nice_ticks(xlo, xhi, 8));
    let yt = nice_ticks(ylo, yhi, 6);
    let body = html! {
        (axes(&f, &labelled(&xt), &labelled(&yt), &c.x_label, &c.y_label))
        @for (i, ser) in c.series.iter().enumerate() {
            @let col = colour(i);
            @let band: Vec<(f64, (f64, f64))> = ser.points.iter().filter_map(|p| p.band.map(|b| (p.x, b))).collect();
            @if band.len() > 1 {
                @let lower = polyline(band.iter().map(|(x, (lo, _))| (f.px(*x), f.py(*lo))));
                @let upper: String = band.iter().rev().map(|(x, (_, hi))| format!("L{:.1},{:.1}", f.px(*x), f.py(*hi))).collect();
                path class="band" d={ (lower) (upper) "Z" } fill=(col) fill-opacity="0.22" stroke=(col) stroke-opacity="0.5" stroke-width="0.8" stroke-dasharray="3 2" {}
            }
            // Error bars as well, so that a band of one point (or a grey print) still shows.
            @for p in &ser.points {
                @if let Some((lo, hi)) = p.band {
                    @let x = f.px(p.x);
                    @let d = format!(
                        "M{:.1},{:.1}H{:.1}M{x:.1},{:.1}V{:.1}M{:.1},{:.1}H{:.1}",
                        x - 4.0, f.py(lo), x + 4.0, f.py(lo), f.py(hi), x - 4.0, f.py(hi), x + 4.0
                    );
                    path d=(d) stroke=(col) stroke-width="1" {}
                }
            }
            path d=(polyline(ser.points.iter().map(|p| (f.px(p.x), f.py(p.y))))) fill="none" stroke=(col) stroke-width="2.2" stroke-dasharray=(DASHES[i % DASHES.len()]) {}
            @for p in &ser.points {
                @let tip = match p.band {
                    Some((lo, hi)) => format!("{}: x = {}, y = {:.3} [{:.3}, {:.3}]", ser.name, p.x, p.y, lo, hi),
                    None => format!("{}: x = {}, y = {:.3}", ser.name, p.x, p.y),
                };
                @let style = MarkerStyle { shape: marker_of(i), r: 4.5, fill: col, stroke: "#fff", class: Some("pt"), stroke_width: None };
                (marker(&style, f.px(p.x), f.py(p.y), &p.data, Some(&tip)))
            }
        }
        (leg)
    };
    chart(&c.id, f.bottom() + 60.0 + leg_h, &c.title, &c.desc, body)
}

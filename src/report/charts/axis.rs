//! The frame of a chart: the plot area and its data ranges, round ticks, the axes with their
//! labels, and the legend.

use super::{Marker, MarkerStyle, WIDTH, f1, marker};
use maud::{Markup, html};

/// The plot area of a chart and the data ranges mapped onto it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Left edge of the plot area.
    pub left: f64,
    /// Top edge of the plot area.
    pub top: f64,
    /// Width of the plot area.
    pub width: f64,
    /// Height of the plot area.
    pub height: f64,
    /// Data range shown horizontally.
    pub x: (f64, f64),
    /// Data range shown vertically.
    pub y: (f64, f64),
}

impl Frame {
    /// Horizontal position of data value `v`.
    pub fn px(&self, v: f64) -> f64 {
        let (a, b) = self.x;
        let f = if b > a { (v - a) / (b - a) } else { 0.5 };
        self.left + f * self.width
    }

    /// Vertical position of data value `v`.
    pub fn py(&self, v: f64) -> f64 {
        let (a, b) = self.y;
        let f = if b > a { (v - a) / (b - a) } else { 0.5 };
        self.top + (1.0 - f) * self.height
    }

    /// Bottom edge of the plot area.
    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }
}

/// Round tick values covering `lo..=hi` (about `n` of them), steps of 1, 2 or 5 × 10^k.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Formats a tick value with just enough decimals for `ticks`: as many as the smallest step
/// needs, and enough to write every tick exactly (up to 6), so that ticks placed at given
/// values (1.5, or 0.1 and 0.25) are not shown rounded.
pub fn tick_label(v: f64, ticks: &[f64]) -> String {
    let step = ticks
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(f64::INFINITY, f64::min);
    let by_step = if step.is_finite() && step > 0.0 && step < 1.0 {
        (-step.log10().floor()) as usize
    } else {
        0
    };
    let exact = (0..=6)
        .find(|&d| {
            ticks.iter().all(|t| {
                let shown: f64 = format!("{t:.d$}").parse().unwrap_or(f64::NAN);
                (shown - t).abs() <= 1e-9 * t.abs().max(1.0)
            })
        })
        .unwrap_or(6);
    let decimals = by_step.max(exact);
    format!("{v:.decimals$}")
}

/// `lo..=hi` widened to the multiples of the step of its round ticks (about `n` of them), so
/// that an axis ends on a labelled tick.
pub fn tick_range(lo: f64, hi: f64, n: usize) -> (f64, f64) {
    let (mut a, mut b) = (lo, hi);
    // Widening can make the round step coarser; a few rounds settle it.
    for _ in 0..4 {
        let [t0, t1, ..] = nice_ticks(a, b, n)[..] else {
            break;
        };
        let s = t1 - t0;
        // Rounded to 12 decimals, so that 6 × 0.1 is 0.6 (no trailing binary noise).
        let clean = |x: f64| (x * 1e12).round() / 1e12;
        let (a2, b2) = (
            clean((a / s + 1e-9).floor() * s),
            clean((b / s - 1e-9).ceil() * s),
        );
        if (a2, b2) == (a, b) {
            break;
        }
        (a, b) = (a2, b2);
    }
    (a, b)
}

/// A range for probabilities covering `lo..=hi`, widened to multiples of `step` and then to
/// round ticks (see [`tick_range`]), kept inside [0, 1].
pub fn prob_range(lo: f64, hi: f64, step: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return (0.0, 1.0);
    }
    let mut a = ((lo / step + 1e-9).floor() * step).clamp(0.0, 1.0);
    let mut b = ((hi / step - 1e-9).ceil() * step).clamp(0.0, 1.0);
    if b - a < step {
        if a + step <= 1.0 {
            b = a + step;
        } else {
            a = (b - step).max(0.0);
        }
    }
    let (a, b) = tick_range(a, b, 6);
    (a.max(0.0), b.min(1.0))
}

/// Ticks labelled for display.
pub fn labelled(t: &[f64]) -> Vec<(f64, String)> {
    t.iter().map(|&v| (v, tick_label(v, t))).collect()
}

/// Grid lines, axes, tick labels and axis titles of a frame.
pub fn axes(
    f: &Frame,
    xticks: &[(f64, String)],
    yticks: &[(f64, String)],
    xlabel: &str,
    ylabel: &str,
) -> Markup {
    let axis = format!(
        "M{:.1},{:.1}V{:.1}H{:.1}",
        f.left,
        f.top,
        f.bottom(),
        f.left + f.width
    );
    let turn = format!(
        "translate({:.1},{:.1}) rotate(-90)",
        f.left - 44.0,
        f.top + f.height / 2.0
    );
    html! {
        g class="axes" {
            @for (v, l) in yticks {
                @let y = f1(f.py(*v));
                line x1=(f1(f.left)) y1=(y) x2=(f1(f.left + f.width)) y2=(y) stroke="#d0d0d0" stroke-width="0.8" {}
                text x=(f1(f.left - 6.0)) y=(f1(f.py(*v) + 4.0)) text-anchor="end" font-size="11" { (l) }
            }
            @for (v, l) in xticks {
                @let x = f1(f.px(*v));
                line x1=(x) y1=(f1(f.bottom())) x2=(x) y2=(f1(f.bottom() + 5.0)) stroke="#000" {}
                text x=(x) y=(f1(f.bottom() + 18.0)) text-anchor="middle" font-size="11" { (l) }
            }
            path d=(axis) fill="none" stroke="#000" {}
            text x=(f1(f.left + f.width / 2.0)) y=(f1(f.bottom() + 36.0)) text-anchor="middle" { (xlabel) }
            text transform=(turn) text-anchor="middle" { (ylabel) }
        }
    }
}

/// What a legend entry shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Swatch {
    /// A line with a dash pattern and optional marker.
    Line {
        /// Colour.
        colour: String,
        /// Dash pattern (`""` for solid).
        dash: String,
        /// Marker drawn on the line.
        marker: Option<Marker>,
    },
    /// A filled box (a colour or `url(#pattern)`).
    Fill(String),
    /// A marker alone.
    Marker {
        /// Shape.
        shape: Marker,
        /// Fill.
        fill: String,
        /// Outline.
        stroke: String,
    },
}

/// Lays out legend entries left to right from (x, y), wrapping within `WIDTH`; returns the
/// SVG and the height used.
pub fn legend(x: f64, y: f64, items: &[(Swatch, String)]) -> (Markup, f64) {
    let mut placed = Vec::with_capacity(items.len());
    let (mut cx, mut cy) = (x, y);
    for (sw, label) in items {
        // About 6.5 units per character at font size 12.
        let w = 30.0 + 6.5 * label.chars().count() as f64 + 18.0;
        if cx + w > WIDTH - 10.0 && cx > x {
            cx = x;
            cy += 20.0;
        }
        placed.push((cx, cy, sw, label));
        cx += w;
    }
    let svg = html! {
        g class="legend" {
            @for (cx, cy, sw, label) in &placed {
                @let (cx, cy) = (*cx, *cy);
                @match sw {
                    Swatch::Line { colour, dash, marker: m } => {
                        line x1=(f1(cx)) y1=(f1(cy)) x2=(f1(cx + 26.0)) y2=(f1(cy)) stroke=(colour) stroke-width="2.2" stroke-dasharray=(dash) {}
                        @if let Some(m) = m {
                            (marker(&MarkerStyle { shape: *m, r: 4.0, fill: colour, stroke: "#fff", class: None, stroke_width: None }, cx + 13.0, cy, &[], None))
                        }
                    }
                    Swatch::Fill(fill) => {
                        rect x=(f1(cx + 1.0)) y=(f1(cy - 6.0)) width="24" height="12" fill=(fill) stroke="#333" stroke-width="0.6" {}
                    }
                    Swatch::Marker { shape, fill, stroke } => {
                        (marker(&MarkerStyle { shape: *shape, r: 5.0, fill, stroke, class: None, stroke_width: None }, cx + 13.0, cy, &[], None))
                    }
                }
                text x=(f1(cx + 30.0)) y=(f1(cy + 4.0)) { (label) }
            }
        }
    };
    (svg, cy - y + 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_end_on_the_ticks_drawn() {
        for (lo, hi) in [(-0.273, 0.855), (0.087, 0.553), (0.0, 0.05), (0.31, 0.33)] {
            let (a, b) = tick_range(lo, hi, 6);
            assert!(a <= lo + 1e-12 && hi <= b + 1e-12, "{lo} {hi} -> {a} {b}");
            let t = nice_ticks(a, b, 6);
            assert!((t[0] - a).abs() < 1e-9, "{t:?} {a}");
            assert!((t[t.len() - 1] - b).abs() < 1e-9, "{t:?} {b}");
        }
        let (a, b) = prob_range(0.087, 0.553, 0.1);
        assert!((a, b) == (0.0, 0.6), "{a} {b}");
        assert_eq!(prob_range(0.97, 1.0, 0.05), (0.95, 1.0));
        assert_eq!(
            prob_range(f64::INFINITY, f64::NEG_INFINITY, 0.1),
            (0.0, 1.0)
        );
    }

    #[test]
    fn tick_labels_show_given_values_exactly() {
        assert_eq!(tick_label(1.5, &[1.5]), "1.5");
        let t = [0.1, 0.25, 0.3];
        assert_eq!(t.map(|v| tick_label(v, &t)), ["0.10", "0.25", "0.30"]);
        let t = nice_ticks(0.0, 1.0, 6);
        assert_eq!(tick_label(t[3], &t), "0.6");
        let t = [4.0, 8.0, 12.0, 52.0];
        assert_eq!(tick_label(52.0, &t), "52");
    }
}

//! Hand-written inline SVG charts: no scripts, no fonts, no network.
//!
//! Every series or category is told apart three ways at once, so charts survive colour-blind
//! readers and black-and-white printers: a colour from the Okabe–Ito palette, and a marker
//! shape, dash pattern or hatch pattern. Numbers behind the marks are kept in `data-*`
//! attributes (Rust's shortest round-trip formatting, so they parse back to the same `f64`)
//! and in `<title>` tooltips.

use std::fmt::Write as _;

/// The Okabe–Ito palette (Okabe & Ito 2008), distinguishable with every common colour-vision
/// deficiency; ordered so that the first colours contrast most.
pub const OKABE_ITO: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
];

/// Dash patterns for lines, by series index (solid first).
pub const DASHES: [&str; 5] = ["", "7 4", "2 3", "9 3 2 3", "4 2"];

/// Width of every chart in SVG units (it scales down with the page).
pub const WIDTH: f64 = 760.0;

/// Marker shapes, by series index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A circle.
    Circle,
    /// A square.
    Square,
    /// A triangle pointing up.
    Triangle,
    /// A diamond.
    Diamond,
    /// A triangle pointing down.
    TriangleDown,
    /// An x-shaped cross (stroke only).
    Cross,
}

/// The marker of series `i`.
pub fn marker_of(i: usize) -> Marker {
    const ALL: [Marker; 6] = [
        Marker::Circle,
        Marker::Square,
        Marker::Triangle,
        Marker::Diamond,
        Marker::TriangleDown,
        Marker::Cross,
    ];
    ALL[i % ALL.len()]
}

/// The colour of series `i`.
pub fn colour(i: usize) -> &'static str {
    OKABE_ITO[i % OKABE_ITO.len()]
}

/// Escapes text for HTML and SVG content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// `data-*` attribute pairs (names without the prefix) from borrowed names.
pub fn data(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

/// `data-*` attributes (name without the prefix, value) written out with a leading space.
pub fn data_attrs(data: &[(String, String)]) -> String {
    data.iter()
        .map(|(k, v)| format!(" data-{}=\"{}\"", esc(k), esc(v)))
        .collect()
}

/// Draws marker `m` centred at (x, y) with radius `r`; `extra` goes into the element.
pub fn marker(m: Marker, x: f64, y: f64, r: f64, fill: &str, stroke: &str, extra: &str) -> String {
    match m {
        Marker::Circle => format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{fill}\" stroke=\"{stroke}\"{extra}/>"
        ),
        Marker::Square => {
            let s = r * 0.9;
            format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\" stroke=\"{stroke}\"{extra}/>",
                x - s,
                y - s,
                2.0 * s,
                2.0 * s
            )
        }
        Marker::Triangle | Marker::TriangleDown => {
            let d = if m == Marker::Triangle { 1.0 } else { -1.0 };
            let r = r * 1.2;
            format!(
                "<polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{fill}\" stroke=\"{stroke}\"{extra}/>",
                x,
                y - d * r,
                x - r * 0.87,
                y + d * r * 0.5,
                x + r * 0.87,
                y + d * r * 0.5
            )
        }
        Marker::Diamond => {
            let r = r * 1.25;
            format!(
                "<polygon points=\"{x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1}\" fill=\"{fill}\" stroke=\"{stroke}\"{extra}/>",
                y - r,
                x + r,
                y + r,
                x - r
            )
        }
        Marker::Cross => {
            let stroke = if stroke == "none" { fill } else { stroke };
            format!(
                "<path d=\"M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}\" stroke=\"{stroke}\" stroke-width=\"1.8\" fill=\"none\"{extra}/>",
                x - r,
                y - r,
                x + r,
                y + r,
                x - r,
                y + r,
                x + r,
                y - r
            )
        }
    }
}

/// SVG `<pattern>` definitions `{prefix}-0 .. {prefix}-{n-1}`: the colour of item `i` under a
/// black hatch that differs by item (none, diagonal, crossing, horizontal, dots, ...), so that
/// areas stay apart in grey print.
pub fn patterns(prefix: &str, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let c = colour(i);
        let hatch = match i % 7 {
            0 => String::new(),
            1 => line_hatch(45.0),
            2 => line_hatch(-45.0),
            3 => line_hatch(0.0),
            4 => "<circle cx=\"3\" cy=\"3\" r=\"1.2\" fill=\"#000\" fill-opacity=\"0.6\"/>".into(),
            5 => line_hatch(45.0) + &line_hatch(-45.0),
            _ => line_hatch(90.0),
        };
        let _ = write!(
            s,
            "<pattern id=\"{prefix}-{i}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" fill=\"{c}\"/>{hatch}</pattern>"
        );
    }
    s
}

/// A line crossing a 6×6 pattern tile at `angle` degrees (0 = horizontal).
fn line_hatch(angle: f64) -> String {
    let path = match angle as i32 {
        45 => "M-1,1L1,-1M0,6L6,0M5,7L7,5",
        -45 => "M-1,5L1,7M0,0L6,6M5,-1L7,1",
        0 => "M0,3L6,3",
        _ => "M3,0L3,6",
    };
    format!("<path d=\"{path}\" stroke=\"#000\" stroke-opacity=\"0.6\" stroke-width=\"1.1\"/>")
}

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
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Formats a tick value with just enough decimals for `ticks`.
pub fn tick_label(v: f64, ticks: &[f64]) -> String {
    let step = ticks
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min);
    let decimals = if step.is_finite() && step < 1.0 {
        (-step.log10().floor()) as usize
    } else {
        0
    };
    format!("{v:.decimals$}")
}

/// Opens a chart: the `<svg>` element sized `WIDTH × height`, an accessible title and
/// description, and the visible title.
pub fn open(id: &str, height: f64, title: &str, desc: &str) -> String {
    format!(
        "<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"{WIDTH}\" height=\"{height:.0}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\" font-size=\"12\">\
<title id=\"{id}-t\">{t}</title><desc id=\"{id}-d\">{d}</desc>\
<text x=\"{:.0}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{t}</text>",
        WIDTH / 2.0,
        t = esc(title),
        d = esc(desc),
    )
}

/// Grid lines, axes, tick labels and axis titles of a frame.
pub fn axes(
    f: &Frame,
    xticks: &[(f64, String)],
    yticks: &[(f64, String)],
    xlabel: &str,
    ylabel: &str,
) -> String {
    let mut s = String::from("<g class=\"axes\">");
    for (v, l) in yticks {
        let y = f.py(*v);
        let _ = write!(
            s,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#d0d0d0\" stroke-width=\"0.8\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\">{}</text>",
            f.left,
            f.left + f.width,
            f.left - 6.0,
            y + 4.0,
            esc(l)
        );
    }
    for (v, l) in xticks {
        let x = f.px(*v);
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#000\"/>\
<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
            f.bottom(),
            f.bottom() + 5.0,
            f.bottom() + 18.0,
            esc(l)
        );
    }
    let _ = write!(
        s,
        "<path d=\"M{:.1},{:.1}V{:.1}H{:.1}\" fill=\"none\" stroke=\"#000\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
<text transform=\"translate({:.1},{:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text></g>",
        f.left,
        f.top,
        f.bottom(),
        f.left + f.width,
        f.left + f.width / 2.0,
        f.bottom() + 36.0,
        esc(xlabel),
        f.left - 44.0,
        f.top + f.height / 2.0,
        esc(ylabel)
    );
    s
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
pub fn legend(x: f64, y: f64, items: &[(Swatch, String)]) -> (String, f64) {
    let mut s = String::from("<g class=\"legend\">");
    let (mut cx, mut cy) = (x, y);
    for (sw, label) in items {
        // About 6.5 units per character at font size 12.
        let w = 30.0 + 6.5 * label.chars().count() as f64 + 18.0;
        if cx + w > WIDTH - 10.0 && cx > x {
            cx = x;
            cy += 20.0;
        }
        match sw {
            Swatch::Line {
                colour,
                dash,
                marker: m,
            } => {
                let _ = write!(
                    s,
                    "<line x1=\"{cx:.1}\" y1=\"{cy:.1}\" x2=\"{:.1}\" y2=\"{cy:.1}\" stroke=\"{colour}\" stroke-width=\"2.2\" stroke-dasharray=\"{dash}\"/>",
                    cx + 26.0
                );
                if let Some(m) = m {
                    s += &marker(*m, cx + 13.0, cy, 4.0, colour, "#fff", "");
                }
            }
            Swatch::Fill(fill) => {
                let _ = write!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"24\" height=\"12\" fill=\"{fill}\" stroke=\"#333\" stroke-width=\"0.6\"/>",
                    cx + 1.0,
                    cy - 6.0
                );
            }
            Swatch::Marker {
                shape,
                fill,
                stroke,
            } => s += &marker(*shape, cx + 13.0, cy, 5.0, fill, stroke, ""),
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            cx + 30.0,
            cy + 4.0,
            esc(label)
        );
        cx += w;
    }
    s.push_str("</g>");
    (s, cy - y + 20.0)
}

/// One point of a line-chart series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesPoint {
    /// Horizontal value.
    pub x: f64,
    /// Vertical value.
    pub y: f64,
    /// Optional interval (low, high) drawn as a band around the line.
    pub band: Option<(f64, f64)>,
    /// `data-*` attributes of the point's marker (name without prefix, value).
    pub data: Vec<(String, String)>,
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

/// Renders a [`LineChart`] as an `<svg>` element.
pub fn line_chart(c: &LineChart) -> String {
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
    let mut s = open(&c.id, f.bottom() + 60.0 + leg_h, &c.title, &c.desc);
    let xt = c.x_ticks.clone().unwrap_or_else(|| nice_ticks(xlo, xhi, 8));
    let yt = nice_ticks(ylo, yhi, 6);
    let lab =
        |t: &[f64]| -> Vec<(f64, String)> { t.iter().map(|&v| (v, tick_label(v, t))).collect() };
    s += &axes(&f, &lab(&xt), &lab(&yt), &c.x_label, &c.y_label);
    for (i, ser) in c.series.iter().enumerate() {
        let col = colour(i);
        let band: Vec<(f64, (f64, f64))> = ser
            .points
            .iter()
            .filter_map(|p| p.band.map(|b| (p.x, b)))
            .collect();
        if band.len() > 1 {
            let mut d = String::new();
            for (k, (x, (lo, _))) in band.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if k == 0 { "M" } else { "L" },
                    f.px(*x),
                    f.py(*lo)
                );
            }
            for (x, (_, hi)) in band.iter().rev() {
                let _ = write!(d, "L{:.1},{:.1}", f.px(*x), f.py(*hi));
            }
            let _ = write!(
                s,
                "<path class=\"band\" d=\"{d}Z\" fill=\"{col}\" fill-opacity=\"0.22\" stroke=\"{col}\" stroke-opacity=\"0.5\" stroke-width=\"0.8\" stroke-dasharray=\"3 2\"/>"
            );
        }
        // Error bars as well, so that a band of one point (or a grey print) still shows.
        for p in &ser.points {
            if let Some((lo, hi)) = p.band {
                let x = f.px(p.x);
                let _ = write!(
                    s,
                    "<path d=\"M{:.1},{:.1}H{:.1}M{x:.1},{:.1}V{:.1}M{:.1},{:.1}H{:.1}\" stroke=\"{col}\" stroke-width=\"1\"/>",
                    x - 4.0,
                    f.py(lo),
                    x + 4.0,
                    f.py(lo),
                    f.py(hi),
                    x - 4.0,
                    f.py(hi),
                    x + 4.0
                );
            }
        }
        let d: String = ser
            .points
            .iter()
            .enumerate()
            .map(|(k, p)| {
                format!(
                    "{}{:.1},{:.1}",
                    if k == 0 { "M" } else { "L" },
                    f.px(p.x),
                    f.py(p.y)
                )
            })
            .collect();
        let _ = write!(
            s,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{col}\" stroke-width=\"2.2\" stroke-dasharray=\"{}\"/>",
            DASHES[i % DASHES.len()]
        );
        for p in &ser.points {
            let tip = match p.band {
                Some((lo, hi)) => format!(
                    "{}: x = {}, y = {:.3} [{:.3}, {:.3}]",
                    ser.name, p.x, p.y, lo, hi
                ),
                None => format!("{}: x = {}, y = {:.3}", ser.name, p.x, p.y),
            };
            let extra = format!(" class=\"pt\"{}", data_attrs(&p.data));
            let m = marker(marker_of(i), f.px(p.x), f.py(p.y), 4.5, col, "#fff", &extra);
            // The tooltip goes inside the marker element.
            let m = m.replacen(
                "/>",
                &format!("><title>{}</title></{}>", esc(&tip), tag(&m)),
                1,
            );
            s += &m;
        }
    }
    s += &leg;
    s.push_str("</svg>");
    s
}

/// The element name of an SVG snippet (`<circle ...` gives `circle`).
fn tag(el: &str) -> &str {
    el.trim_start_matches('<')
        .split([' ', '/', '>'])
        .next()
        .unwrap_or("g")
}

/// One bar of a 100% stacked bar chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StackRow {
    /// Row label (left of the bar).
    pub label: String,
    /// Segment sizes as shares of the bar (summing to 1, or all 0 for an empty bar).
    pub shares: Vec<f64>,
    /// `data-*` attributes per segment.
    pub data: Vec<Vec<(String, String)>>,
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
pub fn stacked_bars(c: &StackedBars) -> String {
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
    let mut s = open(&c.id, f.bottom() + 58.0 + leg_h, &c.title, &c.desc);
    let _ = write!(s, "<defs>{}</defs>", patterns(&pid, n_styles));
    let xt: Vec<(f64, String)> = (0..=5)
        .map(|k| (k as f64 * 20.0, format!("{}", k * 20)))
        .collect();
    s += &axes(&f, &xt, &[], &c.x_label, "");
    let _ = write!(
        s,
        "<text x=\"14\" y=\"{:.1}\" text-anchor=\"start\" font-size=\"11\" fill=\"#333\">{}</text>",
        f.top - 6.0,
        esc(&c.y_label)
    );
    for (r, row) in c.rows.iter().enumerate() {
        let y = f.top + gap + r as f64 * (bar_h + gap);
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            f.left - 8.0,
            y + bar_h / 2.0 + 4.0,
            esc(&row.label)
        );
        if row.shares.iter().all(|&v| v <= 0.0) {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\" font-style=\"italic\">{}</text>",
                f.left + 6.0,
                y + bar_h / 2.0 + 4.0,
                esc(&row.empty_note)
            );
            continue;
        }
        let mut acc = 0.0;
        for (k, &v) in row.shares.iter().enumerate() {
            let x0 = f.px(acc * 100.0);
            acc += v;
            let x1 = f.px(acc * 100.0);
            let data = row.data.get(k).map_or(String::new(), |d| data_attrs(d));
            let name = c.categories.get(k).map_or("", |n| n.as_str());
            let _ = write!(
                s,
                "<rect class=\"seg\" x=\"{x0:.2}\" y=\"{y:.1}\" width=\"{:.2}\" height=\"{bar_h}\" fill=\"url(#{pid}-{})\" stroke=\"#fff\" stroke-width=\"0.5\"{data}><title>{}: {:.1}%</title></rect>",
                (x1 - x0).max(0.0),
                style(k),
                esc(&format!("{}, {name}", row.label)),
                100.0 * v
            );
            if x1 - x0 >= 34.0 {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" font-weight=\"bold\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{:.0}%</text>",
                    (x0 + x1) / 2.0,
                    y + bar_h / 2.0 + 4.0,
                    100.0 * v
                );
            }
        }
    }
    s += &leg;
    s.push_str("</svg>");
    s
}

/// One bar of a grouped bar chart, with an optional reference tick across it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bar {
    /// Height.
    pub value: f64,
    /// Position of a reference tick drawn across the bar (for example a reservation value).
    pub tick: Option<f64>,
    /// `data-*` attributes of the bar.
    pub data: Vec<(String, String)>,
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
pub fn grouped_bars(c: &GroupedBars) -> String {
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
    let mut s = open(&c.id, f.bottom() + 60.0 + leg_h, &c.title, &c.desc);
    let _ = write!(s, "<defs>{}</defs>", patterns(&pid, c.series.len()));
    let yt = nice_ticks(c.y_range.0, c.y_range.1, 5);
    let yt: Vec<(f64, String)> = yt.iter().map(|&v| (v, tick_label(v, &yt))).collect();
    let xt: Vec<(f64, String)> = c
        .groups
        .iter()
        .enumerate()
        .map(|(g, (l, _))| (g as f64 + 0.5, l.clone()))
        .collect();
    s += &axes(&f, &xt, &yt, &c.x_label, &c.y_label);
    let group_w = f.width / c.groups.len().max(1) as f64;
    let bar_w = (group_w * 0.8 / c.series.len().max(1) as f64).min(40.0);
    for (g, (glabel, bars)) in c.groups.iter().enumerate() {
        let start = f.px(g as f64 + 0.5) - bar_w * bars.len() as f64 / 2.0;
        for (k, b) in bars.iter().enumerate() {
            let x = start + k as f64 * bar_w;
            let Some(b) = b else {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">–</text>",
                    x + bar_w / 2.0,
                    f.bottom() - 4.0
                );
                continue;
            };
            let y = f.py(b.value);
            let series = c.series.get(k).map_or("", |n| n.as_str());
            let _ = write!(
                s,
                "<rect class=\"bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"url(#{pid}-{k})\" stroke=\"#333\" stroke-width=\"0.6\"{}><title>{}</title></rect>",
                bar_w - 2.0,
                (f.bottom() - y).max(0.0),
                data_attrs(&b.data),
                esc(&format!(
                    "{glabel}, {series}: {:.3}{}",
                    b.value,
                    b.tick
                        .map_or(String::new(), |t| format!(" ({}: {t:.3})", c.tick_label))
                ))
            );
            if let Some(t) = b.tick {
                let ty = f.py(t);
                let _ = write!(
                    s,
                    "<path d=\"M{:.1},{ty:.1}H{:.1}\" stroke=\"#fff\" stroke-width=\"4.5\"/><path d=\"M{:.1},{ty:.1}H{:.1}\" stroke=\"#000\" stroke-width=\"2\"/>",
                    x - 2.0,
                    x + bar_w,
                    x - 2.0,
                    x + bar_w
                );
            }
        }
    }
    s += &leg;
    s.push_str("</svg>");
    s
}

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

/// A dotted path escaped for HTML, with a line-break opportunity (`<wbr/>`) after every dot,
/// so that long paths wrap in narrow table columns instead of widening the page.
pub fn breakable(path: &str) -> String {
    esc(path).replace('.', ".<wbr/>")
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
    pub data: Vec<(String, String)>,
    /// Tooltip text.
    pub tip: String,
}

/// One row of a [`HChart`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HRow {
    /// Label left of the row (cut to fit with "…"; the whole label is in its tooltip).
    pub label: String,
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
    pub data: Vec<(String, String)>,
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

/// Renders a [`HChart`] as an `<svg>` element.
pub fn hchart(c: &HChart) -> String {
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
    let (leg, leg_h) = legend(20.0, f.bottom() + 58.0, &items);
    let mut s = open(&c.id, f.bottom() + 58.0 + leg_h, &c.title, &c.desc);
    if c.bars {
        let _ = write!(s, "<defs>{}</defs>", patterns(&pid, c.series.len()));
    }
    let ticks = nice_ticks(c.x_range.0, c.x_range.1, 6);
    s.push_str("<g class=\"grid\">");
    for &t in &ticks {
        let x = f.px(t);
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#d0d0d0\" stroke-width=\"0.8\"/>",
            f.top,
            f.bottom()
        );
    }
    // Every other row shaded, so that a row's marks are easy to follow to its label.
    for r in (1..c.rows.len()).step_by(2) {
        let _ = write!(
            s,
            "<rect x=\"4\" y=\"{:.1}\" width=\"{:.1}\" height=\"{row_h:.1}\" fill=\"#000\" fill-opacity=\"0.045\"/>",
            f.top + r as f64 * row_h,
            f.left + f.width - 4.0
        );
    }
    s.push_str("</g>");
    let xt: Vec<(f64, String)> = ticks.iter().map(|&v| (v, tick_label(v, &ticks))).collect();
    s += &axes(&f, &xt, &[], &c.x_label, "");
    // Left-aligned: a title wider than the labels runs on above the plot, which is empty.
    let _ = write!(
        s,
        "<text x=\"8\" y=\"{:.1}\" font-size=\"11\" font-weight=\"bold\">{}</text>",
        f.top - 8.0,
        esc(&c.y_label)
    );
    if let Some(Reference { value, label, data }) = &c.reference {
        let x = f.px(*value);
        let _ = write!(
            s,
            "<path class=\"reference\" d=\"M{x:.1},{:.1}V{:.1}\" stroke=\"#000\" stroke-width=\"1.4\" stroke-dasharray=\"5 3\"{}><title>{}</title></path>",
            f.top - 4.0,
            f.bottom(),
            data_attrs(data),
            esc(label)
        );
    }
    for (r, row) in c.rows.iter().enumerate() {
        let top = f.top + r as f64 * row_h + 4.0;
        let mid = top + (lanes as f64 * lane_h) / 2.0;
        let chars = ((f.left - 14.0) / CHAR_W + 1e-6).floor().max(4.0) as usize;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\">{}<title>{}</title></text>",
            f.left - 8.0,
            mid + 4.0,
            esc(&cut(&row.label, chars)),
            esc(&row.label)
        );
        if row.marks.is_empty() {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" font-style=\"italic\" fill=\"#333\">{}</text>",
                f.left + 6.0,
                mid + 4.0,
                esc(&row.note)
            );
            continue;
        }
        let lane_mid = |m: &HMark| top + (m.lane.min(lanes - 1) as f64 + 0.5) * lane_h;
        let mut order: Vec<&HMark> = row.marks.iter().collect();
        // Longest bars first, so that a shorter bar of the same lane stays visible on top.
        order.sort_by(|a, b| {
            let len = |m: &HMark| m.from.map_or(0.0, |f| (m.value - f).abs());
            len(b).total_cmp(&len(a))
        });
        let mut marks = String::new();
        for m in &order {
            let y = lane_mid(m);
            let extra = format!(" class=\"mark\"{}", data_attrs(&m.data));
            let el = match m.from {
                Some(from) => {
                    let (x0, x1) = (f.px(from.min(m.value)), f.px(from.max(m.value)));
                    format!(
                        "<rect x=\"{x0:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{:.1}\" fill=\"url(#{pid}-{})\" stroke=\"#333\" stroke-width=\"0.6\"{extra}/>",
                        y - lane_h / 2.0 + 1.0,
                        (x1 - x0).max(0.0),
                        lane_h - 2.0,
                        m.series
                    )
                }
                None => marker(
                    marker_of(m.series),
                    f.px(m.value),
                    y,
                    4.2,
                    colour(m.series),
                    "#fff",
                    &extra,
                ),
            };
            let el = el.replacen(
                "/>",
                &format!("><title>{}</title></{}>", esc(&m.tip), tag(&el)),
                1,
            );
            marks += &el;
        }
        let mut whiskers = String::new();
        for m in &row.marks {
            let Some((lo, hi)) = m.interval else { continue };
            let y = lane_mid(m);
            let col = if c.bars { "#000" } else { colour(m.series) };
            // Kept inside the plot, so that a whisker never runs into the labels.
            let clip = |v: f64| v.clamp(c.x_range.0, c.x_range.1);
            let (x0, x1) = (f.px(clip(lo)), f.px(clip(hi)));
            let cap = lane_h * 0.35;
            let _ = write!(
                whiskers,
                "<path class=\"whisker\" d=\"M{x0:.1},{:.1}V{:.1}M{x0:.1},{y:.1}H{x1:.1}M{x1:.1},{:.1}V{:.1}\" stroke=\"{col}\" stroke-width=\"1.3\" fill=\"none\"/>",
                y - cap,
                y + cap,
                y - cap,
                y + cap
            );
        }
        // Whiskers over bars, but under markers.
        if c.bars {
            s += &marks;
            s += &whiskers;
        } else {
            s += &whiskers;
            s += &marks;
        }
    }
    s += &leg;
    s.push_str("</svg>");
    s
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

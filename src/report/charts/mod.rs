//! Inline SVG charts written with `maud` (every text and attribute value escaped by the
//! template): no scripts, no fonts, no network.
//!
//! Every series or category is told apart three ways at once, so charts survive colour-blind
//! readers and black-and-white printers: a colour from the Okabe–Ito palette, and a marker
//! shape, dash pattern or hatch pattern. Numbers behind the marks are kept in `data-*`
//! attributes (Rust's shortest round-trip formatting, so they parse back to the same `f64`)
//! and in `<title>` tooltips.
//!
//! Files: [`axis`] (frames, ticks, axes, legends), [`lines`] (line charts with bands),
//! [`bars`] (stacked and grouped bars), [`rows`] (tornado, index and dot charts),
//! [`standalone`] (each chart as an SVG file of its own).

pub mod axis;
pub mod bars;
pub mod lines;
pub mod rows;
pub mod standalone;

pub use axis::{Frame, Swatch, legend, nice_ticks, prob_range, tick_label, tick_range};
pub use bars::{Bar, GroupedBars, StackRow, StackedBars, grouped_bars, stacked_bars};
pub use lines::{LineChart, Series, SeriesPoint, line_chart};
pub use rows::{HChart, HMark, HRow, Reference, hchart};

use maud::{Markup, html};

/// The Okabe–Ito palette (Okabe & Ito 2008), distinguishable with every common colour-vision
/// deficiency; ordered so that the first colours contrast most.
pub const OKABE_ITO: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
];

/// Dash patterns for lines, by series index (solid first).
pub const DASHES: [&str; 5] = ["", "7 4", "2 3", "9 3 2 3", "4 2"];

/// Width of every chart in SVG units (it scales down with the page).
pub const WIDTH: f64 = 760.0;

/// The fonts named on every chart's root element, so that a chart opened alone reads the same.
pub const FONTS: &str =
    "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

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

/// The names a chart mark's `data-*` attributes may take. A closed list, because a `maud`
/// template names its attributes at compile time: a mark can only carry attributes listed
/// here, each written by [`mark!`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// `data-agent`: an agent id.
    Agent,
    /// `data-base`: the base value of a tornado.
    Base,
    /// `data-change`: a tornado's change.
    Change,
    /// `data-ci-high`: upper end of an interval.
    CiHigh,
    /// `data-ci-low`: lower end of an interval.
    CiLow,
    /// `data-count`: a count of runs.
    Count,
    /// `data-deadline`: a deadline in rounds.
    Deadline,
    /// `data-end`: how a run ended, or which end of a range.
    End,
    /// `data-factor`: a sensitivity factor.
    Factor,
    /// `data-hi`: upper end of a 95% interval.
    Hi,
    /// `data-index`: which Sobol index.
    Index,
    /// `data-lo`: lower end of a 95% interval.
    Lo,
    /// `data-mean-gain`: mean gain over no deal.
    MeanGain,
    /// `data-mean-utility`: mean utility.
    MeanUtility,
    /// `data-option`: an option id.
    Option,
    /// `data-p`: a probability of agreement.
    P,
    /// `data-point`: a solution point of the outcome space.
    Point,
    /// `data-row`: a row of the sweep's table.
    Row,
    /// `data-share`: a share of agreements.
    Share,
    /// `data-term`: a term id.
    Term,
    /// `data-v`: a value.
    V,
    /// `data-value`: a factor's value.
    Value,
    /// `data-x`: a horizontal data value.
    X,
    /// `data-y`: a vertical data value.
    Y,
}

/// The `data-*` attributes of a mark: (name, value) pairs, at most one per name.
pub type Data = Vec<(Key, String)>;

/// `data-*` pairs from borrowed values.
pub fn data(pairs: &[(Key, String)]) -> Data {
    pairs.to_vec()
}

/// The value of attribute `k` in `d`, if any.
pub fn get(d: &[(Key, String)], k: Key) -> Option<&str> {
    d.iter().find(|(key, _)| *key == k).map(|(_, v)| v.as_str())
}

/// One SVG element with geometry attributes, every possible `data-*` attribute of [`Key`]
/// (those present in the data), and a tooltip `<title>` as its content. The element name and
/// geometry are given as `maud` tokens.
macro_rules! mark {
    ($name:ident [$($attrs:tt)*] $data:expr, $title:expr) => {{
        let d: &[($crate::report::charts::Key, String)] = $data;
        let g = |k| $crate::report::charts::get(d, k);
        use $crate::report::charts::Key as K;
        let title: Option<&str> = $title;
        maud::html! {
            $name $($attrs)*
                data-agent=[g(K::Agent)] data-base=[g(K::Base)] data-change=[g(K::Change)]
                data-ci-high=[g(K::CiHigh)] data-ci-low=[g(K::CiLow)] data-count=[g(K::Count)]
                data-deadline=[g(K::Deadline)] data-end=[g(K::End)] data-factor=[g(K::Factor)]
                data-hi=[g(K::Hi)] data-index=[g(K::Index)] data-lo=[g(K::Lo)]
                data-mean-gain=[g(K::MeanGain)] data-mean-utility=[g(K::MeanUtility)]
                data-option=[g(K::Option)] data-p=[g(K::P)] data-row=[g(K::Row)]
                data-share=[g(K::Share)] data-term=[g(K::Term)] data-v=[g(K::V)]
                data-value=[g(K::Value)] data-point=[g(K::Point)] data-x=[g(K::X)]
                data-y=[g(K::Y)]
            { @if let Some(t) = title { title { (t) } } }
        }
    }};
}
pub(crate) use mark;

/// `x` with one decimal, as every coordinate is written.
pub fn f1(x: f64) -> String {
    format!("{x:.1}")
}

/// `x` with two decimals (bar edges, which must add up across a stack).
pub fn f2(x: f64) -> String {
    format!("{x:.2}")
}

/// How a marker is drawn: shape, centre, radius, fill, outline, and the mark's class, data and
/// tooltip.
#[derive(Debug, Clone, Copy)]
pub struct MarkerStyle<'a> {
    /// Shape.
    pub shape: Marker,
    /// Radius.
    pub r: f64,
    /// Fill colour.
    pub fill: &'a str,
    /// Outline colour (`none` for a cross: it takes the fill).
    pub stroke: &'a str,
    /// Class attribute, if any.
    pub class: Option<&'a str>,
    /// Outline width, if not the default.
    pub stroke_width: Option<&'a str>,
}

/// Draws a marker centred at (x, y), with `data` and an optional tooltip `title`.
pub fn marker(m: &MarkerStyle, x: f64, y: f64, d: &[(Key, String)], title: Option<&str>) -> Markup {
    let (r, fill, stroke, class, sw) = (m.r, m.fill, m.stroke, m.class, m.stroke_width);
    match m.shape {
        Marker::Circle => {
            mark!(circle [cx=(f1(x)) cy=(f1(y)) r=(f1(r)) fill=(fill) stroke=(stroke) class=[class] stroke-width=[sw]] d, title)
        }
        Marker::Square => {
            let s = r * 0.9;
            mark!(rect [x=(f1(x - s)) y=(f1(y - s)) width=(f1(2.0 * s)) height=(f1(2.0 * s)) fill=(fill) stroke=(stroke) class=[class] stroke-width=[sw]] d, title)
        }
        Marker::Triangle | Marker::TriangleDown => {
            let k = if m.shape == Marker::Triangle {
                1.0
            } else {
                -1.0
            };
            let r = r * 1.2;
            let points = format!(
                "{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
                x,
                y - k * r,
                x - r * 0.87,
                y + k * r * 0.5,
                x + r * 0.87,
                y + k * r * 0.5
            );
            mark!(polygon [points=(points) fill=(fill) stroke=(stroke) class=[class] stroke-width=[sw]] d, title)
        }
        Marker::Diamond => {
            let r = r * 1.25;
            let points = format!(
                "{x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1}",
                y - r,
                x + r,
                y + r,
                x - r
            );
            mark!(polygon [points=(points) fill=(fill) stroke=(stroke) class=[class] stroke-width=[sw]] d, title)
        }
        Marker::Cross => {
            let stroke = if stroke == "none" { fill } else { stroke };
            let path = format!(
                "M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}",
                x - r,
                y - r,
                x + r,
                y + r,
                x - r,
                y + r,
                x + r,
                y - r
            );
            mark!(path [d=(path) stroke=(stroke) stroke-width="1.8" fill="none" class=[class]] d, title)
        }
    }
}

/// SVG `<pattern>` definitions `{prefix}-0 .. {prefix}-{n-1}`: the colour of item `i` under a
/// black hatch that differs by item (none, diagonal, crossing, horizontal, dots, ...), so that
/// areas stay apart in grey print.
pub fn patterns(prefix: &str, n: usize) -> Markup {
    let hatch =
        |d: &str| html! { path d=(d) stroke="#000" stroke-opacity="0.6" stroke-width="1.1" {} };
    const UP: &str = "M-1,1L1,-1M0,6L6,0M5,7L7,5";
    const DOWN: &str = "M-1,5L1,7M0,0L6,6M5,-1L7,1";
    html! {
        @for i in 0..n {
            pattern id={ (prefix) "-" (i) } width="6" height="6" patternUnits="userSpaceOnUse" {
                rect width="6" height="6" fill=(colour(i)) {}
                @match i % 7 {
                    0 => {}
                    1 => (hatch(UP)),
                    2 => (hatch(DOWN)),
                    3 => (hatch("M0,3L6,3")),
                    4 => circle cx="3" cy="3" r="1.2" fill="#000" fill-opacity="0.6" {},
                    5 => { (hatch(UP)) (hatch(DOWN)) }
                    _ => (hatch("M3,0L3,6")),
                }
            }
        }
    }
}

/// A chart: the `<svg>` element sized `WIDTH × height` with the fonts named, an accessible
/// title and description, the visible title, then `body`.
pub fn chart(id: &str, height: f64, title: &str, desc: &str, body: Markup) -> Markup {
    let h = format!("{height:.0}");
    html! {
        svg id=(id) class="chart" viewBox={ "0 0 " (WIDTH) " " (h) } width=(WIDTH) height=(h)
            role="img" aria-labelledby={ (id) "-t " (id) "-d" } font-family=(FONTS) font-size="12" {
            title id={ (id) "-t" } { (title) }
            desc id={ (id) "-d" } { (desc) }
            text x=(format!("{:.0}", WIDTH / 2.0)) y="20" text-anchor="middle" font-size="15" font-weight="bold" { (title) }
            (body)
        }
    }
}

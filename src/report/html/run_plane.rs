//! The outcome space drawn in the plane of two agents: every package, the reservation
//! values, the two agents' Pareto frontier, the simulated agreements and the solution points.

use super::run::{CLOUD_GRID, HtmlInput, size_text};
use crate::engine::analysis::{CloudPoint, Point, pareto_frontier, plane_cloud, utilities};
use crate::engine::model::Instance;
use crate::report::charts::{
    self, Frame, Key, Marker, MarkerStyle, Swatch, axis::axes, chart, f1, marker,
};
use crate::study::check::ENUMERATION_LIMIT;
use maud::{Markup, html};
use std::collections::HashMap;
use std::fmt::Write as _;

/// A solution point placed in the plane.
struct Solution<'a> {
    key: &'a str,
    label: &'a str,
    shape: Marker,
    colour: &'a str,
    u: [f64; 2],
}

/// The outcome space in the plane of the two axis agents.
pub(super) fn plane(inp: &HtmlInput) -> Markup {
    let model = inp.model;
    let sc = &model.scenario;
    let (ax, ay) = inp.axes;
    let (xid, yid) = (&sc.agents[ax].id, &sc.agents[ay].id);
    let owned;
    let inst: &Instance = match inp.analysis {
        Ok(a) => a.instance(),
        Err(_) => {
            owned = model.mean_instance();
            &owned
        }
    };
    let f = Frame {
        left: 70.0,
        top: 40.0,
        width: 420.0,
        height: 420.0,
        x: (0.0, 1.0),
        y: (0.0, 1.0),
    };
    let ticks: Vec<(f64, String)> = (0..=5)
        .map(|k| (k as f64 / 5.0, format!("{:.1}", k as f64 / 5.0)))
        .collect();
    let mut notes: Vec<String> = Vec::new();
    let mut legend: Vec<(Swatch, String)> = Vec::new();
    // Every package of the outcome space.
    let cloud = plane_cloud(model, inst, ax, ay, CLOUD_GRID, ENUMERATION_LIMIT);
    match &cloud {
        None => notes.push(format!(
            "The {} packages of the outcome space are too many to draw (limit {ENUMERATION_LIMIT}).",
            size_text(sc.outcome_space_size())
        )),
        Some(cloud) => {
            legend.push((
                Swatch::Marker {
                    shape: Marker::Circle,
                    fill: "#a8a8a8".into(),
                    stroke: "none".into(),
                },
                "a package".into(),
            ));
            if cloud.iter().any(|c| !c.agreeable) {
                legend.push((
                    Swatch::Marker {
                        shape: Marker::Cross,
                        fill: "#b0b0b0".into(),
                        stroke: "none".into(),
                    },
                    "crosses a signatory's red line".into(),
                ));
            }
            if cloud.iter().any(|c| c.count > 1) {
                notes.push("Packages that fall on the same spot are drawn once.".into());
            }
        }
    }
    // Reservation values of the two agents.
    let (rx, ry) = (inst.reservation[ax], inst.reservation[ay]);
    let reservation = format!(
        "M{:.1},{:.1}V{:.1}M{:.1},{:.1}H{:.1}",
        f.px(rx),
        f.top,
        f.bottom(),
        f.left,
        f.py(ry),
        f.left + f.width
    );
    legend.push((
        Swatch::Line {
            colour: "#000".into(),
            dash: "5 4".into(),
            marker: None,
        },
        "reservation values (no deal)".into(),
    ));
    // The Pareto frontier of the two agents.
    let front = match pareto_frontier(model, inst, &[ax, ay]) {
        Err(_) => {
            notes.push("The two-agent Pareto frontier is too large to compute.".into());
            Vec::new()
        }
        Ok(mut front) => {
            front.sort_by(|a, b| a.utility[0].total_cmp(&b.utility[0]));
            front
        }
    };
    let front_path: String = front
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                f.px(p.utility[0]),
                f.py(p.utility[1])
            )
        })
        .collect();
    if !front.is_empty() {
        legend.push((
            Swatch::Line {
                colour: "#0072B2".into(),
                dash: String::new(),
                marker: Some(Marker::Circle),
            },
            format!("Pareto frontier of {xid} and {yid}"),
        ));
    }
    let spots = agreement_spots(inp, inst, ax, ay);
    let drawn = spots.iter().map(|s| s.2).sum::<u64>() > 0;
    if drawn {
        legend.push((
            Swatch::Marker {
                shape: Marker::Circle,
                fill: "#F3B891".into(),
                stroke: "#000".into(),
            },
            "simulated agreements (area ∝ count)".into(),
        ));
    }
    // The solution points of the analysis (over all signatories), placed in this plane.
    let mut solutions = Vec::new();
    if let Ok(a) = inp.analysis {
        let sols: [(&str, &str, &Option<Point>, Marker, &str); 3] = [
            ("nash", "Nash", &a.nash, Marker::Diamond, "#E69F00"),
            (
                "kalai_smorodinsky",
                "KS",
                &a.kalai_smorodinsky,
                Marker::Triangle,
                "#56B4E9",
            ),
            (
                "max_welfare",
                "max welfare",
                &a.max_welfare,
                Marker::Square,
                "#CC79A7",
            ),
        ];
        for (key, label, p, shape, colour) in sols {
            let Some(p) = p else { continue };
            let u = utilities(model, inst, &[ax, ay], &p.package);
            solutions.push(Solution {
                key,
                label,
                shape,
                colour,
                u: [u[0], u[1]],
            });
            legend.push((
                Swatch::Marker {
                    shape,
                    fill: colour.into(),
                    stroke: "#000".into(),
                },
                format!(
                    "{} point",
                    match key {
                        "nash" => "Nash",
                        "kalai_smorodinsky" => "Kalai–Smorodinsky",
                        _ => "maximum-welfare",
                    }
                ),
            ));
        }
        if a.agents.len() > 2 || a.agents != [ax, ay] {
            notes.push(format!(
                "The Nash, Kalai–Smorodinsky and maximum-welfare points are computed over all signatories ({}) and shown at {xid}'s and {yid}'s utilities for them; the frontier drawn is the one of these two agents only.",
                a.agents
                    .iter()
                    .map(|&s| sc.agents[s].id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    notes.push(format!(
        "Agreements are pooled over the {} deadlines (a run counts once per deadline it agreed at) and placed at mean parameters.",
        inp.report.deadlines.len()
    ));
    // Legend in a column right of the square plot.
    let lx = f.left + f.width + 30.0;
    let mut ly = f.top + 10.0;
    let mut entries = Vec::new();
    for (sw, label) in &legend {
        let (piece, _) = charts::legend(lx, ly, std::slice::from_ref(&(sw.clone(), String::new())));
        let (text, h) = wrap_text(lx + 30.0, ly + 4.0, label, 30);
        entries.push((piece, text));
        ly += h + 8.0;
    }
    let height = (f.bottom() + 50.0).max(ly + 10.0);
    let max = spots.first().map_or(1.0, |s| s.2 as f64);
    let body = html! {
        (axes(&f, &ticks, &ticks, &format!("utility of {xid} (0–1)"), &format!("utility of {yid} (0–1)")))
        @if let Some(cloud) = &cloud {
            g class="cloud" {
                @for CloudPoint { x, y, agreeable, count } in cloud {
                    @let (px, py) = (f.px(*x), f.py(*y));
                    @if *agreeable {
                        circle class="outcome" cx=(f1(px)) cy=(f1(py)) r="1.9" fill="#a8a8a8" data-n=(count) {}
                    } @else {
                        path class="outcome red-line" d=(format!("M{:.1},{:.1}l4,4m0,-4l-4,4", px - 2.0, py - 2.0)) stroke="#c8c8c8" stroke-width="1" data-n=(count) {}
                    }
                }
            }
        }
        path class="reservation" d=(reservation) stroke="#000" stroke-width="1.2" stroke-dasharray="5 4" data-x=(rx) data-y=(ry) {}
        @if !front.is_empty() {
            path class="frontier" d=(front_path) fill="none" stroke="#0072B2" stroke-width="2.2" data-n=(front.len()) {}
            @for p in &front {
                (marker(&MarkerStyle { shape: Marker::Circle, r: 3.0, fill: "#0072B2", stroke: "#fff", class: None, stroke_width: None }, f.px(p.utility[0]), f.py(p.utility[1]), &[], None))
            }
        }
        @if drawn {
            g class="agreements" {
                @for (x, y, c) in &spots {
                    @let r = 3.0 + 11.0 * (*c as f64 / max).sqrt();
                    circle class="agreement" cx=(f1(f.px(*x))) cy=(f1(f.py(*y))) r=(f1(r)) fill="#D55E00" fill-opacity="0.45" stroke="#000" stroke-width="1.1" data-x=(x) data-y=(y) data-count=(c) {
                        title { (c) " agreements at (" (format!("{x:.3}, {y:.3}")) ")" }
                    }
                }
            }
        }
        @for (i, s) in solutions.iter().enumerate() {
            @let (px, py) = (f.px(s.u[0]), f.py(s.u[1]));
            @let style = MarkerStyle { shape: s.shape, r: 6.5, fill: s.colour, stroke: "#000", class: Some("solution"), stroke_width: Some("1.5") };
            (marker(&style, px, py, &[(Key::Point, s.key.to_string()), (Key::X, s.u[0].to_string()), (Key::Y, s.u[1].to_string())], None))
            // Labels are staggered so that coinciding points stay readable.
            text x=(f1(px + 10.0)) y=(f1(py - 8.0 + 13.0 * i as f64)) font-size="11" font-weight="bold" stroke="#fff" stroke-width="3" paint-order="stroke" { (s.label) }
        }
        g class="legend" {
            @for (piece, text) in &entries { (piece) (text) }
        }
    };
    let title = format!("The outcome space seen by {xid} and {yid}");
    let svg = chart(
        "chart-plane",
        height,
        &title,
        "Every package at mean parameters, the Pareto frontier, the solution points and where simulated agreements fall",
        body,
    );
    html! {
        h3 { "The outcome space for " (xid) " and " (yid) } "\n"
        figure { (svg) figcaption { (notes.join(" ")) } } "\n"
    }
}

/// Where the simulated agreements fall in the plane, pooled over deadlines: (x, y, count),
/// most frequent first.
fn agreement_spots(inp: &HtmlInput, inst: &Instance, ax: usize, ay: usize) -> Vec<(f64, f64, u64)> {
    let mut pooled: HashMap<&[u8], u64> = HashMap::new();
    for t in &inp.outcome.tallies {
        for (p, c) in &t.packages {
            *pooled.entry(p.as_slice()).or_insert(0) += c;
        }
    }
    let mut spots: HashMap<(i64, i64), (f64, f64, u64)> = HashMap::new();
    for (p, c) in &pooled {
        let u = utilities(inp.model, inst, &[ax, ay], p);
        let key = ((u[0] * 1e6).round() as i64, (u[1] * 1e6).round() as i64);
        spots.entry(key).or_insert((u[0], u[1], 0)).2 += c;
    }
    let mut spots: Vec<(f64, f64, u64)> = spots.into_values().collect();
    spots.sort_by(|a, b| {
        b.2.cmp(&a.2)
            .then(a.0.total_cmp(&b.0))
            .then(a.1.total_cmp(&b.1))
    });
    spots
}

/// `text` as lines of at most `width` characters starting at (x, y), and the height used.
fn wrap_text(x: f64, y: f64, text: &str, width: usize) -> (Markup, f64) {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let cur = lines.last_mut().expect("one line");
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !cur.is_empty() {
                cur.push(' ');
            }
            let _ = write!(cur, "{word}");
        }
    }
    let out = html! {
        @for (i, l) in lines.iter().enumerate() {
            text x=(f1(x)) y=(f1(y + 15.0 * i as f64)) { (l) }
        }
    };
    (out, 15.0 * lines.len() as f64)
}

//! A sensitivity analysis in HTML: the tornado chart (one factor at a time) or the bar chart of
//! the Sobol indices, with the tables behind them. Used by `negsim sensitivity --report` (a
//! page of its own) and by `negsim report --sensitivity` (a section of the report).
//!
//! Numbers are kept in `data-v` and `data-*` attributes in the JSON report's own spelling
//! (serde_json's shortest round-trip form; `null` for an undefined index), so that a page can
//! be checked against `--format json` text for text.

use super::output::num as value;
use super::{Method, Oat, SensitivityReport, Sobol};
use crate::page::{PAGE_END, num_cell, page_start};
use crate::report::plural;
use crate::svg::{self, HChart, HMark, HRow, Reference, esc};
use std::fmt::Write as _;

/// Most factors drawn in a chart (the largest effects; the tables list every factor).
pub const CHART_FACTORS: usize = 20;

/// `x` as the JSON report writes it.
fn json(x: f64) -> String {
    serde_json::to_string(&x).expect("numbers serialize")
}

/// An index or probability with three decimals ("n/a" when undefined).
fn shown(x: f64) -> String {
    if x.is_nan() {
        "n/a".into()
    } else {
        format!("{x:.3}")
    }
}

fn within(r: &SensitivityReport) -> String {
    format!(
        "within {} {}",
        r.deadline,
        plural(&r.round_label, r.deadline)
    )
}

/// The note under a chart that leaves factors out.
fn more_note(total: usize, drawn: usize) -> String {
    if total > drawn {
        format!(
            " The chart shows the {drawn} largest of the {total} factors; the table lists them all."
        )
    } else {
        String::new()
    }
}

/// The tornado chart of a one-at-a-time analysis.
pub fn tornado_chart(r: &SensitivityReport, o: &Oat, id: &str) -> String {
    let rows: Vec<_> = o.rows.iter().take(CHART_FACTORS).collect();
    let ends = rows
        .iter()
        .flat_map(|x| [x.p_low, x.p_high, x.p_low + x.ci95[0], x.p_low + x.ci95[1]])
        .chain([o.base]);
    let (lo, hi) = ends.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let chart = HChart {
        id: id.into(),
        title: format!("What moves P(agreement {})", within(r)),
        desc: "Tornado: P(agreement) with each factor at the low and at the high end of its range, the others at their means, largest change first".into(),
        x_label: "P(agreement) (share of runs)".into(),
        y_label: "factor (largest change first)".into(),
        series: vec![
            "factor at its low value".into(),
            "factor at its high value".into(),
        ],
        bars: true,
        lanes: 1,
        x_range: svg::prob_range(lo, hi, 0.05),
        reference: Some(Reference {
            value: o.base,
            label: format!("every factor at its mean ({:.3})", o.base),
            data: svg::data(&[("base", json(o.base))]),
        }),
        interval_label: Some("95% interval of the change, from P(low) (paired runs)".into()),
        rows: rows
            .iter()
            .map(|x| HRow {
                label: x.factor.clone(),
                marks: vec![
                    HMark {
                        series: 0,
                        from: Some(o.base),
                        value: x.p_low,
                        interval: None,
                        lane: 0,
                        data: svg::data(&[
                            ("factor", x.factor.clone()),
                            ("end", "low".into()),
                            ("value", json(x.low)),
                            ("p", json(x.p_low)),
                        ]),
                        tip: format!(
                            "{} = {} (low): P(agreement) {:.3}",
                            x.factor,
                            value(x.low),
                            x.p_low
                        ),
                    },
                    HMark {
                        series: 1,
                        from: Some(o.base),
                        value: x.p_high,
                        interval: Some((x.p_low + x.ci95[0], x.p_low + x.ci95[1])),
                        lane: 0,
                        data: svg::data(&[
                            ("factor", x.factor.clone()),
                            ("end", "high".into()),
                            ("value", json(x.high)),
                            ("p", json(x.p_high)),
                            ("change", json(x.change)),
                            ("ci-low", json(x.ci95[0])),
                            ("ci-high", json(x.ci95[1])),
                        ]),
                        tip: format!(
                            "{} = {} (high): P(agreement) {:.3}; change {:+.3} [{:+.3}, {:+.3}]",
                            x.factor,
                            value(x.high),
                            x.p_high,
                            x.change,
                            x.ci95[0],
                            x.ci95[1]
                        ),
                    },
                ],
                note: String::new(),
            })
            .collect(),
    };
    svg::hchart(&chart)
}

/// The bar chart of the Sobol indices.
pub fn sobol_chart(r: &SensitivityReport, so: &Sobol, id: &str) -> String {
    let rows: Vec<_> = so.rows.iter().take(CHART_FACTORS).collect();
    let (lo, hi) = rows
        .iter()
        .flat_map(|x| {
            [
                x.s1,
                x.st,
                x.s1_ci95[0],
                x.s1_ci95[1],
                x.st_ci95[0],
                x.st_ci95[1],
            ]
        })
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.05f64), |(a, b), v| (a.min(v), b.max(v)));
    let bar = |series: usize, f: &str, k: &str, v: f64, ci: [f64; 2]| HMark {
        series,
        from: Some(0.0),
        value: v,
        interval: Some((ci[0], ci[1])),
        lane: series,
        data: svg::data(&[
            ("factor", f.to_string()),
            ("index", k.into()),
            ("v", json(v)),
            ("lo", json(ci[0])),
            ("hi", json(ci[1])),
        ]),
        tip: format!("{f}: {k} {v:.3} [{:.3}, {:.3}]", ci[0], ci[1]),
    };
    let chart = HChart {
        id: id.into(),
        title: format!("Sobol indices of P(agreement {})", within(r)),
        desc: "First-order (S1) and total-order (ST) Sobol index of each factor with bootstrap 95% intervals, largest ST first".into(),
        x_label: "index (share of the variance of P(agreement))".into(),
        y_label: "factor (largest ST first)".into(),
        series: vec![
            "S1: first order (the factor alone)".into(),
            "ST: total order (with its interactions)".into(),
        ],
        bars: true,
        lanes: 2,
        x_range: svg::tick_range(lo, hi, 6),
        reference: None,
        interval_label: Some("bootstrap 95% interval".into()),
        rows: rows
            .iter()
            .map(|x| HRow {
                label: x.factor.clone(),
                marks: if x.s1.is_nan() || x.st.is_nan() {
                    Vec::new()
                } else {
                    vec![
                        bar(0, &x.factor, "s1", x.s1, x.s1_ci95),
                        bar(1, &x.factor, "st", x.st, x.st_ci95),
                    ]
                },
                note: "n/a: P(agreement) does not vary".into(),
            })
            .collect(),
    };
    svg::hchart(&chart)
}

/// The chart and the tables of an analysis, under an `<h2>`-level section already opened by
/// the caller; chart ids begin with `prefix`.
pub fn body(r: &SensitivityReport, prefix: &str) -> String {
    let mut h = String::new();
    if let Some(o) = &r.oat {
        let _ = writeln!(
            h,
            "<p>P(agreement {}) with every factor at its mean: <b><span data-k=\"base\" data-v=\"{}\">{:.3}</span></b> (95% interval <span data-k=\"base_ci_low\" data-v=\"{}\">{:.3}</span> – <span data-k=\"base_ci_high\" data-v=\"{}\">{:.3}</span>).</p>",
            esc(&within(r)),
            json(o.base),
            o.base,
            json(o.base_ci95[0]),
            o.base_ci95[0],
            json(o.base_ci95[1]),
            o.base_ci95[1]
        );
        let _ = writeln!(
            h,
            "<figure>{}<figcaption>Each factor in turn at the low and at the high end of its range (the 5th and 95th percentiles of its distribution; a <code>--param</code> range's own ends), every other factor at its mean; {} runs per evaluation with common random numbers. Bars run from the dashed line (every factor at its mean) to P(agreement) at each end. Whisker: the 95% interval of the change P(high) − P(low), drawn from P(low), from the paired runs (Agresti–Min); it covers the Monte Carlo error only.{}</figcaption></figure>",
            tornado_chart(r, o, &format!("{prefix}tornado")),
            r.runs_per_evaluation,
            more_note(o.rows.len(), CHART_FACTORS)
        );
        h += &oat_table(o);
        h.push_str("<p class=\"note\">A tornado is local: it moves one factor at a time from the means and does not see what two factors do together. The base P(agreement) fixes every factor at its mean; it is not the P(agreement) of <code>negsim run</code>, which averages over the distributions.</p>\n");
    }
    if let Some(so) = &r.sobol {
        let _ = write!(
            h,
            "<p>Over the {} sampled worlds P(agreement {}) has mean <span data-k=\"mean\" data-v=\"{}\">{:.3}</span> and variance <span data-k=\"variance\" data-v=\"{}\">{:.4}</span>.",
            so.samples,
            esc(&within(r)),
            json(so.mean),
            so.mean,
            json(so.variance),
            so.variance
        );
        match so.noise_share {
            Some(share) => {
                let _ = write!(
                    h,
                    " Monte Carlo noise within an evaluation: about <span data-k=\"noise_share\" data-v=\"{}\">{:.0}%</span> of that variance.",
                    json(share),
                    100.0 * share
                );
            }
            None if r.runs_per_evaluation == 1 => h.push_str(
                " The Monte Carlo noise within an evaluation cannot be estimated with 1 run per evaluation.",
            ),
            None => {}
        }
        h.push_str("</p>\n");
        if so
            .noise_share
            .is_some_and(|s| s > super::output::NOISE_WARNING)
        {
            h.push_str("<p class=\"warn\">The Monte Carlo noise is large: it biases S1 low and ST high. Raise --runs (runs per evaluation) to reduce it.</p>\n");
        }
        let _ = writeln!(
            h,
            "<figure>{}<figcaption>S1: the share of the variance of P(agreement) across the sampled worlds that the factor explains alone; ST: together with all its interactions. Saltelli sampling, N = {} base samples, {} runs per evaluation; whiskers: percentile bootstrap 95% intervals ({} resamples).{}</figcaption></figure>",
            sobol_chart(r, so, &format!("{prefix}sobol")),
            so.samples,
            r.runs_per_evaluation,
            so.bootstrap,
            more_note(so.rows.len(), CHART_FACTORS)
        );
        h += &sobol_table(so);
    }
    h
}

fn oat_table(o: &Oat) -> String {
    let mut h = String::from(
        "<table id=\"oat-table\"><thead><tr><th>factor</th><th class=\"n\">low</th><th class=\"n\">high</th><th class=\"n\">P(low)</th><th class=\"n\">P(high)</th><th class=\"n\">change</th><th class=\"n\">95% interval</th><th class=\"n\">gained</th><th class=\"n\">lost</th></tr></thead><tbody>\n",
    );
    for x in &o.rows {
        let _ = writeln!(
            h,
            "<tr data-factor=\"{}\"><td><code>{}</code></td>{}{}{}{}{}<td class=\"n\"><span data-k=\"ci_low\" data-v=\"{}\">{:+.3}</span> – <span data-k=\"ci_high\" data-v=\"{}\">{:+.3}</span></td>{}{}</tr>",
            esc(&x.factor),
            svg::breakable(&x.factor),
            num_cell("low", &json(x.low), &value(x.low)),
            num_cell("high", &json(x.high), &value(x.high)),
            num_cell("p_low", &json(x.p_low), &shown(x.p_low)),
            num_cell("p_high", &json(x.p_high), &shown(x.p_high)),
            num_cell("change", &json(x.change), &format!("{:+.3}", x.change)),
            json(x.ci95[0]),
            x.ci95[0],
            json(x.ci95[1]),
            x.ci95[1],
            num_cell("gained", &x.gained.to_string(), &x.gained.to_string()),
            num_cell("lost", &x.lost.to_string(), &x.lost.to_string()),
        );
    }
    h.push_str("</tbody></table>\n<p class=\"note\">change = P(high) − P(low); gained: runs that agree only at the high value, lost: only at the low value.</p>\n");
    h
}

fn sobol_table(so: &Sobol) -> String {
    let mut h = String::from(
        "<table id=\"sobol-table\"><thead><tr><th>factor</th><th class=\"n\">S1</th><th class=\"n\">95% interval</th><th class=\"n\">ST</th><th class=\"n\">95% interval</th></tr></thead><tbody>\n",
    );
    for x in &so.rows {
        let ci = |k: &str, c: [f64; 2]| {
            format!(
                "<td class=\"n\"><span data-k=\"{k}_low\" data-v=\"{}\">{}</span> – <span data-k=\"{k}_high\" data-v=\"{}\">{}</span></td>",
                json(c[0]),
                shown(c[0]),
                json(c[1]),
                shown(c[1])
            )
        };
        let _ = writeln!(
            h,
            "<tr data-factor=\"{}\"><td><code>{}</code></td>{}{}{}{}</tr>",
            esc(&x.factor),
            svg::breakable(&x.factor),
            num_cell("s1", &json(x.s1), &shown(x.s1)),
            ci("s1", x.s1_ci95),
            num_cell("st", &json(x.st), &shown(x.st)),
            ci("st", x.st_ci95),
        );
    }
    let sum: f64 = so.rows.iter().map(|x| x.s1).sum();
    if sum.is_finite() {
        let _ = writeln!(
            h,
            "</tbody></table>\n<p class=\"note\">Sum of S1: {sum:.3} (what the factors explain one at a time; the rest is interactions and noise). S1 may come out slightly negative, and ST above 1, by sampling error. n/a: undefined, because P(agreement) does not vary.</p>"
        );
    } else {
        h.push_str("</tbody></table>\n<p class=\"note\">n/a: undefined, because P(agreement) does not vary over the samples.</p>\n");
    }
    h
}

/// The table of the factors and their ranges.
fn factors_table(r: &SensitivityReport) -> String {
    let mut h = String::from(
        "<table id=\"factors\"><thead><tr><th>factor</th><th>distribution</th><th>from</th><th class=\"n\">low</th><th class=\"n\">high</th><th class=\"n\">mean</th></tr></thead><tbody>\n",
    );
    for f in &r.factors {
        let _ = writeln!(
            h,
            "<tr data-factor=\"{}\"><td><code>{}</code></td><td>{}</td><td>{}</td>{}{}{}</tr>",
            esc(&f.name),
            svg::breakable(&f.name),
            esc(&f.distribution),
            esc(f.source),
            num_cell("low", &json(f.low), &value(f.low)),
            num_cell("high", &json(f.high), &value(f.high)),
            num_cell("mean", &json(f.mean), &value(f.mean)),
        );
    }
    h.push_str("</tbody></table>\n<p class=\"note\">low and high: the 5th and 95th percentiles of the distribution (a <code>--param</code> range: its ends, uniform between them); mean: the value held while other factors move (a <code>--param</code> range: its midpoint).</p>\n");
    h
}

/// What the analysis did, in one sentence.
fn method_line(r: &SensitivityReport) -> String {
    let what = match r.method {
        Method::Oat => "one factor at a time (tornado)",
        Method::Sobol => "variance-based Sobol indices",
    };
    format!(
        "{what} · P(agreement {}) · {} factors · <span data-k=\"evaluations\" data-v=\"{}\">{}</span> model evaluations × <span data-k=\"runs_per_evaluation\" data-v=\"{}\">{}</span> runs · seed <span data-k=\"seed\" data-v=\"{}\">{}</span>",
        esc(&within(r)),
        r.factors.len(),
        r.evaluations,
        r.evaluations,
        r.runs_per_evaluation,
        r.runs_per_evaluation,
        r.seed,
        r.seed
    )
}

/// A section of the HTML report (`negsim report --sensitivity`).
pub fn section(r: &SensitivityReport) -> String {
    format!(
        "<section id=\"sensitivity\"><h2>What drives the deal</h2>\n<p class=\"meta\">{}</p>\n{}<h3>The factors</h3>\n{}<p class=\"note\">For Sobol indices, more runs, or other deadlines, use <code>negsim sensitivity</code> (with <code>--report</code> for a page like this section).</p></section>\n",
        method_line(r),
        body(r, "chart-"),
        factors_table(r)
    )
}

/// The page of `negsim sensitivity --report`.
pub fn page(r: &SensitivityReport, command: &str) -> String {
    let mut h = page_start(&format!("negsim sensitivity: {}", r.scenario));
    let _ = writeln!(
        h,
        "<header><h1>What drives the deal: {}</h1>\n<p class=\"meta\">{} · produced by negsim {}</p></header>",
        esc(&r.scenario),
        method_line(r),
        env!("CARGO_PKG_VERSION")
    );
    let _ = write!(
        h,
        "<section id=\"results\"><h2>{}</h2>\n{}</section>\n<section id=\"factors-section\"><h2>The factors</h2>\n{}</section>\n",
        match r.method {
            Method::Oat => "One factor at a time",
            Method::Sobol => "Sobol indices",
        },
        body(r, "chart-"),
        factors_table(r)
    );
    let _ = write!(
        h,
        "<section id=\"reproduce\"><h2>Reproduce</h2>\n<pre><code id=\"command\">{}</code></pre>\n<p class=\"note\">Every evaluation plays the same runs from the same seed (common random numbers), and the Saltelli design and the bootstrap draw from streams of the seed too, so the command gives the same numbers on any machine with any number of threads.</p></section>\n",
        esc(command)
    );
    h.push_str(PAGE_END);
    h
}

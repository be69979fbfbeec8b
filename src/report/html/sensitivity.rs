//! A sensitivity analysis in HTML: the tornado chart (one factor at a time) or the bar chart of
//! the Sobol indices, with the tables behind them. Used by `negsim sensitivity --report` (a
//! page of its own) and by `negsim report --sensitivity` (a section of the report).
//!
//! Numbers are kept in `data-v` and `data-*` attributes in the JSON report's own spelling
//! (serde_json's shortest round-trip form; `null` for an undefined index), so that a page can
//! be checked against `--format json` text for text.

use super::{breakable, num_cell, num_span};
use crate::report::charts::{self, HChart, HMark, HRow, Key, Reference};
use crate::report::plural;
use crate::study::sensitivity::output::{NOISE_WARNING, num as value};
use crate::study::sensitivity::{Method, Oat, SensitivityReport, Sobol};
use maud::{Markup, html};

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
pub fn tornado_chart(r: &SensitivityReport, o: &Oat, id: &str) -> Markup {
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
        x_range: charts::prob_range(lo, hi, 0.05),
        reference: Some(Reference {
            value: o.base,
            label: format!("every factor at its mean ({:.3})", o.base),
            data: charts::data(&[(Key::Base, json(o.base))]),
        }),
        interval_label: Some("95% interval of the change, from P(low) (paired runs)".into()),
        rows: rows
            .iter()
            .map(|x| HRow {
                label: x.label.clone(),
                detail: x.factor.clone(),
                marks: vec![
                    HMark {
                        series: 0,
                        from: Some(o.base),
                        value: x.p_low,
                        interval: None,
                        lane: 0,
                        data: charts::data(&[
                            (Key::Factor, x.factor.clone()),
                            (Key::End, "low".into()),
                            (Key::Value, json(x.low)),
                            (Key::P, json(x.p_low)),
                        ]),
                        tip: format!(
                            "{} = {} (low): P(agreement) {:.3}",
                            x.label,
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
                        data: charts::data(&[
                            (Key::Factor, x.factor.clone()),
                            (Key::End, "high".into()),
                            (Key::Value, json(x.high)),
                            (Key::P, json(x.p_high)),
                            (Key::Change, json(x.change)),
                            (Key::CiLow, json(x.ci95[0])),
                            (Key::CiHigh, json(x.ci95[1])),
                        ]),
                        tip: format!(
                            "{} = {} (high): P(agreement) {:.3}; change {:+.3} [{:+.3}, {:+.3}]",
                            x.label,
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
    charts::hchart(&chart)
}

/// The bar chart of the Sobol indices.
pub fn sobol_chart(r: &SensitivityReport, so: &Sobol, id: &str) -> Markup {
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
    let bar = |series: usize, f: &str, name: &str, k: &str, v: f64, ci: [f64; 2]| HMark {
        series,
        from: Some(0.0),
        value: v,
        interval: Some((ci[0], ci[1])),
        lane: series,
        data: charts::data(&[
            (Key::Factor, f.to_string()),
            (Key::Index, k.into()),
            (Key::V, json(v)),
            (Key::Lo, json(ci[0])),
            (Key::Hi, json(ci[1])),
        ]),
        tip: format!("{name}: {k} {v:.3} [{:.3}, {:.3}]", ci[0], ci[1]),
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
        x_range: charts::tick_range(lo, hi, 6),
        reference: None,
        interval_label: Some("bootstrap 95% interval".into()),
        rows: rows
            .iter()
            .map(|x| HRow {
                label: x.label.clone(),
                detail: x.factor.clone(),
                marks: if x.s1.is_nan() || x.st.is_nan() {
                    Vec::new()
                } else {
                    vec![
                        bar(0, &x.factor, &x.label, "s1", x.s1, x.s1_ci95),
                        bar(1, &x.factor, &x.label, "st", x.st, x.st_ci95),
                    ]
                },
                note: "n/a: P(agreement) does not vary".into(),
            })
            .collect(),
    };
    charts::hchart(&chart)
}

/// The chart and the tables of an analysis, under an `<h2>`-level section already opened by
/// the caller; chart ids begin with `prefix`.
pub fn body(r: &SensitivityReport, prefix: &str) -> Markup {
    html! {
        @if let Some(c) = &r.caveat { p class="warn caveat" { b { "Caveat: " } (c) } "\n" }
        @if let Some(o) = &r.oat {
            p {
                "P(agreement " (within(r)) ") with every factor at its mean: "
                b { (num_span("base", &json(o.base), &format!("{:.3}", o.base))) }
                " (95% interval " (num_span("base_ci_low", &json(o.base_ci95[0]), &format!("{:.3}", o.base_ci95[0])))
                " – " (num_span("base_ci_high", &json(o.base_ci95[1]), &format!("{:.3}", o.base_ci95[1]))) ")."
                " With every factor drawn from its distribution in each run, as " code { "negsim run --worlds 0" } " plays these runs and seed, it is "
                b { (num_span("headline", &json(o.headline), &format!("{:.3}", o.headline))) }
                " (" (num_span("headline_ci_low", &json(o.headline_ci95[0]), &format!("{:.3}", o.headline_ci95[0])))
                " – " (num_span("headline_ci_high", &json(o.headline_ci95[1]), &format!("{:.3}", o.headline_ci95[1]))) ")."
                " The two differ because P is not linear in the factors: P at the mean is not the mean of P."
            } "\n"
            figure {
                (tornado_chart(r, o, &format!("{prefix}tornado")))
                figcaption {
                    "Each factor in turn at the low and at the high end of its range (the 5th and 95th percentiles of its distribution; a " code { "--param" } " range's own ends), every other factor at its mean; " (r.runs_per_evaluation) " runs per evaluation with common random numbers. Bars run from the dashed line (every factor at its mean) to P(agreement) at each end. Whisker: the 95% interval of the change P(high) − P(low), drawn from P(low), from the paired runs (Agresti–Min); it covers the Monte Carlo error only."
                    (more_note(o.rows.len(), CHART_FACTORS))
                }
            } "\n"
            (oat_table(o))
            p class="note" { "A tornado is local: it moves one factor at a time from the means and does not see what two factors do together. The base P(agreement) fixes every factor at its mean; it is not the P(agreement) of " code { "negsim run" } ", which averages over the distributions." } "\n"
        }
        @if let Some(so) = &r.sobol {
            p {
                "Over the " (so.samples) " sampled worlds P(agreement " (within(r)) ") has mean "
                (num_span("mean", &json(so.mean), &format!("{:.3}", so.mean)))
                " and variance " (num_span("variance", &json(so.variance), &format!("{:.4}", so.variance))) "."
                @match so.noise_share {
                    Some(share) => {
                        " Monte Carlo noise within an evaluation: about "
                        (num_span("noise_share", &json(share), &format!("{:.0}%", 100.0 * share)))
                        " of that variance."
                    }
                    None if r.runs_per_evaluation == 1 => {
                        " The Monte Carlo noise within an evaluation cannot be estimated with 1 run per evaluation."
                    }
                    None => {}
                }
            } "\n"
            @if so.noise_share.is_some_and(|s| s > NOISE_WARNING) {
                p class="warn" { "The Monte Carlo noise is large: it biases S1 low and ST high. Raise --runs (runs per evaluation) to reduce it." } "\n"
            }
            figure {
                (sobol_chart(r, so, &format!("{prefix}sobol")))
                figcaption {
                    "S1: the share of the variance of P(agreement) across the sampled worlds that the factor explains alone; ST: together with all its interactions. Saltelli sampling, N = " (so.samples) " base samples, " (r.runs_per_evaluation) " runs per evaluation; whiskers: percentile bootstrap 95% intervals (" (so.bootstrap) " resamples)."
                    (more_note(so.rows.len(), CHART_FACTORS))
                }
            } "\n"
            (sobol_table(so))
        }
    }
}

/// A cell with a 95% interval of numbers in running text.
fn ci_cell(k: &str, c: [f64; 2], shown: impl Fn(f64) -> String) -> Markup {
    html! {
        td class="n" {
            (num_span(&format!("{k}_low"), &json(c[0]), &shown(c[0])))
            " – "
            (num_span(&format!("{k}_high"), &json(c[1]), &shown(c[1])))
        }
    }
}

fn oat_table(o: &Oat) -> Markup {
    html! {
        table id="oat-table" {
            thead { tr { th { "factor" } th class="n" { "low" } th class="n" { "high" } th class="n" { "P(low)" } th class="n" { "P(high)" } th class="n" { "change" } th class="n" { "95% interval" } th class="n" { "gained" } th class="n" { "lost" } } }
            tbody {
                "\n"
                @for x in &o.rows {
                    tr data-factor=(x.factor) {
                        td { (x.label) br; code class="path" { (breakable(&x.factor)) } }
                        (num_cell("low", &json(x.low), &value(x.low)))
                        (num_cell("high", &json(x.high), &value(x.high)))
                        (num_cell("p_low", &json(x.p_low), &shown(x.p_low)))
                        (num_cell("p_high", &json(x.p_high), &shown(x.p_high)))
                        (num_cell("change", &json(x.change), &format!("{:+.3}", x.change)))
                        (ci_cell("ci", x.ci95, |v| format!("{v:+.3}")))
                        (num_cell("gained", &x.gained.to_string(), &x.gained.to_string()))
                        (num_cell("lost", &x.lost.to_string(), &x.lost.to_string()))
                    } "\n"
                }
            }
        } "\n"
        p class="note" { "change = P(high) − P(low); gained: runs that agree only at the high value, lost: only at the low value." } "\n"
    }
}

fn sobol_table(so: &Sobol) -> Markup {
    let sum: f64 = so.rows.iter().map(|x| x.s1).sum();
    html! {
        table id="sobol-table" {
            thead { tr { th { "factor" } th class="n" { "S1" } th class="n" { "95% interval" } th class="n" { "ST" } th class="n" { "95% interval" } } }
            tbody {
                "\n"
                @for x in &so.rows {
                    tr data-factor=(x.factor) {
                        td { (x.label) br; code class="path" { (breakable(&x.factor)) } }
                        (num_cell("s1", &json(x.s1), &shown(x.s1)))
                        (ci_cell("s1", x.s1_ci95, shown))
                        (num_cell("st", &json(x.st), &shown(x.st)))
                        (ci_cell("st", x.st_ci95, shown))
                    } "\n"
                }
            }
        } "\n"
        @if sum.is_finite() {
            p class="note" { "Sum of S1: " (format!("{sum:.3}")) " (what the factors explain one at a time; the rest is interactions and noise). S1 may come out slightly negative, and ST above 1, by sampling error. n/a: undefined, because P(agreement) does not vary." } "\n"
        } @else {
            p class="note" { "n/a: undefined, because P(agreement) does not vary over the samples." } "\n"
        }
    }
}

/// The table of the factors and their ranges.
fn factors_table(r: &SensitivityReport) -> Markup {
    html! {
        table id="factors" {
            thead { tr { th { "factor" } th { "distribution" } th { "from" } th class="n" { "low" } th class="n" { "high" } th class="n" { "mean" } } }
            tbody {
                "\n"
                @for f in &r.factors {
                    tr data-factor=(f.name) {
                        td { (f.label) br; code class="path" { (breakable(&f.name)) } }
                        td { (f.distribution) }
                        td { (f.source) }
                        (num_cell("low", &json(f.low), &value(f.low)))
                        (num_cell("high", &json(f.high), &value(f.high)))
                        (num_cell("mean", &json(f.mean), &value(f.mean)))
                    } "\n"
                }
            }
        } "\n"
        p class="note" { "low and high: the 5th and 95th percentiles of the distribution (a " code { "--param" } " range: its ends, uniform between them); mean: the value held while other factors move (a " code { "--param" } " range: its midpoint)." } "\n"
    }
}

/// What the analysis did, in one line.
fn method_line(r: &SensitivityReport) -> Markup {
    let what = match r.method {
        Method::Oat => "one factor at a time (tornado)",
        Method::Sobol => "variance-based Sobol indices",
    };
    let n = |k: &str, v: String| num_span(k, &v, &v);
    html! {
        (what) " · P(agreement " (within(r)) ") · " (r.factors.len()) " factors · "
        (n("evaluations", r.evaluations.to_string())) " model evaluations × "
        (n("runs_per_evaluation", r.runs_per_evaluation.to_string())) " runs · seed "
        (n("seed", r.seed.to_string()))
    }
}

/// A section of the HTML report (`negsim report --sensitivity`).
pub fn section(r: &SensitivityReport) -> Markup {
    html! {
        section id="sensitivity" {
            h2 { "What drives the deal" } "\n"
            p class="meta" { (method_line(r)) } "\n"
            (body(r, "chart-"))
            h3 { "The factors" } "\n"
            (factors_table(r))
            p class="note" { "For Sobol indices, more runs, or other deadlines, use " code { "negsim sensitivity" } " (with " code { "--report" } " for a page like this section)." }
        } "\n"
    }
}

/// The page of `negsim sensitivity --report`.
pub fn page(r: &SensitivityReport, command: &str) -> String {
    let body = html! {
        header {
            h1 { "What drives the deal: " (r.scenario) } "\n"
            p class="meta" { (method_line(r)) " · produced by negsim " (env!("CARGO_PKG_VERSION")) }
        } "\n"
        section id="results" {
            h2 { @match r.method { Method::Oat => "One factor at a time", Method::Sobol => "Sobol indices" } } "\n"
            (body(r, "chart-"))
        } "\n"
        section id="factors-section" {
            h2 { "The factors" } "\n"
            (factors_table(r))
        } "\n"
        section id="reproduce" {
            h2 { "Reproduce" } "\n"
            pre { code id="command" { (command) } } "\n"
            p class="note" { "Every evaluation plays the same runs from the same seed (common random numbers), and the Saltelli design and the bootstrap draw from streams of the seed too, so the command gives the same numbers on any machine with any number of threads." }
        } "\n"
    };
    super::page(&format!("negsim sensitivity: {}", r.scenario), body)
}

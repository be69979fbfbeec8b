//! The results of the run report drawn: P(agreement) by deadline, how the runs ended, what the
//! deals contain and the utilities in agreements, each chart with the table behind it.

use super::num_cell;
use super::num_span;
use super::run::{HtmlInput, count_cell, deadline_label, opt_f};
use crate::report::Report;
use crate::report::charts::{
    self, Bar, GroupedBars, Key, LineChart, Series, SeriesPoint, StackRow, StackedBars,
};
use crate::scenario::Scenario;
use maud::{Markup, html};

pub(super) fn agreement_section(inp: &HtmlInput) -> Markup {
    let r = inp.report;
    let chart = LineChart {
        id: "chart-p".into(),
        title: "Probability of agreement by deadline".into(),
        desc: "P(agreement) for each deadline with its 95% Wilson interval".into(),
        x_label: format!("deadline ({}s)", r.round_label),
        y_label: "P(agreement) (share of runs)".into(),
        series: vec![Series {
            name: "P(agreement)".into(),
            points: r
                .deadlines
                .iter()
                .map(|d| SeriesPoint {
                    x: f64::from(d.deadline),
                    y: d.p_agreement,
                    band: Some((d.ci95[0], d.ci95[1])),
                    data: charts::data(&[
                        (Key::Deadline, d.deadline.to_string()),
                        (Key::P, d.p_agreement.to_string()),
                        (Key::Lo, d.ci95[0].to_string()),
                        (Key::Hi, d.ci95[1].to_string()),
                    ]),
                })
                .collect(),
        }],
        y_range: Some((0.0, 1.0)),
        x_ticks: Some(r.deadlines.iter().map(|d| f64::from(d.deadline)).collect()),
        band_label: Some("95% interval (Wilson)".into()),
    };
    html! {
        section id="agreement" {
            h2 { "P(agreement) by deadline" } "\n"
            figure {
                (charts::line_chart(&chart))
                figcaption { "Share of the " (r.runs) " runs at each deadline that ended in an agreement; band and bars: 95% Wilson interval (Monte Carlo uncertainty only). The same runs (same sampled parameters) are played at every deadline." }
            }
        } "\n"
    }
}

pub(super) fn endings_section(inp: &HtmlInput) -> Markup {
    let r = inp.report;
    let sc = &inp.model.scenario;
    // Only agents who walked out at some deadline get a category.
    let walkers: Vec<&String> = sc
        .agents
        .iter()
        .map(|a| &a.id)
        .filter(|id| r.deadlines.iter().any(|d| d.walkouts_by[*id] > 0))
        .collect();
    let mut cats = vec!["agreement".to_string()];
    cats.extend(walkers.iter().map(|w| format!("walk-out by {w}")));
    cats.push("time ran out".into());
    let rows = r
        .deadlines
        .iter()
        .map(|d| {
            let mut counts: Vec<(String, u64)> = vec![("agreement".into(), d.agreements)];
            counts.extend(
                walkers
                    .iter()
                    .map(|w| (format!("walkout:{w}"), d.walkouts_by[*w])),
            );
            counts.push(("expired".into(), d.expired));
            let n = d.runs.max(1) as f64;
            StackRow {
                label: deadline_label(r, d.deadline),
                shares: counts.iter().map(|(_, c)| *c as f64 / n).collect(),
                data: counts
                    .iter()
                    .map(|(k, c)| {
                        charts::data(&[
                            (Key::Deadline, d.deadline.to_string()),
                            (Key::End, k.clone()),
                            (Key::Count, c.to_string()),
                        ])
                    })
                    .collect(),
                empty_note: "no runs".into(),
            }
        })
        .collect();
    let chart = StackedBars {
        id: "chart-endings".into(),
        title: "How the runs ended, by deadline".into(),
        desc: "Stacked shares of runs ending in agreement, in a walk-out by each agent, or with time running out".into(),
        x_label: "share of runs (%)".into(),
        y_label: "deadline".into(),
        categories: cats.clone(),
        styles: Vec::new(),
        rows,
    };
    html! {
        section id="endings" {
            h2 { "How the runs ended" } "\n"
            figure {
                (charts::stacked_bars(&chart))
                figcaption { "Each bar is 100% of the runs at that deadline. A walk-out by a signatory or the mediator ends the talks; time runs out when the deadline passes without agreement." }
            } "\n"
            table id="endings-table" {
                thead { tr { th { "deadline" } @for c in &cats { th class="n" { (c) } } } }
                tbody {
                    "\n"
                    @for d in &r.deadlines {
                        tr data-deadline=(d.deadline) {
                            td { (deadline_label(r, d.deadline)) }
                            (count_cell("agreements", d.agreements))
                            @for w in &walkers {
                                (count_cell(&format!("walkouts_by.{w}"), d.walkouts_by[*w]))
                            }
                            (count_cell("expired", d.expired))
                        } "\n"
                    }
                }
            }
        } "\n"
    }
}

pub(super) fn deals_section(inp: &HtmlInput) -> Markup {
    let r = inp.report;
    let sc = &inp.model.scenario;
    let chart = |ti: usize| {
        let term = &sc.terms[ti];
        let rows = r
            .deadlines
            .iter()
            .map(|d| {
                let shares = &d.option_shares[&term.id];
                StackRow {
                    label: deadline_label(r, d.deadline),
                    shares: if d.agreements > 0 {
                        shares.values().copied().collect()
                    } else {
                        vec![0.0; shares.len()]
                    },
                    data: shares
                        .iter()
                        .map(|(o, s)| {
                            charts::data(&[
                                (Key::Deadline, d.deadline.to_string()),
                                (Key::Term, term.id.clone()),
                                (Key::Option, o.clone()),
                                (Key::Share, s.to_string()),
                            ])
                        })
                        .collect(),
                    empty_note: "no agreements".into(),
                }
            })
            .collect();
        charts::stacked_bars(&StackedBars {
            id: format!("chart-term-{ti}"),
            title: format!("{}: options among agreements", term.name),
            desc: format!(
                "Share of each option of term {} among agreements, by deadline",
                term.id
            ),
            x_label: "share of agreements (%)".into(),
            y_label: "deadline".into(),
            categories: term.options.clone(),
            styles: Vec::new(),
            rows,
        })
    };
    html! {
        section id="deals" {
            h2 { "What the deals contain" } "\n"
            p class="note" { "For each term, the share of each option among the agreements at each deadline (each bar is 100% of that deadline's agreements)." } "\n"
            @for ti in 0..sc.terms.len() {
                figure { (chart(ti)) } "\n"
            }
            (top_packages_table(r, sc))
        } "\n"
    }
}

/// The most frequent agreed packages per deadline, one column per term (a single column when
/// there are too many terms to fit).
fn top_packages_table(r: &Report, sc: &Scenario) -> Markup {
    let wide = sc.terms.len() <= 8;
    let cols = if wide { sc.terms.len() } else { 1 };
    html! {
        h3 { "Most frequent agreed packages" } "\n"
        table id="top-packages" {
            thead { tr {
                th { "deadline" } th class="n" { "share of agreements" } th class="n" { "count" }
                @if wide { @for t in &sc.terms { th { (t.id) } } } @else { th { "package" } }
            } }
            tbody {
                "\n"
                @for d in &r.deadlines {
                    @if d.top_packages.is_empty() {
                        tr { td { (deadline_label(r, d.deadline)) } td colspan=(cols + 2) { "no agreements" } } "\n"
                    }
                    @for (i, p) in d.top_packages.iter().enumerate() {
                        tr data-deadline=(d.deadline) data-rank=(i) {
                            td { @if i == 0 { (deadline_label(r, d.deadline)) } }
                            (num_cell("share", &p.share.to_string(), &format!("{:.1}%", 100.0 * p.share)))
                            (count_cell("count", p.count))
                            @if wide {
                                @for o in p.package.values() { td { (o) } }
                            } @else {
                                td { @for (k, (t, o)) in p.package.iter().enumerate() { @if k > 0 { " " } (t) "=" (o) } }
                            }
                        } "\n"
                    }
                }
            }
        } "\n"
    }
}

pub(super) fn utilities_section(inp: &HtmlInput) -> Markup {
    let r = inp.report;
    let sc = &inp.model.scenario;
    let groups = sc
        .agents
        .iter()
        .map(|ag| {
            let bars = r
                .deadlines
                .iter()
                .map(|d| {
                    let o = &d.agents[&ag.id];
                    o.mean_utility.map(|u| Bar {
                        value: u,
                        tick: o.mean_gain.map(|g| u - g),
                        data: charts::data(&[
                            (Key::Agent, ag.id.clone()),
                            (Key::Deadline, d.deadline.to_string()),
                            (Key::MeanUtility, u.to_string()),
                            (
                                Key::MeanGain,
                                o.mean_gain.map_or("null".into(), |g| g.to_string()),
                            ),
                        ]),
                    })
                })
                .collect();
            (ag.id.clone(), bars)
        })
        .collect();
    let chart = GroupedBars {
        id: "chart-utilities".into(),
        title: "Each agent's utility in agreements, against its reservation value".into(),
        desc: "Mean utility in agreements per agent and deadline, with the mean reservation value in the same runs".into(),
        y_label: "utility (agent's own 0–1 scale)".into(),
        x_label: "agent".into(),
        series: r
            .deadlines
            .iter()
            .map(|d| format!("deadline {}", deadline_label(r, d.deadline)))
            .collect(),
        groups,
        y_range: (0.0, 1.0),
        tick_label: "mean reservation value (no deal) in the same runs".into(),
    };
    html! {
        section id="utilities" {
            h2 { "Utility in agreements" } "\n"
            figure {
                (charts::grouped_bars(&chart))
                figcaption { "Bars: each agent's mean utility in the runs that ended in agreement; black line: its mean reservation value in those same runs (what no deal would have given it). A bar above its line means the agent gained from the deals. Utilities are on each agent's own scale: compare an agent with itself, not with others. – = no agreements." }
            } "\n"
            table id="utilities-table" {
                thead { tr { th { "agent" } @for d in &r.deadlines { th class="n" { (deadline_label(r, d.deadline)) } } } }
                tbody {
                    "\n"
                    @for ag in &sc.agents {
                        tr data-agent=(ag.id) {
                            td { (ag.id) }
                            @for d in &r.deadlines {
                                @let o = &d.agents[&ag.id];
                                @let (u, us) = opt_f(o.mean_utility, 3);
                                @let (g, _) = opt_f(o.mean_gain, 3);
                                @let gs = o.mean_gain.map_or(String::new(), |g| format!(" ({g:+.3})"));
                                td class="n" data-deadline=(d.deadline) {
                                    (num_span("mean_utility", &u, &us))
                                    (num_span("mean_gain", &g, &gs))
                                }
                            }
                        } "\n"
                    }
                }
            } "\n"
            p class="note" { "Mean utility in agreements (in brackets: mean gain over the reservation value in the same runs); – = no agreements." }
        } "\n"
    }
}

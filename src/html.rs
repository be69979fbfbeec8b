//! `negsim report`: one self-contained HTML file (inline SVG and CSS; no scripts, fonts or
//! network) with the scenario, the results per deadline and the outcome space.
//!
//! Every number shown is also written in a machine-findable form: table cells carry
//! `data-k` (the JSON field) and `data-v` (the exact value, Rust's shortest round-trip
//! formatting, as in the JSON report); chart marks carry `data-*` attributes.

use crate::analysis::{
    Analysis, CloudPoint, Point, TooLarge, pareto_frontier, plane_cloud, utilities,
};
use crate::check::ENUMERATION_LIMIT;
use crate::error::InputError;
use crate::model::{Instance, Model};
use crate::montecarlo::Outcome;
use crate::page::{PAGE_END, num_cell, page_start};
use crate::report::{DeadlineReport, Report, package_string, plural};
use crate::scenario::{Scenario, describe_param, fmt_num};
use crate::sensitivity::SensitivityReport;
use crate::svg::{
    self, Bar, Frame, GroupedBars, LineChart, Marker, Series, SeriesPoint, StackRow, StackedBars,
    Swatch, esc,
};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Grid of the unit square on which outcome-space points that fall together are drawn once
/// (about one point per 2 SVG units), so that huge outcome spaces stay small files.
pub const CLOUD_GRID: u32 = 220;

/// Everything the HTML report shows.
#[derive(Debug, Clone, Copy)]
pub struct HtmlInput<'a> {
    /// The compiled scenario.
    pub model: &'a Model,
    /// The report (the same numbers as `negsim run --format json`).
    pub report: &'a Report,
    /// The tallies behind the report (for where the agreements fall).
    pub outcome: &'a Outcome,
    /// The outcome-space analysis, or why it was skipped.
    pub analysis: Result<&'a Analysis, &'a TooLarge>,
    /// The two agents of the outcome-space plane (x, y).
    pub axes: (usize, usize),
    /// The command line that reproduces the report.
    pub command: &'a str,
    /// The tornado section (`--sensitivity`): the analysis, or why there is none.
    pub sensitivity: Option<Result<&'a SensitivityReport, &'a str>>,
}

/// The agents of the outcome-space plot: `ids` if given (two distinct agent ids), else the
/// first two signatories (or the first two agents if there is only one signatory).
pub fn resolve_axes(sc: &Scenario, ids: Option<&[String]>) -> Result<(usize, usize), InputError> {
    let Some(ids) = ids else {
        let mut pick: Vec<usize> = sc.signatories();
        pick.extend(0..sc.agents.len());
        pick.dedup();
        let first = pick[0];
        let second = pick.iter().copied().find(|&a| a != first).unwrap_or(first);
        return Ok((first, second));
    };
    if ids.len() != 2 {
        return Err(InputError::new(
            "--axes",
            format!("{} agent(s) given, two are needed", ids.len()),
        )
        .with_help("for example --axes russia,ukraine"));
    }
    let find = |id: &str| {
        sc.agent_index(id)
            .ok_or_else(|| sc.unknown_agent(id, "--axes"))
    };
    let (a, b) = (find(&ids[0])?, find(&ids[1])?);
    if a == b {
        return Err(InputError::new("--axes", "the two axes are the same agent")
            .with_help("give two different agents, for example --axes russia,ukraine"));
    }
    Ok((a, b))
}

/// Renders the whole report as one HTML document.
pub fn render(inp: &HtmlInput) -> String {
    let r = inp.report;
    let sc = &inp.model.scenario;
    let mut h = page_start(&format!("negsim report: {}", r.scenario));
    let _ = write!(
        h,
        "<header><h1>{}</h1>\n<p class=\"meta\">{} protocol · <span data-k=\"runs\" data-v=\"{}\">{}</span> Monte Carlo runs per deadline · seed <span data-k=\"seed\" data-v=\"{}\">{}</span> · produced by negsim {}</p>\n",
        esc(&r.scenario),
        esc(r.protocol),
        r.runs,
        r.runs,
        r.seed,
        r.seed,
        env!("CARGO_PKG_VERSION")
    );
    if !sc.description.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(sc.description.trim()));
    }
    if r.partial {
        h.push_str("<p class=\"warn\">PARTIAL: the simulation was stopped early; fewer runs than requested were played.</p>\n");
    }
    h.push_str("</header>\n<nav><h2>Contents</h2><ol>\
<li><a href=\"#summary\">Summary</a></li><li><a href=\"#scenario\">The scenario</a></li>\
<li><a href=\"#agreement\">P(agreement) by deadline</a></li><li><a href=\"#endings\">How the runs ended</a></li>\
<li><a href=\"#deals\">What the deals contain</a></li><li><a href=\"#utilities\">Utility in agreements</a></li>\
<li><a href=\"#outcome-space\">The outcome space</a></li>");
    if inp.sensitivity.is_some() {
        h.push_str("<li><a href=\"#sensitivity\">What drives the deal</a></li>");
    }
    h.push_str("<li><a href=\"#reproduce\">Reproduce</a></li></ol></nav>\n");
    h += &summary(inp);
    h += &scenario_section(inp);
    h += &agreement_section(inp);
    h += &endings_section(inp);
    h += &deals_section(inp);
    h += &utilities_section(inp);
    h += &outcome_space_section(inp);
    match inp.sensitivity {
        Some(Ok(sr)) => h += &crate::sensitivity::html::section(sr),
        Some(Err(why)) => {
            let _ = writeln!(
                h,
                "<section id=\"sensitivity\"><h2>What drives the deal</h2>\n<p class=\"note\">{}</p></section>",
                esc(why)
            );
        }
        None => {}
    }
    let _ = write!(
        h,
        "<section id=\"reproduce\"><h2>Reproduce this report</h2>\n<pre><code id=\"command\">{}</code></pre>\n\
<p class=\"note\">Master seed <b>{}</b>. Run <i>r</i> draws its parameters and its bargaining from its own ChaCha8 stream keyed by the seed, so the same command with the same negsim version (here {}) and the same scenario file gives the same numbers, bit for bit, on any machine and with any number of threads.</p></section>\n",
        esc(inp.command),
        r.seed,
        env!("CARGO_PKG_VERSION")
    );
    h.push_str(PAGE_END);
    h
}

fn opt_f(x: Option<f64>, decimals: usize) -> (String, String) {
    match x {
        Some(v) => (v.to_string(), format!("{v:.decimals$}")),
        None => ("null".into(), "–".into()),
    }
}

fn deadline_label(r: &Report, d: u32) -> String {
    format!("{d} {}", plural(&r.round_label, d))
}

fn summary(inp: &HtmlInput) -> String {
    let r = inp.report;
    let mut h = String::from("<section id=\"summary\"><h2>Summary</h2>\n");
    let _ = writeln!(
        h,
        "<p id=\"question\" data-mode=\"{}\"><b>Question:</b> {}</p>",
        r.mode,
        esc(&r.question)
    );
    if let (Some(lo), Some(hi)) = (
        r.deadlines
            .iter()
            .min_by(|a, b| a.p_agreement.total_cmp(&b.p_agreement)),
        r.deadlines
            .iter()
            .max_by(|a, b| a.p_agreement.total_cmp(&b.p_agreement)),
    ) {
        let _ = writeln!(
            h,
            "<p>The chance of an agreement ranges from <b>{:.0}%</b> (deadline {}) to <b>{:.0}%</b> (deadline {}) over the deadlines simulated. Intervals are Wilson 95% intervals of the Monte Carlo estimate; the spread of the scenario's own uncertain numbers is already inside the probabilities.</p>",
            100.0 * lo.p_agreement,
            esc(&deadline_label(r, lo.deadline)),
            100.0 * hi.p_agreement,
            esc(&deadline_label(r, hi.deadline))
        );
    }
    let _ = writeln!(
        h,
        "<table id=\"summary-table\"><thead><tr><th>deadline</th><th class=\"n\">runs</th><th class=\"n\">P(agreement)</th><th class=\"n\">95% interval</th><th class=\"n\">agreements</th><th class=\"n\">walk-outs</th><th class=\"n\">expired</th><th class=\"n\">mean {l}</th><th class=\"n\">median {l}</th><th class=\"n\">P if no walk-out</th><th>walk-outs by</th><th>blocker</th></tr></thead><tbody>",
        l = esc(&r.round_label)
    );
    for d in &r.deadlines {
        let (mr, mr_s) = opt_f(d.mean_round, 1);
        let med = d.median_round.map_or("null".into(), |m| m.to_string());
        let _ = writeln!(
            h,
            "<tr data-deadline=\"{}\"><td>{}</td>{}{}<td class=\"n\"><span data-k=\"ci_low\" data-v=\"{}\">{:.3}</span> – <span data-k=\"ci_high\" data-v=\"{}\">{:.3}</span></td>{}{}{}{}{}{}<td>{}</td><td>{}</td></tr>",
            d.deadline,
            esc(&deadline_label(r, d.deadline)),
            num_cell("runs", &d.runs.to_string(), &d.runs.to_string()),
            num_cell(
                "p_agreement",
                &d.p_agreement.to_string(),
                &format!("{:.3}", d.p_agreement)
            ),
            d.ci95[0],
            d.ci95[0],
            d.ci95[1],
            d.ci95[1],
            num_cell(
                "agreements",
                &d.agreements.to_string(),
                &d.agreements.to_string()
            ),
            num_cell("walkouts", &d.walkouts.to_string(), &d.walkouts.to_string()),
            num_cell("expired", &d.expired.to_string(), &d.expired.to_string()),
            num_cell("mean_round", &mr, &mr_s),
            num_cell(
                "median_round",
                &med,
                d.median_round
                    .map_or("–".into(), |m| m.to_string())
                    .as_str()
            ),
            {
                let (v, s) = opt_f(d.p_agreement_no_walkout, 3);
                num_cell("p_agreement_no_walkout", &v, &s)
            },
            {
                let w: Vec<String> = d
                    .walkout_share
                    .iter()
                    .filter(|(_, x)| **x > 0.0)
                    .map(|(id, x)| format!("{} {:.1}%", esc(id), 100.0 * x))
                    .collect();
                if w.is_empty() {
                    "–".to_string()
                } else {
                    w.join(", ")
                }
            },
            esc(d.blocker.as_deref().unwrap_or("–"))
        );
    }
    h.push_str("</tbody></table>\n<p class=\"note\">Blocker: the signatory who most often rejected the last package on the table in the runs that ended without agreement.</p></section>\n");
    h
}

/// Background of a heat-map cell for a value in [0, 1] (blue, darker is larger) and the text
/// colour that stays readable on it.
fn heat(v: f64) -> String {
    let a = v.clamp(0.0, 1.0) * 0.85;
    let text = if a > 0.5 { "#fff" } else { "#000" };
    format!("background: rgba(0, 114, 178, {a:.3}); color: {text};")
}

fn scenario_section(inp: &HtmlInput) -> String {
    let sc = &inp.model.scenario;
    let sim = &sc.simulation;
    let mut h = String::from("<section id=\"scenario\"><h2>The scenario</h2>\n");
    let mediator = sim
        .mediator
        .map(|m| format!(", mediator <b>{}</b>", esc(&sc.agents[m].id)))
        .unwrap_or_default();
    let _ = writeln!(
        h,
        "<p>Protocol <b>{}</b>{mediator}; one round is one {}. {} terms, {} packages in the outcome space; {} agents.</p>",
        sim.protocol.as_str(),
        esc(&sim.round_label),
        sc.terms.len(),
        size_text(sc.outcome_space_size()),
        sc.agents.len()
    );
    h.push_str("<h3>Terms and options</h3>\n<table id=\"terms\"><thead><tr><th>term</th><th>name</th><th>options (number: name)</th></tr></thead><tbody>\n");
    for t in &sc.terms {
        let opts: Vec<String> = t
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| format!("{}: {}", i + 1, esc(o)))
            .collect();
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&t.id),
            esc(&t.name),
            opts.join(" · ")
        );
    }
    h.push_str("</tbody></table>\n<h3>Agents</h3>\n<table id=\"agents\"><thead><tr><th>agent</th><th>signs?</th><th>reservation value</th><th>strategy</th><th>walk-out chance per round</th><th>clock</th><th>estimate noise</th><th>red lines</th></tr></thead><tbody>\n");
    for (a, ag) in sc.agents.iter().enumerate() {
        let red: Vec<String> = sc
            .terms
            .iter()
            .zip(&ag.red_lines)
            .flat_map(|(t, r)| {
                r.iter()
                    .enumerate()
                    .filter(|(_, x)| **x)
                    .map(move |(o, _)| format!("{} = {}", esc(&t.id), esc(&t.options[o])))
            })
            .collect();
        let role = if sim.mediator == Some(a) {
            "no (mediator)"
        } else if ag.signatory {
            "yes"
        } else {
            "no"
        };
        let _ = writeln!(
            h,
            "<tr data-agent=\"{}\"><td><b>{}</b><br>{}</td><td>{role}</td><td data-k=\"reservation\" data-v=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&ag.id),
            esc(&ag.id),
            esc(&ag.name),
            ag.reservation.mean(),
            esc(&describe_param(&ag.reservation)),
            esc(&ag.strategy.label()),
            esc(&describe_param(&ag.walk_away)),
            esc(&match ag.clock {
                crate::scenario::Clock::Deadline =>
                    format!("deadline (belief {})", describe_param(&ag.deadline_belief)),
                c => format!("{} {}s", c.label(), sim.round_label),
            }),
            fmt_num(ag.estimate_noise),
            if red.is_empty() {
                "–".into()
            } else {
                red.join("<br>")
            }
        );
    }
    h.push_str("</tbody></table>\n<p class=\"note\">Uncertain numbers are shown as their distributions; every run samples them afresh.</p>\n");
    // Weights heat map.
    h.push_str("<h3>How much each agent cares about each term</h3>\n<table id=\"weights\" class=\"heat\"><thead><tr><th>agent</th>");
    for t in &sc.terms {
        let _ = write!(h, "<th class=\"n\">{}</th>", esc(&t.id));
    }
    h.push_str("</tr></thead><tbody>\n");
    for ag in &sc.agents {
        let _ = write!(
            h,
            "<tr data-agent=\"{}\"><td>{}</td>",
            esc(&ag.id),
            esc(&ag.id)
        );
        for (t, w) in sc.terms.iter().zip(ag.mean_weights()) {
            let _ = write!(
                h,
                "<td class=\"heat\" style=\"{}\" data-term=\"{}\" data-v=\"{w}\">{:.2}</td>",
                heat(w),
                esc(&t.id),
                w
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n<p class=\"note\">Mean weights, normalized to sum 1 per agent (darker = more important).</p>\n");
    // Option values heat map.
    h.push_str("<h3>What each option is worth to each agent</h3>\n<table id=\"values\" class=\"heat\"><thead><tr><th>term</th><th>option</th>");
    for ag in &sc.agents {
        let _ = write!(h, "<th class=\"n\">{}</th>", esc(&ag.id));
    }
    h.push_str("</tr></thead><tbody>\n");
    let weights: Vec<Vec<f64>> = sc.agents.iter().map(|a| a.mean_weights()).collect();
    for (t, term) in sc.terms.iter().enumerate() {
        for (o, opt) in term.options.iter().enumerate() {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}: {}</td>",
                if o == 0 { esc(&term.id) } else { String::new() },
                o + 1,
                esc(opt)
            );
            for (a, ag) in sc.agents.iter().enumerate() {
                if weights[a][t] <= 0.0 {
                    h.push_str("<td class=\"heat\">·</td>");
                    continue;
                }
                let v = ag.values[t][o].mean();
                let red = ag.red_lines[t][o];
                let _ = write!(
                    h,
                    "<td class=\"heat{}\" style=\"{}\" data-v=\"{v}\">{:.2}{}</td>",
                    if red { " red" } else { "" },
                    heat(v),
                    v,
                    if red { " ✕" } else { "" }
                );
            }
            h.push_str("</tr>\n");
        }
    }
    h.push_str("</tbody></table>\n<p class=\"note\">Mean value of each option on the agent's own scale (0 = worst, 1 = best; darker = better); · = the agent gives the term no weight; ✕ (struck through) = a red line the agent never accepts.</p></section>\n");
    h
}

fn size_text(n: u128) -> String {
    if n == u128::MAX {
        "more than 10^38".into()
    } else {
        n.to_string()
    }
}

fn agreement_section(inp: &HtmlInput) -> String {
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
                    data: svg::data(&[
                        ("deadline", d.deadline.to_string()),
                        ("p", d.p_agreement.to_string()),
                        ("lo", d.ci95[0].to_string()),
                        ("hi", d.ci95[1].to_string()),
                    ]),
                })
                .collect(),
        }],
        y_range: Some((0.0, 1.0)),
        x_ticks: Some(r.deadlines.iter().map(|d| f64::from(d.deadline)).collect()),
        band_label: Some("95% interval (Wilson)".into()),
    };
    format!(
        "<section id=\"agreement\"><h2>P(agreement) by deadline</h2>\n<figure>{}<figcaption>Share of the {} runs at each deadline that ended in an agreement; band and bars: 95% Wilson interval (Monte Carlo uncertainty only). The same runs (same sampled parameters) are played at every deadline.</figcaption></figure></section>\n",
        svg::line_chart(&chart),
        r.runs
    )
}

fn endings_section(inp: &HtmlInput) -> String {
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
                        svg::data(&[
                            ("deadline", d.deadline.to_string()),
                            ("end", k.clone()),
                            ("count", c.to_string()),
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
    let mut h = format!(
        "<section id=\"endings\"><h2>How the runs ended</h2>\n<figure>{}<figcaption>Each bar is 100% of the runs at that deadline. A walk-out by a signatory or the mediator ends the talks; time runs out when the deadline passes without agreement.</figcaption></figure>\n",
        svg::stacked_bars(&chart)
    );
    h.push_str("<table id=\"endings-table\"><thead><tr><th>deadline</th>");
    for c in &cats {
        let _ = write!(h, "<th class=\"n\">{}</th>", esc(c));
    }
    h.push_str("</tr></thead><tbody>\n");
    for d in &r.deadlines {
        let _ = write!(
            h,
            "<tr data-deadline=\"{}\"><td>{}</td>{}",
            d.deadline,
            esc(&deadline_label(r, d.deadline)),
            num_cell(
                "agreements",
                &d.agreements.to_string(),
                &d.agreements.to_string()
            )
        );
        for w in &walkers {
            let c = d.walkouts_by[*w];
            h += &num_cell(&format!("walkouts_by.{w}"), &c.to_string(), &c.to_string());
        }
        h += &num_cell("expired", &d.expired.to_string(), &d.expired.to_string());
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></section>\n");
    h
}

fn deals_section(inp: &HtmlInput) -> String {
    let r = inp.report;
    let sc = &inp.model.scenario;
    let mut h = String::from(
        "<section id=\"deals\"><h2>What the deals contain</h2>\n<p class=\"note\">For each term, the share of each option among the agreements at each deadline (each bar is 100% of that deadline's agreements).</p>\n",
    );
    for (ti, term) in sc.terms.iter().enumerate() {
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
                            svg::data(&[
                                ("deadline", d.deadline.to_string()),
                                ("term", term.id.clone()),
                                ("option", o.clone()),
                                ("share", s.to_string()),
                            ])
                        })
                        .collect(),
                    empty_note: "no agreements".into(),
                }
            })
            .collect();
        let chart = StackedBars {
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
        };
        let _ = writeln!(h, "<figure>{}</figure>", svg::stacked_bars(&chart));
    }
    h += &top_packages_table(r, sc);
    h.push_str("</section>\n");
    h
}

/// The most frequent agreed packages per deadline, one column per term (a single column when
/// there are too many terms to fit).
fn top_packages_table(r: &Report, sc: &Scenario) -> String {
    let wide = sc.terms.len() <= 8;
    let mut h = String::from(
        "<h3>Most frequent agreed packages</h3>\n<table id=\"top-packages\"><thead><tr><th>deadline</th><th class=\"n\">share of agreements</th><th class=\"n\">count</th>",
    );
    if wide {
        for t in &sc.terms {
            let _ = write!(h, "<th>{}</th>", esc(&t.id));
        }
    } else {
        h.push_str("<th>package</th>");
    }
    h.push_str("</tr></thead><tbody>\n");
    let cols = if wide { sc.terms.len() } else { 1 };
    for d in &r.deadlines {
        if d.top_packages.is_empty() {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td colspan=\"{}\">no agreements</td></tr>",
                esc(&deadline_label(r, d.deadline)),
                cols + 2
            );
        }
        for (i, p) in d.top_packages.iter().enumerate() {
            let _ = write!(
                h,
                "<tr data-deadline=\"{}\" data-rank=\"{i}\"><td>{}</td>{}{}",
                d.deadline,
                if i == 0 {
                    esc(&deadline_label(r, d.deadline))
                } else {
                    String::new()
                },
                num_cell(
                    "share",
                    &p.share.to_string(),
                    &format!("{:.1}%", 100.0 * p.share)
                ),
                num_cell("count", &p.count.to_string(), &p.count.to_string()),
            );
            if wide {
                for o in p.package.values() {
                    let _ = write!(h, "<td>{}</td>", esc(o));
                }
            } else {
                let pk: Vec<String> = p
                    .package
                    .iter()
                    .map(|(t, o)| format!("{}={}", esc(t), esc(o)))
                    .collect();
                let _ = write!(h, "<td>{}</td>", pk.join(" "));
            }
            h.push_str("</tr>\n");
        }
    }
    h.push_str("</tbody></table>\n");
    h
}

fn utilities_section(inp: &HtmlInput) -> String {
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
                        data: svg::data(&[
                            ("agent", ag.id.clone()),
                            ("deadline", d.deadline.to_string()),
                            ("mean-utility", u.to_string()),
                            (
                                "mean-gain",
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
    let mut h = format!(
        "<section id=\"utilities\"><h2>Utility in agreements</h2>\n<figure>{}<figcaption>Bars: each agent's mean utility in the runs that ended in agreement; black line: its mean reservation value in those same runs (what no deal would have given it). A bar above its line means the agent gained from the deals. Utilities are on each agent's own scale: compare an agent with itself, not with others. – = no agreements.</figcaption></figure>\n",
        svg::grouped_bars(&chart)
    );
    h.push_str("<table id=\"utilities-table\"><thead><tr><th>agent</th>");
    for d in &r.deadlines {
        let _ = write!(
            h,
            "<th class=\"n\">{}</th>",
            esc(&deadline_label(r, d.deadline))
        );
    }
    h.push_str("</tr></thead><tbody>\n");
    for ag in &sc.agents {
        let _ = write!(
            h,
            "<tr data-agent=\"{}\"><td>{}</td>",
            esc(&ag.id),
            esc(&ag.id)
        );
        for d in &r.deadlines {
            let o = &d.agents[&ag.id];
            let (u, us) = opt_f(o.mean_utility, 3);
            let (g, _) = opt_f(o.mean_gain, 3);
            let gs = o.mean_gain.map_or(String::new(), |g| format!(" ({g:+.3})"));
            let _ = write!(
                h,
                "<td class=\"n\" data-deadline=\"{}\"><span data-k=\"mean_utility\" data-v=\"{u}\">{us}</span><span data-k=\"mean_gain\" data-v=\"{g}\">{gs}</span></td>",
                d.deadline
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n<p class=\"note\">Mean utility in agreements (in brackets: mean gain over the reservation value in the same runs); – = no agreements.</p></section>\n");
    h
}

fn outcome_space_section(inp: &HtmlInput) -> String {
    let mut h = String::from(
        "<section id=\"outcome-space\"><h2>The outcome space</h2>\n<p class=\"note\">Measured at the mean of every uncertain number: each package is placed by the signatories' utilities for it, the disagreement point is their mean reservation values. Only packages crossing no signatory's red line count. The <b>Pareto frontier</b> holds the packages no other package improves for a signatory without hurting another; the <b>Nash point</b> maximizes the product of the signatories' gains over their reservation values; the <b>Kalai–Smorodinsky point</b> maximizes the smallest gain as a share of the signatory's largest possible gain; <b>maximum welfare</b> maximizes the sum of the signatories' utilities. Distances are Euclidean, in the signatories' utility space (as GENIUS reports them).</p>\n",
    );
    match inp.analysis {
        Err(e) => {
            let _ = writeln!(
                h,
                "<p class=\"warn\" id=\"analysis-skipped\">Outcome-space analysis {}.</p>",
                esc(&e.to_string())
            );
        }
        Ok(a) => h += &analysis_tables(inp, a),
    }
    h += &plane(inp);
    h.push_str("</section>\n");
    h
}

fn analysis_tables(inp: &HtmlInput, a: &Analysis) -> String {
    let r = inp.report;
    let model = inp.model;
    let sc = &model.scenario;
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<p>Pareto frontier: <b data-k=\"pareto_size\" data-v=\"{n}\">{n}</b> packages (one per distinct utility vector).</p>",
        n = a.frontier.len()
    );
    if let Some(note) = &r.outcome_space.note {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(note));
    }
    h.push_str("<table id=\"solutions\"><thead><tr><th>point</th>");
    for &s in &a.agents {
        let _ = write!(h, "<th class=\"n\">{}</th>", esc(&sc.agents[s].id));
    }
    h.push_str("<th>package</th></tr></thead><tbody>\n");
    let reservation: Vec<f64> = a.reservation.clone();
    let _ = write!(
        h,
        "<tr data-solution=\"reservation\"><td>reservation (no deal)</td>"
    );
    for (&s, v) in a.agents.iter().zip(&reservation) {
        let _ = write!(
            h,
            "<td class=\"n\" data-agent=\"{}\" data-v=\"{v}\">{v:.3}</td>",
            esc(&sc.agents[s].id)
        );
    }
    h.push_str("<td>–</td></tr>\n");
    for (key, label, p) in [
        ("nash", "Nash point", &a.nash),
        (
            "kalai_smorodinsky",
            "Kalai–Smorodinsky point",
            &a.kalai_smorodinsky,
        ),
        ("max_welfare", "maximum welfare", &a.max_welfare),
    ] {
        let _ = write!(h, "<tr data-solution=\"{key}\"><td>{label}</td>");
        match p {
            None => {
                let _ = write!(
                    h,
                    "<td colspan=\"{}\">none: no package gives every signatory its reservation value</td>",
                    a.agents.len() + 1
                );
            }
            Some(p) => {
                for (&s, v) in a.agents.iter().zip(&p.utility) {
                    let _ = write!(
                        h,
                        "<td class=\"n\" data-agent=\"{}\" data-v=\"{v}\">{v:.3}</td>",
                        esc(&sc.agents[s].id)
                    );
                }
                let _ = write!(h, "<td>{}</td>", esc(&package_string(model, &p.package)));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n<h3>How far the agreements are from the frontier and from the Nash point</h3>\n<table id=\"distances\"><thead><tr><th>deadline</th><th class=\"n\">agreements</th><th class=\"n\">mean distance to the Pareto frontier</th><th class=\"n\">mean distance to the Nash point</th></tr></thead><tbody>\n");
    for d in &r.deadlines {
        h += &distance_row(r, d);
    }
    h.push_str("</tbody></table>\n<p class=\"note\">0 = every agreement on the frontier (or at the Nash point). Each agreed package is measured at mean parameters, whatever its run sampled.</p>\n");
    h
}

fn distance_row(r: &Report, d: &DeadlineReport) -> String {
    let (p, ps) = opt_f(d.mean_distance_pareto, 3);
    let (n, ns) = opt_f(d.mean_distance_nash, 3);
    format!(
        "<tr data-deadline=\"{}\"><td>{}</td>{}{}{}</tr>\n",
        d.deadline,
        esc(&deadline_label(r, d.deadline)),
        num_cell(
            "agreements",
            &d.agreements.to_string(),
            &d.agreements.to_string()
        ),
        num_cell("mean_distance_pareto", &p, &ps),
        num_cell("mean_distance_nash", &n, &ns)
    )
}

/// The outcome space in the plane of the two axis agents.
fn plane(inp: &HtmlInput) -> String {
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
    let mut body = String::new();
    let ticks: Vec<(f64, String)> = (0..=5)
        .map(|k| (k as f64 / 5.0, format!("{:.1}", k as f64 / 5.0)))
        .collect();
    body += &svg::axes(
        &f,
        &ticks,
        &ticks,
        &format!("utility of {xid} (0–1)"),
        &format!("utility of {yid} (0–1)"),
    );
    let mut notes: Vec<String> = Vec::new();
    let mut legend: Vec<(Swatch, String)> = Vec::new();
    // Every package of the outcome space.
    match plane_cloud(model, inst, ax, ay, CLOUD_GRID, ENUMERATION_LIMIT) {
        None => notes.push(format!(
            "The {} packages of the outcome space are too many to draw (limit {ENUMERATION_LIMIT}).",
            size_text(sc.outcome_space_size())
        )),
        Some(cloud) => {
            body.push_str("<g class=\"cloud\">");
            for CloudPoint {
                x,
                y,
                agreeable,
                count,
            } in &cloud
            {
                let (px, py) = (f.px(*x), f.py(*y));
                let _ = if *agreeable {
                    write!(
                        body,
                        "<circle class=\"outcome\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"1.9\" fill=\"#a8a8a8\" data-n=\"{count}\"/>"
                    )
                } else {
                    write!(
                        body,
                        "<path class=\"outcome red-line\" d=\"M{:.1},{:.1}l4,4m0,-4l-4,4\" stroke=\"#c8c8c8\" stroke-width=\"1\" data-n=\"{count}\"/>",
                        px - 2.0,
                        py - 2.0
                    )
                };
            }
            body.push_str("</g>");
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
    let _ = write!(
        body,
        "<path class=\"reservation\" d=\"M{:.1},{:.1}V{:.1}M{:.1},{:.1}H{:.1}\" stroke=\"#000\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\" data-x=\"{rx}\" data-y=\"{ry}\"/>",
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
    match pareto_frontier(model, inst, &[ax, ay]) {
        Err(_) => notes.push("The two-agent Pareto frontier is too large to compute.".into()),
        Ok(mut front) if !front.is_empty() => {
            front.sort_by(|a, b| a.utility[0].total_cmp(&b.utility[0]));
            let d: String = front
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
            let _ = write!(
                body,
                "<path class=\"frontier\" d=\"{d}\" fill=\"none\" stroke=\"#0072B2\" stroke-width=\"2.2\" data-n=\"{}\"/>",
                front.len()
            );
            for p in &front {
                body += &svg::marker(
                    Marker::Circle,
                    f.px(p.utility[0]),
                    f.py(p.utility[1]),
                    3.0,
                    "#0072B2",
                    "#fff",
                    "",
                );
            }
            legend.push((
                Swatch::Line {
                    colour: "#0072B2".into(),
                    dash: String::new(),
                    marker: Some(Marker::Circle),
                },
                format!("Pareto frontier of {xid} and {yid}"),
            ));
        }
        Ok(_) => {}
    }
    // Where the simulated agreements fall, pooled over deadlines.
    let mut pooled: HashMap<&[u8], u64> = HashMap::new();
    for t in &inp.outcome.tallies {
        for (p, c) in &t.packages {
            *pooled.entry(p.as_slice()).or_insert(0) += c;
        }
    }
    let mut spots: HashMap<(i64, i64), (f64, f64, u64)> = HashMap::new();
    for (p, c) in &pooled {
        let u = utilities(model, inst, &[ax, ay], p);
        let key = ((u[0] * 1e6).round() as i64, (u[1] * 1e6).round() as i64);
        spots.entry(key).or_insert((u[0], u[1], 0)).2 += c;
    }
    let mut spots: Vec<(f64, f64, u64)> = spots.into_values().collect();
    spots.sort_by(|a, b| {
        b.2.cmp(&a.2)
            .then(a.0.total_cmp(&b.0))
            .then(a.1.total_cmp(&b.1))
    });
    let total: u64 = spots.iter().map(|s| s.2).sum();
    if total > 0 {
        body.push_str("<g class=\"agreements\">");
        let max = spots[0].2 as f64;
        for (x, y, c) in &spots {
            let r = 3.0 + 11.0 * (*c as f64 / max).sqrt();
            let _ = write!(
                body,
                "<circle class=\"agreement\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r:.1}\" fill=\"#D55E00\" fill-opacity=\"0.45\" stroke=\"#000\" stroke-width=\"1.1\" data-x=\"{x}\" data-y=\"{y}\" data-count=\"{c}\"><title>{c} agreements at ({x:.3}, {y:.3})</title></circle>",
                f.px(*x),
                f.py(*y)
            );
        }
        body.push_str("</g>");
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
        for (i, (key, label, p, m, col)) in sols.iter().enumerate() {
            let Some(p) = p else { continue };
            let u = utilities(model, inst, &[ax, ay], &p.package);
            let (px, py) = (f.px(u[0]), f.py(u[1]));
            body += &svg::marker(
                *m,
                px,
                py,
                6.5,
                col,
                "#000",
                &format!(
                    " class=\"solution\" stroke-width=\"1.5\" data-point=\"{key}\" data-x=\"{}\" data-y=\"{}\"",
                    u[0], u[1]
                ),
            );
            // Labels are staggered so that coinciding points stay readable.
            let _ = write!(
                body,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" font-weight=\"bold\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{label}</text>",
                px + 10.0,
                py - 8.0 + 13.0 * i as f64
            );
            legend.push((
                Swatch::Marker {
                    shape: *m,
                    fill: (*col).into(),
                    stroke: "#000".into(),
                },
                format!(
                    "{} point",
                    match *key {
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
    // Legend in a column right of the square plot.
    let mut leg = String::from("<g class=\"legend\">");
    let lx = f.left + f.width + 30.0;
    let mut ly = f.top + 10.0;
    for (sw, label) in &legend {
        let (piece, _) = svg::legend(lx, ly, std::slice::from_ref(&(sw.clone(), String::new())));
        leg += &piece;
        ly += wrap_text(&mut leg, lx + 30.0, ly + 4.0, label, 30);
        ly += 8.0;
    }
    leg.push_str("</g>");
    let height = (f.bottom() + 50.0).max(ly + 10.0);
    let title = format!("The outcome space seen by {xid} and {yid}");
    let mut s = svg::open(
        "chart-plane",
        height,
        &title,
        "Every package at mean parameters, the Pareto frontier, the solution points and where simulated agreements fall",
    );
    s += &body;
    s += &leg;
    s.push_str("</svg>");
    let pooled_note = format!(
        "Agreements are pooled over the {} deadlines (a run counts once per deadline it agreed at) and placed at mean parameters.",
        inp.report.deadlines.len()
    );
    notes.push(pooled_note);
    format!(
        "<h3>The outcome space for {} and {}</h3>\n<figure>{s}<figcaption>{}</figcaption></figure>\n",
        esc(xid),
        esc(yid),
        notes.iter().map(|n| esc(n)).collect::<Vec<_>>().join(" ")
    )
}

/// Writes `text` as lines of at most `width` characters starting at (x, y); returns the
/// height used.
fn wrap_text(out: &mut String, x: f64, y: f64, text: &str, width: usize) -> f64 {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let cur = lines.last_mut().expect("one line");
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
    }
    for (i, l) in lines.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{:.1}\">{}</text>",
            y + 15.0 * i as f64,
            esc(l)
        );
    }
    15.0 * lines.len() as f64
}

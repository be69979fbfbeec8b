//! `negsim report`: one self-contained HTML file (inline SVG and CSS; no scripts, fonts or
//! network) with the scenario, the results per deadline and the outcome space.
//!
//! Every number shown is also written in a machine-findable form: table cells carry
//! `data-k` (the JSON field) and `data-v` (the exact value, Rust's shortest round-trip
//! formatting, as in the JSON report); chart marks carry `data-*` attributes. This file holds
//! the page, the summary and the scenario; the charts of the results are in `run_charts.rs`,
//! the outcome space in `run_tables.rs` and `run_plane.rs`.

use super::run_charts::{agreement_section, deals_section, endings_section, utilities_section};
use super::run_tables::outcome_space_section;
use super::{num_cell, num_span};
use crate::engine::analysis::{Analysis, TooLarge};
use crate::engine::model::Model;
use crate::engine::montecarlo::Outcome;
use crate::error::InputError;
use crate::report::{Report, plural};
use crate::scenario::{Scenario, describe_param, fmt_num};
use crate::study::sensitivity::SensitivityReport;
use maud::{Markup, html};

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
    /// Which deadline the answer's sentences describe.
    pub view: &'a crate::report::View,
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
    let contents = [
        ("answer", "The answer"),
        ("summary", "Summary"),
        ("scenario", "The scenario"),
        ("agreement", "P(agreement) by deadline"),
        ("endings", "How the runs ended"),
        ("deals", "What the deals contain"),
        ("utilities", "Utility in agreements"),
        ("outcome-space", "The outcome space"),
    ];
    let body = html! {
        header {
            h1 { (r.scenario) } "\n"
            p class="meta" {
                (r.protocol) " protocol · " (num_span("runs", &r.runs.to_string(), &r.runs.to_string()))
                " Monte Carlo runs per deadline · seed " (num_span("seed", &r.seed.to_string(), &r.seed.to_string()))
                " · produced by negsim " (env!("CARGO_PKG_VERSION"))
            } "\n"
            @if !sc.description.is_empty() {
                p { (sc.description.trim()) } "\n"
            }
            @if r.partial {
                p class="warn" { "PARTIAL: the simulation was stopped early; fewer runs than requested were played." } "\n"
            }
        } "\n"
        nav {
            h2 { "Contents" }
            ol {
                @for (id, name) in contents {
                    li { a href={ "#" (id) } { (name) } }
                }
                @if inp.sensitivity.is_some() {
                    li { a href="#sensitivity" { "What drives the deal" } }
                }
                li { a href="#reproduce" { "Reproduce" } }
            }
        } "\n"
        (super::run_answer::answer_section(inp))
        (summary(inp))
        (scenario_section(inp))
        (agreement_section(inp))
        (endings_section(inp))
        (deals_section(inp))
        (utilities_section(inp))
        (outcome_space_section(inp))
        @match inp.sensitivity {
            Some(Ok(sr)) => (super::sensitivity::section(sr)),
            Some(Err(why)) => {
                section id="sensitivity" { h2 { "What drives the deal" } "\n" p class="note" { (why) } } "\n"
            }
            None => {}
        }
        section id="reproduce" {
            h2 { "Reproduce this report" } "\n"
            pre { code id="command" { (inp.command) } } "\n"
            p class="note" {
                "Master seed " b { (r.seed) } ". Run " i { "r" } " draws its parameters and its bargaining from its own ChaCha8 stream keyed by the seed, so the same command with the same negsim version (here " (env!("CARGO_PKG_VERSION")) ") and the same scenario file gives the same numbers, bit for bit, on any machine and with any number of threads."
            }
        } "\n"
    };
    super::page(&format!("negsim report: {}", r.scenario), body)
}

/// An optional number as (exact, shown with `decimals`): `null` and "–" when absent.
pub(super) fn opt_f(x: Option<f64>, decimals: usize) -> (String, String) {
    match x {
        Some(v) => (v.to_string(), format!("{v:.decimals$}")),
        None => ("null".into(), "–".into()),
    }
}

/// "12 weeks", "1 week".
pub(super) fn deadline_label(r: &Report, d: u32) -> String {
    format!("{d} {}", plural(&r.round_label, d))
}

/// A count of packages (which may exceed any integer type).
pub(super) fn size_text(n: u128) -> String {
    if n == u128::MAX {
        "more than 10^38".into()
    } else {
        n.to_string()
    }
}

/// A count as a number cell.
pub(super) fn count_cell(key: &str, n: u64) -> Markup {
    num_cell(key, &n.to_string(), &n.to_string())
}

fn summary(inp: &HtmlInput) -> Markup {
    let r = inp.report;
    let by_p = |a: &&crate::report::DeadlineReport, b: &&crate::report::DeadlineReport| {
        a.p_agreement.total_cmp(&b.p_agreement)
    };
    let range = r
        .deadlines
        .iter()
        .min_by(by_p)
        .zip(r.deadlines.iter().max_by(by_p));
    let l = &r.round_label;
    html! {
        section id="summary" {
            h2 { "Summary" } "\n"
            p id="question" data-mode=(r.mode) { b { "Question:" } " " (r.question) } "\n"
            @if let Some((lo, hi)) = range {
                p {
                    "The chance of an agreement ranges from " b { (format!("{:.0}%", 100.0 * lo.p_agreement)) }
                    " (deadline " (deadline_label(r, lo.deadline)) ") to " b { (format!("{:.0}%", 100.0 * hi.p_agreement)) }
                    " (deadline " (deadline_label(r, hi.deadline)) ") over the deadlines simulated. "
                    @if let Some(w) = &r.worlds {
                        "The runs are grouped into " (w.worlds) " worlds of " (w.runs_per_world) " runs, each world one draw of every uncertain number: intervals are the 95% intervals of the pooled estimate under common random numbers, and the answer above gives the spread of P across worlds."
                    } @else {
                        "Intervals are Wilson 95% intervals of the Monte Carlo estimate; the spread of the scenario's own uncertain numbers is already inside the probabilities (play worlds, --worlds K, to see it apart)."
                    }
                } "\n"
            }
            table id="summary-table" {
                thead { tr {
                    th { "deadline" } th class="n" { "runs" } th class="n" { "P(agreement)" } th class="n" { "95% interval" }
                    th class="n" { "agreements" } th class="n" { "walk-outs" } th class="n" { "expired" }
                    th class="n" { "mean " (l) } th class="n" { "median " (l) } th class="n" { "P if no walk-out" }
                    th { "walk-outs by" } th { "blocked by" }
                } }
                tbody {
                    "\n"
                    @for d in &r.deadlines {
                        @let (mr, mr_s) = opt_f(d.mean_round, 1);
                        @let med = d.median_round.map_or("null".into(), |m| m.to_string());
                        @let med_s = d.median_round.map_or("–".into(), |m| m.to_string());
                        @let (nw, nw_s) = opt_f(d.p_agreement_no_walkout, 3);
                        @let w: Vec<String> = d.walkout_share.iter().filter(|(_, x)| **x > 0.0).map(|(id, x)| format!("{id} {:.1}%", 100.0 * x)).collect();
                        tr data-deadline=(d.deadline) {
                            td { (deadline_label(r, d.deadline)) }
                            (count_cell("runs", d.runs))
                            (num_cell("p_agreement", &d.p_agreement.to_string(), &format!("{:.3}", d.p_agreement)))
                            td class="n" {
                                (num_span("ci_low", &d.ci95[0].to_string(), &format!("{:.3}", d.ci95[0])))
                                " – "
                                (num_span("ci_high", &d.ci95[1].to_string(), &format!("{:.3}", d.ci95[1])))
                            }
                            (count_cell("agreements", d.agreements))
                            (count_cell("walkouts", d.walkouts))
                            (count_cell("expired", d.expired))
                            (num_cell("mean_round", &mr, &mr_s))
                            (num_cell("median_round", &med, &med_s))
                            (num_cell("p_agreement_no_walkout", &nw, &nw_s))
                            td { @if w.is_empty() { "–" } @else { (w.join(", ")) } }
                            td data-k="blocker" data-v=(d.blocker.as_deref().unwrap_or("")) { (blocked_text(d)) }
                        } "\n"
                    }
                }
            } "\n"
            p class="note" { "Blocked by: the share of the runs without agreement in which each signatory rejected the last package on the table (several can reject the same text, so the shares need not add up to 100%); the first is the most frequent." }
        } "\n"
    }
}

/// Who blocked at a deadline, most often first: "russia 74%, europe 71%" ("–" for none).
fn blocked_text(d: &crate::report::DeadlineReport) -> String {
    let mut shares: Vec<(&String, f64)> = d
        .blocked_share
        .iter()
        .filter(|(_, x)| **x > 0.0)
        .map(|(id, x)| (id, *x))
        .collect();
    // Stable: ties keep the signatories' order.
    shares.sort_by(|a, b| b.1.total_cmp(&a.1));
    if shares.is_empty() {
        return "–".into();
    }
    let parts: Vec<String> = shares
        .iter()
        .map(|(id, x)| format!("{id} {:.0}%", 100.0 * x))
        .collect();
    parts.join(", ")
}

/// Background of a heat-map cell for a value in [0, 1] (blue, darker is larger) and the text
/// colour that stays readable on it.
fn heat(v: f64) -> String {
    let a = v.clamp(0.0, 1.0) * 0.85;
    let text = if a > 0.5 { "#fff" } else { "#000" };
    format!("background: rgba(0, 114, 178, {a:.3}); color: {text};")
}

fn scenario_section(inp: &HtmlInput) -> Markup {
    let sc = &inp.model.scenario;
    let sim = &sc.simulation;
    let weights: Vec<Vec<f64>> = sc.agents.iter().map(|a| a.mean_weights()).collect();
    html! {
        section id="scenario" {
            h2 { "The scenario" } "\n"
            p {
                "Protocol " b { (sim.protocol.as_str()) }
                @if let Some(m) = sim.mediator { ", mediator " b { (sc.agents[m].id) } }
                "; one round is one " (sim.round_label) ". " (sc.terms.len()) " terms, "
                (size_text(sc.outcome_space_size())) " packages in the outcome space; " (sc.agents.len()) " agents."
            } "\n"
            h3 { "Terms and options" } "\n"
            table id="terms" {
                thead { tr { th { "term" } th { "name" } th { "options (number: name)" } } }
                tbody {
                    "\n"
                    @for t in &sc.terms {
                        tr {
                            td { code { (t.id) } }
                            td { (t.name) }
                            td { @for (i, o) in t.options.iter().enumerate() { @if i > 0 { " · " } (i + 1) ": " (o) } }
                        } "\n"
                    }
                }
            } "\n"
            h3 { "Agents" } "\n"
            table id="agents" {
                thead { tr { th { "agent" } th { "signs?" } th { "reservation value" } th { "strategy" } th { "walk-out chance per round" } th { "clock" } th { "estimate noise" } th { "red lines" } } }
                tbody {
                    "\n"
                    @for (a, ag) in sc.agents.iter().enumerate() {
                        @let red: Vec<(&str, &str)> = sc.terms.iter().zip(&ag.red_lines).flat_map(|(t, r)| {
                            r.iter().enumerate().filter(|(_, x)| **x).map(move |(o, _)| (t.id.as_str(), t.options[o].as_str()))
                        }).collect();
                        @let role = if sim.mediator == Some(a) { "no (mediator)" } else if ag.signatory { "yes" } else { "no" };
                        @let clock = match ag.clock {
                            crate::scenario::Clock::Deadline => format!("deadline (belief {})", describe_param(&ag.deadline_belief)),
                            c => format!("{} {}s", c.label(), sim.round_label),
                        };
                        tr data-agent=(ag.id) {
                            td { b { (ag.id) } br; (ag.name) }
                            td { (role) }
                            td data-k="reservation" data-v=(ag.reservation.mean()) { (describe_param(&ag.reservation)) }
                            td { (ag.strategy.label()) }
                            td { (describe_param(&ag.walk_away)) }
                            td { (clock) }
                            td { (fmt_num(ag.estimate_noise)) }
                            td {
                                @if red.is_empty() { "–" }
                                @for (i, (t, o)) in red.iter().enumerate() { @if i > 0 { br; } (t) " = " (o) }
                            }
                        } "\n"
                    }
                }
            } "\n"
            p class="note" { "Uncertain numbers are shown as their distributions; every run samples them afresh." } "\n"
            // Weights heat map.
            h3 { "How much each agent cares about each term" } "\n"
            table id="weights" class="heat" {
                thead { tr { th { "agent" } @for t in &sc.terms { th class="n" { (t.id) } } } }
                tbody {
                    "\n"
                    @for ag in &sc.agents {
                        tr data-agent=(ag.id) {
                            td { (ag.id) }
                            @for (t, w) in sc.terms.iter().zip(ag.mean_weights()) {
                                td class="heat" style=(heat(w)) data-term=(t.id) data-v=(w) { (format!("{w:.2}")) }
                            }
                        } "\n"
                    }
                }
            } "\n"
            p class="note" { "Mean weights, normalized to sum 1 per agent (darker = more important)." } "\n"
            // Option values heat map.
            h3 { "What each option is worth to each agent" } "\n"
            table id="values" class="heat" {
                thead { tr { th { "term" } th { "option" } @for ag in &sc.agents { th class="n" { (ag.id) } } } }
                tbody {
                    "\n"
                    @for (t, term) in sc.terms.iter().enumerate() {
                        @for (o, opt) in term.options.iter().enumerate() {
                            tr {
                                td { @if o == 0 { (term.id) } }
                                td { (o + 1) ": " (opt) }
                                @for (a, ag) in sc.agents.iter().enumerate() {
                                    @if weights[a][t] <= 0.0 {
                                        td class="heat" { "·" }
                                    } @else {
                                        @let v = ag.values[t][o].mean();
                                        @let red = ag.red_lines[t][o];
                                        td class={ "heat" @if red { " red" } } style=(heat(v)) data-v=(v) {
                                            (format!("{v:.2}")) @if red { " ✕" }
                                        }
                                    }
                                }
                            } "\n"
                        }
                    }
                }
            } "\n"
            p class="note" { "Mean value of each option on the agent's own scale (0 = worst, 1 = best; darker = better); · = the agent gives the term no weight; ✕ (struck through) = a red line the agent never accepts." }
        } "\n"
    }
}

//! The outcome space of the run report: the solution points of the analysis and how far the
//! agreements fall from them, then the plane (`run_plane.rs`).

use super::num_cell;
use super::run::{HtmlInput, count_cell, deadline_label, opt_f};
use super::run_plane::plane;
use crate::engine::analysis::Analysis;
use crate::report::package_string;
use maud::{Markup, html};

pub(super) fn outcome_space_section(inp: &HtmlInput) -> Markup {
    html! {
        section id="outcome-space" {
            h2 { "The outcome space" } "\n"
            p class="note" {
                "Measured at the mean of every uncertain number: each package is placed by the signatories' utilities for it, the disagreement point is their mean reservation values. Only packages crossing no signatory's red line count. The "
                b { "Pareto frontier" } " holds the packages no other package improves for a signatory without hurting another; the "
                b { "Nash point" } " maximizes the product of the signatories' gains over their reservation values; the "
                b { "Kalai–Smorodinsky point" } " maximizes the smallest gain as a share of the signatory's largest possible gain; "
                b { "maximum welfare" } " maximizes the sum of the signatories' utilities. Distances are Euclidean, in the signatories' utility space (as GENIUS reports them)."
            } "\n"
            @match inp.analysis {
                Err(e) => { p class="warn" id="analysis-skipped" { "Outcome-space analysis " (e) "." } "\n" }
                Ok(a) => (analysis_tables(inp, a)),
            }
            (plane(inp))
        } "\n"
    }
}

fn analysis_tables(inp: &HtmlInput, a: &Analysis) -> Markup {
    let r = inp.report;
    let model = inp.model;
    let sc = &model.scenario;
    let solutions = [
        ("nash", "Nash point", &a.nash),
        (
            "kalai_smorodinsky",
            "Kalai–Smorodinsky point",
            &a.kalai_smorodinsky,
        ),
        ("max_welfare", "maximum welfare", &a.max_welfare),
    ];
    let n = a.frontier.len();
    html! {
        p { "Pareto frontier: " b data-k="pareto_size" data-v=(n) { (n) } " packages (one per distinct utility vector)." } "\n"
        @if let Some(note) = &r.outcome_space.note {
            p class="note" { (note) } "\n"
        }
        table id="solutions" {
            thead { tr { th { "point" } @for &s in &a.agents { th class="n" { (sc.agents[s].id) } } th { "package" } } }
            tbody {
                "\n"
                tr data-solution="reservation" {
                    td { "reservation (no deal)" }
                    @for (&s, v) in a.agents.iter().zip(&a.reservation) {
                        td class="n" data-agent=(sc.agents[s].id) data-v=(v) { (format!("{v:.3}")) }
                    }
                    td { "–" }
                } "\n"
                @for (key, label, p) in solutions {
                    tr data-solution=(key) {
                        td { (label) }
                        @match p {
                            None => td colspan=(a.agents.len() + 1) { "none: no package gives every signatory its reservation value" },
                            Some(p) => {
                                @for (&s, v) in a.agents.iter().zip(&p.utility) {
                                    td class="n" data-agent=(sc.agents[s].id) data-v=(v) { (format!("{v:.3}")) }
                                }
                                td { (package_string(model, &p.package)) }
                            }
                        }
                    } "\n"
                }
            }
        } "\n"
        h3 { "How far the agreements are from the frontier and from the Nash point" } "\n"
        table id="distances" {
            thead { tr { th { "deadline" } th class="n" { "agreements" } th class="n" { "mean distance to the Pareto frontier" } th class="n" { "mean distance to the Nash point" } } }
            tbody {
                "\n"
                @for d in &r.deadlines {
                    @let (p, ps) = opt_f(d.mean_distance_pareto, 3);
                    @let (n, ns) = opt_f(d.mean_distance_nash, 3);
                    tr data-deadline=(d.deadline) {
                        td { (deadline_label(r, d.deadline)) }
                        (count_cell("agreements", d.agreements))
                        (num_cell("mean_distance_pareto", &p, &ps))
                        (num_cell("mean_distance_nash", &n, &ns))
                    } "\n"
                }
            }
        } "\n"
        p class="note" { "0 = every agreement on the frontier (or at the Nash point). Each agreed package is measured at mean parameters, whatever its run sampled." } "\n"
    }
}

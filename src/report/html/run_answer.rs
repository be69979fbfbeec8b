//! The answer first, on the page: the same [`Answer`] the terminal report prints (P by each
//! deadline with both kinds of interval, which uncertainty dominates, what matters most, who
//! blocks, the likeliest deal, how the talks without a deal ended, caveats), as HTML.

use super::num_span;
use super::run::HtmlInput;
use crate::report::answer::Answer;
use maud::{Markup, html};

/// The "Answer" section at the top of the page.
pub(super) fn answer_section(inp: &HtmlInput) -> Markup {
    let mut a = Answer::new(inp.report, inp.model, inp.view);
    // The tornado's caveat (one assumption decides P) belongs with the answer too.
    if let Some(Ok(sr)) = inp.sensitivity {
        a.caveats.extend(sr.caveat.clone());
    }
    let worlds = a.headline.iter().any(|h| h.worlds.is_some());
    let f3 = |key: &str, x: f64| num_span(key, &x.to_string(), &format!("{x:.3}"));
    let f2 = |key: &str, x: f64| num_span(key, &x.to_string(), &format!("{x:.2}"));
    html! {
        section id="answer" {
            h2 { "The answer" } "\n"
            p id="answer-question" { (a.question) } "\n"
            table id="answer-table" {
                thead { tr {
                    th { (a.by_label) } th class="n" { "P(deal)" } th class="n" { "95% interval" }
                    @if worlds {
                        th class="n" title="5th percentile of P across worlds" { "worlds 5%" }
                        th class="n" title="median of P across worlds" { "median" }
                        th class="n" title="95th percentile of P across worlds" { "95%" }
                    }
                } }
                tbody {
                    "\n"
                    @for h in &a.headline {
                        tr data-answer-deadline=(h.deadline) {
                            td { (h.deadline) }
                            td class="n" { (f3("p_agreement", h.p)) }
                            td class="n" { "[" (f3("ci_low", h.ci95[0])) ", " (f3("ci_high", h.ci95[1])) "]" }
                            @if let Some([p05, p50, p95]) = h.worlds {
                                td class="n" { (f2("p05", p05)) }
                                td class="n" { (f2("p50", p50)) }
                                td class="n" { (f2("p95", p95)) }
                            } @else if worlds {
                                td class="n" { "–" } td class="n" { "–" } td class="n" { "–" }
                            }
                        } "\n"
                    }
                }
            } "\n"
            @if let Some(t) = &a.dominance {
                p id="answer-dominance" { (t) } "\n"
            }
            p id="answer-matters" { (a.matters) } "\n"
            p id="answer-blockers" { (a.blockers) } "\n"
            p id="answer-deal" { (a.deal) } "\n"
            p id="answer-endings" { (a.endings) } "\n"
            @for c in &a.caveats {
                p class="warn caveat" { b { "Caveat: " } (c) } "\n"
            }
        } "\n"
    }
}

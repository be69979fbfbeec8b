//! The answer block ([`crate::report::Answer`]) as HTML: the fragment `negsim serve` shows
//! above its chart, from the same view model as the terminal's answer.

use crate::report::Answer;
use maud::{Markup, html};

/// The answer block: P by each deadline with its interval (and the worlds' spread, when
/// played), then the sentences and caveats.
pub fn fragment(a: &Answer) -> Markup {
    let worlds = a.headline.iter().any(|h| h.worlds.is_some());
    html! {
        div class="answer" {
            p class="question" { b { "Question: " } (a.question) }
            table class="headline" {
                tr {
                    th { (a.by_label) } th { "P(deal)" } th { "95% interval" }
                    @if worlds { th { "across worlds: 5% · median · 95%" } }
                }
                @for h in &a.headline {
                    tr data-deadline=(h.deadline) {
                        td { (h.deadline) }
                        td { (format!("{:.3}", h.p)) }
                        td { (format!("[{:.3}, {:.3}]", h.ci95[0], h.ci95[1])) }
                        @if let Some([lo, mid, hi]) = h.worlds {
                            td { (format!("{lo:.2} · {mid:.2} · {hi:.2}")) }
                        }
                    }
                }
            }
            @if let Some(d) = &a.dominance { p { (d) } }
            @for t in [&a.matters, &a.blockers, &a.deal, &a.endings] {
                @if !t.is_empty() { p { (t) } }
            }
            @for c in &a.caveats { p class="caveat" { b { "Caveat: " } (c) } }
        }
    }
}

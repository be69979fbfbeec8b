//! The answer first: what a reader needs from a report in a few sentences (how likely a
//! deal is by when, with both kinds of interval; the most likely deal in the scenario's own
//! names; who blocks; how the talks without a deal ended; what matters most), built once as
//! data and rendered as text here (the HTML page renders the same [`Answer`]).

use super::{DeadlineReport, Report};
use crate::engine::model::Model;
use crate::error::InputError;
use crate::scenario::Scenario;
use std::fmt::Write as _;

/// How a report is laid out for reading: which deadline's deals it details, and how wide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The deadline whose deals are detailed (`None`: the middle one).
    pub detail: Option<u32>,
    /// Detail every deadline's deals.
    pub all_deadlines: bool,
    /// Columns to wrap the text at.
    pub width: usize,
}

impl Default for View {
    fn default() -> View {
        View {
            detail: None,
            all_deadlines: false,
            width: 80,
        }
    }
}

impl View {
    /// A view detailing `detail` (which must be one of `deadlines`), 80 columns wide.
    pub fn new(
        sc: &Scenario,
        deadlines: &[u32],
        detail: Option<u32>,
        all_deadlines: bool,
    ) -> Result<View, InputError> {
        if let Some(d) = detail.filter(|d| !deadlines.contains(d)) {
            let list: Vec<String> = deadlines.iter().map(u32::to_string).collect();
            return Err(InputError::new(
                "--detail",
                format!(
                    "{d} is not one of the {} of this request",
                    if sc.simulation.open_ended() {
                        "checkpoints"
                    } else {
                        "deadlines"
                    }
                ),
            )
            .with_help(format!("give one of {}", list.join(", "))));
        }
        Ok(View {
            detail,
            all_deadlines,
            width: 80,
        })
    }

    /// The index (in the report's order) of the deadline to detail.
    pub fn detail_index(&self, report: &Report) -> usize {
        let n = report.deadlines.len();
        if let Some(i) = self
            .detail
            .and_then(|d| report.deadlines.iter().position(|r| r.deadline == d))
        {
            return i;
        }
        // The middle deadline by value, so that the order they were given in does not matter.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| report.deadlines[i].deadline);
        order.get(n / 2).copied().unwrap_or(0)
    }
}

/// One row of the headline: P by one deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// The deadline.
    pub deadline: u32,
    /// Pooled P(agreement).
    pub p: f64,
    /// Its 95% interval.
    pub ci95: [f64; 2],
    /// 5th, 50th and 95th percentile of P across worlds.
    pub worlds: Option<[f64; 3]>,
}

/// The answer block of a report, as data.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The question, in words.
    pub question: String,
    /// The heading of the deadline column ("by week", "deadline").
    pub by_label: String,
    /// P by each deadline, in the report's order.
    pub headline: Vec<Headline>,
    /// Which uncertainty dominates, in words (with worlds only).
    pub dominance: Option<String>,
    /// The deadline the sentences below describe.
    pub detail: u32,
    /// The most likely deal there, in words.
    pub deal: String,
    /// Who blocks there, in words.
    pub blockers: String,
    /// How the talks without a deal ended there, in words.
    pub endings: String,
    /// What matters most, in words.
    pub matters: String,
    /// Caveats: when P is decided by the assumptions.
    pub caveats: Vec<String>,
}

/// "by week 26" or "with a deadline of 26 weeks".
fn by(report: &Report, d: u32) -> String {
    crate::study::caveat::at_deadline(report.horizon.is_some(), &report.round_label, d)
}

fn pct(x: f64) -> String {
    let v = 100.0 * x;
    if v > 0.0 && v < 0.5 {
        "under 1%".to_string()
    } else {
        format!("{v:.0}%")
    }
}

impl Answer {
    /// The answer of `report` for `model`, describing the deadline `view` details.
    pub fn new(report: &Report, model: &Model, view: &View) -> Answer {
        let sc = &model.scenario;
        let i = view.detail_index(report);
        let d = &report.deadlines[i];
        let at = by(report, d.deadline);
        let headline = report
            .deadlines
            .iter()
            .map(|r| Headline {
                deadline: r.deadline,
                p: r.p_agreement,
                ci95: r.ci95,
                worlds: r.worlds.as_ref().map(|w| [w.p05, w.p50, w.p95]),
            })
            .collect();
        let name_of = |id: &str| {
            sc.agents
                .iter()
                .find(|a| a.id == id)
                .map_or(id.to_string(), |a| a.name.clone())
        };
        let mut caveats = Vec::new();
        let dominance = d.worlds.as_ref().map(|w| {
            let half = (d.ci95[1] - d.ci95[0]) / 2.0;
            let range = w.p95 - w.p05;
            let noise = w.assumption_share.map_or(String::new(), |s| {
                if s < 0.8 {
                    format!(
                        " (about {} of that spread is the {} runs per world: give more --runs)",
                        pct(1.0 - s),
                        report.worlds.as_ref().map_or(0, |k| k.runs_per_world)
                    )
                } else {
                    String::new()
                }
            });
            if range > 4.0 * half.max(0.005) {
                caveats.extend(crate::study::caveat::worlds_spread(&at, w.p05, w.p95));
                format!(
                    "What we don't know dominates: across worlds P {at} spans {:.2} to {:.2} (5th to 95th percentile){noise}; the Monte Carlo error is ±{half:.2}.",
                    w.p05, w.p95
                )
            } else {
                if w.p95 == 0.0 {
                    format!("No world reaches a deal {at}.")
                } else {
                    format!(
                        "Monte Carlo noise dominates: the worlds agree (P {at} from {:.2} to {:.2} across them) within the interval of ±{half:.3}.",
                        w.p05, w.p95
                    )
                }
            }
        });
        Answer {
            question: report.question.clone(),
            by_label: if report.horizon.is_some() {
                format!("by {}", report.round_label)
            } else {
                "deadline".to_string()
            },
            headline,
            dominance,
            detail: d.deadline,
            deal: deal(model, d, &at),
            blockers: blockers(d, &at, &name_of),
            endings: endings(report, d, &at, &name_of),
            matters: matters(report, d, &at),
            caveats,
        }
    }

    /// Renders the block as text wrapped at `width` columns.
    pub fn to_text(&self, width: usize) -> String {
        let mut s = String::new();
        let wrap = |s: &mut String, text: &str| {
            let opts = textwrap::Options::new(width.max(40))
                .subsequent_indent("  ")
                .word_splitter(textwrap::WordSplitter::NoHyphenation);
            for line in textwrap::wrap(text, opts) {
                let _ = writeln!(s, "{line}");
            }
        };
        let worlds = self.headline.iter().any(|h| h.worlds.is_some());
        let _ = writeln!(
            s,
            "{:>8}  {:>7}  {:>14}{}",
            self.by_label,
            "P(deal)",
            "95% interval",
            if worlds {
                "  across worlds: 5%  median  95%"
            } else {
                ""
            }
        );
        for h in &self.headline {
            let _ = write!(
                s,
                "{:>8}  {:>7.3}  [{:.3}, {:.3}]",
                h.deadline, h.p, h.ci95[0], h.ci95[1]
            );
            if let Some([a, b, c]) = h.worlds {
                let _ = write!(s, "                {a:>4.2}    {b:>4.2}  {c:>4.2}");
            }
            let _ = writeln!(s);
        }
        if let Some(t) = &self.dominance {
            wrap(&mut s, t);
        }
        for t in [&self.matters, &self.blockers, &self.deal, &self.endings] {
            wrap(&mut s, t);
        }
        for c in &self.caveats {
            wrap(&mut s, &format!("Caveat: {c}"));
        }
        s
    }
}

fn deal(model: &Model, d: &DeadlineReport, at: &str) -> String {
    let Some(top) = d.top_packages.first() else {
        return format!("No deal {at} in any run.");
    };
    let sc = &model.scenario;
    let parts: Vec<String> = sc
        .terms
        .iter()
        .map(|t| {
            let o = &top.package[&t.id];
            let k = t.options.iter().position(|x| x == o).unwrap_or(0);
            format!("{}: {}", t.name, t.labels[k])
        })
        .collect();
    format!(
        "Likeliest deal {at} ({} of the deals): {}.",
        pct(top.share),
        parts.join("; ")
    )
}

fn blockers(d: &DeadlineReport, at: &str, name_of: &dyn Fn(&str) -> String) -> String {
    let without = d.runs - d.agreements;
    if without == 0 {
        return format!("Every run reached a deal {at}: nobody blocked.");
    }
    let mut shares: Vec<(&String, f64)> = d
        .blocked_share
        .iter()
        .filter(|(_, s)| **s > 0.0)
        .map(|(id, s)| (id, *s))
        .collect();
    // Largest first; the file order breaks ties.
    shares.sort_by(|a, b| b.1.total_cmp(&a.1));
    if shares.is_empty() {
        return format!("Without a deal {at}, no signatory had rejected a text yet.");
    }
    let list: Vec<String> = shares
        .iter()
        .map(|(id, s)| format!("{} {}", name_of(id), pct(*s)))
        .collect();
    format!(
        "Who blocks {at} (share of the runs without a deal in which each rejected the last text): {}.",
        list.join(", ")
    )
}

fn endings(
    report: &Report,
    d: &DeadlineReport,
    at: &str,
    name_of: &dyn Fn(&str) -> String,
) -> String {
    if d.runs == 0 {
        return String::new();
    }
    let n = d.runs as f64;
    let mut walk: Vec<(&String, f64)> = d
        .walkout_share
        .iter()
        .filter(|(_, s)| **s > 0.0)
        .map(|(id, s)| (id, *s))
        .collect();
    walk.sort_by(|a, b| b.1.total_cmp(&a.1));
    let walks = if walk.is_empty() {
        "none ended by a walk-out".to_string()
    } else {
        let list: Vec<String> = walk
            .iter()
            .map(|(id, s)| format!("{} {}", name_of(id), pct(*s)))
            .collect();
        format!(
            "{} ended by a walk-out ({})",
            pct(d.walkouts as f64 / n),
            list.join(", ")
        )
    };
    let rest = if report.horizon.is_some() {
        "were still going"
    } else {
        "reached the deadline"
    };
    format!(
        "Without a deal {at}: of all runs, {walks}; {} {rest}.",
        pct(d.expired as f64 / n)
    )
}

fn matters(report: &Report, d: &DeadlineReport, at: &str) -> String {
    let pointer = "`negsim sensitivity` ranks every uncertain number.";
    let Some(w) = &d.worlds else {
        return format!(
            "What matters most: not measured in this run; play worlds (--worlds 200) for a quick ranking, or {pointer}"
        );
    };
    let k = report.worlds.as_ref().map_or(0, |k| k.worlds);
    // Below about 2/√K a rank correlation is within the noise of K worlds.
    let threshold = 2.0 / (k.max(1) as f64).sqrt();
    match w.drivers.first() {
        Some(top) if top.rank_correlation.abs() >= threshold => format!(
            "What matters most: {} (the higher, the {} likely a deal {at}: rank correlation {:+.2} across {k} worlds).",
            top.label,
            if top.rank_correlation > 0.0 {
                "more"
            } else {
                "less"
            },
            top.rank_correlation,
        ),
        _ => format!(
            "What matters most: no single uncertain number stands out across {k} worlds. {pointer}"
        ),
    }
}

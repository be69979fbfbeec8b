//! The run report as text for a terminal: the answer first, then the details.

use super::*;
use crate::engine::model::Model;
use crate::scenario::thousands;
use std::fmt::Write as _;

impl Report {
    /// Renders as a readable report for a terminal, 80 columns wide, detailing the middle
    /// deadline's deals.
    pub fn to_table(&self, model: &Model) -> String {
        self.to_table_view(model, &View::default())
    }

    /// Renders as a readable report for a terminal: the answer first (see [`Answer`]), then
    /// the details, wrapped at `view.width` columns.
    pub fn to_table_view(&self, model: &Model, view: &View) -> String {
        let mut s = String::new();
        let width = view.width.max(40);
        let wrap = |s: &mut String, indent: &str, text: &str| {
            let opts = textwrap::Options::new(width)
                .word_splitter(textwrap::WordSplitter::NoHyphenation)
                .initial_indent(indent)
                .subsequent_indent(&"      "[..indent.len().min(6) + 2]);
            for line in textwrap::wrap(text, opts) {
                let _ = writeln!(s, "{line}");
            }
        };
        let label = &self.round_label;
        let _ = writeln!(s, "{}", self.scenario);
        let runs = match &self.worlds {
            Some(w) => format!(
                "{} worlds x {} runs",
                thousands(w.worlds),
                thousands(w.runs_per_world)
            ),
            None => format!("{} runs per deadline", thousands(self.runs)),
        };
        wrap(&mut s, "", &format!("{}.", self.short_question()));
        if self.partial {
            let _ = writeln!(s, "PARTIAL: stopped early, {} runs played.", self.runs);
        }
        s.push_str(&Answer::new(self, model, view).to_text(width));
        let open = self.horizon.is_some();
        let _ = writeln!(s);
        wrap(
            &mut s,
            "",
            &format!(
                "Details ({runs}, {} protocol, seed {})",
                self.protocol, self.seed
            ),
        );
        let header = [
            if open { "by" } else { "deadline" }.to_string(),
            "agreements".into(),
            "walk-outs".into(),
            if open { "going on" } else { "expired" }.into(),
            format!("mean {label}"),
            "P if no walk-out".into(),
        ];
        let rows: Vec<[String; 6]> = self
            .deadlines
            .iter()
            .map(|d| {
                [
                    d.deadline.to_string(),
                    d.agreements.to_string(),
                    d.walkouts.to_string(),
                    d.expired.to_string(),
                    d.mean_round.map_or("-".into(), |m| format!("{m:.1}")),
                    d.p_agreement_no_walkout
                        .map_or("-".into(), |p| format!("{p:.3}")),
                ]
            })
            .collect();
        // Each column as wide as its widest cell ("mean session"), and at least the usual.
        let mut widths = [8, 10, 9, 8, 9, 16];
        for r in std::iter::once(&header).chain(&rows) {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for r in std::iter::once(&header).chain(&rows) {
            let cells: Vec<String> = r
                .iter()
                .zip(widths)
                .map(|(c, w)| format!("{c:>w$}"))
                .collect();
            let _ = writeln!(s, "{}", cells.join("  "));
        }
        let _ = writeln!(s);
        wrap(
            &mut s,
            "",
            "How the runs without agreement ended (walk-outs by agent; blocked = share of the runs without a deal in which each rejected the last text):",
        );
        for d in &self.deadlines {
            let walk: Vec<String> = d
                .walkouts_by
                .iter()
                .filter(|(_, c)| **c > 0)
                .map(|(id, c)| format!("{id} {c} ({:.1}%)", 100.0 * d.walkout_share[id]))
                .collect();
            let blocked: Vec<String> = d
                .blocked_share
                .iter()
                .filter(|(_, sh)| **sh > 0.0)
                .map(|(id, sh)| format!("{id} {:.0}%", 100.0 * sh))
                .collect();
            wrap(
                &mut s,
                "  ",
                &format!(
                    "{} {}: walk-outs [{}], {} {}, blocked [{}]",
                    d.deadline,
                    plural(label, d.deadline),
                    if walk.is_empty() {
                        "none".to_string()
                    } else {
                        walk.join(", ")
                    },
                    if open { "still going" } else { "expired" },
                    d.expired,
                    if blocked.is_empty() {
                        "none".to_string()
                    } else {
                        blocked.join(", ")
                    },
                ),
            );
        }
        let detail = view.detail_index(self);
        for (i, d) in self.deadlines.iter().enumerate() {
            if !view.all_deadlines && i != detail {
                continue;
            }
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "Deals within {} {} ({} agreements, median {} {}):",
                d.deadline,
                plural(label, d.deadline),
                d.agreements,
                label,
                d.median_round.map_or("-".into(), |m| m.to_string())
            );
            if d.agreements == 0 {
                let _ = writeln!(s, "  none");
                continue;
            }
            if let Some(note) = &d.top_packages_note {
                let _ = writeln!(s, "  most frequent packages {note}");
            }
            for p in &d.top_packages {
                let pk: Vec<String> = p.package.iter().map(|(t, o)| format!("{t}={o}")).collect();
                wrap(
                    &mut s,
                    "  ",
                    &format!("{:>5.1}%  {}", 100.0 * p.share, pk.join(" ")),
                );
            }
            let _ = writeln!(s, "  option shares:");
            for (term, opts) in &d.option_shares {
                let parts: Vec<String> = opts
                    .iter()
                    .map(|(o, sh)| format!("{o} {:.0}%", 100.0 * sh))
                    .collect();
                wrap(&mut s, "    ", &format!("{term}: {}", parts.join(", ")));
            }
            if let Some(dp) = d.mean_distance_pareto {
                wrap(
                    &mut s,
                    "  ",
                    &format!(
                        "mean distance to the Pareto frontier {dp:.3}{} (mean-parameter utilities)",
                        d.mean_distance_nash
                            .map_or(String::new(), |dn| format!(", to the Nash point {dn:.3}"))
                    ),
                );
            }
            let _ = writeln!(s, "  mean utility in agreements (gain over reservation):");
            for (a, agent) in model.scenario.agents.iter().enumerate() {
                let o = &d.agents[a];
                if let (Some(u), Some(g)) = (o.mean_utility, o.mean_gain) {
                    let disc = match o.mean_discounted_utility {
                        Some(Some(d)) => format!(", discounted {d:.3}"),
                        _ => String::new(),
                    };
                    let _ = writeln!(
                        s,
                        "    {:<16} {:.3} ({}{:.3}){disc}",
                        agent.id,
                        u,
                        if g >= 0.0 { "+" } else { "" },
                        g
                    );
                }
            }
        }
        if !view.all_deadlines && self.deadlines.len() > 1 {
            let _ = writeln!(s);
            wrap(
                &mut s,
                "",
                "(the deals of the other deadlines: --all-deadlines; another one: --detail D)",
            );
        }
        s
    }
}

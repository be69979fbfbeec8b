//! `negsim check` as text: the scenario summarized, then the quick look at what the result
//! hangs on. JSON is serde's rendering of the same [`Check`].

use crate::scenario::fmt_num;
use crate::study::check::hangs_on::{HangsOn, OAT_RUNS, RUNS_PER_WORLD};
use crate::study::check::{Check, ENUMERATION_LIMIT, Summary};
use crate::study::estimate;
use std::fmt::Write as _;

impl Check {
    /// The whole text of `negsim check`.
    pub fn to_text(&self) -> String {
        let mut s = self.summary.to_text();
        if let Some(look) = &self.hangs_on {
            s.push_str(&look.to_text(&self.summary.round_label));
        }
        s
    }

    /// The whole report as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a check summary serializes");
        s.push('\n');
        s
    }
}

impl Summary {
    /// The scenario summarized for a terminal (the text of `negsim check --no-look`).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Scenario: {}", self.name);
        if !self.description.is_empty() {
            let _ = writeln!(s, "  {}", self.description);
        }
        let mediator = self
            .mediator
            .as_ref()
            .map(|m| format!(" (mediator: {m})"))
            .unwrap_or_default();
        let list = self
            .deadlines
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let label = &self.round_label;
        let time = match self.horizon {
            Some(h) => format!("open-ended talks of up to {h} {label}s, read at {list}"),
            None => format!("deadlines: {list} {label}s"),
        };
        let _ = writeln!(
            s,
            "Protocol: {}{mediator}; {time}; {} runs per deadline; seed {}",
            self.protocol, self.runs, self.seed
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Terms: {} ({} packages in the outcome space)",
            self.terms.len(),
            self.packages
                .map_or_else(|| "more than 10^38".to_string(), |n| n.to_string())
        );
        for t in &self.terms {
            let _ = writeln!(s, "  {:<20} {}: {}", t.id, t.name, t.options.join(" | "));
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "Agents (weights at their means, normalized to sum 1):");
        for a in &self.agents {
            let role = if a.signatory {
                ", signatory"
            } else {
                ", not a signatory"
            };
            let _ = writeln!(s, "  {} ({}){role}", a.id, a.name);
            let delay = a
                .delay_cost
                .as_ref()
                .map(|d| format!(", delay cost {d} per {label}"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "    reservation {}, strategy {}, walk-out {} per {label}, {}{delay}",
                a.reservation, a.strategy, a.walk_away, a.clock
            );
            let w: Vec<String> = a
                .weights
                .iter()
                .map(|(t, w)| format!("{t} {}", fmt_num(*w)))
                .collect();
            let _ = writeln!(s, "    weights: {}", w.join(", "));
            if !a.red_lines.is_empty() {
                let _ = writeln!(s, "    red lines: {}", a.red_lines.join(", "));
            }
        }
        let _ = writeln!(
            s,
            "  {} uncertain parameters (distributions), sampled afresh in every run",
            self.uncertain
        );
        let _ = writeln!(s);
        for t in &self.impossible_terms {
            let _ = writeln!(
                s,
                "warning: every option of term `{t}` is a signatory's red line: no agreement is possible"
            );
        }
        match &self.zopa {
            None => {
                let _ = writeln!(
                    s,
                    "Zone of possible agreement: not computed (the outcome space has more than {ENUMERATION_LIMIT} packages)"
                );
            }
            Some(z) => {
                let _ = writeln!(
                    s,
                    "Zone of possible agreement at mean parameters: {} of {} packages ({:.1}%) are acceptable to every signatory",
                    z.acceptable,
                    z.total,
                    100.0 * z.acceptable as f64 / z.total as f64
                );
                let _ = writeln!(
                    s,
                    "  (utility at least the reservation value, no red line crossed)"
                );
                if !z.best.is_empty() {
                    let _ = writeln!(s, "  largest product of the signatories' gains:");
                    for (prod, pkg) in &z.best {
                        let _ = writeln!(s, "    {prod:.4}  {pkg}");
                    }
                }
            }
        }
        let _ = writeln!(s);
        let a = &self.analysis;
        if let Some(why) = &a.skipped {
            let _ = writeln!(s, "Outcome-space analysis: {why}");
            return s;
        }
        let _ = writeln!(
            s,
            "Outcome-space analysis at mean parameters (utilities of {}; reservation {}):",
            a.signatories.join(", "),
            a.reservation
                .iter()
                .map(|r| format!("{r:.3}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            s,
            "  Pareto frontier: {} packages (none crossing a signatory's red line)",
            a.pareto_size
        );
        for p in &a.points {
            match &p.point {
                None => {
                    let _ = writeln!(
                        s,
                        "  {}: none (no package gives every signatory its reservation value)",
                        p.label
                    );
                }
                Some((utility, package)) => {
                    let u: Vec<String> = utility.iter().map(|u| format!("{u:.3}")).collect();
                    let _ = writeln!(s, "  {}: utilities {}", p.label, u.join(", "));
                    let _ = writeln!(s, "    {package}");
                }
            }
        }
        s
    }
}

impl HangsOn {
    /// The look as a section of `check`'s text.
    pub fn to_text(&self, round_label: &str) -> String {
        let mut s = String::from(
            "\nWhat the result hangs on (a quick look; `run` and `sensitivity` give the numbers):\n",
        );
        match self {
            HangsOn::Certain => {
                s.push_str("  every number is fixed: there is one world, and the intervals of `run` are Monte Carlo noise only\n");
            }
            HangsOn::TooSlow { seconds: secs } => {
                let _ = writeln!(
                    s,
                    "  skipped: it would take about {} here; run `negsim run --worlds K` and `negsim sensitivity` for it",
                    estimate::describe(*secs)
                );
            }
            HangsOn::Look {
                worlds,
                seed,
                spread,
                zopa_share,
                oat_deadline,
                swings,
                caveats,
            } => {
                let _ = writeln!(
                    s,
                    "  {worlds} worlds x {RUNS_PER_WORLD} runs (seed {seed}), each world one draw of every uncertain number:"
                );
                let _ = writeln!(
                    s,
                    "  {:>10}  {:>6}  across worlds: 5%  median  95%",
                    round_label, "P"
                );
                for r in spread {
                    let [a, b, c] = r.percentiles;
                    let _ = writeln!(
                        s,
                        "  {:>10}  {:>6.2}                {a:>4.2}    {b:>4.2}  {c:>4.2}",
                        r.deadline, r.pooled
                    );
                }
                if let Some(z) = zopa_share {
                    let _ = writeln!(
                        s,
                        "  a zone of agreement exists in {:.0}% of the worlds",
                        100.0 * z
                    );
                }
                let _ = writeln!(
                    s,
                    "  largest swings of P at {oat_deadline} across one factor's range ({OAT_RUNS} runs per end):"
                );
                for (label, path, swing) in swings {
                    let _ = writeln!(s, "    {swing:+.2}  {label}  ({path})");
                }
                for c in caveats {
                    let opts = textwrap::Options::new(80)
                        .initial_indent("  Caveat: ")
                        .subsequent_indent("    ");
                    for line in textwrap::wrap(c, opts) {
                        let _ = writeln!(s, "{line}");
                    }
                }
            }
        }
        s
    }
}

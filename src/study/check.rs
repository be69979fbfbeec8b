//! `negsim check`: a validated scenario summarized, with the zone of possible agreement at
//! mean parameters.

use crate::engine::analysis::Analysis;
use crate::engine::model::Model;
use crate::engine::offer::for_each_package;
use crate::scenario::{Scenario, describe_param, fmt_num};
use crate::study::run::package_string;
use std::fmt::Write as _;

pub mod hangs_on;

/// Largest outcome space that `check` enumerates.
pub const ENUMERATION_LIMIT: u128 = 5_000_000;

/// The zone of possible agreement at mean parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Zopa {
    /// Packages in the outcome space.
    pub total: u128,
    /// Packages every signatory accepts at its reservation value (crossing no red line).
    pub acceptable: u64,
    /// Up to five acceptable packages with the largest product of signatories' gains.
    pub best: Vec<(Vec<u8>, f64)>,
}

/// Counts the packages acceptable to all signatories at mean parameters; `None` when the
/// outcome space is larger than [`ENUMERATION_LIMIT`].
pub fn zopa(sc: &Scenario) -> Option<Zopa> {
    let total = sc.outcome_space_size();
    if total > ENUMERATION_LIMIT {
        return None;
    }
    let model = Model::new(sc);
    let inst = model.mean_instance();
    let sigs = sc.signatories();
    let no = model.n_opts;
    let mut acceptable = 0u64;
    let mut best: Vec<(Vec<u8>, f64)> = Vec::new();
    for_each_package(&model, |pkg| {
        let mut product = 1.0;
        for &s in &sigs {
            if pkg
                .iter()
                .enumerate()
                .any(|(t, &o)| model.red[s * no + model.offsets[t] + o as usize])
            {
                return;
            }
            let gain = inst.utility(&model, s, pkg) - inst.reservation[s];
            if gain < 0.0 {
                return;
            }
            product *= gain;
        }
        acceptable += 1;
        if best.len() < 5 || product > best[best.len() - 1].1 {
            best.push((pkg.to_vec(), product));
            best.sort_by(|a, b| b.1.total_cmp(&a.1));
            best.truncate(5);
        }
    });
    Some(Zopa {
        total,
        acceptable,
        best,
    })
}

/// The text printed by `negsim check`.
pub fn summary(sc: &Scenario) -> String {
    let mut s = String::new();
    let sim = &sc.simulation;
    let _ = writeln!(s, "Scenario: {}", sc.name);
    if !sc.description.is_empty() {
        let _ = writeln!(s, "  {}", sc.description.trim());
    }
    let mediator = sim
        .mediator
        .map(|m| format!(" (mediator: {})", sc.agents[m].id))
        .unwrap_or_default();
    let list = sim
        .deadlines
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let time = match sim.horizon {
        Some(h) => format!(
            "open-ended talks of up to {h} {}s, read at {list}",
            sim.round_label
        ),
        None => format!("deadlines: {list} {}s", sim.round_label),
    };
    let _ = writeln!(
        s,
        "Protocol: {}{mediator}; {time}; {} runs per deadline; seed {}",
        sim.protocol.as_str(),
        sim.runs,
        sim.seed
    );
    let _ = writeln!(s);
    let total = sc.outcome_space_size();
    let _ = writeln!(
        s,
        "Terms: {} ({} packages in the outcome space)",
        sc.terms.len(),
        if total == u128::MAX {
            "more than 10^38".to_string()
        } else {
            total.to_string()
        }
    );
    for t in &sc.terms {
        let _ = writeln!(s, "  {:<20} {}: {}", t.id, t.name, t.options.join(" | "));
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "Agents (weights at their means, normalized to sum 1):");
    for a in &sc.agents {
        let _ = writeln!(
            s,
            "  {} ({}){}",
            a.id,
            a.name,
            if a.signatory {
                ", signatory"
            } else {
                ", not a signatory"
            }
        );
        let clock = match a.clock {
            crate::scenario::Clock::Deadline => {
                format!("deadline belief {}", describe_param(&a.deadline_belief))
            }
            c => format!("clock {} {}s", c.label(), sim.round_label),
        };
        let delay = if a.delay_cost.mean() > 0.0 || a.delay_cost.is_uncertain() {
            format!(
                ", delay cost {} per {}",
                describe_param(&a.delay_cost),
                sim.round_label
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "    reservation {}, strategy {}, walk-out {} per {}, {clock}{delay}",
            describe_param(&a.reservation),
            a.strategy.label(),
            describe_param(&a.walk_away),
            sim.round_label,
        );
        let w: Vec<String> = sc
            .terms
            .iter()
            .zip(a.mean_weights())
            .filter(|(_, w)| *w > 0.0)
            .map(|(t, w)| format!("{} {}", t.id, fmt_num(w)))
            .collect();
        let _ = writeln!(s, "    weights: {}", w.join(", "));
        let red: Vec<String> = sc
            .terms
            .iter()
            .zip(&a.red_lines)
            .flat_map(|(t, r)| {
                r.iter()
                    .enumerate()
                    .filter(|(_, x)| **x)
                    .map(move |(o, _)| format!("{}={}", t.id, t.options[o]))
            })
            .collect();
        if !red.is_empty() {
            let _ = writeln!(s, "    red lines: {}", red.join(", "));
        }
    }
    let uncertain = crate::study::sensitivity::factors::scenario_factors(sc).len();
    let _ = writeln!(
        s,
        "  {uncertain} uncertain parameters (distributions), sampled afresh in every run"
    );
    let _ = writeln!(s);
    for (t, allowed) in sc.terms.iter().zip(sc.publicly_allowed()) {
        if !allowed.iter().any(|a| *a) {
            let _ = writeln!(
                s,
                "warning: every option of term `{}` is a signatory's red line: no agreement is possible",
                t.id
            );
        }
    }
    match zopa(sc) {
        None => {
            let _ = writeln!(
                s,
                "Zone of possible agreement: not computed (the outcome space has more than {ENUMERATION_LIMIT} packages)"
            );
        }
        Some(z) => {
            let model = Model::new(sc);
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
                for (pkg, prod) in &z.best {
                    let _ = writeln!(s, "    {:.4}  {}", prod, package_string(&model, pkg));
                }
            }
        }
    }
    let _ = writeln!(s);
    s.push_str(&outcome_analysis(&Model::new(sc)));
    s
}

/// The outcome-space analysis as printed by `check`: frontier size and the Nash,
/// Kalai–Smorodinsky and maximum-welfare packages with the signatories' utilities.
pub fn outcome_analysis(model: &Model) -> String {
    let mut s = String::new();
    let sc = &model.scenario;
    let a = match Analysis::new(model) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(s, "Outcome-space analysis: {e}");
            return s;
        }
    };
    let ids: Vec<&str> = a.agents.iter().map(|&i| sc.agents[i].id.as_str()).collect();
    let _ = writeln!(
        s,
        "Outcome-space analysis at mean parameters (utilities of {}; reservation {}):",
        ids.join(", "),
        a.reservation
            .iter()
            .map(|r| format!("{r:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "  Pareto frontier: {} packages (none crossing a signatory's red line)",
        a.frontier.len()
    );
    for (label, p) in [
        ("Nash point (largest product of gains)", &a.nash),
        (
            "Kalai-Smorodinsky point (largest smallest normalized gain)",
            &a.kalai_smorodinsky,
        ),
        ("maximum social welfare (largest sum)", &a.max_welfare),
    ] {
        match p {
            None => {
                let _ = writeln!(
                    s,
                    "  {label}: none (no package gives every signatory its reservation value)"
                );
            }
            Some(p) => {
                let u: Vec<String> = p.utility.iter().map(|u| format!("{u:.3}")).collect();
                let _ = writeln!(s, "  {label}: utilities {}", u.join(", "));
                let _ = writeln!(s, "    {}", package_string(model, &p.package));
            }
        }
    }
    s
}

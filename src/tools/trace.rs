//! `negsim trace`: the transcript of one run, round by round.

use crate::engine::model::Model;
use crate::engine::montecarlo::trace_run;
use crate::engine::protocol::{End, Observer};
use crate::report::package_string;
use crate::scenario::{Protocol, Scenario};
use std::fmt::Write as _;

/// Writes events as text lines.
struct Transcript<'a> {
    model: &'a Model,
    out: String,
    label: &'a str,
}

impl Observer for Transcript<'_> {
    fn walk_out(&mut self, round: u32, agent: usize) {
        let _ = writeln!(
            self.out,
            "{} {round}: {} walks out",
            self.label, self.model.scenario.agents[agent].id
        );
    }

    fn offer(&mut self, round: u32, proposer: usize, package: &[u8]) {
        let verb = if self.model.protocol == Protocol::Mediated {
            "tables the text"
        } else {
            "proposes"
        };
        let _ = writeln!(
            self.out,
            "{} {round}: {} {verb}: {}",
            self.label,
            self.model.scenario.agents[proposer].id,
            package_string(self.model, package)
        );
    }

    fn no_offer(&mut self, round: u32, proposer: usize) {
        let _ = writeln!(
            self.out,
            "{} {round}: {} finds no package that meets its target and crosses no red line; no offer",
            self.label, self.model.scenario.agents[proposer].id
        );
    }

    fn answer(&mut self, _round: u32, agent: usize, utility: f64, target: f64, accept: bool) {
        let _ = writeln!(
            self.out,
            "    {:<16} utility {:.3}  target {:.3}  {}",
            self.model.scenario.agents[agent].id,
            utility,
            target,
            if accept { "accepts" } else { "rejects" }
        );
    }
}

/// The transcript of run `run` at `deadline` under master seed `seed`.
pub fn transcript(sc: &Scenario, seed: u64, run: u64, deadline: u32) -> String {
    let model = Model::new(sc);
    let label = sc.simulation.round_label.as_str();
    let mut tr = Transcript {
        model: &model,
        out: String::new(),
        label,
    };
    let (inst, res) = trace_run(&model, seed, run, deadline, &mut tr);
    let mut head = String::new();
    let _ = writeln!(
        head,
        "{}: run {run}, seed {seed}, deadline {deadline} {label}s, {} protocol",
        sc.name,
        sc.simulation.protocol.as_str()
    );
    let _ = writeln!(head, "Parameters sampled for this run:");
    for (a, agent) in sc.agents.iter().enumerate() {
        let strategy = match inst.exponent[a] {
            // The other plan-playing strategies keep their old label here (pinned outputs).
            None if agent.strategy == crate::scenario::Strategy::Zeuthen => "Zeuthen".to_string(),
            None => "hardliner".to_string(),
            Some(e) => format!("exponent {e:.3}"),
        };
        let _ = writeln!(
            head,
            "  {:<16} reservation {:.3}, best {:.3}, {strategy}, walk-out {:.4}, deadline belief {:.3}{}",
            agent.id,
            inst.reservation[a],
            inst.best[a],
            inst.walk_away[a],
            inst.belief[a],
            if agent.signatory {
                ""
            } else {
                " (not a signatory)"
            }
        );
    }
    let _ = writeln!(head);
    let mut out = head + &tr.out;
    let _ = writeln!(out);
    match res.end {
        End::Agreement { round } => {
            let _ = writeln!(
                out,
                "Result: agreement in {label} {round}: {}",
                package_string(&model, &res.package)
            );
            for (a, agent) in sc.agents.iter().enumerate() {
                let u = inst.utility(&model, a, &res.package);
                let _ = writeln!(
                    out,
                    "  {:<16} utility {:.3} (reservation {:.3}, gain {:+.3})",
                    agent.id,
                    u,
                    inst.reservation[a],
                    u - inst.reservation[a]
                );
            }
        }
        End::WalkOut { round, agent } => {
            let _ = writeln!(
                out,
                "Result: no deal: {} walked out in {label} {round}",
                sc.agents[agent].id
            );
        }
        End::Expired => {
            let _ = writeln!(
                out,
                "Result: no deal: the deadline of {deadline} {label}s passed without agreement"
            );
        }
    }
    out
}

//! Shared helpers of the negsim benchmarks: load or generate a scenario, play runs on one
//! thread, count what was played.

use negsim::Scenario;
use negsim::engine::model::{Instance, Model};
use negsim::engine::protocol::{End, Workspace, play};
use negsim::engine::rng;
use negsim::scenario::Protocol;
use negsim::tools::generate::{Shape, generate};
use std::ops::Range;
use std::path::Path;

/// The benchmark scenarios directory (next to this crate's manifest).
pub fn scenario_path(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// Reads a scenario file, panicking on error (benchmark inputs are known to be valid).
pub fn load(path: &Path) -> Scenario {
    let src = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Scenario::from_toml_str(&src, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"))
}

/// The bundled scenario under the given protocol (alternating keeps the mediator as a proposer).
pub fn bundled(protocol: Protocol) -> Scenario {
    let mut sc = Scenario::bundled();
    sc.simulation.protocol = protocol;
    sc
}

/// A generated scenario of the given shape (the same generator as `negsim generate`).
pub fn shaped(terms: usize, options: usize, agents: usize, opposition: f64, seed: u64) -> Scenario {
    generate(&Shape::new(terms, &[options], agents, opposition, seed).expect("valid shape"))
}

/// What a batch of runs played.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Played {
    /// Negotiations (runs × deadlines).
    pub negotiations: u64,
    /// Rounds played in all of them.
    pub rounds: u64,
    /// Agreements.
    pub agreements: u64,
    /// Offer-search nodes visited (alternating protocol).
    pub nodes: u64,
    /// Offer searches answered by reusing the previous answer (alternating protocol).
    pub reused: u64,
}

/// Plays `runs` at every deadline on the current thread, exactly as `negsim run` does.
pub fn play_runs(model: &Model, seed: u64, deadlines: &[u32], runs: Range<u64>) -> Played {
    let mut inst = Instance::default();
    let mut ws = Workspace::default();
    let mut p = Played::default();
    for run in runs {
        model.sample_into(seed, run, &mut inst);
        ws.prepare(model, &inst);
        for &d in deadlines {
            let mut rng = rng::play_rng(seed, run);
            let res = play(model, &inst, &mut ws, d, &mut rng, &mut ());
            p.negotiations += 1;
            p.rounds += u64::from(match res.end {
                End::Agreement { round } | End::WalkOut { round, .. } => round,
                End::Expired => d,
            });
            p.agreements += u64::from(matches!(res.end, End::Agreement { .. }));
        }
        p.nodes += ws.searches.iter().map(|s| s.nodes_visited()).sum::<u64>();
        p.reused += ws.searches.iter().map(|s| s.answers_reused()).sum::<u64>();
    }
    p
}

/// Samples runs `0..runs` and prepares their workspaces without playing (the per-run set-up
/// that [`play_runs`] includes); returns a checksum so the work cannot be optimized away.
pub fn sample_runs(model: &Model, seed: u64, runs: Range<u64>) -> f64 {
    let mut inst = Instance::default();
    let mut ws = Workspace::default();
    let mut sum = 0.0;
    for run in runs {
        model.sample_into(seed, run, &mut inst);
        ws.prepare(model, &inst);
        sum += inst.best[0];
    }
    sum
}

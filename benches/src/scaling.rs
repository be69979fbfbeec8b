//! Prints per-negotiation timings of negsim: the reference scenarios and a scaling table
//! over terms, options, agents and deadlines. Single thread; each figure is the median of
//! several repeats.
//!
//! Usage: `cargo run --release --bin scaling [quick]`

use negsim::model::Model;
use negsim_bench::{Played, load, play_runs, scenario_path, shaped};
use std::time::Instant;

/// Times `runs` runs `reps` times; returns the median seconds and what was played.
fn time_runs(model: &Model, seed: u64, deadlines: &[u32], runs: u64, reps: usize) -> (f64, Played) {
    let mut secs = Vec::new();
    let mut played = Played::default();
    for _ in 0..reps {
        let t = Instant::now();
        played = play_runs(model, seed, deadlines, 0..runs);
        secs.push(t.elapsed().as_secs_f64());
    }
    secs.sort_by(f64::total_cmp);
    (secs[secs.len() / 2], played)
}

fn row(label: &str, model: &Model, deadlines: &[u32], runs: u64, reps: usize) {
    let (s, p) = time_runs(model, 1, deadlines, runs, reps);
    let per = s / p.negotiations as f64;
    println!(
        "| {label} | {:.2} | {:.0} | {:.1} | {:.0} | {:.2} | {:.1} | {:.1} |",
        per * 1e6,
        1.0 / per,
        p.rounds as f64 / p.negotiations as f64,
        s / p.rounds as f64 * 1e9,
        p.agreements as f64 / p.negotiations as f64,
        p.nodes as f64 / p.negotiations as f64,
        p.reused as f64 / p.negotiations as f64,
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let reps = if quick { 3 } else { 7 };
    let budget = if quick { 0.05 } else { 0.3 };
    println!(
        "| case | µs/negotiation | negotiations/s | rounds/negotiation | ns/round | P(agreement) | search nodes/negotiation |"
    );
    println!("|---|---|---|---|---|---|---|");
    let runs_for = |model: &Model, d: &[u32]| -> u64 {
        // Calibrate the batch so that each repeat takes about `budget` seconds.
        let (s, p) = time_runs(model, 1, d, 20, 1);
        ((budget / (s / p.negotiations as f64)) as u64 / d.len() as u64).clamp(20, 200_000)
    };
    let named = |label: &str, model: Model, d: &[u32]| {
        let n = runs_for(&model, d);
        row(label, &model, d, n, reps);
    };
    let bil = Model::new(&load(&scenario_path("bilateral-2304.toml")));
    named("bilateral-2304, deadline 100", bil, &[100]);
    let scale = Model::new(&load(&scenario_path("scale-20x5x6.toml")));
    named("scale-20x5x6, deadline 100", scale.clone(), &[100]);
    named(
        "scale-20x5x6, deadlines 10,20,50,100",
        scale,
        &[10, 20, 50, 100],
    );
    for protocol in [
        negsim::scenario::Protocol::Alternating,
        negsim::scenario::Protocol::Mediated,
    ] {
        let sc = negsim_bench::bundled(protocol);
        let d = sc.simulation.deadlines.clone();
        named(
            &format!("bundled, {}, deadlines {:?}", protocol.as_str(), d),
            Model::new(&sc),
            &d,
        );
    }
    let shapes: Vec<(usize, usize, usize, u32)> = [2, 5, 10, 20, 40]
        .iter()
        .map(|&t| (t, 5, 6, 100))
        .chain([2, 3, 5, 7, 10].iter().map(|&k| (20, k, 6, 100)))
        .chain([2, 4, 6, 8, 12, 16].iter().map(|&a| (20, 5, a, 100)))
        .chain([10, 30, 100, 300, 1000].iter().map(|&d| (20, 5, 6, d)))
        .collect();
    for (t, k, a, d) in shapes {
        let model = Model::new(&shaped(t, k, a, 0.5, 1));
        named(
            &format!("{t} terms × {k} options, {a} agents, deadline {d}"),
            model,
            &[d],
        );
    }
}

//! Compares the two offer-search methods (staircase, branch and bound) on generated shapes and
//! on the bilateral reference: µs per negotiation at deadline 100, wall time, best of 5.
//!
//! Usage: `cargo run --release --example method_cmp`, or `method_cmp once METHOD CASE` to
//! play one case once (200 runs) with `bnb` or `staircase`, for an instruction count under
//! `valgrind --tool=callgrind`.

use negsim::engine::model::{Instance, Model};
use negsim::engine::offer::Method;
use negsim::engine::protocol::{Workspace, play};
use negsim_bench::{load, scenario_path, shaped};
use std::time::Instant;

const METHODS: [Method; 2] = [Method::BranchAndBound, Method::Staircase];

/// Terms, options, agents and opposition of the generated cases.
const SHAPES: [(usize, usize, usize, f64); 8] = [
    (6, 4, 2, 1.0),
    (6, 4, 2, 0.5),
    (6, 4, 2, 0.0),
    (5, 5, 6, 1.0),
    (8, 4, 2, 1.0),
    (7, 5, 2, 1.0),
    (4, 4, 3, 1.0),
    (3, 5, 2, 1.0),
];

/// Best of 5 repeats of `runs` runs, in µs per negotiation.
fn time_method(model: &Model, method: Method, runs: u64) -> f64 {
    let mut inst = Instance::default();
    let mut ws = Workspace::default();
    ws.method = method;
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t0 = Instant::now();
        for run in 0..runs {
            model.sample_into(1, run, &mut inst);
            ws.prepare(model, &inst);
            let mut rng = negsim::engine::rng::play_rng(1, run);
            std::hint::black_box(play(model, &inst, &mut ws, 100, &mut rng, &mut ()));
        }
        best = best.min(t0.elapsed().as_secs_f64() / runs as f64 * 1e6);
    }
    best
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "once" {
        let method = if args[2] == "bnb" {
            Method::BranchAndBound
        } else {
            Method::Staircase
        };
        let model = match args[3].parse::<usize>() {
            Ok(i) if i < SHAPES.len() => {
                let (t, k, a, x) = SHAPES[i];
                Model::new(&shaped(t, k, a, x, 1))
            }
            _ => Model::new(&load(&scenario_path("bilateral-2304.toml"))),
        };
        let mut inst = Instance::default();
        let mut ws = Workspace::default();
        ws.method = method;
        for run in 0..200 {
            model.sample_into(1, run, &mut inst);
            ws.prepare(&model, &inst);
            let mut rng = negsim::engine::rng::play_rng(1, run);
            std::hint::black_box(play(&model, &inst, &mut ws, 100, &mut rng, &mut ()));
        }
        return;
    }
    for (t, k, a, x) in SHAPES {
        let model = Model::new(&shaped(t, k, a, x, 1));
        let size = (k as u64).pow(t as u32);
        let mut line = format!("{t}x{k}, {a} agents, opposition {x} ({size} outcomes):");
        for method in METHODS {
            line += &format!(" {method:?} {:.1} µs", time_method(&model, method, 300));
        }
        println!("{line}");
    }
    let model = Model::new(&load(&scenario_path("bilateral-2304.toml")));
    let mut line = "bilateral-2304:".to_string();
    for method in METHODS {
        line += &format!(" {method:?} {:.1} µs", time_method(&model, method, 1000));
    }
    println!("{line}");
}

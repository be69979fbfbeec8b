//! Compares the offer-search methods' speed on generated shapes (single thread, CPU time).
use negsim::model::{Instance, Model};
use negsim::offer::Method;
use negsim::protocol::{Workspace, play};
use negsim_bench::shaped;
use std::time::Instant;
fn main() {
    for (t, k, a, x) in [
        (6, 4, 2, 1.0),
        (6, 4, 2, 0.5),
        (6, 4, 2, 0.0),
        (5, 5, 6, 1.0),
        (8, 4, 2, 1.0),
        (7, 5, 2, 1.0),
        (4, 4, 3, 1.0),
        (3, 5, 2, 1.0),
    ] {
        let model = Model::new(&shaped(t, k, a, x, 1));
        let mut line = format!(
            "{t}x{k}, {a} agents, opp {x} ({} outcomes):",
            (k as u64).pow(t as u32)
        );
        for method in [Method::BranchAndBound, Method::Staircase] {
            let mut inst = Instance::default();
            let mut ws = Workspace::default();
            ws.method = method;
            let mut best = f64::MAX;
            for _ in 0..5 {
                let t0 = Instant::now();
                for run in 0..300 {
                    model.sample_into(1, run, &mut inst);
                    ws.prepare(&model, &inst);
                    let mut rng = negsim::rng::play_rng(1, run);
                    std::hint::black_box(play(&model, &inst, &mut ws, 100, &mut rng, &mut ()));
                }
                best = best.min(t0.elapsed().as_secs_f64() / 300.0 * 1e6);
            }
            line += &format!(" {method:?} {best:.1} µs");
        }
        println!("{line}");
    }
    let model = Model::new(&negsim_bench::load(&negsim_bench::scenario_path(
        "bilateral-2304.toml",
    )));
    for method in [Method::BranchAndBound, Method::Staircase] {
        let mut inst = Instance::default();
        let mut ws = Workspace::default();
        ws.method = method;
        let t0 = Instant::now();
        for run in 0..1000 {
            model.sample_into(1, run, &mut inst);
            ws.prepare(&model, &inst);
            let mut rng = negsim::rng::play_rng(1, run);
            std::hint::black_box(play(&model, &inst, &mut ws, 100, &mut rng, &mut ()));
        }
        println!(
            "bilateral-2304 {method:?} {:.1} µs",
            t0.elapsed().as_secs_f64() / 1000.0 * 1e6
        );
    }
}

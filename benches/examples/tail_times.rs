//! Per-run times of a scenario, for issue 16's tail target (no run over 10 × the median):
//! each run played at every deadline of the file on one thread, as `negsim run` does, and
//! timed as the least of a few repeats (wall time on this thread).
//!
//! Usage: `cargo run --release --example tail_times -- FILE RUNS SEED REPEATS [RUN]`; with
//! `RUN`, only that run is played (once per repeat), for `valgrind --tool=callgrind`.
//! Prints min, median, p90, max, mean (ms) and max / median, then the five slowest runs.

use negsim_bench::{load, play_runs};
use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: tail_times FILE RUNS SEED REPEATS [RUN]");
        std::process::exit(2);
    }
    let parse = |i: usize| -> u64 {
        args[i].parse().unwrap_or_else(|_| {
            eprintln!("argument {i} ({}) is not a whole number", args[i]);
            std::process::exit(2)
        })
    };
    let sc = load(Path::new(&args[1]));
    let (runs, seed, repeats) = (parse(2), parse(3), parse(4).max(1));
    let model = negsim::engine::model::Model::new(&sc);
    let deadlines = sc.simulation.deadlines.clone();
    let list: Vec<u64> = if args.len() > 5 {
        vec![parse(5)]
    } else {
        (0..runs).collect()
    };
    let mut ms: Vec<(f64, u64)> = Vec::with_capacity(list.len());
    for &run in &list {
        let mut best = f64::INFINITY;
        for _ in 0..repeats {
            let t0 = Instant::now();
            std::hint::black_box(play_runs(&model, seed, &deadlines, run..run + 1));
            best = best.min(t0.elapsed().as_secs_f64() * 1e3);
        }
        ms.push((best, run));
    }
    let mut sorted: Vec<f64> = ms.iter().map(|m| m.0).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let at = |q: f64| sorted[((n - 1) as f64 * q).round() as usize];
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    let mean = sorted.iter().sum::<f64>() / n as f64;
    println!(
        "runs {n}: min {:.2} median {median:.2} p90 {:.2} max {:.2} mean {mean:.2} ms; \
         max/median {:.2}",
        sorted[0],
        at(0.9),
        sorted[n - 1],
        sorted[n - 1] / median
    );
    ms.sort_by(|a, b| b.0.total_cmp(&a.0));
    let slow: Vec<String> = ms
        .iter()
        .take(5)
        .map(|(t, r)| format!("{r}: {t:.1}"))
        .collect();
    println!("slowest (run: ms): {}", slow.join(", "));
}

//! Prints per-negotiation timings of negsim as Markdown tables: the reference scenarios, a
//! scaling table over terms, options, agents and deadlines, and 1 against 2 threads.
//!
//! Usage: `cargo run --release --bin scaling [quick] [parallel]`
//!
//! Single-thread figures are the median of several repeats and are given twice: wall time and
//! the thread's own CPU time (from `/proc/thread-self/schedstat`, Linux only), which leaves
//! out the time the thread spent waiting for a core on a busy machine.

use negsim::engine::model::Model;
use negsim::engine::montecarlo::{Control, Settings, simulate};
use negsim_bench::{Played, load, play_runs, sample_runs, scenario_path, shaped};
use std::time::Instant;

/// Nanoseconds this thread has run on a CPU, if the kernel says.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Median wall and CPU seconds of `reps` repeats of runs `0..runs`, and what was played.
fn time_runs(
    model: &Model,
    deadlines: &[u32],
    runs: u64,
    reps: usize,
) -> (f64, Option<f64>, Played) {
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    let mut played = Played::default();
    for _ in 0..reps {
        let c0 = thread_cpu_ns();
        let t = Instant::now();
        played = play_runs(model, 1, deadlines, 0..runs);
        wall.push(t.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (c0, thread_cpu_ns()) {
            cpu.push((b - a) as f64 * 1e-9);
        }
    }
    (
        median(&mut wall),
        (!cpu.is_empty()).then(|| median(&mut cpu)),
        played,
    )
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs per repeat so that one repeat takes about `budget` seconds.
fn calibrate(model: &Model, deadlines: &[u32], budget: f64) -> u64 {
    let (s, _, p) = time_runs(model, deadlines, 20, 1);
    ((budget / (s / p.negotiations as f64)) as u64 / deadlines.len() as u64).clamp(20, 1_000_000)
}

/// Median CPU (or wall) seconds per run of the set-up alone (sampling and tables).
fn setup_per_run(model: &Model, runs: u64, reps: usize) -> f64 {
    let mut v = Vec::new();
    for _ in 0..reps {
        let c0 = thread_cpu_ns();
        let t = Instant::now();
        std::hint::black_box(sample_runs(model, 1, 0..runs));
        let wall = t.elapsed().as_secs_f64();
        v.push(match (c0, thread_cpu_ns()) {
            (Some(a), Some(b)) => (b - a) as f64 * 1e-9,
            _ => wall,
        });
    }
    median(&mut v) / runs as f64
}

fn row(label: &str, model: &Model, deadlines: &[u32], budget: f64, reps: usize) {
    let runs = calibrate(model, deadlines, budget);
    let (wall, cpu, p) = time_runs(model, deadlines, runs, reps);
    let setup = setup_per_run(model, runs, reps);
    let n = p.negotiations as f64;
    let busy = cpu.unwrap_or(wall);
    let cpu_us = cpu.map_or("-".to_string(), |c| format!("{:.2}", c / n * 1e6));
    let play_ns = (busy - setup * runs as f64).max(0.0) / p.rounds as f64 * 1e9;
    println!(
        "| {label} | {:.2} | {cpu_us} | {:.0} | {:.1} | {:.1} | {play_ns:.0} | {:.2} | {:.1} | {:.1} |",
        wall / n * 1e6,
        n / busy,
        setup * 1e6,
        p.rounds as f64 / n,
        p.agreements as f64 / n,
        p.nodes as f64 / n,
        p.reused as f64 / n,
    );
}

fn header(first: &str) {
    println!(
        "| {first} | µs/negotiation (wall) | µs/negotiation (CPU) | negotiations/s/core | set-up µs/run | rounds/negotiation | play ns/round | P(agreement) | B&B nodes/negotiation | offers reused/negotiation |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
}

/// CPU nanoseconds of every thread of this process (Linux), by thread id.
fn process_cpu_ns() -> Vec<(String, u64)> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let s = std::fs::read_to_string(e.path().join("schedstat")).ok()?;
        let ns = s.split_whitespace().next()?.parse().ok()?;
        Some((e.file_name().to_string_lossy().into_owned(), ns))
    })
    .collect()
}

/// CPU seconds per thread spent between two snapshots (threads that ran at all).
fn cpu_between(before: &[(String, u64)], after: &[(String, u64)]) -> Vec<f64> {
    after
        .iter()
        .map(|(id, ns)| {
            let b = before.iter().find(|(i, _)| i == id).map_or(0, |x| x.1);
            (ns - b) as f64 * 1e-9
        })
        .filter(|&s| s > 1e-3)
        .collect()
}

fn parallel(runs: u64, reps: usize) {
    let model = Model::new(&load(&scenario_path("bilateral-2304.toml")));
    let settings = Settings {
        seed: 1,
        deadlines: vec![100],
        runs: 0..runs,
    };
    let pools: Vec<_> = [1, 2]
        .iter()
        .map(|&n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("a thread pool")
        })
        .collect();
    // Interleaved repeats, so that both thread counts see the same background load.
    let mut wall = [Vec::new(), Vec::new()];
    let mut cpu = [Vec::new(), Vec::new()];
    let mut busiest = [Vec::new(), Vec::new()];
    for _ in 0..reps {
        for (i, pool) in pools.iter().enumerate() {
            let before = process_cpu_ns();
            let t = Instant::now();
            pool.install(|| simulate(&model, &settings, &Control::default()));
            wall[i].push(t.elapsed().as_secs_f64());
            let per_thread = cpu_between(&before, &process_cpu_ns());
            cpu[i].push(per_thread.iter().sum::<f64>());
            busiest[i].push(per_thread.iter().copied().fold(0.0, f64::max));
        }
    }
    println!(
        "| threads | runs | median wall s | runs/s | measured speed-up | CPU s (all threads) | busiest thread CPU s | speed-up on free cores |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    // (runs/s, CPU s) of the single thread.
    let mut base: Option<(f64, f64)> = None;
    for i in 0..2 {
        let (w, c, b) = (
            median(&mut wall[i]),
            median(&mut cpu[i]),
            median(&mut busiest[i]),
        );
        let rate = runs as f64 / w;
        // With a core per thread, the wall time is the busiest thread's CPU time.
        let (base_rate, base_cpu) = *base.get_or_insert((rate, c));
        let free = base_cpu / b;
        println!(
            "| {} | {runs} | {w:.3} | {rate:.0} | {:.2} | {c:.3} | {b:.3} | {free:.2} |",
            i + 1,
            rate / base_rate,
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "quick");
    if args.iter().any(|a| a == "parallel") {
        parallel(
            if quick { 20_000 } else { 200_000 },
            if quick { 3 } else { 7 },
        );
        return;
    }
    let reps = if quick { 3 } else { 7 };
    let budget = if quick { 0.05 } else { 0.3 };
    header("scenario");
    let bil = Model::new(&load(&scenario_path("bilateral-2304.toml")));
    row("bilateral-2304, deadline 100", &bil, &[100], budget, reps);
    // The four-party counterpart of the peer's figure: the same issues, four agents.
    let four = negsim::tools::generate::generate(
        &negsim::tools::generate::Shape::new(6, &[4, 3, 4, 4, 3, 4], 4, 1.0, 1)
            .expect("valid shape"),
    );
    row(
        "four-party, 2,304 outcomes, deadline 100",
        &Model::new(&four),
        &[100],
        budget,
        reps,
    );
    let scale = Model::new(&load(&scenario_path("scale-20x5x6.toml")));
    row("scale-20x5x6, deadline 100", &scale, &[100], budget, reps);
    row(
        "scale-20x5x6, deadlines 10, 20, 50, 100",
        &scale,
        &[10, 20, 50, 100],
        budget,
        reps,
    );
    for protocol in [
        negsim::scenario::Protocol::Mediated,
        negsim::scenario::Protocol::Alternating,
    ] {
        let sc = negsim_bench::bundled(protocol);
        let d = sc.simulation.deadlines.clone();
        let label = format!("bundled, {}, deadlines 4, 8, 12, 26, 52", protocol.as_str());
        row(&label, &Model::new(&sc), &d, budget, reps);
    }
    println!();
    header("terms × options, agents, deadline (generated, opposition 0.5)");
    let shapes: Vec<(usize, usize, usize, u32)> = [2, 5, 10, 20, 30, 40]
        .iter()
        .map(|&t| (t, 5, 6, 100))
        .chain([2, 3, 5, 7, 10].iter().map(|&k| (20, k, 6, 100)))
        .chain([2, 4, 6, 8, 12, 16].iter().map(|&a| (20, 5, a, 100)))
        .chain([10, 30, 100, 300, 1000].iter().map(|&d| (20, 5, 6, d)))
        .collect();
    for (t, k, a, d) in shapes {
        let model = Model::new(&shaped(t, k, a, 0.5, 1));
        row(
            &format!("{t} × {k}, {a} agents, {d}"),
            &model,
            &[d],
            budget,
            reps,
        );
    }
}

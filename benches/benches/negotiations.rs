//! Negotiations per second: `cargo bench` in this directory. Each iteration plays a batch of
//! runs on one thread (the parallel group uses a rayon pool of 1 or 2 threads); the throughput
//! column counts negotiations (runs × deadlines).

use divan::Bencher;
use divan::counter::ItemsCount;
use negsim::engine::model::Model;
use negsim::engine::montecarlo::{Control, Settings, simulate};
use negsim::scenario::Protocol;
use negsim_bench::{bundled, load, play_runs, scenario_path};

fn main() {
    divan::main();
}

/// Plays runs `0..runs` of `model` at `deadlines` per iteration.
fn batch(b: Bencher, model: &Model, deadlines: &[u32], runs: u64) {
    b.counter(ItemsCount::new(runs * deadlines.len() as u64))
        .bench_local(|| play_runs(model, 1, deadlines, 0..runs));
}

/// Target 1: the NegMAS comparison (2,304 outcomes, deadline 100).
#[divan::bench(sample_count = 30)]
fn bilateral_2304(b: Bencher) {
    let model = Model::new(&load(&scenario_path("bilateral-2304.toml")));
    batch(b, &model, &[100], 500);
}

/// The bundled scenario at its own deadlines, under each protocol.
#[divan::bench(args = [Protocol::Mediated, Protocol::Alternating], sample_count = 30)]
fn bundled_scenario(b: Bencher, protocol: Protocol) {
    let sc = bundled(protocol);
    let d = sc.simulation.deadlines.clone();
    batch(b, &Model::new(&sc), &d, 200);
}

/// Target 3: 20 terms × 5 options (~10^14 outcomes), 6 agents, deadline 100.
#[divan::bench(sample_count = 20)]
fn scale_20x5x6(b: Bencher) {
    let model = Model::new(&load(&scenario_path("scale-20x5x6.toml")));
    batch(b, &model, &[100], 50);
}

/// Target 4: a large batch of the bilateral reference on a pool of 1 or 2 threads.
#[divan::bench(args = [1, 2], sample_count = 10)]
fn parallel_bilateral(b: Bencher, threads: usize) {
    let model = Model::new(&load(&scenario_path("bilateral-2304.toml")));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let runs = 20_000;
    let settings = Settings {
        seed: 1,
        deadlines: vec![100],
        runs: 0..runs,
    };
    b.counter(ItemsCount::new(runs))
        .bench_local(|| pool.install(|| simulate(&model, &settings, &Control::default())));
}

//! The branch and bound's frontier fallback (`src/engine/offer/frontier.rs`) gives the offers
//! of exhaustive search, ties included, and caps the queries that took the depth-first search
//! hundreds of millions of nodes (issue 16: the 20 × 50 tail).

use crate::offers::{random_scenario, target_sequence};
use negsim::Scenario;
use negsim::engine::model::{Instance, Model};
use negsim::engine::offer::{Method, OfferSearch, exhaustive_offer};
use negsim::engine::protocol::{Workspace, play};
use negsim::engine::rng;
use negsim::tools::generate::{Shape, generate};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

/// Compares the fallback (every query handed over at once) with exhaustive search on
/// `model`'s first run `runs` times; returns (comparisons, packages found).
fn compare(model: &Model, rng: &mut ChaCha8Rng, runs: u64, grid: bool) -> (usize, usize) {
    let (mut compared, mut found) = (0, 0);
    let no = model.n_opts;
    let mut inst = Instance::default();
    for run in 0..runs {
        model.sample_into(run, 0, &mut inst);
        let targets = target_sequence(rng, grid);
        for a in 0..model.n_agents() {
            let own = &inst.util[a * no..(a + 1) * no];
            let gain = &inst.est_others[a * no..(a + 1) * no];
            let mut search = OfferSearch::default();
            search.set_method(Method::Frontier);
            search.prepare(model, a, own, gain);
            for &target in &targets {
                let slow = exhaustive_offer(model, a, own, gain, target);
                let mut out = Vec::new();
                let fast = search.search(target, &mut out).map(|u| (out.clone(), u));
                assert_eq!(fast, slow, "run {run}, agent {a}, target {target}");
                compared += 1;
                found += usize::from(slow.is_some());
            }
        }
    }
    (compared, found)
}

#[test]
fn the_frontier_fallback_matches_exhaustive_search_on_small_scenarios() {
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let (mut compared, mut found) = (0, 0);
    for case in 0..200 {
        let grid = case % 2 == 1;
        let src = random_scenario(&mut rng, grid);
        let sc = Scenario::from_toml_str(&src, "random.toml").unwrap_or_else(|e| panic!("{e}"));
        let (c, f) = compare(&Model::new(&sc), &mut rng, 1, grid);
        compared += c;
        found += f;
    }
    assert!(
        compared > 10_000 && found > compared / 3,
        "{found} of {compared}"
    );
}

#[test]
fn the_frontier_fallback_matches_exhaustive_search_on_opposed_values() {
    // Opposed values on a 3-decimal grid (the 20 × 50 case in small): packages of equal sums
    // are common, so the tie-breaks are exercised.
    let mut rng = ChaCha8Rng::seed_from_u64(50);
    let (mut compared, mut found) = (0, 0);
    for (terms, options, seed) in [(5, 6, 1), (4, 9, 2), (6, 4, 3), (3, 20, 4)] {
        let sc = generate(&Shape::new(terms, &[options], 2, 1.0, seed).unwrap());
        let (c, f) = compare(&Model::new(&sc), &mut rng, 6, seed % 2 == 0);
        compared += c;
        found += f;
    }
    assert!(
        compared > 1_000 && found > compared / 3,
        "{found} of {compared}"
    );
}

#[test]
fn the_merged_frontier_matches_exhaustive_search_on_wide_opposed_terms() {
    // The fallback merges its children by option (one bucket per option, a heap of their
    // heads) instead of sorting them: wide terms make many buckets, and opposed values on a
    // grid make the rounding ties that the insertion pass over each bucket must put right.
    let mut rng = ChaCha8Rng::seed_from_u64(51);
    let (mut compared, mut found) = (0, 0);
    for (terms, options, seed) in [(3, 40, 5), (2, 120, 6), (4, 14, 7), (3, 33, 8)] {
        let sc = generate(&Shape::new(terms, &[options], 2, 1.0, seed).unwrap());
        let (c, f) = compare(&Model::new(&sc), &mut rng, 2, seed % 2 == 0);
        compared += c;
        found += f;
    }
    assert!(
        compared > 500 && found > compared / 3,
        "{found} of {compared}"
    );
}

#[test]
fn simulations_agree_with_and_without_the_frontier_fallback() {
    let sc = generate(&Shape::new(6, &[5], 2, 1.0, 8).unwrap());
    let model = Model::new(&sc);
    let mut inst = Instance::default();
    let mut results = Vec::new();
    for method in [Method::Auto, Method::BranchAndBound, Method::Frontier] {
        let mut ws = Workspace::default();
        ws.method = method;
        let mut played = Vec::new();
        for run in 0..40 {
            model.sample_into(3, run, &mut inst);
            ws.prepare(&model, &inst);
            for d in [5, 60] {
                let mut r = rng::play_rng(3, run);
                played.push(play(&model, &inst, &mut ws, d, &mut r, &mut ()));
            }
        }
        results.push(played);
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

#[test]
fn the_fallback_caps_the_hardest_queries_of_20_terms_by_50_options() {
    // Run 188 of the benchmark scenario took the depth-first search 767 million nodes (72 s)
    // over its four deadlines; with the fallback each query stops within a small budget.
    let sc = generate(&Shape::new(20, &[50], 2, 1.0, 1).unwrap());
    let model = Model::new(&sc);
    let mut inst = Instance::default();
    let mut ws = Workspace::default();
    model.sample_into(1, 188, &mut inst);
    ws.prepare(&model, &inst);
    let mut r = rng::play_rng(1, 188);
    play(&model, &inst, &mut ws, 100, &mut r, &mut ());
    let nodes: u64 = ws.searches.iter().map(OfferSearch::nodes_visited).sum();
    assert!(nodes < 2_000_000, "{nodes} nodes");
}

/// The time estimate's pilot: enough runs, and an upper bound on the runs it played.
#[test]
fn the_pilot_plays_enough_runs_and_its_estimate_bounds_their_cost() {
    use negsim::study::estimate::{PILOT_MIN_RUNS, measure_runs, seconds_at};
    let sc = generate(&Shape::new(6, &[4, 3, 4, 4, 3, 4], 2, 1.0, 1).unwrap());
    let model = Model::new(&sc);
    for deadlines in [vec![100], vec![10, 20, 50, 100], vec![1, 3, 400]] {
        let (speed, runs) = measure_runs(&model, 1, &deadlines);
        // A few hundred microseconds a run: far below the pilot's time cap.
        assert!(runs.runs >= PILOT_MIN_RUNS, "{runs:?}");
        // Every run counted as lasting until each deadline: at least what the runs took.
        let est = seconds_at(speed, runs.runs, &deadlines, 1);
        assert!(est >= runs.spent * (1.0 - 1e-9), "{est} < {runs:?}");
    }
}

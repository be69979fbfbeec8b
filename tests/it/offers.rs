//! Every offer-search method chooses exactly what exhaustive search chooses, and none
//! enumerates the outcome space.

use crate::common::{random_agent_tables, random_terms, unit};
use negsim::Scenario;
use negsim::engine::model::{Instance, Model};
use negsim::engine::montecarlo::{Control, Settings, simulate};
use negsim::engine::offer::{Method, OfferSearch, exhaustive_offer};
use negsim::engine::protocol::{Workspace, play};
use negsim::engine::rng;
use negsim::tools::generate::{Shape, generate};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// A random scenario; with `grid`, values sit on a coarse grid so that ties are common.
pub(crate) fn random_scenario(rng: &mut ChaCha8Rng, grid: bool) -> String {
    let n_terms = 1 + (rng.next_u32() % 5) as usize;
    random_scenario_sized(rng, grid, n_terms, 2, 5)
}

/// A random scenario with `n_terms` terms of 2 to `max_options` options each.
pub(crate) fn random_scenario_sized(
    rng: &mut ChaCha8Rng,
    grid: bool,
    n_terms: usize,
    min_options: u32,
    max_options: u32,
) -> String {
    let n_agents = 2 + (rng.next_u32() % 3) as usize;
    let mut s = String::from("[scenario]\nname = \"random\"\n[simulation]\ndeadlines = [5]\n");
    let sizes = random_terms(&mut s, rng, n_terms, min_options, max_options);
    for a in 0..n_agents {
        s += &format!(
            "[agents.g{a}]\nsignatory = {}\n",
            a == 0 || !rng.next_u32().is_multiple_of(4)
        );
        random_agent_tables(&mut s, rng, a, &sizes, 5, grid);
    }
    s
}

pub(crate) const METHODS: [Method; 3] = [Method::BranchAndBound, Method::Staircase, Method::Auto];

/// Targets as a negotiation asks them: falling from above the best to below the worst, then
/// rising again (a new deadline), then at random; on the grid, exactly at attainable values.
pub(crate) fn target_sequence(rng: &mut ChaCha8Rng, grid: bool) -> Vec<f64> {
    let mut v: Vec<f64> = (0..=12).rev().map(|i| f64::from(i) / 10.0).collect();
    v.extend((0..=12).map(|i| f64::from(i) / 10.0));
    if grid {
        v.extend((0..=10).map(|i| f64::from(i) / 8.0));
        v.extend((0..=10).rev().map(|i| f64::from(i) / 8.0));
    } else {
        v.extend((0..12).map(|_| unit(rng) * 1.05));
    }
    v
}

/// Compares every method with exhaustive search over `cases` random scenarios; returns the
/// number of comparisons and how many found a package.
fn compare_with_exhaustive(
    seed: u64,
    cases: u64,
    sized: impl Fn(&mut ChaCha8Rng, bool) -> String,
) -> (usize, usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut compared = 0;
    let mut found = 0;
    for case in 0..cases {
        let grid = case % 2 == 1;
        let src = sized(&mut rng, grid);
        let sc =
            Scenario::from_toml_str(&src, "random.toml").unwrap_or_else(|e| panic!("{e}\n{src}"));
        let model = Model::new(&sc);
        let mut inst = Instance::default();
        model.sample_into(case, 0, &mut inst);
        let no = model.n_opts;
        let targets = target_sequence(&mut rng, grid);
        for a in 0..model.n_agents() {
            let own = &inst.util[a * no..(a + 1) * no];
            let gain = &inst.est_others[a * no..(a + 1) * no];
            let expected: Vec<_> = targets
                .iter()
                .map(|&target| exhaustive_offer(&model, a, own, gain, target))
                .collect();
            // Each method, and the staircase built first only down to a hint (0.7) above its
            // floor (0.2), then again down to the floor when the targets fall below the hint.
            let hinted = (Method::Staircase, true);
            for (method, hint) in METHODS.map(|m| (m, false)).into_iter().chain([hinted]) {
                let mut search = OfferSearch::default();
                search.set_method(method);
                search.prepare(&model, a, own, gain);
                if method == Method::Auto {
                    // Below the floor the staircase hands over to branch and bound.
                    search.set_floor(0.5);
                }
                if hint {
                    search.set_floor(0.2);
                    search.set_hint(0.7);
                }
                // A step number names one package all along, across the second build too.
                let mut steps = std::collections::HashMap::new();
                for (&target, slow) in targets.iter().zip(&expected) {
                    let mut out = Vec::new();
                    let fast = search.search(target, &mut out).map(|u| (out.clone(), u));
                    assert_eq!(
                        &fast, slow,
                        "{method:?} (hint {hint}), case {case}, agent {a}, target {target}\n{src}"
                    );
                    if let (Some(step), Some((pkg, _))) = (search.answer_step(), &fast) {
                        let named = steps.entry(step).or_insert_with(|| pkg.clone());
                        assert_eq!(named, pkg, "step {step}, case {case}, agent {a}\n{src}");
                    }
                    compared += 1;
                    found += usize::from(slow.is_some());
                }
            }
        }
    }
    (compared, found)
}

#[test]
fn every_method_matches_exhaustive_search_on_small_scenarios() {
    let (compared, found) = compare_with_exhaustive(2024, 400, random_scenario);
    assert!(
        compared > 30_000 && found > compared / 3,
        "{found} of {compared}"
    );
}

#[test]
fn every_method_matches_exhaustive_search_up_to_a_quarter_million_packages() {
    // 8 to 10 terms of 2 to 4 options: here 2,304 to 248,832 packages (odd cases on a grid: ties).
    let (compared, found) = compare_with_exhaustive(77, 16, |rng, grid| {
        let n_terms = 8 + (rng.next_u32() % 3) as usize;
        random_scenario_sized(rng, grid, n_terms, 2, 4)
    });
    assert!(
        compared > 1_000 && found > compared / 3,
        "{found} of {compared}"
    );
}

#[test]
fn every_method_matches_exhaustive_search_with_wide_terms() {
    // 2 to 4 terms of 5 to 14 options: the staircase's unrolled 8-option merge and its
    // general one for wider terms, with common ties on the grid.
    let (compared, found) = compare_with_exhaustive(4242, 60, |rng, grid| {
        let n_terms = 2 + (rng.next_u32() % 3) as usize;
        random_scenario_sized(rng, grid, n_terms, 5, 14)
    });
    assert!(
        compared > 5_000 && found > compared / 3,
        "{found} of {compared}"
    );
}

#[test]
fn branch_and_bound_answers_the_same_whatever_the_order_of_earlier_targets() {
    // Each change of the multiplier re-sorts the options and the terms starting from the
    // order the previous multiplier left: targets that swing up and down (the multiplier
    // going back and forth over the hull steps) must give the answers of a search that
    // starts afresh, and of exhaustive search.
    let mut rng = ChaCha8Rng::seed_from_u64(616);
    let mut compared = 0;
    for case in 0..16 {
        let grid = case % 2 == 1;
        let src = random_scenario_sized(&mut rng, grid, 6 + (case % 2) as usize, 3, 5);
        let sc = Scenario::from_toml_str(&src, "random.toml").unwrap_or_else(|e| panic!("{e}"));
        let model = Model::new(&sc);
        let mut inst = Instance::default();
        model.sample_into(case, 0, &mut inst);
        let no = model.n_opts;
        let targets: Vec<f64> = (0..40)
            .map(|i| {
                let swing = if i % 2 == 0 { 0.9 } else { 0.2 };
                swing - f64::from(i % 7) * 0.03 + unit(&mut rng) * 0.02
            })
            .collect();
        for a in 0..model.n_agents() {
            let own = &inst.util[a * no..(a + 1) * no];
            let gain = &inst.est_others[a * no..(a + 1) * no];
            let mut kept = OfferSearch::default();
            kept.set_method(Method::BranchAndBound);
            kept.prepare(&model, a, own, gain);
            for &target in &targets {
                let mut fresh = OfferSearch::default();
                fresh.set_method(Method::BranchAndBound);
                fresh.prepare(&model, a, own, gain);
                let (mut out, mut out_fresh) = (Vec::new(), Vec::new());
                let got = kept.search(target, &mut out).map(|u| (out.clone(), u));
                let want = fresh.search(target, &mut out_fresh).map(|u| (out_fresh, u));
                assert_eq!(got, want, "case {case}, agent {a}, target {target}");
                let slow = exhaustive_offer(&model, a, own, gain, target);
                assert_eq!(got, slow, "case {case}, agent {a}, target {target}");
                compared += 1;
            }
        }
    }
    assert!(compared > 1_000, "{compared}");
}

#[test]
fn branch_and_bound_does_not_enumerate_large_outcome_spaces() {
    // 20 terms of 5 options: 10^14 packages. An enumeration would never finish; the search
    // must stay within a small multiple of terms × options nodes per query.
    let sc = generate(&Shape::new(20, &[5], 6, 0.5, 3).unwrap());
    let model = Model::new(&sc);
    let no = model.n_opts;
    let mut inst = Instance::default();
    let (mut nodes, mut queries) = (0, 0);
    for run in 0..10 {
        model.sample_into(1, run, &mut inst);
        for a in 0..model.n_agents() {
            let mut search = OfferSearch::default();
            search.prepare(
                &model,
                a,
                &inst.util[a * no..(a + 1) * no],
                &inst.est_others[a * no..(a + 1) * no],
            );
            let best = inst.best[a];
            let mut out = Vec::new();
            for i in 0..=40 {
                let target = best * (1.0 - f64::from(i) / 60.0);
                assert!(
                    search.search(target, &mut out).is_some(),
                    "target {target} <= best"
                );
                queries += 1;
            }
            nodes += search.nodes_visited();
        }
    }
    let per_query = nodes as f64 / f64::from(queries);
    assert!(per_query < 400.0, "{per_query} nodes per query");
}

#[test]
fn simulations_agree_whatever_the_offer_search_method() {
    for sc in [
        generate(&Shape::new(6, &[4, 3, 4, 4, 3, 4], 2, 1.0, 5).unwrap()),
        generate(&Shape::new(5, &[3], 4, 0.5, 6).unwrap()),
    ] {
        let model = Model::new(&sc);
        let mut inst = Instance::default();
        let mut results: Vec<Vec<_>> = Vec::new();
        for method in METHODS {
            let mut ws = Workspace::default();
            ws.method = method;
            let mut played = Vec::new();
            for run in 0..60 {
                model.sample_into(9, run, &mut inst);
                ws.prepare(&model, &inst);
                for d in [7, 40] {
                    let mut rng = rng::play_rng(9, run);
                    played.push(play(&model, &inst, &mut ws, d, &mut rng, &mut ()));
                }
            }
            results.push(played);
        }
        assert_eq!(results[0], results[1]);
        assert_eq!(results[0], results[2]);
        assert!(results[0].iter().any(|r| !r.package.is_empty()));
    }
}

#[test]
fn bundled_scenario_under_alternating_offers_is_the_same_on_one_and_two_threads() {
    let mut sc = Scenario::bundled();
    sc.simulation.protocol = negsim::scenario::Protocol::Alternating;
    let model = Model::new(&sc);
    let settings = Settings {
        seed: 3,
        deadlines: vec![4, 26],
        runs: 0..600,
    };
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let one = pool(1).install(|| simulate(&model, &settings, &Control::default()));
    let two = pool(2).install(|| simulate(&model, &settings, &Control::default()));
    assert_eq!(one, two);
    assert!(one.tallies[1].agreements > 0);
}

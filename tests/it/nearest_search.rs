//! The dedicated search of `offer = "nearest"` (`src/engine/offer/nearest.rs`) chooses exactly
//! what exhaustive search chooses (smallest file-order own sum at least the target, ties to the
//! first package in file order), and the rule is refused beyond its limit (issue 16).

use crate::offers::{random_scenario_sized, target_sequence};
use negsim::Scenario;
use negsim::engine::model::{Instance, Model};
use negsim::engine::offer::{OfferSearch, exhaustive_offer, for_each_package};
use negsim::engine::protocol::{Workspace, play};
use negsim::engine::rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// The exact file-order own sums of agent `a`'s allowed packages (targets that tie exactly).
fn package_sums(model: &Model, own: &[f64], a: usize) -> Vec<f64> {
    let no = model.n_opts;
    let mut sums = Vec::new();
    for_each_package(model, |pkg| {
        let mut o = 0.0;
        for (t, &opt) in pkg.iter().enumerate() {
            let k = model.offsets[t] + opt as usize;
            if !model.allowed[a * no + k] {
                return;
            }
            o += own[k];
        }
        sums.push(o);
    });
    sums
}

/// Compares the `nearest` search with exhaustive search (objective minus own) for every agent
/// of `model`'s run `run`, at the usual falling and rising targets, at every exact package sum
/// (in random order) and one ulp either side of some; returns (comparisons, packages found).
fn compare(model: &Model, rng: &mut ChaCha8Rng, run: u64, grid: bool) -> (usize, usize) {
    let (mut compared, mut found) = (0, 0);
    let no = model.n_opts;
    let mut inst = Instance::default();
    model.sample_into(run, 0, &mut inst);
    for a in 0..model.n_agents() {
        let own = &inst.util[a * no..(a + 1) * no];
        let gain: Vec<f64> = own.iter().map(|&u| -u).collect();
        let mut targets = target_sequence(rng, grid);
        let mut sums = package_sums(model, own, a);
        for i in (1..sums.len()).rev() {
            sums.swap(i, rng.next_u32() as usize % (i + 1));
        }
        sums.truncate(40);
        for &s in &sums {
            targets.extend([s, s.next_up(), s.next_down()]);
        }
        targets.extend([f64::NEG_INFINITY, -0.5, 0.0, 2.0, f64::INFINITY]);
        let mut search = OfferSearch::default();
        search.prepare(model, a, own, &gain);
        search.set_nearest();
        for &target in &targets {
            let slow = exhaustive_offer(model, a, own, &gain, target);
            let mut out = Vec::new();
            let fast = search.search(target, &mut out).map(|u| (out.clone(), u));
            assert_eq!(fast, slow, "run {run}, agent {a}, target {target:e}");
            compared += 1;
            found += usize::from(slow.is_some());
        }
        // The dedicated search answered every query: the branch and bound never ran.
        assert_eq!(search.nodes_visited(), 0);
    }
    (compared, found)
}

#[test]
fn the_nearest_search_matches_exhaustive_search_on_random_scenarios() {
    // 1 to 7 terms of 2 to 6 options, red lines (so disallowed options) and, every other
    // case, values on a quarter grid, where equal sums are common.
    let mut rng = ChaCha8Rng::seed_from_u64(1616);
    let (mut compared, mut found) = (0, 0);
    for case in 0..240u64 {
        let grid = case % 2 == 1;
        let n_terms = 1 + (case % 7) as usize;
        let src = random_scenario_sized(&mut rng, grid, n_terms, 2, 6);
        let sc = Scenario::from_toml_str(&src, "random.toml").unwrap_or_else(|e| panic!("{e}"));
        let (c, f) = compare(&Model::new(&sc), &mut rng, case, grid);
        compared += c;
        found += f;
    }
    assert!(
        compared > 40_000 && found > compared / 3,
        "{found} of {compared}"
    );
}

/// Two `nearest` agents over terms of the given sizes, term `t` weighted `weight(t)` and the
/// values drawn by `value` in file order; with `red_line`, agent `p` red-lines option 1 of
/// term 0.
fn two_nearest(
    name: &str,
    sizes: &[usize],
    red_line: bool,
    weight: impl Fn(usize) -> &'static str,
    mut value: impl FnMut() -> f64,
) -> String {
    let mut s = format!("[scenario]\nname = \"{name}\"\n[simulation]\ndeadlines = [5]\n");
    for (t, &k) in sizes.iter().enumerate() {
        let opts: Vec<String> = (0..k).map(|o| format!("\"o{o}\"")).collect();
        s += &format!(
            "[[terms]]\nid = \"t{t}\"\noptions = [{}]\n",
            opts.join(", ")
        );
    }
    for id in ["p", "q"] {
        s += &format!("[agents.{id}]\noffer = \"nearest\"\nestimate_noise = 0\n");
        if red_line && id == "p" {
            s += "red_lines = { t0 = [\"o1\"] }\n";
        }
        s += &format!("[agents.{id}.weights]\n");
        for t in 0..sizes.len() {
            s += &format!("t{t} = {}\n", weight(t));
        }
        for (t, &k) in sizes.iter().enumerate() {
            s += &format!("[agents.{id}.values.t{t}]\n");
            for o in 0..k {
                s += &format!("o{o} = {}\n", value());
            }
        }
    }
    s
}

/// A scenario of terms of the given sizes whose values are 0, 1/2 or 1 and whose weights are
/// equal, so that very many packages tie exactly; agent `p` red-lines option 1 of term 0.
fn tied(sizes: &[usize], rng: &mut ChaCha8Rng) -> String {
    two_nearest(
        "ties",
        sizes,
        true,
        |_| "1",
        || f64::from(rng.next_u32() % 3) / 2.0,
    )
}

#[test]
fn the_nearest_search_breaks_exact_ties_as_exhaustive_search_does() {
    let mut rng = ChaCha8Rng::seed_from_u64(77);
    let (mut compared, mut found) = (0, 0);
    for (case, sizes) in [
        vec![3, 3],
        vec![2, 7, 3],
        vec![5, 2, 2, 4],
        vec![4, 4, 4, 4, 4],
        vec![9, 2, 3, 2, 2, 3],
        vec![2, 2, 2, 2, 2, 2, 2, 2],
        vec![12],
        // Terms of many options, next to small ones.
        vec![20, 3, 2],
        vec![3, 2, 17, 2],
    ]
    .iter()
    .enumerate()
    {
        let sc = Scenario::from_toml_str(&tied(sizes, &mut rng), "ties.toml")
            .unwrap_or_else(|e| panic!("{e}"));
        let (c, f) = compare(&Model::new(&sc), &mut rng, case as u64, true);
        compared += c;
        found += f;
    }
    assert!(
        compared > 1_000 && found > compared / 3,
        "{found} of {compared}"
    );
}

/// A scenario whose first term outweighs the others a million times over, so that each half's
/// sums crowd into a few clusters, one bucket each, in rank order rather than sum order.
fn crowded(sizes: &[usize], rng: &mut ChaCha8Rng) -> String {
    let weight = |t: usize| if t == 0 { "1000" } else { "0.001" };
    two_nearest("crowded", sizes, false, weight, || {
        f64::from(rng.next_u32() % 1000) / 999.0
    })
}

#[test]
fn the_nearest_search_is_exact_when_sums_crowd_into_few_buckets() {
    // The listing's counting sort leaves each bucket's entries in rank order; here a bucket
    // holds a whole cluster, whose order by sum is the rank order shuffled, and the largest
    // clusters take the listing past its budget of moves into a full sort.
    let mut rng = ChaCha8Rng::seed_from_u64(4242);
    let (mut compared, mut found) = (0, 0);
    for (case, sizes) in [
        vec![3, 6, 6, 6],
        vec![2, 9, 9],
        vec![4, 5, 5, 5, 5],
        vec![2, 40, 3],
    ]
    .iter()
    .enumerate()
    {
        let sc = Scenario::from_toml_str(&crowded(sizes, &mut rng), "crowded.toml")
            .unwrap_or_else(|e| panic!("{e}"));
        let (c, f) = compare(&Model::new(&sc), &mut rng, case as u64, false);
        compared += c;
        found += f;
    }
    assert!(
        compared > 500 && found > compared / 3,
        "{found} of {compared}"
    );
}

#[test]
fn nearest_and_random_above_agents_play_through_the_nearest_search() {
    // The workspace hands both rules' searches to the dedicated search (a random_above agent's
    // serves its AC_next answers), so the branch and bound never runs.
    let src = random_scenario_sized(&mut ChaCha8Rng::seed_from_u64(3), false, 5, 3, 5)
        .replace(
            "[agents.g0]\n",
            "[agents.g0]\noffer = \"nearest\"\naccept = \"next\"\n",
        )
        .replace(
            "[agents.g1]\n",
            "[agents.g1]\noffer = \"random_above\"\naccept = \"next\"\n",
        );
    let sc = Scenario::from_toml_str(&src, "play.toml").unwrap_or_else(|e| panic!("{e}\n{src}"));
    let model = Model::new(&sc);
    let mut inst = Instance::default();
    let mut ws = Workspace::default();
    for run in 0..30 {
        model.sample_into(5, run, &mut inst);
        ws.prepare(&model, &inst);
        for d in [3, 40] {
            let mut r = rng::play_rng(5, run);
            play(&model, &inst, &mut ws, d, &mut r, &mut ());
        }
        let nodes: u64 = ws.searches.iter().map(OfferSearch::nodes_visited).sum();
        assert_eq!(nodes, 0, "run {run}: the branch and bound ran\n{src}");
    }
}

/// `n_terms` terms of `n_options` options, two agents, the first offering `nearest`; agent `q`
/// red-lines the first `red` options of every term.
fn sized(n_terms: usize, n_options: usize, red: usize) -> String {
    let mut s = String::from("[scenario]\nname = \"big\"\n[simulation]\ndeadlines = [5]\n");
    let opts: Vec<String> = (0..n_options).map(|o| format!("\"o{o}\"")).collect();
    for t in 0..n_terms {
        s += &format!(
            "[[terms]]\nid = \"t{t}\"\noptions = [{}]\n",
            opts.join(", ")
        );
    }
    let reds: Vec<String> = (0..n_terms)
        .map(|t| {
            let r: Vec<String> = (0..red).map(|o| format!("\"o{o}\"")).collect();
            format!("t{t} = [{}]", r.join(", "))
        })
        .collect();
    let values: Vec<String> = (0..n_options)
        .map(|o| format!("o{o} = {}", f64::from(u8::from(o == 0))))
        .collect();
    let values = values.join(", ");
    s += &format!(
        "[agents.p]\noffer = \"nearest\"\nweights = {{ t0 = 1 }}\nvalues = {{ t0 = {{ {values} }} }}\n"
    );
    s += &format!(
        "[agents.q]\nred_lines = {{ {} }}\nweights = {{ t0 = 1 }}\nvalues = {{ t0 = {{ {values} }} }}\n",
        reds.join(", ")
    );
    s
}

#[test]
fn nearest_is_refused_beyond_its_limit_at_the_offer_key() {
    // 10^8 packages: accepted (the limit is inclusive).
    Scenario::from_toml_str(&sized(8, 10, 0), "ok.toml").unwrap_or_else(|e| panic!("{e}"));
    // 11^8 = 214,358,881 packages: refused at `offer`, with the size, the limit, the cost and
    // what to do instead.
    let src = sized(8, 11, 0);
    let e = Scenario::from_toml_str(&src, "big.toml")
        .unwrap_err()
        .to_string();
    let line = src
        .lines()
        .position(|l| l.starts_with("offer = \"nearest\""))
        .unwrap()
        + 1;
    assert!(e.contains(&format!("big.toml:{line}:")), "{e}");
    for part in [
        "offer = \"nearest\"",
        "214,358,881",
        "100,000,000",
        "best_for_others",
    ] {
        assert!(e.contains(part), "{part:?} missing from: {e}");
    }
    // Red lines count: the same space with two options of each term red-lined by a
    // signatory leaves 9^8 = 43,046,721 packages, which are accepted.
    Scenario::from_toml_str(&sized(8, 11, 2), "red.toml").unwrap_or_else(|e| panic!("{e}"));
}

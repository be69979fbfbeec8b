//! Outcome-space analysis: hand-computed small cases, the term-by-term frontier against brute
//! force, distances, and the refusal to search huge spaces.

use crate::common::{negsim, random_terms, report, scenario, split, stdout, write_temp};
use negsim::engine::analysis::{Analysis, euclid, pareto_frontier, utilities};
use negsim::engine::model::Model;
use negsim::engine::offer::for_each_package;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// One term, two agents; option `o{i}` is worth `pairs[i]` to (a, b).
fn one_term(pairs: &[(f64, f64)], extra_a: &str, extra_b: &str) -> String {
    let opts: Vec<String> = (0..pairs.len()).map(|i| format!("\"o{i}\"")).collect();
    let va: String = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| format!("o{i} = {}\n", p.0))
        .collect();
    let vb: String = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| format!("o{i} = {}\n", p.1))
        .collect();
    format!(
        "[scenario]\nname = \"hand\"\n[simulation]\ndeadlines = [5]\nruns = 50\n\
         [[terms]]\nid = \"t\"\noptions = [{}]\n\
         [agents.a]\nreservation = 0.2\n{extra_a}\n[agents.a.weights]\nt = 1\n[agents.a.values.t]\n{va}\
         [agents.b]\nreservation = 0.3\n{extra_b}\n[agents.b.weights]\nt = 1\n[agents.b.values.t]\n{vb}",
        opts.join(", ")
    )
}

/// The hand case: o4 is dominated; among the rational packages (a >= 0.2, b >= 0.3) the
/// product of gains is o1 0.6*0.15 = 0.09, o2 0.4*0.35 = 0.14, o3 0.2*0.65 = 0.13,
/// o6 0.5*0.3 = 0.15 (Nash); ideal point (0.8, 0.95), so normalized gains are
/// o1 (1, 0.23), o2 (0.667, 0.538), o3 (0.333, 1), o6 (0.833, 0.462): KS is o2; the sums are
/// o3 1.35, o6 1.3, o1 = o2 1.25, o0 = o5 = o4 1.0: maximum welfare is o3.
const HAND: [(f64, f64); 7] = [
    (1.0, 0.0),
    (0.8, 0.45),
    (0.6, 0.65),
    (0.4, 0.95),
    (0.5, 0.5),
    (0.0, 1.0),
    (0.7, 0.6),
];

#[test]
fn hand_computed_two_party_case() {
    let model = Model::new(&scenario(&one_term(&HAND, "", "")));
    let a = Analysis::new(&model).unwrap();
    let front: Vec<u8> = a.frontier.iter().map(|p| p.package[0]).collect();
    assert_eq!(front, vec![0, 1, 2, 3, 5, 6]);
    assert_eq!(a.reservation, vec![0.2, 0.3]);
    assert_eq!(a.nash.as_ref().unwrap().package, vec![6]);
    assert_eq!(a.kalai_smorodinsky.as_ref().unwrap().package, vec![2]);
    assert_eq!(a.max_welfare.as_ref().unwrap().package, vec![3]);
    assert_eq!(a.ideal, Some(vec![0.8, 0.95]));
    // o4 = (0.5, 0.5): nearest frontier package o2 at (0.1, 0.15); the Nash point o6 at (0.2, 0.1).
    let (f, n) = a.distances(&model, &[4]);
    assert!((f - 0.0325f64.sqrt()).abs() < 1e-12, "{f}");
    assert!((n.unwrap() - 0.05f64.sqrt()).abs() < 1e-12);
    let (f, n) = a.distances(&model, &[6]);
    assert_eq!((f, n), (0.0, Some(0.0)));
}

#[test]
fn a_red_line_removes_packages_and_moves_the_points() {
    // b red-lines o3: welfare goes to o6 (1.3); b's ideal drops to 0.65, so normalized gains
    // are o2 (0.667, 1) and o6 (0.833, 0.857): KS moves to o6 too.
    let src = one_term(&HAND, "", "red_lines = { t = [\"o3\"] }");
    let model = Model::new(&scenario(&src));
    let a = Analysis::new(&model).unwrap();
    let front: Vec<u8> = a.frontier.iter().map(|p| p.package[0]).collect();
    assert_eq!(front, vec![0, 1, 2, 5, 6]);
    assert_eq!(a.nash.as_ref().unwrap().package, vec![6]);
    assert_eq!(a.kalai_smorodinsky.as_ref().unwrap().package, vec![6]);
    assert_eq!(a.max_welfare.as_ref().unwrap().package, vec![6]);
    assert_eq!(a.ideal, Some(vec![0.8, 0.65]));
}

#[test]
fn symmetric_split_has_nash_and_ks_in_the_middle() {
    let sc = scenario(&split(
        "deadlines = [5]",
        "reservation = 0.3",
        "reservation = 0.3",
    ));
    let model = Model::new(&sc);
    let a = Analysis::new(&model).unwrap();
    // u_a + u_b = 1 everywhere: every package is Pareto-optimal.
    assert_eq!(a.frontier.len(), 11);
    assert_eq!(a.nash.unwrap().package, vec![5]);
    assert_eq!(a.kalai_smorodinsky.unwrap().package, vec![5]);
    assert_eq!(a.ideal, Some(vec![0.7, 0.7]));
    // Every package has welfare 1 (up to rounding): the tie goes to the larger product of gains.
    assert_eq!(a.max_welfare.unwrap().package, vec![5]);
}

#[test]
fn no_rational_package_means_no_nash_point() {
    let sc = scenario(&split(
        "deadlines = [5]",
        "reservation = 0.6",
        "reservation = 0.6",
    ));
    let model = Model::new(&sc);
    let a = Analysis::new(&model).unwrap();
    assert_eq!(a.frontier.len(), 11);
    assert!(a.nash.is_none() && a.kalai_smorodinsky.is_none() && a.ideal.is_none());
    assert!(a.max_welfare.is_some());
}

/// A random scenario with 2 to 4 signatories, some red lines, values on a grid (ties).
fn random_scenario(rng: &mut ChaCha8Rng) -> String {
    let unit = |rng: &mut ChaCha8Rng| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let n_terms = 1 + (rng.next_u32() % 4) as usize;
    let n_agents = 2 + (rng.next_u32() % 3) as usize;
    let mut s = String::from("[scenario]\nname = \"r\"\n[simulation]\ndeadlines = [5]\n");
    let sizes = random_terms(&mut s, rng, n_terms, 2, 5);
    for a in 0..n_agents {
        let res = (unit(rng) * 5.0).floor() / 10.0;
        s += &format!("[agents.g{a}]\nreservation = {res}\n");
        if rng.next_u32().is_multiple_of(3) {
            s += &format!("red_lines = {{ t0 = [\"o{}\"] }}\n", rng.next_u32() % 2);
        }
        s += &format!("[agents.g{a}.weights]\n");
        for t in 0..n_terms {
            s += &format!("t{t} = {}\n", 0.25 + (unit(rng) * 4.0).floor() / 4.0);
        }
        for (t, &k) in sizes.iter().enumerate() {
            s += &format!("[agents.g{a}.values.t{t}]\n");
            for o in 0..k {
                s += &format!("o{o} = {}\n", (unit(rng) * 4.0).floor() / 4.0);
            }
        }
    }
    s
}

#[test]
fn term_by_term_frontier_equals_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for case in 0..150 {
        let src = random_scenario(&mut rng);
        let model = Model::new(&scenario(&src));
        let inst = model.mean_instance();
        let agents: Vec<usize> = (0..model.n_agents()).collect();
        let res: Vec<f64> = agents.iter().map(|&a| inst.reservation[a]).collect();
        let mut all: Vec<(Vec<u8>, Vec<f64>)> = Vec::new();
        for_each_package(&model, |p| {
            if negsim::engine::analysis::agreeable(&model, p) {
                all.push((p.to_vec(), utilities(&model, &inst, &agents, p)));
            }
        });
        // Brute force: not weakly dominated by a different vector, first package per vector.
        let dominated = |u: &[f64]| {
            all.iter().any(|(_, v)| {
                v.iter().zip(u).all(|(x, y)| x >= y) && v.iter().zip(u).any(|(x, y)| x > y)
            })
        };
        let mut want: Vec<Vec<u8>> = Vec::new();
        for (i, (p, u)) in all.iter().enumerate() {
            if !dominated(u) && !all[..i].iter().any(|(_, v)| v == u) {
                want.push(p.clone());
            }
        }
        let got = pareto_frontier(&model, &inst, &agents).unwrap();
        let got: Vec<Vec<u8>> = got.into_iter().map(|p| p.package).collect();
        assert_eq!(got, want, "case {case}:\n{src}");
        // Nash point by brute force over every rational package: same largest product.
        let a = Analysis::new(&model).unwrap();
        let best = all
            .iter()
            .filter(|(_, u)| u.iter().zip(&res).all(|(x, r)| x - r >= -1e-9))
            .map(|(_, u)| {
                u.iter()
                    .zip(&res)
                    .map(|(x, r)| (x - r).max(0.0))
                    .product::<f64>()
            })
            .fold(None::<f64>, |m, x| Some(m.map_or(x, |m| m.max(x))));
        match (best, &a.nash) {
            (None, None) => {}
            (Some(b), Some(n)) => {
                let p: f64 = n
                    .utility
                    .iter()
                    .zip(&res)
                    .map(|(x, r)| (x - r).max(0.0))
                    .product();
                assert!((p - b).abs() < 1e-12, "case {case}: {p} vs {b}\n{src}");
            }
            other => panic!("case {case}: {other:?}\n{src}"),
        }
        let welfare = all
            .iter()
            .map(|(_, u)| u.iter().sum::<f64>())
            .fold(f64::NEG_INFINITY, f64::max);
        if let Some(w) = &a.max_welfare {
            assert!((w.utility.iter().sum::<f64>() - welfare).abs() < 1e-12);
        }
        // Every frontier package is at distance 0 from the frontier; others are not closer
        // than their nearest frontier package.
        for (p, u) in all.iter().take(20) {
            let (d, _) = a.distances(&model, p);
            let near = a
                .frontier
                .iter()
                .map(|f| euclid(u, &f.utility))
                .fold(f64::INFINITY, f64::min);
            assert_eq!(d, near);
        }
    }
}

#[test]
fn mean_distances_per_deadline_match_a_direct_computation() {
    // Alternating offers on the hand case; recompute each deadline's mean distances from the
    // agreed packages in the JSON report... which lists only the top packages, so use a
    // one-term scenario where at most seven packages exist (all are "top").
    let src = one_term(&HAND, "strategy = \"boulware\"", "strategy = \"conceder\"")
        .replace("deadlines = [5]", "deadlines = [1, 3, 8]\nseed = 5")
        .replace("runs = 50", "runs = 400");
    let sc = scenario(&src);
    let model = Model::new(&sc);
    let a = Analysis::new(&model).unwrap();
    let r = report(&sc);
    let mut any = false;
    for d in &r.deadlines {
        if d.agreements == 0 {
            assert_eq!(d.mean_distance_pareto, None);
            continue;
        }
        any = true;
        let (mut sf, mut sn) = (0.0, 0.0);
        for p in &d.top_packages {
            let o: u8 = p.package["t"][1..].parse().unwrap();
            let (f, n) = a.distances(&model, &[o]);
            sf += f * p.count as f64;
            sn += n.unwrap() * p.count as f64;
        }
        let n = d.agreements as f64;
        assert!((d.mean_distance_pareto.unwrap() - sf / n).abs() < 1e-8);
        assert!((d.mean_distance_nash.unwrap() - sn / n).abs() < 1e-8);
    }
    assert!(any);
    assert_eq!(
        r.outcome_space.nash.as_ref().unwrap().package["t"],
        "o6",
        "{:?}",
        r.outcome_space
    );
    assert_eq!(r.outcome_space.pareto_size, Some(6));
}

/// Three signatories, 20 terms of 10 options with random values: far too many
/// non-dominated packages to search.
pub fn huge() -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut s =
        String::from("[scenario]\nname = \"huge\"\n[simulation]\ndeadlines = [3]\nruns = 20\n");
    for t in 0..20 {
        let opts: Vec<String> = (0..10).map(|o| format!("\"o{o}\"")).collect();
        s += &format!(
            "[[terms]]\nid = \"t{t}\"\noptions = [{}]\n",
            opts.join(", ")
        );
    }
    for a in 0..3 {
        s += &format!("[agents.g{a}]\n[agents.g{a}.weights]\n");
        for t in 0..20 {
            s += &format!("t{t} = 1\n");
        }
        for t in 0..20 {
            s += &format!("[agents.g{a}.values.t{t}]\n");
            for o in 0..10 {
                s += &format!("o{o} = {}\n", (rng.next_u32() % 1000) as f64 / 1000.0);
            }
        }
    }
    s
}

#[test]
fn huge_outcome_spaces_are_skipped_not_searched_forever() {
    let src = huge();
    let model = Model::new(&scenario(&src));
    let e = Analysis::new(&model).unwrap_err();
    assert_eq!(e.outcome_space, 10u128.pow(20));
    let path = write_temp("analysis", "huge.toml", &src);
    let p = path.to_str().unwrap();
    let o = negsim(&["check", p]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("Outcome-space analysis: not computed"),
        "{}",
        stdout(&o)
    );
    let o = negsim(&["run", p, "--format", "json"]);
    assert!(o.status.success());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["outcome_space"]["computed"], false);
    assert!(j["deadlines"][0]["mean_distance_pareto"].is_null());
}

#[test]
fn check_prints_the_analysis() {
    let o = negsim(&["check", "scenarios/two-party-split.toml"]);
    let out = stdout(&o);
    assert!(out.contains("Pareto frontier: 11 packages"), "{out}");
    assert!(out.contains("Nash point (largest product of gains): utilities 0.500, 0.500"));
}

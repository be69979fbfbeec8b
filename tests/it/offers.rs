//! The branch-and-bound offer search chooses exactly what exhaustive search chooses.

use negsim::Scenario;
use negsim::model::{Instance, Model};
use negsim::offer::{OfferSearch, exhaustive_offer};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random scenario; with `grid`, values sit on a coarse grid so that ties are common.
fn random_scenario(rng: &mut ChaCha8Rng, grid: bool) -> String {
    let n_terms = 1 + (rng.next_u32() % 5) as usize;
    let n_agents = 2 + (rng.next_u32() % 3) as usize;
    let mut s = String::from("[scenario]\nname = \"random\"\n[simulation]\ndeadlines = [5]\n");
    let mut sizes = Vec::new();
    for t in 0..n_terms {
        let k = 2 + (rng.next_u32() % 4) as usize;
        sizes.push(k);
        let opts: Vec<String> = (0..k).map(|o| format!("\"o{o}\"")).collect();
        s += &format!(
            "[[terms]]\nid = \"t{t}\"\noptions = [{}]\n",
            opts.join(", ")
        );
    }
    let num = |rng: &mut ChaCha8Rng| {
        let x = unit(rng);
        if grid { (x * 4.0).floor() / 4.0 } else { x }
    };
    let num = &num;
    for a in 0..n_agents {
        s += &format!(
            "[agents.g{a}]\nsignatory = {}\n",
            a == 0 || rng.next_u32() % 4 != 0
        );
        let mut reds = Vec::new();
        for (t, size) in sizes.iter().enumerate() {
            if rng.next_u32() % 5 == 0 {
                reds.push(format!("t{t} = [\"o{}\"]", rng.next_u32() as usize % size));
            }
        }
        if !reds.is_empty() {
            s += &format!("red_lines = {{ {} }}\n", reds.join(", "));
        }
        s += &format!("[agents.g{a}.weights]\n");
        for t in 0..n_terms {
            s += &format!("t{t} = {}\n", num(rng) + 0.01);
        }
        for (t, &k) in sizes.iter().enumerate() {
            s += &format!("[agents.g{a}.values.t{t}]\n");
            for o in 0..k {
                s += &format!("o{o} = {}\n", num(rng));
            }
        }
    }
    s
}

#[test]
fn branch_and_bound_matches_exhaustive_search() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut compared = 0;
    let mut found = 0;
    for case in 0..400 {
        let grid = case % 2 == 1;
        let src = random_scenario(&mut rng, grid);
        let sc =
            Scenario::from_toml_str(&src, "random.toml").unwrap_or_else(|e| panic!("{e}\n{src}"));
        let model = Model::new(&sc);
        let mut inst = Instance::default();
        model.sample_into(case, 0, &mut inst);
        let no = model.n_opts;
        for a in 0..model.n_agents() {
            let own = &inst.util[a * no..(a + 1) * no];
            let gain = &inst.est_others[a * no..(a + 1) * no];
            let mut search = OfferSearch::default();
            search.prepare(&model, a, own, gain);
            for step in 0..=10 {
                let target = if grid {
                    f64::from(step) / 8.0
                } else {
                    unit(&mut rng) * 1.05
                };
                let mut out = Vec::new();
                let fast = search.search(target, &mut out).map(|u| (out.clone(), u));
                let slow = exhaustive_offer(&model, a, own, gain, target);
                assert_eq!(fast, slow, "case {case}, agent {a}, target {target}\n{src}");
                compared += 1;
                found += usize::from(slow.is_some());
            }
        }
    }
    assert!(
        compared > 3000 && found > compared / 3,
        "{found} of {compared}"
    );
}

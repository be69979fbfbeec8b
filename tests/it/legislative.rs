//! The legislative protocol (`protocol = "legislative"`, Baron and Ferejohn 1989) and the
//! stationary strategy: the quota offer search equals exhaustive enumeration on random small
//! spaces, runs are reproducible at any thread count, a 3-agent run follows the documented
//! draws by hand, majority rule passes what unanimity blocks, and bad files are refused with
//! their position.

use crate::common::{negsim, random_agent_tables, random_terms, stderr, stdout, unit, write_temp};
use negsim::Scenario;
use negsim::engine::model::{Instance, Model};
use negsim::engine::offer::quota::{QuotaSearch, exhaustive_quota_offer};
use negsim::engine::offer::{Method, exhaustive_offer};
use negsim::engine::protocol::End;
use negsim::engine::protocol::legislative::recognized;
use negsim::engine::rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// A random legislative scenario of 2 to 5 heuristic signatories, a random quota, red lines
/// and noisy estimates; with `grid`, values sit on a coarse grid so that ties are common.
fn random_scenario(rng: &mut ChaCha8Rng, grid: bool) -> (String, u32) {
    let n_agents = 2 + (rng.next_u32() % 4) as usize;
    let n_terms = 1 + (rng.next_u32() % 3) as usize;
    let quota = 1 + rng.next_u32() % n_agents as u32;
    let mut s = format!(
        "[scenario]\nname = \"random\"\n[simulation]\ndeadlines = [6]\nruns = 20\nprotocol = \"legislative\"\nquota = {quota}\n"
    );
    let sizes = random_terms(&mut s, rng, n_terms, 2, 5);
    let num = |rng: &mut ChaCha8Rng| {
        let x = unit(rng);
        if grid { (x * 4.0).floor() / 4.0 } else { x }
    };
    for a in 0..n_agents {
        s += &format!(
            "[agents.g{a}]\nstrategy = \"boulware\"\nreservation = {}\nestimate_noise = 0.2\n",
            num(rng) / 2.0
        );
        random_agent_tables(&mut s, rng, a, &sizes, 6, grid);
    }
    (s, quota)
}

#[test]
fn the_quota_search_equals_exhaustive_enumeration_on_random_small_spaces() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let mut checked = 0;
    for case in 0..300 {
        let (src, quota) = random_scenario(&mut rng, case % 2 == 0);
        let sc = Scenario::from_toml_str(&src, "random.toml").unwrap();
        assert_eq!(sc.simulation.quota, quota);
        let model = Model::new(&sc);
        let mut inst = Instance::default();
        model.sample_into(case, 0, &mut inst);
        let (na, no) = (model.n_agents(), model.n_opts);
        for a in 0..na {
            let own = &inst.util[a * no..(a + 1) * no];
            let est = &inst.est[a * na * no..(a + 1) * na * no];
            for method in [Method::Auto, Method::BranchAndBound, Method::Staircase] {
                let floor = if case % 3 == 0 {
                    f64::NEG_INFINITY
                } else {
                    inst.reservation[a]
                };
                let mut q = QuotaSearch::default();
                q.prepare(&model, a, own, est, quota, method, floor);
                let mut out = Vec::new();
                for i in 0..=12 {
                    // Targets from above the best down to below zero, some on utilities.
                    let target = inst.best[a] * (1.1 - f64::from(i) / 10.0);
                    let want = exhaustive_quota_offer(&model, a, own, est, quota, target);
                    let got = q.search(&model, target, &mut out).map(|o| (out.clone(), o));
                    assert_eq!(
                        got, want,
                        "case {case} agent {a} {method:?} target {target}\n{src}"
                    );
                    if quota as usize == na {
                        // Unanimity: the same offer as the unanimity search's reference.
                        let others = &inst.est_others[a * no..(a + 1) * no];
                        assert_eq!(want, exhaustive_offer(&model, a, own, others, target));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}

/// Three-agent heuristic legislative scenario with walk-outs and given recognition.
fn three_heuristics(quota: u32) -> String {
    let mut s = format!(
        "[scenario]\nname = \"three\"\n[simulation]\nruns = 3000\nseed = 9\ndeadlines = [3, 8]\nprotocol = \"legislative\"\nquota = {quota}\nrecognition = {{ a = 0.5, b = 0.3, c = 0.2 }}\n[[terms]]\nid = \"split\"\noptions = [{}]\n",
        (0..=10)
            .map(|i| format!("\"s{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (ag, strat) in [("a", "boulware"), ("b", "hardliner"), ("c", "conceder")] {
        s += &format!(
            "[agents.{ag}]\nstrategy = \"{strat}\"\nreservation = {{ uniform = [0.1, 0.3] }}\nwalk_away = 0.02\n[agents.{ag}.weights]\nsplit = 1\n[agents.{ag}.values.split]\n"
        );
        for i in 0..=10 {
            let v = match ag {
                "a" => f64::from(i) / 10.0,
                "b" => f64::from(10 - i) / 10.0,
                _ => 1.0 - (f64::from(i) - 5.0).abs() / 5.0,
            };
            s += &format!("s{i} = {v}\n");
        }
    }
    s
}

#[test]
fn legislative_runs_are_the_same_bytes_at_one_and_two_threads() {
    let path = write_temp("legislative", "three.toml", three_heuristics(2));
    let p = path.to_str().unwrap();
    let one = negsim(&["run", p, "--threads", "1", "--format", "csv"]);
    let two = negsim(&["run", p, "--threads", "2", "--format", "csv"]);
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    assert_eq!(stdout(&one), stdout(&two));
    assert!(!stdout(&one).is_empty());
}

#[test]
fn majority_rule_passes_what_the_hardliner_blocks_under_unanimity() {
    let deals = |quota: u32| {
        let sc = Scenario::from_toml_str(&three_heuristics(quota), "three.toml").unwrap();
        let rep = crate::common::report(&sc);
        rep.deadlines.iter().map(|d| d.agreements).sum::<u64>()
    };
    let (majority, unanimity) = (deals(2), deals(3));
    // The hardliner `b` accepts only its best split: unanimity needs it, a majority does not.
    assert!(majority > unanimity + 1000, "{majority} vs {unanimity}");
}

#[test]
fn a_three_agent_stationary_run_follows_the_documented_draws_by_hand() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/validation/baron-ferejohn.toml"
    ))
    .unwrap();
    let sc = Scenario::from_toml_str(&text, "baron-ferejohn.toml").unwrap();
    assert_eq!(sc.simulation.quota, 2);
    let model = Model::new(&sc);
    for run in 0..20 {
        // Round 1 by hand: the recognition stream's first word picks the proposer by
        // cumulative thirds; the coalition stream's first word picks one of the two others
        // (in file order) as the partner; the proposer keeps 14/20, the partner gets 6/20.
        let play = rng::play_rng(sc.simulation.seed, run);
        let u = rng::uniform01(&mut rng::recognition_rng(&play));
        let p = recognized(&sc.simulation.recognition, u);
        assert_eq!(p, ((u * 3.0) as usize).min(2));
        let others: Vec<usize> = (0..3).filter(|&s| s != p).collect();
        let w = rng::uniform01(&mut rng::coalition_rng(&play));
        let partner = others[((w * 2.0) as usize).min(1)];
        let (inst, res) =
            negsim::engine::montecarlo::trace_run(&model, sc.simulation.seed, run, 10, &mut ());
        assert_eq!(res.end, End::Agreement { round: 1 }, "run {run}");
        for a in 0..3 {
            let want = if a == p {
                0.7
            } else if a == partner {
                0.3
            } else {
                0.0
            };
            let got = inst.utility(&model, a, &res.package);
            assert!(
                (got - want).abs() < 1e-12,
                "run {run} agent {a}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn bad_legislative_files_are_refused_with_their_position() {
    let base = |sim: &str, a_extra: &str| {
        format!(
            "[scenario]\nname = \"x\"\n[simulation]\nruns = 10\ndeadlines = [4]\n{sim}\n[[terms]]\nid = \"t\"\noptions = [\"o0\", \"o1\"]\n[agents.a]\n{a_extra}\n[agents.a.weights]\nt = 1\n[agents.a.values.t]\no0 = 0\no1 = 1\n[agents.b]\n[agents.b.weights]\nt = 1\n[agents.b.values.t]\no0 = 1\no1 = 0\n[agents.c]\n[agents.c.weights]\nt = 1\n[agents.c.values.t]\no0 = 0.5\no1 = 0.5\n"
        )
    };
    let leg = "protocol = \"legislative\"";
    let cases = [
        (
            base(&format!("{leg}\nquota = 0"), ""),
            "quota = 0 is out of range",
            7,
        ),
        (
            base(&format!("{leg}\nquota = 4"), ""),
            "there are 3 signatories",
            7,
        ),
        (
            base(
                &format!("{leg}\nrecognition = {{ a = -0.5, b = 1, c = 0.5 }}"),
                "",
            ),
            "recognition of `a` must be in [0, 1]",
            7,
        ),
        (
            base(&format!("{leg}\nrecognition = {{ a = 0.5, b = 0.3 }}"), ""),
            "sum to 0.8, not 1",
            7,
        ),
        (
            base(&format!("{leg}\nrecognition = {{ a = 0.5, z = 0.5 }}"), ""),
            "`z`, which is not an agent",
            7,
        ),
        (
            base(&format!("{leg}\nmediator = \"a\""), ""),
            "has no mediator",
            7,
        ),
        (
            base("quota = 2", ""),
            "`quota` belongs to protocol = \"legislative\"",
            6,
        ),
        (
            base("", "strategy = \"stationary\""),
            "the protocol is \"alternating\"",
            11,
        ),
        (
            base(leg, "strategy = \"stationary\"\nestimates = \"exact\""),
            "does not discount at the common rate",
            11,
        ),
    ];
    for (i, (src, needle, line)) in cases.iter().enumerate() {
        let path = write_temp("legislative", &format!("bad-{i}.toml"), src);
        let out = negsim(&["check", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "case {i}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(needle), "case {i}: {err}");
        assert!(
            err.contains(&format!("bad-{i}.toml:{line}:")),
            "case {i}: {err}"
        );
    }
    // Everything right but the pie: the utilities of every package sum to 1.5.
    let mut src = base(leg, "");
    for ag in ["a", "b", "c"] {
        src = src.replace(
            &format!("[agents.{ag}]\n"),
            &format!("[agents.{ag}]\nstrategy = \"stationary\"\nestimates = \"exact\"\ndiscount = {{ rate = 0.9, in_decisions = true }}\n"),
        );
    }
    let err = Scenario::from_toml_str(&src, "pie.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("pie.toml:") && err.contains("sum to 1.5, not 1"),
        "{err}"
    );
}

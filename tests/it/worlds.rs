//! Worlds: one draw of every uncertain number per world, many runs of play per world.

use crate::common::{report, scenario, stderr, stdout, temp_dir};
use negsim::Scenario;
use negsim::engine::model::Model;
use negsim::engine::montecarlo::{Control, Settings};
use negsim::engine::worlds::{WorldsOutcome, quantile, simulate_worlds};

fn worlds(sc: &Scenario, k: u64, runs: u64) -> WorldsOutcome {
    let model = Model::new(sc);
    let settings = Settings {
        seed: sc.simulation.seed,
        deadlines: sc.simulation.deadlines.clone(),
        runs: 0..runs,
    };
    simulate_worlds(&model, &settings, 0..k, &Control::default())
}

/// Two agents splitting five options, every number fixed, walk-outs and noisy estimates left
/// to chance: every world is the same world.
const FIXED: &str = r#"
[scenario]
name = "fixed"
[simulation]
seed = 3
deadlines = [2, 6]
[[terms]]
id = "x"
options = ["o0", "o1", "o2", "o3", "o4"]
[agents.a]
walk_away = 0.1
[agents.a.weights]
x = 1
[agents.a.values.x]
o0 = 1.0
o1 = 0.75
o2 = 0.5
o3 = 0.25
o4 = 0.0
[agents.b]
walk_away = 0.1
reservation = 0.2
[agents.b.weights]
x = 1
[agents.b.values.x]
o0 = 0.0
o1 = 0.25
o2 = 0.5
o3 = 0.75
o4 = 1.0
"#;

#[test]
fn worlds_of_fixed_numbers_have_no_spread_and_equal_the_pooled_p() {
    let out = worlds(&scenario(FIXED), 7, 300);
    for d in 0..2 {
        let p = out.p_by_world(d);
        assert_eq!(p.len(), 7);
        assert!(p.iter().all(|&x| x == p[0]), "{p:?}");
        let s = out.spread(d).unwrap();
        let pooled = out.pooled[d].agreements as f64 / out.pooled[d].runs as f64;
        assert_eq!((s.p05, s.p50, s.p95), (pooled, pooled, pooled));
        assert!(pooled > 0.1 && pooled < 0.9, "{pooled}");
    }
    assert_eq!(out.zopa_share(), Some(1.0));
}

#[test]
fn quantiles_match_numpy_s_default_on_hand_computed_cases() {
    // numpy.quantile([0.5, 0.1, 0.4, 0.2, 0.3], [0.05, 0.5, 0.95]) = [0.12, 0.3, 0.48].
    let xs = [0.5, 0.1, 0.4, 0.2, 0.3];
    let q = |p| quantile(&xs, p).unwrap();
    assert!((q(0.05) - 0.12).abs() < 1e-15);
    assert_eq!(q(0.5), 0.3);
    assert!((q(0.95) - 0.48).abs() < 1e-15);
    assert_eq!(quantile(&[0.7], 0.05), Some(0.7));
    assert_eq!(quantile(&[], 0.5), None);
}

#[test]
fn the_spread_is_the_percentiles_of_the_worlds_own_counts() {
    let mut sc = Scenario::bundled();
    sc.simulation.deadlines = vec![26, 52];
    let out = worlds(&sc, 40, 50);
    for d in 0..2 {
        // Independently: each world's agreements over its runs, sorted, type-7 quantiles.
        let mut p: Vec<f64> = out.agreements.iter().map(|a| a[d] as f64 / 50.0).collect();
        p.sort_by(f64::total_cmp);
        let q = |x: f64| {
            let h = 39.0 * x;
            let i = h as usize;
            p[i] + (h - i as f64) * (p[(i + 1).min(39)] - p[i])
        };
        let s = out.spread(d).unwrap();
        assert_eq!((s.p05, s.p50, s.p95), (q(0.05), q(0.5), q(0.95)));
        let total: u64 = out.agreements.iter().map(|a| a[d]).sum();
        assert_eq!(out.pooled[d].agreements, total);
        assert_eq!(out.pooled[d].runs, 40 * 50);
    }
}

#[test]
fn pooled_p_over_worlds_estimates_the_plain_run_s_p() {
    let mut sc = Scenario::bundled();
    sc.simulation.deadlines = vec![26, 52];
    let out = worlds(&sc, 200, 50);
    sc.simulation.runs = 10_000;
    let plain = report(&sc);
    for d in 0..2 {
        let p_w = out.p_by_world(d);
        let k = p_w.len() as f64;
        let mean = p_w.iter().sum::<f64>() / k;
        let var = p_w.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / (k - 1.0);
        let p = plain.deadlines[d].p_agreement;
        // The pooled estimate's variance is the between-world variance over K (clustered
        // runs); the plain one's is binomial. Four standard errors of the difference.
        let se = (var / k + p * (1.0 - p) / 10_000.0).sqrt();
        assert!(
            (mean - p).abs() < 4.0 * se,
            "deadline {d}: {mean} vs {p}, se {se}"
        );
    }
}

#[test]
fn worlds_give_the_same_counts_on_one_and_two_threads() {
    let sc = Scenario::bundled();
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| worlds(&sc, 9, 40))
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn a_world_without_a_zone_of_agreement_is_counted() {
    let none = FIXED
        .replace("reservation = 0.2", "reservation = 0.9")
        .replace("[agents.a]\n", "[agents.a]\nreservation = 0.9\n");
    let out = worlds(&scenario(&none), 3, 20);
    assert_eq!(out.zopa_share(), Some(0.0));
    assert!(out.agreements.iter().all(|a| a.iter().all(|&x| x == 0)));
}

/// Runs `negsim` in `dir` and returns its stdout, asserting success.
fn ok_in(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_negsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn worlds_merged_from_shards_give_the_single_process_bytes() {
    let dir = temp_dir("worlds-shards");
    let base = ["run", "--worlds", "20", "--runs", "400", "--seed", "3"];
    let one_json = ok_in(&dir, &[&base[..], &["--format", "json"]].concat());
    let one_csv = ok_in(&dir, &[&base[..], &["--format", "csv"]].concat());
    for k in 0..3 {
        let shard = format!("{k}/3");
        let part = format!("p{k}.json");
        ok_in(
            &dir,
            &[&base[..], &["--shard", &shard, "-o", &part]].concat(),
        );
    }
    // Any grouping: all three at once, and two merged to a part first.
    let json = ok_in(
        &dir,
        &["merge", "p2.json", "p0.json", "p1.json", "--format", "json"],
    );
    assert_eq!(json, one_json);
    ok_in(
        &dir,
        &[
            "merge", "p1.json", "p2.json", "--format", "part", "-o", "g.json",
        ],
    );
    let csv = ok_in(&dir, &["merge", "g.json", "p0.json", "--format", "csv"]);
    assert_eq!(csv, one_csv);
    assert!(one_json.contains("\"p05\""), "the report has worlds");
}

#[test]
fn parts_with_and_without_worlds_do_not_merge() {
    let dir = temp_dir("worlds-mixed-parts");
    let base = ["run", "--runs", "400", "--seed", "3", "--shard"];
    ok_in(
        &dir,
        &[&base[..], &["0/2", "--worlds", "20", "-o", "a.json"]].concat(),
    );
    ok_in(
        &dir,
        &[&base[..], &["1/2", "--worlds", "0", "-o", "b.json"]].concat(),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_negsim"))
        .current_dir(&dir)
        .args(["merge", "a.json", "b.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("its number of worlds differs"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_world_part_whose_counts_do_not_add_up_is_refused() {
    let dir = temp_dir("worlds-damaged-part");
    ok_in(
        &dir,
        &[
            "run", "--worlds", "10", "--runs", "200", "--shard", "0/1", "-o", "p.json",
        ],
    );
    let text = std::fs::read_to_string(dir.join("p.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let a = &mut v["worlds"]["played"][3]["agreements"][0];
    let n = a.as_u64().unwrap();
    *a = serde_json::json!(if n > 0 { n - 1 } else { n + 1 });
    std::fs::write(dir.join("bad.json"), v.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_negsim"))
        .current_dir(&dir)
        .args(["merge", "bad.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("do not add up"), "{}", stderr(&out));
}

#[test]
fn a_sweep_point_with_worlds_is_the_run_of_that_scenario_with_worlds() {
    // Sweeping a number to the value the file already gives makes that point the file itself:
    // its rows are `run --worlds`'s rows, cell for cell, after the key column.
    let dir = temp_dir("worlds-sweep");
    let file = std::fs::canonicalize("scenarios/ukraine-peace-2025.toml").unwrap();
    let file = file.to_str().unwrap();
    let common = ["--worlds", "20", "--runs", "400", "--seed", "5"];
    let run = ok_in(
        &dir,
        &[&["run", file, "--format", "csv"][..], &common].concat(),
    );
    let sweep_args = [
        &[
            "sweep",
            file,
            "--param",
            "agents.russia.values.nato.permanent_ban=1.0,0.9",
            "-q",
        ][..],
        &common,
    ]
    .concat();
    let sweep = ok_in(&dir, &sweep_args);
    let run_lines: Vec<&str> = run.lines().collect();
    let sweep_lines: Vec<&str> = sweep.lines().collect();
    assert_eq!(
        sweep_lines[0],
        format!(
            "param_agents.russia.values.nato.permanent_ban,{}",
            run_lines[0]
        )
    );
    assert!(run_lines[0].contains("p_worlds_05,p_worlds_50,p_worlds_95"));
    for (s, r) in sweep_lines[1..run_lines.len()].iter().zip(&run_lines[1..]) {
        assert_eq!(*s, format!("1.0,{r}"));
    }
    assert_eq!(sweep_lines.len(), 1 + 2 * (run_lines.len() - 1));
    // The same bytes on one thread and on two, in CSV and in JSON lines.
    for format in ["csv", "jsonl"] {
        let with = |t: &str| {
            ok_in(
                &dir,
                &[&sweep_args[..], &["--threads", t, "--format", format]].concat(),
            )
        };
        assert_eq!(with("1"), with("2"), "{format}");
    }
    let jsonl = ok_in(&dir, &[&sweep_args[..], &["--format", "jsonl"]].concat());
    let row: serde_json::Value = serde_json::from_str(jsonl.lines().nth(2).unwrap()).unwrap();
    assert!(row["p_worlds_95"].as_f64().unwrap() >= row["p_worlds_05"].as_f64().unwrap());
}

#[test]
fn sweep_worlds_refuse_shards_and_too_few_runs() {
    let file = "scenarios/two-party-split.toml";
    let o = crate::common::negsim(&[
        "sweep",
        file,
        "--param",
        "agents.a.reservation=0.2,0.3",
        "--worlds",
        "3",
        "--shard",
        "0/2",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = crate::common::negsim(&[
        "sweep",
        file,
        "--param",
        "agents.a.reservation=0.2,0.3",
        "--worlds",
        "50",
        "--runs",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("50 worlds need at least 50 runs"),
        "{}",
        stderr(&o)
    );
}

//! `negsim run A --compare B` and `negsim::study::compare`: paired differences under common random
//! numbers, checked against independent computations.

use crate::common::{negsim, stderr, stdout, write_temp};
use negsim::study::compare::{compare, paired_interval};
use negsim::{Control, Overrides, Scenario};

fn sim(sc: &Scenario, runs: u64) -> negsim::ResolvedSim {
    Overrides {
        runs: Some(runs),
        // Independent runs: paired with the other side run for run.
        worlds: Some(0),
        ..Default::default()
    }
    .resolve(sc)
    .unwrap()
}

#[test]
fn a_scenario_against_itself_differs_in_no_run() {
    let sc = Scenario::bundled();
    let s = sim(&sc, 600);
    let c = compare(&sc, &sc, &s, "b", &Control::default()).unwrap();
    assert_eq!(c.runs, 600);
    for d in &c.deadlines {
        assert_eq!((d.only_a, d.only_b), (0, 0), "{d:?}");
        assert_eq!(d.diff, 0.0);
        assert_eq!(d.p_a, d.p_b);
        assert!(d.ci95_diff[0] < 0.0 && d.ci95_diff[1] > 0.0);
    }
    assert_eq!(c.a, c.b);
}

#[test]
fn each_side_is_the_report_of_run_and_the_difference_is_their_difference() {
    let a = Scenario::bundled();
    let b = negsim::study::sweep::Sweep::new(
        negsim::scenario::BUNDLED,
        "b",
        &["agents.russia.reservation=0.3".into()],
    )
    .unwrap()
    .scenario(0)
    .unwrap();
    let s = sim(&a, 1000);
    let c = compare(&a, &b, &s, "b", &Control::default()).unwrap();
    let (_, ra) = negsim::simulate_report(&a, &s, &Control::default()).unwrap();
    let (_, rb) = negsim::simulate_report(&b, &s, &Control::default()).unwrap();
    assert_eq!(c.a, ra, "A's side is `negsim run`'s report, bit for bit");
    assert_eq!(c.b, rb);
    let mut moved = false;
    for (d, (x, y)) in c
        .deadlines
        .iter()
        .zip(ra.deadlines.iter().zip(&rb.deadlines))
    {
        assert_eq!(d.p_a, x.p_agreement);
        assert_eq!(d.p_b, y.p_agreement);
        // Agreements of B = agreements of A + (B only) - (A only).
        assert_eq!(y.agreements, x.agreements + d.only_b - d.only_a);
        assert!(d.ci95_diff[0] <= d.diff && d.diff <= d.ci95_diff[1]);
        moved |= d.only_a + d.only_b > 0;
    }
    assert!(moved, "a lower reservation for Russia changes some runs");
}

#[test]
fn the_paired_interval_is_agresti_min() {
    // 30 runs agree under B only, 10 under A only, of 1000: by hand, with a half added to each
    // cell: d = (30.5 - 10.5) / 1002, se = sqrt((41 - 20^2/1002) / 1002^2).
    let [lo, hi] = paired_interval(30, 10, 1000);
    let d = 20.0 / 1002.0;
    let se = ((41.0 - 400.0 / 1002.0) / (1002.0f64 * 1002.0)).sqrt();
    assert!((lo - (d - 1.959964 * se)).abs() < 1e-6, "{lo}");
    assert!((hi - (d + 1.959964 * se)).abs() < 1e-6, "{hi}");
    // No discordant run: symmetric around 0, and narrow for many runs.
    let [lo, hi] = paired_interval(0, 0, 10_000);
    assert!((lo + hi).abs() < 1e-15 && hi < 0.001);
}

#[test]
fn the_command_prints_a_paired_table_and_json() {
    let b = write_temp(
        "compare",
        "b.toml",
        negsim::scenario::BUNDLED.replace(
            "name = \"Ukraine peace framework, spring 2025\"",
            "name = \"B\"",
        ),
    );
    let bp = b.to_str().unwrap();
    let o = negsim(&["run", "--compare", bp, "--runs", "400", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["runs"], 400);
    // One row per deadline of the bundled scenario (its second edition has four).
    let n = negsim::scenario::Scenario::bundled()
        .simulation
        .deadlines
        .len();
    assert_eq!(j["deadlines"].as_array().unwrap().len(), n);
    assert_eq!(j["deadlines"][n - 1]["diff"], 0.0);
    let o = negsim(&["run", "--compare", bp, "--runs", "400"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = stdout(&o);
    assert!(
        t.contains("B - A [95%]") && t.contains("common random numbers"),
        "{t}"
    );
    assert!(t.lines().all(|l| l.chars().count() <= 80), "{t}");
    let o = negsim(&["run", "--compare", "no/such.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no/such.toml"));
}

#[test]
fn init_bundled_writes_the_bundled_scenario() {
    let dir = crate::common::temp_dir("init-bundled");
    let p = dir.join("b.toml");
    let o = negsim(&["init", "--bundled", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        negsim::scenario::BUNDLED
    );
}

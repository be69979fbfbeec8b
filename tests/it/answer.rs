//! The analyst's answer: `run --worlds`, the answer-first block, the blocked shares, the
//! caveat, and the two editions of the bundled scenario.

use crate::common::{negsim, scenario, stderr, stdout, temp_dir, write_temp};
use negsim::Scenario;
use negsim::engine::model::Model;
use negsim::engine::montecarlo::{Control, Settings};
use negsim::engine::worlds::simulate_worlds;
use negsim::report::{Report, View};

const EXTENDED: &str = include_str!("../../scenarios/ukraine-peace-2025-extended.toml");

fn worlds_report(sc: &Scenario, k: u64, runs: u64) -> Report {
    let model = Model::new(sc);
    let settings = Settings {
        seed: sc.simulation.seed,
        deadlines: sc.simulation.deadlines.clone(),
        runs: 0..runs,
    };
    let out = simulate_worlds(&model, &settings, 0..k, &Control::default());
    Report::of_worlds(&model, settings.seed, runs, &out)
}

#[test]
fn the_default_report_answers_first_and_fits_80_columns() {
    let o = negsim(&["run", "--worlds", "200"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let first: Vec<&str> = out.lines().take(16).collect();
    let head = first.join("\n");
    for needle in [
        "P(deal by week w)",
        "across worlds",
        "What matters most:",
        "Who blocks by week 26",
        "Likeliest deal by week 26",
    ] {
        assert!(
            head.contains(needle),
            "{needle:?} not in the first lines:\n{head}"
        );
    }
    let wide: Vec<&str> = out.lines().filter(|l| l.chars().count() > 80).collect();
    assert!(wide.is_empty(), "lines over 80 columns: {wide:#?}");
    // One deals block by default: the middle checkpoint's.
    assert_eq!(out.matches("Deals within").count(), 1, "{out}");
    let all = stdout(&negsim(&["run", "--worlds", "200", "--all-deadlines"]));
    assert_eq!(all.matches("Deals within").count(), 4);
}

#[test]
fn detail_picks_the_deadline_the_sentences_describe() {
    let out = stdout(&negsim(&["run", "--detail", "52"]));
    assert!(out.contains("Who blocks by week 52"), "{out}");
    assert!(out.contains("Deals within 52 weeks"), "{out}");
    let bad = negsim(&["run", "--detail", "30"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = stderr(&bad);
    assert!(
        err.contains("--detail") && err.contains("4, 12, 26, 52"),
        "{err}"
    );
}

#[test]
fn worlds_output_is_the_same_on_one_and_two_threads() {
    let args = |t: &'static str| ["run", "--worlds", "30", "--runs", "1200", "--threads", t];
    for format in ["json", "csv", "table"] {
        let one = negsim(&[&args("1")[..], &["--format", format]].concat());
        let two = negsim(&[&args("2")[..], &["--format", format]].concat());
        assert!(one.status.success(), "{}", stderr(&one));
        assert_eq!(one.stdout, two.stdout, "{format}");
    }
}

#[test]
fn json_and_csv_carry_the_spread_and_the_blocked_shares() {
    let json = stdout(&negsim(&[
        "run", "--worlds", "20", "--runs", "1000", "--format", "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["worlds"]["worlds"], 20);
    assert_eq!(v["worlds"]["runs_per_world"], 50);
    assert_eq!(v["runs"], 1000);
    for d in v["deadlines"].as_array().unwrap() {
        let w = &d["worlds"];
        let (a, b, c) = (
            w["p05"].as_f64().unwrap(),
            w["p50"].as_f64().unwrap(),
            w["p95"].as_f64().unwrap(),
        );
        assert!(a <= b && b <= c, "{w}");
        assert!(d["blocked_share"]["russia"].as_f64().unwrap() <= 1.0);
    }
    let csv = stdout(&negsim(&[
        "run", "--worlds", "20", "--runs", "1000", "--format", "csv",
    ]));
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains(",p_agreement_no_walkout,p_worlds_05,p_worlds_50,p_worlds_95,"),
        "{header}"
    );
    // Without worlds: no spread in JSON, no spread columns in CSV.
    let plain = stdout(&negsim(&["run", "--worlds", "0", "--format", "csv"]));
    assert!(!plain.contains("p_worlds"), "{plain}");
}

#[test]
fn blocked_shares_are_the_blocked_counts_over_the_runs_without_a_deal() {
    let r = crate::common::report(&Scenario::bundled());
    for d in &r.deadlines {
        let without = (d.runs - d.agreements) as f64;
        for (id, &c) in &d.blocked_by {
            assert_eq!(d.blocked_share[id], c as f64 / without);
        }
    }
}

/// Two agents splitting five options with fixed numbers: every world is the same world.
const FIXED: &str = r#"
[scenario]
name = "fixed"
[simulation]
seed = 5
deadlines = [3, 8]
[[terms]]
id = "x"
options = ["o0", "o1", "o2", "o3", "o4"]
[agents.a]
walk_away = 0.05
[agents.a.weights]
x = 1
[agents.a.values.x]
o0 = 1.0
o1 = 0.75
o2 = 0.5
o3 = 0.25
o4 = 0.0
[agents.b]
walk_away = 0.05
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
fn identical_worlds_give_a_degenerate_spread_and_an_interval_no_narrower_than_wilson() {
    let sc = scenario(FIXED);
    let r = worlds_report(&sc, 10, 400);
    for d in &r.deadlines {
        let w = d.worlds.as_ref().unwrap();
        assert_eq!(
            (w.p05, w.p50, w.p95),
            (d.p_agreement, d.p_agreement, d.p_agreement)
        );
        assert_eq!(w.assumption_share, None);
        assert!(w.drivers.is_empty());
        // Every world replays the same 400 runs: the Monte Carlo error is that of 400 runs,
        // not of 4,000 (the naive Wilson interval of all runs would be ~3 times narrower).
        let (lo, hi) =
            negsim::engine::stats::wilson(d.agreements, d.runs, negsim::engine::stats::Z95);
        assert!(d.ci95[0] <= lo && d.ci95[1] >= hi);
        let p = d.p_agreement;
        let half = 1.959_963_984_540_054 * (p * (1.0 - p) / 399.0).sqrt();
        assert!(
            ((d.ci95[1] - d.ci95[0]) / 2.0 - half).abs() < 0.01,
            "{:?} vs ±{half}",
            d.ci95
        );
    }
    assert_eq!(r.worlds.as_ref().unwrap().zopa_share, Some(1.0));
}

#[test]
fn the_number_that_decides_p_is_named_in_the_scenario_s_words() {
    // b's reservation is the only uncertain number, and it decides whether a deal exists.
    let src = FIXED.replace(
        "reservation = 0.2",
        "reservation = { uniform = [0.0, 0.9] }\nname = \"Party B\"",
    );
    let r = worlds_report(&scenario(&src), 60, 100);
    let d = &r.deadlines[1];
    let top = &d.worlds.as_ref().unwrap().drivers[0];
    assert_eq!(top.path, "agents.b.reservation");
    assert_eq!(top.label, "Party B · reservation value");
    assert!(top.rank_correlation < -0.8, "{top:?}");
    let model = Model::new(&scenario(&src));
    let text = r.to_table_view(&model, &View::default());
    assert!(
        text.contains("What matters most: Party B · reservation value"),
        "{text}"
    );
    // The worlds' 5-95% range is well under 0.5 here: no caveat.
    let w = d.worlds.as_ref().unwrap();
    assert!(w.p95 - w.p05 < 0.5, "{w:?}");
    assert!(!text.contains("Caveat:"), "{text}");
}

#[test]
fn the_bundled_crimea_term_puts_the_plan_s_own_item_on_the_table() {
    let sc = Scenario::bundled();
    let crimea = sc.terms.iter().find(|t| t.id == "crimea").unwrap();
    assert!(crimea.options.iter().any(|o| o == "recognized_by_us"));
    let r = crate::common::report(&sc);
    let last = r.deadlines.last().unwrap();
    // US recognition (not Kyiv's) is agreed in a real share of the deals...
    assert!(
        last.option_shares["crimea"]["recognized_by_us"] > 0.1,
        "{last:?}"
    );
    // ...and Kyiv's own recognition, its red line, never.
    assert_eq!(last.option_shares["crimea"]["recognized_by_all"], 0.0);
}

#[test]
fn the_us_signs_so_its_tactic_moves_the_outcome() {
    let mut sc = Scenario::bundled();
    sc.simulation.runs = 2000;
    sc.simulation.deadlines = vec![52];
    let conceder = crate::common::report(&sc).deadlines[0].p_agreement;
    let us = sc.agents.iter().position(|a| a.id == "us").unwrap();
    assert!(sc.agents[us].signatory);
    sc.agents[us].strategy = negsim::scenario::Strategy::Hardliner;
    let hard = crate::common::report(&sc).deadlines[0].p_agreement;
    assert!(conceder - hard > 0.3, "{conceder} vs {hard}");
}

#[test]
fn the_extended_edition_checks_and_runs() {
    let path = write_temp("extended", "extended.toml", EXTENDED);
    let p = path.to_str().unwrap();
    let check = negsim(&["check", p]);
    assert!(check.status.success(), "{}", stderr(&check));
    let run = negsim(&["run", p, "--worlds", "20", "--runs", "1000"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let sc = scenario(EXTENDED);
    for id in ["guarantee", "us_business", "rebuilding"] {
        assert!(sc.terms.iter().any(|t| t.id == id), "{id}");
    }
}

#[test]
fn worlds_with_per_run_are_refused_but_shard() {
    let dir = temp_dir("worlds-per-run");
    let table = dir.join("runs.csv");
    let o = negsim(&[
        "run",
        "--worlds",
        "10",
        "--per-run",
        table.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--worlds 0"), "{}", stderr(&o));
    assert!(!table.exists(), "nothing is written when refused");
    let o = negsim(&["run", "--worlds", "10", "--shard", "0/2", "-o", "/dev/null"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn worlds_share_the_runs_and_more_worlds_than_runs_are_refused() {
    let json = stdout(&negsim(&[
        "run", "--worlds", "30", "--runs", "1000", "--format", "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // 1,000 runs shared by 30 worlds: 33 each, 990 played.
    assert_eq!(v["worlds"]["runs_per_world"], 33);
    assert_eq!(v["runs"], 990);
    let o = negsim(&["run", "--worlds", "50", "--runs", "20"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("50 worlds need at least 50 runs"),
        "{}",
        stderr(&o)
    );
}

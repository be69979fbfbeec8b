//! Sensitivity analysis: the Sobol estimator against the analytic Ishigami indices, the paired
//! interval against its nominal coverage, and both methods on a scenario where one factor
//! decides agreement.

use crate::common::{negsim, negsim_env, scenario, split, stderr, stdout, write_temp};
use negsim::Scenario;
use negsim::scenario::slots::all_slots;
use negsim::study::sensitivity::factors::scenario_factors;
use negsim::study::sensitivity::paths::{ParamRange, with_ranges};
use negsim::study::sensitivity::sobol::sobol_indices;
use negsim::study::sensitivity::{
    Method, Options, SensitivityReport, analyze, paired_difference_ci,
};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use std::f64::consts::PI;

const A: f64 = 7.0;
const B: f64 = 0.1;

/// The Ishigami function on the unit cube (each input mapped to [-π, π]).
fn ishigami(u: &[f64]) -> f64 {
    let x: Vec<f64> = u.iter().map(|u| -PI + 2.0 * PI * u).collect();
    x[0].sin() + A * x[1].sin().powi(2) + B * x[2].powi(4) * x[0].sin()
}

/// Analytic first- and total-order indices of the Ishigami function (Ishigami & Homma 1990;
/// Sobol' & Levitan 1999), from its partial variances.
fn ishigami_analytic() -> ([f64; 3], [f64; 3]) {
    let v1 = 0.5 * (1.0 + B * PI.powi(4) / 5.0).powi(2);
    let v2 = A * A / 8.0;
    let v13 = B * B * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
    let v = v1 + v2 + v13;
    ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
}

#[test]
fn ishigami_analytic_values_are_the_published_ones() {
    let (s1, st) = ishigami_analytic();
    let published = ([0.3139, 0.4424, 0.0], [0.5576, 0.4424, 0.2437]);
    for i in 0..3 {
        assert!((s1[i] - published.0[i]).abs() < 5e-4, "S1[{i}] = {}", s1[i]);
        assert!((st[i] - published.1[i]).abs() < 5e-4, "ST[{i}] = {}", st[i]);
    }
}

#[test]
fn ishigami_indices_lie_within_their_bootstrap_intervals() {
    let (s1, st) = ishigami_analytic();
    let est = sobol_indices(3, 4096, 11, 1000, ishigami);
    for i in 0..3 {
        let (c1, ct) = (est.s1_ci[i], est.st_ci[i]);
        assert!(
            c1[0] <= s1[i] && s1[i] <= c1[1],
            "S1[{i}] = {} outside {c1:?} (estimate {})",
            s1[i],
            est.indices.s1[i]
        );
        assert!(
            ct[0] <= st[i] && st[i] <= ct[1],
            "ST[{i}] = {} outside {ct:?} (estimate {})",
            st[i],
            est.indices.st[i]
        );
        // Intervals narrow enough to mean something at N = 4096.
        assert!(c1[1] - c1[0] < 0.15 && ct[1] - ct[0] < 0.1, "{c1:?} {ct:?}");
        assert!(c1[0] <= est.indices.s1[i] && est.indices.s1[i] <= c1[1]);
    }
    // The analytic variance of the function is the estimator's denominator.
    let v = 0.5 + A * A / 8.0 + B * PI.powi(4) / 5.0 + B * B * PI.powi(8) / 18.0;
    assert!((est.indices.variance - v).abs() / v < 0.05);
}

#[test]
fn ishigami_bootstrap_intervals_cover_near_their_nominal_rate() {
    // Over independent seeds, 95% intervals must contain the analytic value about 95% of the
    // time; a badly calibrated bootstrap would show here (30 seeds x 6 indices).
    let (s1, st) = ishigami_analytic();
    let mut covered = 0;
    let mut total = 0;
    for seed in 100..130 {
        let est = sobol_indices(3, 1024, seed, 400, ishigami);
        for i in 0..3 {
            covered += usize::from(est.s1_ci[i][0] <= s1[i] && s1[i] <= est.s1_ci[i][1]);
            covered += usize::from(est.st_ci[i][0] <= st[i] && st[i] <= est.st_ci[i][1]);
            total += 2;
        }
    }
    let rate = covered as f64 / total as f64;
    assert!(rate >= 0.88, "coverage {rate} ({covered}/{total})");
}

#[test]
fn estimator_recovers_an_additive_function() {
    // f = 2·u0 + u1: S1 = ST = (4/5, 1/5, 0) analytically (Var u = 1/12 for each input).
    let est = sobol_indices(3, 4096, 5, 500, |u: &[f64]| 2.0 * u[0] + u[1]);
    let want = [0.8, 0.2, 0.0];
    for (i, w) in want.iter().enumerate() {
        assert!((est.indices.s1[i] - w).abs() < 0.05, "{:?}", est.indices.s1);
        assert!((est.indices.st[i] - w).abs() < 0.03, "{:?}", est.indices.st);
    }
    // An input the function ignores gets exactly zero total effect.
    assert_eq!(est.indices.st[2], 0.0);
    assert_eq!(est.st_ci[2], [0.0, 0.0]);
}

#[test]
fn paired_interval_covers_the_true_difference() {
    // Simulated paired binary data with P(gain) = 0.06, P(loss) = 0.02: the true difference is
    // 0.04. The Agresti–Min interval should cover it in about 95% of 2000 replicates.
    let mut rng = ChaCha8Rng::from_seed([7; 32]);
    let (n, reps) = (400u64, 2000);
    let mut covered = 0;
    for _ in 0..reps {
        let (mut g, mut l) = (0, 0);
        for _ in 0..n {
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if u < 0.06 {
                g += 1;
            } else if u < 0.08 {
                l += 1;
            }
        }
        let ci = paired_difference_ci(g, l, n, 1.959_963_984_540_054);
        covered += usize::from(ci[0] <= 0.04 && 0.04 <= ci[1]);
    }
    let rate = covered as f64 / reps as f64;
    assert!((0.93..=0.975).contains(&rate), "coverage {rate}");
    // No discordant pair: the interval still has width, and contains 0.
    let ci = paired_difference_ci(0, 0, 1000, 1.96);
    assert!(ci[0] < 0.0 && ci[1] > 0.0 && ci[1] < 0.01, "{ci:?}");
}

/// A split (option `a_i` gives A i/10 and B 1 - i/10) where A's uncertain reservation decides
/// whether a zone of agreement exists: B's reservation is at most 0.15, so B accepts `a_8`
/// (worth 0.2 to B) and a deal exists when A's reservation is at most 0.8. The other uncertain
/// numbers do not matter: values of options the other side red-lines (never offered, never
/// accepted), and B's reservation within [0, 0.15] (by round 19 the conceder's target is below
/// 0.2 anyway).
fn one_factor_scenario() -> Scenario {
    let src = split(
        "runs = 2000\nseed = 3\ndeadlines = [20]",
        "reservation = { uniform = [0.35, 0.95] }\nstrategy = \"boulware\"\n\
         red_lines = { share = [\"a_0\", \"a_1\"] }",
        "reservation = { uniform = [0, 0.15] }\nstrategy = \"conceder\"\n\
         red_lines = { share = [\"a_9\", \"a_10\"] }",
    )
    .replace(
        "a_9 = 0.9\na_10 = 1\n",
        "a_9 = { uniform = [0.5, 1.0] }\na_10 = { normal = [0.9, 0.1] }\n",
    )
    .replace(
        "a_0 = 1\na_1 = 0.9\n",
        "a_0 = { triangular = [0.5, 0.9, 1.0] }\na_1 = 0.9\n",
    );
    scenario(&src)
}

fn analyze_one_factor(method: Method, runs: u64, samples: usize) -> SensitivityReport {
    let sc = one_factor_scenario();
    let factors = scenario_factors(&sc);
    let opts = Options {
        method,
        deadline: 20,
        seed: 3,
        runs,
        samples,
        bootstrap: 500,
    };
    analyze(&sc, &factors, &opts)
}

#[test]
fn the_test_scenario_has_the_intended_factors() {
    let sc = one_factor_scenario();
    let names: Vec<String> = scenario_factors(&sc).into_iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "agents.a.values.share.a_9",
            "agents.a.values.share.a_10",
            "agents.a.reservation",
            "agents.b.values.share.a_0",
            "agents.b.reservation",
        ]
    );
}

#[test]
fn sobol_puts_all_the_variance_on_the_deciding_factor() {
    let r = analyze_one_factor(Method::Sobol, 16, 256);
    let so = r.sobol.as_ref().unwrap();
    assert_eq!(r.evaluations, 256 * (5 + 2));
    // Three quarters of the sampled reservations (0.35 to 0.8 of 0.35 to 0.95) leave a zone of
    // agreement.
    assert!((so.mean - 0.75).abs() < 0.08, "mean {}", so.mean);
    let top = &so.rows[0];
    assert_eq!(top.factor, "agents.a.reservation");
    assert!(top.s1 > 0.9 && top.st > 0.9, "{top:?}");
    // P(agreement | x) is (all but) an indicator of A's reservation alone, so both of its
    // indices are 1; the intervals must say so.
    assert!(top.s1_ci95[0] <= 1.0 && 1.0 <= top.s1_ci95[1], "{top:?}");
    assert!(top.st_ci95[0] <= 1.0 && 1.0 <= top.st_ci95[1], "{top:?}");
    assert!(top.st_ci95[0] > 0.85, "{top:?}");
    for row in &so.rows[1..] {
        assert!(row.s1.abs() < 0.05 && row.st < 0.05, "{row:?}");
    }
    // Options the other side red-lines change no run at all: with common random numbers their
    // total index is exactly zero, not merely small.
    for row in so.rows.iter().filter(|r| r.factor.contains(".values.")) {
        assert_eq!((row.s1, row.st), (0.0, 0.0), "{row:?}");
    }
}

#[test]
fn oat_ranks_the_deciding_factor_first() {
    let r = analyze_one_factor(Method::Oat, 2000, 0);
    let o = r.oat.as_ref().unwrap();
    // The base point, both ends of five factors, and the headline point.
    assert_eq!(r.evaluations, 2 * 5 + 2);
    let top = &o.rows[0];
    assert_eq!(top.factor, "agents.a.reservation");
    assert_eq!(top.label, "a · reservation value");
    // 5th and 95th percentiles of uniform(0.35, 0.95).
    assert!((top.low - 0.38).abs() < 1e-12 && (top.high - 0.92).abs() < 1e-12);
    // At 0.38 a zone of agreement exists, at 0.92 none does.
    assert!(top.p_low > 0.95 && top.p_high == 0.0, "{top:?}");
    // One assumption decides P here, and the report says so in words (issue 14: honest
    // headlines), in the table and the JSON alike.
    let caveat = r.caveat.as_deref().expect("a swing of 0.95 earns a caveat");
    assert!(
        caveat.contains("a · reservation value") && caveat.contains("not a forecast"),
        "{caveat}"
    );
    assert!(r.to_table().contains(&format!("Caveat: {caveat}")));
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["caveat"], caveat);
    assert!(top.change < -0.95 && top.ci95[1] < -0.9, "{top:?}");
    for row in &o.rows[1..] {
        assert!(row.change.abs() < 0.01, "{row:?}");
        assert!(row.ci95[0] <= row.change && row.change <= row.ci95[1]);
    }
    // The base point (all at means, reservation 0.65) agrees like the low end.
    assert!(o.base > 0.95, "{}", o.base);
}

#[test]
fn oat_change_is_the_paired_count_difference() {
    let r = analyze_one_factor(Method::Oat, 1000, 0);
    for row in &r.oat.unwrap().rows {
        let d = (row.gained as f64 - row.lost as f64) / 1000.0;
        assert!((row.change - d).abs() < 1e-12);
        assert!((row.change - (row.p_high - row.p_low)).abs() < 1e-12);
    }
}

/// The deciding-factor split without the irrelevant factors, as a file.
fn one_factor_file(tag: &str) -> String {
    let src = split(
        "runs = 500\nseed = 3\ndeadlines = [10, 20]",
        "reservation = { uniform = [0.35, 0.95] }\nstrategy = \"boulware\"",
        "reservation = { uniform = [0, 0.15] }\nstrategy = \"conceder\"",
    );
    write_temp(tag, "s.toml", src).to_str().unwrap().to_string()
}

#[test]
fn cli_output_is_identical_for_any_thread_count() {
    let path = one_factor_file("sens-threads");
    for method in ["oat", "sobol"] {
        let mut args = vec![
            "sensitivity",
            path.as_str(),
            "--method",
            method,
            "--format",
            "json",
        ];
        if method == "sobol" {
            args.extend(["--samples", "64", "--runs", "40"]);
        }
        let one = negsim_env(&args, &[("RAYON_NUM_THREADS", "1")]);
        assert!(one.status.success(), "{}", stderr(&one));
        let two = negsim_env(&args, &[("RAYON_NUM_THREADS", "2")]);
        let three = negsim_env(&[&args[..], &["--threads", "3"]].concat(), &[]);
        assert_eq!(stdout(&one), stdout(&two), "{method}");
        assert_eq!(stdout(&one), stdout(&three), "{method}");
    }
}

#[test]
fn cli_prints_the_evaluation_count_and_defaults_to_the_longest_deadline() {
    let path = one_factor_file("sens-cli");
    let o = negsim(&[
        "sensitivity",
        &path,
        "--method",
        "sobol",
        "--samples",
        "32",
        "--runs",
        "8",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Two factors (the reservations): N·(k+2) = 32·4.
    assert!(
        stderr(&o).contains("128 model evaluations x 8 runs"),
        "{}",
        stderr(&o)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["method"], "sobol");
    assert_eq!(v["deadline"], 20);
    assert_eq!(v["evaluations"], 128);
    assert_eq!(v["sobol"]["rows"].as_array().unwrap().len(), 2);
    assert!(v.get("oat").is_none());

    let o = negsim(&["sensitivity", &path, "--deadline", "10", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "factor,label,low,high,mean,p_low,p_high,change,ci_low,ci_high,gained,lost,p_base,\
         seed,protocol,round_label,mode,negsim_version"
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("agents.a.reservation,a · reservation value,")
    );
    assert_eq!(lines.count(), 1);

    let o = negsim(&["sensitivity", &path, "--runs", "300"]);
    let table = stdout(&o);
    assert!(table.contains("within 20 rounds"), "{table}");
    assert!(table.contains("6 model evaluations x 300 runs"), "{table}");
}

#[test]
fn cli_refuses_invalid_requests_with_exit_code_2() {
    let path = one_factor_file("sens-bad");
    let fixed = write_temp(
        "sens-fixed",
        "s.toml",
        split("deadlines = [5]", "reservation = 0.3", "reservation = 0.3"),
    );
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--samples", "64"],
            "--samples applies to --method sobol",
        ),
        (vec!["--method", "sobol", "--samples", "1"], "between 2 and"),
        (vec!["--deadline", "0"], "deadline 0 is out of range"),
        (vec!["--runs", "0"], "0 runs is out of range"),
        (vec!["--threads", "0"], "0 threads"),
        (vec!["--method", "tornado"], "invalid value"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["sensitivity", path.as_str()];
        args.extend(extra);
        let o = negsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
    let o = negsim(&["sensitivity", fixed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no uncertain numbers"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_parameter_path_resolves_to_its_own_slot() {
    let sc = Scenario::bundled();
    let slots = all_slots(&sc);
    // 4 agents x (6 weights + 18 option values + reservation, walk-out, exponent, horizon,
    // delay cost; no deadline belief under a horizon clock) + the mediator's learning rate.
    assert_eq!(slots.len(), 4 * (6 + 18 + 5) + 1);
    for slot in slots {
        let p = slot.get(&sc).unwrap();
        let path = slot.path(&sc);
        let r = ParamRange::parse(&format!("{path}={}:{}", p.min, p.min)).unwrap();
        assert_eq!(r.resolve(&sc).unwrap().0, slot, "{path}");
    }
    // The paths of the uncertain ones are the factors, which `check` counts.
    assert_eq!(scenario_factors(&sc).len(), 48);
    assert!(
        negsim::study::check::Summary::of(&sc)
            .to_text()
            .contains("48 uncertain parameters")
    );
}

/// `sensitivity --param` and `sweep --param` resolve paths separately (slots of the compiled
/// scenario against keys of the TOML file); they must name every number alike: sweeping a
/// slot's path to a value sets exactly the number that fixing the slot sets.
#[test]
fn sensitivity_paths_name_the_same_numbers_as_sweep_paths() {
    let labour = std::fs::read_to_string("scenarios/labour-contract.toml").unwrap();
    for src in [negsim::scenario::BUNDLED, labour.as_str()] {
        let sc = scenario(src);
        for slot in all_slots(&sc) {
            let path = slot.path(&sc);
            let v = slot.get(&sc).unwrap().mean();
            let sweep = negsim::study::sweep::Sweep::new(src, "s.toml", &[format!("{path}={v}")])
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            let mut fixed = sc.clone();
            slot.fix(&mut fixed, v);
            let swept = sweep.scenario(0).unwrap();
            assert_eq!(slot.get(&swept), slot.get(&fixed), "{path}");
        }
    }
}

#[test]
fn a_param_range_adds_or_replaces_a_factor() {
    let sc = one_factor_scenario();
    let base = scenario_factors(&sc);
    // Replacing an uncertain reservation by a range inside the zone of agreement takes its
    // effect away; the factor keeps its place.
    let r = ParamRange::parse("agents.a.reservation=0.1:0.2").unwrap();
    let f = with_ranges(&sc, base.clone(), &[r]).unwrap();
    assert_eq!(f.len(), base.len());
    assert_eq!(f[2].name, "agents.a.reservation");
    assert_eq!((f[2].low, f[2].high), (0.1, 0.2));
    assert!((f[2].mean - 0.15).abs() < 1e-12);
    let opts = Options {
        method: Method::Oat,
        deadline: 20,
        seed: 3,
        runs: 500,
        samples: 0,
        bootstrap: 0,
    };
    let r = analyze(&sc, &f, &opts);
    let o = r.oat.unwrap();
    assert!(o.rows.iter().all(|row| row.change.abs() < 0.01), "{o:?}");
    assert_eq!(r.factors[2].source, "--param");
    assert_eq!(r.factors[2].distribution, "uniform(0.1, 0.2)");
    // A fixed number becomes a factor at the end, sampled uniformly on its range by Sobol.
    let r = ParamRange::parse("agents.b.walk_away=0:0.5").unwrap();
    let f = with_ranges(&sc, base.clone(), &[r]).unwrap();
    assert_eq!(f.len(), base.len() + 1);
    let last = f.last().unwrap();
    assert_eq!(last.name, "agents.b.walk_away");
    assert!((last.at_quantile(0.25) - 0.125).abs() < 1e-12);
    let r = analyze(&sc, &f, &Options { runs: 500, ..opts });
    assert_eq!(r.factors[5].name, "agents.b.walk_away");
    let o = r.oat.unwrap();
    // From no walk-outs (the deal always comes: A's reservation is at its mean 0.65) to a 50%
    // chance per round (no negotiation lasts to the deal).
    assert_eq!(o.rows[0].factor, "agents.b.walk_away");
    assert!(o.rows[0].p_low > 0.99 && o.rows[0].p_high < 0.01, "{o:?}");
    // At the base walk-out chance of 25% per round almost every run ends in a walk-out before
    // the deal (0.75^15 is about 1.3%), so A's reservation barely matters there: a tornado is
    // local. It can only take away the few deals that survive.
    assert!(o.base < 0.03, "{o:?}");
    let res = o.rows.iter().find(|x| x.factor == "agents.a.reservation");
    assert!(res.unwrap().change.abs() <= o.base, "{o:?}");
}

#[test]
fn cli_param_ranges_are_validated() {
    let path = one_factor_file("sens-param");
    let hard = write_temp(
        "sens-hard",
        "s.toml",
        split(
            "deadlines = [5]",
            "reservation = { uniform = [0.2, 0.4] }\nstrategy = \"hardliner\"",
            "",
        ),
    );
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            &path,
            "agents.a.reservaton=0.1:0.2",
            "did you mean `agents.a.reservation`?",
        ),
        (&path, "agents.a.reservation", "has no `=`"),
        (&path, "agents.a.reservation=0.1", "has no `:`"),
        (&path, "agents.a.reservation=x:0.2", "not a finite number"),
        (&path, "agents.a.reservation=0.5:0.2", "above HIGH"),
        (&path, "agents.a.reservation=0.5:1.2", "must be in [0, 1]"),
        (
            &path,
            "agents.a.weights.share=-1:2",
            "must be in [0, 1000000]",
        ),
        (
            &path,
            "agents.a.strategy.exponent=0:2",
            "must be in [0.001, 1000]",
        ),
        (&path, "simulation.runs=1:2", "names no numeric value"),
        (
            hard.to_str().unwrap(),
            "agents.a.strategy.exponent=0.5:2",
            "is a hardliner",
        ),
    ];
    for (file, param, needle) in cases {
        let o = negsim(&["sensitivity", file, "--param", param]);
        assert_eq!(o.status.code(), Some(2), "{param}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{param}: {}", stderr(&o));
    }
    let o = negsim(&[
        "sensitivity",
        &path,
        "--param",
        "agents.b.walk_away=0:0.1",
        "--param",
        "agents.b.walk_away=0:0.2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("more than once"), "{}", stderr(&o));
    // A scenario without distributions becomes analysable with a range.
    let fixed = write_temp(
        "sens-fixed2",
        "s.toml",
        split(
            "deadlines = [20]\nruns = 400",
            "reservation = 0.3\nstrategy = \"boulware\"",
            "reservation = 0.3\nstrategy = \"conceder\"",
        ),
    );
    let o = negsim(&[
        "sensitivity",
        fixed.to_str().unwrap(),
        "--param",
        "agents.a.reservation=0.35:0.95",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let row: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(
        &row[..4],
        [
            "agents.a.reservation",
            "a · reservation value",
            "0.35",
            "0.95"
        ]
    );
    assert!(
        (row[4].parse::<f64>().unwrap() - 0.65).abs() < 1e-12,
        "{out}"
    );
    // p_low: a zone of agreement exists; p_high: none.
    assert!(
        row[5].parse::<f64>().unwrap() > 0.95 && row[6] == "0.0",
        "{out}"
    );
}

#[test]
fn constant_agreement_leaves_the_indices_undefined() {
    // Both sides demand 0.9 of a two-option split: no deal whatever the uncertain weight.
    let sc = scenario(
        r#"
[scenario]
name = "no deal"
[simulation]
deadlines = [5]
[[terms]]
id = "x"
options = ["a", "b"]
[agents.p]
reservation = 0.9
[agents.p.weights]
x = { uniform = [0.5, 1.0] }
[agents.p.values.x]
a = 1.0
b = 0.0
[agents.q]
reservation = 0.9
[agents.q.weights]
x = 1.0
[agents.q.values.x]
a = 0.0
b = 1.0
"#,
    );
    let factors = scenario_factors(&sc);
    let opts = Options {
        method: Method::Sobol,
        deadline: 5,
        seed: 1,
        runs: 4,
        samples: 16,
        bootstrap: 50,
    };
    let r = analyze(&sc, &factors, &opts);
    let so = r.sobol.as_ref().unwrap();
    assert_eq!((so.mean, so.variance), (0.0, 0.0));
    assert!(so.rows[0].s1.is_nan() && so.rows[0].st.is_nan());
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert!(json["sobol"]["rows"][0]["s1"].is_null());
    assert!(r.to_table().contains("indices are undefined"));
    assert_eq!(
        r.to_csv().lines().nth(1),
        Some(
            format!(
                "agents.p.weights.x,p · weight of x,,,,,,,1,alternating,round,deadline,{}",
                negsim::provenance::VERSION
            )
            .as_str()
        )
    );
    // Constant P: no factor decides it, so no caveat.
    assert_eq!(r.caveat, None);
}

//! The tally counts agreed packages one by one only up to `MAX_PACKAGES` distinct ones, so its
//! memory does not grow with the runs; beyond the bound the report says its top packages are
//! not meaningful, and shards still merge into exactly the single-process bytes.

use negsim::engine::montecarlo::Control;
use negsim::engine::stats::MAX_PACKAGES;
use negsim::scenario::Scenario;
use negsim::study::shard::{Job, Shard, merge, run_shard};
use negsim::tools::generate::{Shape, generate, scenario_toml};

/// 10 terms of 5 options (about 10^7 packages), 2 opposed agents: nearly every agreement is a
/// new package.
fn wide() -> (String, Scenario) {
    let shape = Shape::new(10, &[5], 2, 1.0, 3).unwrap();
    let text = scenario_toml(&shape, "test");
    let sc = Scenario::from_toml_str(&text, "wide.toml").unwrap();
    assert_eq!(
        sc.agents.len(),
        generate(&shape).agents.len(),
        "same generator"
    );
    (text, sc)
}

fn job<'a>(text: &'a str, sc: &'a Scenario, runs: u64, deadlines: &'a [u32]) -> Job<'a> {
    Job {
        source: text,
        origin: "wide.toml",
        scenario: sc,
        seed: 5,
        runs,
        deadlines,
        worlds: None,
    }
}

#[test]
fn package_counts_overflow_by_a_rule_that_merging_reproduces() {
    let (text, sc) = wide();
    // 6,000 runs: three shards of 2,000 each stay below the bound alone (at most 2,000
    // distinct packages each), their union goes beyond it.
    let runs = 6_000;
    let deadlines = [30];
    let single = run_shard(
        &job(&text, &sc, runs, &deadlines),
        Shard { k: 0, n: 1 },
        &Control::default(),
    );
    let t = &single.tallies[0];
    assert!(
        t.agreements > MAX_PACKAGES as u64,
        "{} agreements",
        t.agreements
    );
    assert!(
        t.packages_overflow,
        "the runs agreed on few distinct packages"
    );
    assert!(t.packages.is_empty());
    let parts: Vec<_> = (0..3)
        .map(|k| {
            let p = run_shard(
                &job(&text, &sc, runs, &deadlines),
                Shard { k, n: 3 },
                &Control::default(),
            );
            assert!(
                !p.tallies[0].packages_overflow,
                "shard {k} overflowed alone"
            );
            assert!(!p.tallies[0].packages.is_empty());
            (format!("part{k}"), p)
        })
        .collect();
    // Parts round-trip through their JSON (the overflow flag included), and any grouping of
    // the merge gives the single-process bytes.
    let parts: Vec<_> = parts
        .into_iter()
        .map(|(n, p)| {
            let back = negsim::study::shard::Partial::from_json(&p.to_json(), &n).unwrap();
            (n, back)
        })
        .collect();
    let all = merge(parts.clone()).unwrap();
    assert_eq!(all.tallies, single.tallies);
    let left = merge(parts[..2].to_vec()).unwrap();
    let grouped = merge(vec![("left".into(), left), parts[2].clone()]).unwrap();
    assert_eq!(grouped.tallies, single.tallies);
    let (_, want) = single.clone().into_report("single").unwrap();
    let (_, got) = grouped.into_report("merged").unwrap();
    assert_eq!(got.to_json(), want.to_json());
    // The report says so, and keeps the option shares (which stay exact: every agreement
    // has one option per term).
    let d = &want.deadlines[0];
    assert!(d.top_packages.is_empty());
    let note = d.top_packages_note.as_deref().expect("labelled");
    assert!(note.contains("not meaningful"), "{note}");
    for (term, shares) in &d.option_shares {
        let total: f64 = shares.values().sum();
        assert!((total - 1.0).abs() < 1e-9, "{term}: {total}");
    }
    let k = sc.terms[0].options.len();
    assert_eq!(t.option_counts[..k].iter().sum::<u64>(), t.agreements);
    assert!(want.to_json().contains("top_packages_note"));
}

#[test]
fn below_the_bound_packages_are_counted_exactly() {
    let (text, sc) = wide();
    let p = run_shard(
        &job(&text, &sc, 300, &[30]),
        Shard { k: 0, n: 1 },
        &Control::default(),
    );
    let t = &p.tallies[0];
    assert!(!t.packages_overflow);
    assert_eq!(t.packages.values().sum::<u64>(), t.agreements);
    let (_, rep) = p.into_report("x").unwrap();
    assert!(rep.deadlines[0].top_packages_note.is_none());
    assert!(!rep.to_json().contains("top_packages_note"));
}

#[test]
fn an_overflow_flag_that_does_not_fit_the_part_is_refused() {
    let (text, sc) = wide();
    let mut p = run_shard(
        &job(&text, &sc, 300, &[30]),
        Shard { k: 0, n: 1 },
        &Control::default(),
    );
    p.tallies[0].packages_overflow = true;
    let err = merge(vec![("edited.json".into(), p)]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("edited.json"), "{msg}");
    assert!(msg.contains("packages_overflow"), "{msg}");
}

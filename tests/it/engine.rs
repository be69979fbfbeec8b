//! Bargaining behaviour with answers known independently: analytic probabilities,
//! hand-computed trajectories and invariants.

use crate::common::{report, scenario, split};
use negsim::engine::model::Model;
use negsim::engine::protocol::agent_target;
use negsim::engine::stats::{Z95, wilson};
use negsim::engine::strategy::{BOULWARE, CONCEDER, LINEAR, perceived_time, target};

#[test]
fn no_zone_of_agreement_gives_zero_at_every_deadline() {
    // u_A + u_B = 1 for every package, so reservations of 0.6 leave no zone of agreement.
    let sc = scenario(&split(
        "runs = 500\nseed = 3\ndeadlines = [1, 5, 20, 100]",
        "reservation = { uniform = [0.6, 0.7] }\nstrategy = \"conceder\"",
        "reservation = 0.6\nstrategy = \"linear\"",
    ));
    let r = report(&sc);
    for d in &r.deadlines {
        assert_eq!(d.agreements, 0, "deadline {}", d.deadline);
        assert_eq!(d.p_agreement, 0.0);
        assert_eq!(d.ci95[0], 0.0);
        assert_eq!(d.expired, d.runs);
    }
}

#[test]
fn identical_preferences_agree_in_the_first_round() {
    let vals: String = (0..=10)
        .map(|i| format!("a_{i} = {}\n", f64::from(i) / 10.0))
        .collect();
    let src = split(
        "runs = 300\nseed = 9\ndeadlines = [1, 3, 10]",
        "strategy = \"boulware\"\nestimate_noise = 0",
        "strategy = \"hardliner\"",
    )
    .replace(
        &(0..=10)
            .map(|i| format!("a_{i} = {}\n", f64::from(10 - i) / 10.0))
            .collect::<String>(),
        &vals,
    );
    let r = report(&scenario(&src));
    for d in &r.deadlines {
        assert_eq!(d.agreements, d.runs);
        assert_eq!(d.p_agreement, 1.0);
        assert_eq!(d.mean_round, Some(1.0));
        assert_eq!(d.top_packages[0].package["share"], "a_10");
    }
    // Same under the mediated protocol with a third, non-signing mediator.
    let mediated = src.replace(
        "[simulation]",
        "[simulation]\nprotocol = \"mediated\"\nmediator = \"m\"",
    ) + "\n[agents.m]\nsignatory = false\nestimate_noise = 0\n[agents.m.weights]\nshare = 1\n[agents.m.values.share]\n"
        + &(0..=10)
            .map(|i| format!("a_{i} = 0.5\n"))
            .collect::<String>();
    let r = report(&scenario(&mediated));
    for d in &r.deadlines {
        assert_eq!(d.p_agreement, 1.0, "mediated, deadline {}", d.deadline);
        assert_eq!(d.mean_round, Some(1.0));
    }
}

#[test]
fn red_line_options_never_appear_in_agreements() {
    let sc = scenario(&split(
        "runs = 2000\nseed = 11\ndeadlines = [2, 6, 30]",
        "reservation = { uniform = [0.0, 0.3] }\nstrategy = { exponent = { uniform = [0.2, 3.0] } }\nred_lines = { share = [\"a_0\", \"a_1\", \"a_2\", \"a_3\"] }",
        "reservation = { uniform = [0.0, 0.3] }\nstrategy = \"conceder\"\nred_lines = { share = [\"a_8\", \"a_9\", \"a_10\"] }",
    ));
    let r = report(&sc);
    let mut total = 0;
    for d in &r.deadlines {
        total += d.agreements;
        for o in ["a_0", "a_1", "a_2", "a_3", "a_8", "a_9", "a_10"] {
            assert_eq!(
                d.option_shares["share"][o], 0.0,
                "{o} at deadline {}",
                d.deadline
            );
        }
    }
    assert!(total > 0, "the test needs some agreements to mean anything");

    let bundled = negsim::Scenario::bundled();
    let mut small = bundled.clone();
    small.simulation.runs = 3000;
    let r = report(&small);
    for d in &r.deadlines {
        assert_eq!(d.option_shares["crimea"]["recognized_by_all"], 0.0);
        assert_eq!(d.option_shares["occupied_oblasts"]["de_jure_russian"], 0.0);
        assert_eq!(d.option_shares["nato"]["open_door"], 0.0);
    }
}

/// Checks that `k` of `n` is consistent with probability `p` (inside the Wilson 99.9% interval).
fn assert_consistent(k: u64, n: u64, p: f64, what: &str) {
    let (lo, hi) = wilson(k, n, 3.290_526_731_491_926);
    assert!(
        lo <= p && p <= hi,
        "{what}: {k}/{n} = {} is not consistent with {p} ([{lo}, {hi}])",
        k as f64 / n as f64
    );
}

#[test]
fn walk_out_chance_matches_the_geometric_law() {
    // Identical preferences agree in round 1 unless someone walks out first: P = (1-p)(1-q).
    let vals_same: String = (0..=10)
        .map(|i| format!("a_{i} = {}\n", f64::from(i) / 10.0))
        .collect();
    let src = split(
        "runs = 20000\nseed = 5\ndeadlines = [1, 4]",
        "walk_away = 0.1",
        "walk_away = 0.05",
    )
    .replace(
        &(0..=10)
            .map(|i| format!("a_{i} = {}\n", f64::from(10 - i) / 10.0))
            .collect::<String>(),
        &vals_same,
    );
    let r = report(&scenario(&src));
    for d in &r.deadlines {
        assert_consistent(d.agreements, d.runs, 0.9 * 0.95, "agreement in round 1");
        assert_consistent(d.walkouts_by["a"], d.runs, 0.1, "walk-out by a");
    }

    // No zone of agreement: the talks end only by walk-out, with P = 1 - (1-p)^k by round k.
    let p: f64 = 0.03;
    let sc = scenario(&split(
        "runs = 20000\nseed = 6\ndeadlines = [1, 5, 10, 40]",
        &format!("reservation = 0.7\nwalk_away = {p}"),
        "reservation = 0.7",
    ));
    let r = report(&sc);
    for d in &r.deadlines {
        let expected = 1.0 - (1.0 - p).powi(d.deadline as i32);
        assert_consistent(
            d.walkouts,
            d.runs,
            expected,
            &format!("walk-outs by round {}", d.deadline),
        );
        assert_eq!(d.walkouts + d.expired, d.runs);
    }
}

#[test]
fn target_trajectories_follow_the_time_dependent_formula() {
    for (e, name) in [
        (BOULWARE, "boulware"),
        (LINEAR, "linear"),
        (CONCEDER, "conceder"),
    ] {
        for step in 0..=20 {
            let t = f64::from(step) / 20.0;
            let expected = 0.25 + (0.9 - 0.25) * (1.0 - t.powf(1.0 / e));
            let got = target(0.25, 0.9, Some(e), t);
            assert!(
                (got - expected).abs() < 1e-12,
                "{name} at t = {t}: {got} vs {expected}"
            );
        }
        assert_eq!(target(0.25, 0.9, Some(e), 0.0), 0.9);
        assert!((target(0.25, 0.9, Some(e), 1.0) - 0.25).abs() < 1e-12);
    }
    // Boulware holds out, conceder gives in early: at t = 0.5 the ordering is strict.
    let at_half = |e: f64| target(0.0, 1.0, Some(e), 0.5);
    assert!(at_half(BOULWARE) > at_half(LINEAR) && at_half(LINEAR) > at_half(CONCEDER));
    assert!((at_half(BOULWARE) - (1.0 - 0.5f64.powi(5_i32))).abs() < 1e-12);
    assert!((at_half(CONCEDER) - (1.0 - 0.5f64.sqrt())).abs() < 1e-12);
    for t in [0.0, 0.5, 1.0] {
        assert_eq!(target(0.25, 0.9, None, t), 0.9, "hardliner never concedes");
    }
    // An agent who believes the deadline is twice as far away reaches only t = 0.5.
    assert_eq!(perceived_time(10, 10, 2.0), 0.5);
    assert_eq!(perceived_time(30, 10, 1.0), 1.0);

    // Through the engine: the per-round target of a fixed-parameter boulware agent.
    let sc = scenario(&split(
        "deadlines = [8]",
        "reservation = 0.2\nstrategy = \"boulware\"",
        "deadline_belief = 2.0",
    ));
    let model = Model::new(&sc);
    let inst = model.mean_instance();
    for round in 1..=8u32 {
        let t = f64::from(round) / 8.0;
        let expected = 0.2 + 0.8 * (1.0 - t.powf(5.0));
        assert!((agent_target(&inst, 0, round, 8) - expected).abs() < 1e-12);
        let tb = f64::from(round) / 16.0;
        assert!((agent_target(&inst, 1, round, 8) - (1.0 - tb)).abs() < 1e-12);
    }
}

#[test]
fn hand_computed_alternating_trajectory() {
    // Linear tactics, reservation 0, exact estimates, deadline 10, so targets are 1 - r/10:
    // r1 A offers a_9 (B wants 0.9, gets 0.1), r2 B offers a_2, r3 A offers a_7, r4 B offers
    // a_4, r5 A offers a_5: worth 0.5 to B, whose target is 0.5: agreement.
    let src = split(
        "runs = 50\nseed = 1\ndeadlines = [10]",
        "strategy = \"linear\"\nestimate_noise = 0",
        "strategy = \"linear\"\nestimate_noise = 0",
    );
    let r = report(&scenario(&src));
    let d = &r.deadlines[0];
    assert_eq!(d.agreements, 50);
    assert_eq!(d.mean_round, Some(5.0));
    assert_eq!(d.top_packages[0].package["share"], "a_5");

    let text = negsim::tools::trace::transcript(&scenario(&src), 1, 0, 10);
    let offers: Vec<&str> = text.lines().filter(|l| l.contains("proposes")).collect();
    let expected = [
        "round 1: a proposes: share=a_9",
        "round 2: b proposes: share=a_2",
        "round 3: a proposes: share=a_7",
        "round 4: b proposes: share=a_4",
        "round 5: a proposes: share=a_5",
    ];
    assert_eq!(offers, expected, "{text}");
    assert!(
        text.contains("Result: agreement in round 5: share=a_5"),
        "{text}"
    );
}

#[test]
fn outcome_counts_add_up_and_within_k_is_monotone() {
    let r = report(&negsim::Scenario::bundled().tap_runs(2000));
    for d in &r.deadlines {
        assert_eq!(d.agreements + d.walkouts + d.expired, d.runs);
        assert_eq!(d.walkouts_by.values().sum::<u64>(), d.walkouts);
        assert!((0.0..=1.0).contains(&d.p_agreement));
        assert!(d.ci95[0] <= d.p_agreement && d.p_agreement <= d.ci95[1]);
        let (lo, hi) = wilson(d.agreements, d.runs, Z95);
        assert_eq!([lo, hi], d.ci95);
        if let Some(m) = d.median_round {
            assert!(m >= 1 && m <= d.deadline);
        }
        let shares: f64 = d.top_packages.iter().map(|p| p.share).sum();
        assert!(shares <= 1.0 + 1e-12);
    }
}

trait TapRuns {
    fn tap_runs(self, runs: u64) -> Self;
}

impl TapRuns for negsim::Scenario {
    fn tap_runs(mut self, runs: u64) -> Self {
        self.simulation.runs = runs;
        self
    }
}

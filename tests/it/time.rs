//! The model of time: concession clocks, costs of delay, the remembering mediator, open-ended
//! talks, and what walk-outs do to the answer.

use crate::common::{negsim, report, scenario, write_temp};
use negsim::engine::model::Model;
use negsim::engine::montecarlo::trace_run;
use negsim::engine::protocol::{End, Observer};

/// Records every answer as (round, agent, accepted).
#[derive(Default)]
struct Answers(Vec<(u32, usize, bool)>, Vec<(u32, Vec<u8>)>);

impl Observer for Answers {
    fn offer(&mut self, round: u32, _proposer: usize, package: &[u8]) {
        self.1.push((round, package.to_vec()));
    }
    fn answer(&mut self, round: u32, agent: usize, _u: f64, _t: f64, accept: bool) {
        self.0.push((round, agent, accept));
    }
}

/// A one-term split of five options between two linear agents with exact estimates.
fn split(clock: &str, deadlines: &str) -> String {
    format!(
        r#"
[scenario]
name = "split"
[simulation]
runs = 4
seed = 1
deadlines = {deadlines}
clock = {clock}
[[terms]]
id = "x"
options = ["o0", "o1", "o2", "o3", "o4"]
[agents.a]
strategy = "linear"
estimates = "exact"
[agents.a.weights]
x = 1
[agents.a.values.x]
o0 = 1.0
o1 = 0.75
o2 = 0.5
o3 = 0.25
o4 = 0.0
[agents.b]
strategy = "linear"
estimates = "exact"
[agents.b.weights]
x = 1
[agents.b.values.x]
o0 = 0.0
o1 = 0.25
o2 = 0.5
o3 = 0.75
o4 = 1.0
"#
    )
}

#[test]
fn a_horizon_clock_concedes_by_its_own_rounds_whatever_the_deadline() {
    // Horizon 4, linear: targets 1 - r/4. Round 1: a offers o1 (own 0.75, best for b among
    // o0/o1); b's target 0.75 > 0.25: no. Round 2: b offers o2 (own 0.5, best for a among
    // o2..o4); a's target 0.5 <= 0.5: yes. So agreement on o2 in round 2 at every deadline
    // from 2 on, and none at deadline 1.
    let sc = scenario(&split("{ horizon = 4 }", "[1, 2, 10, 100]"));
    let r = report(&sc);
    let p: Vec<f64> = r.deadlines.iter().map(|d| d.p_agreement).collect();
    assert_eq!(p, vec![0.0, 1.0, 1.0, 1.0]);
    for d in &r.deadlines[1..] {
        assert_eq!(d.median_round, Some(2));
        assert_eq!(d.top_packages[0].package["x"], "o2");
    }
    let model = Model::new(&sc);
    let mut obs = Answers::default();
    let (_, res) = trace_run(&model, 1, 0, 100, &mut obs);
    assert_eq!(res.end, End::Agreement { round: 2 });
    assert_eq!(obs.1, vec![(1, vec![1]), (2, vec![2])]);
    assert_eq!(
        obs.0,
        vec![(1, 0, true), (1, 1, false), (2, 0, true), (2, 1, true)]
    );
    // The deadline clock of the same agents at deadline 100 concedes 25 times slower.
    let sc = scenario(&split("\"deadline\"", "[2, 100]"));
    let r = report(&sc);
    assert_eq!(r.deadlines[0].p_agreement, 1.0, "deadline 2: t = r/2");
    assert!(r.deadlines[1].median_round.unwrap() > 40);
}

/// The bundled scenario with walk-outs off and every agent on a horizon clock.
fn bundled_absolute(walkouts: bool) -> negsim::Scenario {
    let mut sc = negsim::Scenario::bundled();
    for (i, a) in sc.agents.iter_mut().enumerate() {
        a.clock = negsim::scenario::Clock::Horizon(negsim::engine::dist::Param::fixed(
            [10.0, 20.0, 30.0, 15.0, 25.0][i % 5],
            1.0,
            1e6,
        ));
        if !walkouts {
            a.walk_away = negsim::engine::dist::Param::fixed(0.0, 0.0, 1.0);
        }
    }
    sc.simulation.runs = 2000;
    sc.simulation.deadlines = vec![2, 4, 8, 12, 26, 52];
    sc.simulation.horizon = None;
    sc
}

#[test]
fn under_absolute_clocks_p_agreement_never_falls_with_a_longer_deadline() {
    // Decisions no longer depend on the deadline, so a longer deadline only adds rounds:
    // with common random numbers the agreement count is non-decreasing run by run, with and
    // without walk-outs, and with the remembering mediator (more drafts never hurt).
    for walkouts in [false, true] {
        let r = report(&bundled_absolute(walkouts));
        let counts: Vec<u64> = r.deadlines.iter().map(|d| d.agreements).collect();
        assert!(
            counts.windows(2).all(|w| w[0] <= w[1]),
            "walk-outs {walkouts}: {counts:?}"
        );
        assert!(counts[5] > counts[0], "{counts:?}");
    }
}

#[test]
fn open_ended_talks_read_at_checkpoints_equal_the_deadline_worlds_under_absolute_clocks() {
    let sc = bundled_absolute(true);
    let deadline = report(&sc);
    let mut open = sc.clone();
    open.simulation.horizon = Some(52);
    let open = report(&open);
    assert_eq!(open.mode, "open_ended");
    assert_eq!(deadline.mode, "deadline");
    assert!(open.question.contains("open-ended"), "{}", open.question);
    for (a, b) in deadline.deadlines.iter().zip(&open.deadlines) {
        assert_eq!(a.agreements, b.agreements);
        assert_eq!(a.walkouts_by, b.walkouts_by);
        assert_eq!(a.expired, b.expired);
        assert_eq!(a.blocked_by, b.blocked_by);
        assert_eq!(a.top_packages, b.top_packages);
        assert_eq!(a.agents, b.agents);
    }
}

#[test]
fn open_ended_mode_refuses_deadline_clocks_and_checkpoints_past_the_horizon() {
    let base = split("\"deadline\"", "[2]").replace("deadlines = [2]\n", "");
    let f = write_temp(
        "open",
        "s.toml",
        base.replace("runs = 4", "runs = 4\nhorizon = 10"),
    );
    let out = negsim(&["run", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("open-ended talks (horizon = 10) have no deadline to concede against")
            && e.contains("agent `a` uses clock = \"deadline\""),
        "{e}"
    );
    let ok = base
        .replace(
            "runs = 4",
            "runs = 4\nhorizon = 10\ncheckpoints = [2, 5, 10]",
        )
        .replace("clock = \"deadline\"", "clock = { horizon = 4 }");
    let f = write_temp("open", "s.toml", &ok);
    let out = negsim(&["run", f.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = negsim(&["run", f.to_str().unwrap(), "--deadlines", "4,11"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("checkpoint 11 is beyond the horizon 10")
    );
    let bad = ok.replace("checkpoints = [2, 5, 10]", "checkpoints = [2, 12]");
    let f = write_temp("open", "s.toml", &bad);
    let out = negsim(&["run", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("checkpoint 12 is beyond the horizon 10"), "{e}");
    assert!(e.contains("s.toml:"), "{e}");
}

/// A mediator whose text is `p` in every round (learning rate 0), a signatory `a` with the
/// given extra keys who concedes at once to its no-deal value, and `b` who takes anything.
fn fixed_text(a_keys: &str, deadlines: &str) -> String {
    format!(
        r#"
[scenario]
name = "fixed text"
[simulation]
runs = 2
deadlines = {deadlines}
protocol = "mediated"
mediator = "m"
mediator_learning_rate = 0
clock = {{ horizon = 1 }}
[[terms]]
id = "x"
options = ["p", "q"]
[agents.m]
signatory = false
strategy = "hardliner"
estimates = "exact"
[agents.m.weights]
x = 1
[agents.m.values.x]
p = 1.0
q = 0.0
[agents.a]
reservation = 0.75
{a_keys}
[agents.a.weights]
x = 1
[agents.a.values.x]
p = 0.5
q = 1.0
[agents.b]
[agents.b.weights]
x = 1
[agents.b.values.x]
p = 0.5
q = 0.5
"#
    )
}

#[test]
fn a_rising_delay_cost_makes_an_agent_accept_the_text_it_rejected_the_round_before() {
    // a's no-deal value is 0.75 - 0.125 r: 0.625 in round 1 (above p's 0.5: no), 0.5 in round
    // 2 (yes). Without the cost it never accepts.
    let sc = scenario(&fixed_text("delay_cost = 0.125", "[1, 2, 5]"));
    let r = report(&sc);
    let p: Vec<f64> = r.deadlines.iter().map(|d| d.p_agreement).collect();
    assert_eq!(p, vec![0.0, 1.0, 1.0]);
    let model = Model::new(&sc);
    let mut obs = Answers::default();
    let (_, res) = trace_run(&model, 0, 0, 5, &mut obs);
    assert_eq!(res.end, End::Agreement { round: 2 });
    assert_eq!(
        obs.1,
        vec![(1, vec![0]), (2, vec![0])],
        "the same text twice"
    );
    assert_eq!(
        obs.0,
        vec![(1, 1, false), (1, 2, true), (2, 1, true), (2, 2, true)]
    );
    // a's gain is over its no-deal value at the time: 0.5 - 0.5 = 0.
    assert_eq!(r.deadlines[2].agents["a"].mean_gain, Some(0.0));
    let sc = scenario(&fixed_text("", "[1, 2, 5]"));
    assert!(report(&sc).deadlines.iter().all(|d| d.agreements == 0));
}

#[test]
fn a_discount_in_decisions_shrinks_what_an_agent_accepts_and_a_reported_one_does_not() {
    // With a delay cost a accepts p from round 2; b now discounts by 1/2 per round and
    // needs 0.3: round 1 it values p at 0.25 (no: it needs 0.3), round 2 at 0.125 (no).
    // Reported only, the discount changes nothing: agreement in round 2.
    let mk = |disc: &str| {
        fixed_text("delay_cost = 0.125", "[5]").replace(
            "[agents.b]\n",
            &format!("[agents.b]\nreservation = 0.3\ndiscount = {disc}\n"),
        )
    };
    let decided = report(&scenario(&mk("{ rate = 0.5, in_decisions = true }")));
    assert_eq!(decided.deadlines[0].agreements, 0);
    let reported = report(&scenario(&mk("0.5")));
    assert_eq!(reported.deadlines[0].p_agreement, 1.0);
    assert_eq!(reported.deadlines[0].median_round, Some(2));
    // Reported: 0.5^2 · 0.5.
    assert_eq!(
        reported.deadlines[0].agents["b"].mean_discounted_utility,
        Some(Some(0.125))
    );
}

/// Three signatories and a mediator who cares only about finding a text: X suits a and b,
/// Z suits c, who accepts X from round 2 on (its target falls from 0.767 to 0.533 to 0.3).
fn retable_case(rule: &str) -> String {
    format!(
        r#"
[scenario]
name = "retable"
[simulation]
runs = 1
deadlines = [1, 2, 3]
protocol = "mediated"
mediator = "m"
mediator_rule = "{rule}"
mediator_learning_rate = 5
clock = {{ horizon = 1 }}
[[terms]]
id = "x"
options = ["X", "Y", "Z"]
[agents.m]
signatory = false
estimates = "exact"
[agents.m.weights]
x = 1
[agents.m.values.x]
X = 0.0
Y = 0.0
Z = 0.0
[agents.a]
reservation = 0.1
[agents.a.weights]
x = 1
[agents.a.values.x]
X = 1.0
Y = 0.6
Z = 0.0
[agents.b]
reservation = 0.1
[agents.b.weights]
x = 1
[agents.b.values.x]
X = 1.0
Y = 0.6
Z = 0.0
[agents.c]
reservation = 0.3
clock = {{ horizon = 3 }}
[agents.c.weights]
x = 1
[agents.c.values.x]
X = 0.55
Y = 0.2
Z = 1.0
"#
    )
}

#[test]
fn the_remembering_mediator_retables_the_text_the_legacy_rule_drops() {
    // Round 1 (λ = 1, 1, 1; the mediator's own utility is 0): X scores 1 + 1 + 0.55 = 2.55,
    // Z 1: X. a and b accept; c (target 0.3 + 0.7·(1 - 1/3) = 0.767) rejects, λ_c = 6.
    // Legacy round 2: X scores 1 + 1 + 6·0.55 = 5.3, Z 6: Z, which a and b reject (0 < 0.1)
    // though c would now take X (target 0.533 < 0.55); round 3: λ = 6, 6, 6, X passes.
    // Remembering round 2: λ rescaled to (0.375, 0.375, 2.25), the draft is Z again, but a
    // and b have accepted only texts worth 1 to them and c none, so Z is expected to win 0
    // acceptances against X's 2: X is tabled again and passes in round 2.
    let legacy = scenario(&retable_case("legacy"));
    let remembering = scenario(&retable_case("remembering"));
    let texts = |sc: &negsim::Scenario| {
        let model = Model::new(sc);
        let mut obs = Answers::default();
        let (_, res) = trace_run(&model, 0, 0, 3, &mut obs);
        (res.end, obs.1)
    };
    let (end_l, texts_l) = texts(&legacy);
    let (end_r, texts_r) = texts(&remembering);
    eprintln!("legacy {end_l:?} {texts_l:?}\nremembering {end_r:?} {texts_r:?}");
    assert_eq!(end_r, End::Agreement { round: 2 });
    assert_eq!(texts_r, vec![(1, vec![0]), (2, vec![0])]);
    assert_ne!(end_l, End::Agreement { round: 2 });
    let pl: Vec<u64> = report(&legacy)
        .deadlines
        .iter()
        .map(|d| d.agreements)
        .collect();
    let pr: Vec<u64> = report(&remembering)
        .deadlines
        .iter()
        .map(|d| d.agreements)
        .collect();
    assert_eq!(pr, vec![0, 1, 1]);
    assert_eq!(pl[1], 0, "legacy at deadline 2: {pl:?}");
}

#[test]
fn every_report_separates_bargaining_failure_from_walk_outs() {
    let r = report(&bundled_absolute(true));
    for d in &r.deadlines {
        let no_walkout = d.agreements + d.expired;
        assert_eq!(
            d.p_agreement_no_walkout,
            Some(d.agreements as f64 / no_walkout as f64)
        );
        let shares: f64 = d.walkout_share.values().sum();
        assert!((shares - d.walkouts as f64 / d.runs as f64).abs() < 1e-12);
        let [lo, hi] = d.ci95_no_walkout.unwrap();
        assert!(lo <= d.p_agreement_no_walkout.unwrap() && d.p_agreement_no_walkout.unwrap() <= hi);
    }
    let f = write_temp(
        "walk",
        "s.toml",
        std::fs::read("scenarios/ukraine-peace-2025.toml").unwrap(),
    );
    for format in ["table", "csv", "json"] {
        let out = negsim(&[
            "run",
            f.to_str().unwrap(),
            "--runs",
            "500",
            "--format",
            format,
        ]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("no walk-out") || text.contains("no_walkout"),
            "{format}: {text}"
        );
    }
}

#[test]
fn new_time_keys_are_validated_with_their_names_and_ranges() {
    let base = split("\"deadline\"", "[2]");
    let cases = [
        (
            "clock = \"deadline\"",
            "clock = \"dedline\"",
            "unknown [simulation] clock `dedline`",
        ),
        (
            "clock = \"deadline\"",
            "clock = { horizon = 0 }",
            "horizon 0 in the [simulation] clock is out of range",
        ),
        (
            "clock = \"deadline\"",
            "clock = { horizon = 3, x = 1 }",
            "invalid [simulation] clock",
        ),
        (
            "strategy = \"linear\"\nestimates = \"exact\"\n[agents.a.weights]",
            "strategy = \"linear\"\nestimates = \"exact\"\ndelay_cost = 2\n[agents.a.weights]",
            "delay_cost 2 of agent `a` is out of range",
        ),
        (
            "strategy = \"linear\"\nestimates = \"exact\"\n[agents.a.weights]",
            "strategy = \"linear\"\nestimates = \"exact\"\ndiscount = { rate = 1.5, in_decisions = true }\n[agents.a.weights]",
            "discount must be in (0, 1], got 1.5 for agent `a`",
        ),
        (
            "runs = 4",
            "runs = 4\nmediator_rule = \"forgetful\"",
            "unknown mediator_rule `forgetful`",
        ),
        (
            "runs = 4",
            "runs = 4\nmediator_learning_rate = { uniform = [0, 11] }",
            "mediator_learning_rate",
        ),
        (
            "runs = 4",
            "runs = 4\ncheckpoints = [1]",
            "`checkpoints` needs `horizon`",
        ),
        (
            "runs = 4",
            "runs = 4\nhorizon = 5",
            "`deadlines` does not go with `horizon`",
        ),
    ];
    for (from, to, want) in cases {
        assert!(base.contains(from), "{from}");
        let f = write_temp("keys", "k.toml", base.replacen(from, to, 1));
        let out = negsim(&["check", f.to_str().unwrap()]);
        let e = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{to}: {e}");
        assert!(e.contains(want), "{to}: want {want:?}, got {e}");
        assert!(e.contains("k.toml:"), "{to}: no position in {e}");
    }
}

#[test]
fn horizons_delay_costs_and_the_learning_rate_are_swept_and_ranked_by_sensitivity() {
    let out = negsim(&[
        "sweep",
        "scenarios/ukraine-peace-2025.toml",
        "--param",
        "agents.russia.clock.horizon=12,26",
        "--param",
        "agents.ukraine.delay_cost=0,0.01",
        "--param",
        "simulation.mediator_learning_rate=0.5",
        "--runs",
        "200",
        "--deadlines",
        "26",
        "-q",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(table.lines().count(), 5, "{table}");
    // A shorter Russian horizon brings deals forward (common random numbers: same runs).
    let p: Vec<f64> = table
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(6).unwrap().parse().unwrap())
        .collect();
    assert!(p[0] > p[2] && p[1] > p[3], "{table}");
    let out = negsim(&["sensitivity", "--runs", "100", "--format", "csv"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let factors = String::from_utf8_lossy(&out.stdout);
    for name in [
        "agents.russia.clock.horizon",
        "agents.us.clock.horizon",
        "simulation.mediator_learning_rate",
    ] {
        assert!(
            factors.lines().any(|l| l.starts_with(name)),
            "{name}: {factors}"
        );
    }
    assert!(!factors.contains("deadline_belief"), "{factors}");
}

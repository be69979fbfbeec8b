//! Strategy components of issue 9: the `nearest` offer rule and per-round discounting.

use crate::common::scenario;
use crate::offers::{METHODS, random_scenario, target_sequence};
use negsim::engine::model::{Instance, Model};
use negsim::engine::montecarlo::{Control, Settings, simulate, trace_run};
use negsim::engine::offer::for_each_package;
use negsim::engine::protocol::{End, Observer, Workspace};
use negsim::report::Report;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

/// Two terms of three options; `x` likes the first options, `y` the last (weights equal, so
/// a package is worth half the sum of its two values). `x` is Boulware, `y` a Conceder, both
/// offering `nearest`; `extra_x` is added to `x`'s table.
fn two_term(extra_x: &str) -> String {
    game(extra_x, "strategy = \"conceder\"", 4)
}

/// [`two_term`] with `x_keys` and `y_keys` added to the agents' tables (`y` gives its own
/// strategy) and the given deadline.
fn game(x_keys: &str, y_keys: &str, deadline: u32) -> String {
    format!(
        r#"
[scenario]
name = "nearest"
[simulation]
runs = 1
deadlines = [{deadline}]
protocol = "alternating"
[[terms]]
id = "a"
options = ["a0", "a1", "a2"]
[[terms]]
id = "b"
options = ["b0", "b1", "b2"]
[agents.x]
strategy = "boulware"
offer = "nearest"
{x_keys}
weights = {{ a = 1, b = 1 }}
values = {{ a = {{ a0 = 1, a1 = 0.5, a2 = 0 }}, b = {{ b0 = 1, b1 = 0.5, b2 = 0 }} }}
[agents.y]
offer = "nearest"
{y_keys}
weights = {{ a = 1, b = 1 }}
values = {{ a = {{ a0 = 0, a1 = 0.5, a2 = 1 }}, b = {{ b0 = 0, b1 = 0.5, b2 = 1 }} }}
"#
    )
}

#[derive(Default)]
struct Offers(Vec<(u32, usize, Vec<u8>)>);

impl Observer for Offers {
    fn offer(&mut self, round: u32, proposer: usize, package: &[u8]) {
        self.0.push((round, proposer, package.to_vec()));
    }
}

#[test]
fn nearest_boulware_against_conceder_follows_the_hand_computed_sequence() {
    // Deadline 4, reservations 0, best 1; time t = round / 4.
    // Round 1, x: target 1 - 0.25^5 = 0.999; only (a0, b0) reaches it (worth 1).
    // Round 2, y: target 1 - 0.5^0.5 = 0.293; y's utilities are multiples of 0.25, so the
    //   lowest that meets it is 0.5: (a0, b2), (a1, b1), (a2, b0); ties go to the smallest
    //   option indices, (a0, b2). x gets 0.5 < 1 - 0.5^5 = 0.969 and rejects.
    // Round 3, x: target 1 - 0.75^5 = 0.763 > 0.75, so again (a0, b0); y gets 0 < 0.134.
    // Round 4, y: target 0, so the package worth least to y that is worth >= 0: (a0, b0),
    //   worth 1 to x, whose target is 0: agreement in round 4.
    let sc = scenario(&two_term(""));
    let model = Model::new(&sc);
    let mut obs = Offers::default();
    let (_, res) = trace_run(&model, 1, 0, 4, &mut obs);
    assert_eq!(
        obs.0,
        vec![
            (1, 0, vec![0, 0]),
            (2, 1, vec![0, 2]),
            (3, 0, vec![0, 0]),
            (4, 1, vec![0, 0]),
        ]
    );
    assert_eq!(res.end, End::Agreement { round: 4 });
    assert_eq!(res.package, vec![0, 0]);
}

/// The package an agent offers under `nearest`, by listing every package: lowest own
/// utility (summed in term order) that meets the target, the first in lexicographic order.
fn exhaustive_nearest(
    model: &Model,
    inst: &Instance,
    a: usize,
    target: f64,
) -> Option<(Vec<u8>, f64)> {
    let no = model.n_opts;
    let mut best: Option<(Vec<u8>, f64)> = None;
    for_each_package(model, |pkg| {
        let mut own = 0.0;
        for (t, &o) in pkg.iter().enumerate() {
            let k = model.offsets[t] + o as usize;
            if !model.allowed[a * no + k] {
                return;
            }
            own += inst.util[a * no + k];
        }
        if own >= target && best.as_ref().is_none_or(|(_, b)| own < *b) {
            best = Some((pkg.to_vec(), own));
        }
    });
    best
}

#[test]
fn nearest_matches_exhaustive_search_with_every_method() {
    let mut rng = ChaCha8Rng::seed_from_u64(909);
    let mut compared = 0;
    let mut found = 0;
    for case in 0..150u64 {
        let grid = case % 2 == 1;
        let src = random_scenario(&mut rng, grid)
            .replace("\nsignatory = ", "\noffer = \"nearest\"\nsignatory = ");
        let sc = scenario(&src);
        let model = Model::new(&sc);
        let mut inst = Instance::default();
        model.sample_into(case, 0, &mut inst);
        let targets = target_sequence(&mut rng, grid);
        for method in METHODS {
            let mut ws = Workspace::default();
            ws.method = method;
            ws.prepare(&model, &inst);
            for a in 0..model.n_agents() {
                for &target in &targets {
                    let mut out = Vec::new();
                    let fast = ws.searches[a]
                        .search(target, &mut out)
                        .map(|u| (out.clone(), u));
                    let slow = exhaustive_nearest(&model, &inst, a, target);
                    assert_eq!(
                        fast, slow,
                        "{method:?}, case {case}, agent {a}, target {target}\n{src}"
                    );
                    compared += 1;
                    found += usize::from(slow.is_some());
                }
            }
        }
    }
    assert!(
        compared > 10_000 && found > compared / 3,
        "{found} of {compared}"
    );
}

fn report_of(src: &str) -> (Model, Report) {
    let sc = scenario(src);
    let model = Model::new(&sc);
    let settings = Settings {
        seed: sc.simulation.seed,
        deadlines: sc.simulation.deadlines.clone(),
        runs: 0..sc.simulation.runs,
    };
    let out = simulate(&model, &settings, &Control::default());
    let report = Report::new(&model, settings.seed, sc.simulation.runs, &out);
    (model, report)
}

#[test]
fn discounting_scales_the_hand_computed_agreement_by_delta_to_the_round() {
    // The agreement above: round 4, worth 1 to x and 0 to y.
    let (_, r) = report_of(&two_term("discount = 0.9"));
    let d = &r.deadlines[0];
    let x = &d.agents["x"];
    assert_eq!(x.mean_utility, Some(1.0));
    let dx = x.mean_discounted_utility.flatten().unwrap();
    assert!((dx - 0.9f64.powi(4)).abs() < 1e-9, "{dx}");
    assert_eq!(d.agents["y"].mean_discounted_utility, Some(Some(0.0)));
    // Without a discount anywhere the field is absent (old reports keep their bytes).
    let (_, plain) = report_of(&two_term(""));
    assert_eq!(plain.deadlines[0].agents["x"].mean_discounted_utility, None);
    let json = serde_json::to_string(&plain).unwrap();
    assert!(!json.contains("mean_discounted_utility"));
}

#[test]
fn discounting_changes_utilities_exactly_by_delta_to_the_round_and_no_decision() {
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/two-party-split.toml"),
    )
    .unwrap()
    .replace("runs = 2000", "runs = 300");
    let discounted = base
        .replace("[agents.a]\n", "[agents.a]\ndiscount = 0.95\n")
        .replace("[agents.b]\n", "[agents.b]\ndiscount = 0.8\n");
    let (_, plain) = report_of(&base);
    let (model, disc) = report_of(&discounted);
    let deltas = [0.95f64, 0.8];
    let sc = &model.scenario;
    for (dp, dd) in plain.deadlines.iter().zip(&disc.deadlines) {
        // Decisions use undiscounted utilities: the same agreements, rounds and utilities.
        assert_eq!(dp.agreements, dd.agreements);
        assert_eq!(dp.mean_round, dd.mean_round);
        assert!(dd.agreements > 0);
        // Recompute Σ δ^round · u over the agreements, run by run.
        let mut sums = [0.0f64; 2];
        for run in 0..sc.simulation.runs {
            let (inst, res) = trace_run(&model, sc.simulation.seed, run, dd.deadline, &mut ());
            if let End::Agreement { round } = res.end {
                for (a, sum) in sums.iter_mut().enumerate() {
                    *sum += deltas[a].powi(round as i32) * inst.utility(&model, a, &res.package);
                }
            }
        }
        for (a, id) in ["a", "b"].into_iter().enumerate() {
            assert_eq!(dp.agents[id].mean_utility, dd.agents[id].mean_utility);
            let got = dd.agents[id].mean_discounted_utility.flatten().unwrap();
            let want = sums[a] / dd.agreements as f64;
            assert!((got - want).abs() < 1e-9, "{id}: {got} vs {want}");
            assert!(got < dd.agents[id].mean_utility.unwrap());
        }
    }
}

#[test]
fn invalid_offer_rule_and_discount_are_located_with_help() {
    let bad = two_term("").replacen("offer = \"nearest\"", "offer = \"neares\"", 1);
    let e = negsim::Scenario::from_toml_str(&bad, "t.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown offer rule `neares`") && e.contains("did you mean \"nearest\""),
        "{e}"
    );
    assert!(e.contains("t.toml:"), "{e}");
    for d in ["0", "1.5", "-0.1"] {
        let bad = two_term(&format!("discount = {d}"));
        let e = negsim::Scenario::from_toml_str(&bad, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("discount must be in (0, 1]"), "{d}: {e}");
    }
}

#[derive(Default)]
struct Answers(Vec<(u32, usize, f64, bool)>);

impl Observer for Answers {
    fn answer(&mut self, round: u32, agent: usize, _utility: f64, target: f64, accept: bool) {
        self.0.push((round, agent, target, accept));
    }
}

#[test]
fn ac_next_accepts_what_beats_its_own_next_offer() {
    // The game of the `nearest` test with y answering by AC_next. Round 1: x offers (a0, b0),
    // worth 0 to y; y's next offer (round 2, target 0.293) is worth 0.5 to it: reject.
    // Round 3: x offers (a0, b0) again; y's target for round 4 is 0 and its nearest offer
    // there is worth 0 to it, so 0 >= 0: accept, one round earlier than under the target rule
    // (whose round-3 target is 1 - 0.75^0.5 = 0.134).
    let sc = scenario(&game("", "strategy = \"conceder\"\naccept = \"next\"", 4));
    let model = Model::new(&sc);
    let mut obs = Answers::default();
    let (_, res) = trace_run(&model, 1, 0, 4, &mut obs);
    assert_eq!(res.end, End::Agreement { round: 3 });
    assert_eq!(res.package, vec![0, 0]);
    let y: Vec<_> = obs.0.iter().filter(|a| a.1 == 1).collect();
    assert_eq!(y[0], &(1, 1, 0.5, false));
    // Round 2 is y's own offer (accepted by construction, answered at its target).
    assert_eq!((y[2].0, y[2].2, y[2].3), (3, 0.0, true));
}

#[test]
fn ac_combi_accepts_the_best_offer_seen_after_time_t() {
    // y is a hardliner: it offers (a2, b2), worth 0 to x, in rounds 2, 4 and 6 and accepts
    // nothing else. x (Boulware, deadline 6) answers in rounds 2, 4 and 6 at times 1/3, 2/3, 1.
    // AC_next: in round 4 x's round-5 target is 1 - (5/6)^5 = 0.598, its nearest offer there
    // is worth 0.75 > 0: reject; in round 6 its next target is 0: accept.
    // AC_combi(0.5): in round 4 (time 2/3 >= 0.5) the best offer received before is round 2's,
    // worth 0, and 0 >= 0: accept. AC_combi(0.7): time 2/3 < 0.7, so as AC_next.
    let agreement = |accept: &str| {
        let sc = scenario(&game(accept, "strategy = \"hardliner\"", 6));
        let model = Model::new(&sc);
        let (_, res) = trace_run(&model, 1, 0, 6, &mut ());
        assert_eq!(res.package, vec![2, 2], "{accept}");
        res.end
    };
    assert_eq!(agreement("accept = \"next\""), End::Agreement { round: 6 });
    assert_eq!(
        agreement("accept = { combi = 0.5 }"),
        End::Agreement { round: 4 }
    );
    assert_eq!(
        agreement("accept = { combi = 0.7 }"),
        End::Agreement { round: 6 }
    );
    assert_eq!(
        agreement("accept = \"target\""),
        End::Agreement { round: 6 }
    );
    // In round 2 nothing was received before, so even with T = 0 the rule waits for round 4.
    assert_eq!(
        agreement("accept = { combi = 0 }"),
        End::Agreement { round: 4 }
    );
}

#[test]
fn invalid_accept_rules_are_located_with_help() {
    for (bad, msg) in [
        ("accept = \"nxt\"", "did you mean \"next\""),
        ("accept = { combi = 1.5 }", "combi needs a time T in [0, 1]"),
        ("accept = { combo = 0.5 }", "invalid accept rule"),
        ("accept = 3", "invalid accept rule"),
    ] {
        let e = negsim::Scenario::from_toml_str(&two_term(bad), "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(msg) && e.contains("t.toml:"), "{bad}: {e}");
    }
}

#[test]
fn accept_rules_work_under_mediation_and_keep_other_draws() {
    // AC_next answerers under the mediated protocol get estimates and a search of their own;
    // their estimate draws use the words the engine skipped anyway, so every other parameter
    // and the mediator's estimates stay the same.
    let base = negsim::Scenario::bundled();
    let mut next = base.clone();
    for a in &mut next.agents {
        a.accept = negsim::scenario::AcceptRule::Next;
    }
    let (mb, mn) = (Model::new(&base), Model::new(&next));
    let m = mb.mediator.unwrap();
    let (na, no) = (mb.n_agents(), mb.n_opts);
    let (mut ib, mut inn) = (Instance::default(), Instance::default());
    for run in 0..5 {
        mb.sample_into(7, run, &mut ib);
        mn.sample_into(7, run, &mut inn);
        assert_eq!(ib.util, inn.util);
        assert_eq!(ib.reservation, inn.reservation);
        assert_eq!(ib.walk_away, inn.walk_away);
        let rows = m * na * no..(m + 1) * na * no;
        assert_eq!(ib.est[rows.clone()], inn.est[rows]);
        // The others now have estimates (they were zero rows before).
        assert!(
            inn.est.iter().filter(|&&e| e > 0.0).count()
                > ib.est.iter().filter(|&&e| e > 0.0).count()
        );
    }
    let mut sc = next.clone();
    sc.simulation.runs = 50;
    let r = crate::common::report(&sc);
    assert_eq!(r.deadlines[0].runs, 50);
}

#[test]
fn exact_estimates_are_the_true_utilities_and_move_no_draw() {
    // x sees y with large noise, or exactly; y's estimates of x stay noisy in both.
    let noisy = game("estimate_noise = 0.5", "strategy = \"conceder\"", 4);
    let exact = game(
        "estimate_noise = 0.5\nestimates = \"exact\"",
        "strategy = \"conceder\"",
        4,
    );
    let (mn, me) = (Model::new(&scenario(&noisy)), Model::new(&scenario(&exact)));
    let no = mn.n_opts;
    let (mut a, mut b) = (Instance::default(), Instance::default());
    for run in 0..20 {
        mn.sample_into(3, run, &mut a);
        me.sample_into(3, run, &mut b);
        assert_eq!(a.util, b.util);
        // est[(observer * 2 + observed) * no + k]: x's view of y is y's true util row.
        for k in 0..no {
            let est = b.est[no + k];
            assert!(
                (est - b.util[no + k]).abs() < 1e-12,
                "run {run}, option {k}"
            );
        }
        assert_ne!(a.est[no..2 * no], b.est[no..2 * no]);
        // y's view of x is untouched.
        assert_eq!(a.est[2 * no..3 * no], b.est[2 * no..3 * no]);
    }
    let bad = game("estimates = \"exct\"", "strategy = \"conceder\"", 4);
    let e = negsim::Scenario::from_toml_str(&bad, "t.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("did you mean \"exact\""), "{e}");
}

#[test]
fn random_above_draws_uniformly_among_the_packages_meeting_the_target() {
    // x's packages by own utility: 1 (a0 b0); 0.75 (a0 b1, a1 b0); 0.5 (a0 b2, a1 b1, a2 b0)...
    let src = game("", "strategy = \"conceder\"", 4);
    let sc = scenario(&src.replacen("offer = \"nearest\"", "offer = \"random_above\"", 1));
    let model = Model::new(&sc);
    let inst = model.mean_instance();
    let mut ws = Workspace::default();
    ws.prepare(&model, &inst);
    let mut rng = negsim::engine::rng::play_rng(5, 0);
    for (target, allowed) in [
        (0.76, vec![vec![0, 0]]),
        (0.75, vec![vec![0, 0], vec![0, 1], vec![1, 0]]),
        (
            0.5,
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![1, 0],
                vec![0, 2],
                vec![1, 1],
                vec![2, 0],
            ],
        ),
    ] {
        let n = 6000;
        let mut counts = vec![0u32; allowed.len()];
        let mut out = Vec::new();
        for _ in 0..n {
            let u = ws.random_above(0, target, &mut rng, &mut out).unwrap();
            assert!(u >= target);
            let i = allowed
                .iter()
                .position(|p| *p == out)
                .unwrap_or_else(|| panic!("{out:?}"));
            counts[i] += 1;
        }
        // Each share within 5 standard errors of 1/k.
        let k = allowed.len() as f64;
        let p = 1.0 / k;
        let se = (p * (1.0 - p) / f64::from(n)).sqrt();
        for c in counts {
            assert!(
                (f64::from(c) / f64::from(n) - p).abs() < 5.0 * se + 1e-12,
                "{target}: {c}"
            );
        }
    }
    let mut out = Vec::new();
    assert_eq!(ws.random_above(0, 1.01, &mut rng, &mut out), None);
}

#[test]
fn random_above_is_reproducible_and_refuses_huge_spaces() {
    let src = game("walk_away = 0.05", "strategy = \"conceder\"", 6)
        .replacen("offer = \"nearest\"", "offer = \"random_above\"", 1)
        .replace("runs = 1", "runs = 400");
    let (_, a) = report_of(&src);
    let (_, b) = report_of(&src);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    // The offers vary between runs (x draws), so agreements do too.
    assert!(a.deadlines[0].top_packages.len() > 1);
    // A space too large to list is refused with help.
    let mut big = String::from("[scenario]\nname = \"big\"\n[simulation]\ndeadlines = [5]\n");
    for t in 0..6 {
        big += &format!(
            "[[terms]]\nid = \"t{t}\"\noptions = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\"]\n"
        );
    }
    for id in ["p", "q"] {
        big += &format!(
            "[agents.{id}]\noffer = \"random_above\"\nweights = {{ t0 = 1 }}\nvalues = {{ t0 = {{ a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 1 }} }}\n"
        );
    }
    let e = negsim::Scenario::from_toml_str(&big, "t.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("at most 100000 packages") && e.contains("117649"),
        "{e}"
    );
}

#[test]
fn the_frequency_model_weighs_a_repeated_term_higher() {
    use negsim::engine::protocol::{FREQUENCY_LEARNING_RATE, FrequencyModel};
    let model = Model::new(&scenario(&two_term("")));
    let mut f = FrequencyModel::default();
    f.reset(2, 2, 6);
    // Before any offer: equal weights and flat values.
    assert_eq!(f.weights(1), vec![0.5, 0.5]);
    assert_eq!(f.value(&model, 1, 0, 0), 1.0);
    // y keeps a2 on term a three times in a row while moving on term b.
    for b in [0u8, 1, 2] {
        f.observe(&model, 1, &[2, b]);
    }
    let w = f.weights(1);
    assert!(w[0] > w[1], "{w:?}");
    // Hand computation: term a unchanged twice, term b never.
    let a = 1.0 + 2.0 * FREQUENCY_LEARNING_RATE;
    assert!((w[0] - a / (a + 1.0)).abs() < 1e-15 && (w[1] - 1.0 / (a + 1.0)).abs() < 1e-15);
    // The repeated option is worth most; the others of its term (never offered) 1/4 of it.
    assert_eq!(f.value(&model, 1, 0, 2), 1.0);
    assert_eq!(f.value(&model, 1, 0, 0), 0.25);
    // Each option of term b was offered once: all equal.
    assert_eq!(f.value(&model, 1, 1, 3), 1.0);
    // The gains an observer uses sum the weighted values of the other signatories only.
    let mut g = Vec::new();
    f.gains(&model, 0, &mut g);
    assert!((g[2] - w[0]).abs() < 1e-15 && (g[0] - 0.25 * w[0]).abs() < 1e-15);
    f.gains(&model, 1, &mut g);
    assert!(
        g.iter().all(|&x| (x - 0.5).abs() < 1e-15),
        "x made no offer: flat {g:?}"
    );
}

#[test]
fn frequency_estimates_learn_within_a_run_reproducibly_and_need_offers() {
    let src = game(
        "estimates = \"frequency\"",
        "strategy = \"conceder\"\nestimates = \"frequency\"",
        12,
    )
    .replace("offer = \"nearest\"", "offer = \"best_for_others\"")
    .replace("runs = 1", "runs = 300")
    .replace(
        "[agents.x]",
        "[agents.x]\nreservation = { uniform = [0.1, 0.4] }",
    );
    let (_, r) = report_of(&src);
    let d = &r.deadlines[0];
    assert_eq!(d.agreements + d.walkouts + d.expired, d.runs);
    let one = negsim::request::with_threads(Some(1), || report_of(&src).1.to_json()).unwrap();
    let two = negsim::request::with_threads(Some(2), || report_of(&src).1.to_json()).unwrap();
    assert_eq!(one, two);
    // The model learns from what y offers: x's offers are not those of its noisy estimates.
    let noisy = src.replace("estimates = \"frequency\"", "estimates = \"noisy\"");
    assert_ne!(report_of(&noisy).1.to_json(), one);
    // Under the mediated protocol nobody but the mediator offers: refused, naming the agent.
    let mediated = src.replace(
        "protocol = \"alternating\"",
        "protocol = \"mediated\"\nmediator = \"x\"",
    );
    let err = negsim::Scenario::from_toml_str(&mediated, "m.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("agent `x` uses estimates = \"frequency\""),
        "{err}"
    );
}

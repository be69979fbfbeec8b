//! Strategy components of issue 9: the `nearest` offer rule and per-round discounting.

use crate::common::scenario;
use crate::offers::{METHODS, random_scenario, target_sequence};
use negsim::model::{Instance, Model};
use negsim::montecarlo::{Control, Settings, simulate, trace_run};
use negsim::offer::for_each_package;
use negsim::protocol::{End, Observer, Workspace};
use negsim::report::Report;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

/// Two terms of three options; `x` likes the first options, `y` the last (weights equal, so
/// a package is worth half the sum of its two values). `x` is Boulware, `y` a Conceder, both
/// offering `nearest`; `extra_x` is added to `x`'s table.
fn two_term(extra_x: &str) -> String {
    format!(
        r#"
[scenario]
name = "nearest"
[simulation]
runs = 1
deadlines = [4]
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
{extra_x}
weights = {{ a = 1, b = 1 }}
values = {{ a = {{ a0 = 1, a1 = 0.5, a2 = 0 }}, b = {{ b0 = 1, b1 = 0.5, b2 = 0 }} }}
[agents.y]
strategy = "conceder"
offer = "nearest"
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

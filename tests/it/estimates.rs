//! The observers' estimates, written in place: the same bits as clearing the tables first.

use negsim::Model;
use negsim::Scenario;
use negsim::engine::model::Instance;
use negsim::engine::rng::{self, std_normal};
use negsim::scenario::{AcceptRule, Protocol};
use negsim::tools::generate::{Shape, generate};

/// The estimates as they were drawn before the tables were written in place: both tables
/// cleared to 0, then every observed signatory's row added. The independent reference.
// Index loops on purpose: the reference spells every index out, unlike the code it checks.
#[allow(clippy::needless_range_loop)]
fn estimates_from_cleared_tables(
    model: &Model,
    seed: u64,
    run: u64,
    start: u128,
    inst: &mut Instance,
    exact: bool,
) {
    let mut rng = rng::param_rng(seed, run);
    rng.set_word_pos(start);
    let sc = &model.scenario;
    let (na, nt, no) = (model.n_agents(), model.n_terms(), model.n_opts);
    inst.est.clear();
    inst.est.resize(na * na * no, 0.0);
    inst.est_others.clear();
    inst.est_others.resize(na * no, 0.0);
    let mut w = vec![0.0; nt];
    for a in 0..na {
        let sd = if exact || sc.agents[a].exact_estimates {
            0.0
        } else {
            sc.agents[a].estimate_noise
        };
        let proposes = model.protocol != Protocol::Mediated
            || model.mediator == Some(a)
            || sc.agents[a].accept != AcceptRule::Target;
        for s in 0..na {
            if s == a || !model.signatory[s] {
                continue;
            }
            if !proposes && !exact {
                for _ in 0..nt + no {
                    std_normal(&mut rng);
                }
                continue;
            }
            for t in 0..nt {
                let z = if exact { 0.0 } else { std_normal(&mut rng) };
                w[t] = (inst.weights[s * nt + t] * (1.0 + sd * z)).max(0.0);
            }
            let sum: f64 = w.iter().sum();
            if sum > 0.0 {
                w.iter_mut().for_each(|x| *x /= sum);
            }
            for t in 0..nt {
                for k in model.offsets[t]..model.offsets[t + 1] {
                    let z = if exact { 0.0 } else { std_normal(&mut rng) };
                    let x = w[t] * (inst.values[s * no + k] + sd * z).clamp(0.0, 1.0);
                    inst.est[(a * na + s) * no + k] = x;
                    inst.est_others[a * no + k] += x;
                }
            }
        }
    }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Regression for the estimate tables written in place (not cleared first): with one
/// instance reused across scenarios of more and fewer agents and options (so stale rows of
/// every size), mediated ones (observers whose estimates nobody reads), a mediator who does
/// not sign and exact estimates, every entry of `est` and `est_others` has the bits of
/// clearing the tables and adding each row; so do the means' estimates.
#[test]
fn estimates_written_in_place_match_cleared_tables() {
    let generated = |agents: usize, seed: u64| {
        generate(&Shape {
            options: vec![4, 3, 5, 2, 4],
            agents,
            opposition: 0.7,
            seed,
        })
    };
    let mut scenarios = vec![
        generated(5, 1),
        Scenario::from_toml_str(
            include_str!("../../scenarios/labour-contract.toml"),
            "labour-contract.toml",
        )
        .expect("bundled"),
        generated(2, 2),
        Scenario::bundled(),
        generated(3, 3),
    ];
    let mut exact = generated(4, 4);
    exact.agents[1].exact_estimates = true;
    scenarios.push(exact);
    let mut inst = Instance::default();
    let mut checked = 0;
    for (i, sc) in scenarios.iter().enumerate() {
        let model = Model::new(sc);
        for run in 0..3u64 {
            model.sample_into(11, run + 10 * i as u64, &mut inst);
            // Stale numbers, NaN included, wherever a table is not written.
            inst.est.iter_mut().for_each(|x| *x = f64::NAN);
            inst.est_others.iter_mut().for_each(|x| *x = 7.0);
            let mut want = inst.clone();
            let start = 1000 + 37 * run as u128;
            model.sample_run_estimates(5, run, start, &mut inst);
            estimates_from_cleared_tables(&model, 5, run, start, &mut want, false);
            assert_eq!(bits(&inst.est), bits(&want.est), "scenario {i}, run {run}");
            assert_eq!(
                bits(&inst.est_others),
                bits(&want.est_others),
                "scenario {i}, run {run}"
            );
            checked += inst.est.len();
        }
        let means = model.mean_instance();
        let mut want = means.clone();
        estimates_from_cleared_tables(&model, 0, 0, 0, &mut want, true);
        assert_eq!(bits(&means.est), bits(&want.est), "scenario {i}, means");
        assert_eq!(
            bits(&means.est_others),
            bits(&want.est_others),
            "scenario {i}, means"
        );
    }
    assert!(checked > 1000);
}

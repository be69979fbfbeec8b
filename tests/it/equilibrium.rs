//! The backward-induction agent (`strategy = "backward_induction"`): its offers and answer
//! thresholds equal an exhaustive backward induction over every package, on random small
//! scenarios; it plays them in the engine; and scenarios it cannot solve exactly are refused.

use crate::common::{
    negsim, random_agent_tables, random_terms, report, scenario, split, stderr, unit, write_temp,
};
use negsim::Scenario;
use negsim::engine::equilibrium::{Plan, proposer};
use negsim::engine::model::{Instance, Model};
use negsim::engine::offer::{Method, for_each_package};
use negsim::engine::protocol::{Workspace, play};
use negsim::engine::rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// A random scenario of 2 to 4 backward-induction signatories (every one of them, or all but
/// one Boulware agent), with discounts in decisions, delay costs, walk-out chances, red lines;
/// with `grid`, values sit on a coarse grid so that ties are common.
fn random_scenario(rng: &mut ChaCha8Rng, grid: bool) -> String {
    let n_agents = 2 + (rng.next_u32() % 3) as usize;
    let n_terms = 1 + (rng.next_u32() % 3) as usize;
    let deadline = 1 + rng.next_u32() % 8;
    let mut s = format!(
        "[scenario]\nname = \"random\"\n[simulation]\ndeadlines = [{deadline}]\nruns = 1\n"
    );
    let sizes = random_terms(&mut s, rng, n_terms, 2, 5);
    let num = |rng: &mut ChaCha8Rng| {
        let x = unit(rng);
        if grid { (x * 4.0).floor() / 4.0 } else { x }
    };
    let boulware = rng.next_u32().is_multiple_of(3);
    for a in 0..n_agents {
        let strategy = if boulware && a == n_agents - 1 {
            "boulware"
        } else {
            "backward_induction"
        };
        s += &format!(
            "[agents.g{a}]\nstrategy = \"{strategy}\"\nreservation = {}\n",
            num(rng) / 2.0
        );
        match rng.next_u32() % 3 {
            0 => s += "estimates = \"exact\"\n",
            1 => s += "estimate_noise = 0.2\n",
            _ => {}
        }
        if rng.next_u32().is_multiple_of(2) {
            s += &format!(
                "discount = {{ rate = {}, in_decisions = true }}\n",
                0.5 + num(rng) / 2.0
            );
        }
        if rng.next_u32().is_multiple_of(3) {
            s += &format!("delay_cost = {}\n", num(rng) / 10.0);
        }
        if rng.next_u32().is_multiple_of(3) {
            s += &format!("walk_away = {}\n", num(rng) / 5.0);
        }
        random_agent_tables(&mut s, rng, a, &sizes, 5, grid);
    }
    s
}

/// What the backward induction gives observer `a`: per round its threshold and its offer.
type Expected = Vec<(f64, Option<Vec<u8>>)>;

/// Backward induction by listing every package in every round: the reference, written from
/// the rules in README, not from the search.
fn exhaustive_plan(model: &Model, inst: &Instance, a: usize, deadline: u32) -> Expected {
    let (na, no) = (model.n_agents(), model.n_opts);
    let view = |s: usize, k: usize| {
        if s == a {
            inst.util[a * no + k]
        } else {
            inst.est[(a * na + s) * no + k]
        }
    };
    let utility = |s: usize, pkg: &[u8]| -> f64 {
        pkg.iter()
            .enumerate()
            .map(|(t, &o)| view(s, model.offsets[t] + o as usize))
            .sum()
    };
    let over = |c: f64, f: f64| {
        if f > 0.0 {
            c / f
        } else if c > 0.0 {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        }
    };
    let stay: f64 = inst.walk_away.iter().map(|w| 1.0 - w).product();
    let mut cont: Vec<f64> = (0..na).map(|s| inst.no_deal_value(s, deadline)).collect();
    let mut out = vec![(0.0, None); deadline as usize];
    for round in (1..=deadline).rev() {
        let p = (round as usize - 1) % na;
        let thr: Vec<f64> = (0..na)
            .map(|s| over(cont[s], inst.decision_factor(s, round)))
            .collect();
        // Best for p, then for the others together, then first in file order.
        let mut best: Option<(f64, f64, Vec<u8>)> = None;
        for_each_package(model, |pkg| {
            let allowed = pkg
                .iter()
                .enumerate()
                .all(|(t, &o)| model.allowed[p * no + model.offsets[t] + o as usize]);
            if !allowed || (0..na).any(|s| s != p && utility(s, pkg) < thr[s]) {
                return;
            }
            let own = utility(p, pkg);
            let others: f64 = (0..na).filter(|&s| s != p).map(|s| utility(s, pkg)).sum();
            if best
                .as_ref()
                .is_none_or(|(bo, bs, _)| own > *bo || (own == *bo && others > *bs))
            {
                best = Some((own, others, pkg.to_vec()));
            }
        });
        let r = round as usize - 1;
        out[r].0 = thr[a];
        let value: Vec<f64> = match best {
            Some((own, _, pkg)) if own >= thr[p] => {
                let v = (0..na)
                    .map(|s| inst.decision_factor(s, round) * utility(s, &pkg))
                    .collect();
                if p == a {
                    out[r].1 = Some(pkg);
                }
                v
            }
            _ => cont.clone(),
        };
        if round > 1 {
            for s in 0..na {
                cont[s] = stay * value[s] + (1.0 - stay) * inst.no_deal_value(s, round);
            }
        }
    }
    out
}

#[test]
fn the_plan_equals_exhaustive_backward_induction_on_random_scenarios() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let (mut compared, mut offers) = (0, 0);
    for case in 0..300u64 {
        let src = random_scenario(&mut rng, case % 2 == 1);
        let sc =
            Scenario::from_toml_str(&src, "random.toml").unwrap_or_else(|e| panic!("{e}\n{src}"));
        let model = Model::new(&sc);
        let deadline = sc.simulation.deadlines[0];
        let mut inst = Instance::default();
        model.sample_into(case, 0, &mut inst);
        for a in (0..model.n_agents()).filter(|&a| model.equilibrium & (1 << a) != 0) {
            let expected = exhaustive_plan(&model, &inst, a, deadline);
            for method in [Method::Auto, Method::BranchAndBound, Method::Staircase] {
                let mut plan = Plan::default();
                plan.prepare(&model, &inst, a, method);
                plan.solve(&model, &inst, deadline);
                for (r, (thr, offer)) in expected.iter().enumerate() {
                    let round = r as u32 + 1;
                    assert_eq!(
                        plan.threshold(round).to_bits(),
                        thr.to_bits(),
                        "case {case}, agent {a}, round {round}, {method:?}: threshold\n{src}"
                    );
                    assert_eq!(
                        plan.offer(round),
                        offer.as_deref(),
                        "case {case}, agent {a}, round {round}, {method:?}: offer\n{src}"
                    );
                    assert!(offer.is_none() || proposer(model.n_agents(), round) == a);
                    compared += 1;
                    offers += usize::from(offer.is_some());
                }
            }
        }
    }
    assert!(
        compared > 2000 && offers > 500,
        "{compared} rounds, {offers} offers"
    );
}

#[test]
fn two_backward_induction_agents_agree_in_round_one_on_the_first_proposers_plan() {
    // A pie of 11 shares, δ = 0.5 for both: with horizon T the first proposer keeps
    // 1 - 0.5·(its rival's share with horizon T - 1), rounded up to the grid for the rival.
    let bi = "strategy = \"backward_induction\"\nestimates = \"exact\"\ndiscount = { rate = 0.5, in_decisions = true }";
    let sc = scenario(&split("runs = 10\ndeadlines = [1, 2, 3]", bi, bi));
    let rep = report(&sc);
    // Hand-computed: T = 1: 1; T = 2: the rival needs 0.5, so 0.5; T = 3: the rival needs
    // 0.5·0.5 = 0.25, rounded up to 0.3 on the grid, so 0.7.
    for (d, share) in rep.deadlines.iter().zip([1.0, 0.5, 0.7]) {
        assert_eq!(d.p_agreement, 1.0);
        assert_eq!(d.mean_round, Some(1.0));
        let u = d.agents["a"].mean_utility.unwrap();
        assert!((u - share).abs() < 1e-9, "deadline {}: {u}", d.deadline);
    }
}

#[test]
fn against_a_boulware_it_holds_to_its_equilibrium_thresholds() {
    // Agent a plays the equilibrium, b is a Boulware agent; with 4 rounds, b (who proposes in
    // rounds 2 and 4) takes everything in round 4 by the equilibrium, so a expects nothing,
    // accepts anything late, and offers b what b's equilibrium continuation is worth.
    let bi = "strategy = \"backward_induction\"\nestimates = \"exact\"";
    let sc = scenario(&split(
        "runs = 1\ndeadlines = [4]",
        bi,
        "strategy = \"boulware\"\nestimates = \"exact\"",
    ));
    let model = Model::new(&sc);
    let mut inst = Instance::default();
    model.sample_into(0, 0, &mut inst);
    let mut ws = Workspace::default();
    ws.prepare(&model, &inst);
    let mut r = rng::play_rng(0, 0);
    let res = play(&model, &inst, &mut ws, 4, &mut r, &mut ());
    // Without discounting the last proposer (b, round 4) takes the whole pie, so a offers
    // b everything in round 1 (its threshold there is 0) and b, whose Boulware target is
    // near 1 in round 1, accepts the share 1.
    assert_eq!(ws.plans[0].offer(1), Some(&[0u8][..]));
    assert_eq!(ws.plans[0].threshold(2), 0.0);
    assert_eq!(res.package, vec![0]);
    assert!(matches!(
        res.end,
        negsim::engine::protocol::End::Agreement { round: 1 }
    ));
}

#[test]
fn scenarios_it_cannot_solve_are_refused_with_their_position() {
    let bi = "strategy = \"backward_induction\"";
    let cases = [
        (
            split(
                "runs = 1\ndeadlines = [4]\nprotocol = \"mediated\"\nmediator = \"a\"",
                bi,
                "",
            ),
            "protocol is \"mediated\"",
        ),
        (
            split("runs = 1\ndeadlines = [4]", bi, "signatory = false"),
            "needs every agent to be a signatory, but `b` is not",
        ),
        (split("runs = 1\ndeadlines = [100000]", bi, ""), ""),
    ];
    for (i, (src, needle)) in cases.iter().enumerate() {
        if needle.is_empty() {
            // A long deadline on two terms is within the limits.
            assert!(Scenario::from_toml_str(src, "ok.toml").is_ok());
            continue;
        }
        let path = write_temp("equilibrium", &format!("refused-{i}.toml"), src);
        let out = negsim(&["check", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(needle), "{err}");
        assert!(err.contains(&format!("refused-{i}.toml:")), "{err}");
    }
    // Three signatories on more than 100,000 packages: no exact search within the limits.
    let mut src = String::from("[scenario]\nname = \"big\"\n[simulation]\ndeadlines = [3]\n");
    let opts: Vec<String> = (0..50).map(|o| format!("\"o{o}\"")).collect();
    for t in 0..3 {
        src += &format!(
            "[[terms]]\nid = \"t{t}\"\noptions = [{}]\n",
            opts.join(", ")
        );
    }
    for a in 0..3 {
        src += &format!(
            "[agents.g{a}]\nstrategy = \"backward_induction\"\n[agents.g{a}.weights]\nt0 = 1\n[agents.g{a}.values.t0]\n"
        );
        for o in 0..50 {
            src += &format!("o{o} = {}\n", f64::from(o) / 50.0);
        }
    }
    let err = Scenario::from_toml_str(&src, "big.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("big.toml:") && err.contains("125,000 packages"),
        "{err}"
    );
    assert!(err.contains("at most 100,000"), "{err}");
}

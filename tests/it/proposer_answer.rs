//! The proposer's answer to its own offer takes the own utility its offer search returned
//! instead of summing the package again (issue 16): on random scenarios under every protocol
//! with a proposer and every offer rule, that utility has the bits of an independent sum in
//! file order, and the offer crosses none of the proposer's red lines.

use crate::common::scenario;
use negsim::engine::model::Model;
use negsim::engine::montecarlo::trace_run;
use negsim::engine::protocol::Observer;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random scenario of 2 to 4 signatories over 1 to 3 terms under `protocol`, with red
/// lines, every offer rule, decision discounts and delay costs; values on a coarse grid when
/// `grid`, so that ties are common.
fn random_scenario(rng: &mut ChaCha8Rng, protocol: &str, grid: bool) -> String {
    let n_agents = 2 + (rng.next_u32() % 3) as usize;
    let n_terms = 1 + (rng.next_u32() % 3) as usize;
    let mut s = format!(
        "[scenario]\nname = \"random\"\n[simulation]\ndeadlines = [12]\nruns = 10\nprotocol = \"{protocol}\"\n"
    );
    if protocol == "legislative" {
        s += &format!("quota = {}\n", 1 + rng.next_u32() % n_agents as u32);
    }
    let mut sizes = Vec::new();
    for t in 0..n_terms {
        let k = 2 + (rng.next_u32() % 4) as usize;
        sizes.push(k);
        let opts: Vec<String> = (0..k).map(|o| format!("\"o{o}\"")).collect();
        s += &format!(
            "[[terms]]\nid = \"t{t}\"\noptions = [{}]\n",
            opts.join(", ")
        );
    }
    let num = |rng: &mut ChaCha8Rng| {
        let x = unit(rng);
        if grid { (x * 4.0).floor() / 4.0 } else { x }
    };
    for a in 0..n_agents {
        let offer = ["best_for_others", "nearest", "random_above"][rng.next_u32() as usize % 3];
        s += &format!(
            "[agents.g{a}]\nstrategy = \"conceder\"\nreservation = {}\noffer = \"{offer}\"\n",
            num(rng) / 2.0
        );
        if rng.next_u32().is_multiple_of(3) {
            s += &format!(
                "discount = {{ rate = {}, in_decisions = true }}\n",
                0.5 + num(rng) / 2.0
            );
        }
        if rng.next_u32().is_multiple_of(3) {
            s += &format!("delay_cost = {}\n", num(rng) / 20.0);
        }
        let mut reds = Vec::new();
        for (t, size) in sizes.iter().enumerate() {
            if rng.next_u32().is_multiple_of(4) {
                reds.push(format!("t{t} = [\"o{}\"]", rng.next_u32() as usize % size));
            }
        }
        if !reds.is_empty() {
            s += &format!("red_lines = {{ {} }}\n", reds.join(", "));
        }
        s += &format!("[agents.g{a}.weights]\n");
        for t in 0..n_terms {
            s += &format!("t{t} = {}\n", num(rng) + 0.01);
        }
        for (t, &k) in sizes.iter().enumerate() {
            s += &format!("[agents.g{a}.values.t{t}]\n");
            for o in 0..k {
                s += &format!("o{o} = {}\n", num(rng));
            }
        }
    }
    s
}

/// Every offer and every answer of one negotiation.
#[derive(Default)]
struct Record {
    /// (round, proposer, package)
    offers: Vec<(u32, usize, Vec<u8>)>,
    /// (round, agent, utility as answered, accepted)
    answers: Vec<(u32, usize, f64, bool)>,
}

impl Observer for Record {
    fn offer(&mut self, round: u32, proposer: usize, package: &[u8]) {
        self.offers.push((round, proposer, package.to_vec()));
    }
    fn answer(&mut self, round: u32, agent: usize, utility: f64, _target: f64, accept: bool) {
        self.answers.push((round, agent, utility, accept));
    }
}

#[test]
fn a_proposer_answers_its_offer_with_the_bits_of_an_independent_sum() {
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let mut checked = 0;
    for case in 0..120 {
        let protocol = ["alternating", "legislative"][case % 2];
        let src = random_scenario(&mut rng, protocol, case % 3 == 0);
        let sc = scenario(&src);
        let model = Model::new(&sc);
        for run in 0..10 {
            let mut rec = Record::default();
            let (inst, _) = trace_run(&model, 7, run, 12, &mut rec);
            for (round, p, pkg) in &rec.offers {
                let Some(&(_, _, u, ok)) = rec.answers.iter().find(|a| a.0 == *round && a.1 == *p)
                else {
                    continue;
                };
                // What `Instance::utility` sums (file order, from 0), on the scale of the
                // proposer's decisions.
                let want = inst.utility(&model, *p, pkg) * inst.decision_factor(*p, *round);
                assert_eq!(
                    u.to_bits(),
                    want.to_bits(),
                    "case {case}, run {run}, round {round}: proposer {p} answered {u}, the sum is {want}\n{src}"
                );
                let no = model.n_opts;
                let crosses = pkg
                    .iter()
                    .enumerate()
                    .any(|(t, &o)| model.red[p * no + model.offsets[t] + o as usize]);
                assert!(
                    !crosses,
                    "case {case}, run {run}, round {round}: the offer crosses a red line of its proposer"
                );
                assert_eq!(
                    ok,
                    want >= inst.no_deal_value(*p, *round),
                    "case {case}, run {run}, round {round}: proposer {p}'s own answer"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 3000, "only {checked} own answers were checked");
}

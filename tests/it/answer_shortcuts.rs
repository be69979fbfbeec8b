//! The answers' shortcuts of issue 16, each against the long way on random scenarios:
//!
//! - the proposer answers its own offer with the own utility its offer search returned
//!   instead of summing the package again: under every protocol with a proposer and every
//!   offer rule, that utility has the bits of an independent sum in file order, and the offer
//!   crosses none of the proposer's red lines;
//! - when nobody watches, the answers stop at the first rejection and are completed only when
//!   the text on the table turns out to be read: a silent negotiation ends as a watched one
//!   (every answer given), with the same rejecters, at its end and at every checkpoint.

use crate::common::{random_agent_tables, random_terms, scenario, unit};
use negsim::engine::model::Instance;
use negsim::engine::model::Model;
use negsim::engine::montecarlo::trace_run;
use negsim::engine::protocol::{End, Observer, RunResult, Workspace, play_marked};
use negsim::engine::rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// A random scenario of 2 to 5 signatories over 1 to 3 terms under `protocol`, with red
/// lines, every offer rule and acceptance rule, learnt estimates, decision discounts, delay
/// costs and (when `walk`) walk-outs; values on a coarse grid when `grid`, so that ties are
/// common.
fn random_scenario(rng: &mut ChaCha8Rng, protocol: &str, grid: bool, walk: bool) -> String {
    let n_agents = 2 + (rng.next_u32() % 4) as usize;
    let n_terms = 1 + (rng.next_u32() % 3) as usize;
    let mut s = format!(
        "[scenario]\nname = \"random\"\n[simulation]\ndeadlines = [12]\nruns = 10\nprotocol = \"{protocol}\"\n"
    );
    if protocol == "legislative" {
        s += &format!("quota = {}\n", 1 + rng.next_u32() % n_agents as u32);
    }
    let sizes = random_terms(&mut s, rng, n_terms, 2, 5);
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
        match rng.next_u32() % 4 {
            0 => s += "accept = \"next\"\n",
            1 => s += &format!("accept = {{ combi = {} }}\n", num(rng)),
            _ => {}
        }
        // Learnt estimates: alternating offers only.
        if protocol == "alternating" && rng.next_u32().is_multiple_of(3) {
            s += "estimates = \"frequency\"\n";
        }
        if walk && rng.next_u32().is_multiple_of(3) {
            s += &format!("walk_away = {}\n", num(rng) / 10.0);
        }
        random_agent_tables(&mut s, rng, a, &sizes, 4, grid);
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
        let src = random_scenario(&mut rng, protocol, case % 3 == 0, false);
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

/// Records nothing but asks for every answer: the long way of the round loop.
struct Watch;

impl Observer for Watch {}

/// Plays run `run` of `model` with checkpoints `marks` (the last one the deadline), watched
/// by `obs`: the result and the state at every checkpoint.
fn marked<O: Observer>(
    model: &Model,
    run: u64,
    marks: &[u32],
    obs: &mut O,
) -> (RunResult, Vec<RunResult>) {
    marked_after(model, run, marks, obs, &[])
}

/// [`marked`] on a workspace that has played `before` (run indices, silently) first: the
/// plain round loop then builds its staircases first down to a hint from how late those
/// negotiations ended, and again when a target falls below it.
fn marked_after<O: Observer>(
    model: &Model,
    run: u64,
    marks: &[u32],
    obs: &mut O,
    before: &[u64],
) -> (RunResult, Vec<RunResult>) {
    let mut inst = Instance::default();
    let mut ws = Workspace::default();
    for &r in before {
        play_on(model, &mut ws, &mut inst, r, marks, &mut ());
    }
    play_on(model, &mut ws, &mut inst, run, marks, obs)
}

/// Plays `run` of `model` on `ws` to the last of `marks`, heard by `obs`: the result and the
/// state at every checkpoint.
fn play_on<O: Observer>(
    model: &Model,
    ws: &mut Workspace,
    inst: &mut Instance,
    run: u64,
    marks: &[u32],
    obs: &mut O,
) -> (RunResult, Vec<RunResult>) {
    model.sample_into(3, run, inst);
    ws.prepare(model, inst);
    let mut play = rng::play_rng(3, run);
    let mut seen = Vec::new();
    let res = play_marked(
        model,
        inst,
        ws,
        *marks.last().unwrap(),
        marks,
        &mut play,
        obs,
        &mut |_, state| seen.push(state.clone()),
    );
    (res, seen)
}

#[test]
fn a_silent_negotiation_ends_as_a_watched_one_with_the_same_rejecters() {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let (mut compared, mut blocked) = (0, 0);
    for case in 0..150 {
        let src = random_scenario(&mut rng, "alternating", case % 3 == 0, case % 4 == 0);
        let sc = scenario(&src);
        let model = Model::new(&sc);
        for marks in [&[1][..], &[2, 5, 9, 14][..], &[30][..]] {
            for run in 0..8 {
                let silent = marked(&model, run, marks, &mut ());
                let watched = marked(&model, run, marks, &mut Watch);
                assert_eq!(
                    silent, watched,
                    "case {case}, run {run}, checkpoints {marks:?}\n{src}"
                );
                compared += 1;
                blocked += usize::from(silent.0.last_rejecters.count_ones() > 1);
            }
        }
    }
    // Texts turned down by more than one signatory are what the shortcut must complete.
    assert!(
        blocked > 300,
        "only {blocked} of {compared} negotiations ended with several rejecters"
    );
}

/// A random scenario that the plain round loop of alternating offers plays (every agent on
/// the target rule and the default offer rule, no delay, no learner, no walk-out): 2 to 5
/// signatories over 1 to 4 terms, with red lines, every time-dependent tactic, own clocks,
/// deadline beliefs, exact or noisy estimates and uncertain reservations.
fn plain_scenario(rng: &mut ChaCha8Rng, grid: bool) -> String {
    let n_agents = 2 + (rng.next_u32() % 4) as usize;
    let n_terms = 1 + (rng.next_u32() % 4) as usize;
    let mut s =
        "[scenario]\nname = \"plain\"\n[simulation]\ndeadlines = [12]\nruns = 10\n".to_string();
    let sizes = random_terms(&mut s, rng, n_terms, 2, 5);
    for a in 0..n_agents {
        let strategy = [
            "\"boulware\"",
            "\"conceder\"",
            "\"linear\"",
            "\"hardliner\"",
            "{ exponent = 0.7 }",
        ][rng.next_u32() as usize % 5];
        s += &format!("[agents.g{a}]\nstrategy = {strategy}\n");
        if rng.next_u32().is_multiple_of(2) {
            s += &format!("reservation = {}\n", unit(rng) / 2.0);
        } else {
            s += &format!("reservation = {{ uniform = [0.0, {}] }}\n", unit(rng) / 2.0);
        }
        match rng.next_u32() % 4 {
            0 => s += &format!("clock = {{ horizon = {} }}\n", 1 + rng.next_u32() % 20),
            1 => s += &format!("deadline_belief = {}\n", 0.5 + unit(rng)),
            _ => {}
        }
        if rng.next_u32().is_multiple_of(3) {
            s += "estimates = \"exact\"\n";
        }
        random_agent_tables(&mut s, rng, a, &sizes, 4, grid);
    }
    s
}

/// Regression guard for the plain round loop of alternating offers (issue 16): a silent
/// negotiation that it plays ends as the watched one that the general loop plays, every
/// answer given, with the same rejecters at its end and at every checkpoint.
#[test]
fn the_plain_round_loop_ends_as_the_general_one() {
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    let (mut compared, mut blocked, mut agreed, mut offers) = (0, 0, 0, 0);
    for case in 0..150 {
        let src = plain_scenario(&mut rng, case % 3 == 0);
        let sc = scenario(&src);
        let model = Model::new(&sc);
        for marks in [&[1][..], &[2, 5, 9, 14][..], &[30][..]] {
            for run in 0..8 {
                let silent = marked(&model, run, marks, &mut ());
                let mut rec = Record::default();
                let watched = marked(&model, run, marks, &mut rec);
                assert_eq!(
                    silent, watched,
                    "case {case}, run {run}, checkpoints {marks:?}\n{src}"
                );
                // After earlier negotiations in the same workspace (staircases first built
                // down to a hint of how late talks end), the same again.
                let hinted = marked_after(&model, run, marks, &mut (), &[run + 100, run + 200]);
                assert_eq!(
                    hinted, watched,
                    "after two runs: case {case}, run {run}, checkpoints {marks:?}\n{src}"
                );
                // The plain loop does not check the answerers' red lines: no offer may cross
                // a signatory's.
                let no = model.n_opts;
                for (round, p, pkg) in &rec.offers {
                    let crossed = (0..model.n_agents()).find(|&s| {
                        model.signatory[s]
                            && pkg
                                .iter()
                                .enumerate()
                                .any(|(t, &o)| model.red[s * no + model.offsets[t] + o as usize])
                    });
                    assert_eq!(
                        crossed, None,
                        "case {case}, run {run}, round {round}: {p}'s offer crosses a red line\n{src}"
                    );
                    offers += 1;
                }
                compared += 1;
                blocked += usize::from(silent.0.last_rejecters.count_ones() > 1);
                agreed += usize::from(matches!(silent.0.end, End::Agreement { .. }));
            }
        }
    }
    // Both ends must be common: texts several turned down (what the plain loop completes
    // when read) and agreements.
    assert!(
        blocked > 300 && agreed > 300 && offers > 10_000,
        "of {compared} negotiations ({offers} offers) {blocked} ended with several rejecters, \
         {agreed} agreed"
    );
}

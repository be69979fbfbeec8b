//! Property tests: random valid scenarios (written as TOML, so the reader is exercised too) go
//! through a short simulation, and the invariants of the engine must hold for every one of them.
//! Case counts are modest so the suite stays fast.

use negsim::Scenario;
use negsim::engine::model::{Instance, Model};
use negsim::engine::montecarlo::{Control, Outcome, Settings, simulate, trace_run};
use negsim::engine::protocol::{End, Observer, answer};
use negsim::engine::stats::{Z95, wilson};
use negsim::scenario::Strategy as Tactic;
use proptest::prelude::*;
use std::fmt::Write as _;

/// A number or distribution as written in the file, inside [0, 1] before scaling.
#[derive(Debug, Clone)]
enum Num {
    Fixed(f64),
    Normal(f64, f64),
    Uniform(f64, f64),
    Triangular(f64, f64, f64),
}

impl Num {
    fn toml(&self, scale: f64) -> String {
        match self {
            Num::Fixed(v) => format!("{:?}", v * scale),
            Num::Normal(m, sd) => format!("{{ normal = [{:?}, {:?}] }}", m * scale, sd * scale),
            Num::Uniform(a, b) => format!("{{ uniform = [{:?}, {:?}] }}", a * scale, b * scale),
            Num::Triangular(a, m, b) => format!(
                "{{ triangular = [{:?}, {:?}, {:?}] }}",
                a * scale,
                m * scale,
                b * scale
            ),
        }
    }
}

fn num() -> impl Strategy<Value = Num> {
    prop_oneof![
        2 => (0.0..=1.0f64).prop_map(Num::Fixed),
        1 => (0.0..=1.0f64, 0.0..0.3f64).prop_map(|(m, sd)| Num::Normal(m, sd)),
        1 => (0.0..=1.0f64, 0.0..=1.0f64).prop_map(|(a, b)| Num::Uniform(a.min(b), a.max(b))),
        1 => (0.0..=1.0f64, 0.0..=1.0f64, 0.0..=1.0f64).prop_map(|(a, b, c)| {
            let mut v = [a, b, c];
            v.sort_by(f64::total_cmp);
            Num::Triangular(v[0], v[1], v[2])
        }),
    ]
}

#[derive(Debug, Clone)]
struct AgentSpec {
    signatory: bool,
    reservation: Num,
    walk_away: Num,
    belief: f64,
    noise: f64,
    strategy: usize,
    exponent: f64,
    weights: Vec<Num>,
    values: Vec<Vec<Num>>,
    red: Vec<Vec<bool>>,
}

fn agent(options: Vec<usize>) -> impl Strategy<Value = AgentSpec> {
    let nt = options.len();
    (
        any::<bool>(),
        num(),
        num(),
        0.5..2.0f64,
        0.0..0.3f64,
        0..6usize,
        0.1..5.0f64,
        (0.05..=1.0f64, prop::collection::vec(num(), nt - 1)),
        options
            .iter()
            .map(|&n| prop::collection::vec(num(), n))
            .collect::<Vec<_>>(),
        options
            .iter()
            .map(|&n| prop::collection::vec(prop::bool::weighted(0.15), n))
            .collect::<Vec<_>>(),
    )
        .prop_map(
            |(
                signatory,
                reservation,
                walk_away,
                belief,
                noise,
                strategy,
                exponent,
                w,
                values,
                red,
            )| {
                let mut weights = vec![Num::Fixed(w.0)];
                weights.extend(w.1);
                AgentSpec {
                    signatory,
                    reservation,
                    walk_away,
                    belief,
                    noise,
                    strategy,
                    exponent,
                    weights,
                    values,
                    red,
                }
            },
        )
}

#[derive(Debug, Clone)]
struct Spec {
    options: Vec<usize>,
    agents: Vec<AgentSpec>,
    deadlines: Vec<u32>,
    seed: u64,
    mediator: Option<usize>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (prop::collection::vec(2..=4usize, 1..=4), 2..=4usize).prop_flat_map(|(options, na)| {
        (
            prop::collection::vec(agent(options.clone()), na),
            prop::collection::vec(1..=10u32, 1..=3),
            any::<u64>(),
            prop::option::of(0..na),
            Just(options),
        )
            .prop_map(|(agents, deadlines, seed, mediator, options)| Spec {
                options,
                agents,
                deadlines,
                seed,
                mediator,
            })
    })
}

const RUNS: u64 = 40;

impl Spec {
    fn toml(&self) -> String {
        let mut s = String::from("[scenario]\nname = \"random\"\n\n[simulation]\n");
        let _ = writeln!(s, "runs = {RUNS}\nseed = {}", self.seed >> 1);
        let _ = writeln!(s, "deadlines = {:?}", self.deadlines);
        if let Some(m) = self.mediator {
            let _ = writeln!(s, "protocol = \"mediated\"\nmediator = \"a{m}\"");
        }
        for (t, &n) in self.options.iter().enumerate() {
            let opts: Vec<String> = (0..n).map(|o| format!("\"o{o}\"")).collect();
            let _ = writeln!(
                s,
                "\n[[terms]]\nid = \"t{t}\"\noptions = [{}]",
                opts.join(", ")
            );
        }
        for (i, a) in self.agents.iter().enumerate() {
            // The first agent always signs, so that every scenario has a signatory.
            let _ = writeln!(s, "\n[agents.a{i}]\nsignatory = {}", a.signatory || i == 0);
            let _ = writeln!(s, "reservation = {}", a.reservation.toml(0.6));
            let _ = writeln!(s, "walk_away = {}", a.walk_away.toml(0.05));
            let _ = writeln!(s, "deadline_belief = {:?}", a.belief);
            let _ = writeln!(s, "estimate_noise = {:?}", a.noise);
            let strategy = match a.strategy {
                0 => "\"boulware\"".to_string(),
                1 => "\"linear\"".to_string(),
                2 => "\"conceder\"".to_string(),
                3 => "\"hardliner\"".to_string(),
                _ => format!("{{ exponent = {:?} }}", a.exponent),
            };
            let _ = writeln!(s, "strategy = {strategy}");
            let red: Vec<String> = a
                .red
                .iter()
                .enumerate()
                .filter(|(_, r)| r.iter().any(|&x| x))
                .map(|(t, r)| {
                    let opts: Vec<String> = (0..r.len())
                        .filter(|&o| r[o])
                        .map(|o| format!("\"o{o}\""))
                        .collect();
                    format!("t{t} = [{}]", opts.join(", "))
                })
                .collect();
            let _ = writeln!(s, "red_lines = {{ {} }}", red.join(", "));
            let _ = writeln!(s, "[agents.a{i}.weights]");
            for (t, w) in a.weights.iter().enumerate() {
                let _ = writeln!(s, "t{t} = {}", w.toml(1.0));
            }
            for (t, vals) in a.values.iter().enumerate() {
                let _ = writeln!(s, "[agents.a{i}.values.t{t}]");
                for (o, v) in vals.iter().enumerate() {
                    let _ = writeln!(s, "o{o} = {}", v.toml(1.0));
                }
            }
        }
        s
    }
}

/// Records who proposed what in each round and every answer.
#[derive(Default)]
struct Events {
    offers: Vec<(u32, usize, Vec<u8>)>,
    answers: Vec<(u32, usize, bool)>,
}

impl Observer for Events {
    fn offer(&mut self, round: u32, proposer: usize, package: &[u8]) {
        self.offers.push((round, proposer, package.to_vec()));
    }
    fn answer(&mut self, round: u32, agent: usize, _utility: f64, _target: f64, accept: bool) {
        self.answers.push((round, agent, accept));
    }
}

/// Agent `a`'s utility for `pkg` and its target in `round`, recomputed from the sampled weights
/// and values by the formulas of the README (not through the engine's tables).
fn by_hand(
    model: &Model,
    inst: &Instance,
    a: usize,
    pkg: &[u8],
    round: u32,
    deadline: u32,
) -> (f64, f64) {
    let (nt, no) = (model.n_terms(), model.n_opts);
    let u: f64 = pkg
        .iter()
        .enumerate()
        .map(|(t, &o)| {
            inst.weights[a * nt + t] * inst.values[a * no + model.offsets[t] + o as usize]
        })
        .sum();
    let best: f64 = (0..nt)
        .map(|t| {
            model
                .term_range(t)
                .filter(|&k| model.allowed[a * no + k])
                .map(|k| inst.weights[a * nt + t] * inst.values[a * no + k])
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .sum();
    let res = inst.reservation[a];
    let target = if !best.is_finite() {
        res
    } else {
        match inst.exponent[a] {
            None => best,
            Some(e) => {
                let time = (f64::from(round) / (inst.belief[a] * f64::from(deadline))).min(1.0);
                (res + (best - res) * (1.0 - time.powf(1.0 / e))).min(best)
            }
        }
    };
    (u, target)
}

fn simulate_on(threads: usize, model: &Model, settings: &Settings) -> Outcome {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| simulate(model, settings, &Control::default()))
}

fn check_sampled_ranges(model: &Model, inst: &Instance) -> Result<(), TestCaseError> {
    let sc = &model.scenario;
    let nt = model.n_terms();
    for (a, agent) in sc.agents.iter().enumerate() {
        let w = &inst.weights[a * nt..(a + 1) * nt];
        prop_assert!(w.iter().all(|&x| x >= 0.0));
        prop_assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9, "weights {w:?}");
        let v = &inst.values[a * model.n_opts..(a + 1) * model.n_opts];
        prop_assert!(v.iter().all(|&x| (0.0..=1.0).contains(&x)), "values {v:?}");
        let within = |x: f64, p: &negsim::engine::dist::Param| {
            x >= p.min && x <= p.max && x >= p.quantile(0.0) && x <= p.quantile(1.0)
        };
        prop_assert!(within(inst.reservation[a], &agent.reservation));
        prop_assert!(within(inst.walk_away[a], &agent.walk_away));
        prop_assert!(within(inst.belief[a], &agent.deadline_belief));
        match agent.strategy {
            Tactic::Hardliner
            | Tactic::BackwardInduction
            | Tactic::Stationary
            | Tactic::Zeuthen => {
                prop_assert!(inst.exponent[a].is_none())
            }
            Tactic::TimeDependent { exponent, .. } => {
                prop_assert!(within(inst.exponent[a].unwrap(), &exponent))
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_valid_scenarios_keep_the_invariants(spec in spec()) {
        let src = spec.toml();
        let sc = Scenario::from_toml_str(&src, "random.toml")
            .map_err(|e| TestCaseError::fail(format!("{e}\n{src}")))?;
        let model = Model::new(&sc);
        let settings = Settings {
            seed: sc.simulation.seed,
            deadlines: sc.simulation.deadlines.clone(),
            runs: 0..RUNS,
        };
        let one = simulate_on(1, &model, &settings);
        let two = simulate_on(2, &model, &settings);
        let again = simulate_on(2, &model, &settings);
        prop_assert_eq!(&one, &two, "1 and 2 threads differ");
        prop_assert_eq!(&two, &again, "repeated runs differ");
        prop_assert!(!one.partial);

        let no = model.n_opts;
        for (tally, &deadline) in one.tallies.iter().zip(&settings.deadlines) {
            prop_assert_eq!(tally.runs, RUNS);
            prop_assert_eq!(tally.agreements + tally.total_walkouts() + tally.expired, RUNS);
            let p = tally.agreements as f64 / RUNS as f64;
            let (lo, hi) = wilson(tally.agreements, RUNS, Z95);
            prop_assert!((0.0..=1.0).contains(&p) && lo <= p && p <= hi, "{p} in [{lo}, {hi}]");
            let mut last = 0.0;
            for k in 0..=deadline {
                let pk = tally.p_within(k);
                prop_assert!(pk >= last, "P(within {k}) = {pk} < {last}");
                last = pk;
            }
            prop_assert!((last - p).abs() < 1e-12);

            // Replay every run with an observer: the tally must match, and every agreement
            // must be acceptable to every signatory and cross no red line.
            let (mut agreements, mut walkouts, mut expired) = (0, 0, 0);
            for run in 0..RUNS {
                let mut ev = Events::default();
                let (inst, res) = trace_run(&model, settings.seed, run, deadline, &mut ev);
                check_sampled_ranges(&model, &inst)?;
                match res.end {
                    End::Agreement { round } => {
                        agreements += 1;
                        prop_assert!(round >= 1 && round <= deadline);
                        let pkg = &res.package;
                        prop_assert_eq!(pkg.len(), model.n_terms());
                        for s in (0..model.n_agents()).filter(|&s| model.signatory[s]) {
                            let (yes, _, _) = answer(&model, &inst, s, pkg, round, deadline);
                            prop_assert!(yes);
                            prop_assert!(ev.answers.contains(&(round, s, true)), "signatory {s} said yes");
                            let (u, target) = by_hand(&model, &inst, s, pkg, round, deadline);
                            prop_assert!(u >= target - 1e-9, "signatory {s}: utility {u} < target {target}");
                            prop_assert!(u >= inst.reservation[s] - 1e-9);
                        }
                        let (_, proposer, offered) = ev.offers.iter().rev()
                            .find(|(r, _, _)| *r == round).expect("an offer in the round of agreement");
                        prop_assert_eq!(offered, pkg);
                        for (t, &o) in pkg.iter().enumerate() {
                            let k = model.offsets[t] + o as usize;
                            for a in 0..model.n_agents() {
                                if model.signatory[a] || a == *proposer {
                                    prop_assert!(!model.red[a * no + k], "agent {a} red-lines option {k}");
                                }
                            }
                        }
                    }
                    End::WalkOut { .. } => walkouts += 1,
                    End::Expired => expired += 1,
                }
            }
            prop_assert_eq!(agreements, tally.agreements);
            prop_assert_eq!(walkouts, tally.total_walkouts());
            prop_assert_eq!(expired, tally.expired);
        }
    }
}

//! Structure-aware: the fuzzer picks the numbers of a small mediated/alternating scenario
//! (weights, values, reservations, walk-out chances, beliefs, exponents, noise, deadlines, red
//! lines), biased towards the edges of their valid ranges. Whatever the validator accepts must
//! sample and play without panicking, and keep the sampling invariants: weights renormalize to
//! 1, utilities are finite and in [0, 1], and every run ends exactly once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use negsim::Scenario;
use negsim::engine::model::{Instance, Model};
use negsim::engine::montecarlo::{Settings, simulate_range};
use negsim::engine::stats::Tally;

/// Edge values worth trying for any number.
const EDGES: [f64; 16] = [
    0.0,
    1.0,
    0.5,
    5e-324,
    1e-300,
    1e-9,
    0.01,
    0.001,
    1000.0,
    100.0,
    1e6,
    1e300,
    f64::MAX,
    1.0 - f64::EPSILON,
    -0.0,
    2.0,
];

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *b
    }
    fn num(&mut self) -> String {
        let tag = self.byte();
        let x = match tag % 4 {
            0 => EDGES[usize::from(self.byte()) % EDGES.len()],
            1 => f64::from(self.byte()) / 255.0,
            2 => {
                let mut b = [0u8; 8];
                b.iter_mut().for_each(|x| *x = self.byte());
                f64::from_le_bytes(b)
            }
            _ => f64::from(self.byte()) / 2.55,
        };
        match tag / 4 % 4 {
            0 => format!("{x:?}"),
            1 => format!(
                "{{ normal = [{x:?}, {:?}] }}",
                f64::from(self.byte()) / 255.0
            ),
            2 => format!(
                "{{ uniform = [{x:?}, {:?}] }}",
                x + f64::from(self.byte()) / 255.0
            ),
            _ => format!(
                "{{ triangular = [{x:?}, {:?}, {:?}] }}",
                x + f64::from(self.byte()) / 512.0,
                x + f64::from(self.byte()) / 255.0
            ),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let mediated = b.byte() % 2 == 1;
    let d1 = 1 + u32::from(b.byte() % 16);
    let mut src = format!(
        "[scenario]\nname = \"n\"\n[simulation]\nseed = {}\ndeadlines = [{d1}, {}]\n",
        b.byte(),
        d1 + u32::from(b.byte() % 8)
    );
    if mediated {
        src += &format!(
            "protocol = \"mediated\"\nmediator = \"a{}\"\nmediator_learning_rate = {:?}\n",
            b.byte() % 3,
            f64::from(b.byte()) / 25.5
        );
    }
    src += "[[terms]]\nid = \"x\"\noptions = [\"p\", \"q\", \"r\"]\n[[terms]]\nid = \"y\"\noptions = [\"u\", \"v\"]\n";
    for a in 0..3 {
        src += &format!(
            "[agents.a{a}]\nsignatory = {}\nreservation = {}\nwalk_away = {}\ndeadline_belief = {}\nestimate_noise = {:?}\n",
            a == 0 || b.byte() % 4 != 0,
            b.num(),
            b.num(),
            b.num(),
            f64::from(b.byte()) / 255.0
        );
        src += &match b.byte() % 5 {
            0 => "strategy = \"hardliner\"\n".to_string(),
            1 => "strategy = \"boulware\"\n".to_string(),
            _ => format!("strategy = {{ exponent = {} }}\n", b.num()),
        };
        let red = b.byte();
        src += &format!(
            "red_lines = {{ x = [{}], y = [{}] }}\n",
            ["p", "q", "r"]
                .iter()
                .enumerate()
                .filter(|(i, _)| red & (1 << i) != 0)
                .map(|(_, o)| format!("\"{o}\""))
                .collect::<Vec<_>>()
                .join(", "),
            if red & 8 != 0 { "\"v\"" } else { "" }
        );
        src += &format!("[agents.a{a}.weights]\nx = {}\ny = {}\n", b.num(), b.num());
        src += &format!(
            "[agents.a{a}.values.x]\np = {}\nq = {}\nr = {}\n[agents.a{a}.values.y]\nu = {}\nv = {}\n",
            b.num(),
            b.num(),
            b.num(),
            b.num(),
            b.num()
        );
    }
    let Ok(sc) = Scenario::from_toml_str(&src, "fuzz.toml") else {
        return;
    };
    let model = Model::new(&sc);
    let runs = 4;
    let mut inst = Instance::default();
    for run in 0..runs {
        model.sample_into(sc.simulation.seed, run, &mut inst);
        for a in 0..model.n_agents() {
            let w = &inst.weights[a * 2..a * 2 + 2];
            let sum: f64 = w.iter().sum();
            assert!(
                (sum - 1.0).abs() < 1e-9,
                "weights {w:?} of agent {a} sum to {sum}\n{src}"
            );
            let u = &inst.util[a * model.n_opts..(a + 1) * model.n_opts];
            assert!(
                u.iter().all(|x| (0.0..=1.0).contains(x)),
                "utilities {u:?}\n{src}"
            );
        }
    }
    let settings = Settings {
        seed: sc.simulation.seed,
        deadlines: sc.simulation.deadlines.clone(),
        runs: 0..runs,
    };
    let mut tallies: Vec<Tally> = settings
        .deadlines
        .iter()
        .map(|&d| Tally::new(&model, d))
        .collect();
    simulate_range(&model, &settings, 0..runs, &mut tallies);
    for t in &tallies {
        assert_eq!(t.agreements + t.total_walkouts() + t.expired, runs);
    }
});

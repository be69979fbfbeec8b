//! The Zeuthen pair (`strategy = "zeuthen"`): on random small bilateral scenarios it agrees on
//! a package whose Nash product is the largest over every agreeable, individually rational
//! package listed one by one, conceding monotonically; a tiny case follows the hand-computed
//! trajectory; and the scenarios it is not defined for are refused with their position.

use crate::common::{negsim, split, stderr, write_temp};
use negsim::Scenario;
use negsim::engine::analysis::{Analysis, RATIONAL_EPS, TIE_EPS, agreeable, pareto_frontier};
use negsim::engine::model::{Instance, Model};
use negsim::engine::montecarlo::trace_run;
use negsim::engine::offer::for_each_package;
use negsim::engine::protocol::{End, Observer};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random scenario of two Zeuthen signatories on 1 to 3 terms of 2 to 5 options, with
/// reservations and red lines; with `grid`, values on a coarse grid so that ties are common;
/// with `uncertain`, some values are normal draws (each run solves its own instance).
fn random_scenario(rng: &mut ChaCha8Rng, grid: bool, uncertain: bool) -> String {
    let n_terms = 1 + (rng.next_u32() % 3) as usize;
    let mut sizes = Vec::new();
    let mut s = String::from("[scenario]\nname = \"random\"\n[simulation]\n");
    let mut space = 1;
    let mut terms = String::new();
    for t in 0..n_terms {
        let k = 2 + (rng.next_u32() % 4) as usize;
        sizes.push(k);
        space *= k;
        let opts: Vec<String> = (0..k).map(|o| format!("\"o{o}\"")).collect();
        terms += &format!(
            "[[terms]]\nid = \"t{t}\"\noptions = [{}]\n",
            opts.join(", ")
        );
    }
    // Long enough for any process: it lasts at most |R| + 1 rounds.
    s += &format!("deadlines = [{}]\nruns = 3\nseed = 7\n", space + 2);
    s += &terms;
    let num = |rng: &mut ChaCha8Rng| {
        let x = unit(rng);
        if grid { (x * 4.0).floor() / 4.0 } else { x }
    };
    for a in 0..2 {
        s += &format!(
            "[agents.g{a}]\nstrategy = \"zeuthen\"\nestimates = \"exact\"\nreservation = {}\n",
            num(rng) / 2.0
        );
        let mut reds = Vec::new();
        for (t, size) in sizes.iter().enumerate() {
            if rng.next_u32().is_multiple_of(5) {
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
                let v = num(rng);
                if uncertain && rng.next_u32().is_multiple_of(2) {
                    s += &format!("o{o} = {{ normal = [{v}, 0.1] }}\n");
                } else {
                    s += &format!("o{o} = {v}\n");
                }
            }
        }
    }
    s
}

/// The Nash product of `pkg` in `inst`, as README defines it: gains over the reservation,
/// each floored at 0, multiplied; `None` when the package is not agreeable or gives a
/// signatory less than its reservation (beyond the rounding slack).
fn product(model: &Model, inst: &Instance, pkg: &[u8]) -> Option<f64> {
    let g: Vec<f64> = (0..2)
        .map(|a| inst.utility(model, a, pkg) - inst.reservation[a])
        .collect();
    (agreeable(model, pkg) && g.iter().all(|&g| g >= -RATIONAL_EPS))
        .then(|| g[0].max(0.0) * g[1].max(0.0))
}

/// Every offer of a run: round, proposer, package.
#[derive(Default)]
struct Offers(Vec<(u32, usize, Vec<u8>)>);

impl Observer for Offers {
    fn offer(&mut self, round: u32, proposer: usize, package: &[u8]) {
        self.0.push((round, proposer, package.to_vec()));
    }
}

#[test]
fn the_pair_reaches_the_largest_nash_product_of_an_exhaustive_search() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let (mut deals, mut ties) = (0, 0);
    for case in 0..300 {
        let (grid, uncertain) = (case % 3 == 1, case % 3 == 2);
        let src = random_scenario(&mut rng, grid, uncertain);
        let sc = Scenario::from_toml_str(&src, "random.toml").unwrap_or_else(|e| panic!("{e}"));
        let model = Model::new(&sc);
        let deadline = sc.simulation.deadlines[0];
        for run in 0..sc.simulation.runs {
            let mut obs = Offers::default();
            let (inst, res) = trace_run(&model, sc.simulation.seed, run, deadline, &mut obs);
            // The reference: every package listed, its product computed from the rules.
            let mut best: Option<f64> = None;
            let mut pairs: Vec<(f64, f64)> = Vec::new();
            let mut maximizers = 0;
            for_each_package(&model, |pkg| {
                if let Some(n) = product(&model, &inst, pkg) {
                    best = Some(best.map_or(n, |b: f64| b.max(n)));
                    pairs.push((inst.utility(&model, 0, pkg), inst.utility(&model, 1, pkg)));
                }
            });
            for_each_package(&model, |pkg| {
                if product(&model, &inst, pkg) == best {
                    maximizers += 1;
                }
            });
            // Distinct Pareto-optimal utility pairs of the rational set: the process lasts
            // at most one round more than there are.
            let pareto = {
                let mut p = pairs.clone();
                p.sort_by(|x, y| x.partial_cmp(y).unwrap());
                p.dedup();
                p.iter()
                    .filter(|x| {
                        !pairs
                            .iter()
                            .any(|y| y.0 >= x.0 && y.1 >= x.1 && (y.0 > x.0 || y.1 > x.1))
                    })
                    .count()
            };
            let ctx = format!("case {case} run {run}:\n{src}");
            // The two-agent frontier search finds the frontier `check` analyzes, package for
            // package (`check`'s lists it in option order).
            let (mut pkgs, mut util) = (Vec::new(), Vec::new());
            negsim::engine::zeuthen::frontier(&model, &inst, &mut pkgs, &mut util);
            let nt = model.n_terms();
            let mut ours: Vec<(Vec<u8>, Vec<f64>)> = util
                .iter()
                .enumerate()
                .map(|(i, u)| (pkgs[i * nt..(i + 1) * nt].to_vec(), u.to_vec()))
                .collect();
            ours.sort_by(|x, y| x.0.cmp(&y.0));
            let theirs: Vec<(Vec<u8>, Vec<f64>)> = pareto_frontier(&model, &inst, &[0, 1])
                .unwrap()
                .into_iter()
                .map(|p| (p.package, p.utility))
                .collect();
            assert_eq!(ours, theirs, "{ctx}");
            let Some(best) = best else {
                assert_eq!(res.end, End::Expired, "{ctx}");
                assert!(obs.0.is_empty(), "{ctx}");
                continue;
            };
            let End::Agreement { round } = res.end else {
                panic!("no agreement: {:?}\n{ctx}", res.end);
            };
            deals += 1;
            ties += usize::from(maximizers > 1);
            assert_eq!(product(&model, &inst, &res.package), Some(best), "{ctx}");
            assert!(
                round as usize <= pareto + 1,
                "{round} > {pareto} + 1\n{ctx}"
            );
            // Monotonic concession: each agent's offers never rise in its own utility, and
            // every offer is rational and agreeable.
            for a in 0..2 {
                let own: Vec<f64> = obs
                    .0
                    .iter()
                    .filter(|o| o.1 == a)
                    .map(|o| inst.utility(&model, a, &o.2))
                    .collect();
                assert!(own.windows(2).all(|w| w[1] <= w[0]), "{own:?}\n{ctx}");
            }
            assert!(
                obs.0.iter().all(|o| product(&model, &inst, &o.2).is_some()),
                "{ctx}"
            );
            if !uncertain {
                // Fixed parameters: the run is the mean instance, so `check`'s Nash point has
                // the same product (its ties within TIE_EPS aside).
                let nash = Analysis::new(&model).unwrap().nash.unwrap();
                let n = product(&model, &inst, &nash.package).unwrap();
                assert!((n - best).abs() <= TIE_EPS, "{ctx}");
            }
        }
    }
    // The random cases must exercise deals and ties, or the test proves little.
    assert!(deals > 500, "{deals}");
    assert!(ties > 20, "{ties}");
}

#[test]
fn a_tiny_case_follows_the_hand_computed_trajectory() {
    // One term, five options worth (0, .25, .5, .75, 1) to a and (1, .9, .7, .4, 0) to b,
    // no-deal values 0: products 0, .225, .35, .3, 0. Round 1: a tables o4 (risks 1 and 1:
    // both concede, to the best package of product above 0: a to o3, b to o1). Round 2: b
    // tables o1; risks (.75 - .25)/.75 = .67 for a, (.9 - .4)/.9 = .56 for b: b concedes to
    // o2 (product .35 > .3). Round 3: a tables o3; risks .33 for a, (.7 - .4)/.7 = .43 for
    // b: a concedes, nothing beats .35, so it takes b's o2. Round 4: b tables o2, which is
    // a's own offer: agreement.
    let src = r#"
[scenario]
name = "tiny"
[simulation]
runs = 1
deadlines = [10]
[[terms]]
id = "t"
options = ["o0", "o1", "o2", "o3", "o4"]
[agents.a]
strategy = "zeuthen"
estimates = "exact"
[agents.a.weights]
t = 1
[agents.a.values.t]
o0 = 0
o1 = 0.25
o2 = 0.5
o3 = 0.75
o4 = 1
[agents.b]
strategy = "zeuthen"
estimates = "exact"
[agents.b.weights]
t = 1
[agents.b.values.t]
o0 = 1
o1 = 0.9
o2 = 0.7
o3 = 0.4
o4 = 0
"#;
    let sc = Scenario::from_toml_str(src, "tiny.toml").unwrap();
    let model = Model::new(&sc);
    let mut obs = Offers::default();
    let (_, res) = trace_run(&model, 0, 0, 10, &mut obs);
    let want: Vec<(u32, usize, Vec<u8>)> = vec![
        (1, 0, vec![4]),
        (2, 1, vec![1]),
        (3, 0, vec![3]),
        (4, 1, vec![2]),
    ];
    assert_eq!(obs.0, want);
    assert_eq!(res.end, End::Agreement { round: 4 });
    assert_eq!(res.package, vec![2]);
    // A deadline of 3 cuts the process before the meeting: no deal.
    let (_, res) = trace_run(&model, 0, 0, 3, &mut ());
    assert_eq!(res.end, End::Expired);
    // The transcript shows it too.
    let path = write_temp("zeuthen", "tiny.toml", src);
    let out = negsim(&["trace", path.to_str().unwrap(), "--deadline", "10"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("agreement in round 4: t=o2"), "{text}");
    assert!(text.contains("Zeuthen"), "{text}");
}

#[test]
fn equal_products_at_the_top_are_accepted_at_once() {
    // Two packages, (1, .5) and (.5, 1): both of product .5, the largest. a tables its o0;
    // it is worth less to b than b's own o1, but nothing has a larger product, so b's
    // concession would be o0 itself: b accepts in round 1 (without that rule both would
    // concede by taking the other's offer and swap for ever).
    let src = r#"
[scenario]
name = "swap"
[simulation]
runs = 1
deadlines = [6]
[[terms]]
id = "t"
options = ["o0", "o1"]
[agents.a]
strategy = "zeuthen"
estimates = "exact"
[agents.a.weights]
t = 1
[agents.a.values.t]
o0 = 1
o1 = 0.5
[agents.b]
strategy = "zeuthen"
estimates = "exact"
[agents.b.weights]
t = 1
[agents.b.values.t]
o0 = 0.5
o1 = 1
"#;
    let model = Model::new(&Scenario::from_toml_str(src, "swap.toml").unwrap());
    let (_, res) = trace_run(&model, 0, 0, 6, &mut ());
    assert_eq!(res.end, End::Agreement { round: 1 });
    assert_eq!(res.package, vec![0]);
}

#[test]
fn scenarios_it_is_not_defined_for_are_refused_with_their_position() {
    let z = "strategy = \"zeuthen\"\nestimates = \"exact\"";
    let sim = "runs = 1\ndeadlines = [4]";
    let cases = [
        (
            split(
                &format!("{sim}\nprotocol = \"mediated\"\nmediator = \"a\""),
                z,
                z,
            ),
            "but the protocol is \"mediated\"",
        ),
        (
            split(&format!("{sim}\nprotocol = \"legislative\""), z, z),
            "but the protocol is \"legislative\"",
        ),
        (
            split(sim, z, &format!("{z}\nsignatory = false")),
            "`b` is not a signatory",
        ),
        (
            split(sim, z, "strategy = \"boulware\""),
            "`b` uses boulware (e = 0.2); each Zeuthen agent's concessions depend on the other's",
        ),
        (
            split(sim, "strategy = \"zeuthen\"", z),
            "agent `a` does not have estimates = \"exact\"",
        ),
        (
            split(
                sim,
                z,
                &format!("{z}\ndiscount = {{ rate = 0.9, in_decisions = true }}"),
            ),
            "agent `b` discounts in its decisions",
        ),
        (
            split(sim, &format!("{z}\ndelay_cost = 0.01"), z),
            "agent `a` has a delay cost",
        ),
        (
            split(sim, "strategy = \"zeuthan\"", z),
            "did you mean \"zeuthen\"?",
        ),
        // Reported-only discounting and walk-outs are fine.
        (
            split(sim, &format!("{z}\ndiscount = 0.9\nwalk_away = 0.1"), z),
            "",
        ),
    ];
    for (i, (src, needle)) in cases.iter().enumerate() {
        if needle.is_empty() {
            assert!(Scenario::from_toml_str(src, "ok.toml").is_ok());
            continue;
        }
        let path = write_temp("zeuthen", &format!("refused-{i}.toml"), src);
        let out = negsim(&["check", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(needle), "{err}");
        // file:line:col of the offending key.
        assert!(err.contains(&format!("refused-{i}.toml:")), "{err}");
    }
    // Three agents, and more than 1,000,000 packages: refused with the count.
    let big = |n_agents: usize, n_terms: usize, n_opts: usize| {
        let mut src = String::from("[scenario]\nname = \"big\"\n[simulation]\ndeadlines = [3]\n");
        let opts: Vec<String> = (0..n_opts).map(|o| format!("\"o{o}\"")).collect();
        for t in 0..n_terms {
            src += &format!(
                "[[terms]]\nid = \"t{t}\"\noptions = [{}]\n",
                opts.join(", ")
            );
        }
        for a in 0..n_agents {
            src += &format!(
                "[agents.g{a}]\nstrategy = \"zeuthen\"\nestimates = \"exact\"\n[agents.g{a}.weights]\nt0 = 1\n[agents.g{a}.values.t0]\n"
            );
            for o in 0..n_opts {
                src += &format!("o{o} = {}\n", o as f64 / n_opts as f64);
            }
        }
        Scenario::from_toml_str(&src, "big.toml").map(|_| ())
    };
    let err = big(3, 1, 4).unwrap_err().to_string();
    assert!(
        err.contains("big.toml:") && err.contains("has 3 agents; the process is defined for two"),
        "{err}"
    );
    let err = big(2, 4, 32).unwrap_err().to_string();
    assert!(
        err.contains("big.toml:") && err.contains("1,048,576 packages"),
        "{err}"
    );
    assert!(err.contains("at most 1,000,000"), "{err}");
    assert!(big(2, 4, 31).is_ok());
}

//! `negsim generate`: valid scenarios of the requested shape, with the documented meaning of
//! `--opposition`, reproducible from the seed, and clear errors for bad flags.

use crate::common::{negsim, stderr, stdout, temp_dir};
use negsim::Scenario;
use negsim::engine::model::Model;
use negsim::tools::generate::{Shape, generate, scenario_toml};

fn values(sc: &Scenario) -> Vec<Vec<f64>> {
    let model = Model::new(sc);
    let inst = model.mean_instance();
    let no = model.n_opts;
    (0..model.n_agents())
        .map(|a| inst.values[a * no..(a + 1) * no].to_vec())
        .collect()
}

#[test]
fn generated_scenarios_have_the_requested_shape() {
    let sc = generate(&Shape::new(6, &[4, 3, 4, 4, 3, 4], 3, 0.4, 1).unwrap());
    assert_eq!(sc.outcome_space_size(), 4 * 3 * 4 * 4 * 3 * 4);
    assert_eq!(sc.agents.len(), 3);
    assert!(sc.agents.iter().all(|a| a.signatory));
    assert!(
        sc.agents
            .iter()
            .all(|a| a.weights.iter().all(|w| w.is_uncertain()))
    );
    let sc = generate(&Shape::new(20, &[5], 6, 1.0, 2).unwrap());
    assert_eq!(sc.terms.len(), 20);
    assert!(sc.terms.iter().all(|t| t.options.len() == 5));
}

#[test]
fn opposition_zero_aligns_and_one_opposes_two_agents() {
    let aligned = values(&generate(&Shape::new(7, &[5], 4, 0.0, 3).unwrap()));
    assert!(aligned.iter().all(|v| v == &aligned[0]));
    let opposed = values(&generate(&Shape::new(7, &[5], 2, 1.0, 3).unwrap()));
    for (x, y) in opposed[0].iter().zip(&opposed[1]) {
        assert!((x + y - 1.0).abs() < 1e-9, "{x} + {y}");
    }
    // Each term then runs from 0 to 1 for both (evenly spaced positions).
    assert!(opposed[0].contains(&0.0) && opposed[0].contains(&1.0));
    // In between, values are the documented mix: (1 - x)·common + x·camp value. The same seed
    // and agent count draw the same common values and positions whatever the opposition.
    let common = values(&generate(&Shape::new(7, &[5], 2, 0.0, 3).unwrap()));
    let mixed = values(&generate(&Shape::new(7, &[5], 2, 0.25, 3).unwrap()));
    for k in 0..mixed[0].len() {
        let (c, p) = (common[0][k], opposed[0][k]);
        // Each file value is rounded to 3 decimals.
        assert!((mixed[0][k] - (0.75 * c + 0.25 * p)).abs() <= 0.001, "{k}");
        assert!(
            (mixed[1][k] - (0.75 * c + 0.25 * (1.0 - p))).abs() <= 0.001,
            "{k}"
        );
    }
}

#[test]
fn the_generate_command_is_reproducible_and_writes_a_runnable_file() {
    let args = [
        "generate",
        "--terms",
        "4",
        "--options",
        "3",
        "--agents",
        "3",
    ];
    let a = negsim(&[&args[..], &["--seed", "5"]].concat());
    let b = negsim(&[&args[..], &["--seed", "5"]].concat());
    let c = negsim(&[&args[..], &["--seed", "6"]].concat());
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
    assert_ne!(stdout(&a), stdout(&c));
    let shape = Shape::new(4, &[3], 3, 1.0, 5).unwrap();
    assert_eq!(
        stdout(&a),
        scenario_toml(
            &shape,
            "negsim generate --terms 4 --options 3 --agents 3 --opposition 1 --seed 5"
        )
    );
    let file = temp_dir("generate").join("g.toml");
    let f = file.to_str().unwrap();
    let o = negsim(&[&args[..], &["--output", f]].concat());
    assert!(o.status.success() && stdout(&o).is_empty());
    let run = negsim(&["run", f, "--runs", "200", "--format", "csv"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(
        stdout(&run).lines().count(),
        5,
        "a header and four deadlines"
    );
}

#[test]
fn bad_generate_flags_exit_2_and_say_what_is_valid() {
    for (flags, needle) in [
        (
            vec!["--terms", "0", "--options", "3", "--agents", "2"],
            "1 to",
        ),
        (
            vec!["--terms", "2", "--options", "1", "--agents", "2"],
            "2 to 256 options",
        ),
        (
            vec!["--terms", "3", "--options", "2,3", "--agents", "2"],
            "one per term",
        ),
        (
            vec!["--terms", "2", "--options", "3", "--agents", "1"],
            "2 to 64 agents",
        ),
        (
            vec![
                "--terms",
                "2",
                "--options",
                "3",
                "--agents",
                "2",
                "--opposition",
                "1.5",
            ],
            "0 (aligned) to 1 (opposed)",
        ),
    ] {
        let o = negsim(&[&["generate"][..], &flags].concat());
        assert_eq!(o.status.code(), Some(2), "{flags:?}");
        assert!(stderr(&o).contains(needle), "{flags:?}: {}", stderr(&o));
    }
}

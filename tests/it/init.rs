//! `negsim init`: the starter scenario checks and runs; existing files are kept.

use crate::common::{negsim, stderr, stdout, temp_dir};
use negsim::Scenario;
use negsim::tools::init::STARTER;
use std::process::Command;

#[test]
fn the_starter_scenario_checks_and_runs() {
    let dir = temp_dir("init");
    let path = dir.join("class.toml");
    let p = path.to_str().unwrap();
    let o = negsim(&["init", p]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("negsim check"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), STARTER);
    let sc = Scenario::from_toml_str(STARTER, "starter").unwrap();
    assert_eq!((sc.agents.len(), sc.terms.len()), (2, 3));
    assert!(
        STARTER
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count()
            > 20
    );
    let o = negsim(&["check", p]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("are acceptable to every signatory"));
    assert!(stdout(&o).contains("Nash point"));
    let o = negsim(&["run", p, "--runs", "300", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for d in j["deadlines"].as_array().unwrap() {
        let p = d["p_agreement"].as_f64().unwrap();
        assert!(p > 0.2 && p < 1.0, "{d}");
    }
}

#[test]
fn an_existing_file_is_kept_unless_forced() {
    let dir = temp_dir("init-keep");
    let path = dir.join("mine.toml");
    std::fs::write(&path, "my work\n").unwrap();
    let p = path.to_str().unwrap();
    let o = negsim(&["init", p]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(err.matches("already exists").count(), 1, "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "my work\n");
    let o = negsim(&["init", p, "--force"]);
    assert!(o.status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), STARTER);
}

#[test]
fn the_default_path_is_scenario_toml_in_the_current_directory() {
    let dir = temp_dir("init-default");
    let o = Command::new(env!("CARGO_BIN_EXE_negsim"))
        .arg("init")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("scenario.toml")).unwrap(),
        STARTER
    );
}

/// The edits README suggests for the starter, as sweep paths (README gives each as a key to
/// change; the test checks it still does).
const SUGGESTED: [&str; 3] = [
    "agents.candidate.weights.salary=0.9",
    "agents.employer.reservation=0.45",
    "agents.candidate.weights.remote=0.6",
];

#[test]
fn each_suggested_edit_of_the_starter_moves_p_by_more_than_its_interval() {
    let readme = include_str!("../../README.md");
    let base = Scenario::from_toml_str(STARTER, "starter").unwrap();
    let sim = negsim::Overrides::default().resolve(&base).unwrap();
    for edit in SUGGESTED {
        let (path, value) = edit.split_once('=').unwrap();
        let key = path.rsplit('.').next().unwrap();
        assert!(
            readme.contains(&format!("`{key} = {value}`")) && readme.contains(path),
            "README suggests {edit}"
        );
        let b = negsim::study::sweep::Sweep::new(STARTER, "starter", &[edit.to_string()])
            .unwrap()
            .scenario(0)
            .unwrap();
        let c = negsim::study::compare::compare(&base, &b, &sim, "b", &negsim::Control::default())
            .unwrap();
        for d in &c.deadlines {
            let [lo, hi] = d.ci95_diff;
            assert!(
                d.diff.abs() > hi - lo && (lo > 0.0 || hi < 0.0),
                "{edit} at {} rounds: {:+.3} [{lo:+.3}, {hi:+.3}]",
                d.deadline,
                d.diff
            );
        }
    }
}

//! `negsim batch`: several scenarios into one table with a `scenario` column; broken
//! scenarios are reported and skipped while the others still run.

use crate::common::{negsim, run_csv_rows, split, stderr, stdout, temp_dir};
use negsim::report::Report;

fn good(walk: &str) -> String {
    split(
        "runs = 150\nseed = 5\ndeadlines = [2, 5]",
        &format!("walk_away = {walk}"),
        "reservation = 0.2",
    )
}

#[test]
fn a_broken_scenario_is_reported_and_the_others_still_run() {
    let dir = temp_dir("batch-broken");
    std::fs::write(dir.join("b-good.toml"), good("0.05")).unwrap();
    std::fs::write(dir.join("a-good.toml"), good("0")).unwrap();
    std::fs::write(dir.join("c-broken.toml"), good("2")).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a scenario").unwrap();
    let o = negsim(&["batch", dir.to_str().unwrap(), "--runs", "120"]);
    assert_eq!(o.status.code(), Some(2), "some scenario failed");
    let err = stderr(&o);
    assert!(
        err.contains("c-broken.toml") && err.contains("walk_away 2 of agent `a` is out of range"),
        "{err}"
    );
    assert!(err.contains("1 of 3 scenarios failed"), "{err}");
    assert!(!err.contains("notes.txt"), "{err}");

    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "scenario,file,{}{}",
            Report::csv_header(),
            negsim::provenance::csv_header_suffix()
        )
    );
    // Every row of each good scenario, in name order, equals `negsim run` on that file.
    let mut expected = Vec::new();
    for name in ["a-good.toml", "b-good.toml"] {
        let path = dir.join(name);
        for row in run_csv_rows(&path, &["--runs", "120"]) {
            // `scenario` is the name, as in run JSON; `file` the file as given.
            let sc = negsim::Scenario::from_toml_str(&std::fs::read_to_string(&path).unwrap(), "x")
                .unwrap();
            let keys = negsim::csv_text::record(&[sc.name, path.display().to_string()]);
            expected.push(format!("{keys},{row}"));
        }
    }
    assert_eq!(lines.map(str::to_string).collect::<Vec<_>>(), expected);
}

#[test]
fn files_run_in_the_order_given_with_their_own_settings() {
    let dir = temp_dir("batch-files");
    let x = dir.join("x.toml");
    let y = dir.join("y.toml");
    std::fs::write(&x, good("0.1")).unwrap();
    // Its own seed and deadlines: each scenario keeps its settings unless flags override.
    std::fs::write(
        &y,
        split(
            "runs = 80\nseed = 9\ndeadlines = [4]",
            "strategy = \"conceder\"",
            "",
        ),
    )
    .unwrap();
    let missing = dir.join("missing.toml");
    let out = dir.join("table.jsonl");
    let o = negsim(&[
        "batch",
        y.to_str().unwrap(),
        missing.to_str().unwrap(),
        x.to_str().unwrap(),
        "--format",
        "jsonl",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.toml"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seen: Vec<(String, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["deadline"].as_u64().unwrap(),
                r["runs"].as_u64().unwrap(),
            )
        })
        .collect();
    let (ys, xs) = (y.display().to_string(), x.display().to_string());
    assert_eq!(
        seen,
        [
            (ys.clone(), 4, 80),
            (xs.clone(), 2, 150),
            (xs.clone(), 5, 150)
        ]
    );
    assert!(text.starts_with("{\"scenario\":"), "{text}");

    // All good: exit 0.
    let o = negsim(&["batch", x.to_str().unwrap(), y.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1 + 2 + 1);
}

#[test]
fn an_empty_directory_is_a_failure() {
    let dir = temp_dir("batch-empty");
    let o = negsim(&["batch", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no .toml files"), "{}", stderr(&o));
}

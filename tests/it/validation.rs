//! The validation table of README: every row holds, `negsim validate` prints it and exits 0,
//! and README shows exactly what it prints.

use crate::common::{negsim, stdout};
use negsim::study::validate::{Row, rows, table};

fn readme_table() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- validate: the output of `negsim validate` -->\n```text\n")
        .expect("README has the validation table");
    let body = &readme[start..];
    let body = &body[body.find("```text\n").unwrap() + 8..];
    body[..body.find("```").unwrap()].to_string()
}

#[test]
fn every_row_of_the_validation_table_holds_and_readme_shows_it() {
    let rows = rows().unwrap();
    for r in &rows {
        assert!(r.pass, "{r:?}");
    }
    assert_eq!(rows.len(), 24);
    let text = table(&rows);
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    assert_eq!(readme_table(), text, "README's validation table is stale");
    let out = negsim(&["validate"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), text);
}

#[test]
fn stahl_rows_are_the_closed_form_to_the_last_bit() {
    // (1 - (-1/2)^T) / (3/2) by hand for T = 1..4: 1, 1/2, 3/4, 5/8.
    let rows = rows().unwrap();
    let stahl: Vec<&Row> = rows.iter().filter(|r| r.file == "stahl.toml").collect();
    assert_eq!(stahl.len(), 10);
    for (r, v) in stahl
        .iter()
        .zip(["1.000000000", "0.500000000", "0.750000000", "0.625000000"])
    {
        assert_eq!(r.theory, v);
        assert_eq!(r.negsim, format!("{v} exact"));
    }
}

#[test]
fn a_failing_row_is_marked_and_counted() {
    let row = Row {
        case: "x".into(),
        theory: "1".into(),
        negsim: "0".into(),
        pass: false,
        file: "x.toml",
    };
    let t = table(&[row]);
    assert!(
        t.contains(" NO ") && t.ends_with("1 rows, 1 failed\n"),
        "{t}"
    );
}

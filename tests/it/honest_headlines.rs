//! Issue 14's honest headlines: the sensitivity page says how its mean-point P relates to the
//! headline P (and the headline point is `run`'s P to the digit), charts name factors in the
//! scenario's words with the path in the tooltip, and `check`, `sensitivity` and the report
//! print a caveat when one assumption or the spread across worlds decides P.

use crate::common::{negsim, split, stderr, stdout, write_temp};

/// Two parties whose first reservation value decides agreement: a zone of agreement exists
/// at its low end and none at its high end.
fn deciding_file(tag: &str) -> String {
    let src = split(
        "runs = 400\nseed = 3\ndeadlines = [10, 20]",
        "reservation = { uniform = [0.35, 0.95] }\nstrategy = \"boulware\"",
        "reservation = { uniform = [0, 0.15] }\nstrategy = \"conceder\"",
    );
    write_temp(tag, "s.toml", src).to_str().unwrap().to_string()
}

fn json(args: &[&str]) -> serde_json::Value {
    let o = negsim(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// The run report's P at its only deadline.
fn run_p(v: &serde_json::Value) -> f64 {
    v["deadlines"][0]["p_agreement"].as_f64().unwrap()
}

#[test]
fn sensitivity_headline_is_the_p_of_run_without_worlds() {
    let path = deciding_file("headline-deadline");
    let s = json(&[
        "sensitivity",
        &path,
        "--deadline",
        "20",
        "--runs",
        "400",
        "--format",
        "json",
    ]);
    let r = json(&[
        "run",
        &path,
        "--worlds",
        "0",
        "--runs",
        "400",
        "--deadlines",
        "20",
        "--format",
        "json",
    ]);
    assert_eq!(s["oat"]["headline"].as_f64().unwrap(), run_p(&r));
    // The mean point is another number: averaging the inputs is not averaging the outcome.
    assert_ne!(s["oat"]["base"], s["oat"]["headline"]);

    // The same in open-ended talks (the bundled scenario's mode), at a checkpoint.
    let s = json(&[
        "sensitivity",
        "--deadline",
        "26",
        "--runs",
        "100",
        "--format",
        "json",
    ]);
    let r = json(&[
        "run",
        "--worlds",
        "0",
        "--runs",
        "100",
        "--deadlines",
        "26",
        "--format",
        "json",
    ]);
    assert_eq!(s["mode"], "open_ended");
    assert_eq!(s["oat"]["headline"].as_f64().unwrap(), run_p(&r));
}

#[test]
fn sensitivity_table_and_page_state_both_numbers_and_the_caveat() {
    let path = deciding_file("headline-page");
    let dir = std::path::Path::new(&path).parent().unwrap().to_path_buf();
    let page = dir.join("s.html");
    let o = negsim(&[
        "sensitivity",
        &path,
        "--runs",
        "400",
        "--report",
        page.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(table.contains("with every factor at its mean:"), "{table}");
    assert!(
        table.contains("with every factor drawn from its distribution:"),
        "{table}"
    );
    assert!(
        table.contains("P at the mean is not the mean of P"),
        "{table}"
    );
    assert!(
        table.contains("Caveat: P with a deadline of 20 rounds is decided mostly by one assumption: a · reservation value"),
        "{table}"
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("P at the mean is not the mean of P"));
    assert!(html.contains("class=\"warn caveat\""));
    // Rows are labelled by name; the path is in the tooltip, on its own line.
    assert!(
        html.contains(
            ">a · reservation value<title>a · reservation value\nagents.a.reservation</title>"
        ),
        "no named tornado row"
    );
    assert!(!html.contains(">agents.a.reservation<title>"));
}

#[test]
fn check_looks_at_what_the_result_hangs_on() {
    let path = deciding_file("check-look");
    let o = negsim(&["check", &path, "--worlds", "60"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let flat = text.replace("\n    ", " ");
    assert!(text.contains("What the result hangs on"), "{text}");
    assert!(text.contains("60 worlds x 20 runs (seed 3)"), "{text}");
    // The deciding factor comes first, by name with its path, and earns the caveat; the
    // worlds disagree widely too (the reservation is drawn once per world).
    let first = text
        .lines()
        .skip_while(|l| !l.contains("largest swings"))
        .nth(1)
        .unwrap();
    assert!(
        first.ends_with("a · reservation value  (agents.a.reservation)"),
        "{text}"
    );
    assert!(
        flat.contains("Caveat: P with a deadline of 20 rounds is decided mostly by one assumption: a · reservation value moves it by -1.00"),
        "{text}"
    );
    assert_eq!(
        flat.matches("across worlds it ranges from 0.00 to 1.00")
            .count(),
        1,
        "{text}"
    );
    // The same bytes on one thread and on two.
    let one = negsim(&["check", &path, "--worlds", "60", "--threads", "1"]);
    let two = negsim(&["check", &path, "--worlds", "60", "--threads", "2"]);
    assert_eq!(stdout(&one), stdout(&two));
    assert_eq!(stdout(&one), text);
}

#[test]
fn check_without_the_look_simulates_nothing() {
    let path = deciding_file("check-no-look");
    let o = negsim(&["check", &path, "--no-look"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("hangs on"));
    let o = negsim(&["check", &path, "--worlds", "2000000"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--worlds"), "{}", stderr(&o));
}

#[test]
fn no_caveat_when_no_assumption_decides() {
    // The labour scenario's P hardly moves with any one factor (swings of 0.01).
    let o = negsim(&["check", "scenarios/labour-contract.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("Caveat"), "{}", stdout(&o));
}

/// `check --format json` is the same view model as the text: the same numbers, the quick
/// look's swings in the same order, and null for the look under `--no-look`.
#[test]
fn check_as_json_says_what_the_text_says() {
    let path = deciding_file("check-json");
    let v = json(&["check", &path, "--worlds", "60", "--format", "json"]);
    let text = stdout(&negsim(&["check", &path, "--worlds", "60"]));
    let s = &v["summary"];
    assert_eq!(s["protocol"], "alternating");
    assert_eq!(s["deadlines"], serde_json::json!([10, 20]));
    let packages = s["packages"].as_u64().unwrap();
    let options: u64 = s["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["options"].as_array().unwrap().len() as u64)
        .product();
    assert_eq!(packages, options);
    let z = &s["zopa"];
    assert!(
        text.contains(&format!(
            "{} of {} packages",
            z["acceptable"].as_u64().unwrap(),
            z["total"].as_u64().unwrap()
        )),
        "{text}"
    );
    assert_eq!(s["agents"][0]["id"], "a");
    assert!(
        s["agents"][0]["reservation"]
            .as_str()
            .unwrap()
            .contains("uniform")
    );
    let look = &v["hangs_on"];
    assert_eq!(look["kind"], "look");
    assert_eq!(look["worlds"], 60);
    assert_eq!(look["swings"][0][1], "agents.a.reservation");
    let swing = look["swings"][0][2].as_f64().unwrap();
    assert!(
        text.contains(&format!("{swing:+.2}  a · reservation value")),
        "{text}"
    );
    assert_eq!(look["caveats"].as_array().unwrap().len(), 2, "{v}");
    let none = json(&["check", &path, "--no-look", "--format", "json"]);
    assert!(none["hangs_on"].is_null());
    assert_eq!(none["summary"], v["summary"]);
}

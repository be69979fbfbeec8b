//! Every kind of invalid input exits with code 2 and a message that names the problem and,
//! where the TOML has one, its line and column.

use crate::common::{negsim, stderr, stdout, temp_dir, write_temp};

const GOOD: &str = r#"[scenario]
name = "ok"

[simulation]
runs = 100
seed = 1
deadlines = [4, 8]
protocol = "alternating"

[[terms]]
id = "land"
options = ["all", "half", "none"]

[agents.a]
reservation = 0.2
strategy = "boulware"
red_lines = { land = ["none"] }
[agents.a.weights]
land = 1.0
[agents.a.values.land]
all = 1.0
half = 0.5
none = 0.0

[agents.b]
reservation = 0.2
[agents.b.weights]
land = 1.0
[agents.b.values.land]
all = 0.0
half = 0.5
none = 1.0
"#;

/// Runs `check` on `src` and asserts exit code 2 and that stderr contains every needle.
fn refuse(tag: &str, src: &str, needles: &[&str]) {
    let path = write_temp(tag, "s.toml", src);
    let o = negsim(&["check", path.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{tag}: expected exit 2, stderr: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "{tag}: {n:?} not in: {err}");
    }
    assert!(!err.contains("panicked"), "{tag}: {err}");
    assert!(
        err.contains("s.toml"),
        "{tag}: the message names the file: {err}"
    );
}

#[test]
fn the_good_scenario_is_accepted() {
    let path = write_temp("good", "s.toml", GOOD);
    let o = negsim(&["check", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn toml_syntax_error() {
    refuse(
        "syntax",
        &GOOD.replace("runs = 100", "runs = = 100"),
        &["s.toml:5:"],
    );
}

#[test]
fn unknown_key_with_suggestion() {
    refuse(
        "unknown-key",
        &GOOD.replace("reservation = 0.2\nstrategy", "reservaton = 0.2\nstrategy"),
        &[
            "unknown key `reservaton`",
            "did you mean `reservation`",
            "s.toml:15:1",
        ],
    );
}

#[test]
fn wrong_type() {
    refuse(
        "wrong-type",
        &GOOD.replace("runs = 100", "runs = \"many\""),
        &["s.toml:5:8", "wrong type"],
    );
    refuse(
        "wrong-type-num",
        &GOOD.replace(
            "reservation = 0.2\nstrategy",
            "reservation = \"low\"\nstrategy",
        ),
        &["s.toml:15:15", "a number or a distribution"],
    );
}

#[test]
fn unknown_term_in_weights_values_and_red_lines() {
    refuse(
        "term-weights",
        &GOOD.replace("[agents.a.weights]\nland", "[agents.a.weights]\nlnd"),
        &[
            "unknown term `lnd` in weights of agent `a`",
            "did you mean `land`",
            "s.toml:19:1",
        ],
    );
    refuse(
        "term-values",
        &GOOD.replace("[agents.b.values.land]", "[agents.b.values.lands]"),
        &[
            "unknown term `lands` in values of agent `b`",
            "did you mean `land`",
        ],
    );
    refuse(
        "term-red",
        &GOOD.replace("red_lines = { land", "red_lines = { sea"),
        &["unknown term `sea` in red_lines of agent `a`"],
    );
    refuse(
        "option-red",
        &GOOD.replace("[\"none\"] }", "[\"nne\"] }"),
        &[
            "unknown option `nne` of term `land` in red_lines",
            "did you mean `none`",
        ],
    );
    refuse(
        "option-values",
        &GOOD.replace("all = 0.0", "al = 0.0"),
        &[
            "unknown option `al` of term `land` in values of agent `b`",
            "did you mean `all`",
        ],
    );
}

#[test]
fn weighted_term_missing_a_value() {
    refuse(
        "missing-value",
        &GOOD.replace("half = 0.5\nnone = 1.0", "none = 1.0"),
        &["agent `b` weights term `land` but gives no value for its option `half`"],
    );
}

#[test]
fn negative_or_all_zero_weights() {
    refuse(
        "negative-weight",
        &GOOD.replace(
            "[agents.a.weights]\nland = 1.0",
            "[agents.a.weights]\nland = -1.0",
        ),
        &[
            "weight -1 of agent `a` for term `land` is out of range",
            "s.toml:19:8",
        ],
    );
    refuse(
        "zero-weights",
        &GOOD.replace(
            "[agents.a.weights]\nland = 1.0",
            "[agents.a.weights]\nland = 0.0",
        ),
        &["all weights of agent `a` are zero"],
    );
}

#[test]
fn values_and_reservations_outside_the_unit_interval() {
    refuse(
        "value-range",
        &GOOD.replace("all = 1.0", "all = 1.5"),
        &[
            "value 1.5 of agent `a` for option `all` of term `land` is out of range",
            "[0, 1]",
            "s.toml:21:7",
        ],
    );
    refuse(
        "reservation-range",
        &GOOD.replace(
            "reservation = 0.2\nstrategy",
            "reservation = -0.1\nstrategy",
        ),
        &["reservation -0.1 of agent `a` is out of range"],
    );
    refuse(
        "nan",
        &GOOD.replace("all = 1.0", "all = nan"),
        &["value NaN of agent `a` for option `all` of term `land` is out of range"],
    );
    refuse(
        "inf",
        &GOOD.replace("reservation = 0.2\nstrategy", "reservation = inf\nstrategy"),
        &["reservation inf of agent `a` is out of range"],
    );
}

#[test]
fn empty_deadlines_or_deadline_zero() {
    refuse(
        "empty-deadlines",
        &GOOD.replace("deadlines = [4, 8]", "deadlines = []"),
        &["deadlines is empty", "s.toml:7:13"],
    );
    refuse(
        "zero-deadline",
        &GOOD.replace("deadlines = [4, 8]", "deadlines = [4, 0]"),
        &["deadline 0 is out of range", "s.toml:7:17"],
    );
}

#[test]
fn mediated_protocol_without_a_valid_mediator() {
    refuse(
        "no-mediator",
        &GOOD.replace("protocol = \"alternating\"", "protocol = \"mediated\""),
        &["protocol = \"mediated\" needs a mediator", "a, b"],
    );
    refuse(
        "bad-mediator",
        &GOOD.replace(
            "protocol = \"alternating\"",
            "protocol = \"mediated\"\nmediator = \"bb\"",
        ),
        &["mediator `bb` is not an agent", "did you mean `b`"],
    );
    refuse(
        "bad-protocol",
        &GOOD.replace("protocol = \"alternating\"", "protocol = \"alternate\""),
        &[
            "unknown protocol `alternate`",
            "did you mean \"alternating\"",
        ],
    );
}

#[test]
fn duplicate_ids() {
    let dup_term = GOOD.replace(
        "[agents.a]",
        "[[terms]]\nid = \"land\"\noptions = [\"x\", \"y\"]\n\n[agents.a]",
    );
    refuse("dup-term", &dup_term, &["duplicate term id `land`"]);
    refuse(
        "dup-option",
        &GOOD.replace(
            "[\"all\", \"half\", \"none\"]",
            "[\"all\", \"half\", \"all\"]",
        ),
        &["duplicate option `all` in term `land`"],
    );
    let dup_agent = format!("{GOOD}\n[agents.a]\nreservation = 0.1\n");
    refuse("dup-agent", &dup_agent, &["duplicate key"]);
}

#[test]
fn distributions_with_bad_parameters() {
    refuse(
        "neg-sd",
        &GOOD.replace(
            "reservation = 0.2\nstrategy",
            "reservation = { normal = [0.3, -0.1] }\nstrategy",
        ),
        &["normal standard deviation -0.1 is negative"],
    );
    refuse(
        "uniform-order",
        &GOOD.replace(
            "half = 0.5\nnone = 0.0",
            "half = { uniform = [0.6, 0.4] }\nnone = 0.0",
        ),
        &["uniform low 0.6 is above high 0.4"],
    );
    refuse(
        "arity",
        &GOOD.replace(
            "half = 0.5\nnone = 0.0",
            "half = { triangular = [0.1, 0.2] }\nnone = 0.0",
        ),
        &["triangular takes 3 numbers, got 2"],
    );
    refuse(
        "unknown-dist",
        &GOOD.replace(
            "half = 0.5\nnone = 0.0",
            "half = { beta = [1, 2] }\nnone = 0.0",
        ),
        &["unknown distribution `beta`"],
    );
    refuse(
        "dist-range",
        &GOOD.replace(
            "half = 0.5\nnone = 0.0",
            "half = { uniform = [0.5, 1.5] }\nnone = 0.0",
        ),
        &["leaves the valid range of a value"],
    );
}

#[test]
fn unknown_strategy() {
    refuse(
        "strategy",
        &GOOD.replace("strategy = \"boulware\"", "strategy = \"bulware\""),
        &["unknown strategy `bulware`", "did you mean \"boulware\""],
    );
}

#[test]
fn bad_flags_exit_with_code_2() {
    for (args, needle) in [
        (vec!["run", "--runs", "0"], "0 runs is out of range"),
        (
            vec!["run", "--deadlines", "4,0"],
            "deadline 0 is out of range",
        ),
        (vec!["run", "--threads", "0"], "0 threads"),
        (vec!["run", "--format", "xml"], "invalid value 'xml'"),
        (
            vec!["trace", "--deadline", "0"],
            "deadline 0 is out of range",
        ),
        (
            vec!["run", "/no/such/file.toml"],
            "cannot read the scenario file",
        ),
    ] {
        let o = negsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn non_utf8_file_is_refused_with_its_position() {
    let mut bytes = GOOD.as_bytes().to_vec();
    bytes.splice(22..22, [0xff, 0xfe]);
    let path = write_temp("utf8", "s.toml", bytes);
    let o = negsim(&["check", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not valid UTF-8"), "{}", stderr(&o));
}

#[test]
fn the_largest_seed_that_seed_takes_is_accepted_in_the_file_too() {
    // `seed = 18446744073709551615` gave "expected i64" though `--seed` takes it.
    let max = u64::MAX.to_string();
    let dir = temp_dir("seed-max");
    let f = dir.join("s.toml");
    std::fs::write(
        &f,
        GOOD.replacen("seed = ", &format!("seed = {max}\n# was: "), 1),
    )
    .unwrap();
    let file = negsim(&[
        "run",
        f.to_str().unwrap(),
        "--runs",
        "50",
        "--format",
        "json",
    ]);
    assert!(file.status.success(), "{}", stderr(&file));
    let flag = negsim(&[
        "run",
        f.to_str().unwrap(),
        "--runs",
        "50",
        "--format",
        "json",
        "--seed",
        &max,
    ]);
    assert!(flag.status.success(), "{}", stderr(&flag));
    assert_eq!(stdout(&file), stdout(&flag));
    assert!(stdout(&file).contains(&format!("\"seed\": {max}")));
}

#[test]
fn flag_values_are_named_as_typed_not_as_rust_names() {
    let o = negsim(&["run", "--shard", "0/2", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --format: --shard writes a partial result, not --format json\n  help: leave out --format; `negsim merge --format ...` prints the report\n"
    );
}

#[test]
fn play_on_input_that_is_not_utf8_exits_2() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args(["play", "--as", "ukraine"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\xff\xfe\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: stdin: the input is not valid UTF-8 text\n  help: type the answers as plain text: a, r, q, pass or option numbers\n"
    );
}

//! `merge` verifies what a part file says instead of trusting it: damaged or edited run and
//! sweep parts are refused with exit code 2 and "damaged part FILE: ..." naming what is wrong,
//! never merged into a wrong report, never a panic. One test per class of damage.

use crate::common::{negsim, stderr, stdout, temp_dir};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Two finished run parts of the bundled scenario (2,000 runs, deadlines 4 and 26).
fn run_parts(tag: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(tag);
    let p0 = dir.join("p0.json");
    let p1 = dir.join("p1.json");
    for (k, p) in [(0, &p0), (1, &p1)] {
        let o = negsim(&[
            "run",
            "--runs",
            "2000",
            "--deadlines",
            "4,26",
            "--quiet",
            "--shard",
            &format!("{k}/2"),
            "-o",
            p.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    (p0, p1)
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn write_json(p: &Path, v: &Value) {
    std::fs::write(p, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

/// Edits `p1.json` with `edit`, merges both parts and returns the error output, asserting exit
/// code 2 and that the damaged file is named.
fn merge_edited(tag: &str, edit: impl FnOnce(&mut Value)) -> String {
    let (p0, p1) = run_parts(tag);
    let mut v = read_json(&p1);
    edit(&mut v);
    write_json(&p1, &v);
    let o = negsim(&["merge", p0.to_str().unwrap(), p1.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(&format!("damaged part {}:", p1.display())),
        "{err}"
    );
    err
}

#[test]
fn emptied_tally_vectors_are_refused_naming_the_key_not_a_panic() {
    for key in [
        "option_counts",
        "blocked",
        "utility_sum",
        "walkouts",
        "round_hist",
    ] {
        let err = merge_edited("emptied", |v| v["tallies"][0][key] = json!([]));
        assert!(
            err.contains(&format!(
                "its tally for deadline 4: `{key}` has 0 entries where the scenario needs"
            )),
            "{key}: {err}"
        );
    }
}

#[test]
fn a_package_naming_option_99_is_refused_not_a_panic() {
    let err = merge_edited("option99", |v| {
        let t = v["tallies"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|t| !t["packages"].as_array().unwrap().is_empty())
            .expect("some deadline has agreements");
        let first = t["packages"][0][0].as_array_mut().unwrap();
        first[0] = json!(99);
    });
    assert!(
        err.contains("names option 99 of term 0, which has"),
        "{err}"
    );
}

#[test]
fn agreements_five_times_the_runs_are_refused() {
    let err = merge_edited("agreements", |v| {
        let runs = v["tallies"][0]["runs"].as_u64().unwrap();
        v["tallies"][0]["agreements"] = json!(5 * runs);
    });
    assert!(
        err.contains("its tally for deadline 4: agreements (5000)")
            && err.contains("do not add up to its 1000 runs"),
        "{err}"
    );
}

#[test]
fn counts_that_do_not_add_up_are_refused() {
    let err = merge_edited("expired", |v| {
        let e = v["tallies"][1]["expired"].as_u64().unwrap();
        v["tallies"][1]["expired"] = json!(e + 1);
    });
    assert!(err.contains("do not add up to its 1000 runs"), "{err}");
    let err = merge_edited("options", |v| {
        v["tallies"][1]["option_counts"][0] = json!(1);
        v["tallies"][1]["option_counts"][1] = json!(0);
    });
    assert!(
        err.contains("`option_counts` does not match the options of the agreed packages"),
        "{err}"
    );
}

#[test]
fn a_tally_for_a_deadline_not_in_the_settings_is_refused() {
    let err = merge_edited("deadline999", |v| v["tallies"][1]["deadline"] = json!(999));
    assert!(
        err.contains("it holds a tally for deadline 999 where deadline 26 is expected"),
        "{err}"
    );
}

#[test]
fn runs_near_2_pow_64_are_refused_not_wrapped() {
    let err = merge_edited("runs64", |v| v["runs"] = json!(u64::MAX - 10));
    assert!(
        err.contains(
            "runs 18446744073709551605 is out of range (a simulation has 1 to 1,000,000,000 runs)"
        ),
        "{err}"
    );
    // Counts that would wrap a u64 when added: runs and expired near 2^64.
    let err = merge_edited("tally64", |v| {
        v["partial"] = json!(true);
        let t = &mut v["tallies"][0];
        let w = t["runs"].as_u64().unwrap() - t["expired"].as_u64().unwrap();
        // Wrapping, agreements + walk-outs + expired would be exactly 1.
        t["expired"] = json!(u64::MAX.wrapping_sub(w).wrapping_add(2));
        t["runs"] = json!(1u64);
    });
    assert!(err.contains("do not add up to its 1 runs"), "{err}");
}

#[test]
fn a_lone_part_claiming_both_shards_is_refused() {
    let (p0, _) = run_parts("lone");
    let mut v = read_json(&p0);
    v["shards"] = json!([0, 1]);
    write_json(&p0, &v);
    let o = negsim(&["merge", p0.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "damaged part {}: its tally for deadline 4: 1000 runs, but its finished shards hold 2000",
            p0.display()
        )),
        "{err}"
    );
}

#[test]
fn shard_count_0_and_a_shard_listed_twice_are_refused() {
    let err = merge_edited("count0", |v| {
        v["shard_count"] = json!(0);
        v["shards"] = json!([]);
    });
    assert!(
        err.contains("shard_count is 0; a simulation has at least 1 shard"),
        "{err}"
    );
    let err = merge_edited("twice", |v| v["shards"] = json!([1, 1]));
    assert!(err.contains("it lists shard 1/2 twice"), "{err}");
}

#[test]
fn an_interrupted_part_may_hold_fewer_runs_but_never_more() {
    let err = merge_edited("more", |v| {
        v["partial"] = json!(true);
        let t = &mut v["tallies"][0];
        t["runs"] = json!(1001);
        t["expired"] = json!(t["expired"].as_u64().unwrap() + 1);
    });
    assert!(
        err.contains("its tally for deadline 4: 1001 runs, more than the 1000 its shards hold"),
        "{err}"
    );
}

/// Shard `k` of 2 of a 4-point sweep of the bundled scenario, on stdout.
fn sweep_part(k: u64) -> String {
    let o = negsim(&[
        "sweep",
        "--param",
        "agents.us.walk_away=0,0.01,0.02,0.03",
        "--runs",
        "50",
        "--deadlines",
        "4,8",
        "--quiet",
        "--shard",
        &format!("{k}/2"),
        negsim::scenario::BUNDLED_NAME,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn a_sweep_shard_on_stdout_is_the_part_alone_without_a_table_header() {
    let part = sweep_part(0);
    let first = part.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "{{\"format\":\"negsim.sweep/1\",\"negsim_version\":\"{}\",\"negsim_partial\":1,\"kind\":\"sweep\"",
            negsim::provenance::VERSION
        )),
        "{first}"
    );
    assert_eq!(part.lines().count(), 3, "{part}");
}

#[test]
fn a_sweep_part_with_a_duplicated_line_is_refused() {
    let dir = temp_dir("sweepdup");
    let (a, b) = (dir.join("s0.jsonl"), dir.join("s1.jsonl"));
    std::fs::write(&a, sweep_part(0)).unwrap();
    let mut second = sweep_part(1);
    let last = second.lines().last().unwrap().to_string();
    second.push_str(&last);
    second.push('\n');
    std::fs::write(&b, second).unwrap();
    let o = negsim(&["merge", a.to_str().unwrap(), b.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "damaged part {}: point 3 appears twice (lines 3 and 4)",
            b.display()
        )),
        "{err}"
    );
    // The undamaged parts merge.
    std::fs::write(&b, sweep_part(1)).unwrap();
    let o = negsim(&["merge", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1 + 4 * 2);
}

#[test]
fn a_sweep_part_with_a_damaged_tally_or_a_foreign_point_is_refused() {
    let dir = temp_dir("sweeptally");
    let a = dir.join("s0.jsonl");
    let part = sweep_part(0);
    let mut lines: Vec<String> = part.lines().map(str::to_string).collect();
    let mut v: Value = serde_json::from_str(&lines[1]).unwrap();
    v["tallies"][0]["agreements"] = json!(1_000_000);
    lines[1] = v.to_string();
    std::fs::write(&a, lines.join("\n") + "\n").unwrap();
    let o = negsim(&["merge", "--format", "part", a.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "damaged part {}: line 2: point 0: its tally for deadline 4: agreements (1000000)",
            a.display()
        )),
        "{err}"
    );
    let mut v: Value = serde_json::from_str(part.lines().nth(1).unwrap()).unwrap();
    v["point"] = json!(3);
    let mut lines: Vec<String> = part.lines().map(str::to_string).collect();
    lines[1] = v.to_string();
    std::fs::write(&a, lines.join("\n") + "\n").unwrap();
    let o = negsim(&["merge", "--format", "part", a.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 2: point 3 is not in its shards (of 4 points)"),
        "{err}"
    );
}

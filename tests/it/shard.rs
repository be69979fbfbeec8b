//! Shards merge into exactly the single-process report, for any split and grouping; foreign,
//! missing and duplicated parts are named.

use crate::common::{negsim, stderr, stdout, temp_dir};
use negsim::engine::montecarlo::Control;
use negsim::scenario::{BUNDLED, BUNDLED_NAME, Scenario};
use negsim::study::shard::{Job, Partial, Shard, merge, run_shard};
use std::process::{Command, Stdio};

fn job<'a>(sc: &'a Scenario, runs: u64, deadlines: &'a [u32]) -> Job<'a> {
    Job {
        source: BUNDLED,
        origin: BUNDLED_NAME,
        scenario: sc,
        seed: 7,
        runs,
        deadlines,
        worlds: None,
    }
}

fn parts(sc: &Scenario, runs: u64, deadlines: &[u32], n: u64) -> Vec<(String, Partial)> {
    (0..n)
        .map(|k| {
            (
                format!("part{k}"),
                run_shard(
                    &job(sc, runs, deadlines),
                    Shard { k, n },
                    &Control::default(),
                ),
            )
        })
        .collect()
}

#[test]
fn shard_ranges_partition_the_runs() {
    for runs in [0u64, 1, 5, 10, 9999] {
        for n in [1u64, 2, 3, 7, 16] {
            let mut next = 0;
            for k in 0..n {
                let r = Shard { k, n }.range(runs);
                assert_eq!(r.start, next, "runs {runs}, shard {k}/{n}");
                next = r.end;
            }
            assert_eq!(next, runs);
        }
    }
    assert!("3/3".parse::<Shard>().is_err());
    assert!("1/0".parse::<Shard>().is_err());
    assert!("a/2".parse::<Shard>().is_err());
    assert_eq!("2/5".parse::<Shard>(), Ok(Shard { k: 2, n: 5 }));
}

#[test]
fn merged_shards_equal_the_single_run_for_several_splits() {
    let sc = Scenario::bundled();
    let deadlines = [4, 26];
    for (runs, n) in [(700u64, 1u64), (700, 2), (700, 5), (5, 8), (1, 3)] {
        let single = run_shard(
            &job(&sc, runs, &deadlines),
            Shard { k: 0, n: 1 },
            &Control::default(),
        );
        let (_, want) = single.into_report("single").unwrap();
        let mut ps = parts(&sc, runs, &deadlines, n);
        ps.reverse(); // order of merging must not matter
        let (_, got) = merge(ps).unwrap().into_report("merged").unwrap();
        assert_eq!(got.to_json(), want.to_json(), "runs {runs}, {n} shards");
    }
}

#[test]
fn merging_is_associative() {
    let sc = Scenario::bundled();
    let ps = parts(&sc, 500, &[8], 4);
    let all = merge(ps.clone()).unwrap();
    let left = merge(ps[..2].to_vec()).unwrap();
    let right = merge(ps[2..].to_vec()).unwrap();
    let grouped = merge(vec![("left".into(), left), ("right".into(), right)]).unwrap();
    assert_eq!(grouped.to_json(), all.to_json());
}

#[test]
fn bad_part_sets_are_refused_naming_the_part() {
    let sc = Scenario::bundled();
    let ps = parts(&sc, 100, &[4], 3);
    let err = merge(vec![
        ps[0].clone(),
        ps[0].clone(),
        ps[1].clone(),
        ps[2].clone(),
    ])
    .unwrap_err();
    assert!(
        err.to_string().contains("shard 0/3 is also in part0"),
        "{err}"
    );
    let missing = merge(ps[..2].to_vec())
        .unwrap()
        .into_report("merge")
        .unwrap_err();
    assert!(
        missing.to_string().contains("shards missing: 2/3"),
        "{missing}"
    );
    let mut foreign = ps[2].clone();
    foreign.1.seed = 8;
    foreign.0 = "other-seed.json".into();
    let err = merge(vec![ps[0].clone(), ps[1].clone(), foreign]).unwrap_err();
    assert!(
        err.to_string().contains("other-seed.json") && err.to_string().contains("seed differs"),
        "{err}"
    );
}

#[test]
fn background_shard_processes_merge_to_the_single_process_bytes() {
    let dir = temp_dir("shards");
    let exe = env!("CARGO_BIN_EXE_negsim");
    let n = 4;
    let children: Vec<_> = (0..n)
        .map(|k| {
            Command::new(exe)
                .args([
                    "run",
                    "--runs",
                    "2001",
                    "--threads",
                    "1",
                    "--shard",
                    &format!("{k}/{n}"),
                    "--output",
                ])
                .arg(dir.join(format!("part-{k}.json")))
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let mut args: Vec<String> = vec!["merge".into()];
    args.extend(
        (0..n)
            .rev()
            .map(|k| dir.join(format!("part-{k}.json")).display().to_string()),
    );
    for format in ["json", "csv", "table"] {
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.extend(["--format", format]);
        let merged = negsim(&a);
        assert!(merged.status.success(), "{}", stderr(&merged));
        let single = negsim(&["run", "--runs", "2001", "--format", format]);
        assert_eq!(stdout(&merged), stdout(&single), "format {format}");
    }
    // A missing part is an input error (exit 2) naming the missing shard.
    let o = negsim(&args[..3].iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("shards missing: 0/4, 1/4"),
        "{}",
        stderr(&o)
    );
    // Something that is not a part file.
    let bogus = dir.join("bogus.json");
    std::fs::write(&bogus, "{\"hello\": 1}").unwrap();
    let o = negsim(&["merge", bogus.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a negsim partial result"),
        "{}",
        stderr(&o)
    );
}

/// Runs a sweep of the two-party split with extra arguments; returns stdout.
fn sweep(extra: &[&str]) -> String {
    let mut args = vec![
        "sweep",
        "scenarios/two-party-split.toml",
        "--param",
        "agents.a.reservation=0:0.4:0.1",
        "--param",
        "agents.b.strategy=boulware,conceder",
        "--runs",
        "300",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = negsim(&args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

#[test]
fn sweep_shards_merge_to_the_single_process_table() {
    let dir = temp_dir("sweep-shards");
    let single_csv = sweep(&[]);
    let single_jsonl = sweep(&["--format", "jsonl"]);
    // 10 points; 3 shards (uneven blocks) and 13 shards (some empty).
    for n in [3u64, 13] {
        let exe = env!("CARGO_BIN_EXE_negsim");
        let children: Vec<_> = (0..n)
            .map(|k| {
                Command::new(exe)
                    .args([
                        "sweep",
                        "scenarios/two-party-split.toml",
                        "--param",
                        "agents.a.reservation=0:0.4:0.1",
                    ])
                    .args([
                        "--param",
                        "agents.b.strategy=boulware,conceder",
                        "--runs",
                        "300",
                        "--quiet",
                        "--threads",
                        "1",
                    ])
                    .args(["--shard", &format!("{k}/{n}"), "--output"])
                    .arg(dir.join(format!("n{n}-part-{k}.jsonl")))
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let parts: Vec<String> = (0..n)
            .map(|k| {
                dir.join(format!("n{n}-part-{k}.jsonl"))
                    .display()
                    .to_string()
            })
            .collect();
        let mut args: Vec<&str> = vec!["merge"];
        args.extend(parts.iter().map(String::as_str));
        let merged = negsim(&args);
        assert!(merged.status.success(), "{}", stderr(&merged));
        assert_eq!(stdout(&merged), single_csv, "{n} shards, csv");
        args.extend(["--format", "jsonl"]);
        assert_eq!(stdout(&negsim(&args)), single_jsonl, "{n} shards, jsonl");
    }
    // Groups merge again; a duplicated part is named; a missing one is listed.
    let p = |k: u64| dir.join(format!("n3-part-{k}.jsonl")).display().to_string();
    let group = dir.join("group.jsonl").display().to_string();
    let o = negsim(&[
        "merge",
        &p(0),
        &p(2),
        "--format",
        "part",
        "--output",
        &group,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&negsim(&["merge", &group, &p(1)])), single_csv);
    let o = negsim(&["merge", &group, &p(1), &p(2)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is also in"), "{}", stderr(&o));
    let o = negsim(&["merge", &p(0), &p(2)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("sweep points missing: 3, 4, 5"),
        "{}",
        stderr(&o)
    );
    // Run parts and sweep parts do not mix.
    let run_part = dir.join("run.json").display().to_string();
    assert!(
        negsim(&[
            "run", "--runs", "10", "--worlds", "0", "--shard", "0/1", "--output", &run_part
        ])
        .status
        .success()
    );
    let o = negsim(&["merge", &run_part, &p(0)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot be merged together"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn merged_interrupted_shards_report_the_runs_played_not_the_runs_requested() {
    // Shard 0 is stopped before its first chunk, shard 1 plays all its runs: the merged report
    // holds 1,000 of the 2,000 runs per deadline and must say so in its header.
    let sc = Scenario::from_toml_str(BUNDLED, BUNDLED_NAME).unwrap();
    let dl = [2u32, 4];
    let stopped = Control::default();
    stopped
        .cancel
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let p0 = run_shard(&job(&sc, 2000, &dl), Shard { k: 0, n: 2 }, &stopped);
    let p1 = run_shard(
        &job(&sc, 2000, &dl),
        Shard { k: 1, n: 2 },
        &Control::default(),
    );
    assert!(p0.partial && !p1.partial);
    let merged = merge(vec![("p0".into(), p0.clone()), ("p1".into(), p1.clone())]).unwrap();
    let (_, report) = merged.into_report("merge").unwrap();
    assert!(report.partial);
    assert_eq!(report.runs, 1000);
    assert!(report.deadlines.iter().all(|d| d.runs == 1000));
    // The same through the command line, as the JSON and CSV headers show it.
    let dir = temp_dir("shard-partial");
    let (f0, f1) = (dir.join("p0.json"), dir.join("p1.json"));
    std::fs::write(&f0, p0.to_json()).unwrap();
    std::fs::write(&f1, p1.to_json()).unwrap();
    let o = negsim(&[
        "merge",
        f0.to_str().unwrap(),
        f1.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["runs"], 1000);
    assert_eq!(v["partial"], true);
    let o = negsim(&["merge", f0.to_str().unwrap(), f1.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("1,000 runs per deadline"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_sweep_shard_on_stdout_is_a_part_without_a_table_header() {
    // `sweep --shard K/N > part.jsonl` wrote the CSV table's header before the part.
    let o = negsim(&[
        "sweep",
        "scenarios/two-party-split.toml",
        "--param",
        "agents.a.walk_away=0,0.1",
        "--runs",
        "20",
        "--shard",
        "0/2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with('{'), "{out}");
    assert!(negsim::study::shard::SweepPart::from_jsonl(&out, "stdout").is_ok());
}

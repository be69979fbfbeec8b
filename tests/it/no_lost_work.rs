//! No lost work: atomic output files, Ctrl-C writes what is finished and says so, a closed pipe
//! ends quietly, and absurd requests are refused before they start.

use crate::common::{negsim, stderr, temp_dir};
use negsim::output::{Target, write_whole};

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Writes a whole file the way `--output` does (the library's service the command line calls).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), negsim::Error> {
    write_whole(&Target::of(Some(path)), bytes)
}

fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect()
}

#[test]
fn write_atomic_replaces_the_whole_file_and_leaves_no_temporary() {
    let dir = temp_dir("atomic");
    let path = dir.join("out.json");
    std::fs::write(&path, "old contents that are longer than the new ones").unwrap();
    write_atomic(&path, b"new").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}

#[test]
fn a_failed_atomic_write_keeps_the_old_file_and_cleans_up() {
    let dir = temp_dir("atomic-fail");
    // The target is a directory: the rename fails after the temporary file was written.
    let target = dir.join("taken");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep"), "x").unwrap();
    let err = write_atomic(&target, b"new").unwrap_err();
    assert!(err.to_string().contains("taken"), "{err}");
    assert_eq!(std::fs::read_to_string(target.join("keep")).unwrap(), "x");
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    // A missing directory: nothing is created anywhere.
    let missing = dir.join("no/such/dir/out.json");
    assert!(write_atomic(&missing, b"new").is_err());
    assert!(!missing.exists());
}

#[test]
fn invalid_input_with_output_creates_no_file() {
    let dir = temp_dir("no-output");
    let out = dir.join("out.json");
    let o = negsim(&["run", "--runs", "0", "--output", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!out.exists());
    assert!(leftovers(&dir).is_empty());
}

#[cfg(target_os = "linux")] // reads /proc to see that the simulation has started
#[test]
fn ctrl_c_during_run_writes_an_honest_partial_report_and_exits_130() {
    let dir = temp_dir("sigint");
    let out = dir.join("out.json");
    let requested: u64 = 100_000_000;
    let mut child = Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args([
            "run",
            "--worlds",
            "0",
            "--runs",
            &requested.to_string(),
            "--force",
        ])
        .args(["--format", "json", "--output", out.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    // Started: the process has spent CPU time simulating (utime in /proc/PID/stat, in ticks).
    let start = Instant::now();
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let after_name = stat.rsplit(')').next().unwrap_or("");
        let utime: u64 = after_name
            .split_whitespace()
            .nth(11)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if utime >= 50 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the simulation never started"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "exited before the signal"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: sends a signal to our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let sent = Instant::now();
    let o = loop {
        if child.try_wait().unwrap().is_some() {
            break child.wait_with_output().unwrap();
        }
        assert!(
            sent.elapsed() < Duration::from_secs(30),
            "did not stop after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "stderr: {err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(err.contains("partial results"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("the partial file exists"))
            .expect("the partial file is whole JSON");
    assert_eq!(json["partial"], true);
    let runs = json["runs"].as_u64().unwrap();
    assert!(runs > 0 && runs < requested, "runs = {runs}");
    assert!(err.contains(&negsim::scenario::thousands(runs)), "{err}");
    // Every deadline holds exactly the runs the header claims, and they add up.
    for d in json["deadlines"].as_array().unwrap() {
        assert_eq!(d["runs"].as_u64().unwrap(), runs);
        let ended = d["agreements"].as_u64().unwrap()
            + d["walkouts"].as_u64().unwrap()
            + d["expired"].as_u64().unwrap();
        assert_eq!(ended, runs);
    }
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}

#[test]
fn a_closed_stdout_pipe_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args(["run", "--runs", "2000", "--format", "json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before anything is written, as `negsim run | head -0` would.
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(err.is_empty(), "expected a quiet exit, got: {err}");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn an_absurd_request_is_refused_with_an_estimate() {
    let o = negsim(&[
        "run",
        "scenarios/labour-contract.toml",
        "--runs",
        "1000000000",
        "--deadlines",
        "1000000",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("this request would take up to"), "{err}");
    assert!(
        err.contains("1,000,000,000 runs x 1,000,000 rounds"),
        "{err}"
    );
    assert!(err.contains("years"), "{err}");
    assert!(err.contains("--force"), "{err}");
}

#[test]
fn estimates_scale_with_runs_deadlines_and_threads() {
    use negsim::study::estimate::{Speed, describe, seconds_at};
    let speed = Speed {
        setup: 1e-5,
        round: 1e-6,
    };
    // 1000 runs x (10 us + 30 rounds x 1 us) = 40 ms on one thread, 20 ms on two.
    let one = seconds_at(speed, 1000, &[10, 20], 1);
    assert!((one - 0.04).abs() < 1e-12, "{one}");
    assert!((seconds_at(speed, 1000, &[10, 20], 2) - 0.02).abs() < 1e-12);
    assert_eq!(describe(90.0), "1.5 minutes");
    assert_eq!(describe(7200.0), "2.0 hours");
    assert_eq!(describe(0.5), "0.5 seconds");
    assert_eq!(describe(1000.0 * 365.25 * 86400.0), "1,000 years");
}

/// Found while calibrating the estimate: on this scenario (200 terms of 8 options, three agents
/// with conflicting linear values) the offer search prunes so badly that one run did not finish
/// in two minutes, and the pilot that estimates the request hung with it. The pilot now gives
/// up after `PILOT_TIMEOUT` and the request is refused with a lower bound.
#[test]
fn a_scenario_too_slow_to_measure_is_refused_without_hanging() {
    let (terms, options, agents) = (200, 8, 3);
    let mut s =
        String::from("[scenario]\nname = \"slow\"\n[simulation]\nruns = 10000\ndeadlines = [10]\n");
    for t in 0..terms {
        let opts: Vec<String> = (0..options).map(|o| format!("\"o{o}\"")).collect();
        s += &format!(
            "[[terms]]\nid = \"t{t}\"\noptions = [{}]\n",
            opts.join(", ")
        );
    }
    for a in 0..agents {
        s += &format!("[agents.a{a}]\nreservation = 0.3\n[agents.a{a}.weights]\n");
        s += &(0..terms)
            .map(|t| format!("t{t} = 1\n"))
            .collect::<String>();
        for t in 0..terms {
            s += &format!("[agents.a{a}.values.t{t}]\n");
            for o in 0..options {
                let v = ((o + a * (t + 1)) % options) as f64 / (options - 1) as f64;
                s += &format!("o{o} = {v}\n");
            }
        }
    }
    let dir = temp_dir("slow");
    std::fs::write(dir.join("slow.toml"), s).unwrap();
    let start = Instant::now();
    let o = crate::hostile_input::run_capped(&dir, &["run", "slow.toml", "--threads", "2"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // Whether the pilot gives up (a lower bound) or measures a round (an estimate) depends on
    // the offer search's speed on this machine; either way the request is refused at once.
    assert!(
        err.contains("this request would take at least")
            || err.contains("this request would take up to"),
        "{err}"
    );
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_during_a_sweep_keeps_whole_points_and_resume_completes_it() {
    let dir = temp_dir("sigint-sweep");
    let out = dir.join("sweep.csv");
    let args = |o: &std::path::Path| -> Vec<String> {
        [
            "sweep",
            "scenarios/two-party-split.toml",
            "--param",
            "agents.a.reservation=0:0.3:0.004",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(
            ["--runs", "2000", "--quiet", "--output"]
                .iter()
                .map(|s| s.to_string()),
        )
        .chain([o.display().to_string()])
        .collect()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args(args(&out))
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    // Wait until a few points (4 deadlines each, after the header) are written.
    let start = Instant::now();
    while std::fs::read_to_string(&out).map_or(0, |t| t.lines().count()) < 1 + 4 * 3 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the sweep never wrote a point"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep finished before the signal"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: sends a signal to our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "stderr: {err}");
    assert!(
        err.contains("interrupted") && err.contains("--resume"),
        "{err}"
    );
    let partial = std::fs::read_to_string(&out).unwrap();
    let rows = partial.lines().count() - 1;
    assert!(
        partial.ends_with('\n') && rows.is_multiple_of(4),
        "whole points only: {rows} rows"
    );

    let resumed = Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args(args(&out))
        .arg("--resume")
        .output()
        .unwrap();
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let whole = dir.join("whole.csv");
    let straight = Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args(args(&whole))
        .output()
        .unwrap();
    assert!(straight.status.success());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(&whole).unwrap()
    );
    assert!(
        partial.len() < std::fs::read_to_string(&whole).unwrap().len(),
        "the signal came before the end"
    );
}

#[test]
fn an_absurd_sweep_is_refused_with_an_estimate_before_anything_runs() {
    let dir = temp_dir("absurd-sweep");
    let out = dir.join("never.csv");
    let o = negsim(&[
        "sweep",
        "scenarios/ukraine-peace-2025.toml",
        "--param",
        "agents.us.walk_away=0:0.05:0.0001",
        "--runs",
        "1000000",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("would take up to") && stderr(&o).contains("--force"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn an_output_that_is_one_of_the_inputs_is_refused_and_the_input_kept() {
    // `run v.toml --output v.toml` replaced the scenario with its report.
    let dir = temp_dir("out-is-in");
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/two-party-split.toml"),
    )
    .unwrap();
    let v = dir.join("v.toml");
    std::fs::write(&v, &src).unwrap();
    let link = dir.join("link.toml");
    std::os::unix::fs::symlink("v.toml", &link).unwrap();
    let (vs, ls) = (v.to_str().unwrap(), link.to_str().unwrap());
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", vs, "--runs", "20", "--output", vs],
        vec!["run", vs, "--runs", "20", "--output", ls],
        vec![
            "sweep",
            vs,
            "--param",
            "agents.a.walk_away=0,0.1",
            "--runs",
            "20",
            "-o",
            vs,
        ],
        vec!["batch", vs, "--runs", "20", "-o", ls],
        vec!["report", vs, "--runs", "20", "-o", vs],
        vec!["sensitivity", vs, "--runs", "20", "-o", vs],
        vec!["sensitivity", vs, "--runs", "20", "--report", ls],
    ];
    for args in cases {
        let o = negsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("is one of the inputs"),
            "{args:?}: {}",
            stderr(&o)
        );
        assert_eq!(
            std::fs::read_to_string(&v).unwrap(),
            src,
            "{args:?} changed the scenario"
        );
    }
}

#[test]
fn report_and_sensitivity_check_their_output_before_the_work() {
    let f = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/labour-contract.toml");
    let f = f.to_str().unwrap();
    for args in [
        vec![
            "report",
            f,
            "--runs",
            "2000000",
            "-o",
            "/nonexistent-dir/r.html",
        ],
        vec![
            "sensitivity",
            f,
            "--runs",
            "2000000",
            "-o",
            "/nonexistent-dir/s.txt",
        ],
    ] {
        let t = Instant::now();
        let o = negsim(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("/nonexistent-dir/"), "{}", stderr(&o));
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "{args:?} failed after {:?}",
            t.elapsed()
        );
    }
}

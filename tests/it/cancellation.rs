//! Long computations stop when asked: SIGTERM within a second even inside one huge offer
//! search, the time estimate's pilot when it gives up, and `--threads` within its range.

use crate::common::{negsim, stderr, temp_dir};
use std::time::{Duration, Instant};

/// A scenario whose offer search prunes badly: one round of one run took over 20 s, and
/// SIGTERM was ignored until the search finished. At seed 1 (since the estimate noise's
/// ziggurat, run 0 of seed 0 finishes its round in about a second; seeds 1 to 3 take over 15 s).
fn slow_scenario(tag: &str) -> std::path::PathBuf {
    let o = negsim(&[
        "generate",
        "--terms",
        "250",
        "--options",
        "256",
        "--agents",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = temp_dir(tag).join("slow.toml");
    std::fs::write(&p, &o.stdout).unwrap();
    p
}

#[cfg(target_os = "linux")]
#[test]
fn sigterm_stops_a_run_inside_one_huge_offer_search_within_a_second() {
    use std::process::{Command, Stdio};
    let scenario = slow_scenario("sigterm");
    // To a file: the report of 64,000 options would fill a pipe nobody reads yet.
    let out = scenario.with_file_name("partial.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_negsim"))
        .arg("run")
        .arg(&scenario)
        .args([
            "--runs",
            "1",
            "--deadlines",
            "1",
            "--threads",
            "1",
            "--force",
            "--seed",
            "1",
        ])
        .args(["--format", "json", "--output"])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    // Inside the search: a second of CPU time spent (utime in /proc/PID/stat, in ticks) on a
    // request of one run of one round.
    let start = Instant::now();
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let after_name = stat.rsplit(')').next().unwrap_or("");
        let utime: u64 = after_name
            .split_whitespace()
            .nth(11)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if utime >= 100 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "never started");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished its search: not slow enough"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: sends a signal to our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let sent = Instant::now();
    let o = loop {
        if child.try_wait().unwrap().is_some() {
            break child.wait_with_output().unwrap();
        }
        if sent.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("ignored SIGTERM for 30 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = sent.elapsed();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(143), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // The search itself stops within milliseconds (see the next test); the rest is building
    // and writing the report of 64,000 options, about 0.3 s on the quiet 2-core machine. The
    // bound leaves room for a loaded one.
    assert!(
        took < Duration::from_secs(2),
        "stopped {took:?} after SIGTERM"
    );
    // The stopped run is not counted: it did not play as it would have.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["partial"], true);
    assert_eq!(json["deadlines"][0]["runs"], 0);
}

#[test]
fn a_cancelled_simulation_returns_within_a_second_from_inside_one_search() {
    use negsim::engine::model::Model;
    use negsim::engine::montecarlo::{Control, Settings, simulate};
    use std::sync::atomic::Ordering;
    let sc = negsim::Scenario::from_toml_str(
        &std::fs::read_to_string(slow_scenario("cancel")).unwrap(),
        "slow.toml",
    )
    .unwrap();
    let model = Model::new(&sc);
    let settings = Settings {
        seed: 1,
        deadlines: vec![1],
        runs: 0..1,
    };
    let control = Control::default();
    let (took, outcome) = std::thread::scope(|s| {
        let run = s.spawn(|| {
            let outcome = simulate(&model, &settings, &control);
            (Instant::now(), outcome)
        });
        // One round of this one run takes over 20 s: after a second it is inside the search.
        std::thread::sleep(Duration::from_secs(1));
        assert!(!run.is_finished(), "finished its search: not slow enough");
        let cancelled = Instant::now();
        control.cancel.store(true, Ordering::Relaxed);
        let (done, outcome) = run.join().unwrap();
        (done - cancelled, outcome)
    });
    assert!(
        took < Duration::from_secs(1),
        "returned {took:?} after the cancel"
    );
    // The stopped run is left out, not tallied as a run without offers.
    assert!(outcome.partial);
    assert_eq!(outcome.tallies[0].runs, 0);
}

#[cfg(target_os = "linux")]
#[test]
fn the_time_estimate_stops_its_pilot_when_it_gives_up() {
    use negsim::engine::model::Model;
    let sc = negsim::Scenario::from_toml_str(
        &std::fs::read_to_string(slow_scenario("pilot")).unwrap(),
        "slow.toml",
    )
    .unwrap();
    let model = Model::new(&sc);
    let pilots = || {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter(|t| {
                let comm = t.as_ref().unwrap().path().join("comm");
                std::fs::read_to_string(comm).is_ok_and(|c| c.trim() == "negsim-pilot")
            })
            .count()
    };
    let start = Instant::now();
    let pilot = negsim::study::estimate::pilot(&model, 1, &[1]);
    assert!(
        matches!(pilot, negsim::study::estimate::Pilot::TooSlow { .. }),
        "{pilot:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(4));
    // Other tests run pilots too: wait until no pilot thread is left, for at most a second.
    let given_up = Instant::now();
    while pilots() > 0 {
        assert!(
            given_up.elapsed() < Duration::from_secs(1),
            "a pilot thread still searches after the estimate gave up"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn threads_beyond_the_cap_are_refused_with_the_valid_range() {
    for n in ["0", "1025", "100000"] {
        let o = negsim(&["run", "--runs", "10", "--threads", n]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with(&format!(
                "error: --threads: {n} threads is out of range\n  help: give 1 to 1024 threads (this machine has "
            )),
            "{err}"
        );
    }
    let o = negsim(&[
        "run",
        "--runs",
        "10",
        "--worlds",
        "0",
        "--threads",
        "1024",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn sensitivity_and_report_refuse_a_billion_runs_like_run_and_sweep() {
    let dir = temp_dir("estimate");
    let html = dir.join("r.html");
    for args in [
        vec!["sensitivity", "--runs", "1000000000"],
        vec![
            "report",
            "--runs",
            "1000000000",
            "-o",
            html.to_str().unwrap(),
        ],
    ] {
        let start = Instant::now();
        let o = negsim(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with(
                "error: scenarios/ukraine-peace-2025.toml: this request would take up to "
            ),
            "{err}"
        );
        assert!(err.contains("or add --force to run it anyway"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }
    assert!(!html.exists());
}

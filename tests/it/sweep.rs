//! `negsim sweep`: decimal-exact ranges, the order of the cartesian product, refusal of bad
//! paths and values, equality with `negsim run` on the edited file, resuming, cancellation.

use crate::common::{negsim, run_csv_rows, split, stderr, stdout, temp_dir, write_temp};
use negsim::engine::montecarlo::Control;
use negsim::progress::Progress;
use negsim::report::Report;
use negsim::study::sweep::Sweep;
use negsim::study::tidy::{Format, Layout, Output};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

/// Two agents splitting a pie; A's reservation is uncertain, both may walk out.
fn base() -> String {
    split(
        "runs = 300\nseed = 11\ndeadlines = [3, 6]",
        "reservation = { uniform = [0.2, 0.5] }\nwalk_away = 0.04\nstrategy = \"boulware\"",
        "reservation = 0.3\nwalk_away = 0.02",
    )
}

fn sweep_ok(args: &[&str]) -> String {
    let mut all = vec!["sweep"];
    all.extend_from_slice(args);
    let o = negsim(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

/// The first `n` cells of every data row.
fn key_cells(csv: &str, n: usize) -> Vec<Vec<String>> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').take(n).map(str::to_string).collect())
        .collect()
}

/// The data rows of a table with the first `n` cells removed.
fn strip_keys(csv: &str, n: usize) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|l| l.splitn(n + 1, ',').last().unwrap().to_string())
        .collect()
}

#[test]
fn ranges_are_decimal_exact() {
    let f = write_temp("sweep-range", "s.toml", base());
    let out = sweep_ok(&[
        f.to_str().unwrap(),
        "--param",
        "agents.a.reservation=0.1:0.3:0.1",
        "--runs",
        "20",
    ]);
    assert!(
        out.starts_with(&format!(
            "param_agents.a.reservation,{}{}\n",
            Report::csv_header(),
            negsim::provenance::csv_header_suffix()
        )),
        "{out}"
    );
    let keys: Vec<String> = key_cells(&out, 1)
        .into_iter()
        .map(|c| c[0].clone())
        .collect();
    assert_eq!(keys, ["0.1", "0.1", "0.2", "0.2", "0.3", "0.3"]);

    // Summing 0.1 in binary drifts (0.1 + 0.1 + 0.1 = 0.30000000000000004); the range must not.
    let out = sweep_ok(&[
        f.to_str().unwrap(),
        "--param",
        "agents.b.walk_away=0:0.7:0.1",
        "--runs",
        "10",
        "--deadlines",
        "2",
    ]);
    let keys: Vec<String> = key_cells(&out, 1)
        .into_iter()
        .map(|c| c[0].clone())
        .collect();
    let expected: Vec<String> = ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]
        .map(String::from)
        .to_vec();
    assert_eq!(keys, expected);
}

#[test]
fn points_are_the_cartesian_product_with_the_last_param_fastest() {
    let f = write_temp("sweep-product", "s.toml", base());
    let out = sweep_ok(&[
        f.to_str().unwrap(),
        "--param",
        "agents.a.walk_away=0,0.01,0.02",
        "--param",
        "agents.b.strategy=linear,boulware",
        "--runs",
        "20",
    ]);
    let header = out.lines().next().unwrap();
    assert!(
        header.starts_with("param_agents.a.walk_away,param_agents.b.strategy,deadline,"),
        "{header}"
    );
    let mut expected = Vec::new();
    for w in ["0.0", "0.01", "0.02"] {
        for s in ["linear", "boulware"] {
            for d in ["3", "6"] {
                expected.push(vec![w.to_string(), s.to_string(), d.to_string()]);
            }
        }
    }
    assert_eq!(key_cells(&out, 3), expected);
}

#[test]
fn bad_paths_and_values_are_refused_before_anything_runs() {
    let dir = temp_dir("sweep-bad");
    let f = dir.join("s.toml");
    std::fs::write(&f, base()).unwrap();
    let out = dir.join("out.csv");
    let cases: [(&str, &[&str]); 9] = [
        (
            "agents.a.reservaton=0.3",
            &[
                "unknown scenario path `agents.a.reservaton`",
                "did you mean `agents.a.reservation`?",
            ],
        ),
        (
            "agent.b.walk_away=0.1",
            &["`agent.b.walk_away`", "did you mean `agents.b.walk_away`?"],
        ),
        (
            "agents.a.weights=1",
            &["`agents.a.weights` is a table", "agents.a.weights.share"],
        ),
        (
            "agents.a.walk_away=0.5,1.5",
            &["agents.a.walk_away=1.5", "out of range", "[0, 1]"],
        ),
        (
            "agents.a.reservation=0.5:1.5:0.5",
            &["agents.a.reservation=1.5", "out of range"],
        ),
        (
            "agents.a.walk_away=high",
            &["agents.a.walk_away=high", "expected a number"],
        ),
        (
            "agents.b.strategy=bulware",
            &["agents.b.strategy=bulware", "did you mean \"boulware\"?"],
        ),
        (
            "simulation.runs=10,20",
            &["`simulation.runs` cannot be swept", "--runs"],
        ),
        (
            "agents.a.reservation=0:1:0",
            &["agents.a.reservation", "step", "is 0"],
        ),
    ];
    for (param, needles) in cases {
        let o = negsim(&[
            "sweep",
            f.to_str().unwrap(),
            "--param",
            param,
            "--output",
            out.to_str().unwrap(),
        ]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{param}: {err}");
        for n in needles {
            assert!(err.contains(n), "{param}: `{n}` missing from: {err}");
        }
        assert!(stdout(&o).is_empty(), "{param}");
        assert!(!out.exists(), "{param}: nothing may be written");
    }
    // A combination is checked as a whole: mediated needs a mediator, which the second
    // parameter provides.
    let o = negsim(&[
        "sweep",
        f.to_str().unwrap(),
        "--param",
        "simulation.protocol=mediated",
        "--param",
        "simulation.mediator=a,nobody",
        "--runs",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("simulation.protocol=mediated, simulation.mediator=nobody")
            && err.contains("not an agent"),
        "{err}"
    );
    assert!(
        stdout(&o).is_empty(),
        "the valid first point must not have run"
    );
}

/// `negsim run --format csv` rows (without header) of a scenario text.
fn run_rows(tag: &str, src: &str, extra: &[&str]) -> Vec<String> {
    run_csv_rows(&write_temp(tag, "s.toml", src), extra)
}

#[test]
fn a_sweep_point_equals_run_with_the_value_written_into_the_file() {
    let src = base();
    let f = write_temp("sweep-eq", "s.toml", &src);
    let out = sweep_ok(&[
        f.to_str().unwrap(),
        "--param",
        "agents.a.reservation=0.25,0.4",
        "--param",
        "agents.b.walk_away=0.02,0.05",
    ]);
    let rows = strip_keys(&out, 2);
    let keys = key_cells(&out, 2);
    assert_eq!(rows.len(), 8);
    let a_res = "reservation = { uniform = [0.2, 0.5] }";
    let b_walk = "walk_away = 0.02";
    assert_eq!(src.matches(a_res).count(), 1);
    assert_eq!(src.matches(b_walk).count(), 1);
    for (res, walk) in [("0.25", "0.02"), ("0.4", "0.05")] {
        let edited = src
            .replace(a_res, &format!("reservation = {res}"))
            .replace(b_walk, &format!("walk_away = {walk}"));
        let expected = run_rows("sweep-eq-run", &edited, &[]);
        let got: Vec<String> = keys
            .iter()
            .zip(&rows)
            .filter(|(k, _)| k[0] == res && k[1] == walk)
            .map(|(_, r)| r.clone())
            .collect();
        assert_eq!(got, expected, "point {res}, {walk}");
    }
    // The parameter matters: the two reservations give different tables.
    assert_ne!(rows[0..2], rows[4..6]);
}

#[test]
fn a_distribution_replaced_in_the_bundled_scenario_equals_run_on_the_edited_file() {
    let src = negsim::scenario::BUNDLED;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(negsim::scenario::BUNDLED_NAME);
    let out = sweep_ok(&[
        path.to_str().unwrap(),
        "--param",
        "agents.russia.reservation=0.5",
        "--runs",
        "200",
        "--deadlines",
        "4,12",
    ]);
    let line = "reservation = { triangular = [0.35, 0.45, 0.55] }";
    assert_eq!(src.matches(line).count(), 1);
    let edited = src.replace(line, "reservation = 0.5");
    let expected = run_rows(
        "sweep-bundled",
        &edited,
        &["--runs", "200", "--deadlines", "4,12"],
    );
    assert_eq!(strip_keys(&out, 1), expected);
}

#[test]
fn sweeping_a_key_to_its_own_value_reproduces_run_exactly() {
    // Same runs, seed and streams at every point: a point that changes nothing is `run`.
    let src = base();
    let f = write_temp("sweep-same", "s.toml", &src);
    let out = sweep_ok(&[
        f.to_str().unwrap(),
        "--param",
        "agents.b.walk_away=0.5,0.02",
    ]);
    assert_eq!(
        strip_keys(&out, 1)[2..],
        run_rows("sweep-same-run", &src, &[])
    );
}

#[test]
fn jsonl_rows_carry_the_same_fields_and_values_as_csv() {
    let f = write_temp("sweep-jsonl", "s.toml", base());
    let common = [
        f.to_str().unwrap(),
        "--param",
        "agents.a.reservation=0.1,dist:normal(0.3,0.05)",
        "--runs",
        "50",
    ];
    let csv = sweep_ok(&common);
    let mut args = common.to_vec();
    args.extend_from_slice(&["--format", "jsonl"]);
    let jsonl = sweep_ok(&args);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let csv_rows: Vec<&str> = csv.lines().skip(1).collect();
    let json_rows: Vec<&str> = jsonl.lines().collect();
    assert_eq!(json_rows.len(), 4);
    for (j, c) in json_rows.iter().zip(&csv_rows) {
        // Keys in column order.
        let mut pos = 0;
        for name in &header {
            let at = j[pos..]
                .find(&format!("\"{name}\":"))
                .unwrap_or_else(|| panic!("{name} missing or out of order in {j}"));
            pos += at + 1;
        }
        let v: serde_json::Value = serde_json::from_str(j).unwrap();
        // CSV quotes the distribution (it holds commas); the key cells agree.
        let (key, rest) = if let Some(quoted) = c.strip_prefix('"') {
            quoted.split_once("\",").unwrap()
        } else {
            c.split_once(',').unwrap()
        };
        match &v["param_agents.a.reservation"] {
            serde_json::Value::String(s) => assert_eq!(s, key),
            n => assert_eq!(n.to_string(), key),
        }
        let cells: Vec<&str> = rest.split(',').collect();
        assert_eq!(v["deadline"].to_string(), cells[0]);
        assert_eq!(v["agreements"].to_string(), cells[2]);
        assert_eq!(v["p_agreement"].as_f64().unwrap().to_string(), cells[3]);
    }
    assert!(
        json_rows[2].starts_with("{\"param_agents.a.reservation\":\"dist:normal(0.3,0.05)\","),
        "{}",
        json_rows[2]
    );
}

/// The byte length of the first `header_lines + rows` lines of `text`.
fn prefix_len(text: &str, header_lines: usize, rows: usize) -> usize {
    text.split_inclusive('\n')
        .take(header_lines + rows)
        .map(str::len)
        .sum()
}

#[test]
fn an_interrupted_sweep_resumed_gives_the_same_file() {
    let dir = temp_dir("sweep-resume");
    let f = dir.join("s.toml");
    std::fs::write(&f, base()).unwrap();
    for (format, header_lines) in [("csv", 1), ("jsonl", 0)] {
        let full_path = dir.join(format!("full.{format}"));
        let args = |out: &Path, resume: bool| {
            let mut a = vec![
                "sweep".to_string(),
                f.display().to_string(),
                "--param".into(),
                "agents.a.walk_away=0:0.04:0.01".into(),
                "--param".into(),
                "agents.b.reservation=0.2,0.3".into(),
                "--runs".into(),
                "100".into(),
                "--format".into(),
                format.into(),
                "--output".into(),
                out.display().to_string(),
            ];
            if resume {
                a.push("--resume".into());
            }
            a
        };
        let run = |a: Vec<String>| {
            let refs: Vec<&str> = a.iter().map(String::as_str).collect();
            let o = negsim(&refs);
            assert!(o.status.success(), "{}", stderr(&o));
            assert!(stdout(&o).is_empty());
            o
        };
        run(args(&full_path, false));
        let full = std::fs::read_to_string(&full_path).unwrap();
        assert_eq!(full.lines().count(), header_lines + 10 * 2);

        // Interrupted after k whole points, during the next point (one of its two rows
        // written, or none) and in the middle of a line; also interrupted in the header.
        let cuts = [
            prefix_len(&full, header_lines, 0) + 5,
            prefix_len(&full, header_lines, 2 * 3) + 7,
            prefix_len(&full, header_lines, 2 * 3 + 1) + 9,
            prefix_len(&full, header_lines, 2 * 7),
            full.len(),
            3,
            0,
        ];
        for cut in cuts {
            let part = dir.join(format!("part-{cut}.{format}"));
            std::fs::write(&part, &full.as_bytes()[..cut]).unwrap();
            run(args(&part, true));
            let resumed = std::fs::read_to_string(&part).unwrap();
            assert!(resumed == full, "{format}, cut at byte {cut}:\n{resumed}");
        }
        // Resuming into a file that does not exist yet runs everything.
        let fresh = dir.join(format!("fresh.{format}"));
        run(args(&fresh, true));
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), full);
    }
}

#[test]
fn resume_refuses_a_file_from_another_sweep() {
    let dir = temp_dir("sweep-resume-other");
    let f = dir.join("s.toml");
    std::fs::write(&f, base()).unwrap();
    let out = dir.join("out.csv");
    let sweep = |param: &str, runs: &str, resume: bool| {
        let mut a = vec![
            "sweep",
            f.to_str().unwrap(),
            "--param",
            param,
            "--runs",
            runs,
            "--output",
            out.to_str().unwrap(),
        ];
        if resume {
            a.push("--resume");
        }
        negsim(&a)
    };
    assert!(
        sweep("agents.a.walk_away=0,0.01", "50", false)
            .status
            .success()
    );
    let before = std::fs::read(&out).unwrap();
    for (param, runs, needle) in [
        ("agents.a.walk_away=0,0.01", "60", "row 2"),
        ("agents.a.walk_away=0.01,0", "50", "row 2"),
        ("agents.b.walk_away=0,0.01", "50", "header"),
    ] {
        let o = sweep(param, runs, true);
        assert_eq!(o.status.code(), Some(2), "{param} {runs}");
        let err = stderr(&o);
        assert!(err.contains(needle) && err.contains("--resume"), "{err}");
        assert_eq!(
            std::fs::read(&out).unwrap(),
            before,
            "the file is untouched"
        );
    }
    let o = negsim(&[
        "sweep",
        f.to_str().unwrap(),
        "--param",
        "agents.a.walk_away=0",
        "--resume",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--resume needs --output"));
}

/// A writer that collects bytes and sets the cancel flag once something was written: the
/// sweep must stop after the point being written.
struct CancelAfterFirstPoint {
    buf: Arc<Mutex<Vec<u8>>>,
    control: Arc<Control>,
}

impl Write for CancelAfterFirstPoint {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.lock().unwrap().extend_from_slice(b);
        self.control.cancel.store(true, Ordering::Relaxed);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn cancelling_stops_between_points_and_keeps_finished_ones() {
    let specs = ["agents.a.walk_away=0,0.01,0.02".to_string()];
    let sweep = Sweep::new(&base(), "s.toml", &specs).unwrap();
    let settings = negsim::engine::montecarlo::Settings {
        seed: 11,
        deadlines: vec![3, 6],
        runs: 0..100,
    };
    let layout = Layout {
        format: Format::Csv,
        keys: sweep.columns(),
        worlds: None,
    };
    let control = Arc::new(Control::default());
    let buf = Arc::new(Mutex::new(Vec::new()));
    let mut out = Output::new(
        Box::new(CancelAfterFirstPoint {
            buf: buf.clone(),
            control: control.clone(),
        }),
        "test",
    );
    let progress = Progress::new(false, &control, 300);
    let fin = sweep
        .run(
            0,
            &settings,
            &layout,
            &mut out,
            &control,
            &progress,
            &mut |_, _| {},
        )
        .unwrap();
    assert_eq!((fin.written, fin.cancelled), (1, true));
    let first = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
    assert_eq!(first.lines().count(), 2);
    assert!(first.lines().all(|l| l.starts_with("0.0,")), "{first}");

    // The remaining points, run on, complete the table the uninterrupted sweep writes.
    let rest_buf = Arc::new(Mutex::new(Vec::new()));
    struct Collect(Arc<Mutex<Vec<u8>>>);
    impl Write for Collect {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let control = Control::default();
    let mut out = Output::new(Box::new(Collect(rest_buf.clone())), "test");
    let fin = sweep
        .run(
            1,
            &settings,
            &layout,
            &mut out,
            &control,
            &progress,
            &mut |_, _| {},
        )
        .unwrap();
    assert_eq!((fin.written, fin.cancelled), (2, false));
    let rest = String::from_utf8(rest_buf.lock().unwrap().clone()).unwrap();
    let f = write_temp("sweep-cancel", "s.toml", base());
    let full = sweep_ok(&[
        f.to_str().unwrap(),
        "--param",
        "agents.a.walk_away=0,0.01,0.02",
        "--runs",
        "100",
    ]);
    assert_eq!(format!("{}{first}{rest}", layout.header()), full);
}

#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    let f = write_temp("sweep-quiet", "s.toml", base());
    // stderr is a pipe here: results on stdout, nothing at all on stderr.
    for args in [
        // Long enough (about half a second on the CI machine) for a bar to be drawn if it
        // were wanted.
        vec!["run", "--runs", "5000"],
        vec![
            "sweep",
            f.to_str().unwrap(),
            "--param",
            "agents.a.walk_away=0,0.01",
            "--runs",
            "3000",
        ],
        vec!["batch", f.to_str().unwrap(), "--runs", "3000"],
        vec!["run", f.to_str().unwrap(), "--runs", "3000", "--quiet"],
    ] {
        let o = negsim(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(!stdout(&o).is_empty());
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

#[test]
fn resume_reads_csv_records_so_a_value_with_a_line_break_survives() {
    // Resume read physical lines: a quoted value holding a line break split its row in two,
    // and the first half was "not the row this job expects".
    let dir = temp_dir("sweep-resume-newline");
    let f = dir.join("s.toml");
    std::fs::write(&f, base()).unwrap();
    let full_path = dir.join("full.csv");
    let args = |out: &Path, resume: bool| {
        let mut a = vec![
            "sweep".to_string(),
            f.display().to_string(),
            "--param".into(),
            "scenario.description=first\nline,second".into(),
            "--param".into(),
            "agents.a.walk_away=0,0.02".into(),
            "--runs".into(),
            "50".into(),
            "--output".into(),
            out.display().to_string(),
        ];
        if resume {
            a.push("--resume".into());
        }
        a
    };
    let run = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = negsim(&refs);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    run(args(&full_path, false));
    let full = std::fs::read_to_string(&full_path).unwrap();
    assert!(full.contains("\"first\nline\""), "{full}");
    // Cut inside the quoted line break, after it, and after whole points.
    let inside = full.find("first\n").unwrap() + "first\n".len();
    let second_row = full[inside..].find('\n').unwrap() + inside + 1;
    for cut in [inside, inside + 3, second_row, second_row + 5, full.len()] {
        let part = dir.join(format!("part-{cut}.csv"));
        std::fs::write(&part, &full.as_bytes()[..cut]).unwrap();
        run(args(&part, true));
        let resumed = std::fs::read_to_string(&part).unwrap();
        assert!(resumed == full, "cut at byte {cut}:\n{resumed}");
    }
}

#[test]
fn two_concurrent_resumes_of_one_table_do_not_both_run() {
    // Both used to exit 0 and write the same points twice; the second now finds the table
    // locked and refuses.
    let dir = temp_dir("sweep-resume-lock");
    let f = dir.join("s.toml");
    std::fs::write(&f, base()).unwrap();
    let out = dir.join("t.csv");
    let args = |runs: &str| {
        vec![
            "sweep".to_string(),
            f.display().to_string(),
            "--param".into(),
            "agents.a.walk_away=0:0.1:0.01".into(),
            "--runs".into(),
            runs.into(),
            "--output".into(),
            out.display().to_string(),
            "--resume".into(),
            "--quiet".into(),
        ]
    };
    let mut first = std::process::Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args(args("400000"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first one holds the table (it writes the header at once).
    let t = std::time::Instant::now();
    while std::fs::metadata(&out).map_or(true, |m| m.len() == 0) {
        assert!(t.elapsed().as_secs() < 20, "the first sweep never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let refs: Vec<String> = args("400000");
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let second = negsim(&refs);
    let _ = first.kill();
    let _ = first.wait();
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("another negsim is writing this table"),
        "{}",
        stderr(&second)
    );
}

#[test]
fn sweep_and_batch_refuse_to_empty_an_existing_table_without_force() {
    // `sweep -o existing.csv` without --resume emptied finished work at once.
    let dir = temp_dir("table-overwrite");
    let f = dir.join("s.toml");
    std::fs::write(&f, base()).unwrap();
    let out = dir.join("t.csv");
    std::fs::write(&out, "finished work\n").unwrap();
    let (fs, os) = (f.to_str().unwrap(), out.to_str().unwrap());
    let sweep = [
        "sweep",
        fs,
        "--param",
        "agents.a.walk_away=0,0.1",
        "--runs",
        "20",
        "-o",
        os,
    ];
    let batch = ["batch", fs, "--runs", "20", "-o", os];
    for args in [&sweep[..], &batch[..]] {
        let o = negsim(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("already holds"), "{}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "finished work\n");
    }
    for args in [&sweep[..], &batch[..]] {
        let mut a = args.to_vec();
        a.push("--force");
        let o = negsim(&a);
        assert!(o.status.success(), "{a:?}: {}", stderr(&o));
        let table = std::fs::read_to_string(&out).unwrap();
        assert!(
            table.contains("p_agreement") && !table.contains("finished work"),
            "{table}"
        );
    }
}

#[test]
fn red_lines_are_sweepable_as_documented() {
    // Every spelling of a red-line value was refused ("expected an array, found a string").
    let s = negsim::scenario::BUNDLED_NAME;
    let o = negsim(&[
        "sweep",
        s,
        "--param",
        "agents.ukraine.red_lines.crimea=[],recognized_by_all,[recognized_by_all, de_facto_russian]",
        "--runs",
        "200",
        "--deadlines",
        "8",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let keys: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.rsplit_once(",8,200,").map_or(l, |(k, _)| k))
        .collect();
    assert_eq!(
        keys,
        [
            "[]",
            "recognized_by_all",
            "\"[recognized_by_all, de_facto_russian]\""
        ],
        "{out}"
    );
    // The swept set is the one written in: the same rows as the edited file.
    let edited = negsim::scenario::BUNDLED.replacen(
        "red_lines = { crimea = [\"recognized_by_all\"], occupied_oblasts",
        "red_lines = { crimea = [\"recognized_by_all\", \"de_facto_russian\"], occupied_oblasts",
        1,
    );
    assert_ne!(edited, negsim::scenario::BUNDLED);
    let f = write_temp("red-lines", "edited.toml", edited);
    let rows = run_csv_rows(&f, &["--runs", "200", "--deadlines", "8"]);
    let last = out.lines().last().unwrap();
    let swept_row = last.split_once(",8,200,").unwrap().1;
    let run_row = rows[0].split_once(",200,").unwrap().1;
    assert_eq!(swept_row, run_row);
    // A name that is no option is refused, naming it.
    let o = negsim(&[
        "sweep",
        s,
        "--param",
        "agents.ukraine.red_lines.crimea=[recognised]",
        "--runs",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("recognised"), "{}", stderr(&o));
}

#[test]
fn a_million_point_sweep_with_a_bad_last_value_is_refused_at_once() {
    // 999 x 1,001 = 999,999 points; the last walk_away is out of range. Every point was
    // validated first (292 s).
    let start = std::time::Instant::now();
    let o = negsim(&[
        "sweep",
        negsim::scenario::BUNDLED_NAME,
        "--param",
        "agents.us.reservation=0.001:0.999:0.001",
        "--param",
        "agents.us.walk_away=0:0.999:0.001,1.5",
        "--runs",
        "10",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: --param: agents.us.reservation=0.001, agents.us.walk_away=1.5: "),
        "{err}"
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

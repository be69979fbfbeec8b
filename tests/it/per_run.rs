//! `run --per-run FILE`: one row per run and deadline beside an unchanged report, the same
//! rows as CSV and as JSON lines, whatever the thread count.

use crate::common::{negsim, stderr, stdout, temp_dir};

#[test]
fn per_run_tables_leave_the_report_alone_and_agree_across_formats_and_threads() {
    let dir = temp_dir("per-run");
    let csv = dir.join("t.csv");
    let jsonl = dir.join("t.jsonl");
    let base = [
        "run",
        "--runs",
        "3001",
        "--deadlines",
        "4,26",
        "--format",
        "json",
    ];
    let plain = negsim(&base);
    for (file, threads) in [(&csv, "1"), (&jsonl, "2")] {
        let mut args = base.to_vec();
        args.extend(["--threads", threads, "--per-run", file.to_str().unwrap()]);
        let o = negsim(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), stdout(&plain));
    }
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = csv_text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 3001 * 2);
    assert_eq!(
        &header[..3],
        ["run", "deadline", "agents.us.weights.crimea"]
    );
    assert!(header.contains(&"agents.russia.reservation"));
    assert!(header.ends_with(&[
        "utility_ukraine",
        "utility_europe",
        "seed",
        "protocol",
        "round_label",
        "mode",
        "negsim_version"
    ]));
    let json_text = std::fs::read_to_string(&jsonl).unwrap();
    let json_lines: Vec<&str> = json_text.lines().collect();
    let json_rows: Vec<serde_json::Value> = json_lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(json_rows.len(), rows.len());
    let report: serde_json::Value = serde_json::from_str(&stdout(&plain)).unwrap();
    let agreements: u64 = report["deadlines"][1]["agreements"].as_u64().unwrap();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (dl, ag, res) = (
        col("deadline"),
        col("agreement"),
        col("agents.russia.reservation"),
    );
    let agreed = rows
        .iter()
        .filter(|r| r[dl] == "26" && r[ag] == "1")
        .count() as u64;
    assert_eq!(agreed, agreements);
    let key = "\"agents.russia.reservation\":";
    for ((r, j), line) in rows.iter().zip(&json_rows).zip(&json_lines) {
        // The same numbers in both formats (shortest round-trip text; read the JSON token
        // with Rust's exact parser, as serde_json's default one may be 1 ulp off).
        let x: f64 = r[res].parse().unwrap();
        let at = line.find(key).unwrap() + key.len();
        let token = line[at..].split(',').next().unwrap();
        assert_eq!(token.parse::<f64>().unwrap(), x, "{token}");
        assert_eq!(r[ag], j["agreement"].to_string());
        assert!(r[res].contains('.') || r[res].contains('e'));
    }
    // An unwritable path is an I/O failure (exit 1) naming the file.
    let bad = dir.join("no/such/dir/t.csv");
    let o = negsim(&["run", "--runs", "10", "--per-run", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no/such/dir/t.csv"), "{}", stderr(&o));
}

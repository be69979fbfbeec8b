//! Every string of a scenario reaches HTML and SVG escaped: a scenario is data, and the pages
//! promise to hold no script. The fixture puts markup (`<x-...>`, a `<script>` round label)
//! into every free-text field and id that a page can show.

use crate::common::{negsim, stderr, temp_dir};
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile-strings.toml")
}

/// Fails with the offending context if any of the scenario's markup survived unescaped.
fn assert_no_live_markup(page: &str, what: &str) {
    for needle in ["<script", "<x-"] {
        if let Some(i) = page.find(needle) {
            let b = page.as_bytes();
            let near = &b[i.saturating_sub(80)..(i + 80).min(b.len())];
            panic!(
                "{what}: scenario text reached the page unescaped: …{}…",
                String::from_utf8_lossy(near)
            );
        }
    }
    // The text is still there, escaped: the page shows what the scenario says.
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{what}: round label shown"
    );
}

fn run_ok(args: &[&str]) {
    let o = negsim(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
}

#[test]
fn round_label_with_markup_is_escaped_in_the_report_page() {
    let dir = temp_dir("esc-report");
    let out = dir.join("r.html");
    let f = fixture();
    run_ok(&[
        "report",
        f.to_str().unwrap(),
        "--sensitivity",
        "--runs",
        "100",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_no_live_markup(&std::fs::read_to_string(&out).unwrap(), "report");
}

#[test]
fn round_label_with_markup_is_escaped_in_sensitivity_pages() {
    let dir = temp_dir("esc-sens");
    let f = fixture();
    for method in ["oat", "sobol"] {
        let out = dir.join(format!("{method}.html"));
        let mut args = vec!["sensitivity", f.to_str().unwrap(), "--method", method];
        if method == "sobol" {
            args.extend(["--samples", "8"]);
        }
        args.extend(["--runs", "20", "--report", out.to_str().unwrap()]);
        run_ok(&args);
        assert_no_live_markup(&std::fs::read_to_string(&out).unwrap(), method);
    }
}

#[test]
fn scenario_strings_with_markup_are_escaped_in_sweep_pages() {
    let dir = temp_dir("esc-sweep");
    let f = fixture();
    for format in ["csv", "jsonl"] {
        let out = dir.join(format!("{format}.html"));
        let table = dir.join(format!("t.{format}"));
        run_ok(&[
            "sweep",
            f.to_str().unwrap(),
            "--param",
            "agents.<x-a>.walk_away=0,0.1",
            "--runs",
            "50",
            "--format",
            format,
            "-o",
            table.to_str().unwrap(),
            "--report",
            out.to_str().unwrap(),
        ]);
        assert_no_live_markup(&std::fs::read_to_string(&out).unwrap(), format);
    }
}

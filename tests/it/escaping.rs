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

#[test]
fn scenario_strings_with_markup_are_escaped_in_the_sweep_dot_chart() {
    // A parameter that is not numeric: the page draws one row per point (the dot chart).
    let dir = temp_dir("esc-sweep-dots");
    let f = fixture();
    let out = dir.join("dots.html");
    let table = dir.join("t.csv");
    run_ok(&[
        "sweep",
        f.to_str().unwrap(),
        "--param",
        "agents.<x-a>.strategy=boulware,linear",
        "--runs",
        "30",
        "-o",
        table.to_str().unwrap(),
        "--report",
        out.to_str().unwrap(),
    ]);
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.contains("P(agreement) at each point"), "the dot chart");
    assert_no_live_markup(&page, "dot chart");
}

#[test]
fn standalone_svg_files_escape_scenario_strings_and_stand_alone() {
    let dir = temp_dir("esc-svg-dir");
    let f = fixture();
    let svgs = dir.join("svg");
    run_ok(&[
        "report",
        f.to_str().unwrap(),
        "--sensitivity",
        "--runs",
        "60",
        "-o",
        dir.join("r.html").to_str().unwrap(),
        "--svg-dir",
        svgs.to_str().unwrap(),
    ]);
    let mut all = String::new();
    let mut n = 0;
    for e in std::fs::read_dir(&svgs).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        assert!(text.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""
        ));
        assert!(text.contains(" font-family=\"system-ui"), "fonts named");
        for needle in ["<script", "<x-"] {
            assert!(!text.contains(needle), "live markup in a standalone chart");
        }
        all += &text;
        n += 1;
    }
    assert!(n >= 5, "{n} charts");
    // The charts show the scenario's strings, escaped.
    assert!(all.contains("&lt;x-"), "scenario strings shown");
}

#[test]
fn chart_labels_with_markup_are_escaped_by_every_chart_type() {
    use negsim::report::charts::*;
    let evil = "<script>alert(1)</script>\"'&";
    let data = vec![(Key::Agent, evil.to_string())];
    let line = line_chart(&LineChart {
        id: "l".into(),
        title: evil.into(),
        desc: evil.into(),
        x_label: evil.into(),
        y_label: evil.into(),
        series: vec![Series {
            name: evil.into(),
            points: vec![SeriesPoint {
                x: 1.0,
                y: 0.5,
                band: Some((0.4, 0.6)),
                data: data.clone(),
            }],
        }],
        band_label: Some(evil.into()),
        ..LineChart::default()
    });
    let stacked = stacked_bars(&StackedBars {
        id: "s".into(),
        title: evil.into(),
        categories: vec![evil.into()],
        rows: vec![StackRow {
            label: evil.into(),
            shares: vec![1.0],
            data: vec![data.clone()],
            empty_note: evil.into(),
        }],
        ..StackedBars::default()
    });
    let grouped = grouped_bars(&GroupedBars {
        id: "g".into(),
        title: evil.into(),
        series: vec![evil.into()],
        groups: vec![(
            evil.into(),
            vec![Some(Bar {
                value: 0.5,
                tick: Some(0.2),
                data: data.clone(),
            })],
        )],
        y_range: (0.0, 1.0),
        tick_label: evil.into(),
        ..GroupedBars::default()
    });
    let rows = hchart(&HChart {
        id: "h".into(),
        title: evil.into(),
        y_label: evil.into(),
        series: vec![evil.into()],
        x_range: (0.0, 1.0),
        reference: Some(Reference {
            value: 0.5,
            label: evil.into(),
            data: data.clone(),
        }),
        rows: vec![HRow {
            label: evil.into(),
            detail: evil.into(),
            marks: vec![HMark {
                value: 0.3,
                interval: Some((0.2, 0.4)),
                data,
                tip: evil.into(),
                ..HMark::default()
            }],
            note: evil.into(),
        }],
        ..HChart::default()
    });
    for (what, svg) in [
        ("line", line),
        ("stacked", stacked),
        ("grouped", grouped),
        ("rows", rows),
    ] {
        let svg = svg.into_string();
        assert!(!svg.contains("<script"), "{what}: {svg}");
        assert!(
            svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&amp;"),
            "{what}"
        );
        // In attribute values too: the data attribute is quoted and escaped.
        assert!(
            svg.contains("data-agent=\"&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&amp;\""),
            "{what}"
        );
    }
}

//! Charts beyond the run report: `sweep --report` (the numbers drawn are the table's rows, also
//! after `--resume`), `sensitivity --report` and `report --sensitivity` (the numbers drawn are
//! the JSON report's), and the column widths of the `run` table.

use crate::common::{negsim, split, stderr, stdout, temp_dir};
use crate::html_report::{Tag, num, parse};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// Two agents splitting a pie; A's reservation is uncertain, both may walk out.
fn base() -> String {
    split(
        "runs = 200\nseed = 5\ndeadlines = [3, 6]",
        "reservation = { uniform = [0.2, 0.5] }\nwalk_away = 0.04\nstrategy = \"boulware\"",
        "reservation = 0.3\nwalk_away = 0.02",
    )
}

/// The split with four uncertain numbers, for sensitivity analyses.
fn uncertain() -> String {
    split(
        "runs = 300\nseed = 9\ndeadlines = [4, 8]",
        "reservation = { uniform = [0.3, 0.7] }\nstrategy = \"boulware\"\n\
         walk_away = { uniform = [0, 0.05] }",
        "reservation = { triangular = [0.1, 0.3, 0.5] }\n\
         deadline_belief = { uniform = [0.5, 1.5] }",
    )
}

fn run_ok(args: &[&str]) -> std::process::Output {
    let o = negsim(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    o
}

/// The fields of one CSV line (RFC 4180 quotes), written independently of negsim's reader.
fn csv_line(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The attribute `key` of tag `t`.
fn attr<'a>(t: &'a Tag, key: &str) -> &'a str {
    t.attrs
        .get(key)
        .unwrap_or_else(|| panic!("<{}> has no {key}: {:?}", t.name, t.attrs))
}

/// The tags with attribute `key` equal to `value`.
fn with<'a>(tags: &'a [Tag], key: &str, value: &str) -> Vec<&'a Tag> {
    tags.iter()
        .filter(|t| t.attrs.get(key).is_some_and(|v| v == value))
        .collect()
}

/// For each start tag, the id of the `<svg>` it is in (tags outside charts get "").
fn chart_of(tags: &[Tag]) -> Vec<String> {
    let mut cur = String::new();
    tags.iter()
        .map(|t| {
            if t.name == "svg" {
                cur = attr(t, "id").to_string();
            } else if ["section", "figcaption", "table"].contains(&t.name.as_str()) {
                cur.clear();
            }
            cur.clone()
        })
        .collect()
}

/// The `data-k` cells (value and shown text) after `tags[i]`, up to the next `stop` tag.
fn cells_after(tags: &[Tag], i: usize, stop: &str) -> HashMap<String, (String, String)> {
    tags[i + 1..]
        .iter()
        .take_while(|t| t.name != stop)
        .filter_map(|t| {
            let k = t.attrs.get("data-k")?;
            Some((k.clone(), (t.attrs.get("data-v")?.clone(), t.text.clone())))
        })
        .collect()
}

/// The texts of the `param` cells of table row `i`.
fn param_cells(tags: &[Tag], i: usize) -> Vec<String> {
    tags[i + 1..]
        .iter()
        .take_while(|t| t.name != "tr")
        .filter(|t| t.attrs.get("data-k").is_some_and(|k| k == "param"))
        .map(|t| t.text.clone())
        .collect()
}

/// Checks that the sweep page shows every row of the table: the chart mark of the row (tag
/// `mark_class`) and its line in the page's table carry the row's numbers exactly. `rows[i]`
/// holds the key cells then deadline, p_agreement, ci_low, ci_high, as text.
fn assert_page_shows_rows(html: &str, rows: &[Vec<String>], keys: usize, mark_class: &str) {
    let tags = parse(html);
    let marks: Vec<&Tag> = tags
        .iter()
        .filter(|t| t.attrs.get("class").is_some_and(|c| c == mark_class))
        .collect();
    assert_eq!(marks.len(), rows.len(), "one mark per row");
    for (i, row) in rows.iter().enumerate() {
        let (d, p, lo, hi) = (&row[keys], &row[keys + 1], &row[keys + 2], &row[keys + 3]);
        let m: Vec<&&Tag> = marks
            .iter()
            .filter(|t| attr(t, "data-row") == i.to_string())
            .collect();
        assert_eq!(m.len(), 1, "row {i}");
        assert_eq!(attr(m[0], "data-deadline"), d);
        assert_eq!(num(attr(m[0], "data-p")), num(p), "row {i}");
        assert_eq!(num(attr(m[0], "data-lo")), num(lo), "row {i}");
        assert_eq!(num(attr(m[0], "data-hi")), num(hi), "row {i}");
        let (ti, _) = tags
            .iter()
            .enumerate()
            .find(|(_, t)| t.name == "tr" && t.attrs.get("data-row") == Some(&i.to_string()))
            .unwrap_or_else(|| panic!("table row {i}"));
        assert_eq!(param_cells(&tags, ti), row[..keys], "row {i}");
        let cells = cells_after(&tags, ti, "tr");
        assert_eq!(num(&cells["p_agreement"].0), num(p));
        assert_eq!(cells["p_agreement"].1, format!("{:.3}", num(p)));
        assert_eq!(num(&cells["ci_low"].0), num(lo));
        assert_eq!(num(&cells["ci_high"].0), num(hi));
    }
}

/// The key cells and deadline, p, ci_low, ci_high of every data row of a CSV table.
fn csv_rows(csv: &str, keys: usize) -> Vec<Vec<String>> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let f = csv_line(l);
            let mut r = f[..keys].to_vec();
            r.extend([keys, keys + 3, keys + 4, keys + 5].map(|i| f[i].clone()));
            r
        })
        .collect()
}

#[test]
fn sweep_report_draws_every_row_of_the_csv_one_chart_per_other_value() {
    let dir = temp_dir("chart-sweep");
    let f = dir.join("s.toml");
    std::fs::write(&f, base()).unwrap();
    let (table, page) = (dir.join("t.csv"), dir.join("t.html"));
    let o = run_ok(&[
        "sweep",
        f.to_str().unwrap(),
        "--param",
        "agents.b.strategy=linear,boulware",
        "--param",
        "agents.a.walk_away=0:0.04:0.01",
        "--output",
        table.to_str().unwrap(),
        "--report",
        page.to_str().unwrap(),
    ]);
    assert!(stdout(&o).is_empty());
    let csv = std::fs::read_to_string(&table).unwrap();
    let rows = csv_rows(&csv, 2);
    assert_eq!(rows.len(), 2 * 5 * 2);
    let html = std::fs::read_to_string(&page).unwrap();
    assert_page_shows_rows(&html, &rows, 2, "pt");
    // x is the first numeric parameter; one chart per value of the other, holding its rows.
    let tags = parse(&html);
    let charts = chart_of(&tags);
    let ids: Vec<&str> = tags
        .iter()
        .filter(|t| t.name == "svg")
        .map(|t| attr(t, "id"))
        .collect();
    assert_eq!(ids, ["sweep-chart-0", "sweep-chart-1"]);
    for (t, chart) in tags.iter().zip(&charts) {
        if t.attrs.get("class").is_some_and(|c| c == "pt") {
            let row = &rows[attr(t, "data-row").parse::<usize>().unwrap()];
            let want = if row[0] == "linear" {
                "sweep-chart-0"
            } else {
                "sweep-chart-1"
            };
            assert_eq!(chart, want);
        }
    }
    // The axis names the parameter in the scenario's words (issue 14), the heading gives its
    // path beside the name.
    assert!(
        html.contains(">a · walk-out chance (chance per round)<"),
        "x axis title"
    );
    assert!(html.contains("a · walk-out chance (<code>agents.a.walk_away</code>)"));
    assert!(html.contains("P(agreement) (share of runs)"));
    assert!(html.contains("deadline 6 rounds") && html.contains("95% interval (Wilson)"));
    let lower = html.to_lowercase();
    for s in ["<script", "http://", "https://", "<img", "<link"] {
        assert!(!lower.contains(s), "{s}");
    }
}

#[test]
fn sweep_report_of_json_lines_on_stdout_without_numeric_parameter_is_a_dot_chart() {
    let dir = temp_dir("chart-sweep-cat");
    let f = dir.join("s.toml");
    std::fs::write(&f, base()).unwrap();
    let page = dir.join("c.html");
    let o = run_ok(&[
        "sweep",
        f.to_str().unwrap(),
        "--param",
        "agents.a.reservation=dist:uniform(0.2,0.4),dist:normal(0.3,0.05)",
        "--param",
        "agents.b.strategy=linear,conceder",
        "--format",
        "jsonl",
        "--report",
        page.to_str().unwrap(),
    ]);
    let keys = ["param_agents.a.reservation", "param_agents.b.strategy"];
    let rows: Vec<Vec<String>> = stdout(&o)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let mut r: Vec<String> = keys
                .iter()
                .map(|k| v[k].as_str().unwrap().to_string())
                .collect();
            // serde_json writes back the text it read for these shortest-form numbers.
            r.extend(["deadline", "p_agreement", "ci_low", "ci_high"].map(|k| v[k].to_string()));
            r
        })
        .collect();
    assert_eq!(rows.len(), 4 * 2);
    let html = std::fs::read_to_string(&page).unwrap();
    assert_page_shows_rows(&html, &rows, 2, "mark");
    // One row of the chart per point, labelled by its values.
    assert!(html.contains("dist:uniform(0.2,0.4) · conceder"));
    assert!(html.contains("rows from stdout"));
    let tags = parse(&html);
    assert_eq!(tags.iter().filter(|t| t.name == "svg").count(), 1);
}

#[test]
fn a_resumed_sweep_draws_the_same_page_as_an_uninterrupted_one() {
    let dir = temp_dir("chart-sweep-resume");
    let f = dir.join("s.toml");
    std::fs::write(&f, base()).unwrap();
    let (table, page) = (dir.join("t.csv"), dir.join("t.html"));
    let args = |resume: bool| {
        let mut a = vec![
            "sweep".to_string(),
            f.display().to_string(),
            "--param".into(),
            "agents.a.walk_away=0:0.03:0.01".into(),
            "--runs".into(),
            "150".into(),
            "--output".into(),
            table.display().to_string(),
            "--report".into(),
            page.display().to_string(),
        ];
        if resume {
            a.push("--resume".into());
        }
        a
    };
    let go = |a: Vec<String>| run_ok(&a.iter().map(String::as_str).collect::<Vec<_>>());
    go(args(false));
    let (full_csv, full_html) = (
        std::fs::read(&table).unwrap(),
        std::fs::read(&page).unwrap(),
    );
    // Interrupted after one whole point and half a line of the next.
    let text = String::from_utf8(full_csv.clone()).unwrap();
    let cut: usize = text
        .split_inclusive('\n')
        .take(1 + 2)
        .map(str::len)
        .sum::<usize>()
        + 9;
    std::fs::write(&table, &full_csv[..cut]).unwrap();
    std::fs::remove_file(&page).unwrap();
    go(args(true));
    assert_eq!(std::fs::read(&table).unwrap(), full_csv);
    assert!(
        std::fs::read(&page).unwrap() == full_html,
        "the resumed sweep's page differs"
    );
    let html = String::from_utf8(full_html).unwrap();
    assert_page_shows_rows(&html, &csv_rows(&text, 1), 1, "pt");
}

#[test]
fn sweep_report_refusals_are_invalid_input() {
    let dir = temp_dir("chart-sweep-bad");
    let f = dir.join("s.toml");
    std::fs::write(&f, base()).unwrap();
    let page = dir.join("p.html");
    let (fs, ps) = (f.to_str().unwrap(), page.to_str().unwrap());
    let too_many = [
        "sweep",
        fs,
        "--param",
        "agents.a.walk_away=0:0.5001:0.0001",
        "--report",
        ps,
    ];
    let same = [
        "sweep",
        fs,
        "--param",
        "agents.a.walk_away=0",
        "--output",
        ps,
        "--report",
        ps,
    ];
    let shard = [
        "sweep",
        fs,
        "--param",
        "agents.a.walk_away=0",
        "--shard",
        "0/2",
        "--report",
        ps,
    ];
    for (args, needle) in [
        (&too_many[..], "at most 5000"),
        (&same[..], "would overwrite"),
        (&shard[..], "--shard"),
    ] {
        let o = negsim(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(needle), "{}", stderr(&o));
        assert!(stdout(&o).is_empty());
        assert!(!page.exists());
    }
}

/// Runs `sensitivity` on the four-factor split with `extra` flags, returning the JSON report
/// and the page written by the same invocation.
fn sensitivity_both(tag: &str, extra: &[&str]) -> (Value, String) {
    let dir = temp_dir(tag);
    let f = dir.join("s.toml");
    std::fs::write(&f, uncertain()).unwrap();
    let page = dir.join("s.html");
    let mut args = vec![
        "sensitivity",
        f.to_str().unwrap(),
        "--format",
        "json",
        "--report",
        page.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = run_ok(&args);
    (
        serde_json::from_slice(&o.stdout).unwrap(),
        std::fs::read_to_string(&page).unwrap(),
    )
}

fn f64_of(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The OAT results of `j` are in the page: table rows in order, tornado bars, base line.
fn assert_tornado_matches(tags: &[Tag], j: &Value, drawn: usize) {
    let oat = &j["oat"];
    let rows = oat["rows"].as_array().unwrap();
    let table: Vec<(usize, &Tag)> = tags
        .iter()
        .enumerate()
        .filter(|(i, t)| {
            t.name == "tr"
                && t.attrs.contains_key("data-factor")
                && cells_after(tags, *i, "tr").contains_key("p_low")
        })
        .collect();
    assert_eq!(table.len(), rows.len());
    for ((i, t), r) in table.iter().zip(rows) {
        assert_eq!(attr(t, "data-factor"), r["factor"].as_str().unwrap());
        let c = cells_after(tags, *i, "tr");
        for k in ["low", "high", "p_low", "p_high", "change"] {
            assert_eq!(num(&c[k].0), f64_of(&r[k]), "{k}");
        }
        assert_eq!(num(&c["ci_low"].0), f64_of(&r["ci95"][0]));
        assert_eq!(num(&c["ci_high"].0), f64_of(&r["ci95"][1]));
        assert_eq!(c["gained"].0, r["gained"].to_string());
        assert_eq!(c["lost"].0, r["lost"].to_string());
        assert_eq!(c["p_low"].1, format!("{:.3}", f64_of(&r["p_low"])));
    }
    let highs: Vec<&Tag> = with(tags, "data-end", "high");
    assert_eq!(highs.len(), drawn);
    for (m, r) in highs.iter().zip(rows) {
        assert_eq!(attr(m, "data-factor"), r["factor"].as_str().unwrap());
        assert_eq!(num(attr(m, "data-p")), f64_of(&r["p_high"]));
        assert_eq!(num(attr(m, "data-value")), f64_of(&r["high"]));
        assert_eq!(num(attr(m, "data-change")), f64_of(&r["change"]));
        assert_eq!(num(attr(m, "data-ci-low")), f64_of(&r["ci95"][0]));
        assert_eq!(num(attr(m, "data-ci-high")), f64_of(&r["ci95"][1]));
        let low = with(tags, "data-end", "low")
            .into_iter()
            .find(|t| attr(t, "data-factor") == attr(m, "data-factor"))
            .unwrap();
        assert_eq!(num(attr(low, "data-p")), f64_of(&r["p_low"]));
        assert_eq!(num(attr(low, "data-value")), f64_of(&r["low"]));
    }
    let base = tags
        .iter()
        .find(|t| t.attrs.get("class").is_some_and(|c| c == "reference"))
        .unwrap();
    assert_eq!(num(attr(base, "data-base")), f64_of(&oat["base"]));
}

#[test]
fn sensitivity_report_shows_the_json_numbers_tornado() {
    let (j, html) = sensitivity_both("chart-oat", &["--deadline", "4"]);
    let tags = parse(&html);
    assert_tornado_matches(&tags, &j, 4);
    let meta = |k: &str| attr(with(&tags, "data-k", k)[0], "data-v").to_string();
    assert_eq!(meta("evaluations"), j["evaluations"].to_string());
    assert_eq!(
        meta("runs_per_evaluation"),
        j["runs_per_evaluation"].to_string()
    );
    assert_eq!(num(&meta("base")), f64_of(&j["oat"]["base"]));
    // The factors table.
    let start = tags
        .iter()
        .position(|t| t.attrs.get("id").is_some_and(|i| i == "factors"))
        .unwrap();
    for fac in j["factors"].as_array().unwrap() {
        let i = start
            + tags[start..]
                .iter()
                .position(|t| {
                    t.name == "tr"
                        && t.attrs.get("data-factor").map(String::as_str) == fac["name"].as_str()
                })
                .unwrap();
        let c = cells_after(&tags, i, "tr");
        for k in ["low", "high", "mean"] {
            assert_eq!(num(&c[k].0), f64_of(&fac[k]), "{k}");
        }
    }
    assert!(html.contains("What moves P(agreement within 4 rounds)"));
    let cmd = &tags
        .iter()
        .find(|t| t.attrs.get("id").is_some_and(|i| i == "command"))
        .unwrap()
        .text;
    assert!(
        cmd.contains("--method oat --deadline 4 --runs 300 --seed 9"),
        "{cmd}"
    );
}

#[test]
fn sensitivity_report_shows_the_json_numbers_sobol() {
    let (j, html) = sensitivity_both(
        "chart-sobol",
        &["--method", "sobol", "--samples", "24", "--runs", "16"],
    );
    let tags = parse(&html);
    let rows = j["sobol"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    for r in rows {
        let f = r["factor"].as_str().unwrap();
        for (k, ci) in [("s1", "s1_ci95"), ("st", "st_ci95")] {
            let bar: Vec<&Tag> = with(&tags, "data-index", k)
                .into_iter()
                .filter(|t| attr(t, "data-factor") == f)
                .collect();
            assert_eq!(bar.len(), 1, "{f} {k}");
            assert_eq!(num(attr(bar[0], "data-v")), f64_of(&r[k]));
            assert_eq!(num(attr(bar[0], "data-lo")), f64_of(&r[ci][0]));
            assert_eq!(num(attr(bar[0], "data-hi")), f64_of(&r[ci][1]));
        }
        let (i, _) = tags
            .iter()
            .enumerate()
            .find(|(_, t)| t.name == "tr" && t.attrs.get("data-factor").is_some_and(|x| x == f))
            .unwrap();
        let c = cells_after(&tags, i, "tr");
        assert_eq!(num(&c["s1"].0), f64_of(&r["s1"]));
        assert_eq!(num(&c["st_high"].0), f64_of(&r["st_ci95"][1]));
    }
    let v = with(&tags, "data-k", "variance");
    assert_eq!(num(attr(v[0], "data-v")), f64_of(&j["sobol"]["variance"]));
    assert!(html.contains("Sobol indices of P(agreement within 8 rounds)"));
}

#[test]
fn undefined_sobol_indices_are_written_as_null_and_not_drawn() {
    // Nothing decides anything: no zone of agreement whatever the factors do.
    let src = split(
        "runs = 50\nseed = 1\ndeadlines = [3]",
        "reservation = { uniform = [0.95, 1.0] }",
        "reservation = { uniform = [0.95, 1.0] }",
    );
    let dir = temp_dir("chart-sobol-nan");
    let f = dir.join("s.toml");
    std::fs::write(&f, src).unwrap();
    let page = dir.join("n.html");
    run_ok(&[
        "sensitivity",
        f.to_str().unwrap(),
        "--method",
        "sobol",
        "--samples",
        "8",
        "--runs",
        "4",
        "--report",
        page.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    let tags = parse(&html);
    assert!(with(&tags, "data-index", "s1").is_empty());
    let s1 = with(&tags, "data-k", "s1");
    assert_eq!(s1.len(), 2);
    assert!(
        s1.iter()
            .all(|t| attr(t, "data-v") == "null" && t.text == "n/a")
    );
    assert!(html.contains("n/a: P(agreement) does not vary"));
}

#[test]
fn the_tornado_draws_the_twenty_largest_changes_and_lists_all() {
    let dir = temp_dir("chart-oat-many");
    let page = dir.join("b.html");
    let o = run_ok(&[
        "sensitivity",
        "--runs",
        "40",
        "--deadline",
        "4",
        "--format",
        "json",
        "--report",
        page.to_str().unwrap(),
    ]);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let k = j["factors"].as_array().unwrap().len();
    assert!(k > 20, "{k}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_tornado_matches(&parse(&html), &j, 20);
    assert!(html.contains(&format!("the 20 largest of the {k} factors")));
}

fn report_html(dir: &Path, f: &Path, extra: &[&str]) -> String {
    let out = dir.join("r.html");
    let mut args = vec![
        "report",
        f.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run_ok(&args);
    std::fs::read_to_string(&out).unwrap()
}

#[test]
fn report_sensitivity_section_equals_the_sensitivity_command() {
    let dir = temp_dir("chart-report-sens");
    let f = dir.join("s.toml");
    std::fs::write(&f, uncertain()).unwrap();
    // The report's 1500 runs are capped at 1000 per evaluation, at its longest deadline.
    let html = report_html(
        &dir,
        &f,
        &[
            "--runs",
            "1500",
            "--deadlines",
            "3,6",
            "--seed",
            "4",
            "--sensitivity",
        ],
    );
    let o = run_ok(&[
        "sensitivity",
        f.to_str().unwrap(),
        "--runs",
        "1000",
        "--deadline",
        "6",
        "--seed",
        "4",
        "--format",
        "json",
    ]);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let tags = parse(&html);
    assert_tornado_matches(&tags, &j, 4);
    assert!(
        with(&tags, "href", "#sensitivity").len() == 1,
        "listed in the contents"
    );
    assert!(html.contains("--sensitivity</code>"), "in the command");
    // Without the flag there is no such section.
    let plain = report_html(&dir, &f, &["--runs", "100"]);
    assert!(!plain.contains("id=\"sensitivity\""));
    // Without uncertain numbers the section says why it is empty.
    let fixed = dir.join("fixed.toml");
    std::fs::write(&fixed, split("deadlines = [3]", "", "")).unwrap();
    let html = report_html(&dir, &fixed, &["--runs", "50", "--sensitivity"]);
    assert!(html.contains("No tornado: the scenario has no uncertain numbers"));
}

#[test]
fn run_table_columns_fit_long_round_labels() {
    // Labour talks count sessions: "12 sessions" and "mean session" are wider than the
    // usual columns.
    let o = run_ok(&[
        "run",
        "scenarios/labour-contract.toml",
        "--runs",
        "50",
        "--deadlines",
        "3,12",
    ]);
    let out = stdout(&o);
    let lines: Vec<&str> = out
        .lines()
        .skip_while(|l| !(l.trim_start().starts_with("deadline") && l.contains("agreements")))
        .take(3)
        .collect();
    assert!(lines[2].trim_start().starts_with("12 "), "{out}");
    assert!(lines[0].contains("mean session"), "{out}");
    // Right-aligned columns: every line ends at the same place, and so does each column.
    let ends = |l: &str| -> Vec<usize> {
        let b = l.as_bytes();
        (0..b.len())
            .filter(|&i| b[i] != b' ' && (i + 1 == b.len() || b[i + 1] == b' '))
            .filter(|&i| i + 2 >= b.len() || b[i + 1..].starts_with(b"  "))
            .collect()
    };
    let header = ends(lines[0]);
    assert_eq!(header.len(), 6, "{}", lines[0]);
    for l in &lines[1..] {
        assert_eq!(ends(l), header, "\n{}\n{l}", lines[0]);
    }
}

#[test]
fn sweep_report_draws_every_point_without_reading_the_table_back() {
    // The page is drawn from the rows kept in memory: a table sent to /dev/null (or a FIFO,
    // or a file another process rewrites) still gives a page with every point.
    let dir = temp_dir("chart-devnull");
    let f = dir.join("s.toml");
    std::fs::write(&f, base()).unwrap();
    let page = dir.join("r.html");
    let o = negsim(&[
        "sweep",
        f.to_str().unwrap(),
        "--param",
        "agents.a.walk_away=0,0.05,0.1",
        "--runs",
        "50",
        "-o",
        "/dev/null",
        "--report",
        page.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).unwrap();
    let rows = html.matches("data-row=\"").count();
    assert!(rows >= 3, "{rows} rows drawn");
    assert!(
        !html.contains("stopped early"),
        "the page says points are missing"
    );
}

/// Defect 5 of issue 13: the rows of a sweep or batch never show the outcome-space analysis,
/// so `tidy::row_reports` must not compute it (it cost more than a short simulation on a large
/// outcome space). Without the analysis the distance fields stay empty; the full report of the
/// same outcome has them, and every number the rows do show is the same.
#[test]
fn sweep_rows_are_summarized_without_the_outcome_space_analysis() {
    use negsim::engine::montecarlo::{Control, Settings, simulate};
    use negsim::{Model, Report};
    let sc = crate::common::scenario(&base());
    let model = Model::new(&sc);
    let settings = Settings {
        seed: 5,
        deadlines: vec![3, 6],
        runs: 0..200,
    };
    let outcome = simulate(&model, &settings, &Control::default());
    let rows = negsim::study::tidy::row_reports(&model, &outcome);
    let full = Report::new(&model, 5, 200, &outcome);
    assert_eq!(rows.len(), 2);
    for (r, f) in rows.iter().zip(&full.deadlines) {
        assert!(f.agreements > 0 && f.mean_distance_pareto.is_some());
        assert_eq!(r.mean_distance_pareto, None);
        assert_eq!(r.mean_distance_nash, None);
        assert_eq!(
            (r.agreements, r.p_agreement, r.ci95, r.walkouts),
            (f.agreements, f.p_agreement, f.ci95, f.walkouts)
        );
    }
}

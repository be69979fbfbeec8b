//! `negsim report`: the HTML shows the JSON report's numbers, is self-contained and well
//! formed, and reproduces itself from the command it prints.

use crate::common::{negsim, negsim_env, stderr, stdout, temp_dir};
use negsim::report::charts::{Key, LineChart, Series, SeriesPoint, line_chart};
use serde_json::Value;
use std::collections::HashMap;

/// One start tag: its name, attributes and the text right after it (up to the next tag).
#[derive(Debug, Clone)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) attrs: HashMap<String, String>,
    pub(crate) text: String,
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A small scanner for the HTML negsim writes (attributes always double-quoted); it also
/// checks that every element is closed in order. Returns the start tags.
pub(crate) fn parse(html: &str) -> Vec<Tag> {
    const VOID: [&str; 4] = ["meta", "br", "wbr", "!DOCTYPE"];
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').expect("every tag is closed by >");
        let inner = &rest[..end];
        let after = &rest[end + 1..];
        let text = unescape(&after[..after.find('<').unwrap_or(after.len())]);
        rest = after;
        if let Some(name) = inner.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
            continue;
        }
        let self_closing = inner.ends_with('/');
        let inner = inner.trim_end_matches('/');
        let name_end = inner.find([' ', '\n']).unwrap_or(inner.len());
        let name = inner[..name_end].to_string();
        let mut attrs = HashMap::new();
        let mut a = &inner[name_end..];
        while let Some(eq) = a.find("=\"") {
            let key = a[..eq].trim().to_string();
            let v_end = a[eq + 2..].find('"').expect("attribute value closed");
            attrs.insert(key, unescape(&a[eq + 2..eq + 2 + v_end]));
            a = &a[eq + 2 + v_end + 1..];
        }
        if !self_closing && !VOID.contains(&name.as_str()) {
            stack.push(name.clone());
        }
        out.push(Tag { name, attrs, text });
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    out
}

fn with<'a>(tags: &'a [Tag], key: &str, value: &str) -> Vec<&'a Tag> {
    tags.iter()
        .filter(|t| t.attrs.get(key).is_some_and(|v| v == value))
        .collect()
}

/// Parses a number shown in the HTML with the same parser as the JSON report (serde_json's
/// float parsing is not always correctly rounded, so both sides must go through it: equal
/// text then gives equal values).
pub(crate) fn num(v: &str) -> f64 {
    serde_json::from_str(v).unwrap_or_else(|_| panic!("not a number: {v}"))
}

/// The numeric cells (data-k, data-v) inside the row or cell starting at `tags[i]`.
fn cells_after(tags: &[Tag], i: usize, stop: &str) -> HashMap<String, (String, String)> {
    let mut m = HashMap::new();
    for t in &tags[i + 1..] {
        if t.name == stop {
            break;
        }
        if let (Some(k), Some(v)) = (t.attrs.get("data-k"), t.attrs.get("data-v")) {
            m.insert(k.clone(), (v.clone(), t.text.clone()));
        }
    }
    m
}

fn json_f(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// The JSON report and the HTML report of the same settings.
fn both(scenario: &str, extra: &[&str], tag: &str) -> (Value, String, std::path::PathBuf) {
    let dir = temp_dir(tag);
    let out = dir.join("report.html");
    let mut args = vec!["report", scenario, "--output", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = negsim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    let mut args = vec!["run", scenario, "--format", "json"];
    args.extend_from_slice(extra);
    let o = negsim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    (serde_json::from_slice(&o.stdout).unwrap(), html, out)
}

#[test]
fn every_number_shown_equals_the_json_report() {
    let (j, html, _) = both(
        "scenarios/labour-contract.toml",
        &["--runs", "700", "--seed", "11", "--deadlines", "2,3,6,12"],
        "html-numbers",
    );
    let tags = parse(&html);
    let deadlines = j["deadlines"].as_array().unwrap();
    assert_eq!(deadlines.len(), 4);
    for d in deadlines {
        let dl = d["deadline"].to_string();
        // Summary table: exact values and the text shown.
        let (i, _) = tags
            .iter()
            .enumerate()
            .find(|(_, t)| {
                t.name == "tr" && t.attrs.get("data-deadline") == Some(&dl) && t.attrs.len() == 1
            })
            .expect("summary row");
        let cells = cells_after(&tags, i, "tr");
        for k in ["runs", "agreements", "walkouts", "expired"] {
            assert_eq!(cells[k].0, d[k].to_string(), "{k} at {dl}");
            assert_eq!(cells[k].1, d[k].to_string());
        }
        let p = d["p_agreement"].as_f64().unwrap();
        assert_eq!(num(&cells["p_agreement"].0), p);
        assert_eq!(cells["p_agreement"].1, format!("{p:.3}"));
        assert_eq!(num(&cells["ci_low"].0), d["ci95"][0].as_f64().unwrap());
        assert_eq!(
            cells["ci_high"].1,
            format!("{:.3}", d["ci95"][1].as_f64().unwrap())
        );
        match json_f(&d["mean_round"]) {
            Some(m) => assert_eq!(num(&cells["mean_round"].0), m),
            None => assert_eq!(cells["mean_round"].0, "null"),
        }
        // P(agreement) chart point.
        let pts: Vec<&Tag> = with(&tags, "data-deadline", &dl)
            .into_iter()
            .filter(|t| t.attrs.contains_key("data-p"))
            .collect();
        assert_eq!(pts.len(), 1);
        assert_eq!(num(&pts[0].attrs["data-p"]), p);
        assert_eq!(
            num(&pts[0].attrs["data-lo"]),
            d["ci95"][0].as_f64().unwrap()
        );
        assert_eq!(
            num(&pts[0].attrs["data-hi"]),
            d["ci95"][1].as_f64().unwrap()
        );
        // How the runs ended: segments' counts.
        let seg = |end: &str| -> u64 {
            let s: Vec<&Tag> = tags
                .iter()
                .filter(|t| {
                    t.attrs.get("data-deadline") == Some(&dl)
                        && t.attrs.get("data-end").is_some_and(|e| e == end)
                })
                .collect();
            assert_eq!(s.len(), 1, "{end}");
            s[0].attrs["data-count"].parse().unwrap()
        };
        assert_eq!(seg("agreement"), d["agreements"].as_u64().unwrap());
        assert_eq!(seg("expired"), d["expired"].as_u64().unwrap());
        for (agent, c) in d["walkouts_by"].as_object().unwrap() {
            if j["deadlines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["walkouts_by"][agent].as_u64() > Some(0))
            {
                assert_eq!(seg(&format!("walkout:{agent}")), c.as_u64().unwrap());
            }
        }
        // Option shares.
        for (term, opts) in d["option_shares"].as_object().unwrap() {
            for (opt, share) in opts.as_object().unwrap() {
                let s: Vec<&Tag> = tags
                    .iter()
                    .filter(|t| {
                        t.attrs.get("data-deadline") == Some(&dl)
                            && t.attrs.get("data-term") == Some(term)
                            && t.attrs.get("data-option") == Some(opt)
                    })
                    .collect();
                assert_eq!(s.len(), 1);
                assert_eq!(num(&s[0].attrs["data-share"]), share.as_f64().unwrap());
            }
        }
        // Agents' utilities: bars and table.
        for (agent, o) in d["agents"].as_object().unwrap() {
            let bars: Vec<&Tag> = tags
                .iter()
                .filter(|t| {
                    t.name == "rect"
                        && t.attrs.get("data-deadline") == Some(&dl)
                        && t.attrs.get("data-agent") == Some(agent)
                })
                .collect();
            match o["mean_utility"].as_f64() {
                None => assert!(bars.is_empty()),
                Some(u) => {
                    assert_eq!(num(&bars[0].attrs["data-mean-utility"]), u);
                    assert_eq!(
                        num(&bars[0].attrs["data-mean-gain"]),
                        o["mean_gain"].as_f64().unwrap()
                    );
                }
            }
        }
        // Distances.
        let (i, _) = tags
            .iter()
            .enumerate()
            .filter(|(_, t)| t.name == "tr" && t.attrs.get("data-deadline") == Some(&dl))
            .find(|(i, _)| cells_after(&tags, *i, "tr").contains_key("mean_distance_pareto"))
            .expect("distance row");
        let cells = cells_after(&tags, i, "tr");
        for k in ["mean_distance_pareto", "mean_distance_nash"] {
            match d[k].as_f64() {
                Some(v) => {
                    assert_eq!(num(&cells[k].0), v);
                    assert_eq!(cells[k].1, format!("{v:.3}"));
                }
                None => assert_eq!(cells[k].0, "null"),
            }
        }
    }
    // Utility table: one row per agent, a cell per deadline.
    let union_row = tags
        .iter()
        .position(|t| {
            t.name == "tr"
                && t.attrs.get("data-agent").is_some_and(|a| a == "union")
                && t.attrs.len() == 1
        })
        .unwrap();
    assert!(
        tags[union_row..]
            .iter()
            .any(|t| t.attrs.get("data-k").is_some_and(|k| k == "mean_utility"))
    );
    // Outcome-space solutions.
    let os = &j["outcome_space"];
    assert_eq!(os["computed"], true);
    let size = with(&tags, "data-k", "pareto_size");
    assert_eq!(size[0].attrs["data-v"], os["pareto_size"].to_string());
    for key in ["nash", "kalai_smorodinsky", "max_welfare"] {
        let i = tags
            .iter()
            .position(|t| t.attrs.get("data-solution").is_some_and(|s| s == key))
            .unwrap();
        for (agent, u) in os[key]["utilities"].as_object().unwrap() {
            let cell = tags[i + 1..]
                .iter()
                .take_while(|t| t.name != "tr")
                .find(|t| t.attrs.get("data-agent") == Some(agent))
                .unwrap();
            assert_eq!(num(&cell.attrs["data-v"]), u.as_f64().unwrap());
        }
    }
    // The plane shows the Nash point at the axis agents' utilities (union, employer).
    let nash = with(&tags, "data-point", "nash");
    assert_eq!(nash.len(), 1);
    assert_eq!(
        num(&nash[0].attrs["data-x"]),
        os["nash"]["utilities"]["union"].as_f64().unwrap()
    );
    // Agreements drawn in the plane add up to all agreements over the deadlines.
    let drawn: u64 = tags
        .iter()
        .filter(|t| t.attrs.get("class").is_some_and(|c| c == "agreement"))
        .map(|t| t.attrs["data-count"].parse::<u64>().unwrap())
        .sum();
    let total: u64 = deadlines
        .iter()
        .map(|d| d["agreements"].as_u64().unwrap())
        .sum();
    assert_eq!(drawn, total);
}

#[test]
fn the_html_is_self_contained() {
    let (_, html, _) = both(
        "scenarios/two-party-split.toml",
        &["--runs", "300"],
        "html-selfcontained",
    );
    let tags = parse(&html);
    for forbidden in ["script", "link", "img", "iframe", "object", "embed"] {
        assert!(tags.iter().all(|t| t.name != forbidden), "<{forbidden}>");
    }
    let lower = html.to_lowercase();
    for s in [
        "http://",
        "https://",
        "@import",
        "@font-face",
        "javascript:",
        "src=",
    ] {
        assert!(!lower.contains(s), "{s}");
    }
    // Only in-document references (patterns).
    for (i, _) in lower.match_indices("url(") {
        assert_eq!(&lower[i + 4..i + 5], "#", "{}", &lower[i..i + 20]);
    }
    // Every chart has a visible title and a legend or axis labels.
    let charts: Vec<&Tag> = tags.iter().filter(|t| t.name == "svg").collect();
    assert!(charts.len() >= 4);
    assert!(
        charts
            .iter()
            .all(|c| c.attrs.contains_key("aria-labelledby"))
    );
    assert!(html.contains("Probability of agreement by deadline"));
    assert!(html.contains("deadline (rounds)"));
}

#[test]
fn the_printed_command_reproduces_the_file_byte_for_byte_on_any_thread_count() {
    let dir = temp_dir("html-repro");
    let out = dir.join("r.html");
    let o = negsim_env(
        &[
            "report",
            "scenarios/two-party-split.toml",
            "--runs",
            "500",
            "--seed",
            "4",
            "--output",
            out.to_str().unwrap(),
        ],
        &[("RAYON_NUM_THREADS", "1")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let first = std::fs::read(&out).unwrap();
    let html = String::from_utf8(first.clone()).unwrap();
    let tags = parse(&html);
    let cmd = &tags
        .iter()
        .find(|t| t.attrs.get("id").is_some_and(|i| i == "command"))
        .unwrap()
        .text;
    let words: Vec<&str> = cmd.split(' ').collect();
    assert_eq!(&words[..2], ["negsim", "report"]);
    assert!(cmd.contains("--seed 4") && cmd.contains("--runs 500") && cmd.contains("--axes a,b"));
    std::fs::remove_file(&out).unwrap();
    let o = negsim_env(&words[1..], &[("RAYON_NUM_THREADS", "2")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), first);
}

#[test]
fn bundled_scenario_report_with_chosen_axes() {
    let dir = temp_dir("html-bundled");
    let out = dir.join("u.html");
    let o = negsim(&[
        "report",
        "--runs",
        "300",
        "--axes",
        "ukraine,europe",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    parse(&html);
    assert!(html.contains("utility of ukraine (0–1)"));
    assert!(html.contains("utility of europe (0–1)"));
    // Three signatories: the note says the points are computed over all of them.
    assert!(html.contains("computed over all signatories (us, russia, ukraine, europe)"));
    // Red-lined packages are drawn apart.
    assert!(html.contains("class=\"outcome red-line\""));
}

#[test]
fn bad_axes_are_invalid_input() {
    let dir = temp_dir("html-axes");
    let out = dir.join("x.html");
    let o = negsim(&[
        "report",
        "--axes",
        "russia,ukriane",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `ukraine`"),
        "{}",
        stderr(&o)
    );
    let o = negsim(&[
        "report",
        "--axes",
        "russia",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = negsim(&[
        "report",
        "--axes",
        "russia,russia",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
    assert!(stdout(&o).is_empty());
}

#[test]
fn line_chart_draws_every_series_with_its_band() {
    let series = (0..3)
        .map(|s| Series {
            name: format!("deadline {s}"),
            points: (0..4)
                .map(|i| SeriesPoint {
                    x: f64::from(i) * 0.5,
                    y: 0.2 * f64::from(s) + 0.05 * f64::from(i),
                    band: (s != 1).then_some((0.1 * f64::from(s), 0.1 * f64::from(s) + 0.2)),
                    data: vec![(
                        Key::P,
                        (0.2 * f64::from(s) + 0.05 * f64::from(i)).to_string(),
                    )],
                })
                .collect(),
        })
        .collect();
    let svg = line_chart(&LineChart {
        id: "sweep".into(),
        title: "P(agreement) against walk_away".into(),
        x_label: "walk_away (chance per round)".into(),
        y_label: "P(agreement)".into(),
        series,
        y_range: Some((0.0, 1.0)),
        band_label: Some("95% interval".into()),
        ..LineChart::default()
    })
    .into_string();
    let tags = parse(&svg);
    assert_eq!(
        tags.iter()
            .filter(|t| t.attrs.get("class").is_some_and(|c| c == "band"))
            .count(),
        2
    );
    assert_eq!(
        tags.iter()
            .filter(|t| t.attrs.get("class").is_some_and(|c| c == "pt"))
            .count(),
        12
    );
    // Three series, three colours, three marker shapes.
    let pts: Vec<&Tag> = tags
        .iter()
        .filter(|t| t.attrs.get("class").is_some_and(|c| c == "pt"))
        .collect();
    let fills: std::collections::HashSet<&str> =
        pts.iter().map(|t| t.attrs["fill"].as_str()).collect();
    let shapes: std::collections::HashSet<&str> = pts.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(fills.len(), 3);
    assert!(shapes.len() >= 2, "{shapes:?}");
    for s in [
        "deadline 0",
        "deadline 2",
        "95% interval",
        "walk_away (chance per round)",
    ] {
        assert!(svg.contains(s), "{s}");
    }
}

#[test]
fn huge_outcome_spaces_are_reported_as_skipped() {
    let dir = temp_dir("html-huge");
    let src = dir.join("huge.toml");
    std::fs::write(&src, crate::analysis::huge()).unwrap();
    let out = dir.join("h.html");
    let o = negsim(&[
        "report",
        src.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    let tags = parse(&html);
    assert!(
        tags.iter()
            .any(|t| t.attrs.get("id").is_some_and(|i| i == "analysis-skipped"))
    );
    assert!(html.contains("are too many to draw"));
    assert!(tags.iter().all(|t| !t.attrs.contains_key("data-point")));
}

#[test]
fn svg_dir_writes_every_chart_as_a_standalone_svg_file() {
    let dir = temp_dir("svg-dir");
    let page = dir.join("r.html");
    let charts = dir.join("charts");
    let f = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/labour-contract.toml");
    let o = negsim(&[
        "report",
        f.to_str().unwrap(),
        "--runs",
        "200",
        "-o",
        page.to_str().unwrap(),
        "--svg-dir",
        charts.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&charts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), html.matches("<svg ").count(), "{names:?}");
    assert!(names.contains(&"chart-p.svg".to_string()), "{names:?}");
    for n in &names {
        let text = std::fs::read_to_string(charts.join(n)).unwrap();
        // Well-formed XML on its own, in the SVG namespace, with its fonts named.
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{n}: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{n}");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg"),
            "{n}"
        );
        assert!(
            root.attribute("font-family")
                .is_some_and(|f| f.contains("sans-serif")),
            "{n}"
        );
        assert_eq!(format!("{}.svg", root.attribute("id").unwrap()), *n);
    }
}

//! The JSON Schemas of `schemas/` hold for real output of every JSON-writing command.
//!
//! The check is a small structural validator for the subset of JSON Schema 2020-12 that the
//! schemas use (type, properties, required, additionalProperties, items, prefixItems,
//! minItems, maxItems, enum, const, minimum, maximum, $ref to #/$defs); it refuses any other
//! keyword, so a schema cannot use one that goes unchecked. (The `jsonschema` crate, without
//! default features, would add 63 crates to the test build.)

use crate::common::{negsim, stderr, stdout, temp_dir};
use serde_json::{Map, Value};
use std::path::Path;

const ANNOTATIONS: [&str; 5] = ["$schema", "$id", "title", "description", "$defs"];

/// The errors of `v` against `schema` (empty when it validates), each at its JSON path.
fn errors(root: &Value, schema: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
    let s = schema.as_object().expect("a schema is an object");
    for key in s.keys() {
        let known = [
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "prefixItems",
            "minItems",
            "maxItems",
            "enum",
            "const",
            "minimum",
            "maximum",
            "$ref",
        ];
        assert!(
            known.contains(&key.as_str()) || ANNOTATIONS.contains(&key.as_str()),
            "the checker does not know the keyword `{key}`"
        );
    }
    if let Some(r) = s.get("$ref") {
        let name = r
            .as_str()
            .unwrap()
            .strip_prefix("#/$defs/")
            .expect("local refs");
        return errors(root, &root["$defs"][name], v, at, out);
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
            _ => panic!("bad type"),
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            "number" => v.is_number(),
            "integer" => v.is_i64() || v.is_u64(),
            other => panic!("unknown type {other}"),
        });
        if !ok {
            out.push(format!("{at}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        out.push(format!("{at}: {v} is not {c}"));
    }
    if let Some(e) = s.get("enum")
        && !e.as_array().unwrap().contains(v)
    {
        out.push(format!("{at}: {v} is not one of {e}"));
    }
    if let Some(x) = v.as_f64() {
        if let Some(m) = s.get("minimum").and_then(Value::as_f64)
            && x < m
        {
            out.push(format!("{at}: {x} is below {m}"));
        }
        if let Some(m) = s.get("maximum").and_then(Value::as_f64)
            && x > m
        {
            out.push(format!("{at}: {x} is above {m}"));
        }
    }
    if let Some(obj) = v.as_object() {
        object_errors(root, s, obj, at, out);
    }
    if let Some(items) = v.as_array() {
        let n = items.len() as u64;
        if s.get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| n < m)
        {
            out.push(format!("{at}: {n} items, too few"));
        }
        if s.get("maxItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| n > m)
        {
            out.push(format!("{at}: {n} items, too many"));
        }
        let prefix = s.get("prefixItems").and_then(Value::as_array);
        let plen = prefix.map_or(0, Vec::len);
        for (i, item) in items.iter().enumerate() {
            let here = format!("{at}[{i}]");
            match prefix.and_then(|p| p.get(i)) {
                Some(p) => errors(root, p, item, &here, out),
                None if i >= plen => {
                    if let Some(is) = s.get("items") {
                        errors(root, is, item, &here, out);
                    }
                }
                None => {}
            }
        }
    }
}

fn object_errors(
    root: &Value,
    s: &Map<String, Value>,
    obj: &Map<String, Value>,
    at: &str,
    out: &mut Vec<String>,
) {
    for r in s
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let r = r.as_str().unwrap();
        if !obj.contains_key(r) {
            out.push(format!("{at}: `{r}` is missing"));
        }
    }
    let props = s.get("properties").and_then(Value::as_object);
    for (k, x) in obj {
        let here = format!("{at}.{k}");
        match (props.and_then(|p| p.get(k)), s.get("additionalProperties")) {
            (Some(p), _) => errors(root, p, x, &here, out),
            (None, Some(Value::Bool(false))) => out.push(format!("{here}: not allowed")),
            (None, Some(extra @ Value::Object(_))) => errors(root, extra, x, &here, out),
            (None, _) => {}
        }
    }
}

fn schema(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Asserts that `text` (one JSON document) validates against `schemas/name`.
fn check(name: &str, text: &str) {
    let root = schema(name);
    check_value(&root, &root, &serde_json::from_str(text).unwrap(), name);
}

fn check_value(root: &Value, s: &Value, v: &Value, what: &str) {
    let mut out = Vec::new();
    errors(root, s, v, "$", &mut out);
    assert!(out.is_empty(), "{what}:\n{}", out.join("\n"));
}

/// Asserts that every line of `text` validates against `schemas/name`; returns the count.
fn check_lines(name: &str, text: &str) -> usize {
    let root = schema(name);
    for l in text.lines() {
        check_value(&root, &root, &serde_json::from_str(l).unwrap(), name);
    }
    text.lines().count()
}

fn ok(args: &[&str]) -> String {
    let o = negsim(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

#[test]
fn run_and_merge_reports_follow_the_report_schema() {
    for file in [
        "scenarios/two-party-split.toml",
        "scenarios/labour-contract.toml",
        "scenarios/ukraine-peace-2025.toml",
    ] {
        check(
            "report.schema.json",
            &ok(&["run", file, "--runs", "300", "--format", "json", "-q"]),
        );
    }
    let dir = temp_dir("schemas-merge");
    let mut parts = Vec::new();
    for k in 0..2 {
        let p = dir.join(format!("p{k}.json"));
        let shard = format!("{k}/2");
        let p_str = p.to_str().unwrap();
        ok(&[
            "run",
            "scenarios/labour-contract.toml",
            "--runs",
            "200",
            "--shard",
            &shard,
            "-o",
            p_str,
            "-q",
        ]);
        check("part.schema.json", &std::fs::read_to_string(&p).unwrap());
        parts.push(p_str.to_string());
    }
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    let mut json = args.clone();
    json.extend(["--format", "json"]);
    check("report.schema.json", &ok(&json));
    let mut part = args;
    part.extend(["--format", "part"]);
    check("part.schema.json", &ok(&part));
    let worlds = dir.join("worlds.json");
    ok(&[
        "run",
        "--worlds",
        "8",
        "--runs",
        "80",
        "--shard",
        "1/2",
        "-o",
        worlds.to_str().unwrap(),
        "-q",
    ]);
    let text = std::fs::read_to_string(&worlds).unwrap();
    assert!(text.contains("\"run_agreements\""));
    check("part.schema.json", &text);
}

#[test]
fn sweep_parts_and_tables_follow_their_schemas() {
    let sweep = [
        "sweep",
        "scenarios/two-party-split.toml",
        "--param",
        "agents.a.reservation=0,0.2,dist:uniform(0.1,0.3)",
        "--param",
        "simulation.protocol=alternating,mediated",
        "--param",
        "simulation.mediator=b",
        "--runs",
        "60",
        "-q",
    ];
    let mut part = sweep.to_vec();
    part.extend(["--shard", "0/1"]);
    let text = ok(&part);
    let root = schema("sweep.schema.json");
    let mut lines = text.lines();
    check_value(
        &root,
        &root,
        &serde_json::from_str(lines.next().unwrap()).unwrap(),
        "sweep header",
    );
    let point = &root["$defs"]["point"];
    let mut points = 0;
    for l in lines {
        check_value(
            &root,
            point,
            &serde_json::from_str(l).unwrap(),
            "sweep point",
        );
        points += 1;
    }
    assert_eq!(points, 6);
    let mut jsonl = sweep.to_vec();
    jsonl.extend(["--format", "jsonl"]);
    let rows = ok(&jsonl);
    // 6 points at the scenario's 4 deadlines.
    assert_eq!(check_lines("table-row.schema.json", &rows), 6 * 4);
    let batch = ok(&[
        "batch",
        "scenarios",
        "--runs",
        "50",
        "--format",
        "jsonl",
        "-q",
    ]);
    assert!(check_lines("table-row.schema.json", &batch) >= 3);
}

#[test]
fn sensitivity_and_per_run_follow_their_schemas() {
    for method in [
        &["--method", "oat"][..],
        &["--method", "sobol", "--samples", "4"],
    ] {
        let mut args = vec!["sensitivity", "--runs", "8", "--deadline", "12"];
        args.extend(method);
        args.extend(["--format", "json"]);
        let text = ok(&args);
        check("sensitivity.schema.json", &text);
    }
    let dir = temp_dir("schemas-per-run");
    let p = dir.join("runs.jsonl");
    ok(&[
        "run",
        "--runs",
        "40",
        "--deadlines",
        "26",
        "--per-run",
        p.to_str().unwrap(),
        "-q",
        "-o",
        dir.join("report.json").to_str().unwrap(),
    ]);
    let rows = std::fs::read_to_string(&p).unwrap();
    assert_eq!(check_lines("per-run-row.schema.json", &rows), 40);
}

#[test]
fn the_checker_finds_what_is_wrong() {
    let root = schema("report.schema.json");
    let good: Value = serde_json::from_str(&ok(&[
        "run",
        "scenarios/two-party-split.toml",
        "--runs",
        "50",
        "--format",
        "json",
        "-q",
    ]))
    .unwrap();
    let bad = |edit: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        edit(&mut v);
        let mut out = Vec::new();
        errors(&root, &root, &v, "$", &mut out);
        out
    };
    assert_eq!(
        bad(&|v| v["format"] = "negsim.report/2".into()),
        ["$.format: \"negsim.report/2\" is not \"negsim.report/1\""]
    );
    assert_eq!(
        bad(&|v| {
            v.as_object_mut().unwrap().remove("negsim_version");
        }),
        ["$: `negsim_version` is missing"]
    );
    assert_eq!(
        bad(&|v| v["deadlines"][0]["p_agreement"] = "0.5".into()),
        ["$.deadlines[0].p_agreement: \"0.5\" is not of type \"number\""]
    );
    assert_eq!(
        bad(&|v| v["deadlines"][0]["ci95"] = serde_json::json!([0.1])),
        ["$.deadlines[0].ci95: 1 items, too few"]
    );
    assert_eq!(bad(&|v| v["extra"] = 1.into()), ["$.extra: not allowed"]);
    assert_eq!(
        bad(&|v| v["mode"] = "sometimes".into()),
        ["$.mode: \"sometimes\" is not one of [\"deadline\",\"open_ended\"]"]
    );
}

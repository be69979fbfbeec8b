//! `merge` takes only parts of its own format and negsim version: parts written by another
//! version may hold other results for the same runs, and would merge silently otherwise.

use crate::common::{negsim, stderr, stdout, temp_dir};
use negsim::provenance::VERSION;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn ok(args: &[&str]) -> String {
    let o = negsim(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// Two run parts (or sweep parts) of a small job, in a fresh directory.
fn parts(tag: &str, sweep: bool) -> (PathBuf, PathBuf) {
    let dir = temp_dir(tag);
    let (p0, p1) = (dir.join("p0"), dir.join("p1"));
    for (k, p) in [(0, &p0), (1, &p1)] {
        let shard = format!("{k}/2");
        let mut args = vec!["run", "scenarios/two-party-split.toml"];
        if sweep {
            args = vec![
                "sweep",
                "scenarios/two-party-split.toml",
                "--param",
                "agents.a.reservation=0,0.2",
            ];
        }
        args.extend(["--runs", "200", "-q", "--shard", &shard]);
        args.extend(["-o", p.to_str().unwrap()]);
        ok(&args);
    }
    (p0, p1)
}

/// Rewrites the JSON document at `p` (the first line of a sweep part) with `edit`.
fn edit(p: &Path, edit: impl Fn(&mut serde_json::Map<String, Value>)) {
    let text = std::fs::read_to_string(p).unwrap();
    let (first, rest) = match text.split_once('\n') {
        Some((f, r)) if !f.trim_end().ends_with('{') => (f.to_string(), format!("\n{r}")),
        _ => (text.clone(), String::new()),
    };
    let mut v: Value = serde_json::from_str(&first).unwrap();
    edit(v.as_object_mut().unwrap());
    let one_line = !rest.is_empty();
    let head = if one_line {
        serde_json::to_string(&v).unwrap()
    } else {
        serde_json::to_string_pretty(&v).unwrap()
    };
    std::fs::write(p, format!("{head}{rest}")).unwrap();
}

fn merge_err(p0: &Path, p1: &Path) -> String {
    let o = negsim(&["merge", p0.to_str().unwrap(), p1.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(&p1.display().to_string()), "{err}");
    err
}

#[test]
fn parts_name_their_format_and_version_and_merge_when_both_are_its_own() {
    for (sweep, format) in [(false, "negsim.part/1"), (true, "negsim.sweep/1")] {
        let (p0, p1) = parts("versions-ok", sweep);
        let head = std::fs::read_to_string(&p0).unwrap();
        assert!(
            head.contains(&format!("\"format\": \"{format}\""))
                || head.contains(&format!("\"format\":\"{format}\"")),
            "{head}"
        );
        assert!(head.contains("\"negsim_version\":"), "{head}");
        ok(&["merge", p0.to_str().unwrap(), p1.to_str().unwrap()]);
    }
}

#[test]
fn a_part_of_another_negsim_version_is_refused_naming_both() {
    for sweep in [false, true] {
        let (p0, p1) = parts("versions-other", sweep);
        edit(&p1, |m| {
            m.insert("negsim_version".into(), "0.0.9".into());
        });
        let err = merge_err(&p0, &p1);
        assert!(
            err.contains(&format!(
                "this part was written by negsim 0.0.9; this is negsim {VERSION}"
            )),
            "{err}"
        );
        assert!(err.contains("negsim --version"), "{err}");
        // Alone too: a merge of one part is the same check.
        let o = negsim(&["merge", p1.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    }
}

#[test]
fn a_part_of_another_format_or_none_is_refused() {
    for (sweep, own) in [(false, "negsim.part/1"), (true, "negsim.sweep/1")] {
        let (p0, p1) = parts("versions-format", sweep);
        edit(&p1, |m| {
            m.insert("format".into(), "negsim.part/2".into());
        });
        let err = merge_err(&p0, &p1);
        assert!(
            err.contains(&format!(
                "this part is in format `negsim.part/2`; this negsim {VERSION} merges `{own}`"
            )),
            "{err}"
        );
        // A part from before parts named their format and version.
        edit(&p1, |m| {
            m.remove("format");
            m.remove("negsim_version");
        });
        let err = merge_err(&p0, &p1);
        assert!(
            err.contains("this part names no format (it was written by an older negsim)"),
            "{err}"
        );
    }
}

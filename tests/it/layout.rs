//! The layout issue 13 asked for, kept: the layers depend only downwards (scenario → engine →
//! study → report), and no source file grows into two jobs.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn files(dir: &str) -> Vec<PathBuf> {
    let mut v = Vec::new();
    rust_files(Path::new(dir), &mut v);
    assert!(!v.is_empty(), "{dir} has no sources");
    v
}

/// Asserts that no file under `dir` names a module of the layers in `above`.
fn depends_only_downwards(dir: &str, above: &[&str]) {
    for f in files(dir) {
        let text = std::fs::read_to_string(&f).unwrap();
        for a in above {
            let path = format!("crate::{a}");
            assert!(
                !text
                    .lines()
                    .any(|l| l.contains(&path) && !l.trim_start().starts_with("//")),
                "{} uses {path}: a lower layer must not depend on a higher one",
                f.display()
            );
        }
    }
}

#[test]
fn scenario_and_engine_depend_on_nothing_above_them() {
    let above = ["study", "report", "tools", "cli", "serve", "request"];
    depends_only_downwards("src/scenario", &above);
    depends_only_downwards("src/engine", &above);
}

#[test]
fn no_source_file_is_over_650_lines() {
    for f in files("src") {
        let n = std::fs::read_to_string(&f).unwrap().lines().count();
        assert!(
            n <= 650,
            "{} has {n} lines: split it by what it does",
            f.display()
        );
    }
}

/// The studies build their results from the engine; the report renders them. A study that
/// reached into the report (as sweeps, shards and `check` once did for the run's summary) would
/// make the two one layer.
#[test]
fn studies_do_not_depend_on_the_report_or_the_front_ends() {
    depends_only_downwards("src/study", &["report", "tools", "cli", "serve"]);
    depends_only_downwards("src/report", &["tools", "cli", "serve"]);
}

/// The command line is the binary's (src/main.rs declares it), so it can use only what the
/// library makes public, as the Python package and the web page do.
#[test]
fn the_command_line_is_not_part_of_the_library() {
    let lib = std::fs::read_to_string("src/lib.rs").unwrap();
    assert!(
        !lib.lines()
            .any(|l| l.trim_start().starts_with("pub mod cli")
                || l.trim_start().starts_with("mod cli")),
        "src/lib.rs declares cli"
    );
    let main = std::fs::read_to_string("src/main.rs").unwrap();
    assert!(main.contains("mod cli;"), "src/main.rs should declare cli");
    for f in files("src/cli") {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            !text.contains("negsim::cli"),
            "{} reaches the command line through the library",
            f.display()
        );
    }
}

//! The progress bar fits the terminal: a line wider than the terminal wraps, and every redraw
//! then leaves a new line behind (a flood in an 80-column tmux pane).

use std::path::Path;
use std::process::Command;

/// Strips ANSI escape sequences (`ESC [ ... letter`) from terminal output.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\x1b' {
            if it.peek() == Some(&'[') {
                it.next();
                for d in it.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[test]
fn progress_bar_lines_fit_a_40_column_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` (a pseudo-terminal) is not installed");
        return;
    }
    let dir = crate::common::temp_dir("progress-width");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/labour-contract.toml");
    let log = dir.join("typescript");
    let cmd = format!(
        "stty cols 40 rows 20; {} sweep {} --param agents.union.walk_away=0:0.03:0.01 --runs 30000 -o {}",
        env!("CARGO_BIN_EXE_negsim"),
        scenario.display(),
        dir.join("t.csv").display()
    );
    let st = Command::new("script")
        .args(["-qec", &cmd])
        .arg(&log)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let text = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
    // The session's own first and last lines ("Script started ...") are not negsim's.
    let body: Vec<&str> = text.lines().filter(|l| !l.starts_with("Script ")).collect();
    let drawn = strip_ansi(&body.join("\n"));
    assert!(drawn.contains("[#"), "no bar was drawn: {drawn:?}");
    for line in drawn.split(['\r', '\n']) {
        assert!(
            line.chars().count() <= 40,
            "a {}-column line on a 40-column terminal: {line:?}",
            line.chars().count()
        );
    }
}

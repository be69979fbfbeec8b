//! `--output` never replaces what it should write through: `-` is stdout, a symlink is
//! followed to its target, a FIFO (or device) is written in place, and a regular file is
//! replaced through a temporary file whose name nobody can predict.

use crate::common::{negsim, stderr, stdout, temp_dir};
use std::path::{Path, PathBuf};
use std::process::Command;

fn two_party() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/two-party-split.toml")
}

/// `run two-party-split --runs 50 --format json` with extra arguments.
fn run_json(extra: &[&str]) -> std::process::Output {
    let f = two_party();
    let mut args = vec![
        "run",
        f.to_str().unwrap(),
        "--runs",
        "50",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    negsim(&args)
}

fn expected_json() -> String {
    let o = run_json(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn output_dash_means_stdout_not_a_file_named_dash() {
    let dir = temp_dir("out-dash");
    let f = two_party();
    for args in [
        vec![
            "run",
            f.to_str().unwrap(),
            "--runs",
            "50",
            "--format",
            "json",
            "-o",
            "-",
        ],
        vec![
            "generate",
            "--terms",
            "2",
            "--options",
            "3",
            "--agents",
            "2",
            "--output",
            "-",
        ],
        vec![
            "sweep",
            f.to_str().unwrap(),
            "--param",
            "agents.a.walk_away=0,0.1",
            "--runs",
            "20",
            "-o",
            "-",
        ],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_negsim"))
            .args(&args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(!o.stdout.is_empty(), "{args:?} printed nothing");
        assert!(!dir.join("-").exists(), "{args:?} wrote a file named -");
    }
}

#[test]
fn output_through_a_symlink_writes_its_target_and_keeps_the_link() {
    let dir = temp_dir("out-link");
    let target = dir.join("real.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.join("link.json");
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    let o = run_json(&["-o", link.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced by a file"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), expected_json());
    // A dangling link names the file to create.
    let dangling = dir.join("dangling.json");
    std::os::unix::fs::symlink("new.json", &dangling).unwrap();
    let o = run_json(&["-o", dangling.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("new.json")).unwrap(),
        expected_json()
    );
}

#[test]
fn output_to_a_fifo_is_written_in_place_and_reaches_its_reader() {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let dir = temp_dir("out-fifo");
    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // The read end is opened without blocking first, so that the writer never waits and a
    // broken negsim (one that renames a file over the FIFO) fails this test instead of hanging.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let o = run_json(&["-o", fifo.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the FIFO was replaced"
    );
    let mut got = String::new();
    let _ = reader.read_to_string(&mut got);
    assert_eq!(got, expected_json());
}

#[test]
fn a_planted_symlink_at_an_old_style_temporary_name_is_not_followed() {
    // The old writer used `.NAME.tmp-PID` in the target's directory: anyone who could guess
    // the PID could plant a link there and have the write land on the link's target.
    let dir = temp_dir("out-plant");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let out = dir.join("out.toml");
    let planted = dir.join(format!(".out.toml.tmp-{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    negsim::output::write_whole(&negsim::output::Target::Path(out.clone()), b"new").unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
    // No temporary file is left behind next to the output.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert_eq!(
        left,
        vec![planted.file_name().unwrap().to_string_lossy().into_owned()]
    );
}

#[test]
fn a_replaced_output_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("out-mode");
    let out = dir.join("r.json");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    let o = run_json(&["-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn an_unwritable_output_fails_before_the_simulation() {
    let t = std::time::Instant::now();
    let f = two_party();
    let o = negsim(&[
        "run",
        f.to_str().unwrap(),
        "--runs",
        "10000000",
        "--force",
        "-o",
        "/nonexistent-dir/x.json",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("/nonexistent-dir/x.json"),
        "{}",
        stderr(&o)
    );
    assert!(
        t.elapsed().as_secs() < 5,
        "failed only after {:?}",
        t.elapsed()
    );
}

//! Records the git commit negsim is built from, for `negsim --version`, when it is built from
//! a git checkout of its own repository; any other build (a crates tarball, no git installed)
//! gives the plain crate version.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets it");
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let commit = commit(&dir);
    if let Some(c) = &commit {
        println!("cargo:rustc-env=NEGSIM_GIT_COMMIT={c}");
    }
    let long = match &commit {
        Some(c) => format!("{version} (git {c})"),
        None => version,
    };
    println!("cargo:rustc-env=NEGSIM_LONG_VERSION={long}");
}

/// The short commit of HEAD, if `dir` is the top of a git work tree (a linked worktree too,
/// whose `.git` is a file pointing elsewhere: git resolves it), with rerun triggers on HEAD
/// and the branch it names, so that a new commit rebuilds the version text.
fn commit(dir: &Path) -> Option<String> {
    // A tarball unpacked inside some other repository must not take that repository's commit.
    let top = PathBuf::from(git(dir, &["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    let abs = |p: String| {
        let p = PathBuf::from(p);
        if p.is_absolute() { p } else { dir.join(p) }
    };
    let git_dir = abs(git(dir, &["rev-parse", "--git-dir"])?);
    let common = abs(git(dir, &["rev-parse", "--git-common-dir"])?);
    let head = git_dir.join("HEAD");
    println!("cargo:rerun-if-changed={}", head.display());
    if let Ok(text) = std::fs::read_to_string(&head)
        && let Some(r) = text.trim().strip_prefix("ref: ")
    {
        // The branch file, or packed-refs when it is packed; HEAD's reflog catches a commit
        // on a packed branch too.
        for p in [
            common.join(r),
            common.join("packed-refs"),
            git_dir.join("logs/HEAD"),
        ] {
            if p.exists() {
                println!("cargo:rerun-if-changed={}", p.display());
            }
        }
    }
    git(dir, &["rev-parse", "--short", "HEAD"])
}

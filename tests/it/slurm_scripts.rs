//! The Slurm array scripts of examples/slurm/, run as plain background processes with the
//! SLURM_* variables a job array would set: a full array merges to the single-process bytes,
//! a failed task resubmitted alone (an array of one) rewrites its own part, 1-based arrays
//! work with NEGSIM_ARRAY_BASE, and a sweep split over an array merges to the sweep's table.

use crate::common::{negsim, stderr, stdout, temp_dir};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Starts `script` with `args` as array task `id` of an array `min..=max`, in the background.
fn task(
    script: &str,
    id: u32,
    (min, max): (u32, u32),
    args: &[&str],
    env: &[(&str, &str)],
) -> Child {
    let mut c = Command::new("bash");
    c.arg(format!("examples/slurm/{script}"))
        .args(args)
        .env("NEGSIM", env!("CARGO_BIN_EXE_negsim"))
        .env_remove("NEGSIM_SHARDS")
        .env_remove("NEGSIM_ARRAY_BASE")
        .env("SLURM_ARRAY_TASK_ID", id.to_string())
        .env("SLURM_ARRAY_TASK_MIN", min.to_string())
        .env("SLURM_ARRAY_TASK_MAX", max.to_string())
        .env("SLURM_ARRAY_TASK_COUNT", (max - min + 1).to_string())
        .env("SLURM_CPUS_PER_TASK", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    c.spawn().expect("bash runs")
}

/// Waits for every task; each must succeed.
fn wait_all(children: Vec<Child>) {
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

fn part_paths(dir: &Path, ext: &str, n: u32) -> Vec<String> {
    (0..n)
        .map(|k| dir.join(format!("part-{k}.{ext}")).display().to_string())
        .collect()
}

fn merge(parts: &[String], format: &str) -> String {
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    args.extend(["--format", format]);
    let o = negsim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

const RUN: [&str; 4] = ["--runs", "1503", "--deadlines", "4,26"];

#[test]
fn a_failed_array_task_resubmitted_alone_rewrites_its_part() {
    let dir = temp_dir("slurm-array");
    let out = dir.to_str().unwrap();
    let sc = "scenarios/ukraine-peace-2025.toml";
    let args: Vec<&str> = ["4", sc, out].into_iter().chain(RUN).collect();
    wait_all(
        (0..4)
            .map(|id| task("negsim-array.sbatch", id, (0, 3), &args, &[]))
            .collect(),
    );
    let parts = part_paths(&dir, "json", 4);
    let want = std::fs::read(&parts[2]).unwrap();
    let single = negsim(&[&["run", sc, "--format", "json"][..], &RUN[..]].concat());
    assert_eq!(merge(&parts, "json"), stdout(&single));

    // Task 2 failed: resubmitted as `sbatch --array=2`, an array of one task (count 1,
    // min = max = 2), it must play shard 2 of 4 again.
    std::fs::remove_file(&parts[2]).unwrap();
    wait_all(vec![task("negsim-array.sbatch", 2, (2, 2), &args, &[])]);
    assert_eq!(std::fs::read(&parts[2]).unwrap(), want);
    assert_eq!(merge(&parts, "json"), stdout(&single));

    // N from NEGSIM_SHARDS, and a 1-based array (--array=1-4) with NEGSIM_ARRAY_BASE=1.
    let dir1 = temp_dir("slurm-array-1");
    let out1 = dir1.to_str().unwrap();
    let args1: Vec<&str> = [sc, out1].into_iter().chain(RUN).collect();
    let env = [("NEGSIM_SHARDS", "4"), ("NEGSIM_ARRAY_BASE", "1")];
    wait_all(
        (1..=4)
            .map(|id| task("negsim-array.sbatch", id, (1, 4), &args1, &env))
            .collect(),
    );
    let parts1 = part_paths(&dir1, "json", 4);
    assert_eq!(std::fs::read(&parts1[2]).unwrap(), want);
    assert_eq!(merge(&parts1, "json"), stdout(&single));
}

#[test]
fn array_scripts_refuse_a_task_outside_the_shards_and_a_missing_n() {
    let dir = temp_dir("slurm-bad");
    let out = dir.to_str().unwrap();
    let sc = "scenarios/two-party-split.toml";
    // --array=1-4 without NEGSIM_ARRAY_BASE: task 4 would be shard 4 of 4.
    let o = task("negsim-array.sbatch", 4, (1, 4), &["4", sc, out], &[])
        .wait_with_output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&o.stderr);
    assert!(
        msg.contains("outside 0..3") && msg.contains("NEGSIM_ARRAY_BASE"),
        "{msg}"
    );
    // No N at all.
    let o = task("negsim-sweep-array.sbatch", 0, (0, 1), &[sc, out], &[])
        .wait_with_output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("number of shards"));
}

#[test]
fn a_sweep_split_over_an_array_merges_to_the_single_sweep() {
    let dir = temp_dir("slurm-sweep");
    let out = dir.to_str().unwrap();
    let sweep: [&str; 8] = [
        "--param",
        "agents.a.reservation=0:0.4:0.1",
        "--param",
        "agents.b.strategy=boulware,conceder",
        "--runs",
        "300",
        "--deadlines",
        "4,12",
    ];
    let sc = "scenarios/two-party-split.toml";
    let args: Vec<&str> = ["3", sc, out].into_iter().chain(sweep).collect();
    wait_all(
        (0..3)
            .map(|id| task("negsim-sweep-array.sbatch", id, (0, 2), &args, &[]))
            .collect(),
    );
    let parts = part_paths(&dir, "jsonl", 3);
    let single = negsim(&[&["sweep", sc, "--quiet"][..], &sweep[..]].concat());
    assert!(single.status.success(), "{}", stderr(&single));
    assert_eq!(merge(&parts, "csv"), stdout(&single));
    // Resubmitting task 1 alone gives the same part, and no temporary file is left behind.
    let want = std::fs::read(&parts[1]).unwrap();
    std::fs::remove_file(&parts[1]).unwrap();
    wait_all(vec![task(
        "negsim-sweep-array.sbatch",
        1,
        (1, 1),
        &args,
        &[],
    )]);
    assert_eq!(std::fs::read(&parts[1]).unwrap(), want);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

//! Same seed, same bytes: across repeated runs and thread counts; different seeds differ.

use crate::common::{negsim_env, stdout};

fn run_json(extra: &[&str], threads: &str) -> String {
    let mut args = vec!["run", "--runs", "3000"];
    args.extend_from_slice(extra);
    if !extra.contains(&"--format") {
        args.extend_from_slice(&["--format", "json"]);
    }
    let o = negsim_env(&args, &[("RAYON_NUM_THREADS", threads)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    stdout(&o)
}

#[test]
fn one_and_two_threads_print_the_same_bytes() {
    let one = run_json(&[], "1");
    let two = run_json(&[], "2");
    assert_eq!(one, two);
    let four = run_json(&["--threads", "4"], "1");
    assert_eq!(one, four);
}

#[test]
fn same_seed_same_output_different_seed_differs() {
    let a = run_json(&["--seed", "77", "--format", "csv"], "2");
    let b = run_json(&["--seed", "77", "--format", "csv"], "2");
    let c = run_json(&["--seed", "78", "--format", "csv"], "2");
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn traces_are_reproducible() {
    let args = ["trace", "--deadline", "12", "--run", "17"];
    let a = stdout(&negsim_env(&args, &[]));
    let b = stdout(&negsim_env(&args, &[]));
    assert_eq!(a, b);
    assert!(a.contains("Result:"), "{a}");
    let c = stdout(&negsim_env(
        &["trace", "--deadline", "12", "--run", "18"],
        &[],
    ));
    assert_ne!(a, c);
}

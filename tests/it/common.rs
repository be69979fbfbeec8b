//! Helpers shared by the integration tests.

#![allow(dead_code)]

use negsim::Scenario;
use negsim::engine::model::Model;
use negsim::engine::montecarlo::{Control, Settings, simulate};
use negsim::report::Report;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::Rng;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};

/// Parses a scenario written inline in a test, panicking with the message if invalid.
pub fn scenario(src: &str) -> Scenario {
    Scenario::from_toml_str(src, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// Simulates a scenario with its own settings and returns the report.
pub fn report(sc: &Scenario) -> Report {
    let model = Model::new(sc);
    let settings = Settings {
        seed: sc.simulation.seed,
        deadlines: sc.simulation.deadlines.clone(),
        runs: 0..sc.simulation.runs,
    };
    let out = simulate(&model, &settings, &Control::default());
    Report::new(&model, settings.seed, sc.simulation.runs, &out)
}

/// A fresh, empty directory for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let d = std::env::temp_dir().join(format!(
        "negsim-test-{}-{tag}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `src` into a fresh file and returns its path.
pub fn write_temp(tag: &str, name: &str, src: impl AsRef<[u8]>) -> PathBuf {
    let p = temp_dir(tag).join(name);
    std::fs::write(&p, src).unwrap();
    p
}

/// Runs the negsim binary with `args`.
pub fn negsim(args: &[&str]) -> Output {
    negsim_env(args, &[])
}

/// Runs the negsim binary with `args` and extra environment variables.
pub fn negsim_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_negsim"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the negsim binary runs")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The data rows (without header) of `negsim run FILE --format csv` plus `extra` flags.
pub fn run_csv_rows(path: &std::path::Path, extra: &[&str]) -> Vec<String> {
    // Independent runs, as `sweep` plays them.
    let mut args = vec![
        "run",
        path.to_str().unwrap(),
        "--worlds",
        "0",
        "--format",
        "csv",
    ];
    args.extend_from_slice(extra);
    let o = negsim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).lines().skip(1).map(str::to_string).collect()
}

/// A two-agent, one-term scenario: `a` gets option `a_i` worth i/10 to A and 1 - i/10 to B.
pub fn split(extra_sim: &str, a_extra: &str, b_extra: &str) -> String {
    let vals_a: String = (0..=10)
        .map(|i| format!("a_{i} = {}\n", f64::from(i) / 10.0))
        .collect();
    let vals_b: String = (0..=10)
        .map(|i| format!("a_{i} = {}\n", f64::from(10 - i) / 10.0))
        .collect();
    let opts: Vec<String> = (0..=10).map(|i| format!("\"a_{i}\"")).collect();
    format!(
        r#"
[scenario]
name = "split"

[simulation]
{extra_sim}

[[terms]]
id = "share"
options = [{opts}]

[agents.a]
{a_extra}
[agents.a.weights]
share = 1.0
[agents.a.values.share]
{vals_a}
[agents.b]
{b_extra}
[agents.b.weights]
share = 1.0
[agents.b.values.share]
{vals_b}
"#,
        opts = opts.join(", ")
    )
}

/// Runs the negsim binary with `args`, feeding `input` on standard input.
pub fn negsim_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the negsim binary runs");
    let mut stdin = child.stdin.take().expect("piped stdin");
    // The game may end before reading everything; a closed pipe is fine then.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    child.wait_with_output().expect("negsim finishes")
}

/// A uniform number in [0, 1) from the top 53 bits of one word of `rng`.
pub fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Writes `n_terms` random terms `t0, t1, ...` of `min_options` to `max_options` options
/// `o0, o1, ...` each (one draw per term) and returns their sizes. The random scenario
/// generators of the tests share it (the order of draws is theirs).
pub fn random_terms(
    s: &mut String,
    rng: &mut ChaCha8Rng,
    n_terms: usize,
    min_options: u32,
    max_options: u32,
) -> Vec<usize> {
    let mut sizes = Vec::new();
    for t in 0..n_terms {
        let k = (min_options + rng.next_u32() % (max_options - min_options + 1)) as usize;
        sizes.push(k);
        let opts: Vec<String> = (0..k).map(|o| format!("\"o{o}\"")).collect();
        *s += &format!(
            "[[terms]]\nid = \"t{t}\"\noptions = [{}]\n",
            opts.join(", ")
        );
    }
    sizes
}

/// Writes random red lines (each term one time in `red_one_in`, one option), weights and
/// values for agent `g{a}` of a random test scenario whose terms `t0, t1, ...` have `sizes`
/// options `o0, o1, ...`; numbers on a grid of quarters when `grid`, so that ties are common.
/// The random scenario generators of the tests share it (the order of draws is theirs).
pub fn random_agent_tables(
    s: &mut String,
    rng: &mut ChaCha8Rng,
    a: usize,
    sizes: &[usize],
    red_one_in: u32,
    grid: bool,
) {
    let num = |rng: &mut ChaCha8Rng| {
        let x = unit(rng);
        if grid { (x * 4.0).floor() / 4.0 } else { x }
    };
    let mut reds = Vec::new();
    for (t, size) in sizes.iter().enumerate() {
        if rng.next_u32().is_multiple_of(red_one_in) {
            reds.push(format!("t{t} = [\"o{}\"]", rng.next_u32() as usize % size));
        }
    }
    if !reds.is_empty() {
        *s += &format!("red_lines = {{ {} }}\n", reds.join(", "));
    }
    *s += &format!("[agents.g{a}.weights]\n");
    for t in 0..sizes.len() {
        *s += &format!("t{t} = {}\n", num(rng) + 0.01);
    }
    for (t, &k) in sizes.iter().enumerate() {
        *s += &format!("[agents.g{a}.values.t{t}]\n");
        for o in 0..k {
            *s += &format!("o{o} = {}\n", num(rng));
        }
    }
}

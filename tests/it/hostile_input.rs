//! Hostile input: a corpus of invalid scenarios (`tests/invalid/*.toml`, each with the exact
//! message it must produce in `*.expected`) and generated ones too large to commit. Each must
//! exit with code 2 and that message, without panicking, hanging or allocating without bound
//! (every run is limited to 1 GiB of address space and 60 seconds).
//!
//! To regenerate the `.expected` files after a deliberate change of wording, run the tests with
//! `NEGSIM_BLESS=1` and review the diff: the messages are the specification.

use crate::common::temp_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary in `dir` with a memory cap and a time limit; panics if it hangs.
pub fn run_capped(dir: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_negsim"));
    c.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe and touches only the child.
        unsafe {
            c.pre_exec(|| {
                let lim = libc::rlimit {
                    rlim_cur: 1 << 30,
                    rlim_max: 1 << 30,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = c.spawn().expect("the negsim binary runs");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("negsim {args:?} hangs (killed after 60 s)");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid")
}

/// Checks one refusal: exit code 2, exactly the expected message, nothing on stdout.
fn assert_refused(name: &str, o: &Output, expected: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{name}: {err}");
    assert_eq!(o.status.code(), Some(2), "{name}: stderr: {err}");
    assert!(o.stdout.is_empty(), "{name}: wrote to stdout");
    assert_eq!(err, expected, "{name}: message changed");
}

#[test]
fn every_file_of_the_invalid_corpus_gives_its_exact_message() {
    let dir = corpus_dir();
    let bless = std::env::var_os("NEGSIM_BLESS").is_some();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "only {} cases", files.len());
    for name in &files {
        let o = run_capped(&dir, &["run", name]);
        let expected_path = dir.join(name.replace(".toml", ".expected"));
        if bless {
            std::fs::write(&expected_path, &o.stderr).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{name}: no .expected file (run with NEGSIM_BLESS=1)"));
        assert_refused(name, &o, &expected);
    }
}

/// A small valid scenario whose terms, agents or strings the generated cases blow up.
fn base(terms: usize, options: usize, agents: usize) -> String {
    let opts: Vec<String> = (0..options).map(|o| format!("\"o{o}\"")).collect();
    let mut s = String::from("[scenario]\nname = \"big\"\n[simulation]\ndeadlines = [4]\n");
    for t in 0..terms {
        s += &format!(
            "[[terms]]\nid = \"t{t}\"\noptions = [{}]\n",
            opts.join(", ")
        );
    }
    for a in 0..agents {
        s += &format!("[agents.a{a}]\n[agents.a{a}.weights]\nt0 = 1\n[agents.a{a}.values.t0]\n");
        for o in 0..options {
            s += &format!("o{o} = {}\n", o % 2);
        }
    }
    s
}

#[test]
fn generated_huge_inputs_give_their_exact_messages() {
    let mb_name = "x".repeat(1 << 20);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "ten-thousand-terms.toml",
            base(10_000, 2, 2).into_bytes(),
            "error: ten-thousand-terms.toml:5:1: 10,000 terms are too many: at most 1,000 terms\n  help: merge or drop terms that no agent weights\n".into(),
        ),
        (
            "mb-name.toml",
            base(1, 2, 2).replacen("\"big\"", &format!("\"{mb_name}\""), 1).into_bytes(),
            "error: mb-name.toml:2:8: scenario name is 1,048,576 characters long, more than the limit of 200\n  help: shorten it to at most 200 characters\n".into(),
        ),
        (
            "mb-option.toml",
            base(1, 2, 2).replacen("\"o1\"", &format!("\"{mb_name}\""), 1).into_bytes(),
            "error: mb-option.toml:7:18: option `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...` is 1,048,576 characters long, more than the limit of 200\n  help: ids are 1 to 200 characters without commas, quotes, control or invisible characters\n".into(),
        ),
        (
            "mb-description.toml",
            base(1, 2, 2).replacen("name = \"big\"", &format!("name = \"big\"\ndescription = '''{mb_name}'''"), 1).into_bytes(),
            "error: mb-description.toml:3:15: scenario description is 1,048,576 characters long, more than the limit of 10,000\n  help: shorten it to at most 10,000 characters\n".into(),
        ),
        (
            "too-many-options.toml",
            base(1, 257, 2).into_bytes(),
            "error: too-many-options.toml:7:11: term `t0` has 257 options, more than the limit of 256\n  help: group options into ranges, or split the term in two\n".into(),
        ),
        (
            "too-many-agents.toml",
            base(1, 2, 65).into_bytes(),
            "error: too-many-agents.toml:8:2: 65 agents are too many: at most 64 agents\n  help: merge agents with the same interests into one\n".into(),
        ),
        (
            // 64 agents estimate each other on 1000 x 5 options: 20 million table cells.
            "too-large-model.toml",
            base(1000, 5, 64).into_bytes(),
            "error: too-large-model.toml:3005:2: the scenario is too large: 64 agents and 5,000 options in all need 20,480,000 estimates per run, more than the limit of 16,777,216\n  help: every agent estimates every other's value of every option; use fewer agents or options\n".into(),
        ),
        (
            "many-deadlines.toml",
            base(1, 2, 2)
                .replacen("deadlines = [4]", &format!("deadlines = [{}]", vec!["3"; 1001].join(", ")), 1)
                .into_bytes(),
            "error: many-deadlines.toml:4:13: 1,001 deadlines are too many: at most 1,000\n  help: list fewer deadlines; P(agreement within k rounds) changes slowly with k\n".into(),
        ),
        (
            "long-deadlines.toml",
            base(1, 2, 2)
                .replacen("deadlines = [4]", &format!("deadlines = [{}]", ["1000000"; 11].join(", ")), 1)
                .into_bytes(),
            "error: long-deadlines.toml:4:13: the deadlines add up to 11,000,000 rounds, more than the limit of 10,000,000\n  help: each deadline is 1 to 1,000,000 rounds, and together at most 10,000,000 rounds\n".into(),
        ),
        (
            "deep-100k.toml",
            base(1, 2, 2).replacen("[agents.a0]\n", &format!("[agents.a0]\nreservation = {deep}\n"), 1).into_bytes(),
            "error: deep-100k.toml:9:95: arrays, tables or dotted keys are nested too deeply\n  help: a scenario needs at most 4 levels of nesting; TOML readers stop at 80\n".into(),
        ),
        (
            "control-char.toml",
            base(1, 2, 2).replacen("\"big\"", "\"big\\u0007\"", 1).into_bytes(),
            "error: control-char.toml:2:8: scenario name contains the control character U+0007\n  help: use printable text (line breaks and tabs are fine)\n".into(),
        ),
        (
            // 17 MiB of comment: refused before it is parsed.
            "huge-file.toml",
            {
                let mut b = base(1, 2, 2).into_bytes();
                b.extend(std::iter::repeat_n(b'#', 17 << 20));
                b
            },
            "error: huge-file.toml: the file is larger than the limit of 16 MiB\n  help: a scenario is a short TOML text; check that this is the right file\n".into(),
        ),
    ];
    let dir = temp_dir("generated");
    let mut wrong = Vec::new();
    for (name, bytes, expected) in &cases {
        std::fs::write(dir.join(name), bytes).unwrap();
        let o = run_capped(&dir, &["check", name]);
        let err = String::from_utf8_lossy(&o.stderr);
        if o.status.code() != Some(2) || err != *expected {
            wrong.push(format!(
                "{name}: exit {:?}, stderr:\n{err}",
                o.status.code()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_valid_base_scenario_is_accepted() {
    // The generated cases above differ from this one only in what they blow up.
    let dir = temp_dir("base");
    std::fs::write(dir.join("s.toml"), base(3, 4, 3)).unwrap();
    let o = run_capped(&dir, &["check", "s.toml"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Fuzzing finding: two weights near `f64::MAX` overflowed their sum to infinity, which zeroed
/// every normalized weight and silently turned the agent indifferent.
#[test]
fn weights_that_would_overflow_their_sum_are_refused() {
    let src = base(2, 2, 2).replacen("t0 = 1\n", "t0 = 1e308\nt1 = 1e308\n", 1);
    let dir = temp_dir("overflow");
    std::fs::write(dir.join("s.toml"), src).unwrap();
    let o = run_capped(&dir, &["check", "s.toml"]);
    assert_refused(
        "overflow",
        &o,
        "error: s.toml:13:6: weight 1e308 of agent `a0` for term `t0` is out of range\n  help: a weight must be in [0, 1000000]\n",
    );
}

#[test]
fn the_largest_weights_still_renormalize_to_one() {
    use negsim::engine::model::{Instance, Model};
    let max = negsim::scenario::MAX_WEIGHT;
    let terms = negsim::scenario::MAX_TERMS;
    let mut src = base(terms, 2, 2);
    let all: String = (0..terms).map(|t| format!("t{t} = {max:?}\n")).collect();
    src = src.replace("t0 = 1\n", &all);
    for a in 0..2 {
        let vals: String = (1..terms)
            .map(|t| format!("[agents.a{a}.values.t{t}]\no0 = 0.25\no1 = 1\n"))
            .collect();
        src.push_str(&vals);
    }
    let sc = crate::common::scenario(&src);
    let model = Model::new(&sc);
    let mut inst = Instance::default();
    model.sample_into(1, 0, &mut inst);
    for a in 0..2 {
        let w = &inst.weights[a * terms..(a + 1) * terms];
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(w.iter().all(|&x| (x - 1.0 / terms as f64).abs() < 1e-15));
    }
}

/// Hostile-input finding: the "did you mean" suggestion compared a megabyte-long unknown key
/// with each of 1,000 term ids by edit distance (quadratic), and `negsim check` ran for minutes.
#[test]
fn a_megabyte_long_unknown_key_is_refused_at_once() {
    let mut src = base(1000, 2, 2);
    let key = "k".repeat(1 << 20);
    src = src.replacen(
        "[agents.a0.weights]\n",
        &format!("[agents.a0.weights]\n\"{key}\" = 1\n"),
        1,
    );
    let dir = temp_dir("mb-key");
    std::fs::write(dir.join("s.toml"), src).unwrap();
    let start = Instant::now();
    let o = run_capped(&dir, &["check", "s.toml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "error: s.toml:3007:1: unknown term `{}...` in weights of agent `a0`\n  help: terms are: t0, t1,",
            "k".repeat(40)
        )),
        "{err}"
    );
    assert!(err.ends_with(", t19, ... (1000 in all)\n"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn flags_obey_the_same_limits_as_files() {
    let long = ["1000000"; 11].join(",");
    let many = ["2"; 1001].join(",");
    for (args, expected) in [
        (
            vec!["run", "--deadlines", long.as_str()],
            "error: --deadlines: the deadlines add up to 11,000,000 rounds, more than the limit of 10,000,000\n  help: each deadline is 1 to 1,000,000 rounds, and together at most 10,000,000 rounds\n",
        ),
        (
            vec!["run", "--deadlines", many.as_str()],
            "error: --deadlines: 1,001 deadlines are too many: at most 1,000\n  help: list fewer deadlines; P(agreement within k rounds) changes slowly with k\n",
        ),
        (
            vec!["run", "--runs", "1000000000000"],
            "error: --runs: 1000000000000 runs is out of range\n  help: give between 1 and 1,000,000,000 runs (10,000 give P(agreement) within +-0.01)\n",
        ),
    ] {
        let o = run_capped(Path::new(env!("CARGO_MANIFEST_DIR")), &args);
        assert_refused(&args[1..].join(" "), &o, expected);
    }
}

/// The GENIUS fixtures, by name.
fn genius_fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/genius/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn every_reader_caps_its_input_size_not_only_the_scenario_reader() {
    let dir = temp_dir("dev-zero");
    let (p1, p2) = (
        genius_fixture("party1_utility.xml"),
        genius_fixture("party2_utility.xml"),
    );
    let cases: [(&[&str], &str); 3] = [
        (
            &["merge", "/dev/zero"],
            "error: /dev/zero: the file is larger than the limit of 16 MiB\n  help: a part file holds counts, a few kilobytes per deadline or point; check that this is the right file\n",
        ),
        (
            &["import", "/dev/zero", &p1, &p2],
            "error: /dev/zero: the file is larger than the limit of 16 MiB\n  help: a domain or a profile is a short XML or JSON text; check that this is the right file\n",
        ),
        (
            &[
                "import",
                &genius_fixture("party_domain.xml"),
                &p1,
                "/dev/zero",
            ],
            "error: /dev/zero: the file is larger than the limit of 16 MiB\n  help: a domain or a profile is a short XML or JSON text; check that this is the right file\n",
        ),
    ];
    for (args, expected) in cases {
        let o = run_capped(&dir, args);
        assert_refused(&format!("{args:?}"), &o, expected);
    }
}

#[test]
fn a_genius_entity_bomb_is_refused_before_it_expands() {
    // 161 kB: one 100 kB entity referenced 20,000 times would expand to 2 GB (it took 5.9 GB).
    let domain = std::fs::read_to_string(genius_fixture("party_domain.xml")).unwrap();
    let at = domain.find("<negotiation_template").unwrap();
    let decl = format!(
        "<!DOCTYPE negotiation_template [<!ENTITY e \"{}\">]>\n",
        "x".repeat(100_000)
    );
    let mut bomb = format!("{}{decl}{}", &domain[..at], &domain[at..]);
    let after = bomb.find("<objective").unwrap();
    let after = after + bomb[after..].find('>').unwrap() + 1;
    bomb.insert_str(after, &"&e;".repeat(20_000));
    assert!(bomb.len() > 160_000 && bomb.len() < 170_000);
    let dir = temp_dir("entity-bomb");
    std::fs::write(dir.join("bomb.xml"), bomb).unwrap();
    let start = Instant::now();
    let o = run_capped(
        &dir,
        &[
            "import",
            "bomb.xml",
            &genius_fixture("party1_utility.xml"),
            &genius_fixture("party2_utility.xml"),
        ],
    );
    assert_refused(
        "entity bomb",
        &o,
        "error: bomb.xml: the XML's entity references expand to 2,000,000,000 bytes, more than the limit of 1 MiB\n  help: a GENIUS file needs no <!ENTITY> declarations: write the text in place\n",
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_message_quoting_a_megabyte_of_input_is_cut() {
    // An issue type is echoed in full by the importer; the message stays bounded anyway.
    let domain = std::fs::read_to_string(genius_fixture("party_domain.xml")).unwrap();
    let huge = domain.replacen(
        "type=\"discrete\" vtype",
        &format!("type=\"{}\" vtype", "z".repeat(1 << 20)),
        1,
    );
    let dir = temp_dir("huge-echo");
    std::fs::write(dir.join("d.xml"), huge).unwrap();
    let o = run_capped(
        &dir,
        &[
            "import",
            "d.xml",
            &genius_fixture("party1_utility.xml"),
            &genius_fixture("party2_utility.xml"),
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}", &err[..err.len().min(300)]);
    assert!(err.len() < 5_000, "{} bytes of message", err.len());
    assert!(err.contains("... (message cut)"), "{err}");
}

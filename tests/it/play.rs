//! `negsim play`: a player who moves as the simulated agent would gets the simulated game;
//! scripted input, bad input, end of input and unknown agents.

use crate::common::{negsim, negsim_stdin, scenario, split, stderr, stdout};
use negsim::Scenario;
use negsim::engine::model::Model;
use negsim::engine::montecarlo::trace_run;
use negsim::engine::protocol::{End, Observer};
use negsim::tools::play::{PlayOptions, default_deadline, play_game};
use std::io::Cursor;

/// Writes down what the simulated `player` does, as the lines a person would type.
struct Script {
    player: usize,
    proposer: Option<usize>,
    lines: Vec<String>,
    left: bool,
}

impl Observer for Script {
    fn walk_out(&mut self, _round: u32, agent: usize) {
        self.left |= agent == self.player;
    }
    fn offer(&mut self, _round: u32, proposer: usize, package: &[u8]) {
        self.proposer = Some(proposer);
        if proposer == self.player {
            let nums: Vec<String> = package.iter().map(|o| (o + 1).to_string()).collect();
            self.lines.push(nums.join(" "));
        }
    }
    fn no_offer(&mut self, _round: u32, proposer: usize) {
        self.proposer = Some(proposer);
        if proposer == self.player {
            self.lines.push("pass".into());
        }
    }
    fn answer(&mut self, _round: u32, agent: usize, _u: f64, _t: f64, accept: bool) {
        if agent == self.player && self.proposer != Some(self.player) {
            self.lines.push(if accept { "a" } else { "r" }.into());
        }
    }
}

/// Plays `runs` games as each of `players`, moving like the simulated agent, and checks that
/// every game ends exactly as the simulation; returns how many games were compared and how
/// many of them ended in agreement.
fn mirror(sc: &Scenario, players: &[&str], deadline: u32, runs: u64) -> (usize, usize) {
    let mut deals = 0;
    let model = Model::new(sc);
    let seed = sc.simulation.seed;
    let mut compared = 0;
    for id in players {
        let player = sc.agent_index(id).unwrap();
        for run in 0..runs {
            let mut script = Script {
                player,
                proposer: None,
                lines: Vec::new(),
                left: false,
            };
            let (inst, sim) = trace_run(&model, seed, run, deadline, &mut script);
            if script.left {
                // The player never walks out by chance; such runs cannot be mirrored.
                continue;
            }
            let opts = PlayOptions {
                seats: vec![player],
                deadline,
                seed,
                run,
                runs: 5,
                echo: false,
                hints: false,
                handoff: false,
                clear: false,
            };
            let input = script.lines.join("\n") + "\n";
            let mut out = Vec::new();
            let game = play_game(&model, &opts, Cursor::new(input), &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert_eq!(game.end, sim.end, "{id}, run {run}:\n{text}");
            assert!(
                !text.contains("Please"),
                "a scripted move was refused:\n{text}"
            );
            assert!(!game.player_left);
            match sim.end {
                End::Agreement { .. } => {
                    deals += 1;
                    assert_eq!(game.package, sim.package);
                    assert_eq!(game.payoffs[0], inst.utility(&model, player, &sim.package));
                }
                _ => assert_eq!(game.payoffs[0], inst.reservation[player]),
            }
            compared += 1;
        }
    }
    (compared, deals)
}

#[test]
fn moving_like_the_simulated_agent_reproduces_the_simulation_alternating() {
    let sc = scenario(
        &(split(
            "seed = 5\ndeadlines = [6]",
            "reservation = { uniform = [0.1, 0.4] }\nstrategy = \"boulware\"\nwalk_away = 0.03",
            "reservation = { uniform = [0.1, 0.4] }\nstrategy = { exponent = { uniform = [0.5, 3] } }\nwalk_away = 0.03",
        ) + "\n[agents.c]\nsignatory = false\nwalk_away = 0.1\n[agents.c.weights]\nshare = 1\n[agents.c.values.share]\n"
            + &(0..=10)
                .map(|i| format!("a_{i} = {}\n", if i == 5 { 1.0 } else { 0.2 }))
                .collect::<String>()),
    );
    let (n, deals) = mirror(&sc, &["a", "b", "c"], 6, 40);
    assert!(n >= 80 && deals > 10 && deals < n - 10, "{deals} of {n}");
    let sc = Scenario::from_toml_str(
        &std::fs::read_to_string("scenarios/two-party-split.toml").unwrap(),
        "split",
    )
    .unwrap();
    assert_eq!(mirror(&sc, &["a", "b"], 10, 20), (40, 40));
}

#[test]
fn a_backward_induction_computer_agent_plays_its_equilibrium_plan() {
    // Against its plan a hardliner's offers would differ (it keeps the whole pie), so the
    // game ends as the simulation only if the computer agent offers and answers by its plan.
    let sc = scenario(&split(
        "seed = 3\ndeadlines = [5]",
        "strategy = \"backward_induction\"\nestimates = \"exact\"\ndiscount = { rate = 0.8, in_decisions = true }",
        "reservation = { uniform = [0.0, 0.3] }\nstrategy = \"boulware\"\ndiscount = { rate = 0.9, in_decisions = true }",
    ));
    let (n, deals) = mirror(&sc, &["b"], 5, 30);
    assert_eq!(n, 30);
    assert!(deals > 0, "{deals} of {n}");
}

#[test]
fn moving_like_the_simulated_agent_reproduces_the_simulation_mediated() {
    let labour = Scenario::from_toml_str(
        &std::fs::read_to_string("scenarios/labour-contract.toml").unwrap(),
        "labour",
    )
    .unwrap();
    let (n, deals) = mirror(&labour, &["union", "employer", "conciliator"], 3, 30);
    assert!(n >= 80 && deals > 10 && deals < n, "{deals} of {n}");
    let (n, deals) = mirror(&Scenario::bundled(), &["us", "russia", "ukraine"], 52, 15);
    assert!(n >= 40 && deals > 5 && deals < n - 5, "{deals} of {n}");
}

#[test]
fn default_deadline_is_the_middle_one() {
    assert_eq!(default_deadline(&[4, 8, 12, 26, 52]), 12);
    assert_eq!(default_deadline(&[20, 2, 10, 5]), 5);
    assert_eq!(default_deadline(&[7]), 7);
}

#[test]
fn end_of_input_is_walking_out_with_a_debrief() {
    let o = negsim(&[
        "play",
        "scenarios/two-party-split.toml",
        "--as",
        "b",
        "--runs",
        "100",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("=== round 1 of 5 ==="), "{out}");
    assert!(out.contains("No deal: you walked out in round 1."), "{out}");
    assert!(out.contains("Your utility: 0.300"), "{out}");
    assert!(out.contains("Over 100 simulated runs"), "{out}");
}

#[test]
fn bad_input_asks_again_and_a_scripted_game_finishes() {
    // b answers round 1 (after one bad try), proposes in round 2 (after four bad tries), and
    // so on to the deadline.
    let input = "maybe\nr\nbanana\n\n0\n1 2\n12\n5\nr\n5\nr\n";
    let o = negsim_stdin(
        &[
            "play",
            "scenarios/two-party-split.toml",
            "--as",
            "b",
            "--runs",
            "50",
        ],
        input,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Please answer a (accept), r (reject) or q (walk out)."),
        "{out}"
    );
    assert!(out.contains("Please give 1 option number(s)"), "{out}");
    assert!(out.contains("term share has options 1 to 11; 0 is not one of them."));
    assert!(out.contains("2 number(s) given; give exactly 1"));
    assert!(out.contains("term share has options 1 to 11; 12 is not one of them."));
    // Input is echoed when it does not come from a terminal.
    assert!(out.contains("> banana\n"), "{out}");
    assert!(out.contains("=== Debrief ==="));
    for r in 1..=5 {
        assert!(out.contains(&format!("=== round {r} of 5 ===")), "{out}");
    }
}

#[test]
fn red_lines_cannot_be_proposed() {
    // The US mediator tables the texts: try to table Crimea recognized as Russian.
    let o = negsim_stdin(
        &["play", "--as", "us", "--deadline", "2", "--runs", "20"],
        "1 2 2 2 1 1\nq\n",
    );
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("crimea = recognized_by_all is a red line of ukraine and europe"),
        "{out}"
    );
    assert!(out.contains("No deal: you walked out in week 1."), "{out}");
}

#[test]
fn the_debrief_matches_the_simulation() {
    let o = negsim_stdin(
        &[
            "play",
            "--as",
            "ukraine",
            "--deadline",
            "4",
            "--runs",
            "400",
            "--seed",
            "9",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let j = negsim(&[
        "run",
        "--runs",
        "400",
        "--seed",
        "9",
        "--deadlines",
        "4",
        "--format",
        "json",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    let p = j["deadlines"][0]["p_agreement"].as_f64().unwrap();
    assert!(
        out.contains(&format!("reached agreement in {:.1}% of runs", 100.0 * p)),
        "{out}\n{p}"
    );
    // The game of run 0 as the simulation played it.
    let t = stdout(&negsim(&["trace", "--deadline", "4", "--seed", "9"]));
    let result = t.lines().find(|l| l.starts_with("Result:")).unwrap();
    if result.starts_with("Result: agreement") {
        assert!(
            out.contains("in this game: agreement in week"),
            "{out}\n{t}"
        );
    } else {
        assert!(out.contains("in this game: no deal"), "{out}\n{t}");
    }
}

#[test]
fn unknown_agent_and_bad_deadline_are_invalid_input() {
    let o = negsim(&["play", "--as", "ukrane"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown agent `ukrane`"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("did you mean `ukraine`?"));
    let o = negsim(&["play", "--as", "ukraine", "--deadline", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--deadline"), "{}", stderr(&o));
    let o = negsim(&["play"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The classroom changes: 80 columns, hints only when asked, a mediator's hint that is right,
/// and a debrief that reveals the game.
mod classroom {
    use crate::common::{negsim_stdin, stdout};
    use negsim::tools::play_text::wrap;

    #[test]
    fn wrapping_fits_80_columns_and_never_breaks_a_word() {
        let line = format!("  {}", "word ".repeat(40));
        let w = wrap(&line, 80);
        assert!(w.lines().all(|l| l.chars().count() <= 80), "{w}");
        assert_eq!(
            w.split_whitespace().collect::<Vec<_>>(),
            line.split_whitespace().collect::<Vec<_>>()
        );
        assert!(w.lines().skip(1).all(|l| l.starts_with("    word")), "{w}");
        let long = "x".repeat(100);
        assert_eq!(
            wrap(&long, 80),
            long,
            "a word longer than the line stays whole"
        );
    }

    #[test]
    fn every_line_fits_80_columns_and_hints_are_opt_in() {
        for agent in ["ukraine", "us", "russia"] {
            let args = ["play", "--as", agent, "--deadline", "12", "--runs", "50"];
            let plain = stdout(&negsim_stdin(&args, "r\nr\npass\nr\n"));
            let with: Vec<&str> = args.iter().copied().chain(["--hints"]).collect();
            let hinted = stdout(&negsim_stdin(&with, "r\nr\npass\nr\n"));
            for text in [&plain, &hinted] {
                for l in text.lines() {
                    assert!(l.chars().count() <= 80, "{agent}: {l}");
                }
            }
            assert!(!plain.contains("(hint:"), "{plain}");
            assert!(hinted.contains("(hint:"), "{hinted}");
            assert!(plain.contains("What each party wanted in this game"));
            assert!(plain.contains("could have passed") || plain.contains("no deal could"));
        }
    }

    #[test]
    fn the_text_the_mediator_hint_names_does_pass() {
        // Run 1 at 52 weeks ends in agreement in the simulation (README's trace exercise).
        let args = [
            "play",
            "--as",
            "us",
            "--deadline",
            "52",
            "--run",
            "1",
            "--runs",
            "20",
            "--hints",
        ];
        let mut checked = 0;
        for k in 0..52 {
            let o = stdout(&negsim_stdin(&args, &("pass\n".repeat(k) + "q\n")));
            let Some(rest) = o.split("this text would pass with ").nth(1) else {
                continue;
            };
            let numbers = rest.split(':').next().unwrap().to_string();
            let played = stdout(&negsim_stdin(
                &args,
                &("pass\n".repeat(k) + &numbers + "\nq\n"),
            ));
            assert!(
                played.contains(
                    "Answers: you accept, russia accepts, ukraine accepts, europe accepts"
                ),
                "week {}: {numbers}\n{played}",
                k + 1
            );
            assert!(played.contains("Agreement in week"), "{played}");
            checked += 1;
            if checked == 2 {
                break;
            }
        }
        assert!(checked > 0, "some week has a text that passes");
    }
}

/// Two (or more) people at one table: the hot-seat terminal and the browser's shared table.
mod two_players {
    use super::*;
    use negsim::tools::play::{play_table, seats_of};

    /// What the simulated `players` do, as the moves people would type in turn.
    struct Moves {
        players: Vec<usize>,
        proposer: Option<usize>,
        lines: Vec<String>,
        left: bool,
    }

    impl Observer for Moves {
        fn walk_out(&mut self, _round: u32, agent: usize) {
            self.left |= self.players.contains(&agent);
        }
        fn offer(&mut self, _round: u32, proposer: usize, package: &[u8]) {
            self.proposer = Some(proposer);
            if self.players.contains(&proposer) {
                let nums: Vec<String> = package.iter().map(|o| (o + 1).to_string()).collect();
                self.lines.push(nums.join(" "));
            }
        }
        fn no_offer(&mut self, _round: u32, proposer: usize) {
            self.proposer = Some(proposer);
            if self.players.contains(&proposer) {
                self.lines.push("pass".into());
            }
        }
        fn answer(&mut self, _round: u32, agent: usize, _u: f64, _t: f64, accept: bool) {
            if self.players.contains(&agent) && self.proposer != Some(agent) {
                self.lines.push(if accept { "a" } else { "r" }.into());
            }
        }
    }

    #[test]
    fn two_seats_moving_like_the_simulated_agents_reproduce_the_simulation() {
        // The bundled scenario, Ukraine and Russia played by people; their seats listed in
        // file order, the order in which the game asks for their answers. (Not the US: a
        // person's own text counts as their yes, a simulated mediator weighs it.)
        let sc = Scenario::bundled();
        let model = Model::new(&sc);
        let mut seats = seats_of(&sc, &["ukraine".into(), "russia".into()], "--as").unwrap();
        seats.sort_unstable();
        let (mut compared, mut deals) = (0, 0);
        for run in 0..30 {
            let mut moves = Moves {
                players: seats.clone(),
                proposer: None,
                lines: Vec::new(),
                left: false,
            };
            let (inst, sim) = trace_run(&model, sc.simulation.seed, run, 26, &mut moves);
            if moves.left {
                continue;
            }
            let opts = PlayOptions {
                seats: seats.clone(),
                deadline: 26,
                seed: sc.simulation.seed,
                run,
                runs: 5,
                echo: true,
                hints: false,
                handoff: false,
                clear: false,
            };
            let view = play_table(&model, &opts, &moves.lines).unwrap();
            let game = view.result.expect("the moves finish the game");
            assert_eq!(view.waiting, None);
            assert_eq!(game.end, sim.end, "run {run}:\n{}", view.transcripts[0]);
            for (k, &s) in seats.iter().enumerate() {
                let want = match sim.end {
                    End::Agreement { .. } => inst.utility(&model, s, &sim.package),
                    _ => inst.reservation[s],
                };
                assert_eq!(game.payoffs[k], want);
            }
            deals += usize::from(matches!(sim.end, End::Agreement { .. }));
            compared += 1;
        }
        assert!(compared >= 20 && deals > 0, "{deals} deals in {compared}");
    }

    #[test]
    fn each_seat_sees_the_public_lines_and_only_its_own_numbers() {
        let sc = Scenario::bundled();
        let model = Model::new(&sc);
        let seats = seats_of(&sc, &["ukraine".into(), "us".into()], "--as").unwrap();
        let opts = PlayOptions {
            seats: seats.clone(),
            deadline: 4,
            seed: 2025,
            run: 0,
            runs: 5,
            echo: true,
            hints: false,
            handoff: false,
            clear: false,
        };
        // The US tables a text; the game waits for Ukraine's answer.
        let view = play_table(&model, &opts, &["3 2 1 2 1 1".to_string()]).unwrap();
        assert_eq!(view.waiting, Some(seats[0]), "ukraine answers next");
        let (ua, us) = (&view.transcripts[0], &view.transcripts[1]);
        for (mine, theirs) in [(ua, "You are us"), (us, "You are ukraine")] {
            assert!(mine.contains("us tables the text: crimea=de_facto_russian"));
            assert!(!mine.contains(theirs), "{mine}");
        }
        assert!(ua.contains("You are ukraine") && us.contains("You are us"));
        // Ukraine sees the text's value to itself; the US sees its own proposal prompt.
        assert!(ua.contains("Accept or reject?") && !us.contains("Accept or reject?"));
        assert!(us.contains("Your proposal:") && !ua.contains("Your proposal:"));
        // The answer finishes the week for both.
        let view = play_table(&model, &opts, &["3 2 1 2 1 1".into(), "r".into()]).unwrap();
        for t in &view.transcripts {
            assert!(
                t.contains("  Answers: us accepts,") && t.contains("ukraine rejects"),
                "{t}"
            );
        }
        assert_eq!(
            view.waiting,
            Some(seats[1]),
            "the US tables again in week 2"
        );
    }

    #[test]
    fn the_hot_seat_asks_for_each_seat_before_its_numbers() {
        // Enter for Ukraine, Enter for the US, the US's text, Enter for Ukraine, its answer,
        // Enter for the US, then the input ends (the US walks out).
        let o = negsim_stdin(
            &[
                "play",
                "--as",
                "ukraine",
                "--as",
                "us",
                "--deadline",
                "4",
                "--runs",
                "20",
            ],
            "\n\n3 2 1 2 1 1\n\nr\n\n",
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let t = stdout(&o);
        for l in t.lines() {
            assert!(l.chars().count() <= 80, "{l}");
        }
        assert!(t.contains("2 people at one table"), "{t}");
        // Ukraine's numbers come only after the handoff to Ukraine has been answered.
        let handoff = t
            .find("ukraine: press Enter when you are at the keyboard")
            .unwrap();
        assert!(handoff < t.find("You are ukraine").unwrap());
        let to_ukraine = t.rfind("--- Ukraine (ukraine): your turn").unwrap();
        let breakdown = t.find("your utility 0.").unwrap();
        assert!(to_ukraine < breakdown, "{t}");
        assert!(t.contains("us walks out of the talks."), "{t}");
        assert!(t.contains("For ukraine (Ukraine):") && t.contains("For us (United States):"));
        assert!(
            !t.contains("\x1b["),
            "no screen clearing when stdout is not a terminal"
        );
    }

    #[test]
    fn unknown_or_repeated_seats_are_refused_with_the_flag_named() {
        let o = negsim(&["play", "--as", "ukraine", "--as", "usa"]);
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(
            e.contains("--as") && e.contains("usa") && e.contains("us"),
            "{e}"
        );
        let o = negsim(&["play", "--as", "us", "--as", "us"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("--as us is given twice"),
            "{}",
            stderr(&o)
        );
        let o = negsim(&["play"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("--as"), "{}", stderr(&o));
    }
}

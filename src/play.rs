//! `negsim play`: a person plays one agent in the terminal against the simulated others, or
//! several people share one table (hot-seat, or one browser tab each through `negsim serve`).
//!
//! The game is run `run` (default 0) of the master seed at one deadline: the player's
//! preferences and everyone else's are that run's sampled parameters, and the walk-out draws
//! come from that run's play stream, under exactly the rules of [`crate::protocol`] (walk-out
//! draws for every agent every round in file order, the same proposers, offer search,
//! mediator texts and answers). The one difference: the player never walks out by chance (its
//! draw is made and ignored); the player leaves only by typing `quit` or ending the input. So a
//! player who answers and proposes as the simulated agent would gets the simulated result.
//!
//! Input is read line by line: `accept`/`a`, `reject`/`r`, a proposal as one option number per
//! term (`2 1 3`), `pass` (make no offer), `quit` (walk out), `help`. Bad input asks again.
//!
//! With more than one seat, each line the game prints is either public (round headers, texts
//! tabled, answers, walk-outs, the debrief) or private to one seat (its preferences, the value
//! of a text to it, its prompts and hints). In a terminal the game asks for the next seat
//! before it shows that seat anything private, and clears the screen in between; through
//! [`play_table`] each seat sees only the public lines and its own.

use crate::error::{Error, InputError};
use crate::model::{Instance, Model};
use crate::montecarlo::trace_run;
use crate::protocol::{
    End, MediatorState, Observer, Workspace, agent_target, answer, offer_target, walk_outs,
};
use crate::report::package_string;
use crate::rng::play_rng;
use crate::scenario::{Protocol, Scenario};
use rayon::prelude::*;
use std::io::{BufRead, Write};

/// What to play.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayOptions {
    /// The agents played by people (indices, distinct, at least one); the rest are simulated.
    pub seats: Vec<usize>,
    /// Deadline in rounds.
    pub deadline: u32,
    /// Master seed.
    pub seed: u64,
    /// Which run's parameters and play stream the game uses.
    pub run: u64,
    /// Simulated runs the debrief compares the player with (runs `0..runs`, same seed).
    pub runs: u64,
    /// Repeat each input line after its prompt (when input does not come from a terminal,
    /// so that a scripted game reads as a transcript).
    pub echo: bool,
    /// Show what the scenario's strategy would do (`--hints`); off by default, so that a
    /// student decides unaided.
    pub hints: bool,
    /// With several seats, wait for a line (Enter) before showing a seat its private lines,
    /// so that the others can look away (the terminal's hot-seat).
    pub handoff: bool,
    /// Clear the screen before each handoff (only where the output is a terminal), so that
    /// the last seat's numbers are gone before the next one sits down.
    pub clear: bool,
}

impl PlayOptions {
    /// Whether more than one seat is played by people.
    fn shared(&self) -> bool {
        self.seats.len() > 1
    }
}

/// How the game ended, for the players.
#[derive(Debug, Clone, PartialEq)]
pub struct GameResult {
    /// How the negotiation ended.
    pub end: End,
    /// The agreed package (empty without agreement).
    pub package: Vec<u8>,
    /// Each seat's payoff (in the order of [`PlayOptions::seats`]): its utility for the
    /// agreement, or its reservation value.
    pub payoffs: Vec<f64>,
    /// Whether a seat walked out (by `quit` or end of input).
    pub player_left: bool,
}

/// The seats named by `ids` (agent ids), checked: each known and none twice; `flag` names
/// the option in messages.
pub fn seats_of(sc: &Scenario, ids: &[String], flag: &str) -> Result<Vec<usize>, InputError> {
    let mut seats = Vec::with_capacity(ids.len());
    for id in ids {
        let a = sc
            .agent_index(id)
            .ok_or_else(|| sc.unknown_agent(id, flag))?;
        if seats.contains(&a) {
            return Err(InputError::new(flag, format!("{flag} {id} is given twice"))
                .with_help("give each seat once: one person per agent (--as ukraine --as us)"));
        }
        seats.push(a);
    }
    if seats.is_empty() {
        return Err(InputError::new(flag, "no seat is given").with_help(format!(
            "name the agent you play, for example {flag} ukraine"
        )));
    }
    Ok(seats)
}

/// The deadline `play` uses by default: the middle one of the scenario's list (the lower
/// middle for an even count), long enough to bargain, short enough to finish in class.
pub fn default_deadline(deadlines: &[u32]) -> u32 {
    let mut d = deadlines.to_vec();
    d.sort_unstable();
    d[(d.len() - 1) / 2]
}

/// Collects who walked out in a round.
struct Leavers(Vec<usize>);

impl Observer for Leavers {
    fn walk_out(&mut self, _round: u32, agent: usize) {
        self.0.push(agent);
    }
}

/// One line of player input, read and classified.
enum Input {
    Accept,
    Reject,
    Pass,
    Quit,
    Help,
    Numbers(Vec<usize>),
    Other,
}

/// The game's state and terminal.
struct Game<'a, R, W> {
    model: &'a Model,
    inst: Instance,
    opts: &'a PlayOptions,
    input: R,
    out: W,
    label: String,
    /// The last package put on the table and who put it there.
    table: Option<(usize, Vec<u8>)>,
    /// The seat addressed now: private lines are its, prompts wait for it.
    seat: usize,
    /// Who may read what is said now: everyone (`None`) or one seat.
    audience: Option<usize>,
    /// Public lines since the last handoff, shown again after a cleared screen.
    recap: String,
    /// Where [`play_table`] collects the lines by audience instead of writing them out.
    log: Option<Vec<(Option<usize>, String)>>,
    /// Seats whose input ended before the first round (they walk out in it).
    gone: Vec<usize>,
    /// The seat whose line was asked for last (`None` once the game is over).
    waiting: Option<usize>,
}

fn io(e: std::io::Error) -> Error {
    Error::io("stdout", e)
}

impl<R: BufRead, W: Write> Game<'_, R, W> {
    fn say(&mut self, s: &str) -> Result<(), Error> {
        let text = crate::play_text::wrap(s, crate::play_text::WIDTH);
        if self.audience.is_none() && self.opts.clear {
            self.recap.push_str(&text);
        }
        if let Some(log) = &mut self.log {
            log.push((self.audience, text));
            return Ok(());
        }
        self.out.write_all(text.as_bytes()).map_err(io)
    }

    /// Says `s` to everyone.
    fn announce(&mut self, s: &str) -> Result<(), Error> {
        let was = self.audience.take();
        let r = self.say(s);
        self.audience = was;
        r
    }

    /// Turns to seat `s`: with several seats, announces whose turn it is and, in the
    /// terminal's hot-seat, clears the screen and waits for that seat's Enter before anything
    /// private is shown. `false` when the input ended there (that seat walks out).
    fn turn_to(&mut self, s: usize) -> Result<bool, Error> {
        if !self.opts.shared() {
            self.seat = s;
            self.audience = Some(s);
            return Ok(true);
        }
        if self.seat == s && self.audience == Some(s) {
            return Ok(true);
        }
        self.audience = None;
        let agent = &self.model.scenario.agents[s];
        let banner = format!(
            "\n--- {} ({}): your turn. Everyone else, look away. ---\n",
            agent.name, agent.id
        );
        if self.opts.clear {
            let recap = std::mem::take(&mut self.recap);
            self.out.write_all(b"\x1b[2J\x1b[H").map_err(io)?;
            self.say(&banner)?;
            self.recap.clear();
            self.seat = s;
            if self.opts.handoff && !self.wait_for_enter(s)? {
                return Ok(false);
            }
            self.out.write_all(b"\x1b[2J\x1b[H").map_err(io)?;
            // What happened in public since this seat last looked.
            self.out.write_all(recap.as_bytes()).map_err(io)?;
            self.recap.clear();
        } else {
            self.say(&banner)?;
            self.seat = s;
            if self.opts.handoff && !self.wait_for_enter(s)? {
                return Ok(false);
            }
        }
        self.audience = Some(s);
        Ok(true)
    }

    /// Waits for seat `s` to press Enter; `false` at end of input.
    fn wait_for_enter(&mut self, s: usize) -> Result<bool, Error> {
        let id = self.model.scenario.agents[s].id.clone();
        Ok(self
            .ask(&format!(
                "{id}: press Enter when you are at the keyboard > "
            ))?
            .is_some())
    }

    /// Prompts and reads one line; `None` at end of input.
    fn ask(&mut self, prompt: &str) -> Result<Option<Input>, Error> {
        self.say(prompt)?;
        self.waiting = Some(self.seat);
        self.out.flush().map_err(io)?;
        let mut line = String::new();
        let n = self.input.read_line(&mut line).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                // What the player typed is the input: not UTF-8 is invalid input (exit 2).
                InputError::new("stdin", "the input is not valid UTF-8 text")
                    .with_help("type the answers as plain text: a, r, q, pass or option numbers")
                    .into()
            } else {
                Error::io("stdin", e)
            }
        })?;
        if n == 0 {
            self.say("\n")?;
            return Ok(None);
        }
        if self.opts.echo {
            self.say(&format!("{}\n", line.trim_end()))?;
        }
        let l = line.trim().to_lowercase();
        Ok(Some(match l.as_str() {
            "a" | "accept" | "y" | "yes" => Input::Accept,
            "r" | "reject" | "n" | "no" => Input::Reject,
            "p" | "pass" => Input::Pass,
            "q" | "quit" | "walk" | "exit" => Input::Quit,
            "h" | "help" | "?" => Input::Help,
            _ => match l
                .split([' ', ',', '\t'])
                .filter(|w| !w.is_empty())
                .map(str::parse::<usize>)
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(v) if !v.is_empty() => Input::Numbers(v),
                _ => Input::Other,
            },
        }))
    }

    fn name(&self, a: usize) -> &str {
        &self.model.scenario.agents[a].id
    }

    /// Whether agent `a` leaving ends the talks.
    fn essential(&self, a: usize) -> bool {
        self.model.signatory[a] || self.model.mediator == Some(a)
    }

    fn intro(&mut self) -> Result<(), Error> {
        if !self.opts.shared() {
            let p = self.opts.seats[0];
            self.seat = p;
            self.audience = Some(p);
            let head = self.header(p);
            return self.intro_private(head);
        }
        let (m, o) = (self.model, self.opts);
        let sc = &m.scenario;
        let ids: Vec<&str> = o.seats.iter().map(|&a| sc.agents[a].id.as_str()).collect();
        let s = format!(
            "negsim play: {} people at one table in \"{}\": {}\n{} protocol, deadline {} {}s, seed {}, run {}.\nEach seat's preferences are private: when the game turns to a seat, the others look away. The agents nobody plays are simulated.\n",
            ids.len(),
            sc.name,
            ids.join(" and "),
            sc.simulation.protocol.as_str(),
            o.deadline,
            self.label,
            o.seed,
            o.run
        );
        self.announce(&s)?;
        for &p in &o.seats {
            if !self.turn_to(p)? {
                // Left before the game began: the rounds see that seat gone at once.
                self.gone.push(p);
                continue;
            }
            let a = &sc.agents[p];
            let head = format!("\nYou are {} ({}).\n", a.id, a.name);
            self.intro_private(head)?;
        }
        Ok(())
    }

    /// The line that opens a one-seat game.
    fn header(&self, p: usize) -> String {
        let sc = &self.model.scenario;
        format!(
            "negsim play: you are {} ({}) in \"{}\"\n{} protocol, deadline {} {}s, seed {}, run {}.\n\n",
            sc.agents[p].id,
            sc.agents[p].name,
            sc.name,
            sc.simulation.protocol.as_str(),
            self.opts.deadline,
            self.label,
            self.opts.seed,
            self.opts.run
        )
    }

    /// The seat's role, preferences and the others, after `head`.
    fn intro_private(&mut self, head: String) -> Result<(), Error> {
        let (m, p) = (self.model, self.seat);
        let sc = &m.scenario;
        let mut s = head;
        let role = if m.mediator == Some(p) {
            "You are the mediator: every round you table the single negotiating text; the signatories answer."
        } else if m.signatory[p] {
            "You sign: no deal without your yes."
        } else if m.protocol == Protocol::Mediated {
            "You neither sign nor draft the text in this protocol: watch how the talks go."
        } else {
            "You do not sign: you may propose, but the signatories decide."
        };
        s += role;
        s += "\n\nYour preferences in this game (what this run sampled for you):\n";
        s += &format!(
            "  reservation value (what no deal is worth to you): {:.3}\n",
            self.inst.reservation[p]
        );
        s += &self.menu();
        let others: Vec<String> = (0..m.n_agents())
            .filter(|&a| a != p)
            .map(|a| {
                let role = if m.mediator == Some(a) {
                    "mediator"
                } else if m.signatory[a] {
                    "signs"
                } else {
                    "does not sign"
                };
                format!("{} ({role})", sc.agents[a].id)
            })
            .collect();
        s += &format!(
            "\nThe others: {}. Their preferences are private; their red lines (options they never accept) are public and cannot be proposed.\n",
            others.join(", ")
        );
        s += HELP;
        self.say(&s)
    }

    /// The terms with the player's weight and the numbered options with its values.
    fn menu(&self) -> String {
        let (m, p) = (self.model, self.seat);
        let sc = &m.scenario;
        let (nt, no) = (m.n_terms(), m.n_opts);
        let mut s = String::new();
        for t in 0..nt {
            let w = self.inst.weights[p * nt + t];
            let opts: Vec<String> = sc.terms[t]
                .options
                .iter()
                .enumerate()
                .map(|(o, name)| {
                    let k = m.offsets[t] + o;
                    let mark = if m.red[p * no + k] {
                        " (your red line)"
                    } else if !m.allowed[p * no + k] {
                        " (a signatory's red line)"
                    } else {
                        ""
                    };
                    format!("{} {name} {:.2}{mark}", o + 1, self.inst.values[p * no + k])
                })
                .collect();
            s += &format!(
                "  {} (weight {:.2}): {}\n",
                sc.terms[t].id,
                w,
                opts.join(" | ")
            );
        }
        s
    }

    /// The package with the player's per-term breakdown.
    fn show_offer(&mut self, who: usize, pkg: &[u8]) -> Result<(), Error> {
        let (m, p) = (self.model, self.seat);
        let sc = &m.scenario;
        let (nt, no) = (m.n_terms(), m.n_opts);
        let mediated = m.protocol == Protocol::Mediated;
        let mut s = match (who == p, mediated) {
            (true, true) => "You table the text:\n".to_string(),
            (true, false) => "You propose:\n".to_string(),
            (false, true) => format!("{} tables the text:\n", sc.agents[who].id),
            (false, false) => format!("{} proposes:\n", sc.agents[who].id),
        };
        // Columns as wide as the longest id, so that a row fits 80 columns where it can.
        let tw = sc.terms.iter().map(|t| t.id.len()).max().unwrap_or(0);
        let ow = sc
            .terms
            .iter()
            .flat_map(|t| t.options.iter().map(String::len))
            .max()
            .unwrap_or(0);
        for (t, &o) in pkg.iter().enumerate() {
            let k = m.offsets[t] + o as usize;
            let w = self.inst.weights[p * nt + t];
            let v = self.inst.values[p * no + k];
            s += &format!(
                "  {:<tw$} {:>2} {:<ow$} value {:.2} x weight {:.2} = {:.3}\n",
                sc.terms[t].id,
                o + 1,
                sc.terms[t].options[o as usize],
                v,
                w,
                self.inst.util[p * no + k]
            );
        }
        let u = self.inst.utility(m, p, pkg);
        s += &format!(
            "  your utility {:.3}; your reservation value {:.3} ({})\n",
            u,
            self.inst.reservation[p],
            if u >= self.inst.reservation[p] {
                "better than no deal"
            } else {
                "worse than no deal"
            }
        );
        self.say(&s)
    }

    /// Asks for accept/reject until valid; `None` when the player quits or input ends.
    fn ask_answer(&mut self, round: u32) -> Result<Option<bool>, Error> {
        let tgt = agent_target(&self.inst, self.seat, round, self.opts.deadline)
            .max(self.inst.no_deal_value(self.seat, round));
        let prompt = if self.opts.hints {
            format!(
                "(hint: following the scenario's strategy you would accept from {tgt:.3})\nAccept or reject? [a/r/q] > "
            )
        } else {
            "Accept or reject? [a/r/q] > ".to_string()
        };
        loop {
            match self.ask(&prompt)? {
                None | Some(Input::Quit) => return Ok(None),
                Some(Input::Accept) => return Ok(Some(true)),
                Some(Input::Reject) => return Ok(Some(false)),
                Some(Input::Help) => self.say(HELP)?,
                Some(_) => self.say("Please answer a (accept), r (reject) or q (walk out).\n")?,
            }
        }
    }

    /// Asks for a proposal until valid: `Ok(Some(Some(pkg)))` an offer, `Ok(Some(None))` no
    /// offer, `Ok(None)` the player quits or input ends.
    fn ask_proposal(&mut self, round: u32) -> Result<Option<Option<Vec<u8>>>, Error> {
        let (m, p) = (self.model, self.seat);
        let nt = m.n_terms();
        let tgt = agent_target(&self.inst, p, round, self.opts.deadline);
        let mut menu = String::new();
        if let Some((who, pkg)) = &self.table {
            menu = format!(
                "On the table: {} last offer, worth {:.3} to you (reservation value {:.3}): {}\n",
                if *who == p {
                    "your".to_string()
                } else {
                    format!("{}'s", self.name(*who))
                },
                self.inst.utility(m, p, pkg),
                self.inst.reservation[p],
                package_string(m, pkg)
            );
        }
        menu += &format!(
            "Your turn to propose. Options (number, name, value to you):\n{}",
            self.menu()
        );
        self.say(&menu)?;
        // A mediator drafts by its weighting of everyone's wishes, not by a target.
        let hint = if !self.opts.hints {
            String::new()
        } else if m.mediator == Some(p) {
            self.mediator_hint(round)
        } else {
            format!(
                "(hint: following the scenario's strategy you would offer nothing worth less than {tgt:.3} to you)\n"
            )
        };
        let prompt =
            format!("{hint}Your proposal: {nt} option number(s), one per term, or pass / q > ");
        loop {
            let line = match self.ask(&prompt)? {
                None | Some(Input::Quit) => return Ok(None),
                Some(Input::Pass) => return Ok(Some(None)),
                Some(Input::Help) => {
                    self.say(HELP)?;
                    continue;
                }
                Some(Input::Numbers(v)) => v,
                Some(_) => {
                    self.say(&format!(
                        "Please give {nt} option number(s), one per term in the order listed (for example {}), or pass, or q.\n",
                        vec!["1"; nt].join(" ")
                    ))?;
                    continue;
                }
            };
            match self.check_proposal(&line) {
                Ok(pkg) => return Ok(Some(Some(pkg))),
                Err(msg) => self.say(&format!("{msg}\n"))?,
            }
        }
    }

    /// For the mediator: the texts every signatory would accept this round, by the scenario's
    /// strategies (the option numbers to type).
    fn mediator_hint(&self, round: u32) -> String {
        let m = self.model;
        let numbers = |pkg: &[u8]| {
            pkg.iter()
                .map(|o| (o + 1).to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        match crate::play_text::passing_now(m, &self.inst, round, self.opts.deadline, 3) {
            None => "(hint: the outcome space is too large to search for passing texts)\n".into(),
            Some((_, 0)) => format!(
                "(hint: no text would pass this {}: every one is rejected by some signatory)\n",
                self.label
            ),
            Some((best, n)) => {
                let mut h = format!(
                    "(hint: {n} text(s) would pass this {}; the best for the signatories:)\n",
                    self.label
                );
                for pkg in best {
                    h += &format!(
                        "  this text would pass with {}: {}\n",
                        numbers(&pkg),
                        package_string(m, &pkg)
                    );
                }
                h
            }
        }
    }

    /// Validates a proposal (1-based option numbers); the message says what is wrong.
    fn check_proposal(&self, nums: &[usize]) -> Result<Vec<u8>, String> {
        let (m, p) = (self.model, self.seat);
        let sc = &m.scenario;
        let no = m.n_opts;
        if nums.len() != m.n_terms() {
            return Err(format!(
                "{} number(s) given; give exactly {}, one per term ({}).",
                nums.len(),
                m.n_terms(),
                sc.terms
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let mut pkg = Vec::with_capacity(nums.len());
        for (t, &n) in nums.iter().enumerate() {
            let term = &sc.terms[t];
            if n == 0 || n > term.options.len() {
                return Err(format!(
                    "term {} has options 1 to {}; {n} is not one of them.",
                    term.id,
                    term.options.len()
                ));
            }
            let k = m.offsets[t] + n - 1;
            if !m.allowed[p * no + k] {
                let who: Vec<&str> = (0..m.n_agents())
                    .filter(|&a| m.red[a * no + k] && (m.signatory[a] || a == p))
                    .map(|a| {
                        if a == p {
                            "you"
                        } else {
                            sc.agents[a].id.as_str()
                        }
                    })
                    .collect();
                return Err(format!(
                    "{} = {} is a red line of {}: it cannot be proposed. Choose another option.",
                    term.id,
                    term.options[n - 1],
                    who.join(" and ")
                ));
            }
            pkg.push((n - 1) as u8);
        }
        Ok(pkg)
    }

    /// Plays the rounds; mirrors `protocol::alternating` and `protocol::mediated`.
    fn rounds(&mut self) -> Result<GameResult, Error> {
        let m = self.model;
        let (na, deadline) = (m.n_agents(), self.opts.deadline);
        let seats = self.opts.seats.clone();
        let is_seat = |a: usize| seats.contains(&a);
        let mut ws = Workspace::default();
        ws.prepare(m, &self.inst);
        // Backward-induction agents play their equilibrium plan for this deadline.
        crate::equilibrium::solve_all(m, &self.inst, &mut ws.plans, deadline);
        // The players leave only by choice: their chance draws are made (to keep the stream
        // in step) against a walk-out chance of 0.
        let mut drawn = self.inst.clone();
        for &p in &seats {
            drawn.walk_away[p] = 0.0;
        }
        let mut rng = play_rng(self.opts.seed, self.opts.run);
        let mut departed = 0u64;
        let mut mediator = MediatorState::new(m, &self.inst);
        let mut offer = Vec::new();
        let mut player_left = false;
        let end = 'game: {
            for round in 1..=deadline {
                let mut leavers = Leavers(Vec::new());
                let ended = walk_outs(m, &drawn, &mut departed, round, &mut rng, &mut leavers);
                let label = self.label.clone();
                self.announce(&format!("\n=== {label} {round} of {deadline} ===\n"))?;
                for a in leavers.0 {
                    let s = format!("{} walks out of the talks.\n", self.name(a));
                    self.announce(&s)?;
                }
                if let Some(agent) = ended {
                    break 'game End::WalkOut { round, agent };
                }
                // Seats whose input ended before the first round.
                for p in std::mem::take(&mut self.gone) {
                    player_left = true;
                    departed |= 1 << p;
                    let s = format!("{} walks out of the talks.\n", self.name(p));
                    self.announce(&s)?;
                    if self.essential(p) {
                        break 'game End::WalkOut { round, agent: p };
                    }
                }
                let proposer = match m.protocol {
                    Protocol::Mediated => m.mediator.expect("validated"),
                    // Refused by `play_game`; the rotation is the nearest rule.
                    Protocol::Alternating | Protocol::Legislative => {
                        let start = (round as usize - 1) % na;
                        match (0..na)
                            .map(|i| (start + i) % na)
                            .find(|&a| departed & (1 << a) == 0)
                        {
                            Some(a) => a,
                            None => break 'game End::Expired,
                        }
                    }
                };
                let mut left = false;
                let has_offer = if is_seat(proposer) && departed & (1 << proposer) == 0 {
                    let proposal = if self.turn_to(proposer)? {
                        self.ask_proposal(round)?
                    } else {
                        None
                    };
                    match proposal {
                        None => {
                            player_left = true;
                            left = true;
                            departed |= 1 << proposer;
                            self.walked_out(proposer)?;
                            if self.essential(proposer) {
                                break 'game End::WalkOut {
                                    round,
                                    agent: proposer,
                                };
                            }
                            false
                        }
                        Some(None) => false,
                        Some(Some(pkg)) => {
                            offer = pkg;
                            true
                        }
                    }
                } else if m.protocol == Protocol::Mediated {
                    mediator.text(m, &self.inst, round, deadline, &mut offer)
                } else if m.equilibrium & (1 << proposer) != 0 {
                    ws.plans[proposer].offer_into(round, &mut offer)
                } else {
                    let tgt = offer_target(&self.inst, proposer, round, deadline);
                    ws.searches[proposer].search(tgt, &mut offer).is_some()
                };
                if !has_offer {
                    if !left {
                        let who = if !self.opts.shared() && proposer == self.seat {
                            "You".to_string()
                        } else {
                            self.name(proposer).to_string()
                        };
                        self.announce(&format!("{who} makes no offer this {label}.\n"))?;
                    }
                    continue;
                }
                self.table = Some((proposer, offer.clone()));
                let mut rejecters = 0u64;
                // The seats that answer, in file order; the proposer's own text is its yes.
                let answering: Vec<usize> = seats
                    .iter()
                    .copied()
                    .filter(|&s| m.signatory[s] && s != proposer)
                    .collect();
                if !self.opts.shared() {
                    self.show_offer(proposer, &offer)?;
                } else {
                    let s = format!(
                        "{} {}: {}\n",
                        self.name(proposer),
                        if m.protocol == Protocol::Mediated {
                            "tables the text"
                        } else {
                            "proposes"
                        },
                        package_string(m, &offer)
                    );
                    self.announce(&s)?;
                    if answering.is_empty() && is_seat(proposer) {
                        self.show_offer(proposer, &offer)?;
                    }
                }
                for &s in &answering {
                    let said = if self.turn_to(s)? {
                        if self.opts.shared() {
                            self.show_offer(proposer, &offer)?;
                        }
                        self.ask_answer(round)?
                    } else {
                        None
                    };
                    match said {
                        None => {
                            player_left = true;
                            self.walked_out(s)?;
                            break 'game End::WalkOut { round, agent: s };
                        }
                        Some(false) => rejecters |= 1 << s,
                        Some(true) => {}
                    }
                }
                let mut answers = Vec::new();
                if !self.opts.shared() && m.signatory[self.seat] {
                    answers.push(if rejecters & (1 << self.seat) != 0 {
                        "you reject".to_string()
                    } else {
                        "you accept".to_string()
                    });
                }
                for s in (0..na).filter(|&s| m.signatory[s]) {
                    let ok = if is_seat(s) {
                        if !self.opts.shared() {
                            continue;
                        }
                        rejecters & (1 << s) == 0
                    } else {
                        let ok = if m.equilibrium & (1 << s) != 0 {
                            // As `protocol::answers` judges for a backward-induction agent.
                            let u = self.inst.utility(m, s, &offer);
                            let crosses = offer
                                .iter()
                                .zip(&m.offsets)
                                .any(|(&o, &off)| m.red[s * m.n_opts + off + o as usize]);
                            u >= ws.plans[s].threshold(round) && !crosses
                        } else {
                            answer(m, &self.inst, s, &offer, round, deadline).0
                        };
                        if !ok {
                            rejecters |= 1 << s;
                        }
                        ok
                    };
                    answers.push(format!(
                        "{} {}",
                        self.name(s),
                        if ok { "accepts" } else { "rejects" }
                    ));
                }
                self.announce(&format!("  Answers: {}.\n", answers.join(", ")))?;
                if rejecters == 0 {
                    break 'game End::Agreement { round };
                }
                if m.protocol == Protocol::Mediated {
                    mediator.answered(m, &self.inst, &offer, rejecters);
                }
            }
            End::Expired
        };
        let package = match end {
            End::Agreement { .. } => offer,
            _ => Vec::new(),
        };
        let payoffs = seats
            .iter()
            .map(|&p| {
                if package.is_empty() {
                    self.inst.reservation[p]
                } else {
                    self.inst.utility(m, p, &package)
                }
            })
            .collect();
        Ok(GameResult {
            end,
            package,
            payoffs,
            player_left,
        })
    }

    /// Says that seat `p` walked out: "You" to a lone player, its id at a shared table.
    fn walked_out(&mut self, p: usize) -> Result<(), Error> {
        let s = if self.opts.shared() {
            format!("{} walks out of the talks.\n", self.name(p))
        } else {
            "You walk out of the talks.\n".to_string()
        };
        self.announce(&s)
    }

    fn debrief(&mut self, g: &GameResult) -> Result<(), Error> {
        let (m, o) = (self.model, self.opts);
        // The debrief reveals everything: it is for everyone at the table.
        self.audience = None;
        self.waiting = None;
        let shared = o.shared();
        let p = o.seats[0];
        let label = self.label.clone();
        let mut s = String::from("\n=== Debrief ===\n");
        s += &match g.end {
            End::Agreement { round } => format!(
                "Agreement in {label} {round}: {}\n",
                package_string(m, &g.package)
            ),
            End::WalkOut { round, agent } if agent == p && !shared => {
                format!("No deal: you walked out in {label} {round}.\n")
            }
            End::WalkOut { round, agent } => format!(
                "No deal: {} walked out in {label} {round}.\n",
                self.name(agent)
            ),
            End::Expired => format!(
                "No deal: the deadline of {} {label}s passed without agreement.\n",
                o.deadline
            ),
        };
        for (k, &p) in o.seats.iter().enumerate() {
            if shared {
                let a = &m.scenario.agents[p];
                s += &format!("\nFor {} ({}):\n", a.id, a.name);
            }
            s += &self.seat_debrief(p, g.payoffs[k]);
        }
        s += "\n";
        s += &crate::play_text::reveal(m, &self.inst);
        s += &match crate::play_text::zone(m, &self.inst, 5) {
            None => "(The outcome space is too large to list the texts that would have passed.)\n".into(),
            Some((_, 0)) => "No text was better than no deal for every signatory: no deal could have passed on its merits.\n".into(),
            Some((best, n)) => {
                let mut z = format!(
                    "{n} text(s) were better than no deal for every signatory and could have passed; the best for the signatories:\n"
                );
                for pkg in best {
                    z += &format!("  {}\n", package_string(m, &pkg));
                }
                z
            }
        };
        self.say(&s)?;
        self.out.flush().map_err(io)
    }

    /// The debrief of seat `p`, whose payoff was `payoff`: against the simulated agent in
    /// this game and over the simulated runs.
    fn seat_debrief(&self, p: usize, payoff: f64) -> String {
        let (m, o) = (self.model, self.opts);
        let label = &self.label;
        let mut s = String::new();
        let res = self.inst.reservation[p];
        s += &format!(
            "Your utility: {:.3} (reservation value {res:.3}, gain {:+.3}).\n",
            payoff,
            payoff - res
        );
        // What the simulated agent did in this very game.
        let (_, sim) = trace_run(m, o.seed, o.run, o.deadline, &mut ());
        let sim_payoff = match sim.end {
            End::Agreement { .. } => self.inst.utility(m, p, &sim.package),
            _ => res,
        };
        s += &format!(
            "In your seat the simulated {} got {:.3} in this game: {}.\n",
            self.name(p),
            sim_payoff,
            match sim.end {
                End::Agreement { round } => format!(
                    "agreement in {label} {round} on {}",
                    package_string(m, &sim.package)
                ),
                End::WalkOut { round, agent } => format!(
                    "no deal, {} walked out in {label} {round}",
                    self.name(agent)
                ),
                End::Expired => "no deal, time ran out".into(),
            }
        );
        // The agent's outcomes over simulated runs with the same seed.
        let payoffs = simulated_payoffs(m, o, p);
        let n = payoffs.len();
        if n > 0 {
            let deals = payoffs.iter().filter(|x| x.1).count();
            let mut v: Vec<f64> = payoffs.iter().map(|x| x.0).collect();
            v.sort_by(f64::total_cmp);
            let q = |f: f64| v[((n - 1) as f64 * f).round() as usize];
            let mean = v.iter().sum::<f64>() / n as f64;
            let below = v.iter().filter(|&&x| x < payoff - 1e-12).count();
            let equal = v.iter().filter(|&&x| (x - payoff).abs() <= 1e-12).count();
            s += &format!(
                "Over {n} simulated runs (seed {}, deadline {} {label}s) the simulated {}:\n  reached agreement in {:.1}% of runs; its utility (reservation value when no deal): mean {mean:.3}, 10th percentile {:.3}, median {:.3}, 90th percentile {:.3}.\n  You did better than {below} of the {n} runs ({:.1}%){}.\n",
                o.seed,
                o.deadline,
                self.name(p),
                100.0 * deals as f64 / n as f64,
                q(0.1),
                q(0.5),
                q(0.9),
                100.0 * below as f64 / n as f64,
                if equal > 0 {
                    format!(" and as well as {equal}")
                } else {
                    String::new()
                }
            );
            s += "  (Each run samples its own preferences, so compare with care: utilities are on the agent's own 0-1 scale.)\n";
        }
        s
    }
}

const HELP: &str = "\nHow to answer: a = accept, r = reject, q = walk out (so does ending the input).\nTo propose, type one option number per term in the order listed, e.g. \"2 1 3\"; pass = make no offer.\n";

/// Each simulated run's payoff for agent `p` (its utility in agreement, else its reservation
/// value) and whether it agreed, for runs `0..opts.runs`; same order for any thread count.
pub fn simulated_payoffs(model: &Model, opts: &PlayOptions, p: usize) -> Vec<(f64, bool)> {
    (0..opts.runs)
        .into_par_iter()
        .map(|run| {
            let (inst, res) = trace_run(model, opts.seed, run, opts.deadline, &mut ());
            match res.end {
                End::Agreement { .. } => (inst.utility(model, p, &res.package), true),
                _ => (inst.reservation[p], false),
            }
        })
        .collect()
}

/// Plays a game, reading the player's moves from `input` and writing to `out`; the debrief is
/// printed however the game ends (end of input counts as walking out).
pub fn play_game<R: BufRead, W: Write>(
    model: &Model,
    opts: &PlayOptions,
    input: R,
    out: W,
) -> Result<GameResult, Error> {
    if model.protocol == Protocol::Legislative {
        // Not yet: the game's prompts follow the rotation of alternating offers and the
        // mediator's text; a recognized proposer and quota votes need their own.
        return Err(InputError::new(
            "negsim play",
            "negsim play does not support protocol = \"legislative\" yet",
        )
        .with_help("simulate it with `negsim run`, or play a scenario with protocol = \"alternating\" or \"mediated\"")
        .into());
    }
    let mut inst = Instance::default();
    model.sample_into(opts.seed, opts.run, &mut inst);
    let mut g = Game {
        model,
        inst,
        opts,
        input,
        out,
        label: model.scenario.simulation.round_label.clone(),
        table: None,
        seat: opts.seats[0],
        audience: None,
        recap: String::new(),
        log: None,
        gone: Vec::new(),
        waiting: None,
    };
    g.intro()?;
    let result = g.rounds()?;
    g.debrief(&result)?;
    Ok(result)
}

/// A shared table as one seat sees it (see [`play_table`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TableView {
    /// Per seat (in the order of [`PlayOptions::seats`]): the public lines and its own.
    pub transcripts: Vec<String>,
    /// The seat (agent index) whose move the game waits for; `None` once it is over.
    pub waiting: Option<usize>,
    /// How the game ended, once it is over.
    pub result: Option<GameResult>,
}

/// Input that, when its lines run out, says "wait for the player" (an error of kind
/// `WouldBlock`) rather than ending, which would be walking out.
struct Lines(std::io::Cursor<Vec<u8>>);

impl std::io::Read for Lines {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl BufRead for Lines {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.0.position() as usize >= self.0.get_ref().len() {
            return Err(std::io::Error::from(std::io::ErrorKind::WouldBlock));
        }
        self.0.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.0.consume(n)
    }
}

/// Plays a game as far as `lines` (every move typed so far, in turn) go, keeping each line
/// printed with its audience, so that every seat can be shown the public lines and its own
/// (the browser's shared table of `negsim serve`). The game is deterministic, so replaying the
/// moves from the start rebuilds it: the server keeps only the moves.
pub fn play_table(model: &Model, opts: &PlayOptions, lines: &[String]) -> Result<TableView, Error> {
    let mut text = Vec::new();
    for l in lines {
        // One line per move: a newline inside would be two moves.
        text.extend(l.replace(['\n', '\r'], " ").bytes());
        text.push(b'\n');
    }
    let mut inst = Instance::default();
    model.sample_into(opts.seed, opts.run, &mut inst);
    let mut g = Game {
        model,
        inst,
        opts,
        input: Lines(std::io::Cursor::new(text)),
        out: std::io::sink(),
        label: model.scenario.simulation.round_label.clone(),
        table: None,
        seat: opts.seats[0],
        audience: None,
        recap: String::new(),
        log: Some(Vec::new()),
        gone: Vec::new(),
        waiting: None,
    };
    let played = (|| {
        g.intro()?;
        let result = g.rounds()?;
        g.debrief(&result)?;
        Ok::<_, Error>(result)
    })();
    let result = match played {
        Ok(r) => Some(r),
        Err(Error::Io { cause, .. }) if cause.kind() == std::io::ErrorKind::WouldBlock => None,
        Err(e) => return Err(e),
    };
    let log = g.log.take().unwrap_or_default();
    let transcripts = opts
        .seats
        .iter()
        .map(|&s| {
            log.iter()
                .filter(|(who, _)| who.is_none_or(|w| w == s))
                .map(|(_, t)| t.as_str())
                .collect()
        })
        .collect();
    Ok(TableView {
        transcripts,
        waiting: if result.is_some() { None } else { g.waiting },
        result,
    })
}

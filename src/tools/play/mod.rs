//! `negsim play`: a person plays one agent in the terminal against the simulated others, or
//! several people share one table (hot-seat, or one browser tab each through `negsim serve`).
//!
//! The game is run `run` (default 0) of the master seed at one deadline: the player's
//! preferences and everyone else's are that run's sampled parameters, and the walk-out draws
//! come from that run's play stream, under exactly the rules of [`crate::engine::protocol`] (walk-out
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

use crate::engine::model::{Instance, Model};
use crate::engine::montecarlo::trace_run;
use crate::engine::protocol::{
    End, MediatorState, Observer, Workspace, agent_target, answer, offer_target, walk_outs,
};
use crate::engine::rng::play_rng;
use crate::error::{Error, InputError};
use crate::report::package_string;
use crate::scenario::{Protocol, Scenario};
use rayon::prelude::*;
use std::io::{BufRead, Write};

mod debrief;
mod seat;

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
    /// Plays the rounds; mirrors `protocol::alternating` and `protocol::mediated`.
    fn rounds(&mut self) -> Result<GameResult, Error> {
        let m = self.model;
        let (na, deadline) = (m.n_agents(), self.opts.deadline);
        let seats = self.opts.seats.clone();
        let is_seat = |a: usize| seats.contains(&a);
        let mut ws = Workspace::default();
        ws.prepare(m, &self.inst);
        // Backward-induction agents play their equilibrium plan for this deadline.
        crate::engine::equilibrium::solve_all(m, &self.inst, &mut ws.plans, deadline);
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

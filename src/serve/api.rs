//! The JSON API behind the page: the scenario's editable numbers, a run of the edited
//! scenario compared with the file, the edited scenario as TOML, and a game of `play`.
//!
//! Edits are `PATH = number` pairs applied exactly as `negsim sweep --param PATH=VALUE` does
//! (through [`crate::study::sweep::Sweep`]), so every rule of the file format applies to them and a
//! bad edit gets the sweep's message. Every handler is a plain function of the request body,
//! so the tests call them without a socket.

use crate::engine::dist::{Dist, Param};
use crate::engine::model::Model;
use crate::engine::montecarlo::Control;
use crate::error::{Error, InputError};
use crate::request::{Overrides, ResolvedSim};
use crate::scenario::{Clock, Scenario, describe_param};
use crate::study::compare::{Comparison, Side, paired, side};
use crate::study::sweep::Sweep;
use crate::tools::play::{PlayOptions, TableView, default_deadline, play_table, seats_of};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// Most runs one request of the page may ask for (a class shares one laptop's cores).
pub const MAX_PAGE_RUNS: u64 = 100_000;

/// Where errors about a request body point.
const ORIGIN: &str = "the request";

/// The scenario the page edits: its text, its name in messages, and the parsed file.
#[derive(Debug)]
pub struct State {
    /// The file's TOML text.
    pub source: String,
    /// The file's name in messages.
    pub origin: String,
    /// The file as read.
    pub scenario: Scenario,
    /// The file's side of a comparison, by run count. Why: the file never changes, so a
    /// slider's redraw plays only the edited scenario, half the work.
    cache: Mutex<Vec<(u64, Arc<Side>)>>,
    /// The shared tables (two browser tabs, one game), by number. The server holds each
    /// game's moves; every view replays them.
    tables: Mutex<Vec<Table>>,
}

/// One shared game: its scenario and settings, the moves so far, and the last replay.
#[derive(Debug)]
struct Table {
    scenario: Scenario,
    opts: PlayOptions,
    lines: Vec<String>,
    /// The replay of `lines` (kept until the next move: tabs poll it).
    view: Option<TableView>,
}

/// Most shared tables one server keeps (a class of forty in pairs, and some restarts).
pub const MAX_TABLES: usize = 256;

/// Run counts whose results of the file are kept (dragging and released, and a few more).
const CACHED_COUNTS: usize = 4;

impl State {
    /// The state of a page editing `scenario`, read from `source` (named `origin`).
    pub fn new(source: String, origin: String, scenario: Scenario) -> State {
        State {
            source,
            origin,
            scenario,
            cache: Mutex::new(Vec::new()),
            tables: Mutex::new(Vec::new()),
        }
    }

    /// The file's side for `sim`, played once per run count.
    fn file_side(&self, sim: &ResolvedSim) -> Result<Arc<Side>, Error> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, s)) = cache.iter().find(|(r, _)| *r == sim.runs) {
            return Ok(Arc::clone(s));
        }
        let s = Arc::new(side(&self.scenario, sim, &Control::default())?);
        if cache.len() >= CACHED_COUNTS {
            cache.remove(0);
        }
        cache.push((sim.runs, Arc::clone(&s)));
        Ok(s)
    }
}

/// One number of the scenario the page shows as a slider.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Slider {
    /// Its sweep path (`agents.russia.weights.sanctions`).
    pub path: String,
    /// The agent it belongs to (its display name).
    pub agent: String,
    /// The term it belongs to (its name), if any: the page heads its sliders with it.
    pub term: Option<String>,
    /// What it is, in words ("weight", "value of maintained").
    pub label: String,
    /// The value the slider starts at: the file's value, or its distribution's mean.
    pub value: f64,
    /// How the file gives it ("triangular(0.1, 0.15, 0.2)").
    pub file: String,
    /// Slider range and step.
    pub min: f64,
    /// Largest value of the slider.
    pub max: f64,
    /// Step of the slider.
    pub step: f64,
}

/// What the page needs to draw its controls.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    /// Scenario name.
    pub name: String,
    /// The file's name.
    pub origin: String,
    /// What a round is called.
    pub round_label: String,
    /// Deadlines (or checkpoints) reported.
    pub deadlines: Vec<u32>,
    /// The file's runs per deadline.
    pub runs: u64,
    /// The master seed.
    pub seed: u64,
    /// The agents' ids and names.
    pub agents: Vec<(String, String)>,
    /// The deadline `play` uses by default.
    pub play_deadline: u32,
    /// Every editable number.
    pub sliders: Vec<Slider>,
}

/// A slider for `p` at `path`, in `[lo, hi]` (widened to hold the file's value).
fn slider(path: String, agent: &str, label: String, p: &Param, lo: f64, hi: f64) -> Slider {
    slider_of(path, agent, None, label, p, (lo, hi))
}

/// A slider of a term's weight or value.
fn slider_of(
    path: String,
    agent: &str,
    term: Option<&str>,
    label: String,
    p: &Param,
    (lo, hi): (f64, f64),
) -> Slider {
    let value = match p.dist {
        Dist::Fixed(v) => v,
        _ => p.mean(),
    };
    let step = if hi - lo > 10.0 {
        1.0
    } else if hi <= 0.1 {
        0.001
    } else {
        0.01
    };
    Slider {
        path,
        agent: agent.to_string(),
        term: term.map(str::to_string),
        label,
        value,
        file: describe_param(p),
        min: lo.min(value),
        max: hi.max(value),
        step,
    }
}

/// Every weight, value, reservation, horizon and walk-out chance of `sc`, agent by agent.
pub fn sliders(sc: &Scenario) -> Vec<Slider> {
    let mut out = Vec::new();
    for a in &sc.agents {
        let at = |k: &str| format!("agents.{}.{k}", a.id);
        let name = a.name.as_str();
        out.push(slider(
            at("reservation"),
            name,
            "reservation (utility of no deal)".into(),
            &a.reservation,
            0.0,
            1.0,
        ));
        out.push(slider(
            at("walk_away"),
            name,
            format!("walk-out chance per {}", sc.simulation.round_label),
            &a.walk_away,
            0.0,
            0.05,
        ));
        if let Clock::Horizon(h) = &a.clock {
            let top = (h.mean() * 2.0).clamp(52.0, crate::scenario::MAX_HORIZON);
            out.push(slider(
                at("clock.horizon"),
                name,
                format!("concession horizon ({}s)", sc.simulation.round_label),
                h,
                1.0,
                top.round(),
            ));
        }
        for (t, term) in sc.terms.iter().enumerate() {
            if a.weights[t].mean() == 0.0 && !a.weights[t].is_uncertain() {
                continue;
            }
            out.push(slider_of(
                at(&format!("weights.{}", term.id)),
                name,
                Some(&term.name),
                "weight".into(),
                &a.weights[t],
                (0.0, 1.0),
            ));
            for (o, opt) in term.options.iter().enumerate() {
                out.push(slider_of(
                    at(&format!("values.{}.{opt}", term.id)),
                    name,
                    Some(&term.name),
                    format!("value of {}", term.labels[o]),
                    &a.values[t][o],
                    (0.0, 1.0),
                ));
            }
        }
    }
    out
}

/// The page's controls for `state`.
pub fn info(state: &State) -> Info {
    let sc = &state.scenario;
    Info {
        name: sc.name.clone(),
        origin: state.origin.clone(),
        round_label: sc.simulation.round_label.clone(),
        deadlines: sc.simulation.deadlines.clone(),
        runs: sc.simulation.runs,
        seed: sc.simulation.seed,
        agents: sc
            .agents
            .iter()
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect(),
        play_deadline: default_deadline(&sc.simulation.deadlines),
        sliders: sliders(sc),
    }
}

/// A request to run the edited scenario.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// The edits, `path -> value`, in the order given.
    #[serde(default)]
    pub edits: indexmap::IndexMap<String, f64>,
    /// Runs per deadline (default: the file's).
    #[serde(default)]
    pub runs: Option<u64>,
}

/// Reads a JSON request body, as invalid input when it is not what `T` expects.
fn parse<'a, T: Deserialize<'a>>(body: &'a str) -> Result<T, InputError> {
    serde_json::from_str(body).map_err(|e| {
        InputError::new(ORIGIN, format!("the request body is not valid: {e}")).with_help(
            "send JSON such as {\"edits\": {\"agents.us.reservation\": 0.3}, \"runs\": 1000}",
        )
    })
}

/// The sweep of one point that applies `edits` to the file.
fn edited(state: &State, edits: &indexmap::IndexMap<String, f64>) -> Result<Sweep, InputError> {
    let specs: Vec<String> = edits
        .iter()
        .map(|(path, v)| {
            if v.is_finite() {
                Ok(format!("{path}={v}"))
            } else {
                Err(InputError::new(
                    "--param",
                    format!("`{path}` is not a finite number"),
                ))
            }
        })
        .collect::<Result<_, _>>()?;
    Sweep::new(&state.source, &state.origin, &specs)
}

/// What the page's explore and compare views show: the comparison, and the answer block of
/// the edited scenario as HTML (rendered by [`crate::report::html::answer`], from the same
/// [`crate::report::Answer`] as `negsim run` prints).
#[derive(Debug, Clone, Serialize)]
pub struct RunReply {
    /// The edited scenario against the file.
    #[serde(flatten)]
    pub comparison: Comparison,
    /// The answer block of the edited scenario.
    pub answer_html: String,
}

/// [`run`], with the answer block of the edited scenario.
pub fn run_reply(state: &State, body: &str) -> Result<RunReply, Error> {
    let comparison = run(state, body)?;
    let req: RunRequest = parse(body)?;
    let b = edited_scenario(state, &req.edits)?;
    let answer = crate::report::Answer::new(
        &comparison.b,
        &Model::new(&b),
        &crate::report::View::default(),
    );
    Ok(RunReply {
        answer_html: crate::report::html::answer::fragment(&answer).into_string(),
        comparison,
    })
}

/// The file with `edits` applied (the file itself without edits).
fn edited_scenario(
    state: &State,
    edits: &indexmap::IndexMap<String, f64>,
) -> Result<Scenario, Error> {
    if edits.is_empty() {
        Ok(state.scenario.clone())
    } else {
        Ok(edited(state, edits)?.scenario(0)?)
    }
}

/// Runs the edited scenario against the file, run by run (see [`crate::study::compare`]).
pub fn run(state: &State, body: &str) -> Result<Comparison, Error> {
    let req: RunRequest = parse(body)?;
    let b = if req.edits.is_empty() {
        state.scenario.clone()
    } else {
        edited(state, &req.edits)?.scenario(0)?
    };
    if req.runs.is_some_and(|r| r > MAX_PAGE_RUNS) {
        return Err(InputError::new(
            "runs",
            format!("{} runs is more than the page runs", req.runs.unwrap_or(0)),
        )
        .with_help(format!(
            "ask for 1 to {MAX_PAGE_RUNS} runs; use `negsim run` for more"
        ))
        .into());
    }
    let sim = Overrides {
        runs: req.runs,
        // Independent runs: paired with the other side run for run.
        worlds: Some(0),
        ..Default::default()
    }
    .resolve(&state.scenario)?;
    let a = state.file_side(&sim)?;
    let b = side(&b, &sim, &Control::default())?;
    Ok(paired(&a, &b, &sim))
}

/// The edited scenario as TOML text that `negsim run` reads (comments are not kept).
pub fn toml(state: &State, body: &str) -> Result<String, Error> {
    let req: RunRequest = parse(body)?;
    if req.edits.is_empty() {
        return Ok(state.source.clone());
    }
    let sweep = edited(state, &req.edits)?;
    sweep.scenario(0)?;
    let edits: Vec<String> = req
        .edits
        .iter()
        .map(|(p, v)| format!("#   {p} = {v}"))
        .collect();
    Ok(format!(
        "# {} with the edits made in `negsim serve`:\n{}\n\n{}",
        state.origin,
        edits.join("\n"),
        sweep.source(0)?
    ))
}

/// A move in a browser game of `play`: the game is replayed from its start with every line
/// typed so far (it is deterministic), so the server keeps no state between requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlayRequest {
    /// The agent played (its id).
    pub agent: String,
    /// Deadline in rounds (default: `play`'s).
    #[serde(default)]
    pub deadline: Option<u32>,
    /// Run index of the game.
    #[serde(default)]
    pub run: u64,
    /// The edits, as for a run.
    #[serde(default)]
    pub edits: indexmap::IndexMap<String, f64>,
    /// Every line typed so far.
    #[serde(default)]
    pub lines: Vec<String>,
    /// Show the hints (as `play --hints`).
    #[serde(default)]
    pub hints: bool,
}

/// The game so far.
#[derive(Debug, Clone, Serialize)]
pub struct PlayReply {
    /// Everything `play` printed, inputs echoed.
    pub transcript: String,
    /// True once the game and its debrief are over.
    pub over: bool,
}

/// Runs in the debrief of a browser game (a class shares the cores).
const PLAY_RUNS: u64 = 2000;

/// Plays the game of `body` as far as its lines go.
pub fn play(state: &State, body: &str) -> Result<PlayReply, Error> {
    let req: PlayRequest = parse(body)?;
    let sc = if req.edits.is_empty() {
        state.scenario.clone()
    } else {
        edited(state, &req.edits)?.scenario(0)?
    };
    let player = seats_of(&sc, std::slice::from_ref(&req.agent), "agent")?;
    let opts = game_options(&sc, player, req.deadline, req.run, req.hints)?;
    let view = play_table(&Model::new(&sc), &opts, &req.lines)?;
    Ok(PlayReply {
        over: view.result.is_some(),
        transcript: view.transcripts.into_iter().next().unwrap_or_default(),
    })
}

/// The options of a browser game of `sc` for `seats`.
fn game_options(
    sc: &Scenario,
    seats: Vec<usize>,
    deadline: Option<u32>,
    run: u64,
    hints: bool,
) -> Result<PlayOptions, Error> {
    let sim = Overrides {
        runs: Some(PLAY_RUNS.min(sc.simulation.runs)),
        deadlines: Some(vec![
            deadline.unwrap_or_else(|| default_deadline(&sc.simulation.deadlines)),
        ]),
        // Play draws one run's numbers; worlds do not apply.
        worlds: Some(0),
        ..Default::default()
    }
    .resolve(sc)?;
    Ok(PlayOptions {
        seats,
        deadline: sim.deadlines[0],
        seed: sim.seed,
        run,
        runs: sim.runs,
        echo: true,
        hints,
        handoff: false,
        clear: false,
    })
}

/// A new shared table: which agents people play (one browser tab each), and the game.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTableRequest {
    /// The agents played by people (ids, at least one).
    pub seats: Vec<String>,
    /// Deadline in rounds (default: `play`'s).
    #[serde(default)]
    pub deadline: Option<u32>,
    /// Run index of the game.
    #[serde(default)]
    pub run: u64,
    /// The edits, as for a run.
    #[serde(default)]
    pub edits: indexmap::IndexMap<String, f64>,
    /// Show the hints to every seat.
    #[serde(default)]
    pub hints: bool,
}

/// A seat's request at a shared table: to see it, or (with `line`) to move.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeatRequest {
    /// The table's number.
    pub table: usize,
    /// The seat (agent id).
    pub seat: String,
    /// The move typed, when moving.
    #[serde(default)]
    pub line: Option<String>,
}

/// A shared table as one seat sees it.
#[derive(Debug, Clone, Serialize)]
pub struct TableReply {
    /// The table's number.
    pub table: usize,
    /// The seats (agent ids) played by people.
    pub seats: Vec<String>,
    /// This seat (agent id).
    pub seat: String,
    /// The public lines and this seat's own.
    pub transcript: String,
    /// The seat whose move the game waits for (`None` once it is over).
    pub waiting: Option<String>,
    /// Whether it is this seat's move.
    pub your_turn: bool,
    /// True once the game and its debrief are over.
    pub over: bool,
    /// Moves made so far (all seats).
    pub moves: usize,
}

/// Opens a shared table; the reply is its first seat's view.
pub fn new_table(state: &State, body: &str) -> Result<TableReply, Error> {
    let req: NewTableRequest = parse(body)?;
    let sc = if req.edits.is_empty() {
        state.scenario.clone()
    } else {
        edited(state, &req.edits)?.scenario(0)?
    };
    let seats = seats_of(&sc, &req.seats, "seats")?;
    let opts = game_options(&sc, seats, req.deadline, req.run, req.hints)?;
    let mut tables = state.tables.lock().unwrap_or_else(|e| e.into_inner());
    if tables.len() >= MAX_TABLES {
        return Err(InputError::new(
            "table",
            format!("this server already keeps {MAX_TABLES} tables"),
        )
        .with_help("restart `negsim serve` to start afresh")
        .into());
    }
    tables.push(Table {
        scenario: sc,
        opts,
        lines: Vec::new(),
        view: None,
    });
    let n = tables.len() - 1;
    let first = tables[n].scenario.agents[tables[n].opts.seats[0]]
        .id
        .clone();
    seat_view(&mut tables[n], n, &first)
}

/// A seat's view of a shared table; with `line`, its move first (refused when it is not
/// that seat's turn).
pub fn table(state: &State, body: &str) -> Result<TableReply, Error> {
    let req: SeatRequest = parse(body)?;
    let mut tables = state.tables.lock().unwrap_or_else(|e| e.into_inner());
    let count = tables.len();
    let t = tables.get_mut(req.table).ok_or_else(|| {
        InputError::new("table", format!("there is no table {}", req.table)).with_help(
            if count == 0 {
                "open one first (the play tab's \"Two players\" box)".to_string()
            } else {
                format!("give a table from 0 to {}", count - 1)
            },
        )
    })?;
    if let Some(line) = req.line {
        let view = seat_view(t, req.table, &req.seat)?;
        if !view.your_turn {
            let why = match &view.waiting {
                Some(w) => format!("it is {w}'s turn, not {}'s", req.seat),
                None => "the game is over".to_string(),
            };
            return Err(InputError::new("seat", why)
                .with_help("wait for your turn: the page shows when it comes")
                .into());
        }
        t.lines.push(line);
        t.view = None;
    }
    seat_view(t, req.table, &req.seat)
}

/// The table as `seat` sees it, replaying the moves when they changed.
fn seat_view(t: &mut Table, number: usize, seat: &str) -> Result<TableReply, Error> {
    let sc = &t.scenario;
    let k = t
        .opts
        .seats
        .iter()
        .position(|&a| sc.agents[a].id == seat)
        .ok_or_else(|| {
            let ids: Vec<&str> = t
                .opts
                .seats
                .iter()
                .map(|&a| sc.agents[a].id.as_str())
                .collect();
            InputError::new("seat", format!("`{seat}` is not a seat at this table"))
                .with_help(format!("give one of {}", ids.join(", ")))
        })?;
    if t.view.is_none() {
        t.view = Some(play_table(&Model::new(sc), &t.opts, &t.lines)?);
    }
    let view = t.view.as_ref().expect("replayed above");
    let waiting = view.waiting.map(|a| sc.agents[a].id.clone());
    Ok(TableReply {
        table: number,
        seats: t
            .opts
            .seats
            .iter()
            .map(|&a| sc.agents[a].id.clone())
            .collect(),
        seat: seat.to_string(),
        transcript: view.transcripts[k].clone(),
        your_turn: waiting.as_deref() == Some(seat),
        waiting,
        over: view.result.is_some(),
        moves: t.lines.len(),
    })
}

//! A simulation request as a front end makes it: load a scenario (with the size cap), apply
//! overrides of runs, seed, deadlines and threads (validated), refuse a request that would
//! take absurdly long, simulate, and build the report. The command line is one caller; a
//! Python binding or a web front end is another, so none of this lives in `cli`.

use crate::engine::model::Model;
use crate::engine::montecarlo::{self, Control, Settings};
use crate::error::{Error, InputError};
use crate::report::Report;
use crate::scenario::{self, MAX_DEADLINE, MAX_RUNS, MAX_WORLDS, Scenario};
use crate::study::estimate;
use std::path::Path;

/// Reads a scenario file (or the bundled one), reporting unreadable or non-UTF-8 files as
/// invalid input.
pub fn load_scenario(path: Option<&Path>) -> Result<Scenario, InputError> {
    let (src, origin) = load_source(path)?;
    Scenario::from_toml_str(&src, &origin)
}

/// Most worker threads `--threads` may ask for. Why: each thread holds its own tables (up to
/// 128 MB for the largest scenarios), and 100,000 threads took 13 minutes to spawn and
/// ignored SIGTERM; no machine negsim runs on has more cores than this.
pub const MAX_THREADS: usize = 1024;

/// Reads a scenario file's text (or the bundled one's) and the name to show for it.
pub fn load_source(path: Option<&Path>) -> Result<(String, String), InputError> {
    let Some(path) = path else {
        return Ok((
            scenario::BUNDLED.to_string(),
            scenario::BUNDLED_NAME.to_string(),
        ));
    };
    let origin = path.display().to_string();
    let bytes = crate::error::read_input(
        path,
        &origin,
        "the scenario file",
        [
            "give the path of a .toml scenario, or no path for the bundled scenario",
            "a scenario is a short TOML text",
        ],
    )?;
    let src = crate::error::utf8_text(bytes, &origin, "save the scenario as UTF-8 text")?;
    Ok((src, origin))
}

/// What a caller may change of a scenario's simulation settings (`None`: the scenario's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Monte Carlo runs per deadline.
    pub runs: Option<u64>,
    /// Master seed.
    pub seed: Option<u64>,
    /// Deadlines in rounds.
    pub deadlines: Option<Vec<u32>>,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    pub threads: Option<usize>,
    /// Worlds to play (each one draw of every uncertain number), sharing the runs equally;
    /// 0 plays no worlds, only independent runs.
    pub worlds: Option<u64>,
}

/// Simulation settings after applying the command-line overrides to the scenario's.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedSim {
    /// Runs per deadline.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Deadlines in rounds.
    pub deadlines: Vec<u32>,
    /// Worker threads, if fixed.
    pub threads: Option<usize>,
    /// Worlds, sharing the runs (`None`: independent runs, every uncertain number drawn
    /// afresh in each).
    pub worlds: Option<u64>,
}

impl ResolvedSim {
    /// The flags that give these settings again: `--runs R --seed S --deadlines D1,D2`.
    pub fn flags(&self) -> [String; 6] {
        let dl: Vec<String> = self.deadlines.iter().map(u32::to_string).collect();
        [
            "--runs".into(),
            self.runs.to_string(),
            "--seed".into(),
            self.seed.to_string(),
            "--deadlines".into(),
            dl.join(","),
        ]
    }

    /// The Monte Carlo settings: every run at every deadline.
    pub fn settings(&self) -> Settings {
        Settings {
            seed: self.seed,
            deadlines: self.deadlines.clone(),
            runs: 0..self.runs,
        }
    }
}

impl Overrides {
    /// Validates the overrides against `sc`: runs and deadlines in range, at least one thread.
    pub fn resolve(&self, sc: &Scenario) -> Result<ResolvedSim, InputError> {
        let runs = self.runs.unwrap_or(sc.simulation.runs);
        if runs == 0 || runs > MAX_RUNS {
            return Err(
                InputError::new("--runs", format!("{runs} runs is out of range")).with_help(
                    format!(
                        "give between 1 and {} runs (10,000 give P(agreement) within +-0.01)",
                        scenario::thousands(MAX_RUNS)
                    ),
                ),
            );
        }
        let deadlines = self
            .deadlines
            .clone()
            .unwrap_or_else(|| sc.simulation.deadlines.clone());
        if deadlines.is_empty() {
            return Err(InputError::new("--deadlines", "no deadlines given")
                .with_help("for example --deadlines 4,8,12"));
        }
        if let Some(&d) = deadlines.iter().find(|&&d| d == 0 || d > MAX_DEADLINE) {
            return Err(
                InputError::new("--deadlines", format!("deadline {d} is out of range")).with_help(
                    format!(
                        "deadlines are rounds from 1 to {}",
                        scenario::thousands(u64::from(MAX_DEADLINE))
                    ),
                ),
            );
        }
        scenario::check_deadline_list(&deadlines)
            .map_err(|(msg, help)| InputError::new("--deadlines", msg).with_help(help))?;
        sc.check_checkpoints(&deadlines)?;
        if let Some(n) = self.threads.filter(|&n| n == 0 || n > MAX_THREADS) {
            return Err(
                InputError::new("--threads", format!("{n} threads is out of range")).with_help(
                    format!(
                        "give 1 to {MAX_THREADS} threads (this machine has {}; leave out --threads to use them all)",
                        std::thread::available_parallelism().map_or(1, usize::from)
                    ),
                ),
            );
        }
        let worlds = self.worlds.or(sc.simulation.worlds).filter(|&k| k > 0);
        if let Some(k) = worlds.filter(|&k| k > MAX_WORLDS) {
            return Err(
                InputError::new("--worlds", format!("{k} worlds is out of range")).with_help(
                    format!(
                        "give 0 (no worlds) to {} worlds; 200 worlds give the 5th and 95th percentiles of P to a few hundredths",
                        scenario::thousands(MAX_WORLDS)
                    ),
                ),
            );
        }
        if let Some(k) = worlds.filter(|&k| k > runs) {
            return Err(InputError::new(
                "--worlds",
                format!("{k} worlds need at least {k} runs, one per world, but {runs} are asked for"),
            )
            .with_help(format!(
                "the runs are shared among the worlds: give --runs {} for {k} worlds of 100 runs, or fewer worlds",
                k.saturating_mul(100)
            )));
        }
        Ok(ResolvedSim {
            runs,
            seed: self.seed.unwrap_or(sc.simulation.seed),
            deadlines,
            threads: self.threads,
            worlds,
        })
    }
}

/// Runs `f` on a rayon pool of the requested size (or the global pool).
pub fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> Result<T, Error> {
    match threads {
        None => Ok(f()),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::io("the worker threads", std::io::Error::other(e)))?;
            Ok(pool.install(f))
        }
    }
}

/// Simulates `sc` with resolved settings and builds the report (of the worlds, when
/// `sim.worlds` asks for them).
pub fn simulate_report(
    sc: &Scenario,
    sim: &ResolvedSim,
    control: &Control,
) -> Result<(Model, Report), Error> {
    if sim.worlds.is_some() {
        let (model, report, _) = simulate_worlds_report(sc, sim, control)?;
        return Ok((model, report));
    }
    let (model, outcome) = simulate_outcome(sc, sim, control)?;
    let report = Report::new(&model, sim.seed, sim.runs, &outcome);
    Ok((model, report))
}

/// Plays the worlds `sim.worlds` asks for (one world when it asks for none) and builds
/// their report; also returns what each world did.
pub fn simulate_worlds_report(
    sc: &Scenario,
    sim: &ResolvedSim,
    control: &Control,
) -> Result<(Model, Report, crate::engine::worlds::WorldsOutcome), Error> {
    let model = Model::new(sc);
    let outcome = play_worlds(&model, sim, control)?;
    let report = Report::of_worlds(&model, sim.seed, sim.runs_per_world(), &outcome);
    Ok((model, report, outcome))
}

/// Plays the worlds `sim.worlds` asks for (one world when it asks for none), each with
/// [`ResolvedSim::runs_per_world`] runs, on `sim.threads` threads.
pub fn play_worlds(
    model: &Model,
    sim: &ResolvedSim,
    control: &Control,
) -> Result<crate::engine::worlds::WorldsOutcome, Error> {
    let k = sim.worlds.unwrap_or(1);
    let settings = Settings {
        runs: 0..sim.runs_per_world(),
        ..sim.settings()
    };
    with_threads(sim.threads, || {
        crate::engine::worlds::simulate_worlds(model, &settings, 0..k, control)
    })
}

impl ResolvedSim {
    /// Runs each world plays: the runs shared equally among the worlds (the remainder of
    /// the division is not played); all of them without worlds.
    pub fn runs_per_world(&self) -> u64 {
        self.runs / self.worlds.unwrap_or(1).max(1)
    }

    /// Runs played in all: `runs`, less the remainder the worlds leave.
    pub fn total_runs(&self) -> u64 {
        self.runs_per_world() * self.worlds.unwrap_or(1).max(1)
    }
}

/// Simulates `sc` with resolved settings and returns the raw tallies.
pub fn simulate_outcome(
    sc: &Scenario,
    sim: &ResolvedSim,
    control: &Control,
) -> Result<(Model, montecarlo::Outcome), Error> {
    let model = Model::new(sc);
    let settings = sim.settings();
    let outcome = with_threads(sim.threads, || {
        montecarlo::simulate(&model, &settings, control)
    })?;
    Ok((model, outcome))
}

/// Refuses a request whose estimated time is over [`estimate::LIMIT_SECONDS`], with the
/// estimate and what to change.
pub fn refuse_if_too_long(
    sc: &Scenario,
    sim: &ResolvedSim,
    origin: &str,
) -> Result<(), InputError> {
    let model = Model::new(sc);
    let threads = sim.threads.unwrap_or_else(rayon::current_num_threads);
    let pilot = estimate::pilot(&model, sim.seed, &sim.deadlines);
    let secs = pilot.seconds(sim.runs, &sim.deadlines, threads);
    if secs <= estimate::LIMIT_SECONDS {
        return Ok(());
    }
    let rounds: u64 = sim.deadlines.iter().map(|&d| u64::from(d)).sum();
    let message = match pilot {
        estimate::Pilot::Measured(speed) => format!(
            "this request would take up to {} ({} runs x {} rounds on {threads} thread(s), at {:.1} µs per round measured just now)",
            estimate::describe(secs),
            scenario::thousands(sim.runs),
            scenario::thousands(rounds),
            speed.round * 1e6,
        ),
        estimate::Pilot::TooSlow { deadline } => format!(
            "this request would take at least {}: a single run at a deadline of {deadline} rounds took more than {} s just now, and {} runs are requested on {threads} thread(s)",
            estimate::describe(secs),
            estimate::PILOT_TIMEOUT.as_secs(),
            scenario::thousands(sim.runs),
        ),
    };
    Err(InputError::new(origin, message).with_help(
        "use fewer runs (--runs) or shorter deadlines (--deadlines), or add --force to run it anyway",
    ))
}

//! The command line: flags parsed by clap into raw values, validated into typed options, then
//! handed to the library. Errors end here: invalid input exits with code 2, other failures 1.

use crate::batch::{self, Job};
use crate::error::{Error, InputError};
use crate::model::Model;
use crate::montecarlo::{self, Control, Settings};
use crate::progress::{self, Progress};
use crate::report::Report;
use crate::scenario::{self, MAX_DEADLINE, MAX_RUNS, Scenario};
use crate::sensitivity::{self, Method};
use crate::sweep::Sweep;
use crate::tidy::{self, Layout, Output};
use crate::{estimate, interrupt};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// negsim: how likely is a deal, and by when? Monte Carlo simulation of negotiations.
#[derive(Debug, Parser)]
#[command(name = "negsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do (default: `run` on the bundled scenario).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and report P(agreement) by deadline.
    Run(RunArgs),
    /// Validate a scenario and summarize it.
    Check(CheckArgs),
    /// Print the transcript of one run, round by round.
    Trace(TraceArgs),
    /// Merge the partial results of `run --shard K/N` or `sweep --shard K/N` jobs.
    Merge(MergeArgs),
    /// Convert a GENIUS or GeniusWeb domain and its profiles into a scenario.
    Import(ImportArgs),
    /// Run a scenario over a grid of parameter values into one tidy table.
    Sweep(SweepArgs),
    /// Run several scenarios (files, or every *.toml of a directory) into one tidy table.
    Batch(BatchArgs),
    /// Which uncertain assumptions drive P(agreement): one-at-a-time or Sobol indices.
    Sensitivity(SensitivityArgs),
    /// Simulate and write a self-contained HTML report with charts.
    Report(ReportArgs),
    /// Play one agent yourself, in the terminal, against the simulated others.
    Play(PlayArgs),
    /// Write a commented starter scenario to edit.
    Init(InitArgs),
    /// Write a random scenario of a given shape (for stress tests and as a starting point).
    Generate(GenerateArgs),
}

/// Options shared by every command that simulates.
#[derive(Debug, Args, Clone, Default)]
pub struct SimArgs {
    /// Monte Carlo runs per deadline (overrides the scenario).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Master seed (overrides the scenario).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Deadlines in rounds, comma-separated (overrides the scenario).
    #[arg(long, value_delimiter = ',')]
    pub deadlines: Option<Vec<u32>>,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar (it is only ever drawn when stderr is a terminal).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Output formats of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// A readable report for a terminal.
    #[default]
    Table,
    /// One JSON object.
    Json,
    /// Tidy CSV, one row per deadline.
    Csv,
}

/// `negsim run`.
#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    /// Scenario file (default: the bundled scenario).
    pub scenario: Option<PathBuf>,
    /// Simulation options.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output format (default: table).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to this file instead of stdout (written whole, then renamed into place).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Play only shard K of N (0-based) and write its partial result for `negsim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::shard::Shard>,
    /// Run even if the estimated time is over an hour.
    #[arg(long)]
    pub force: bool,
}

/// Output formats of `merge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum MergeFormat {
    /// A readable report for a terminal (run parts; their default).
    #[default]
    Table,
    /// One JSON object (run parts, as `run --format json`).
    Json,
    /// Tidy CSV (as `run --format csv`, or `sweep --format csv`: the default for sweep parts).
    Csv,
    /// JSON lines (sweep parts, as `sweep --format jsonl`).
    Jsonl,
    /// A merged partial result, to merge again with other groups.
    Part,
}

/// `negsim merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Part files written by `negsim run --shard K/N` (or by `merge --format part`).
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Output format (default: table for run parts, csv for sweep parts).
    #[arg(long, value_enum)]
    pub format: Option<MergeFormat>,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `negsim sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// A scenario key and its values: PATH=V1,V2,... or PATH=START:STOP:STEP (repeat the flag
    /// to sweep the cartesian product; the last flag varies fastest).
    #[arg(long = "param", value_name = "PATH=VALUES", required = true)]
    pub params: Vec<String>,
    /// Simulation options (the same for every point).
    #[command(flatten)]
    pub sim: SimArgs,
    /// Where the table goes.
    #[command(flatten)]
    pub table: TableArgs,
    /// Keep the points already in the --output file and run only the rest.
    #[arg(long)]
    pub resume: bool,
    /// Play only shard K of N of the points (0-based) and write its partial result for
    /// `negsim merge`.
    #[arg(long, value_name = "K/N", conflicts_with = "resume")]
    pub shard: Option<crate::shard::Shard>,
    /// Run even if the estimated time is over an hour.
    #[arg(long)]
    pub force: bool,
    /// Also write a self-contained HTML page charting P(agreement) against the swept
    /// parameter, drawn from the table's rows.
    #[arg(long, value_name = "FILE.html", conflicts_with = "shard")]
    pub report: Option<PathBuf>,
}

/// `negsim batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Scenario files, or directories whose *.toml files are all run.
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    pub inputs: Vec<PathBuf>,
    /// Simulation options (each scenario's own runs, seed and deadlines unless given).
    #[command(flatten)]
    pub sim: SimArgs,
    /// Where the table goes.
    #[command(flatten)]
    pub table: TableArgs,
}

/// Output options of the table commands, `sweep` and `batch`.
#[derive(Debug, Args)]
pub struct TableArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = tidy::Format::Csv)]
    pub format: tidy::Format,
    /// Write to this file instead of stdout (rows are appended as each item finishes).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `negsim check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (default: the bundled scenario).
    pub scenario: Option<PathBuf>,
}

/// `negsim trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// Scenario file (default: the bundled scenario).
    pub scenario: Option<PathBuf>,
    /// Deadline in rounds.
    #[arg(long)]
    pub deadline: u32,
    /// Run index (its parameters and stream are those of run R in `negsim run`).
    #[arg(long, default_value_t = 0)]
    pub run: u64,
    /// Master seed (overrides the scenario).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// `negsim import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Domain file: GENIUS XML (`<negotiation_template>`) or GeniusWeb JSON (`issuesValues`).
    pub domain: PathBuf,
    /// Profile files, one agent each (at least two), in the domain's format.
    pub profiles: Vec<PathBuf>,
    /// Import profiles with a discount factor below 1, keeping the factor only as a comment.
    #[arg(long)]
    pub ignore_discount: bool,
    /// Write the scenario to this file (written whole, then renamed into place) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `negsim sensitivity`.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// Scenario file (default: the bundled scenario).
    pub scenario: Option<PathBuf>,
    /// Deadline in rounds at which P(agreement) is analysed (default: the scenario's longest).
    #[arg(long)]
    pub deadline: Option<u32>,
    /// `oat`: each factor at its 5th/95th percentile (tornado); `sobol`: variance-based indices.
    #[arg(long, value_enum, default_value_t = Method::Oat)]
    pub method: Method,
    /// Base samples N of the Sobol method (default 256; N·(k+2) model evaluations).
    #[arg(long)]
    pub samples: Option<usize>,
    /// Monte Carlo runs per model evaluation (default: the scenario's runs for oat, 64 for sobol).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Master seed (overrides the scenario).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of stdout (written whole, then renamed into place).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// An extra factor, uniform on [LOW, HIGH] (e.g. agents.us.walk_away=0:0.02); repeatable.
    /// Run even if the estimated time is over an hour.
    #[arg(long)]
    pub force: bool,
    #[arg(long = "param", value_name = "PATH=LOW:HIGH")]
    pub params: Vec<String>,
    /// Also write a self-contained HTML page with the tornado or indices chart and the tables.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
}

/// `negsim report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Scenario file (default: the bundled scenario).
    pub scenario: Option<PathBuf>,
    /// Simulation options.
    #[command(flatten)]
    pub sim: SimArgs,
    /// The HTML file to write (written whole, then renamed into place).
    #[arg(long, short, default_value = "report.html")]
    pub output: PathBuf,
    /// The two agents of the outcome-space plot, comma-separated (default: the first two
    /// signatories).
    #[arg(long, value_delimiter = ',')]
    pub axes: Option<Vec<String>>,
    /// Add a tornado of the scenario's uncertain numbers at the longest deadline (one factor at
    /// a time, at most 1000 runs per evaluation).
    #[arg(long)]
    pub sensitivity: bool,
    /// Run even if the estimated time is over an hour.
    #[arg(long)]
    pub force: bool,
}

/// `negsim play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// Scenario file (default: the bundled scenario).
    pub scenario: Option<PathBuf>,
    /// The agent you play (its id).
    #[arg(long = "as", value_name = "AGENT")]
    pub agent: String,
    /// Deadline in rounds (default: the middle one of the scenario's deadlines).
    #[arg(long)]
    pub deadline: Option<u32>,
    /// Master seed (overrides the scenario).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run index whose sampled parameters and walk-out draws the game uses.
    #[arg(long, default_value_t = 0)]
    pub run: u64,
    /// Simulated runs the debrief compares you with (default: the scenario's runs).
    #[arg(long)]
    pub runs: Option<u64>,
}

/// `negsim init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the scenario.
    #[arg(default_value = "scenario.toml")]
    pub path: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `negsim generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of terms.
    #[arg(long)]
    pub terms: usize,
    /// Options per term: one count for all terms, or a comma-separated count per term.
    #[arg(long, value_delimiter = ',', required = true)]
    pub options: Vec<usize>,
    /// Number of agents (all signatories).
    #[arg(long)]
    pub agents: usize,
    /// 0 = everyone values the options alike, 1 = opposed values (see README).
    #[arg(long, default_value_t = 1.0)]
    pub opposition: f64,
    /// Seed of the generator (also written as the scenario's seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report_error(&e),
    }
}

/// Prints an error and picks the exit code: 2 for invalid input, 0 for a closed stdout pipe,
/// 1 otherwise.
fn report_error(e: &anyhow::Error) -> ExitCode {
    if let Some(Error::Io { cause, .. }) = e.downcast_ref::<Error>()
        && cause.kind() == std::io::ErrorKind::BrokenPipe
    {
        return ExitCode::SUCCESS;
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>()
        && io.kind() == std::io::ErrorKind::BrokenPipe
    {
        return ExitCode::SUCCESS;
    }
    if e.downcast_ref::<Interrupted>().is_some() {
        return ExitCode::from(interrupt::exit_code());
    }
    let invalid = e.downcast_ref::<InputError>().is_some()
        || matches!(e.downcast_ref::<Error>(), Some(Error::Input(_)));
    eprintln!("error: {e:#}");
    ExitCode::from(if invalid { 2 } else { 1 })
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Run(RunArgs::default())) {
        Command::Run(a) => cmd_run(&a),
        Command::Check(a) => cmd_check(&a),
        Command::Trace(a) => cmd_trace(&a),
        Command::Merge(a) => cmd_merge(&a),
        Command::Import(a) => cmd_import(&a),
        Command::Sweep(a) => cmd_sweep(&a),
        Command::Batch(a) => cmd_batch(&a),
        Command::Sensitivity(a) => cmd_sensitivity(&a),
        Command::Report(a) => cmd_report(&a),
        Command::Play(a) => cmd_play(&a),
        Command::Init(a) => cmd_init(&a),
        Command::Generate(a) => cmd_generate(&a),
    }
}

/// The name of a flag's value as typed on the command line (`json`, not the Rust `Json`).
fn value_name<T: clap::ValueEnum>(v: &T) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_string())
}

/// The name messages give the scenario at `path` (or the bundled one).
fn origin_of(path: Option<&Path>) -> String {
    path.map_or_else(
        || scenario::BUNDLED_NAME.to_string(),
        |p| p.display().to_string(),
    )
}

/// Reads a scenario file (or the bundled one), reporting unreadable or non-UTF-8 files as
/// invalid input.
pub fn load_scenario(path: Option<&Path>) -> Result<Scenario, InputError> {
    let (src, origin) = load_source(path)?;
    Scenario::from_toml_str(&src, &origin)
}

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

/// Most worker threads `--threads` may ask for. Why: each thread holds its own tables (up to
/// 128 MB for the largest scenarios), and 100,000 threads took 13 minutes to spawn and
/// ignored SIGTERM; no machine negsim runs on has more cores than this.
pub const MAX_THREADS: usize = 1024;

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

impl SimArgs {
    /// Validates the overrides against `sc`.
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
        Ok(ResolvedSim {
            runs,
            seed: self.seed.unwrap_or(sc.simulation.seed),
            deadlines,
            threads: self.threads,
        })
    }
}

/// Runs `f` on a rayon pool of the requested size (or the global pool).
pub fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> anyhow::Result<T> {
    match threads {
        None => Ok(f()),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build()?;
            Ok(pool.install(f))
        }
    }
}

/// Simulates `sc` with resolved settings and builds the report.
pub fn simulate_report(
    sc: &Scenario,
    sim: &ResolvedSim,
    control: &Control,
) -> anyhow::Result<(Model, Report)> {
    let (model, outcome) = simulate_outcome(sc, sim, control)?;
    let mut report = Report::new(&model, sim.seed, sim.runs, &outcome);
    if outcome.partial {
        // Honest header: a partial report counts the runs it holds, not the runs requested.
        report.runs = outcome.tallies.first().map_or(0, |t| t.runs);
    }
    Ok((model, report))
}

/// Simulates `sc` with resolved settings and returns the raw tallies.
pub fn simulate_outcome(
    sc: &Scenario,
    sim: &ResolvedSim,
    control: &Control,
) -> anyhow::Result<(Model, montecarlo::Outcome)> {
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

fn cmd_run(a: &RunArgs) -> anyhow::Result<()> {
    let (src, origin) = load_source(a.scenario.as_deref())?;
    let sc = Scenario::from_toml_str(&src, &origin)?;
    let sim = a.sim.resolve(&sc)?;
    let control = Control::default();
    let runs = a.shard.map_or(0..sim.runs, |s| s.range(sim.runs));
    if !a.force {
        let this = ResolvedSim {
            runs: runs.end - runs.start,
            ..sim.clone()
        };
        refuse_if_too_long(&sc, &this, &origin)?;
    }
    let progress = Progress::new(
        progress::wanted(a.sim.quiet),
        &control,
        runs.end - runs.start,
    );
    if let Some(shard) = a.shard {
        if let Some(f) = a.format {
            return Err(InputError::new(
                "--format",
                format!(
                    "--shard writes a partial result, not --format {}",
                    value_name(&f)
                ),
            )
            .with_help("leave out --format; `negsim merge --format ...` prints the report")
            .into());
        }
        let job = crate::shard::Job {
            source: &src,
            origin: &origin,
            scenario: &sc,
            seed: sim.seed,
            runs: sim.runs,
            deadlines: &sim.deadlines,
        };
        let part = interrupt::forward_to(&control.cancel, || {
            progress.run(|| {
                with_threads(sim.threads, || {
                    crate::shard::run_shard(&job, shard, &control)
                })
            })
        })?;
        emit(a.output.as_deref(), &part.to_json())?;
        if part.partial {
            return Err(interrupted(
                a.output.as_deref(),
                control.done.load(std::sync::atomic::Ordering::Relaxed),
                runs.end - runs.start,
            ));
        }
        return Ok(());
    }
    let (model, report) = interrupt::forward_to(&control.cancel, || {
        progress.run(|| simulate_report(&sc, &sim, &control))
    })?;
    let text = render(&report, &model, a.format.unwrap_or_default());
    emit(a.output.as_deref(), &text)?;
    if report.partial {
        return Err(interrupted(a.output.as_deref(), report.runs, sim.runs));
    }
    Ok(())
}

/// Prints the line that says what an interrupted command wrote, and returns the error that
/// exits with 130 (128 + the signal).
pub fn interrupted(output: Option<&Path>, done: u64, requested: u64) -> anyhow::Error {
    eprintln!(
        "negsim: interrupted: wrote partial results of {} of {} runs per deadline{}",
        scenario::thousands(done),
        scenario::thousands(requested),
        output.map_or(String::new(), |p| format!(" to {}", p.display()))
    );
    Interrupted.into()
}

/// Renders a report in one of the `run` formats.
fn render(report: &Report, model: &Model, format: Format) -> String {
    match format {
        Format::Table => report.to_table(model),
        Format::Json => report.to_json(),
        Format::Csv => report.to_csv(),
    }
}

fn cmd_merge(a: &MergeArgs) -> anyhow::Result<()> {
    use crate::shard::{Partial, SweepPart};
    let mut texts = Vec::with_capacity(a.parts.len());
    for p in &a.parts {
        let name = p.display().to_string();
        let bytes = crate::error::read_input(
            p,
            &name,
            "the part file",
            [
                "give files written by `negsim run --shard K/N` or `negsim sweep --shard K/N`",
                "a part file holds counts, a few kilobytes per deadline or point",
            ],
        )?;
        let text = crate::error::utf8_text(bytes, &name, "give part files as negsim wrote them")?;
        texts.push((name, text));
    }
    let sweeps = texts.iter().filter(|(_, t)| SweepPart::sniff(t)).count();
    if sweeps > 0 && sweeps < texts.len() {
        return Err(InputError::new(
            "merge",
            "sweep parts and run parts cannot be merged together",
        )
        .with_help("merge the parts of one `negsim run --shard` or one `negsim sweep --shard` job")
        .into());
    }
    if sweeps > 0 {
        let mut parts = Vec::with_capacity(texts.len());
        for (name, text) in &texts {
            parts.push((name.clone(), SweepPart::from_jsonl(text, name)?));
        }
        let merged = crate::shard::merge_sweep(parts)?;
        let text = match a.format.unwrap_or(MergeFormat::Csv) {
            MergeFormat::Part => merged.to_jsonl(),
            MergeFormat::Csv => merged.table(tidy::Format::Csv)?,
            MergeFormat::Jsonl => merged.table(tidy::Format::Jsonl)?,
            f => {
                return Err(InputError::new(
                    "--format",
                    format!(
                        "sweep parts merge into a tidy table, not --format {}",
                        value_name(&f)
                    ),
                )
                .with_help("use --format csv, jsonl or part")
                .into());
            }
        };
        return emit(a.output.as_deref(), &text);
    }
    let mut parts = Vec::with_capacity(texts.len());
    for (name, text) in &texts {
        parts.push((name.clone(), Partial::from_json(text, name)?));
    }
    let merged = crate::shard::merge(parts)?;
    let format = match a.format.unwrap_or_default() {
        MergeFormat::Part => return emit(a.output.as_deref(), &merged.to_json()),
        MergeFormat::Table => Format::Table,
        MergeFormat::Json => Format::Json,
        MergeFormat::Csv => Format::Csv,
        MergeFormat::Jsonl => {
            return Err(InputError::new(
                "--format",
                "run parts merge into a report, not JSON lines",
            )
            .with_help("use --format table, json, csv or part")
            .into());
        }
    };
    let (model, report) = merged.into_report("merge")?;
    emit(a.output.as_deref(), &render(&report, &model, format))
}

/// The error returned after writing partial results on Ctrl-C: exit code 130 (128 + signal).
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Writes `text` to `path` atomically (temporary file in the same directory, then rename), or
/// to stdout.
pub fn emit(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| Error::io("stdout", e))?;
        }
        Some(p) => write_atomic(p, text.as_bytes())?,
    }
    Ok(())
}

/// Writes a whole file through a temporary sibling and a rename, so that readers never see a
/// half-written file and a crash leaves the old file intact.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let shown = path.display().to_string();
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(shown, e)
    })
}

fn cmd_check(a: &CheckArgs) -> anyhow::Result<()> {
    let sc = load_scenario(a.scenario.as_deref())?;
    let text = crate::check::summary(&sc);
    emit(None, &text)
}

fn cmd_trace(a: &TraceArgs) -> anyhow::Result<()> {
    let sc = load_scenario(a.scenario.as_deref())?;
    if a.deadline == 0 || a.deadline > MAX_DEADLINE {
        return Err(InputError::new(
            "--deadline",
            format!("deadline {} is out of range", a.deadline),
        )
        .with_help(format!("give a deadline from 1 to {MAX_DEADLINE} rounds"))
        .into());
    }
    let seed = a.seed.unwrap_or(sc.simulation.seed);
    let text = crate::trace::transcript(&sc, seed, a.run, a.deadline);
    emit(None, &text)
}

fn cmd_import(a: &ImportArgs) -> anyhow::Result<()> {
    if let Some(out) = &a.output {
        let same = |p: &PathBuf| match (std::fs::canonicalize(p), std::fs::canonicalize(out)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        };
        if same(&a.domain) || a.profiles.iter().any(same) {
            return Err(
                InputError::new("--output", "the output file is one of the inputs")
                    .with_help("write the scenario to a new file")
                    .into(),
            );
        }
    }
    let opts = crate::import::ImportOptions {
        ignore_discount: a.ignore_discount,
    };
    let imported = crate::import::import_files(&a.domain, &a.profiles, opts)?;
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    emit(a.output.as_deref(), &imported.toml)
}

/// A fresh table on stdout or in a new file, its header written.
fn new_table(path: Option<&Path>, layout: &Layout) -> anyhow::Result<Output> {
    let mut out = match path {
        None => Output::stdout(),
        Some(p) => Output::create(p)?,
    };
    out.write(&layout.header())?;
    Ok(out)
}

fn cmd_sweep(a: &SweepArgs) -> anyhow::Result<()> {
    if a.resume && a.table.output.is_none() {
        return Err(InputError::new("--resume", "--resume needs --output FILE")
            .with_help("the points already in FILE are kept and the others are run")
            .into());
    }
    let (src, origin) = load_source(Some(&a.scenario))?;
    let sweep = Sweep::new(&src, &origin, &a.params)?;
    let sim = a.sim.resolve(sweep.base())?;
    if !a.force {
        // The base scenario's speed stands for every point's.
        let points = a
            .shard
            .map_or(sweep.len(), |s| s.range(sweep.len()).count() as u64);
        let all = ResolvedSim {
            runs: sim.runs.saturating_mul(points),
            ..sim.clone()
        };
        refuse_if_too_long(sweep.base(), &all, &origin)?;
    }
    let settings = sim.settings();
    let layout = Layout {
        format: a.table.format,
        keys: sweep.columns(),
    };
    let chart = match &a.report {
        Some(r) => Some(crate::sweep::chart::SweepRows::prepare(
            r,
            a.table.output.as_deref(),
            &a.scenario,
            sweep.len(),
            &layout,
            sim.deadlines.len(),
        )?),
        None => None,
    };
    let control = Control::default();
    if let Some(shard) = a.shard {
        let header = crate::shard::SweepHeader {
            negsim_partial: crate::shard::FORMAT_VERSION,
            kind: "sweep".into(),
            scenario_source: src.clone(),
            scenario_origin: origin.clone(),
            params: a.params.clone(),
            seed: sim.seed,
            runs: sim.runs,
            deadlines: sim.deadlines.clone(),
            points: sweep.len(),
            shard_count: shard.n,
            shards: vec![shard.k],
        };
        let mut out = match a.table.output.as_deref() {
            None => Output::stdout(),
            Some(p) => Output::create(p)?,
        };
        let todo = shard.range(sweep.len()).count() as u64;
        let progress = Progress::new(progress::wanted(a.sim.quiet), &control, todo * sim.runs)
            .with_items("points", todo);
        let complete = interrupt::forward_to(&control.cancel, || {
            progress.run(|| {
                with_threads(sim.threads, || {
                    crate::shard::run_sweep_shard(
                        &sweep, &header, shard, &settings, &mut out, &control, &progress,
                    )
                })
            })
        })??;
        if !complete {
            return Err(interrupted_items(a.table.output.as_deref(), "points"));
        }
        return Ok(());
    }
    // Opened only now: a shard writes its part, not the table, so a table header before it
    // would make the part unreadable.
    let (start, mut out) = match a.table.output.as_deref() {
        Some(p) if a.resume => sweep.resume(p, &layout, &settings)?,
        None if chart.is_some() => {
            let rows = chart.clone().expect("checked above");
            let tee = crate::sweep::chart::Tee::new(Box::new(std::io::stdout()), rows);
            let mut out = Output::new(Box::new(tee), "stdout");
            out.write(&layout.header())?;
            (0, out)
        }
        path => (0, new_table(path, &layout)?),
    };
    let todo = sweep.len() - start;
    let progress = Progress::new(progress::wanted(a.sim.quiet), &control, todo * sim.runs)
        .with_items("points", todo);
    let finished = interrupt::forward_to(&control.cancel, || {
        progress.run(|| {
            with_threads(sim.threads, || {
                sweep.run(start, &settings, &layout, &mut out, &control, &progress)
            })
        })
    })??;
    drop(out);
    // A sweep stopped by Ctrl-C still draws the points it finished (the page says so).
    if let (Some(path), Some(rows)) = (&a.report, chart) {
        write_sweep_report(a, path, &sweep, &sim, rows)?;
    }
    if finished.cancelled {
        return Err(interrupted_items(a.table.output.as_deref(), "points"));
    }
    Ok(())
}

/// Draws the sweep's report from the rows of its table: read back from `--output` (so that a
/// resumed sweep's earlier points are drawn too), or caught on their way to stdout.
fn write_sweep_report(
    a: &SweepArgs,
    path: &Path,
    sweep: &Sweep,
    sim: &ResolvedSim,
    rows: std::sync::Arc<std::sync::Mutex<crate::sweep::chart::SweepRows>>,
) -> anyhow::Result<()> {
    let rows = crate::sweep::chart::SweepRows::finish(rows, a.table.output.as_deref())?;
    let mut words = vec![
        "negsim".to_string(),
        "sweep".into(),
        a.scenario.display().to_string(),
    ];
    for p in &a.params {
        words.extend(["--param".into(), p.clone()]);
    }
    words.extend(sim.flags());
    if a.table.format != tidy::Format::Csv {
        words.extend(["--format".into(), "jsonl".into()]);
    }
    if let Some(o) = &a.table.output {
        words.extend(["--output".into(), o.display().to_string()]);
    }
    words.extend(["--report".into(), path.display().to_string()]);
    let table = a
        .table
        .output
        .as_ref()
        .map_or("stdout".to_string(), |o| o.display().to_string());
    let html = crate::sweep::chart::render(
        sweep,
        &rows,
        &crate::sweep::chart::PageInfo {
            runs: sim.runs,
            seed: sim.seed,
            source: &a.scenario.display().to_string(),
            table: &table,
            command: &command_line(&words),
        },
    );
    write_atomic(path, html.as_bytes())?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// After Ctrl-C in a sweep or batch: says that the file holds whole items only (and how to
/// go on), and returns the error that exits with 128 + the signal.
fn interrupted_items(output: Option<&Path>, what: &str) -> anyhow::Error {
    eprintln!(
        "negsim: interrupted: the finished {what} were written{}; the one in progress was dropped{}",
        output.map_or(String::new(), |p| format!(" to {}", p.display())),
        if what == "points" {
            " (rerun with --resume to go on)"
        } else {
            ""
        }
    );
    Interrupted.into()
}

fn cmd_batch(a: &BatchArgs) -> anyhow::Result<()> {
    let mut jobs = Vec::new();
    let mut failed = Vec::new();
    for input in batch::expand(&a.inputs) {
        match input.and_then(|p| Ok((load_scenario(Some(&p))?, p))) {
            Ok((sc, p)) => {
                let sim = a.sim.resolve(&sc)?;
                jobs.push(Job {
                    name: p.display().to_string(),
                    scenario: sc,
                    settings: sim.settings(),
                });
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed.push(e.origin);
            }
        }
    }
    let layout = Layout {
        format: a.table.format,
        keys: vec![batch::KEY.to_string()],
    };
    let mut out = new_table(a.table.output.as_deref(), &layout)?;
    let control = Control::default();
    let runs = jobs.iter().map(|j| j.settings.runs.end).sum();
    let progress = Progress::new(progress::wanted(a.sim.quiet), &control, runs)
        .with_items("scenarios", jobs.len() as u64);
    let finished = interrupt::forward_to(&control.cancel, || {
        progress.run(|| {
            with_threads(a.sim.threads, || {
                batch::run(&jobs, &layout, &mut out, &control, &progress)
            })
        })
    })??;
    if finished.cancelled {
        return Err(interrupted_items(a.table.output.as_deref(), "scenarios"));
    }
    if !failed.is_empty() {
        return Err(InputError::new(
            "batch",
            format!(
                "{} of {} scenarios failed and were left out: {}",
                failed.len(),
                failed.len() + jobs.len(),
                failed.join(", ")
            ),
        )
        .into());
    }
    Ok(())
}

fn cmd_sensitivity(a: &SensitivityArgs) -> anyhow::Result<()> {
    let sc = load_scenario(a.scenario.as_deref())?;
    if let Some(d) = a.deadline.filter(|&d| d == 0 || d > MAX_DEADLINE) {
        return Err(
            InputError::new("--deadline", format!("deadline {d} is out of range"))
                .with_help(format!("give a deadline from 1 to {MAX_DEADLINE} rounds"))
                .into(),
        );
    }
    let opts = sensitivity::resolve_options(&sc, a.method, a.deadline, a.samples, a.runs, a.seed)?;
    // Reuse the shared validation of runs, seed and threads.
    let sim = SimArgs {
        runs: Some(opts.runs),
        seed: Some(opts.seed),
        deadlines: Some(vec![opts.deadline]),
        threads: a.threads,
        quiet: true,
    }
    .resolve(&sc)?;
    let ranges = a
        .params
        .iter()
        .map(|p| sensitivity::paths::ParamRange::parse(p))
        .collect::<Result<Vec<_>, _>>()?;
    let factors = sensitivity::factors::scenario_factors(&sc);
    let factors = sensitivity::paths::with_ranges(&sc, factors, &ranges)?;
    sensitivity::check_factors(&factors)?;
    let evals = sensitivity::evaluations(opts.method, factors.len(), opts.samples);
    if !a.force {
        // Every evaluation plays `runs` runs of the scenario at the one deadline.
        let all = ResolvedSim {
            runs: sim.runs.saturating_mul(evals),
            ..sim.clone()
        };
        refuse_if_too_long(&sc, &all, &origin_of(a.scenario.as_deref()))?;
    }
    eprintln!(
        "sensitivity: {}",
        sensitivity::plan(factors.len(), evals, opts.runs, opts.deadline)
    );
    let report = with_threads(sim.threads, || sensitivity::analyze(&sc, &factors, &opts))?;
    let text = match a.format {
        Format::Table => report.to_table(),
        Format::Json => report.to_json(),
        Format::Csv => report.to_csv(),
    };
    emit(a.output.as_deref(), &text)?;
    if let Some(path) = &a.report {
        let mut words = vec!["negsim".to_string(), "sensitivity".into()];
        words.extend(a.scenario.iter().map(|p| p.display().to_string()));
        words.extend([
            "--method".into(),
            match opts.method {
                Method::Oat => "oat",
                Method::Sobol => "sobol",
            }
            .into(),
            "--deadline".into(),
            opts.deadline.to_string(),
            "--runs".into(),
            opts.runs.to_string(),
            "--seed".into(),
            opts.seed.to_string(),
        ]);
        if opts.method == Method::Sobol {
            words.extend(["--samples".into(), opts.samples.to_string()]);
        }
        for p in &a.params {
            words.extend(["--param".into(), p.clone()]);
        }
        words.extend(["--report".into(), path.display().to_string()]);
        let html = sensitivity::html::page(&report, &command_line(&words));
        write_atomic(path, html.as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn cmd_report(a: &ReportArgs) -> anyhow::Result<()> {
    let sc = load_scenario(a.scenario.as_deref())?;
    let sim = a.sim.resolve(&sc)?;
    let axes = crate::html::resolve_axes(&sc, a.axes.as_deref())?;
    if !a.force {
        refuse_if_too_long(&sc, &sim, &origin_of(a.scenario.as_deref()))?;
    }
    let (model, outcome) = simulate_outcome(&sc, &sim, &Control::default())?;
    let analysis = crate::analysis::Analysis::new(&model);
    let report = Report::with_analysis(&model, sim.seed, sim.runs, &outcome, analysis.as_ref());
    let mut command = vec!["negsim".to_string(), "report".to_string()];
    if let Some(p) = &a.scenario {
        command.push(p.display().to_string());
    }
    command.extend(sim.flags());
    command.extend([
        "--axes".into(),
        format!("{},{}", sc.agents[axes.0].id, sc.agents[axes.1].id),
        "--output".into(),
        a.output.display().to_string(),
    ]);
    if a.sensitivity {
        command.push("--sensitivity".into());
    }
    let tornado = if a.sensitivity {
        Some(report_tornado(&sc, &sim)?)
    } else {
        None
    };
    let html = crate::html::render(&crate::html::HtmlInput {
        model: &model,
        report: &report,
        outcome: &outcome,
        analysis: analysis.as_ref(),
        axes,
        command: &command_line(&command),
        sensitivity: tornado.as_ref().map(|t| t.as_ref().map_err(String::as_str)),
    });
    write_atomic(&a.output, html.as_bytes())?;
    eprintln!("wrote {}", a.output.display());
    Ok(())
}

/// The tornado of `negsim report --sensitivity`: one factor at a time at the report's longest
/// deadline and seed, with at most [`sensitivity::REPORT_OAT_RUNS`] runs per evaluation; or
/// why there is none.
fn report_tornado(
    sc: &Scenario,
    sim: &ResolvedSim,
) -> anyhow::Result<Result<sensitivity::SensitivityReport, String>> {
    let factors = sensitivity::factors::scenario_factors(sc);
    if let Err(e) = sensitivity::check_factors(&factors) {
        return Ok(Err(format!("No tornado: {}.", e.message)));
    }
    let deadline = sim.deadlines.iter().copied().max().unwrap_or(1);
    let runs = sim.runs.min(sensitivity::REPORT_OAT_RUNS);
    let opts = sensitivity::resolve_options(
        sc,
        Method::Oat,
        Some(deadline),
        None,
        Some(runs),
        Some(sim.seed),
    )?;
    let evals = sensitivity::evaluations(Method::Oat, factors.len(), 0);
    eprintln!(
        "sensitivity: {}",
        sensitivity::plan(factors.len(), evals, runs, deadline)
    );
    let r = with_threads(sim.threads, || sensitivity::analyze(sc, &factors, &opts))?;
    Ok(Ok(r))
}

/// A command line from its words, each quoted for a POSIX shell where needed.
fn command_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Quotes a word for a POSIX shell when it holds anything but safe characters.
pub fn shell_quote(w: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./,:=+@%".contains(c);
    if !w.is_empty() && w.chars().all(safe) {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

fn cmd_play(a: &PlayArgs) -> anyhow::Result<()> {
    let sc = load_scenario(a.scenario.as_deref())?;
    let player = sc
        .agent_index(&a.agent)
        .ok_or_else(|| sc.unknown_agent(&a.agent, "--as"))?;
    let sim = SimArgs {
        runs: a.runs,
        seed: a.seed,
        deadlines: Some(vec![a.deadline.unwrap_or_else(|| {
            crate::play::default_deadline(&sc.simulation.deadlines)
        })]),
        threads: None,
        quiet: true,
    }
    .resolve(&sc)
    .map_err(|e| {
        if e.origin == "--deadlines" {
            InputError {
                origin: "--deadline".into(),
                ..e
            }
        } else {
            e
        }
    })?;
    let opts = crate::play::PlayOptions {
        player,
        deadline: sim.deadlines[0],
        seed: sim.seed,
        run: a.run,
        runs: sim.runs,
        echo: !std::io::IsTerminal::is_terminal(&std::io::stdin()),
    };
    let model = Model::new(&sc);
    let stdin = std::io::stdin();
    crate::play::play_game(&model, &opts, stdin.lock(), std::io::stdout().lock())?;
    Ok(())
}

fn cmd_init(a: &InitArgs) -> anyhow::Result<()> {
    match crate::init::write_starter(&a.path, a.force) {
        // The input error itself, so that its message is printed once.
        Err(Error::Input(e)) => return Err(e.into()),
        r => r?,
    }
    let p = shell_quote(&a.path.display().to_string());
    emit(
        None,
        &format!(
            "wrote {p}: a starter scenario (two parties, three terms).\nNext: negsim check {p}   then   negsim run {p}\n"
        ),
    )
}

fn cmd_generate(a: &GenerateArgs) -> anyhow::Result<()> {
    let shape = crate::generate::Shape::new(a.terms, &a.options, a.agents, a.opposition, a.seed)?;
    let options: Vec<String> = a.options.iter().map(usize::to_string).collect();
    let command = format!(
        "negsim generate --terms {} --options {} --agents {} --opposition {} --seed {}",
        a.terms,
        options.join(","),
        a.agents,
        a.opposition,
        a.seed
    );
    emit(
        a.output.as_deref(),
        &crate::generate::scenario_toml(&shape, &command),
    )
}

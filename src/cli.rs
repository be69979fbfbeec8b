//! The command line: flags parsed by clap into raw values, validated into typed options, then
//! handed to the library. Errors end here: invalid input exits with code 2, other failures 1.

use crate::error::{Error, InputError};
use crate::model::Model;
use crate::montecarlo::{self, Control, Settings};
use crate::report::Report;
use crate::scenario::{self, MAX_DEADLINE, MAX_RUNS, Scenario};
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of stdout (written whole, then renamed into place).
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
    if let Some(Error::Io { source, .. }) = e.downcast_ref::<Error>()
        && source.kind() == std::io::ErrorKind::BrokenPipe
    {
        return ExitCode::SUCCESS;
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>()
        && io.kind() == std::io::ErrorKind::BrokenPipe
    {
        return ExitCode::SUCCESS;
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
        Command::Generate(a) => cmd_generate(&a),
    }
}

/// Reads a scenario file (or the bundled one), reporting unreadable or non-UTF-8 files as
/// invalid input.
pub fn load_scenario(path: Option<&Path>) -> Result<Scenario, InputError> {
    let Some(path) = path else {
        return Scenario::from_toml_str(scenario::BUNDLED, scenario::BUNDLED_NAME);
    };
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        InputError::new(&origin, format!("cannot read the scenario file: {e}"))
            .with_help("give the path of a .toml scenario, or no path for the bundled scenario")
    })?;
    let src = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        InputError::new(
            &origin,
            format!("the file is not valid UTF-8 (invalid byte at offset {at})"),
        )
        .at(&text, at)
        .with_help("save the scenario as UTF-8 text")
    })?;
    Scenario::from_toml_str(&src, &origin)
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
}

impl SimArgs {
    /// Validates the overrides against `sc`.
    pub fn resolve(&self, sc: &Scenario) -> Result<ResolvedSim, InputError> {
        let runs = self.runs.unwrap_or(sc.simulation.runs);
        if runs == 0 || runs > MAX_RUNS {
            return Err(
                InputError::new("--runs", format!("{runs} runs is out of range"))
                    .with_help(format!("give between 1 and {MAX_RUNS} runs")),
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
                InputError::new("--deadlines", format!("deadline {d} is out of range"))
                    .with_help(format!("deadlines are rounds from 1 to {MAX_DEADLINE}")),
            );
        }
        if self.threads == Some(0) {
            return Err(
                InputError::new("--threads", "0 threads").with_help("give at least 1 thread")
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
    let model = Model::new(sc);
    let settings = Settings {
        seed: sim.seed,
        deadlines: sim.deadlines.clone(),
        runs: 0..sim.runs,
    };
    let outcome = with_threads(sim.threads, || {
        montecarlo::simulate(&model, &settings, control)
    })?;
    let report = Report::new(&model, sim.seed, sim.runs, &outcome);
    Ok((model, report))
}

fn cmd_run(a: &RunArgs) -> anyhow::Result<()> {
    let sc = load_scenario(a.scenario.as_deref())?;
    let sim = a.sim.resolve(&sc)?;
    let control = Control::default();
    let (model, report) = simulate_report(&sc, &sim, &control)?;
    let text = match a.format {
        Format::Table => report.to_table(&model),
        Format::Json => report.to_json(),
        Format::Csv => report.to_csv(),
    };
    emit(a.output.as_deref(), &text)
}

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

//! The flags of every command, as clap parses them: raw values only; the commands validate
//! them and call the library.

use clap::{Args, Parser, Subcommand, ValueEnum};
use negsim::error::InputError;
use negsim::request::{Overrides, ResolvedSim};
use negsim::scenario::Scenario;
use negsim::study::sensitivity::Method;
use negsim::study::tidy;
use std::path::PathBuf;

/// negsim: how likely is a deal, and by when? Monte Carlo simulation of negotiations.
#[derive(Debug, Parser)]
#[command(name = "negsim", version = env!("NEGSIM_LONG_VERSION"), about, long_about = None)]
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
    /// Check the closed forms of bargaining theory (exit 1 if a row fails).
    Validate,
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
    /// Serve a local web page to edit a scenario with sliders, compare it and play it.
    Serve(ServeArgs),
    /// Write a random scenario of a given shape (for stress tests and as a starting point).
    Generate(GenerateArgs),
    /// Print a shell completion script: bash, zsh or fish.
    Completions(crate::cli::completions::CompletionsArgs),
    /// Print the man page negsim(1) (roff: `negsim man | man -l -`).
    Man(crate::cli::completions::ManArgs),
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
    /// Write to this file instead of stdout (`-`: stdout); an existing file is replaced once
    /// the new one is complete.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Play only shard K of N (0-based) and write its partial result for `negsim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<negsim::study::shard::Shard>,
    /// Run even if the estimated time is over an hour.
    #[arg(long)]
    pub force: bool,
    /// Also write one row per run and deadline, with the sampled parameters and the outcome,
    /// to FILE: CSV, or JSON lines when FILE ends in .jsonl (streamed as runs finish).
    #[arg(long, value_name = "FILE", conflicts_with = "shard")]
    pub per_run: Option<PathBuf>,
    /// Compare with scenario B run by run (same seed, same runs): P(agreement) of both and
    /// their paired difference per deadline, with 95% intervals.
    #[arg(long, value_name = "B.toml", conflicts_with_all = ["shard", "per_run", "worlds"])]
    pub compare: Option<PathBuf>,
    /// Worlds and the deadline detailed.
    #[command(flatten)]
    pub answer: AnswerArgs,
}

/// The options of the answer-first report (`run` and `report`).
#[derive(Debug, Args, Clone, Default)]
pub struct AnswerArgs {
    /// Play K worlds, each one draw of every uncertain number, sharing the --runs equally, and
    /// report the spread of P across them (0: independent runs; default: the scenario's
    /// `worlds`).
    #[arg(long, value_name = "K")]
    pub worlds: Option<u64>,
    /// The deadline whose deals the table details (default: the middle one).
    #[arg(long, value_name = "D")]
    pub detail: Option<u32>,
    /// Detail the deals of every deadline, not only one.
    #[arg(long)]
    pub all_deadlines: bool,
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
    /// Write to this file instead of stdout (`-`: stdout); an existing file is replaced once
    /// the new one is complete.
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
    pub shard: Option<negsim::study::shard::Shard>,
    /// Run even if the estimated time is over an hour, and replace a non-empty --output
    /// table (without it, an existing table is refused: use --resume to continue it).
    #[arg(long)]
    pub force: bool,
    /// Also write a self-contained HTML page charting P(agreement) against the swept
    /// parameter, drawn from the table's rows.
    #[arg(long, value_name = "FILE.html", conflicts_with = "shard")]
    pub report: Option<PathBuf>,
    /// Play each point as K worlds sharing its runs (each world one draw of every uncertain
    /// number), adding the 5th/50th/95th percentiles of P across worlds to every row
    /// (default 0: independent runs, whatever the scenario's `worlds`).
    #[arg(long, value_name = "K", conflicts_with = "shard")]
    pub worlds: Option<u64>,
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
    /// Replace a non-empty --output table (without it, an existing table is refused).
    #[arg(long)]
    pub force: bool,
}

/// Output options of the table commands, `sweep` and `batch`.
#[derive(Debug, Args)]
pub struct TableArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    pub format: TableFormat,
    /// Write to this file instead of stdout (`-`: stdout); rows are appended as each item
    /// finishes, and a file that already holds rows is refused without --resume or --force.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `negsim check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (default: the bundled scenario).
    pub scenario: Option<PathBuf>,
    /// Worlds of the quick look at what the result hangs on (default: the scenario's, or 100;
    /// `--no-look` skips it)
    #[arg(long, default_value_t = 0)]
    pub worlds: u64,
    /// Skip the quick look (no simulation: only the scenario and its outcome space)
    #[arg(long)]
    pub no_look: bool,
    /// Worker threads of the quick look (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CheckFormat {
    /// A readable summary for a terminal.
    #[default]
    Table,
    /// One JSON object: `summary` (the scenario, its zone of agreement and outcome space) and
    /// `hangs_on` (the quick look, or null under `--no-look`).
    Json,
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
    /// Write the scenario to this file instead of stdout (`-`: stdout); an existing file is
    /// replaced once the new one is complete.
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
    #[arg(long, value_enum, default_value_t = MethodArg::Oat)]
    pub method: MethodArg,
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
    /// Write to this file instead of stdout (`-`: stdout); an existing file is replaced once
    /// the new one is complete.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// An extra factor, uniform on [LOW, HIGH] (e.g. agents.us.walk_away=0:0.02); repeatable.
    #[arg(long = "param", value_name = "PATH=LOW:HIGH")]
    pub params: Vec<String>,
    /// Also write a self-contained HTML page with the tornado or indices chart and the tables.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Run even if the estimated time is over an hour.
    #[arg(long)]
    pub force: bool,
}

/// `negsim report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Scenario file (default: the bundled scenario).
    pub scenario: Option<PathBuf>,
    /// Simulation options.
    #[command(flatten)]
    pub sim: SimArgs,
    /// The HTML file to write (`-`: stdout); an existing file is replaced once the new one is
    /// complete.
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
    /// Also write every chart as a standalone SVG file into this directory, named after the
    /// chart (for example chart-p.svg).
    #[arg(long, value_name = "DIR")]
    pub svg_dir: Option<PathBuf>,
    /// Run even if the estimated time is over an hour.
    #[arg(long)]
    pub force: bool,
    /// Worlds and the deadline detailed.
    #[command(flatten)]
    pub answer: AnswerArgs,
}

/// `negsim play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// Scenario file (default: the bundled scenario).
    pub scenario: Option<PathBuf>,
    /// The agent you play (its id). Give it again for each more person at one terminal
    /// (`--as ukraine --as us`): they take turns, and the screen hides each one's numbers.
    #[arg(long = "as", value_name = "AGENT", required = true)]
    pub agent: Vec<String>,
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
    /// Show what the scenario's strategy would do in your seat (as the mediator: the texts
    /// that would pass).
    #[arg(long)]
    pub hints: bool,
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
    /// Write the bundled scenario (every number commented) instead of the starter.
    #[arg(long)]
    pub bundled: bool,
}

/// `negsim serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Scenario file (default: the bundled scenario).
    pub scenario: Option<PathBuf>,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on: the default answers this machine only; 0.0.0.0 opens the page
    /// to the local network (a class on one Wi-Fi).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
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
    /// Write to this file instead of stdout (`-`: stdout); an existing file is replaced once
    /// the new one is complete.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

// The library's own enums get their flag values from these mirrors, so that no library type
// derives a command-line trait (a Python binding or a web front end has no use for them).

/// Formats of a tidy table (`sweep`, `batch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TableFormat {
    /// CSV with a header line.
    #[default]
    Csv,
    /// One JSON object per line, no header.
    Jsonl,
}

impl From<TableFormat> for tidy::Format {
    fn from(f: TableFormat) -> Self {
        match f {
            TableFormat::Csv => tidy::Format::Csv,
            TableFormat::Jsonl => tidy::Format::Jsonl,
        }
    }
}

/// Methods of `sensitivity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum MethodArg {
    /// One factor at a time (tornado).
    #[default]
    Oat,
    /// Variance-based first- and total-order indices.
    Sobol,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Oat => Method::Oat,
            MethodArg::Sobol => Method::Sobol,
        }
    }
}

impl SimArgs {
    /// The overrides these flags give: independent runs (`run` and `report` set the worlds
    /// from `--worlds` or the scenario; the other commands never play worlds).
    pub fn overrides(&self) -> Overrides {
        Overrides {
            runs: self.runs,
            seed: self.seed,
            deadlines: self.deadlines.clone(),
            threads: self.threads,
            worlds: Some(0),
        }
    }

    /// Validates the overrides against `sc` (see [`Overrides::resolve`]).
    pub fn resolve(&self, sc: &Scenario) -> Result<ResolvedSim, InputError> {
        self.overrides().resolve(sc)
    }
}

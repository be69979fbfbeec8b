//! The command line: flags parsed by clap into raw values ([`args`]), validated and handed to
//! the library by one file per command. Errors end here: invalid input exits with code 2,
//! other failures 1.

mod args;
mod batch;
mod compare;
mod completions;
mod import;
mod inspect;
mod merge;
mod play;
mod report;
mod run;
mod scaffold;
mod sensitivity;
mod serve;
mod sweep;
mod validate;

pub use args::*;
use clap::Parser;
use negsim::error::{Error, InputError};
use negsim::interrupt;
use negsim::output::{self, Target};
use negsim::scenario;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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

/// `--output -` means stdout, as no `--output` does.
fn dash_is_stdout(p: &mut Option<PathBuf>) {
    if p.as_deref().is_some_and(|p| p.as_os_str() == "-") {
        *p = None;
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let mut command = cli.command.unwrap_or(Command::Run(RunArgs::default()));
    match &mut command {
        Command::Run(a) => dash_is_stdout(&mut a.output),
        Command::Merge(a) => dash_is_stdout(&mut a.output),
        Command::Import(a) => dash_is_stdout(&mut a.output),
        Command::Sweep(a) => dash_is_stdout(&mut a.table.output),
        Command::Batch(a) => dash_is_stdout(&mut a.table.output),
        Command::Sensitivity(a) => dash_is_stdout(&mut a.output),
        Command::Generate(a) => dash_is_stdout(&mut a.output),
        _ => {}
    }
    match command {
        Command::Run(a) => run::cmd_run(&a),
        Command::Check(a) => inspect::cmd_check(&a),
        Command::Trace(a) => inspect::cmd_trace(&a),
        Command::Validate => validate::cmd_validate(),
        Command::Merge(a) => merge::cmd_merge(&a),
        Command::Import(a) => import::cmd_import(&a),
        Command::Sweep(a) => sweep::cmd_sweep(&a),
        Command::Batch(a) => batch::cmd_batch(&a),
        Command::Sensitivity(a) => sensitivity::cmd_sensitivity(&a),
        Command::Report(a) => report::cmd_report(&a),
        Command::Play(a) => play::cmd_play(&a),
        Command::Init(a) => scaffold::cmd_init(&a),
        Command::Serve(a) => serve::cmd_serve(&a),
        Command::Generate(a) => scaffold::cmd_generate(&a),
        Command::Completions(a) => emit(None, &crate::cli::completions::completion_script(a.shell)),
        Command::Man(a) => emit(a.output.as_deref(), &crate::cli::completions::man_page()),
    }
}

/// The name messages give the scenario at `path` (or the bundled one).
fn origin_of(path: Option<&Path>) -> String {
    path.map_or_else(
        || negsim::scenario::BUNDLED_NAME.to_string(),
        |p| p.display().to_string(),
    )
}

/// The name of a flag's value as typed on the command line (`json`, not the Rust `Json`).
fn value_name<T: clap::ValueEnum>(v: &T) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_string())
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

/// The error returned after writing partial results on Ctrl-C: exit code 130 (128 + signal).
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;
/// Writes `text` whole to `--output` (see [`negsim::output`]: `-` or none is stdout).
pub fn emit(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    output::write_whole(&Target::of(path), text.as_bytes())?;
    Ok(())
}

/// Writes a whole file (HTML pages): replaced atomically, devices and FIFOs written in place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    output::write_whole(&Target::of(Some(path)), bytes)
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

/// The columns to wrap a report at: the terminal's (within 60 to 160) when writing to one,
/// else 80.
pub(crate) fn terminal_width(to_stdout: bool) -> usize {
    let term = console::Term::stdout();
    match term.size_checked() {
        Some((_, cols)) if to_stdout && term.is_term() => usize::from(cols).clamp(60, 160),
        _ => 80,
    }
}

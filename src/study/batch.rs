//! Batches: several scenario files run into one tidy table with `scenario` (the name, as in
//! the run report) and `file` columns, each with its own settings. Files that fail are reported by the caller and left out; the rest run.

use crate::engine::montecarlo::{Control, Settings};
use crate::error::{Error, InputError};
use crate::progress::Progress;
use crate::scenario::Scenario;
use crate::study::tidy::{self, Cell, Finished, Item, Layout, Output};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The key columns of a batch table: the scenario's name (as `scenario` in run JSON) and
/// the file as given.
pub const KEYS: [&str; 2] = ["scenario", "file"];

/// One scenario of a batch.
#[derive(Debug, Clone)]
pub struct Job {
    /// The file, as shown in the `file` column.
    pub name: String,
    /// The validated scenario.
    pub scenario: Scenario,
    /// Its seed, deadlines and runs.
    pub settings: Settings,
}

/// Expands the command-line inputs into scenario files: a file stands for itself, a directory
/// for its `*.toml` files in name order. Directories that cannot be listed or hold no
/// scenario are returned as errors, in order with the files.
pub fn expand(inputs: &[PathBuf]) -> Vec<Result<PathBuf, InputError>> {
    let mut out = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            out.push(Ok(input.clone()));
            continue;
        }
        match toml_files(input) {
            Ok(files) if files.is_empty() => out.push(Err(InputError::new(
                input.display().to_string(),
                "no .toml files in this directory",
            )
            .with_help("give scenario files or directories holding *.toml scenarios"))),
            Ok(files) => out.extend(files.into_iter().map(Ok)),
            Err(e) => out.push(Err(InputError::new(
                input.display().to_string(),
                format!("cannot list the directory: {e}"),
            ))),
        }
    }
    out
}

/// The `*.toml` files directly inside `dir`, sorted by name.
fn toml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        if is_toml && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Simulates the jobs in order, writing and flushing each one's rows as soon as it is done;
/// stops between jobs when `control.cancel` is set.
pub fn run(
    jobs: &[Job],
    layout: &Layout,
    out: &mut Output,
    control: &Control,
    progress: &Progress,
) -> Result<Finished, Error> {
    let items = jobs.iter().map(|j| {
        Ok(Item {
            cells: vec![Cell::text(&j.scenario.name), Cell::text(&j.name)],
            scenario: Cow::Borrowed(&j.scenario),
            settings: &j.settings,
        })
    });
    tidy::run_items(items, layout, out, control, progress, &mut |_, _| {})
}

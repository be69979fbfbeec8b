//! `negsim import`: GENIUS and GeniusWeb domains into a scenario.

use super::args::*;
use negsim::output::{self, Target};

use super::emit;
use std::path::PathBuf;

pub(super) fn cmd_import(a: &ImportArgs) -> anyhow::Result<()> {
    let mut inputs: Vec<&std::path::Path> = vec![&a.domain];
    inputs.extend(a.profiles.iter().map(PathBuf::as_path));
    output::refuse_if_input(&Target::of(a.output.as_deref()), "--output", &inputs)?;
    let opts = negsim::tools::import::ImportOptions {
        ignore_discount: a.ignore_discount,
    };
    let imported = negsim::tools::import::import_files(&a.domain, &a.profiles, opts)?;
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    emit(a.output.as_deref(), &imported.toml)
}

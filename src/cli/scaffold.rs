//! `negsim init` and `negsim generate`: starting points for a new scenario.

use super::args::*;
use super::{emit, shell_quote};
use negsim::error::Error;

pub(super) fn cmd_init(a: &InitArgs) -> anyhow::Result<()> {
    let text = if a.bundled {
        negsim::scenario::BUNDLED
    } else {
        negsim::tools::init::STARTER
    };
    match negsim::tools::init::write_new(&a.path, a.force, text) {
        // The input error itself, so that its message is printed once.
        Err(Error::Input(e)) => return Err(e.into()),
        r => r?,
    }
    let p = shell_quote(&a.path.display().to_string());
    emit(
        None,
        &format!(
            "wrote {p}: {}.\nNext: negsim check {p}   then   negsim run {p}\n",
            if a.bundled {
                "the bundled scenario, every number commented"
            } else {
                "a starter scenario (two parties, three terms)"
            }
        ),
    )
}

pub(super) fn cmd_generate(a: &GenerateArgs) -> anyhow::Result<()> {
    let shape =
        negsim::tools::generate::Shape::new(a.terms, &a.options, a.agents, a.opposition, a.seed)?;
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
        &negsim::tools::generate::scenario_toml(&shape, &command),
    )
}

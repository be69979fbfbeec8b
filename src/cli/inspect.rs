//! `negsim check` and `negsim trace`: look at a scenario and at one of its runs.

use super::args::*;
use super::emit;
use negsim::error::InputError;
use negsim::request::load_scenario;
use negsim::scenario::MAX_DEADLINE;

pub(super) fn cmd_check(a: &CheckArgs) -> anyhow::Result<()> {
    let sc = load_scenario(a.scenario.as_deref())?;
    let summary = negsim::study::check::Summary::of(&sc);
    let mut hangs_on = None;
    if !a.no_look {
        if a.worlds > negsim::scenario::MAX_WORLDS {
            return Err(
                InputError::new("--worlds", format!("{} worlds is too many", a.worlds))
                    .with_help(format!(
                        "give at most {} worlds",
                        negsim::scenario::thousands(negsim::scenario::MAX_WORLDS)
                    ))
                    .into(),
            );
        }
        // `--threads` is checked as every simulating command checks it.
        let sim = negsim::request::Overrides {
            threads: a.threads,
            worlds: Some(0),
            ..Default::default()
        }
        .resolve(&sc)?;
        let look = negsim::request::with_threads(sim.threads, || {
            negsim::study::check::hangs_on::hangs_on(&sc, a.worlds)
        })?;
        hangs_on = Some(look);
    }
    let check = negsim::study::check::Check { summary, hangs_on };
    let text = match a.format {
        CheckFormat::Table => check.to_text(),
        CheckFormat::Json => check.to_json(),
    };
    emit(None, &text)
}

pub(super) fn cmd_trace(a: &TraceArgs) -> anyhow::Result<()> {
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
    let text = negsim::tools::trace::transcript(&sc, seed, a.run, a.deadline);
    emit(None, &text)
}

//! `negsim play`: play one agent in the terminal, or several taking turns (hot-seat).

use super::args::*;
use negsim::engine::model::Model;
use negsim::error::InputError;
use negsim::request::load_scenario;

pub(super) fn cmd_play(a: &PlayArgs) -> anyhow::Result<()> {
    let sc = load_scenario(a.scenario.as_deref())?;
    let seats = negsim::tools::play::seats_of(&sc, &a.agent, "--as")?;
    let sim = SimArgs {
        runs: a.runs,
        seed: a.seed,
        deadlines: Some(vec![a.deadline.unwrap_or_else(|| {
            negsim::tools::play::default_deadline(&sc.simulation.deadlines)
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
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let opts = negsim::tools::play::PlayOptions {
        seats,
        deadline: sim.deadlines[0],
        seed: sim.seed,
        run: a.run,
        runs: sim.runs,
        echo: !std::io::IsTerminal::is_terminal(&std::io::stdin()),
        hints: a.hints,
        handoff: true,
        clear: terminal,
    };
    let model = Model::new(&sc);
    let stdin = std::io::stdin();
    negsim::tools::play::play_game(&model, &opts, stdin.lock(), std::io::stdout().lock())?;
    Ok(())
}

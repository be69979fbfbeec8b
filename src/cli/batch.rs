//! `negsim batch`: several scenarios into one tidy table.

use super::args::*;
use super::interrupted_items;
use super::sweep::new_table;
use negsim::engine::montecarlo::Control;
use negsim::error::InputError;
use negsim::interrupt;
use negsim::output::{self, Target};
use negsim::progress::{self, Progress};
use negsim::request::{load_scenario, with_threads};
use negsim::study::batch::{self, Job};
use negsim::study::tidy::Layout;

pub(super) fn cmd_batch(a: &BatchArgs) -> anyhow::Result<()> {
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
        format: a.table.format.into(),
        keys: batch::KEYS.iter().map(|k| k.to_string()).collect(),
        worlds: None,
    };
    let inputs: Vec<&std::path::Path> =
        jobs.iter().map(|j| std::path::Path::new(&j.name)).collect();
    output::refuse_if_input(&Target::of(a.table.output.as_deref()), "--output", &inputs)?;
    let mut out = new_table(a.table.output.as_deref(), &layout, a.force)?;
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

//! `negsim run`: simulate one scenario (or one shard of it) and write its report.

use super::args::*;

use super::interrupted;
use negsim::engine::model::Model;
use negsim::engine::montecarlo::Control;
use negsim::error::InputError;
use negsim::interrupt;
use negsim::output::{self, Target};
use negsim::progress::{self, Progress};
use negsim::report::Report;
use negsim::request::{
    ResolvedSim, load_source, refuse_if_too_long, simulate_report, with_threads,
};
use negsim::scenario::Scenario;
use std::path::PathBuf;

pub(super) fn cmd_run(a: &RunArgs) -> anyhow::Result<()> {
    let (src, origin) = load_source(a.scenario.as_deref())?;
    let sc = Scenario::from_toml_str(&src, &origin)?;
    let sim = negsim::request::Overrides {
        worlds: a.answer.worlds,
        ..a.sim.overrides()
    }
    .resolve(&sc)?;
    if let Some(b) = &a.compare {
        // Paired runs are compared one by one; a world's draw is shared by many runs, so the
        // comparison plays independent runs even where the scenario asks for worlds.
        let sim = ResolvedSim {
            worlds: None,
            ..sim
        };
        return super::compare::cmd_compare(a, &sc, &origin, &sim, b);
    }
    let mut view =
        negsim::report::View::new(&sc, &sim.deadlines, a.answer.detail, a.answer.all_deadlines)?;
    let to_stdout = a.output.as_deref().is_none_or(|p| p.as_os_str() == "-");
    view.width = super::terminal_width(to_stdout);
    if sim.worlds.is_some() && a.per_run.is_some() {
        return Err(InputError::new(
            "--per-run",
            "--per-run writes one row per independent run, not per world",
        )
        .with_help(if a.answer.worlds.is_some() {
            "leave out --worlds, or --worlds 0".to_string()
        } else {
            "the scenario asks for worlds (`worlds` in [simulation]): add --worlds 0".to_string()
        })
        .into());
    }
    let control = Control::default();
    let job = negsim::study::shard::Job {
        source: &src,
        origin: &origin,
        scenario: &sc,
        seed: sim.seed,
        runs: sim.runs,
        deadlines: &sim.deadlines,
        worlds: sim.worlds,
    };
    // Runs this process plays: all of them, or its shard's (a block of the runs, or with
    // worlds every run of a block of the worlds).
    let runs = a.shard.map_or(sim.total_runs(), |s| job.shard_runs(s));
    if !a.force {
        let this = ResolvedSim {
            runs,
            worlds: None,
            ..sim.clone()
        };
        refuse_if_too_long(&sc, &this, &origin)?;
    }
    if let (Some(_), Some(f)) = (a.shard, a.format) {
        return Err(InputError::new(
            "--format",
            format!(
                "--shard writes a partial result, not --format {}",
                super::value_name(&f)
            ),
        )
        .with_help("leave out --format; `negsim merge --format ...` prints the report")
        .into());
    }
    // The output is checked (and its temporary file created) before the work, not after it.
    let target = Target::of(a.output.as_deref());
    output::refuse_if_input(
        &target,
        "--output",
        &a.scenario.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
    )?;
    let out = output::prepare(&target)?;
    let progress = Progress::new(progress::wanted(a.sim.quiet), &control, runs);
    if let Some(shard) = a.shard {
        let part = interrupt::forward_to(&control.cancel, || {
            progress.run(|| {
                with_threads(sim.threads, || {
                    negsim::study::shard::run_shard(&job, shard, &control)
                })
            })
        })?;
        out.commit(part.to_json().as_bytes())?;
        if part.partial {
            return Err(interrupted(
                a.output.as_deref(),
                control.done.load(std::sync::atomic::Ordering::Relaxed),
                runs,
            ));
        }
        return Ok(());
    }
    let (model, report) = interrupt::forward_to(&control.cancel, || {
        progress.run(|| match &a.per_run {
            Some(path) => per_run_report(&sc, &sim, path, &control),
            None => Ok(simulate_report(&sc, &sim, &control)?),
        })
    })?;
    let text = render(&report, &model, a.format.unwrap_or_default(), &view);
    out.commit(text.as_bytes())?;
    if report.partial {
        return Err(interrupted(
            a.output.as_deref(),
            report.runs,
            sim.total_runs(),
        ));
    }
    Ok(())
}

/// As [`simulate_report`], also writing the per-run table to `path` (the same report: the
/// table's runs are tallied as they are written).
fn per_run_report(
    sc: &Scenario,
    sim: &ResolvedSim,
    path: &std::path::Path,
    control: &Control,
) -> anyhow::Result<(Model, Report)> {
    let table = negsim::study::per_run::PerRun::new(sc, sim.settings());
    let outcome = with_threads(sim.threads, || table.write_file(path, control))??;
    let model = table.model().clone();
    let report = Report::new(&model, sim.seed, sim.runs, &outcome);
    Ok((model, report))
}

/// Renders a report in one of the `run` formats.
pub(super) fn render(
    report: &Report,
    model: &Model,
    format: Format,
    view: &negsim::report::View,
) -> String {
    match format {
        Format::Table => report.to_table_view(model, view),
        Format::Json => report.to_json(),
        Format::Csv => report.to_csv(),
    }
}

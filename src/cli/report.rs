//! `negsim report`: the self-contained HTML report (and its charts as SVG files).

use super::args::*;
use super::command_line;
use negsim::engine::montecarlo::Control;
use negsim::output::{self, Target};
use negsim::report::Report;
use negsim::request::{ResolvedSim, load_scenario, simulate_outcome, with_threads};
use negsim::scenario::Scenario;
use negsim::study::sensitivity::{self, Method};
use std::path::{Path, PathBuf};

pub(super) fn cmd_report(a: &ReportArgs) -> anyhow::Result<()> {
    let sc = load_scenario(a.scenario.as_deref())?;
    let sim = negsim::request::Overrides {
        worlds: a.answer.worlds,
        ..a.sim.overrides()
    }
    .resolve(&sc)?;
    let view =
        negsim::report::View::new(&sc, &sim.deadlines, a.answer.detail, a.answer.all_deadlines)?;
    if !a.force {
        negsim::request::refuse_if_too_long(&sc, &sim, &super::origin_of(a.scenario.as_deref()))?;
    }
    let axes = negsim::report::html::run::resolve_axes(&sc, a.axes.as_deref())?;
    let target = Target::of(Some(&a.output));
    let scenario: Vec<&Path> = a.scenario.iter().map(PathBuf::as_path).collect();
    output::refuse_if_input(&target, "--output", &scenario)?;
    // Checked (and its temporary file created) before the simulation, not after it.
    let page = output::prepare(&target)?;
    let control = Control::default();
    let (model, outcome, report, analysis) = if sim.worlds.is_some() {
        let model = negsim::engine::model::Model::new(&sc);
        let worlds = negsim::request::play_worlds(&model, &sim, &control)?;
        let analysis = negsim::engine::analysis::Analysis::new(&model);
        let report = Report::of_worlds_with_analysis(
            &model,
            sim.seed,
            sim.runs_per_world(),
            &worlds,
            analysis.as_ref(),
        );
        (model, worlds.pooled_outcome(), report, analysis)
    } else {
        let (model, outcome) = simulate_outcome(&sc, &sim, &control)?;
        let analysis = negsim::engine::analysis::Analysis::new(&model);
        let report = Report::with_analysis(&model, sim.seed, sim.runs, &outcome, analysis.as_ref());
        (model, outcome, report, analysis)
    };
    let mut command = vec!["negsim".to_string(), "report".to_string()];
    if let Some(p) = &a.scenario {
        command.push(p.display().to_string());
    }
    command.extend(sim.flags());
    command.extend(["--worlds".into(), sim.worlds.unwrap_or(0).to_string()]);
    command.extend([
        "--axes".into(),
        format!("{},{}", sc.agents[axes.0].id, sc.agents[axes.1].id),
        "--output".into(),
        a.output.display().to_string(),
    ]);
    if a.sensitivity {
        command.push("--sensitivity".into());
    }
    let tornado = if a.sensitivity {
        Some(report_tornado(&sc, &sim)?)
    } else {
        None
    };
    let html = negsim::report::html::run::render(&negsim::report::html::run::HtmlInput {
        model: &model,
        report: &report,
        outcome: &outcome,
        analysis: analysis.as_ref(),
        view: &view,
        axes,
        command: &command_line(&command),
        sensitivity: tornado.as_ref().map(|t| t.as_ref().map_err(String::as_str)),
    });
    page.commit(html.as_bytes())?;
    eprintln!("wrote {}", target.name());
    if let Some(dir) = &a.svg_dir {
        let files = negsim::report::charts::standalone::write_all(&html, dir)?;
        eprintln!("wrote {} charts into {}", files.len(), dir.display());
    }
    Ok(())
}

/// The tornado of `negsim report --sensitivity`: one factor at a time at the report's longest
/// deadline and seed, with at most [`sensitivity::REPORT_OAT_RUNS`] runs per evaluation; or
/// why there is none.
fn report_tornado(
    sc: &Scenario,
    sim: &ResolvedSim,
) -> anyhow::Result<Result<sensitivity::SensitivityReport, String>> {
    let factors = sensitivity::factors::scenario_factors(sc);
    if let Err(e) = sensitivity::check_factors(&factors) {
        return Ok(Err(format!("No tornado: {}.", e.message)));
    }
    let deadline = sim.deadlines.iter().copied().max().unwrap_or(1);
    let runs = sim.runs.min(sensitivity::REPORT_OAT_RUNS);
    let opts = sensitivity::resolve_options(
        sc,
        Method::Oat,
        Some(deadline),
        None,
        Some(runs),
        Some(sim.seed),
    )?;
    let evals = sensitivity::evaluations(Method::Oat, factors.len(), 0);
    eprintln!(
        "sensitivity: {}",
        sensitivity::plan(factors.len(), evals, runs, deadline)
    );
    let r = with_threads(sim.threads, || sensitivity::analyze(sc, &factors, &opts))?;
    Ok(Ok(r))
}

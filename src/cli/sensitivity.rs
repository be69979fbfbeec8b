//! `negsim sensitivity`: which uncertain numbers drive P(agreement).

use super::args::*;
use super::command_line;
use negsim::error::InputError;
use negsim::output::{self, Target};
use negsim::request::{load_scenario, with_threads};
use negsim::scenario::MAX_DEADLINE;
use negsim::study::sensitivity::{self, Method};
use std::path::{Path, PathBuf};

pub(super) fn cmd_sensitivity(a: &SensitivityArgs) -> anyhow::Result<()> {
    let scenario: Vec<&Path> = a.scenario.iter().map(PathBuf::as_path).collect();
    let target = Target::of(a.output.as_deref());
    output::refuse_if_input(&target, "--output", &scenario)?;
    let report_target = a.report.as_deref().map(|r| Target::of(Some(r)));
    if let Some(t) = &report_target {
        output::refuse_if_input(t, "--report", &scenario)?;
    }
    let sc = load_scenario(a.scenario.as_deref())?;
    if let Some(d) = a.deadline.filter(|&d| d == 0 || d > MAX_DEADLINE) {
        return Err(
            InputError::new("--deadline", format!("deadline {d} is out of range"))
                .with_help(format!("give a deadline from 1 to {MAX_DEADLINE} rounds"))
                .into(),
        );
    }
    let opts =
        sensitivity::resolve_options(&sc, a.method.into(), a.deadline, a.samples, a.runs, a.seed)?;
    // Reuse the shared validation of runs, seed and threads.
    let sim = SimArgs {
        runs: Some(opts.runs),
        seed: Some(opts.seed),
        deadlines: Some(vec![opts.deadline]),
        threads: a.threads,
        quiet: true,
    }
    .resolve(&sc)?;
    let ranges = a
        .params
        .iter()
        .map(|p| sensitivity::paths::ParamRange::parse(p))
        .collect::<Result<Vec<_>, _>>()?;
    let factors = sensitivity::factors::scenario_factors(&sc);
    let factors = sensitivity::paths::with_ranges(&sc, factors, &ranges)?;
    sensitivity::check_factors(&factors)?;
    // The outputs are checked (and their temporary files created) before the analysis.
    let out = output::prepare(&target)?;
    let page = report_target.as_ref().map(output::prepare).transpose()?;
    let evals = sensitivity::evaluations(opts.method, factors.len(), opts.samples);
    if !a.force {
        // Every evaluation plays `runs` runs of the scenario at the one deadline.
        let all = negsim::request::ResolvedSim {
            runs: sim.runs.saturating_mul(evals),
            ..sim.clone()
        };
        negsim::request::refuse_if_too_long(&sc, &all, &super::origin_of(a.scenario.as_deref()))?;
    }
    eprintln!(
        "sensitivity: {}",
        sensitivity::plan(factors.len(), evals, opts.runs, opts.deadline)
    );
    let report = with_threads(sim.threads, || sensitivity::analyze(&sc, &factors, &opts))?;
    let text = match a.format {
        Format::Table => report.to_table(),
        Format::Json => report.to_json(),
        Format::Csv => report.to_csv(),
    };
    out.commit(text.as_bytes())?;
    if let (Some(path), Some(page)) = (&a.report, page) {
        let mut words = vec!["negsim".to_string(), "sensitivity".into()];
        words.extend(a.scenario.iter().map(|p| p.display().to_string()));
        words.extend([
            "--method".into(),
            match opts.method {
                Method::Oat => "oat",
                Method::Sobol => "sobol",
            }
            .into(),
            "--deadline".into(),
            opts.deadline.to_string(),
            "--runs".into(),
            opts.runs.to_string(),
            "--seed".into(),
            opts.seed.to_string(),
        ]);
        if opts.method == Method::Sobol {
            words.extend(["--samples".into(), opts.samples.to_string()]);
        }
        for p in &a.params {
            words.extend(["--param".into(), p.clone()]);
        }
        words.extend(["--report".into(), path.display().to_string()]);
        let html = negsim::report::html::sensitivity::page(&report, &command_line(&words));
        page.commit(html.as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

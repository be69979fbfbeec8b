//! `negsim sweep`: one scenario over a grid of parameter values, into a tidy table.

use super::args::*;

use super::{command_line, interrupted_items, write_atomic};
use negsim::engine::montecarlo::Control;
use negsim::error::InputError;
use negsim::interrupt;
use negsim::output::{self, Target};
use negsim::progress::{self, Progress};
use negsim::request::{ResolvedSim, load_source, refuse_if_too_long, with_threads};
use negsim::study::sweep::Sweep;
use negsim::study::tidy::{Layout, Output};
use std::path::Path;

/// A fresh table on stdout or in a new file, its header written.
pub(super) fn new_table(
    path: Option<&Path>,
    layout: &Layout,
    force: bool,
) -> anyhow::Result<Output> {
    let mut out = table_output(path, force)?;
    out.write(&layout.header())?;
    Ok(out)
}

/// A table written row by row: stdout for none or `-`, else the file (through symlinks,
/// devices and FIFOs in place, as `File::create` does).
fn table_output(path: Option<&Path>, force: bool) -> anyhow::Result<Output> {
    Ok(match Target::of(path) {
        Target::Stdout => Output::stdout(),
        Target::Path(p) => Output::create(&p, force)?,
    })
}

pub(super) fn cmd_sweep(a: &SweepArgs) -> anyhow::Result<()> {
    if a.resume && a.table.output.is_none() {
        return Err(InputError::new("--resume", "--resume needs --output FILE")
            .with_help("the points already in FILE are kept and the others are run")
            .into());
    }
    output::refuse_if_input(
        &Target::of(a.table.output.as_deref()),
        "--output",
        &[&a.scenario],
    )?;
    let (src, origin) = load_source(Some(&a.scenario))?;
    let sweep = Sweep::new(&src, &origin, &a.params)?;
    let sim = negsim::request::Overrides {
        worlds: Some(a.worlds.unwrap_or(0)),
        ..a.sim.overrides()
    }
    .resolve(sweep.base())?;
    if !a.force {
        // The base scenario's speed stands for every point's.
        let points = a
            .shard
            .map_or(sweep.len(), |s| s.range(sweep.len()).count() as u64);
        let all = ResolvedSim {
            runs: sim.runs.saturating_mul(points),
            ..sim.clone()
        };
        refuse_if_too_long(sweep.base(), &all, &origin)?;
    }
    // With worlds, the runs the worlds leave over (runs not divisible by K) are not played,
    // as in `run --worlds`.
    let settings = negsim::engine::montecarlo::Settings {
        runs: 0..sim.total_runs(),
        ..sim.settings()
    };
    let layout = Layout {
        format: a.table.format.into(),
        keys: sweep.columns(),
        worlds: sim.worlds,
    };
    let mut chart = match &a.report {
        Some(r) => Some(negsim::study::sweep::chart::SweepRows::prepare(
            r,
            a.table.output.as_deref(),
            &a.scenario,
            sweep.len(),
            &layout,
            sim.deadlines.len(),
        )?),
        None => None,
    };
    let control = Control::default();
    // A shard writes its part and nothing else (no table header first: the part on stdout
    // must stay mergeable), so it opens its output before, and instead of, the table.
    if let Some(shard) = a.shard {
        let header = negsim::study::shard::SweepHeader {
            format: negsim::provenance::SWEEP_FORMAT.to_string(),
            negsim_version: negsim::provenance::VERSION.to_string(),
            negsim_partial: negsim::study::shard::FORMAT_VERSION,
            kind: "sweep".into(),
            scenario_source: src.clone(),
            scenario_origin: origin.clone(),
            params: a.params.clone(),
            seed: sim.seed,
            runs: sim.runs,
            deadlines: sim.deadlines.clone(),
            points: sweep.len(),
            shard_count: shard.n,
            shards: vec![shard.k],
        };
        let mut out = table_output(a.table.output.as_deref(), a.force)?;
        let todo = shard.range(sweep.len()).count() as u64;
        let progress = Progress::new(progress::wanted(a.sim.quiet), &control, todo * sim.runs)
            .with_items("points", todo);
        let complete = interrupt::forward_to(&control.cancel, || {
            progress.run(|| {
                with_threads(sim.threads, || {
                    negsim::study::shard::run_sweep_shard(
                        &sweep, &header, shard, &settings, &mut out, &control, &progress,
                    )
                })
            })
        })??;
        if !complete {
            return Err(interrupted_items(a.table.output.as_deref(), "points"));
        }
        return Ok(());
    }
    let (start, mut out) = match a.table.output.as_deref() {
        Some(p) if a.resume => sweep.resume(p, &layout, &settings)?,
        path => (0, new_table(path, &layout, a.force)?),
    };
    // The points an earlier invocation left in a resumed table are drawn from their rows.
    if let (Some(rows), Some(p)) = (chart.as_mut(), a.table.output.as_deref())
        && start > 0
    {
        rows.read_resumed(p, &sweep, start)?;
    }
    let todo = sweep.len() - start;
    let progress = Progress::new(progress::wanted(a.sim.quiet), &control, todo * sim.runs)
        .with_items("points", todo);
    let finished = interrupt::forward_to(&control.cancel, || {
        progress.run(|| {
            with_threads(sim.threads, || {
                sweep.run(
                    start,
                    &settings,
                    &layout,
                    &mut out,
                    &control,
                    &progress,
                    &mut |c, d| {
                        if let Some(rows) = chart.as_mut() {
                            rows.push(c, d);
                        }
                    },
                )
            })
        })
    })??;
    drop(out);
    // A sweep stopped by Ctrl-C still draws the points it finished (the page says so).
    if let (Some(path), Some(rows)) = (&a.report, chart) {
        write_sweep_report(a, path, &sweep, &sim, rows)?;
    }
    if finished.cancelled {
        return Err(interrupted_items(a.table.output.as_deref(), "points"));
    }
    Ok(())
}

/// Draws the sweep's report from the rows of its table (kept as they were written, and read
/// back for the points of an earlier invocation of a resumed sweep).
fn write_sweep_report(
    a: &SweepArgs,
    path: &Path,
    sweep: &Sweep,
    sim: &ResolvedSim,
    rows: negsim::study::sweep::chart::SweepRows,
) -> anyhow::Result<()> {
    let mut words = vec![
        "negsim".to_string(),
        "sweep".into(),
        a.scenario.display().to_string(),
    ];
    for p in &a.params {
        words.extend(["--param".into(), p.clone()]);
    }
    words.extend(sim.flags());
    if a.table.format != TableFormat::Csv {
        words.extend(["--format".into(), "jsonl".into()]);
    }
    if let Some(o) = &a.table.output {
        words.extend(["--output".into(), o.display().to_string()]);
    }
    words.extend(["--report".into(), path.display().to_string()]);
    let table = a
        .table
        .output
        .as_ref()
        .map_or("stdout".to_string(), |o| o.display().to_string());
    let html = negsim::report::html::sweep::render(
        sweep,
        &rows,
        &negsim::report::html::sweep::PageInfo {
            runs: sim.runs,
            seed: sim.seed,
            source: &a.scenario.display().to_string(),
            table: &table,
            command: &command_line(&words),
        },
    );
    write_atomic(path, html.as_bytes())?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

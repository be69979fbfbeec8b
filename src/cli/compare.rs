//! `negsim run A --compare B`: two scenarios run by run under common random numbers.

use super::args::*;
use negsim::engine::montecarlo::Control;
use negsim::request::{ResolvedSim, load_source, refuse_if_too_long};
use negsim::scenario::Scenario;
use negsim::study::compare::compare;
use std::path::Path;

pub(super) fn cmd_compare(
    a: &RunArgs,
    sc: &Scenario,
    origin: &str,
    sim: &ResolvedSim,
    b_path: &Path,
) -> anyhow::Result<()> {
    let (b_src, b_origin) = load_source(Some(b_path))?;
    let b = Scenario::from_toml_str(&b_src, &b_origin)?;
    if !a.force {
        refuse_if_too_long(sc, sim, origin)?;
        refuse_if_too_long(&b, sim, &b_origin)?;
    }
    let control = Control::default();
    let cmp = negsim::interrupt::forward_to(&control.cancel, || {
        compare(sc, &b, sim, &b_origin, &control)
    })?;
    let text = match a.format.unwrap_or_default() {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&cmp).expect("comparisons serialize");
            s.push('\n');
            s
        }
        Format::Csv => cmp.to_csv(),
        Format::Table => cmp.to_table(origin, &b_origin, &sc.simulation.round_label),
    };
    super::emit(a.output.as_deref(), &text)?;
    if cmp.partial {
        return Err(super::interrupted(a.output.as_deref(), cmp.runs, sim.runs));
    }
    Ok(())
}

//! `negsim merge`: join the parts of a sharded run or sweep.

use super::args::*;
use super::emit;
use super::run::render;
use negsim::error::InputError;
use negsim::output::{self, Target};
use negsim::study::tidy::{self};
use std::path::PathBuf;

pub(super) fn cmd_merge(a: &MergeArgs) -> anyhow::Result<()> {
    use negsim::study::shard::{Partial, SweepPart};
    let parts: Vec<&std::path::Path> = a.parts.iter().map(PathBuf::as_path).collect();
    output::refuse_if_input(&Target::of(a.output.as_deref()), "--output", &parts)?;
    let mut texts = Vec::with_capacity(a.parts.len());
    for p in &a.parts {
        let name = p.display().to_string();
        let bytes = negsim::error::read_input(
            p,
            &name,
            "the part file",
            [
                "give files written by `negsim run --shard K/N` or `negsim sweep --shard K/N`",
                "a part file holds counts, a few kilobytes per deadline or point",
            ],
        )?;
        let text = negsim::error::utf8_text(bytes, &name, "give part files as negsim wrote them")?;
        texts.push((name, text));
    }
    let sweeps = texts.iter().filter(|(_, t)| SweepPart::sniff(t)).count();
    if sweeps > 0 && sweeps < texts.len() {
        return Err(InputError::new(
            "merge",
            "sweep parts and run parts cannot be merged together",
        )
        .with_help("merge the parts of one `negsim run --shard` or one `negsim sweep --shard` job")
        .into());
    }
    if sweeps > 0 {
        let mut parts = Vec::with_capacity(texts.len());
        for (name, text) in &texts {
            parts.push((name.clone(), SweepPart::from_jsonl(text, name)?));
        }
        let merged = negsim::study::shard::merge_sweep(parts)?;
        let text = match a.format.unwrap_or(MergeFormat::Csv) {
            MergeFormat::Part => merged.to_jsonl(),
            MergeFormat::Csv => merged.table(tidy::Format::Csv)?,
            MergeFormat::Jsonl => merged.table(tidy::Format::Jsonl)?,
            f => {
                return Err(InputError::new(
                    "--format",
                    format!(
                        "sweep parts merge into a tidy table, not --format {}",
                        super::value_name(&f)
                    ),
                )
                .with_help("use --format csv, jsonl or part")
                .into());
            }
        };
        return emit(a.output.as_deref(), &text);
    }
    let mut parts = Vec::with_capacity(texts.len());
    for (name, text) in &texts {
        parts.push((name.clone(), Partial::from_json(text, name)?));
    }
    let merged = negsim::study::shard::merge(parts)?;
    let format = match a.format.unwrap_or_default() {
        MergeFormat::Part => return emit(a.output.as_deref(), &merged.to_json()),
        MergeFormat::Table => Format::Table,
        MergeFormat::Json => Format::Json,
        MergeFormat::Csv => Format::Csv,
        MergeFormat::Jsonl => {
            return Err(InputError::new(
                "--format",
                "run parts merge into a report, not JSON lines",
            )
            .with_help("use --format table, json, csv or part")
            .into());
        }
    };
    let (model, report) = merged.into_report("merge")?;
    emit(
        a.output.as_deref(),
        &render(&report, &model, format, &negsim::report::View::default()),
    )
}

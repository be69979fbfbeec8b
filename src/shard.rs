//! Shards: a simulation split into independent jobs (for Slurm job arrays, GNU parallel, ...)
//! whose partial results merge exactly into the single-process report.
//!
//! Run `r` always draws from stream `r` of the master seed, so its result does not depend on
//! which shard played it; the tallies are exact integers, so merging in any grouping and order
//! gives the same bytes as one process.

use crate::error::{Error, InputError};
use crate::model::Model;
use crate::montecarlo::{self, Control, Outcome, Settings};
use crate::progress::Progress;
use crate::report::Report;
use crate::scenario::Scenario;
use crate::stats::Tally;
use crate::sweep::Sweep;
use crate::tidy::{Layout, Output};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::str::FromStr;

/// Version of the partial-result file format.
pub const FORMAT_VERSION: u32 = 1;

/// Shard `k` (0-based) of `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard's index.
    pub k: u64,
    /// Number of shards.
    pub n: u64,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a shard: write K/N with 0 <= K < N, for example 0/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: u64 = k.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || k >= n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl Shard {
    /// This shard's contiguous block of `0..total` (run indices, or sweep points):
    /// `[k·total/n, (k+1)·total/n)`.
    pub fn range(&self, total: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(k) * u128::from(total) / u128::from(self.n)) as u64;
        at(self.k)..at(self.k + 1)
    }
}

/// The sufficient statistics of some shards of a simulation, with everything needed to check
/// that parts belong together and to rebuild the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    /// File format version ([`FORMAT_VERSION`]).
    pub negsim_partial: u32,
    /// Scenario name (for messages).
    pub scenario: String,
    /// The scenario file's text, so that `merge` needs nothing else.
    pub scenario_source: String,
    /// Where the scenario came from.
    pub scenario_origin: String,
    /// Master seed.
    pub seed: u64,
    /// Runs per deadline of the whole simulation.
    pub runs: u64,
    /// Deadlines in rounds.
    pub deadlines: Vec<u32>,
    /// Number of shards the simulation was split into.
    pub shard_count: u64,
    /// The shards this part covers, ascending.
    pub shards: Vec<u64>,
    /// True if any shard was interrupted before finishing its runs.
    pub partial: bool,
    /// One tally per deadline.
    pub tallies: Vec<Tally>,
}

/// What a sharded simulation plays: the scenario (with its text) and the settings.
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    /// The scenario file's text.
    pub source: &'a str,
    /// Where it came from.
    pub origin: &'a str,
    /// The validated scenario.
    pub scenario: &'a Scenario,
    /// Master seed.
    pub seed: u64,
    /// Runs of the whole simulation.
    pub runs: u64,
    /// Deadlines in rounds.
    pub deadlines: &'a [u32],
}

/// Plays one shard of a simulation and returns its partial result.
pub fn run_shard(job: &Job, shard: Shard, control: &Control) -> Partial {
    let Job {
        source,
        origin,
        scenario: sc,
        seed,
        runs,
        deadlines,
    } = *job;
    let model = Model::new(sc);
    let settings = Settings {
        seed,
        deadlines: deadlines.to_vec(),
        runs: shard.range(runs),
    };
    let out = montecarlo::simulate(&model, &settings, control);
    Partial {
        negsim_partial: FORMAT_VERSION,
        scenario: sc.name.clone(),
        scenario_source: source.to_string(),
        scenario_origin: origin.to_string(),
        seed,
        runs,
        deadlines: deadlines.to_vec(),
        shard_count: shard.n,
        shards: vec![shard.k],
        partial: out.partial,
        tallies: out.tallies,
    }
}

impl Partial {
    /// Serializes as pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("partials serialize");
        s.push('\n');
        s
    }

    /// Reads a part file's text; `origin` names it in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Partial, InputError> {
        let p: Partial = serde_json::from_str(text).map_err(|e| {
            InputError::new(origin, format!("not a negsim partial result: {e}")).with_help(
                "give files written by `negsim run --shard K/N` or `negsim merge --format part`",
            )
        })?;
        if p.negsim_partial != FORMAT_VERSION {
            return Err(InputError::new(
                origin,
                format!(
                    "partial-result format {} is not supported (this negsim reads format {FORMAT_VERSION})",
                    p.negsim_partial
                ),
            ));
        }
        if p.tallies.len() != p.deadlines.len() || p.shards.iter().any(|&k| k >= p.shard_count) {
            return Err(InputError::new(
                origin,
                "the partial result is inconsistent (damaged file?)",
            ));
        }
        Ok(p)
    }

    /// Whether every shard is present.
    pub fn is_complete(&self) -> bool {
        self.shards.len() as u64 == self.shard_count
    }

    /// Builds the final report; fails if shards are missing.
    pub fn into_report(self, origin: &str) -> Result<(Model, Report), InputError> {
        if !self.is_complete() {
            let missing: Vec<String> = (0..self.shard_count)
                .filter(|k| !self.shards.contains(k))
                .map(|k| format!("{k}/{}", self.shard_count))
                .collect();
            return Err(InputError::new(origin, format!("shards missing: {}", missing.join(", ")))
                .with_help("merge the part files of every shard, or use --format part to merge a group"));
        }
        let sc = Scenario::from_toml_str(&self.scenario_source, &self.scenario_origin)?;
        let model = Model::new(&sc);
        let outcome = Outcome {
            tallies: self.tallies,
            partial: self.partial,
        };
        let report = Report::new(&model, self.seed, self.runs, &outcome);
        Ok((model, report))
    }
}

/// Merges part files (given with their names) into one; checks that they belong to the same
/// simulation and that no shard appears twice.
pub fn merge(parts: Vec<(String, Partial)>) -> Result<Partial, InputError> {
    let mut it = parts.into_iter();
    let Some((first_name, mut acc)) = it.next() else {
        return Err(InputError::new("merge", "no part files given")
            .with_help("give the files written by `negsim run --shard K/N`"));
    };
    let mut owner: Vec<(u64, String)> = acc
        .shards
        .iter()
        .map(|&k| (k, first_name.clone()))
        .collect();
    for (name, p) in it {
        let differs = first_difference(&[
            ("scenario", p.scenario_source != acc.scenario_source),
            ("seed", p.seed != acc.seed),
            ("number of runs", p.runs != acc.runs),
            ("deadlines", p.deadlines != acc.deadlines),
            ("number of shards", p.shard_count != acc.shard_count),
        ]);
        if let Some(what) = differs {
            return Err(InputError::new(&name, format!("this part belongs to another simulation: its {what} differs from {first_name}'s"))
                .with_help("merge only the parts of one `negsim run --shard K/N` job"));
        }
        for &k in &p.shards {
            if let Some((_, other)) = owner.iter().find(|(o, _)| *o == k) {
                return Err(InputError::new(
                    &name,
                    format!("shard {k}/{} is also in {other}", p.shard_count),
                )
                .with_help("each shard must be merged exactly once"));
            }
            owner.push((k, name.clone()));
        }
        for (a, b) in acc.tallies.iter_mut().zip(&p.tallies) {
            a.merge(b);
        }
        acc.shards.extend(&p.shards);
        acc.partial |= p.partial;
    }
    acc.shards.sort_unstable();
    Ok(acc)
}

/// The first line of a sweep part file: what the sweep is and which shards the file holds.
/// The lines after it are [`PointTallies`], one per finished point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepHeader {
    /// File format version ([`FORMAT_VERSION`]).
    pub negsim_partial: u32,
    /// Always `"sweep"` (run parts have no `kind`).
    pub kind: String,
    /// The scenario file's text.
    pub scenario_source: String,
    /// Where it came from.
    pub scenario_origin: String,
    /// The `--param PATH=VALUES` specifications, in order.
    pub params: Vec<String>,
    /// Master seed.
    pub seed: u64,
    /// Runs per point and deadline.
    pub runs: u64,
    /// Deadlines in rounds.
    pub deadlines: Vec<u32>,
    /// Points of the whole sweep.
    pub points: u64,
    /// Number of shards the sweep was split into.
    pub shard_count: u64,
    /// The shards this file holds, ascending.
    pub shards: Vec<u64>,
}

/// The tallies of one finished sweep point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointTallies {
    /// The point's index in the sweep's order.
    pub point: u64,
    /// One tally per deadline.
    pub tallies: Vec<Tally>,
}

/// A sweep part file read back: its header and the points it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPart {
    /// What the sweep is.
    pub header: SweepHeader,
    /// Finished points, ascending.
    pub points: Vec<PointTallies>,
}

/// Plays shard `shard` of the sweep's points (a contiguous block, every run of each point),
/// writing the header and then one line of tallies per point as it finishes. Stops between
/// points when `control.cancel` is set; the lines written are whole points.
pub fn run_sweep_shard(
    sweep: &Sweep,
    header: &SweepHeader,
    shard: Shard,
    settings: &Settings,
    out: &mut Output,
    control: &Control,
    progress: &Progress,
) -> Result<bool, Error> {
    out.write(&json_line(header))?;
    for point in shard.range(sweep.len()) {
        if control.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(false);
        }
        let model = Model::new(&sweep.scenario(point)?);
        let outcome = montecarlo::simulate(&model, settings, control);
        if outcome.partial {
            return Ok(false);
        }
        let line = json_line(&PointTallies {
            point,
            tallies: outcome.tallies,
        });
        progress.suspend(|| out.write(&line))?;
        progress.item_done();
    }
    Ok(true)
}

/// One line of JSON, with its newline, for part files.
fn json_line<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string(v).expect("parts serialize");
    s.push('\n');
    s
}

impl SweepPart {
    /// Whether `text` looks like a sweep part (its first line is a sweep header).
    pub fn sniff(text: &str) -> bool {
        let first = text.lines().next().unwrap_or("");
        serde_json::from_str::<serde_json::Value>(first)
            .is_ok_and(|v| v.get("kind").and_then(|k| k.as_str()) == Some("sweep"))
    }

    /// Reads a sweep part file; a trailing partial line (an interrupted write) is ignored.
    pub fn from_jsonl(text: &str, origin: &str) -> Result<SweepPart, InputError> {
        let bad = |line: usize, e: &dyn std::fmt::Display| {
            InputError::new(origin, format!("line {line} is not a sweep part line: {e}")).with_help(
                "give files written by `negsim sweep --shard K/N` or `negsim merge --format part`",
            )
        };
        let mut lines = text.split_inclusive('\n').filter(|l| l.ends_with('\n'));
        let first = lines.next().ok_or_else(|| bad(1, &"empty file"))?;
        let header: SweepHeader = serde_json::from_str(first).map_err(|e| bad(1, &e))?;
        if header.negsim_partial != FORMAT_VERSION || header.kind != "sweep" {
            return Err(InputError::new(
                origin,
                format!(
                    "sweep part format {} is not supported",
                    header.negsim_partial
                ),
            ));
        }
        let mut points = Vec::new();
        for (i, l) in lines.enumerate() {
            let p: PointTallies = serde_json::from_str(l).map_err(|e| bad(i + 2, &e))?;
            if p.point >= header.points || p.tallies.len() != header.deadlines.len() {
                return Err(bad(
                    i + 2,
                    &"point out of range or wrong number of deadlines",
                ));
            }
            points.push(p);
        }
        points.sort_by_key(|p| p.point);
        Ok(SweepPart { header, points })
    }

    /// Serializes as a part file (header line, then one line per point).
    pub fn to_jsonl(&self) -> String {
        let mut s = json_line(&self.header);
        for p in &self.points {
            s.push_str(&json_line(p));
        }
        s
    }

    /// The sweep's tidy table, byte for byte what `negsim sweep` writes in one process; fails,
    /// listing them, if points are missing.
    pub fn table(&self, format: crate::tidy::Format) -> Result<String, Error> {
        let h = &self.header;
        let missing: Vec<u64> = {
            let mut have = self.points.iter().map(|p| p.point).peekable();
            (0..h.points)
                .filter(|i| have.next_if_eq(i).is_none())
                .take(11)
                .collect()
        };
        if !missing.is_empty() {
            let shown: Vec<String> = missing.iter().take(10).map(u64::to_string).collect();
            let more = if missing.len() > 10 { ", ..." } else { "" };
            return Err(InputError::new(
                "merge",
                format!("sweep points missing: {}{more}", shown.join(", ")),
            )
            .with_help("merge the part files of every shard, or use --format part to merge a group")
            .into());
        }
        let sweep = Sweep::new(&h.scenario_source, &h.scenario_origin, &h.params)?;
        let layout = Layout {
            format,
            keys: sweep.columns(),
        };
        let mut text = layout.header();
        for p in &self.points {
            let model = Model::new(&sweep.scenario(p.point)?);
            let outcome = Outcome {
                tallies: p.tallies.clone(),
                partial: false,
            };
            let rows = crate::tidy::row_reports(&model, &outcome);
            text.push_str(&layout.rows(&sweep.cells(p.point), &rows));
        }
        Ok(text)
    }
}

/// Merges sweep part files (given with their names); checks that they belong to one sweep and
/// that no point appears twice.
pub fn merge_sweep(parts: Vec<(String, SweepPart)>) -> Result<SweepPart, InputError> {
    let mut it = parts.into_iter();
    let Some((first_name, mut acc)) = it.next() else {
        return Err(InputError::new("merge", "no part files given"));
    };
    let mut owner: std::collections::BTreeMap<u64, String> = acc
        .points
        .iter()
        .map(|p| (p.point, first_name.clone()))
        .collect();
    for (name, p) in it {
        let (a, b) = (&acc.header, &p.header);
        let differs = first_difference(&[
            ("scenario", a.scenario_source != b.scenario_source),
            ("swept parameters", a.params != b.params),
            ("seed", a.seed != b.seed),
            ("number of runs", a.runs != b.runs),
            ("deadlines", a.deadlines != b.deadlines),
            ("number of shards", a.shard_count != b.shard_count),
        ]);
        if let Some(what) = differs {
            return Err(InputError::new(
                &name,
                format!(
                    "this part belongs to another sweep: its {what} differs from {first_name}'s"
                ),
            )
            .with_help("merge only the parts of one `negsim sweep --shard K/N` job"));
        }
        for pt in &p.points {
            if let Some(other) = owner.get(&pt.point) {
                return Err(InputError::new(
                    &name,
                    format!("sweep point {} is also in {other}", pt.point),
                )
                .with_help("each shard must be merged exactly once"));
            }
            owner.insert(pt.point, name.clone());
        }
        acc.points.extend(p.points);
        acc.header.shards.extend(&p.header.shards);
    }
    acc.points.sort_by_key(|p| p.point);
    acc.header.shards.sort_unstable();
    Ok(acc)
}

/// The name of the first setting in which two parts differ, if any.
fn first_difference(checks: &[(&'static str, bool)]) -> Option<&'static str> {
    checks
        .iter()
        .find(|(_, differs)| *differs)
        .map(|(what, _)| *what)
}

//! Shards: a simulation split into independent jobs (for Slurm job arrays, GNU parallel, ...)
//! whose partial results merge exactly into the single-process report.
//!
//! Run `r` always draws from stream `r` of the master seed, so its result does not depend on
//! which shard played it; the tallies are exact integers, so merging in any grouping and order
//! gives the same bytes as one process.

use crate::engine::model::Model;
use crate::engine::montecarlo::{self, Control, Outcome, Settings};
use crate::engine::stats::{FIXED_SCALE, Tally};
use crate::error::{Error, InputError};
use crate::progress::Progress;
use crate::scenario::Scenario;
use crate::study::run::Report;
use crate::study::sweep::Sweep;
use crate::study::tidy::{Layout, Output};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::str::FromStr;

mod sweep;
mod verify;

pub use sweep::{PointTallies, SweepHeader, SweepPart, merge_sweep, run_sweep_shard};
use verify::*;

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
    /// The format of this file, [`crate::provenance::PART_FORMAT`] (empty when read from a
    /// file that names none).
    #[serde(default)]
    pub format: String,
    /// The negsim version that wrote it: parts of different versions may hold different
    /// results for the same runs, so `merge` takes only its own.
    #[serde(default)]
    pub negsim_version: String,
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
    /// One tally per deadline (with worlds: every run of every world held, pooled).
    pub tallies: Vec<Tally>,
    /// The worlds this part holds, when the simulation plays worlds (a shard then takes a
    /// block of the worlds, not of the runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worlds: Option<WorldsPart>,
}

/// The worlds of a part: everything [`crate::engine::worlds::WorldsOutcome`] holds beyond the pooled
/// tallies, per world, so that merged parts rebuild the single process's outcome exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldsPart {
    /// Worlds of the whole simulation (the `runs` are shared equally among them).
    pub worlds: u64,
    /// The worlds held, by ascending index.
    pub played: Vec<WorldRecord>,
    /// `run_agreements[d][i]`: in how many of the held worlds run `i` agreed at deadline `d`.
    pub run_agreements: Vec<Vec<u32>>,
}

/// One world's counts in a part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldRecord {
    /// The world's index (its parameter stream).
    pub world: u64,
    /// Runs it played.
    pub runs: u64,
    /// Agreements per deadline.
    pub agreements: Vec<u64>,
    /// Whether it has a zone of agreement (null: the space is too large to check).
    pub zopa: Option<bool>,
    /// The value each uncertain parameter took, in the engine's draw order.
    pub params: Vec<f64>,
}

impl WorldsPart {
    /// Runs each world plays.
    fn runs_per_world(&self, runs: u64) -> u64 {
        runs / self.worlds.max(1)
    }
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
    /// Worlds sharing the runs (`None`: independent runs).
    pub worlds: Option<u64>,
}

impl Job<'_> {
    /// Runs the shard `shard` plays: its block of the runs, or every run of its block of the
    /// worlds.
    pub fn shard_runs(&self, shard: Shard) -> u64 {
        match self.worlds {
            Some(k) => {
                let w = shard.range(k);
                (w.end - w.start) * (self.runs / k.max(1))
            }
            None => {
                let r = shard.range(self.runs);
                r.end - r.start
            }
        }
    }
}

/// Plays one shard of a simulation and returns its partial result: a block of the runs, or
/// with worlds a block of the worlds, each played in full.
pub fn run_shard(job: &Job, shard: Shard, control: &Control) -> Partial {
    let Job {
        source,
        origin,
        scenario: sc,
        seed,
        runs,
        deadlines,
        worlds,
    } = *job;
    let model = Model::new(sc);
    let (tallies, partial, worlds) = match worlds {
        Some(k) => {
            let settings = Settings {
                seed,
                deadlines: deadlines.to_vec(),
                runs: 0..runs / k.max(1),
            };
            let out =
                crate::engine::worlds::simulate_worlds(&model, &settings, shard.range(k), control);
            let played = out
                .ids
                .into_iter()
                .zip(out.agreements)
                .zip(out.runs.iter().zip(out.zopa).zip(out.params))
                .map(
                    |((world, agreements), ((&runs, zopa), params))| WorldRecord {
                        world,
                        runs,
                        agreements,
                        zopa,
                        params,
                    },
                )
                .collect();
            let part = WorldsPart {
                worlds: k,
                played,
                run_agreements: out.run_agreements,
            };
            (out.pooled, out.partial, Some(part))
        }
        None => {
            let settings = Settings {
                seed,
                deadlines: deadlines.to_vec(),
                runs: shard.range(runs),
            };
            let out = montecarlo::simulate(&model, &settings, control);
            (out.tallies, out.partial, None)
        }
    };
    Partial {
        format: crate::provenance::PART_FORMAT.to_string(),
        negsim_version: crate::provenance::VERSION.to_string(),
        negsim_partial: FORMAT_VERSION,
        scenario: sc.name.clone(),
        scenario_source: source.to_string(),
        scenario_origin: origin.to_string(),
        seed,
        runs,
        deadlines: deadlines.to_vec(),
        shard_count: shard.n,
        shards: vec![shard.k],
        partial,
        tallies,
        worlds,
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
        written_here(
            &p.format,
            &p.negsim_version,
            crate::provenance::PART_FORMAT,
            origin,
        )?;
        if p.negsim_partial != FORMAT_VERSION {
            return Err(InputError::new(
                origin,
                format!(
                    "partial-result format {} is not supported (this negsim reads format {FORMAT_VERSION})",
                    p.negsim_partial
                ),
            ));
        }
        p.verify(origin)?;
        Ok(p)
    }

    /// Checks everything a part says against its own scenario and shards, so that a damaged
    /// or edited file is refused, naming what is wrong, instead of merging into a wrong
    /// report (or a panic): the shard list, the settings, and every tally's lengths, indices
    /// and sums (see [`verify_tally`]).
    pub fn verify(&self, name: &str) -> Result<(), InputError> {
        let bad = |what: String| damaged(name, what);
        check_shards(self.shard_count, &self.shards).map_err(bad)?;
        check_settings(self.runs, &self.deadlines).map_err(bad)?;
        let sc = Scenario::from_toml_str(&self.scenario_source, &self.scenario_origin)
            .map_err(|e| bad(format!("its scenario does not validate: {e}")))?;
        if self.tallies.len() != self.deadlines.len() {
            return Err(bad(format!(
                "it has {} tallies for {} deadlines",
                self.tallies.len(),
                self.deadlines.len()
            )));
        }
        // Shards are disjoint blocks of 0..runs (or of the worlds), so their sizes add up to
        // at most `runs`.
        let block = |total: u64| -> u64 {
            self.shards
                .iter()
                .map(|&k| {
                    let r = Shard {
                        k,
                        n: self.shard_count,
                    }
                    .range(total);
                    r.end - r.start
                })
                .sum()
        };
        let held = match &self.worlds {
            Some(w) => {
                if w.worlds == 0 || w.worlds > self.runs {
                    return Err(bad(format!(
                        "it plays {} worlds on {} runs (1 to {} worlds, at least one run each)",
                        w.worlds, self.runs, self.runs
                    )));
                }
                block(w.worlds) * w.runs_per_world(self.runs)
            }
            None => block(self.runs),
        };
        let shape = Shape::of(&sc, false);
        for (t, &d) in self.tallies.iter().zip(&self.deadlines) {
            verify_tally(t, &shape, d, held, !self.partial).map_err(bad)?;
        }
        if let Some(w) = &self.worlds {
            self.verify_worlds(w, &sc).map_err(bad)?;
        }
        Ok(())
    }

    /// Checks a part's worlds: each held world belongs to one of its shards, once, with a
    /// count per deadline within its runs and one value per uncertain parameter; the per-run
    /// counts and the pooled tallies add up to the worlds' agreements and runs.
    fn verify_worlds(&self, w: &WorldsPart, sc: &Scenario) -> Result<(), String> {
        let per_world = w.runs_per_world(self.runs);
        let ranges: Vec<Range<u64>> = self
            .shards
            .iter()
            .map(|&k| {
                Shard {
                    k,
                    n: self.shard_count,
                }
                .range(w.worlds)
            })
            .collect();
        let held: u64 = ranges.iter().map(|r| r.end - r.start).sum();
        let slots = crate::study::sensitivity::factors::scenario_factors(sc).len();
        let n_d = self.deadlines.len();
        if w.played.len() as u64 > held || (!self.partial && w.played.len() as u64 != held) {
            return Err(format!(
                "it holds {} worlds where its shards have {held}",
                w.played.len()
            ));
        }
        for (i, rec) in w.played.iter().enumerate() {
            let at = |what: String| format!("its world {}: {what}", rec.world);
            if i > 0 && rec.world <= w.played[i - 1].world {
                return Err(at("worlds are not listed once each, ascending".into()));
            }
            if !ranges.iter().any(|r| r.contains(&rec.world)) {
                return Err(at("it is not in this part's shards".into()));
            }
            if rec.runs > per_world || (!self.partial && rec.runs != per_world) {
                return Err(at(format!("it played {} runs of {per_world}", rec.runs)));
            }
            if rec.agreements.len() != n_d || rec.agreements.iter().any(|&a| a > rec.runs) {
                return Err(at(format!(
                    "it needs one count of at most {} agreements per deadline",
                    rec.runs
                )));
            }
            if rec.params.len() != slots || rec.params.iter().any(|x| !x.is_finite()) {
                return Err(at(format!(
                    "it needs {slots} finite parameter values, one per uncertain number"
                )));
            }
        }
        if w.run_agreements.len() != n_d
            || w.run_agreements.iter().any(|c| c.len() as u64 != per_world)
        {
            return Err(format!(
                "its per-run counts need {per_world} entries for each of {n_d} deadlines"
            ));
        }
        let world_runs: u64 = w.played.iter().map(|r| r.runs).sum();
        for (d, (counts, t)) in w.run_agreements.iter().zip(&self.tallies).enumerate() {
            let by_run: u64 = counts.iter().map(|&c| u64::from(c)).sum();
            let by_world: u64 = w.played.iter().map(|r| r.agreements[d]).sum();
            if by_run != by_world || by_world != t.agreements || world_runs != t.runs {
                return Err(format!(
                    "its worlds' counts for deadline {} do not add up to its tally",
                    self.deadlines[d]
                ));
            }
        }
        Ok(())
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
        if let Some(w) = self.worlds {
            let per_world = w.runs_per_world(self.runs);
            let slots = crate::study::sensitivity::factors::scenario_factors(&sc)
                .into_iter()
                .map(|f| f.slot)
                .collect();
            let (mut ids, mut agreements, mut runs, mut zopa, mut params) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for rec in w.played {
                ids.push(rec.world);
                agreements.push(rec.agreements);
                runs.push(rec.runs);
                zopa.push(rec.zopa);
                params.push(rec.params);
            }
            let partial = self.partial || runs.iter().any(|&n| n < per_world);
            let outcome = crate::engine::worlds::WorldsOutcome {
                ids,
                pooled: self.tallies,
                agreements,
                runs,
                zopa,
                partial,
                run_agreements: w.run_agreements,
                slots,
                params,
            };
            let report = Report::of_worlds(&model, self.seed, per_world, &outcome);
            return Ok((model, report));
        }
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
    for (name, p) in &parts {
        written_here(
            &p.format,
            &p.negsim_version,
            crate::provenance::PART_FORMAT,
            name,
        )?;
        p.verify(name)?;
    }
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
            (
                "number of worlds",
                p.worlds.as_ref().map(|w| w.worlds) != acc.worlds.as_ref().map(|w| w.worlds),
            ),
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
        // Verified parts of disjoint shards hold at most `runs` runs together, and every count
        // and fixed-point sum is bounded by its runs, so the additions below cannot overflow;
        // this check makes that explicit rather than relying on it.
        for (a, b) in acc.tallies.iter().zip(&p.tallies) {
            if a.runs.checked_add(b.runs).is_none_or(|r| r > acc.runs) {
                return Err(damaged(
                    &name,
                    format!(
                        "with the parts before it, the tally for deadline {} counts more than \
                         the simulation's {} runs",
                        a.deadline, acc.runs
                    ),
                ));
            }
        }
        for (a, b) in acc.tallies.iter_mut().zip(&p.tallies) {
            a.merge(b);
        }
        if let (Some(a), Some(b)) = (&mut acc.worlds, p.worlds) {
            // Verified parts of disjoint shards hold disjoint worlds, each counted at most
            // once per run, so no per-run count exceeds the worlds (at most `runs`).
            for (ca, cb) in a.run_agreements.iter_mut().zip(&b.run_agreements) {
                for (x, y) in ca.iter_mut().zip(cb) {
                    *x = x.saturating_add(*y);
                }
            }
            a.played.extend(b.played);
            a.played.sort_by_key(|r| r.world);
        }
        acc.shards.extend(&p.shards);
        acc.partial |= p.partial;
    }
    acc.shards.sort_unstable();
    Ok(acc)
}

/// Refuses a part of another format, or written by another negsim version: the same runs may
/// give other results there, and a merge would mix them silently.
pub fn written_here(
    format: &str,
    version: &str,
    expected: &str,
    name: &str,
) -> Result<(), InputError> {
    use crate::provenance::VERSION;
    let rerun = "run every shard with the same negsim build and merge with it (`negsim --version` tells which one you have)";
    if format != expected {
        let what = if format.is_empty() {
            "names no format (it was written by an older negsim)".to_string()
        } else {
            format!("is in format `{format}`")
        };
        return Err(InputError::new(
            name,
            format!("this part {what}; this negsim {VERSION} merges `{expected}`"),
        )
        .with_help(rerun));
    }
    if version != VERSION {
        return Err(InputError::new(
            name,
            format!(
                "this part was written by negsim {}; this is negsim {VERSION}, and results of different versions may differ",
                if version.is_empty() { "(unknown version)" } else { version }
            ),
        )
        .with_help(rerun));
    }
    Ok(())
}

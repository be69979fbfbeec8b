//! Shards: a simulation split into independent jobs (for Slurm job arrays, GNU parallel, ...)
//! whose partial results merge exactly into the single-process report.
//!
//! Run `r` always draws from stream `r` of the master seed, so its result does not depend on
//! which shard played it; the tallies are exact integers, so merging in any grouping and order
//! gives the same bytes as one process.

use crate::error::InputError;
use crate::model::Model;
use crate::montecarlo::{self, Control, Outcome, Settings};
use crate::report::Report;
use crate::scenario::Scenario;
use crate::stats::Tally;
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
    /// The run indices of this shard: a contiguous block, `[k·runs/n, (k+1)·runs/n)`.
    pub fn runs(&self, runs: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(k) * u128::from(runs) / u128::from(self.n)) as u64;
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
        runs: shard.runs(runs),
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
        let differs = if p.scenario_source != acc.scenario_source {
            Some("scenario")
        } else if p.seed != acc.seed {
            Some("seed")
        } else if p.runs != acc.runs {
            Some("number of runs")
        } else if p.deadlines != acc.deadlines {
            Some("deadlines")
        } else if p.shard_count != acc.shard_count {
            Some("number of shards")
        } else {
            None
        };
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

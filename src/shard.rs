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
use crate::stats::{FIXED_SCALE, Tally};
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

/// The worlds of a part: everything [`crate::worlds::WorldsOutcome`] holds beyond the pooled
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
            let out = crate::worlds::simulate_worlds(&model, &settings, shard.range(k), control);
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
        let slots = crate::sensitivity::factors::scenario_factors(sc).len();
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
            let slots = crate::sensitivity::factors::scenario_factors(&sc)
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
            let outcome = crate::worlds::WorldsOutcome {
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

/// The error for a part file whose contents negsim cannot have written.
fn damaged(name: &str, what: String) -> InputError {
    InputError::new(format!("damaged part {name}"), what).with_help(
        "part files are written by negsim and are not meant to be edited: \
         run the shard again to write it anew",
    )
}

/// Checks a part's shard list: at least one shard, each below the shard count, ascending and
/// listed once.
fn check_shards(count: u64, shards: &[u64]) -> Result<(), String> {
    if count == 0 {
        return Err("shard_count is 0; a simulation has at least 1 shard".into());
    }
    if shards.is_empty() {
        return Err("it lists no shards".into());
    }
    if let Some(&k) = shards.iter().find(|&&k| k >= count) {
        return Err(format!(
            "it lists shard {k}, but the simulation has shards 0 to {}",
            count - 1
        ));
    }
    if let Some(w) = shards.windows(2).find(|w| w[0] >= w[1]) {
        return Err(if w[0] == w[1] {
            format!("it lists shard {}/{count} twice", w[0])
        } else {
            format!(
                "its shards are not in ascending order ({} before {})",
                w[0], w[1]
            )
        });
    }
    Ok(())
}

/// Checks a part's run count and deadlines against the limits every command applies.
fn check_settings(runs: u64, deadlines: &[u32]) -> Result<(), String> {
    use crate::scenario::{MAX_DEADLINE, MAX_RUNS, thousands};
    if runs == 0 || runs > MAX_RUNS {
        return Err(format!(
            "runs {runs} is out of range (a simulation has 1 to {} runs)",
            thousands(MAX_RUNS)
        ));
    }
    if deadlines.is_empty() {
        return Err("it lists no deadlines".into());
    }
    if let Some(&d) = deadlines.iter().find(|&&d| d == 0 || d > MAX_DEADLINE) {
        return Err(format!(
            "deadline {d} is out of range (deadlines are 1 to {} rounds)",
            thousands(u64::from(MAX_DEADLINE))
        ));
    }
    crate::scenario::check_deadline_list(deadlines).map_err(|(msg, _)| msg)
}

/// The sizes of a scenario's tallies.
struct Shape {
    /// Number of agents.
    agents: usize,
    /// Options of each term.
    options: Vec<usize>,
    /// Whether tallies carry discounted sums; `None` when either is right (a sweep may change
    /// the discounts from point to point).
    discounted: Option<bool>,
}

impl Shape {
    /// The shape of `sc`'s tallies; `discount_may_vary` accepts both forms of the discounted
    /// sums.
    fn of(sc: &Scenario, discount_may_vary: bool) -> Shape {
        Shape {
            agents: sc.agents.len(),
            options: sc.terms.iter().map(|t| t.options.len()).collect(),
            discounted: (!discount_may_vary).then(|| sc.agents.iter().any(|a| a.discount < 1.0)),
        }
    }
}

/// Checks one tally read from a part against the scenario's `shape`, its `deadline` and the
/// runs its shards hold (`exactly` when they finished, at most otherwise): every vector's
/// length, every package's options, and that the counts add up (agreements + walk-outs +
/// expired = runs, the round histogram and the packages to the agreements, the option counts
/// to the packages', blocks within the failures, fixed-point sums within their ranges).
/// Sums are checked, so no count near 2^64 can wrap.
fn verify_tally(
    t: &Tally,
    shape: &Shape,
    deadline: u32,
    runs: u64,
    exactly: bool,
) -> Result<(), String> {
    let d = deadline;
    if t.deadline != d {
        return Err(format!(
            "it holds a tally for deadline {} where deadline {d} is expected",
            t.deadline
        ));
    }
    let at = |what: String| format!("its tally for deadline {d}: {what}");
    if exactly && t.runs != runs {
        return Err(at(format!(
            "{} runs, but its finished shards hold {runs}",
            t.runs
        )));
    }
    if t.runs > runs {
        return Err(at(format!(
            "{} runs, more than the {runs} its shards hold",
            t.runs
        )));
    }
    let n_opts: usize = shape.options.iter().sum();
    let lengths = [
        ("walkouts", t.walkouts.len(), shape.agents, "one per agent"),
        (
            "utility_sum",
            t.utility_sum.len(),
            shape.agents,
            "one per agent",
        ),
        ("gain_sum", t.gain_sum.len(), shape.agents, "one per agent"),
        ("blocked", t.blocked.len(), shape.agents, "one per agent"),
        (
            "option_counts",
            t.option_counts.len(),
            n_opts,
            "one per option",
        ),
        (
            "round_hist",
            t.round_hist.len(),
            d as usize + 1,
            "one per round and one unused",
        ),
    ];
    for (key, have, want, why) in lengths {
        if have != want {
            return Err(at(format!(
                "`{key}` has {have} entries where the scenario needs {want} ({why})"
            )));
        }
    }
    let discount_ok = match shape.discounted {
        Some(true) => t.discounted_sum.len() == shape.agents,
        Some(false) => t.discounted_sum.is_empty(),
        None => t.discounted_sum.is_empty() || t.discounted_sum.len() == shape.agents,
    };
    if !discount_ok {
        return Err(at(format!(
            "`discounted_sum` has {} entries where the scenario needs {}",
            t.discounted_sum.len(),
            if shape.discounted == Some(true) {
                shape.agents
            } else {
                0
            }
        )));
    }
    let sum = |v: &[u64]| v.iter().try_fold(0u64, |a, &b| a.checked_add(b));
    let ended = sum(&t.walkouts)
        .and_then(|w| w.checked_add(t.agreements))
        .and_then(|s| s.checked_add(t.expired));
    if ended != Some(t.runs) {
        return Err(at(format!(
            "agreements ({}), walk-outs and expired runs ({}) do not add up to its {} runs",
            t.agreements, t.expired, t.runs
        )));
    }
    if t.round_hist[0] != 0 || sum(&t.round_hist) != Some(t.agreements) {
        return Err(at(format!(
            "the rounds of agreement (`round_hist`) do not add up to its {} agreements",
            t.agreements
        )));
    }
    let mut options = vec![0u64; n_opts];
    let mut in_packages = 0u64;
    for (pkg, &count) in &t.packages {
        let shown: Vec<String> = pkg.iter().take(8).map(u8::to_string).collect();
        let shown = if pkg.len() > 8 {
            format!("[{}, ...]", shown.join(", "))
        } else {
            format!("[{}]", shown.join(", "))
        };
        if pkg.len() != shape.options.len() {
            return Err(at(format!(
                "package {shown} has {} options where the scenario has {} terms",
                pkg.len(),
                shape.options.len()
            )));
        }
        let mut offset = 0;
        for (term, (&o, &n)) in pkg.iter().zip(&shape.options).enumerate() {
            if usize::from(o) >= n {
                return Err(at(format!(
                    "package {shown} names option {o} of term {term}, which has {n} options"
                )));
            }
            options[offset + usize::from(o)] += count;
            offset += n;
        }
        if count == 0 {
            return Err(at(format!("package {shown} is counted 0 times")));
        }
        in_packages = in_packages
            .checked_add(count)
            .filter(|&s| s <= t.agreements)
            .ok_or_else(|| {
                at(format!(
                    "the packages' counts add up to more than its {} agreements",
                    t.agreements
                ))
            })?;
    }
    if t.packages_overflow {
        // No package counts kept (see `Tally::packages_overflow`): each term's option counts
        // must still add up to the agreements.
        if !t.packages.is_empty() || t.agreements <= crate::stats::MAX_PACKAGES as u64 {
            return Err(at(format!(
                "`packages_overflow` is set but it lists {} packages and has {} agreements (an overflowed tally lists none and has more than {})",
                t.packages.len(),
                t.agreements,
                crate::stats::MAX_PACKAGES
            )));
        }
        let mut offset = 0;
        for (term, &n) in shape.options.iter().enumerate() {
            if sum(&t.option_counts[offset..offset + n]) != Some(t.agreements) {
                return Err(at(format!(
                    "`option_counts` of term {term} do not add up to its {} agreements",
                    t.agreements
                )));
            }
            offset += n;
        }
    } else if in_packages != t.agreements {
        return Err(at(format!(
            "the packages' counts add up to {in_packages}, not to its {} agreements",
            t.agreements
        )));
    } else if options != t.option_counts {
        return Err(at(
            "`option_counts` does not match the options of the agreed packages".into(),
        ));
    }
    let failed = t.runs - t.agreements;
    if let Some((a, &b)) = t.blocked.iter().enumerate().find(|(_, b)| **b > failed) {
        return Err(at(format!(
            "agent {a} blocked {b} runs, more than the {failed} without agreement"
        )));
    }
    // Each agreement adds a utility (and a discounted one) in [-1, 1] and a gain in [-2, 2],
    // in fixed point.
    let one = i128::from(t.agreements) * FIXED_SCALE as i128;
    let sums = [
        ("utility_sum", &t.utility_sum, one),
        ("discounted_sum", &t.discounted_sum, one),
        ("gain_sum", &t.gain_sum, 2 * one),
    ];
    for (key, v, most) in sums {
        if let Some((a, &x)) = v
            .iter()
            .enumerate()
            .find(|(_, x)| i128::from(**x).abs() > most)
        {
            return Err(at(format!(
                "`{key}` of agent {a} is {x}, beyond what {} agreements can add up to",
                t.agreements
            )));
        }
    }
    Ok(())
}

/// The first line of a sweep part file: what the sweep is and which shards the file holds.
/// The lines after it are [`PointTallies`], one per finished point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepHeader {
    /// The format of this file, [`crate::provenance::SWEEP_FORMAT`] (empty when read from a
    /// file that names none).
    #[serde(default)]
    pub format: String,
    /// The negsim version that wrote it (see [`Partial::negsim_version`]).
    #[serde(default)]
    pub negsim_version: String,
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
        written_here(
            &header.format,
            &header.negsim_version,
            crate::provenance::SWEEP_FORMAT,
            origin,
        )?;
        if header.negsim_partial != FORMAT_VERSION || header.kind != "sweep" {
            return Err(InputError::new(
                origin,
                format!(
                    "sweep part format {} is not supported",
                    header.negsim_partial
                ),
            ));
        }
        let h = &header;
        let broken = |what: String| damaged(origin, what);
        check_shards(h.shard_count, &h.shards).map_err(broken)?;
        check_settings(h.runs, &h.deadlines).map_err(broken)?;
        if h.points == 0 || h.points > crate::sweep::MAX_POINTS {
            return Err(broken(format!(
                "points {} is out of range (a sweep has 1 to {} points)",
                h.points,
                crate::sweep::MAX_POINTS
            )));
        }
        let sc = Scenario::from_toml_str(&h.scenario_source, &h.scenario_origin)
            .map_err(|e| broken(format!("its scenario does not validate: {e}")))?;
        // Every point has the base scenario's terms and agents; only the discounts may be
        // swept, which changes whether tallies carry discounted sums. `table` checks each
        // point against its own scenario.
        let shape = Shape::of(&sc, h.params.iter().any(|p| p.contains("discount")));
        let ranges: Vec<Range<u64>> = h
            .shards
            .iter()
            .map(|&k| {
                Shard {
                    k,
                    n: h.shard_count,
                }
                .range(h.points)
            })
            .collect();
        let mut points = Vec::new();
        for (i, l) in lines.enumerate() {
            let line = i + 2;
            let p: PointTallies = serde_json::from_str(l).map_err(|e| bad(line, &e))?;
            let at = |what: String| broken(format!("line {line}: {what}"));
            if !ranges.iter().any(|r| r.contains(&p.point)) {
                return Err(at(format!(
                    "point {} is not in its shards (of {} points)",
                    p.point, h.points
                )));
            }
            if p.tallies.len() != h.deadlines.len() {
                return Err(at(format!(
                    "point {} has {} tallies for {} deadlines",
                    p.point,
                    p.tallies.len(),
                    h.deadlines.len()
                )));
            }
            for (t, &d) in p.tallies.iter().zip(&h.deadlines) {
                verify_tally(t, &shape, d, h.runs, true)
                    .map_err(|e| at(format!("point {}: {e}", p.point)))?;
            }
            points.push((line, p));
        }
        points.sort_by_key(|(_, p)| p.point);
        if let Some(w) = points.windows(2).find(|w| w[0].1.point == w[1].1.point) {
            return Err(broken(format!(
                "point {} appears twice (lines {} and {})",
                w[0].1.point,
                w[0].0.min(w[1].0),
                w[0].0.max(w[1].0)
            )));
        }
        let points = points.into_iter().map(|(_, p)| p).collect();
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
        if sweep.len() != h.points {
            return Err(damaged(
                "merge",
                format!(
                    "the parts say the sweep has {} points, but its parameters give {}",
                    h.points,
                    sweep.len()
                ),
            )
            .into());
        }
        let layout = Layout {
            format,
            keys: sweep.columns(),
            worlds: None,
        };
        let mut text = layout.header();
        for p in &self.points {
            let point_sc = sweep.scenario(p.point)?;
            let shape = Shape::of(&point_sc, false);
            for (t, &d) in p.tallies.iter().zip(&h.deadlines) {
                verify_tally(t, &shape, d, h.runs, true)
                    .map_err(|e| damaged("merge", format!("point {}: {e}", p.point)))?;
            }
            let model = Model::new(&point_sc);
            let outcome = Outcome {
                tallies: p.tallies.clone(),
                partial: false,
            };
            let rows = crate::tidy::row_reports(&model, &outcome);
            let prov = crate::provenance::Provenance::of(&point_sc, h.seed);
            text.push_str(&layout.rows(&sweep.cells(p.point), &rows, &prov));
        }
        Ok(text)
    }
}

/// Merges sweep part files (given with their names); checks that they belong to one sweep and
/// that no point appears twice.
pub fn merge_sweep(parts: Vec<(String, SweepPart)>) -> Result<SweepPart, InputError> {
    for (name, p) in &parts {
        let h = &p.header;
        written_here(
            &h.format,
            &h.negsim_version,
            crate::provenance::SWEEP_FORMAT,
            name,
        )?;
    }
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
            ("number of points", a.points != b.points),
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
        if let Some(k) = p
            .header
            .shards
            .iter()
            .find(|k| acc.header.shards.contains(k))
        {
            return Err(InputError::new(
                &name,
                format!("shard {k}/{} is also in an earlier part", b.shard_count),
            )
            .with_help("each shard must be merged exactly once"));
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

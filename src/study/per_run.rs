//! Per-run tables: one record per (run, deadline) with the parameters sampled for the run and
//! how the negotiation ended, for scenario discovery (PRIM, CART, feature scoring) outside
//! negsim.
//!
//! Only the parameters that are distributions in the scenario are listed (fixed values are
//! the same in every row and would only widen the table), each named by its sweep path
//! (`agents.russia.reservation`), in the engine's draw order. Their values are the raw draws
//! from the file's distributions, clamped to their valid range, as the engine drew them;
//! weights are reported before the engine normalizes them to sum to 1.
//! Every row ends with the provenance columns of [`crate::provenance`].
//!
//! Runs are played in batches of chunks: the chunks of a batch in parallel, then the batch's
//! records handed over in run order, so memory is bounded by one batch whatever the number
//! of runs, and the output does not depend on the thread count.

use crate::csv_text::field as csv_field;
use crate::engine::model::{Instance, Model};
use crate::engine::montecarlo::{Control, Outcome, Settings, chunk_ranges};
use crate::engine::protocol::{End, Workspace, play};
use crate::engine::rng;
use crate::engine::stats::Tally;
use crate::error::Error;
use crate::provenance::Provenance;
use crate::scenario::Scenario;
use crate::scenario::slots::{Slot, all_slots};
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::Ordering;

/// Chunks of [`crate::engine::montecarlo::CHUNK`] runs played in parallel before their records are
/// handed over: 32 × 256 = 8,192 runs, which bounds memory.
pub const BATCH_CHUNKS: usize = 32;

/// Output formats of a per-run table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// JSON lines for a path ending in `.jsonl`, CSV otherwise.
    pub fn for_path(path: &std::path::Path) -> Format {
        if path.extension().is_some_and(|e| e == "jsonl") {
            Format::Jsonl
        } else {
            Format::Csv
        }
    }
}

/// One run at one deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The run index (its random streams are keyed by it).
    pub run: u64,
    /// The deadline in rounds.
    pub deadline: u32,
    /// The sampled value of each uncertain parameter, in the order of [`PerRun::columns`].
    pub params: Vec<f64>,
    /// How the negotiation ended.
    pub end: End,
    /// The agreed package (an option index per term); empty without agreement.
    pub package: Vec<u8>,
    /// Each agent's utility for the agreed package; empty without agreement.
    pub utilities: Vec<f64>,
}

/// A per-run table of one scenario under fixed settings.
#[derive(Debug, Clone)]
pub struct PerRun {
    model: Model,
    settings: Settings,
    slots: Vec<Slot>,
    /// The slots' sweep paths, and the JSON keys of the parameter and utility fields
    /// (computed once: rows are written by the million).
    columns: Vec<String>,
    json_keys: Vec<String>,
    utility_keys: Vec<String>,
    /// The provenance cells every row ends with, as CSV and as JSON fields.
    tail: (String, String),
}

impl PerRun {
    /// The per-run table of `scenario` with `settings` (seed, deadlines, run range).
    pub fn new(scenario: &Scenario, settings: Settings) -> PerRun {
        let prov = Provenance::of(scenario, settings.seed);
        let slots: Vec<Slot> = all_slots(scenario)
            .into_iter()
            .filter(|s| s.get(scenario).is_some_and(|p| p.is_uncertain()))
            .collect();
        let columns: Vec<String> = slots.iter().map(|s| s.path(scenario)).collect();
        let key = |k: &str| serde_json::to_string(k).expect("strings serialize");
        PerRun {
            model: Model::new(scenario),
            settings,
            slots,
            json_keys: columns.iter().map(|c| key(c)).collect(),
            utility_keys: scenario
                .agents
                .iter()
                .map(|a| key(&format!("utility_{}", a.id)))
                .collect(),
            columns,
            tail: (prov.csv_suffix(), prov.json_suffix()),
        }
    }

    /// The sweep paths of the sampled parameters, in the order of [`Record::params`].
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The agent ids, in the order of [`Record::utilities`].
    pub fn agents(&self) -> Vec<String> {
        self.model
            .scenario
            .agents
            .iter()
            .map(|a| a.id.clone())
            .collect()
    }

    /// The compiled scenario.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The run ranges of the batches, in order.
    fn batches(&self) -> Vec<Range<u64>> {
        chunk_ranges(self.settings.runs.clone())
            .chunks(BATCH_CHUNKS)
            .map(|c| c[0].start..c[c.len() - 1].end)
            .collect()
    }

    /// Empty tallies, one per deadline.
    fn empty_tallies(&self) -> Vec<Tally> {
        self.settings
            .deadlines
            .iter()
            .map(|&d| Tally::new(&self.model, d))
            .collect()
    }

    /// The records of the runs in `range`, in run order then deadline order, added to
    /// `tallies` too; the chunks of the range are played in parallel on the current rayon pool.
    fn records(&self, range: Range<u64>, tallies: &mut [Tally]) -> Vec<Record> {
        let parts: Vec<(Vec<Record>, Vec<Tally>)> = chunk_ranges(range)
            .into_par_iter()
            .map(|r| {
                let mut t = self.empty_tallies();
                (self.play_range(r, &mut t), t)
            })
            .collect();
        let mut out = Vec::new();
        for (records, t) in parts {
            out.extend(records);
            tallies.iter_mut().zip(&t).for_each(|(a, b)| a.merge(b));
        }
        out
    }

    /// Hands the records of every run to `f`, a batch at a time, in run order, and returns
    /// the tallies of the runs handed over: the same, exactly, as [`crate::engine::montecarlo::simulate`]
    /// gives, so a report drawn from them is the report of `run`. Stops between batches when
    /// `control.cancel` is set (the outcome is then partial) or when `f` fails.
    pub fn for_each_batch<E>(
        &self,
        control: &Control,
        mut f: impl FnMut(&[Record]) -> Result<(), E>,
    ) -> Result<Outcome, E> {
        let mut tallies = self.empty_tallies();
        let mut partial = false;
        for range in self.batches() {
            if control.cancel.load(Ordering::Relaxed) {
                partial = true;
                break;
            }
            let n = range.end - range.start;
            let records = self.records(range, &mut tallies);
            f(&records)?;
            control.done.fetch_add(n, Ordering::Relaxed);
        }
        Ok(Outcome { tallies, partial })
    }

    /// Writes the whole table to `out` in `format`, a batch at a time, and returns the
    /// tallies of the runs written (partial when stopped early by `control.cancel`; the rows
    /// written are then those of whole runs).
    pub fn write(
        &self,
        format: Format,
        out: &mut dyn Write,
        control: &Control,
    ) -> std::io::Result<Outcome> {
        if format == Format::Csv {
            out.write_all(self.csv_header().as_bytes())?;
        }
        let mut text = String::new();
        self.for_each_batch(control, |records| {
            text.clear();
            for r in records {
                match format {
                    Format::Csv => self.csv_row(r, &mut text),
                    Format::Jsonl => self.jsonl_row(r, &mut text),
                }
            }
            out.write_all(text.as_bytes())
        })
        .and_then(|outcome| out.flush().map(|()| outcome))
    }

    /// Writes the whole table to a new file at `path` (emptied if it exists), in the format
    /// its name asks for ([`Format::for_path`]); returns the tallies as [`PerRun::write`].
    pub fn write_file(&self, path: &Path, control: &Control) -> Result<Outcome, Error> {
        let name = path.display().to_string();
        let file = File::create(path).map_err(|e| Error::io(&name, e))?;
        let mut out = BufWriter::new(file);
        self.write(Format::for_path(path), &mut out, control)
            .map_err(|e| Error::io(&name, e))
    }

    /// The CSV header line, with its newline.
    pub fn csv_header(&self) -> String {
        let mut cols = vec!["run".to_string(), "deadline".to_string()];
        cols.extend(self.columns.iter().cloned());
        cols.extend(
            ["agreement", "round", "walked_out_by", "package"]
                .iter()
                .map(|s| s.to_string()),
        );
        cols.extend(self.agents().iter().map(|a| format!("utility_{a}")));
        cols.extend(crate::provenance::COLUMNS.iter().map(|c| c.to_string()));
        let mut s = cols
            .iter()
            .map(|c| csv_field(c).into_owned())
            .collect::<Vec<_>>()
            .join(",");
        s.push('\n');
        s
    }

    /// The round of agreement or walk-out (none when the deadline passed).
    fn round(r: &Record) -> Option<u32> {
        match r.end {
            End::Agreement { round } | End::WalkOut { round, .. } => Some(round),
            End::Expired => None,
        }
    }

    /// The agreed package as `term=option;term=option`.
    pub fn package_text(&self, r: &Record) -> String {
        let sc = &self.model.scenario;
        r.package
            .iter()
            .enumerate()
            .map(|(t, &o)| format!("{}={}", sc.terms[t].id, sc.terms[t].options[o as usize]))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Who walked out, by agent id.
    pub fn walked_out_by(&self, r: &Record) -> Option<&str> {
        match r.end {
            End::WalkOut { agent, .. } => Some(self.model.scenario.agents[agent].id.as_str()),
            _ => None,
        }
    }

    /// Appends one CSV row. Floats are written in Rust's shortest round-trip form with a
    /// decimal point (`1.0`, never `1`), so that readers type the columns as floats and read
    /// back the very numbers the engine drew; missing values are empty cells.
    pub fn csv_row(&self, r: &Record, s: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(s, "{},{}", r.run, r.deadline);
        for x in &r.params {
            let _ = write!(s, ",{x:?}");
        }
        let agreed = matches!(r.end, End::Agreement { .. });
        let _ = write!(s, ",{}", u8::from(agreed));
        match Self::round(r) {
            Some(round) => {
                let _ = write!(s, ",{round}");
            }
            None => s.push(','),
        }
        s.push(',');
        s.push_str(&csv_field(self.walked_out_by(r).unwrap_or("")));
        s.push(',');
        s.push_str(&csv_field(&self.package_text(r)));
        for a in 0..self.model.n_agents() {
            match r.utilities.get(a) {
                Some(u) => {
                    let _ = write!(s, ",{u:?}");
                }
                None => s.push(','),
            }
        }
        s.push_str(&self.tail.0);
        s.push('\n');
    }

    /// Appends one JSON line with the same fields as the CSV row, in the same order (nulls
    /// for missing values).
    pub fn jsonl_row(&self, r: &Record, s: &mut String) {
        use std::fmt::Write as _;
        let key = |k: &str| serde_json::to_string(k).expect("strings serialize");
        let text = |t: Option<&str>| t.map_or("null".to_string(), &key);
        let num = |x: Option<f64>| {
            // serde_json writes floats in the same shortest form as the CSV (`1.0`).
            x.map_or("null".to_string(), |x| {
                serde_json::Value::from(x).to_string()
            })
        };
        let _ = write!(s, "{{\"run\":{},\"deadline\":{}", r.run, r.deadline);
        for (k, &x) in self.json_keys.iter().zip(&r.params) {
            let _ = write!(s, ",{k}:{}", num(Some(x)));
        }
        let agreed = matches!(r.end, End::Agreement { .. });
        let round = Self::round(r).map_or("null".to_string(), |n| n.to_string());
        let package = agreed.then(|| self.package_text(r));
        let _ = write!(
            s,
            ",\"agreement\":{},\"round\":{round},\"walked_out_by\":{},\"package\":{}",
            u8::from(agreed),
            text(self.walked_out_by(r)),
            text(package.as_deref()),
        );
        for (a, k) in self.utility_keys.iter().enumerate() {
            let _ = write!(s, ",{k}:{}", num(r.utilities.get(a).copied()));
        }
        s.push_str(&self.tail.1);
        s.push_str("}\n");
    }

    /// Plays the runs of `range` sequentially, adding them to `tallies`.
    fn play_range(&self, range: Range<u64>, tallies: &mut [Tally]) -> Vec<Record> {
        let model = &self.model;
        let seed = self.settings.seed;
        let mut inst = Instance::default();
        let mut ws = Workspace::default();
        let mut out = Vec::with_capacity((range.end - range.start) as usize);
        for run in range {
            model.sample_into(seed, run, &mut inst);
            let params: Vec<f64> = self
                .slots
                .iter()
                .map(|s| slot_value(model, &inst, s))
                .collect();
            ws.prepare(model, &inst);
            for (tally, &d) in tallies.iter_mut().zip(&self.settings.deadlines) {
                let mut rng = rng::play_rng(seed, run);
                let res = play(model, &inst, &mut ws, d, &mut rng, &mut ());
                tally.add(model, &inst, &res);
                let (package, utilities) = match res.end {
                    End::Agreement { .. } => {
                        let u = (0..model.n_agents())
                            .map(|a| inst.utility(model, a, &res.package))
                            .collect();
                        (res.package.clone(), u)
                    }
                    _ => (Vec::new(), Vec::new()),
                };
                out.push(Record {
                    run,
                    deadline: d,
                    params: params.clone(),
                    end: res.end,
                    package,
                    utilities,
                });
            }
        }
        out
    }
}

/// Where slot `s` sits in [`Instance::raw`] (`None` for the parameters of time, drawn after
/// the estimates, which it does not hold).
fn slot_index(model: &Model, s: &Slot) -> Option<usize> {
    let per_agent = model.n_terms() + model.n_opts + 4;
    let own = model.n_terms() + model.n_opts;
    Some(match *s {
        Slot::Weight { agent, term } => agent * per_agent + term,
        Slot::Value {
            agent,
            term,
            option,
        } => agent * per_agent + model.n_terms() + model.offsets[term] + option,
        Slot::Reservation { agent } => agent * per_agent + own,
        Slot::WalkAway { agent } => agent * per_agent + own + 1,
        Slot::DeadlineBelief { agent } => agent * per_agent + own + 2,
        Slot::Exponent { agent } => agent * per_agent + own + 3,
        Slot::Horizon { .. } | Slot::DelayCost { .. } | Slot::LearningRate => return None,
    })
}

/// The value of slot `s` in a run: the raw draw for a weight (the engine keeps weights
/// normalized), else the engine's own sampled value.
fn slot_value(model: &Model, inst: &Instance, s: &Slot) -> f64 {
    match *s {
        Slot::Weight { .. } => inst.raw[slot_index(model, s).expect("weights are drawn first")],
        _ => s.value_in(model, inst),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dist::Param;
    use crate::engine::montecarlo::{self, Control};
    use crate::scenario::Strategy;

    fn settings(runs: u64) -> Settings {
        Settings {
            seed: 7,
            deadlines: vec![4, 12],
            runs: 0..runs,
        }
    }

    /// Redraws run `run`'s parameters from its parameter stream, every one in turn in the
    /// engine's draw order (see [`Model::sample_into`]: two words per parameter, a
    /// hardliner's exponent included), into `out`: an independent reference for the engine's
    /// [`Instance::raw`], which draws only the uncertain parameters and skips the others' words.
    fn raw_draws(pr: &PerRun, run: u64, out: &mut Vec<f64>) {
        let sc = &pr.model.scenario;
        let mut rng = rng::param_rng(pr.settings.seed, run);
        out.clear();
        for agent in &sc.agents {
            for p in &agent.weights {
                out.push(p.sample(&mut rng));
            }
            for vals in &agent.values {
                for p in vals {
                    out.push(p.sample(&mut rng));
                }
            }
            out.push(agent.reservation.sample(&mut rng));
            out.push(agent.walk_away.sample(&mut rng));
            out.push(agent.deadline_belief.sample(&mut rng));
            let exponent = match agent.strategy {
                Strategy::TimeDependent { exponent, .. } => exponent,
                Strategy::Hardliner
                | Strategy::BackwardInduction
                | Strategy::Stationary
                | Strategy::Zeuthen => Param::fixed(0.0, 0.0, 0.0),
            };
            out.push(exponent.sample(&mut rng));
        }
    }

    #[test]
    fn raw_draws_agree_with_the_engine() {
        for src in [
            crate::scenario::BUNDLED,
            include_str!("../../scenarios/labour-contract.toml"),
        ] {
            let sc = Scenario::from_toml_str(src, "t").unwrap();
            let pr = PerRun::new(&sc, settings(50));
            let model = pr.model();
            let mut inst = Instance::default();
            let mut draws = Vec::new();
            for run in 0..50 {
                model.sample_into(7, run, &mut inst);
                raw_draws(&pr, run, &mut draws);
                // Bit for bit: the engine skips the fixed parameters' words, the reference
                // draws them all in turn.
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&inst.raw), bits(&draws), "run {run}");
                for slot in all_slots(&sc) {
                    let Some(i) = slot_index(model, &slot) else {
                        continue;
                    };
                    let x = draws[i];
                    let engine = match slot {
                        Slot::Value {
                            agent,
                            term,
                            option,
                        } => inst.values[agent * model.n_opts + model.offsets[term] + option],
                        Slot::Reservation { agent } => inst.reservation[agent],
                        Slot::WalkAway { agent } => inst.walk_away[agent],
                        Slot::DeadlineBelief { agent } => inst.belief[agent],
                        Slot::Exponent { agent } => inst.exponent[agent].unwrap(),
                        Slot::Horizon { .. } | Slot::DelayCost { .. } | Slot::LearningRate => {
                            continue;
                        }
                        Slot::Weight { agent, term } => {
                            // The engine keeps the weights normalized.
                            let nt = model.n_terms();
                            let raw: Vec<f64> = (0..nt)
                                .map(|t| {
                                    draws[slot_index(model, &Slot::Weight { agent, term: t })
                                        .unwrap()]
                                })
                                .collect();
                            let sum: f64 = raw.iter().sum();
                            assert!(
                                (inst.weights[agent * nt + term] - raw[term] / sum).abs() < 1e-12
                            );
                            continue;
                        }
                    };
                    assert_eq!(x, engine, "{}", slot.path(&sc));
                }
            }
        }
    }

    #[test]
    fn records_tally_to_the_monte_carlo_counts() {
        let sc = Scenario::bundled();
        let s = settings(1000);
        let pr = PerRun::new(&sc, s.clone());
        let mut records = Vec::new();
        let mine = pr
            .for_each_batch(&Control::default(), |b| {
                records.extend_from_slice(b);
                Ok::<(), ()>(())
            })
            .unwrap();
        assert!(!mine.partial);
        assert_eq!(records.len(), 2000);
        let outcome = montecarlo::simulate(pr.model(), &s, &Control::default());
        assert_eq!(mine, outcome);
        for (i, t) in outcome.tallies.iter().enumerate() {
            let at: Vec<&Record> = records
                .iter()
                .filter(|r| r.deadline == s.deadlines[i])
                .collect();
            let agreed = at
                .iter()
                .filter(|r| matches!(r.end, End::Agreement { .. }))
                .count() as u64;
            let expired = at.iter().filter(|r| r.end == End::Expired).count() as u64;
            assert_eq!(agreed, t.agreements);
            assert_eq!(expired, t.expired);
        }
        // Run order, then deadline order.
        assert!(
            records
                .windows(2)
                .all(|w| (w[0].run, w[0].deadline) < (w[1].run, w[1].deadline))
        );
    }

    #[test]
    fn only_distributions_are_columns_and_floats_look_like_floats() {
        let sc = Scenario::bundled();
        let pr = PerRun::new(&sc, settings(3));
        let cols = pr.columns();
        assert!(!cols.is_empty());
        for c in cols {
            let slot = all_slots(&sc)
                .into_iter()
                .find(|s| s.path(&sc) == *c)
                .unwrap();
            assert!(slot.get(&sc).unwrap().is_uncertain(), "{c}");
        }
        // Parameters of time are columns too (the bundled mediator's learning rate).
        assert!(
            cols.iter()
                .any(|c| c == "simulation.mediator_learning_rate")
        );
        let mut out = Vec::new();
        pr.write(Format::Csv, &mut out, &Control::default())
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 6);
        let n = lines[0].split(',').count();
        assert!(lines[1..].iter().all(|l| l.split(',').count() >= n));
        let first_param = lines[1].split(',').nth(2).unwrap();
        assert!(first_param.contains('.') || first_param.contains('e'));
    }
}

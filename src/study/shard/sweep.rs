//! Sweep parts: a sweep's points split into shards, each point's tallies one JSON line.

use super::*;

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
        if h.points == 0 || h.points > crate::study::sweep::MAX_POINTS {
            return Err(broken(format!(
                "points {} is out of range (a sweep has 1 to {} points)",
                h.points,
                crate::study::sweep::MAX_POINTS
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
    pub fn table(&self, format: crate::study::tidy::Format) -> Result<String, Error> {
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
            let rows = crate::study::tidy::row_reports(&model, &outcome);
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

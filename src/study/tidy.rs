//! Tidy long tables shared by `sweep` and `batch`: one row per (item, deadline), a few key
//! columns naming the item (swept parameters, or the scenario) followed by the fields of
//! `run --format csv`, then the provenance columns (seed, protocol, round_label, mode,
//! negsim_version: [`crate::provenance`]), as CSV or JSON lines. Rows are written and flushed
//! item by item, so an interrupted job keeps every finished item.

use crate::engine::model::Model;
use crate::engine::montecarlo::{self, Control, Outcome, Settings};
use crate::error::{Error, InputError};
use crate::progress::Progress;
use crate::provenance::{self, Provenance};
use crate::scenario::Scenario;
use crate::study::run::{DeadlineReport, Report};
use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::Ordering;

/// Table formats of `sweep` and `batch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// CSV with a header line.
    #[default]
    Csv,
    /// One JSON object per line, no header.
    Jsonl,
}

/// The value of one key column in one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The text of the CSV cell (quoted on output when needed).
    pub text: String,
    /// The JSON literal (a number, `true`/`false` or a quoted string).
    pub json: String,
}

impl Cell {
    /// A text cell: a JSON string.
    pub fn text(s: impl Into<String>) -> Cell {
        let text = s.into();
        let json = serde_json::to_string(&text).expect("strings serialize");
        Cell { text, json }
    }

    /// A cell whose text is already a valid JSON literal (a number or a boolean).
    pub fn literal(s: impl Into<String>) -> Cell {
        let text = s.into();
        Cell {
            json: text.clone(),
            text,
        }
    }
}

/// Key fields as the start of a CSV line: the record and a comma, or nothing without keys.
fn csv_prefix<S: AsRef<str> + serde::Serialize>(keys: &[S]) -> String {
    if keys.is_empty() {
        String::new()
    } else {
        format!("{},", crate::csv_text::record(keys))
    }
}

/// The shape of a table: its format and the names of its key columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// CSV or JSON lines.
    pub format: Format,
    /// Names of the key columns, before the fields of `run --format csv`.
    pub keys: Vec<String>,
    /// Worlds each item plays, sharing its runs (`None`: independent runs). With worlds the
    /// rows gain `p_worlds_05`, `p_worlds_50` and `p_worlds_95` before the provenance, as
    /// `run --format csv` does.
    pub worlds: Option<u64>,
}

impl Layout {
    /// The header line with its newline (CSV), or nothing (JSON lines).
    pub fn header(&self) -> String {
        match self.format {
            Format::Jsonl => String::new(),
            Format::Csv => {
                let mut s = csv_prefix(&self.keys);
                s.push_str(Report::csv_header());
                if self.worlds.is_some() {
                    s.push_str(",p_worlds_05,p_worlds_50,p_worlds_95");
                }
                s.push_str(&provenance::csv_header_suffix());
                s.push('\n');
                s
            }
        }
    }

    /// The key cells rendered as the start of a line.
    fn prefix(&self, cells: &[Cell]) -> String {
        debug_assert_eq!(cells.len(), self.keys.len());
        match self.format {
            Format::Csv => {
                let texts: Vec<&str> = cells.iter().map(|c| c.text.as_str()).collect();
                csv_prefix(&texts)
            }
            Format::Jsonl => {
                let mut s = String::from("{");
                for (k, c) in self.keys.iter().zip(cells) {
                    let key = serde_json::to_string(k).expect("strings serialize");
                    s.push_str(&format!("{key}:{},", c.json));
                }
                s
            }
        }
    }

    /// The rows of one item (one per deadline), each ending in its provenance and a newline.
    pub fn rows(&self, cells: &[Cell], deadlines: &[DeadlineReport], prov: &Provenance) -> String {
        let prefix = self.prefix(cells);
        let tail = match self.format {
            Format::Csv => prov.csv_suffix(),
            Format::Jsonl => prov.json_suffix(),
        };
        let mut s = String::new();
        for d in deadlines {
            s.push_str(&prefix);
            let w = d.worlds.as_ref();
            let spread = [w.map(|w| w.p05), w.map(|w| w.p50), w.map(|w| w.p95)];
            match self.format {
                Format::Csv => {
                    s.push_str(&d.csv_row());
                    if self.worlds.is_some() {
                        let cells = spread.map(|x| x.map(crate::csv_text::Shown));
                        s.push(',');
                        s.push_str(&crate::csv_text::record(&cells));
                    }
                }
                Format::Jsonl => {
                    let obj = serde_json::to_string(&d.flat()).expect("rows serialize");
                    // The row object continues the key fields (drop its opening brace) and
                    // goes on with the provenance (drop its closing one).
                    s.push_str(&obj[1..obj.len() - 1]);
                    if self.worlds.is_some() {
                        let j = |x: Option<f64>| serde_json::to_string(&x).expect("numbers");
                        s.push_str(&format!(
                            ",\"p_worlds_05\":{},\"p_worlds_50\":{},\"p_worlds_95\":{}",
                            j(spread[0]),
                            j(spread[1]),
                            j(spread[2])
                        ));
                    }
                }
            }
            s.push_str(&tail);
            if self.format == Format::Jsonl {
                s.push('}');
            }
            s.push('\n');
        }
        s
    }

    /// How a row of this item at `deadline` with `runs` runs begins: enough to recognize the
    /// rows of finished items when resuming.
    pub fn row_start(&self, cells: &[Cell], deadline: u32, runs: u64) -> String {
        let prefix = self.prefix(cells);
        match self.format {
            Format::Csv => format!("{prefix}{deadline},{runs},"),
            Format::Jsonl => format!("{prefix}\"deadline\":{deadline},\"runs\":{runs},"),
        }
    }
}

/// Where table rows go: stdout or a file, flushed after every item.
pub struct Output {
    w: Box<dyn Write + Send>,
    name: String,
}

impl Output {
    /// Any writer; `name` identifies it in error messages.
    pub fn new(w: Box<dyn Write + Send>, name: impl Into<String>) -> Output {
        Output {
            w,
            name: name.into(),
        }
    }

    /// Standard output.
    pub fn stdout() -> Output {
        Output::new(Box::new(std::io::stdout()), "stdout")
    }

    /// A table file written from its start. A regular file is locked first (so that two
    /// sweeps never write one table at once) and refused if it already holds rows, unless
    /// `force`: a table is written row by row, so emptying it at the start would destroy
    /// finished work before any new row exists. A device or FIFO is written in place.
    pub fn create(path: &Path, force: bool) -> Result<Output, Error> {
        let name = path.display().to_string();
        let io = |e| Error::io(name.clone(), e);
        let f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let meta = f.metadata().map_err(io)?;
        if meta.is_file() {
            lock(&f, &name)?;
            if meta.len() > 0 && !force {
                return Err(Error::Input(
                    InputError::new(
                        &name,
                        format!(
                            "the file already holds {} bytes; it was left unchanged",
                            meta.len()
                        ),
                    )
                    .with_help(
                        "add --resume to continue a sweep in it, --force to replace it, or give another --output",
                    ),
                ));
            }
            f.set_len(0).map_err(io)?;
        }
        Ok(Output::new(Box::new(f), name))
    }

    /// Writes `text` whole and flushes it.
    pub fn write(&mut self, text: &str) -> Result<(), Error> {
        self.w
            .write_all(text.as_bytes())
            .and_then(|()| self.w.flush())
            .map_err(|e| Error::io(self.name.clone(), e))
    }
}

/// Takes the advisory lock of a table file for as long as `f` stays open, or refuses: two
/// `sweep --resume` on one file both went on and wrote the same points twice.
fn lock(f: &File, name: &str) -> Result<(), Error> {
    match f.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Input(
            InputError::new(name, "another negsim is writing this table right now")
                .with_help("wait until it has finished, or give another --output"),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(name, e)),
    }
}

/// One item of a table: its key cells, its scenario and how to simulate it.
pub struct Item<'s> {
    /// Key cells, one per key column of the layout.
    pub cells: Vec<Cell>,
    /// The scenario to simulate.
    pub scenario: Cow<'s, Scenario>,
    /// Seed, deadlines and runs.
    pub settings: &'s Settings,
}

/// How a sweep or batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    /// Items simulated and written in this invocation.
    pub written: u64,
    /// True when stopped by the cancel flag before the last item.
    pub cancelled: bool,
}

/// Simulates the items one after another (each on all threads of the current rayon pool),
/// writing and flushing the rows of each as soon as it is done. Items are produced lazily, so
/// memory does not grow with their number. `control.cancel` is checked between items and
/// inside them; an item cut short is not written, so the output only ever holds whole items.
/// `seen` is shown every item written (the sweep chart keeps what it draws from it).
pub fn run_items<'s>(
    items: impl IntoIterator<Item = Result<Item<'s>, Error>>,
    layout: &Layout,
    out: &mut Output,
    control: &Control,
    progress: &Progress,
    seen: &mut dyn FnMut(&[Cell], &[DeadlineReport]),
) -> Result<Finished, Error> {
    let mut written = 0;
    let mut items = items.into_iter();
    loop {
        if control.cancel.load(Ordering::Relaxed) {
            return Ok(Finished {
                written,
                cancelled: true,
            });
        }
        let Some(item) = items.next() else {
            return Ok(Finished {
                written,
                cancelled: false,
            });
        };
        let item = item?;
        let model = Model::new(&item.scenario);
        let (partial, deadlines) = match layout.worlds {
            None => {
                let outcome = montecarlo::simulate(&model, item.settings, control);
                (outcome.partial, row_reports(&model, &outcome))
            }
            Some(k) => world_rows(&model, item.settings, k, control),
        };
        if partial {
            return Ok(Finished {
                written,
                cancelled: true,
            });
        }
        let prov = Provenance::of(&item.scenario, item.settings.seed);
        let text = layout.rows(&item.cells, &deadlines, &prov);
        progress.suspend(|| out.write(&text))?;
        seen(&item.cells, &deadlines);
        progress.item_done();
        written += 1;
    }
}

/// The rows of an item played as `k` worlds sharing `settings.runs` (each world the first
/// `runs / k` run streams, as `run --worlds` plays them), with the worlds' interval and
/// spread; and whether it was cut short.
fn world_rows(
    model: &Model,
    settings: &montecarlo::Settings,
    k: u64,
    control: &Control,
) -> (bool, Vec<DeadlineReport>) {
    let per_world = (settings.runs.end - settings.runs.start) / k.max(1);
    let s = montecarlo::Settings {
        runs: 0..per_world,
        ..settings.clone()
    };
    let out = crate::engine::worlds::simulate_worlds(model, &s, 0..k, control);
    let mut rows = row_reports(model, &out.pooled_outcome());
    crate::study::run::set_worlds(&mut rows, model, &out);
    (out.partial, rows)
}

/// What a table's rows show of an outcome: the per-deadline summaries, without the
/// outcome-space analysis (Pareto frontier, Nash point), which the rows never show and which
/// costs more than a short simulation on a large outcome space.
pub fn row_reports(model: &Model, outcome: &Outcome) -> Vec<DeadlineReport> {
    outcome
        .tallies
        .iter()
        .map(|t| DeadlineReport::new(model, t, None))
        .collect()
}

/// Opens `path` to continue a table: keeps its header and the rows of its first whole items,
/// cuts off what follows (the rows of an item whose writing was interrupted, a partial
/// record), and returns how many items it holds and the file, locked, for writing at its end.
/// A missing or empty file starts afresh. `row_starts(i)` gives the beginnings of item `i`'s
/// rows, one per deadline; a row that does not match is refused, so that rows of another job
/// are never mixed in. CSV rows are read as records (a quoted value may hold a line break),
/// JSON lines as lines.
pub fn resume(
    path: &Path,
    layout: &Layout,
    items: u64,
    row_starts: impl Fn(u64) -> Vec<String>,
) -> Result<(u64, Output), Error> {
    let name = path.display().to_string();
    let io = |e| Error::io(name.clone(), e);
    let mismatch = |msg: String| {
        Error::Input(InputError::new(&name, msg).with_help(
            "--resume continues the same job: the same scenario, --param flags in the same order, \
             --runs, --deadlines and --format; or choose another --output",
        ))
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io)?;
    lock(&file, &name)?;
    let len = file.metadata().map_err(io)?.len();
    // Whether the last record ended with its line break (a cut write may not have).
    let mut last = [0u8];
    let ends_in_newline = len > 0
        && (&file)
            .seek(SeekFrom::End(-1))
            .and_then(|_| (&file).read_exact(&mut last))
            .map_err(io)
            .map(|()| last[0] == b'\n')?;
    (&file).seek(SeekFrom::Start(0)).map_err(io)?;
    let header = layout.header();
    let mut r = BufReader::new(&file);
    let mut line = Vec::new();
    let mut keep = 0u64;
    let mut done = 0u64;
    let mut write_header = false;
    if !header.is_empty() {
        // The header names the key columns (parameter paths, no line breaks): one line.
        let n = r.read_until(b'\n', &mut line).map_err(io)?;
        if line.ends_with(b"\n") {
            if line != header.as_bytes() {
                return Err(mismatch(format!(
                    "its header is `{}`, but this job writes `{}`",
                    String::from_utf8_lossy(&line).trim_end(),
                    header.trim_end()
                )));
            }
            keep = n as u64;
        } else if header.as_bytes().starts_with(&line) {
            // Empty, or interrupted while writing the header.
            write_header = true;
        } else {
            return Err(mismatch("it does not begin with this job's header".into()));
        }
    }
    if !write_header && items > 0 {
        let mut rows = match layout.format {
            Format::Csv => csv_rows(r, keep),
            Format::Jsonl => jsonl_rows(r, keep).map_err(io)?,
        };
        // A record that reaches the end of a file not ending in a line break was cut short.
        if !ends_in_newline && rows.last().is_some_and(|&(_, end)| end == len) {
            rows.pop();
        }
        let mut expected = row_starts(0);
        let mut row = 0;
        let first_row = usize::from(!header.is_empty()) + 1;
        for (i, (text, end)) in rows.iter().enumerate() {
            if done == items {
                return Err(mismatch(format!(
                    "row {}: more rows than this job has ({items} items)",
                    i + first_row
                )));
            }
            if !text.starts_with(expected[row].as_str()) {
                if *end == len {
                    // The last row was cut while being written (a cut inside a quoted line
                    // break can look like a whole record): it is dropped with its item.
                    break;
                }
                return Err(mismatch(format!(
                    "row {} is not the row this job expects there (beginning `{}`)",
                    i + first_row,
                    expected[row]
                )));
            }
            row += 1;
            if row == expected.len() {
                done += 1;
                row = 0;
                keep = *end;
                if done < items {
                    expected = row_starts(done);
                }
            }
        }
    }
    file.set_len(keep).map_err(io)?;
    file.seek(SeekFrom::End(0)).map_err(io)?;
    let mut out = Output::new(Box::new(file), name.clone());
    if write_header {
        out.write(&header)?;
    }
    Ok((done, out))
}

/// The data rows of a CSV table after its header (which ends at byte `start`), each written
/// again in the form negsim writes (so that it compares with the expected row starts), with
/// the byte offset where it ends. Reading stops at the first record that is not text.
fn csv_rows(r: impl Read, start: u64) -> Vec<(String, u64)> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(r);
    let mut rec = csv::StringRecord::new();
    let mut out = Vec::new();
    while let Ok(true) = rd.read_record(&mut rec) {
        let fields: Vec<&str> = rec.iter().collect();
        let text = format!("{}\n", crate::csv_text::record(&fields));
        out.push((text, start + rd.position().byte()));
    }
    out
}

/// The whole lines after the header (which ends at byte `start`), with the offset each ends at.
fn jsonl_rows(mut r: impl BufRead, start: u64) -> std::io::Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    let mut pos = start;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line)?;
        if n == 0 || !line.ends_with(b"\n") {
            return Ok(out);
        }
        pos += n as u64;
        out.push((String::from_utf8_lossy(&line).into_owned(), pos));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_keys_then_run_fields() {
        let l = Layout {
            format: Format::Csv,
            keys: vec!["param_a.b".into(), "param_x,y".into()],
            worlds: None,
        };
        assert_eq!(
            l.header(),
            format!(
                "param_a.b,\"param_x,y\",{},seed,protocol,round_label,mode,negsim_version\n",
                Report::csv_header()
            )
        );
        let j = Layout {
            format: Format::Jsonl,
            keys: l.keys.clone(),
            worlds: None,
        };
        assert_eq!(j.header(), "");
    }
}

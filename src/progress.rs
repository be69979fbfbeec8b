//! A progress bar on stderr for long runs, sweeps and batches: items (points or scenarios) and
//! runs done, runs per second and time left. Drawn only when asked to (the command line asks
//! when stderr is a terminal and `--quiet` is not given), so pipes and logs stay clean.

use crate::montecarlo::Control;
use crate::scenario::thousands;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How often the bar is redrawn; also the delay before it first appears, so that quick
/// commands never show one.
const TICK: Duration = Duration::from_millis(200);

/// Width of the bar itself, in characters.
const BAR: usize = 24;

/// Whether to draw a bar: stderr is a terminal and the user did not ask for quiet.
pub fn wanted(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// Progress of one command, polled from a drawing thread while the work runs.
pub struct Progress<'a> {
    enabled: bool,
    control: &'a Control,
    runs_total: u64,
    items: Option<(&'static str, u64)>,
    items_done: AtomicU64,
    start: Instant,
    /// Serializes drawing with result output; true while a bar is on screen.
    drawn: Mutex<bool>,
}

impl<'a> Progress<'a> {
    /// A progress report on `control.done` out of `runs_total` runs; draws nothing unless
    /// `enabled`.
    pub fn new(enabled: bool, control: &'a Control, runs_total: u64) -> Progress<'a> {
        Progress {
            enabled,
            control,
            runs_total,
            items: None,
            items_done: AtomicU64::new(0),
            start: Instant::now(),
            drawn: Mutex::new(false),
        }
    }

    /// Also counts `total` items called `word` ("points", "scenarios").
    pub fn with_items(mut self, word: &'static str, total: u64) -> Self {
        self.items = Some((word, total));
        self
    }

    /// Records one finished item.
    pub fn item_done(&self) {
        self.items_done.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs `f` (which writes results) with the bar removed from the screen, so that results
    /// on a terminal never mix with it; the next tick draws it again.
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        if *drawn {
            erase();
            *drawn = false;
        }
        f()
    }

    /// Runs `f` on this thread while another thread redraws the bar; removes the bar after.
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        if !self.enabled {
            return f();
        }
        let out = std::thread::scope(|s| {
            let (stop, ticks) = mpsc::channel::<()>();
            s.spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = ticks.recv_timeout(TICK) {
                    self.draw();
                }
            });
            let out = f();
            drop(stop);
            out
        });
        self.suspend(|| ());
        out
    }

    fn draw(&self) {
        let items = self
            .items
            .map(|(w, total)| (w, self.items_done.load(Ordering::Relaxed), total));
        let line = render(
            self.control.done.load(Ordering::Relaxed),
            self.runs_total,
            items,
            self.start.elapsed(),
        );
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        let mut err = std::io::stderr().lock();
        // A failed write to stderr is not worth failing the simulation for.
        let _ = write!(err, "\r{line}\x1b[K").and_then(|()| err.flush());
        *drawn = true;
    }
}

fn erase() {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[K").and_then(|()| err.flush());
}

/// The text of the bar: `[####----]  3/20 points  30,000/200,000 runs  5,012 runs/s  40s left`.
pub fn render(
    runs_done: u64,
    runs_total: u64,
    items: Option<(&str, u64, u64)>,
    elapsed: Duration,
) -> String {
    let frac = if runs_total == 0 {
        1.0
    } else {
        (runs_done as f64 / runs_total as f64).min(1.0)
    };
    let full = (frac * BAR as f64).round() as usize;
    let mut s = format!("[{}{}]", "#".repeat(full), "-".repeat(BAR - full));
    if let Some((word, done, total)) = items {
        s.push_str(&format!("  {done}/{total} {word}"));
    }
    s.push_str(&format!(
        "  {}/{} runs",
        thousands(runs_done),
        thousands(runs_total)
    ));
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        runs_done as f64 / secs
    } else {
        0.0
    };
    s.push_str(&format!("  {} runs/s", thousands(rate.round() as u64)));
    if rate > 0.0 {
        let left = runs_total.saturating_sub(runs_done) as f64 / rate;
        s.push_str(&format!("  {} left", duration(left.ceil() as u64)));
    }
    s
}

/// Seconds as "45s", "3m 05s" or "2h 07m".
fn duration(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_shows_counts_rate_and_time_left() {
        let s = render(
            50_000,
            200_000,
            Some(("points", 3, 12)),
            Duration::from_secs(10),
        );
        assert_eq!(
            s,
            "[######------------------]  3/12 points  50,000/200,000 runs  5,000 runs/s  30s left"
        );
    }

    #[test]
    fn nothing_done_yet_shows_no_time_left() {
        let s = render(0, 1000, None, Duration::from_secs(1));
        assert_eq!(s, format!("[{}]  0/1,000 runs  0 runs/s", "-".repeat(BAR)));
    }

    #[test]
    fn durations_and_thousands() {
        assert_eq!(duration(59), "59s");
        assert_eq!(duration(185), "3m 05s");
        assert_eq!(duration(7620), "2h 07m");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn disabled_progress_just_runs() {
        let c = Control::default();
        let p = Progress::new(false, &c, 10);
        assert_eq!(p.run(|| 7), 7);
    }
}

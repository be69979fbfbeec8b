//! A progress bar on stderr for long runs, sweeps and batches: items (points or scenarios) and
//! runs done, runs per second and time left. Drawn by `indicatif`, which fits the line to the
//! terminal's width (a line wider than the terminal would wrap, and every redraw would then
//! print a new line) and draws nothing when stderr is not a terminal, so pipes and logs stay
//! clean. `--quiet` turns it off too.

use crate::engine::montecarlo::Control;
use crate::scenario::thousands;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How often the counts are read and the bar redrawn; also the delay before it first appears,
/// so that quick commands never show one.
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
    bar: ProgressBar,
}

impl<'a> Progress<'a> {
    /// A progress report on `control.done` out of `runs_total` runs; draws nothing unless
    /// `enabled`.
    pub fn new(enabled: bool, control: &'a Control, runs_total: u64) -> Progress<'a> {
        Progress::to_target(enabled, control, runs_total, ProgressDrawTarget::stderr())
    }

    /// As [`Progress::new`], drawn on `target` (tests draw on an in-memory terminal).
    pub fn to_target(
        enabled: bool,
        control: &'a Control,
        runs_total: u64,
        target: ProgressDrawTarget,
    ) -> Progress<'a> {
        let bar =
            ProgressBar::with_draw_target(Some(runs_total.max(1)), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(&format!("[{{bar:{BAR}}}]  {{wide_msg}}"))
                .expect("the template is valid")
                .progress_chars("#-"),
        );
        let p = Progress {
            enabled,
            control,
            runs_total,
            items: None,
            items_done: AtomicU64::new(0),
            start: Instant::now(),
            bar,
        };
        if enabled {
            // Only now: a bar on a real target draws at once, before the first tick.
            p.bar.set_draw_target(target);
        }
        p
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
        self.bar.suspend(f)
    }

    /// Runs `f` on this thread while another thread updates the bar; removes the bar after.
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        if !self.enabled {
            return f();
        }
        let out = std::thread::scope(|s| {
            let (stop, ticks) = mpsc::channel::<()>();
            s.spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = ticks.recv_timeout(TICK) {
                    self.update();
                }
            });
            let out = f();
            drop(stop);
            out
        });
        self.bar.finish_and_clear();
        out
    }

    fn update(&self) {
        let items = self
            .items
            .map(|(w, total)| (w, self.items_done.load(Ordering::Relaxed), total));
        let done = self.control.done.load(Ordering::Relaxed);
        self.bar.set_position(done.min(self.runs_total));
        self.bar
            .set_message(counts(done, self.runs_total, items, self.start.elapsed()));
    }
}

/// The full text of the bar: `[####----]  3/20 points  30,000/200,000 runs  5,012 runs/s  40s
/// left` (what a terminal wide enough shows).
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
    format!(
        "[{}{}]  {}",
        "#".repeat(full),
        "-".repeat(BAR - full),
        counts(runs_done, runs_total, items, elapsed)
    )
}

/// The text after the bar: items, runs, rate and time left.
fn counts(
    runs_done: u64,
    runs_total: u64,
    items: Option<(&str, u64, u64)>,
    elapsed: Duration,
) -> String {
    let mut s = String::new();
    if let Some((word, done, total)) = items {
        s.push_str(&format!("{done}/{total} {word}  "));
    }
    s.push_str(&format!(
        "{}/{} runs",
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

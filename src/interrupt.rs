//! Ctrl-C and termination: the first SIGINT or SIGTERM sets a flag instead of killing the
//! process, so that long simulations can stop between chunks and still write what they finished.
//! A second signal kills as usual, so a stuck process can always be stopped.
//!
//! The handlers are `signal-hook`'s (only atomic stores and a self-pipe write run in the
//! handler, which is async-signal-safe, and no `unsafe` is needed here); a blocked thread
//! reads the self-pipe and sets the command's cancel flag at once, instead of polling.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// What the handlers record: whether a signal came, and which.
struct State {
    interrupted: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let s = State {
            interrupted: Arc::new(AtomicBool::new(false)),
            signal: Arc::new(AtomicUsize::new(0)),
        };
        platform::install(&s);
        s
    })
}

/// Installs the handlers (once per process) and returns the flag they set.
pub fn install() -> &'static AtomicBool {
    &state().interrupted
}

/// The signal that set the flag, if any (2 for SIGINT, 15 for SIGTERM).
pub fn signal() -> Option<i32> {
    let s = state();
    s.interrupted
        .load(Ordering::SeqCst)
        .then(|| i32::try_from(s.signal.load(Ordering::SeqCst)).unwrap_or(2))
}

/// The conventional exit code after being stopped by a signal: 128 + its number (130 for
/// Ctrl-C).
pub fn exit_code() -> u8 {
    let sig = signal().unwrap_or(2);
    u8::try_from(128 + sig).unwrap_or(130)
}

/// Runs `f` while SIGINT and SIGTERM set `cancel`, so that code watching its own cancel flag
/// (such as `montecarlo::Control`) stops on Ctrl-C.
pub fn forward_to<T: Send>(cancel: &AtomicBool, f: impl FnOnce() -> T + Send) -> T {
    let flag = install();
    if flag.load(Ordering::SeqCst) {
        cancel.store(true, Ordering::SeqCst);
    }
    platform::forward(cancel, f)
}

#[cfg(unix)]
mod platform {
    use super::State;
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    pub fn install(s: &State) {
        for sig in [SIGINT, SIGTERM] {
            // Registered first, so it sees the flag as the previous signal left it: the second
            // signal gets the default action (the process dies of it), the first only sets the
            // flag below. Registration fails only for forbidden signals, which these are not.
            let _ =
                signal_hook::flag::register_conditional_default(sig, Arc::clone(&s.interrupted));
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(&s.signal), sig as usize);
            let _ = signal_hook::flag::register(sig, Arc::clone(&s.interrupted));
        }
    }

    pub fn forward<T: Send>(cancel: &AtomicBool, f: impl FnOnce() -> T + Send) -> T {
        let Ok(mut signals) = Signals::new([SIGINT, SIGTERM]) else {
            // Without the self-pipe (out of file descriptors) Ctrl-C only ends the process.
            return f();
        };
        let handle = signals.handle();
        std::thread::scope(|s| {
            s.spawn(move || {
                if signals.forever().next().is_some() {
                    cancel.store(true, Ordering::SeqCst);
                }
            });
            let out = f();
            handle.close();
            out
        })
    }
}

#[cfg(not(unix))]
mod platform {
    use super::State;
    use std::sync::atomic::AtomicBool;

    /// No handler elsewhere: Ctrl-C ends the process as before.
    pub fn install(_: &State) {}

    pub fn forward<T: Send>(_: &AtomicBool, f: impl FnOnce() -> T + Send) -> T {
        f()
    }
}

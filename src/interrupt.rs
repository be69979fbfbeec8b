//! Ctrl-C and termination: the first SIGINT or SIGTERM sets a flag instead of killing the
//! process, so that long simulations can stop between chunks and still write what they finished.
//! A second signal kills as usual (the handler is one-shot), so a stuck process can always be
//! stopped.
//!
//! Why hand-written over `libc` rather than a crate such as `ctrlc`: the handler only stores to
//! an atomic (async-signal-safe), which is a few lines, and `libc` adds no further dependencies.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Installs the handlers (once per process) and returns the flag they set.
pub fn install() -> &'static AtomicBool {
    static ONCE: Once = Once::new();
    ONCE.call_once(platform::install);
    &INTERRUPTED
}

/// The signal that set the flag, if any (2 for SIGINT, 15 for SIGTERM).
pub fn signal() -> Option<i32> {
    INTERRUPTED
        .load(Ordering::SeqCst)
        .then(|| SIGNAL.load(Ordering::SeqCst))
}

/// The conventional exit code after being stopped by a signal: 128 + its number (130 for
/// Ctrl-C).
pub fn exit_code() -> u8 {
    let sig = signal().unwrap_or(2);
    u8::try_from(128 + sig).unwrap_or(130)
}

/// Runs `f` while a watcher thread copies the interrupt flag into `cancel` (polled every 20 ms),
/// so that code polling its own cancel flag (such as `montecarlo::Control`) stops on Ctrl-C.
pub fn forward_to<T: Send>(cancel: &AtomicBool, f: impl FnOnce() -> T + Send) -> T {
    let flag = install();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if flag.load(Ordering::Relaxed) {
                    cancel.store(true, Ordering::Relaxed);
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let out = f();
        done.store(true, Ordering::Relaxed);
        out
    })
}

#[cfg(unix)]
mod platform {
    use super::{INTERRUPTED, SIGNAL};
    use std::sync::atomic::Ordering;

    extern "C" fn on_signal(sig: libc::c_int) {
        // Only atomic stores here: anything else is not async-signal-safe.
        SIGNAL.store(sig, Ordering::SeqCst);
        INTERRUPTED.store(true, Ordering::SeqCst);
    }

    pub fn install() {
        // SAFETY: `sigaction` is given a zeroed struct with an empty mask and a handler that
        // only performs atomic stores; SA_RESETHAND restores the default action after the
        // first signal, so a second Ctrl-C kills the process.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESETHAND | libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            for sig in [libc::SIGINT, libc::SIGTERM] {
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(not(unix))]
mod platform {
    /// No handler elsewhere: Ctrl-C ends the process as before.
    pub fn install() {}
}

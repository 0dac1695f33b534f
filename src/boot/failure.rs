//! The failure policy of PID 1: what happens when a phase fails. Retry
//! with backoff (the default), a rescue shell (`netroot.shell`), reboot
//! after N seconds (`panic=N`); an error retrying cannot fix halts, saying
//! why every minute. PID 1 never exits and never panics out.

use std::time::Duration;

use crate::cmdline::{self, OnFailure};
use crate::error;
use crate::util::{seed, Backoff, Jitter, Rng};

/// The wait between tries of a failed phase: 5, 10, 20, 40, 60, 60 ... s,
/// ±20 %: nodes that failed together do not come back in lockstep.
const RETRY: Backoff = Backoff {
    first: Duration::from_secs(5),
    max: Duration::from_secs(60),
    jitter: Jitter::Percent(20),
};

/// A failed phase, named.
#[derive(Debug, thiserror::Error)]
pub enum BootError {
    /// The command line is malformed.
    #[error("command line: {0}")]
    Cmdline(#[from] cmdline::Error),
    /// Reading a file the boot needs.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Mounting /proc, /sys, /dev or /run.
    #[error("cannot mount {0}: {1}")]
    ApiFs(String, std::io::Error),
    /// Kernel modules.
    #[error("modules: {0}")]
    Modules(#[from] crate::kmod::Error),
    /// The network.
    #[error("network: {0}")]
    Net(#[from] crate::net::Error),
    /// The root mount.
    #[error("root: {0}")]
    Root(#[from] crate::root::Error),
    /// The hand-over to the real init.
    #[error("switch_root: {0}")]
    SwitchRoot(#[from] crate::switch_root::Error),
    /// A bug: a panic inside a phase.
    #[error("internal error in the {phase} phase: {msg}")]
    Panic {
        /// The phase.
        phase: &'static str,
        /// The panic message.
        msg: String,
    },
}

impl BootError {
    /// Whether trying the same phase again can help: a typo on the command
    /// line or a module missing from the image will not fix itself; an
    /// unanswered server may come back.
    pub fn retryable(&self) -> bool {
        !matches!(
            self,
            BootError::Cmdline(_) | BootError::Modules(_) | BootError::ApiFs(..)
        )
    }

    /// A hint for the person at the console.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            BootError::Cmdline(_) => Some(
                "fix the kernel command line in the boot loader configuration; check it with: netroot explain --cmdline '...'",
            ),
            BootError::Net(_) => Some(
                "check the cable and switch port and that a DHCP server answers on this segment; netroot.timeout= sets how long to wait",
            ),
            BootError::Root(_) => Some(
                "check that the server runs and exports this path to this client; netroot.debug logs every attempt",
            ),
            BootError::Modules(_) => {
                Some("rebuild the initramfs with the module (netroot initramfs --add MODULE)")
            }
            BootError::SwitchRoot(_) => {
                Some("the root was mounted but cannot be booted: check init= and the export's contents")
            }
            _ => None,
        }
    }
}

/// Run `f`, turning a panic into [`BootError::Panic`] so PID 1 survives it.
pub(super) fn guarded<T>(
    phase: &'static str,
    f: impl FnOnce() -> Result<T, BootError>,
) -> Result<T, BootError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string());
            Err(BootError::Panic { phase, msg })
        }
    }
}

/// The failure outcome for `err` after `attempt` failed tries of a phase:
/// returns when the phase should be tried again; never returns for reboot
/// or for an error that retrying cannot fix.
pub(super) fn fail(err: &BootError, on_failure: OnFailure, attempt: u32) {
    error!("{err}");
    if let Some(h) = err.hint() {
        error!("hint: {h}");
    }
    crate::log::remote_report(&err.to_string(), err.hint());
    // For a rescue shell, and for `netroot report` after a retry succeeds.
    crate::timeline::write(
        &crate::timeline::snapshot(),
        std::path::Path::new(crate::timeline::FILE),
    );
    match on_failure {
        OnFailure::Shell => {
            error!("netroot.shell: starting a rescue shell; exit it to try again");
            if !crate::sys::init::rescue_shell() {
                error!(
                    "netroot.shell: this image has no /bin/sh; waiting 30 s before trying again"
                );
                std::thread::sleep(Duration::from_secs(30));
            }
        }
        OnFailure::Reboot(n) => {
            error!("rebooting in {n} s (panic={n})");
            std::thread::sleep(Duration::from_secs(u64::from(n)));
            let e = crate::sys::init::reboot();
            error!("reboot failed: {e}");
            halt(err)
        }
        OnFailure::Retry => {
            if !err.retryable() {
                halt(err)
            }
            let wait = RETRY.delay(attempt, &mut Rng::new(seed(b"retry")));
            error!(
                "trying again in {:.0} s (attempt {}); add panic=N to reboot instead, netroot.shell for a shell",
                wait.as_secs_f64(),
                attempt + 1
            );
            std::thread::sleep(wait);
        }
    }
}

/// Wait forever, repeating the error now and then so a late look at the
/// console still shows it. PID 1 must not exit.
pub(super) fn halt(err: &BootError) -> ! {
    loop {
        error!("cannot continue: {err}");
        error!("add panic=N to the command line to reboot after N seconds, or netroot.shell for a shell");
        for _ in 0..60 {
            crate::sys::init::reap_children();
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// A lenient look at a command line that failed to parse, for the failure
/// outcome only: `netroot.shell` and `panic=N` still count.
pub(super) fn lenient_outcome(line: &str) -> OnFailure {
    let t = cmdline::tokenize(line);
    if t.params.iter().any(|(k, _)| k == "netroot.shell") {
        return OnFailure::Shell;
    }
    let panic = t
        .params
        .iter()
        .rev()
        .find(|(k, _)| k == "panic")
        .and_then(|(_, v)| v.as_deref()?.parse::<i32>().ok());
    match panic {
        Some(n) if n > 0 => OnFailure::Reboot(n as u32),
        _ => OnFailure::Retry,
    }
}

/// Try a phase until it succeeds, applying the failure outcome between tries.
pub(super) fn phase<T>(
    name: &'static str,
    on_failure: OnFailure,
    mut f: impl FnMut() -> Result<T, BootError>,
) -> T {
    let mut attempt = 0;
    crate::timeline::begin(name);
    loop {
        match guarded(name, &mut f) {
            Ok(v) => {
                crate::timeline::end(name);
                return v;
            }
            Err(e) => {
                fail(&e, on_failure, attempt);
                attempt += 1;
            }
        }
    }
}

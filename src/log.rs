//! Logging: to /dev/kmsg as `<prio>netroot: ...` when we can open it (so `dmesg`
//! and the journal tell the boot story), and to stderr (the console) unless
//! `quiet`. Levels follow syslog priorities.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Mutex;

/// syslog-style priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    /// The boot cannot continue.
    Err = 3,
    /// Something unexpected that we work around.
    Warn = 4,
    /// The boot story: one line per decision.
    Info = 6,
    /// Every dropped packet and retry, with its reason.
    Debug = 7,
}

static MAX_LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);
static CONSOLE: AtomicBool = AtomicBool::new(true);
static KMSG: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Configure the logger. `kmsg` opens /dev/kmsg (PID 1 and hook modes);
/// `console` echoes to stderr; `debug` lowers the threshold to debug.
pub fn init(kmsg: bool, console: bool, debug: bool) {
    CONSOLE.store(console, Ordering::Relaxed);
    MAX_LEVEL.store(
        if debug { Level::Debug } else { Level::Info } as u8,
        Ordering::Relaxed,
    );
    if kmsg {
        if let Ok(f) = OpenOptions::new().write(true).open("/dev/kmsg") {
            if let Ok(mut g) = KMSG.lock() {
                *g = Some(f);
            }
        }
    }
}

/// Log to an already open /dev/kmsg (a resident helper inherits one: it
/// cannot open the path once the initramfs's /dev has moved away), and not
/// to the console.
pub fn init_with_kmsg(kmsg: std::fs::File, debug: bool) {
    init(false, false, debug);
    if let Ok(mut g) = KMSG.lock() {
        *g = Some(kmsg);
    }
}

const DEVKMSG: &str = "/proc/sys/kernel/printk_devkmsg";

/// Lift the kernel's rate limit on /dev/kmsg writers (10 lines per 5 s by
/// default), which would drop most of a debug boot story. Returns the old
/// setting for [`restore_ratelimit`].
pub fn lift_ratelimit() -> Option<String> {
    let old = std::fs::read_to_string(DEVKMSG).ok()?;
    std::fs::write(DEVKMSG, "on\n").ok()?;
    Some(old.trim().to_string())
}

/// Put the /dev/kmsg rate limit back before handing over to the system.
pub fn restore_ratelimit(old: Option<String>) {
    if let Some(v) = old {
        let _ = std::fs::write(DEVKMSG, format!("{v}\n"));
    }
}

/// Whether messages at `level` are emitted.
pub fn enabled(level: Level) -> bool {
    level as u8 <= MAX_LEVEL.load(Ordering::Relaxed)
}

/// Emit one line. Use the `info!`/`warn!`/`error!`/`debug!` macros instead.
pub fn emit(level: Level, msg: std::fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let line = format!("netroot: {msg}");
    if let Ok(mut g) = KMSG.lock() {
        if let Some(f) = g.as_mut() {
            // One write per record: the kernel takes each write as one
            // message, and prints it on the console itself when its level
            // passes the console loglevel (`quiet` lowers that to warnings),
            // so the console needs no second copy.
            // Debug lines are below the default console loglevel: echo
            // them when asked for (`netroot.debug`) unless `quiet`.
            if f.write_all(format!("<{}>{line}\n", level as u8).as_bytes())
                .is_ok()
                && (level != Level::Debug || !CONSOLE.load(Ordering::Relaxed))
            {
                return;
            }
        }
    }
    // Without /dev/kmsg: errors always reach the console, even with
    // `quiet`: they are what the person at the screen needs to see.
    if CONSOLE.load(Ordering::Relaxed) || level <= Level::Err {
        if level == Level::Debug {
            // Stamped like the kernel's lines, to read timings off a console log.
            let up = crate::sys::time::boottime();
            let _ = writeln!(
                std::io::stderr(),
                "[{:5}.{:06}] {line}",
                up.as_secs(),
                up.subsec_micros()
            );
            return;
        }
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// Log at info level.
#[macro_export]
macro_rules! info { ($($t:tt)*) => { $crate::log::emit($crate::log::Level::Info, format_args!($($t)*)) } }
/// Log at warning level.
#[macro_export]
macro_rules! warn { ($($t:tt)*) => { $crate::log::emit($crate::log::Level::Warn, format_args!($($t)*)) } }
/// Log at error level.
#[macro_export]
macro_rules! error { ($($t:tt)*) => { $crate::log::emit($crate::log::Level::Err, format_args!($($t)*)) } }
/// Log at debug level.
#[macro_export]
macro_rules! debug { ($($t:tt)*) => { $crate::log::emit($crate::log::Level::Debug, format_args!($($t)*)) } }

//! The command line of the binary: which mode runs, one short function per
//! subcommand, one argument parser.
//!
//! Every subcommand answers the same way: exit status [`OK`] (0) when done,
//! [`RUNTIME`] (1) when the work failed (no lease, no mount, an unreadable
//! /proc/cmdline), [`USAGE`] (2) for a wrong argument or an invalid kernel
//! command line, the message on stderr as `netroot <subcommand>: ...`.
//! (`netroot query wants-network` answers "no" with 1, like test(1).)

mod args;
mod explain;
mod initramfs;
mod mount;
mod net;
mod query;
mod report;
mod watch;

use std::io::Write;
use std::path::Path;

use crate::cmdline::BootConfig;
pub(crate) use args::{Cmd, Opt, Parsed, Takes};

/// Exit status: done.
pub const OK: i32 = 0;
/// Exit status: the work failed.
pub const RUNTIME: i32 = 1;
/// Exit status: a wrong argument or an invalid kernel command line.
pub const USAGE: i32 = 2;

const USAGE_TEXT: &str = "usage: netroot explain [--cmdline STR | --file PATH] [--json]
       netroot net [--cmdline STR] [--load-modules] [--run-dir DIR] [--etc-dir DIR] [--tmp-dir DIR]
       netroot mount DIR [--cmdline STR] [--run-dir DIR]
       netroot query root-kind|wants-network|root-modules [--cmdline STR]
       netroot initramfs -o FILE [--kver KVER] [--root DIR] [--modules default|generic|host]
                         [--add MOD]... [--compress zstd|gzip|xz|none]
       netroot install-shutdown [DIR]
       netroot report [--file PATH]
       netroot watch [--listen ADDR:PORT] [--json] [--stuck SECONDS] [--clients N] [--duration SECONDS]
as PID 1 (the initramfs's /init) it boots the machine";

/// Entry point called by `main`: picks the mode, returns the exit status.
pub fn main_entry() -> i32 {
    let args: Vec<String> = std::env::args().collect();
    if args
        .first()
        .is_some_and(|a| a.starts_with(crate::root::nbd::HELPER_ARGV0))
    {
        return crate::root::nbd::helper::main(&args);
    }
    if args
        .first()
        .is_some_and(|a| a.starts_with(crate::net::dhcp::resident::ARGV0))
    {
        return crate::net::dhcp::resident::main(&args);
    }
    if args
        .first()
        .is_some_and(|a| a.starts_with(crate::watchdog::ARGV0))
    {
        return crate::watchdog::main(&args);
    }
    if args
        .first()
        .is_some_and(|a| a.starts_with(crate::watchdog::arm::ARGV0))
    {
        return crate::watchdog::arm::main(&args);
    }
    let as_init = crate::sys::init::is_pid1();
    if let Some(how) = crate::shutdown::invoked_as(&args, as_init, crate::shutdown::oldroot_present)
    {
        return crate::shutdown::main(how);
    }
    // As PID 1 every argv is a boot: the kernel hands init the bare words of
    // its command line, and a word like `net` must not pick a helper mode.
    if as_init {
        return crate::boot::pid1();
    }
    let rest = args.get(2..).unwrap_or_default();
    let (stdout, stderr) = (std::io::stdout(), std::io::stderr());
    let (out, err) = (&mut stdout.lock(), &mut stderr.lock());
    match args.get(1).map(String::as_str) {
        Some("explain") => explain::run(Path::new("/"), rest, out, err),
        Some("query") => query::run(Path::new("/"), rest, out, err),
        Some("net") => net::run(rest, out, err),
        Some("mount") => mount::run(rest, err),
        Some("initramfs") => initramfs::run(rest, out, err),
        Some("install-shutdown") => crate::shutdown::install_cli(rest),
        Some("report") => report::run(rest, out, err),
        Some("watch") => watch::run(rest, out, err),
        Some("--version") | Some("version") => {
            let _ = writeln!(out, "netroot {}", env!("CARGO_PKG_VERSION"));
            OK
        }
        Some("--help") | Some("-h") | Some("help") => {
            let _ = writeln!(out, "{USAGE_TEXT}");
            OK
        }
        _ => {
            let _ = writeln!(err, "{USAGE_TEXT}");
            USAGE
        }
    }
}

/// The kernel command line a subcommand works on: `--cmdline STR`, else
/// `/proc/cmdline` under `root`, parsed. On error the message is written
/// and the exit status returned: [`RUNTIME`] when /proc/cmdline cannot be
/// read, [`USAGE`] when the line is invalid.
pub(crate) fn config(
    cmd: &Cmd,
    p: &Parsed,
    root: &Path,
    err: &mut dyn Write,
) -> Result<BootConfig, i32> {
    let text = match p.value("--cmdline") {
        Some(c) => c.to_string(),
        None => {
            let path = root.join("proc/cmdline");
            std::fs::read_to_string(&path)
                .map_err(|e| cmd.fail(err, &format!("cannot read {}: {e}", path.display())))?
        }
    };
    crate::cmdline::parse(&text).map_err(|e| {
        let _ = writeln!(err, "netroot {}: {e}", cmd.name);
        USAGE
    })
}

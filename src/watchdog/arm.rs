//! Arming the watchdog on any systemd shutdown, not only the power button.
//!
//! A `systemctl poweroff` (or reboot, halt, kexec; Ctrl-Alt-Del, a signal
//! to PID 1, logind) starts a job for `poweroff.target` (`reboot.target`,
//! ...). With the server gone, nothing that walks a path of the root can be
//! relied on at that moment (see the module above): no program can be
//! started, no file read. What systemd does reliably early in that
//! transaction is stop the units that conflict with the target, and it
//! stops a service by sending SIGTERM to its processes: a signal, no exec,
//! no path.
//!
//! So before the switch, when the root's init is systemd, PID 1 writes into
//! /run/systemd/system (the tmpfs /run moves into the root; systemd reads
//! it when it starts) the template [`UNIT`], one instance per shutdown
//! target, wanted by sysinit.target. Each instance is a sentinel process,
//! `@netroot-arm TARGET WATCHDOG-PID`, started while the root answers from
//! the copy of netroot in /run/initramfs (RAM). It opens a pidfd for the
//! watchdog and waits in sigwaitinfo(2) for SIGTERM: no polling, nothing to
//! do while the machine runs. When systemd stops it because its target is
//! being started (`Conflicts=`), it sends the watchdog [`signal_of`] the
//! action and exits; the watchdog then gives the shutdown
//! `netroot.shutdown.timeout` seconds, as after the power button.
//!
//! `IgnoreOnIsolate=` keeps `systemctl isolate` from stopping (and so
//! arming) them, `RefuseManualStop=` refuses `systemctl stop`; a SIGTERM
//! from anyone but PID 1 ends a sentinel without arming.

use std::path::Path;

use crate::sys::init::Stop;
use crate::{error, info, warn};

/// argv[0] of a sentinel.
pub const ARGV0: &str = "@netroot-arm";
/// The template unit's file name.
pub const UNIT: &str = "netroot-arm@.service";
/// The sentinels' slice. Not the implicit `system-netroot\x2darm.slice` of
/// a template: like every slice with default dependencies, that one
/// conflicts with shutdown.target, and stopping it at any shutdown would
/// stop (and so fire) every sentinel at once, not only the target's own.
pub const SLICE: &str = "netroot.slice";

/// The slice unit: no default dependencies, so no shutdown stops it.
pub const SLICE_TEXT: &str =
    "# Written by netroot before the switch to this root (see netroot-arm@.service).
[Unit]
Description=netroot's shutdown sentinels
DefaultDependencies=no
";
/// The targets that arm the watchdog (instances of [`UNIT`]).
pub const TARGETS: [&str; 4] = ["poweroff", "reboot", "halt", "kexec"];

/// What the watchdog does for a target (`kexec`: a reboot, the kernel to
/// kexec into is not ours to know). None for another name.
pub fn stop_of(target: &str) -> Option<Stop> {
    match target {
        "poweroff" => Some(Stop::PowerOff),
        "reboot" | "kexec" => Some(Stop::Reboot),
        "halt" => Some(Stop::Halt),
        _ => None,
    }
}

/// The signal a sentinel sends the watchdog for an action. Signals nothing
/// else sends it: SIGUSR1 and SIGUSR2 only come from kill(2), SIGURG only
/// to the owner of a socket with out-of-band data (the watchdog owns none),
/// not SIGWINCH, which a terminal sends its foreground process group.
pub fn signal_of(how: Stop) -> i32 {
    match how {
        Stop::PowerOff => libc::SIGUSR1,
        Stop::Reboot | Stop::Kexec => libc::SIGUSR2,
        Stop::Halt => libc::SIGURG,
    }
}

/// The signals the watchdog takes, each with its action.
pub const SIGNALS: [(i32, Stop); 3] = [
    (libc::SIGUSR1, Stop::PowerOff),
    (libc::SIGUSR2, Stop::Reboot),
    (libc::SIGURG, Stop::Halt),
];

/// The action a signal the watchdog received asks for.
pub fn stop_of_signal(sig: i32) -> Option<Stop> {
    SIGNALS.iter().find(|(s, _)| *s == sig).map(|(_, h)| *h)
}

/// The template unit: `exe` is the copy of netroot in RAM
/// (/run/initramfs/shutdown), `watchdog` the watchdog's PID.
pub fn unit_text(exe: &str, watchdog: u32) -> String {
    format!(
        "# Written by netroot before the switch to this root: arms netroot's shutdown
# watchdog (@netroot-watchdog, pid {watchdog}) when %i.target starts, so that
# the machine stops within netroot.shutdown.timeout even if the root's server
# is gone. See netroot's README, \"When something fails\".
[Unit]
Description=netroot: arm the shutdown watchdog for %i.target
DefaultDependencies=no
Conflicts=%i.target
Before=%i.target
IgnoreOnIsolate=yes
RefuseManualStop=yes

[Service]
Slice={SLICE}
ExecStart=@{exe} {ARGV0} %i {watchdog}
"
    )
}

/// Write [`UNIT`] and [`SLICE`] into `dir` (/run/systemd/system) and enable
/// an instance per [`TARGETS`] in `dir/sysinit.target.wants`.
pub fn install(dir: &Path, exe: &str, watchdog: u32) -> std::io::Result<()> {
    let wants = dir.join("sysinit.target.wants");
    std::fs::create_dir_all(&wants)?;
    std::fs::write(dir.join(SLICE), SLICE_TEXT)?;
    std::fs::write(dir.join(UNIT), unit_text(exe, watchdog))?;
    for t in TARGETS {
        let link = wants.join(UNIT.replace("@.", &format!("@{t}.")));
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(Path::new("..").join(UNIT), &link)?;
    }
    Ok(())
}

/// A sentinel's arguments (after argv[0]): `TARGET WATCHDOG-PID`.
pub fn parse(args: &[String]) -> Result<(String, Stop, i32), String> {
    let [target, pid] = args else {
        return Err(format!("expected TARGET WATCHDOG-PID, got {args:?}"));
    };
    let how =
        stop_of(target).ok_or_else(|| format!("target {target:?} is not one of {TARGETS:?}"))?;
    let pid = pid
        .parse::<i32>()
        .ok()
        .filter(|p| *p > 1)
        .ok_or_else(|| format!("watchdog pid {pid:?} is not valid"))?;
    Ok((target.clone(), how, pid))
}

/// Entry point for argv[0] = [`ARGV0`]: wait for systemd's SIGTERM, then
/// arm the watchdog. 0 when done (systemd sees a clean stop), 2 on bad
/// arguments, 1 when the watchdog cannot be reached.
pub fn main(argv: &[String]) -> i32 {
    crate::log::init(true, false, false);
    let (target, how, pid) = match parse(argv.get(1..).unwrap_or(&[])) {
        Ok(a) => a,
        Err(e) => {
            error!("arm: {e}");
            return 2;
        }
    };
    // The pidfd first, then the check that it names the watchdog: from then
    // on it cannot name another process, whatever PIDs are reused.
    let pidfd = match crate::sys::signal::pidfd_open(pid) {
        Ok(f) => f,
        Err(e) => {
            warn!("arm: watchdog pid {pid}: {e}; {target}.target will not arm it");
            return 1;
        }
    };
    let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    if !cmd.starts_with(super::ARGV0.as_bytes()) {
        warn!(
            "arm: pid {pid} is not {}; {target}.target will not arm it",
            super::ARGV0
        );
        return 1;
    }
    if let Err(e) = crate::sys::signal::block(&[libc::SIGTERM]) {
        warn!("arm: cannot block SIGTERM: {e}");
        return 1;
    }
    match crate::sys::signal::wait(&[libc::SIGTERM]) {
        Ok((_, 1)) => match crate::sys::signal::pidfd_signal(&pidfd, signal_of(how)) {
            Ok(()) => {
                info!(
                    "arm: {target}.target starts: armed {} (pid {pid}) for {}",
                    super::ARGV0,
                    crate::shutdown::verb_name(how)
                );
                0
            }
            Err(e) => {
                error!("arm: {target}.target starts, but the watchdog (pid {pid}) cannot be signalled: {e}");
                1
            }
        },
        Ok((_, from)) => {
            info!("arm: SIGTERM from pid {from}, not systemd: leaving without arming the watchdog");
            0
        }
        Err(e) => {
            error!("arm: sigwaitinfo: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_signals_and_actions_agree() {
        for t in TARGETS {
            let how = stop_of(t).unwrap();
            assert_eq!(stop_of_signal(signal_of(how)), Some(how), "{t}");
        }
        assert_eq!(stop_of("kexec"), Some(Stop::Reboot));
        assert_eq!(stop_of("poweroff"), Some(Stop::PowerOff));
        assert_eq!(stop_of("halt"), Some(Stop::Halt));
        assert_eq!(stop_of("rescue"), None);
        assert_eq!(stop_of_signal(libc::SIGTERM), None);
        let mut sigs: Vec<i32> = SIGNALS.iter().map(|(s, _)| *s).collect();
        sigs.dedup();
        assert_eq!(sigs.len(), 3, "one signal per action");
    }

    #[test]
    fn unit_text_names_the_copy_the_pid_and_the_target() {
        let u = unit_text("/run/initramfs/shutdown", 321);
        let lines: Vec<&str> = u.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            [
                "[Unit]",
                "Description=netroot: arm the shutdown watchdog for %i.target",
                "DefaultDependencies=no",
                "Conflicts=%i.target",
                "Before=%i.target",
                "IgnoreOnIsolate=yes",
                "RefuseManualStop=yes",
                "",
                "[Service]",
                "Slice=netroot.slice",
                "ExecStart=@/run/initramfs/shutdown @netroot-arm %i 321",
            ]
        );
        assert!(u.contains("pid 321"));
    }

    #[test]
    fn install_writes_the_template_and_enables_each_target() {
        let d = std::env::temp_dir().join(format!("netroot-arm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        install(&d, "/x/shutdown", 9).unwrap();
        // Again (idempotent: the links are replaced).
        install(&d, "/x/shutdown", 10).unwrap();
        assert!(std::fs::read_to_string(d.join(UNIT))
            .unwrap()
            .contains("ExecStart=@/x/shutdown @netroot-arm %i 10\n"));
        assert!(std::fs::read_to_string(d.join(SLICE))
            .unwrap()
            .contains("\nDefaultDependencies=no\n"));
        for t in TARGETS {
            let l = d.join(format!("sysinit.target.wants/netroot-arm@{t}.service"));
            assert_eq!(
                std::fs::read_link(&l).unwrap(),
                Path::new("../netroot-arm@.service")
            );
            assert!(l.is_file(), "{t}: the link resolves");
        }
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn sentinel_arguments() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse(&s(&["poweroff", "42"])),
            Ok(("poweroff".into(), Stop::PowerOff, 42))
        );
        assert_eq!(parse(&s(&["kexec", "42"])).map(|a| a.1), Ok(Stop::Reboot));
        assert!(parse(&s(&["rescue", "42"])).unwrap_err().contains("rescue"));
        assert!(parse(&s(&["poweroff", "1"])).unwrap_err().contains("\"1\""));
        assert!(parse(&s(&["poweroff", "x"])).unwrap_err().contains("\"x\""));
        assert!(parse(&s(&["poweroff"])).is_err());
        assert!(parse(&s(&["poweroff", "4", "5"])).is_err());
    }
}

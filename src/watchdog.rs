//! The shutdown watchdog: with the network root's server gone, a poweroff
//! must still end with the machine off.
//!
//! On a dead NFS root every path walk from `/` can block (the root
//! directory's attributes are revalidated by a GETATTR once they are older
//! than acdirmin), so `systemctl`, and even systemd (PID 1, whose /run,
//! /proc and cgroup mounts sit on directories of that root), may never get
//! to /run/initramfs/shutdown. Only a process started before the switch,
//! whose executable is mapped from RAM and which uses nothing but
//! descriptors it got before the switch, can still act: this one.
//!
//! Before the switch PID 1 loads the `button` and `evdev` modules, opens
//! the ACPI power button's event devices (`/sys/class/input/event*/device/name`
//! is "Power Button") and /dev/kmsg, and starts the same binary as
//! `@netroot-watchdog` with those descriptors (the `@` keeps systemd's
//! final kill from taking it, as for the other residents). It blocks in
//! read(2) on the devices, no polling: it costs nothing while the machine
//! runs. The power button is what an administrator, IPMI "soft off",
//! `virsh shutdown` or QEMU's `system_powerdown` press; systemd-logind
//! reads the same device and starts the normal poweroff. On a press the
//! watchdog gives that shutdown `netroot.shutdown.timeout` seconds; if the
//! machine is still up then, it syncs within [`crate::shutdown::STEP_BUDGET`]
//! and powers off with reboot(2), which needs no path. When the normal
//! shutdown completes first the machine is off and nothing else happens.
//!
//! When the root's init is systemd, any shutdown systemd begins arms it too
//! ([`arm`]: a sentinel unit per shutdown target sends it a signal naming
//! the action); the first of the button and the signals wins.

use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::Path;
use std::time::Duration;

use crate::sys::init::Stop;

pub mod arm;

/// argv[0] of the resident watchdog.
pub const ARGV0: &str = "@netroot-watchdog";

/// The name the kernel's ACPI button driver gives the power button's input
/// device (drivers/acpi/button.c: both the fixed-feature button LNXPWRBN
/// and the control-method device PNP0C0C are called so).
pub const POWER_BUTTON_NAME: &str = "Power Button";

/// Modules the watchdog needs when the kernel has them as modules: the ACPI
/// button driver and the event device interface (/dev/input/eventN).
pub const MODULES: &[&str] = &["button", "evdev"];

/// `struct input_event` (linux/input.h): a `struct timeval` (two longs),
/// then `__u16 type`, `__u16 code`, `__s32 value`: 24 bytes on 64-bit
/// machines, 16 on 32-bit ones.
pub const EVENT_SIZE: usize = 2 * std::mem::size_of::<std::ffi::c_long>() + 8;
/// `EV_KEY` (linux/input-event-codes.h).
pub const EV_KEY: u16 = 1;
/// `KEY_POWER` (linux/input-event-codes.h).
pub const KEY_POWER: u16 = 116;

/// Whether one `input_event` record (native byte order, [`EVENT_SIZE`]
/// bytes) is the power key going down (value 1; 0 is the release, 2 an
/// autorepeat). A record of another length is not.
pub fn is_power_press(rec: &[u8]) -> bool {
    if rec.len() != EVENT_SIZE {
        return false;
    }
    let t = EVENT_SIZE - 8;
    let u16_at = |i: usize| u16::from_ne_bytes([rec[i], rec[i + 1]]);
    let value = i32::from_ne_bytes([rec[t + 4], rec[t + 5], rec[t + 6], rec[t + 7]]);
    u16_at(t) == EV_KEY && u16_at(t + 2) == KEY_POWER && value == 1
}

/// The watchdog's arguments: `timeout=SECONDS kmsg=FD dev=FD...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// How long the normal shutdown gets after a press.
    pub timeout: Duration,
    /// An inherited /dev/kmsg, or -1.
    pub kmsg: i32,
    /// Inherited power button event devices.
    pub devs: Vec<i32>,
}

impl Args {
    /// The arguments after argv[0], as [`parse`] reads them back.
    pub fn to_argv(&self) -> Vec<String> {
        let mut v = vec![
            format!("timeout={}", self.timeout.as_secs()),
            format!("kmsg={}", self.kmsg),
        ];
        v.extend(self.devs.iter().map(|d| format!("dev={d}")));
        v
    }
}

/// Parse the watchdog's arguments (argv[1..]); the error names the argument.
pub fn parse(args: &[String]) -> Result<Args, String> {
    let mut out = Args {
        timeout: crate::cmdline::DEFAULT_SHUTDOWN_TIMEOUT,
        kmsg: -1,
        devs: Vec::new(),
    };
    for a in args {
        let bad = || format!("argument {a:?} is not valid");
        let (k, v) = a.split_once('=').ok_or_else(bad)?;
        match k {
            "timeout" => out.timeout = Duration::from_secs(v.parse().map_err(|_| bad())?),
            "kmsg" => out.kmsg = v.parse().map_err(|_| bad())?,
            "dev" => out
                .devs
                .push(v.parse().ok().filter(|d| *d > 2).ok_or_else(bad)?),
            _ => return Err(bad()),
        }
    }
    Ok(out)
}

/// The event devices (`eventN`) under `class_input` (/sys/class/input)
/// whose device is named [`POWER_BUTTON_NAME`], sorted.
pub fn power_buttons(class_input: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(class_input) else {
        return Vec::new();
    };
    let mut v: Vec<String> = rd
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let dev = std::fs::read_to_string(e.path().join("device/name")).ok()?;
            (name.starts_with("event") && dev.trim() == POWER_BUTTON_NAME).then_some(name)
        })
        .collect();
    v.sort();
    v
}

/// Wait for [`MODULES`] (`loading`: started by PID 1 from the image's
/// module tree as the root is mounted; None when the image has no modules,
/// built-in drivers need nothing) and open the power buttons' event
/// devices. The device nodes appear in devtmpfs shortly after the driver
/// binds: wait up to a second.
fn open_buttons(loading: Option<&crate::kmod::Handle>) -> Vec<std::fs::File> {
    if let Some(Err(e)) = loading.map(crate::kmod::Handle::wait_all) {
        crate::warn!("watchdog: {e}");
    }
    for _ in 0..20 {
        let found: Vec<std::fs::File> = power_buttons(Path::new("/sys/class/input"))
            .iter()
            .filter_map(|n| std::fs::File::open(Path::new("/dev/input").join(n)).ok())
            .collect();
        if !found.is_empty() {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Vec::new()
}

/// PID 1, just before the switch to a network root: start the watchdog
/// unless `netroot.watchdog=0`. `loading`: its [`MODULES`], loading
/// (`boot::modules::start_watchdog_modules`). `systemd`: the root's init is
/// systemd, so its shutdowns arm the watchdog too ([`arm::install`] into
/// `units`, /run/systemd/system); then the watchdog starts even without a
/// power button. Logs what it did; a failure costs only the bound, never
/// the boot.
pub fn start_before_switch(
    cfg: &crate::cmdline::BootConfig,
    loading: Option<&crate::kmod::Handle>,
    systemd: bool,
    units: &Path,
) {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    if !cfg.options.watchdog {
        crate::info!("watchdog: off (netroot.watchdog=0)");
        return;
    }
    let devs = open_buttons(loading);
    // The sentinels run from the copy in RAM; without it, no arming.
    let exe = crate::shutdown::installed();
    let armed = systemd && exe.is_some();
    if devs.is_empty() && !armed {
        crate::warn!(
            "watchdog: no \"{POWER_BUTTON_NAME}\" input device: a poweroff is not bounded if the server goes away"
        );
        return;
    }
    let kmsg = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/kmsg")
        .ok();
    let mut inherit: Vec<&std::fs::File> = devs.iter().collect();
    inherit.extend(kmsg.iter());
    if let Err(e) = inherit
        .iter()
        .try_for_each(|f| crate::sys::fs::clear_cloexec(f.as_fd()))
    {
        crate::warn!("watchdog: cannot hand the power button over: {e}");
        return;
    }
    let args = Args {
        timeout: cfg.options.shutdown_timeout,
        kmsg: kmsg.as_ref().map_or(-1, |k| k.as_raw_fd()),
        devs: devs.iter().map(|d| d.as_raw_fd()).collect(),
    };
    // From the copy in /run/initramfs, not /proc/self/exe: a resident that
    // maps the initramfs's /init keeps that deleted file's pages in RAM for
    // the life of the system (shutdown::resident_exe).
    let spawned = std::process::Command::new(crate::shutdown::resident_exe())
        .arg0(ARGV0)
        .args(args.to_argv())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match spawned {
        Ok(c) => c,
        Err(e) => {
            crate::warn!("watchdog: cannot start {ARGV0}: {e}");
            return;
        }
    };
    let bound = cfg.options.shutdown_timeout.as_secs() + crate::shutdown::STEP_BUDGET.as_secs();
    if !devs.is_empty() {
        crate::info!(
            "watchdog: {ARGV0} (pid {}) watches the power button: after a press the machine is off within {bound} s",
            child.id()
        );
    }
    let Some(exe) = exe.filter(|_| armed) else {
        return;
    };
    match arm::install(units, &exe.to_string_lossy(), child.id()) {
        Ok(()) => crate::info!(
            "watchdog: {ARGV0} (pid {}) is armed by systemd's poweroff, reboot, halt and kexec ({} in {}): the machine stops within {bound} s of their start",
            child.id(),
            arm::UNIT,
            units.display()
        ),
        Err(e) => crate::warn!(
            "watchdog: cannot write {} into {}: {e}; systemd's shutdowns do not arm the watchdog",
            arm::UNIT,
            units.display()
        ),
    }
}

/// Why the watchdog counts down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// The power button went down: power off.
    Button,
    /// A sentinel ([`arm`]) said systemd began this shutdown.
    Systemd(Stop),
}

/// Read `dev` until the power key goes down; then send on `tx`. A read
/// error ends the thread (the device went away).
fn watch(dev: OwnedFd, tx: std::sync::mpsc::Sender<Trigger>) {
    let mut f = std::fs::File::from(dev);
    let mut rec = [0u8; EVENT_SIZE];
    // evdev hands out whole events only (a read shorter than one is EINVAL).
    while f.read_exact(&mut rec).is_ok() {
        if is_power_press(&rec) {
            let _ = tx.send(Trigger::Button);
        }
    }
}

/// Take the sentinels' signals (blocked in every thread beforehand) and
/// send their actions on `tx`.
fn take_signals(tx: std::sync::mpsc::Sender<Trigger>) {
    let sigs: Vec<i32> = arm::SIGNALS.iter().map(|(s, _)| *s).collect();
    while let Ok((sig, _)) = crate::sys::signal::wait(&sigs) {
        if let Some(how) = arm::stop_of_signal(sig) {
            if tx.send(Trigger::Systemd(how)).is_err() {
                return;
            }
        }
    }
}

/// Entry point for argv[0] = [`ARGV0`]: wait for the power button or a
/// sentinel's signal, then bound the shutdown. Returns only on bad
/// arguments (2) or with nothing left to wait for (1).
pub fn main(argv: &[String]) -> i32 {
    let args = match parse(argv.get(1..).unwrap_or(&[])) {
        Ok(a) => a,
        Err(e) => {
            crate::log::init(true, false, false);
            crate::error!("watchdog: {e}");
            return 2;
        }
    };
    match (args.kmsg > 2).then(|| crate::sys::fs::adopt_fd(args.kmsg).ok()) {
        Some(Some(k)) => crate::log::init_with_kmsg(k.into(), false),
        _ => crate::log::init(true, false, false),
    }
    // Before any thread: they inherit the mask, and only take_signals waits.
    let sigs: Vec<i32> = arm::SIGNALS.iter().map(|(s, _)| *s).collect();
    let (tx, rx) = std::sync::mpsc::channel();
    match crate::sys::signal::block(&sigs) {
        Ok(()) => {
            let tx = tx.clone();
            let _ = std::thread::Builder::new().spawn(move || take_signals(tx));
        }
        Err(e) => crate::warn!("watchdog: cannot block the arming signals: {e}"),
    }
    for &fd in &args.devs {
        match crate::sys::fs::adopt_fd(fd) {
            Ok(dev) => {
                let tx = tx.clone();
                let _ = std::thread::Builder::new().spawn(move || watch(dev, tx));
            }
            Err(e) => crate::warn!("watchdog: power button descriptor {fd}: {e}"),
        }
    }
    drop(tx);
    let Ok(trigger) = rx.recv() else {
        crate::warn!("watchdog: no power button and no arming left to watch");
        return 1;
    };
    let t = args.timeout.as_secs();
    let (how, after) = match trigger {
        Trigger::Button => {
            crate::info!(
                "watchdog: power button pressed: the shutdown has {t} s before the watchdog powers off"
            );
            (Stop::PowerOff, "the power button".to_string())
        }
        Trigger::Systemd(how) => {
            let verb = crate::shutdown::verb_name(how);
            crate::info!(
                "watchdog: systemd began a {verb}: the shutdown has {t} s before the watchdog does the {verb}"
            );
            (how, format!("systemd began the {verb}"))
        }
    };
    std::thread::sleep(args.timeout);
    let budget = crate::shutdown::STEP_BUDGET;
    crate::error!(
        "watchdog: the machine is still up {t} s after {after} (server unreachable?): syncing (at most {} s), then {}",
        budget.as_secs(),
        crate::shutdown::verb_name(how)
    );
    if crate::shutdown::within(budget, crate::sys::init::sync).is_none() {
        crate::warn!("watchdog: sync did not finish in {} s", budget.as_secs());
    }
    loop {
        let e = crate::sys::init::reboot_now(how);
        crate::error!(
            "watchdog: {} failed: {e}; powering off",
            crate::shutdown::verb_name(how)
        );
        let e = crate::sys::init::reboot_now(Stop::PowerOff);
        crate::error!("watchdog: power-off failed: {e}");
        std::thread::sleep(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(ty: u16, code: u16, value: i32) -> Vec<u8> {
        let mut v = vec![0xa5u8; EVENT_SIZE - 8];
        v.extend(ty.to_ne_bytes());
        v.extend(code.to_ne_bytes());
        v.extend(value.to_ne_bytes());
        v
    }

    #[test]
    fn only_the_power_key_going_down_counts() {
        assert_eq!(EVENT_SIZE, 24, "64-bit layout");
        assert!(is_power_press(&event(EV_KEY, KEY_POWER, 1)));
        assert!(!is_power_press(&event(EV_KEY, KEY_POWER, 0)), "release");
        assert!(!is_power_press(&event(EV_KEY, KEY_POWER, 2)), "repeat");
        assert!(!is_power_press(&event(EV_KEY, 115, 1)), "another key");
        assert!(!is_power_press(&event(0, KEY_POWER, 1)), "EV_SYN");
        assert!(!is_power_press(&event(EV_KEY, KEY_POWER, 1)[1..]));
        assert!(!is_power_press(&[]));
    }

    #[test]
    fn args_round_trip_and_errors_name_the_argument() {
        let a = Args {
            timeout: Duration::from_secs(20),
            kmsg: 5,
            devs: vec![3, 4],
        };
        assert_eq!(parse(&a.to_argv()), Ok(a));
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        // No power button (a systemd root arms it by signal).
        assert_eq!(parse(&s(&["kmsg=3"])).map(|a| a.devs.len()), Ok(0));
        assert!(parse(&s(&["dev=1"])).unwrap_err().contains("dev=1"));
        assert!(parse(&s(&["dev=4", "timeout=x"]))
            .unwrap_err()
            .contains("timeout=x"));
        assert_eq!(
            parse(&s(&["dev=4"])).unwrap().timeout,
            Duration::from_secs(120)
        );
    }

    #[test]
    fn power_buttons_are_found_by_name() {
        let d = std::env::temp_dir().join(format!("netroot-wd-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        for (ev, name) in [
            ("event0", "AT Translated Set 2 keyboard"),
            ("event2", "Power Button"),
            ("event1", "Power Button"),
            ("input3", "Power Button"),
        ] {
            std::fs::create_dir_all(d.join(ev).join("device")).unwrap();
            std::fs::write(d.join(ev).join("device/name"), format!("{name}\n")).unwrap();
        }
        assert_eq!(power_buttons(&d), ["event1", "event2"]);
        assert!(power_buttons(&d.join("none")).is_empty());
        std::fs::remove_dir_all(&d).unwrap();
    }
}

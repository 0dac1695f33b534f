//! Shutdown as the last word: netroot as systemd's shutdown initramfs.
//!
//! systemd-shutdown(8), at the very end of a poweroff or reboot, after it
//! has killed every process (except those whose argv[0] starts with `@`)
//! and unmounted what it could: if `/run/initramfs/shutdown` exists and is
//! executable, it pivots into `/run/initramfs`, leaves the old root at
//! `/oldroot`, binds /dev, /proc, /sys and /run into the new root and execs
//! `/shutdown` as PID 1 with argv[1] = `poweroff`, `reboot`, `halt` or
//! `kexec` (bootup(7), "System Manager Shutdown"). It cannot unmount a root
//! that lives on the network; we can, from a root in RAM: unmount the old
//! root and its overlay, detach /dev/nbd0 cleanly, then reboot(2).
//!
//! Before the switch, PID 1 copies the static binary to
//! `/run/initramfs/shutdown` ([`install`]); /run is moved into the new root,
//! so the copy is there at shutdown. mkinitcpio images get the same from
//! `netroot mount`.
//!
//! Bounded: an unreachable server must not keep the machine up. Every step
//! that can block on the network (sync, each unmount, the NBD disconnect)
//! runs in a worker thread with [`STEP_BUDGET`]; a step that overruns is
//! abandoned (an unmount is then redone with `MNT_FORCE | MNT_DETACH`, which
//! does not wait), and a watchdog thread calls reboot(2) without syncing
//! once [`WATCHDOG`] has passed, whatever the steps are doing.

use crate::sys::init::Stop;
use crate::{debug, error, info, warn};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where systemd-shutdown looks for the shutdown initramfs.
pub const DIR: &str = "/run/initramfs";
/// Where systemd-shutdown leaves the old root.
pub const OLDROOT: &str = "/oldroot";
/// The most one blocking step (sync, an unmount, a disconnect) may take.
pub const STEP_BUDGET: Duration = Duration::from_secs(5);
/// After this, reboot(2) is called whatever the steps are doing: the whole
/// of netroot's shutdown never takes longer.
pub const WATCHDOG: Duration = Duration::from_secs(25);

/// The shutdown verb of argv[1] (systemd-shutdown's names).
pub fn parse_verb(verb: &str) -> Option<Stop> {
    match verb {
        "poweroff" => Some(Stop::PowerOff),
        "reboot" => Some(Stop::Reboot),
        "halt" => Some(Stop::Halt),
        "kexec" => Some(Stop::Kexec),
        _ => None,
    }
}

/// Whether this process was started as the shutdown initramfs, and for what:
/// argv[0] is `/shutdown` (or any path ending in `/shutdown`, or
/// `shutdown`), or we are PID 1 with the verb in argv[1] and an /oldroot
/// beside us (the kernel also hands PID 1 bare words of its command line,
/// so a boot with a word `reboot` must not shut down). Without a known verb
/// the shutdown still powers off: stopping is what was asked.
/// `oldroot_exists` is only asked in the PID 1 case (see [`oldroot_present`]).
pub fn invoked_as(
    args: &[String],
    pid1: bool,
    oldroot_exists: impl FnOnce() -> bool,
) -> Option<Stop> {
    let argv0 = args.first().map(String::as_str).unwrap_or("");
    let verb = args.get(1).and_then(|v| parse_verb(v));
    let named = argv0 == "shutdown" || argv0.ends_with("/shutdown");
    if named {
        return Some(verb.unwrap_or(Stop::PowerOff));
    }
    if pid1 && verb.is_some() && oldroot_exists() {
        return verb;
    }
    None
}

/// Whether `/` has an entry `oldroot`, read from the directory listing of
/// `/` alone: a stat of /oldroot would cross into the old root's mount, and
/// on an NFS root whose server is gone that stat never returns.
pub fn oldroot_present() -> bool {
    std::fs::read_dir("/").is_ok_and(|rd| {
        rd.flatten()
            .any(|e| e.file_name() == OLDROOT.trim_start_matches('/'))
    })
}

/// One line of /proc/self/mountinfo, the fields we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Mount point (octal escapes decoded).
    pub point: String,
    /// File system type.
    pub fstype: String,
    /// Mount source (`server:/path`, `/dev/nbd0`, ...).
    pub source: String,
}

impl Mount {
    /// Whether the mount lives on the network: NFS, or an NBD device.
    pub fn on_network(&self) -> bool {
        self.fstype.starts_with("nfs") || self.source.starts_with("/dev/nbd")
    }
}

/// Decode the `\ooo` escapes mountinfo uses for space, tab, newline, `\`.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse /proc/self/mountinfo (proc(5): ID, parent, major:minor, root,
/// mount point, options, optional fields, `-`, type, source, super options).
/// Malformed lines are skipped.
pub fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let sep = f.iter().position(|x| *x == "-")?;
            Some(Mount {
                point: unescape(f.get(4)?),
                fstype: f.get(sep + 1)?.to_string(),
                source: unescape(f.get(sep + 2)?),
            })
        })
        .collect()
}

/// The mounts at or under `under`, in an order that unmounts children
/// before their parents: deepest first, and among equals the later-mounted
/// (lower in mountinfo) first, so stacked mounts come off top down.
pub fn unmount_order(mounts: &[Mount], under: &str) -> Vec<Mount> {
    let prefix = format!("{}/", under.trim_end_matches('/'));
    let mut v: Vec<(usize, &Mount)> = mounts
        .iter()
        .enumerate()
        .filter(|(_, m)| m.point == under || m.point.starts_with(&prefix))
        .collect();
    let depth = |m: &Mount| m.point.split('/').filter(|c| !c.is_empty()).count();
    v.sort_by(|(ia, a), (ib, b)| depth(b).cmp(&depth(a)).then(ib.cmp(ia)));
    v.into_iter().map(|(_, m)| m.clone()).collect()
}

/// The NBD devices connected now (`/sys/block/nbdN/pid` exists while a
/// device is in use: the kernel's nbd driver creates it at connect).
pub fn connected_nbd(sys_block: &Path) -> Vec<u32> {
    let Ok(rd) = std::fs::read_dir(sys_block) else {
        return Vec::new();
    };
    let mut v: Vec<u32> = rd
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_str()?.strip_prefix("nbd")?.parse().ok()?;
            e.path().join("pid").exists().then_some(n)
        })
        .collect();
    v.sort_unstable();
    v
}

/// Make `dir` (`/run/initramfs`) a root systemd-shutdown can pivot into:
/// `exe` copied to `dir/shutdown` (mode 0755; written aside and renamed, so
/// a half-written file is never executed), and the directories the pivot
/// mounts on (dev, proc, sys, run, oldroot).
pub fn install(dir: &Path, exe: &Path) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    for d in ["dev", "proc", "sys", "run", "oldroot"] {
        std::fs::create_dir_all(dir.join(d))?;
    }
    let dst = dir.join("shutdown");
    let tmp = dir.join(".shutdown.new");
    std::fs::copy(exe, &tmp)?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
    std::fs::rename(&tmp, &dst)?;
    Ok(dst)
}

/// The copy [`install_logged`] made, once it has.
static INSTALLED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// The program a resident helper (`@netroot-dhcp`, `@netroot-nbd`) is
/// started from: the copy in [`DIR`] once PID 1 has made it, else the
/// running binary.
///
/// Memory: the running binary is the initramfs's `/init`, a ramfs file.
/// switch_root unlinks it, but a ramfs file's pages go only with its last
/// reference, and a helper exec'd from `/proc/self/exe` maps it for as long
/// as it lives: the whole binary (1 MB) would stay in RAM, unreclaimable,
/// next to its copy in [`DIR`]. Started from the copy, the helpers share the
/// pages that the shutdown initramfs needs anyway, and the initramfs is
/// freed whole (measured with `make bench`: bench/NOTES.md).
pub fn resident_exe() -> PathBuf {
    INSTALLED
        .get()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("/proc/self/exe"))
}

/// The copy in [`DIR`], once [`install_logged`] has made it.
pub fn installed() -> Option<PathBuf> {
    INSTALLED.get().cloned()
}

/// [`install`] of the running binary into [`DIR`], logged; a failure only
/// costs the clean shutdown, never the boot. Resident helpers started
/// afterwards run from the copy ([`resident_exe`]).
pub fn install_logged() {
    match install(Path::new(DIR), Path::new("/proc/self/exe")) {
        Ok(p) => {
            info!("shutdown: {} ready (unmounts the root at poweroff)", p.display());
            let _ = INSTALLED.set(p);
        }
        Err(e) => warn!("shutdown: cannot prepare {DIR}: {e}; the network root will not be unmounted at poweroff"),
    }
}

/// `netroot install-shutdown [DIR]`: [`install`] the running binary into
/// DIR (default [`DIR`]), for initramfs hooks whose /init does the switch
/// (mkinitcpio's netroot hook calls it from `run_cleanuphook`).
pub fn install_cli(args: &[String]) -> i32 {
    let dir = match args {
        [] => PathBuf::from(DIR),
        [d] if !d.starts_with('-') => PathBuf::from(d),
        _ => {
            eprintln!("usage: netroot install-shutdown [DIR]");
            return 2;
        }
    };
    crate::log::init(true, true, false);
    match install(&dir, Path::new("/proc/self/exe")) {
        Ok(p) => {
            info!(
                "shutdown: {} ready (unmounts the root at poweroff)",
                p.display()
            );
            0
        }
        Err(e) => {
            error!("shutdown: cannot prepare {}: {e}", dir.display());
            1
        }
    }
}

/// Run `f` in a worker thread and wait for it at most `budget`. None when it
/// overran (the thread is left behind: the machine is about to stop).
pub(crate) fn within<T: Send + 'static>(
    budget: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().spawn(move || {
        let _ = tx.send(f());
    });
    if spawned.is_err() {
        return None;
    }
    rx.recv_timeout(budget).ok()
}

/// The action's name in log lines.
pub(crate) fn verb_name(how: Stop) -> &'static str {
    match how {
        Stop::PowerOff => "power-off",
        Stop::Reboot => "reboot",
        Stop::Halt => "halt",
        Stop::Kexec => "kexec",
    }
}

/// Kill the resident renewer: its root is the old root, which it would keep
/// busy. (The NBD helper stays: it serves the device until the disconnect.)
fn stop_residents() {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return;
    };
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        if cmd.starts_with(crate::net::dhcp::resident::ARGV0.as_bytes()) {
            crate::sys::init::kill_now(pid);
            debug!("shutdown: stopped the dhcp renewer (pid {pid})");
        }
    }
}

/// Unmount one mount point within the budget. Busy (a mount point with
/// mounts below that would not come off, a file still open): detach it from
/// the tree and let the last user release it. No answer in time, or another
/// error: the server is not there, force-detach. Returns the outcome for
/// the log.
fn unmount(m: &Mount) -> String {
    let point = PathBuf::from(&m.point);
    let p = point.clone();
    let t = Instant::now();
    let r = within(STEP_BUDGET, move || crate::sys::fs::umount(&p, false));
    let (why, force) = match r {
        Some(Ok(())) => return format!("unmounted in {} ms", t.elapsed().as_millis()),
        Some(Err(e)) if e.raw_os_error() == Some(libc::EBUSY) => ("busy".to_string(), false),
        Some(Err(e)) => (e.to_string(), true),
        None => (format!("no answer in {} s", STEP_BUDGET.as_secs()), true),
    };
    let how = if force {
        "force-detached (MNT_FORCE|MNT_DETACH)"
    } else {
        "detached (MNT_DETACH)"
    };
    // Budgeted too: even the path walk to the mount point may ask a server.
    let r = within(STEP_BUDGET, move || {
        if force {
            crate::sys::fs::umount_force_detach(&point)
        } else {
            crate::sys::fs::umount(&point, true)
        }
    });
    match r {
        Some(Ok(())) => format!("{why}: {how}"),
        // EINVAL: no longer a mount point, the overrun unmount took it out
        // of the tree and is still waiting for the server.
        Some(Err(e)) if force && e.raw_os_error() == Some(libc::EINVAL) => {
            format!("{why}: out of the tree, left waiting for the server")
        }
        Some(Err(e)) => format!("{why}; detach: {e}"),
        None => format!("{why}; detach: no answer in {} s", STEP_BUDGET.as_secs()),
    }
}

/// The shutdown path (argv[0] `/shutdown`): never returns while reboot(2)
/// can be tried.
pub fn main(how: Stop) -> i32 {
    let start = Instant::now();
    let _ = crate::sys::init::mount_api_filesystems();
    crate::log::init(true, true, false);
    let _ = crate::log::lift_ratelimit();
    info!(
        "shutdown: netroot {} as {DIR}/shutdown, {}: unmounting {OLDROOT} (at most {} s)",
        env!("CARGO_PKG_VERSION"),
        verb_name(how),
        WATCHDOG.as_secs()
    );
    let _ = std::thread::Builder::new().spawn(move || {
        std::thread::sleep(WATCHDOG);
        error!(
            "shutdown: not done after {} s (server unreachable?): {} now, without sync",
            WATCHDOG.as_secs(),
            verb_name(how)
        );
        let e = crate::sys::init::reboot_now(how);
        error!("shutdown: reboot(2) failed: {e}");
    });
    stop_residents();
    if within(STEP_BUDGET, crate::sys::init::sync).is_none() {
        warn!(
            "shutdown: sync did not finish in {} s",
            STEP_BUDGET.as_secs()
        );
    }
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    for m in unmount_order(&parse_mountinfo(&text), OLDROOT) {
        let outcome = unmount(&m);
        if m.on_network() || m.point == OLDROOT || m.fstype == "overlay" {
            info!(
                "shutdown: {} ({} {}): {outcome}",
                m.point, m.fstype, m.source
            );
        } else {
            debug!("shutdown: {}: {outcome}", m.point);
        }
    }
    for i in connected_nbd(Path::new("/sys/block")) {
        let t = Instant::now();
        match within(STEP_BUDGET, move || crate::root::nbd::disconnect(i)) {
            Some(Ok(())) => info!(
                "shutdown: /dev/nbd{i} disconnected in {} ms",
                t.elapsed().as_millis()
            ),
            Some(Err(e)) => warn!("shutdown: /dev/nbd{i}: disconnect failed: {e}"),
            None => warn!(
                "shutdown: /dev/nbd{i}: disconnect did not finish in {} s",
                STEP_BUDGET.as_secs()
            ),
        }
    }
    if within(STEP_BUDGET, crate::sys::init::sync).is_none() {
        warn!(
            "shutdown: final sync did not finish in {} s",
            STEP_BUDGET.as_secs()
        );
    }
    info!(
        "shutdown: done in {:.2} s: {}",
        start.elapsed().as_secs_f64(),
        verb_name(how)
    );
    loop {
        let e = crate::sys::init::reboot_now(how);
        error!("shutdown: reboot(2) failed: {e}; powering off instead");
        let e = crate::sys::init::reboot_now(Stop::PowerOff);
        error!("shutdown: power-off failed: {e}");
        std::thread::sleep(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn invocation() {
        assert_eq!(
            invoked_as(
                &s(&["/shutdown", "reboot", "--log-level", "6"]),
                true,
                || true
            ),
            Some(Stop::Reboot)
        );
        assert_eq!(
            invoked_as(&s(&["/shutdown", "poweroff"]), true, || true),
            Some(Stop::PowerOff)
        );
        assert_eq!(
            invoked_as(&s(&["/run/initramfs/shutdown", "kexec"]), false, || false),
            Some(Stop::Kexec)
        );
        assert_eq!(
            invoked_as(&s(&["shutdown", "halt"]), false, || false),
            Some(Stop::Halt)
        );
        assert_eq!(
            invoked_as(&s(&["/shutdown"]), true, || true),
            Some(Stop::PowerOff)
        );
        // PID 1 with the verb: only beside an /oldroot.
        assert_eq!(
            invoked_as(&s(&["/init", "reboot"]), true, || true),
            Some(Stop::Reboot)
        );
        assert_eq!(invoked_as(&s(&["/init", "reboot"]), true, || false), None);
        assert_eq!(invoked_as(&s(&["/init", "single"]), true, || true), None);
        assert_eq!(invoked_as(&s(&["netroot", "reboot"]), false, || true), None);
        assert_eq!(
            invoked_as(&s(&["/usr/bin/netroot-shutdown", "reboot"]), false, || {
                false
            }),
            None
        );
        assert_eq!(invoked_as(&[], false, || false), None);
    }

    const MOUNTINFO: &str = "\
22 1 0:21 / / rw,relatime shared:1 - tmpfs tmpfs rw
23 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,size=4096k
24 22 0:22 / /proc rw - proc proc rw
40 22 0:30 / /oldroot rw,relatime - overlay overlay rw,lowerdir=/run/netroot/lower
41 40 0:22 / /oldroot/proc rw - proc proc rw
42 40 0:25 / /oldroot/run rw - tmpfs tmpfs rw
43 42 0:31 / /oldroot/run/netroot/lower ro - nfs4 10.0.2.2:/debian ro,vers=4.2
44 42 0:32 / /oldroot/run/user/0 rw - tmpfs tmpfs rw
45 40 43:0 / /oldroot/mnt/with\\040space rw - btrfs /dev/nbd0 rw
46 22 0:40 / /oldrootx rw - tmpfs tmpfs rw
bad line
";

    #[test]
    fn mountinfo_and_order() {
        let m = parse_mountinfo(MOUNTINFO);
        assert_eq!(m.len(), 10);
        assert_eq!(
            m[6],
            Mount {
                point: "/oldroot/run/netroot/lower".into(),
                fstype: "nfs4".into(),
                source: "10.0.2.2:/debian".into()
            }
        );
        assert_eq!(m[8].point, "/oldroot/mnt/with space");
        assert!(m[6].on_network() && m[8].on_network() && !m[3].on_network());
        let order: Vec<String> = unmount_order(&m, OLDROOT)
            .into_iter()
            .map(|m| m.point)
            .collect();
        assert_eq!(
            order,
            [
                "/oldroot/run/user/0",
                "/oldroot/run/netroot/lower",
                "/oldroot/mnt/with space",
                "/oldroot/run",
                "/oldroot/proc",
                "/oldroot",
            ]
        );
        // Stacked on one point: the later mount comes off first.
        let stacked = parse_mountinfo(
            "1 0 0:1 / /oldroot rw - nfs4 a:/x rw\n2 1 0:2 / /oldroot rw - overlay overlay rw\n",
        );
        let o = unmount_order(&stacked, OLDROOT);
        assert_eq!(
            (o[0].fstype.as_str(), o[1].fstype.as_str()),
            ("overlay", "nfs4")
        );
    }

    #[test]
    fn install_lays_out_the_shutdown_root() {
        use std::os::unix::fs::PermissionsExt;
        let d = std::env::temp_dir().join(format!("netroot-shutdown-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let exe = std::env::current_exe().unwrap();
        let p = install(&d.join("initramfs"), &exe).unwrap();
        assert_eq!(p, d.join("initramfs/shutdown"));
        let meta = std::fs::metadata(&p).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o755);
        assert_eq!(meta.len(), std::fs::metadata(&exe).unwrap().len());
        for sub in ["dev", "proc", "sys", "run", "oldroot"] {
            assert!(d.join("initramfs").join(sub).is_dir(), "{sub}");
        }
        // Again (a second `netroot mount`): replaced, no leftover.
        install(&d.join("initramfs"), &exe).unwrap();
        assert!(!d.join("initramfs/.shutdown.new").exists());
        assert!(install(&d.join("initramfs"), &d.join("absent")).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn install_cli_arguments() {
        assert_eq!(install_cli(&s(&["-x"])), 2);
        assert_eq!(install_cli(&s(&["a", "b"])), 2);
        let d = std::env::temp_dir().join(format!("netroot-shutdown-cli-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        assert_eq!(install_cli(&[d.display().to_string()]), 0);
        assert!(d.join("shutdown").is_file());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn connected_nbd_reads_sysfs_layout() {
        let d = std::env::temp_dir().join(format!("netroot-nbdsys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        for n in ["nbd0", "nbd1", "nbd10", "sda"] {
            std::fs::create_dir_all(d.join(n)).unwrap();
        }
        std::fs::write(d.join("nbd10/pid"), "77\n").unwrap();
        std::fs::write(d.join("nbd0/pid"), "12\n").unwrap();
        std::fs::write(d.join("sda/pid"), "1\n").unwrap();
        assert_eq!(connected_nbd(&d), vec![0, 10]);
        assert!(connected_nbd(&d.join("absent")).is_empty());
        std::fs::remove_dir_all(&d).unwrap();
    }
}

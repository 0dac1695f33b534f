//! PID 1 housekeeping: the API file systems, reboot, the rescue shell; who
//! we are (PID, uid) and which kernel runs.

use rustix::mount::{mount, MountFlags};
use std::io;
use std::path::Path;
use std::process::Command;

/// Whether this process is PID 1.
pub fn is_pid1() -> bool {
    rustix::process::getpid().is_init()
}

/// Whether this process runs as root (effective uid 0).
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// The running kernel's release (`uname -r`).
pub fn kernel_release() -> String {
    rustix::system::uname()
        .release()
        .to_string_lossy()
        .into_owned()
}

/// The node name (`uname -n`).
pub fn node_name() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// Mount /proc, /sys, /dev (devtmpfs), /run (tmpfs) if not yet mounted.
/// Returns the first failure with the mount point named.
pub fn mount_api_filesystems() -> Result<(), (String, io::Error)> {
    let table: [(&str, &str, &str, MountFlags, &str); 4] = [
        (
            "proc",
            "/proc",
            "proc",
            MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC,
            "",
        ),
        (
            "sysfs",
            "/sys",
            "sysfs",
            MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC,
            "",
        ),
        (
            "devtmpfs",
            "/dev",
            "devtmpfs",
            MountFlags::NOSUID,
            "mode=0755",
        ),
        (
            "tmpfs",
            "/run",
            "tmpfs",
            MountFlags::NOSUID | MountFlags::NODEV,
            "mode=0755",
        ),
    ];
    for (src, target, fstype, flags, data) in table {
        let _ = std::fs::create_dir_all(target);
        if is_mountpoint(Path::new(target)) {
            continue;
        }
        let data = std::ffi::CString::new(data).map_err(|e| (target.to_string(), e.into()))?;
        mount(src, target, fstype, flags, Some(data.as_c_str()))
            .map_err(|e| (target.to_string(), io::Error::from(e)))?;
    }
    // Several tools expect these; failures here are harmless.
    let _ = std::os::unix::fs::symlink("/proc/self/fd", "/dev/fd");
    let _ = std::fs::create_dir_all("/run/netroot");
    Ok(())
}

/// Whether `path` is a mount point (its device differs from its parent's).
pub fn is_mountpoint(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(me), Some(parent)) = (std::fs::metadata(path), path.parent()) else {
        return false;
    };
    match std::fs::metadata(parent) {
        Ok(p) => p.dev() != me.dev() || p.ino() == me.ino(),
        Err(_) => false,
    }
}

/// Sync and reboot the machine (so the node retries PXE).
pub fn reboot() -> io::Error {
    rustix::fs::sync();
    match rustix::system::reboot(rustix::system::RebootCommand::Restart) {
        Ok(()) => io::Error::other("reboot returned"),
        Err(e) => e.into(),
    }
}

/// Start an interactive shell on the console and wait for it to exit.
/// Returns false when the image has no shell.
pub fn rescue_shell() -> bool {
    for sh in ["/bin/sh", "/usr/bin/sh", "/bin/busybox"] {
        if Path::new(sh).exists() {
            let mut cmd = Command::new(sh);
            if sh.ends_with("busybox") {
                cmd.arg("sh");
            }
            return cmd.status().is_ok();
        }
    }
    false
}

/// Reap any exited children without blocking (PID 1 adopts orphans).
pub fn reap_children() {
    while let Ok(Some(_)) = rustix::process::waitpid(None, rustix::process::WaitOptions::NOHANG) {}
}

/// What reboot(2) should do at the end of a shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// `LINUX_REBOOT_CMD_POWER_OFF`.
    PowerOff,
    /// `LINUX_REBOOT_CMD_RESTART`.
    Reboot,
    /// `LINUX_REBOOT_CMD_HALT`.
    Halt,
    /// `LINUX_REBOOT_CMD_KEXEC` (a kernel loaded with kexec_load).
    Kexec,
}

/// reboot(2) with `how`, without syncing (the caller syncs within its time
/// budget: sync(2) can block forever on an unreachable network file
/// system). Returns only on error.
pub fn reboot_now(how: Stop) -> io::Error {
    use rustix::system::RebootCommand as C;
    let cmd = match how {
        Stop::PowerOff => C::PowerOff,
        Stop::Reboot => C::Restart,
        Stop::Halt => C::Halt,
        Stop::Kexec => C::Kexec,
    };
    match rustix::system::reboot(cmd) {
        Ok(()) => io::Error::other("reboot returned"),
        Err(e) => e.into(),
    }
}

/// sync(2): write back every file system's dirty data (may block for as
/// long as a file system's server does not answer).
pub fn sync() {
    rustix::fs::sync();
}

/// SIGKILL to `pid` (ignored when it is gone or not a valid pid).
pub fn kill_now(pid: i32) {
    if let Some(p) = rustix::process::Pid::from_raw(pid) {
        let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
    }
}

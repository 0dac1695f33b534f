//! The resident `@netroot-nbd` process: the same binary, re-exec'd under a
//! name starting with `@`, which systemd's shutdown leaves running (its
//! "root storage daemon" convention, as for nbd-client) because the root
//! file system depends on it.
//!
//! In ioctl mode it sits in `NBD_DO_IT` for the life of the connection.

use super::HELPER_ARGV0;
use std::os::fd::{AsFd, AsRawFd};
use std::path::Path;
use std::time::{Duration, Instant};

/// Start the ioctl-mode helper on the configured device `dev` and wait until
/// the kernel reports the device live.
pub fn spawn_ioctl(dev: std::fs::File, device: &Path) -> std::io::Result<()> {
    crate::sys::fs::clear_cloexec(dev.as_fd())?;
    // Re-exec ourselves under the `@` name: only argv[0] of an exec'd
    // process shows in /proc/PID/cmdline, which is what systemd checks.
    use std::os::unix::process::CommandExt;
    let child = std::process::Command::new("/proc/self/exe")
        .arg0(HELPER_ARGV0)
        .arg(dev.as_raw_fd().to_string())
        .stdin(std::process::Stdio::null())
        .spawn()?;
    crate::info!(
        "nbd helper {} (pid {}) serves {}",
        HELPER_ARGV0,
        child.id(),
        device.display()
    );
    // The device is live once NBD_DO_IT has started it (sysfs shows a pid).
    let name = device
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("nbd0");
    let pid = Path::new("/sys/block").join(name).join("pid");
    let until = Instant::now() + Duration::from_secs(5);
    while !pid.exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// Entry point of the ioctl-mode helper (argv[0] = [`HELPER_ARGV0`], argv[1]
/// = the inherited device fd): sit in NBD_DO_IT until the connection ends.
/// `main` dispatches here when argv[0] starts with `@netroot-nbd`.
pub fn main(args: &[String]) -> i32 {
    let Some(fd) = args.get(1).and_then(|s| s.parse::<i32>().ok()) else {
        crate::error!("nbd helper: missing device descriptor argument");
        return 2;
    };
    match crate::sys::fs::nbd_do_it(fd) {
        Ok(()) => 0,
        Err(e) => {
            crate::error!("nbd helper: NBD_DO_IT on fd {fd}: {e}");
            1
        }
    }
}

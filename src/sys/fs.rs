//! Mount, module loading, chroot, exec, reboot, ioctl: the PID 1 syscalls.
//!
//! Thin wrappers: no policy here, only the call and its `io::Error`. Most go
//! through rustix's safe bindings; the NBD ioctls need `libc::ioctl`.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::path::Path;

pub use rustix::mount::MountFlags;

fn io_err(e: rustix::io::Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

fn cstring(s: &str) -> io::Result<CString> {
    CString::new(s).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// mount(2): `mount(source, target, fstype, flags, data)`.
pub fn mount(
    source: &str,
    target: &Path,
    fstype: &str,
    flags: MountFlags,
    data: Option<&str>,
) -> io::Result<()> {
    let data = data.map(cstring).transpose()?;
    rustix::mount::mount(source, target, fstype, flags, data.as_deref()).map_err(io_err)
}

/// mount(2) with `MS_MOVE`: move the mount at `from` to `to`.
pub fn mount_move(from: &Path, to: &Path) -> io::Result<()> {
    rustix::mount::mount_move(from, to).map_err(io_err)
}

/// mount(2) with `MS_BIND`: make `from` (a file or a directory) visible at `to`.
pub fn bind_mount(from: &Path, to: &Path) -> io::Result<()> {
    rustix::mount::mount_bind(from, to).map_err(io_err)
}

/// mount(2) with `MS_REMOUNT | MS_BIND | MS_RDONLY`: make the bind mount at
/// `target` read-only (a bind mount takes `MS_RDONLY` only on a remount).
pub fn remount_bind_read_only(target: &Path) -> io::Result<()> {
    rustix::mount::mount_remount(target, MountFlags::BIND | MountFlags::RDONLY, "").map_err(io_err)
}

/// umount2(2); `detach` adds `MNT_DETACH` (lazy unmount).
pub fn umount(target: &Path, detach: bool) -> io::Result<()> {
    let flags = if detach {
        rustix::mount::UnmountFlags::DETACH
    } else {
        rustix::mount::UnmountFlags::empty()
    };
    rustix::mount::unmount(target, flags).map_err(io_err)
}

/// umount2(2) with `MNT_FORCE | MNT_DETACH`: NFS aborts the RPCs in flight
/// (umount_begin), and the mount leaves the tree at once whatever still
/// uses it. For a shutdown that must not wait for an unreachable server.
pub fn umount_force_detach(target: &Path) -> io::Result<()> {
    use rustix::mount::UnmountFlags;
    rustix::mount::unmount(target, UnmountFlags::FORCE | UnmountFlags::DETACH).map_err(io_err)
}

/// finit_module(2) with no parameters and no flags (finit_module(2): the
/// kernel reads and verifies the file itself, no copy through user space).
pub fn finit_module(file: &std::fs::File) -> io::Result<()> {
    rustix::system::finit_module(file, c"", 0).map_err(io_err)
}

/// chroot(2).
pub fn chroot(path: &Path) -> io::Result<()> {
    rustix::process::chroot(path).map_err(io_err)
}

/// execv(3) of `path` with `argv` (argv[0] included). Returns only on error.
pub fn execv(path: &Path, argv: &[String]) -> io::Error {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(path);
    if let Some((first, rest)) = argv.split_first() {
        cmd.arg0(first).args(rest);
    }
    cmd.exec()
}

/// sethostname(2).
pub fn sethostname(name: &str) -> io::Result<()> {
    rustix::system::sethostname(name.as_bytes()).map_err(io_err)
}

/// The file system type (`f_type`, a `*_MAGIC` of linux/magic.h) of the
/// file system holding `path`, from statfs(2).
pub fn fs_magic(path: &Path) -> io::Result<u64> {
    let s = rustix::fs::statfs(path).map_err(io_err)?;
    // f_type is signed and of another width on some targets (musl, 32-bit).
    #[allow(clippy::unnecessary_cast)]
    Ok(s.f_type as u64)
}

/// mknod(2) of a block device node with mode 0600.
pub fn mknod_block(path: &Path, major: u32, minor: u32) -> io::Result<()> {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::BlockDevice,
        rustix::fs::Mode::from_raw_mode(0o600),
        rustix::fs::makedev(major, minor),
    )
    .map_err(io_err)
}

/// Take ownership of a descriptor inherited across exec by number (a
/// helper's argv names it). Fails unless `fd` is open.
pub fn adopt_fd(fd: i32) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: fcntl(F_GETFD) only queries the descriptor table; any integer
    // is a valid argument (EBADF for a closed one).
    if fd < 0 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    // SAFETY: the descriptor is open (checked above) and was passed to this
    // process to own; no other object in the process refers to it.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// Clear `FD_CLOEXEC` so a child spawned by exec inherits `fd`.
pub fn clear_cloexec(fd: BorrowedFd<'_>) -> io::Result<()> {
    rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty()).map_err(io_err)
}

/// The NBD ioctls of `<linux/nbd.h>`: `_IO(0xab, nr)`.
pub mod nbd_ioctl {
    /// Hand the connected socket to the device.
    pub const SET_SOCK: u64 = 0xab00;
    /// Block size in bytes.
    pub const SET_BLKSIZE: u64 = 0xab01;
    /// Serve requests until the connection ends (blocks).
    pub const DO_IT: u64 = 0xab03;
    /// Drop the socket.
    pub const CLEAR_SOCK: u64 = 0xab04;
    /// Tell the server we are leaving and end NBD_DO_IT.
    pub const DISCONNECT: u64 = 0xab08;
    /// Device size in blocks.
    pub const SET_SIZE_BLOCKS: u64 = 0xab07;
    /// Request timeout in seconds.
    pub const SET_TIMEOUT: u64 = 0xab09;
    /// Transmission flags from the handshake.
    pub const SET_FLAGS: u64 = 0xab0a;
}

/// ioctl(2) on an NBD device with an integer argument (`nbd_ioctl::*`).
pub fn nbd_ioctl(dev: impl AsFd, request: u64, arg: u64) -> io::Result<()> {
    let fd = dev.as_fd().as_raw_fd();
    // SAFETY: the NBD ioctls take an unsigned long by value (never a pointer),
    // so no memory is read or written on our side; `fd` is a live descriptor
    // borrowed for the duration of the call.
    let r = unsafe { libc::ioctl(fd, request as _, arg as libc::c_ulong) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// NBD_DO_IT on an inherited descriptor (the ioctl-mode helper): blocks
/// until the connection ends.
pub fn nbd_do_it(fd: i32) -> io::Result<()> {
    if fd < 0 {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    // SAFETY: NBD_DO_IT takes no argument memory; `fd` is a plain integer
    // the kernel validates (EBADF/ENOTTY when it is not an open NBD device),
    // and we neither close nor take ownership of it.
    let r = unsafe { libc::ioctl(fd, nbd_ioctl::DO_IT as _, 0 as libc::c_ulong) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

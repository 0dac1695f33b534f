//! Loop devices (Documentation/admin-guide/blockdev/ and
//! include/uapi/linux/loop.h): a free device from /dev/loop-control, then
//! a backing file attached read-only with LOOP_CONFIGURE (Linux 5.8), or
//! LOOP_SET_FD + LOOP_SET_STATUS64 on older kernels.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

// ioctl numbers from include/uapi/linux/loop.h ('L' << 8 | n).
const LOOP_SET_FD: libc::c_ulong = 0x4C00;
const LOOP_SET_STATUS64: libc::c_ulong = 0x4C04;
const LOOP_CONFIGURE: libc::c_ulong = 0x4C0A;
const LOOP_CTL_GET_FREE: libc::c_ulong = 0x4C82;
/// `LO_FLAGS_READ_ONLY`.
const LO_FLAGS_READ_ONLY: u32 = 1;
/// `LO_FLAGS_AUTOCLEAR`: detach when the last user (the mount) goes.
const LO_FLAGS_AUTOCLEAR: u32 = 4;
/// The loop block major (Documentation/admin-guide/devices.txt).
const LOOP_MAJOR: u32 = 7;

/// `struct loop_info64`.
#[repr(C)]
#[derive(Clone, Copy)]
struct LoopInfo64 {
    lo_device: u64,
    lo_inode: u64,
    lo_rdevice: u64,
    lo_offset: u64,
    lo_sizelimit: u64,
    lo_number: u32,
    lo_encrypt_type: u32,
    lo_encrypt_key_size: u32,
    lo_flags: u32,
    lo_file_name: [u8; 64],
    lo_crypt_name: [u8; 64],
    lo_encrypt_key: [u8; 32],
    lo_init: [u64; 2],
}

/// `struct loop_config`.
#[repr(C)]
struct LoopConfig {
    fd: u32,
    block_size: u32,
    info: LoopInfo64,
    reserved: [u64; 8],
}

fn info(file: &Path) -> LoopInfo64 {
    let mut name = [0u8; 64];
    let bytes = file.as_os_str().as_encoded_bytes();
    let n = bytes.len().min(63);
    name[..n].copy_from_slice(&bytes[..n]);
    LoopInfo64 {
        lo_device: 0,
        lo_inode: 0,
        lo_rdevice: 0,
        lo_offset: 0,
        lo_sizelimit: 0,
        lo_number: 0,
        lo_encrypt_type: 0,
        lo_encrypt_key_size: 0,
        lo_flags: LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR,
        lo_file_name: name,
        lo_crypt_name: [0; 64],
        lo_encrypt_key: [0; 32],
        lo_init: [0; 2],
    }
}

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Attach `file` read-only to a free loop device; returns its path
/// (`/dev/loopN`, made with mknod if devtmpfs has not) and the open device.
/// The device detaches itself when its last user goes (LO_FLAGS_AUTOCLEAR):
/// keep the returned file open until the file system on it is mounted.
pub fn attach_read_only(file: &Path) -> io::Result<(PathBuf, File)> {
    let ctl = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/loop-control")?;
    // SAFETY: LOOP_CTL_GET_FREE takes no argument memory and returns a
    // device number; `ctl` is open for the duration of the call.
    let n =
        check(unsafe { libc::ioctl(ctl.as_raw_fd(), LOOP_CTL_GET_FREE as _, 0 as libc::c_ulong) })?;
    let dev = PathBuf::from(format!("/dev/loop{n}"));
    if !dev.exists() {
        super::fs::mknod_block(&dev, LOOP_MAJOR, n as u32)?;
    }
    let backing = File::open(file)?;
    let loopdev = OpenOptions::new().read(true).open(&dev)?;
    let config = LoopConfig {
        fd: backing.as_raw_fd() as u32,
        block_size: 0,
        info: info(file),
        reserved: [0; 8],
    };
    // SAFETY: LOOP_CONFIGURE reads one `struct loop_config` (repr(C), the
    // layout of include/uapi/linux/loop.h) from the pointer, which lives on
    // our stack for the whole call; both descriptors are open.
    let r = unsafe {
        libc::ioctl(
            loopdev.as_raw_fd(),
            LOOP_CONFIGURE as _,
            &config as *const LoopConfig,
        )
    };
    match check(r) {
        Ok(_) => return Ok((dev, loopdev)),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOTTY)) => {}
        Err(e) => return Err(e),
    }
    // Before Linux 5.8: attach, then set the flags.
    // SAFETY: LOOP_SET_FD takes the backing descriptor by value.
    check(unsafe {
        libc::ioctl(
            loopdev.as_raw_fd(),
            LOOP_SET_FD as _,
            backing.as_raw_fd() as libc::c_ulong,
        )
    })?;
    let status = info(file);
    // SAFETY: LOOP_SET_STATUS64 reads one `struct loop_info64` from the
    // pointer, valid on our stack for the call.
    check(unsafe {
        libc::ioctl(
            loopdev.as_raw_fd(),
            LOOP_SET_STATUS64 as _,
            &status as *const LoopInfo64,
        )
    })?;
    Ok((dev, loopdev))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_match_the_uapi_header() {
        assert_eq!(std::mem::size_of::<LoopInfo64>(), 232);
        assert_eq!(std::mem::size_of::<LoopConfig>(), 304);
    }
}

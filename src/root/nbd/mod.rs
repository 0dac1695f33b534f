//! NBD root: connect and negotiate ([`handshake`], a sans-IO machine),
//! attach `/dev/nbd0` ([`attach`]: the kernel's generic netlink "nbd"
//! family, [`genl`], falling back to the ioctl interface and its resident
//! [`helper`]), probe and mount the filesystem.
//!
//! Protocol: the NBD protocol document (NetworkBlockDevice/nbd doc/proto.md).
//! Kernel interface: include/uapi/linux/nbd.h and nbd-netlink.h.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub mod attach;
pub mod genl;
pub mod handshake;
pub mod helper;
pub use attach::disconnect;
pub use handshake::{Export, Handshake};

/// NBD root errors; each names the server, export or device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// TCP connect failed until the deadline.
    #[error("nbd server {}: server not answering ({reason})", SocketAddr::new(*.server, *.port))]
    Connect {
        /// Server.
        server: IpAddr,
        /// Port.
        port: u16,
        /// The OS error text.
        reason: String,
    },
    /// The handshake failed.
    #[error("nbd server {}, export \"{export}\": {source}", SocketAddr::new(*.server, *.port))]
    Handshake {
        /// Server.
        server: IpAddr,
        /// Port.
        port: u16,
        /// Export name.
        export: String,
        /// What went wrong.
        source: handshake::Error,
    },
    /// Neither netlink nor ioctl could attach the device.
    #[error("cannot attach {device}: {reason}")]
    Attach {
        /// The device.
        device: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The filesystem type could not be determined.
    #[error("cannot tell the filesystem on {device} (not btrfs, ext2/3/4, xfs or squashfs); give rootfstype=")]
    Probe {
        /// The device.
        device: PathBuf,
    },
    /// mount(2) failed.
    #[error("mounting {device} ({fstype}, options \"{options}\") on {target} failed: {reason}")]
    Mount {
        /// The device.
        device: PathBuf,
        /// Filesystem type.
        fstype: String,
        /// Mount data.
        options: String,
        /// Mount point.
        target: PathBuf,
        /// The OS error text with a hint.
        reason: String,
    },
}

/// What to attach and mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Server address (IPv4, or IPv6 from `root=nbd:[2001:db8::1]:...`).
    pub server: IpAddr,
    /// TCP port.
    pub port: u16,
    /// Export name.
    pub export: String,
    /// Filesystem type (`root=nbd:...:fstype`, else `rootfstype=`), None: probe.
    pub fstype: Option<String>,
    /// Mount data (`rootflags=`), e.g. `compress=lzo`.
    pub flags: Option<String>,
    /// Mount read-only.
    pub read_only: bool,
    /// `netroot.nbd.give-up=`: after this long without a connection, I/O
    /// fails instead of waiting for the server (None: it waits).
    pub give_up: Option<Duration>,
}

/// What was attached and mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mounted {
    /// The export as negotiated.
    pub export: Export,
    /// The device (`/dev/nbd0`).
    pub device: PathBuf,
    /// Whether the netlink interface attached it (false: ioctl + helper).
    pub netlink: bool,
    /// The filesystem type mounted.
    pub fstype: String,
}

/// The device netroot attaches.
pub const DEVICE: &str = "/dev/nbd0";
/// Per-request timeout handed to the kernel (seconds).
pub const IO_TIMEOUT: u64 = 30;
/// How long the kernel holds I/O for a reconnect after the connection died
/// before failing it (seconds), without `netroot.nbd.give-up=`: a year, in
/// practice for ever (like an NFS hard mount), while the resident
/// reconnects. The kernel's wait takes jiffies in a long: this stays far
/// from overflow.
pub const DEAD_CONN_TIMEOUT: u64 = 365 * 86_400;
/// argv[0] of the ioctl-mode helper: the leading `@` makes systemd leave it
/// running at shutdown (systemd's "root storage daemon" convention).
pub const HELPER_ARGV0: &str = "@netroot-nbd";

/// Connect over TCP and run the handshake until the deadline, retrying the
/// connection with backoff. Returns the stream in transmission phase.
pub fn connect(
    server: impl Into<IpAddr>,
    port: u16,
    export: &str,
    deadline: Instant,
) -> Result<(TcpStream, Export), Error> {
    let server = server.into();
    let addr = SocketAddr::new(server, port);
    let mut round = 0u32;
    let mut rng = super::dns::jitter_seed() | 1;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let attempt = TcpStream::connect_timeout(
            &addr,
            left.max(Duration::from_millis(100))
                .min(Duration::from_secs(10)),
        );
        match attempt {
            Ok(s) => return negotiate(s, server, port, export, deadline),
            Err(e) => {
                rng ^= rng << 13;
                rng ^= rng >> 17;
                rng ^= rng << 5;
                let wait = super::nfs::backoff(round, rng);
                if Instant::now() + wait >= deadline {
                    return Err(Error::Connect {
                        server,
                        port,
                        reason: e.to_string(),
                    });
                }
                crate::warn!(
                    "nbd server {addr}: {e}; retrying in {:.1} s",
                    wait.as_secs_f32()
                );
                std::thread::sleep(wait);
                round += 1;
            }
        }
    }
}

/// Run the handshake on a connected stream.
pub fn negotiate(
    mut s: TcpStream,
    server: IpAddr,
    port: u16,
    export: &str,
    deadline: Instant,
) -> Result<(TcpStream, Export), Error> {
    let hs_err = |source| Error::Handshake {
        server,
        port,
        export: export.to_string(),
        source,
    };
    let io_err = |e: std::io::Error| hs_err(handshake::Error::Protocol(format!("connection: {e}")));
    let _ = s.set_nodelay(true);
    let mut hs = Handshake::new(export).map_err(hs_err)?;
    let mut buf = [0u8; 4096];
    loop {
        let out = hs.take_output();
        if !out.is_empty() {
            s.write_all(&out).map_err(io_err)?;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(hs_err(handshake::Error::Protocol("timed out".into())));
        }
        s.set_read_timeout(Some(left)).map_err(io_err)?;
        let n = s.read(&mut buf).map_err(io_err)?;
        if n == 0 {
            return Err(hs_err(hs.eof()));
        }
        match hs.receive(&buf[..n]).map_err(hs_err)? {
            handshake::Status::NeedMore => {}
            handshake::Status::Done(e) => {
                let out = hs.take_output();
                if !out.is_empty() {
                    s.write_all(&out).map_err(io_err)?;
                }
                let _ = s.set_read_timeout(None);
                crate::info!(
                    "nbd {} export \"{export}\": {} bytes, flags {:#06x}, block size {}",
                    SocketAddr::new(server, port),
                    e.size,
                    e.flags,
                    e.kernel_block_size()
                );
                return Ok((s, e));
            }
        }
    }
}

/// Guess the filesystem from the first 64 KiB + 4 KiB of the device (PURE).
/// Magic numbers: btrfs `_BHRfS_M` at 0x10040, ext2/3/4 0xEF53 at 1080,
/// xfs `XFSB` at 0, squashfs `hsqs` at 0.
pub fn probe(buf: &[u8]) -> Option<&'static str> {
    if buf.get(0x10040..0x10048) == Some(b"_BHRfS_M") {
        return Some("btrfs");
    }
    if buf.get(0..4) == Some(b"XFSB") {
        return Some("xfs");
    }
    if buf.get(0..4) == Some(b"hsqs") {
        return Some("squashfs");
    }
    if buf.get(1080..1082) == Some(&[0x53, 0xef]) {
        return Some("ext4");
    }
    None
}

/// Bytes [`probe`] needs.
pub const PROBE_LEN: usize = 0x10040 + 8;

/// Find the file system on the attached device (unless given) and mount it.
fn probe_and_mount(
    req: &Request,
    export: &Export,
    device: &Path,
    target: &Path,
) -> Result<String, Error> {
    let device = device.to_path_buf();
    let fstype = match &req.fstype {
        Some(t) => t.clone(),
        None => {
            let mut buf = vec![0u8; PROBE_LEN];
            let read = std::fs::File::open(&device).and_then(|mut f| f.read_exact(&mut buf));
            match read.ok().and_then(|()| probe(&buf)) {
                Some(t) => t.to_string(),
                None => return Err(Error::Probe { device }),
            }
        }
    };
    let options = req.flags.clone().unwrap_or_default();
    let mut flags = crate::sys::fs::MountFlags::empty();
    if req.read_only || export.read_only() {
        flags |= crate::sys::fs::MountFlags::RDONLY;
    }
    let dev = device.to_string_lossy().into_owned();
    let data = (!options.is_empty()).then_some(options.as_str());
    crate::sys::fs::mount(&dev, target, &fstype, flags, data).map_err(|e| Error::Mount {
        device: device.clone(),
        fstype: fstype.clone(),
        options: options.clone(),
        target: target.to_path_buf(),
        reason: match e.raw_os_error() {
            Some(libc::ENODEV) => format!("kernel lacks {fstype} (module not loaded?): {e}"),
            Some(libc::EINVAL) => format!("bad options or not a {fstype} filesystem: {e}"),
            _ => e.to_string(),
        },
    })?;
    Ok(fstype)
}

/// Negotiate, attach `/dev/nbd0`, and mount its filesystem at `target`.
pub fn mount(req: &Request, target: &Path, deadline: Instant) -> Result<Mounted, Error> {
    let device = PathBuf::from(DEVICE);
    if !device.exists() {
        // devtmpfs makes the node when nbd loads; without devtmpfs, make it
        // (block major 43, Documentation/admin-guide/devices.txt).
        if let Err(e) = crate::sys::fs::mknod_block(&device, 43, 0) {
            crate::warn!("cannot create {}: {e}", device.display());
        }
    }
    let (stream, export) = connect(req.server, req.port, &req.export, deadline)?;
    // Subscribe to the connection events before attaching, so the resident
    // that reconnects misses none.
    let nbd = attach::Nbd::open();
    let events = match nbd.as_ref().map(attach::Nbd::subscribe) {
        Ok(Ok(s)) => Some(s),
        Ok(Err(e)) => {
            crate::warn!(
                "nbd: cannot watch the connection ({e}): no reconnect if the server goes away"
            );
            None
        }
        Err(_) => None,
    };
    let dead_conn = req
        .give_up
        .map_or(DEAD_CONN_TIMEOUT, |d| d.as_secs().max(1));
    let attached =
        nbd.and_then(|mut n| attach::attach_netlink(&mut n, &stream, &export, 0, dead_conn));
    let netlink = match attached {
        Ok(()) => {
            crate::info!("attached {} through netlink", device.display());
            drop(stream);
            true
        }
        Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
            return Err(Error::Attach {
                device,
                reason: format!("device busy (already connected?): {e}"),
            })
        }
        Err(e) => {
            crate::warn!(
                "netlink attach of {} failed ({e}); using the ioctl interface",
                device.display()
            );
            attach::attach_ioctl(&stream, &export, &device)
                .and_then(|dev| helper::spawn_ioctl(dev, &device))
                .map_err(|err| Error::Attach {
                    device: device.clone(),
                    reason: format!("netlink: {e}; ioctl: {err}"),
                })?;
            false
        }
    };
    let detach = |why: &Error| {
        crate::debug!("detaching {} after: {why}", device.display());
        let r = if netlink {
            attach::disconnect(0)
        } else {
            attach::detach_ioctl(&device)
        };
        if let Err(e) = r {
            crate::warn!("cannot detach {}: {e}", device.display());
        }
    };
    let fstype = match probe_and_mount(req, &export, &device, target) {
        Ok(t) => t,
        Err(e) => {
            detach(&e);
            return Err(e);
        }
    };
    crate::info!(
        "mounted {} ({fstype}) on {}",
        device.display(),
        target.display()
    );
    if let (true, Some(events)) = (netlink, events) {
        let w = helper::Watch {
            server: req.server,
            port: req.port,
            export: req.export.clone(),
            index: 0,
            size: export.size,
            give_up: req.give_up,
        };
        match helper::spawn_watch(&w, events) {
            Ok(pid) => crate::info!(
                "{HELPER_ARGV0} (pid {pid}) reconnects {} if the server goes away{}",
                device.display(),
                req.give_up
                    .map(|g| format!(" (gives up after {} s)", g.as_secs()))
                    .unwrap_or_default()
            ),
            Err(e) => crate::warn!(
                "cannot start {HELPER_ARGV0}: {e}; no reconnect if the server goes away"
            ),
        }
    }
    Ok(Mounted {
        export,
        device,
        netlink,
        fstype,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_magics() {
        let mut b = vec![0u8; PROBE_LEN];
        assert_eq!(probe(&b), None);
        b[1080] = 0x53;
        b[1081] = 0xef;
        assert_eq!(probe(&b), Some("ext4"));
        b[0x10040..0x10048].copy_from_slice(b"_BHRfS_M");
        assert_eq!(probe(&b), Some("btrfs"));
        assert_eq!(probe(b"XFSB"), Some("xfs"));
        assert_eq!(probe(&[1, 2]), None);
    }
}

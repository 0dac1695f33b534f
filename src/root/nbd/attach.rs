//! Attaching `/dev/nbd<index>` to a negotiated connection: through the
//! kernel's generic netlink "nbd" family (messages in [`super::genl`]), or
//! through the older ioctl interface (include/uapi/linux/nbd.h), whose
//! `NBD_DO_IT` needs a resident process ([`super::helper`]).

use super::genl;
use super::Export;
use crate::netlink::genl::{events, get_family, parse_family, Event, Family};
use crate::sys::genl::GenlSocket;
use std::io;
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Duration;

/// A request socket for the "nbd" family, its id and multicast groups
/// looked up.
pub struct Nbd {
    sock: GenlSocket,
    family: Family,
    seq: u32,
}

impl Nbd {
    /// Open a generic netlink socket and look up the "nbd" family (the
    /// kernel registers it when the nbd module loads).
    pub fn open() -> io::Result<Nbd> {
        let sock = GenlSocket::open(Some(Duration::from_secs(5)))?;
        sock.send(&get_family(1, genl::FAMILY))?;
        let mut family = None;
        loop {
            for e in events(&sock.recv()?) {
                match e {
                    Event::Genl(g) if g.seq == 1 => family = parse_family(&g).or(family),
                    Event::Ack(1) if family.is_none() => {
                        return Err(io::Error::other("no nbd generic netlink family"))
                    }
                    Event::Error(1, n) => return Err(io::Error::from_raw_os_error(n)),
                    _ => continue,
                }
                if let Some(f) = family {
                    return Ok(Nbd {
                        sock,
                        family: f,
                        seq: 1,
                    });
                }
            }
        }
    }

    /// The family id.
    pub fn id(&self) -> u16 {
        self.family.id
    }

    /// A new socket subscribed to the family's multicast group (where
    /// `NBD_CMD_LINK_DEAD` arrives), without a receive timeout.
    pub fn subscribe(&self) -> io::Result<GenlSocket> {
        let group = self.family.group(genl::MCAST_GROUP).ok_or_else(|| {
            io::Error::other(format!(
                "the nbd family has no multicast group {}",
                genl::MCAST_GROUP
            ))
        })?;
        let s = GenlSocket::open(None)?;
        s.join_group(group)?;
        Ok(s)
    }

    /// Send the request `build` makes for the next sequence number and wait
    /// for the kernel's acknowledgement (or its errno).
    pub fn call(&mut self, what: &str, build: impl FnOnce(u16, u32) -> Vec<u8>) -> io::Result<()> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        self.sock.send(&build(self.family.id, seq))?;
        loop {
            for e in events(&self.sock.recv()?) {
                match e {
                    Event::Ack(s) if s == seq => return Ok(()),
                    Event::Error(s, n) if s == seq => {
                        let e = io::Error::from_raw_os_error(n);
                        return Err(io::Error::new(e.kind(), format!("{what}: {e}")));
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Attach the negotiated connection to `/dev/nbd<index>` via netlink. The
/// kernel takes its own reference on the socket.
pub fn attach_netlink(
    nbd: &mut Nbd,
    stream: &TcpStream,
    e: &Export,
    index: u32,
    dead_conn_timeout: u64,
) -> io::Result<()> {
    let c = genl::Connect {
        index,
        size: e.size,
        block_size: u64::from(e.kernel_block_size()),
        server_flags: u64::from(e.flags),
        timeout: super::IO_TIMEOUT,
        dead_conn_timeout,
        fd: stream.as_raw_fd() as u32,
    };
    nbd.call("NBD_CMD_CONNECT", |f, s| genl::connect(f, s, &c))
}

/// Hand the kernel a new connection for device `index`, whose connection
/// died (`NBD_CMD_RECONFIGURE`).
pub fn reconfigure(nbd: &mut Nbd, index: u32, stream: &TcpStream) -> io::Result<()> {
    let fd = stream.as_raw_fd() as u32;
    nbd.call("NBD_CMD_RECONFIGURE", |f, s| {
        genl::reconfigure(f, s, index, fd)
    })
}

/// Disconnect `/dev/nbd<index>` through netlink (`NBD_CMD_DISCONNECT`): the
/// kernel shuts the connection down and fails the requests in flight with
/// I/O errors. For a shutdown path that has unmounted the root (or gave up
/// on it), and after a failed probe or mount so that the next try finds the
/// device free instead of EBUSY. A device attached through the ioctl
/// interface is disconnected too (the kernel handles both the same way).
pub fn disconnect(index: u32) -> io::Result<()> {
    let mut nbd = Nbd::open()?;
    nbd.call("NBD_CMD_DISCONNECT", |f, s| genl::disconnect(f, s, index))
}

/// Detach an ioctl-attached device: NBD_DISCONNECT ends the helper's
/// NBD_DO_IT, NBD_CLEAR_SOCK drops the socket.
pub fn detach_ioctl(device: &Path) -> io::Result<()> {
    use crate::sys::fs::nbd_ioctl as io;
    use crate::sys::fs::nbd_ioctl::{CLEAR_SOCK, DISCONNECT};
    let dev = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(device)?;
    io(&dev, DISCONNECT, 0)?;
    io(&dev, CLEAR_SOCK, 0)
}

/// Configure an ioctl-attached device and hand it the socket; the caller
/// starts the helper that sits in NBD_DO_IT. Returns the open device.
pub fn attach_ioctl(stream: &TcpStream, e: &Export, device: &Path) -> io::Result<std::fs::File> {
    use crate::sys::fs::nbd_ioctl as io;
    use crate::sys::fs::nbd_ioctl::*;
    let dev = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(device)?;
    let bs = u64::from(e.kernel_block_size());
    io(&dev, SET_BLKSIZE, bs)?;
    io(&dev, SET_SIZE_BLOCKS, e.size / bs)?;
    io(&dev, SET_FLAGS, u64::from(e.flags))?;
    io(&dev, SET_TIMEOUT, super::IO_TIMEOUT)?;
    io(&dev, SET_SOCK, stream.as_raw_fd() as u64)?;
    Ok(dev)
}

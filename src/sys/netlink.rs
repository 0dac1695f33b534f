//! Netlink sockets (route family): open, bind to multicast groups, send,
//! receive with a timeout. Bytes in, bytes out: the message types live in
//! `net::rtnl_wire` and `crate::netlink`. See netlink(7) and rtnetlink(7).
//!
//! rustix wraps every call here safely, so this file needs no `unsafe`.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::net::netlink::SocketAddrNetlink;
use rustix::net::{bind, recv, sendto, socket_with, AddressFamily, RecvFlags, SendFlags};
use rustix::net::{SocketFlags, SocketType};

/// `RTMGRP_LINK` (rtnetlink(7)): link state change notifications.
pub const RTMGRP_LINK: u32 = 1;
/// `RTMGRP_IPV6_IFADDR` (rtnetlink(7)): IPv6 address notifications.
pub const RTMGRP_IPV6_IFADDR: u32 = 0x100;

/// Receive buffer size. The kernel caps one dump datagram at 32 KiB
/// (`NLMSG_GOODSIZE` is at most that); 64 KiB leaves room.
const RECV_BUF: usize = 64 * 1024;

/// An `AF_NETLINK`/`NETLINK_ROUTE` socket.
#[derive(Debug)]
pub struct Socket {
    fd: OwnedFd,
    buf: Vec<u8>,
}

impl AsFd for Socket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Socket {
    /// Open a route netlink socket subscribed to the multicast `groups`
    /// (a bit mask of `RTMGRP_*`; 0 for a request-only socket).
    pub fn route(groups: u32) -> io::Result<Socket> {
        let fd = socket_with(
            AddressFamily::NETLINK,
            SocketType::RAW,
            SocketFlags::CLOEXEC,
            None, // NETLINK_ROUTE
        )?;
        // Port id 0: the kernel assigns a unique one.
        bind(&fd, &SocketAddrNetlink::new(0, groups))?;
        Ok(Socket {
            fd,
            buf: vec![0; RECV_BUF],
        })
    }

    /// Send one datagram (one or more netlink messages) to the kernel.
    pub fn send(&self, bytes: &[u8]) -> io::Result<()> {
        let n = sendto(
            &self.fd,
            bytes,
            SendFlags::empty(),
            &SocketAddrNetlink::new(0, 0),
        )?;
        if n != bytes.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "short netlink send",
            ));
        }
        Ok(())
    }

    /// Receive one datagram, waiting at most `timeout` (None: forever).
    /// Returns `Ok(None)` when the timeout passed with nothing to read.
    pub fn recv(&mut self, timeout: Option<Duration>) -> io::Result<Option<&[u8]>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let ts = left.map(|d| Timespec {
                tv_sec: d.as_secs() as _,
                tv_nsec: d.subsec_nanos() as _,
            });
            let mut fds = [PollFd::new(&self.fd, PollFlags::IN)];
            match poll(&mut fds, ts.as_ref()) {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
            match recv(self.fd.as_fd(), &mut self.buf[..], RecvFlags::DONTWAIT) {
                Ok((n, _)) => return Ok(Some(&self.buf[..n])),
                Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

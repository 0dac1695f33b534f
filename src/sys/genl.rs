//! A generic netlink socket (NETLINK_GENERIC): open, join a multicast
//! group, send, receive. Message building and parsing stay in the callers'
//! pure code (`crate::netlink`). See netlink(7).

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use rustix::net::{netlink, AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};

/// `SOL_NETLINK` (linux/socket.h).
const SOL_NETLINK: libc::c_int = 270;
/// `NETLINK_ADD_MEMBERSHIP` (linux/netlink.h): join a multicast group by
/// id (generic netlink group ids can exceed the 32 bits of `nl_groups`).
const NETLINK_ADD_MEMBERSHIP: libc::c_int = 1;

/// An open NETLINK_GENERIC socket bound to the kernel.
#[derive(Debug)]
pub struct GenlSocket {
    fd: OwnedFd,
}

fn io_err(e: rustix::io::Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

impl GenlSocket {
    /// socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_GENERIC), with a
    /// receive timeout so a silent kernel cannot hang PID 1 (None: a
    /// receive blocks until a message comes).
    pub fn open(timeout: Option<Duration>) -> io::Result<GenlSocket> {
        let fd = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::RAW,
            SocketFlags::CLOEXEC,
            Some(netlink::GENERIC),
        )
        .map_err(io_err)?;
        rustix::net::bind(&fd, &netlink::SocketAddrNetlink::new(0, 0)).map_err(io_err)?;
        let s = GenlSocket { fd };
        s.set_timeout(timeout)?;
        Ok(s)
    }

    /// Adopt an inherited socket (a resident helper gets its event socket
    /// from the process that subscribed it).
    pub fn from_fd(fd: OwnedFd) -> GenlSocket {
        GenlSocket { fd }
    }

    /// Change the receive timeout (None: block).
    pub fn set_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        rustix::net::sockopt::set_socket_timeout(
            &self.fd,
            rustix::net::sockopt::Timeout::Recv,
            timeout,
        )
        .map_err(io_err)
    }

    /// Join multicast group `group` (an id from the controller).
    pub fn join_group(&self, group: u32) -> io::Result<()> {
        let v: u32 = group;
        // SAFETY: setsockopt reads exactly size_of::<u32>() bytes from a
        // live local; the fd is owned by self and open.
        let r = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                SOL_NETLINK,
                NETLINK_ADD_MEMBERSHIP,
                (&v as *const u32).cast(),
                std::mem::size_of::<u32>() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Send one message to the kernel (port 0).
    pub fn send(&self, msg: &[u8]) -> io::Result<()> {
        let kernel = netlink::SocketAddrNetlink::new(0, 0);
        rustix::net::sendto(&self.fd, msg, SendFlags::empty(), &kernel).map_err(io_err)?;
        Ok(())
    }

    /// Receive one datagram (possibly several netlink messages), waiting up
    /// to the socket's timeout (retried after a signal).
    pub fn recv(&self) -> io::Result<Vec<u8>> {
        self.recv_flags(RecvFlags::empty())
    }

    /// Receive one datagram if one is queued (`Ok(None)` if none).
    pub fn try_recv(&self) -> io::Result<Option<Vec<u8>>> {
        match self.recv_flags(RecvFlags::DONTWAIT) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn recv_flags(&self, flags: RecvFlags) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; 16384];
        loop {
            match rustix::net::recv(&self.fd, &mut buf[..], flags) {
                Ok((n, _)) => {
                    buf.truncate(n);
                    return Ok(buf);
                }
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(io_err(e)),
            }
        }
    }
}

impl AsFd for GenlSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

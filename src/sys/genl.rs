//! A generic netlink socket (NETLINK_GENERIC): open, send, receive. Message
//! building and parsing stay in the callers' pure code.

use std::io;
use std::os::fd::OwnedFd;

use rustix::net::{netlink, AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};

/// An open NETLINK_GENERIC socket bound to the kernel.
pub struct GenlSocket {
    fd: OwnedFd,
}

fn io_err(e: rustix::io::Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

impl GenlSocket {
    /// socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_GENERIC), with a
    /// receive timeout so a silent kernel cannot hang PID 1.
    pub fn open(timeout: std::time::Duration) -> io::Result<GenlSocket> {
        let fd = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::RAW,
            SocketFlags::CLOEXEC,
            Some(netlink::GENERIC),
        )
        .map_err(io_err)?;
        rustix::net::bind(&fd, &netlink::SocketAddrNetlink::new(0, 0)).map_err(io_err)?;
        rustix::net::sockopt::set_socket_timeout(
            &fd,
            rustix::net::sockopt::Timeout::Recv,
            Some(timeout),
        )
        .map_err(io_err)?;
        Ok(GenlSocket { fd })
    }

    /// Send one message to the kernel (port 0).
    pub fn send(&self, msg: &[u8]) -> io::Result<()> {
        let kernel = netlink::SocketAddrNetlink::new(0, 0);
        rustix::net::sendto(&self.fd, msg, SendFlags::empty(), &kernel).map_err(io_err)?;
        Ok(())
    }

    /// Receive one datagram (possibly several netlink messages).
    pub fn recv(&self) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; 16384];
        let (n, _) =
            rustix::net::recv(&self.fd, &mut buf[..], RecvFlags::empty()).map_err(io_err)?;
        buf.truncate(n);
        Ok(buf)
    }
}

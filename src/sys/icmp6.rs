//! The raw ICMPv6 socket of the IPv6 bring-up: Router Solicitations out,
//! Router Advertisements in (RFC 4861), on one interface. RFC 3542 is the
//! API: the kernel computes and verifies the ICMPv6 checksum of a raw
//! ICMPv6 socket (§3.1), ICMP6_FILTER drops other types in the kernel
//! (§3.2), IPV6_RECVHOPLIMIT delivers each packet's hop limit (§6.3),
//! which RFC 4861 §6.1.2 requires to be 255.

use std::io;
use std::net::{Ipv6Addr, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use socket2::{Domain, Protocol, Socket, Type};

/// `ICMP6_FILTER` (netinet/icmp6.h; linux/icmpv6.h), level IPPROTO_ICMPV6.
const ICMP6_FILTER: libc::c_int = 1;

/// A raw ICMPv6 socket bound to one interface, receiving only `pass`.
#[derive(Debug)]
pub struct Icmp6Socket {
    sock: Socket,
    ifindex: u32,
}

/// One received ICMPv6 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes of the ICMPv6 message (from its type octet).
    pub len: usize,
    /// The IPv6 source address.
    pub source: Ipv6Addr,
    /// The IPv6 hop limit it arrived with (0 when the kernel gave none).
    pub hop_limit: u8,
}

fn setsockopt_int(
    sock: &Socket,
    level: libc::c_int,
    name: libc::c_int,
    v: libc::c_int,
) -> io::Result<()> {
    // SAFETY: valid socket fd; the value points to a c_int of the size given,
    // alive for the call.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            name,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

impl Icmp6Socket {
    /// Open a non-blocking raw ICMPv6 socket on `iface` (index `ifindex`)
    /// that receives only ICMPv6 type `pass` and sends with hop limit 255.
    pub fn open(iface: &str, ifindex: u32, pass: u8) -> io::Result<Icmp6Socket> {
        let sock = Socket::new(Domain::IPV6, Type::RAW.cloexec(), Some(Protocol::ICMPV6))?;
        // struct icmp6_filter: 256 bits, a set bit blocks that type
        // (RFC 3542 §3.2, ICMP6_FILTER_SETBLOCKALL then SETPASS).
        let mut filter = [u32::MAX; 8];
        filter[usize::from(pass >> 5)] &= !(1u32 << (pass & 31));
        // SAFETY: valid socket fd; the value points to the 32-byte filter,
        // alive for the call.
        let rc = unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::IPPROTO_ICMPV6,
                ICMP6_FILTER,
                filter.as_ptr().cast(),
                std::mem::size_of_val(&filter) as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        setsockopt_int(&sock, libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT, 1)?;
        // RFC 4861 §4.1: an RS leaves with hop limit 255.
        sock.set_multicast_hops_v6(255)?;
        sock.set_unicast_hops_v6(255)?;
        sock.bind_device(Some(iface.as_bytes()))?;
        sock.set_nonblocking(true)?;
        Ok(Icmp6Socket { sock, ifindex })
    }

    /// Send one ICMPv6 message (checksum left to the kernel) to `dest` on
    /// our interface.
    pub fn send_to(&self, msg: &[u8], dest: Ipv6Addr) -> io::Result<()> {
        let to = SocketAddrV6::new(dest, 0, 0, self.ifindex);
        let n = self.sock.send_to(msg, &to.into())?;
        if n != msg.len() {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "short send"));
        }
        Ok(())
    }

    /// Receive one message into `buf`; None when nothing is queued.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<Received>> {
        let Some(m) = super::msg::recv(self.sock.as_fd(), buf)? else {
            return Ok(None);
        };
        // struct sockaddr_in6: family (2), port (2), flowinfo (4), address.
        let source = m
            .name
            .get(8..24)
            .and_then(|a| <[u8; 16]>::try_from(a).ok())
            .map_or(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from);
        let hop_limit = m
            .control
            .iter()
            .find(|(level, kind, data)| {
                *level == libc::IPPROTO_IPV6 && *kind == libc::IPV6_HOPLIMIT && data.len() >= 4
            })
            .map_or(0, |(_, _, d)| {
                u8::try_from(i32::from_ne_bytes([d[0], d[1], d[2], d[3]])).unwrap_or(0)
            });
        Ok(Some(Received {
            len: m.len,
            source,
            hop_limit,
        }))
    }
}

impl AsFd for Icmp6Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

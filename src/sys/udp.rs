//! The UDP socket of the resident DHCP renewer: port 68 on one interface.

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};

/// A UDP socket bound to 0.0.0.0:68 on `iface` (SO_BINDTODEVICE, so a
/// broadcast REBIND leaves by the root's interface and replies arriving on
/// other interfaces are not ours), allowed to broadcast (SO_BROADCAST).
/// Unlike the boot's packet socket this needs the address configured: it is
/// for RENEWING and REBINDING (RFC 2131 §4.4.5), where the client has one.
pub fn dhcp_client_socket(iface: &str) -> io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.set_broadcast(true)?;
    s.bind_device(Some(iface.as_bytes()))?;
    s.bind(&SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68).into())?;
    Ok(s.into())
}

/// The DHCPv6 client socket (RFC 8415 §7.2): UDP [::]:546 on `iface`
/// (SO_BINDTODEVICE: a Solicit to ff02::1:2 must leave by this link, and
/// replies arriving on other links are not ours), IPv6 only,
/// non-blocking. Needs a usable link-local address on the link to send.
pub fn dhcp6_client_socket(iface: &str) -> io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::IPV6, Type::DGRAM.cloexec(), Some(Protocol::UDP))?;
    s.set_only_v6(true)?;
    s.set_reuse_address(true)?;
    s.bind_device(Some(iface.as_bytes()))?;
    s.bind(&std::net::SocketAddrV6::new(std::net::Ipv6Addr::UNSPECIFIED, 546, 0, 0).into())?;
    s.set_nonblocking(true)?;
    Ok(s.into())
}

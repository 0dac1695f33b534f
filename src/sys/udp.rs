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

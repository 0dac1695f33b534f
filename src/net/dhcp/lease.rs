//! What a DHCP server told us (or what a static `ip=` said), as plain data.
//! Every string here came from the network: treat it as hostile (quote it
//! before it reaches a shell, bound its length before it reaches a buffer).

use std::net::Ipv4Addr;
use std::time::Duration;

/// A bound lease (or the equivalent static configuration).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lease {
    /// yiaddr: our address.
    pub addr: Option<Ipv4Addr>,
    /// Option 1.
    pub netmask: Option<Ipv4Addr>,
    /// Option 28.
    pub broadcast: Option<Ipv4Addr>,
    /// Option 3, in order.
    pub routers: Vec<Ipv4Addr>,
    /// Option 121 (RFC 3442): (destination, prefix length, gateway); when
    /// present it replaces option 3 for routing.
    pub classless_routes: Vec<(Ipv4Addr, u8, Ipv4Addr)>,
    /// Option 6.
    pub dns: Vec<Ipv4Addr>,
    /// Option 7 (RFC 2132 §3.7): log servers, in order of preference
    /// (`netroot.syslog=dhcp` sends to the first).
    pub log_servers: Vec<Ipv4Addr>,
    /// Option 12.
    pub hostname: Option<String>,
    /// Option 15.
    pub domain: Option<String>,
    /// Option 119 (RFC 3397).
    pub domain_search: Vec<String>,
    /// Option 40.
    pub nis_domain: Option<String>,
    /// Option 42.
    pub ntp: Vec<Ipv4Addr>,
    /// Option 17: root path, `[<server>:]<path>[,<options>]`.
    pub root_path: Option<String>,
    /// Option 26.
    pub mtu: Option<u16>,
    /// Option 54: the server that granted the lease.
    pub server_id: Option<Ipv4Addr>,
    /// siaddr: next server (TFTP/boot server).
    pub next_server: Option<Ipv4Addr>,
    /// Option 66 (or sname).
    pub tftp_server: Option<String>,
    /// Option 67 (or file).
    pub bootfile: Option<String>,
    /// Option 51.
    pub lease_time: Option<Duration>,
    /// True when bound with a rapid-commit ACK (RFC 4039).
    pub rapid_commit: bool,
}

//! IPv6: what a boot learns over IPv6 (router advertisements, DHCPv6, or a
//! static `ip=[addr]::[gw]:prefix:...` form), as plain data shared by the
//! command line, the bring-up and the hand-over.
//!
//! Every string here came from the network or the command line: treat it as
//! hostile (quote it before it reaches a shell, bound its length before it
//! reaches a buffer), as for [`crate::net::dhcp::lease::Lease`].

use std::net::Ipv6Addr;
use std::time::Duration;

pub mod dhcpv6;
pub mod driver;
pub mod machine;
pub mod ra;

/// How an interface gets its IPv6 configuration (dracut.cmdline(7)'s
/// `ip=<iface>:<method>` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode6 {
    /// `auto6`: router advertisements only (SLAAC, RFC 4862), DNS from the
    /// RA (RFC 8106); DHCPv6 information-request when the RA sets the O flag.
    Auto6,
    /// `dhcp6`: DHCPv6 (RFC 8415) for the address; the default route comes
    /// from router advertisements (DHCPv6 carries none).
    Dhcp6,
    /// `either6`: whichever of `auto6` and `dhcp6` the router's
    /// advertisement asks for (M flag: DHCPv6, else SLAAC).
    Either6,
    /// A static address from `ip=[addr]::[gw]:<prefix>:...:none`.
    Static,
}

/// Where an address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source6 {
    /// Formed from a router advertisement's prefix (SLAAC).
    Slaac,
    /// Leased by a DHCPv6 server (IA_NA).
    Dhcp6,
    /// Given on the command line.
    Static,
}

/// One address with its prefix length and lifetimes (None: infinite or
/// static).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr6 {
    /// The address.
    pub addr: Ipv6Addr,
    /// Prefix length (64 for SLAAC; a DHCPv6 address is a /128 unless an RA
    /// names its on-link prefix).
    pub prefix_len: u8,
    /// Where it came from.
    pub source: Source6,
    /// Preferred lifetime.
    pub preferred: Option<Duration>,
    /// Valid lifetime.
    pub valid: Option<Duration>,
}

/// What the IPv6 configuration of one interface is, whichever way it came.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lease6 {
    /// Global (or unique-local) addresses, in the order they were learnt.
    pub addrs: Vec<Addr6>,
    /// Default router (link-local source of a router advertisement with a
    /// non-zero router lifetime, or the static gateway).
    pub gateway: Option<Ipv6Addr>,
    /// Recursive DNS servers (RA RDNSS, RFC 8106; DHCPv6 option 23, RFC 3646).
    pub dns: Vec<Ipv6Addr>,
    /// Search domains (RA DNSSL, RFC 8106; DHCPv6 option 24).
    pub search: Vec<String>,
    /// Host name (static `ip=` field; DHCPv6 has no plain host-name option).
    pub hostname: Option<String>,
    /// DHCPv6 boot file URL (option 59, RFC 5970), e.g. a `root=live:` image
    /// or an NFS root path.
    pub boot_url: Option<String>,
    /// Link MTU from the router advertisement.
    pub mtu: Option<u32>,
    /// The DHCPv6 server's DUID (option 2), when a server answered.
    pub server_id: Option<Vec<u8>>,
    /// True when bound with a rapid-commit Reply (RFC 8415 §18.2.1).
    pub rapid_commit: bool,
}

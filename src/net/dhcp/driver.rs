//! STUB with the agreed API, replaced by the `dhcp` branch on merge.

use std::net::Ipv4Addr;
use std::time::Duration;

use super::Lease;

/// One candidate interface.
#[derive(Debug, Clone)]
pub struct Iface {
    /// Name.
    pub name: String,
    /// ifindex.
    pub index: u32,
    /// MAC.
    pub mac: [u8; 6],
}

/// What the client asks for.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// Client identifier (option 61); None: MAC based.
    pub client_id: Option<Vec<u8>>,
    /// Hostname to send (option 12).
    pub hostname: Option<String>,
    /// INIT-REBOOT address.
    pub requested_ip: Option<Ipv4Addr>,
    /// Ask for rapid commit.
    pub rapid_commit: bool,
    /// Overall timeout.
    pub timeout: Duration,
}

/// Driver failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nobody answered.
    #[error("no DHCP server answered within {0} s")]
    Timeout(u64),
}

/// Acquire a lease on any of `ifaces`.
pub fn acquire(_ifaces: &[Iface], params: &Params) -> Result<(usize, Lease), Error> {
    Err(Error::Timeout(params.timeout.as_secs()))
}

//! The `ip=` / `nfsaddrs=` parameter: the kernel's ten colon-separated fields
//! (Documentation/admin-guide/nfs/nfsroot.rst), klibc's extra autoconf values,
//! and dracut's `ip=<iface>:<method>[:<mtu>[:<macaddr>]]` form.

use std::net::Ipv4Addr;

/// The `<autoconf>` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Autoconf {
    /// `off` / `none`: no autoconfiguration (static if a client address is given).
    Off,
    /// `on` / `any` / `both` / `all` / empty: any protocol; netroot uses DHCP.
    Any,
    /// `dhcp` (also dracut's `dhcp`).
    Dhcp,
    /// `bootp`: netroot answers it with DHCP (a DHCP server answers BOOTP clients too).
    Bootp,
    /// `rarp`: not supported by netroot; reported as an error at run time.
    Rarp,
    /// klibc's `static` / dracut's `none`-with-address: use the given values only.
    Static,
}

/// One `ip=` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpParam {
    /// Field 1: client address (`0.0.0.0` or empty = unset).
    pub client: Option<Ipv4Addr>,
    /// Field 2: NFS server address.
    pub server: Option<Ipv4Addr>,
    /// Field 3: gateway.
    pub gateway: Option<Ipv4Addr>,
    /// Field 4: netmask (None = classful default when static).
    pub netmask: Option<Ipv4Addr>,
    /// Field 5: hostname (without the NIS domain part).
    pub hostname: Option<String>,
    /// NIS domain taken from a dotted hostname `a.b` → `b`.
    pub nis_domain: Option<String>,
    /// Field 6: device name (None = all candidate devices).
    pub device: Option<String>,
    /// Field 7: autoconf method.
    pub autoconf: Autoconf,
    /// `dhcp,<client-id-type>,<client-id-value>`: DHCP client identifier.
    pub client_id: Option<(u8, String)>,
    /// Fields 8 and 9: DNS servers.
    pub dns: Vec<Ipv4Addr>,
    /// Field 10: NTP server.
    pub ntp: Option<Ipv4Addr>,
    /// dracut's `:<mtu>`.
    pub mtu: Option<u16>,
    /// dracut's `:<macaddr>` (select or set the interface's MAC).
    pub mac: Option<[u8; 6]>,
}

impl Default for IpParam {
    fn default() -> Self {
        IpParam {
            client: None,
            server: None,
            gateway: None,
            netmask: None,
            hostname: None,
            nis_domain: None,
            device: None,
            autoconf: Autoconf::Any,
            client_id: None,
            dns: Vec::new(),
            ntp: None,
            mtu: None,
            mac: None,
        }
    }
}

impl IpParam {
    /// Whether this parameter asks for DHCP (rather than static or off).
    pub fn uses_dhcp(&self) -> bool {
        matches!(self.autoconf, Autoconf::Any | Autoconf::Dhcp | Autoconf::Bootp)
    }
}

/// The classful default netmask of an address (kernel `ipconfig` does the same
/// when the netmask field is empty).
pub fn classful_netmask(addr: Ipv4Addr) -> Ipv4Addr {
    let first = addr.octets()[0];
    if first < 128 {
        Ipv4Addr::new(255, 0, 0, 0)
    } else if first < 192 {
        Ipv4Addr::new(255, 255, 0, 0)
    } else {
        Ipv4Addr::new(255, 255, 255, 0)
    }
}

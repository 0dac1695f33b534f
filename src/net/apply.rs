//! Lease (or static `ip=`) -> address, routes, MTU, resolv.conf, hostname.
//!
//! [`plan`] is PURE: it turns a lease into a [`Plan`] of plain data (so the
//! interesting decisions — RFC 3442 classless routes over option 3, on-link
//! gateways, broadcast, which names are safe to use — are unit tested), and
//! [`execute`] carries the plan out over rtnetlink and files.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use super::dhcp::Lease;
use super::ipv6::{Lease6, Mode6, Source6};
use super::link::Rtnl;
use super::rtnl_wire::{self as wire, Request};
use super::Proto;
use crate::cmdline::ip::classful_netmask;

/// Applying a plan failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The lease has no address to configure.
    #[error("no client address for {iface}")]
    NoAddress {
        /// Interface name.
        iface: String,
    },
    /// A netlink request failed.
    #[error(transparent)]
    Link(#[from] super::link::Error),
    /// A file could not be written.
    #[error("write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// sethostname(2) failed.
    #[error("set hostname {name}: {source}")]
    Hostname {
        /// The name.
        name: String,
        /// errno.
        #[source]
        source: io::Error,
    },
}

/// The address to put on the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    /// Our address.
    pub addr: Ipv4Addr,
    /// Prefix length from the netmask.
    pub prefix_len: u8,
    /// Broadcast address (None for /31 and /32, RFC 3021).
    pub broadcast: Option<Ipv4Addr>,
}

/// One IPv4 route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// Destination network (host bits cleared).
    pub dest: Ipv4Addr,
    /// Destination prefix length (0: default route).
    pub prefix_len: u8,
    /// Next hop; None: the destination is directly on the link.
    pub gateway: Option<Ipv4Addr>,
    /// The gateway is outside our subnet: tell the kernel it is reachable
    /// on the link anyway (`RTNH_F_ONLINK`, `ip route ... onlink`).
    pub onlink: bool,
}

/// Everything to configure for one interface, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Interface name.
    pub iface: String,
    /// ifindex.
    pub index: u32,
    /// How the configuration was obtained (route protocol, file comments).
    pub proto: Proto,
    /// MTU to set (option 26 or `ip=`), only when sane (>= 68, RFC 791).
    pub mtu: Option<u32>,
    /// The IPv4 address; None when IPv4 is not configured (an IPv6-only
    /// `ip=`).
    pub address: Option<Address>,
    /// Routes, direct ones first (a gateway must be reachable before a
    /// route through it is added).
    pub routes: Vec<Route>,
    /// Name servers, in the server's order.
    pub nameservers: Vec<Ipv4Addr>,
    /// Search domains (option 119, else option 15), only syntactically
    /// valid DNS names: they end up in resolv.conf and networkd files.
    pub search: Vec<String>,
    /// Hostname to set, only when it is a valid host name.
    pub hostname: Option<String>,
    /// The IPv6 configuration, when there is one ([`plan6`]).
    pub v6: Option<Plan6>,
}

/// One IPv6 address to put on the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address6 {
    /// The address.
    pub addr: Ipv6Addr,
    /// Prefix length (1 to 128).
    pub prefix_len: u8,
    /// Where it came from.
    pub source: Source6,
    /// Add it without duplicate address detection (`IFA_F_NODAD`).
    pub nodad: bool,
    /// Preferred and valid lifetime in seconds; None: infinite.
    pub lifetimes: Option<(u32, u32)>,
}

/// The IPv6 half of a plan, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan6 {
    /// How the configuration was obtained.
    pub mode: Mode6,
    /// Addresses, in the lease's order.
    pub addresses: Vec<Address6>,
    /// Default router.
    pub gateway: Option<Ipv6Addr>,
    /// The router is in none of our prefixes (and not link-local): added
    /// with `RTNH_F_ONLINK`.
    pub onlink: bool,
    /// Name servers (unicast only).
    pub nameservers: Vec<Ipv6Addr>,
    /// Search domains, only valid DNS names.
    pub search: Vec<String>,
}

/// Whether a static address is added without duplicate address detection.
///
/// Yes: with DAD (RFC 4862 §5.4) the kernel keeps the address tentative
/// for a random delay of up to a second plus RetransTimer (1 s) before it
/// may be a source address, so every boot would wait that long before the
/// root server can be reached, or fail its first connect. The IPv4 static
/// path does not probe for conflicts either (no RFC 5227 ARP probe): the
/// address is the administrator's, as written on the command line. The
/// cost: a duplicate static address is not detected (RFC 4862 §5.4 lets
/// DupAddrDetectTransmits be zero, which is this). Addresses from RAs and
/// DHCPv6 go through the kernel's DAD.
fn nodad(source: Source6) -> bool {
    source == Source6::Static
}

fn is_link_local6(a: Ipv6Addr) -> bool {
    (a.segments()[0] & 0xffc0) == 0xfe80
}

/// Whether `a` lies in `net`/`plen`.
fn in_prefix6(a: Ipv6Addr, net: Ipv6Addr, plen: u8) -> bool {
    let mask = u128::MAX
        .checked_shl(128 - u32::from(plen.min(128)))
        .unwrap_or(0);
    u128::from(a) & mask == u128::from(net) & mask
}

/// A lifetime in whole seconds for `IFA_CACHEINFO` (infinite when None).
fn life_secs(d: Option<std::time::Duration>) -> u32 {
    d.map_or(wire::INFINITY_LIFE_TIME, |d| {
        u32::try_from(d.as_secs()).unwrap_or(wire::INFINITY_LIFE_TIME)
    })
}

/// The IPv6 plan for `lease` got by `mode`. PURE. Hostile values are
/// dropped with a warning: prefix lengths outside 1..=128, non-unicast
/// addresses and name servers, search domains that are not DNS names.
pub fn plan6(iface: &str, mode: Mode6, lease: &Lease6) -> Plan6 {
    let mut addresses = Vec::new();
    for a in &lease.addrs {
        let unicast = !a.addr.is_unspecified() && !a.addr.is_multicast() && !a.addr.is_loopback();
        if !(1..=128).contains(&a.prefix_len) || !unicast {
            crate::warn!(
                "{iface}: IPv6 address {}/{} dropped: not a unicast address with a prefix length of 1 to 128",
                a.addr,
                a.prefix_len
            );
            continue;
        }
        let lifetimes = (a.preferred.is_some() || a.valid.is_some())
            .then(|| (life_secs(a.preferred), life_secs(a.valid)));
        addresses.push(Address6 {
            addr: a.addr,
            prefix_len: a.prefix_len,
            source: a.source,
            nodad: nodad(a.source),
            lifetimes,
        });
    }
    let gateway = lease
        .gateway
        .filter(|g| !g.is_unspecified() && !g.is_multicast() && !g.is_loopback());
    let onlink = gateway.is_some_and(|g| {
        !is_link_local6(g)
            && !addresses
                .iter()
                .any(|a| in_prefix6(g, a.addr, a.prefix_len))
    });
    let nameservers = lease
        .dns
        .iter()
        .copied()
        .filter(|a| !a.is_unspecified() && !a.is_multicast())
        .collect();
    let mut search = lease.search.clone();
    search.retain(|d| {
        let ok = valid_dns_name(d);
        if !ok {
            crate::warn!("{iface}: IPv6 search domain {d:?} ignored: not a valid DNS name");
        }
        ok
    });
    Plan6 {
        mode,
        addresses,
        gateway,
        onlink,
        nameservers,
        search,
    }
}

impl Plan6 {
    /// The rtnetlink requests for the addresses and the default route
    /// (tagged `RTPROT_BOOT` for a static one, `RTPROT_RA` for a router
    /// learnt from an advertisement). PURE.
    pub fn requests(&self, index: u32) -> Vec<Request> {
        let mut out: Vec<Request> = self
            .addresses
            .iter()
            .map(|a| Request::NewAddress6 {
                index,
                addr: a.addr,
                prefix_len: a.prefix_len,
                nodad: a.nodad,
                optimistic: false,
                lifetimes: a.lifetimes,
            })
            .collect();
        if let Some(gw) = self.gateway {
            out.push(Request::NewRoute6 {
                oif: index,
                dest: Ipv6Addr::UNSPECIFIED,
                prefix_len: 0,
                gateway: Some(gw),
                onlink: self.onlink,
                protocol: if self.mode == Mode6::Static {
                    wire::RTPROT_BOOT
                } else {
                    wire::RTPROT_RA
                },
            });
        }
        out
    }
}

/// Prefix length of a contiguous netmask; None when the mask has holes.
pub fn prefix_len(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    let ones = m.leading_ones();
    (m.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

/// The netmask of a prefix length.
pub fn netmask(prefix_len: u8) -> Ipv4Addr {
    let p = u32::from(prefix_len.min(32));
    Ipv4Addr::from(u32::MAX.checked_shl(32 - p).unwrap_or(0))
}

fn network(addr: Ipv4Addr, prefix_len: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(addr) & u32::from(netmask(prefix_len)))
}

/// Fill in what a lease may leave out, the way klibc's ipconfig does
/// (`postprocess_device`): a classful netmask when there is none (or when
/// the server's mask is not contiguous), and the directed broadcast.
pub fn complete(lease: &Lease) -> Lease {
    let mut l = lease.clone();
    if let Some(addr) = l.addr {
        let mask = match l.netmask {
            Some(m) if prefix_len(m).is_some() => m,
            Some(m) => {
                crate::warn!("netmask {m} has holes; using the classful default");
                classful_netmask(addr)
            }
            None => classful_netmask(addr),
        };
        l.netmask = Some(mask);
        let plen = prefix_len(mask).unwrap_or(0);
        if l.broadcast.is_none() && plen < 31 {
            l.broadcast = Some(Ipv4Addr::from(u32::from(addr) | !u32::from(mask)));
        }
    }
    l
}

pub use crate::util::valid_dns_name;

/// Whether `name` can be given to sethostname(2): a valid DNS name of at
/// most 64 bytes (`HOST_NAME_MAX`).
pub fn valid_hostname(name: &str) -> bool {
    name.len() <= 64 && valid_dns_name(name)
}

/// Compute the plan for interface `iface` (`index`) from a lease. PURE.
pub fn plan(iface: &str, index: u32, proto: Proto, lease: &Lease) -> Result<Plan, Error> {
    let lease = complete(lease);
    let Some(addr) = lease.addr else {
        return Ok(Plan {
            address: None,
            routes: Vec::new(),
            ..plan_names(iface, index, proto, &lease)
        });
    };
    let plen = lease.netmask.and_then(prefix_len).unwrap_or(32);
    let address = Address {
        addr,
        prefix_len: plen,
        broadcast: if plen < 31 { lease.broadcast } else { None },
    };
    let subnet = network(addr, plen);
    let on_subnet = |gw: Ipv4Addr| network(gw, plen) == subnet;

    let mut routes = Vec::new();
    if !lease.classless_routes.is_empty() {
        // RFC 3442 §3: with option 121 present the client MUST ignore option 3.
        for &(dest, dplen, gw) in &lease.classless_routes {
            if dplen > 32 {
                crate::warn!("{iface}: classless route {dest}/{dplen} dropped: bad prefix length");
                continue;
            }
            let route = if gw.is_unspecified() {
                // RFC 3442 §2: router 0.0.0.0 means the destination is on-link.
                Route {
                    dest: network(dest, dplen),
                    prefix_len: dplen,
                    gateway: None,
                    onlink: false,
                }
            } else {
                Route {
                    dest: network(dest, dplen),
                    prefix_len: dplen,
                    gateway: Some(gw),
                    onlink: !on_subnet(gw),
                }
            };
            // The kernel already has the connected route of our own subnet.
            if route.gateway.is_none() && route.dest == subnet && route.prefix_len == plen {
                continue;
            }
            if !routes.contains(&route) {
                routes.push(route);
            }
        }
    } else if let Some(&gw) = lease.routers.iter().find(|g| !g.is_unspecified()) {
        routes.push(Route {
            dest: Ipv4Addr::UNSPECIFIED,
            prefix_len: 0,
            gateway: Some(gw),
            onlink: !on_subnet(gw),
        });
    }
    // Direct routes first: a gateway inside them must be reachable first.
    routes.sort_by_key(|r| r.gateway.is_some());
    Ok(Plan {
        address: Some(address),
        routes,
        ..plan_names(iface, index, proto, &lease)
    })
}

/// The parts of a plan that do not depend on an IPv4 address: MTU, name
/// servers, search domains, host name.
fn plan_names(iface: &str, index: u32, proto: Proto, lease: &Lease) -> Plan {
    let mut search: Vec<String> = if lease.domain_search.is_empty() {
        lease.domain.iter().cloned().collect()
    } else {
        lease.domain_search.clone()
    };
    search.retain(|d| {
        let ok = valid_dns_name(d);
        if !ok {
            crate::warn!("{iface}: search domain {d:?} ignored: not a valid DNS name");
        }
        ok
    });
    let nameservers: Vec<Ipv4Addr> = lease
        .dns
        .iter()
        .copied()
        .filter(|a| !a.is_unspecified() && !a.is_broadcast())
        .collect();
    let hostname = lease.hostname.as_ref().and_then(|h| {
        if valid_hostname(h) {
            Some(h.clone())
        } else {
            crate::warn!("{iface}: hostname {h:?} ignored: not a valid host name");
            None
        }
    });
    let mtu = lease.mtu.map(u32::from).filter(|m| *m >= 68);
    Plan {
        iface: iface.to_string(),
        index,
        proto,
        mtu,
        address: None,
        routes: Vec::new(),
        nameservers,
        search,
        hostname,
        v6: None,
    }
}

impl Plan {
    /// The resolv.conf text (resolv.conf(5)); None when there is nothing to
    /// say (no name server and no search domain).
    pub fn resolv_conf(&self) -> Option<String> {
        let (ns6, search6) = match &self.v6 {
            Some(v) => (&v.nameservers[..], &v.search[..]),
            None => (&[][..], &[][..]),
        };
        let mut search = self.search.clone();
        for d in search6 {
            if !search.contains(d) {
                search.push(d.clone());
            }
        }
        if self.nameservers.is_empty() && ns6.is_empty() && search.is_empty() {
            return None;
        }
        let mut s = format!(
            "# Generated by netroot ({} on {})\n",
            self.proto.name(),
            self.iface
        );
        if !search.is_empty() {
            s.push_str("search ");
            s.push_str(&search.join(" "));
            s.push('\n');
        }
        for ns in &self.nameservers {
            s.push_str(&format!("nameserver {ns}\n"));
        }
        for ns in ns6 {
            s.push_str(&format!("nameserver {ns}\n"));
        }
        Some(s)
    }
}

impl Plan {
    /// The rtnetlink requests that configure the address and then the
    /// routes, in order (rtnetlink(7): `RTM_NEWADDR`, `RTM_NEWROUTE`). PURE.
    /// Routes are unicast in the main table, tagged `RTPROT_DHCP` or
    /// `RTPROT_BOOT` (as klibc ipconfig and networkd do) so `ip route`
    /// shows where they came from; a route without a gateway has link
    /// scope.
    pub fn requests(&self) -> Vec<Request> {
        let mut out: Vec<Request> = self
            .address
            .iter()
            .map(|a| Request::NewAddress {
                index: self.index,
                addr: a.addr,
                prefix_len: a.prefix_len,
                broadcast: a.broadcast,
            })
            .collect();
        let protocol = match self.proto {
            Proto::Dhcp => wire::RTPROT_DHCP,
            Proto::Static => wire::RTPROT_BOOT,
        };
        out.extend(self.routes.iter().map(|r| Request::NewRoute {
            oif: self.index,
            dest: r.dest,
            prefix_len: r.prefix_len,
            gateway: r.gateway,
            onlink: r.onlink,
            scope: if r.gateway.is_some() {
                wire::RT_SCOPE_UNIVERSE
            } else {
                wire::RT_SCOPE_LINK
            },
            protocol,
        }));
        if let Some(v6) = &self.v6 {
            out.extend(v6.requests(self.index));
        }
        out
    }
}

/// Turn the kernel's handling of router advertisements off on `iface`
/// (ip-sysctl.rst `accept_ra`), before the link goes up: with a static
/// IPv6 address the command line is the whole configuration, and an RA
/// would add a SLAAC address and routes beside it.
pub fn refuse_ra(iface: &str) {
    let knob = format!("/proc/sys/net/ipv6/conf/{iface}/accept_ra");
    if let Err(e) = std::fs::write(&knob, "0") {
        crate::warn!("{knob}: {e}");
    }
}

/// Write `contents` to `path` atomically (temporary file + rename), so a
/// reader never sees half a file.
pub fn write_file(path: &Path, contents: &str) -> Result<(), Error> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".netroot-tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, contents).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// Carry out `plan`: MTU, address, routes over rtnetlink; resolv.conf under
/// `etc_dir`; the hostname only when `set_hostname` (the caller clears it
/// when its files are redirected, i.e. when it is not configuring the
/// machine for real: `ip netns exec` shares the UTS namespace with the host).
pub fn execute(
    plan: &Plan,
    rtnl: &mut Rtnl,
    link: &super::link::Link,
    etc_dir: &Path,
    set_hostname: bool,
) -> Result<(), Error> {
    if let Some(mtu) = plan.mtu {
        if mtu != link.mtu {
            // A refused MTU is not worth failing the boot for.
            if let Err(e) = rtnl.set_mtu(link, mtu) {
                crate::warn!("{e}");
            }
        }
    }

    if plan.v6.as_ref().is_some_and(|v| v.mode == Mode6::Static) {
        // A static address is the whole IPv6 configuration: router
        // advertisements would add addresses and routes beside it (the
        // kernel's own SLAAC) that the command line did not ask for.
        let knob = format!("/proc/sys/net/ipv6/conf/{}/accept_ra", plan.iface);
        if let Err(e) = std::fs::write(&knob, "0") {
            crate::warn!("{knob}: {e}");
        }
    }
    for req in plan.requests() {
        let op = match req {
            Request::NewAddress { .. } => "add address",
            Request::NewAddress6 { .. } => "add IPv6 address",
            Request::NewRoute6 { .. } => "add IPv6 route",
            _ => "add route",
        };
        rtnl.request(&req, op, &plan.iface)?;
    }

    if let Some(text) = plan.resolv_conf() {
        write_file(&etc_dir.join("resolv.conf"), &text)?;
    }
    if let (true, Some(h)) = (set_hostname, &plan.hostname) {
        crate::sys::fs::sethostname(h).map_err(|source| Error::Hostname {
            name: h.clone(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn base() -> Lease {
        Lease {
            addr: Some(ip("10.77.0.50")),
            netmask: Some(ip("255.255.255.0")),
            routers: vec![ip("10.77.0.1"), ip("10.77.0.2")],
            dns: vec![ip("10.77.0.1"), ip("0.0.0.0"), ip("9.9.9.9")],
            domain: Some("lab.example".into()),
            hostname: Some("node7".into()),
            lease_time: Some(Duration::from_secs(3600)),
            ..Lease::default()
        }
    }

    #[test]
    fn prefix_and_mask() {
        assert_eq!(prefix_len(ip("255.255.255.0")), Some(24));
        assert_eq!(prefix_len(ip("255.255.255.255")), Some(32));
        assert_eq!(prefix_len(ip("0.0.0.0")), Some(0));
        assert_eq!(prefix_len(ip("255.0.255.0")), None);
        assert_eq!(netmask(20), ip("255.255.240.0"));
        assert_eq!(netmask(0), ip("0.0.0.0"));
        assert_eq!(netmask(32), ip("255.255.255.255"));
    }

    #[test]
    fn option3_gives_default_route_via_first_router() {
        let p = plan("eth0", 2, Proto::Dhcp, &base()).unwrap();
        assert_eq!(
            p.address,
            Some(Address {
                addr: ip("10.77.0.50"),
                prefix_len: 24,
                broadcast: Some(ip("10.77.0.255"))
            })
        );
        assert_eq!(
            p.routes,
            vec![Route {
                dest: ip("0.0.0.0"),
                prefix_len: 0,
                gateway: Some(ip("10.77.0.1")),
                onlink: false
            }]
        );
        assert_eq!(p.nameservers, vec![ip("10.77.0.1"), ip("9.9.9.9")]);
        assert_eq!(p.search, vec!["lab.example".to_string()]);
        assert_eq!(p.hostname.as_deref(), Some("node7"));
        assert_eq!(
            p.resolv_conf().unwrap(),
            "# Generated by netroot (dhcp on eth0)\nsearch lab.example\nnameserver 10.77.0.1\nnameserver 9.9.9.9\n"
        );
    }

    #[test]
    fn classless_routes_replace_option3_with_onlink_handling() {
        let mut l = base();
        l.classless_routes = vec![
            (ip("0.0.0.0"), 0, ip("10.77.0.254")),
            (ip("192.168.7.9"), 24, ip("172.16.0.1")), // gateway off our subnet
            (ip("172.16.0.0"), 16, ip("0.0.0.0")),     // on-link network
            (ip("10.77.0.0"), 24, ip("0.0.0.0")),      // our own subnet: kernel has it
        ];
        let p = plan("eth0", 2, Proto::Dhcp, &l).unwrap();
        assert_eq!(
            p.routes,
            vec![
                Route {
                    dest: ip("172.16.0.0"),
                    prefix_len: 16,
                    gateway: None,
                    onlink: false
                },
                Route {
                    dest: ip("0.0.0.0"),
                    prefix_len: 0,
                    gateway: Some(ip("10.77.0.254")),
                    onlink: false
                },
                Route {
                    dest: ip("192.168.7.0"),
                    prefix_len: 24,
                    gateway: Some(ip("172.16.0.1")),
                    onlink: true
                },
            ]
        );
    }

    #[test]
    fn off_subnet_router_is_onlink() {
        let mut l = base();
        l.netmask = Some(ip("255.255.255.255"));
        l.routers = vec![ip("10.77.0.1")];
        let p = plan("eth0", 2, Proto::Dhcp, &l).unwrap();
        assert_eq!(p.address.unwrap().broadcast, None);
        assert!(p.routes[0].onlink);
    }

    #[test]
    fn classful_default_and_holey_mask() {
        let mut l = base();
        l.netmask = None;
        l.addr = Some(ip("172.20.1.5"));
        let p = plan("eth0", 2, Proto::Static, &l).unwrap();
        assert_eq!(p.address.unwrap().prefix_len, 16);
        assert_eq!(p.address.unwrap().broadcast, Some(ip("172.20.255.255")));
        l.netmask = Some(ip("255.0.255.0"));
        assert_eq!(
            plan("eth0", 2, Proto::Static, &l)
                .unwrap()
                .address
                .unwrap()
                .prefix_len,
            16
        );
        l.addr = Some(ip("192.168.1.9"));
        l.netmask = None;
        assert_eq!(
            plan("eth0", 2, Proto::Static, &l)
                .unwrap()
                .address
                .unwrap()
                .prefix_len,
            24
        );
        l.addr = Some(ip("10.1.2.3"));
        assert_eq!(
            plan("eth0", 2, Proto::Static, &l)
                .unwrap()
                .address
                .unwrap()
                .prefix_len,
            8
        );
    }

    #[test]
    fn hostile_names_are_not_used() {
        let mut l = base();
        l.hostname = Some("x$(reboot)".into());
        l.domain_search = vec!["good.example".into(), "bad\nnameserver 6.6.6.6".into()];
        let p = plan("eth0", 2, Proto::Dhcp, &l).unwrap();
        assert_eq!(p.hostname, None);
        assert_eq!(p.search, vec!["good.example".to_string()]);
        assert!(!p.resolv_conf().unwrap().contains("6.6.6.6"));
        l.hostname = Some("a".repeat(65));
        assert_eq!(plan("eth0", 2, Proto::Dhcp, &l).unwrap().hostname, None);
    }

    #[test]
    fn dns_names() {
        assert!(valid_dns_name("a.b-c.example."));
        assert!(valid_dns_name("_srv.x"));
        assert!(!valid_dns_name(""));
        assert!(!valid_dns_name("a..b"));
        assert!(!valid_dns_name("-a"));
        assert!(!valid_dns_name("a b"));
        assert!(!valid_dns_name(&"a".repeat(64)));
    }

    #[test]
    fn mtu_sanity_and_no_address() {
        let mut l = base();
        l.mtu = Some(40);
        assert_eq!(plan("eth0", 2, Proto::Dhcp, &l).unwrap().mtu, None);
        l.mtu = Some(1400);
        assert_eq!(plan("eth0", 2, Proto::Dhcp, &l).unwrap().mtu, Some(1400));
        // No IPv4 address (IPv6 only): no address, no routes, the names
        // still planned.
        l.addr = None;
        let p = plan("eth0", 2, Proto::Static, &l).unwrap();
        assert_eq!((p.address, p.routes.len()), (None, 0));
        assert_eq!(p.hostname.as_deref(), Some("node7"));
        assert!(p.requests().is_empty());
    }

    fn lease6() -> Lease6 {
        use super::super::ipv6::Addr6;
        let a6 = |s: &str| s.parse::<Ipv6Addr>().unwrap();
        Lease6 {
            addrs: vec![
                Addr6 {
                    addr: a6("2001:db8::10"),
                    prefix_len: 64,
                    source: Source6::Static,
                    preferred: None,
                    valid: None,
                },
                Addr6 {
                    addr: a6("ff02::1"),
                    prefix_len: 64,
                    source: Source6::Static,
                    preferred: None,
                    valid: None,
                },
                Addr6 {
                    addr: a6("2001:db8:1::7"),
                    prefix_len: 200,
                    source: Source6::Dhcp6,
                    preferred: None,
                    valid: None,
                },
                Addr6 {
                    addr: a6("2001:db8:2::7"),
                    prefix_len: 64,
                    source: Source6::Slaac,
                    preferred: Some(Duration::from_secs(1800)),
                    valid: Some(Duration::from_secs(1u64 << 40)),
                },
            ],
            gateway: Some(a6("2001:db8::1")),
            dns: vec![a6("2001:db8::53"), a6("::"), a6("ff02::fb")],
            search: vec!["lab.example".into(), "$(reboot)".into()],
            ..Lease6::default()
        }
    }

    #[test]
    fn ipv6_plan_drops_hostile_values() {
        let p = plan6("eth0", Mode6::Static, &lease6());
        // The multicast address and the /200 are dropped.
        let got: Vec<_> = p
            .addresses
            .iter()
            .map(|a| (a.addr.to_string(), a.prefix_len, a.nodad, a.lifetimes))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2001:db8::10".to_string(), 64, true, None),
                // A lifetime past u32 is infinite; SLAAC goes through DAD.
                (
                    "2001:db8:2::7".to_string(),
                    64,
                    false,
                    Some((1800, u32::MAX))
                ),
            ]
        );
        assert_eq!(
            p.nameservers,
            vec!["2001:db8::53".parse::<Ipv6Addr>().unwrap()]
        );
        assert_eq!(p.search, vec!["lab.example".to_string()]);
        // The router is in our /64: no onlink flag.
        assert!(!p.onlink);
    }

    #[test]
    fn ipv6_requests_and_resolv_conf() {
        let mut l = base();
        l.addr = None;
        let mut p = plan("eth0", 3, Proto::Static, &l).unwrap();
        let mut l6 = lease6();
        l6.addrs.truncate(1);
        l6.gateway = Some("2001:db8:ffff::1".parse().unwrap());
        p.v6 = Some(plan6("eth0", Mode6::Static, &l6));
        assert!(p.v6.as_ref().unwrap().onlink, "router outside the /64");
        let r = p.requests();
        assert_eq!(
            r,
            vec![
                Request::NewAddress6 {
                    index: 3,
                    addr: "2001:db8::10".parse().unwrap(),
                    prefix_len: 64,
                    nodad: true,
                    optimistic: false,
                    lifetimes: None,
                },
                Request::NewRoute6 {
                    oif: 3,
                    dest: Ipv6Addr::UNSPECIFIED,
                    prefix_len: 0,
                    gateway: Some("2001:db8:ffff::1".parse().unwrap()),
                    onlink: true,
                    protocol: wire::RTPROT_BOOT,
                },
            ]
        );
        // A link-local router is never onlink-flagged.
        l6.gateway = Some("fe80::1".parse().unwrap());
        assert!(!plan6("eth0", Mode6::Static, &l6).onlink);
        let rc = p.resolv_conf().unwrap();
        assert!(rc.contains("search lab.example\n"), "{rc}");
        assert!(
            rc.ends_with("nameserver 10.77.0.1\nnameserver 9.9.9.9\nnameserver 2001:db8::53\n"),
            "{rc}"
        );
    }

    #[test]
    fn no_dns_no_resolv_conf() {
        let mut l = base();
        l.dns.clear();
        l.domain = None;
        assert_eq!(
            plan("eth0", 2, Proto::Dhcp, &l).unwrap().resolv_conf(),
            None
        );
    }

    #[test]
    fn requests_address_then_routes() {
        let mut l = base();
        l.classless_routes = vec![
            (ip("0.0.0.0"), 0, ip("10.77.0.254")),
            (ip("172.16.0.0"), 16, ip("0.0.0.0")),
        ];
        let reqs = plan("eth0", 2, Proto::Dhcp, &l).unwrap().requests();
        assert_eq!(
            reqs,
            vec![
                Request::NewAddress {
                    index: 2,
                    addr: ip("10.77.0.50"),
                    prefix_len: 24,
                    broadcast: Some(ip("10.77.0.255")),
                },
                Request::NewRoute {
                    oif: 2,
                    dest: ip("172.16.0.0"),
                    prefix_len: 16,
                    gateway: None,
                    onlink: false,
                    scope: wire::RT_SCOPE_LINK,
                    protocol: wire::RTPROT_DHCP,
                },
                Request::NewRoute {
                    oif: 2,
                    dest: ip("0.0.0.0"),
                    prefix_len: 0,
                    gateway: Some(ip("10.77.0.254")),
                    onlink: false,
                    scope: wire::RT_SCOPE_UNIVERSE,
                    protocol: wire::RTPROT_DHCP,
                },
            ]
        );
        let reqs = plan("eth0", 2, Proto::Static, &base()).unwrap().requests();
        assert!(matches!(
            reqs[1],
            Request::NewRoute {
                protocol: wire::RTPROT_BOOT,
                ..
            }
        ));
    }
}

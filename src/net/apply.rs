//! Lease (or static `ip=`) -> address, routes, MTU, resolv.conf, hostname.
//!
//! [`plan`] is PURE: it turns a lease into a [`Plan`] of plain data (so the
//! interesting decisions — RFC 3442 classless routes over option 3, on-link
//! gateways, broadcast, which names are safe to use — are unit tested), and
//! [`execute`] carries the plan out over rtnetlink and files.

use std::io;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use super::dhcp::Lease;
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
    /// The address.
    pub address: Address,
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
    let addr = lease.addr.ok_or_else(|| Error::NoAddress {
        iface: iface.to_string(),
    })?;
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
    Ok(Plan {
        iface: iface.to_string(),
        index,
        proto,
        mtu,
        address,
        routes,
        nameservers,
        search,
        hostname,
    })
}

impl Plan {
    /// The resolv.conf text (resolv.conf(5)); None when there is nothing to
    /// say (no name server and no search domain).
    pub fn resolv_conf(&self) -> Option<String> {
        if self.nameservers.is_empty() && self.search.is_empty() {
            return None;
        }
        let mut s = format!(
            "# Generated by netroot ({} on {})\n",
            self.proto.name(),
            self.iface
        );
        if !self.search.is_empty() {
            s.push_str("search ");
            s.push_str(&self.search.join(" "));
            s.push('\n');
        }
        for ns in &self.nameservers {
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
        let a = self.address;
        let mut out = vec![Request::NewAddress {
            index: self.index,
            addr: a.addr,
            prefix_len: a.prefix_len,
            broadcast: a.broadcast,
        }];
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
        out
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

    for req in plan.requests() {
        let op = match req {
            Request::NewAddress { .. } => "add address",
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
            Address {
                addr: ip("10.77.0.50"),
                prefix_len: 24,
                broadcast: Some(ip("10.77.0.255"))
            }
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
        assert_eq!(p.address.broadcast, None);
        assert!(p.routes[0].onlink);
    }

    #[test]
    fn classful_default_and_holey_mask() {
        let mut l = base();
        l.netmask = None;
        l.addr = Some(ip("172.20.1.5"));
        let p = plan("eth0", 2, Proto::Static, &l).unwrap();
        assert_eq!(p.address.prefix_len, 16);
        assert_eq!(p.address.broadcast, Some(ip("172.20.255.255")));
        l.netmask = Some(ip("255.0.255.0"));
        assert_eq!(
            plan("eth0", 2, Proto::Static, &l)
                .unwrap()
                .address
                .prefix_len,
            16
        );
        l.addr = Some(ip("192.168.1.9"));
        l.netmask = None;
        assert_eq!(
            plan("eth0", 2, Proto::Static, &l)
                .unwrap()
                .address
                .prefix_len,
            24
        );
        l.addr = Some(ip("10.1.2.3"));
        assert_eq!(
            plan("eth0", 2, Proto::Static, &l)
                .unwrap()
                .address
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
        l.addr = None;
        assert!(matches!(
            plan("eth0", 2, Proto::Dhcp, &l),
            Err(Error::NoAddress { .. })
        ));
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

//! Network bring-up: links, DHCP, static configuration, hand-over files.
//!
//! [`bring_up`] is the whole phase (used by PID 1 and by `netroot net`):
//! choose the candidate interfaces from the command line, set them up, wait
//! for carrier, get a lease (DHCP on every live candidate at once, first
//! lease wins) or take the static `ip=`, apply it, write the hand-over files.

pub(crate) mod apply;
pub mod dhcp;
pub(crate) mod handover;
pub mod ipv6;
pub(crate) mod link;
pub(crate) mod netdev;
pub mod rtnl_wire;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::cmdline::{Autoconf, BootConfig, IpParam};
use dhcp::Lease;
use ipv6::{Addr6, Lease6, Mode6, Source6};
use link::{CarrierWatch, Link, Rtnl, Select};

/// How the configuration was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    /// A DHCP lease.
    Dhcp,
    /// A static `ip=`.
    Static,
}

impl Proto {
    /// Our name for it (`dhcp`, `static`).
    pub fn name(self) -> &'static str {
        match self {
            Proto::Dhcp => "dhcp",
            Proto::Static => "static",
        }
    }

    /// klibc ipconfig's `PROTO` value (`protoinfos[]`: a static
    /// configuration is `none`).
    pub fn klibc_name(self) -> &'static str {
        match self {
            Proto::Dhcp => "dhcp",
            Proto::Static => "none",
        }
    }
}

/// Where the bring-up reads and writes.
#[derive(Debug, Clone)]
pub struct Env {
    /// sysfs root (`/sys`), for interface drivers.
    pub sys_root: PathBuf,
    /// Hand-over directory (`/run`).
    pub run_dir: PathBuf,
    /// Where resolv.conf goes (`/etc`).
    pub etc_dir: PathBuf,
    /// mkinitcpio mode: also write `net-<iface>.conf` here (`/tmp`).
    pub tmp_dir: Option<PathBuf>,
    /// Call sethostname(2). Only when configuring the machine for real.
    pub set_hostname: bool,
    /// After the first candidate gets carrier, how long the others get to
    /// catch up before DHCP starts on those that have it.
    pub settle: Duration,
}

impl Default for Env {
    fn default() -> Self {
        Env {
            sys_root: PathBuf::from("/sys"),
            run_dir: PathBuf::from("/run"),
            etc_dir: PathBuf::from("/etc"),
            tmp_dir: None,
            set_hostname: true,
            settle: Duration::from_millis(500),
        }
    }
}

/// A configured interface.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Interface name.
    pub iface: String,
    /// ifindex.
    pub index: u32,
    /// MAC address.
    pub mac: [u8; 6],
    /// DHCP or static.
    pub proto: Proto,
    /// The lease (a static `ip=` is filled into one too), completed with
    /// the classful netmask and broadcast when they were missing.
    pub lease: Lease,
    /// The IPv6 configuration, when the command line asked for one
    /// (`ip=...:dhcp6|auto6|either6`, a static `ip=[addr]...`).
    pub lease6: Option<ipv6::Lease6>,
    /// From the start of [`bring_up`] to the files being written.
    pub elapsed: Duration,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Why the network could not be brought up. Each variant names the
/// interfaces involved.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `ip=off` (or `none` without an address): nothing to configure.
    #[error("network configuration disabled by ip=off")]
    Disabled,
    /// `ip=...:rarp`.
    #[error("ip=: autoconf method rarp is not supported")]
    Rarp,
    /// IPv6 autoconfiguration (`auto6`, `dhcp6`, `either6`) failed; the
    /// error names the interface.
    #[error(transparent)]
    Ipv6(#[from] ipv6::driver::Error),
    /// No interface matches the command line.
    #[error("no candidate interface for {wanted} (interfaces: {seen})")]
    NoInterface {
        /// What the command line asked for.
        wanted: String,
        /// The interfaces that exist.
        seen: String,
    },
    /// A link operation failed.
    #[error(transparent)]
    Link(#[from] link::Error),
    /// DHCP got no lease.
    #[error("dhcp on {ifaces}: {source}")]
    Dhcp {
        /// The interfaces DHCP ran on.
        ifaces: String,
        /// The driver's reason.
        #[source]
        source: dhcp::driver::Error,
    },
    /// Configuring the interface failed.
    #[error("configure {iface}: {source}")]
    Apply {
        /// Interface.
        iface: String,
        /// Why.
        #[source]
        source: apply::Error,
    },
    /// Writing the hand-over files failed.
    #[error("hand-over files for {iface}: {source}")]
    Handover {
        /// Interface.
        iface: String,
        /// Why.
        #[source]
        source: handover::Error,
    },
}

/// What the command line asks of IPv4, resolved from the `ip=`
/// parameters. With several `ip=`, the first one that configures something
/// decides (dracut-style per-interface lists are not merged); the IPv6
/// half is [`BootConfig::ip6`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    Dhcp(IpParam),
    Static(IpParam),
}

/// The IPv4 mode; None when IPv4 is off but IPv6 is asked for
/// (`ip=eth0:dhcp6`, `ip=[addr]::...:none`).
fn mode(cfg: &BootConfig) -> Result<Option<Mode>, Error> {
    if cfg.ip.is_empty() {
        // No ip=: DHCP on every candidate (what `netroot net` is asked for).
        return Ok(Some(Mode::Dhcp(IpParam::default())));
    }
    for p in &cfg.ip {
        if p.autoconf == Autoconf::Rarp {
            return Err(Error::Rarp);
        }
        if p.uses_dhcp() {
            return Ok(Some(Mode::Dhcp(p.clone())));
        }
        // Off or static: configures something only with an address.
        if p.client.is_some() {
            return Ok(Some(Mode::Static(p.clone())));
        }
    }
    match cfg.ip6() {
        Some(_) => Ok(None),
        None => Err(Error::Disabled),
    }
}

/// A static `ip=[addr]::[gw]:<prefix>:...` as an IPv6 lease.
pub fn static_lease6(p: &IpParam) -> Lease6 {
    Lease6 {
        addrs: p
            .client6
            .map(|(addr, prefix_len)| Addr6 {
                addr,
                prefix_len,
                source: Source6::Static,
                preferred: None,
                valid: None,
            })
            .into_iter()
            .collect(),
        gateway: p.gateway6,
        dns: p.dns6.clone(),
        hostname: p.hostname.clone(),
        ..Lease6::default()
    }
}

fn select(p: &IpParam) -> Select {
    match (&p.device, p.mac) {
        (Some(d), _) if d != "all" && !d.is_empty() => Select::Name(d.clone()),
        (_, Some(m)) => Select::Mac(m),
        _ => Select::All,
    }
}

/// A static `ip=` as a lease (klibc fills its `struct netdev` the same way).
pub fn static_lease(p: &IpParam) -> Lease {
    Lease {
        addr: p.client,
        netmask: p.netmask,
        routers: p.gateway.into_iter().collect(),
        dns: p.dns.clone(),
        hostname: p.hostname.clone(),
        nis_domain: p.nis_domain.clone(),
        ntp: p.ntp.into_iter().collect(),
        next_server: p.server,
        mtu: p.mtu,
        ..Lease::default()
    }
}

/// Fill what the server left out with the values `ip=` gave (hostname,
/// netmask, gateway, DNS, MTU): the lease wins where both speak.
fn merge(mut lease: Lease, p: &IpParam) -> Lease {
    if lease.hostname.is_none() {
        lease.hostname = p.hostname.clone();
    }
    if lease.netmask.is_none() {
        lease.netmask = p.netmask;
    }
    if lease.routers.is_empty() && lease.classless_routes.is_empty() {
        lease.routers = p.gateway.into_iter().collect();
    }
    if lease.dns.is_empty() {
        lease.dns = p.dns.clone();
    }
    if lease.nis_domain.is_none() {
        lease.nis_domain = p.nis_domain.clone();
    }
    if lease.mtu.is_none() {
        lease.mtu = p.mtu;
    }
    if lease.next_server.is_none() {
        lease.next_server = p.server;
    }
    lease
}

/// The client identifier of `ip=...:dhcp,<type>,<value>` as option 61 bytes
/// (RFC 2132 §9.14: type, then the identifier): a colon-separated hex
/// value (a MAC) is taken as bytes, anything else as its text.
fn client_id(p: &IpParam) -> Option<Vec<u8>> {
    let (ty, value) = p.client_id.as_ref()?;
    let mut out = vec![*ty];
    let hex: Option<Vec<u8>> = value
        .split(':')
        .map(|b| {
            (b.len() == 2)
                .then(|| u8::from_str_radix(b, 16).ok())
                .flatten()
        })
        .collect();
    match hex {
        Some(bytes) if value.contains(':') => out.extend(bytes),
        _ => out.extend(value.as_bytes()),
    }
    Some(out)
}

/// The client identifier (option 61, None: type 1 + MAC) and hostname
/// (option 12) the DHCP exchange of `cfg` sends: what the resident renewer
/// must send again (RFC 2131 §4.2: the client id names the lease).
pub fn dhcp_identity(cfg: &BootConfig) -> (Option<Vec<u8>>, Option<String>) {
    match mode(cfg) {
        Ok(Some(Mode::Dhcp(p))) => (client_id(&p), p.hostname.clone()),
        _ => (None, None),
    }
}

fn owned(v: Vec<&Link>) -> Vec<Link> {
    v.into_iter().cloned().collect()
}

/// What the command line asked for, in words (for errors and logs).
fn wanted(sel: &Select, bootif: Option<[u8; 6]>) -> String {
    match (sel, bootif) {
        (Select::All, Some(b)) => format!("BOOTIF={}", crate::util::fmt_mac(&b)),
        (Select::All, None) => "a broadcast interface".to_string(),
        (Select::Name(n), _) => format!("ip= device {n}"),
        (Select::Mac(m), _) => format!("ip= MAC {}", crate::util::fmt_mac(m)),
    }
}

fn names(links: &[Link]) -> String {
    let v: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    v.join(", ")
}

/// Bring the network up as `cfg` asks, write the hand-over files, return
/// what was configured. Interfaces set up but not chosen are set down again.
pub fn bring_up(cfg: &BootConfig, env: &Env) -> Result<Outcome, Error> {
    let start = Instant::now();
    let timeout = cfg.options.timeout;
    let mode = mode(cfg)?;
    let ip6 = cfg.ip6();
    let param = match (&mode, ip6) {
        (Some(Mode::Dhcp(p) | Mode::Static(p)), _) | (None, Some((_, p))) => p.clone(),
        (None, None) => return Err(Error::Disabled),
    };
    // One interface is configured: an IPv4 ip= without an interface and an
    // IPv6 one that names it (`ip=dhcp ip=eth1:dhcp6`) mean that one (the
    // command line refuses two named ones that differ).
    let sel = match (select(&param), cfg.ip6()) {
        (Select::All, Some((_, p6))) => select(p6),
        (s, _) => s,
    };

    let mut rtnl = Rtnl::open()?;
    // Subscribe before anything changes, then look: no event can be missed.
    let mut watch = CarrierWatch::open()?;
    let deadline = start + timeout;
    // dracut's ifname=, bond=, bridge=, vlan=: before any link is chosen.
    let mut port_macs = Vec::new();
    if !cfg.netdevs.is_empty() {
        // The members' own MACs, before a bond gives them its own.
        let before = rtnl.links(&env.sys_root)?;
        netdev::setup(&mut rtnl, &mut watch, &env.sys_root, &cfg.netdevs, deadline)?;
        port_macs = netdev::port_macs(&cfg.netdevs, &before);
    }
    // With virtual links, the address goes on the topmost ones (a VLAN on
    // a bond: the VLAN), unless ip= names a device. BOOTIF= then names the
    // physical NIC under them, whose MAC the virtual link may not carry (a
    // bond takes its first member's): it does not narrow the choice.
    let top = cfg.netdevs.top_level();
    let pick = |links: &[Link]| -> Vec<Link> {
        if sel == Select::All && !top.is_empty() {
            let mut c = owned(link::candidates(links, &sel, None));
            c.retain(|l| top.contains(&l.name.as_str()));
            return c;
        }
        owned(link::candidates(links, &sel, cfg.bootif))
    };
    let mut links = rtnl.links(&env.sys_root)?;
    let mut cands = pick(&links);
    if cands.is_empty() {
        // The NIC driver may still be probing (asynchronous probe, USB):
        // wait for interfaces to appear, up to the timeout.
        crate::info!("waiting for {} to appear", wanted(&sel, cfg.bootif));
        while cands.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::NoInterface {
                    wanted: wanted(&sel, cfg.bootif),
                    seen: names(&links),
                });
            }
            if watch.wait_any(left)? {
                links = rtnl.links(&env.sys_root)?;
                cands = pick(&links);
            }
        }
    }
    let mut usable = Vec::new();
    for l in cands {
        crate::info!(
            "{}: candidate, mac {}, driver {}",
            l.name,
            l.mac.map(|m| crate::util::fmt_mac(&m)).unwrap_or_default(),
            l.driver.as_deref().unwrap_or("-")
        );
        if matches!(ip6, Some((Mode6::Static, _))) {
            apply::refuse_ra(&l.name);
        }
        if l.up {
            usable.push(l);
            continue;
        }
        // IPv6 autoconfiguration is ours: the kernel's must not start
        // with the link (ipv6::driver::take_over says why).
        if ip6.is_some_and(|(m, _)| m != Mode6::Static) {
            if let Err(e) = ipv6::driver::take_over(&l.name) {
                crate::warn!("{e}");
            }
        }
        // One NIC failing to come up (firmware, driver) must not stop the
        // others from booting the machine.
        match rtnl.set_up(&l) {
            Ok(()) => usable.push(l),
            Err(e) => crate::warn!("{e}"),
        }
    }
    let cands = usable;
    if cands.is_empty() {
        return Err(Error::NoInterface {
            wanted: format!("{} that can be set up", wanted(&sel, cfg.bootif)),
            seen: names(&links),
        });
    }
    // dracut's rd.net.timeout.carrier= bounds the carrier wait; without it
    // the wait may take what is left of netroot.timeout.
    let left = deadline.saturating_duration_since(Instant::now());
    crate::timeline::begin("carrier");
    let carrier_wait = cfg.options.timeout_carrier.map_or(left, |t| t.min(left));
    let live = watch.wait(&mut rtnl, &env.sys_root, &cands, carrier_wait, env.settle)?;
    crate::info!("carrier on {} after {:?}", names(&live), start.elapsed());
    crate::timeline::end("carrier");
    crate::timeline::begin(match mode {
        Some(Mode::Dhcp(_)) => Proto::Dhcp.name(),
        _ => Proto::Static.name(),
    });

    // The host names each source gave, for the node name (DHCP's, then ip='s).
    let mut given: (Option<String>, Option<String>) = (None, None);
    let (chosen, proto, lease) = match mode {
        // IPv6 only: IPv4 stays unconfigured; the rest of the lease (host
        // name, IPv4 name servers) still comes from ip=.
        None => {
            given.1 = param.hostname.clone();
            (live[0].clone(), Proto::Static, static_lease(&param))
        }
        Some(Mode::Static(p)) => {
            given.1 = p.hostname.clone();
            (live[0].clone(), Proto::Static, static_lease(&p))
        }
        Some(Mode::Dhcp(p)) => {
            let ifaces: Vec<dhcp::driver::Iface> = live
                .iter()
                .map(|l| dhcp::driver::Iface {
                    name: l.name.clone(),
                    index: l.index,
                    mac: l.mac.unwrap_or_default(),
                })
                .collect();
            let params = dhcp::driver::Params {
                client_id: client_id(&p),
                hostname: p.hostname.clone(),
                requested_ip: p.client,
                rapid_commit: true,
                early_retry: true,
                settle_window: dhcp::machine::SETTLE_WINDOW,
                // rd.net.timeout.dhcp= counts from here; without it DHCP
                // may take what is left of netroot.timeout.
                timeout: cfg.options.timeout_dhcp.unwrap_or_else(|| {
                    timeout
                        .saturating_sub(start.elapsed())
                        .max(Duration::from_secs(1))
                }),
            };
            match dhcp::driver::acquire_watching(&ifaces, &params, &mut watch) {
                Ok((i, lease)) => {
                    given = (lease.hostname.clone(), p.hostname.clone());
                    (live[i].clone(), Proto::Dhcp, merge(lease, &p))
                }
                Err(source) => {
                    for l in cands.iter().filter(|l| !l.up) {
                        let _ = rtnl.set_down(l);
                    }
                    return Err(Error::Dhcp {
                        ifaces: names(&live),
                        source,
                    });
                }
            }
        }
    };
    drop(watch);
    for l in cands.iter().filter(|l| !l.up && l.index != chosen.index) {
        if let Err(e) = rtnl.set_down(l) {
            crate::warn!("{e}");
        }
    }

    // IPv6 on the chosen interface.
    let lease6 = match ip6 {
        None => None,
        Some((Mode6::Static, p)) => Some(static_lease6(p)),
        Some((mode6, p)) => {
            crate::timeline::begin("ipv6");
            let ifc = dhcp::driver::Iface {
                name: chosen.name.clone(),
                index: chosen.index,
                mac: chosen.mac.unwrap_or_default(),
            };
            let params = ipv6::driver::Params {
                mode: mode6,
                // As DHCPv4: rd.net.timeout.dhcp= from here, else what is
                // left of netroot.timeout.
                timeout: cfg.options.timeout_dhcp.unwrap_or_else(|| {
                    timeout
                        .saturating_sub(start.elapsed())
                        .max(Duration::from_secs(1))
                }),
                rapid_commit: true,
            };
            let mut l6 = ipv6::driver::acquire(&ifc, &params)?;
            l6.hostname = p.hostname.clone();
            crate::timeline::end("ipv6");
            Some(l6)
        }
    };

    let lease = apply::complete(&lease);
    let iface = chosen.name.clone();
    let mut plan =
        apply::plan(&iface, chosen.index, proto, &lease).map_err(|source| Error::Apply {
            iface: iface.clone(),
            source,
        })?;
    if let (Some((m, _)), Some(l6)) = (ip6, &lease6) {
        // The driver added the dynamic addresses (usable: optimistic or
        // past DAD) and the route already, without lifetimes (kept until
        // the booted system takes over: ipv6::driver); the plan adds them
        // again the same way (create-or-replace changes nothing) and
        // carries them to the hand-over files and resolv.conf.
        let mut kept = l6.clone();
        for a in &mut kept.addrs {
            a.preferred = None;
            a.valid = None;
        }
        plan.v6 = Some(apply::plan6(&iface, m, &kept));
    }
    if plan.address.is_none() && !plan.v6.as_ref().is_some_and(|v| !v.addresses.is_empty()) {
        return Err(Error::Apply {
            iface: iface.clone(),
            source: apply::Error::NoAddress {
                iface: iface.clone(),
            },
        });
    }
    // The node name is set here, before any NFS mount (root::identity).
    let node = crate::root::identity::node_name(given.0.as_deref(), given.1.as_deref(), lease.addr);
    if let Some(n) = &node {
        crate::info!("identity: node name {} ({})", n.name, n.source.describe());
    }
    plan.hostname = node.map(|n| n.name);
    apply::execute(&plan, &mut rtnl, &chosen, &env.etc_dir, env.set_hostname).map_err(
        |source| Error::Apply {
            iface: iface.clone(),
            source,
        },
    )?;
    let mac = chosen.mac.unwrap_or_default();
    let elapsed = start.elapsed();
    let h = handover::Handover {
        plan: &plan,
        mac,
        lease: &lease,
        uptime: crate::util::uptime() as u64,
        elapsed,
        netdevs: &cfg.netdevs,
        port_macs: &port_macs,
    };
    let files =
        handover::write_all(&h, &env.run_dir, env.tmp_dir.as_deref()).map_err(|source| {
            Error::Handover {
                iface: iface.clone(),
                source,
            }
        })?;
    crate::timeline::end(proto.name());
    Ok(Outcome {
        iface,
        index: chosen.index,
        mac,
        proto,
        lease,
        lease6,
        elapsed,
        files,
    })
}

/// The one-line summary `netroot net` prints.
pub fn summary(o: &Outcome) -> String {
    let mut s = match o.lease.addr {
        Some(addr) => {
            let plen = o.lease.netmask.and_then(apply::prefix_len).unwrap_or(32);
            format!("{}: {addr}/{plen} by {}", o.iface, o.proto.name())
        }
        None => format!("{}: no IPv4", o.iface),
    };
    if let Some(srv) = o.lease.server_id {
        s.push_str(&format!(" from {srv}"));
    }
    if let Some(t) = o.lease.lease_time {
        s.push_str(&format!(", lease {} s", t.as_secs()));
    }
    if o.lease.rapid_commit {
        s.push_str(", rapid commit");
    }
    for a in o.lease6.iter().flat_map(|l| &l.addrs) {
        s.push_str(&format!(", {}/{}", a.addr, a.prefix_len));
    }
    s.push_str(&format!(", up in {:.3} s", o.elapsed.as_secs_f64()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn modes() {
        let mut cfg = BootConfig::default();
        assert!(matches!(mode(&cfg), Ok(Some(Mode::Dhcp(_)))));
        cfg.ip = vec![IpParam {
            autoconf: Autoconf::Off,
            ..IpParam::default()
        }];
        assert!(matches!(mode(&cfg), Err(Error::Disabled)));
        cfg.ip[0].client = Some(ip("10.0.0.2"));
        assert!(matches!(mode(&cfg), Ok(Some(Mode::Static(_)))));
        cfg.ip[0].autoconf = Autoconf::Rarp;
        assert!(matches!(mode(&cfg), Err(Error::Rarp)));
        // IPv6 only: IPv4 off, the bring-up goes on.
        let cfg = crate::cmdline::parse("ip=[fd00::15]::[fd00::1]:64::eth0:none").unwrap();
        assert!(matches!(mode(&cfg), Ok(None)));
        let l6 = static_lease6(cfg.ip6().unwrap().1);
        assert_eq!(l6.addrs.len(), 1);
        assert_eq!(
            (l6.addrs[0].addr, l6.addrs[0].prefix_len, l6.addrs[0].source),
            ("fd00::15".parse().unwrap(), 64, Source6::Static)
        );
        assert_eq!(l6.gateway, Some("fd00::1".parse().unwrap()));
        // Beside IPv4 DHCP.
        let cfg = crate::cmdline::parse("ip=eth0:dhcp ip=[fd00::15]:::64::eth0:none").unwrap();
        assert!(matches!(mode(&cfg), Ok(Some(Mode::Dhcp(_)))));
        assert_eq!(cfg.ip6().map(|(m, _)| m), Some(Mode6::Static));
    }

    #[test]
    fn selection_from_ip() {
        let mut p = IpParam::default();
        assert_eq!(select(&p), Select::All);
        p.device = Some("all".into());
        assert_eq!(select(&p), Select::All);
        p.mac = Some([1, 2, 3, 4, 5, 6]);
        assert_eq!(select(&p), Select::Mac([1, 2, 3, 4, 5, 6]));
        p.device = Some("eth3".into());
        assert_eq!(select(&p), Select::Name("eth3".into()));
    }

    #[test]
    fn static_lease_and_merge() {
        let p = IpParam {
            client: Some(ip("10.1.2.3")),
            gateway: Some(ip("10.0.0.1")),
            server: Some(ip("10.0.0.9")),
            hostname: Some("n1".into()),
            dns: vec![ip("10.0.0.53")],
            autoconf: Autoconf::Off,
            ..IpParam::default()
        };
        let l = apply::complete(&static_lease(&p));
        assert_eq!(l.netmask, Some(ip("255.0.0.0")));
        assert_eq!(l.broadcast, Some(ip("10.255.255.255")));
        assert_eq!(l.routers, vec![ip("10.0.0.1")]);
        assert_eq!(l.next_server, Some(ip("10.0.0.9")));
        let dhcp = Lease {
            addr: Some(ip("10.1.2.4")),
            hostname: Some("fromdhcp".into()),
            ..Lease::default()
        };
        let m = merge(dhcp, &p);
        assert_eq!(m.hostname.as_deref(), Some("fromdhcp"));
        assert_eq!(m.dns, vec![ip("10.0.0.53")]);
        assert_eq!(m.routers, vec![ip("10.0.0.1")]);
    }

    #[test]
    fn client_ids() {
        let mut p = IpParam {
            client_id: Some((1, "52:54:00:AB:cd:01".into())),
            ..IpParam::default()
        };
        assert_eq!(client_id(&p), Some(vec![1, 0x52, 0x54, 0, 0xab, 0xcd, 1]));
        p.client_id = Some((0, "node-7".into()));
        assert_eq!(client_id(&p), Some(b"\0node-7".to_vec()));
        p.client_id = None;
        assert_eq!(client_id(&p), None);
    }
}

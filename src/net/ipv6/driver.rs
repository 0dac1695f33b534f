//! The IPv6 bring-up's IO: one interface, one poll(2) loop over a raw
//! ICMPv6 socket (router solicitation and advertisement, [`super::ra`]) and
//! a DHCPv6 socket ([`super::machine`]), then the addresses and the default
//! route over rtnetlink.
//!
//! Steps: (1) the kernel's own router-advertisement handling is switched
//! off on the interface (see [`take_over`]); (2) the link is set up and its
//! link-local address must pass duplicate address detection (RFC 4862
//! §5.4: until then it cannot be a source address); (3) Router
//! Solicitations until an advertisement comes, and DHCPv6 as the mode and
//! the advertisement ask; (4) the addresses are added, each must pass DAD
//! too, and the default route through the advertising router is added.
//!
//! What is set is kept as it is, without lifetimes, as with the DHCPv4
//! lease: a diskless root must not lose its address or its route because
//! nothing renews them before the booted system's network manager takes
//! over (systemd-networkd's KeepConfiguration once kept only IPv4, and an
//! IPv6 NFS root hung). The lease's lifetimes are reported, not applied.

use std::net::{Ipv6Addr, SocketAddr, UdpSocket};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::time::{Duration, Instant};

use super::machine::{self, Client, Event};
use super::ra::{self, Ra, Solicit};
use super::{dhcpv6, Addr6, Lease6, Mode6, Source6};
use crate::net::dhcp::driver::Iface;
use crate::net::link::{self, Rtnl};
use crate::net::rtnl_wire::{self as wire, Reply, Request};
use crate::sys::icmp6::Icmp6Socket;
use crate::sys::netlink::{Socket, RTMGRP_IPV6_IFADDR};

/// Messages read from one socket per wakeup.
const RECV_BATCH: usize = 64;
/// With `dhcp6`, how long to wait for a router advertisement (the default
/// route) once DHCPv6 has bound: the address alone may be enough for a
/// server on the same link.
pub const RA_GRACE: Duration = Duration::from_secs(3);
/// How long an optimistic address is watched before netroot goes on: the
/// first DAD probe leaves at once (`router_solicitation_delay=0`), and a
/// host that holds the address answers it within milliseconds on a LAN;
/// its answer then fails the boot with [`Error::Duplicate`] instead of
/// leaving an address that the kernel has stopped using. A slower
/// answer is still found by the kernel (its log names the address).
pub const DUP_WATCH: Duration = Duration::from_millis(50);
/// How long an information-request (RA with the O flag) may take before
/// the boot goes on without its answer: the advertisement already gave the
/// address and the route, DNS is a bonus.
pub const INFO_GRACE: Duration = Duration::from_secs(3);

/// How to configure the interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// `auto6`, `dhcp6` or `either6` (not `Static`).
    pub mode: Mode6,
    /// Overall limit, from the link being set up to the addresses being
    /// usable.
    pub timeout: Duration,
    /// Ask for Rapid Commit (RFC 8415 §18.2.1).
    pub rapid_commit: bool,
}

/// Why IPv6 could not be configured; every variant names the interface.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No /proc/sys/net/ipv6/conf/IFACE: IPv6 is not available there.
    #[error("IPv6 is not available on {iface} (no {path}): kernel without IPv6 or ipv6.disable=1")]
    Unavailable {
        /// Interface.
        iface: String,
        /// The sysctl directory looked for.
        path: String,
    },
    /// A link-layer request failed.
    #[error(transparent)]
    Link(#[from] link::Error),
    /// A socket could not be opened or used.
    #[error("{what} socket on {iface}: {source}")]
    Socket {
        /// Interface.
        iface: String,
        /// Which socket.
        what: &'static str,
        /// OS error.
        source: std::io::Error,
    },
    /// Duplicate address detection failed.
    #[error("{addr} on {iface} is in use by another host (duplicate address detection failed)")]
    Duplicate {
        /// Interface.
        iface: String,
        /// The address.
        addr: Ipv6Addr,
    },
    /// An address stayed tentative, or none appeared.
    #[error("no usable {what} address on {iface} within {secs} s")]
    NoAddress {
        /// Interface.
        iface: String,
        /// `link-local` or the address.
        what: String,
        /// The timeout.
        secs: u64,
    },
    /// No router advertisement came.
    #[error("no router advertisement on {iface} within {secs} s (sent {sent} solicitations)")]
    NoRa {
        /// Interface.
        iface: String,
        /// The timeout.
        secs: u64,
        /// Router solicitations sent.
        sent: u32,
    },
    /// The advertisement has no prefix to form an address from.
    #[error("router advertisement on {iface} from {router} has no prefix for SLAAC (A flag, /64) and no M flag")]
    NoPrefix {
        /// Interface.
        iface: String,
        /// The advertising router.
        router: Ipv6Addr,
    },
    /// DHCPv6 did not bind.
    #[error("DHCPv6: no server answered on {iface} within {secs} s ({detail})")]
    Dhcp6 {
        /// Interface.
        iface: String,
        /// The timeout.
        secs: u64,
        /// What was sent and heard.
        detail: String,
    },
    /// poll(2) failed.
    #[error("poll on {iface}: {source}")]
    Poll {
        /// Interface.
        iface: String,
        /// OS error.
        source: std::io::Error,
    },
}

/// Switch the kernel's own router-advertisement processing off on the
/// interface (`accept_ra=0`, ip-sysctl.rst), before the link is set up.
///
/// Why: with it on, the kernel sends its own solicitations when the link
/// comes up and, on the advertisement ours brings, forms its own SLAAC
/// address and default route, with the advertised lifetimes. The two
/// would fight over the same address and route (our replace against its
/// lifetime updates), and the kernel's copies expire when no router
/// re-advertises in time, which for a diskless root means a hang. netroot
/// configures the interface once, permanently, and leaves `accept_ra` off:
/// the booted system's network manager (systemd-networkd, NetworkManager,
/// ifupdown's `inet6 auto`) sets it as it wants when it takes over.
/// `disable_ipv6` is cleared: the command line asked for IPv6 there.
///
/// `router_solicitation_delay=0`: with `accept_ra` off the kernel sends no
/// solicitations, and this value is then only the bound of the random
/// delay before the first DAD probe of each address (RFC 4862 §5.4.2's
/// SHOULD, against the probes of many nodes powered on together
/// colliding). A boot that waits for nothing else cannot spend up to a
/// second on it twice (the link-local address, then the global one);
/// measured on a veth pair (tests/ipv6_netns.rs), the link-local address
/// was usable 1.0–2.0 s after link-up with it, 2.4–2.7 s without. The probes
/// themselves (one, a second apart: `dad_transmits`, `retrans_time_ms`)
/// are kept.
///
/// `optimistic_dad=1`, `use_optimistic=1`: Optimistic DAD (RFC 4429). An
/// address is usable while its duplicate address detection still runs
/// (the kernel forms the link-local address so, and we add ours with
/// `IFA_F_OPTIMISTIC`), instead of about a second later each: the address
/// is made from the MAC or given by a DHCPv6 server, so a collision is
/// unlikely (the case RFC 4429 §2 is for), and DAD still runs: a
/// duplicate that answers within [`DUP_WATCH`] fails the boot, a later one
/// is found and logged by the kernel. Measured with
/// tests/ipv6_netns.rs, from setting the link up to a usable global
/// address: 0.9-1.2 s with it (a second of it the kernel's link
/// readiness, before the link-local address exists), 2.6-3.7 s without.
/// `use_optimistic` also makes the kernel announce an optimistic address
/// at once (RTM_NEWADDR), not only when its DAD ends. A kernel without
/// CONFIG_IPV6_OPTIMISTIC_DAD ignores the flag and we wait for DAD as
/// before.
pub fn take_over(iface: &str) -> Result<(), Error> {
    take_over_in(Path::new("/proc/sys/net/ipv6/conf"), iface)
}

fn take_over_in(conf: &Path, iface: &str) -> Result<(), Error> {
    let dir = conf.join(iface);
    if !dir.is_dir() {
        return Err(Error::Unavailable {
            iface: iface.to_string(),
            path: dir.display().to_string(),
        });
    }
    for (key, value) in [
        ("disable_ipv6", "0"),
        ("accept_ra", "0"),
        ("router_solicitation_delay", "0"),
        ("optimistic_dad", "1"),
        ("use_optimistic", "1"),
    ] {
        if let Err(e) = std::fs::write(dir.join(key), value) {
            crate::warn!("ipv6: {iface}: cannot set {key}={value}: {e}");
        }
    }
    Ok(())
}

/// Configure IPv6 on `ifc` as `params` ask: set the link up, wait for its
/// link-local address, solicit a router advertisement, run DHCPv6 when
/// asked, add the addresses (waiting for their DAD) and the default route.
pub fn acquire(ifc: &Iface, params: &Params) -> Result<Lease6, Error> {
    let start = Instant::now();
    let deadline = start + params.timeout;
    let secs = params.timeout.as_secs();
    let name = ifc.name.as_str();
    take_over(name)?;
    // Subscribe to address events before the link comes up.
    let mut addr_events = AddrWatch::open(name)?;
    let mut rtnl = Rtnl::open()?;
    rtnl.request(
        &Request::SetLink {
            index: ifc.index,
            up: Some(true),
            mtu: None,
        },
        "set up",
        name,
    )?;
    let (ll, optimistic) = addr_events.wait(ifc.index, name, deadline, secs, ra::is_link_local)?;
    crate::info!(
        "ipv6: {name}: link-local {ll} usable after {:.3} s{}",
        start.elapsed().as_secs_f64(),
        if optimistic { " (optimistic)" } else { "" }
    );

    let got = exchange(ifc, params, deadline, optimistic)?;
    let mut lease = got.lease;
    if lease.addrs.is_empty() {
        // Not reached (SLAAC gave an address, DHCPv6 bound to one, or an
        // error came first); the guarantee is kept here.
        return Err(Error::NoAddress {
            iface: name.to_string(),
            what: "global".into(),
            secs,
        });
    }
    // Apply: addresses, their DAD, the default route.
    for a in &lease.addrs {
        rtnl.request(
            &Request::NewAddress6 {
                index: ifc.index,
                addr: a.addr,
                prefix_len: a.prefix_len,
                // DAD runs (RFC 4862 §5.4, RFC 8415 §18.2.10.1),
                // optimistically (see `take_over`), else it is waited for
                // below; no lifetimes: kept (see the module).
                nodad: false,
                optimistic: true,
                lifetimes: None,
            },
            "add IPv6 address",
            name,
        )?;
    }
    for a in &lease.addrs {
        addr_events.wait(ifc.index, name, deadline, secs, |x| x == a.addr)?;
    }
    if let Some(gw) = lease.gateway {
        rtnl.request(
            &Request::NewRoute6 {
                oif: ifc.index,
                dest: Ipv6Addr::UNSPECIFIED,
                prefix_len: 0,
                gateway: Some(gw),
                onlink: false,
                protocol: wire::RTPROT_RA,
            },
            "add IPv6 default route",
            name,
        )?;
    }
    lease.addrs.iter().for_each(|a| {
        crate::info!(
            "ipv6: {name}: {}/{} by {}",
            a.addr,
            a.prefix_len,
            match a.source {
                Source6::Slaac => "slaac",
                Source6::Dhcp6 => "dhcp6",
                Source6::Static => "static",
            }
        )
    });
    lease.mtu = lease.mtu.or(got.ra.as_ref().and_then(|r| r.mtu));
    crate::info!(
        "ipv6: {name}: configured in {:.3} s{}",
        start.elapsed().as_secs_f64(),
        lease
            .gateway
            .map_or(String::new(), |g| format!(", default router {g}"))
    );
    Ok(lease)
}

/// What the exchange yielded: the lease (not yet applied) and the RA.
struct Got {
    lease: Lease6,
    ra: Option<Ra>,
}

/// The DHCPv6 side of the loop: socket and machine.
struct Dhcp {
    sock: UdpSocket,
    client: Client,
    /// Bound (or, for an information-request, done).
    result: Option<Lease6>,
    /// Give up on it at this time (information-request) and go on.
    give_up: Option<Instant>,
    heard: u32,
}

fn open_dhcp(ifc: &Iface, params: &Params, stateful: bool, now: Instant) -> Result<Dhcp, Error> {
    let sock = crate::sys::udp::dhcp6_client_socket(&ifc.name).map_err(|source| Error::Socket {
        iface: ifc.name.clone(),
        what: "DHCPv6",
        source,
    })?;
    let seed = crate::util::seed(&[&ifc.mac[..], b"dhcpv6"].concat());
    let client = Client::new(
        machine::Config {
            duid: dhcpv6::duid_ll(ifc.mac),
            iaid: dhcpv6::iaid(ifc.mac),
            xid: (seed >> 40) as u32,
            rng_seed: seed,
            rapid_commit: params.rapid_commit,
            stateful,
        },
        now,
    );
    crate::debug!(
        "dhcpv6: {}: {}",
        ifc.name,
        if stateful {
            "soliciting an address"
        } else {
            "information-request"
        }
    );
    Ok(Dhcp {
        sock,
        client,
        result: None,
        give_up: (!stateful).then(|| now + INFO_GRACE),
        heard: 0,
    })
}

/// Run router solicitation and DHCPv6 until the mode is satisfied.
/// `optimistic`: the link-local address is still optimistic, and an RS
/// from it carries no source link-layer address (RFC 4429 §3.2: that
/// option would overwrite a neighbour cache entry of the address's
/// rightful owner, were it a duplicate).
fn exchange(
    ifc: &Iface,
    params: &Params,
    deadline: Instant,
    optimistic: bool,
) -> Result<Got, Error> {
    let name = ifc.name.as_str();
    let secs = params.timeout.as_secs();
    let sock_err = |what, source| Error::Socket {
        iface: name.to_string(),
        what,
        source,
    };
    let icmp = Icmp6Socket::open(name, ifc.index, ra::ROUTER_ADVERTISEMENT)
        .map_err(|e| sock_err("ICMPv6", e))?;
    let now = Instant::now();
    let mut solicit = Solicit::new(now, crate::util::seed(&ifc.mac));
    let mut dhcp = match params.mode {
        Mode6::Dhcp6 => Some(open_dhcp(ifc, params, true, now)?),
        _ => None,
    };
    let mut got_ra: Option<Ra> = None;
    let mut slaac: Vec<Addr6> = Vec::new();
    // When DHCPv6 bound without an RA yet: wait for one until here.
    let mut ra_until: Option<Instant> = None;
    let mut buf = vec![0u8; 65536];
    loop {
        let now = Instant::now();
        if solicit.due(now) {
            let rs = ra::build_rs((!optimistic).then_some(ifc.mac));
            match icmp.send_to(&rs, ra::ALL_ROUTERS) {
                Ok(()) => crate::debug!("ipv6: {name}: sent router solicitation"),
                Err(e) => crate::debug!("ipv6: {name}: router solicitation not sent: {e}"),
            }
        }
        if let Some(d) = dhcp.as_mut() {
            while let Some(m) = d.client.poll_transmit(now) {
                let to = SocketAddr::from(std::net::SocketAddrV6::new(
                    dhcpv6::ALL_SERVERS,
                    dhcpv6::SERVER_PORT,
                    0,
                    ifc.index,
                ));
                match d.sock.send_to(&m, to) {
                    Ok(_) => crate::debug!(
                        "dhcpv6: {name}: sent {} (xid {:#08x})",
                        d.client.state(),
                        d.client.xid()
                    ),
                    Err(e) => crate::debug!("dhcpv6: {name}: send failed: {e}"),
                }
            }
        }
        // Done?
        let dhcp_done = dhcp.as_ref().map_or(true, |d| {
            d.result.is_some() || d.give_up.is_some_and(|g| now >= g)
        });
        if dhcp_done {
            let ra_ok = got_ra.is_some() || ra_until.is_some_and(|u| now >= u);
            if ra_ok {
                break;
            }
            if params.mode == Mode6::Dhcp6 && ra_until.is_none() {
                ra_until = Some((now + RA_GRACE).min(deadline));
            }
        }
        if now >= deadline {
            return Err(match &dhcp {
                None => Error::NoRa {
                    iface: name.to_string(),
                    secs,
                    sent: solicit.sent(),
                },
                Some(d) => Error::Dhcp6 {
                    iface: name.to_string(),
                    secs,
                    detail: format!(
                        "sent {} messages, {} answers heard, {}",
                        d.client.sent(),
                        d.heard,
                        if got_ra.is_some() {
                            "router advertisement received"
                        } else {
                            "no router advertisement either"
                        }
                    ),
                },
            });
        }
        let wake = [
            solicit.next_deadline(),
            dhcp.as_ref().and_then(|d| d.client.next_deadline()),
            dhcp.as_ref().and_then(|d| d.give_up),
            ra_until,
            Some(deadline),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(deadline);
        let wait = wake.saturating_duration_since(now) + Duration::from_micros(999);
        let mut fds: Vec<BorrowedFd<'_>> = vec![icmp.as_fd()];
        if let Some(d) = dhcp.as_ref() {
            fds.push(d.sock.as_fd());
        }
        let ready =
            crate::sys::packet::poll_readable(&fds, wait).map_err(|source| Error::Poll {
                iface: name.to_string(),
                source,
            })?;
        drop(fds);
        if ready.first() == Some(&true) {
            for _ in 0..RECV_BATCH {
                let r = match icmp.recv(&mut buf) {
                    Ok(Some(r)) => r,
                    Ok(None) => break,
                    Err(e) => {
                        crate::debug!("ipv6: {name}: receive failed: {e}");
                        break;
                    }
                };
                if got_ra.is_some() {
                    continue; // the first advertisement is the one taken
                }
                let ra = match ra::parse(r.source, r.hop_limit, &buf[..r.len]) {
                    Ok(ra) => ra,
                    Err(e) => {
                        crate::debug!("ipv6: {name}: dropped from {}: {e}", r.source);
                        continue;
                    }
                };
                for why in &ra.ignored {
                    crate::debug!("ipv6: {name}: router advertisement: ignored {why}");
                }
                crate::info!(
                    "ipv6: {name}: router advertisement from {}{}{}, lifetime {} s, {} prefixes",
                    r.source,
                    if ra.managed { ", managed" } else { "" },
                    if ra.other { ", other config" } else { "" },
                    ra.router_lifetime,
                    ra.prefixes.len()
                );
                solicit.stop();
                let now = Instant::now();
                let stateful = match params.mode {
                    Mode6::Either6 => ra.managed,
                    _ => false,
                };
                if params.mode != Mode6::Dhcp6 && !stateful {
                    slaac = ra
                        .prefixes
                        .iter()
                        .filter_map(|p| ra::slaac(p, ifc.mac))
                        .collect();
                    if slaac.is_empty() {
                        return Err(Error::NoPrefix {
                            iface: name.to_string(),
                            router: r.source,
                        });
                    }
                }
                if dhcp.is_none() && (stateful || ra.other) {
                    dhcp = Some(open_dhcp(ifc, params, stateful, now)?);
                }
                got_ra = Some(ra);
            }
        }
        if ready.get(1) == Some(&true) {
            if let Some(d) = dhcp.as_mut() {
                dhcp_receive(d, name, &mut buf);
            }
        }
    }
    Ok(Got {
        lease: merge(got_ra.as_ref(), slaac, dhcp.and_then(|d| d.result)),
        ra: got_ra,
    })
}

/// Read what the DHCPv6 socket holds into the machine.
fn dhcp_receive(d: &mut Dhcp, name: &str, buf: &mut [u8]) {
    for _ in 0..RECV_BATCH {
        let (n, from) = match d.sock.recv_from(buf) {
            Ok(x) => x,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => {
                crate::debug!("dhcpv6: {name}: receive failed: {e}");
                break;
            }
        };
        if from.port() != dhcpv6::SERVER_PORT {
            crate::debug!("dhcpv6: {name}: dropped datagram from port {}", from.port());
            continue;
        }
        d.heard += 1;
        match d.client.handle(Instant::now(), &buf[..n.min(buf.len())]) {
            Event::Ignored(e) => crate::debug!("dhcpv6: {name}: dropped from {from}: {e}"),
            Event::Advertised { addr, preference } => crate::debug!(
                "dhcpv6: {name}: advertise of {addr} (preference {preference}) from {}",
                from.ip()
            ),
            Event::Restarted(why) => crate::info!("dhcpv6: {name}: {why}, soliciting again"),
            Event::Bound(l) => {
                crate::info!(
                    "dhcpv6: {name}: {} from {}{}",
                    l.addrs
                        .first()
                        .map_or("information".to_string(), |a| format!(
                            "bound to {}",
                            a.addr
                        )),
                    from.ip(),
                    if l.rapid_commit {
                        " (rapid commit)"
                    } else {
                        ""
                    }
                );
                d.result = Some(*l);
                return;
            }
        }
    }
}

/// The lease from what the RA and DHCPv6 gave. A DHCPv6 address takes the
/// length of an on-link RA prefix that contains it (so the kernel adds the
/// prefix route, as for a SLAAC address), else it is a /128 (RFC 8415
/// §18.2.10.1: DHCPv6 says nothing about the link's prefixes).
fn merge(ra: Option<&Ra>, slaac: Vec<Addr6>, dhcp: Option<Lease6>) -> Lease6 {
    let mut lease = dhcp.unwrap_or_default();
    for a in &mut lease.addrs {
        if let Some(p) = ra
            .into_iter()
            .flat_map(|r| &r.prefixes)
            .find(|p| p.on_link && p.contains(a.addr))
        {
            a.prefix_len = p.len;
        }
    }
    for a in slaac {
        if !lease.addrs.iter().any(|x| x.addr == a.addr) {
            lease.addrs.push(a);
        }
    }
    if let Some(r) = ra {
        if r.router_lifetime > 0 {
            lease.gateway = r.router;
        }
        for d in &r.dns {
            if !lease.dns.contains(d) {
                lease.dns.push(*d);
            }
        }
        for s in &r.search {
            if !lease.search.contains(s) {
                lease.search.push(s.clone());
            }
        }
        lease.mtu = r.mtu;
    }
    lease
}

/// A subscription to IPv6 address events, to see addresses leave DAD.
struct AddrWatch {
    sock: Socket,
}

impl AddrWatch {
    fn open(iface: &str) -> Result<AddrWatch, Error> {
        Socket::route(RTMGRP_IPV6_IFADDR)
            .map(|sock| AddrWatch { sock })
            .map_err(|source| Error::Socket {
                iface: iface.to_string(),
                what: "netlink",
                source,
            })
    }

    /// Wait until an address of `index` matching `want` is usable: DAD
    /// passed (no IFA_F_TENTATIVE) or optimistic (IFA_F_OPTIMISTIC, RFC
    /// 4429); fail at once if DAD failed (IFA_F_DADFAILED). The current
    /// addresses are dumped first, events follow. Returns the address and
    /// whether it is still optimistic.
    fn wait(
        &mut self,
        index: u32,
        iface: &str,
        deadline: Instant,
        secs: u64,
        want: impl Fn(Ipv6Addr) -> bool,
    ) -> Result<(Ipv6Addr, bool), Error> {
        let sock_err = |source| Error::Socket {
            iface: iface.to_string(),
            what: "netlink",
            source,
        };
        self.sock
            .send(&Request::DumpAddrs6.encode(1))
            .map_err(sock_err)?;
        let mut seen = None;
        // An optimistic address: usable, watched for DUP_WATCH more.
        let mut optimistic: Option<(Ipv6Addr, Instant)> = None;
        loop {
            let now = Instant::now();
            let until = optimistic.map_or(deadline, |(_, t)| t.min(deadline));
            if let Some((addr, _)) = optimistic.filter(|(_, t)| now >= *t) {
                return Ok((addr, true));
            }
            let left = until.saturating_duration_since(now);
            let Some(bytes) = self.sock.recv(Some(left)).map_err(sock_err)? else {
                if let Some((addr, _)) = optimistic {
                    return Ok((addr, true));
                }
                return Err(Error::NoAddress {
                    iface: iface.to_string(),
                    what: seen.map_or("link-local".to_string(), |a: Ipv6Addr| a.to_string()),
                    secs,
                });
            };
            for (_, reply) in wire::replies(bytes) {
                let Reply::Addr6(a) = reply else { continue };
                if a.index != index || !want(a.addr) {
                    continue;
                }
                // Permanent addresses (ours, and the link-local one) stay
                // after a failed DAD, marked (net/ipv6/addrconf.c,
                // addrconf_dad_stop): RTM_NEWADDR with IFA_F_DADFAILED.
                if a.flags & wire::IFA_F_DADFAILED != 0 {
                    return Err(Error::Duplicate {
                        iface: iface.to_string(),
                        addr: a.addr,
                    });
                }
                if a.flags & wire::IFA_F_TENTATIVE == 0 {
                    return Ok((a.addr, false));
                }
                if a.flags & u32::from(wire::IFA_F_OPTIMISTIC) != 0 && optimistic.is_none() {
                    optimistic = Some((a.addr, Instant::now() + DUP_WATCH));
                }
                seen = Some(a.addr);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::ipv6::ra::Prefix;

    fn v6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    #[test]
    fn merge_prefers_dhcp_and_takes_the_on_link_prefix() {
        let ra = Ra {
            router: Some(v6("fe80::1")),
            router_lifetime: 1800,
            prefixes: vec![Prefix {
                prefix: v6("fd00:1::"),
                len: 64,
                on_link: true,
                autonomous: false,
                valid: 100,
                preferred: 50,
            }],
            dns: vec![v6("fd00:1::53"), v6("fd00:1::54")],
            search: vec!["ra.example".into()],
            mtu: Some(1400),
            ..Ra::default()
        };
        let dhcp = Lease6 {
            addrs: vec![Addr6 {
                addr: v6("fd00:1::150"),
                prefix_len: 128,
                source: Source6::Dhcp6,
                preferred: None,
                valid: None,
            }],
            dns: vec![v6("fd00:1::54")],
            search: vec!["dhcp.example".into()],
            ..Lease6::default()
        };
        let l = merge(Some(&ra), Vec::new(), Some(dhcp.clone()));
        assert_eq!(l.addrs[0].prefix_len, 64);
        assert_eq!(l.gateway, Some(v6("fe80::1")));
        assert_eq!(l.dns, vec![v6("fd00:1::54"), v6("fd00:1::53")]);
        assert_eq!(l.search, vec!["dhcp.example", "ra.example"]);
        assert_eq!(l.mtu, Some(1400));
        // Off-link, or no RA: a /128, and no router without a lifetime.
        let mut far = ra.clone();
        far.prefixes[0].on_link = false;
        far.router_lifetime = 0;
        let l = merge(Some(&far), Vec::new(), Some(dhcp.clone()));
        assert_eq!((l.addrs[0].prefix_len, l.gateway), (128, None));
        assert_eq!(merge(None, Vec::new(), Some(dhcp)).addrs[0].prefix_len, 128);
    }

    #[test]
    fn take_over_needs_the_sysctl_directory() {
        let dir = std::env::temp_dir().join(format!("netroot-v6conf-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("eth0")).unwrap();
        take_over_in(&dir, "eth0").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("eth0/accept_ra")).unwrap(),
            "0"
        );
        let e = take_over_in(&dir, "eth9").unwrap_err().to_string();
        assert!(e.contains("IPv6 is not available on eth9"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

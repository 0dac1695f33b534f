//! rtnetlink: list links, set them up, set the MTU, wait for carrier
//! (events, not sleeps), and choose the candidate interfaces.
//!
//! The wire format is our own small, pure codec ([`super::rtnl_wire`]):
//! netroot needs five message kinds, and a general-purpose rtnetlink crate
//! cost a fifth of the static binary. The socket is `sys::netlink`, driven
//! synchronously: PID 1 has no async runtime. Protocol reference:
//! rtnetlink(7), netlink(7).

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use super::rtnl_wire::{self as wire, LinkMsg, Reply, Request};
use crate::sys::netlink::{Socket, RTMGRP_LINK};

/// A link-layer failure, naming the interface and the operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The netlink socket could not be opened or used.
    #[error("netlink socket: {0}")]
    Socket(#[source] io::Error),
    /// The kernel refused a request.
    #[error("{op} on {iface}: {source}")]
    Request {
        /// What we asked, e.g. `set up`.
        op: &'static str,
        /// Interface name (or `*` for a dump).
        iface: String,
        /// errno from the kernel.
        #[source]
        source: io::Error,
    },
    /// The kernel did not answer a request in time.
    #[error("{op} on {iface}: no answer from the kernel")]
    NoAnswer {
        /// What we asked.
        op: &'static str,
        /// Interface name.
        iface: String,
    },
    /// None of the candidate interfaces reported carrier within the timeout.
    #[error("no carrier on {ifaces} within {secs} s")]
    NoCarrier {
        /// Comma-separated interface names.
        ifaces: String,
        /// The timeout.
        secs: u64,
    },
}

/// One network interface as rtnetlink and sysfs describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Kernel name, e.g. `eth0`.
    pub name: String,
    /// ifindex.
    pub index: u32,
    /// Hardware address when it is a 6-byte (Ethernet) one.
    pub mac: Option<[u8; 6]>,
    /// `IFF_UP`: administratively up.
    pub up: bool,
    /// `IFF_BROADCAST`.
    pub broadcast: bool,
    /// `IFF_LOOPBACK`.
    pub loopback: bool,
    /// `IFF_LOWER_UP`: the driver reports carrier.
    pub carrier: bool,
    /// `IFLA_OPERSTATE` as the kernel spells it (`UP`, `DOWN`, ...).
    pub operstate: String,
    /// `IFLA_CARRIER`: the driver's carrier state. Unlike `carrier`
    /// (`IFF_LOWER_UP`) the kernel reports it while the link is down too.
    pub driver_carrier: bool,
    /// MTU.
    pub mtu: u32,
    /// Kernel driver, from `/sys/class/net/<name>/device/driver` (None for
    /// virtual devices).
    pub driver: Option<String>,
}

impl Link {
    /// Whether this interface may ever be a boot interface: not loopback,
    /// capable of broadcast (DHCP needs it) and with an Ethernet address.
    pub fn eligible(&self) -> bool {
        !self.loopback && self.broadcast && self.mac.is_some_and(|m| m != [0; 6])
    }

    /// Whether the link can carry our packets now; `before` is the same
    /// link as dumped before we set it up.
    ///
    /// Carrier (`IFF_LOWER_UP`) alone is not enough. The kernel facts
    /// (net/core/link_watch.c, net/sched/sch_generic.c, net/bridge/br_if.c,
    /// drivers/net/veth.c):
    /// - Until `dev_activate` runs, the transmit queues hold `noop_qdisc`,
    ///   which drops every frame. `__dev_open` calls it right after the
    ///   driver's open, but it only activates the queues when the carrier
    ///   is already on ("delay activation until next carrier-on event");
    ///   otherwise linkwatch does it, in `linkwatch_do_dev`, after setting
    ///   the RFC 2863 operstate, and then announces the change
    ///   (`netdev_state_change`: RTM_NEWLINK, and NETDEV_CHANGE).
    /// - That run is urgent (at once, not within linkwatch's 1 s rate
    ///   limit) when the carrier came on while the link was running with
    ///   its queues not yet active, and for every device with a peer
    ///   (`ifindex != iflink`: veth). It is not urgent when the carrier
    ///   came on while the link was down (virtio_net reports carrier at
    ///   probe): the operstate then lags up to 1 s (measured 1.0 s under
    ///   QEMU), but `__dev_open` has activated the queues already.
    /// - The far end: `veth_open` turns the carrier on at both ends, and a
    ///   bridge port (the peer) forwards only once NETDEV_CHANGE reaches
    ///   `br_port_carrier_check`, which wants `netif_oper_up`: linkwatch's
    ///   operstate. Linkwatch handles this link and then its peer (queued
    ///   in that order); a frame sent before that reaches the peer and the
    ///   bridge drops it.
    /// - A link created moments ago reports `UNKNOWN` until linkwatch has
    ///   handled its initial carrier-off; a link set down moments ago keeps
    ///   its old `UP` for as long (its event came while it was not running,
    ///   not urgent). A booting machine's link was never up.
    ///
    /// So a link we opened with the driver's carrier (`IFLA_CARRIER`) on
    /// can send at once; one we opened without waits for operstate `UP`,
    /// milliseconds after carrier; one that was up already needs `UP` or
    /// `UNKNOWN` (drivers that never report carrier changes stay there).
    /// Measured with 20 namespaces whose veth peers are bridge ports, all
    /// started at once, 3 runs with rapid commit (bench/dhcp.sh): sending
    /// on carrier, 35 of 60 first DISCOVERs were lost (then repeated after
    /// ~1 s); with PACKET_QDISC_BYPASS on the packet socket, 39 of 60 (the
    /// bridge drops them, not a qdisc); waiting for operstate, 0 of 60.
    pub fn ready(&self, before: &Link) -> bool {
        if !(self.up && self.carrier) {
            return false;
        }
        if before.up {
            return matches!(self.operstate.as_str(), "UP" | "UNKNOWN");
        }
        before.driver_carrier || self.operstate == "UP"
    }

    fn from_message(msg: LinkMsg) -> Link {
        let flags = msg.flags;
        Link {
            name: msg.name.unwrap_or_default(),
            index: msg.index,
            mac: msg
                .address
                .and_then(|a| <[u8; 6]>::try_from(a.as_slice()).ok()),
            up: flags & wire::IFF_UP != 0,
            broadcast: flags & wire::IFF_BROADCAST != 0,
            loopback: flags & wire::IFF_LOOPBACK != 0,
            // IFF_LOWER_UP rather than IFLA_CARRIER: it is also clear while
            // the link is dormant (802.1X), when DHCP cannot work yet.
            carrier: flags & wire::IFF_LOWER_UP != 0,
            operstate: wire::operstate_name(msg.operstate.unwrap_or(0)).to_string(),
            driver_carrier: msg.carrier.unwrap_or(false),
            mtu: msg.mtu.unwrap_or(0),
            driver: None,
        }
    }
}

/// How the command line selects interfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Select {
    /// Every eligible interface (`ip=` without a device, or `all`).
    All,
    /// The interface with this name (`ip=` device field).
    Name(String),
    /// The interface with this MAC (dracut's `ip=...:<macaddr>`).
    Mac([u8; 6]),
}

/// Choose the candidate interfaces, PURE. Loopback and non-broadcast links
/// are never candidates, even when named. `BOOTIF=` (the MAC pxelinux booted
/// from) narrows `All` to that one interface; an explicit device or MAC in
/// `ip=` wins over it. Sorted by ifindex, so the order is the kernel's
/// probe order.
pub fn candidates<'a>(
    links: &'a [Link],
    select: &Select,
    bootif: Option<[u8; 6]>,
) -> Vec<&'a Link> {
    let mut out: Vec<&Link> = links
        .iter()
        .filter(|l| l.eligible())
        .filter(|l| match select {
            Select::All => bootif.map_or(true, |b| l.mac == Some(b)),
            Select::Name(n) => &l.name == n,
            Select::Mac(m) => l.mac == Some(*m),
        })
        .collect();
    out.sort_by_key(|l| l.index);
    out
}

/// Read the driver name of `iface` from sysfs under `sys_root` (normally
/// `/sys`): the basename of the `device/driver` symlink.
pub fn driver(sys_root: &Path, iface: &str) -> Option<String> {
    let p = sys_root.join("class/net").join(iface).join("device/driver");
    let target = std::fs::read_link(p).ok()?;
    target.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// A request/response route netlink handle.
#[derive(Debug)]
pub struct Rtnl {
    sock: Socket,
    seq: u32,
}

/// How long one netlink request may take before we call the kernel silent.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

impl Rtnl {
    /// Open a request socket.
    pub fn open() -> Result<Rtnl, Error> {
        Ok(Rtnl {
            sock: Socket::route(0).map_err(Error::Socket)?,
            seq: 0,
        })
    }

    /// Send `req` and collect the answer: the links of a dump
    /// (`NLM_F_MULTI` messages up to `NLMSG_DONE`), nothing for an
    /// acknowledged change (netlink(7): an `NLMSG_ERROR` with code 0).
    /// Messages with another sequence number (answers to an earlier,
    /// timed-out request) are skipped. `op`/`iface` name the request in
    /// errors.
    pub fn request(
        &mut self,
        req: &Request,
        op: &'static str,
        iface: &str,
    ) -> Result<Vec<LinkMsg>, Error> {
        self.request_with(&|seq| req.encode(seq), op, iface)
    }

    /// [`Rtnl::request`] for a request that creates or reshapes a link.
    pub fn dev_request(
        &mut self,
        req: &wire::DevRequest,
        op: &'static str,
        iface: &str,
    ) -> Result<(), Error> {
        self.request_with(&|seq| req.encode(seq), op, iface)
            .map(|_| ())
    }

    fn request_with(
        &mut self,
        encode: &dyn Fn(u32) -> Vec<u8>,
        op: &'static str,
        iface: &str,
    ) -> Result<Vec<LinkMsg>, Error> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let req_err = |source: io::Error| Error::Request {
            op,
            iface: iface.to_string(),
            source,
        };
        self.sock.send(&encode(seq)).map_err(req_err)?;
        let deadline = Instant::now() + REQUEST_TIMEOUT;
        let mut out = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(bytes) = self.sock.recv(Some(left)).map_err(req_err)? else {
                return Err(Error::NoAnswer {
                    op,
                    iface: iface.to_string(),
                });
            };
            for (_, reply) in wire::replies(bytes).filter(|(s, _)| *s == seq) {
                match reply {
                    Reply::Link(l) => out.push(l),
                    Reply::Done | Reply::Ack => return Ok(out),
                    Reply::Error(errno) => {
                        return Err(req_err(io::Error::from_raw_os_error(errno)))
                    }
                    Reply::Other(_) | Reply::Addr6(_) => {}
                }
            }
        }
    }

    /// Every link, with its driver read from sysfs under `sys_root`.
    pub fn links(&mut self, sys_root: &Path) -> Result<Vec<Link>, Error> {
        let answer = self.request(&Request::DumpLinks, "list links", "*")?;
        let mut links: Vec<Link> = answer.into_iter().map(Link::from_message).collect();
        for l in &mut links {
            l.driver = driver(sys_root, &l.name);
        }
        links.sort_by_key(|l| l.index);
        Ok(links)
    }

    fn set_link(
        &mut self,
        link: &Link,
        up: Option<bool>,
        mtu: Option<u32>,
        op: &'static str,
    ) -> Result<(), Error> {
        let req = Request::SetLink {
            index: link.index,
            up,
            mtu,
        };
        self.request(&req, op, &link.name)?;
        Ok(())
    }

    /// Set the interface administratively up (`ip link set X up`).
    pub fn set_up(&mut self, link: &Link) -> Result<(), Error> {
        self.set_link(link, Some(true), None, "set up")
    }

    /// Set the interface down again (candidates that lost the race).
    pub fn set_down(&mut self, link: &Link) -> Result<(), Error> {
        self.set_link(link, Some(false), None, "set down")
    }

    /// Set the MTU (from `ip=` or DHCP option 26).
    pub fn set_mtu(&mut self, link: &Link, mtu: u32) -> Result<(), Error> {
        self.set_link(link, None, Some(mtu), "set mtu")
    }
}

/// How often [`CarrierWatch::wait`] says that it is still waiting.
pub const CARRIER_NOTE_EVERY: Duration = Duration::from_secs(3);

/// A subscription to link events (`RTMGRP_LINK`). Open it BEFORE setting
/// links up so no carrier change can slip between the state dump and the
/// first wait.
#[derive(Debug)]
pub struct CarrierWatch {
    sock: Socket,
}

impl CarrierWatch {
    /// Subscribe to link events.
    pub fn open() -> Result<CarrierWatch, Error> {
        Ok(CarrierWatch {
            sock: Socket::route(RTMGRP_LINK).map_err(Error::Socket)?,
        })
    }

    /// The socket, for poll(2) next to other sockets.
    pub fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(&self.sock)
    }

    /// The link events already queued, without waiting, in arrival order:
    /// (ifindex, `Some(false)` when the carrier is gone (`IFF_LOWER_UP` or
    /// `IFF_UP` clear), `Some(true)` when the link can send again (carrier
    /// and operstate `UP`, see [`Link::ready`] for a link that was up),
    /// `None` in between (carrier back, operstate not yet up)).
    pub fn drain(&mut self) -> Result<Vec<(u32, Option<bool>)>, Error> {
        let mut out = Vec::new();
        loop {
            match self.sock.recv(Some(Duration::ZERO)) {
                Ok(Some(bytes)) => {
                    for (_, reply) in wire::replies(bytes) {
                        if let Reply::Link(msg) = reply {
                            let ev = Link::from_message(msg);
                            let state = if !(ev.up && ev.carrier) {
                                Some(false)
                            } else {
                                // The link was up before (DHCP runs on
                                // links set up): ready at operstate UP.
                                ev.ready(&ev).then_some(true)
                            };
                            out.push((ev.index, state));
                        }
                    }
                }
                Ok(None) => return Ok(out),
                Err(e) => return Err(Error::Socket(e)),
            }
        }
    }

    /// Wait at most `timeout` for any link event (an interface appearing
    /// or changing). Returns whether one came.
    pub fn wait_any(&mut self, timeout: Duration) -> Result<bool, Error> {
        let bytes = match self.sock.recv(Some(timeout)) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(false),
            Err(e) => return Err(Error::Socket(e)),
        };
        Ok(wire::replies(bytes).any(|(_, r)| matches!(r, Reply::Link(_))))
    }

    /// Wait until the `links` have carrier and can send (see
    /// [`Link::ready`]; `links` as they were before we set them up):
    /// returns as soon as all of them can, or `settle` after the first one got it (slower NICs on the
    /// same cable plant get that long to catch up), with those that have
    /// carrier, in the order given. The current state is dumped through
    /// `rtnl` after the subscription (and again if the kernel reports that
    /// events were lost, `ENOBUFS`). Fails with [`Error::NoCarrier`] when
    /// none got carrier within `timeout`.
    pub fn wait(
        &mut self,
        rtnl: &mut Rtnl,
        sys_root: &Path,
        links: &[Link],
        timeout: Duration,
        settle: Duration,
    ) -> Result<Vec<Link>, Error> {
        let start = Instant::now();
        let deadline = start + timeout;
        let mut carrier = vec![false; links.len()];
        let mut first: Option<Instant> = None;
        let mut next_note = start + CARRIER_NOTE_EVERY;
        let mut redump = true;
        // Link states, from a dump or from events.
        let mut seen: Vec<Link> = Vec::new();
        loop {
            if redump {
                redump = false;
                seen.extend(rtnl.links(sys_root)?);
            }
            for now in seen.drain(..) {
                if let Some(i) = links.iter().position(|l| l.index == now.index) {
                    let has = now.ready(&links[i]);
                    if has && !carrier[i] {
                        crate::debug!(
                            "{}: ready (carrier, operstate {}) after {:?}",
                            links[i].name,
                            now.operstate,
                            start.elapsed()
                        );
                        first.get_or_insert_with(Instant::now);
                    }
                    carrier[i] = has;
                }
            }
            if carrier.iter().all(|c| *c) {
                break;
            }
            let now = Instant::now();
            let until = match first {
                Some(t) => (t + settle).min(deadline),
                None => deadline,
            };
            if now >= until {
                break;
            }
            if first.is_none() && now >= next_note {
                // One line every few seconds, so the console shows why the
                // boot waits (a cable, a switch port) without a flood.
                let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
                crate::info!(
                    "waiting for carrier on {} ({} s)",
                    names.join(", "),
                    now.duration_since(start).as_secs_f64().round() as u64
                );
                next_note += CARRIER_NOTE_EVERY;
            }
            let wake = if first.is_none() {
                until.min(next_note)
            } else {
                until
            };
            match self.sock.recv(Some(wake.saturating_duration_since(now))) {
                Ok(Some(bytes)) => {
                    for (_, reply) in wire::replies(bytes) {
                        if let Reply::Link(msg) = reply {
                            seen.push(Link::from_message(msg));
                        }
                    }
                }
                Ok(None) => {}
                // The socket buffer overflowed: events were lost, look again.
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => redump = true,
                Err(e) => return Err(Error::Socket(e)),
            }
        }
        let live: Vec<Link> = links
            .iter()
            .zip(&carrier)
            .filter(|(_, c)| **c)
            .map(|(l, _)| l.clone())
            .collect();
        // The operstate UP event is sent from inside linkwatch's run, which
        // holds the RTNL lock from its first device to its last: a veth's
        // peer (a bridge port) is handled right after it, and a sender that
        // wakes up on the event can beat that. A request that takes the
        // RTNL lock (a "set up" that changes nothing) returns only after
        // that run has finished.
        for l in links.iter().filter(|l| !l.up && !l.driver_carrier) {
            if live.iter().any(|x| x.index == l.index) {
                // Only a wait: if it fails, the early DISCOVER repeat
                // covers a first frame that the peer drops.
                if let Err(e) = rtnl.set_link(l, Some(true), None, "sync with linkwatch") {
                    crate::warn!("{e}");
                }
            }
        }
        if live.is_empty() {
            let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
            return Err(Error::NoCarrier {
                ifaces: names.join(", "),
                secs: timeout.as_secs_f64().round() as u64,
            });
        }
        Ok(live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(name: &str, index: u32, mac: u8, broadcast: bool, loopback: bool) -> Link {
        Link {
            name: name.into(),
            index,
            mac: Some([0x52, 0x54, 0, 0, 0, mac]),
            up: false,
            broadcast,
            loopback,
            carrier: false,
            operstate: "DOWN".into(),
            driver_carrier: false,
            mtu: 1500,
            driver: None,
        }
    }

    fn names(v: &[&Link]) -> Vec<String> {
        v.iter().map(|l| l.name.clone()).collect()
    }

    fn lab() -> Vec<Link> {
        vec![
            link("eth1", 3, 2, true, false),
            link("lo", 1, 0, false, true),
            link("eth0", 2, 1, true, false),
            link("tun0", 4, 3, false, false),
        ]
    }

    #[test]
    fn all_skips_loopback_and_non_broadcast_and_sorts_by_index() {
        let links = lab();
        assert_eq!(
            names(&candidates(&links, &Select::All, None)),
            ["eth0", "eth1"]
        );
    }

    #[test]
    fn named_device_even_if_bootif_differs() {
        let links = lab();
        let got = candidates(
            &links,
            &Select::Name("eth1".into()),
            Some([0x52, 0x54, 0, 0, 0, 1]),
        );
        assert_eq!(names(&got), ["eth1"]);
        // Naming a non-broadcast device gives nothing.
        assert!(candidates(&links, &Select::Name("tun0".into()), None).is_empty());
        assert!(candidates(&links, &Select::Name("lo".into()), None).is_empty());
    }

    #[test]
    fn bootif_narrows_all() {
        let links = lab();
        let got = candidates(&links, &Select::All, Some([0x52, 0x54, 0, 0, 0, 2]));
        assert_eq!(names(&got), ["eth1"]);
        assert!(candidates(&links, &Select::All, Some([1, 2, 3, 4, 5, 6])).is_empty());
    }

    #[test]
    fn dracut_mac_selects() {
        let links = lab();
        let got = candidates(&links, &Select::Mac([0x52, 0x54, 0, 0, 0, 1]), None);
        assert_eq!(names(&got), ["eth0"]);
    }

    #[test]
    fn ready_needs_operstate_unless_opened_with_carrier() {
        let down = link("eth0", 2, 1, true, false);
        let now = |operstate: &str| Link {
            up: true,
            carrier: true,
            operstate: operstate.into(),
            ..down.clone()
        };
        let with_carrier = Link {
            driver_carrier: true,
            ..down.clone()
        };
        let already_up = now("UP");
        // Opened without carrier: linkwatch's operstate, nothing else.
        assert!(now("UP").ready(&down));
        assert!(!now("UNKNOWN").ready(&down));
        assert!(!now("DOWN").ready(&down));
        assert!(!now("DORMANT").ready(&down));
        // Opened with carrier: the queues were activated on open.
        assert!(now("DOWN").ready(&with_carrier));
        // Up before us: UP, or UNKNOWN from a driver without carrier events.
        assert!(now("UNKNOWN").ready(&already_up));
        assert!(!now("LOWERLAYERDOWN").ready(&already_up));
        // Never without carrier or while down.
        let no_carrier = Link {
            carrier: false,
            ..now("UP")
        };
        assert!(!no_carrier.ready(&with_carrier));
        let set_down = Link {
            up: false,
            ..now("UP")
        };
        assert!(!set_down.ready(&already_up));
    }

    #[test]
    fn mac_format() {
        assert_eq!(
            crate::util::fmt_mac(&[0x52, 0x54, 0, 0xab, 0x0c, 0xff]),
            "52:54:00:ab:0c:ff"
        );
    }

    #[test]
    fn driver_from_sysfs_fixture() {
        let dir = std::env::temp_dir().join(format!("netroot-sysfs-{}", std::process::id()));
        let dev = dir.join("class/net/eth0/device");
        std::fs::create_dir_all(&dev).unwrap();
        let _ = std::fs::remove_file(dev.join("driver"));
        std::os::unix::fs::symlink("../../../bus/virtio/drivers/virtio_net", dev.join("driver"))
            .unwrap();
        assert_eq!(driver(&dir, "eth0").as_deref(), Some("virtio_net"));
        assert_eq!(driver(&dir, "veth0"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn link_from_wire_message() {
        let msg = LinkMsg {
            index: 4,
            flags: wire::IFF_UP | wire::IFF_BROADCAST | wire::IFF_LOWER_UP,
            name: Some("eth2".into()),
            address: Some(vec![0x52, 0x54, 0, 1, 2, 3]),
            mtu: Some(9000),
            operstate: Some(6),
            carrier: Some(true),
        };
        let l = Link::from_message(msg.clone());
        assert_eq!(l.name, "eth2");
        assert_eq!(l.mac, Some([0x52, 0x54, 0, 1, 2, 3]));
        assert!(l.up && l.broadcast && l.carrier && !l.loopback);
        assert_eq!((l.operstate.as_str(), l.mtu), ("UP", 9000));
        assert!(l.eligible());
        // A non-Ethernet hardware address (e.g. 20-byte InfiniBand) is no MAC.
        let l = Link::from_message(LinkMsg {
            address: Some(vec![1; 20]),
            flags: wire::IFF_LOOPBACK,
            operstate: None,
            ..msg
        });
        assert_eq!(l.mac, None);
        assert!(l.loopback && !l.up && !l.carrier);
        assert_eq!(l.operstate, "UNKNOWN");
        assert!(!l.eligible());
    }

    #[test]
    fn kernel_link_dump_has_loopback() {
        // A real RTM_GETLINK dump (any user may dump links): the codec must
        // frame the kernel's multi-part reply, find NLMSG_DONE and decode
        // loopback. Compared with sysfs, which the kernel fills in too.
        let links = match Rtnl::open().and_then(|mut r| r.links(Path::new("/sys"))) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("SKIP kernel_link_dump_has_loopback: {e}");
                return;
            }
        };
        let lo = links.iter().find(|l| l.loopback).expect("a loopback link");
        assert_eq!(lo.name, "lo");
        assert_eq!(lo.mac, Some([0; 6]));
        assert!(!lo.eligible());
        let sys = |f: &str| std::fs::read_to_string(format!("/sys/class/net/lo/{f}"));
        if let (Ok(idx), Ok(mtu)) = (sys("ifindex"), sys("mtu")) {
            assert_eq!(idx.trim().parse::<u32>().unwrap(), lo.index);
            assert_eq!(mtu.trim().parse::<u32>().unwrap(), lo.mtu);
        }
        assert!(links.windows(2).all(|w| w[0].index < w[1].index));
        // A change the kernel refuses comes back as an errno, not a hang:
        // ifindex 0x7fff_fff0 does not exist (ENODEV; EPERM first when the
        // test runs without CAP_NET_ADMIN).
        let mut rtnl = Rtnl::open().unwrap();
        let ghost = Link {
            index: 0x7fff_fff0,
            ..lo.clone()
        };
        match rtnl.set_mtu(&ghost, 1500) {
            Err(Error::Request { source, .. }) => assert!(
                matches!(source.raw_os_error(), Some(libc::ENODEV | libc::EPERM)),
                "{source}"
            ),
            other => panic!("expected ENODEV or EPERM, got {other:?}"),
        }
    }
}

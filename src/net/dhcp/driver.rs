//! The DHCP driver: one packet socket per candidate interface, one
//! single-threaded poll(2) loop serving all of them, one [`Client`] state
//! machine per interface. The first interface to be bound wins; the others
//! simply stop (their machines are dropped, nothing was configured on them).
//!
//! The interfaces must already be up and able to send
//! ([`crate::net::link::Link::ready`]: the first DISCOVER goes out only once
//! the kernel has activated the link); `acquire` configures no address.

use std::net::Ipv4Addr;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

use super::machine::{self, Client, Config, Event};
use super::wire;
use super::Lease;
use crate::sys::packet::{self, PacketSocket};

/// Packets read from one socket per poll wakeup.
const RECV_BATCH: usize = 64;

/// A candidate interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iface {
    /// Kernel name (eth0).
    pub name: String,
    /// Kernel interface index.
    pub index: u32,
    /// Ethernet address.
    pub mac: [u8; 6],
}

/// How to ask for a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Full option-61 payload; None = type 1 + MAC (RFC 2132 §9.14).
    pub client_id: Option<Vec<u8>>,
    /// Option 12.
    pub hostname: Option<String>,
    /// Known address: INIT-REBOOT (RFC 2131 §3.2).
    pub requested_ip: Option<Ipv4Addr>,
    /// Ask for RFC 4039 rapid commit.
    pub rapid_commit: bool,
    /// Overall time limit.
    pub timeout: Duration,
    /// Repeat the first DISCOVER after about 1 s (a switch port that just
    /// came up or a busy server may drop it); see
    /// [`machine::Config::early_retry`].
    pub early_retry: bool,
    /// Retransmit every 2 s while the link is young and unanswered; see
    /// [`machine::Config::settle_window`].
    pub settle_window: Duration,
}

/// Packet counts of one `acquire` run, per interface (same order as the
/// interfaces passed in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// DHCP messages sent.
    pub sent: Vec<u32>,
    /// Of those, DISCOVERs (the rest are REQUESTs).
    pub discovers: Vec<u32>,
    /// Packets received that passed the socket filter.
    pub received: Vec<u32>,
    /// Of those, the ones dropped (malformed, foreign, unexpected).
    pub dropped: Vec<u32>,
    /// OFFERs accepted.
    pub offers: Vec<u32>,
    /// NAKs received.
    pub naks: Vec<u32>,
}

impl Stats {
    fn zero(n: usize) -> Stats {
        Stats {
            sent: vec![0; n],
            discovers: vec![0; n],
            received: vec![0; n],
            dropped: vec![0; n],
            offers: vec![0; n],
            naks: vec![0; n],
        }
    }

    /// Messages sent over all interfaces.
    pub fn total_sent(&self) -> u32 {
        self.sent.iter().sum()
    }
}

/// Why no lease was obtained.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Called with no interfaces.
    #[error("no candidate interface for DHCP")]
    NoInterfaces,
    /// No packet socket could be opened on any interface.
    #[error("cannot open a packet socket on {iface}: {source}")]
    Socket {
        /// The interface (the last one that failed).
        iface: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// poll(2) failed.
    #[error("poll on DHCP sockets failed: {0}")]
    Poll(std::io::Error),
    /// Nothing usable arrived before the deadline.
    #[error("no DHCP {missing} on {ifaces} within {secs} s ({detail})")]
    Timeout {
        /// "offer" when DISCOVERs got no offer, else "ack".
        missing: &'static str,
        /// Comma-separated interface names.
        ifaces: String,
        /// The timeout.
        secs: u64,
        /// Packet counts, e.g. "sent 7 discovers" or
        /// "sent 2 discovers, 4 requests, got 1 offers".
        detail: String,
    },
}

/// Acquire a lease on the first of `ifaces` that gets one. Returns its index
/// and the lease.
pub fn acquire(ifaces: &[Iface], params: &Params) -> Result<(usize, Lease), Error> {
    acquire_with_stats(ifaces, params).0
}

/// [`acquire`] on links whose carrier is watched through `watch` (opened
/// before the links were found ready): when an interface's carrier comes
/// back after a loss, its machine starts the RFC 2131 schedule over
/// ([`Client::link_changed`]), so a port that forwards late is asked at
/// once instead of after a backoff grown to tens of seconds.
pub(crate) fn acquire_watching(
    ifaces: &[Iface],
    params: &Params,
    watch: &mut crate::net::link::CarrierWatch,
) -> Result<(usize, Lease), Error> {
    // Events queued while the links came up (set up, carrier, operstate)
    // say nothing about the carrier from here on.
    if let Err(e) = watch.drain() {
        crate::debug!("dhcp: link events: {e}");
    }
    let mut stats = Stats::zero(ifaces.len());
    run(ifaces, params, &mut stats, Some(watch))
}

/// [`acquire`], also returning packet counts (for the benchmark and logs).
pub fn acquire_with_stats(
    ifaces: &[Iface],
    params: &Params,
) -> (Result<(usize, Lease), Error>, Stats) {
    let mut stats = Stats::zero(ifaces.len());
    let r = run(ifaces, params, &mut stats, None);
    (r, stats)
}

fn run(
    ifaces: &[Iface],
    params: &Params,
    stats: &mut Stats,
    mut watch: Option<&mut crate::net::link::CarrierWatch>,
) -> Result<(usize, Lease), Error> {
    if ifaces.is_empty() {
        return Err(Error::NoInterfaces);
    }
    let start = Instant::now();
    let deadline = start + params.timeout;

    // (interface index, socket, machine) for every interface we could open.
    let mut live: Vec<(usize, PacketSocket, Client)> = Vec::new();
    let mut last_err = None;
    for (i, ifc) in ifaces.iter().enumerate() {
        match PacketSocket::open(ifc.index) {
            Ok(s) => {
                // The MAC and index are mixed in so that two machines
                // (or NICs) whose other inputs start alike still differ.
                let seed = crate::util::seed(&[&ifc.mac[..], &i.to_le_bytes()].concat());
                let cfg = Config {
                    mac: ifc.mac,
                    client_id: params
                        .client_id
                        .clone()
                        .unwrap_or_else(|| machine::default_client_id(ifc.mac)),
                    hostname: params.hostname.clone(),
                    requested_ip: params.requested_ip,
                    rapid_commit: params.rapid_commit,
                    xid: (seed >> 32) as u32,
                    rng_seed: seed,
                    early_retry: params.early_retry,
                    settle_window: params.settle_window,
                };
                live.push((i, s, Client::new(cfg, start)));
            }
            Err(e) => {
                crate::warn!("dhcp: cannot open packet socket on {}: {e}", ifc.name);
                last_err = Some((ifc.name.clone(), e));
            }
        }
    }
    if live.is_empty() {
        let (iface, source) = last_err.unwrap_or_else(|| {
            (
                String::new(),
                std::io::Error::other("no interface could be opened"),
            )
        });
        return Err(Error::Socket { iface, source });
    }

    // Whether each live interface has carrier: it had when DHCP started.
    let mut carrier = vec![true; live.len()];
    let mut buf = vec![0u8; 65536];
    loop {
        let now = Instant::now();
        for (i, sock, client) in live.iter_mut() {
            while let Some(msg) = client.poll_transmit(now) {
                let name = &ifaces[*i].name;
                // The machine is in SELECTING exactly when it just sent a DISCOVER.
                let discover = client.state() == machine::State::Selecting;
                match sock.send_broadcast(&wire::frame_request(&msg)) {
                    Ok(()) => {
                        stats.sent[*i] += 1;
                        stats.discovers[*i] += u32::from(discover);
                        crate::debug!(
                            "dhcp: {name}: sent {} (xid {:#010x})",
                            if discover { "DISCOVER" } else { "REQUEST" },
                            client.xid(),
                        );
                    }
                    // A send failure (carrier lost, ENOBUFS) is a lost packet:
                    // the retransmission schedule covers it.
                    Err(e) => crate::debug!("dhcp: {name}: send failed: {e}"),
                }
            }
        }
        if now >= deadline {
            return Err(timeout_error(ifaces, &live, params.timeout, stats));
        }
        let wake = live
            .iter()
            .filter_map(|(_, _, c)| c.next_deadline())
            .chain(std::iter::once(deadline))
            .min()
            .unwrap_or(deadline);
        // Round up to whole milliseconds so we do not spin just short of it.
        let wait = wake.saturating_duration_since(now) + Duration::from_micros(999);
        let mut socks: Vec<BorrowedFd<'_>> = live.iter().map(|(_, s, _)| s.as_fd()).collect();
        if let Some(w) = watch.as_deref() {
            socks.push(w.as_fd());
        }
        let mut ready = packet::poll_readable(&socks, wait).map_err(Error::Poll)?;
        drop(socks);
        if ready.len() > live.len() && ready.pop() == Some(true) {
            if let Some(w) = watch.as_deref_mut() {
                link_events(w, ifaces, &mut live, &mut carrier);
            }
        }
        for (k, is_ready) in ready.into_iter().enumerate() {
            if !is_ready {
                continue;
            }
            let (i, sock, client) = &mut live[k];
            let name = &ifaces[*i].name;
            // A bounded batch per wakeup: a flood on one interface must not
            // starve the others or keep us past the deadline.
            for _ in 0..RECV_BATCH {
                let got = match sock.recv(&mut buf) {
                    Ok(Some(got)) => got,
                    Ok(None) => break,
                    Err(e) => {
                        crate::debug!("dhcp: {name}: receive failed: {e}");
                        break;
                    }
                };
                stats.received[*i] += 1;
                let pkt = &buf[..got.len.min(buf.len())];
                let payload = match wire::unframe_reply_with(pkt, !got.checksum_pending) {
                    Ok(p) => p,
                    Err(e) => {
                        stats.dropped[*i] += 1;
                        crate::debug!("dhcp: {name}: dropped packet: {e}");
                        continue;
                    }
                };
                match client.handle(Instant::now(), payload) {
                    Event::Ignored(e) => {
                        stats.dropped[*i] += 1;
                        crate::debug!("dhcp: {name}: dropped packet: {e}");
                    }
                    Event::Offered { server, addr } => {
                        stats.offers[*i] += 1;
                        crate::debug!("dhcp: {name}: offer of {addr} from {server}");
                    }
                    Event::Nak { server, message } => {
                        stats.naks[*i] += 1;
                        crate::info!(
                            "dhcp: {name}: NAK from {}{}, restarting",
                            server.map_or("unknown server".to_string(), |s| s.to_string()),
                            message.map_or(String::new(), |m| format!(": {m}"))
                        );
                    }
                    Event::Bound(lease) => {
                        crate::info!(
                            "dhcp: {name}: bound to {} from {}{}",
                            lease.addr.unwrap_or(Ipv4Addr::UNSPECIFIED),
                            lease.server_id.unwrap_or(Ipv4Addr::UNSPECIFIED),
                            if lease.rapid_commit {
                                " (rapid commit)"
                            } else {
                                ""
                            }
                        );
                        return Ok((*i, *lease));
                    }
                }
            }
        }
    }
}

/// Apply the queued link events: a live interface whose carrier comes back
/// starts its DHCP schedule over.
fn link_events(
    watch: &mut crate::net::link::CarrierWatch,
    ifaces: &[Iface],
    live: &mut [(usize, PacketSocket, Client)],
    carrier: &mut [bool],
) {
    let events = match watch.drain() {
        Ok(ev) => ev,
        Err(e) => {
            // Events lost (ENOBUFS) or the socket broke: the retransmission
            // schedule still runs, only the early restart is missed.
            crate::debug!("dhcp: link events: {e}");
            return;
        }
    };
    let now = Instant::now();
    for (index, state) in events {
        let Some(up) = state else { continue };
        for (k, (i, _, client)) in live.iter_mut().enumerate() {
            let ifc = &ifaces[*i];
            if ifc.index != index || carrier[k] == up {
                continue;
            }
            carrier[k] = up;
            if up {
                crate::info!("dhcp: {}: carrier back, asking again", ifc.name);
                client.link_changed(now);
            } else {
                crate::info!("dhcp: {}: carrier lost", ifc.name);
            }
        }
    }
}

fn timeout_error(
    ifaces: &[Iface],
    live: &[(usize, PacketSocket, Client)],
    timeout: Duration,
    stats: &Stats,
) -> Error {
    let names = live
        .iter()
        .map(|(i, _, _)| ifaces[*i].name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let offers: u32 = stats.offers.iter().sum();
    let naks: u32 = stats.naks.iter().sum();
    let discovers: u32 = stats.discovers.iter().sum();
    let requests = stats.total_sent() - discovers;
    let mut sent = Vec::new();
    if discovers > 0 {
        sent.push(format!("{discovers} discovers"));
    }
    if requests > 0 {
        sent.push(format!("{requests} requests"));
    }
    if sent.is_empty() {
        sent.push("nothing".into());
    }
    let mut detail = format!("sent {}", sent.join(", "));
    if offers > 0 {
        detail.push_str(&format!(", got {offers} offers"));
    }
    if naks > 0 {
        detail.push_str(&format!(", {naks} naks"));
    }
    let dropped: u32 = stats.dropped.iter().sum();
    if dropped > 0 {
        detail.push_str(&format!(", dropped {dropped} packets"));
    }
    Error::Timeout {
        // INIT-REBOOT that never fell back to DISCOVER waited for an ACK.
        missing: if offers == 0 && discovers > 0 {
            "offer"
        } else {
            "ack"
        },
        ifaces: names,
        secs: timeout.as_secs(),
        detail,
    }
}

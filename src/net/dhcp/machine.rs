//! The DHCPv4 client state machine (RFC 2131 §4.4), sans IO: it is given the
//! current time and received DHCP payloads, and answers with payloads to send
//! and the time it next wants to be polled. It owns no socket, reads no clock
//! and draws randomness only from a generator seeded by its caller, so tests
//! drive it with scripted time and replay it exactly.
//!
//! States: INIT → SELECTING → REQUESTING → BOUND, and INIT-REBOOT → BOUND
//! when an address is already known; then BOUND → RENEWING at T1 → REBINDING
//! at T2 → INIT at expiry (RFC 2131 §4.4.5), used by the resident renewer
//! ([`super::resident`]) when the booted system does not take the lease over.
//! The boot itself stops at BOUND.
//!
//! Deliberate departures from RFC 2131, for boot speed:
//! - §4.4.1 suggests waiting 1–10 s before the first DISCOVER; we send at
//!   once. Desynchronisation of a thousand nodes comes from the randomized
//!   retransmission schedule instead (every retry draws its own ±1 s).
//! - The first OFFER is taken; we do not wait to collect several.
//! - While a link is young (up for less than [`SETTLE_WINDOW`], the time an
//!   IEEE 802.1D switch port may spend in listening and learning) and no
//!   server has answered on it yet, retransmissions come every
//!   [`SETTLE_RETRY`] instead of doubling: a port that starts forwarding
//!   after 30 s is asked within seconds, not after a 32 s interval. Once a
//!   server has answered, or the window has passed, §4.1's schedule rules.
//! - No ARP probe of the offered address (the §4.4.1 SHOULD), and no reuse of
//!   an INIT-REBOOT address when nobody answers: we fall back to INIT.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::wire::{self, ReplyKind, Request, RequestKind};
use super::Lease;
use crate::util::{Backoff, Jitter, Rng};

/// RFC 2131 §4.1: the first retransmission comes after 4 s ...
pub const INITIAL_BACKOFF: Duration = Duration::from_secs(4);
/// ... doubling up to 64 s ...
pub const MAX_BACKOFF: Duration = Duration::from_secs(64);
/// ... each randomized by a uniform draw from −1 s to +1 s.
pub const JITTER: Duration = Duration::from_secs(1);
/// The RFC 2131 §4.1 retransmission schedule.
pub const BACKOFF: Backoff = Backoff {
    first: INITIAL_BACKOFF,
    max: MAX_BACKOFF,
    jitter: Jitter::Fixed(JITTER),
};
/// REQUESTs sent in REQUESTING before giving up on the offering server and
/// starting over from INIT (RFC 2131 §3.1 step 5 leaves the count to the
/// client): at 0, ~4 and ~12 s (with [`Config::early_retry`] one more at
/// ~1 s, and the others 1 s later), back to INIT 16 s after the last.
pub const REQUEST_ATTEMPTS: u32 = 3;
/// REQUESTs sent in INIT-REBOOT before falling back to INIT, after ~4 s.
/// One: a server with no record of us MUST stay silent (RFC 2131 §4.3.2, and
/// dnsmasq does unless authoritative), which is the common reason for no
/// answer, and a DISCOVER recovers from a lost packet as well as a second
/// REQUEST would. dhcpcd's INIT-REBOOT likewise gives up after 5 s.
pub const REBOOT_ATTEMPTS: u32 = 1;
/// RFC 2131 §4.4.5: in RENEWING and REBINDING a client waits half the time
/// left (until T2, or until the lease expires) before retransmitting, but
/// no less than 60 s.
pub const MIN_RENEW_RETRANSMIT: Duration = Duration::from_secs(60);
/// Upper bound on the pause before restarting after repeated NAKs, so a
/// hostile or confused server cannot make us loop at wire speed.
pub const MAX_NAK_PAUSE: Duration = Duration::from_secs(16);

/// What the client is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Ethernet address (chaddr).
    pub mac: [u8; 6],
    /// Option 61 payload; see [`default_client_id`].
    pub client_id: Vec<u8>,
    /// Option 12, sent when set.
    pub hostname: Option<String>,
    /// A known address: start in INIT-REBOOT instead of INIT.
    pub requested_ip: Option<Ipv4Addr>,
    /// Ask for RFC 4039 rapid commit in DISCOVERs.
    pub rapid_commit: bool,
    /// The first transaction id.
    pub xid: u32,
    /// Seed for backoff jitter and later transaction ids.
    pub rng_seed: u64,
    /// Repeat the very first DISCOVER, and the first REQUEST for each
    /// offer, after [`EARLY_RETRY`] instead of the RFC's 4 s (RFC 2131 §4.1
    /// gives 4 s as the example for a 10 Mb/s Ethernet and asks for delays
    /// suited to the network; later retransmissions keep its 4, 8, ... 64 s
    /// ± 1 s schedule). A REQUEST goes to a server that has just answered
    /// us: when it is lost, it is lost in that server's full socket buffer,
    /// not to a dead server. With 200 clients and no rapid commit, dnsmasq
    /// dropped 35-71 datagrams per run, REQUESTs among them, and those
    /// clients bound only after 4 ± 1 s more (p99 5.2-5.4 s).
    ///
    /// No longer for our own link: the driver waits until the kernel has
    /// activated it ([`crate::net::link::Link::ready`]), and a cold veth
    /// behind a bridge port then loses no first frame (0 of 60 in
    /// bench/dhcp.sh, 35 of 60 before). Kept for what the client cannot
    /// see: a switch port that forwards a moment after link-up, and a
    /// server that drops datagrams in a burst. With 200 clients released
    /// at once, dnsmasq's socket buffer overflowed in most runs (up to 225
    /// datagrams per run, UDP RcvbufErrors); in one run 34 of 200 first
    /// DISCOVERs were dropped there, all 34 clients were answered at the
    /// repeat, and the p99 was 1.36 s instead of 4 ± 1 s.
    pub early_retry: bool,
    /// For this long after link-up (or [`Client::link_changed`]), while no
    /// server has answered, retransmit every [`SETTLE_RETRY`] instead of
    /// doubling the interval: the switch port may not forward yet
    /// (spanning tree), and frames lost there say nothing about the
    /// server's load. Zero: RFC 2131 §4.1's schedule throughout.
    pub settle_window: Duration,
}

/// How long after link-up (or a link change) the path counts as unproven:
/// IEEE 802.1D's default max age (20 s) plus listening and learning (2 ×
/// 15 s forward delay) before a blocked port forwards.
pub const SETTLE_WINDOW: Duration = Duration::from_secs(50);
/// The retransmission interval on an unproven path (see
/// [`Config::settle_window`]): 2 s, jittered by ±500 ms.
pub const SETTLE_RETRY: Duration = Duration::from_secs(2);

/// The early repeat of the first DISCOVER and REQUEST (see
/// [`Config::early_retry`]): 1 s,
/// jittered by ±250 ms so nodes powered on together do not repeat in step.
pub const EARLY_RETRY: Duration = Duration::from_secs(1);

/// The MAC-based client identifier (RFC 2132 §9.14: hardware type 1 followed
/// by the address), the same identity PXE firmware uses.
pub fn default_client_id(mac: [u8; 6]) -> Vec<u8> {
    let mut v = vec![1];
    v.extend_from_slice(&mac);
    v
}

/// RFC 2131 §4.4 client states (those a booting client goes through).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Nothing sent yet (or restarting): the next poll sends a DISCOVER.
    Init,
    /// DISCOVER sent, waiting for an OFFER (or a rapid-commit ACK).
    Selecting,
    /// REQUEST for an offer sent, waiting for ACK/NAK.
    Requesting,
    /// REQUEST for a known address sent, waiting for ACK/NAK.
    InitReboot,
    /// A lease is held; nothing to send until T1.
    Bound,
    /// Past T1: REQUESTs unicast to the server that granted the lease.
    Renewing,
    /// Past T2: REQUESTs broadcast to any server.
    Rebinding,
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            State::Init => "INIT",
            State::Selecting => "SELECTING",
            State::Requesting => "REQUESTING",
            State::InitReboot => "INIT-REBOOT",
            State::Bound => "BOUND",
            State::Renewing => "RENEWING",
            State::Rebinding => "REBINDING",
        })
    }
}

/// Why a received message was ignored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not a well-formed DHCP reply.
    #[error("malformed: {0}")]
    Malformed(#[from] wire::Error),
    /// For another transaction (another client, or an old exchange).
    #[error("foreign xid {got:#010x} (ours {want:#010x})")]
    WrongXid {
        /// Received xid.
        got: u32,
        /// Ours.
        want: u32,
    },
    /// Carries the right xid but another client's hardware address.
    #[error("chaddr {got} is not ours")]
    WrongChaddr {
        /// Received chaddr, formatted.
        got: String,
    },
    /// A message type that makes no sense in the current state.
    #[error("unexpected {kind:?} in state {state}")]
    Unexpected {
        /// What arrived.
        kind: ReplyKind,
        /// Where we were.
        state: State,
    },
    /// An ACK in SELECTING without option 80, or when we did not ask for it.
    #[error("ack in SELECTING without rapid commit")]
    NotRapid,
    /// An OFFER without option 54: we could not address a REQUEST to it.
    #[error("offer without server identifier")]
    NoServerId,
    /// ACK/NAK from a server other than the one we asked.
    #[error("reply from server {got} while talking to {want}")]
    WrongServer {
        /// Option 54 received.
        got: Ipv4Addr,
        /// The server we selected.
        want: Ipv4Addr,
    },
    /// ACK for another address than the one we requested.
    #[error("ack for {got}, requested {want}")]
    WrongAddress {
        /// yiaddr received.
        got: Ipv4Addr,
        /// What we asked for.
        want: Ipv4Addr,
    },
}

/// What handling a received message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Dropped, with the reason.
    Ignored(Error),
    /// An OFFER was accepted; a REQUEST is due now.
    Offered {
        /// Option 54 of the offer.
        server: Ipv4Addr,
        /// yiaddr of the offer.
        addr: Ipv4Addr,
    },
    /// A NAK: starting over from INIT.
    Nak {
        /// Option 54 of the NAK, if any.
        server: Option<Ipv4Addr>,
        /// Option 56, sanitized.
        message: Option<String>,
    },
    /// Bound: the lease (its `rapid_commit` says how).
    Bound(Box<Lease>),
}

/// The times of a held lease (RFC 2131 §4.4.5): T1 (renew), T2 (rebind) and
/// expiry, counted from when the REQUEST that obtained it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// RENEWING from here.
    pub t1: Instant,
    /// REBINDING from here.
    pub t2: Instant,
    /// The address is no longer ours from here.
    pub expiry: Instant,
}

impl Times {
    /// RFC 2131 §4.4.5 defaults: T1 = 0.5 × the lease, T2 = 0.875 × the
    /// lease, from `start`. None for an infinite lease (0xffffffff, RFC
    /// 2131 §3.3), which is never renewed.
    pub fn from_lease(start: Instant, lease: Duration) -> Option<Times> {
        if lease.as_secs() >= u64::from(u32::MAX) {
            return None;
        }
        Some(Times {
            t1: start + lease / 2,
            t2: start + lease * 7 / 8,
            expiry: start + lease,
        })
    }
}

/// The lease held: our address, the server that granted it, its times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// yiaddr of the ACK.
    pub addr: Ipv4Addr,
    /// Option 54 of the ACK: where RENEWING REQUESTs go.
    pub server: Ipv4Addr,
    /// None: an infinite lease.
    pub times: Option<Times>,
}

/// A DHCPv4 client for one interface.
#[derive(Debug, Clone)]
pub struct Client {
    cfg: Config,
    state: State,
    xid: u32,
    rng: Rng,
    started: Option<Instant>,
    /// Transmissions made in the current state.
    attempt: u32,
    next_tx: Instant,
    /// (server id, offered address) chosen in SELECTING.
    offer: Option<(Ipv4Addr, Ipv4Addr)>,
    naks: u32,
    sent: u32,
    /// `secs` of the last DISCOVER, reused by the REQUEST that follows it.
    discover_secs: u16,
    /// When the last message went out: a lease's times count from it.
    last_tx: Instant,
    /// The lease held (BOUND, RENEWING, REBINDING).
    held: Option<Held>,
    /// The next retransmission may be the early repeat
    /// ([`Config::early_retry`]): before the very first DISCOVER and before
    /// the first REQUEST for each offer.
    early: bool,
    /// When the link came up (creation or the last link change).
    link_up: Instant,
    /// A server answered this client (any reply to our xid and chaddr).
    heard: bool,
}

impl Client {
    /// A client that sends its first message at the first poll at or after `now`.
    pub fn new(cfg: Config, now: Instant) -> Self {
        let state = if cfg.requested_ip.is_some() {
            State::InitReboot
        } else {
            State::Init
        };
        Client {
            xid: cfg.xid,
            rng: Rng::new(cfg.rng_seed),
            cfg,
            state,
            started: None,
            attempt: 0,
            next_tx: now,
            offer: None,
            naks: 0,
            sent: 0,
            discover_secs: 0,
            last_tx: now,
            held: None,
            early: state == State::Init,
            link_up: now,
            heard: false,
        }
    }

    /// A client that already holds `held` (granted by a REQUEST sent at
    /// `since`): BOUND, renewing at T1. What the resident renewer starts
    /// from after the boot got the lease.
    pub fn bound(cfg: Config, held: Held, since: Instant) -> Self {
        let mut c = Client::new(cfg, since);
        c.state = State::Bound;
        c.held = Some(held);
        c.last_tx = since;
        c
    }

    /// The lease held, if any.
    pub fn held(&self) -> Option<Held> {
        self.held
    }

    /// Where the next message goes: the server's address in RENEWING
    /// (unicast, RFC 2131 §4.4.5), None for a broadcast.
    pub fn destination(&self) -> Option<Ipv4Addr> {
        match (self.state, self.held) {
            (State::Renewing, Some(h)) => Some(h.server),
            _ => None,
        }
    }

    /// The link came (back) up: carrier returned after a loss, or the
    /// switch port changed state. Whatever was sent before may never have
    /// left the port, and the retransmission interval may have grown to
    /// tens of seconds while the link was dead: start the RFC 2131 §4.1
    /// schedule over (4 s doubling, with the early repeat of
    /// [`Config::early_retry`]) from `now`. SELECTING and REQUESTING go back
    /// to INIT with a new transaction (§4.4.1: a new xid for a new
    /// exchange); INIT-REBOOT asks for its address again. A bound client
    /// keeps its lease.
    pub fn link_changed(&mut self, now: Instant) {
        match self.state {
            // A lease is held: the renewal schedule goes on.
            State::Bound | State::Renewing | State::Rebinding => return,
            State::InitReboot => {
                self.attempt = 0;
                self.next_tx = now;
            }
            State::Init | State::Selecting | State::Requesting => self.restart(now),
        }
        self.early = true;
        self.link_up = now;
        // The elapsed time since the first message (`secs`) keeps counting:
        // RFC 2131 §4.4.1 defines it from the start of acquisition.
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Current transaction id.
    pub fn xid(&self) -> u32 {
        self.xid
    }

    /// Messages produced by `poll_transmit` so far.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// When `poll_transmit` next has something to do: T1 when bound (None
    /// for an infinite lease), the next retransmission or state change
    /// otherwise.
    pub fn next_deadline(&self) -> Option<Instant> {
        let times = self.held.and_then(|h| h.times);
        match (self.state, times) {
            (State::Bound, t) => t.map(|t| t.t1),
            (State::Renewing, Some(t)) => Some(self.next_tx.min(t.t2)),
            (State::Rebinding, Some(t)) => Some(self.next_tx.min(t.expiry)),
            _ => Some(self.next_tx),
        }
    }

    /// RFC 2131 §4.1 backoff for the `n`-th retransmission interval
    /// (0-based): 4 s · 2ⁿ capped at 64 s, plus uniform jitter in [−1 s, +1 s]
    /// at millisecond resolution.
    fn backoff(&mut self, n: u32) -> Duration {
        BACKOFF.delay(n, &mut self.rng)
    }

    fn secs(&self, now: Instant) -> u16 {
        self.started
            .map(|s| now.saturating_duration_since(s).as_secs())
            .unwrap_or(0)
            .min(u64::from(u16::MAX)) as u16
    }

    fn new_xid(&mut self) {
        // Never reuse the current xid: late replies to the old exchange must
        // not be taken for the new one.
        let old = self.xid;
        while self.xid == old {
            self.xid = self.rng.next_u64() as u32;
        }
    }

    /// Go back to INIT with a fresh transaction, sending at `at`.
    fn restart(&mut self, at: Instant) {
        self.state = State::Init;
        self.offer = None;
        self.attempt = 0;
        self.early = false;
        self.next_tx = at;
        self.new_xid();
    }

    /// The message to send now, if one is due. Call it again until it
    /// returns None, then wait until `next_deadline` or a received packet.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Vec<u8>> {
        if matches!(
            self.state,
            State::Bound | State::Renewing | State::Rebinding
        ) {
            // None: the lease expired, INIT goes on as a new client.
            if let Some(out) = self.poll_lease(now) {
                return out;
            }
        }
        if now < self.next_tx {
            return None;
        }
        let give_up = match self.state {
            State::Requesting => self.attempt >= REQUEST_ATTEMPTS,
            State::InitReboot => self.attempt >= REBOOT_ATTEMPTS,
            _ => false,
        };
        if give_up {
            crate::debug!(
                "dhcp: no answer to {} requests in {}, back to INIT",
                self.attempt,
                self.state
            );
            self.restart(now);
        }
        if self.state == State::Init {
            self.state = State::Selecting;
            self.attempt = 0;
        }
        let (kind, requested_ip, server_id) = match self.state {
            State::Selecting => (RequestKind::Discover, None, None),
            State::Requesting => (
                RequestKind::Request,
                self.offer.map(|o| o.1),
                self.offer.map(|o| o.0),
            ),
            _ => (RequestKind::Request, self.cfg.requested_ip, None),
        };
        self.started.get_or_insert(now);
        // RFC 2131 §4.4.1: the REQUEST answering an offer MUST carry the
        // same `secs` as the DISCOVER.
        let secs = match self.state {
            State::Selecting => {
                self.discover_secs = self.secs(now);
                self.discover_secs
            }
            State::Requesting => self.discover_secs,
            _ => self.secs(now),
        };
        let msg = wire::build_request(&Request {
            kind,
            xid: self.xid,
            secs,
            mac: self.cfg.mac,
            client_id: &self.cfg.client_id,
            hostname: self.cfg.hostname.as_deref(),
            requested_ip,
            server_id,
            rapid_commit: self.cfg.rapid_commit,
            ciaddr: None,
        });
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                // Only an over-long hostname or client id can get here; a
                // later retry would fail the same way, so retry slowly.
                crate::debug!("dhcp: {e}");
                self.next_tx = now + MAX_BACKOFF;
                return None;
            }
        };
        let early = self.early && matches!(self.state, State::Selecting | State::Requesting);
        self.early = false;
        let wait = if self.cfg.early_retry && early {
            // Does not count as an attempt: the RFC schedule starts after it.
            let offset = Duration::from_millis(self.rng.upto(500));
            (EARLY_RETRY + offset).saturating_sub(Duration::from_millis(250))
        } else {
            let w = self.backoff(self.attempt);
            self.attempt += 1;
            if !self.heard && now < self.link_up + self.cfg.settle_window {
                let settle = SETTLE_RETRY - Duration::from_millis(500)
                    + Duration::from_millis(self.rng.upto(1000));
                w.min(settle)
            } else {
                w
            }
        };
        self.next_tx = now + wait;
        self.sent += 1;
        self.last_tx = now;
        Some(msg)
    }

    /// BOUND, RENEWING and REBINDING (RFC 2131 §4.4.5): Some(what
    /// `poll_transmit` returns), or None when the lease has expired and the
    /// client has moved to INIT.
    fn poll_lease(&mut self, now: Instant) -> Option<Option<Vec<u8>>> {
        let Some(held) = self.held else {
            return Some(None);
        };
        let Some(t) = held.times else {
            return Some(None); // infinite lease
        };
        if now >= t.expiry {
            // "If the lease expires before the client receives a DHCPACK,
            // the client moves to INIT state."
            crate::debug!("dhcp: lease of {} expired, back to INIT", held.addr);
            self.held = None;
            self.started = None;
            self.restart(now);
            return None;
        }
        if self.state == State::Bound {
            if now < t.t1 {
                return Some(None);
            }
            self.enter_renewal(State::Renewing, now);
        }
        if self.state == State::Renewing && now >= t.t2 {
            self.enter_renewal(State::Rebinding, now);
        }
        if now < self.next_tx {
            return Some(None);
        }
        let msg = wire::build_request(&Request {
            kind: RequestKind::Request,
            xid: self.xid,
            secs: self.secs(now),
            mac: self.cfg.mac,
            client_id: &self.cfg.client_id,
            hostname: self.cfg.hostname.as_deref(),
            requested_ip: None,
            server_id: None,
            rapid_commit: false,
            ciaddr: Some(held.addr),
        });
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                crate::debug!("dhcp: {e}");
                self.next_tx = now + MIN_RENEW_RETRANSMIT;
                return Some(None);
            }
        };
        // Half the time left until the next state, at least 60 s, but
        // never past that state change.
        let until = if self.state == State::Renewing {
            t.t2
        } else {
            t.expiry
        };
        let wait = (until.saturating_duration_since(now) / 2).max(MIN_RENEW_RETRANSMIT);
        self.next_tx = (now + wait).min(until);
        self.attempt += 1;
        self.sent += 1;
        self.last_tx = now;
        Some(Some(msg))
    }

    /// Start RENEWING or REBINDING: a new transaction (new xid, `secs`
    /// counted from now), its first REQUEST due now.
    fn enter_renewal(&mut self, state: State, now: Instant) {
        self.state = state;
        self.attempt = 0;
        self.started = Some(now);
        self.next_tx = now;
        self.new_xid();
    }

    /// Handle one received DHCP payload (the UDP payload).
    pub fn handle(&mut self, now: Instant, payload: &[u8]) -> Event {
        match self.handle_inner(now, payload) {
            Ok(ev) => ev,
            Err(e) => Event::Ignored(e),
        }
    }

    fn handle_inner(&mut self, now: Instant, payload: &[u8]) -> Result<Event, Error> {
        let reply = wire::parse_reply(payload)?;
        if reply.xid != self.xid {
            return Err(Error::WrongXid {
                got: reply.xid,
                want: self.xid,
            });
        }
        if reply.chaddr != self.cfg.mac {
            let c = reply.chaddr;
            return Err(Error::WrongChaddr {
                got: crate::util::fmt_mac(&c),
            });
        }
        self.heard = true;
        for why in &reply.ignored {
            crate::debug!("dhcp: xid {:#010x}: ignored {why}", reply.xid);
        }
        let server = reply.lease.server_id;
        match (self.state, reply.kind) {
            (State::Selecting, ReplyKind::Offer) => {
                let server = server.ok_or(Error::NoServerId)?;
                let addr = reply.lease.addr.ok_or(Error::Unexpected {
                    kind: reply.kind,
                    state: self.state,
                })?;
                self.offer = Some((server, addr));
                self.state = State::Requesting;
                self.attempt = 0;
                self.early = true;
                self.next_tx = now;
                Ok(Event::Offered { server, addr })
            }
            // RFC 4039 §4: in SELECTING, an ACK with Rapid Commit binds.
            (State::Selecting, ReplyKind::Ack) => {
                if !(self.cfg.rapid_commit && reply.rapid_commit) {
                    return Err(Error::NotRapid);
                }
                Ok(self.bind(reply.lease, true))
            }
            (State::Requesting, ReplyKind::Ack) => {
                let (want_server, want_addr) = self.offer.ok_or(Error::Unexpected {
                    kind: reply.kind,
                    state: self.state,
                })?;
                check_server(server, want_server)?;
                let got = reply.lease.addr.unwrap_or(Ipv4Addr::UNSPECIFIED);
                if got != want_addr {
                    return Err(Error::WrongAddress {
                        got,
                        want: want_addr,
                    });
                }
                let mut lease = reply.lease;
                lease.server_id.get_or_insert(want_server);
                Ok(self.bind(lease, false))
            }
            (State::InitReboot, ReplyKind::Ack) => {
                let want = self.cfg.requested_ip.unwrap_or(Ipv4Addr::UNSPECIFIED);
                let got = reply.lease.addr.unwrap_or(Ipv4Addr::UNSPECIFIED);
                if got != want {
                    return Err(Error::WrongAddress { got, want });
                }
                Ok(self.bind(reply.lease, false))
            }
            (State::Renewing | State::Rebinding, ReplyKind::Ack) => {
                let held = self.held.ok_or(Error::Unexpected {
                    kind: reply.kind,
                    state: self.state,
                })?;
                // RENEWING asked one server; in REBINDING any may answer.
                if self.state == State::Renewing {
                    check_server(server, held.server)?;
                }
                let got = reply.lease.addr.unwrap_or(Ipv4Addr::UNSPECIFIED);
                if got != held.addr {
                    return Err(Error::WrongAddress {
                        got,
                        want: held.addr,
                    });
                }
                let mut lease = reply.lease;
                lease.server_id.get_or_insert(held.server);
                Ok(self.bind(lease, false))
            }
            (
                State::Requesting | State::InitReboot | State::Renewing | State::Rebinding,
                ReplyKind::Nak,
            ) => {
                if let (State::Requesting, Some((want, _))) = (self.state, self.offer) {
                    if let Some(got) = server {
                        check_server(Some(got), want)?;
                    }
                }
                if let (State::Renewing, Some(h)) = (self.state, self.held) {
                    check_server(server, h.server)?;
                }
                // RFC 2131 §4.4.5: a NAK while renewing ends the lease.
                self.held = None;
                // RFC 2131 §3.1 step 5 / §3.2 step 4: on NAK restart from
                // INIT. The first restart is immediate; repeated NAKs pause
                // 1, 2, 4 ... 16 s so a NAK loop cannot run at wire speed.
                self.naks += 1;
                let pause = if self.naks <= 1 {
                    Duration::ZERO
                } else {
                    Duration::from_secs(1u64 << (self.naks - 2).min(4)).min(MAX_NAK_PAUSE)
                };
                self.restart(now + pause);
                Ok(Event::Nak {
                    server,
                    message: reply.message,
                })
            }
            (state, kind) => Err(Error::Unexpected { kind, state }),
        }
    }

    fn bind(&mut self, mut lease: Lease, rapid: bool) -> Event {
        lease.rapid_commit = rapid;
        self.state = State::Bound;
        self.attempt = 0;
        self.held = match (lease.addr, lease.server_id) {
            (Some(addr), Some(server)) => Some(Held {
                addr,
                server,
                // No option 51 in an ACK: RFC 2131 §4.3.1 makes it a MUST;
                // treat its absence as nothing to renew.
                times: lease
                    .lease_time
                    .and_then(|d| Times::from_lease(self.last_tx, d)),
            }),
            _ => None,
        };
        Event::Bound(Box::new(lease))
    }
}

fn check_server(got: Option<Ipv4Addr>, want: Ipv4Addr) -> Result<(), Error> {
    match got {
        Some(got) if got != want => Err(Error::WrongServer { got, want }),
        _ => Ok(()),
    }
}

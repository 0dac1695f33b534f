//! The DHCPv6 client state machine (RFC 8415 §18.2), sans IO like the
//! DHCPv4 one ([`crate::net::dhcp::machine`]): it is given the time and
//! received payloads, and answers with payloads to send and when it next
//! wants to be polled. It draws randomness only from a generator its
//! caller seeds.
//!
//! Stateful (an address, `dhcp6`): Solicit → Advertise → Request → Reply,
//! or Solicit with Rapid Commit → Reply (§18.2.1). Stateless (DNS only,
//! after an RA with the O flag): Information-request → Reply (§18.2.6).
//! The boot stops at the Reply: renewal (T1/T2) is the booted system's
//! job, as with DHCPv4 (the address is set without lifetimes).
//!
//! Retransmission follows §15: RT = IRT + RAND·IRT, then RT = 2·RTprev +
//! RAND·RTprev, RT = MRT + RAND·MRT once past MRT, RAND uniform in
//! [−0.1, 0.1]; a Request gives up after REQ_MAX_RC transmissions and the
//! client starts over with a Solicit. Deliberate departures, for boot
//! speed (the overall deadline, `netroot.timeout`/`rd.net.timeout.dhcp`,
//! bounds everything anyway):
//! - The first Solicit is not delayed by a random 0–1 s (§18.2.1's
//!   SOL_MAX_DELAY SHOULD): it would cost every boot up to a second, and a
//!   booting client's Solicit follows its link-local DAD, itself started
//!   after a random delay of up to 1 s by the kernel (RFC 4862 §5.4.2).
//!   Desynchronisation of many nodes comes from the RAND of each RT, as
//!   in our DHCPv4 client.
//! - SOL_MAX_RT and INF_MAX_RT are capped at [`BOOT_MAX_RT`] (the RFC's
//!   default is 3600 s): a port that starts forwarding late must be asked
//!   again within seconds.
//! - Advertises are collected for [`COLLECT_WINDOW`] after the first one
//!   (or until the first RT ends, if sooner), not always until the first
//!   RT ends (§18.2.1): most sites have one server, and the wait would
//!   cost every boot without rapid commit about a second. A preference of
//!   255 is taken at once, as §18.2.1 says.

use std::net::Ipv6Addr;
use std::time::{Duration, Instant};

use super::dhcpv6::{self as wire, msg, status, ClientMsg, ServerMsg};
use super::{Addr6, Lease6, Source6};
use crate::util::Rng;

/// SOL_TIMEOUT, REQ_TIMEOUT, INF_TIMEOUT (§7.6): 1 s.
pub const IRT: Duration = Duration::from_secs(1);
/// REQ_MAX_RT (§7.6).
pub const REQ_MAX_RT: Duration = Duration::from_secs(30);
/// REQ_MAX_RC (§7.6): Requests sent before starting over.
pub const REQ_MAX_RC: u32 = 10;
/// Our cap on SOL_MAX_RT and INF_MAX_RT (see the module documentation).
pub const BOOT_MAX_RT: Duration = Duration::from_secs(8);
/// How long Advertises are collected after the first one.
pub const COLLECT_WINDOW: Duration = Duration::from_millis(100);
/// The longest pause before a Solicit after a failed exchange.
pub const MAX_RESTART_PAUSE: Duration = Duration::from_secs(16);

/// What the client is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Our DUID ([`wire::duid_ll`]).
    pub duid: Vec<u8>,
    /// The IAID of our IA_NA ([`wire::iaid`]).
    pub iaid: u32,
    /// The first transaction id (24 bits are used).
    pub xid: u32,
    /// Seed for RAND and later transaction ids.
    pub rng_seed: u64,
    /// Ask for Rapid Commit in the Solicit.
    pub rapid_commit: bool,
    /// An address (Solicit/Request); false: Information-request only.
    pub stateful: bool,
}

/// Where the client is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Sending Solicits, collecting Advertises.
    Soliciting,
    /// Sending Requests to the chosen server.
    Requesting,
    /// Sending Information-requests.
    Informing,
    /// Done: a Reply was taken.
    Bound,
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            State::Soliciting => "SOLICIT",
            State::Requesting => "REQUEST",
            State::Informing => "INFORMATION-REQUEST",
            State::Bound => "BOUND",
        })
    }
}

/// Why a received message was ignored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not a well-formed DHCPv6 message.
    #[error("malformed: {0}")]
    Malformed(#[from] wire::Error),
    /// For another transaction.
    #[error("foreign transaction id {got:#08x} (ours {want:#08x})")]
    WrongXid {
        /// Received.
        got: u32,
        /// Ours.
        want: u32,
    },
    /// Without our Client Identifier (RFC 8415 §16.3, §16.10).
    #[error("client identifier missing or not ours")]
    NotOurs,
    /// Without a Server Identifier.
    #[error("no server identifier")]
    NoServerId,
    /// A Reply from another server than the one asked.
    #[error("reply from another server")]
    WrongServer,
    /// A message type that makes no sense now.
    #[error("unexpected message type {kind} in {state}")]
    Unexpected {
        /// Message type.
        kind: u8,
        /// Where we were.
        state: State,
    },
    /// A Reply to a Solicit without Rapid Commit (or unasked for).
    #[error("reply to a solicit without rapid commit")]
    NotRapid,
    /// An Advertise that offers no address (§18.2.9: ignored).
    #[error("advertise without an address{0}")]
    NoAddress(String),
}

/// What handling a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Dropped, with the reason.
    Ignored(Error),
    /// An Advertise was kept as a candidate.
    Advertised {
        /// The address offered.
        addr: Ipv6Addr,
        /// Its preference.
        preference: u8,
    },
    /// The server refused (a status code): starting over with a Solicit.
    Restarted(String),
    /// Done: the configuration (addresses empty for an
    /// Information-request).
    Bound(Box<Lease6>),
}

/// The Advertise chosen so far.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Offer {
    server_id: Vec<u8>,
    addr: Ipv6Addr,
    preference: u8,
}

/// A DHCPv6 client for one interface.
#[derive(Debug, Clone)]
pub struct Client {
    state: State,
    xid: u32,
    cfg: Config,
    rng: Rng,
    /// Start of the current exchange (Elapsed Time counts from it).
    started: Option<Instant>,
    /// The current RT; zero before the first transmission.
    rt: Duration,
    /// Transmissions in the current exchange.
    count: u32,
    next_tx: Instant,
    /// End of the Solicit's first RT.
    first_rt_end: Option<Instant>,
    best: Option<Offer>,
    /// When to stop collecting Advertises and send the Request.
    select_at: Option<Instant>,
    sent: u32,
    restarts: u32,
}

impl Client {
    /// A client whose first message is due at `now`.
    pub fn new(cfg: Config, now: Instant) -> Client {
        let state = if cfg.stateful {
            State::Soliciting
        } else {
            State::Informing
        };
        Client {
            xid: cfg.xid & 0xff_ffff,
            rng: Rng::new(cfg.rng_seed),
            cfg,
            state,
            started: None,
            rt: Duration::ZERO,
            count: 0,
            next_tx: now,
            first_rt_end: None,
            best: None,
            select_at: None,
            sent: 0,
            restarts: 0,
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// When `poll_transmit` next has something to do (None: bound).
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.state == State::Bound {
            return None;
        }
        Some(match self.select_at {
            Some(s) => s.min(self.next_tx),
            None => self.next_tx,
        })
    }

    /// The current transaction id.
    pub fn xid(&self) -> u32 {
        self.xid
    }

    /// Messages produced so far.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// RAND (§15) in thousandths: uniform in −100..=100, or 1..=100 when
    /// it must be strictly positive (the first Solicit's RT).
    fn rand(&mut self, positive: bool) -> i64 {
        if positive {
            1 + self.rng.upto(99) as i64
        } else {
            self.rng.upto(200) as i64 - 100
        }
    }

    fn scale(d: Duration, permille: i64) -> Duration {
        let ms = d.as_millis().min(u128::from(u32::MAX)) as i64;
        Duration::from_millis((ms + ms * permille / 1000).max(0) as u64)
    }

    /// The next RT (§15).
    fn next_rt(&mut self) -> Duration {
        let (irt, mrt) = match self.state {
            State::Requesting => (IRT, REQ_MAX_RT),
            _ => (IRT, BOOT_MAX_RT),
        };
        let rt = if self.rt.is_zero() {
            let positive = self.state == State::Soliciting;
            let r = self.rand(positive);
            Self::scale(irt, r)
        } else {
            let r = self.rand(false);
            Self::scale(self.rt * 2, r * 1000 / 2000)
        };
        let rt = if rt > mrt {
            let r = self.rand(false);
            Self::scale(mrt, r)
        } else {
            rt
        };
        self.rt = rt;
        rt
    }

    fn new_xid(&mut self) {
        let old = self.xid;
        while self.xid == old {
            self.xid = (self.rng.next_u64() & 0xff_ffff) as u32;
        }
    }

    /// A new exchange in `state`, its first message due at `at`.
    fn begin(&mut self, state: State, at: Instant) {
        self.state = state;
        self.new_xid();
        self.started = None;
        self.rt = Duration::ZERO;
        self.count = 0;
        self.next_tx = at;
        self.first_rt_end = None;
        self.select_at = None;
        if state == State::Soliciting {
            self.best = None;
        }
    }

    /// Start over with a Solicit, after a pause that grows with repeated
    /// failures (1, 2, 4 ... 16 s) so a refusing server cannot make us
    /// loop at wire speed.
    fn restart(&mut self, now: Instant) {
        self.restarts += 1;
        let pause = if self.restarts <= 1 {
            Duration::ZERO
        } else {
            Duration::from_secs(1 << (self.restarts - 2).min(4)).min(MAX_RESTART_PAUSE)
        };
        let state = if self.cfg.stateful {
            State::Soliciting
        } else {
            State::Informing
        };
        self.begin(state, now + pause);
    }

    /// The message to send now, if one is due.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Vec<u8>> {
        if self.state == State::Bound {
            return None;
        }
        if self.state == State::Soliciting && self.select_at.is_some_and(|s| now >= s) {
            if self.best.is_some() {
                self.begin(State::Requesting, now);
            }
            self.select_at = None;
        }
        if now < self.next_tx {
            return None;
        }
        if self.state == State::Requesting && self.count >= REQ_MAX_RC {
            crate::debug!(
                "dhcpv6: no reply to {} requests, soliciting again",
                self.count
            );
            self.restart(now);
            if now < self.next_tx {
                return None;
            }
        }
        let started = *self.started.get_or_insert(now);
        // §21.9: hundredths of a second, 0xffff for anything longer.
        let elapsed = (now.saturating_duration_since(started).as_millis() / 10)
            .min(u128::from(u16::MAX)) as u16;
        let offer = self.best.clone();
        let (kind, ia, server_id) = match self.state {
            State::Soliciting => (msg::SOLICIT, Some((self.cfg.iaid, None)), None),
            State::Requesting => (
                msg::REQUEST,
                Some((self.cfg.iaid, offer.as_ref().map(|o| o.addr))),
                offer.as_ref().map(|o| o.server_id.as_slice()),
            ),
            _ => (msg::INFORMATION_REQUEST, None, None),
        };
        let m = wire::build(&ClientMsg {
            kind,
            xid: self.xid,
            duid: &self.cfg.duid,
            elapsed,
            ia,
            server_id,
            rapid_commit: self.cfg.rapid_commit && kind == msg::SOLICIT,
        });
        let rt = self.next_rt();
        if self.state == State::Soliciting && self.count == 0 {
            self.first_rt_end = Some(now + rt);
        }
        self.next_tx = now + rt;
        self.count += 1;
        self.sent += 1;
        Some(m)
    }

    /// Handle one received payload.
    pub fn handle(&mut self, now: Instant, payload: &[u8]) -> Event {
        self.handle_inner(now, payload)
            .unwrap_or_else(Event::Ignored)
    }

    fn handle_inner(&mut self, now: Instant, payload: &[u8]) -> Result<Event, Error> {
        let m = wire::parse(payload)?;
        if m.xid != self.xid {
            return Err(Error::WrongXid {
                got: m.xid,
                want: self.xid,
            });
        }
        if m.client_id.as_deref() != Some(&self.cfg.duid[..]) {
            return Err(Error::NotOurs);
        }
        let server_id = m.server_id.clone().ok_or(Error::NoServerId)?;
        for why in &m.ignored {
            crate::debug!("dhcpv6: xid {:#08x}: ignored {why}", m.xid);
        }
        match (self.state, m.kind) {
            (State::Soliciting, msg::ADVERTISE) => {
                let addr = self.offered(&m).map_err(Error::NoAddress)?;
                let better = self
                    .best
                    .as_ref()
                    .map_or(true, |b| m.preference > b.preference);
                if better {
                    self.best = Some(Offer {
                        server_id,
                        addr,
                        preference: m.preference,
                    });
                }
                let window = now + COLLECT_WINDOW;
                let end = self.first_rt_end.map_or(window, |e| e.min(window));
                let at = if m.preference == 255 { now } else { end };
                self.select_at = Some(self.select_at.map_or(at, |s| s.min(at)));
                Ok(Event::Advertised {
                    addr,
                    preference: m.preference,
                })
            }
            (State::Soliciting, msg::REPLY) => {
                if !(self.cfg.rapid_commit && m.rapid_commit) {
                    return Err(Error::NotRapid);
                }
                Ok(self.reply(now, m, true))
            }
            (State::Requesting, msg::REPLY) => {
                if self.best.as_ref().map(|b| &b.server_id) != Some(&server_id) {
                    return Err(Error::WrongServer);
                }
                Ok(self.reply(now, m, false))
            }
            (State::Informing, msg::REPLY) => Ok(self.reply(now, m, false)),
            (state, kind) => Err(Error::Unexpected { kind, state }),
        }
    }

    /// The address an Advertise or Reply gives our IA_NA, or why none.
    fn offered(&self, m: &ServerMsg) -> Result<Ipv6Addr, String> {
        if let Some((code, text)) = m.status.as_ref().filter(|(c, _)| *c != status::SUCCESS) {
            return Err(format!(" (status {code}: {text})"));
        }
        let ia = m.ia_na.iter().find(|i| i.iaid == self.cfg.iaid);
        if let Some((code, text)) = ia
            .and_then(|i| i.status.as_ref())
            .filter(|(c, _)| *c != status::SUCCESS)
        {
            return Err(format!(" (IA status {code}: {text})"));
        }
        ia.and_then(|i| i.addrs.first())
            .map(|a| a.addr)
            .ok_or_else(String::new)
    }

    /// A Reply that ends an exchange: bound, or (a refusal) a restart.
    fn reply(&mut self, now: Instant, m: ServerMsg, rapid: bool) -> Event {
        let mut lease = Lease6 {
            dns: m.dns.clone(),
            search: m.search.clone(),
            boot_url: m.boot_url.clone(),
            server_id: m.server_id.clone(),
            rapid_commit: rapid,
            ..Lease6::default()
        };
        if self.cfg.stateful {
            // §18.2.10.1: NoAddrsAvail or NotOnLink (or no address at all)
            // leaves us without one: solicit again.
            if let Err(why) = self.offered(&m) {
                self.restart(now);
                return Event::Restarted(format!("no address in the reply{why}"));
            }
            if let Some(ia) = m.ia_na.iter().find(|i| i.iaid == self.cfg.iaid) {
                lease.addrs = ia
                    .addrs
                    .iter()
                    .map(|a| Addr6 {
                        addr: a.addr,
                        prefix_len: 128,
                        source: Source6::Dhcp6,
                        preferred: super::ra::lifetime(a.preferred),
                        valid: super::ra::lifetime(a.valid),
                    })
                    .collect();
            }
        } else if let Some((code, text)) = m.status.as_ref().filter(|(c, _)| *c != 0) {
            self.restart(now);
            return Event::Restarted(format!("status {code}: {text}"));
        }
        self.state = State::Bound;
        Event::Bound(Box::new(lease))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::ipv6::dhcpv6::opt;

    const MAC: [u8; 6] = [2, 0, 0, 0x77, 1, 0x10];
    const SRV: &[u8] = &[0, 3, 0, 1, 2, 0, 0, 0, 0, 1];

    fn v6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn cfg(stateful: bool, rapid: bool) -> Config {
        Config {
            duid: wire::duid_ll(MAC),
            iaid: wire::iaid(MAC),
            xid: 0x0a_0b0c,
            rng_seed: 5,
            rapid_commit: rapid,
            stateful,
        }
    }

    fn o(code: u16, data: &[u8]) -> Vec<u8> {
        let mut b = code.to_be_bytes().to_vec();
        b.extend_from_slice(&(data.len() as u16).to_be_bytes());
        b.extend_from_slice(data);
        b
    }

    /// A server message for `c`'s current transaction.
    fn answer(c: &Client, kind: u8, addr: Option<&str>, extra: &[Vec<u8>]) -> Vec<u8> {
        let mut m = vec![kind];
        m.extend_from_slice(&c.xid().to_be_bytes()[1..]);
        m.extend(o(opt::CLIENTID, &wire::duid_ll(MAC)));
        m.extend(o(opt::SERVERID, SRV));
        if let Some(a) = addr {
            let mut ad = v6(a).octets().to_vec();
            ad.extend_from_slice(&[0, 0, 0x0e, 0x10, 0, 0, 0x1c, 0x20]);
            let mut ia = wire::iaid(MAC).to_be_bytes().to_vec();
            ia.extend_from_slice(&[0; 8]);
            ia.extend(o(opt::IAADDR, &ad));
            m.extend(o(opt::IA_NA, &ia));
        }
        for x in extra {
            m.extend_from_slice(x);
        }
        m
    }

    fn kind_of(m: &[u8]) -> u8 {
        m[0]
    }

    #[test]
    fn rapid_commit_binds_on_the_first_reply() {
        let t = Instant::now();
        let mut c = Client::new(cfg(true, true), t);
        let s = c.poll_transmit(t).unwrap();
        assert_eq!(kind_of(&s), msg::SOLICIT);
        assert!(s.ends_with(&[0, 14, 0, 0]));
        let dns = v6("fd00::53").octets();
        let reply = answer(
            &c,
            msg::REPLY,
            Some("fd00::150"),
            &[o(opt::RAPID_COMMIT, &[]), o(opt::DNS_SERVERS, &dns)],
        );
        let Event::Bound(l) = c.handle(t, &reply) else {
            panic!("not bound");
        };
        assert!(l.rapid_commit);
        assert_eq!(l.addrs[0].addr, v6("fd00::150"));
        assert_eq!(l.addrs[0].prefix_len, 128);
        assert_eq!(l.addrs[0].valid, Some(Duration::from_secs(7200)));
        assert_eq!(l.dns, vec![v6("fd00::53")]);
        assert_eq!(l.server_id.as_deref(), Some(SRV));
        assert_eq!(c.state(), State::Bound);
        assert_eq!(c.next_deadline(), None);
        assert_eq!(c.poll_transmit(t + Duration::from_secs(99)), None);
    }

    #[test]
    fn four_message_exchange_with_collection() {
        let t = Instant::now();
        let mut c = Client::new(cfg(true, false), t);
        let s = c.poll_transmit(t).unwrap();
        assert!(!s.ends_with(&[0, 14, 0, 0]));
        // A rapid-commit Reply we did not ask for is ignored.
        let r = answer(
            &c,
            msg::REPLY,
            Some("fd00::1"),
            &[o(opt::RAPID_COMMIT, &[])],
        );
        assert_eq!(c.handle(t, &r), Event::Ignored(Error::NotRapid));
        // Two Advertises; the preferred one wins after the window.
        let t1 = t + Duration::from_millis(10);
        let a = answer(&c, msg::ADVERTISE, Some("fd00::150"), &[]);
        assert!(matches!(c.handle(t1, &a), Event::Advertised { .. }));
        let mut b = answer(
            &c,
            msg::ADVERTISE,
            Some("fd00::151"),
            &[o(opt::PREFERENCE, &[7])],
        );
        b[4 + 14 + 4 + 9] = 9; // another server id
        assert!(matches!(
            c.handle(t1, &b),
            Event::Advertised { preference: 7, .. }
        ));
        assert_eq!(c.next_deadline(), Some(t1 + COLLECT_WINDOW));
        assert_eq!(c.poll_transmit(t1 + Duration::from_millis(50)), None);
        let t2 = t1 + COLLECT_WINDOW;
        let req = c.poll_transmit(t2).unwrap();
        assert_eq!(kind_of(&req), msg::REQUEST);
        assert_eq!(c.state(), State::Requesting);
        let p = wire::parse(&req).unwrap();
        assert_eq!(p.ia_na[0].iaid, wire::iaid(MAC));
        // The Request names the preferred server and its address.
        let mut want = SRV.to_vec();
        want[9] = 9;
        assert_eq!(p.server_id, Some(want.clone()));
        // A Reply from the other server is not ours to take.
        let wrong = answer(&c, msg::REPLY, Some("fd00::150"), &[]);
        assert_eq!(c.handle(t2, &wrong), Event::Ignored(Error::WrongServer));
        let mut ok = answer(&c, msg::REPLY, Some("fd00::151"), &[]);
        ok[4 + 14 + 4 + 9] = 9;
        let Event::Bound(l) = c.handle(t2, &ok) else {
            panic!("not bound");
        };
        assert!(!l.rapid_commit);
        assert_eq!(l.addrs[0].addr, v6("fd00::151"));
    }

    #[test]
    fn validation() {
        let t = Instant::now();
        let mut c = Client::new(cfg(true, true), t);
        c.poll_transmit(t).unwrap();
        let mut other = answer(&c, msg::ADVERTISE, Some("fd00::1"), &[]);
        other[1] ^= 1;
        assert!(matches!(
            c.handle(t, &other),
            Event::Ignored(Error::WrongXid { .. })
        ));
        let mut theirs = answer(&c, msg::ADVERTISE, Some("fd00::1"), &[]);
        theirs[4 + 4 + 9] ^= 1; // the client id's last octet
        assert_eq!(c.handle(t, &theirs), Event::Ignored(Error::NotOurs));
        let none = answer(
            &c,
            msg::ADVERTISE,
            None,
            &[o(opt::STATUS_CODE, b"\0\x02none")],
        );
        assert!(matches!(
            c.handle(t, &none),
            Event::Ignored(Error::NoAddress(_))
        ));
        let mut anon = vec![msg::ADVERTISE];
        anon.extend_from_slice(&c.xid().to_be_bytes()[1..]);
        anon.extend(o(opt::CLIENTID, &wire::duid_ll(MAC)));
        assert_eq!(c.handle(t, &anon), Event::Ignored(Error::NoServerId));
        assert!(matches!(
            c.handle(t, &[1, 2]),
            Event::Ignored(Error::Malformed(_))
        ));
        assert_eq!(c.state(), State::Soliciting);
    }

    #[test]
    fn refusals_restart_with_a_growing_pause() {
        let t = Instant::now();
        let mut c = Client::new(cfg(true, true), t);
        let mut now = t;
        let mut xids = vec![];
        for round in 0..4u32 {
            let s = c.poll_transmit(now).expect("a solicit");
            assert_eq!(kind_of(&s), msg::SOLICIT);
            xids.push(c.xid());
            let r = answer(
                &c,
                msg::REPLY,
                Some("fd00::1"),
                &[
                    o(opt::RAPID_COMMIT, &[]),
                    o(opt::STATUS_CODE, b"\0\x04NotOnLink"),
                ],
            );
            assert!(matches!(c.handle(now, &r), Event::Restarted(_)));
            let pause = c.next_deadline().unwrap() - now;
            let want = [0, 1, 2, 4][round as usize];
            assert_eq!(pause, Duration::from_secs(want));
            now += pause;
        }
        xids.dedup();
        assert_eq!(xids.len(), 4, "a new transaction each time");
    }

    #[test]
    fn retransmission_follows_rfc_8415_section_15() {
        let t = Instant::now();
        let mut c = Client::new(cfg(true, false), t);
        let mut now = t;
        let mut gaps = vec![];
        let mut elapsed = vec![];
        for _ in 0..8 {
            let m = c.poll_transmit(now).unwrap();
            elapsed.push(u16::from_be_bytes([m[m.len() - 2], m[m.len() - 1]]));
            let next = c.next_deadline().unwrap();
            gaps.push((next - now).as_millis());
            now = next;
        }
        // First RT strictly above IRT (RAND > 0), then doubling ±10 %,
        // then MRT ± 10 %.
        assert!(gaps[0] > 1000 && gaps[0] <= 1100, "{gaps:?}");
        let mut prev = gaps[0];
        for g in &gaps[1..] {
            let capped = *g <= 8800 && *g >= 7200;
            let doubled = *g >= prev * 2 - prev / 10 && *g <= prev * 2 + prev / 10;
            assert!(capped || doubled, "{gaps:?}");
            prev = *g;
        }
        assert!(
            gaps[5..].iter().all(|g| (7200..=8800).contains(g)),
            "{gaps:?}"
        );
        assert_eq!(elapsed[0], 0);
        assert!(elapsed.windows(2).all(|w| w[1] > w[0]), "{elapsed:?}");

        // A Request gives up after REQ_MAX_RC and solicits again.
        let mut c = Client::new(cfg(true, false), t);
        c.poll_transmit(t).unwrap();
        let a = answer(
            &c,
            msg::ADVERTISE,
            Some("fd00::1"),
            &[o(opt::PREFERENCE, &[255])],
        );
        c.handle(t, &a);
        let mut now = t;
        let mut requests = 0;
        loop {
            let m = c.poll_transmit(now);
            match m.as_deref().map(kind_of) {
                Some(msg::REQUEST) => requests += 1,
                Some(msg::SOLICIT) => break,
                Some(k) => panic!("sent {k}"),
                None => {}
            }
            now = c.next_deadline().unwrap();
        }
        assert_eq!(requests, REQ_MAX_RC);
        assert!(now - t > Duration::from_secs(100), "{:?}", now - t);
    }

    #[test]
    fn information_request() {
        let t = Instant::now();
        let mut c = Client::new(cfg(false, true), t);
        assert_eq!(c.state(), State::Informing);
        let m = c.poll_transmit(t).unwrap();
        assert_eq!(kind_of(&m), msg::INFORMATION_REQUEST);
        let p = wire::parse(&m).unwrap();
        assert!(p.ia_na.is_empty() && !p.rapid_commit);
        let r = answer(
            &c,
            msg::REPLY,
            None,
            &[o(opt::DOMAIN_LIST, b"\x03lab\x07example\x00")],
        );
        let Event::Bound(l) = c.handle(t, &r) else {
            panic!("not done");
        };
        assert!(l.addrs.is_empty());
        assert_eq!(l.search, vec!["lab.example"]);
    }

    proptest::proptest! {
        /// Arbitrary replies, with our transaction id and client id when
        /// asked, at arbitrary times: no panic, and the schedule always
        /// looks ahead.
        #[test]
        fn never_panics_and_always_has_a_deadline(
            stateful in proptest::prelude::any::<bool>(),
            rapid in proptest::prelude::any::<bool>(),
            steps in proptest::collection::vec(
                (0u64..5000, proptest::prelude::any::<bool>(),
                 proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)),
                0..20),
        ) {
            let t = Instant::now();
            let mut c = Client::new(cfg(stateful, rapid), t);
            let mut now = t;
            for (dt, ours, body) in steps {
                now += Duration::from_millis(dt);
                while c.poll_transmit(now).is_some() {}
                if let Some(d) = c.next_deadline() {
                    proptest::prop_assert!(d > now);
                }
                let mut m = if ours {
                    let k = body.first().map_or(2, |b| b % 12);
                    answer(&c, k, Some("fd00::9"), &[])
                } else {
                    Vec::new()
                };
                m.extend_from_slice(&body);
                let before = c.state();
                if let Event::Bound(l) = c.handle(now, &m) {
                    proptest::prop_assert!(before != State::Bound);
                    proptest::prop_assert_eq!(l.addrs.is_empty(), !stateful);
                }
            }
        }
    }
}

//! Fuzz the DHCP client machine through whole exchanges: a configuration,
//! then a sequence of events (time passing, synthesized replies, raw
//! replies), each followed by the polls the driver would make. The plain
//! `dhcp` target hands the machine arbitrary bytes, which almost never form an
//! OFFER, so REQUESTING (server id and address checks, NAK pauses,
//! retransmissions, the fall back to INIT) was never reached; here a reply can
//! be built from a few fuzz bytes with our xid and chaddr, a valid header and
//! magic cookie, so every state and timer is reachable.
//!
//! Input (bytes, read in order; a short input ends early):
//!   flags (bit 0 requested_ip, 1 rapid_commit, 2 early_retry), seed: 8 bytes,
//!   then events, each a tag byte (tag % 4):
//!     0 wait: 2 bytes, in 50 ms units (up to ~55 min; timers reach 64 s)
//!     1 reply: kind (2 OFFER, 5 ACK, 6 NAK, else the byte), server
//!       (0: the offered one, 1: none, 2: 4 bytes), address (0: the offered
//!       one, 1: 4 bytes), flags (bit 0 rapid commit), n + n option bytes
//!     2 raw: 2-byte length + payload, our xid patched in when tag & 4, and
//!       our chaddr too unless tag & 8
//!     3 the same as 1 with the xid of the previous transaction
//! Invariants checked: never a panic; Bound only through an ACK that matched
//! (address offered or requested; rapid commit only when asked for).
#![no_main]

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use netroot::net::dhcp::machine::{self, Client, Config, Event, State};

const MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const REQUESTED: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 5);

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn addr(&mut self) -> Option<Ipv4Addr> {
        self.take(4).map(|b| Ipv4Addr::new(b[0], b[1], b[2], b[3]))
    }
}

/// A BOOTREPLY (RFC 2131 §2) with a valid header and cookie.
fn reply(
    xid: u32,
    kind: u8,
    server: Option<Ipv4Addr>,
    addr: Ipv4Addr,
    rapid: bool,
    extra: &[u8],
) -> Vec<u8> {
    let mut p = vec![0u8; 236];
    p[0] = 2;
    p[1] = 1;
    p[2] = 6;
    p[4..8].copy_from_slice(&xid.to_be_bytes());
    p[16..20].copy_from_slice(&addr.octets());
    p[28..34].copy_from_slice(&MAC);
    p.extend_from_slice(&[99, 130, 83, 99, 53, 1, kind]);
    if let Some(s) = server {
        p.extend_from_slice(&[54, 4]);
        p.extend_from_slice(&s.octets());
    }
    if rapid {
        p.extend_from_slice(&[80, 0]);
    }
    p.extend_from_slice(&[1, 4, 255, 255, 255, 0, 51, 4, 0, 0, 14, 16]);
    p.extend_from_slice(extra);
    p.push(255);
    p
}

/// What the driver does when woken: send all that is due, then sleep until
/// the next deadline, which must lie ahead.
fn poll(c: &mut Client, now: Instant) {
    let mut n = 0;
    while let Some(msg) = c.poll_transmit(now) {
        assert!(msg.len() >= 300, "a request shorter than BOOTP's minimum");
        n += 1;
        assert!(n < 4, "poll_transmit keeps sending at one instant");
    }
    if let Some(d) = c.next_deadline() {
        assert!(d > now, "a deadline that is already past after polling");
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let (Some(flags), Some(seed)) = (b.u8(), b.take(8)) else {
        return;
    };
    let mut seed8 = [0u8; 8];
    seed8.copy_from_slice(seed);
    let cfg = Config {
        mac: MAC,
        client_id: machine::default_client_id(MAC),
        hostname: Some("fuzz".into()),
        requested_ip: (flags & 1 != 0).then_some(REQUESTED),
        rapid_commit: flags & 2 != 0,
        xid: 0x0102_0304,
        rng_seed: u64::from_le_bytes(seed8),
        early_retry: flags & 4 != 0,
        // Both schedules: a young, unproven link's and RFC 2131's.
        settle_window: if flags & 8 != 0 {
            machine::SETTLE_WINDOW
        } else {
            std::time::Duration::ZERO
        },
    };
    let t0 = Instant::now();
    let mut now = t0;
    let mut c = Client::new(cfg.clone(), now);
    let mut offered: Option<(Ipv4Addr, Ipv4Addr)> = None;
    let mut old_xid = c.xid();
    poll(&mut c, now);
    while let Some(tag) = b.u8() {
        let payload = match tag % 4 {
            0 => {
                let Some(d) = b.u16() else { break };
                now += Duration::from_millis(u64::from(d) * 50);
                poll(&mut c, now);
                continue;
            }
            2 => {
                let Some(len) = b.u16() else { break };
                let Some(raw) = b.take(usize::from(len).min(b.0.len())) else {
                    break;
                };
                let mut raw = raw.to_vec();
                if tag & 4 != 0 && raw.len() >= 34 {
                    raw[4..8].copy_from_slice(&c.xid().to_be_bytes());
                    if tag & 8 == 0 {
                        raw[28..34].copy_from_slice(&MAC);
                    }
                }
                raw
            }
            k => {
                let (Some(kind), Some(sel_server)) = (b.u8(), b.u8()) else {
                    break;
                };
                let server = match sel_server % 3 {
                    0 => Some(offered.map_or(Ipv4Addr::new(10, 0, 0, 1), |o| o.0)),
                    1 => None,
                    _ => match b.addr() {
                        Some(a) => Some(a),
                        None => break,
                    },
                };
                let Some(sel_addr) = b.u8() else { break };
                let addr = if sel_addr % 2 == 0 {
                    offered.map_or(REQUESTED, |o| o.1)
                } else {
                    match b.addr() {
                        Some(a) => a,
                        None => break,
                    }
                };
                let (Some(rflags), Some(n)) = (b.u8(), b.u8()) else {
                    break;
                };
                let Some(extra) = b.take(usize::from(n).min(b.0.len())) else {
                    break;
                };
                let kind = match kind {
                    0..=84 => 2,
                    85..=169 => 5,
                    170..=249 => 6,
                    k => k - 249,
                };
                let xid = if k == 3 { old_xid } else { c.xid() };
                reply(xid, kind, server, addr, rflags & 1 != 0, extra)
            }
        };
        let before = c.state();
        let xid_before = c.xid();
        match c.handle(now, &payload) {
            Event::Offered { server, addr } => {
                assert_eq!(before, State::Selecting);
                offered = Some((server, addr));
            }
            Event::Bound(lease) => {
                match before {
                    State::Selecting => assert!(cfg.rapid_commit && lease.rapid_commit),
                    State::Requesting => {
                        assert_eq!(lease.addr, offered.map(|o| o.1));
                    }
                    State::InitReboot => assert_eq!(lease.addr, Some(REQUESTED)),
                    // RENEWING/REBINDING (RFC 2131 §4.4.5): an ACK extends the lease.
                    State::Renewing | State::Rebinding => {}
                    s => panic!("bound from {s}"),
                }
                assert_eq!(c.state(), State::Bound);
            }
            Event::Nak { .. } => {
                assert!(
                    !matches!(before, State::Init | State::Selecting | State::Bound),
                    "NAK in {before}"
                );
                assert_ne!(c.xid(), xid_before, "a restart keeps the old xid");
                offered = None;
            }
            Event::Ignored(_) => assert_eq!(c.state(), before),
        }
        if c.xid() != xid_before {
            old_xid = xid_before;
        }
        poll(&mut c, now);
    }
    // However the exchange went, time alone moves it on: give it ten minutes
    // (a bound client's next message is its renewal, at T1 of the lease).
    if !matches!(c.state(), State::Bound | State::Renewing | State::Rebinding) {
        let sent = c.sent();
        poll(&mut c, now + Duration::from_secs(600));
        assert!(c.sent() > sent, "no retransmission in ten minutes");
    }
});

//! The DHCP state machine driven with scripted time, against synthetic server
//! replies (built with dhcproto) and against real dnsmasq replies captured by
//! tests/fixtures/dhcp/capture.sh.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use dhcproto::v4::{self, DhcpOption, MessageType, Opcode, OptionCode};
use dhcproto::{Decodable, Decoder, Encodable, Encoder};
use netroot::net::dhcp::machine::{self, Client, Config, Event, State};
use netroot::net::dhcp::wire::{self, ReplyKind};
use netroot::net::dhcp::Lease;

const MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const SERVER: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
const ADDR: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 63);

fn config(xid: u32, seed: u64) -> Config {
    Config {
        mac: MAC,
        client_id: machine::default_client_id(MAC),
        hostname: None,
        requested_ip: None,
        rapid_commit: false,
        xid,
        rng_seed: seed,
        early_retry: false,
        settle_window: Duration::ZERO,
    }
}

fn decode(msg: &[u8]) -> v4::Message {
    v4::Message::decode(&mut Decoder::new(msg)).expect("our own message decodes")
}

fn msg_type(msg: &[u8]) -> MessageType {
    decode(msg).opts().msg_type().expect("option 53")
}

/// A server reply as dnsmasq would build it.
fn reply(
    xid: u32,
    kind: MessageType,
    chaddr: [u8; 6],
    yiaddr: Ipv4Addr,
    extra: &[DhcpOption],
) -> Vec<u8> {
    let mut m = v4::Message::new_with_id(
        xid,
        Ipv4Addr::UNSPECIFIED,
        yiaddr,
        Ipv4Addr::UNSPECIFIED,
        Ipv4Addr::UNSPECIFIED,
        &chaddr,
    );
    m.set_opcode(Opcode::BootReply);
    m.opts_mut().insert(DhcpOption::MessageType(kind));
    m.opts_mut().insert(DhcpOption::ServerIdentifier(SERVER));
    if kind != MessageType::Nak {
        m.opts_mut().insert(DhcpOption::AddressLeaseTime(3600));
        m.opts_mut()
            .insert(DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)));
    }
    for o in extra {
        m.opts_mut().insert(o.clone());
    }
    let mut buf = Vec::new();
    m.encode(&mut Encoder::new(&mut buf)).unwrap();
    buf
}

fn offer(xid: u32) -> Vec<u8> {
    reply(xid, MessageType::Offer, MAC, ADDR, &[])
}

fn ack(xid: u32) -> Vec<u8> {
    reply(xid, MessageType::Ack, MAC, ADDR, &[])
}

fn bound(ev: Event) -> Lease {
    match ev {
        Event::Bound(l) => *l,
        other => panic!("expected Bound, got {other:?}"),
    }
}

#[test]
fn retransmission_schedule_follows_rfc2131_backoff() {
    // Bases of successive intervals: 4, 8, 16, 32, 64, then capped at 64.
    let bases = [4u64, 8, 16, 32, 64, 64, 64, 64];
    let mut firsts = Vec::new();
    for seed in 0..200u64 {
        let t0 = Instant::now();
        let mut c = Client::new(config(7, seed), t0);
        let first = c.poll_transmit(t0).expect("DISCOVER at once");
        assert_eq!(msg_type(&first), MessageType::Discover);
        assert!(
            c.poll_transmit(t0).is_none(),
            "only one message per deadline"
        );
        let mut sent_at = t0;
        for (k, base) in bases.iter().enumerate() {
            let due = c.next_deadline().expect("a deadline while not bound");
            let interval = due - sent_at;
            let base = Duration::from_secs(*base);
            assert!(
                interval >= base - Duration::from_secs(1)
                    && interval <= base + Duration::from_secs(1),
                "seed {seed} interval {k}: {interval:?} not within {base:?} ± 1 s"
            );
            if k == 0 {
                firsts.push(interval);
            }
            // Nothing before the deadline, exactly one retransmission at it.
            assert!(c.poll_transmit(due - Duration::from_millis(1)).is_none());
            let m = c
                .poll_transmit(due)
                .expect("retransmission at the deadline");
            let d = decode(&m);
            assert_eq!(d.opts().msg_type(), Some(MessageType::Discover));
            assert_eq!(d.xid(), 7, "retransmissions keep the xid");
            assert_eq!(
                u64::from(d.secs()),
                (due - t0).as_secs(),
                "secs since start"
            );
            sent_at = due;
        }
        assert_eq!(c.sent(), 1 + bases.len() as u32);
        assert_eq!(c.state(), State::Selecting);
    }
    // The jitter is real: the first interval spreads over the ±1 s window
    // (so nodes powered on together do not retry in lockstep).
    let min = firsts.iter().min().unwrap();
    let max = firsts.iter().max().unwrap();
    assert!(*min < Duration::from_millis(3500), "min {min:?}");
    assert!(*max > Duration::from_millis(4500), "max {max:?}");
    // Same seed, same schedule: the machine is deterministic.
    let t0 = Instant::now();
    let mut a = Client::new(config(7, 42), t0);
    let mut b = Client::new(config(7, 42), t0);
    a.poll_transmit(t0);
    b.poll_transmit(t0);
    assert_eq!(a.next_deadline(), b.next_deadline());
}

#[test]
fn four_message_exchange_binds() {
    let t0 = Instant::now();
    let mut c = Client::new(config(0x1234, 1), t0);
    c.poll_transmit(t0).unwrap();
    // The first DISCOVER is lost; the retransmission is answered 2.5 s later.
    let again = c.next_deadline().unwrap();
    let d = decode(&c.poll_transmit(again).unwrap());
    let discover_secs = d.secs();
    assert!((3..=5).contains(&discover_secs), "{discover_secs}");
    let t1 = again + Duration::from_millis(2500);
    assert_eq!(
        c.handle(t1, &offer(0x1234)),
        Event::Offered {
            server: SERVER,
            addr: ADDR
        }
    );
    assert_eq!(c.state(), State::Requesting);
    let req = decode(&c.poll_transmit(t1).expect("REQUEST right after the offer"));
    assert_eq!(req.opts().msg_type(), Some(MessageType::Request));
    assert_eq!(req.xid(), 0x1234);
    // RFC 2131 §4.4.1: same secs as the DISCOVER.
    assert_eq!(req.secs(), discover_secs);
    assert_eq!(
        req.opts().get(OptionCode::RequestedIpAddress),
        Some(&DhcpOption::RequestedIpAddress(ADDR))
    );
    assert_eq!(
        req.opts().get(OptionCode::ServerIdentifier),
        Some(&DhcpOption::ServerIdentifier(SERVER))
    );
    assert_eq!(req.ciaddr(), Ipv4Addr::UNSPECIFIED);
    assert!(req.opts().get(OptionCode::RapidCommit).is_none());
    // A second offer (another server) in REQUESTING is ignored.
    assert!(matches!(
        c.handle(t1, &offer(0x1234)),
        Event::Ignored(machine::Error::Unexpected {
            kind: ReplyKind::Offer,
            state: State::Requesting
        })
    ));
    let lease = bound(c.handle(t1, &ack(0x1234)));
    assert_eq!(lease.addr, Some(ADDR));
    assert_eq!(lease.server_id, Some(SERVER));
    assert_eq!(lease.lease_time, Some(Duration::from_secs(3600)));
    assert!(!lease.rapid_commit);
    assert_eq!(c.state(), State::Bound);
    // RFC 2131 §4.4.5: T1 is half the 3600 s lease, counted from the REQUEST.
    assert_eq!(c.next_deadline(), Some(t1 + Duration::from_secs(1800)));
    assert!(c.poll_transmit(t1 + Duration::from_secs(1000)).is_none());
    assert_eq!(c.sent(), 3);
}

// ------------------------------------------- BOUND → RENEWING → REBINDING

const LEASE: Duration = Duration::from_secs(120);

fn held_client(t0: Instant) -> Client {
    let held = machine::Held {
        addr: ADDR,
        server: SERVER,
        times: machine::Times::from_lease(t0, LEASE),
    };
    Client::bound(config(0x5555, 9), held, t0)
}

fn ack_with(xid: u32, lease_s: u32) -> Vec<u8> {
    let mut m = v4::Message::decode(&mut Decoder::new(&ack(xid))).unwrap();
    m.opts_mut().insert(DhcpOption::AddressLeaseTime(lease_s));
    let mut buf = Vec::new();
    m.encode(&mut Encoder::new(&mut buf)).unwrap();
    buf
}

/// RFC 2131 §4.3.2 / table 5: a REQUEST in RENEWING or REBINDING carries
/// ciaddr and neither option 50 nor 54, and the client id of the boot.
fn assert_renewal_request(msg: &[u8]) -> v4::Message {
    let m = decode(msg);
    assert_eq!(m.opts().msg_type(), Some(MessageType::Request));
    assert_eq!(m.ciaddr(), ADDR);
    assert!(m.opts().get(OptionCode::RequestedIpAddress).is_none());
    assert!(m.opts().get(OptionCode::ServerIdentifier).is_none());
    assert_eq!(
        m.opts().get(OptionCode::ClientIdentifier),
        Some(&DhcpOption::ClientIdentifier(machine::default_client_id(
            MAC
        )))
    );
    m
}

#[test]
fn times_follow_rfc_2131_defaults_and_infinite_leases_never_renew() {
    let t0 = Instant::now();
    let t = machine::Times::from_lease(t0, LEASE).unwrap();
    assert_eq!(t.t1 - t0, Duration::from_secs(60));
    assert_eq!(t.t2 - t0, Duration::from_secs(105));
    assert_eq!(t.expiry - t0, LEASE);
    assert_eq!(
        machine::Times::from_lease(t0, Duration::from_secs(u32::MAX.into())),
        None
    );
    let held = machine::Held {
        addr: ADDR,
        server: SERVER,
        times: None,
    };
    let mut c = Client::bound(config(1, 1), held, t0);
    assert_eq!(c.next_deadline(), None);
    assert!(c.poll_transmit(t0 + Duration::from_secs(1 << 30)).is_none());
}

#[test]
fn renews_by_unicast_at_t1_and_is_bound_again_by_the_ack() {
    let t0 = Instant::now();
    let mut c = held_client(t0);
    assert_eq!(c.state(), State::Bound);
    assert_eq!(c.next_deadline(), Some(t0 + Duration::from_secs(60)));
    assert!(c.poll_transmit(t0 + Duration::from_secs(59)).is_none());
    let t1 = t0 + Duration::from_secs(60);
    let req = assert_renewal_request(&c.poll_transmit(t1).expect("REQUEST at T1"));
    assert_eq!(c.state(), State::Renewing);
    assert_eq!(c.destination(), Some(SERVER), "RENEWING is unicast");
    assert_ne!(req.xid(), 0x5555, "a new transaction");
    assert_eq!(req.secs(), 0);
    // Retransmission: half the 45 s left until T2 is under the 60 s floor,
    // so the next try is REBINDING at T2 itself.
    assert_eq!(c.next_deadline(), Some(t0 + Duration::from_secs(105)));
    // An ACK from another server, or for another address, is not ours.
    let mut foreign = v4::Message::decode(&mut Decoder::new(&ack(req.xid()))).unwrap();
    foreign
        .opts_mut()
        .insert(DhcpOption::ServerIdentifier(Ipv4Addr::new(10, 77, 0, 2)));
    let mut buf = Vec::new();
    foreign.encode(&mut Encoder::new(&mut buf)).unwrap();
    assert!(matches!(
        c.handle(t1, &buf),
        Event::Ignored(machine::Error::WrongServer { .. })
    ));
    let other = reply(
        req.xid(),
        MessageType::Ack,
        MAC,
        Ipv4Addr::new(10, 77, 0, 9),
        &[],
    );
    assert!(matches!(
        c.handle(t1, &other),
        Event::Ignored(machine::Error::WrongAddress { .. })
    ));
    // The server's ACK (a fresh 120 s lease) binds again, timed from the REQUEST.
    let at = t1 + Duration::from_millis(3);
    let lease = bound(c.handle(at, &ack_with(req.xid(), 120)));
    assert_eq!(lease.addr, Some(ADDR));
    assert_eq!(c.state(), State::Bound);
    assert_eq!(c.next_deadline(), Some(t1 + Duration::from_secs(60)));
    assert_eq!(c.destination(), None);
    // And again one lease later: each renewal is its own transaction.
    let t1b = t1 + Duration::from_secs(60);
    let req2 = assert_renewal_request(&c.poll_transmit(t1b).unwrap());
    assert_ne!(req2.xid(), req.xid());
}

#[test]
fn rebinds_by_broadcast_at_t2_then_expires_to_init() {
    let t0 = Instant::now();
    let mut c = held_client(t0);
    let s = |n: u64| t0 + Duration::from_secs(n);
    let renew = assert_renewal_request(&c.poll_transmit(s(60)).unwrap());
    assert!(
        c.poll_transmit(s(104)).is_none(),
        "nothing between T1 and T2"
    );
    let rebind = assert_renewal_request(&c.poll_transmit(s(105)).expect("REQUEST at T2"));
    assert_eq!(c.state(), State::Rebinding);
    assert_eq!(c.destination(), None, "REBINDING is broadcast");
    assert_ne!(rebind.xid(), renew.xid(), "a new transaction at T2");
    // A late ACK to the RENEWING request is a foreign transaction now.
    assert!(matches!(
        c.handle(s(106), &ack(renew.xid())),
        Event::Ignored(machine::Error::WrongXid { .. })
    ));
    // 15 s left: the retransmission waits for expiry.
    assert_eq!(c.next_deadline(), Some(s(120)));
    // No answer: at expiry the lease is gone and the client starts over.
    let d = decode(&c.poll_transmit(s(120)).expect("DISCOVER after expiry"));
    assert_eq!(d.opts().msg_type(), Some(MessageType::Discover));
    assert_eq!(d.ciaddr(), Ipv4Addr::UNSPECIFIED);
    assert_eq!(c.state(), State::Selecting);
    assert_eq!(c.held(), None);
}

#[test]
fn rebinding_ack_from_any_server_binds_and_a_nak_ends_the_lease() {
    let t0 = Instant::now();
    let s = |n: u64| t0 + Duration::from_secs(n);
    let mut c = held_client(t0);
    c.poll_transmit(s(60)).unwrap();
    let rebind = decode(&c.poll_transmit(s(105)).unwrap());
    // In REBINDING another server may extend the lease.
    let other_server = Ipv4Addr::new(10, 77, 0, 2);
    let mut m = v4::Message::decode(&mut Decoder::new(&ack_with(rebind.xid(), 600))).unwrap();
    m.opts_mut()
        .insert(DhcpOption::ServerIdentifier(other_server));
    let mut buf = Vec::new();
    m.encode(&mut Encoder::new(&mut buf)).unwrap();
    bound(c.handle(s(106), &buf));
    assert_eq!(c.held().unwrap().server, other_server);
    assert_eq!(c.next_deadline(), Some(s(105 + 300)));
    // A NAK to the next renewal: the address is no longer ours.
    let renew = decode(&c.poll_transmit(s(405)).unwrap());
    let nak = reply(
        renew.xid(),
        MessageType::Nak,
        MAC,
        Ipv4Addr::UNSPECIFIED,
        &[],
    );
    let mut n = v4::Message::decode(&mut Decoder::new(&nak)).unwrap();
    n.opts_mut()
        .insert(DhcpOption::ServerIdentifier(other_server));
    let mut buf = Vec::new();
    n.encode(&mut Encoder::new(&mut buf)).unwrap();
    assert!(matches!(c.handle(s(406), &buf), Event::Nak { .. }));
    assert_eq!(c.held(), None);
    assert_eq!(c.state(), State::Init);
}

#[test]
fn ack_from_another_server_or_for_another_address_is_dropped() {
    let t0 = Instant::now();
    let mut c = Client::new(config(9, 1), t0);
    c.poll_transmit(t0).unwrap();
    c.handle(t0, &offer(9));
    c.poll_transmit(t0).unwrap();
    let other = Ipv4Addr::new(10, 77, 0, 2);
    let mut m = v4::Message::decode(&mut Decoder::new(&ack(9))).unwrap();
    m.opts_mut().insert(DhcpOption::ServerIdentifier(other));
    let mut buf = Vec::new();
    m.encode(&mut Encoder::new(&mut buf)).unwrap();
    assert_eq!(
        c.handle(t0, &buf),
        Event::Ignored(machine::Error::WrongServer {
            got: other,
            want: SERVER
        })
    );
    let wrong = reply(9, MessageType::Ack, MAC, Ipv4Addr::new(10, 77, 0, 64), &[]);
    assert!(matches!(
        c.handle(t0, &wrong),
        Event::Ignored(machine::Error::WrongAddress { .. })
    ));
    assert_eq!(c.state(), State::Requesting);
    bound(c.handle(t0, &ack(9)));
}

#[test]
fn nak_restarts_from_init_with_a_new_xid() {
    let t0 = Instant::now();
    let mut c = Client::new(config(0xaaaa, 3), t0);
    c.poll_transmit(t0).unwrap();
    c.handle(t0, &offer(0xaaaa));
    c.poll_transmit(t0).unwrap();
    let nak = reply(0xaaaa, MessageType::Nak, MAC, Ipv4Addr::UNSPECIFIED, &[]);
    assert!(matches!(
        c.handle(t0, &nak),
        Event::Nak {
            server: Some(SERVER),
            ..
        }
    ));
    assert_eq!(c.state(), State::Init);
    let xid = c.xid();
    assert_ne!(xid, 0xaaaa);
    // The first restart is immediate.
    let d = decode(&c.poll_transmit(t0).expect("DISCOVER after NAK"));
    assert_eq!(d.opts().msg_type(), Some(MessageType::Discover));
    assert_eq!(d.xid(), xid);
    // Late replies to the old transaction are now foreign.
    assert!(matches!(
        c.handle(t0, &ack(0xaaaa)),
        Event::Ignored(machine::Error::WrongXid { .. })
    ));
    // A second NAK pauses before the next DISCOVER.
    c.handle(t0, &offer(xid));
    c.poll_transmit(t0).unwrap();
    let nak = reply(xid, MessageType::Nak, MAC, Ipv4Addr::UNSPECIFIED, &[]);
    assert!(matches!(c.handle(t0, &nak), Event::Nak { .. }));
    assert!(c.poll_transmit(t0).is_none());
    assert_eq!(c.next_deadline(), Some(t0 + Duration::from_secs(1)));
    assert!(c.poll_transmit(t0 + Duration::from_secs(1)).is_some());
    // A NAK in SELECTING means nothing (we asked for nothing yet).
    let nak = reply(c.xid(), MessageType::Nak, MAC, Ipv4Addr::UNSPECIFIED, &[]);
    assert!(matches!(
        c.handle(t0, &nak),
        Event::Ignored(machine::Error::Unexpected { .. })
    ));
}

#[test]
fn foreign_and_malformed_packets_are_dropped() {
    let t0 = Instant::now();
    let mut c = Client::new(config(0x5555, 4), t0);
    c.poll_transmit(t0).unwrap();
    assert_eq!(
        c.handle(t0, &offer(0x5556)),
        Event::Ignored(machine::Error::WrongXid {
            got: 0x5556,
            want: 0x5555
        })
    );
    let other_mac = reply(0x5555, MessageType::Offer, [2, 0, 0, 0, 0, 2], ADDR, &[]);
    assert_eq!(
        c.handle(t0, &other_mac),
        Event::Ignored(machine::Error::WrongChaddr {
            got: "02:00:00:00:00:02".into()
        })
    );
    assert!(matches!(
        c.handle(t0, &[0u8; 10]),
        Event::Ignored(machine::Error::Malformed(wire::Error::TooShort { len: 10 }))
    ));
    // Our own broadcast DISCOVER looped back is not a reply.
    let mine = Client::new(config(0x5555, 4), t0)
        .poll_transmit(t0)
        .unwrap();
    assert!(matches!(
        c.handle(t0, &mine),
        Event::Ignored(machine::Error::Malformed(wire::Error::NotReply { op: 1 }))
    ));
    // An offer without a server identifier cannot be requested.
    let mut m = v4::Message::decode(&mut Decoder::new(&offer(0x5555))).unwrap();
    m.opts_mut().remove(OptionCode::ServerIdentifier);
    let mut buf = Vec::new();
    m.encode(&mut Encoder::new(&mut buf)).unwrap();
    assert_eq!(
        c.handle(t0, &buf),
        Event::Ignored(machine::Error::NoServerId)
    );
    // An offer of an unusable address is malformed.
    let bad = reply(0x5555, MessageType::Offer, MAC, Ipv4Addr::BROADCAST, &[]);
    assert!(matches!(
        c.handle(t0, &bad),
        Event::Ignored(machine::Error::Malformed(wire::Error::BadAddress { .. }))
    ));
    assert_eq!(c.state(), State::Selecting);
    assert!(matches!(
        c.handle(t0, &offer(0x5555)),
        Event::Offered { .. }
    ));
}

#[test]
fn rapid_commit_binds_in_one_exchange() {
    let t0 = Instant::now();
    let mut cfg = config(0x77, 5);
    cfg.rapid_commit = true;
    let mut c = Client::new(cfg, t0);
    let d = decode(&c.poll_transmit(t0).unwrap());
    assert_eq!(
        d.opts().get(OptionCode::RapidCommit),
        Some(&DhcpOption::RapidCommit)
    );
    let rapid = reply(
        0x77,
        MessageType::Ack,
        MAC,
        ADDR,
        &[DhcpOption::RapidCommit],
    );
    let lease = bound(c.handle(t0, &rapid));
    assert!(lease.rapid_commit);
    assert_eq!(lease.addr, Some(ADDR));
    assert_eq!(c.sent(), 1, "one round trip");
}

#[test]
fn rapid_commit_falls_back_when_the_server_ignores_it() {
    let t0 = Instant::now();
    let mut cfg = config(0x78, 6);
    cfg.rapid_commit = true;
    let mut c = Client::new(cfg, t0);
    c.poll_transmit(t0).unwrap();
    // An ACK without option 80 in SELECTING is not a rapid commit.
    assert_eq!(
        c.handle(t0, &ack(0x78)),
        Event::Ignored(machine::Error::NotRapid)
    );
    assert!(matches!(c.handle(t0, &offer(0x78)), Event::Offered { .. }));
    let req = decode(&c.poll_transmit(t0).unwrap());
    assert_eq!(req.opts().msg_type(), Some(MessageType::Request));
    assert!(!bound(c.handle(t0, &ack(0x78))).rapid_commit);
    assert_eq!(c.sent(), 2);
    // Without asking, a rapid ACK is not taken either.
    let mut c = Client::new(config(0x79, 6), t0);
    let d = decode(&c.poll_transmit(t0).unwrap());
    assert!(d.opts().get(OptionCode::RapidCommit).is_none());
    let rapid = reply(
        0x79,
        MessageType::Ack,
        MAC,
        ADDR,
        &[DhcpOption::RapidCommit],
    );
    assert_eq!(
        c.handle(t0, &rapid),
        Event::Ignored(machine::Error::NotRapid)
    );
}

#[test]
fn init_reboot_is_one_request_one_ack() {
    let t0 = Instant::now();
    let mut cfg = config(0x99, 7);
    cfg.requested_ip = Some(ADDR);
    cfg.hostname = Some("node7".into());
    let mut c = Client::new(cfg.clone(), t0);
    assert_eq!(c.state(), State::InitReboot);
    let r = decode(&c.poll_transmit(t0).unwrap());
    assert_eq!(r.opts().msg_type(), Some(MessageType::Request));
    assert_eq!(
        r.opts().get(OptionCode::RequestedIpAddress),
        Some(&DhcpOption::RequestedIpAddress(ADDR))
    );
    assert!(r.opts().get(OptionCode::ServerIdentifier).is_none());
    assert_eq!(r.ciaddr(), Ipv4Addr::UNSPECIFIED);
    assert_eq!(
        r.opts().get(OptionCode::Hostname),
        Some(&DhcpOption::Hostname("node7".into()))
    );
    let lease = bound(c.handle(t0, &ack(0x99)));
    assert_eq!(lease.addr, Some(ADDR));
    assert_eq!(c.sent(), 1);

    // NAK in INIT-REBOOT: back to INIT, DISCOVER next.
    let mut c = Client::new(cfg.clone(), t0);
    c.poll_transmit(t0).unwrap();
    let nak = reply(0x99, MessageType::Nak, MAC, Ipv4Addr::UNSPECIFIED, &[]);
    assert!(matches!(c.handle(t0, &nak), Event::Nak { .. }));
    assert_eq!(
        msg_type(&c.poll_transmit(t0).unwrap()),
        MessageType::Discover
    );

    // Nobody answers (a server without a record of us stays silent): after
    // REBOOT_ATTEMPTS requests, INIT, within about 4 s.
    let mut c = Client::new(cfg, t0);
    let mut now = t0;
    for _ in 0..machine::REBOOT_ATTEMPTS {
        let m = c.poll_transmit(now).unwrap();
        assert_eq!(msg_type(&m), MessageType::Request);
        now = c.next_deadline().unwrap();
    }
    assert!(now - t0 <= Duration::from_secs(5), "{:?}", now - t0);
    let m = decode(&c.poll_transmit(now).unwrap());
    assert_eq!(m.opts().msg_type(), Some(MessageType::Discover));
    assert_ne!(m.xid(), 0x99);
}

#[test]
fn requesting_without_ack_goes_back_to_init() {
    let t0 = Instant::now();
    let mut c = Client::new(config(0x42, 8), t0);
    c.poll_transmit(t0).unwrap();
    c.handle(t0, &offer(0x42));
    let mut now = t0;
    for k in 0..machine::REQUEST_ATTEMPTS {
        let m = c.poll_transmit(now).expect("request");
        assert_eq!(msg_type(&m), MessageType::Request, "attempt {k}");
        now = c.next_deadline().unwrap();
    }
    assert_eq!(
        msg_type(&c.poll_transmit(now).unwrap()),
        MessageType::Discover
    );
    assert_eq!(c.state(), State::Selecting);
}

// --- real dnsmasq replies ------------------------------------------------

fn fixture(name: &str) -> Vec<u8> {
    let p = format!("{}/tests/fixtures/dhcp/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// What dnsmasq was configured to send (see capture.sh).
fn check_dnsmasq_lease(l: &Lease) {
    let a = |s: &str| s.parse::<Ipv4Addr>().unwrap();
    let addr = l.addr.expect("yiaddr");
    assert!(
        (u32::from(a("10.77.0.50"))..=u32::from(a("10.77.0.99"))).contains(&u32::from(addr)),
        "{addr} inside the dhcp-range"
    );
    assert_eq!(l.netmask, Some(a("255.255.255.0")));
    assert_eq!(l.broadcast, Some(a("10.77.0.255")));
    assert_eq!(l.routers, vec![a("10.77.0.1")]);
    assert_eq!(l.dns, vec![a("10.77.0.1"), a("10.77.0.2")]);
    assert_eq!(l.hostname.as_deref(), Some("node7"));
    assert_eq!(l.domain.as_deref(), Some("example.test"));
    assert_eq!(l.domain_search, vec!["example.test", "lab.example.test"]);
    assert_eq!(l.nis_domain.as_deref(), Some("nisdom"));
    assert_eq!(l.ntp, vec![a("10.77.0.3")]);
    assert_eq!(
        l.root_path.as_deref(),
        Some("10.77.0.1:/srv/nfs/root,vers=4.2")
    );
    assert_eq!(l.mtu, Some(1450));
    assert_eq!(l.server_id, Some(a("10.77.0.1")));
    assert_eq!(l.next_server, Some(a("10.77.0.1")));
    assert_eq!(l.tftp_server.as_deref(), Some("tftp.example.test"));
    assert_eq!(l.bootfile.as_deref(), Some("boot/grubx64.efi"));
    assert_eq!(l.lease_time, Some(Duration::from_secs(3600)));
    assert_eq!(
        l.classless_routes,
        vec![
            (a("192.168.50.0"), 24, a("10.77.0.254")),
            (a("0.0.0.0"), 0, a("10.77.0.1")),
        ]
    );
    assert_eq!(l.gateway(), Some(a("10.77.0.1")));
}

#[test]
fn dnsmasq_offer_and_ack_parse_into_the_configured_lease() {
    for name in ["offer.bin", "ack.bin", "ack_reboot.bin", "ack_rapid.bin"] {
        let r = wire::parse_reply(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.chaddr, MAC, "{name}");
        assert!(r.ignored.is_empty(), "{name}: {:?}", r.ignored);
        check_dnsmasq_lease(&r.lease);
        assert_eq!(r.rapid_commit, name == "ack_rapid.bin", "{name}");
        let kind = if name == "offer.bin" {
            ReplyKind::Offer
        } else {
            ReplyKind::Ack
        };
        assert_eq!(r.kind, kind, "{name}");
    }
    let nak = wire::parse_reply(&fixture("nak.bin")).unwrap();
    assert_eq!(nak.kind, ReplyKind::Nak);
    assert_eq!(nak.xid, 0x3333_3333);
    assert_eq!(nak.message.as_deref(), Some("wrong address"));
    assert_eq!(nak.lease.server_id, Some(SERVER));
}

#[test]
fn machine_binds_on_real_dnsmasq_replies() {
    let t0 = Instant::now();
    // 4-message exchange.
    let mut c = Client::new(config(0x1111_1111, 1), t0);
    c.poll_transmit(t0).unwrap();
    let offered = match c.handle(t0, &fixture("offer.bin")) {
        Event::Offered { server, addr } => {
            assert_eq!(server, SERVER);
            addr
        }
        e => panic!("{e:?}"),
    };
    let req = decode(&c.poll_transmit(t0).unwrap());
    assert_eq!(
        req.opts().get(OptionCode::RequestedIpAddress),
        Some(&DhcpOption::RequestedIpAddress(offered))
    );
    let l = bound(c.handle(t0, &fixture("ack.bin")));
    check_dnsmasq_lease(&l);
    assert!(!l.rapid_commit);

    // Rapid commit.
    let mut cfg = config(0x4444_4444, 2);
    cfg.rapid_commit = true;
    let mut c = Client::new(cfg, t0);
    c.poll_transmit(t0).unwrap();
    let l = bound(c.handle(t0, &fixture("ack_rapid.bin")));
    assert!(l.rapid_commit);
    check_dnsmasq_lease(&l);

    // INIT-REBOOT.
    let reboot_addr = wire::parse_reply(&fixture("ack_reboot.bin"))
        .unwrap()
        .lease
        .addr;
    let mut cfg = config(0x2222_2222, 3);
    cfg.requested_ip = reboot_addr;
    let mut c = Client::new(cfg, t0);
    c.poll_transmit(t0).unwrap();
    bound(c.handle(t0, &fixture("ack_reboot.bin")));
    assert_eq!(c.sent(), 1);

    // NAK to INIT-REBOOT for an address off the subnet.
    let mut cfg = config(0x3333_3333, 4);
    cfg.requested_ip = Some(Ipv4Addr::new(10, 99, 0, 5));
    let mut c = Client::new(cfg, t0);
    c.poll_transmit(t0).unwrap();
    assert_eq!(
        c.handle(t0, &fixture("nak.bin")),
        Event::Nak {
            server: Some(SERVER),
            message: Some("wrong address".into())
        }
    );
    assert_eq!(c.state(), State::Init);
}

// --- hostile values ---------------------------------------------------------

/// Append raw option bytes after a valid reply's options (replacing End).
fn with_raw_options(base: &[u8], raw: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    // Our synthetic replies end right after the End option.
    assert_eq!(v.pop(), Some(255));
    v.extend_from_slice(raw);
    v.push(255);
    v
}

#[test]
fn hostile_values_are_dropped_or_kept_verbatim() {
    let base = ack(1);
    let mut raw = Vec::new();
    let mut opt = |code: u8, val: &[u8]| {
        raw.push(code);
        raw.push(val.len() as u8);
        raw.extend_from_slice(val);
    };
    opt(12, b"node'; reboot; '");
    opt(15, b"$(rm -rf /)");
    opt(17, b"10.0.0.1:/srv/'$(reboot)'\n`id`");
    opt(67, &[0xff, 0xfe]); // not UTF-8
    opt(121, &[33, 1, 2, 3, 4]); // prefix length > 32
    opt(26, &[0, 10]); // MTU below 68
    opt(3, &[10, 0, 0, 1, 10]); // not a multiple of 4
    opt(1, &[255, 0, 255, 0]); // not contiguous
    let r = wire::parse_reply(&with_raw_options(&base, &raw)).unwrap();
    assert_eq!(r.lease.hostname, None);
    assert_eq!(r.lease.domain, None);
    assert_eq!(
        r.lease.root_path.as_deref(),
        Some("10.0.0.1:/srv/'$(reboot)'\n`id`"),
        "root-path is opaque: kept byte for byte for the quoting writer"
    );
    assert_eq!(r.lease.bootfile, None);
    assert!(r.lease.classless_routes.is_empty());
    assert_eq!(r.lease.mtu, None);
    assert!(r.lease.routers.is_empty());
    assert_eq!(r.lease.netmask, None);
    for code in [12, 15, 67, 121, 26, 3, 1] {
        assert!(
            r.ignored
                .iter()
                .any(|s| s.starts_with(&format!("option {code}:"))),
            "option {code} has a reason in {:?}",
            r.ignored
        );
    }
}

#[test]
fn log_servers_option_7() {
    // RFC 2132 §3.7: a list of addresses, minimum length 4, multiples of 4.
    let raw = [7, 8, 10, 0, 2, 2, 192, 0, 2, 1];
    let r = wire::parse_reply(&with_raw_options(&ack(1), &raw)).unwrap();
    assert_eq!(
        r.lease.log_servers,
        vec![Ipv4Addr::new(10, 0, 2, 2), Ipv4Addr::new(192, 0, 2, 1)]
    );
    let r = wire::parse_reply(&with_raw_options(&ack(1), &[7, 5, 10, 0, 2, 2, 9])).unwrap();
    assert!(r.lease.log_servers.is_empty());
    assert!(
        r.ignored.iter().any(|s| s.starts_with("option 7:")),
        "{:?}",
        r.ignored
    );
    assert!(wire::PARAMETER_REQUEST_LIST.contains(&7), "asked for");
}

#[test]
fn long_values_concatenate_and_are_bounded() {
    // RFC 3396: a root-path split over two instances is joined.
    let part = vec![b'a'; 200];
    let mut raw = vec![17, 200];
    raw.extend_from_slice(&part);
    raw.extend_from_slice(&[17, 200]);
    raw.extend_from_slice(&part);
    let r = wire::parse_reply(&with_raw_options(&ack(1), &raw)).unwrap();
    assert_eq!(r.lease.root_path.as_deref().map(str::len), Some(400));
    // Over the bound: dropped.
    let mut raw = Vec::new();
    for _ in 0..5 {
        raw.extend_from_slice(&[17, 250]);
        raw.extend_from_slice(&[b'b'; 250]);
    }
    let mut big = with_raw_options(&ack(1), &raw);
    big.truncate(big.len()); // > 1500 bytes is fine for the parser
    let r = wire::parse_reply(&big).unwrap();
    assert_eq!(r.lease.root_path, None);
    // A truncated option makes the message malformed.
    let mut cut = ack(1);
    cut.pop();
    cut.extend_from_slice(&[17, 10, b'x']);
    assert_eq!(
        wire::parse_reply(&cut),
        Err(wire::Error::OptionTruncated { code: 17 })
    );
}

#[test]
fn option_overload_moves_options_into_file_and_sname() {
    let mut m = v4::Message::decode(&mut Decoder::new(&ack(1))).unwrap();
    m.opts_mut().insert(DhcpOption::OptionOverload(3));
    let mut buf = Vec::new();
    m.encode(&mut Encoder::new(&mut buf)).unwrap();
    // file (offset 108): root path; sname (offset 44): hostname.
    let file = [17, 5, b'/', b'r', b'o', b'o', b't', 255];
    buf[108..108 + file.len()].copy_from_slice(&file);
    let sname = [12, 2, b'n', b'7', 255];
    buf[44..44 + sname.len()].copy_from_slice(&sname);
    let r = wire::parse_reply(&buf).unwrap();
    assert_eq!(r.lease.root_path.as_deref(), Some("/root"));
    assert_eq!(r.lease.hostname.as_deref(), Some("n7"));
    // Overloaded fields are not mistaken for a boot file name.
    assert_eq!(r.lease.bootfile, None);
    assert_eq!(r.lease.tftp_server, None);
}

#[test]
fn classless_routes_take_precedence_over_routers() {
    let a = |s: &str| s.parse::<Ipv4Addr>().unwrap();
    let r = reply(
        1,
        MessageType::Ack,
        MAC,
        ADDR,
        &[
            DhcpOption::Router(vec![a("10.77.0.1")]),
            DhcpOption::ClasslessStaticRoute(vec![("0.0.0.0/0".parse().unwrap(), a("10.77.0.9"))]),
        ],
    );
    let l = wire::parse_reply(&r).unwrap().lease;
    assert_eq!(l.routers, vec![a("10.77.0.1")]);
    assert_eq!(l.gateway(), Some(a("10.77.0.9")));
    let r = reply(
        1,
        MessageType::Ack,
        MAC,
        ADDR,
        &[DhcpOption::Router(vec![a("10.77.0.1")])],
    );
    assert_eq!(
        wire::parse_reply(&r).unwrap().lease.gateway(),
        Some(a("10.77.0.1"))
    );
}

#[test]
fn bad_header_fields_do_not_panic() {
    // hlen 200 would make dhcproto's Message::chaddr() panic; we refuse it.
    let mut m = ack(1);
    m[2] = 200;
    assert_eq!(
        wire::parse_reply(&m),
        Err(wire::Error::NotEthernet {
            htype: 1,
            hlen: 200
        })
    );
    let mut m = ack(1);
    m[236] = 0;
    assert_eq!(wire::parse_reply(&m), Err(wire::Error::BadCookie));
}

#[test]
fn early_retry_repeats_the_first_discover_once_then_follows_the_rfc() {
    for seed in 0..100u64 {
        let mut cfg = config(0x1234, seed);
        cfg.early_retry = true;
        let t0 = Instant::now();
        let mut c = Client::new(cfg, t0);
        let first = c.poll_transmit(t0).expect("first DISCOVER at once");
        assert_eq!(msg_type(&first), MessageType::Discover);
        let d1 = c.next_deadline().expect("a deadline");
        let early = d1 - t0;
        assert!(
            early >= Duration::from_millis(750) && early <= Duration::from_millis(1250),
            "seed {seed}: early repeat after {early:?}"
        );
        let second = c.poll_transmit(d1).expect("the early repeat");
        assert_eq!(msg_type(&second), MessageType::Discover);
        assert_eq!(decode(&second).xid(), 0x1234, "same transaction");
        // From here on the RFC 2131 §4.1 schedule: 4 s ± 1 s, then 8 s ± 1 s.
        let d2 = c.next_deadline().expect("a deadline");
        let gap = d2 - d1;
        assert!(
            gap >= Duration::from_secs(3) && gap <= Duration::from_secs(5),
            "seed {seed}: then {gap:?}"
        );
        c.poll_transmit(d2).expect("third DISCOVER");
        let gap = c.next_deadline().expect("a deadline") - d2;
        assert!(
            gap >= Duration::from_secs(7) && gap <= Duration::from_secs(9),
            "seed {seed}: then {gap:?}"
        );
    }
}

#[test]
fn early_retry_repeats_the_first_request_per_offer_once() {
    for seed in 0..100u64 {
        let mut cfg = config(0x4321, seed);
        cfg.early_retry = true;
        let t0 = Instant::now();
        let mut c = Client::new(cfg, t0);
        c.poll_transmit(t0).expect("DISCOVER");
        let t1 = t0 + Duration::from_millis(5);
        assert!(matches!(
            c.handle(t1, &offer(0x4321)),
            Event::Offered { .. }
        ));
        let first = c.poll_transmit(t1).expect("REQUEST at once");
        assert_eq!(msg_type(&first), MessageType::Request);
        let d1 = c.next_deadline().expect("a deadline");
        let early = d1 - t1;
        assert!(
            early >= Duration::from_millis(750) && early <= Duration::from_millis(1250),
            "seed {seed}: early REQUEST repeat after {early:?}"
        );
        let second = c.poll_transmit(d1).expect("the early repeat");
        assert_eq!(msg_type(&second), MessageType::Request);
        assert_eq!(decode(&second).xid(), 0x4321, "same transaction");
        // Then RFC 2131 §4.1: 4 s ± 1 s, 8 s ± 1 s, 16 s ± 1 s, and after
        // REQUEST_ATTEMPTS of those back to INIT (a DISCOVER, no early repeat).
        let mut at = d1;
        for want in [4u64, 8, 16] {
            let next = c.next_deadline().expect("a deadline");
            let gap = next - at;
            assert!(
                gap >= Duration::from_secs(want - 1) && gap <= Duration::from_secs(want + 1),
                "seed {seed}: {gap:?}, wanted {want} s ± 1 s"
            );
            at = next;
            let m = c.poll_transmit(at).expect("a message");
            let want_kind = if want == 16 {
                MessageType::Discover
            } else {
                MessageType::Request
            };
            assert_eq!(msg_type(&m), want_kind, "seed {seed}");
        }
        let gap = c.next_deadline().expect("a deadline") - at;
        assert!(gap >= Duration::from_secs(3), "seed {seed}: {gap:?}");
    }
}

/// A link that forwards only after ~45 s (a dead port, then spanning tree):
/// by then the RFC schedule waits 32 s between DISCOVERs. The "link changed"
/// input starts the schedule over, so the next DISCOVER leaves at once, on a
/// new transaction, with the early repeat and the 4 s doubling after it.
#[test]
fn link_change_restarts_the_schedule() {
    for seed in 0..100u64 {
        let mut cfg = config(0x4242, seed);
        cfg.early_retry = true;
        let t0 = Instant::now();
        let mut c = Client::new(cfg, t0);
        // Nothing answers for 45 s of scripted time.
        let mut now = t0;
        let mut grown = Duration::ZERO;
        while now < t0 + Duration::from_secs(45) {
            c.poll_transmit(now).expect("a DISCOVER at each deadline");
            assert_eq!(c.state(), State::Selecting);
            let next = c.next_deadline().expect("a deadline");
            grown = next - now;
            now = next;
        }
        assert!(grown >= Duration::from_secs(15), "seed {seed}: {grown:?}");
        let sent = c.sent();
        // The carrier comes back (or the port starts forwarding) at 46 s.
        let up = t0 + Duration::from_secs(46);
        c.link_changed(up);
        assert_eq!(c.next_deadline(), Some(up), "due at once");
        assert_eq!(c.state(), State::Init);
        let m = c.poll_transmit(up).expect("a DISCOVER at the link change");
        let d = decode(&m);
        assert_eq!(d.opts().msg_type(), Some(MessageType::Discover));
        assert_ne!(d.xid(), 0x4242, "a new transaction");
        assert_eq!(
            u64::from(d.secs()),
            46,
            "secs counts from the first DISCOVER"
        );
        assert_eq!(c.sent(), sent + 1);
        // The early repeat, then 4 s ± 1 s: no interval of tens of seconds.
        let early = c.next_deadline().unwrap() - up;
        assert!(
            early >= Duration::from_millis(750) && early <= Duration::from_millis(1250),
            "seed {seed}: {early:?}"
        );
        let d1 = c.next_deadline().unwrap();
        c.poll_transmit(d1).expect("the early repeat");
        let gap = c.next_deadline().unwrap() - d1;
        assert!(
            gap >= Duration::from_secs(3) && gap <= Duration::from_secs(5),
            "seed {seed}: {gap:?}"
        );
        // An OFFER to the new xid is taken and the exchange completes.
        let xid = d.xid();
        assert!(matches!(c.handle(d1, &offer(xid)), Event::Offered { .. }));
        let req = c.poll_transmit(d1).expect("REQUEST");
        assert_eq!(msg_type(&req), MessageType::Request);
        let lease = bound(c.handle(d1, &ack(xid)));
        assert_eq!(lease.addr, Some(ADDR));
        // Bound: a later link change leaves the lease and its renewal time.
        let renew_at = c.next_deadline();
        c.link_changed(d1 + Duration::from_secs(1));
        assert_eq!(c.state(), State::Bound);
        assert_eq!(c.next_deadline(), renew_at);
        assert!(c.poll_transmit(d1 + Duration::from_secs(1)).is_none());
    }
}

/// INIT-REBOOT asks for its address again at the link change, same state.
#[test]
fn link_change_in_init_reboot_asks_again() {
    let mut cfg = config(9, 3);
    cfg.requested_ip = Some(ADDR);
    let t0 = Instant::now();
    let mut c = Client::new(cfg, t0);
    let m = c.poll_transmit(t0).expect("REQUEST");
    assert_eq!(msg_type(&m), MessageType::Request);
    let t1 = t0 + Duration::from_secs(2);
    assert!(c.poll_transmit(t1).is_none());
    c.link_changed(t1);
    assert_eq!(c.state(), State::InitReboot);
    let m = c
        .poll_transmit(t1)
        .expect("REQUEST again at the link change");
    assert_eq!(msg_type(&m), MessageType::Request);
}

/// A young link nobody has answered on yet (a switch port in listening and
/// learning): retransmissions every 2 s ± 0.5 s for the settle window, then
/// RFC 2131 §4.1's doubling. A port that forwards at 30 s is asked by 32.5 s.
#[test]
fn unanswered_young_link_retries_every_two_seconds() {
    for seed in 0..50u64 {
        let mut cfg = config(0x77, seed);
        cfg.early_retry = true;
        cfg.settle_window = machine::SETTLE_WINDOW;
        let t0 = Instant::now();
        let mut c = Client::new(cfg, t0);
        let mut now = t0;
        let mut gaps = Vec::new();
        while now < t0 + Duration::from_secs(120) {
            c.poll_transmit(now).expect("a DISCOVER at each deadline");
            let next = c.next_deadline().unwrap();
            gaps.push((now - t0, next - now));
            now = next;
        }
        for (at, gap) in &gaps[1..] {
            if *at < machine::SETTLE_WINDOW {
                assert!(
                    *gap >= Duration::from_millis(1500) && *gap <= Duration::from_millis(2500),
                    "seed {seed}: {gap:?} at {at:?}"
                );
            }
        }
        // Past the window the interval grows again (attempts kept counting).
        let late = gaps
            .iter()
            .rev()
            .find(|(at, _)| *at > Duration::from_secs(60));
        assert!(
            late.is_some_and(|(_, g)| *g >= Duration::from_secs(15)),
            "seed {seed}: {gaps:?}"
        );
    }
}

/// Once a server has answered, the path is proven: the RFC schedule rules
/// even inside the settle window (no 2 s hammering of a slow server).
#[test]
fn answered_link_keeps_the_rfc_schedule() {
    let mut cfg = config(0x78, 5);
    cfg.settle_window = machine::SETTLE_WINDOW;
    let t0 = Instant::now();
    let mut c = Client::new(cfg, t0);
    c.poll_transmit(t0).expect("DISCOVER");
    assert!(matches!(c.handle(t0, &offer(0x78)), Event::Offered { .. }));
    c.poll_transmit(t0).expect("REQUEST");
    let gap = c.next_deadline().unwrap() - t0;
    assert!(gap >= Duration::from_secs(3), "{gap:?}");
}

//! `dhcp::driver::acquire` against a real dnsmasq, over a veth pair between
//! two network namespaces created (and always removed) by the test. The
//! acquiring thread enters the client namespace with setns(2), which only
//! moves that thread, so the test process stays where it is.
//!
//! Skips (with a printed reason) when not root or when `ip`/`dnsmasq` are
//! missing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::net::Ipv4Addr;
use std::process::Child;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dhcproto::v4::{self, DhcpOption, MessageType, Opcode};
use dhcproto::{Decodable, Decoder, Encodable, Encoder};
use netroot::net::dhcp::driver::{self, Iface, Params, Stats};
use netroot::net::dhcp::Lease;

mod common;
use common::{enter_netns, ip, ip_out};

macro_rules! require_lab {
    () => {
        if let Some(why) = common::skip_reason(&["ip", "dnsmasq"]) {
            eprintln!("skipped: {why}");
            return;
        }
        // Debug level: every dropped packet is logged with its reason.
        netroot::log::init(false, true, true);
    };
}

/// Two namespaces: `srv` (dnsmasq on `s0`, 10.78.N.1/24) and `cli` (`c0`,
/// the other end, no address). Torn down on drop, even after a panic.
struct Lab {
    pair: common::Pair,
    dnsmasq: Mutex<Option<Child>>,
}

impl std::ops::Deref for Lab {
    type Target = common::Pair;
    fn deref(&self) -> &common::Pair {
        &self.pair
    }
}

impl Lab {
    fn new() -> Lab {
        let lab = Lab {
            pair: common::Pair::new("dhcp", Some(&["addr", "add", "10.78.0.1/24", "dev", "s0"])),
            dnsmasq: Mutex::new(None),
        };
        ip(&["-n", &lab.cli, "link", "set", "c0", "up"]);
        // Both ends operationally up (the kernel's linkwatch has activated
        // their transmit queues): a packet sent before is dropped.
        for (ns, dev) in [(&lab.srv, "s0"), (&lab.cli, "c0")] {
            let t = std::time::Instant::now();
            while !ip_out(&["-n", ns, "-o", "link", "show", "dev", dev]).contains("state UP")
                && t.elapsed() < Duration::from_secs(5)
            {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        lab
    }

    /// A second client interface whose peer has no server behind it.
    fn add_dead_iface(&self) {
        ip(&[
            "-n", &self.cli, "link", "add", "c1", "type", "veth", "peer", "name", "c1p",
        ]);
        ip(&[
            "-n",
            &self.cli,
            "link",
            "set",
            "c1",
            "address",
            "02:00:00:00:01:02",
        ]);
        ip(&["-n", &self.cli, "link", "set", "c1", "up"]);
        ip(&["-n", &self.cli, "link", "set", "c1p", "up"]);
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dnsmasq.log")).unwrap_or_default()
    }

    fn start_dnsmasq(&self, extra: &[&str]) {
        let mut opts = vec![
            "--dhcp-range=10.78.0.50,10.78.0.99,255.255.255.0,1h",
            "--dhcp-option=3,10.78.0.1",
            "--dhcp-option=17,10.78.0.1:/srv/root",
            // dnsmasq pings an address before offering it and waits up
            // to 3 s for an answer; that is server time, not ours.
            "--no-ping",
        ];
        opts.extend_from_slice(extra);
        let child = common::dnsmasq(&self.srv, "s0", &self.dir, &opts);
        *self.dnsmasq.lock().unwrap() = Some(child);
        // Ready once it logs that its DHCP socket is bound.
        let t = Instant::now();
        while !self.log().contains("sockets bound exclusively") {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "dnsmasq did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Run `acquire` from a thread inside the client namespace.
    fn acquire(
        &self,
        names: &[&str],
        params: &Params,
    ) -> (Result<(usize, Lease), driver::Error>, Stats) {
        std::thread::scope(|s| {
            s.spawn(|| {
                enter_netns(&self.cli);
                let ifaces: Vec<Iface> = names
                    .iter()
                    .map(|n| Iface {
                        name: n.to_string(),
                        index: common::ifindex(n),
                        mac: mac_of(n),
                    })
                    .collect();
                driver::acquire_with_stats(&ifaces, params)
            })
            .join()
            .expect("acquire thread")
        })
    }
}

fn mac_of(name: &str) -> [u8; 6] {
    match name {
        "c0" => [2, 0, 0, 0, 1, 1],
        _ => [2, 0, 0, 0, 1, 2],
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let child = self.dnsmasq.lock().map(|mut g| g.take());
        if let Ok(Some(mut c)) = child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn params(timeout: Duration) -> Params {
    Params {
        client_id: None,
        hostname: Some("nodeA".into()),
        requested_ip: None,
        rapid_commit: false,
        timeout,
        early_retry: false,
        settle_window: Duration::ZERO,
    }
}

fn in_range(a: Option<Ipv4Addr>) -> bool {
    a.is_some_and(|a| (50..=99).contains(&a.octets()[3]) && a.octets()[..3] == [10, 78, 0])
}

#[test]
fn four_message_lease_then_init_reboot() {
    require_lab!();
    let lab = Lab::new();
    lab.start_dnsmasq(&[]);
    let t = Instant::now();
    let (r, stats) = lab.acquire(&["c0"], &params(Duration::from_secs(20)));
    let (idx, lease) = r.expect("lease");
    eprintln!("bound in {:?}, stats {stats:?}", t.elapsed());
    assert_eq!(idx, 0);
    assert!(in_range(lease.addr), "{lease:?}");
    assert_eq!(lease.routers, vec![Ipv4Addr::new(10, 78, 0, 1)]);
    assert_eq!(lease.root_path.as_deref(), Some("10.78.0.1:/srv/root"));
    assert_eq!(lease.server_id, Some(Ipv4Addr::new(10, 78, 0, 1)));
    assert!(!lease.rapid_commit);
    assert_eq!(stats.sent, vec![2], "DISCOVER + REQUEST");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "took {:?}: {}",
        t.elapsed(),
        lab.log()
    );
    let log = lab.log();
    assert!(log.contains("DHCPOFFER(s0)") && log.contains("DHCPACK(s0)"));
    // The MAC-based client id and the hostname reached the server.
    assert!(log.contains("client provides name: nodeA"), "{log}");
    // dnsmasq writes its lease file around the time it sends the ACK.
    let mut leases = String::new();
    for _ in 0..100 {
        leases = std::fs::read_to_string(lab.dir.join("leases")).unwrap_or_default();
        if leases.contains("nodeA") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        leases.contains("nodeA 01:02:00:00:00:01:01"),
        "client id in the lease file: {leases}"
    );

    // INIT-REBOOT with the address just leased: one REQUEST, one ACK.
    let mut p = params(Duration::from_secs(20));
    p.requested_ip = lease.addr;
    let (r, stats) = lab.acquire(&["c0"], &p);
    let (_, again) = r.expect("init-reboot lease");
    assert_eq!(again.addr, lease.addr);
    assert_eq!(stats.sent, vec![1]);
}

#[test]
fn rapid_commit_is_one_exchange() {
    require_lab!();
    let lab = Lab::new();
    // Option 7 (log servers, for netroot.syslog=dhcp): dnsmasq sends it
    // only when the client's parameter request list asks for it.
    lab.start_dnsmasq(&["--dhcp-rapid-commit", "--dhcp-option=7,10.78.0.7"]);
    let mut p = params(Duration::from_secs(20));
    p.rapid_commit = true;
    let (r, stats) = lab.acquire(&["c0"], &p);
    let (_, lease) = r.expect("lease");
    assert!(lease.rapid_commit);
    assert_eq!(lease.log_servers, vec![Ipv4Addr::new(10, 78, 0, 7)]);
    assert!(in_range(lease.addr));
    assert_eq!(stats.sent, vec![1]);
    let log = lab.log();
    assert!(log.contains("DHCPACK(s0)"), "{log}");
    assert!(
        !log.contains("DHCPOFFER"),
        "no OFFER in a rapid commit: {log}"
    );
}

#[test]
fn first_lease_wins_across_interfaces() {
    require_lab!();
    let lab = Lab::new();
    lab.add_dead_iface();
    lab.start_dnsmasq(&[]);
    let (r, stats) = lab.acquire(&["c1", "c0"], &params(Duration::from_secs(20)));
    let (idx, lease) = r.expect("lease");
    assert_eq!(idx, 1, "c0 has the server");
    assert!(in_range(lease.addr));
    assert_eq!(stats.sent[1], 2);
    assert!(stats.sent[0] >= 1, "c1 was tried too");
}

#[test]
fn no_server_times_out_naming_the_interfaces() {
    require_lab!();
    let lab = Lab::new();
    lab.add_dead_iface();
    let t = Instant::now();
    let (r, stats) = lab.acquire(&["c0", "c1"], &params(Duration::from_secs(3)));
    let e = r.expect_err("no server");
    let took = t.elapsed();
    let msg = e.to_string();
    eprintln!("{msg}");
    assert!(
        msg.starts_with("no DHCP offer on c0, c1 within 3 s (sent "),
        "{msg}"
    );
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert!(stats.sent.iter().all(|&n| n >= 1));
}

#[test]
fn late_server_is_found_by_retransmission() {
    require_lab!();
    let lab = Lab::new();
    let t = Instant::now();
    let (r, stats) = std::thread::scope(|s| {
        let h = s.spawn(|| lab.acquire(&["c0"], &params(Duration::from_secs(30))));
        // The server comes up 1.5 s after the first DISCOVER went out; the
        // first retransmission is due 3..5 s after it.
        std::thread::sleep(Duration::from_millis(1500));
        lab.start_dnsmasq(&[]);
        h.join().expect("acquire thread")
    });
    let (_, lease) = r.expect("lease from the late server");
    let took = t.elapsed();
    assert!(in_range(lease.addr));
    assert_eq!(stats.discovers, vec![2], "{stats:?}");
    assert_eq!(stats.sent, vec![3], "{stats:?}");
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(6),
        "{took:?}"
    );
}

// --- a hostile server ---------------------------------------------------------

/// A reply to `req` of type `kind`, with `raw` option bytes appended as is.
fn hostile_reply(req: &v4::Message, kind: MessageType, raw: &[u8]) -> Vec<u8> {
    let mut m = v4::Message::new_with_id(
        req.xid(),
        Ipv4Addr::UNSPECIFIED,
        Ipv4Addr::new(10, 78, 0, 66),
        Ipv4Addr::new(10, 78, 0, 1),
        Ipv4Addr::UNSPECIFIED,
        &req.chaddr()[..6],
    );
    m.set_opcode(Opcode::BootReply);
    m.opts_mut().insert(DhcpOption::MessageType(kind));
    m.opts_mut()
        .insert(DhcpOption::ServerIdentifier(Ipv4Addr::new(10, 78, 0, 1)));
    m.opts_mut()
        .insert(DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)));
    let mut buf = Vec::new();
    m.encode(&mut Encoder::new(&mut buf)).unwrap();
    assert_eq!(buf.pop(), Some(255));
    buf.extend_from_slice(raw);
    buf.push(255);
    buf
}

const EVIL_ROOT: &[u8] = b"10.78.0.1:/srv/'$(reboot)'\n`id`;\"x\"";
const EVIL_FILE: &[u8] = b"boot/'; rm -rf / ; '.efi";

fn evil_options() -> Vec<u8> {
    let mut raw = Vec::new();
    let mut opt = |code: u8, val: &[u8]| {
        raw.push(code);
        raw.push(val.len() as u8);
        raw.extend_from_slice(val);
    };
    opt(12, b"node$(reboot)");
    opt(15, b"example.test\nnameserver 6.6.6.6");
    opt(17, EVIL_ROOT);
    opt(67, EVIL_FILE);
    opt(121, &[40, 1, 2, 3, 4, 5, 6, 7, 8]); // prefix length 40
    opt(119, &[3, b'a', b'b']); // truncated label
                                // A 600-byte hostname split over three instances (RFC 3396).
    for _ in 0..3 {
        opt(12, &[b'h'; 200]);
    }
    opt(51, &3600u32.to_be_bytes());
    raw
}

/// Answers every DISCOVER/REQUEST on `s0` with a burst of junk followed by
/// a valid reply full of hostile values, until `stop` is set.
fn hostile_server(stop: &std::sync::atomic::AtomicBool, ready: &std::sync::atomic::AtomicBool) {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
    s.set_reuse_address(true).unwrap();
    s.set_broadcast(true).unwrap();
    s.bind_device(Some(b"s0")).unwrap();
    s.bind(&"0.0.0.0:67".parse::<std::net::SocketAddr>().unwrap().into())
        .unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let s: std::net::UdpSocket = s.into();
    // Bound: the client may start (its first DISCOVER would be lost before).
    ready.store(true, Ordering::Relaxed);
    let to = "255.255.255.255:68";
    let mut buf = [0u8; 1500];
    while !stop.load(Ordering::Relaxed) {
        let Ok(n) = s.recv(&mut buf) else { continue };
        let Ok(req) = v4::Message::decode(&mut Decoder::new(&buf[..n])) else {
            continue;
        };
        let kind = match req.opts().msg_type() {
            Some(MessageType::Discover) => MessageType::Offer,
            Some(MessageType::Request) => MessageType::Ack,
            _ => continue,
        };
        let good = hostile_reply(&req, kind, &evil_options());
        // Junk first: garbage, a foreign xid, another chaddr, a truncated
        // option, an absurd hlen, a NAK-less unknown type.
        let mut junk: Vec<Vec<u8>> = vec![b"\x02garbage".to_vec()];
        let mut j = good.clone();
        j[4] ^= 0xff;
        junk.push(j);
        let mut j = good.clone();
        j[33] ^= 0xff;
        junk.push(j);
        let mut j = good.clone();
        j.pop();
        j.extend_from_slice(&[17, 200, b'x']);
        junk.push(j);
        let mut j = good.clone();
        j[2] = 200;
        junk.push(j);
        junk.push(hostile_reply(&req, MessageType::Inform, &[]));
        for p in junk.iter().chain(std::iter::once(&good)) {
            let _ = s.send_to(p, to);
        }
    }
}

#[test]
fn hostile_server_values_are_dropped_or_kept_literally() {
    require_lab!();
    let lab = Lab::new();
    ip(&["-n", &lab.srv, "link", "set", "lo", "up"]);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let ready = std::sync::atomic::AtomicBool::new(false);
    let (r, stats) = std::thread::scope(|s| {
        let srv = &lab.srv;
        let stop = &stop;
        let ready_ref = &ready;
        s.spawn(move || {
            enter_netns(srv);
            hostile_server(stop, ready_ref);
        });
        let t = std::time::Instant::now();
        while !ready.load(Ordering::Relaxed) && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let r = lab.acquire(&["c0"], &params(Duration::from_secs(20)));
        stop.store(true, Ordering::Relaxed);
        r
    });
    let (_, lease) = r.expect("a lease despite the junk");
    eprintln!("{lease:?} {stats:?}");
    assert_eq!(lease.addr, Some(Ipv4Addr::new(10, 78, 0, 66)));
    assert_eq!(lease.hostname, None, "unsafe and over-long names dropped");
    assert_eq!(lease.domain, None);
    assert!(lease.domain_search.is_empty());
    assert!(lease.classless_routes.is_empty());
    assert_eq!(
        lease.root_path.as_deref().map(str::as_bytes),
        Some(EVIL_ROOT)
    );
    assert_eq!(
        lease.bootfile.as_deref().map(str::as_bytes),
        Some(EVIL_FILE)
    );
    assert_eq!(lease.lease_time, Some(Duration::from_secs(3600)));
    // Six junk packets before each of the two good replies.
    assert_eq!(stats.dropped, vec![12], "{stats:?}");
    assert_eq!(stats.sent, vec![2]);
}

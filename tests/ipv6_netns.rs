//! `net::ipv6::driver::acquire` against a real dnsmasq sending router
//! advertisements and serving DHCPv6, over a veth pair between two network
//! namespaces created (and always removed) by the test. The acquiring
//! thread enters the client namespace with setns(2), which moves only that
//! thread. Three ways a site configures IPv6: stateful DHCPv6 (M flag),
//! stateless (SLAAC + information-request, O flag) and SLAAC alone (DNS
//! from the RA's RDNSS/DNSSL).
//!
//! Skips (with a printed reason) when not root or when `ip`/`dnsmasq` are
//! missing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::net::Ipv6Addr;
use std::process::Child;
use std::time::{Duration, Instant};

use netroot::net::dhcp::driver::Iface;
use netroot::net::ipv6::driver::{self, Params};
use netroot::net::ipv6::{Lease6, Mode6, Source6};

mod common;
use common::{enter_netns, ifindex, ip_out};

/// The client's MAC and the SLAAC address it makes in fd00:77::/64
/// (modified EUI-64, RFC 4291 appendix A).
const MAC: [u8; 6] = [2, 0, 0, 0, 1, 1];
const SLAAC: &str = "fd00:77::ff:fe00:101";

macro_rules! require_lab {
    () => {
        let why = common::skip_reason(&["ip", "dnsmasq"]).or_else(|| {
            (!std::path::Path::new("/proc/sys/net/ipv6").exists())
                .then(|| "no IPv6 in this kernel".to_string())
        });
        if let Some(why) = why {
            eprintln!("skipped: {why}");
            return;
        }
        netroot::log::init(false, true, true);
    };
}

/// `srv` (dnsmasq on `s0`, fd00:77::1/64) and `cli` (`c0`, down, no
/// address). Torn down on drop.
struct Lab {
    pair: common::Pair,
    dnsmasq: Option<Child>,
}

impl Lab {
    fn new() -> Lab {
        let pair = common::Pair::new(
            "v6",
            Some(&["-6", "addr", "add", "fd00:77::1/64", "dev", "s0", "nodad"]),
        );
        // A router's link has long been up and its link-local address, the
        // source of its advertisements, has passed DAD; s0's gets carrier
        // only when the client sets c0 up: no DAD for it, so it is usable
        // at once (else dnsmasq answers the first solicitation from its
        // global address, which the client rightly drops).
        let st = std::process::Command::new("ip")
            .args(["netns", "exec", &pair.srv, "sh", "-c"])
            .arg("echo 0 > /proc/sys/net/ipv6/conf/s0/accept_dad")
            .status()
            .unwrap();
        assert!(st.success());
        Lab {
            pair,
            dnsmasq: None,
        }
    }

    /// The server's link-local address, once it has passed DAD (the
    /// router advertisements come from it).
    fn server_ll(&self) -> Ipv6Addr {
        let t = Instant::now();
        loop {
            let out = ip_out(&[
                "-n",
                &self.pair.srv,
                "-6",
                "-o",
                "addr",
                "show",
                "dev",
                "s0",
                "scope",
                "link",
            ]);
            if !out.is_empty() && !out.contains("tentative") {
                let a = out.split_whitespace().nth(3).unwrap();
                return a.split('/').next().unwrap().parse().unwrap();
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "no link-local on s0: {out}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.pair.dir.join("dnsmasq.log")).unwrap_or_default()
    }

    fn start_dnsmasq(&mut self, extra: &[&str]) {
        let mut opts = vec![
            "--enable-ra",
            "--dhcp-option=option6:dns-server,[fd00:77::53]",
            "--dhcp-option=option6:domain-search,lab.example",
        ];
        opts.extend_from_slice(extra);
        let child = common::dnsmasq(&self.pair.srv, "s0", &self.pair.dir, &opts);
        self.dnsmasq = Some(child);
        let t = Instant::now();
        while !self.log().contains("router advertisement on") {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "dnsmasq did not start: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Run `acquire` on c0 from a thread inside the client namespace.
    fn acquire(&self, mode: Mode6, rapid: bool) -> (Result<Lease6, driver::Error>, Duration) {
        self.acquire_within(mode, rapid, Duration::from_secs(20))
    }

    fn acquire_within(
        &self,
        mode: Mode6,
        rapid: bool,
        timeout: Duration,
    ) -> (Result<Lease6, driver::Error>, Duration) {
        std::thread::scope(|s| {
            s.spawn(|| {
                enter_netns(&self.pair.cli);
                let ifc = Iface {
                    name: "c0".into(),
                    index: ifindex("c0"),
                    mac: MAC,
                };
                let t = Instant::now();
                let p = Params {
                    mode,
                    timeout,
                    rapid_commit: rapid,
                };
                (driver::acquire(&ifc, &p), t.elapsed())
            })
            .join()
            .expect("acquire thread")
        })
    }

    /// The kernel's view of c0: its global addresses and default route.
    fn client_state(&self) -> (String, String) {
        (
            ip_out(&[
                "-n",
                &self.pair.cli,
                "-6",
                "-o",
                "addr",
                "show",
                "dev",
                "c0",
                "scope",
                "global",
            ]),
            ip_out(&["-n", &self.pair.cli, "-6", "route", "show", "default"]),
        )
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut c) = self.dnsmasq.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn v6(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn count(log: &str, what: &str) -> usize {
    log.lines().filter(|l| l.contains(what)).count()
}

/// The default route through the server's link-local address, with the
/// `ra` protocol, and the address in the kernel.
fn assert_configured(lab: &Lab, lease: &Lease6, addr: Ipv6Addr, plen: u8) {
    let router = lab.server_ll();
    assert_eq!(lease.gateway, Some(router));
    let (addrs, route) = lab.client_state();
    assert!(
        addrs.contains(&format!("inet6 {addr}/{plen} scope global")),
        "{addrs}"
    );
    // Usable: DAD passed, or still running optimistically (RFC 4429).
    assert!(
        !addrs.contains("tentative") || addrs.contains("optimistic"),
        "{addrs}"
    );
    assert!(!addrs.contains("dadfailed"), "{addrs}");
    assert!(
        route.contains(&format!("default via {router} dev c0 proto ra")),
        "{route}"
    );
    // The kernel's own RA handling was off: no address of its own.
    assert_eq!(addrs.lines().count(), 1, "{addrs}");
}

/// dnsmasq answers a Solicit with Rapid Commit by a Reply whenever the
/// client asks (its `--dhcp-rapid-commit` is for DHCPv4): `rapid` is the
/// client's choice here.
fn stateful(rapid: bool) {
    let mut lab = Lab::new();
    lab.start_dnsmasq(&["--dhcp-range=fd00:77::100,fd00:77::1ff,64,1h"]);
    let (r, took) = lab.acquire(Mode6::Dhcp6, rapid);
    let lease = r.unwrap();
    eprintln!("stateful DHCPv6 (rapid commit {rapid}): configured in {took:?}: {lease:?}");
    assert_eq!(lease.addrs.len(), 1);
    let a = &lease.addrs[0];
    assert_eq!(a.source, Source6::Dhcp6);
    let n = u128::from(a.addr);
    assert!(
        (u128::from(v6("fd00:77::100"))..=u128::from(v6("fd00:77::1ff"))).contains(&n),
        "{}",
        a.addr
    );
    // The RA names fd00:77::/64 on-link: the address takes its length.
    assert_configured(&lab, &lease, a.addr, 64);
    assert_eq!(a.valid, Some(Duration::from_secs(3600)));
    assert_eq!(lease.dns, vec![v6("fd00:77::53")]);
    assert_eq!(lease.search, vec!["lab.example"]);
    assert_eq!(lease.rapid_commit, rapid);
    assert!(lease.server_id.is_some());
    let log = lab.log();
    assert_eq!(count(&log, "DHCPSOLICIT(s0)"), 1, "{log}");
    assert_eq!(
        count(&log, "DHCPADVERTISE(s0)"),
        usize::from(!rapid),
        "{log}"
    );
    assert_eq!(count(&log, "DHCPREQUEST(s0)"), usize::from(!rapid), "{log}");
    assert_eq!(count(&log, "DHCPREPLY(s0)"), 1, "{log}");
}

#[test]
fn stateful_dhcpv6_four_messages() {
    require_lab!();
    stateful(false);
}

#[test]
fn stateful_dhcpv6_rapid_commit() {
    require_lab!();
    stateful(true);
}

/// An RA with A and O flags: SLAAC, then an information-request for DNS.
#[test]
fn stateless_slaac_and_information_request() {
    require_lab!();
    let mut lab = Lab::new();
    lab.start_dnsmasq(&["--dhcp-range=fd00:77::,ra-stateless,64"]);
    let (r, took) = lab.acquire(Mode6::Auto6, true);
    let lease = r.unwrap();
    eprintln!("stateless: configured in {took:?}: {lease:?}");
    assert_eq!(lease.addrs.len(), 1);
    assert_eq!(lease.addrs[0].source, Source6::Slaac);
    assert_eq!(lease.addrs[0].addr, v6(SLAAC));
    assert_configured(&lab, &lease, v6(SLAAC), 64);
    assert_eq!(lease.dns, vec![v6("fd00:77::53")]);
    assert_eq!(lease.search, vec!["lab.example"]);
    assert!(
        lease.server_id.is_some(),
        "the information-request was answered"
    );
    let log = lab.log();
    assert_eq!(count(&log, "DHCPINFORMATION-REQUEST(s0)"), 1, "{log}");
    assert_eq!(count(&log, "DHCPSOLICIT"), 0, "{log}");
}

/// `ra-only`: SLAAC, DNS from the RA (RDNSS), no DHCPv6 at all.
#[test]
fn slaac_only() {
    require_lab!();
    let mut lab = Lab::new();
    lab.start_dnsmasq(&["--dhcp-range=fd00:77::,ra-only,64"]);
    let (r, took) = lab.acquire(Mode6::Auto6, true);
    let lease = r.unwrap();
    eprintln!("SLAAC: configured in {took:?}: {lease:?}");
    assert_eq!(lease.addrs[0].addr, v6(SLAAC));
    assert_configured(&lab, &lease, v6(SLAAC), 64);
    assert_eq!(lease.dns, vec![v6("fd00:77::53")]);
    assert!(lease.server_id.is_none());
    assert_eq!(count(&lab.log(), "DHCPINFORMATION-REQUEST"), 0);
}

/// `either6` follows the M flag: a managed network gets DHCPv6.
#[test]
fn either6_follows_the_managed_flag() {
    require_lab!();
    let mut lab = Lab::new();
    lab.start_dnsmasq(&["--dhcp-range=fd00:77::100,fd00:77::1ff,64,1h"]);
    let (r, _) = lab.acquire(Mode6::Either6, true);
    let lease = r.unwrap();
    assert_eq!(lease.addrs.len(), 1);
    assert_eq!(lease.addrs[0].source, Source6::Dhcp6);
    assert!(lease.rapid_commit);
}

/// No router on the link: a clear error naming the interface, in time.
#[test]
fn no_router_is_a_clear_error() {
    require_lab!();
    let lab = Lab::new();
    let (r, took) = lab.acquire_within(Mode6::Auto6, true, Duration::from_secs(4));
    let e = r.unwrap_err().to_string();
    assert!(
        e.starts_with("no router advertisement on c0 within 4 s (sent "),
        "{e}"
    );
    assert!(took < Duration::from_secs(6), "{took:?}");
}

/// Another host already holds the address SLAAC makes: its answer to the
/// first DAD probe fails the boot with an error naming the interface and
/// the address, even though the address was usable optimistically.
#[test]
fn duplicate_address_is_a_clear_error() {
    require_lab!();
    let mut lab = Lab::new();
    common::ip(&[
        "-n",
        &lab.pair.srv,
        "-6",
        "addr",
        "add",
        &format!("{SLAAC}/64"),
        "dev",
        "s0",
        "nodad",
    ]);
    lab.start_dnsmasq(&["--dhcp-range=fd00:77::,ra-only,64"]);
    let (r, took) = lab.acquire(Mode6::Auto6, true);
    let e = r.unwrap_err().to_string();
    assert_eq!(
        e,
        format!("{SLAAC} on c0 is in use by another host (duplicate address detection failed)")
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}

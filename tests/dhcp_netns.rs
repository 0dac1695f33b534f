//! `dhcp::driver::acquire` against a real dnsmasq, over a veth pair between
//! two network namespaces created (and always removed) by the test. The
//! acquiring thread enters the client namespace with setns(2), which only
//! moves that thread, so the test process stays where it is.
//!
//! Skips (with a printed reason) when not root or when `ip`/`dnsmasq` are
//! missing.

use std::fs::File;
use std::net::Ipv4Addr;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use netroot::net::dhcp::driver::{self, Iface, Params, Stats};
use netroot::net::dhcp::Lease;

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn skip_reason() -> Option<String> {
    if !rustix::process::geteuid().is_root() {
        return Some("not root".into());
    }
    for tool in ["ip", "dnsmasq"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false)
            || ["/usr/sbin", "/sbin"]
                .iter()
                .any(|d| std::path::Path::new(d).join(tool).is_file());
        if !found {
            return Some(format!("{tool} not installed"));
        }
    }
    None
}

macro_rules! require_lab {
    () => {
        if let Some(why) = skip_reason() {
            eprintln!("skipped: {why}");
            return;
        }
        // Debug level: every dropped packet is logged with its reason.
        netroot::log::init(false, true, true);
    };
}

fn ip(args: &[&str]) {
    let st = Command::new("ip").args(args).status().expect("run ip");
    assert!(st.success(), "ip {args:?} failed");
}

/// Two namespaces: `srv` (dnsmasq on `s0`, 10.78.N.1/24) and `cli` (`c0`,
/// the other end, no address). Torn down on drop, even after a panic.
struct Lab {
    srv: String,
    cli: String,
    dir: PathBuf,
    dnsmasq: Option<Child>,
}

impl Lab {
    fn new() -> Lab {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tag = format!("{}-{n}", std::process::id());
        let lab = Lab {
            srv: format!("nrt-dhcp-s-{tag}"),
            cli: format!("nrt-dhcp-c-{tag}"),
            dir: std::env::temp_dir().join(format!("nrt-dhcp-{tag}")),
            dnsmasq: None,
        };
        std::fs::create_dir_all(&lab.dir).unwrap();
        ip(&["netns", "add", &lab.srv]);
        ip(&["netns", "add", &lab.cli]);
        ip(&[
            "-n", &lab.srv, "link", "add", "s0", "type", "veth", "peer", "name", "c0", "netns",
            &lab.cli,
        ]);
        ip(&["-n", &lab.srv, "addr", "add", "10.78.0.1/24", "dev", "s0"]);
        ip(&["-n", &lab.srv, "link", "set", "s0", "up"]);
        ip(&[
            "-n",
            &lab.cli,
            "link",
            "set",
            "c0",
            "address",
            "02:00:00:00:01:01",
        ]);
        ip(&["-n", &lab.cli, "link", "set", "c0", "up"]);
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

    fn start_dnsmasq(&mut self, extra: &[&str]) {
        let dir = self.dir.display().to_string();
        let child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.srv,
                "dnsmasq",
                "--keep-in-foreground",
            ])
            .args([
                "--conf-file=/dev/null",
                "--port=0",
                "--bind-interfaces",
                "--interface=s0",
                "--except-interface=lo",
                "--user=root",
                "--group=root",
                "--dhcp-range=10.78.0.50,10.78.0.99,255.255.255.0,1h",
                "--dhcp-option=3,10.78.0.1",
                "--dhcp-option=17,10.78.0.1:/srv/root",
                "--log-dhcp",
                // dnsmasq pings an address before offering it and waits up
                // to 3 s for an answer; that is server time, not ours.
                "--no-ping",
            ])
            .arg(format!("--dhcp-leasefile={dir}/leases"))
            .arg(format!("--pid-file={dir}/pid"))
            .arg(format!("--log-facility={dir}/dnsmasq.log"))
            .args(extra)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn dnsmasq");
        self.dnsmasq = Some(child);
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
        let ns = format!("/var/run/netns/{}", self.cli);
        std::thread::scope(|s| {
            s.spawn(|| {
                let f = File::open(&ns).expect("open netns");
                rustix::thread::move_into_link_name_space(
                    f.as_fd(),
                    Some(rustix::thread::LinkNameSpaceType::Network),
                )
                .expect("setns");
                let sock = std::net::UdpSocket::bind("127.0.0.1:0")
                    .or_else(|_| std::net::UdpSocket::bind("0.0.0.0:0"))
                    .expect("a socket for SIOCGIFINDEX");
                let ifaces: Vec<Iface> = names
                    .iter()
                    .map(|n| Iface {
                        name: n.to_string(),
                        index: rustix::net::netdevice::name_to_index(&sock, n).expect("ifindex"),
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
        if let Some(mut c) = self.dnsmasq.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in [&self.srv, &self.cli] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn params(timeout: Duration) -> Params {
    Params {
        client_id: None,
        hostname: Some("nodeA".into()),
        requested_ip: None,
        rapid_commit: false,
        timeout,
    }
}

fn in_range(a: Option<Ipv4Addr>) -> bool {
    a.is_some_and(|a| (50..=99).contains(&a.octets()[3]) && a.octets()[..3] == [10, 78, 0])
}

#[test]
fn four_message_lease_then_init_reboot() {
    require_lab!();
    let mut lab = Lab::new();
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
    let mut lab = Lab::new();
    lab.start_dnsmasq(&["--dhcp-rapid-commit"]);
    let mut p = params(Duration::from_secs(20));
    p.rapid_commit = true;
    let (r, stats) = lab.acquire(&["c0"], &p);
    let (_, lease) = r.expect("lease");
    assert!(lease.rapid_commit);
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
    let mut lab = Lab::new();
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

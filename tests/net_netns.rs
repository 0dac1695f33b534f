//! Network-namespace tests of `netroot net`: veth pairs, a real dnsmasq (or
//! the hostile test server `tests/hostile_dhcp.py`) started by each test in
//! its own uniquely named namespaces, all torn down by a Drop guard.
//!
//! They need root, `ip` and `dnsmasq` (python3 for the hostile test); without
//! them each test prints why and passes vacuously. CI runs as root with all
//! of them installed. Set `NETROOT_BLESS=1` to rewrite the fixtures under
//! `tests/fixtures/net/` from the actual output (then review the diff).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static SEQ: AtomicU32 = AtomicU32::new(0);

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Why these tests cannot run here, if they cannot.
fn skip_reason(extra: &[&str]) -> Option<String> {
    if !rustix::process::geteuid().is_root() {
        return Some("needs root (network namespaces)".into());
    }
    for t in ["ip", "dnsmasq"].iter().chain(extra) {
        if !have(t) {
            return Some(format!("needs {t}"));
        }
    }
    None
}

macro_rules! lab_or_skip {
    ($name:expr $(, $extra:expr)*) => {
        match skip_reason(&[$($extra),*]) {
            Some(why) => {
                eprintln!("SKIP {}: {why}", $name);
                return;
            }
            None => Lab::new($name),
        }
    };
}

fn sh(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether a command succeeds (for probing what the kernel can do).
fn sh_ok(args: &[&str]) -> bool {
    Command::new(args[0])
        .args(&args[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// One echo request from namespace `ns` to `addr`, answered within 1 s.
fn ping(ns: &str, addr: &str) -> bool {
    sh_ok(&[
        "ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", addr,
    ])
}

/// What one `netroot net` run did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Namespaces, processes and files of one test; Drop removes them all.
struct Lab {
    tag: String,
    dir: PathBuf,
    netns: Vec<String>,
    children: Vec<Child>,
}

impl Lab {
    fn new(name: &str) -> Lab {
        let tag = format!(
            "nr{}{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(format!("netroot-{name}-{tag}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("run")).unwrap();
        std::fs::create_dir_all(dir.join("etc")).unwrap();
        Lab {
            tag,
            dir,
            netns: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Create a namespace; returns its name.
    fn ns(&mut self, suffix: &str) -> String {
        let name = format!("{}{suffix}", self.tag);
        sh(&["ip", "netns", "add", &name]);
        self.netns.push(name.clone());
        sh(&["ip", "-n", &name, "link", "set", "lo", "up"]);
        name
    }

    /// A veth pair: `cif` (with `mac`) in `client`, `sif` (up, with
    /// `cidr`) in `server`.
    fn veth(&self, client: &str, cif: &str, mac: &str, server: &str, sif: &str, cidr: &str) {
        veth_pair(client, cif, mac, server, sif);
        serve_on(server, sif, cidr);
    }

    /// The usual segment: a client namespace and a server namespace joined
    /// by one wire, `eth0` (MAC0) in the client, `srv0` (up, with
    /// `server_cidr`) in the server; returns (client, server).
    fn wire(&mut self, server_cidr: &str) -> (String, String) {
        let c = self.ns("c");
        let s = self.ns("s");
        self.veth(&c, "eth0", MAC0, &s, "srv0", server_cidr);
        (c, s)
    }

    /// A client with two wires to two servers: `eth0` (MAC0) to `srv0`
    /// (10.77.1.1/24) and `eth1` (MAC1) to `srv1` (10.77.2.1/24); returns
    /// (client, server 0, server 1).
    fn two_segments(&mut self) -> (String, String, String) {
        let c = self.ns("c");
        let s0 = self.ns("s0");
        let s1 = self.ns("s1");
        self.veth(&c, "eth0", MAC0, &s0, "srv0", "10.77.1.1/24");
        self.veth(&c, "eth1", MAC1, &s1, "srv1", "10.77.2.1/24");
        (c, s0, s1)
    }

    /// Start dnsmasq in `ns` on `iface`, after `delay`; returns its log.
    fn dnsmasq(&mut self, ns: &str, iface: &str, extra: &[&str], delay: Option<u64>) -> PathBuf {
        let log = self.dir.join(format!("dnsmasq-{ns}-{iface}.log"));
        let mut cmd = vec![
            "dnsmasq".to_string(),
            "--keep-in-foreground".into(),
            "--conf-file=/dev/null".into(),
            "--port=0".into(),
            "--bind-interfaces".into(),
            format!("--interface={iface}"),
            "--log-dhcp".into(),
            format!("--log-facility={}", log.display()),
            format!(
                "--pid-file={}",
                self.dir.join(format!("dnsmasq-{ns}.pid")).display()
            ),
            format!(
                "--dhcp-leasefile={}",
                self.dir.join(format!("dnsmasq-{ns}.leases")).display()
            ),
            "--user=root".into(),
            // dnsmasq pings an address before offering it (RFC 2131 §2.2)
            // and waits ~3 s for an echo; the namespaces are ours, skip it.
            "--no-ping".into(),
        ];
        cmd.extend(extra.iter().map(|s| s.to_string()));
        let quoted: Vec<String> = cmd.iter().map(|a| format!("'{a}'")).collect();
        let script = match delay {
            Some(s) => format!("sleep {s}; exec {}", quoted.join(" ")),
            None => format!("exec {}", quoted.join(" ")),
        };
        self.spawn(ns, &["sh", "-c", &script]);
        if delay.is_none() {
            wait_for(&log, "sockets bound exclusively", Duration::from_secs(10));
        }
        log
    }

    /// Spawn `args` in `ns`, in its own process group (killed on drop).
    fn spawn(&mut self, ns: &str, args: &[&str]) {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns]).args(args);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.children.push(child);
    }

    /// Run `netroot net` in `ns` with files redirected into the lab.
    fn netroot(&self, ns: &str, cmdline: &str) -> Run {
        let start = Instant::now();
        let out: Output = Command::new("ip")
            .args(["netns", "exec", ns, env!("CARGO_BIN_EXE_netroot"), "net"])
            .arg("--cmdline")
            .arg(cmdline)
            .arg("--run-dir")
            .arg(self.dir.join("run"))
            .arg("--etc-dir")
            .arg(self.dir.join("etc"))
            .arg("--tmp-dir")
            .arg(self.dir.join("tmp"))
            .output()
            .unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: start.elapsed(),
        };
        eprintln!(
            "netroot net --cmdline {cmdline:?}: exit {} after {:?}\nstdout: {}stderr: {}",
            run.code, run.elapsed, run.stdout, run.stderr
        );
        run
    }

    /// [`Lab::netroot`] that must succeed with a summary line starting
    /// with `summary`.
    fn net_ok(&self, ns: &str, cmdline: &str, summary: &str) -> Run {
        let run = self.netroot(ns, cmdline);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.starts_with(summary), "{}", run.stdout);
        run
    }

    fn file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// Bring the client end up before netroot runs and wait until both ends
    /// are operationally up. On a fresh veth pair the server end's transmit
    /// queue is activated by the kernel's linkwatch work a moment after
    /// carrier: a reply sent in that window is dropped and the client
    /// retransmits 4 s later, which tests that count packets cannot allow.
    /// (On a real LAN the server's port has long been up.)
    fn wire_up(&self, client: &str, cif: &str, server: &str, sif: &str) {
        sh(&["ip", "-n", client, "link", "set", cif, "up"]);
        for (ns, dev) in [(server, sif), (client, cif)] {
            let t = std::time::Instant::now();
            while !self
                .ip(ns, &["-o", "link", "show", "dev", dev])
                .contains("state UP")
            {
                assert!(t.elapsed() < Duration::from_secs(5), "{dev} in {ns} not up");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }

    fn ip(&self, ns: &str, args: &[&str]) -> String {
        let out = Command::new("ip")
            .args(["-n", ns])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.children {
            if let Some(pid) = rustix::process::Pid::from_raw(c.id() as i32) {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
            let _ = c.wait();
        }
        for ns in &self.netns {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        } else {
            eprintln!("lab files kept in {}", self.dir.display());
        }
    }
}

/// A veth pair without addresses: `cif` (with `mac`) in `client`, its peer
/// `sif` (down) in `server`.
fn veth_pair(client: &str, cif: &str, mac: &str, server: &str, sif: &str) {
    sh(&[
        "ip", "-n", client, "link", "add", cif, "address", mac, "type", "veth", "peer", "name",
        sif, "netns", server,
    ]);
}

/// `cidr` on `dev` in `ns`, and `dev` up: the server's end of a segment.
fn serve_on(ns: &str, dev: &str, cidr: &str) {
    sh(&["ip", "-n", ns, "addr", "add", cidr, "dev", dev]);
    sh(&["ip", "-n", ns, "link", "set", dev, "up"]);
}

/// Whether `ip ARGS` works (probing for a kernel driver with a throwaway
/// link); prints why the test is skipped when it does not.
fn kernel_has(args: &[&str], what: &str) -> bool {
    if sh_ok(args) {
        return true;
    }
    eprintln!("SKIP: this kernel has no {what}");
    false
}

/// Poll `path` until it contains `needle` (test harness only: the code
/// under test never sleeps in a loop).
fn wait_for(path: &Path, needle: &str, timeout: Duration) {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if std::fs::read_to_string(path).is_ok_and(|s| s.contains(needle)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{} never said {needle:?}", path.display());
}

/// Replace the digits after each `key` (UPTIME, elapsed time) with `<n>`.
fn normalize(text: &str, keys: &[&str]) -> String {
    let mut s = text.to_string();
    for key in keys {
        let mut out = String::new();
        let mut rest = s.as_str();
        while let Some(i) = rest.find(key) {
            out.push_str(&rest[..i + key.len()]);
            rest = &rest[i + key.len()..];
            let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
            out.push_str("<n>");
            rest = &rest[digits..];
        }
        out.push_str(rest);
        s = out;
    }
    s
}

/// Compare `got` with the fixture `tests/fixtures/net/<name>` byte for byte.
fn fixture(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/net")
        .join(name);
    if std::env::var_os("NETROOT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(got, want, "fixture {name}");
}

fn count(log: &str, what: &str) -> usize {
    log.lines().filter(|l| l.contains(what)).count()
}

const MAC0: &str = "02:00:00:77:01:10";
const MAC1: &str = "02:00:00:77:02:0b";

fn basic_dnsmasq_opts(rapid: bool) -> Vec<&'static str> {
    let mut v = vec![
        "--dhcp-range=10.77.1.50,10.77.1.50,255.255.255.0,1h",
        "--dhcp-host=02:00:00:77:01:10,node7",
        "--dhcp-option=option:router,10.77.1.1",
        "--dhcp-option=option:dns-server,10.77.1.1,10.77.1.2",
        "--dhcp-option=option:domain-name,lab.example",
        "--dhcp-option=option:domain-search,lab.example,example.org",
        "--dhcp-option=option:root-path,10.77.1.1:/srv/nfsroot",
        "--dhcp-option=option:mtu,1400",
        "--dhcp-boot=pxelinux.0",
    ];
    if rapid {
        v.push("--dhcp-rapid-commit");
    }
    v
}

/// A basic lease: every file checked byte for byte, and the kernel state.
#[test]
fn basic_lease_files() {
    let mut lab = lab_or_skip!("basic");
    let (c, s) = lab.wire("10.77.1.1/24");
    let log = lab.dnsmasq(&s, "srv0", &basic_dnsmasq_opts(false), None);
    lab.wire_up(&c, "eth0", &s, "srv0");
    lab.net_ok(
        &c,
        "ip=dhcp netroot.timeout=20",
        "eth0: 10.77.1.50/24 by dhcp from 10.77.1.1, lease 3600 s",
    );

    let conf = lab.file("run/net-eth0.conf");
    fixture("basic/net-eth0.conf", &normalize(&conf, &["UPTIME='"]));
    assert_eq!(lab.file("tmp/net-eth0.conf"), conf);
    fixture("basic/resolv.conf", &lab.file("etc/resolv.conf"));
    fixture(
        "basic/10-netroot-eth0.network",
        &lab.file("run/systemd/network/10-netroot-eth0.network"),
    );
    fixture(
        "basic/net.json",
        &normalize(
            &lab.file("run/netroot/net.json"),
            &["\"uptime\":", "\"elapsed_ms\":"],
        ),
    );

    let addr = lab.ip(&c, &["-4", "-o", "addr", "show", "dev", "eth0"]);
    assert!(
        addr.contains("inet 10.77.1.50/24 brd 10.77.1.255"),
        "{addr}"
    );
    let route = lab.ip(&c, &["-4", "route", "show", "default"]);
    assert!(
        route.contains("default via 10.77.1.1 dev eth0 proto dhcp"),
        "{route}"
    );
    let link = lab.ip(&c, &["link", "show", "dev", "eth0"]);
    assert!(link.contains("mtu 1400"), "{link}");

    // Without rapid commit on the server: the four-message exchange.
    let log = std::fs::read_to_string(log).unwrap();
    assert_eq!(count(&log, "DHCPDISCOVER(srv0)"), 1, "{log}");
    assert_eq!(count(&log, "DHCPOFFER(srv0)"), 1, "{log}");
    assert_eq!(count(&log, "DHCPREQUEST(srv0)"), 1, "{log}");
    assert_eq!(count(&log, "DHCPACK(srv0)"), 1, "{log}");
}

/// RFC 4039: one DISCOVER, one ACK, no REQUEST.
#[test]
fn rapid_commit_one_exchange() {
    let mut lab = lab_or_skip!("rapid");
    let (c, s) = lab.wire("10.77.1.1/24");
    let log = lab.dnsmasq(&s, "srv0", &basic_dnsmasq_opts(true), None);
    lab.wire_up(&c, "eth0", &s, "srv0");
    let run = lab.netroot(&c, "ip=::::::dhcp netroot.timeout=20");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("rapid commit"), "{}", run.stdout);
    let log = std::fs::read_to_string(log).unwrap();
    assert_eq!(count(&log, "DHCPDISCOVER(srv0)"), 1, "{log}");
    assert_eq!(count(&log, "DHCPREQUEST(srv0)"), 0, "{log}");
    assert_eq!(count(&log, "DHCPOFFER(srv0)"), 0, "{log}");
    assert_eq!(count(&log, "DHCPACK(srv0)"), 1, "{log}");
    assert!(lab
        .file("run/netroot/net.json")
        .contains("\"rapid_commit\":true"));
}

/// RFC 3442 classless routes (option 121) win over option 3; a direct
/// route, a route through an off-subnet gateway (onlink) and the default.
#[test]
fn classless_routes() {
    let mut lab = lab_or_skip!("classless");
    let (c, s) = lab.wire("10.77.1.1/24");
    lab.dnsmasq(
        &s,
        "srv0",
        &[
            "--dhcp-range=10.77.1.50,10.77.1.50,255.255.255.0,1h",
            "--dhcp-option=option:router,10.77.1.99",
            "--dhcp-option=121,172.16.0.0/16,0.0.0.0,10.99.0.0/16,10.77.1.254,192.168.50.0/24,10.200.0.1,0.0.0.0/0,10.77.1.1",
        ],
        None,
    );
    let run = lab.netroot(&c, "ip=dhcp netroot.timeout=20");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let routes = lab.ip(&c, &["-4", "route", "show"]);
    for want in [
        "default via 10.77.1.1 dev eth0 proto dhcp",
        "10.99.0.0/16 via 10.77.1.254 dev eth0 proto dhcp",
        "172.16.0.0/16 dev eth0 proto dhcp scope link",
        "192.168.50.0/24 via 10.200.0.1 dev eth0 proto dhcp onlink",
    ] {
        assert!(routes.contains(want), "missing {want:?} in\n{routes}");
    }
    assert!(
        !routes.contains("10.77.1.99"),
        "option 3 must be ignored:\n{routes}"
    );
    let conf = lab.file("run/net-eth0.conf");
    assert!(!conf.contains("IPV4GATEWAY"), "{conf}");
    assert!(
        conf.contains("IPV4ROUTE0SUBNET='172.16.0.0/16'\nIPV4ROUTE0GATEWAY='0.0.0.0'\n"),
        "{conf}"
    );
    assert!(
        conf.contains("IPV4ROUTE3SUBNET='0.0.0.0/0'\nIPV4ROUTE3GATEWAY='10.77.1.1'\n"),
        "{conf}"
    );
    let nd = lab.file("run/systemd/network/10-netroot-eth0.network");
    assert!(
        nd.contains(
            "[Route]\nDestination=192.168.50.0/24\nGateway=10.200.0.1\nGatewayOnLink=yes\n"
        ),
        "{nd}"
    );
    assert!(
        nd.contains("[Route]\nDestination=172.16.0.0/16\nScope=link\n"),
        "{nd}"
    );
}

/// Two live interfaces, a server behind only one: that one wins, the other
/// is left down.
#[test]
fn two_interfaces_one_server() {
    let mut lab = lab_or_skip!("two");
    let (c, _s0, s1) = lab.two_segments();
    lab.dnsmasq(
        &s1,
        "srv1",
        &["--dhcp-range=10.77.2.50,10.77.2.50,255.255.255.0,1h"],
        None,
    );
    let run = lab.netroot(&c, "netroot.timeout=20");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("eth1: 10.77.2.50/24"),
        "{}",
        run.stdout
    );
    assert!(lab.dir.join("run/net-eth1.conf").exists());
    assert!(!lab.dir.join("run/net-eth0.conf").exists());
    let eth0 = lab.ip(&c, &["link", "show", "dev", "eth0"]);
    assert!(!eth0.contains(",UP"), "eth0 should be down again: {eth0}");
    assert!(lab
        .ip(&c, &["-4", "addr", "show", "dev", "eth0"])
        .trim()
        .is_empty());
}

/// BOOTIF picks one of two interfaces that both have a server.
#[test]
fn bootif_chooses_between_two_live_interfaces() {
    let mut lab = lab_or_skip!("bootif");
    let (c, s0, s1) = lab.two_segments();
    let log0 = lab.dnsmasq(
        &s0,
        "srv0",
        &["--dhcp-range=10.77.1.50,10.77.1.50,255.255.255.0,1h"],
        None,
    );
    lab.dnsmasq(
        &s1,
        "srv1",
        &["--dhcp-range=10.77.2.50,10.77.2.50,255.255.255.0,1h"],
        None,
    );
    // pxelinux's IPAPPEND 2 form, upper case hex.
    let run = lab.netroot(&c, "BOOTIF=01-02-00-00-77-02-0B ip=dhcp netroot.timeout=20");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("eth1: 10.77.2.50/24"),
        "{}",
        run.stdout
    );
    let log0 = std::fs::read_to_string(log0).unwrap();
    assert_eq!(
        count(&log0, "DHCPDISCOVER"),
        0,
        "eth0 must stay silent: {log0}"
    );
}

/// A cold link: eth0 is down until netroot raises it, and its peer is a
/// port of a Linux bridge (a switch port), which forwards only once the
/// kernel's linkwatch has handled the peer's carrier. A DISCOVER sent on
/// carrier alone is dropped by the bridge and costs the ~1 s repeat. Three
/// boots in a row, each answered at its first DISCOVER: dnsmasq logs one
/// DISCOVER and one rapid-commit ACK per boot, and netroot is up before its
/// earliest repeat could have been sent (0.75 s).
#[test]
fn cold_link_first_discover_answered() {
    let mut lab = lab_or_skip!("cold");
    let c = lab.ns("c");
    let s = lab.ns("s");
    for args in [
        &["link", "add", "br0", "type", "bridge", "stp_state", "0"][..],
        &["addr", "add", "10.77.1.1/24", "dev", "br0"],
        // The server's own port, up: a bridge has carrier only while a
        // port forwards, and a real server's link is up before clients boot.
        &["link", "add", "up0", "type", "veth", "peer", "name", "up1"],
        &["link", "set", "up1", "up"],
        &["link", "set", "up0", "master", "br0", "up"],
        &["link", "set", "br0", "up"],
    ] {
        sh(&[&["ip", "-n", &s][..], args].concat());
    }
    veth_pair(&c, "eth0", MAC0, &s, "srv0");
    sh(&["ip", "-n", &s, "link", "set", "srv0", "master", "br0", "up"]);
    let log = lab.dnsmasq(&s, "br0", &basic_dnsmasq_opts(true), None);
    for boot in 1..=3 {
        let run = lab.netroot(&c, "ip=dhcp netroot.timeout=20 netroot.debug");
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains("rapid commit"), "{}", run.stdout);
        let text = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            count(&text, "DHCPDISCOVER(br0)"),
            boot,
            "boot {boot}: {text}"
        );
        assert_eq!(count(&text, "DHCPACK(br0)"), boot, "boot {boot}: {text}");
        let up: f64 = run
            .stdout
            .split("up in ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no 'up in' in {}", run.stdout));
        assert!(up < 0.75, "boot {boot}: up in {up} s");
        // Cold again: the link down, the bridge port disabled.
        sh(&["ip", "-n", &c, "addr", "flush", "dev", "eth0"]);
        sh(&["ip", "-n", &c, "link", "set", "eth0", "down"]);
        let t = Instant::now();
        while !lab
            .ip(&s, &["-d", "link", "show", "dev", "srv0"])
            .contains("bridge_slave state disabled")
        {
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "srv0 still forwarding"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        // eth0's own carrier-off event was fired while it was no longer
        // running: not urgent, linkwatch handles it within its 1 s rate
        // limit, and until then the kernel keeps its old operstate UP (a
        // link that is set up again at once reports it). A booting
        // machine's link has never been up.
        std::thread::sleep(Duration::from_millis(1200));
    }
}

/// The server comes up 10 s after netroot starts asking.
#[test]
fn late_server() {
    let mut lab = lab_or_skip!("late");
    let (c, s) = lab.wire("10.77.1.1/24");
    lab.dnsmasq(&s, "srv0", &basic_dnsmasq_opts(false), Some(10));
    let run = lab.netroot(&c, "ip=dhcp netroot.timeout=40");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("eth0: 10.77.1.50/24"),
        "{}",
        run.stdout
    );
    assert!(run.elapsed >= Duration::from_secs(10), "{:?}", run.elapsed);
    // RFC 2131 §4.1 backoff (4 s doubling, ±1 s) retries by ~13 s after start.
    assert!(run.elapsed < Duration::from_secs(25), "{:?}", run.elapsed);
}

/// Nobody answers: a clear error naming the interface, within the timeout.
#[test]
fn no_server_fails_clearly_within_timeout() {
    let mut lab = lab_or_skip!("noserver");
    let (c, _s) = lab.wire("10.77.1.1/24");
    let run = lab.netroot(&c, "ip=dhcp netroot.timeout=5");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("eth0"), "{}", run.stderr);
    assert!(run.stderr.to_lowercase().contains("dhcp"), "{}", run.stderr);
    assert!(run.elapsed >= Duration::from_secs(4), "{:?}", run.elapsed);
    assert!(run.elapsed < Duration::from_secs(8), "{:?}", run.elapsed);
    assert!(!lab.dir.join("run/net-eth0.conf").exists());
}

/// The NIC appears only after netroot started (a driver still probing):
/// netroot waits for it on link events instead of failing at once.
#[test]
fn interface_appears_late() {
    let mut lab = lab_or_skip!("appear");
    let c = lab.ns("c");
    let s = lab.ns("s");
    let (c2, s2) = (c.clone(), s.clone());
    let maker = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        veth_pair(&c2, "eth0", MAC0, &s2, "srv0");
        serve_on(&s2, "srv0", "10.77.1.1/24");
    });
    let run = lab.netroot(
        &c,
        "ip=10.77.1.9::10.77.1.1:255.255.255.0::eth0:off netroot.timeout=10",
    );
    maker.join().unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("waiting for ip= device eth0 to appear"),
        "{}",
        run.stderr
    );
    assert!(
        run.elapsed >= Duration::from_millis(700),
        "{:?}",
        run.elapsed
    );
}

/// The cable is plugged in ~3.5 s after netroot starts (the peer comes up
/// late): netroot says what it waits for, a line every few seconds, and binds
/// within a second or two of the carrier.
#[test]
fn late_carrier_binds_soon_after() {
    let mut lab = lab_or_skip!("latecarrier");
    let (c, s) = lab.wire("10.77.1.1/24");
    lab.dnsmasq(&s, "srv0", &basic_dnsmasq_opts(true), None);
    sh(&["ip", "-n", &s, "link", "set", "srv0", "down"]);
    let s2 = s.clone();
    let plug = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(3500));
        sh(&["ip", "-n", &s2, "link", "set", "srv0", "up"]);
        Instant::now()
    });
    let run = lab.netroot(&c, "ip=dhcp netroot.timeout=30 rd.net.timeout.carrier=20");
    let done = Instant::now();
    let carrier_at = plug.join().unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("eth0: 10.77.1.50/24"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("waiting for carrier on eth0 (3 s)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        count(&run.stderr, "waiting for carrier on"),
        1,
        "one line every 3 s, not a flood: {}",
        run.stderr
    );
    let after = done.duration_since(carrier_at);
    eprintln!("bound {after:?} after the carrier");
    assert!(after < Duration::from_secs(2), "{after:?}");
}

/// The server side goes away 0.5 s after the client has carrier and comes
/// back 20 s later (a port taken down and re-negotiated, a switch
/// reboot): by then the RFC 2131 schedule waits ~16 s between DISCOVERs,
/// but the carrier change starts it over, so the lease comes within a
/// second or two of the server being reachable again.
#[test]
fn carrier_flap_restarts_dhcp_schedule() {
    let mut lab = lab_or_skip!("flap");
    let (c, s) = lab.wire("10.77.1.1/24");
    lab.wire_up(&c, "eth0", &s, "srv0");
    let s2 = s.clone();
    let flap = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        sh(&["ip", "-n", &s2, "link", "set", "srv0", "down"]);
        std::thread::sleep(Duration::from_secs(20));
        sh(&["ip", "-n", &s2, "link", "set", "srv0", "up"]);
        Instant::now()
    });
    // The server starts at 2 s, while the link is dead (0.5 s to 20.5 s):
    // nobody answers the DISCOVERs sent before the flap.
    lab.dnsmasq(&s, "srv0", &basic_dnsmasq_opts(true), Some(2));
    let run = lab.netroot(&c, "ip=dhcp netroot.timeout=60 rd.net.timeout.dhcp=50");
    let done = Instant::now();
    let up_at = flap.join().unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("carrier lost"), "{}", run.stderr);
    assert!(
        run.stderr.contains("eth0: carrier back, asking again"),
        "{}",
        run.stderr
    );
    let after = done.saturating_duration_since(up_at);
    eprintln!("bound {after:?} after the server side came back");
    assert!(done > up_at, "bound before the link came back");
    assert!(after < Duration::from_secs(3), "{after:?}");
}

/// The server sits behind a bridge running spanning tree (forward delay
/// 7 s: the port listens, then learns, and forwards ~14 s after it came
/// up). The client has carrier at once and nothing changes on its side
/// when the port starts forwarding; its DISCOVERs every 2 s on the young,
/// unanswered link find the server within a few seconds of it (RFC 2131's
/// doubling alone would ask at ~13 s, then not before ~29 s).
#[test]
fn spanning_tree_port_forwards_late() {
    let mut lab = lab_or_skip!("stp");
    let c = lab.ns("c");
    let s = lab.ns("s");
    veth_pair(&c, "eth0", MAC0, &s, "srv0");
    sh(&[
        "ip",
        "-n",
        &s,
        "link",
        "add",
        "br0",
        "type",
        "bridge",
        "stp_state",
        "1",
        "forward_delay",
        "700",
    ]);
    serve_on(&s, "br0", "10.77.1.1/24");
    lab.dnsmasq(&s, "br0", &basic_dnsmasq_opts(true), None);
    sh(&["ip", "-n", &s, "link", "set", "srv0", "master", "br0", "up"]);
    let s2 = s.clone();
    let watch = std::thread::spawn(move || {
        let t = Instant::now();
        loop {
            let out = Command::new("ip")
                .args(["-n", &s2, "-d", "link", "show", "dev", "srv0"])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&out.stdout).contains("state forwarding") {
                return Instant::now();
            }
            assert!(t.elapsed() < Duration::from_secs(40), "never forwards");
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let run = lab.netroot(&c, "ip=dhcp netroot.timeout=60");
    let done = Instant::now();
    let forwarding = watch.join().unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.elapsed > Duration::from_secs(10),
        "the port was not blocking: {:?}",
        run.elapsed
    );
    let after = done.saturating_duration_since(forwarding);
    eprintln!(
        "bound {after:?} after the port forwarded ({:?} after start)",
        run.elapsed
    );
    // At most one 2 s ± 0.5 s interval, plus the exchange, under load;
    // the RFC schedule alone would leave up to ~15 s here.
    assert!(after < Duration::from_secs(4), "{after:?}");
}

/// `vlan=`: the server side has VLAN 5 on its end of the wire (dnsmasq
/// only there); netroot creates vlan5 on eth0 and, with no device in ip=,
/// configures the VLAN rather than the bare link.
#[test]
fn vlan_on_veth() {
    let mut lab = lab_or_skip!("vlan", "ping");
    let (c, s) = lab.wire("10.77.9.1/24");
    let vlan = [
        "ip", "-n", &s, "link", "add", "link", "srv0", "name", "srv0.5", "type", "vlan", "id", "5",
    ];
    if !kernel_has(&vlan, "802.1Q (8021q) driver") {
        return;
    }
    serve_on(&s, "srv0.5", "10.77.1.1/24");
    lab.dnsmasq(&s, "srv0.5", &basic_dnsmasq_opts(true), None);
    let run = lab.netroot(&c, "vlan=vlan5:eth0 ip=dhcp netroot.timeout=20");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("vlan5: 10.77.1.50/24 by dhcp"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("vlan5: created (vlan 5 on eth0)"),
        "{}",
        run.stderr
    );
    let link = lab.ip(&c, &["-d", "link", "show", "dev", "vlan5"]);
    assert!(link.contains("vlan protocol 802.1Q id 5"), "{link}");
    let addr = lab.ip(&c, &["-4", "-o", "addr", "show", "dev", "vlan5"]);
    assert!(addr.contains("inet 10.77.1.50/24"), "{addr}");
    // The tagged path works both ways.
    assert!(ping(&c, "10.77.1.1"), "no answer from 10.77.1.1");
}

/// Two veths whose server ends are ports of one bridge (two switch ports).
fn two_wires(lab: &Lab, c: &str, s: &str) {
    for (cif, mac, sif) in [("eth0", MAC0, "srv0"), ("eth1", MAC1, "srv1")] {
        veth_pair(c, cif, mac, s, sif);
    }
    sh(&["ip", "-n", s, "link", "add", "br0", "type", "bridge"]);
    for dev in ["srv0", "srv1"] {
        sh(&["ip", "-n", s, "link", "set", dev, "master", "br0", "up"]);
    }
    serve_on(s, "br0", "10.77.1.1/24");
    let _ = lab;
}

/// `bond=` active-backup over two wires: the lease comes over the bond,
/// and the address keeps working when the active member's wire dies.
#[test]
fn active_backup_bond_survives_a_dead_member() {
    let mut lab = lab_or_skip!("bond", "ping");
    let c = lab.ns("c");
    let s = lab.ns("s");
    if !kernel_has(
        &["ip", "-n", &s, "link", "add", "probe0", "type", "bond"],
        "bonding driver",
    ) {
        return;
    }
    sh(&["ip", "-n", &s, "link", "del", "probe0"]);
    two_wires(&lab, &c, &s);
    lab.dnsmasq(&s, "br0", &basic_dnsmasq_opts(true), None);
    let run = lab.netroot(
        &c,
        "bond=bond0:eth0,eth1:mode=active-backup,miimon=100 ip=dhcp netroot.timeout=30",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("bond0: 10.77.1.50/24 by dhcp"),
        "{}",
        run.stdout
    );
    let state = |lab: &Lab| {
        let out = Command::new("ip")
            .args(["netns", "exec", &c, "cat", "/proc/net/bonding/bond0"])
            .output()
            .unwrap();
        let _ = lab;
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let st = state(&lab);
    assert!(
        st.contains("Bonding Mode: fault-tolerance (active-backup)"),
        "{st}"
    );
    assert!(st.contains("MII Polling Interval (ms): 100"), "{st}");
    let active = st
        .lines()
        .find_map(|l| l.strip_prefix("Currently Active Slave: "))
        .expect("an active member")
        .trim()
        .to_string();
    let peer = if active == "eth0" { "srv0" } else { "srv1" };
    assert!(ping(&c, "10.77.1.1"), "no answer from 10.77.1.1");
    // The active member's wire dies mid-lease.
    sh(&["ip", "-n", &s, "link", "set", peer, "down"]);
    let t = Instant::now();
    loop {
        if ping(&c, "10.77.1.1") {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "no failover: {}",
            state(&lab)
        );
    }
    eprintln!(
        "ping answered again {:?} after {active}'s wire died",
        t.elapsed()
    );
    let st = state(&lab);
    assert!(
        !st.contains(&format!("Currently Active Slave: {active}")),
        "{st}"
    );
    let addr = lab.ip(&c, &["-4", "-o", "addr", "show", "dev", "bond0"]);
    assert!(addr.contains("inet 10.77.1.50/24"), "{addr}");
}

/// `bridge=` over a veth: the client's address goes on the bridge.
#[test]
fn bridge_over_veth() {
    let mut lab = lab_or_skip!("bridge");
    let (c, s) = lab.wire("10.77.1.1/24");
    lab.dnsmasq(&s, "srv0", &basic_dnsmasq_opts(true), None);
    let run = lab.netroot(&c, "bridge=br0:eth0 ip=dhcp netroot.timeout=20");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("br0: 10.77.1.50/24 by dhcp"),
        "{}",
        run.stdout
    );
    let port = lab.ip(&c, &["link", "show", "dev", "eth0"]);
    assert!(port.contains("master br0"), "{port}");
    // networkd recreates the bridge and keeps the root's path.
    let nd = lab.file("run/systemd/network/10-netroot-br0.netdev");
    assert!(nd.contains("[NetDev]\nName=br0\nKind=bridge\n"), "{nd}");
    let net = lab.file("run/systemd/network/10-netroot-eth0.network");
    assert!(net.contains("[Match]\nName=eth0\n"), "{net}");
    assert!(net.contains("Bridge=br0\n"), "{net}");
    assert!(net.contains("KeepConfiguration=yes\n"), "{net}");
    let link = lab.file("run/systemd/network/10-netroot-eth0.link");
    assert!(
        link.contains(&format!("PermanentMACAddress={MAC0}")),
        "{link}"
    );
    let top = lab.file("run/systemd/network/10-netroot-br0.network");
    assert!(top.contains("[Match]\nName=br0\n"), "{top}");
    assert!(top.contains("KeepConfiguration=yes\n"), "{top}");
    assert!(!lab
        .dir
        .join("run/systemd/network/10-netroot-br0.link")
        .exists());
}

/// The cable is unplugged (the peer is down): a clear error naming the
/// interface, after the timeout, from link events rather than polling.
#[test]
fn no_carrier_fails_clearly() {
    let mut lab = lab_or_skip!("nocarrier");
    let (c, s) = lab.wire("10.77.1.1/24");
    sh(&["ip", "-n", &s, "link", "set", "srv0", "down"]);
    // netroot.timeout alone, and dracut's rd.net.timeout.carrier= bounding
    // the carrier wait on its own.
    for line in [
        "ip=dhcp netroot.timeout=2",
        "ip=dhcp netroot.timeout=60 rd.net.timeout.carrier=2",
    ] {
        let run = lab.netroot(&c, line);
        assert_eq!(run.code, 1);
        assert!(
            run.stderr.contains("no carrier on eth0 within 2 s"),
            "{}",
            run.stderr
        );
        assert!(run.elapsed < Duration::from_secs(4), "{:?}", run.elapsed);
    }
}

/// Static ip=: configured without a single DHCP packet.
#[test]
fn static_ip_without_dhcp_traffic() {
    let mut lab = lab_or_skip!("static");
    let (c, s) = lab.wire("10.77.5.1/24");
    let log = lab.dnsmasq(
        &s,
        "srv0",
        &["--dhcp-range=10.77.5.50,10.77.5.60,255.255.255.0,1h"],
        None,
    );
    let run = lab.netroot(
        &c,
        "ip=10.77.5.9:10.77.5.1:10.77.5.1:255.255.255.0:node9.nis.example:eth0:off:10.77.5.53:10.77.5.54",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("eth0: 10.77.5.9/24 by static"),
        "{}",
        run.stdout
    );
    fixture(
        "static/net-eth0.conf",
        &normalize(&lab.file("run/net-eth0.conf"), &["UPTIME='"]),
    );
    fixture("static/resolv.conf", &lab.file("etc/resolv.conf"));
    fixture(
        "static/10-netroot-eth0.network",
        &lab.file("run/systemd/network/10-netroot-eth0.network"),
    );
    let addr = lab.ip(&c, &["-4", "-o", "addr", "show", "dev", "eth0"]);
    assert!(addr.contains("inet 10.77.5.9/24 brd 10.77.5.255"), "{addr}");
    // Running again converges (addresses and routes are replaced, not
    // duplicated or refused with EEXIST).
    let again = lab.netroot(
        &c,
        "ip=10.77.5.9:10.77.5.1:10.77.5.1:255.255.255.0:node9.nis.example:eth0:off:10.77.5.53:10.77.5.54",
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        lab.ip(&c, &["-4", "-o", "addr", "show", "dev", "eth0"]),
        addr
    );
    // `ip -d` spells out the protocol (plain `ip route` hides "boot").
    let route = lab.ip(&c, &["-d", "-4", "route", "show", "default"]);
    assert!(
        route.contains("default via 10.77.5.1 dev eth0 proto boot"),
        "{route}"
    );
    let log = std::fs::read_to_string(log).unwrap();
    for msg in ["DHCPDISCOVER", "DHCPREQUEST", "DHCPINFORM"] {
        assert_eq!(count(&log, msg), 0, "DHCP traffic seen: {log}");
    }
}

/// dnsmasq on srv0 with DHCPv4 and IPv6 (router advertisements, and the
/// `v6range` form of `--dhcp-range`), v6 DNS fd00:77::53; then `netroot
/// net --cmdline <cmdline>` in the client namespace, which must succeed.
/// Returns the client namespace, the run and dnsmasq's log.
fn v6_run(lab: &mut Lab, v6range: &str, cmdline: &str) -> (String, Run, String) {
    let c = lab.ns("c");
    let s = lab.ns("s");
    lab.veth(&c, "eth0", MAC0, &s, "srv0", "10.77.6.1/24");
    sh(&[
        "ip",
        "-n",
        &s,
        "-6",
        "addr",
        "add",
        "fd00:77::1/64",
        "dev",
        "srv0",
        "nodad",
    ]);
    let range = format!("--dhcp-range={v6range}");
    let log = lab.dnsmasq(
        &s,
        "srv0",
        &[
            "--dhcp-range=10.77.6.50,10.77.6.50,255.255.255.0,1h",
            "--enable-ra",
            &range,
            "--dhcp-option=option6:dns-server,[fd00:77::53]",
            "--dhcp-option=option6:domain-search,lab.example",
        ],
        None,
    );
    let run = lab.netroot(&c, cmdline);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let log = std::fs::read_to_string(log).unwrap();
    (c, run, log)
}

/// `ip=eth0:dhcp,dhcp6`: DHCPv4 and stateful DHCPv6 on one interface; the
/// v6 address, route and name server reach the kernel, resolv.conf and the
/// hand-over file.
#[test]
fn dual_stack_dhcp_and_dhcp6() {
    let mut lab = lab_or_skip!("dual");
    let (c, run, log) = v6_run(
        &mut lab,
        "fd00:77::100,fd00:77::1ff,64,1h",
        "ip=eth0:dhcp,dhcp6 netroot.timeout=20",
    );
    assert!(
        run.stdout.starts_with("eth0: 10.77.6.50/24"),
        "{}",
        run.stdout
    );
    let addr = lab.ip(
        &c,
        &["-6", "-o", "addr", "show", "dev", "eth0", "scope", "global"],
    );
    let got = addr
        .split_whitespace()
        .nth(3)
        .and_then(|a| a.strip_suffix("/64"))
        .unwrap_or_else(|| panic!("no /64 address: {addr}"))
        .to_string();
    assert!(got.starts_with("fd00:77::1"), "{got}");
    assert!(
        run.stdout.contains(&format!(", {got}/64")),
        "{}",
        run.stdout
    );
    let route = lab.ip(&c, &["-6", "route", "show", "default"]);
    assert!(route.contains("dev eth0 proto ra"), "{route}");
    let conf = lab.file("run/net-eth0.conf");
    assert!(conf.contains("IPV4ADDR='10.77.6.50'"), "{conf}");
    assert!(
        conf.contains(&format!(
            "IPV6PROTO='dhcp6'\nIPV6ADDR='{got}'\nIPV6NETMASK='64'"
        )),
        "{conf}"
    );
    assert!(conf.contains("IPV6DNS0='fd00:77::53'"), "{conf}");
    let resolv = lab.file("etc/resolv.conf");
    assert!(resolv.contains("nameserver fd00:77::53"), "{resolv}");
    // Rapid commit: one Solicit, one Reply.
    assert_eq!(count(&log, "DHCPSOLICIT(srv0)"), 1, "{log}");
    assert_eq!(count(&log, "DHCPREPLY(srv0)"), 1, "{log}");
    assert_eq!(count(&log, "DHCPREQUEST(srv0)"), 1, "{log}"); // DHCPv4's
}

/// `ip=eth0:auto6` alone: SLAAC from the advertisement, no IPv4, no DHCP.
#[test]
fn ipv6_only_slaac() {
    let mut lab = lab_or_skip!("auto6");
    let (c, run, log) = v6_run(
        &mut lab,
        "fd00:77::,ra-only,64",
        "ip=eth0:auto6 netroot.timeout=20",
    );
    assert!(
        run.stdout
            .starts_with("eth0: no IPv4, fd00:77::ff:fe77:110/64"),
        "{}",
        run.stdout
    );
    let addr = lab.ip(
        &c,
        &["-6", "-o", "addr", "show", "dev", "eth0", "scope", "global"],
    );
    assert!(addr.contains("inet6 fd00:77::ff:fe77:110/64"), "{addr}");
    assert_eq!(
        addr.lines().count(),
        1,
        "the kernel made none of its own: {addr}"
    );
    assert!(lab
        .ip(&c, &["-4", "addr", "show", "dev", "eth0"])
        .trim()
        .is_empty());
    let conf = lab.file("run/net-eth0.conf");
    assert!(
        conf.contains("IPV6PROTO='auto6'\nIPV6ADDR='fd00:77::ff:fe77:110'"),
        "{conf}"
    );
    for msg in ["DHCPDISCOVER", "DHCPSOLICIT", "DHCPINFORMATION-REQUEST"] {
        assert_eq!(count(&log, msg), 0, "{log}");
    }
}

/// A hostile server: malformed and foreign replies are survived, and the
/// hostile strings in the written file source as literals, running nothing.
#[test]
fn hostile_server() {
    let mut lab = lab_or_skip!("hostile", "python3");
    let (c, s) = lab.wire("10.77.9.1/24");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile_dhcp.py");
    let log = lab.dir.join("hostile.log");
    lab.spawn(
        &s,
        &[
            "python3",
            script.to_str().unwrap(),
            "srv0",
            "10.77.9.1",
            "10.77.9.50",
            log.to_str().unwrap(),
        ],
    );
    wait_for(&log, "ready", Duration::from_secs(10));
    let run = lab.netroot(&c, "ip=dhcp netroot.timeout=20");
    assert_eq!(run.code, 0, "netroot did not survive: {}", run.stderr);
    assert!(
        run.stdout.starts_with("eth0: 10.77.9.50/24"),
        "{}",
        run.stdout
    );

    let expected = Command::new("python3")
        .arg(&script)
        .arg("--expected")
        .output()
        .unwrap();
    let expected = String::from_utf8(expected.stdout).unwrap();
    let marker = lab.dir.join("MARK");
    for key in ["HOSTNAME", "DNSDOMAIN", "ROOTPATH", "filename", "IPV4ADDR"] {
        for shell in ["sh", "busybox"] {
            if !have(shell) {
                continue;
            }
            let mut cmd = Command::new(shell);
            if shell == "busybox" {
                cmd.arg("sh");
            }
            let out = cmd
                .arg("-c")
                .arg(format!(". ./run/net-eth0.conf; printf %s \"${key}\""))
                .current_dir(&lab.dir)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{shell}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let got = String::from_utf8(out.stdout).unwrap();
            match key {
                "IPV4ADDR" => assert_eq!(got, "10.77.9.50"),
                // The wire layer keeps host and domain names only when they
                // are valid DNS names: these are not, so they arrive empty.
                // HOSTNAME is the node name that was set: with no valid
                // host name from the server, the address.
                "HOSTNAME" => assert_eq!(got, "10.77.9.50", "{shell}"),
                "DNSDOMAIN" => {
                    let want = json_field(&expected, key);
                    assert!(got.is_empty() || got == want, "{shell}: {key}: {got:?}");
                }
                // Root path and boot file are kept byte for byte.
                _ => assert_eq!(got, json_field(&expected, key), "{shell}: {key}"),
            }
            assert!(
                !marker.exists(),
                "{shell} executed something while sourcing {key}"
            );
        }
    }
    // The hostile names never reach resolv.conf, the hostname or networkd.
    let nd = lab.file("run/systemd/network/10-netroot-eth0.network");
    assert!(!nd.contains("6.6.6.6") && !nd.contains("Domains="), "{nd}");
    if let Ok(r) = std::fs::read_to_string(lab.dir.join("etc/resolv.conf")) {
        assert!(!r.contains("6.6.6.6") && !r.contains("search"), "{r}");
    }
}

/// The value of a string field of the flat JSON object the hostile server
/// prints (escapes: \" \\ \n \t \uXXXX, as Python's json.dumps writes them).
fn json_field(json: &str, key: &str) -> String {
    let start = json.find(&format!("\"{key}\": \"")).unwrap() + key.len() + 5;
    let mut out = String::new();
    let mut it = json[start..].chars();
    while let Some(ch) = it.next() {
        match ch {
            '"' => break,
            '\\' => match it.next().unwrap() {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'u' => {
                    let hex: String = it.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                }
                c => out.push(c),
            },
            c => out.push(c),
        }
    }
    out
}

/// Start the resident renewer in `ns` as the booted system would have it:
/// argv[0] `@netroot-dhcp` (found through PATH, so that argv[0] is exactly
/// that name), logging to `<dir>/<name>.log`. Killed on drop.
fn renewer(lab: &mut Lab, ns: &str, name: &str, args: &[String]) -> PathBuf {
    let bin = lab.dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let link = bin.join(netroot::net::dhcp::resident::ARGV0);
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_netroot"), &link).unwrap();
    }
    let log = lab.dir.join(format!("{name}.log"));
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("ip");
    cmd.env("PATH", path)
        .args(["netns", "exec", ns, netroot::net::dhcp::resident::ARGV0])
        .args(args);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    lab.children.push(child);
    log
}

/// The lease after the switch: `netroot net` gets a 2 min lease from a real
/// dnsmasq (its shortest), then the resident renewer keeps it: RENEW by
/// unicast at T1 (60 s), twice, each ACKed by dnsmasq (its log shows the
/// requests from the bound address), so 2 min 5 s after the boot, when the
/// first lease would have run out, dnsmasq's lease file still runs into the
/// future and the address is on the interface. Before that, a renewer that
/// finds systemd-networkd managing the link leaves at once. ~2 min.
#[test]
fn resident_renewer_keeps_a_short_lease() {
    let mut lab = lab_or_skip!("renew");
    let (c, s) = lab.wire("10.77.9.1/24");
    let log = lab.dnsmasq(
        &s,
        "srv0",
        &["--dhcp-range=10.77.9.50,10.77.9.50,255.255.255.0,2m"],
        None,
    );
    lab.wire_up(&c, "eth0", &s, "srv0");
    let booted = Instant::now();
    let run = lab.netroot(&c, "ip=dhcp netroot.timeout=20");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("lease 120 s"), "{}", run.stdout);
    let args = |age: Duration, netif: &Path| -> Vec<String> {
        vec![
            "iface=eth0".into(),
            format!("mac={MAC0}"),
            "addr=10.77.9.50".into(),
            "server=10.77.9.1".into(),
            "lease=120".into(),
            format!("age-ms={}", age.as_millis()),
            format!("netif={}", netif.display()),
        ]
    };

    // systemd-networkd manages eth0 (its state file names a .network file):
    // a renewer whose T1 has come leaves without sending.
    let netif = lab.dir.join("netif");
    std::fs::create_dir_all(&netif).unwrap();
    let index = lab.ip(&c, &["-o", "link", "show", "dev", "eth0"]);
    let index = index.split(':').next().unwrap().trim().to_string();
    std::fs::write(
        netif.join(&index),
        "ADMIN_STATE=configured\nNETWORK_FILE=/run/systemd/network/10-netroot-eth0.network\n",
    )
    .unwrap();
    let gone = renewer(
        &mut lab,
        &c,
        "networkd",
        &args(Duration::from_secs(61), &netif),
    );
    wait_for(
        &gone,
        "systemd-networkd manages it now",
        Duration::from_secs(10),
    );

    // Nothing takes the lease over: the renewer keeps it.
    let empty = lab.dir.join("netif-empty");
    std::fs::create_dir_all(&empty).unwrap();
    let rlog = renewer(&mut lab, &c, "renewer", &args(booted.elapsed(), &empty));
    let end = booted + Duration::from_secs(125);
    while Instant::now() < end {
        std::thread::sleep(Duration::from_secs(1));
    }
    let got = std::fs::read_to_string(&rlog).unwrap();
    eprintln!("renewer log:\n{got}");
    let renewed = count(&got, "lease of 10.77.9.50 renewed by 10.77.9.1 for 120 s");
    assert_eq!(renewed, 2, "two renewals in 125 s of a 120 s lease");
    assert_eq!(count(&got, "T1: renewing 10.77.9.50 with 10.77.9.1"), 2);
    assert!(!got.contains("expired") && !got.contains("REBINDING") && !got.contains("T2"));
    let d = std::fs::read_to_string(&log).unwrap();
    eprintln!("dnsmasq log:\n{d}");
    // The boot's REQUEST, then the two renewals: DHCPREQUEST lines naming
    // the address, each answered by an ACK.
    assert_eq!(
        count(&d, "DHCPREQUEST(srv0) 10.77.9.50 02:00:00:77:01:10"),
        3
    );
    assert_eq!(count(&d, "DHCPACK(srv0) 10.77.9.50 02:00:00:77:01:10"), 3);
    // dnsmasq's lease (expiry time first) still runs beyond now.
    let leases = std::fs::read_to_string(lab.dir.join(format!("dnsmasq-{s}.leases"))).unwrap();
    let expiry: u64 = leases.split_whitespace().next().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        expiry > now + 30,
        "lease {leases:?} ends within 30 s of {now}"
    );
    assert!(lab
        .ip(&c, &["-4", "-o", "addr", "show", "dev", "eth0"])
        .contains("10.77.9.50/24"));
}

/// A client and a server namespace on a veth pair, the server end with the
/// IPv4 `cidr4` and (without DAD, usable at once) the IPv6 `cidr6`.
fn pair6(lab: &mut Lab, cidr4: &str, cidr6: &str) -> (String, String) {
    let c = lab.ns("c");
    let s = lab.ns("s");
    lab.veth(&c, "eth0", MAC0, &s, "srv0", cidr4);
    sh(&["ip", "-n", &s, "addr", "add", cidr6, "dev", "srv0", "nodad"]);
    (c, s)
}

/// `ip=[addr]::[gw]:<prefix>:<host>:<if>:none`: IPv6 only, over rtnetlink.
/// The address is usable at once (no DAD wait: a ping right after `netroot
/// net` returns is answered), the default route goes via the gateway, RAs
/// are refused, IPv4 stays unconfigured, and the hand-over files carry it.
#[test]
fn static_ipv6_only() {
    let mut lab = lab_or_skip!("static6");
    let (c, _s) = pair6(&mut lab, "10.77.6.1/24", "2001:db8:77::1/64");
    lab.net_ok(
        &c,
        "ip=[2001:db8:77::50]::[2001:db8:77::1]:64:node6:eth0:none:[2001:db8:77::53] netroot.timeout=20",
        "eth0: no IPv4, 2001:db8:77::50/64, up in",
    );
    let addr = lab.ip(
        &c,
        &["-6", "-o", "addr", "show", "dev", "eth0", "scope", "global"],
    );
    assert!(
        addr.contains("inet6 2001:db8:77::50/64 scope global nodad"),
        "{addr}"
    );
    assert!(!addr.contains("tentative"), "{addr}");
    assert_eq!(lab.ip(&c, &["-4", "-o", "addr", "show", "dev", "eth0"]), "");
    // RTPROT_BOOT (`ip route` shows no "proto boot": it is its default).
    let route = lab.ip(&c, &["-6", "route", "show", "default", "proto", "boot"]);
    assert!(
        route.contains("default via 2001:db8:77::1 dev eth0"),
        "{route}"
    );
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &c,
            "cat",
            "/proc/sys/net/ipv6/conf/eth0/accept_ra",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
    assert!(
        ping(&c, "2001:db8:77::1"),
        "the static address is not usable at once"
    );

    let conf = lab.file("run/net-eth0.conf");
    let keys: Vec<&str> = conf
        .lines()
        .filter(|l| l.starts_with("IPV") || l.starts_with("PROTO="))
        .collect();
    assert_eq!(
        keys,
        [
            "PROTO='none'",
            "IPV4ADDR='0.0.0.0'",
            "IPV4BROADCAST='0.0.0.0'",
            "IPV4NETMASK='0.0.0.0'",
            "IPV4GATEWAY='0.0.0.0'",
            "IPV4DNS0='0.0.0.0'",
            "IPV4DNS1='0.0.0.0'",
            "IPV6PROTO='none'",
            "IPV6ADDR='2001:db8:77::50'",
            "IPV6NETMASK='64'",
            "IPV6PREFIX='64'",
            "IPV6GATEWAY='2001:db8:77::1'",
            "IPV6DNS0='2001:db8:77::53'",
            "IPV6DNS1='::'",
            "IPV6DOMAINSEARCH=''",
        ]
    );
    assert_eq!(
        lab.file("etc/resolv.conf"),
        "# Generated by netroot (static on eth0)\nnameserver 2001:db8:77::53\n"
    );
    let nd = lab.file("run/systemd/network/10-netroot-eth0.network");
    for want in [
        "[Network]\nIPv6AcceptRA=no\nAddress=2001:db8:77::50/64\nDNS=2001:db8:77::53\n",
        "\n[Route]\nGateway=2001:db8:77::1\n",
    ] {
        assert!(nd.contains(want), "{nd}");
    }
    let js = lab.file("run/netroot/net.json");
    assert!(js.contains(r#""address":null"#), "{js}");
    assert!(js.contains(r#""ipv6":{"mode":"static","addresses":[{"address":"2001:db8:77::50","prefix_len":64,"source":"static"}]"#), "{js}");
}

/// dracut's dual stack, `ip=eth0:dhcp ip=[addr]:::64::eth0:none`: the
/// DHCPv4 lease and the static IPv6 address on the one interface.
#[test]
fn dhcp4_beside_static_ipv6() {
    let mut lab = lab_or_skip!("dual");
    let (c, s) = pair6(&mut lab, "10.77.1.1/24", "fd00:77::1/64");
    lab.dnsmasq(&s, "srv0", &basic_dnsmasq_opts(true), None);
    lab.wire_up(&c, "eth0", &s, "srv0");
    lab.net_ok(
        &c,
        "ip=eth0:dhcp ip=[fd00:77::50]::[fd00:77::1]:64::eth0:none netroot.timeout=20",
        "eth0: 10.77.1.50/24 by dhcp from 10.77.1.1, lease 3600 s, rapid commit, fd00:77::50/64, up in",
    );
    let addr = lab.ip(
        &c,
        &["-o", "addr", "show", "dev", "eth0", "scope", "global"],
    );
    assert!(addr.contains("inet 10.77.1.50/24"), "{addr}");
    assert!(addr.contains("inet6 fd00:77::50/64"), "{addr}");
    assert!(ping(&c, "fd00:77::1"));
    let nd = lab.file("run/systemd/network/10-netroot-eth0.network");
    assert!(
        nd.contains("[Network]\nDHCP=ipv4\nIPv6AcceptRA=no\nAddress=10.77.1.50/24\nAddress=fd00:77::50/64\n"),
        "{nd}"
    );
    let conf = lab.file("run/net-eth0.conf");
    assert!(conf.contains("IPV4ADDR='10.77.1.50'\n"), "{conf}");
    assert!(conf.contains("IPV6ADDR='fd00:77::50'\n"), "{conf}");
    let rc = lab.file("etc/resolv.conf");
    assert!(
        rc.ends_with("nameserver 10.77.1.1\nnameserver 10.77.1.2\n"),
        "{rc}"
    );
}

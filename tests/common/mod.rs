//! Helpers shared by the network-namespace tests (a module of each test
//! crate that declares `mod common;`, not a test of its own).
#![allow(dead_code)] // each test crate uses some of them

use std::fs::File;
use std::os::fd::AsFd;
use std::process::{Command, Stdio};

/// Why the namespace tests cannot run here (not root, a tool missing).
pub fn skip_reason(tools: &[&str]) -> Option<String> {
    if !rustix::process::geteuid().is_root() {
        return Some("not root".into());
    }
    for tool in tools {
        let found = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Some(format!("{tool} not installed"));
        }
    }
    None
}

/// Run `ip` with `args`; panic if it fails.
pub fn ip(args: &[&str]) {
    let st = Command::new("ip").args(args).status().expect("run ip");
    assert!(st.success(), "ip {args:?} failed");
}

/// The standard output of `ip` with `args`.
pub fn ip_out(args: &[&str]) -> String {
    let out = Command::new("ip").args(args).output().expect("run ip");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Move the calling thread into the network namespace `name` (setns(2)
/// moves only this thread).
pub fn enter_netns(name: &str) {
    let f = File::open(format!("/var/run/netns/{name}")).expect("open netns");
    rustix::thread::move_into_link_name_space(
        f.as_fd(),
        Some(rustix::thread::LinkNameSpaceType::Network),
    )
    .expect("setns");
}

/// The index of interface `name` in the calling thread's namespace.
pub fn ifindex(name: &str) -> u32 {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0")
        .or_else(|_| std::net::UdpSocket::bind("0.0.0.0:0"))
        .expect("a socket for SIOCGIFINDEX");
    rustix::net::netdevice::name_to_index(&sock, name).expect("ifindex")
}

/// Start dnsmasq in namespace `ns`, serving only `iface`, with its lease
/// file, pid file and log (`dnsmasq.log`) in `dir`, DNS off, and `extra`
/// options.
pub fn dnsmasq(
    ns: &str,
    iface: &str,
    dir: &std::path::Path,
    extra: &[&str],
) -> std::process::Child {
    let dir = dir.display().to_string();
    Command::new("ip")
        .args(["netns", "exec", ns, "dnsmasq", "--keep-in-foreground"])
        .args([
            "--conf-file=/dev/null",
            "--port=0",
            "--bind-interfaces",
            "--except-interface=lo",
            "--user=root",
            "--group=root",
            "--log-dhcp",
        ])
        .arg(format!("--interface={iface}"))
        .arg(format!("--dhcp-leasefile={dir}/leases"))
        .arg(format!("--pid-file={dir}/pid"))
        .arg(format!("--log-facility={dir}/dnsmasq.log"))
        .args(extra)
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn dnsmasq")
}

static PAIRS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Two fresh namespaces, `srv` and `cli`, joined by a veth pair: `s0` in
/// `srv` (up, with the address `srv_addr` when given) and `c0` in `cli`
/// (down, MAC 02:00:00:00:01:01), and a scratch directory. Drop removes
/// the namespaces and the directory (kept after a panic, for its logs).
pub struct Pair {
    /// The server's namespace.
    pub srv: String,
    /// The client's namespace.
    pub cli: String,
    /// Scratch directory (dnsmasq's files).
    pub dir: std::path::PathBuf,
}

impl Pair {
    /// Namespaces named `nrt-<kind>-{s,c}-<pid>-<n>`.
    pub fn new(kind: &str, srv_addr: Option<&[&str]>) -> Pair {
        let n = PAIRS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tag = format!("{}-{n}", std::process::id());
        let p = Pair {
            srv: format!("nrt-{kind}-s-{tag}"),
            cli: format!("nrt-{kind}-c-{tag}"),
            dir: std::env::temp_dir().join(format!("nrt-{kind}-{tag}")),
        };
        std::fs::create_dir_all(&p.dir).expect("scratch directory");
        ip(&["netns", "add", &p.srv]);
        ip(&["netns", "add", &p.cli]);
        ip(&[
            "-n", &p.srv, "link", "add", "s0", "type", "veth", "peer", "name", "c0", "netns",
            &p.cli,
        ]);
        if let Some(args) = srv_addr {
            let mut cmd = vec!["-n", &p.srv];
            cmd.extend_from_slice(args);
            ip(&cmd);
        }
        ip(&["-n", &p.srv, "link", "set", "s0", "up"]);
        ip(&[
            "-n",
            &p.cli,
            "link",
            "set",
            "c0",
            "address",
            "02:00:00:00:01:01",
        ]);
        p
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for ns in [&self.srv, &self.cli] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

//! The resident renewer: after the switch, when nothing in the booted system
//! takes the lease over, a lease that expires means the server hands the
//! address to another machine while this one still uses it for its root.
//! PID 1 starts this same binary again as `@netroot-dhcp` (the `@` asks
//! systemd not to kill it at shutdown before the root is unmounted,
//! systemd's "root storage daemon" convention) with the lease on its
//! command line; it sleeps until the machine's next deadline (T1, a
//! retransmission, T2, expiry: no polling), RENEWs by unicast at T1 and
//! REBINDs by broadcast at T2 (RFC 2131 §4.4.5) with the boot's client
//! identifier, and logs when it cannot. When systemd-networkd manages the
//! interface (the hand-over `.network` file asks it for DHCP) it leaves.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::machine::{self, Client, Config, Event, Held, State, Times};

/// argv[0] of the resident renewer.
pub const ARGV0: &str = "@netroot-dhcp";

/// What the renewer is started with (its `key=value` arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// `iface=`: the root's interface.
    pub iface: String,
    /// `mac=`: its Ethernet address (chaddr).
    pub mac: [u8; 6],
    /// `addr=`: the address held.
    pub addr: Ipv4Addr,
    /// `server=`: option 54 of the ACK.
    pub server: Ipv4Addr,
    /// `lease=SECONDS`: option 51 of the ACK.
    pub lease: Duration,
    /// `age-ms=`: how long before the start the lease's REQUEST was sent.
    pub age: Duration,
    /// `client-id=HEX`: option 61 as the boot sent it.
    pub client_id: Vec<u8>,
    /// `hostname=`: option 12 as the boot sent it.
    pub hostname: Option<String>,
    /// `root=DIR`: the new root. [`spawn`] starts the process with its
    /// working directory there and the process chroots into its working
    /// directory first: a reference to the mount itself, so it holds
    /// whether PID 1 has moved the mount to `/` by then or not. It then sees
    /// the booted system's /run, /dev and /proc.
    pub root: Option<PathBuf>,
    /// `log=kmsg`: log to /dev/kmsg (the journal) instead of stderr.
    pub kmsg: bool,
    /// `netif=DIR`: systemd-networkd's link state directory
    /// ([`NETIF_DIR`] unless a test points elsewhere).
    pub netif: PathBuf,
}

/// Where systemd-networkd keeps one state file per link, named by ifindex.
pub const NETIF_DIR: &str = "/run/systemd/netif/links";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let v: Vec<u8> = s
        .split(':')
        .map(|p| u8::from_str_radix(p, 16).ok().filter(|_| p.len() == 2))
        .collect::<Option<_>>()?;
    v.try_into().ok()
}

impl Args {
    /// The arguments after argv[0], as [`parse`] reads them back.
    pub fn to_argv(&self) -> Vec<String> {
        let mut v = vec![
            format!("iface={}", self.iface),
            format!("mac={}", crate::util::fmt_mac(&self.mac)),
            format!("addr={}", self.addr),
            format!("server={}", self.server),
            format!("lease={}", self.lease.as_secs()),
            format!("age-ms={}", self.age.as_millis()),
            format!("client-id={}", hex(&self.client_id)),
        ];
        if let Some(h) = &self.hostname {
            v.push(format!("hostname={h}"));
        }
        if let Some(r) = &self.root {
            v.push(format!("root={}", r.display()));
        }
        if self.kmsg {
            v.push("log=kmsg".into());
        }
        if self.netif != Path::new(NETIF_DIR) {
            v.push(format!("netif={}", self.netif.display()));
        }
        v
    }
}

/// Parse the renewer's arguments (argv[1..]); the error names the argument.
pub fn parse(args: &[String]) -> Result<Args, String> {
    let mut iface = None;
    let mut mac = None;
    let mut addr = None;
    let mut server = None;
    let mut lease = None;
    let mut age = Duration::ZERO;
    let mut client_id = None;
    let mut hostname = None;
    let mut root = None;
    let mut kmsg = false;
    let mut netif = PathBuf::from(NETIF_DIR);
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            return Err(format!("argument {a:?} is not key=value"));
        };
        let bad = || format!("{k}={v:?} is not valid");
        match k {
            "iface" if !v.is_empty() => iface = Some(v.to_string()),
            "mac" => mac = Some(parse_mac(v).ok_or_else(bad)?),
            "addr" => addr = Some(v.parse::<Ipv4Addr>().map_err(|_| bad())?),
            "server" => server = Some(v.parse::<Ipv4Addr>().map_err(|_| bad())?),
            "lease" => lease = Some(Duration::from_secs(v.parse().map_err(|_| bad())?)),
            "age-ms" => age = Duration::from_millis(v.parse().map_err(|_| bad())?),
            "client-id" => client_id = Some(unhex(v).ok_or_else(bad)?),
            "hostname" => hostname = Some(v.to_string()),
            "root" if v.starts_with('/') => root = Some(PathBuf::from(v)),
            "log" => kmsg = v == "kmsg",
            "netif" if v.starts_with('/') => netif = PathBuf::from(v),
            _ => return Err(bad()),
        }
    }
    let need = |what: &str| format!("missing {what}=");
    let mac = mac.ok_or_else(|| need("mac"))?;
    Ok(Args {
        iface: iface.ok_or_else(|| need("iface"))?,
        mac,
        addr: addr.ok_or_else(|| need("addr"))?,
        server: server.ok_or_else(|| need("server"))?,
        lease: lease.ok_or_else(|| need("lease"))?,
        age,
        client_id: client_id.unwrap_or_else(|| machine::default_client_id(mac)),
        hostname,
        root,
        kmsg,
        netif,
    })
}

/// Whether systemd-networkd's state file for a link (`/run/systemd/netif/
/// links/IFINDEX`) says it manages it: a `.network` file matched it.
pub fn networkd_manages(state_file: &str) -> bool {
    state_file.lines().any(|l| {
        l.strip_prefix("NETWORK_FILE=")
            .is_some_and(|v| !v.trim().is_empty())
    })
}

/// Whether the root at `root` enables systemd-networkd (a
/// `systemd-networkd.service` link in some `*.wants` directory of
/// /etc/systemd/system): then it takes the lease over through the
/// hand-over `.network` file (which asks for DHCP with the same client id).
pub fn root_enables_networkd(root: &Path) -> bool {
    let Ok(rd) = std::fs::read_dir(root.join("etc/systemd/system")) else {
        return false;
    };
    rd.flatten().any(|e| {
        e.file_name().to_string_lossy().ends_with(".wants")
            && std::fs::symlink_metadata(e.path().join("systemd-networkd.service")).is_ok()
    })
}

/// The rule for `netroot.renew`: given (1 or 0) it decides; unset, renew
/// unless the new root enables systemd-networkd. Returns the decision and
/// why, for the log.
pub fn decide(renew: Option<bool>, new_root: &Path) -> (bool, &'static str) {
    match renew {
        Some(true) => (true, "netroot.renew"),
        Some(false) => (false, "netroot.renew=0"),
        None if root_enables_networkd(new_root) => (
            false,
            "the root enables systemd-networkd, which renews it (netroot.renew to renew anyway)",
        ),
        None => (
            true,
            "the root does not enable systemd-networkd (netroot.renew=0 to leave it)",
        ),
    }
}

/// Start the renewer (before the switch): the same binary under [`ARGV0`].
/// Returns its pid.
pub fn spawn(args: &Args) -> std::io::Result<u32> {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(crate::shutdown::resident_exe());
    cmd.arg0(ARGV0)
        .args(args.to_argv())
        .stdin(std::process::Stdio::null());
    if let Some(root) = &args.root {
        cmd.current_dir(root);
    }
    let child = cmd.spawn()?;
    Ok(child.id())
}

/// PID 1, just before the switch: start the renewer for the lease of `o`
/// (obtained by an exchange that began at `since`) when [`decide`] says so.
/// Logs the decision; a failure to start is a warning, not a failed boot.
pub fn start_before_switch(
    cfg: &crate::cmdline::BootConfig,
    o: &crate::net::Outcome,
    since: Instant,
    new_root: &Path,
) {
    if o.proto != crate::net::Proto::Dhcp {
        return;
    }
    let (Some(addr), Some(server), Some(lease)) =
        (o.lease.addr, o.lease.server_id, o.lease.lease_time)
    else {
        return;
    };
    if Times::from_lease(since, lease).is_none() {
        crate::info!("dhcp: infinite lease of {addr}: nothing to renew");
        return;
    }
    let (renew, why) = decide(cfg.options.renew, new_root);
    if !renew {
        crate::info!("dhcp: the lease of {addr} is left to the booted system: {why}");
        return;
    }
    let (client_id, hostname) = crate::net::dhcp_identity(cfg);
    let args = Args {
        iface: o.iface.clone(),
        mac: o.mac,
        addr,
        server,
        lease,
        age: since.elapsed(),
        client_id: client_id.unwrap_or_else(|| machine::default_client_id(o.mac)),
        hostname,
        root: Some(new_root.to_path_buf()),
        kmsg: true,
        netif: PathBuf::from(NETIF_DIR),
    };
    match spawn(&args) {
        Ok(pid) => crate::info!(
            "dhcp: {ARGV0} (pid {pid}) renews the {} s lease of {addr}: {why}",
            lease.as_secs()
        ),
        Err(e) => crate::warn!(
            "dhcp: cannot start {ARGV0}: {e}; the lease of {addr} expires in {} s",
            lease.as_secs()
        ),
    }
}

fn ifindex(iface: &str) -> Option<u32> {
    std::fs::read_to_string(format!("/sys/class/net/{iface}/ifindex"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn networkd_took_over(args: &Args) -> bool {
    ifindex(&args.iface)
        .and_then(|i| std::fs::read_to_string(args.netif.join(i.to_string())).ok())
        .is_some_and(|t| networkd_manages(&t))
}

/// Entry point for argv[0] = [`ARGV0`]: renew until the process is killed
/// (exit 0 when systemd-networkd takes the interface over, 2 on bad
/// arguments, 1 when the socket cannot be opened).
pub fn main(argv: &[String]) -> i32 {
    let args = match parse(argv.get(1..).unwrap_or(&[])) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{ARGV0}: {e}");
            return 2;
        }
    };
    crate::log::init(args.kmsg, !args.kmsg, false);
    if let Some(root) = &args.root {
        if let Err(e) =
            crate::sys::fs::chroot(Path::new(".")).and_then(|()| std::env::set_current_dir("/"))
        {
            crate::error!("dhcp renewer: cannot enter {}: {e}", root.display());
            return 1;
        }
    }
    let sock = match crate::sys::udp::dhcp_client_socket(&args.iface) {
        Ok(s) => s,
        Err(e) => {
            crate::error!(
                "dhcp renewer: {}: cannot open UDP port 68: {e}; the lease of {} will not be renewed",
                args.iface,
                args.addr
            );
            return 1;
        }
    };
    let since = Instant::now()
        .checked_sub(args.age)
        .unwrap_or_else(Instant::now);
    let held = Held {
        addr: args.addr,
        server: args.server,
        times: Times::from_lease(since, args.lease),
    };
    let seed = crate::util::seed(&args.mac);
    let cfg = Config {
        mac: args.mac,
        client_id: args.client_id.clone(),
        hostname: args.hostname.clone(),
        requested_ip: None,
        rapid_commit: false,
        xid: (seed as u32).rotate_left(7),
        rng_seed: seed,
        early_retry: false,
        settle_window: Duration::ZERO,
    };
    let mut client = Client::bound(cfg, held, since);
    crate::info!(
        "dhcp renewer: {}: holding {} from {} ({} s lease), renewing at T1",
        args.iface,
        args.addr,
        args.server,
        args.lease.as_secs()
    );
    run(&args, &sock, &mut client)
}

fn run(args: &Args, sock: &std::net::UdpSocket, client: &mut Client) -> i32 {
    let name = &args.iface;
    let mut buf = vec![0u8; 1500];
    loop {
        let now = Instant::now();
        let before = client.state();
        while let Some(msg) = client.poll_transmit(now) {
            if before == State::Bound && networkd_took_over(args) {
                crate::info!(
                    "dhcp renewer: {name}: systemd-networkd manages it now; leaving the lease to it"
                );
                return 0;
            }
            let dst = client.destination().unwrap_or(Ipv4Addr::BROADCAST);
            match sock.send_to(&msg, SocketAddrV4::new(dst, 67)) {
                Ok(_) => crate::debug!("dhcp renewer: {name}: REQUEST to {dst}"),
                Err(e) => crate::warn!("dhcp renewer: {name}: cannot send to {dst}: {e}"),
            }
        }
        let after = client.state();
        if after != before {
            match after {
                State::Renewing => crate::info!(
                    "dhcp renewer: {name}: T1: renewing {} with {}",
                    args.addr,
                    client.destination().unwrap_or(Ipv4Addr::UNSPECIFIED)
                ),
                State::Rebinding => crate::warn!(
                    "dhcp renewer: {name}: T2: no answer to the renewal of {}; rebinding by broadcast",
                    args.addr
                ),
                _ => crate::error!(
                    "dhcp renewer: {name}: the lease of {} expired without an answer: the server may give the address to another machine",
                    args.addr
                ),
            }
        }
        // Sleep until the machine's next deadline or a packet: no polling.
        let wait = client
            .next_deadline()
            .map(|d| d.saturating_duration_since(Instant::now()) + Duration::from_millis(1));
        if sock.set_read_timeout(wait).is_err() {
            std::thread::sleep(Duration::from_secs(1));
            continue;
        }
        let n = match sock.recv_from(&mut buf) {
            Ok((n, _)) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(e) => {
                crate::warn!("dhcp renewer: {name}: receive failed: {e}");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        match client.handle(Instant::now(), &buf[..n]) {
            Event::Bound(l) => {
                let got = l.addr.unwrap_or(Ipv4Addr::UNSPECIFIED);
                if got != args.addr {
                    crate::error!(
                        "dhcp renewer: {name}: bound to {got}, not {}: the root's address cannot change",
                        args.addr
                    );
                }
                crate::info!(
                    "dhcp renewer: {name}: lease of {got} renewed by {} for {} s",
                    l.server_id.unwrap_or(Ipv4Addr::UNSPECIFIED),
                    l.lease_time.map_or(0, |d| d.as_secs())
                );
            }
            Event::Nak { server, message } => crate::error!(
                "dhcp renewer: {name}: NAK from {} for {}{}: the address is no longer ours",
                server.map_or("unknown server".to_string(), |s| s.to_string()),
                args.addr,
                message.map_or(String::new(), |m| format!(": {m}"))
            ),
            Event::Offered { server, addr } => {
                crate::debug!("dhcp renewer: {name}: offer of {addr} from {server}")
            }
            Event::Ignored(e) => crate::debug!("dhcp renewer: {name}: dropped packet: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn args_round_trip_and_errors_name_the_argument() {
        let a = Args {
            iface: "eth0".into(),
            mac: [0x52, 0x54, 0, 0x12, 0x34, 0x56],
            addr: Ipv4Addr::new(10, 0, 2, 15),
            server: Ipv4Addr::new(10, 0, 2, 2),
            lease: Duration::from_secs(86400),
            age: Duration::from_millis(1234),
            client_id: vec![0, b'n', b'7'],
            hostname: Some("node7".into()),
            root: Some("/newroot".into()),
            kmsg: true,
            netif: "/tmp/netif".into(),
        };
        assert_eq!(parse(&a.to_argv()), Ok(a));
        let min = parse(&s(&[
            "iface=eth0",
            "mac=02:00:00:00:00:01",
            "addr=10.1.0.5",
            "server=10.1.0.1",
            "lease=120",
        ]))
        .unwrap();
        assert_eq!(min.client_id, vec![1, 2, 0, 0, 0, 0, 1], "type 1 + MAC");
        assert_eq!(min.age, Duration::ZERO);
        assert!(!min.kmsg && min.root.is_none());
        assert_eq!(
            parse(&s(&["iface=eth0", "mac=02:00:00:00:00"])).unwrap_err(),
            r#"mac="02:00:00:00:00" is not valid"#
        );
        assert_eq!(parse(&s(&["lease=1"])).unwrap_err(), "missing mac=");
        assert_eq!(
            parse(&s(&["client-id=abc"])).unwrap_err(),
            r#"client-id="abc" is not valid"#
        );
        assert_eq!(
            parse(&s(&["root=relative"])).unwrap_err(),
            r#"root="relative" is not valid"#
        );
        assert!(parse(&s(&["bare"])).unwrap_err().contains("key=value"));
    }

    #[test]
    fn networkd_state_files() {
        // As systemd 252 writes them for a managed and an unmanaged link.
        assert!(networkd_manages(
            "# This is private data. Do not parse.\nADMIN_STATE=configured\nOPER_STATE=routable\nNETWORK_FILE=/run/systemd/network/10-netroot-eth0.network\n"
        ));
        assert!(!networkd_manages(
            "ADMIN_STATE=unmanaged\nOPER_STATE=carrier\nNETWORK_FILE=\n"
        ));
        assert!(!networkd_manages(""));
    }

    #[test]
    fn the_renew_rule_looks_for_an_enabled_networkd() {
        let d = std::env::temp_dir().join(format!("netroot-renew-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("etc/systemd/system/multi-user.target.wants")).unwrap();
        assert!(decide(None, &d).0, "no networkd: renew");
        assert!(!decide(Some(false), &d).0);
        std::os::unix::fs::symlink(
            "/lib/systemd/system/systemd-networkd.service",
            d.join("etc/systemd/system/multi-user.target.wants/systemd-networkd.service"),
        )
        .unwrap();
        assert!(
            root_enables_networkd(&d),
            "a dangling link still enables it"
        );
        assert!(!decide(None, &d).0);
        assert_eq!(decide(Some(true), &d), (true, "netroot.renew"));
        std::fs::remove_dir_all(&d).unwrap();
    }
}

//! The resident `@netroot-nbd` process: the same binary, re-exec'd under a
//! name starting with `@`, which systemd's shutdown leaves running (its
//! "root storage daemon" convention, as for nbd-client) because the root
//! file system depends on it.
//!
//! With a netlink-attached device (the normal case) it watches the
//! connection: it blocks on the nbd family's multicast group until the
//! kernel reports `NBD_CMD_LINK_DEAD` (drivers/block/nbd.c sends it when
//! receiving fails or a request times out on the only connection), then
//! reconnects with jittered backoff, repeats the handshake, checks that the
//! export kept its size, and hands the kernel the new socket with
//! `NBD_CMD_RECONFIGURE`. Meanwhile the kernel holds the I/O for the
//! dead-connection timeout given at attach (`NBD_ATTR_DEAD_CONN_TIMEOUT`),
//! so blocked I/O continues on the new connection. It is started before
//! switch_root and needs nothing from the file system afterwards: its
//! executable stays mapped when the initramfs is emptied, /dev/kmsg is
//! opened at start, and the server is an address.
//!
//! In ioctl mode it sits in `NBD_DO_IT` for the life of the connection (no
//! reconnect: the ioctl interface has none).

use super::{attach, genl, Export, HELPER_ARGV0};
use crate::netlink::genl::{events, Event};
use crate::sys::genl::GenlSocket;
use crate::util::{Backoff, Jitter, Rng};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::fd::{AsFd, AsRawFd};
use std::path::Path;
use std::time::{Duration, Instant};

/// Start the ioctl-mode helper on the configured device `dev` and wait until
/// the kernel reports the device live.
pub fn spawn_ioctl(dev: std::fs::File, device: &Path) -> std::io::Result<()> {
    crate::sys::fs::clear_cloexec(dev.as_fd())?;
    // Re-exec ourselves under the `@` name: only argv[0] of an exec'd
    // process shows in /proc/PID/cmdline, which is what systemd checks.
    use std::os::unix::process::CommandExt;
    let child = std::process::Command::new(crate::shutdown::resident_exe())
        .arg0(HELPER_ARGV0)
        .arg(dev.as_raw_fd().to_string())
        .stdin(std::process::Stdio::null())
        .spawn()?;
    crate::info!(
        "nbd helper {} (pid {}) serves {}",
        HELPER_ARGV0,
        child.id(),
        device.display()
    );
    // The device is live once NBD_DO_IT has started it (sysfs shows a pid).
    let name = device
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("nbd0");
    let pid = Path::new("/sys/block").join(name).join("pid");
    let until = Instant::now() + Duration::from_secs(5);
    while !pid.exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// Entry point of the resident (argv[0] = [`HELPER_ARGV0`]; `main`
/// dispatches here when argv[0] starts with `@netroot-nbd`): argv[1..] =
/// [`Watch::to_args`] to watch and reconnect a netlink-attached device, or
/// the inherited device fd alone in ioctl mode (sit in NBD_DO_IT until the
/// connection ends).
pub fn main(args: &[String]) -> i32 {
    if args.get(1).map(String::as_str) == Some("watch") {
        let Some((fd, kmsg, w)) = Watch::from_args(&args[1..]) else {
            crate::log::init(true, false, false);
            crate::error!("nbd watch: bad arguments {:?}", &args[1..]);
            return 2;
        };
        match (kmsg > 2).then(|| crate::sys::fs::adopt_fd(kmsg).ok()) {
            Some(Some(k)) => crate::log::init_with_kmsg(k.into(), false),
            _ => crate::log::init(true, false, false),
        }
        if fd < 3 {
            crate::error!("nbd watch: bad event socket descriptor {fd}");
            return 2;
        }
        let sock = match crate::sys::fs::adopt_fd(fd) {
            Ok(fd) => GenlSocket::from_fd(fd),
            Err(e) => {
                crate::error!("nbd watch: event socket {fd}: {e}");
                return 2;
            }
        };
        return watch(sock, &w);
    }
    let Some(fd) = args.get(1).and_then(|s| s.parse::<i32>().ok()) else {
        crate::error!("nbd helper: missing device descriptor argument");
        return 2;
    };
    match crate::sys::fs::nbd_do_it(fd) {
        Ok(()) => 0,
        Err(e) => {
            crate::error!("nbd helper: NBD_DO_IT on fd {fd}: {e}");
            1
        }
    }
}

// ------------------------------------------------------------ reconnect

/// What the resident watches and how to reconnect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    /// The server.
    pub server: IpAddr,
    /// Its port.
    pub port: u16,
    /// The export name.
    pub export: String,
    /// Device index (0 = /dev/nbd0).
    pub index: u32,
    /// The export size the device was attached with: a server that comes
    /// back with another size is refused.
    pub size: u64,
    /// `netroot.nbd.give-up=`: after this long without a connection,
    /// disconnect the device so that I/O fails instead of waiting.
    pub give_up: Option<Duration>,
}

impl Watch {
    /// The resident's arguments after argv[0]: `watch FD KMSG_FD SERVER
    /// PORT INDEX SIZE GIVE_UP_SECONDS(0 = never) EXPORT` (KMSG_FD -1: none).
    pub fn to_args(&self, fd: i32, kmsg: i32) -> Vec<String> {
        vec![
            "watch".into(),
            fd.to_string(),
            kmsg.to_string(),
            self.server.to_string(),
            self.port.to_string(),
            self.index.to_string(),
            self.size.to_string(),
            self.give_up.map_or(0, |d| d.as_secs()).to_string(),
            self.export.clone(),
        ]
    }

    /// Parse [`Watch::to_args`] (after argv[0]): the event socket's fd, the
    /// /dev/kmsg fd and the watch.
    pub fn from_args(args: &[String]) -> Option<(i32, i32, Watch)> {
        let [w, fd, kmsg, server, port, index, size, give_up, export] = args else {
            return None;
        };
        if w != "watch" {
            return None;
        }
        let give_up: u64 = give_up.parse().ok()?;
        Some((
            fd.parse().ok()?,
            kmsg.parse().ok()?,
            Watch {
                server: server.parse().ok()?,
                port: port.parse().ok()?,
                index: index.parse().ok()?,
                size: size.parse().ok()?,
                give_up: (give_up > 0).then(|| Duration::from_secs(give_up)),
                export: export.clone(),
            },
        ))
    }

    /// Whether the server's export still fits the device: the same size
    /// (PURE). Another size means another image (or a resized one): the
    /// file system on the device would read blocks that are not its own.
    pub fn check(&self, e: &Export) -> Result<(), String> {
        if e.size == self.size {
            return Ok(());
        }
        Err(format!(
            "nbd server {} export \"{}\" now has {} bytes, but /dev/nbd{} was attached with {} bytes: not handing it over (the data would not match)",
            SocketAddr::new(self.server, self.port), self.export, e.size, self.index, self.size
        ))
    }
}

/// The wait between reconnect attempts: 0.5 s doubling to 4 s, ±25 %, so
/// that clients that lost the server together do not come back in
/// lockstep, and a restarted server is found within a few seconds.
pub const RECONNECT: Backoff = Backoff {
    first: Duration::from_millis(500),
    max: Duration::from_secs(4),
    jitter: Jitter::Percent(25),
};

/// The reconnect schedule of one outage, PURE: jittered backoff from the
/// moment the connection died, and the give-up deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    since: Instant,
    round: u32,
    give_up: Option<Duration>,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Try again at this time.
    RetryAt(Instant),
    /// `netroot.nbd.give-up` has passed: stop, let I/O fail.
    GiveUp,
}

impl Outage {
    /// The connection died at `now`.
    pub fn new(now: Instant, give_up: Option<Duration>) -> Outage {
        Outage {
            since: now,
            round: 0,
            give_up,
        }
    }

    /// How long the device has been without a connection at `now`.
    pub fn down_for(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.since)
    }

    /// An attempt failed at `now`; `rng` spreads the wait ([`RECONNECT`]).
    /// The last attempt falls on the give-up deadline.
    pub fn failed(&mut self, now: Instant, rng: &mut Rng) -> Next {
        let deadline = self.give_up.map(|g| self.since + g);
        if deadline.is_some_and(|d| now >= d) {
            return Next::GiveUp;
        }
        let wait = RECONNECT.delay(self.round, rng);
        self.round = self.round.saturating_add(1);
        let at = now + wait;
        Next::RetryAt(deadline.map_or(at, |d| at.min(d)))
    }
}

/// Start the resident that watches `/dev/nbd<index>` and reconnects it.
/// `events` must already be subscribed to the nbd multicast group (before
/// the device was attached, so that no `NBD_CMD_LINK_DEAD` is missed: the
/// kernel queues them on the socket until the resident reads).
pub fn spawn_watch(w: &Watch, events: GenlSocket) -> std::io::Result<u32> {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    crate::sys::fs::clear_cloexec(events.as_fd())?;
    // Its log goes to /dev/kmsg, opened here: once switch_root has moved
    // /dev, the path is gone from the resident's view. stdout and stderr
    // may be a hook's pipe that must not stay open.
    let kmsg = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/kmsg")
        .and_then(|k| crate::sys::fs::clear_cloexec(k.as_fd()).map(|()| k))
        .ok();
    let kmsg_fd = kmsg.as_ref().map_or(-1, |k| k.as_raw_fd());
    let child = std::process::Command::new(crate::shutdown::resident_exe())
        .arg0(HELPER_ARGV0)
        .args(w.to_args(events.as_fd().as_raw_fd(), kmsg_fd))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok(child.id())
}

/// One reconnect: TCP connect, handshake, size check, `NBD_CMD_RECONFIGURE`.
/// Why a reconnect did not happen.
enum Failed {
    /// The kernel refused the socket with EINVAL: the device is no longer
    /// configured (disconnected, e.g. at shutdown); nothing to reconnect.
    Unconfigured(String),
    /// Anything else: try again later.
    Retry(String),
}

impl From<String> for Failed {
    fn from(s: String) -> Failed {
        Failed::Retry(s)
    }
}

fn reconnect(w: &Watch) -> Result<(), Failed> {
    let addr = SocketAddr::new(w.server, w.port);
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("nbd server {addr}: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let (s, e) =
        super::negotiate(s, w.server, w.port, &w.export, deadline).map_err(|e| e.to_string())?;
    w.check(&e)?;
    let mut nbd = attach::Nbd::open().map_err(|e| format!("nbd netlink: {e}"))?;
    attach::reconfigure(&mut nbd, w.index, &s).map_err(|e| {
        let text = format!("/dev/nbd{}: {e}", w.index);
        match e.kind() {
            std::io::ErrorKind::InvalidInput => Failed::Unconfigured(text),
            _ => Failed::Retry(text),
        }
    })
    // `s` closes here: the kernel holds its own reference.
}

/// Whether a datagram from the multicast group says device `index` lost
/// its connection.
fn is_link_dead(family: u16, index: u32, dg: &[u8]) -> bool {
    events(dg).any(|e| matches!(e, Event::Genl(g) if genl::link_dead(family, &g) == Some(index)))
}

/// The resident's loop: block on the multicast socket until the kernel
/// says the connection died, then reconnect with backoff until it works or
/// `give_up` passes. Returns the exit code.
fn watch(sock: GenlSocket, w: &Watch) -> i32 {
    let family = match attach::Nbd::open() {
        Ok(n) => n.id(),
        Err(e) => {
            crate::error!("nbd watch: cannot look up the nbd netlink family: {e}");
            return 1;
        }
    };
    let dev = format!("/dev/nbd{}", w.index);
    let mut rng = Rng::new(crate::util::seed(&w.index.to_ne_bytes()));
    loop {
        let dg = match sock.recv() {
            Ok(dg) => dg,
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                crate::warn!("nbd watch: events were lost; checking the connection of {dev}");
                Vec::new()
            }
            Err(e) => {
                crate::error!("nbd watch: {e}; {dev} will not be reconnected");
                return 1;
            }
        };
        if !dg.is_empty() && !is_link_dead(family, w.index, &dg) {
            continue;
        }
        let mut outage = Outage::new(Instant::now(), w.give_up);
        crate::warn!(
            "{dev}: connection to nbd server {} lost; reconnecting (I/O waits{})",
            SocketAddr::new(w.server, w.port),
            w.give_up
                .map(|g| format!(", fails after {} s", g.as_secs()))
                .unwrap_or_default()
        );
        loop {
            match reconnect(w) {
                Ok(()) => {
                    crate::info!(
                        "{dev}: reconnected to {} after {:.1} s",
                        SocketAddr::new(w.server, w.port),
                        outage.down_for(Instant::now()).as_secs_f32()
                    );
                    // LINK_DEAD events queued during the outage are stale.
                    while let Ok(Some(_)) = sock.try_recv() {}
                    break;
                }
                Err(Failed::Unconfigured(e)) => {
                    crate::info!("{dev} is no longer configured ({e}); nothing left to watch");
                    return 0;
                }
                Err(Failed::Retry(e)) => {
                    let now = Instant::now();
                    match outage.failed(now, &mut rng) {
                        Next::RetryAt(at) => {
                            crate::warn!(
                                "{dev}: {e}; retrying in {:.1} s",
                                at.saturating_duration_since(now).as_secs_f32()
                            );
                            std::thread::sleep(at.saturating_duration_since(now));
                        }
                        Next::GiveUp => {
                            crate::error!(
                                "{dev}: no connection to nbd server {} for {} s (netroot.nbd.give-up): disconnecting, I/O on it now fails",
                                SocketAddr::new(w.server, w.port),
                                outage.down_for(now).as_secs()
                            );
                            if let Err(e) = attach::disconnect(w.index) {
                                crate::error!("{dev}: disconnect failed: {e}");
                            }
                            return 1;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn watch() -> Watch {
        Watch {
            server: Ipv4Addr::new(10, 0, 2, 2).into(),
            port: 10809,
            export: "arch root".into(),
            index: 0,
            size: 128 << 20,
            give_up: Some(Duration::from_secs(10)),
        }
    }

    #[test]
    fn args_round_trip() {
        let w = watch();
        let args = w.to_args(7, 8);
        assert_eq!(args[0], "watch");
        assert_eq!(Watch::from_args(&args), Some((7, 8, w.clone())));
        let forever = Watch {
            give_up: None,
            ..w.clone()
        };
        assert_eq!(
            Watch::from_args(&forever.to_args(3, -1)),
            Some((3, -1, forever))
        );
        assert_eq!(Watch::from_args(&args[..8]), None);
        let mut bad = args.clone();
        bad[3] = "srv.lan".into();
        assert_eq!(Watch::from_args(&bad), None, "the server is an address");
        let mut bad = args;
        bad[0] = "do-it".into();
        assert_eq!(Watch::from_args(&bad), None);
    }

    #[test]
    fn another_size_is_refused_with_server_and_sizes() {
        let w = watch();
        let e = Export {
            size: 128 << 20,
            flags: 1,
            block: None,
            via_go: true,
        };
        assert_eq!(w.check(&e), Ok(()));
        let msg = w
            .check(&Export {
                size: 64 << 20,
                ..e
            })
            .unwrap_err();
        for want in [
            "10.0.2.2:10809",
            "\"arch root\"",
            "67108864 bytes",
            "134217728 bytes",
            "/dev/nbd0",
        ] {
            assert!(msg.contains(want), "{want:?} not in {msg}");
        }
    }

    #[test]
    fn outage_backs_off_with_jitter_then_gives_up_on_time() {
        let t0 = Instant::now();
        let mut o = Outage::new(t0, Some(Duration::from_secs(10)));
        let mut now = t0;
        let mut waits = Vec::new();
        let mut rng = Rng::new(12345);
        while let Next::RetryAt(at) = o.failed(now, &mut rng) {
            assert!(at > now || at == t0 + Duration::from_secs(10));
            waits.push(at - now);
            now = at;
        }
        assert_eq!(
            now,
            t0 + Duration::from_secs(10),
            "gives up at the deadline"
        );
        assert_eq!(o.down_for(now), Duration::from_secs(10));
        // 0.5, 1, 2, 4 s ±25 %, then capped at 4 s ±25 %.
        assert!(waits[0] >= Duration::from_millis(375) && waits[0] <= Duration::from_millis(625));
        assert!(waits[1] > waits[0] && waits[2] > waits[1]);
        assert!(waits.iter().all(|w| *w <= Duration::from_secs(5)));
        // Jitter: another random value, another schedule.
        let mut a = Outage::new(t0, None);
        let mut b = Outage::new(t0, None);
        assert_ne!(
            a.failed(t0, &mut Rng::new(1)),
            b.failed(t0, &mut Rng::new(200))
        );
        // Without give-up, never.
        let mut o = Outage::new(t0, None);
        for i in 0..1000 {
            let now = t0 + Duration::from_secs(i * 3600);
            assert!(
                matches!(o.failed(now, &mut rng), Next::RetryAt(at) if at <= now + Duration::from_secs(5))
            );
        }
    }

    #[test]
    fn only_link_dead_of_our_device_wakes_the_watch() {
        use crate::netlink::{finish, push_attr, start};
        let event = |cmd: u8, index: u32| {
            let mut b = start();
            b.extend_from_slice(&[cmd, 1, 0, 0]);
            push_attr(&mut b, genl::ATTR_INDEX, &index.to_ne_bytes());
            finish(b, 0x1d, 0, 0)
        };
        assert!(is_link_dead(0x1d, 0, &event(genl::CMD_LINK_DEAD, 0)));
        assert!(!is_link_dead(0x1d, 1, &event(genl::CMD_LINK_DEAD, 0)));
        assert!(!is_link_dead(0x1e, 0, &event(genl::CMD_LINK_DEAD, 0)));
        assert!(!is_link_dead(0x1d, 0, &event(genl::CMD_RECONFIGURE, 0)));
        assert!(!is_link_dead(0x1d, 0, &[1, 2, 3]));
    }
}

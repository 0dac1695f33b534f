//! Logging: to /dev/kmsg as `<prio>netroot: ...` when we can open it (so `dmesg`
//! and the journal tell the boot story), and to stderr (the console) unless
//! `quiet`. Levels follow syslog priorities.
//!
//! With `netroot.syslog=` every record also goes to a remote collector as
//! RFC 5424 over UDP ([`crate::syslog`]): records made before the network
//! is up wait in a bounded buffer and are sent once [`start_remote`] has a
//! socket; MSGID is the phase the boot is in ([`crate::timeline`]).

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Mutex;

/// syslog-style priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    /// The boot cannot continue.
    Err = 3,
    /// Something unexpected that we work around.
    Warn = 4,
    /// The boot story: one line per decision.
    Info = 6,
    /// Every dropped packet and retry, with its reason.
    Debug = 7,
}

static MAX_LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);
static CONSOLE: AtomicBool = AtomicBool::new(true);
static KMSG: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Configure the logger. `kmsg` opens /dev/kmsg (PID 1 and hook modes);
/// `console` echoes to stderr; `debug` lowers the threshold to debug.
pub fn init(kmsg: bool, console: bool, debug: bool) {
    CONSOLE.store(console, Ordering::Relaxed);
    MAX_LEVEL.store(
        if debug { Level::Debug } else { Level::Info } as u8,
        Ordering::Relaxed,
    );
    if kmsg {
        if let Ok(f) = OpenOptions::new().write(true).open("/dev/kmsg") {
            if let Ok(mut g) = KMSG.lock() {
                *g = Some(f);
            }
        }
    }
}

/// Log to an already open /dev/kmsg (a resident helper inherits one: it
/// cannot open the path once the initramfs's /dev has moved away), and not
/// to the console.
pub fn init_with_kmsg(kmsg: std::fs::File, debug: bool) {
    init(false, false, debug);
    if let Ok(mut g) = KMSG.lock() {
        *g = Some(kmsg);
    }
}

const DEVKMSG: &str = "/proc/sys/kernel/printk_devkmsg";

/// Lift the kernel's rate limit on /dev/kmsg writers (10 lines per 5 s by
/// default), which would drop most of a debug boot story. Returns the old
/// setting for [`restore_ratelimit`].
pub fn lift_ratelimit() -> Option<String> {
    let old = std::fs::read_to_string(DEVKMSG).ok()?;
    std::fs::write(DEVKMSG, "on\n").ok()?;
    Some(old.trim().to_string())
}

/// Put the /dev/kmsg rate limit back before handing over to the system.
pub fn restore_ratelimit(old: Option<String>) {
    if let Some(v) = old {
        let _ = std::fs::write(DEVKMSG, format!("{v}\n"));
    }
}

/// Whether messages at `level` are emitted.
pub fn enabled(level: Level) -> bool {
    level as u8 <= MAX_LEVEL.load(Ordering::Relaxed)
}

/// Emit one line. Use the `info!`/`warn!`/`error!`/`debug!` macros instead.
pub fn emit(level: Level, msg: std::fmt::Arguments<'_>) {
    emit_as(level, None, msg)
}

/// [`emit`] with the remote record's MSGID given instead of the phase.
pub fn emit_as(level: Level, msgid: Option<&str>, msg: std::fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let text = msg.to_string();
    remote_record(level, msgid, &text, None);
    let line = format!("netroot: {text}");
    if let Ok(mut g) = KMSG.lock() {
        if let Some(f) = g.as_mut() {
            // One write per record: the kernel takes each write as one
            // message, and prints it on the console itself when its level
            // passes the console loglevel (`quiet` lowers that to warnings),
            // so the console needs no second copy.
            // Debug lines are below the default console loglevel: echo
            // them when asked for (`netroot.debug`) unless `quiet`.
            if f.write_all(format!("<{}>{line}\n", level as u8).as_bytes())
                .is_ok()
                && (level != Level::Debug || !CONSOLE.load(Ordering::Relaxed))
            {
                return;
            }
        }
    }
    // Without /dev/kmsg: errors always reach the console, even with
    // `quiet`: they are what the person at the screen needs to see.
    if CONSOLE.load(Ordering::Relaxed) || level <= Level::Err {
        if level == Level::Debug {
            // Stamped like the kernel's lines, to read timings off a console log.
            let up = crate::sys::time::boottime();
            let _ = writeln!(
                std::io::stderr(),
                "[{:5}.{:06}] {line}",
                up.as_secs(),
                up.subsec_micros()
            );
            return;
        }
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

// --- the remote sink (netroot.syslog=) -------------------------------------

/// Records kept while the network is not up yet; older ones are dropped
/// (and counted) past this.
const PENDING_MAX: usize = 256;
/// The last records, for the failure report.
const RECENT_MAX: usize = 20;

/// One record for the remote collector.
#[derive(Debug, Clone)]
struct Record {
    severity: u8,
    uptime_ms: u64,
    /// Seconds and microseconds since the epoch, when the clock is set.
    realtime: Option<(u64, u32)>,
    msgid: String,
    text: String,
    error: Option<String>,
}

/// Who we are, for HOSTNAME and the structured data.
#[derive(Debug, Clone, Default)]
pub struct Ident {
    /// MAC of the interface the network came up on.
    pub mac: String,
    /// Our address.
    pub ip: String,
    /// Host name from DHCP or ip=, if any.
    pub hostname: Option<String>,
}

struct Remote {
    buffering: bool,
    pending: VecDeque<Record>,
    dropped: usize,
    recent: VecDeque<Record>,
    sock: Option<(std::net::UdpSocket, Ident)>,
}

static REMOTE: Mutex<Remote> = Mutex::new(Remote {
    buffering: true,
    pending: VecDeque::new(),
    dropped: 0,
    recent: VecDeque::new(),
    sock: None,
});

/// The wall clock when it looks set (after 2020-01-01), else None: early
/// in boot without an RTC it counts from 1970.
fn realtime() -> Option<(u64, u32)> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    (d.as_secs() > 1_577_836_800).then(|| (d.as_secs(), d.subsec_micros()))
}

fn render(r: &Record, id: &Ident) -> Vec<u8> {
    let mut params = vec![
        ("mac".to_string(), id.mac.clone()),
        ("ip".to_string(), id.ip.clone()),
        (
            "uptime".to_string(),
            format!("{}.{:03}", r.uptime_ms / 1000, r.uptime_ms % 1000),
        ),
    ];
    if let Some(e) = &r.error {
        params.push(("error".to_string(), e.clone()));
    }
    crate::syslog::Message {
        facility: crate::syslog::FACILITY,
        severity: r.severity,
        timestamp: r.realtime.map(|(s, us)| crate::syslog::timestamp(s, us)),
        hostname: Some(id.hostname.clone().unwrap_or_else(|| id.ip.clone())),
        app_name: Some(crate::syslog::APP_NAME.to_string()),
        procid: Some(std::process::id().to_string()),
        msgid: Some(r.msgid.clone()),
        sd: vec![crate::syslog::Element {
            id: crate::syslog::SD_ID.to_string(),
            params,
        }],
        msg: r.text.clone(),
    }
    .render()
}

fn remote_record(level: Level, msgid: Option<&str>, text: &str, error: Option<&str>) {
    let r = Record {
        severity: level as u8,
        uptime_ms: crate::timeline::now_ms(),
        realtime: realtime(),
        msgid: msgid
            .map(str::to_string)
            .or_else(crate::timeline::current)
            .unwrap_or_else(|| "init".to_string()),
        text: text.to_string(),
        error: error.map(str::to_string),
    };
    let Ok(mut g) = REMOTE.lock() else {
        return;
    };
    if error.is_none() {
        if g.recent.len() == RECENT_MAX {
            g.recent.pop_front();
        }
        g.recent.push_back(r.clone());
    }
    if let Some((sock, id)) = &g.sock {
        // UDP: a lost datagram is lost; the console and kmsg keep the story.
        let _ = sock.send(&render(&r, id));
    } else if g.buffering {
        if g.pending.len() == PENDING_MAX {
            g.pending.pop_front();
            g.dropped += 1;
        }
        g.pending.push_back(r);
    }
}

/// No remote log on this boot: stop buffering for it.
pub fn remote_off() {
    if let Ok(mut g) = REMOTE.lock() {
        g.buffering = false;
        g.pending.clear();
    }
}

/// Send every record from now on to `dest`, starting with the ones kept
/// while the network came up.
pub fn remote_start(dest: std::net::SocketAddr, ident: Ident) -> std::io::Result<()> {
    let any: std::net::IpAddr = match dest {
        std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::UNSPECIFIED.into(),
        std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::UNSPECIFIED.into(),
    };
    let sock = std::net::UdpSocket::bind((any, 0))?;
    sock.connect(dest)?;
    sock.set_nonblocking(true)?;
    let Ok(mut g) = REMOTE.lock() else {
        return Ok(());
    };
    if g.dropped > 0 {
        let r = Record {
            severity: Level::Warn as u8,
            uptime_ms: crate::timeline::now_ms(),
            realtime: realtime(),
            msgid: "init".to_string(),
            text: format!("{} earlier messages were dropped (buffer full)", g.dropped),
            error: None,
        };
        let _ = sock.send(&render(&r, &ident));
    }
    for r in std::mem::take(&mut g.pending) {
        let _ = sock.send(&render(&r, &ident));
    }
    g.dropped = 0;
    g.sock = Some((sock, ident));
    Ok(())
}

/// Start the remote log `cfg` asks for (`netroot.syslog=`) on the network
/// `net` brought up; without one, stop buffering. A collector that cannot
/// be resolved or reached is a warning: the boot goes on without it.
pub fn start_remote(cfg: &crate::cmdline::BootConfig, net: &crate::net::Outcome) {
    use crate::cmdline::Syslog;
    let l = &net.lease;
    let info = crate::root::NetInfo::new(cfg, net.proto, l, net.lease6.as_ref(), Some(net.mac));
    let servers = info.servers();
    let dest = match &cfg.options.syslog {
        None => return remote_off(),
        Some(Syslog::Dhcp { port }) => match l.log_servers.first() {
            Some(a) => Ok(std::net::SocketAddr::from((*a, *port))),
            None => Err(
                "netroot.syslog=dhcp: the DHCP server sent no log server (option 7)".to_string(),
            ),
        },
        Some(Syslog::Host { host, port }) => match crate::root::nfs::resolve(host, servers) {
            Ok(a) => Ok(std::net::SocketAddr::new(a, *port)),
            Err(e) => Err(format!("netroot.syslog={host}: {e}")),
        },
    };
    let ident = Ident {
        mac: crate::util::fmt_mac(&net.mac),
        ip: info.address().map(|a| a.to_string()).unwrap_or_default(),
        hostname: l.hostname.clone(),
    };
    match dest {
        Ok(dest) => match remote_start(dest, ident) {
            Ok(()) => crate::info!("remote log to {dest} (RFC 5424 over UDP)"),
            Err(e) => {
                remote_off();
                crate::warn!("netroot.syslog: cannot send to {dest}: {e}");
            }
        },
        Err(e) => {
            remote_off();
            crate::warn!("{e}: no remote log");
        }
    }
}

/// The failure report, to the remote collector only (the console has
/// already shown each line): the error, the hint, the command line and
/// the last messages, with the error also in the structured data.
pub fn remote_report(error: &str, hint: Option<&str>) {
    let recent: Vec<Record> = match REMOTE.lock() {
        Ok(g) if g.buffering || g.sock.is_some() => g.recent.iter().cloned().collect(),
        _ => return,
    };
    let mut text = format!("boot failed: {error}");
    if let Some(h) = hint {
        text.push_str(&format!("\nhint: {h}"));
    }
    if let Ok(line) = std::fs::read_to_string("/proc/cmdline") {
        text.push_str(&format!("\ncommand line: {}", line.trim()));
    }
    text.push_str("\nlast messages:");
    let mut lines: Vec<String> = recent
        .iter()
        .map(|r| {
            format!(
                "\n[{:5}.{:03}] {}: {}",
                r.uptime_ms / 1000,
                r.uptime_ms % 1000,
                r.msgid,
                r.text
            )
        })
        .collect();
    // One datagram (RFC 5426: 2048 octets): keep the newest lines.
    while lines.iter().map(String::len).sum::<usize>() + text.len() > 1700 && !lines.is_empty() {
        lines.remove(0);
    }
    text.extend(lines);
    remote_record(Level::Err, Some("failure"), &text, Some(error));
}

/// Log at info level.
#[macro_export]
macro_rules! info { ($($t:tt)*) => { $crate::log::emit($crate::log::Level::Info, format_args!($($t)*)) } }
/// Log at warning level.
#[macro_export]
macro_rules! warn { ($($t:tt)*) => { $crate::log::emit($crate::log::Level::Warn, format_args!($($t)*)) } }
/// Log at error level.
#[macro_export]
macro_rules! error { ($($t:tt)*) => { $crate::log::emit($crate::log::Level::Err, format_args!($($t)*)) } }
/// Log at debug level.
#[macro_export]
macro_rules! debug { ($($t:tt)*) => { $crate::log::emit($crate::log::Level::Debug, format_args!($($t)*)) } }

#[cfg(test)]
mod tests {
    use super::*;

    /// The remote log reaches a collector over IPv6 (and the records kept
    /// before the network was up come first).
    #[test]
    fn remote_log_over_ipv6() {
        let Ok(collector) = std::net::UdpSocket::bind("[::1]:0") else {
            eprintln!("skipped: no IPv6 loopback here");
            return;
        };
        collector
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        remote_record(
            Level::Info,
            Some("network"),
            "kept before the network",
            None,
        );
        let ident = Ident {
            mac: "52:54:00:12:34:56".into(),
            ip: "fec0::5054:ff:fe12:3456".into(),
            hostname: None,
        };
        remote_start(collector.local_addr().unwrap(), ident).unwrap();
        remote_record(Level::Info, Some("root"), "sent over IPv6", None);
        let mut got = Vec::new();
        let mut buf = [0u8; 2048];
        while got.len() < 2 {
            let n = collector.recv(&mut buf).expect("a datagram over IPv6");
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        assert!(got[0].contains("kept before the network"), "{got:?}");
        assert!(got[1].contains("sent over IPv6"), "{got:?}");
        assert!(
            got[1].contains(" fec0::5054:ff:fe12:3456 netroot ")
                && got[1].contains("ip=\"fec0::5054:ff:fe12:3456\""),
            "{got:?}"
        );
        remote_off();
    }
}

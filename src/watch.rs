//! `netroot watch`: the room view. Run on the server, it listens for the
//! RFC 5424 messages that clients booted with `netroot.syslog=` send and
//! shows one row per client: MAC, address, host name, phase, time in the
//! phase, boot time, last error.
//!
//! [`Room`] is PURE (fed `now` and parsed messages); [`run`] is the UDP
//! loop and the terminal. Output: a table redrawn in place (ANSI, with
//! colours unless `NO_COLOR` is set) when stdout is a terminal that is not
//! `TERM=dumb`, one plain line per change otherwise ([`screen`] decides),
//! and with `--json` one JSON object per line (the shapes are in
//! README.md: `message`, `invalid`, `stuck`, `final` events).

use crate::json::Value;
use crate::syslog::{self, Message};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Where a client is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Sending, somewhere before the switch.
    Booting,
    /// Handed over to the root's init.
    Switched,
    /// Sent a failure report.
    Failed,
    /// Silent for longer than `--stuck` in the middle of a phase.
    Stuck,
}

impl State {
    /// Lower-case name, as shown and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            State::Booting => "booting",
            State::Switched => "switched",
            State::Failed => "failed",
            State::Stuck => "stuck",
        }
    }
}

/// One row of the room.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    /// MAC from the structured data (the row's key when present).
    pub mac: Option<String>,
    /// Address from the structured data, else the datagram's source.
    pub ip: String,
    /// HOSTNAME of the last message.
    pub hostname: Option<String>,
    /// MSGID of the last message: the phase.
    pub phase: String,
    /// Receiver time (s) when the phase was first seen.
    pub phase_since: f64,
    /// Receiver time (s) of the last message.
    pub last_heard: f64,
    /// The client's uptime (s) in its last message.
    pub uptime: f64,
    /// The client's uptime at the switch.
    pub boot: Option<f64>,
    /// The last error (severity error or worse), first line.
    pub last_error: Option<String>,
    /// Where it is.
    pub state: State,
}

impl Client {
    /// Seconds in the current phase at `now`.
    pub fn in_phase(&self, now: f64) -> f64 {
        (now - self.phase_since).max(0.0)
    }

    /// The boot time: uptime at the switch, or the uptime now, estimated.
    pub fn boot_time(&self, now: f64) -> f64 {
        self.boot.unwrap_or(match self.state {
            State::Booting | State::Stuck => self.uptime + (now - self.last_heard).max(0.0),
            State::Switched | State::Failed => self.uptime,
        })
    }

    /// The row as JSON (times in milliseconds).
    pub fn to_json(&self, now: f64) -> Value {
        let ms = |s: f64| Value::Int((s * 1000.0).round() as i64);
        Value::object([
            ("mac", Value::opt_str(self.mac.as_deref())),
            ("ip", Value::Str(self.ip.clone())),
            ("hostname", Value::opt_str(self.hostname.as_deref())),
            ("phase", Value::Str(self.phase.clone())),
            ("state", Value::Str(self.state.name().into())),
            ("in_phase_ms", ms(self.in_phase(now))),
            ("uptime_ms", ms(self.uptime)),
            ("boot_ms", self.boot.map_or(Value::Null, ms)),
            ("last_error", Value::opt_str(self.last_error.as_deref())),
        ])
    }
}

/// Every client heard from, by key (MAC, else host name, else address).
#[derive(Debug, Clone, Default)]
pub struct Room {
    /// The rows.
    pub clients: BTreeMap<String, Client>,
    /// Silence (s) after which a booting client is marked stuck.
    pub stuck_after: f64,
}

impl Room {
    /// An empty room.
    pub fn new(stuck_after: f64) -> Room {
        Room {
            clients: BTreeMap::new(),
            stuck_after,
        }
    }

    /// Take message `m` received from `from` at `now`; returns the key of
    /// the row it changed.
    pub fn feed(&mut self, now: f64, from: SocketAddr, m: &Message) -> String {
        let sd = m.element(syslog::SD_ID);
        let param = |k: &str| sd.and_then(|e| e.param(k)).filter(|v| !v.is_empty());
        let mac = param("mac").map(str::to_string);
        let ip = param("ip").map_or_else(|| from.ip().to_string(), str::to_string);
        let key = mac
            .clone()
            .or_else(|| m.hostname.clone())
            .unwrap_or_else(|| ip.clone());
        let uptime = param("uptime").and_then(|u| u.parse::<f64>().ok());
        let phase = m.msgid.clone().unwrap_or_else(|| "-".to_string());
        let c = self.clients.entry(key.clone()).or_insert_with(|| Client {
            mac: mac.clone(),
            ip: ip.clone(),
            hostname: None,
            phase: phase.clone(),
            phase_since: now,
            last_heard: now,
            uptime: 0.0,
            boot: None,
            last_error: None,
            state: State::Booting,
        });
        if uptime.is_some_and(|u| u + 0.5 < c.uptime) {
            // Uptime went back: the client rebooted; a new boot starts.
            c.boot = None;
            c.state = State::Booting;
        } else if c.state == State::Switched {
            // The last words of switch_root after the summary: the boot
            // is over until the uptime says it began again.
            c.last_heard = now;
            return key;
        }
        if c.phase != phase {
            c.phase = phase.clone();
            c.phase_since = now;
        }
        c.ip = ip;
        c.hostname = m.hostname.clone().or(c.hostname.take());
        c.last_heard = now;
        c.uptime = uptime.unwrap_or(c.uptime);
        if m.severity <= 3 {
            let err = param("error").unwrap_or(&m.msg);
            c.last_error = Some(err.lines().next().unwrap_or("").to_string());
        }
        c.state = match phase.as_str() {
            "switched" => {
                c.boot = Some(c.uptime);
                State::Switched
            }
            "failure" => State::Failed,
            _ => State::Booting,
        };
        key
    }

    /// Mark the clients silent for longer than `stuck_after` in the middle
    /// of a boot; returns the keys that became stuck.
    pub fn tick(&mut self, now: f64) -> Vec<String> {
        let mut out = Vec::new();
        for (k, c) in &mut self.clients {
            if c.state == State::Booting && now - c.last_heard > self.stuck_after {
                c.state = State::Stuck;
                out.push(k.clone());
            }
        }
        out
    }

    /// How many clients are done (switched or failed).
    pub fn done(&self) -> usize {
        self.clients
            .values()
            .filter(|c| matches!(c.state, State::Switched | State::Failed))
            .count()
    }

    /// The table, with ANSI colours when `color`.
    pub fn table(&self, now: f64, color: bool) -> String {
        let mut out = format!(
            "{:<17}  {:<15}  {:<16}  {:<12}  {:>8}  {:>8}  {:<8}  {}\n",
            "MAC", "ADDRESS", "HOST", "PHASE", "IN PHASE", "BOOT", "STATE", "LAST ERROR"
        );
        for c in self.clients.values() {
            let row = row_text(c, now);
            if color {
                let code = match c.state {
                    State::Booting => "0",
                    State::Switched => "32",
                    State::Failed => "31",
                    State::Stuck => "33",
                };
                let _ = writeln!(out, "\x1b[{code}m{row}\x1b[0m");
            } else {
                let _ = writeln!(out, "{row}");
            }
        }
        let count = |s: State| self.clients.values().filter(|c| c.state == s).count();
        let _ = writeln!(
            out,
            "{} clients: {} booting, {} switched, {} failed, {} stuck",
            self.clients.len(),
            count(State::Booting),
            count(State::Switched),
            count(State::Failed),
            count(State::Stuck)
        );
        out
    }
}

fn row_text(c: &Client, now: f64) -> String {
    let err: String = c
        .last_error
        .as_deref()
        .unwrap_or("")
        .chars()
        .take(60)
        .collect();
    format!(
        "{:<17}  {:<15}  {:<16}  {:<12}  {:>7.1}s  {:>7.1}s  {:<8}  {err}",
        c.mac.as_deref().unwrap_or("-"),
        c.ip,
        c.hostname.as_deref().unwrap_or("-"),
        c.phase,
        c.in_phase(now),
        c.boot_time(now),
        c.state.name()
    )
}

/// Options of `netroot watch`.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `--listen ADDR:PORT`.
    pub listen: SocketAddr,
    /// `--json`.
    pub json: bool,
    /// `--stuck SECONDS`.
    pub stuck: f64,
    /// `--clients N`: exit once N clients have switched or failed.
    pub clients: Option<usize>,
    /// `--duration SECONDS`: exit after this long.
    pub duration: Option<f64>,
    /// How the table is shown without `--json` ([`screen`]).
    pub screen: Screen,
}

/// How the table is shown on stdout (without `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Redrawn in place (ANSI cursor home and clear), rows coloured by
    /// state when `color`.
    Redraw {
        /// Green switched, red failed, yellow stuck.
        color: bool,
    },
    /// One plain row per change, then the final table: no escape at all.
    Lines,
}

/// How to show the table, PURE: from whether stdout is a terminal and the
/// environment's `TERM` and `NO_COLOR`. A terminal redraws in place unless
/// `TERM` is `dumb` (a terminal without cursor control: Emacs shell
/// buffers, some CI logs); it gets colours unless `NO_COLOR` is set and not
/// empty (<https://no-color.org>: whatever its value).
pub fn screen(is_terminal: bool, term: Option<&OsStr>, no_color: Option<&OsStr>) -> Screen {
    if !is_terminal || term == Some(OsStr::new("dumb")) {
        return Screen::Lines;
    }
    Screen::Redraw {
        color: no_color.map_or(true, OsStr::is_empty),
    }
}

/// How the room is shown.
enum Mode {
    Json,
    Terminal { color: bool },
    Lines,
}

/// Serve `netroot watch` with options `o` until `--clients` or
/// `--duration` says it is done (else until killed); returns the exit
/// status (0, or 1 when the socket cannot be bound or read).
pub fn run(o: &Options, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let sock = match std::net::UdpSocket::bind(o.listen) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(
                err,
                "netroot watch: cannot listen on {} (UDP): {e}",
                o.listen
            );
            return 1;
        }
    };
    let _ = sock.set_read_timeout(Some(Duration::from_millis(500)));
    let mode = match (o.json, o.screen) {
        (true, _) => Mode::Json,
        (false, Screen::Redraw { color }) => Mode::Terminal { color },
        (false, Screen::Lines) => Mode::Lines,
    };
    if !matches!(mode, Mode::Json) {
        let _ = writeln!(err, "netroot watch: listening on {} (UDP)", o.listen);
    }
    let start = Instant::now();
    let mut room = Room::new(o.stuck);
    let mut buf = vec![0u8; 8192];
    let mut last_draw = -1.0;
    loop {
        let now = start.elapsed().as_secs_f64();
        let mut changed = Vec::new();
        match sock.recv_from(&mut buf) {
            Ok((n, from)) => match syslog::parse(&buf[..n]) {
                Ok(m) => {
                    let key = room.feed(now, from, &m);
                    if let Mode::Json = mode {
                        let ev = Value::object([
                            ("event", Value::Str("message".into())),
                            ("from", Value::Str(from.to_string())),
                            ("severity", Value::Int(m.severity.into())),
                            ("msgid", Value::opt_str(m.msgid.as_deref())),
                            ("timestamp", Value::opt_str(m.timestamp.as_deref())),
                            ("msg", Value::Str(m.msg.clone())),
                            ("client", room.clients[&key].to_json(now)),
                        ]);
                        let _ = writeln!(out, "{}", ev.render());
                    } else {
                        changed.push(key);
                    }
                }
                Err(e) => {
                    let line = match mode {
                        Mode::Json => Value::object([
                            ("event", Value::Str("invalid".into())),
                            ("from", Value::Str(from.to_string())),
                            ("error", Value::Str(e.to_string())),
                        ])
                        .render(),
                        _ => format!("netroot watch: from {from}: {e}"),
                    };
                    match mode {
                        Mode::Json => {
                            let _ = writeln!(out, "{line}");
                        }
                        _ => {
                            let _ = writeln!(err, "{line}");
                        }
                    }
                }
            },
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => {
                let _ = writeln!(err, "netroot watch: receive on {}: {e}", o.listen);
                return 1;
            }
        }
        for key in room.tick(now) {
            match mode {
                Mode::Json => {
                    let ev = Value::object([
                        ("event", Value::Str("stuck".into())),
                        ("client", room.clients[&key].to_json(now)),
                    ]);
                    let _ = writeln!(out, "{}", ev.render());
                }
                _ => changed.push(key),
            }
        }
        match mode {
            Mode::Terminal { color } if !changed.is_empty() || now - last_draw >= 1.0 => {
                // Home, clear, redraw: the table updates in place.
                let _ = write!(out, "\x1b[H\x1b[2J{}", room.table(now, color));
                last_draw = now;
            }
            Mode::Lines => {
                changed.dedup();
                for k in changed {
                    let _ = writeln!(out, "{}", row_text(&room.clients[&k], now));
                }
            }
            _ => {}
        }
        let _ = out.flush();
        let enough = o.clients.is_some_and(|n| room.done() >= n);
        let over = o.duration.is_some_and(|d| now >= d);
        if enough || over {
            let now = start.elapsed().as_secs_f64();
            let fin = match mode {
                Mode::Json => {
                    let rows = room.clients.values().map(|c| c.to_json(now)).collect();
                    let mut s = Value::object([
                        ("event", Value::Str("final".into())),
                        ("clients", Value::Array(rows)),
                    ])
                    .render();
                    s.push('\n');
                    s
                }
                Mode::Terminal { color } => format!("\x1b[H\x1b[2J{}", room.table(now, color)),
                Mode::Lines => room.table(now, false),
            };
            let _ = out.write_all(fin.as_bytes());
            let _ = out.flush();
            return 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syslog::{Element, Message};

    fn msg(mac: &str, msgid: &str, uptime: &str, severity: u8, text: &str) -> Message {
        Message {
            facility: syslog::FACILITY,
            severity,
            timestamp: None,
            hostname: Some("node1".into()),
            app_name: Some("netroot".into()),
            procid: Some("1".into()),
            msgid: Some(msgid.into()),
            sd: vec![Element {
                id: syslog::SD_ID.into(),
                params: vec![
                    ("mac".into(), mac.into()),
                    ("ip".into(), "10.0.2.15".into()),
                    ("uptime".into(), uptime.into()),
                ],
            }],
            msg: text.into(),
        }
    }

    fn from() -> SocketAddr {
        "127.0.0.1:40000".parse().unwrap()
    }

    #[test]
    fn a_boot_goes_through_its_phases_to_switched() {
        let mut room = Room::new(30.0);
        let a = "52:54:00:12:34:56";
        room.feed(
            0.0,
            from(),
            &msg(a, "modules", "1.900", 6, "drivers loaded"),
        );
        room.feed(0.5, from(), &msg(a, "carrier", "2.400", 6, "eth0 up"));
        room.feed(
            1.5,
            from(),
            &msg(a, "carrier", "3.400", 6, "carrier on eth0"),
        );
        let c = &room.clients[a];
        assert_eq!((c.phase.as_str(), c.state), ("carrier", State::Booting));
        assert_eq!(c.in_phase(2.0), 1.5);
        assert_eq!(c.boot_time(2.0), 3.9);
        room.feed(
            3.0,
            from(),
            &msg(a, "switched", "4.900", 6, "timeline: ..."),
        );
        room.feed(3.1, from(), &msg(a, "switch", "4.950", 6, "switching root"));
        let c = &room.clients[a];
        assert_eq!((c.state, c.boot), (State::Switched, Some(4.9)));
        assert_eq!(c.phase, "switched");
        assert_eq!(room.done(), 1);
        // A switched client that goes quiet is not stuck: it is done.
        assert!(room.tick(100.0).is_empty());
        let j = room.clients[a].to_json(3.0).render();
        assert!(
            j.contains(r#""state":"switched","in_phase_ms":0,"uptime_ms":4900,"boot_ms":4900"#),
            "{j}"
        );
    }

    #[test]
    fn silence_in_a_phase_is_stuck_and_a_failure_is_named() {
        let mut room = Room::new(30.0);
        let a = "52:54:00:12:34:56";
        let b = "52:54:00:12:34:58";
        room.feed(0.0, from(), &msg(a, "mount", "3.0", 6, "mounting"));
        room.feed(0.0, from(), &msg(b, "mount", "3.0", 6, "mounting"));
        assert!(room.tick(30.0).is_empty());
        room.feed(
            20.0,
            from(),
            &msg(b, "mount", "23.0", 3, "root: no such export\nhint"),
        );
        assert_eq!(room.tick(30.5), vec![a.to_string()]);
        assert_eq!(room.clients[a].state, State::Stuck);
        assert_eq!(
            room.clients[b].last_error.as_deref(),
            Some("root: no such export")
        );
        let mut report = msg(b, "failure", "24.0", 3, "boot failed: ...");
        report.sd[0]
            .params
            .push(("error".into(), "root: the error".into()));
        room.feed(21.0, from(), &report);
        assert_eq!(room.clients[b].state, State::Failed);
        assert_eq!(
            room.clients[b].last_error.as_deref(),
            Some("root: the error")
        );
        // A new message revives a stuck client; a reboot (uptime back to
        // the start) begins a new boot.
        room.feed(40.0, from(), &msg(a, "state", "43.0", 6, "state dirs"));
        assert_eq!(room.clients[a].state, State::Booting);
        room.feed(41.0, from(), &msg(b, "modules", "1.9", 6, "started"));
        assert_eq!(room.clients[b].state, State::Booting);
        let t = room.table(41.0, false);
        assert!(t.starts_with("MAC "), "{t}");
        assert!(
            t.contains("52:54:00:12:34:58  10.0.2.15        node1             modules"),
            "{t}"
        );
        assert!(
            t.ends_with("2 clients: 2 booting, 0 switched, 0 failed, 0 stuck\n"),
            "{t}"
        );
        assert!(room.table(41.0, true).contains("\x1b[0m"));
    }

    #[test]
    fn colours_follow_the_terminal_term_and_no_color() {
        let os = |s: &'static str| Some(OsStr::new(s));
        let colour = Screen::Redraw { color: true };
        let plain = Screen::Redraw { color: false };
        for (tty, term, no_color, want) in [
            (true, os("xterm-256color"), None, colour),
            (true, None, None, colour),
            // no-color.org: set and not empty, whatever the value.
            (true, os("xterm"), os(""), colour),
            (true, os("xterm"), os("1"), plain),
            (true, os("xterm"), os("0"), plain),
            (true, os("linux"), os("yes"), plain),
            // A dumb terminal gets no escape at all, coloured or not.
            (true, os("dumb"), None, Screen::Lines),
            (true, os("dumb"), os("1"), Screen::Lines),
            (false, os("xterm"), None, Screen::Lines),
            (false, None, os("1"), Screen::Lines),
        ] {
            assert_eq!(
                screen(tty, term, no_color),
                want,
                "{tty} {term:?} {no_color:?}"
            );
        }
    }

    /// `run` on loopback until one client switched, showing it as `screen`.
    fn run_one_switch(screen: Screen) -> String {
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen: SocketAddr = ([127, 0, 0, 1], port).into();
        let o = Options {
            listen,
            json: false,
            stuck: 30.0,
            clients: Some(1),
            duration: Some(10.0),
            screen,
        };
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sender = {
            let done = done.clone();
            std::thread::spawn(move || {
                let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                let m = msg("52:54:00:12:34:56", "switched", "4.900", 6, "timeline: ...");
                // Until `run` is listening and has it.
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = tx.send_to(&m.render(), listen);
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&o, &mut out, &mut err);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        sender.join().unwrap();
        assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_screen_decides_escapes_and_colours() {
        let row = "52:54:00:12:34:56  10.0.2.15        node1             switched";
        let lines = run_one_switch(Screen::Lines);
        assert!(lines.contains(row) && !lines.contains('\x1b'), "{lines:?}");
        let plain = run_one_switch(Screen::Redraw { color: false });
        assert!(plain.starts_with("\x1b[H\x1b[2J"), "{plain:?}");
        assert!(
            plain.contains(row) && !plain.contains("\x1b[0m"),
            "{plain:?}"
        );
        let colour = run_one_switch(Screen::Redraw { color: true });
        assert!(colour.contains("\x1b[32m52:54:00:12:34:56"), "{colour:?}");
    }

    #[test]
    fn a_message_without_our_data_is_keyed_by_host_or_source() {
        let mut room = Room::new(30.0);
        let mut m = msg("", "x", "1", 6, "");
        m.sd.clear();
        m.hostname = None;
        let k = room.feed(0.0, from(), &m);
        assert_eq!(k, "127.0.0.1");
        assert_eq!(room.clients[&k].ip, "127.0.0.1");
    }
}

//! The boot timeline: every phase netroot went through, with its start and
//! end as uptimes (milliseconds since the kernel started, CLOCK_BOOTTIME),
//! like `systemd-analyze` for the initramfs.
//!
//! [`Timeline`] is PURE: it is fed names and uptimes. The recorder below it
//! (`begin`, `end`, `write`) keeps one per process and reads the clock.
//! PID 1 writes it to `/run/netroot/timeline.json` just before the switch
//! (switch_root moves /run into the new root, so the booted system keeps
//! it) and `netroot report` prints it as a table.
//!
//! Phases nest: `network` holds `carrier` then `dhcp` (or `static`), `root`
//! holds `mount` (NFS) or `attach` (NBD), then `overlay` and `state`. The
//! wait that cost most is the longest phase without sub-phases.

use crate::json::Value;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;

/// One phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Its name (`modules`, `carrier`, `dhcp`, ...).
    pub name: String,
    /// 0 for a top-level phase, 1 for a phase inside it, ...
    pub depth: u8,
    /// Uptime at its start, ms.
    pub start: u64,
    /// Uptime at its end, ms; None while it runs (or when it never ended).
    pub end: Option<u64>,
}

impl Span {
    /// How long it took (up to `now` for a phase still running).
    pub fn duration(&self, now: u64) -> u64 {
        self.end.unwrap_or(now).saturating_sub(self.start)
    }
}

/// The phases, in the order they started.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timeline {
    /// Every phase, parents before their children.
    pub spans: Vec<Span>,
    /// Indexes of the open spans, innermost last.
    open: Vec<usize>,
}

/// The file format version written to timeline.json.
pub const VERSION: i64 = 1;

impl Timeline {
    /// Start phase `name` at `now` (ms), inside the innermost open phase.
    /// A phase of that name still open (a failed attempt that is being
    /// retried) is ended first, with everything inside it.
    pub fn begin(&mut self, name: &str, now: u64) {
        if self.open.iter().any(|&i| self.spans[i].name == name) {
            self.end(name, now);
        }
        let depth = u8::try_from(self.open.len()).unwrap_or(u8::MAX);
        self.open.push(self.spans.len());
        self.spans.push(Span {
            name: name.to_string(),
            depth,
            start: now,
            end: None,
        });
    }

    /// End phase `name` at `now`, and every phase opened inside it. A name
    /// that is not open is ignored.
    pub fn end(&mut self, name: &str, now: u64) {
        let Some(pos) = self.open.iter().rposition(|&i| self.spans[i].name == name) else {
            return;
        };
        for i in self.open.drain(pos..) {
            self.spans[i].end = Some(now);
        }
    }

    /// End every open phase at `now`.
    pub fn end_all(&mut self, now: u64) {
        for i in self.open.drain(..) {
            self.spans[i].end = Some(now);
        }
    }

    /// The phase running now (the innermost open one), else the last one
    /// that ran.
    pub fn current(&self) -> Option<&str> {
        self.open
            .last()
            .map(|&i| self.spans[i].name.as_str())
            .or_else(|| self.spans.last().map(|s| s.name.as_str()))
    }

    /// Whether span `i` has no sub-phase.
    fn is_leaf(&self, i: usize) -> bool {
        self.spans
            .get(i + 1)
            .map_or(true, |next| next.depth <= self.spans[i].depth)
    }

    /// The wait that cost most: the longest phase without sub-phases.
    pub fn longest(&self, now: u64) -> Option<&Span> {
        (0..self.spans.len())
            .filter(|&i| self.is_leaf(i))
            .map(|i| &self.spans[i])
            .max_by_key(|s| s.duration(now))
    }

    /// First start and last end (or `now`), ms.
    pub fn bounds(&self, now: u64) -> Option<(u64, u64)> {
        let first = self.spans.first()?.start;
        let last = self
            .spans
            .iter()
            .map(|s| s.end.unwrap_or(now))
            .max()
            .unwrap_or(first);
        Some((first, last))
    }

    /// One line for the console at the switch: the top-level phases with
    /// their durations, the total and the longest wait.
    pub fn summary(&self, now: u64) -> String {
        let mut out = String::from("timeline:");
        for s in self.spans.iter().filter(|s| s.depth == 0) {
            let _ = write!(out, " {} {}", s.name, secs(s.duration(now)));
        }
        if let Some((a, b)) = self.bounds(now) {
            let _ = write!(out, "; {} s from /init to the switch", secs(b - a));
        }
        if let Some(l) = self.longest(now) {
            let _ = write!(
                out,
                "; longest wait: {} {} s",
                l.name,
                secs(l.duration(now))
            );
        }
        out
    }

    /// The timeline as a table (what `netroot report` prints).
    pub fn table(&self, now: u64) -> String {
        let mut out = format!(
            "{:<16} {:>9} {:>9} {:>9}\n",
            "phase", "start", "end", "took"
        );
        for s in &self.spans {
            let name = format!("{}{}", "  ".repeat(usize::from(s.depth)), s.name);
            let end = match s.end {
                Some(e) => format!("{} s", secs(e)),
                None => "-".to_string(),
            };
            let _ = writeln!(
                out,
                "{name:<16} {:>9} {end:>9} {:>9}",
                format!("{} s", secs(s.start)),
                format!("{} s", secs(s.duration(now)))
            );
        }
        if let Some((a, b)) = self.bounds(now) {
            let _ = writeln!(
                out,
                "netroot ran from {} s to {} s of uptime: {} s",
                secs(a),
                secs(b),
                secs(b - a)
            );
            if let Some(l) = self.longest(now) {
                let d = l.duration(now);
                let pct = (d * 100).checked_div(b - a).unwrap_or(0);
                let _ = writeln!(
                    out,
                    "longest wait: {} ({} s, {pct} % of it)",
                    l.name,
                    secs(d)
                );
            }
        }
        out
    }

    /// The JSON document written to timeline.json:
    /// `{"version":1,"phases":[{"phase":"modules","depth":0,"start_ms":1920,"end_ms":2310},...]}`
    /// (`end_ms` is null for a phase that never ended).
    pub fn to_json(&self) -> Value {
        Value::object([
            ("version", Value::Int(VERSION)),
            (
                "phases",
                Value::Array(
                    self.spans
                        .iter()
                        .map(|s| {
                            Value::object([
                                ("phase", Value::Str(s.name.clone())),
                                ("depth", Value::Int(s.depth.into())),
                                ("start_ms", Value::Int(ms(s.start))),
                                ("end_ms", s.end.map_or(Value::Null, |e| Value::Int(ms(e)))),
                            ])
                        })
                        .collect(),
                ),
            ),
        ])
    }

    /// Read back what [`Timeline::to_json`] wrote.
    pub fn from_json(text: &str) -> Result<Timeline, String> {
        let v = crate::json::parse(text)?;
        if v.get("version").and_then(Value::as_int) != Some(VERSION) {
            return Err(format!("not a version {VERSION} timeline"));
        }
        let Some(Value::Array(items)) = v.get("phases") else {
            return Err("no \"phases\" array".to_string());
        };
        let mut t = Timeline::default();
        for (n, p) in items.iter().enumerate() {
            let bad = |what: &str| format!("phase {}: {what}", n + 1);
            let int = |k: &str| {
                p.get(k)
                    .and_then(Value::as_int)
                    .and_then(|i| u64::try_from(i).ok())
            };
            let name = p
                .get("phase")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("no \"phase\" name"))?;
            t.spans.push(Span {
                name: name.to_string(),
                depth: int("depth")
                    .and_then(|d| u8::try_from(d).ok())
                    .ok_or_else(|| bad("no \"depth\""))?,
                start: int("start_ms").ok_or_else(|| bad("no \"start_ms\""))?,
                end: match p.get("end_ms") {
                    Some(Value::Null) | None => None,
                    Some(_) => Some(int("end_ms").ok_or_else(|| bad("bad \"end_ms\""))?),
                },
            });
        }
        Ok(t)
    }
}

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Milliseconds as seconds with two decimals.
fn secs(ms: u64) -> String {
    format!("{}.{:02}", ms / 1000, (ms % 1000) / 10)
}

// --- the recorder: one timeline per process -----------------------------

static RECORDER: Mutex<Timeline> = Mutex::new(Timeline {
    spans: Vec::new(),
    open: Vec::new(),
});

/// Uptime in ms (CLOCK_BOOTTIME: the kernel's timestamps count from there).
pub fn now_ms() -> u64 {
    u64::try_from(crate::sys::time::boottime().as_millis()).unwrap_or(u64::MAX)
}

fn with<T>(f: impl FnOnce(&mut Timeline) -> T) -> Option<T> {
    RECORDER.lock().ok().map(|mut t| f(&mut t))
}

/// Record the start of phase `name` now.
pub fn begin(name: &str) {
    let now = now_ms();
    with(|t| t.begin(name, now));
}

/// Record the end of phase `name` now.
pub fn end(name: &str) {
    let now = now_ms();
    with(|t| t.end(name, now));
}

/// The phase running now (for log records), if any was recorded.
pub fn current() -> Option<String> {
    with(|t| t.current().map(str::to_string)).flatten()
}

/// A copy of the timeline so far.
pub fn snapshot() -> Timeline {
    with(|t| t.clone()).unwrap_or_default()
}

/// Where PID 1 writes the timeline (under the /run that moves into the new root).
pub const FILE: &str = "/run/netroot/timeline.json";

/// End every open phase and write the timeline to `path`; returns the
/// one-line summary.
pub fn finish(path: &Path) -> String {
    let now = now_ms();
    let t = with(|t| {
        t.end_all(now);
        t.clone()
    })
    .unwrap_or_default();
    write(&t, path);
    t.summary(now)
}

/// Write `t` to `path` (a failure is logged: the timeline is a diagnosis
/// aid, never a reason to stop the boot).
pub fn write(t: &Timeline, path: &Path) {
    let mut text = t.to_json().render();
    text.push('\n');
    let r = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, text));
    if let Err(e) = r {
        crate::warn!("cannot write {}: {e}", path.display());
    }
}

/// What `netroot report` prints for the timeline in `path`: the table, or
/// why the file cannot be read.
pub fn report_file(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let t = Timeline::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let now = t.bounds(0).map_or(0, |(_, b)| b);
    Ok(t.table(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A boot as PID 1 records it (uptimes of a slirp boot under TCG).
    fn boot() -> Timeline {
        let mut t = Timeline::default();
        t.begin("modules", 1920);
        t.end("modules", 2310);
        t.begin("network", 2310);
        t.begin("carrier", 2315);
        t.end("carrier", 3330);
        t.begin("dhcp", 3330);
        t.end("dhcp", 3500);
        t.end("network", 3505);
        t.begin("root-modules", 3505);
        t.end("root-modules", 3600);
        t.begin("root", 3600);
        t.begin("mount", 3601);
        t.end("root", 3820);
        t.begin("switch", 3820);
        t.end_all(3830);
        t
    }

    #[test]
    fn phases_nest_and_the_longest_leaf_is_named() {
        let t = boot();
        let depths: Vec<_> = t.spans.iter().map(|s| (s.name.as_str(), s.depth)).collect();
        assert_eq!(
            depths,
            [
                ("modules", 0),
                ("network", 0),
                ("carrier", 1),
                ("dhcp", 1),
                ("root-modules", 0),
                ("root", 0),
                ("mount", 1),
                ("switch", 0)
            ]
        );
        // Ending `root` ended `mount` inside it.
        assert_eq!(t.spans[6].end, Some(3820));
        // network (1.195 s) is longer, but carrier is the wait inside it.
        assert_eq!(t.longest(0).unwrap().name, "carrier");
        assert_eq!(
            t.summary(0),
            "timeline: modules 0.39 network 1.19 root-modules 0.09 root 0.22 switch 0.01; 1.91 s from /init to the switch; longest wait: carrier 1.01 s"
        );
    }

    #[test]
    fn table_lists_every_phase() {
        let table = boot().table(0);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "phase                start       end      took");
        assert_eq!(lines[3], "  carrier           2.31 s    3.33 s    1.01 s");
        assert_eq!(lines.len(), 11);
        assert_eq!(
            lines[9],
            "netroot ran from 1.92 s to 3.83 s of uptime: 1.91 s"
        );
        assert_eq!(lines[10], "longest wait: carrier (1.01 s, 53 % of it)");
    }

    #[test]
    fn a_retried_phase_restarts_and_current_follows() {
        let mut t = Timeline::default();
        assert_eq!(t.current(), None);
        t.begin("root", 10);
        t.begin("mount", 11);
        assert_eq!(t.current(), Some("mount"));
        // The attempt failed; the retry begins `mount` again.
        t.begin("mount", 500);
        assert_eq!(t.spans.len(), 3);
        assert_eq!(t.spans[1].end, Some(500));
        assert_eq!(t.spans[2].depth, 1);
        t.end("nonexistent", 600);
        t.end("root", 700);
        assert_eq!(t.current(), Some("mount"), "the last one that ran");
        assert!(t.spans.iter().all(|s| s.end.is_some()));
    }

    #[test]
    fn json_round_trips_and_bad_files_are_named() {
        let mut t = boot();
        t.spans.push(Span {
            name: "never-ended".into(),
            depth: 0,
            start: 4000,
            end: None,
        });
        let back = Timeline::from_json(&t.to_json().render()).unwrap();
        assert_eq!(back.spans, t.spans);
        assert!(Timeline::from_json("{}").unwrap_err().contains("version"));
        let e =
            Timeline::from_json(r#"{"version":1,"phases":[{"phase":"x","depth":0}]}"#).unwrap_err();
        assert_eq!(e, "phase 1: no \"start_ms\"");
    }

    #[test]
    fn report_reads_a_file() {
        let dir = std::env::temp_dir().join(format!("netroot-report-{}", std::process::id()));
        let file = dir.join("timeline.json");
        write(&boot(), &file);
        let out = report_file(&file).unwrap();
        assert!(out.contains("longest wait: carrier"), "{out}");
        let e = report_file(&dir.join("missing")).unwrap_err();
        assert!(e.starts_with("cannot read "), "{e}");
        std::fs::write(&file, "{\"version\":2}").unwrap();
        assert!(report_file(&file)
            .unwrap_err()
            .ends_with("not a version 1 timeline"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

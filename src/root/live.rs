//! A live root: a squashfs or erofs image fetched over HTTP into a tmpfs,
//! checked against `netroot.sha256=`, attached to a loop device and
//! mounted read-only as the lower layer of the tmpfs overlay.
//!
//! The pure parts (file system magic, the RAM check, the progress line,
//! what a response status means) are functions of their inputs; [`fetch`]
//! is the thin blocking driver around [`crate::http`]: one TCP connection
//! per request with timeouts, resumption with Range after a cut, redirects,
//! retries with [`BACKOFF`] until the deadline.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::http::{self, Event, Url};
use crate::sha256::{hex, Sha256};
#[cfg(feature = "https")]
use crate::tls::{self, Conn, Failure};
use crate::util::{Backoff, Jitter, Rng};

/// Live root errors; each names the URL or the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `https://` without TLS support in this build.
    #[error("live image {0}: https:// needs a netroot built with TLS (cargo feature https, `make build-https`), and this one is not (or serve the image over http:// and pin it with netroot.sha256=)")]
    NoTls(String),
    /// The TLS handshake was refused: the certificate is not trusted, not
    /// for this host, expired; or the image has no CA bundle.
    #[error("live image {url}: {reason}")]
    Tls {
        /// The URL asked for.
        url: String,
        /// What was wrong, in words.
        reason: String,
    },
    /// The server answered with an error status that retrying will not fix.
    #[error("live image {url}: the server answered {status} {reason}")]
    Status {
        /// The URL asked for.
        url: String,
        /// Status code.
        status: u16,
        /// Reason phrase.
        reason: String,
    },
    /// Too many redirects, or a redirect without a usable Location.
    #[error("live image {url}: {reason}")]
    Redirect {
        /// The URL that redirected.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// No complete image before the deadline.
    #[error("live image {url}: gave up after {secs} s: {last}")]
    TimedOut {
        /// The URL.
        url: String,
        /// How long it tried.
        secs: u64,
        /// The last failure.
        last: String,
    },
    /// Not enough RAM for the image.
    #[error("live image {url} is {size}; it needs {need} of RAM in a tmpfs, but only {avail} are available (MemAvailable in /proc/meminfo)")]
    Memory {
        /// The URL.
        url: String,
        /// Image size, in words.
        size: String,
        /// What the tmpfs needs, in words.
        need: String,
        /// MemAvailable, in words.
        avail: String,
    },
    /// The image's digest is not the pinned one.
    #[error("live image {url}: SHA-256 mismatch: netroot.sha256= wants {want}, the image downloaded has {got}; not mounted")]
    Digest {
        /// The URL.
        url: String,
        /// `netroot.sha256=`.
        want: String,
        /// What was downloaded.
        got: String,
    },
    /// Neither squashfs nor erofs.
    #[error("live image {0} is neither squashfs nor erofs (no hsqs magic at offset 0, no erofs magic at offset 1024)")]
    NotImage(String),
    /// A local step failed.
    #[error("live image: {what} {path}: {reason}")]
    Local {
        /// The step.
        what: &'static str,
        /// The file or device.
        path: String,
        /// OS error text.
        reason: String,
    },
}

/// Retries of a failed transfer: 0.5 s doubling to 8 s, ±25 % (the NFS
/// and NBD mounts' schedule).
pub const BACKOFF: Backoff = Backoff {
    first: Duration::from_millis(500),
    max: Duration::from_secs(8),
    jitter: Jitter::Percent(25),
};

/// Redirects followed at most (RFC 9110 section 15.4 leaves the limit to
/// the client).
pub const MAX_REDIRECTS: u32 = 5;

/// How often at most the progress line is printed.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// RAM left to the system besides the image and its slack.
pub const RESERVE: u64 = 32 << 20;

/// The file system in an image, by its magic: squashfs `hsqs` at offset 0
/// (fs/squashfs/squashfs_fs.h, SQUASHFS_MAGIC 0x73717368 little-endian),
/// erofs 0xE0F5E1E2 little-endian at offset 1024 (fs/erofs/erofs_fs.h,
/// EROFS_SUPER_OFFSET).
pub fn detect_fs(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"hsqs") {
        return Some("squashfs");
    }
    match head.get(1024..1028) {
        Some(m) if m == 0xE0F5_E1E2u32.to_le_bytes() => Some("erofs"),
        _ => None,
    }
}

/// `MemAvailable` from /proc/meminfo, in bytes.
pub fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// The tmpfs for an image of `size` bytes: the image plus 1/64 of it
/// and 1 MiB (tmpfs' own blocks), rounded up to a 4 KiB page.
pub fn tmpfs_size(size: u64) -> u64 {
    let n = size.saturating_add(size / 64).saturating_add(1 << 20);
    n.div_ceil(4096).saturating_mul(4096)
}

/// Sizes in words: `12.3 MiB`.
pub fn mib(n: u64) -> String {
    format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
}

/// Whether an image of `size` bytes fits: its tmpfs plus [`RESERVE`]
/// within `available`. The error names all three figures.
pub fn check_memory(url: &str, size: u64, available: u64) -> Result<u64, Error> {
    let need = tmpfs_size(size);
    if need.saturating_add(RESERVE) > available {
        return Err(Error::Memory {
            url: url.to_string(),
            size: mib(size),
            need: mib(need.saturating_add(RESERVE)),
            avail: mib(available),
        });
    }
    Ok(need)
}

/// The progress line: at most one per [`PROGRESS_EVERY`].
#[derive(Debug, Clone)]
pub struct Progress {
    start: Instant,
    last: Instant,
    from: u64,
}

impl Progress {
    /// Counting from `now`, `from` bytes already there (a resumed file).
    pub fn new(now: Instant, from: u64) -> Progress {
        Progress {
            start: now,
            last: now,
            from,
        }
    }

    /// The line to print at `now` with `got` of `total` bytes, if one is due.
    pub fn tick(&mut self, now: Instant, got: u64, total: Option<u64>) -> Option<String> {
        if now.duration_since(self.last) < PROGRESS_EVERY {
            return None;
        }
        self.last = now;
        let secs = now.duration_since(self.start).as_secs_f64().max(0.001);
        let rate = got.saturating_sub(self.from) as f64 / secs;
        Some(match total {
            Some(t) if t > 0 => {
                let eta = if rate > 0.0 {
                    format!("{:.0} s", t.saturating_sub(got) as f64 / rate)
                } else {
                    "unknown".into()
                };
                format!(
                    "{} of {} ({}%), {}/s, ETA {eta}",
                    mib(got),
                    mib(t),
                    got.saturating_mul(100) / t,
                    mib(rate as u64)
                )
            }
            _ => format!("{}, {}/s", mib(got), mib(rate as u64)),
        })
    }
}

/// What a response's status asks of the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// 200: the whole image follows (restart from 0 if a range was asked).
    Whole,
    /// 206 starting where we are.
    Resume,
    /// 206 elsewhere: ask again for everything.
    Restart,
    /// 3xx with a Location.
    Redirect(String),
    /// 408, 429, 5xx: try again later.
    Transient,
    /// Any other status: give up.
    Fatal,
}

/// Judge a response head to a request from byte `from` (RFC 9110 section
/// 15: 2xx success, 3xx redirection, 4xx client error, 5xx server error;
/// 14.4 Content-Range).
pub fn judge(head: &http::Head, from: u64) -> Verdict {
    match head.status {
        200 => Verdict::Whole,
        206 => match head.content_range {
            Some((first, _, _)) if first == from => Verdict::Resume,
            _ => Verdict::Restart,
        },
        301 | 302 | 303 | 307 | 308 => match &head.location {
            Some(l) if !l.is_empty() => Verdict::Redirect(l.clone()),
            _ => Verdict::Fatal,
        },
        408 | 429 | 500..=599 => Verdict::Transient,
        _ => Verdict::Fatal,
    }
}

/// A connection to the server: TLS over TCP for https:// when built
/// with it.
#[cfg(not(feature = "https"))]
type Conn = TcpStream;

/// The download so far: survives a cut connection.
struct Download<'a> {
    dir: &'a Path,
    file: Option<File>,
    hash: Sha256,
    got: u64,
    total: Option<u64>,
    progress: Progress,
    mounted: bool,
    /// The TLS client, made at the first https:// request.
    #[cfg(feature = "https")]
    tls: Option<tls::Client>,
}

/// What one request ended with.
enum Attempt {
    Complete,
    Redirect(String),
    /// Try again (the reason, for the log and the final error).
    Again(String),
}

/// The image file inside the tmpfs.
pub fn image_path(dir: &Path) -> PathBuf {
    dir.join("image")
}

fn local(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.display().to_string();
    move |e| Error::Local {
        what,
        path,
        reason: e.to_string(),
    }
}

impl Download<'_> {
    /// Start (or restart) the file for an image of `total` bytes: the RAM
    /// check and the sized tmpfs the first time, an empty file each time.
    fn begin(&mut self, url: &Url, total: Option<u64>) -> Result<(), Error> {
        if !self.mounted {
            let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
            let size = match (total, mem_available(&meminfo)) {
                (Some(t), Some(avail)) => Some(check_memory(&url.to_string(), t, avail)?),
                _ => None,
            };
            std::fs::create_dir_all(self.dir).map_err(local("cannot create", self.dir))?;
            let opts = match size {
                Some(s) => format!("size={s},mode=0700"),
                None => "mode=0700".into(),
            };
            crate::sys::fs::mount(
                "tmpfs",
                self.dir,
                "tmpfs",
                crate::sys::fs::MountFlags::NOSUID | crate::sys::fs::MountFlags::NODEV,
                Some(&opts),
            )
            .map_err(local("cannot mount a tmpfs on", self.dir))?;
            self.mounted = true;
        }
        let path = image_path(self.dir);
        let f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(local("cannot create", &path))?;
        self.file = Some(f);
        self.hash = Sha256::new();
        self.got = 0;
        self.total = total;
        self.progress = Progress::new(Instant::now(), 0);
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        let path = image_path(self.dir);
        let f = self.file.as_mut().ok_or_else(|| Error::Local {
            what: "no file for",
            path: path.display().to_string(),
            reason: "data before the head".into(),
        })?;
        f.write_all(data).map_err(local("cannot write", &path))?;
        self.hash.update(data);
        self.got += data.len() as u64;
        if let Some(line) = self.progress.tick(Instant::now(), self.got, self.total) {
            crate::info!("live: {line}");
        }
        Ok(())
    }

    /// The connection for `url` over `sock`: the socket itself for
    /// http://, a verified TLS session for https://. `Ok(Err(why))`: a
    /// network failure worth a retry.
    #[cfg(feature = "https")]
    fn secure(&mut self, url: &Url, sock: TcpStream) -> Result<Result<Conn, String>, Error> {
        if !url.tls {
            return Ok(Ok(Conn::Plain(sock)));
        }
        let refused = |reason: String| Error::Tls {
            url: url.to_string(),
            reason,
        };
        let client = match &self.tls {
            Some(c) => c.clone(),
            None => {
                let c = tls::Client::from_image(Path::new("/")).map_err(refused)?;
                crate::info!("live: TLS: {} CAs from /{}", c.len(), tls::CA_BUNDLE);
                // TLS keys need the kernel's CRNG (getrandom without
                // GRND_INSECURE); say so when the boot has to wait for it.
                if !crate::sys::random::ready() {
                    crate::info!(
                        "live: waiting for the kernel's random number generator (TLS keys)"
                    );
                    let waited = crate::sys::random::wait_ready()
                        .map_err(|e| refused(format!("getrandom: {e}")))?;
                    crate::info!(
                        "live: random number generator ready after {:.2} s",
                        waited.as_secs_f64()
                    );
                }
                self.tls = Some(c.clone());
                c
            }
        };
        match client.connect(&url.host, sock) {
            Ok(s) => {
                crate::info!(
                    "live: TLS with {}: certificate verified, {}",
                    url.host,
                    tls::session(&s)
                );
                Ok(Ok(Conn::Tls(Box::new(s))))
            }
            Err(Failure::Fatal(reason)) => Err(refused(reason)),
            Err(Failure::Io(e)) => Ok(Err(format!("TLS handshake: {e}"))),
        }
    }

    /// Without TLS in this build: the socket itself.
    #[cfg(not(feature = "https"))]
    fn secure(&mut self, url: &Url, sock: TcpStream) -> Result<Result<Conn, String>, Error> {
        if url.tls {
            return Err(Error::NoTls(url.to_string()));
        }
        Ok(Ok(sock))
    }

    /// One GET from `self.got` on.
    fn attempt(&mut self, url: &Url, addr: IpAddr, deadline: Instant) -> Result<Attempt, Error> {
        let again =
            |what: &str, e: &dyn std::fmt::Display| Ok(Attempt::Again(format!("{what}: {e}")));
        let left = deadline.saturating_duration_since(Instant::now());
        let connect_for = left.clamp(Duration::from_millis(100), Duration::from_secs(5));
        let sock =
            match TcpStream::connect_timeout(&SocketAddr::from((addr, url.port)), connect_for) {
                Ok(s) => s,
                Err(e) => {
                    return again(
                        &format!("connect to {}", SocketAddr::new(addr, url.port)),
                        &e,
                    )
                }
            };
        let _ = sock.set_read_timeout(Some(Duration::from_secs(15)));
        let _ = sock.set_write_timeout(Some(Duration::from_secs(15)));
        let mut sock = match self.secure(url, sock)? {
            Ok(c) => c,
            Err(why) => return Ok(Attempt::Again(why)),
        };
        let from = self.got;
        if let Err(e) = sock.write_all(&http::request(url, from)) {
            return again("send the request", &e);
        }
        let mut parser = http::Response::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut verdict: Option<Verdict> = None;
        loop {
            let n = match sock.read(&mut buf) {
                Ok(0) => {
                    let r = parser.finish(&mut |_| {});
                    return match (r, &verdict) {
                        (Ok(()), Some(Verdict::Whole | Verdict::Resume)) => Ok(Attempt::Complete),
                        (Err(e), _) => again("transfer", &e),
                        (Ok(()), _) => again("transfer", &"no usable response"),
                    };
                }
                Ok(n) => n,
                Err(e) => return again("read", &e),
            };
            let mut events: Vec<Event<'_>> = Vec::new();
            if let Err(e) = parser.push(&buf[..n], &mut |ev| events.push(ev)) {
                return again("response", &e);
            }
            for ev in events {
                match ev {
                    Event::Head(h) => {
                        let v = judge(&h, from);
                        match &v {
                            Verdict::Whole => self.begin(url, h.content_length)?,
                            Verdict::Resume => {
                                crate::info!("live: resuming {url} at byte {from}");
                            }
                            Verdict::Restart => {
                                self.begin(url, None)?;
                                return again(
                                    "resume",
                                    &"the server sent another range; starting over",
                                );
                            }
                            Verdict::Redirect(l) => return Ok(Attempt::Redirect(l.clone())),
                            Verdict::Transient => {
                                return again("server", &format!("{} {}", h.status, h.reason))
                            }
                            Verdict::Fatal => {
                                return Err(Error::Status {
                                    url: url.to_string(),
                                    status: h.status,
                                    reason: h.reason,
                                })
                            }
                        }
                        verdict = Some(v);
                    }
                    Event::Data(d) => self.write(d)?,
                    Event::End => return Ok(Attempt::Complete),
                }
            }
        }
    }
}

/// Fetch `start` into a tmpfs at `dir` (retrying until `deadline`),
/// check `sha256` if given. Returns the image file and its file system.
/// On failure the tmpfs is unmounted again, so a later attempt starts clean
/// and a refused image is never mounted.
pub fn fetch(
    start: &Url,
    dns: super::dns::Servers<'_>,
    dir: &Path,
    sha256: Option<&str>,
    deadline: Instant,
) -> Result<(PathBuf, &'static str), Error> {
    let mut dl = Download {
        dir,
        file: None,
        hash: Sha256::new(),
        got: 0,
        total: None,
        progress: Progress::new(Instant::now(), 0),
        mounted: false,
        #[cfg(feature = "https")]
        tls: None,
    };
    let r = fetch_into(&mut dl, start, dns, sha256, deadline);
    if r.is_err() && dl.mounted {
        dl.file = None;
        let _ = crate::sys::fs::umount(dir, true);
    }
    r
}

fn fetch_into(
    dl: &mut Download<'_>,
    start: &Url,
    dns: super::dns::Servers<'_>,
    sha256: Option<&str>,
    deadline: Instant,
) -> Result<(PathBuf, &'static str), Error> {
    #[cfg(not(feature = "https"))]
    if start.tls {
        return Err(Error::NoTls(start.to_string()));
    }
    let began = Instant::now();
    let mut url = start.clone();
    let mut redirects = 0;
    let mut failures = 0;
    let mut rng = Rng::new(crate::util::seed(b"live"));
    loop {
        let addr = match super::nfs::resolve(&url.host, dns) {
            Ok(a) => Ok(a),
            Err(e) => Err(e.to_string()),
        };
        let outcome = match addr {
            Ok(a) => dl.attempt(&url, a, deadline)?,
            Err(e) => Attempt::Again(e),
        };
        match outcome {
            Attempt::Complete => break,
            Attempt::Redirect(loc) => {
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err(Error::Redirect {
                        url: url.to_string(),
                        reason: format!("more than {MAX_REDIRECTS} redirects"),
                    });
                }
                let next = url.join(&loc).map_err(|reason| Error::Redirect {
                    url: url.to_string(),
                    reason: format!("redirects to \"{loc}\" that {reason}"),
                })?;
                if url.tls && !next.tls {
                    return Err(Error::Redirect {
                        url: url.to_string(),
                        reason: format!(
                            "redirects to {next}: from https:// to http:// is a downgrade netroot refuses"
                        ),
                    });
                }
                crate::info!("live: {url} redirects to {next}");
                url = next;
            }
            Attempt::Again(why) => {
                let wait = BACKOFF.delay(failures, &mut rng);
                failures += 1;
                if Instant::now() + wait >= deadline {
                    return Err(Error::TimedOut {
                        url: url.to_string(),
                        secs: deadline.saturating_duration_since(began).as_secs().max(1),
                        last: why,
                    });
                }
                crate::warn!(
                    "live: {url}: {why}; retrying in {:.1} s",
                    wait.as_secs_f64()
                );
                std::thread::sleep(wait);
            }
        }
    }
    let path = image_path(dl.dir);
    if let Some(f) = dl.file.take() {
        drop(f);
    }
    if let Some(t) = dl.total.filter(|&t| t != dl.got) {
        return Err(Error::TimedOut {
            url: url.to_string(),
            secs: began.elapsed().as_secs(),
            last: format!("got {} bytes of {t}", dl.got),
        });
    }
    let got = hex(&std::mem::take(&mut dl.hash).finish());
    let secs = began.elapsed().as_secs_f64();
    crate::info!(
        "live: {url}: {} in {secs:.2} s ({}/s), sha256 {got}",
        mib(dl.got),
        mib((dl.got as f64 / secs.max(0.001)) as u64)
    );
    if let Some(want) = sha256 {
        if want != got {
            crate::error!("live: SHA-256 mismatch for {url}");
            crate::error!("live:   wanted (netroot.sha256=) {want}");
            crate::error!("live:   downloaded image has    {got}");
            let _ = std::fs::remove_file(&path);
            return Err(Error::Digest {
                url: url.to_string(),
                want: want.to_string(),
                got,
            });
        }
        crate::info!("live: SHA-256 matches netroot.sha256=");
    }
    let mut head = vec![0u8; 1028];
    let n = File::open(&path)
        .and_then(|mut f| read_up_to(&mut f, &mut head))
        .map_err(local("cannot read", &path))?;
    let fs = detect_fs(&head[..n]).ok_or_else(|| Error::NotImage(url.to_string()))?;
    Ok((path, fs))
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Attach the image to a loop device and mount it read-only at `target`.
pub fn mount_image(image: &Path, fstype: &str, target: &Path) -> Result<(), Error> {
    let (dev, _held) = crate::sys::loopdev::attach_read_only(image)
        .map_err(local("cannot attach a loop device to", image))?;
    let source = dev.display().to_string();
    crate::sys::fs::mount(
        &source,
        target,
        fstype,
        crate::sys::fs::MountFlags::RDONLY,
        None,
    )
    .map_err(|e| Error::Local {
        what: "cannot mount",
        path: format!("{source} ({fstype}) on {}", target.display()),
        reason: if e.raw_os_error() == Some(libc::ENODEV) {
            format!("the kernel has no {fstype} (module {fstype} missing from the image?)")
        } else {
            e.to_string()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic() {
        let mut sq = b"hsqs".to_vec();
        sq.resize(4096, 0);
        assert_eq!(detect_fs(&sq), Some("squashfs"));
        let mut ero = vec![0u8; 4096];
        ero[1024..1028].copy_from_slice(&[0xe2, 0xe1, 0xf5, 0xe0]);
        assert_eq!(detect_fs(&ero), Some("erofs"));
        assert_eq!(detect_fs(&ero[..1027]), None);
        assert_eq!(detect_fs(&[0u8; 4096]), None);
        assert_eq!(detect_fs(b""), None);
    }

    #[test]
    fn memory() {
        let mi = "MemTotal:  768000 kB\nMemFree: 1 kB\nMemAvailable:     524288 kB\n";
        assert_eq!(mem_available(mi), Some(512 << 20));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
        assert_eq!(tmpfs_size(0), 1 << 20);
        assert_eq!(tmpfs_size(64 << 20), (65 << 20) + (1 << 20));
        assert!(check_memory("u", 100 << 20, 512 << 20).is_ok());
        let e = check_memory("http://s/r.img", 500 << 20, 512 << 20).unwrap_err();
        assert_eq!(
            e.to_string(),
            "live image http://s/r.img is 500.0 MiB; it needs 540.8 MiB of RAM in a tmpfs, but only 512.0 MiB are available (MemAvailable in /proc/meminfo)"
        );
    }

    #[test]
    fn progress_is_rate_limited() {
        let t0 = Instant::now();
        let mut p = Progress::new(t0, 0);
        assert_eq!(
            p.tick(t0 + Duration::from_secs(1), 1 << 20, Some(10 << 20)),
            None
        );
        let line = p
            .tick(t0 + Duration::from_secs(5), 5 << 20, Some(10 << 20))
            .unwrap();
        assert_eq!(line, "5.0 MiB of 10.0 MiB (50%), 1.0 MiB/s, ETA 5 s");
        assert_eq!(
            p.tick(t0 + Duration::from_secs(9), 6 << 20, Some(10 << 20)),
            None
        );
        assert_eq!(
            p.tick(t0 + Duration::from_secs(10), 10 << 20, None)
                .unwrap(),
            "10.0 MiB, 1.0 MiB/s"
        );
    }

    #[test]
    fn verdicts() {
        let h = |status: u16| http::Head {
            status,
            ..http::Head::default()
        };
        assert_eq!(judge(&h(200), 0), Verdict::Whole);
        assert_eq!(judge(&h(200), 99), Verdict::Whole);
        let mut p = h(206);
        p.content_range = Some((99, 199, Some(200)));
        assert_eq!(judge(&p, 99), Verdict::Resume);
        assert_eq!(judge(&p, 0), Verdict::Restart);
        let mut r = h(302);
        assert_eq!(judge(&r, 0), Verdict::Fatal);
        r.location = Some("/x".into());
        assert_eq!(judge(&r, 0), Verdict::Redirect("/x".into()));
        for s in [503, 500, 429, 408] {
            assert_eq!(judge(&h(s), 0), Verdict::Transient, "{s}");
        }
        for s in [404, 403, 401, 410, 204] {
            assert_eq!(judge(&h(s), 0), Verdict::Fatal, "{s}");
        }
    }
}

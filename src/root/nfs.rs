//! NFS root: the mount(2) option string the kernel's NFS client parses (PURE),
//! the version fallback, retries with jittered backoff, and errno in words.
//!
//! The kernel's NFS client takes text options in mount(2)'s data argument
//! (fs/nfs/fs_context.c, nfs(5)); because no mount.nfs helper runs, `addr=`
//! (the server address) and `clientaddr=` (for NFSv4 callbacks) must be given
//! explicitly. NFSv3 also needs `nolock` (no rpc.statd in the initramfs) and,
//! without rpcbind reachable on the server, `port=`/`mountport=` from the
//! user options, which pass through unchanged.

use crate::cmdline::{Host, NfsVersion};
use crate::util::{Backoff, Jitter, Rng};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::{Duration, Instant};

/// NFS mount errors; each names the server and the export.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// mount(2) failed for good (after the version fallback and retries).
    #[error("nfs root {}:{path}: {words} ({source_text}, tried {tried})", Host::from(*.server))]
    Mount {
        /// Server address.
        server: IpAddr,
        /// Export path.
        path: String,
        /// The errno in words, e.g. "no such export".
        words: &'static str,
        /// The OS error text.
        source_text: String,
        /// Raw errno.
        errno: i32,
        /// Versions tried, e.g. "4.2,4.1,4.0,3".
        tried: String,
    },
    /// A server given by name could not be resolved.
    #[error("nfs server {host}: {source}")]
    Resolve {
        /// The name.
        host: String,
        /// Why.
        source: super::dns::Error,
    },
    /// The mount source or options contain a NUL byte.
    #[error("nfs root {}:{path}: option string contains a NUL byte", Host::from(*.server))]
    BadOption {
        /// Server address.
        server: IpAddr,
        /// Export path.
        path: String,
    },
}

/// What to mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Server address (names are resolved beforehand with [`resolve`]).
    pub server: IpAddr,
    /// Export path, `%s` already replaced.
    pub path: String,
    /// Our own address of the server's family (for `clientaddr=`); None:
    /// no address of that family, the option is left out.
    pub client: Option<IpAddr>,
    /// Version; None tries 4.2, 4.1, 4.0 then 3.
    pub version: Option<NfsVersion>,
    /// User options in order (from `nfsroot=` or the DHCP root-path).
    pub user_options: Vec<String>,
    /// Mount read-only (`ro`).
    pub read_only: bool,
}

/// What was mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountedInfo {
    /// The version that worked.
    pub version: NfsVersion,
    /// mount(2) source, `server:/path`.
    pub source: String,
    /// The filesystem type passed (`nfs` or `nfs4`).
    pub fstype: &'static str,
    /// mount(2) data string that worked.
    pub options: String,
    /// Attempts made (mount calls).
    pub attempts: u32,
}

/// The `vers=` value of a concrete version.
pub fn vers_str(v: NfsVersion) -> &'static str {
    match v {
        NfsVersion::V3 => "3",
        NfsVersion::V4_0 => "4.0",
        NfsVersion::V4_1 => "4.1",
        NfsVersion::V4_2 => "4.2",
        NfsVersion::V4Any => "4",
    }
}

/// The versions to try, in order, for a requested version.
pub fn fallback(v: Option<NfsVersion>) -> Vec<NfsVersion> {
    use NfsVersion::*;
    match v {
        None => vec![V4_2, V4_1, V4_0, V3],
        Some(V4Any) => vec![V4_2, V4_1, V4_0],
        Some(v) => vec![v],
    }
}

/// The filesystem type for mount(2).
pub fn fstype(v: NfsVersion) -> &'static str {
    if v == NfsVersion::V3 {
        "nfs"
    } else {
        "nfs4"
    }
}

/// mount(2)'s source: `server:path`, an IPv6 server in brackets
/// (`[2001:db8::1]:/srv/root`, the form nfs(5) gives for IPv6 servers).
pub fn source(req: &Request) -> String {
    format!("{}:{}", Host::from(req.server), req.path)
}

/// The transport netid for the server's family: nfs(5) names `tcp6` and
/// `udp6` for IPv6, and the kernel refuses a `proto=` whose family is not
/// the one of `addr=` (fs/nfs/fs_context.c). A user's `tcp`/`udp`
/// (`proto=`, `mountproto=`) is turned into the IPv6 netid for an IPv6
/// server, so `nfsroot=[...]:/p,udp` still means UDP.
fn netid(opt: &str, v6: bool) -> String {
    if !v6 {
        return opt.to_string();
    }
    match opt {
        "tcp" => "proto=tcp6".into(),
        "udp" => "proto=udp6".into(),
        "proto=tcp" => "proto=tcp6".into(),
        "proto=udp" => "proto=udp6".into(),
        "mountproto=tcp" => "mountproto=tcp6".into(),
        "mountproto=udp" => "mountproto=udp6".into(),
        o => o.to_string(),
    }
}

/// The option's merge key: options that switch the same setting share one
/// (`hard`/`soft`, `lock`/`nolock`, `tcp`/`udp`/`proto=`), so a later one
/// replaces an earlier one instead of both reaching the kernel.
fn key(opt: &str) -> String {
    let name = opt.split_once('=').map_or(opt, |(k, _)| k);
    match name {
        "hard" | "soft" | "softerr" => "hard".into(),
        "tcp" | "udp" | "rdma" | "proto" => "proto".into(),
        "ro" | "rw" => "ro".into(),
        "vers" | "nfsvers" | "v2" | "v3" | "v4" | "v4.0" | "v4.1" | "v4.2" => "vers".into(),
        n => match n.strip_prefix("no") {
            // `nolock`/`lock`, `noac`/`ac`, `nocto`/`cto`, ...
            Some(rest) if opt == name && !rest.is_empty() => rest.into(),
            _ => n.into(),
        },
    }
}

/// Build the mount(2) data string for `version`: the defaults
/// `vers=,addr=,clientaddr=,proto=tcp,hard,timeo=600,retrans=2` (+ `nolock`
/// for v3), then the user options, a later option with the same key
/// replacing an earlier one (user beats default, later beats earlier).
/// `vers=` always comes from `version`, never from the user options: the
/// fallback needs to control it.
pub fn options(req: &Request, version: NfsVersion) -> String {
    // `addr=` and `clientaddr=` take the bare address, IPv6 too (nfs(5)).
    let v6 = req.server.is_ipv6();
    let mut opts: Vec<String> = vec![
        format!("vers={}", vers_str(version)),
        format!("addr={}", req.server),
    ];
    if let Some(c) = req.client {
        opts.push(format!("clientaddr={c}"));
    }
    opts.extend([
        netid("proto=tcp", v6),
        "hard".into(),
        "timeo=600".into(),
        "retrans=2".into(),
    ]);
    if version == NfsVersion::V3 {
        // No rpc.statd runs in the initramfs, so NLM locking cannot work.
        opts.push("nolock".into());
    }
    for u in &req.user_options {
        let u = netid(u.trim(), v6);
        let u = u.as_str();
        if u.is_empty() {
            continue;
        }
        let k = key(u);
        if k == "vers" || k == "ro" {
            // vers: set by the fallback; ro/rw: mount flags (req.read_only).
            continue;
        }
        match opts.iter().position(|o| key(o) == k) {
            Some(i) => opts[i] = u.to_string(),
            None => opts.push(u.to_string()),
        }
    }
    opts.join(",")
}

/// What an errno means for the fallback and retry loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The server does not speak this version: try the next one.
    NextVersion,
    /// Wait and try again (server down, network not ready, export missing).
    Retry,
    /// Retrying cannot help (no kernel support, bad target).
    Fatal,
}

/// Classify a mount(2) errno.
pub fn verdict(errno: i32) -> Verdict {
    match errno {
        libc::EPROTONOSUPPORT | libc::EINVAL | libc::EOPNOTSUPP | libc::EPROTO | 524 => {
            Verdict::NextVersion
        }
        libc::ENODEV | libc::ENOTDIR | libc::EBUSY | libc::ENOMEM => Verdict::Fatal,
        _ => Verdict::Retry,
    }
}

/// An errno in words for the person at the console.
pub fn words(errno: i32) -> &'static str {
    match errno {
        libc::ENOENT => "no such export",
        libc::EACCES | libc::EPERM => "permission denied (check the export's client list)",
        libc::ETIMEDOUT
        | libc::ECONNREFUSED
        | libc::EHOSTUNREACH
        | libc::ENETUNREACH
        | libc::EHOSTDOWN
        | libc::ECONNRESET
        | libc::EIO => "server not answering",
        libc::EPROTONOSUPPORT | libc::EOPNOTSUPP | 524 => {
            "server does not support this NFS version"
        }
        libc::EINVAL => "invalid mount options or version",
        libc::ENODEV => "kernel has no NFS support (nfs/nfsv4 modules not loaded?)",
        libc::ESTALE => "stale file handle (export changed on the server)",
        libc::ENOTDIR => "mount point is not a directory",
        libc::EBUSY => "mount point busy",
        _ => "mount failed",
    }
}

/// The retry schedule of the root servers (NFS mounts, NBD connects):
/// 0.5 s doubling to 8 s, ±25 %, so twenty clients booted by one power cut
/// do not hit the server in lockstep.
pub const BACKOFF: Backoff = Backoff {
    first: Duration::from_millis(500),
    max: Duration::from_secs(8),
    jitter: Jitter::Percent(25),
};

/// [`BACKOFF`] before attempt `n` (0-based), drawn from a generator seeded
/// with `rand`.
pub fn backoff(n: u32, rand: u32) -> Duration {
    BACKOFF.delay(n, &mut Rng::new(rand.into()))
}

/// The mount(2) call, injectable for tests of the loop.
pub type MountFn<'a> = dyn FnMut(&str, &str, &str, bool) -> std::io::Result<()> + 'a;

/// Mount the export at `target`, trying the versions in order and retrying
/// with jittered backoff until `deadline`. `before_v3` runs once, before
/// the first NFSv3 attempt (it loads the v3 modules only when needed).
pub fn mount(
    req: &Request,
    target: &Path,
    deadline: Instant,
    before_v3: &mut dyn FnMut(),
) -> Result<MountedInfo, Error> {
    let mut call = |src: &str, fstype: &str, data: &str, ro: bool| {
        let mut flags = crate::sys::fs::MountFlags::empty();
        if ro {
            flags |= crate::sys::fs::MountFlags::RDONLY;
        }
        crate::sys::fs::mount(src, target, fstype, flags, Some(data))
    };
    mount_with(
        req,
        deadline,
        &mut call,
        &mut |d| std::thread::sleep(d),
        before_v3,
    )
}

/// [`mount`] with the syscall and the sleep supplied (PURE loop).
pub fn mount_with(
    req: &Request,
    deadline: Instant,
    call: &mut MountFn<'_>,
    sleep: &mut dyn FnMut(Duration),
    before_v3: &mut dyn FnMut(),
) -> Result<MountedInfo, Error> {
    let src = source(req);
    if src.contains('\0') || req.user_options.iter().any(|o| o.contains('\0')) {
        return Err(Error::BadOption {
            server: req.server,
            path: req.path.clone(),
        });
    }
    let versions = fallback(req.version);
    let mut rng = Rng::new(crate::util::seed(b"nfs"));
    let mut attempts = 0u32;
    let mut round = 0u32;
    let mut v3_ready = false;
    loop {
        // The most telling error of this round: a Retry/Fatal errno beats
        // "version unsupported" (the server answered, about the export).
        let mut worst: Option<(i32, String)> = None;
        let mut tried = Vec::new();
        for &v in &versions {
            if v == NfsVersion::V3 && !v3_ready {
                before_v3();
                v3_ready = true;
            }
            let data = options(req, v);
            attempts += 1;
            tried.push(vers_str(v));
            crate::debug!("mount -t {} {src} -o {data}", fstype(v));
            match call(&src, fstype(v), &data, req.read_only) {
                Ok(()) => {
                    crate::info!("mounted {src} (NFS {}) with {data}", vers_str(v));
                    return Ok(MountedInfo {
                        version: v,
                        source: src,
                        fstype: fstype(v),
                        options: data,
                        attempts,
                    });
                }
                Err(e) => {
                    let errno = e.raw_os_error().unwrap_or(libc::EIO);
                    let vd = verdict(errno);
                    crate::debug!("NFS {} mount of {src}: {} ({e})", vers_str(v), words(errno));
                    if worst.is_none() || vd != Verdict::NextVersion {
                        worst = Some((errno, e.to_string()));
                    }
                    match vd {
                        Verdict::NextVersion => continue,
                        Verdict::Fatal => {
                            return Err(mount_error(req, errno, e.to_string(), &tried))
                        }
                        Verdict::Retry => break,
                    }
                }
            }
        }
        let (errno, text) = worst.unwrap_or((libc::EIO, "no version to try".into()));
        let wait = BACKOFF.delay(round, &mut rng);
        let now = Instant::now();
        if now + wait >= deadline {
            return Err(mount_error(req, errno, text, &tried));
        }
        crate::warn!(
            "nfs root {src}: {} ({text}); retrying in {:.1} s",
            words(errno),
            wait.as_secs_f32()
        );
        sleep(wait);
        round += 1;
    }
}

fn mount_error(req: &Request, errno: i32, text: String, tried: &[&str]) -> Error {
    Error::Mount {
        server: req.server,
        path: req.path.clone(),
        words: words(errno),
        source_text: text,
        errno,
        tried: tried.join(","),
    }
}

/// Resolve a server given by address or name through `dns` (the lease's
/// name servers; a name resolves to an IPv4 address, A record, or on an
/// IPv6-only boot to an IPv6 one, AAAA).
pub fn resolve(host: &Host, dns: super::dns::Servers<'_>) -> Result<IpAddr, Error> {
    match host {
        Host::Addr(a) => Ok(IpAddr::V4(*a)),
        Host::Addr6(a) => Ok(IpAddr::V6(*a)),
        Host::Name(n) => {
            // A dotted quad typed where a name was expected still works.
            if let Ok(a) = n.parse::<Ipv4Addr>() {
                return Ok(IpAddr::V4(a));
            }
            super::dns::resolve(n, dns).map_err(|source| Error::Resolve {
                host: n.clone(),
                source,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const NO_DNS: crate::root::dns::Servers<'static> = crate::root::dns::Servers {
        v4: &[],
        v6: &[],
        family: crate::root::dns::Family::V4,
    };
    use std::io;

    fn req(v: Option<NfsVersion>, user: &[&str]) -> Request {
        Request {
            server: Ipv4Addr::new(10, 0, 2, 2).into(),
            path: "/srv/root".into(),
            client: Some(Ipv4Addr::new(10, 0, 2, 15).into()),
            version: v,
            user_options: user.iter().map(|s| s.to_string()).collect(),
            read_only: true,
        }
    }

    #[test]
    fn default_v4_string() {
        assert_eq!(
            options(&req(None, &[]), NfsVersion::V4_2),
            "vers=4.2,addr=10.0.2.2,clientaddr=10.0.2.15,proto=tcp,hard,timeo=600,retrans=2"
        );
    }

    #[test]
    fn v3_adds_nolock_and_passes_ports() {
        assert_eq!(
            options(&req(None, &["port=2049", "mountport=20048"]), NfsVersion::V3),
            "vers=3,addr=10.0.2.2,clientaddr=10.0.2.15,proto=tcp,hard,timeo=600,retrans=2,nolock,port=2049,mountport=20048"
        );
    }

    #[test]
    fn user_wins_later_wins() {
        let o = options(
            &req(
                None,
                &[
                    "soft",
                    "timeo=14",
                    "lock",
                    "udp",
                    "timeo=20",
                    "rsize=8192",
                    "vers=3",
                    "ro",
                ],
            ),
            NfsVersion::V3,
        );
        assert_eq!(
            o,
            "vers=3,addr=10.0.2.2,clientaddr=10.0.2.15,udp,soft,timeo=20,retrans=2,lock,rsize=8192"
        );
        // noac / ac share a key; an option like `nocto` has no `=`.
        let o = options(&req(None, &["noac", "ac", "nocto"]), NfsVersion::V4_0);
        assert!(o.ends_with(",ac,nocto"), "{o}");
        assert!(o.starts_with("vers=4.0,"), "{o}");
        assert_eq!(source(&req(None, &[])), "10.0.2.2:/srv/root");
    }

    #[test]
    fn ipv6_server() {
        let mut r = req(None, &["udp", "mountproto=tcp", "port=2049"]);
        r.server = "2001:db8::1".parse().unwrap();
        r.client = Some("2001:db8::10".parse().unwrap());
        // Bare addresses in addr=/clientaddr=, brackets in the source,
        // the IPv6 netids (the user's udp becomes udp6).
        assert_eq!(
            options(&r, NfsVersion::V3),
            "vers=3,addr=2001:db8::1,clientaddr=2001:db8::10,proto=udp6,hard,timeo=600,retrans=2,nolock,mountproto=tcp6,port=2049"
        );
        assert_eq!(source(&r), "[2001:db8::1]:/srv/root");
        r.user_options.clear();
        r.client = None;
        assert_eq!(
            options(&r, NfsVersion::V4_2),
            "vers=4.2,addr=2001:db8::1,proto=tcp6,hard,timeo=600,retrans=2"
        );
        let e = mount_error(&r, libc::ENOENT, "x".into(), &["4.2"]);
        assert!(
            e.to_string()
                .starts_with("nfs root [2001:db8::1]:/srv/root: no such export"),
            "{e}"
        );
        assert_eq!(
            resolve(&Host::Addr6("fd00::2".parse().unwrap()), NO_DNS).unwrap(),
            "fd00::2".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn fallback_order() {
        use NfsVersion::*;
        assert_eq!(fallback(None), vec![V4_2, V4_1, V4_0, V3]);
        assert_eq!(fallback(Some(V4Any)), vec![V4_2, V4_1, V4_0]);
        assert_eq!(fallback(Some(V3)), vec![V3]);
        assert_eq!(fstype(V3), "nfs");
        assert_eq!(fstype(V4_1), "nfs4");
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        for r in 0..200 {
            let b0 = backoff(0, r);
            assert!(b0 >= Duration::from_millis(375) && b0 <= Duration::from_millis(625));
            let b9 = backoff(9, r);
            assert!(b9 >= Duration::from_secs(6) && b9 <= Duration::from_secs(10));
        }
        assert_eq!(BACKOFF.base(10), BACKOFF.base(4));
        assert_ne!(backoff(2, 1), backoff(2, 500));
    }

    fn run(
        r: &Request,
        deadline: Duration,
        mut script: impl FnMut(&str) -> io::Result<()>,
    ) -> (Result<MountedInfo, Error>, Vec<String>) {
        let calls = std::cell::RefCell::new(Vec::new());
        let mut call = |_: &str, _: &str, data: &str, _: bool| {
            calls
                .borrow_mut()
                .push(data.split(',').next().unwrap_or("").to_string());
            script(data)
        };
        let mut v3_hook = || calls.borrow_mut().push("(v3 modules)".to_string());
        let res = mount_with(
            r,
            Instant::now() + deadline,
            &mut call,
            &mut |_| {},
            &mut v3_hook,
        );
        let calls = calls.into_inner();
        let hooks = calls.iter().filter(|c| *c == "(v3 modules)").count();
        assert!(hooks <= 1, "the v3 hook runs once: {calls:?}");
        (res, calls)
    }

    fn errno(e: i32) -> io::Result<()> {
        Err(io::Error::from_raw_os_error(e))
    }

    #[test]
    fn falls_back_to_v3() {
        let (r, calls) = run(&req(None, &[]), Duration::from_secs(5), |d| {
            if d.starts_with("vers=3") {
                Ok(())
            } else {
                errno(libc::EPROTONOSUPPORT)
            }
        });
        let m = r.unwrap();
        assert_eq!(m.version, NfsVersion::V3);
        assert_eq!(m.fstype, "nfs");
        assert_eq!(
            calls,
            vec!["vers=4.2", "vers=4.1", "vers=4.0", "(v3 modules)", "vers=3"]
        );
        // A v4 root never loads the v3 modules.
        let (r, calls) = run(&req(None, &[]), Duration::from_secs(5), |_| Ok(()));
        assert_eq!(r.unwrap().version, NfsVersion::V4_2);
        assert_eq!(calls, vec!["vers=4.2"]);
    }

    #[test]
    fn no_such_export_does_not_advance_and_names_it() {
        let (r, calls) = run(&req(None, &[]), Duration::from_millis(300), |_| {
            errno(libc::ENOENT)
        });
        let e = r.unwrap_err();
        assert!(calls.iter().all(|c| c == "vers=4.2"), "{calls:?}");
        assert_eq!(
            e.to_string(),
            "nfs root 10.0.2.2:/srv/root: no such export (No such file or directory (os error 2), tried 4.2)"
        );
    }

    #[test]
    fn retries_until_server_answers() {
        let mut n = 0;
        let (r, _) = run(
            &req(Some(NfsVersion::V4_2), &[]),
            Duration::from_secs(60),
            |_| {
                n += 1;
                if n < 4 {
                    errno(libc::ECONNREFUSED)
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(r.unwrap().attempts, 4);
    }

    #[test]
    fn server_down_times_out_in_words() {
        let (r, _) = run(&req(None, &[]), Duration::from_millis(100), |_| {
            errno(libc::ETIMEDOUT)
        });
        let e = r.unwrap_err().to_string();
        assert!(
            e.contains("server not answering") && e.contains("10.0.2.2:/srv/root"),
            "{e}"
        );
        let (r, _) = run(&req(None, &[]), Duration::from_secs(100), |_| {
            errno(libc::ENODEV)
        });
        assert!(r
            .unwrap_err()
            .to_string()
            .contains("kernel has no NFS support"));
        let (r, _) = run(&req(None, &[]), Duration::from_millis(10), |_| {
            errno(libc::EACCES)
        });
        assert!(r.unwrap_err().to_string().contains("permission denied"));
    }

    #[test]
    fn resolve_literal() {
        assert_eq!(
            resolve(&Host::Name("10.1.2.3".into()), NO_DNS).unwrap(),
            IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3))
        );
        assert!(matches!(
            resolve(&Host::Name("nfs.lan".into()), NO_DNS),
            Err(Error::Resolve { .. })
        ));
    }
}

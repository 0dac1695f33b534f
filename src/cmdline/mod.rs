//! The kernel command line, as netroot reads it. PURE: no I/O here.
//!
//! `tokenize` splits /proc/cmdline the way the kernel does; `parse` builds a
//! typed [`BootConfig`]. Unknown parameters are ignored (they belong to the
//! kernel or other programs); a malformed known parameter is an [`Error`]
//! naming the parameter, the field and the value.

pub mod ip;
pub mod netdev;
pub mod root;
pub mod tokenize;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

pub use ip::{Autoconf, IpParam, Mode6};
pub use netdev::NetDevs;
pub use root::{merge_nfs, LiveRoot, NbdRoot, NfsRoot, NfsVersion, ResolvedNfs, RootSpec};
pub use tokenize::tokenize;

/// A parse error that names what was wrong. Rendered as e.g.
/// `ip=: field 4 (netmask) "255.0.300.0" is not an IPv4 address`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A field of a structured parameter is malformed.
    #[error("{param}=: field {index} ({field}) \"{value}\" {reason}")]
    Field {
        /// Parameter name, e.g. `ip`.
        param: String,
        /// 1-based field position.
        index: usize,
        /// Field name, e.g. `netmask`.
        field: &'static str,
        /// The offending text.
        value: String,
        /// What is wrong, e.g. `is not an IPv4 address`.
        reason: String,
    },
    /// A whole parameter value is malformed.
    #[error("{param}=: \"{value}\" {reason}")]
    Value {
        /// Parameter name.
        param: String,
        /// The offending text.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// Two parameters (or two parts of one) contradict each other.
    #[error("{0}")]
    Conflict(String),
    /// The DHCP root-path (option 17) is malformed; it arrives at run time
    /// and is read with the `nfsroot=` grammar.
    #[error("DHCP root-path (option 17) \"{value}\" {reason}")]
    RootPath {
        /// The root-path as received.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// No source names the NFS server.
    #[error("no NFS server: none of nfsroot=, root=nfs:, the DHCP root-path, the server-ip field of ip= or the DHCP server gives one")]
    NoServer,
}

/// A host given as an address or a name (names are resolved at run time
/// through the DNS servers from the lease).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A literal IPv4 address.
    Addr(Ipv4Addr),
    /// A literal IPv6 address (written `[2001:db8::1]` on the command line).
    Addr6(Ipv6Addr),
    /// A DNS name.
    Name(String),
}

impl Host {
    /// The address, when the host is given as one.
    pub fn addr(&self) -> Option<IpAddr> {
        match self {
            Host::Addr(a) => Some(IpAddr::V4(*a)),
            Host::Addr6(a) => Some(IpAddr::V6(*a)),
            Host::Name(_) => None,
        }
    }
}

impl From<IpAddr> for Host {
    fn from(a: IpAddr) -> Host {
        match a {
            IpAddr::V4(a) => Host::Addr(a),
            IpAddr::V6(a) => Host::Addr6(a),
        }
    }
}

/// Shown as the command line writes it: an IPv6 address in brackets.
impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Host::Addr(a) => write!(f, "{a}"),
            Host::Addr6(a) => write!(f, "[{a}]"),
            Host::Name(n) => f.write_str(n),
        }
    }
}

/// How the per-host writable state is provided on top of the network root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// Mount the network root read-only as the lower layer of an overlay
    /// whose upper layer is a tmpfs (`netroot.overlay=tmpfs`).
    Tmpfs,
}

/// `netroot.machine-id=`: whether netroot gives the booted system a
/// machine-id of its own (see `root::identity`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MachineIdMode {
    /// `auto` (the default): a per-machine id when the root's
    /// `/etc/machine-id` is empty, missing or `uninitialized`, or when the
    /// command line marks the root as shared (`netroot.overlay=`,
    /// `netroot.state=`).
    #[default]
    Auto,
    /// `keep`: never touch the root's `/etc/machine-id`.
    Keep,
    /// `<32 hex digits>`: this id (lowercase).
    Fixed(String),
}

/// Where `netroot.syslog=` sends the boot story (RFC 5424 over UDP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Syslog {
    /// `netroot.syslog=<host>[:<port>]`.
    Host {
        /// The collector: an address, or a name resolved with the lease's DNS.
        host: Host,
        /// UDP port (default [`SYSLOG_PORT`]).
        port: u16,
    },
    /// `netroot.syslog=dhcp[:<port>]`: the first log server of DHCP option 7.
    Dhcp {
        /// UDP port (default [`SYSLOG_PORT`]).
        port: u16,
    },
}

/// The syslog port over UDP (RFC 5426 §3.3).
pub const SYSLOG_PORT: u16 = 514;

impl std::fmt::Display for Syslog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Syslog::Host { host, port } => write!(f, "{host}:{port}"),
            Syslog::Dhcp { port } => write!(f, "the DHCP log server (option 7), port {port}"),
        }
    }
}

/// `netroot.syslog=<host>[:<port>]`, `dhcp[:<port>]`, or `off`/`none`.
fn parse_syslog(param: &str, value: &str) -> Result<Option<Syslog>, Error> {
    // A bracketed IPv6 host keeps its colons: `[2001:db8::1]:514`.
    let split = match value.find(']') {
        Some(i) if value.starts_with('[') => match &value[i + 1..] {
            "" => None,
            rest => Some((&value[..=i], rest.strip_prefix(':').unwrap_or(rest))),
        },
        _ => value.rsplit_once(':'),
    };
    let (host, port) = match split {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(n) if n > 0 => (h, n),
            _ => return Err(value_err(param, p, "is not a UDP port (1 to 65535)")),
        },
        None => (value, SYSLOG_PORT),
    };
    match host {
        "off" | "none" if port == SYSLOG_PORT && !value.contains(':') => Ok(None),
        "dhcp" => Ok(Some(Syslog::Dhcp { port })),
        "" => Err(value_err(
            param,
            value,
            "names no host (<host>[:<port>] or dhcp)",
        )),
        h => Ok(Some(Syslog::Host {
            host: root::parse_host_param(param, h)?,
            port,
        })),
    }
}

/// What to do when a phase fails for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// Start `/bin/sh` if the image has one (`netroot.shell`).
    Shell,
    /// Reboot after this many seconds (`panic=N`, N > 0), so the node retries PXE.
    Reboot(u32),
    /// Wait and retry the failed phase with backoff (the default).
    Retry,
}

/// netroot's own `netroot.*` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `netroot.timeout=SECONDS`: how long DHCP and the root mount keep
    /// retrying before the failure outcome. Default 90 s: survives a switch
    /// port in spanning-tree listening + learning state (2 × 15 s) with room.
    pub timeout: Duration,
    /// `netroot.debug`: log every dropped packet and retry.
    pub debug: bool,
    /// `netroot.shell`: rescue shell on failure.
    pub shell: bool,
    /// `netroot.state=/var/log,/var/spool/cups`: tmpfs on these paths of the new root.
    pub state: Vec<String>,
    /// `netroot.overlay=tmpfs`.
    pub overlay: Option<Overlay>,
    /// `netroot.nbd.give-up=SECONDS`: after this long without a connection
    /// to the NBD server, I/O on the root fails instead of waiting for it
    /// (None, the default: it waits while netroot reconnects).
    pub nbd_give_up: Option<Duration>,
    /// `netroot.machine-id=keep|auto|<32 hex>`.
    pub machine_id: MachineIdMode,
    /// `netroot.sha256=<hex>`: the live image's SHA-256, lowercase.
    pub sha256: Option<String>,
    /// `nfs.nfs4_unique_id=`: the NFSv4 client's uniquifier as the
    /// administrator gave it (modprobe passes it to the module; netroot
    /// writes it to sysfs itself).
    pub nfs4_unique_id: Option<String>,
    /// `netroot.renew[=0|1]`: keep renewing the DHCP lease after the
    /// switch with a resident `@netroot-dhcp` process. None: decide from
    /// the new root (renew unless it enables systemd-networkd, which takes
    /// the lease over through the hand-over file).
    pub renew: Option<bool>,
    /// `netroot.syslog=<host>[:<port>]` or `dhcp`.
    pub syslog: Option<Syslog>,
    /// dracut's `rd.net.timeout.carrier=SECONDS` (dracut.cmdline(7): how
    /// long to wait for carrier). None: up to `timeout`.
    pub timeout_carrier: Option<Duration>,
    /// dracut's `rd.net.timeout.dhcp=SECONDS` (dracut.cmdline(7): the DHCP
    /// client's time limit), counted from the moment DHCP starts. None:
    /// what is left of `timeout`.
    pub timeout_dhcp: Option<Duration>,
    /// `netroot.shutdown.timeout=SECONDS`: once the power button is
    /// pressed, the shutdown watchdog (`@netroot-watchdog`) gives systemd's
    /// own shutdown this long, then syncs and powers off, even if the
    /// network root no longer answers.
    pub shutdown_timeout: Duration,
    /// `netroot.watchdog=`: start the resident `@netroot-watchdog` that
    /// bounds a poweroff begun by the power button (default on).
    pub watchdog: bool,
}

/// Default for `netroot.timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(90);

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: DEFAULT_TIMEOUT,
            debug: false,
            shell: false,
            state: Vec::new(),
            overlay: None,
            nbd_give_up: None,
            machine_id: MachineIdMode::Auto,
            sha256: None,
            nfs4_unique_id: None,
            renew: None,
            syslog: None,
            timeout_carrier: None,
            timeout_dhcp: None,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            watchdog: true,
        }
    }
}

/// Default for `netroot.shutdown.timeout`: systemd gives a unit that does
/// not stop 90 s (DefaultTimeoutStopSec) and then kills it; with the root's
/// server gone that can happen to several units one after the other, and
/// systemd-shutdown's own unmount loop may then block on the dead mount.
/// 120 s leaves a healthy shutdown, which takes seconds, all the room it
/// needs and bounds a sick one.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(120);

/// Everything netroot takes from the command line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BootConfig {
    /// Every `ip=` / `nfsaddrs=` parameter in order (dracut allows several,
    /// also one per family for the same interface: `ip=eth0:dhcp
    /// ip=eth0:dhcp6`). Empty: no `ip=` given; netroot then does DHCP on every candidate
    /// interface if the root needs the network.
    pub ip: Vec<IpParam>,
    /// dracut's `vlan=`, `bond=`, `bridge=` and `ifname=`.
    pub netdevs: NetDevs,
    /// `BOOTIF=01-aa-bb-cc-dd-ee-ff` (pxelinux IPAPPEND 2): the MAC that PXE booted.
    pub bootif: Option<[u8; 6]>,
    /// The root to mount.
    pub root: RootSpec,
    /// `rootfstype=`.
    pub rootfstype: Option<String>,
    /// `rootflags=`.
    pub rootflags: Option<String>,
    /// `ro` (true) / `rw` (false); the last one wins. None: not given (the
    /// kernel's default is read-only).
    pub read_only: Option<bool>,
    /// `init=`.
    pub init: Option<String>,
    /// `quiet`.
    pub quiet: bool,
    /// `panic=N`.
    pub panic: Option<i32>,
    /// `netroot.*`.
    pub options: Options,
    /// Arguments after `--`, passed to init.
    pub init_args: Vec<String>,
}

impl BootConfig {
    /// The root mount's read-only flag as the kernel would apply it.
    pub fn mount_read_only(&self) -> bool {
        self.read_only.unwrap_or(true)
    }

    /// The init to exec in the new root.
    pub fn init_path(&self) -> &str {
        self.init.as_deref().unwrap_or("/sbin/init")
    }

    /// What to do when a phase fails for good.
    pub fn on_failure(&self) -> OnFailure {
        if self.options.shell {
            OnFailure::Shell
        } else if let Some(n) = self.panic.filter(|n| *n > 0) {
            OnFailure::Reboot(n as u32)
        } else {
            OnFailure::Retry
        }
    }

    /// Whether the network must be configured (a network root, or an `ip=`
    /// that is not `off`, or `off` with a static address).
    pub fn wants_network(&self) -> bool {
        !matches!(self.root, RootSpec::None)
            || self
                .ip
                .iter()
                .any(|p| p.autoconf != Autoconf::Off || p.client.is_some() || p.has_v6())
    }

    /// The IPv6 half of the command line: the first `ip=` that configures
    /// IPv6 (dracut's `dhcp6`, `auto6`, `either6` or a bracketed static
    /// address), with its method.
    pub fn ip6(&self) -> Option<(Mode6, &IpParam)> {
        self.ip.iter().find_map(|p| p.mode6.map(|m| (m, p)))
    }
}

/// Parse a whole command line (as read from /proc/cmdline).
pub fn parse(cmdline: &str) -> Result<BootConfig, Error> {
    parse_tokens(&tokenize(cmdline))
}

fn value_err(param: &str, value: &str, reason: &str) -> Error {
    Error::Value {
        param: param.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

/// A number of seconds from 1 to `max`.
fn parse_secs(param: &str, value: &str, max: u64) -> Result<Duration, Error> {
    value
        .parse()
        .ok()
        .filter(|s| (1..=max).contains(s))
        .map(Duration::from_secs)
        .ok_or_else(|| {
            value_err(
                param,
                value,
                &format!("is not a number of seconds from 1 to {max}"),
            )
        })
}

/// A boolean option: bare (`netroot.debug`) or with a value.
fn parse_bool(param: &str, value: Option<&str>) -> Result<bool, Error> {
    match value {
        None | Some("1" | "y" | "yes" | "true" | "on") => Ok(true),
        Some("0" | "n" | "no" | "false" | "off") => Ok(false),
        Some(v) => Err(value_err(
            param,
            v,
            "is not a boolean (1, yes, true, on, 0, no, false, off)",
        )),
    }
}

/// `netroot.state=/var/log,/var/lib/dhcp`: absolute paths without `..`.
fn parse_state(value: &str, into: &mut Vec<String>) -> Result<(), Error> {
    for path in value.split(',').filter(|p| !p.is_empty()) {
        let ok = path.starts_with('/')
            && path != "/"
            && !path.split('/').any(|c| c == "..")
            && !path.chars().any(|c| c.is_control());
        if !ok {
            return Err(value_err(
                "netroot.state",
                path,
                "is not an absolute path below / (without '..')",
            ));
        }
        let path = path.trim_end_matches('/').to_string();
        if !into.contains(&path) {
            into.push(path);
        }
    }
    Ok(())
}

/// `netroot.machine-id=keep|auto|<32 hex digits>` (machine-id(5): 32
/// lowercase hexadecimal characters, not all zero).
pub fn parse_machine_id(param: &str, value: &str) -> Result<MachineIdMode, Error> {
    match value {
        "keep" => return Ok(MachineIdMode::Keep),
        "auto" => return Ok(MachineIdMode::Auto),
        _ => {}
    }
    if value.len() != 32 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(value_err(
            param,
            value,
            "is not keep, auto or a machine id of 32 hexadecimal digits",
        ));
    }
    if value.bytes().all(|b| b == b'0') {
        return Err(value_err(
            param,
            value,
            "is the null id (machine-id(5) does not allow all zeros)",
        ));
    }
    Ok(MachineIdMode::Fixed(value.to_ascii_lowercase()))
}

/// `nfs.nfs4_unique_id=`: the kernel keeps at most 63 bytes
/// (`NFS4_CLIENT_ID_UNIQ_LEN` is 64 with the NUL); the value goes on the
/// wire in the client's owner string, so only printable ASCII.
fn parse_unique_id(param: &str, value: &str) -> Result<Option<String>, Error> {
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > 63 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(value_err(
            param,
            value,
            "is not 1 to 63 printable characters without spaces",
        ));
    }
    Ok(Some(value.to_string()))
}

/// Whether `root=` names an NBD device (`/dev/nbd0`, `/dev/nbd1`, ...).
fn is_nbd_device(root: &str) -> bool {
    root.strip_prefix("/dev/nbd")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `root=` is dracut's bare `<server>:/<path>` NFS form (not a
/// device path, and not `UUID=`-style).
fn is_bare_nfs(root: &str) -> bool {
    match root.split_once(":/") {
        Some((server, _)) => {
            !server.is_empty() && !root.starts_with('/') && !server.contains(['=', '/'])
        }
        None => false,
    }
}

/// A network root named by `root=` or `netroot=` (dracut's forms), or
/// None when the value names something else (a local device).
fn network_root(param: &str, value: &str) -> Result<Option<RootSpec>, Error> {
    // Before the bare `<server>:/<path>` form, which `live:/...` resembles.
    if value.starts_with("live:") {
        return Ok(Some(RootSpec::Live(root::parse_live(param, value)?)));
    }
    if value.starts_with("nfs:") || value.starts_with("nfs4:") || is_bare_nfs(value) {
        return Ok(Some(RootSpec::Nfs(root::parse_dracut_nfs(param, value)?)));
    }
    if value.starts_with("nbd:") {
        return Ok(Some(RootSpec::Nbd(root::parse_dracut_nbd(param, value)?)));
    }

    match value {
        // dracut: the root comes from the DHCP root-path. netroot reads
        // NFS root-paths only.
        "dhcp" => Ok(Some(RootSpec::Nfs(NfsRoot::default()))),
        // dracut: the root-path comes from DHCPv6 (the boot file URL,
        // RFC 5970 option 59), read like the DHCP root-path.
        "dhcp6" => Ok(Some(RootSpec::Nfs(NfsRoot::default()))),
        _ => Ok(None),
    }
}

/// Parse already-split parameters.
///
/// Later parameters override earlier ones (the kernel's rule), except
/// `ip=`, which may be given once per interface (dracut): a later `ip=`
/// replaces an earlier one for the same device (or for no device).
pub fn parse_tokens(tokens: &tokenize::Tokens) -> Result<BootConfig, Error> {
    let mut cfg = BootConfig {
        init_args: tokens.init_args.clone(),
        ..BootConfig::default()
    };
    let mut root: Option<&str> = None;
    let mut netroot: Option<&str> = None;
    let mut nfsroot: Option<NfsRoot> = None;
    let mut nbd_host: Option<Host> = None;
    let mut nbd_name: Option<String> = None;
    let mut nbd_port: Option<u16> = None;

    for (key, value) in &tokens.params {
        let v = value.as_deref();
        match (key.as_str(), v) {
            ("ip" | "nfsaddrs", Some(v)) => {
                let p = ip::parse(key, v)?;
                // dracut's dual stack: `ip=eth0:dhcp ip=eth0:dhcp6` keeps
                // both; a later one of the same family replaces the earlier.
                cfg.ip.retain(|old| {
                    old.device != p.device
                        || !((old.has_v4() && p.has_v4()) || (old.has_v6() && p.has_v6()))
                });
                cfg.ip.push(p);
            }
            (k, Some(v)) if k.eq_ignore_ascii_case("bootif") => {
                cfg.bootif = Some(parse_bootif(k, v)?);
            }
            ("vlan", Some(v)) => cfg.netdevs.vlans.push(netdev::parse_vlan(key, v)?),
            ("bond", v) => cfg.netdevs.bonds.push(netdev::parse_bond(key, v)?),
            ("bridge", v) => cfg.netdevs.bridges.push(netdev::parse_bridge(key, v)?),
            ("ifname", Some(v)) => cfg.netdevs.ifnames.push(netdev::parse_ifname(key, v)?),
            ("nfsroot", Some(v)) => nfsroot = Some(root::parse_nfsroot(v)?),
            ("root", Some(v)) => root = Some(v),
            ("netroot", Some(v)) => netroot = Some(v),
            ("nbd_host", Some(v)) => nbd_host = Some(root::parse_host_param(key, v)?),
            ("nbd_name", Some(v)) => nbd_name = Some(v.to_string()),
            ("nbd_port", Some(v)) => nbd_port = Some(root::parse_port(key, v)?),
            ("rootfstype", Some(v)) => cfg.rootfstype = (!v.is_empty()).then(|| v.to_string()),
            ("rootflags", Some(v)) => cfg.rootflags = (!v.is_empty()).then(|| v.to_string()),
            ("ro", None) => cfg.read_only = Some(true),
            ("rw", None) => cfg.read_only = Some(false),
            ("init", Some(v)) => {
                if v.is_empty() {
                    return Err(value_err(
                        key,
                        v,
                        "is empty (give the path of the init program)",
                    ));
                }
                cfg.init = Some(v.to_string());
            }
            ("quiet", None) => cfg.quiet = true,
            ("panic", Some(v)) => {
                cfg.panic = Some(
                    v.parse()
                        .map_err(|_| value_err(key, v, "is not a number of seconds"))?,
                );
            }
            ("netroot.timeout", Some(v)) => cfg.options.timeout = parse_secs(key, v, 86_400)?,
            ("rd.net.timeout.carrier", Some(v)) => {
                cfg.options.timeout_carrier = Some(parse_secs(key, v, 86_400)?)
            }
            ("rd.net.timeout.dhcp", Some(v)) => {
                cfg.options.timeout_dhcp = Some(parse_secs(key, v, 86_400)?)
            }
            ("netroot.nbd.give-up", Some(v)) => {
                cfg.options.nbd_give_up = Some(parse_secs(key, v, 604_800)?)
            }
            ("netroot.debug", v) => cfg.options.debug = parse_bool(key, v)?,
            ("netroot.shell", v) => cfg.options.shell = parse_bool(key, v)?,
            ("netroot.watchdog", v) => cfg.options.watchdog = parse_bool(key, v)?,
            ("netroot.renew", v) => cfg.options.renew = Some(parse_bool(key, v)?),
            ("netroot.shutdown.timeout", Some(v)) => {
                cfg.options.shutdown_timeout = parse_secs(key, v, 86_400)?
            }
            ("netroot.state", Some(v)) => parse_state(v, &mut cfg.options.state)?,
            ("netroot.syslog", Some(v)) => cfg.options.syslog = parse_syslog(key, v)?,
            ("netroot.overlay", v) => {
                cfg.options.overlay = match v {
                    None | Some("tmpfs") => Some(Overlay::Tmpfs),
                    Some("none" | "off") => None,
                    Some(v) => {
                        return Err(value_err(key, v, "is not an overlay type (tmpfs, none)"))
                    }
                }
            }
            ("netroot.sha256", Some(v)) => cfg.options.sha256 = Some(root::parse_sha256(key, v)?),
            ("netroot.machine-id", Some(v)) => cfg.options.machine_id = parse_machine_id(key, v)?,
            ("netroot.machine-id", None) => {
                return Err(value_err(
                    key,
                    "",
                    "needs a value: keep, auto or 32 hexadecimal digits",
                ))
            }
            // The kernel treats '-' and '_' alike in module parameter names.
            ("nfs.nfs4_unique_id" | "nfs.nfs4-unique-id", Some(v)) => {
                cfg.options.nfs4_unique_id = parse_unique_id(key, v)?
            }
            _ => {} // not ours: the kernel's or another program's
        }
    }

    netdev::check(&cfg.netdevs)?;

    cfg.root = match root {
        Some("/dev/nfs") => RootSpec::Nfs(nfsroot.unwrap_or_default()),
        Some(r) if is_nbd_device(r) => match nbd_host {
            Some(server) => RootSpec::Nbd(mkinitcpio_nbd(server, nbd_name, nbd_port)),
            None => {
                return Err(value_err(
                    "root",
                    r,
                    "needs nbd_host= (and nbd_name=) or root=nbd:<server>:<port>",
                ))
            }
        },
        Some(r) => match network_root("root", r)? {
            Some(spec) => spec,
            None => match netroot {
                Some(n) => network_root("netroot", n)?.ok_or_else(|| {
                    value_err(
                        "netroot",
                        n,
                        "is not supported by netroot (nfs:, nfs4:, nbd:, live:, dhcp)",
                    )
                })?,
                None => RootSpec::None,
            },
        },
        None => {
            if let Some(n) = netroot {
                network_root("netroot", n)?.ok_or_else(|| {
                    value_err(
                        "netroot",
                        n,
                        "is not supported by netroot (nfs:, nfs4:, nbd:, live:, dhcp)",
                    )
                })?
            } else if let Some(server) = nbd_host {
                RootSpec::Nbd(mkinitcpio_nbd(server, nbd_name, nbd_port))
            } else if let Some(n) = nfsroot {
                // nfs_root_setup(): nfsroot= alone selects the NFS root.
                RootSpec::Nfs(n)
            } else {
                RootSpec::None
            }
        }
    };
    // netroot configures one interface, and IPv6 goes where IPv4 went: an
    // IPv4 `ip=` and an IPv6 one that name two interfaces would put IPv6 on
    // the wrong one without a word.
    if let Some(d6) = cfg.ip6().and_then(|(_, p)| p.device.as_deref()) {
        let d4 = cfg
            .ip
            .iter()
            .filter(|p| p.uses_dhcp() || p.client.is_some())
            .filter_map(|p| p.device.as_deref())
            .find(|d| *d != d6);
        if let Some(d4) = d4 {
            return Err(value_err(
                "ip",
                &format!("{d4}, {d6}"),
                &format!(
                    "names IPv4 on {d4} and IPv6 on {d6}: netroot configures one interface, name the same one for both (e.g. ip={d6}:dhcp ip={d6}:dhcp6)"
                ),
            ));
        }
    }
    // A live image is read-only: its root is always an overlay on a tmpfs.
    if matches!(cfg.root, RootSpec::Live(_)) {
        cfg.options.overlay = Some(Overlay::Tmpfs);
    }
    Ok(cfg)
}

/// mkinitcpio-nbd's `nbd_host=`, `nbd_name=`, `nbd_port=`: fstype and
/// flags come from `rootfstype=` / `rootflags=`.
fn mkinitcpio_nbd(server: Host, name: Option<String>, port: Option<u16>) -> NbdRoot {
    NbdRoot {
        server,
        port: port.unwrap_or(root::NBD_PORT),
        export: name.unwrap_or_default(),
        fstype: None,
        flags: None,
        nbd_options: Vec::new(),
    }
}

/// `BOOTIF=01-aa-bb-cc-dd-ee-ff` (pxelinux IPAPPEND 2): the ARP hardware
/// type `01` (Ethernet) and the MAC, any case. A bare MAC is accepted too.
pub fn parse_bootif(param: &str, value: &str) -> Result<[u8; 6], Error> {
    let mac = match value.split_once('-') {
        Some((ty, rest)) if value.len() == 20 => (ty == "01").then_some(rest),
        _ if value.len() == 17 => Some(value),
        _ => None,
    };
    mac.and_then(ip::parse_mac).ok_or_else(|| {
        value_err(
            param,
            value,
            "is not an Ethernet MAC address (01-aa-bb-cc-dd-ee-ff)",
        )
    })
}

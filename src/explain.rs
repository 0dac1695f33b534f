//! What a command line will do, in words ([`plan_text`]) or JSON
//! ([`plan_json`]): the body of `netroot explain` (its arguments are read
//! in `cli::explain`).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use crate::cmdline::ip::{autoconf_name, classful_netmask, mode6_name, Mode6};
use crate::cmdline::root::{expand_percent_s, DEFAULT_NFS_PATH};
use crate::cmdline::{
    Autoconf, BootConfig, IpParam, OnFailure, Overlay, RootSpec, Syslog, DEFAULT_TIMEOUT,
};
use crate::json::Value;
use crate::root::identity;
use crate::util::fmt_mac as format_mac;
use std::path::Path;

/// How one `ip=` configures the network: `dhcp`, `static` or `off`.
pub fn ip_mode(p: &IpParam) -> &'static str {
    if p.uses_dhcp() {
        return "dhcp";
    }
    match p.autoconf {
        Autoconf::Static => "static",
        _ if p.client.is_some() && p.autoconf == Autoconf::Off => "static",
        _ => "off",
    }
}

/// The static `ip=` the network phase will apply, when it will: the first
/// `ip=` that configures something decides, as in `net::bring_up` (`None`
/// when that one is DHCP, or none configures anything). With a static
/// configuration no DHCP runs, so what DHCP would have said is known now.
fn static_ip(cfg: &BootConfig) -> Option<(&IpParam, IpAddr)> {
    let Some(p) = cfg
        .ip
        .iter()
        .find(|p| p.uses_dhcp() || p.autoconf == Autoconf::Rarp || p.client.is_some())
    else {
        // IPv4 off: a static IPv6 address is the whole configuration.
        return match cfg.ip6() {
            Some((Mode6::Static, p)) => Some((p, IpAddr::V6(p.client6?.0))),
            _ => None,
        };
    };
    if p.uses_dhcp() || p.autoconf == Autoconf::Rarp {
        return None;
    }
    Some((p, IpAddr::V4(p.client?)))
}

/// The server-ip field of the first `ip=` that has one (IPv6 in brackets).
fn ip_server(cfg: &BootConfig) -> Option<String> {
    cfg.ip.iter().find_map(|p| {
        p.server
            .map(|s| s.to_string())
            .or(p.server6.map(|s| format!("[{s}]")))
    })
}

/// The netmask a static `ip=` without one gets: the classful default.
fn default_netmask(p: &IpParam) -> Option<Ipv4Addr> {
    match (ip_mode(p), p.netmask, p.client) {
        ("static", None, Some(c)) => Some(classful_netmask(c)),
        _ => None,
    }
}

/// The NFS server and the path the mount will use when the network is
/// static (no DHCP root-path can change them): the command line's server,
/// else the server-ip of `ip=`; the path (or the default) with `%s`
/// replaced by the client address (nfsroot.rst).
fn static_nfs(cfg: &BootConfig, n: &crate::cmdline::NfsRoot) -> Option<(Option<String>, String)> {
    let (_, client) = static_ip(cfg)?;
    let server = n
        .server
        .as_ref()
        .map(|s| s.to_string())
        .or_else(|| ip_server(cfg));
    let path = n.path.as_deref().unwrap_or(DEFAULT_NFS_PATH);
    Some((server, expand_percent_s(path, client)))
}

/// The `ip=` whose values the summary fields of [`plan_json`] show: the
/// first one (ip= parameters for other interfaces are listed in full under
/// `net.interfaces`).
fn primary(cfg: &BootConfig) -> Option<&IpParam> {
    cfg.ip.first()
}

fn addr(a: Option<Ipv4Addr>) -> Value {
    Value::opt_str(a)
}

/// The JSON object for one `ip=`.
fn ip_json(p: &IpParam) -> Vec<(&'static str, Value)> {
    vec![
        ("mode", Value::Str(ip_mode(p).into())),
        ("autoconf", Value::Str(autoconf_name(p.autoconf).into())),
        ("device", Value::opt_str(p.device.as_deref())),
        ("client_ip", addr(p.client)),
        ("server_ip", addr(p.server)),
        ("gateway", addr(p.gateway)),
        ("netmask", addr(p.netmask)),
        ("netmask_default", addr(default_netmask(p))),
        ("hostname", Value::opt_str(p.hostname.as_deref())),
        ("nis_domain", Value::opt_str(p.nis_domain.as_deref())),
        (
            "dns",
            Value::Array(p.dns.iter().map(|d| Value::Str(d.to_string())).collect()),
        ),
        ("ntp", addr(p.ntp)),
        ("mtu", p.mtu.map_or(Value::Null, |m| Value::Int(m.into()))),
        ("mac", Value::opt_str(p.mac.as_ref().map(format_mac))),
        (
            "client_id",
            match &p.client_id {
                Some((ty, id)) => Value::object([
                    ("type", Value::Int((*ty).into())),
                    ("value", Value::Str(id.clone())),
                ]),
                None => Value::Null,
            },
        ),
    ]
}

/// `net.ipv6`: the IPv6 half of the command line (the first `ip=` that
/// configures IPv6), null when there is none.
fn ipv6_json(cfg: &BootConfig) -> Value {
    let Some((m, p)) = cfg.ip6() else {
        return Value::Null;
    };
    let strs = |v: &[std::net::Ipv6Addr]| {
        Value::Array(v.iter().map(|a| Value::Str(a.to_string())).collect())
    };
    Value::object([
        ("mode", Value::Str(mode6_name(m).into())),
        ("device", Value::opt_str(p.device.as_deref())),
        ("address", Value::opt_str(p.client6.map(|(a, _)| a))),
        (
            "prefix_len",
            p.client6
                .map_or(Value::Null, |(_, l)| Value::Int(i64::from(l))),
        ),
        ("gateway", Value::opt_str(p.gateway6)),
        ("server_ip", Value::opt_str(p.server6)),
        ("dns", strs(&p.dns6)),
    ])
}

/// What `netroot explain` can learn about the machine it runs on, for the
/// identity a boot would use (nothing when it runs elsewhere or unprivileged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MachineFacts {
    /// `/sys/class/dmi/id/product_uuid` (readable by root only).
    pub dmi_uuid: Option<String>,
    /// The boot interface's MAC, when the command line names it: the MAC
    /// field of `ip=`, `BOOTIF=`, or the address of the `ip=` device.
    pub mac: Option<[u8; 6]>,
    /// The DMI product UUID exists but could not be read (not root): the
    /// per-machine value is then unknown.
    pub dmi_unreadable: bool,
}

/// [`MachineFacts`] from the file system at `root` (`/` in real use).
pub fn machine_facts(root: &Path, cfg: &BootConfig) -> MachineFacts {
    let sys = root.join("sys");
    let p = primary(cfg);
    let mac = p.and_then(|p| p.mac).or(cfg.bootif).or_else(|| {
        let dev = p.and_then(|p| p.device.as_deref())?;
        identity::iface_mac(&sys, dev)
    });
    let dmi_uuid = identity::read_dmi_uuid(&sys);
    MachineFacts {
        dmi_unreadable: dmi_uuid.is_none() && sys.join("class/dmi/id/product_uuid").exists(),
        dmi_uuid,
        mac,
    }
}

/// The identity a boot would use, as far as it is known without booting.
struct IdentityPlan {
    /// Node name source (`dhcp`, `ip`, `address`) and value when known.
    node_source: &'static str,
    node_value: Option<String>,
    node_text: String,
    /// Uniquifier source (`nfs.nfs4_unique_id`, `dmi`, `mac`,
    /// `dmi-or-mac`; `none` for an NBD root) and value when known.
    uniq_source: &'static str,
    uniq_value: Option<String>,
    uniq_text: String,
    /// machine-id mode (`auto`, `keep`, `fixed`), when it applies, value.
    mid_mode: &'static str,
    mid_when: &'static str,
    mid_value: Option<String>,
    mid_text: String,
}

fn identity_plan(cfg: &BootConfig, facts: &MachineFacts) -> IdentityPlan {
    use crate::cmdline::MachineIdMode;
    let p = primary(cfg);
    let ip_name = p.and_then(|p| p.hostname.clone());
    let dhcp = match p {
        Some(p) => ip_mode(p) == "dhcp",
        None => cfg.wants_network(),
    };
    let (node_source, node_value, node_text) = if dhcp {
        let fallback = match &ip_name {
            Some(h) => format!("else {h} (ip=), else the client's address"),
            None => "else the client's address".to_string(),
        };
        ("dhcp", None, format!("the host name from DHCP, {fallback}"))
    } else {
        match identity::node_name(None, ip_name.as_deref(), p.and_then(|p| p.client)) {
            Some(n) => {
                let t = format!("{} ({})", n.name, n.source.describe());
                let src = match n.source {
                    identity::NodeSource::Address => "address",
                    _ => "ip",
                };
                (src, Some(n.name), t)
            }
            None => ("address", None, "the client's address".to_string()),
        }
    };
    let key = identity::machine_key(facts.dmi_uuid.as_deref(), facts.mac)
        .filter(|_| !facts.dmi_unreadable);
    let key_src = |k: &identity::MachineKey| match k {
        identity::MachineKey::Dmi(_) => "dmi",
        identity::MachineKey::Mac(_) => "mac",
    };
    const EITHER: &str = "the DMI product UUID when it is real, else the boot interface's MAC";
    let (uniq_source, uniq_value, uniq_text) = if !matches!(cfg.root, RootSpec::Nfs(_)) {
        ("none", None, "not used (no NFS root)".to_string())
    } else {
        match identity::uniquifier(cfg.options.nfs4_unique_id.as_deref(), key.as_ref()) {
            Some(u) => {
                let src = match &u.source {
                    identity::UniqSource::Cmdline => "nfs.nfs4_unique_id",
                    identity::UniqSource::Machine(k) => key_src(k),
                };
                let t = format!("{} ({})", u.value, u.describe());
                (src, Some(u.value), t)
            }
            None => ("dmi-or-mac", None, EITHER.to_string()),
        }
    };
    let when_auto = if identity::marked_shared(cfg) {
        "always"
    } else {
        "root-unset"
    };
    let (mid_mode, mid_when, mid_value, mid_text) = match &cfg.options.machine_id {
        MachineIdMode::Keep => (
            "keep",
            "never",
            None,
            "the root's own (netroot.machine-id=keep)".to_string(),
        ),
        MachineIdMode::Fixed(id) => (
            "fixed",
            "always",
            Some(id.clone()),
            format!("{id} (netroot.machine-id=)"),
        ),
        MachineIdMode::Auto => {
            let why = if identity::marked_shared(cfg) {
                "always: the root is marked shared (netroot.overlay=/netroot.state=)"
            } else {
                "when the root's /etc/machine-id is empty, missing or uninitialized"
            };
            let (v, t) = match &key {
                Some(k) => {
                    let id = identity::derive_machine_id(k);
                    let t = format!("{id} (derived from {}), {why}", k.describe());
                    (Some(id), t)
                }
                None => (None, format!("derived from {EITHER}, {why}")),
            };
            ("auto", when_auto, v, t)
        }
    };
    IdentityPlan {
        node_source,
        node_value,
        node_text,
        uniq_source,
        uniq_value,
        uniq_text,
        mid_mode,
        mid_when,
        mid_value,
        mid_text,
    }
}

fn identity_json(cfg: &BootConfig, facts: &MachineFacts) -> Value {
    let i = identity_plan(cfg, facts);
    Value::object([
        (
            "node_name",
            Value::object([
                ("source", Value::Str(i.node_source.into())),
                ("value", Value::opt_str(i.node_value)),
            ]),
        ),
        (
            "nfs4_unique_id",
            Value::object([
                ("source", Value::Str(i.uniq_source.into())),
                ("value", Value::opt_str(i.uniq_value)),
            ]),
        ),
        (
            "machine_id",
            Value::object([
                ("mode", Value::Str(i.mid_mode.into())),
                ("applies", Value::Str(i.mid_when.into())),
                ("value", Value::opt_str(i.mid_value)),
            ]),
        ),
    ])
}

/// The plan as one JSON object (the shape is documented in README.md),
/// without looking at the machine (identity values that depend on it are
/// null).
pub fn plan_json(cfg: &BootConfig) -> Value {
    plan_json_with(cfg, &MachineFacts::default())
}

/// [`plan_json`] with what is known about the machine.
pub fn plan_json_with(cfg: &BootConfig, facts: &MachineFacts) -> Value {
    let mut net: Vec<(&str, Value)> = match primary(cfg) {
        Some(p) => ip_json(p),
        None => {
            let implied = IpParam {
                autoconf: if cfg.wants_network() {
                    Autoconf::Dhcp
                } else {
                    Autoconf::Off
                },
                ..IpParam::default()
            };
            ip_json(&implied)
        }
    };
    net.push((
        "bootif",
        Value::opt_str(cfg.bootif.as_ref().map(format_mac)),
    ));
    net.push((
        "interfaces",
        Value::Array(cfg.ip.iter().map(|p| Value::object(ip_json(p))).collect()),
    ));
    let secs = |d: Option<std::time::Duration>| {
        d.map_or(Value::Null, |d| {
            Value::Int(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        })
    };
    net.extend(netdevs_json(&cfg.netdevs));
    net.push(("ipv6", ipv6_json(cfg)));
    net.push(("timeout_carrier", secs(cfg.options.timeout_carrier)));
    net.push(("timeout_dhcp", secs(cfg.options.timeout_dhcp)));

    let null_root = || -> Vec<(&'static str, Value)> {
        vec![
            ("kind", Value::Str("none".into())),
            ("server", Value::Null),
            ("path", Value::Null),
            ("mount_path", Value::Null),
            ("nfs_version", Value::Null),
            ("options", Value::Null),
            ("port", Value::Null),
            ("export", Value::Null),
            ("fstype", Value::Null),
            ("flags", Value::Null),
            ("read_only", Value::Bool(cfg.mount_read_only())),
            ("give_up", Value::Null),
            ("url", Value::Null),
            ("sha256", Value::Null),
        ]
    };
    let mut root = null_root();
    let mut set = |key: &str, v: Value| {
        if let Some(slot) = root.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = v;
        }
    };
    match &cfg.root {
        RootSpec::None => {}
        RootSpec::Nfs(n) => {
            set("kind", Value::Str("nfs".into()));
            set("server", Value::opt_str(n.server.as_ref()));
            set("path", Value::opt_str(n.path.as_deref()));
            if let Some((server, path)) = static_nfs(cfg, n) {
                set("server", Value::opt_str(server));
                set("mount_path", Value::Str(path));
            }
            set("nfs_version", Value::opt_str(n.version));
            set(
                "options",
                Value::Array(n.options.iter().map(|o| Value::Str(o.clone())).collect()),
            );
            set("flags", Value::opt_str(cfg.rootflags.as_deref()));
        }
        RootSpec::Nbd(b) => {
            set("kind", Value::Str("nbd".into()));
            set("server", Value::Str(b.server.to_string()));
            set("port", Value::Int(b.port.into()));
            set("export", Value::Str(b.export.clone()));
            set(
                "options",
                Value::Array(
                    b.nbd_options
                        .iter()
                        .map(|o| Value::Str(o.clone()))
                        .collect(),
                ),
            );
            set(
                "fstype",
                Value::opt_str(b.fstype.as_deref().or(cfg.rootfstype.as_deref())),
            );
            set(
                "flags",
                Value::opt_str(b.flags.as_deref().or(cfg.rootflags.as_deref())),
            );
            set(
                "give_up",
                cfg.options.nbd_give_up.map_or(Value::Null, |d| {
                    Value::Int(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                }),
            );
        }
        RootSpec::Live(l) => {
            set("kind", Value::Str("live".into()));
            set("server", Value::Str(l.url.host.to_string()));
            set("port", Value::Int(l.url.port.into()));
            set("path", Value::Str(l.url.path.clone()));
            set("url", Value::Str(l.url.to_string()));
            set("read_only", Value::Bool(true));
        }
    }
    if let RootSpec::Live(_) | RootSpec::Nfs(_) = &cfg.root {
        set("sha256", Value::opt_str(cfg.options.sha256.as_deref()));
    }

    let (action, after) = match cfg.on_failure() {
        OnFailure::Shell => ("shell", Value::Null),
        OnFailure::Reboot(n) => ("reboot", Value::Int(n.into())),
        OnFailure::Retry => ("retry", Value::Null),
    };
    Value::object([
        ("net", Value::object(net)),
        ("root", Value::object(root)),
        ("init", Value::opt_str(cfg.init.as_deref())),
        ("init_path", Value::Str(cfg.init_path().to_string())),
        (
            "init_args",
            Value::Array(
                cfg.init_args
                    .iter()
                    .map(|a| Value::Str(a.clone()))
                    .collect(),
            ),
        ),
        (
            "state",
            Value::Array(
                cfg.options
                    .state
                    .iter()
                    .map(|s| Value::Str(s.clone()))
                    .collect(),
            ),
        ),
        (
            "overlay",
            match cfg.options.overlay {
                Some(Overlay::Tmpfs) => Value::Str("tmpfs".into()),
                None => Value::Null,
            },
        ),
        (
            "syslog",
            match &cfg.options.syslog {
                None => Value::Null,
                Some(Syslog::Host { host, port }) => Value::object([
                    ("server", Value::Str(host.to_string())),
                    ("port", Value::Int((*port).into())),
                ]),
                Some(Syslog::Dhcp { port }) => Value::object([
                    ("server", Value::Str("dhcp".into())),
                    ("port", Value::Int((*port).into())),
                ]),
            },
        ),
        (
            "timeout",
            Value::Int(i64::try_from(cfg.options.timeout.as_secs()).unwrap_or(i64::MAX)),
        ),
        ("debug", Value::Bool(cfg.options.debug)),
        ("shell", Value::Bool(cfg.options.shell)),
        ("renew", cfg.options.renew.map_or(Value::Null, Value::Bool)),
        (
            "shutdown_timeout",
            Value::Int(i64::try_from(cfg.options.shutdown_timeout.as_secs()).unwrap_or(i64::MAX)),
        ),
        ("quiet", Value::Bool(cfg.quiet)),
        (
            "panic",
            cfg.panic.map_or(Value::Null, |p| Value::Int(p.into())),
        ),
        (
            "on_failure",
            Value::object([("action", Value::Str(action.into())), ("after", after)]),
        ),
        ("identity", identity_json(cfg, facts)),
    ])
}

/// Where an `ip=` without a device is applied, in words.
fn which_interface(cfg: &BootConfig, p: &IpParam) -> String {
    let top = cfg.netdevs.top_level();
    // An IPv6 ip= that names the interface names it for IPv4 too
    // (net::bring_up configures one interface).
    let named6 = cfg.ip6().and_then(|(_, p6)| p6.device.clone());
    match (p.device.as_ref().or(named6.as_ref()), &cfg.bootif) {
        (Some(d), _) => format!("interface {d}"),
        (None, _) if !top.is_empty() => {
            format!("{} (created from the command line)", top.join(" or "))
        }
        (None, Some(mac)) => format!("the interface with MAC {} (BOOTIF)", format_mac(mac)),
        (None, None) if ip_mode(p) == "dhcp" => {
            "every interface with a link (the first to get a lease is used)".to_string()
        }
        (None, None) => "the first interface with a link".to_string(),
    }
}

fn describe_ip(cfg: &BootConfig, p: &IpParam, out: &mut String) {
    let on = which_interface(cfg, p);
    let mut extra: Vec<String> = Vec::new();
    match ip_mode(p) {
        "off" if p.has_v6() => {
            // (dual stack with one ip= per family: the other one said it)
            if !cfg.ip.iter().any(|q| q.uses_dhcp() || q.client.is_some()) {
                let _ = writeln!(out, "  IPv4: not configured on {on}");
            }
        }
        "off" => {
            let _ = writeln!(
                out,
                "  no automatic configuration (ip={})",
                p.autoconf_word()
            );
        }
        "static" => {
            let _ = writeln!(out, "  static address on {on}:");
            if let Some(c) = p.client {
                let (mask, note) = match p.netmask {
                    Some(m) => (m, ""),
                    None => (classful_netmask(c), " (classful default)"),
                };
                let _ = writeln!(out, "    address {c}, netmask {mask}{note}");
            } else {
                let _ = writeln!(
                    out,
                    "    no client address given: the network cannot be configured"
                );
            }
        }
        _ => {
            let what = match p.autoconf {
                Autoconf::Bootp => "DHCP (asked for BOOTP; a DHCP server answers both)",
                _ => "DHCP",
            };
            let _ = writeln!(out, "  {what} on {on}");
            if let Some((ty, id)) = &p.client_id {
                extra.push(format!("client identifier type {ty} \"{id}\""));
            }
            if let Some(c) = p.client {
                extra.push(format!("asks for address {c}"));
            }
            if let Some(m) = p.netmask {
                extra.push(format!("netmask {m}"));
            }
        }
    }
    if let Some(g) = p.gateway {
        extra.push(format!("gateway {g}"));
    }
    if let Some(s) = p.server {
        extra.push(format!("server-ip {s}"));
    }
    if let Some(h) = &p.hostname {
        extra.push(format!("hostname {h}"));
    }
    if let Some(d) = &p.nis_domain {
        extra.push(format!("NIS domain {d}"));
    }
    if !p.dns.is_empty() {
        let list: Vec<String> = p.dns.iter().map(|d| d.to_string()).collect();
        extra.push(format!("DNS {}", list.join(", ")));
    }
    if let Some(n) = p.ntp {
        extra.push(format!("NTP {n}"));
    }
    if let Some(m) = p.mtu {
        extra.push(format!("MTU {m}"));
    }
    if let Some(mac) = &p.mac {
        extra.push(format!("MAC set to {}", format_mac(mac)));
    }
    for e in extra {
        let _ = writeln!(out, "    {e}");
    }
    describe_ip6(p, &on, out);
}

/// The IPv6 half of one `ip=`, in words.
fn describe_ip6(p: &IpParam, on: &str, out: &mut String) {
    let Some(m) = p.mode6 else { return };
    match (m, p.client6) {
        (Mode6::Static, Some((a, len))) => {
            let _ = writeln!(out, "  IPv6: static address {a}/{len} on {on}");
        }
        (Mode6::Auto6, _) => {
            let _ = writeln!(
                out,
                "  IPv6: autoconfiguration from router advertisements (auto6) on {on}"
            );
        }
        (Mode6::Dhcp6, _) => {
            let _ = writeln!(out, "  IPv6: DHCPv6 (dhcp6) on {on}");
        }
        (Mode6::Either6, _) => {
            let _ = writeln!(
                out,
                "  IPv6: router advertisements, else DHCPv6 (either6) on {on}"
            );
        }
        (Mode6::Static, None) => {}
    }
    if let Some(g) = p.gateway6 {
        let _ = writeln!(out, "    IPv6 gateway {g}");
    }
    if let Some(s) = p.server6 {
        let _ = writeln!(out, "    server-ip [{s}]");
    }
    if !p.dns6.is_empty() {
        let list: Vec<String> = p.dns6.iter().map(|d| d.to_string()).collect();
        let _ = writeln!(out, "    IPv6 DNS {}", list.join(", "));
    }
}

/// The plan in plain words, one fact per line, without looking at the
/// machine.
pub fn plan_text(cfg: &BootConfig) -> String {
    plan_text_with(cfg, &MachineFacts::default())
}

fn names_json(v: &[String]) -> Value {
    Value::Array(v.iter().map(|s| Value::Str(s.clone())).collect())
}

/// `net.vlans`, `net.bonds`, `net.bridges`, `net.ifnames`.
fn netdevs_json(d: &crate::cmdline::NetDevs) -> Vec<(&'static str, Value)> {
    let vlans = d.vlans.iter().map(|v| {
        Value::object([
            ("name", Value::Str(v.name.clone())),
            ("parent", Value::Str(v.parent.clone())),
            ("id", Value::Int(v.id.into())),
        ])
    });
    let bonds = d.bonds.iter().map(|b| {
        let opts = b
            .options
            .pairs()
            .into_iter()
            .map(|(k, v)| (k, Value::Str(v)));
        Value::object([
            ("name", Value::Str(b.name.clone())),
            ("slaves", names_json(&b.slaves)),
            ("options", Value::object(opts)),
            ("mtu", b.mtu.map_or(Value::Null, |m| Value::Int(m.into()))),
        ])
    });
    let bridges = d.bridges.iter().map(|b| {
        Value::object([
            ("name", Value::Str(b.name.clone())),
            ("ports", names_json(&b.ports)),
        ])
    });
    let ifnames = d.ifnames.iter().map(|r| {
        Value::object([
            ("name", Value::Str(r.name.clone())),
            ("mac", Value::Str(format_mac(&r.mac))),
        ])
    });
    vec![
        ("vlans", Value::Array(vlans.collect())),
        ("bonds", Value::Array(bonds.collect())),
        ("bridges", Value::Array(bridges.collect())),
        ("ifnames", Value::Array(ifnames.collect())),
    ]
}

/// The virtual links in words, one line each.
fn describe_netdevs(d: &crate::cmdline::NetDevs, out: &mut String) {
    for r in &d.ifnames {
        let _ = writeln!(
            out,
            "  rename the interface with MAC {} to {} (ifname=)",
            format_mac(&r.mac),
            r.name
        );
    }
    for b in &d.bonds {
        let opts: Vec<String> = b
            .options
            .pairs()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mtu = b.mtu.map(|m| format!(", MTU {m}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  bond {} of {} ({}{mtu}) (bond=)",
            b.name,
            b.slaves.join(", "),
            opts.join(",")
        );
    }
    for b in &d.bridges {
        let _ = writeln!(
            out,
            "  bridge {} over {} (bridge=)",
            b.name,
            b.ports.join(", ")
        );
    }
    for v in &d.vlans {
        let _ = writeln!(
            out,
            "  VLAN {} (id {}) on {} (vlan=)",
            v.name, v.id, v.parent
        );
    }
}

/// Whether the network phase brings a link up at all.
fn wants_link(cfg: &BootConfig) -> bool {
    if cfg.ip.is_empty() {
        cfg.wants_network()
    } else {
        cfg.ip
            .iter()
            .any(|p| ip_mode(p) != "off" || p.client.is_some() || p.has_v6())
    }
}

/// [`plan_text`] with what is known about the machine.
pub fn plan_text_with(cfg: &BootConfig, facts: &MachineFacts) -> String {
    let mut out = String::new();
    let secs = cfg.options.timeout.as_secs();
    out.push_str("Network:\n");
    describe_netdevs(&cfg.netdevs, &mut out);
    if cfg.ip.is_empty() {
        if cfg.wants_network() {
            let implied = IpParam {
                autoconf: Autoconf::Dhcp,
                ..IpParam::default()
            };
            let _ = writeln!(
                out,
                "  DHCP on {} (no ip= given; the root is on the network)",
                which_interface(cfg, &implied)
            );
        } else {
            out.push_str("  not configured (no ip= and no network root)\n");
        }
    } else {
        for p in &cfg.ip {
            describe_ip(cfg, p, &mut out);
        }
        if !matches!(cfg.root, RootSpec::None)
            && cfg.ip.iter().all(|p| ip_mode(p) == "off" && !p.has_v6())
        {
            out.push_str("  warning: the root is on the network but ip= turns the network off\n");
        }
    }
    if cfg.ip.iter().any(|p| ip_mode(p) == "dhcp") || (cfg.ip.is_empty() && cfg.wants_network()) {
        match cfg.options.timeout_dhcp {
            Some(d) => {
                let _ = writeln!(
                    out,
                    "  DHCP keeps trying for up to {} s (rd.net.timeout.dhcp)",
                    d.as_secs()
                );
            }
            None => {
                let _ = writeln!(out, "  DHCP keeps trying for up to {secs} s");
            }
        }
    }
    if let (true, Some(d)) = (wants_link(cfg), cfg.options.timeout_carrier) {
        let _ = writeln!(
            out,
            "  carrier: waited for up to {} s (rd.net.timeout.carrier)",
            d.as_secs()
        );
    }

    out.push_str("Root:\n");
    let mode = if cfg.mount_read_only() {
        "read-only"
    } else {
        "read-write"
    };
    match &cfg.root {
        RootSpec::None => {
            out.push_str("  no network root (root= names a local device or is not given): netroot mounts nothing\n");
        }
        RootSpec::Nfs(n) => {
            out.push_str("  NFS\n");
            let ip_server = ip_server(cfg);
            let fixed = static_nfs(cfg, n);
            match (&n.server, ip_server) {
                (Some(s), _) => {
                    let _ = writeln!(out, "  server: {s}");
                }
                (None, Some(s)) if fixed.is_some() => {
                    let _ = writeln!(
                        out,
                        "  server: {s} (server-ip of ip=; a static ip= runs no DHCP)"
                    );
                }
                (None, None) if fixed.is_some() => out.push_str(
                    "  server: none (nfsroot= names none, ip= has no server-ip and is static): the mount will fail\n",
                ),
                (None, Some(s)) => {
                    let _ = writeln!(
                        out,
                        "  server: from the DHCP root-path (option 17), else {s} (server-ip of ip=)"
                    );
                }
                (None, None) => out.push_str(
                    "  server: from the DHCP root-path (option 17), else the DHCP server\n",
                ),
            }
            match (&n.path, &fixed) {
                (_, Some((_, path))) => {
                    let given = n.path.as_deref().unwrap_or(DEFAULT_NFS_PATH);
                    if given == path {
                        let _ = writeln!(out, "  path: {path}");
                    } else {
                        let _ = writeln!(
                            out,
                            "  path: {path} ({given}, %s = the client's IP address)"
                        );
                    }
                }
                (Some(p), None) if p.contains("%s") => {
                    let _ = writeln!(out, "  path: {p} (%s = the client's IP address)");
                }
                (Some(p), None) => {
                    let _ = writeln!(out, "  path: {p}");
                }
                (None, None) => {
                    let _ = writeln!(
                        out,
                        "  path: from the DHCP root-path (option 17), else {DEFAULT_NFS_PATH} (%s = the client's IP address)"
                    );
                }
            }
            match n.version {
                Some(v) if v.as_str() == "4" => {
                    out.push_str("  NFS version: 4 (tries 4.2, 4.1, then 4.0)\n")
                }
                Some(v) => {
                    let _ = writeln!(out, "  NFS version: {v}");
                }
                None => out.push_str(
                    "  NFS version: tries 4.2, 4.1, 4.0, then 3 (the DHCP root-path may name one)\n",
                ),
            }
            if n.options.is_empty() {
                out.push_str("  options: netroot's defaults (the DHCP root-path may add some)\n");
            } else {
                let _ = writeln!(out, "  options: {}", n.options.join(","));
            }
            if let Some(f) = &cfg.rootflags {
                let _ = writeln!(out, "  rootflags: {f}");
            }
            let _ = writeln!(out, "  mounted {mode}, retried for up to {secs} s");
        }
        RootSpec::Nbd(b) => {
            out.push_str("  NBD\n");
            let _ = writeln!(out, "  server: {}, port {}", b.server, b.port);
            if b.export.is_empty() {
                out.push_str("  export: the server's default export\n");
            } else {
                let _ = writeln!(out, "  export: {}", b.export);
            }
            match b.fstype.as_deref().or(cfg.rootfstype.as_deref()) {
                Some(t) => {
                    let _ = writeln!(out, "  file system: {t}");
                }
                None => out.push_str("  file system: detected from the device\n"),
            }
            if let Some(f) = b.flags.as_deref().or(cfg.rootflags.as_deref()) {
                let _ = writeln!(out, "  mount flags: {f}");
            }
            if !b.nbd_options.is_empty() {
                let _ = writeln!(out, "  NBD options: {}", b.nbd_options.join(","));
            }
            let _ = writeln!(
                out,
                "  attached as /dev/nbd0, mounted {mode}, retried for up to {secs} s"
            );
            match cfg.options.nbd_give_up {
                Some(g) => {
                    let _ = writeln!(
                        out,
                        "  if the server goes away: reconnect; I/O fails after {} s without it (netroot.nbd.give-up)",
                        g.as_secs()
                    );
                }
                None => out.push_str(
                    "  if the server goes away: I/O waits while netroot reconnects (netroot.nbd.give-up=SECONDS fails it instead)\n",
                ),
            }
        }
        RootSpec::Live(l) => {
            out.push_str(
                "  live image over HTTP (squashfs or erofs, held in RAM)
",
            );
            let _ = writeln!(out, "  URL: {}", l.url);
            if l.url.tls {
                out.push_str(
                    "  (https:// needs a netroot built with TLS; this one is not)
",
                );
            }
            match &cfg.options.sha256 {
                Some(h) => {
                    let _ = writeln!(
                        out,
                        "  SHA-256: {h} (a mismatch is refused, the image never mounted)"
                    );
                }
                None => out.push_str(
                    "  SHA-256: not pinned (netroot.sha256= pins it)
",
                ),
            }
            let _ = writeln!(
                out,
                "  downloaded into a tmpfs (its size plus slack, refused when RAM is short), resumed and retried for up to {secs} s"
            );
            out.push_str(
                "  loop-mounted read-only under a tmpfs overlay (the root's changes live in RAM)
",
            );
        }
    }

    if cfg.wants_network() {
        let i = identity_plan(cfg, facts);
        out.push_str("Identity:\n");
        let _ = writeln!(out, "  node name: {}", i.node_text);
        let _ = writeln!(out, "  NFSv4 uniquifier: {}", i.uniq_text);
        let _ = writeln!(out, "  machine-id: {}", i.mid_text);
    }
    out.push_str("Then:\n");
    if cfg.options.overlay == Some(Overlay::Tmpfs) {
        out.push_str("  overlay: the network root read-only below a tmpfs upper layer (changes are lost at reboot)\n");
    }
    if !cfg.options.state.is_empty() {
        let _ = writeln!(
            out,
            "  state dirs: tmpfs on {}",
            cfg.options.state.join(", ")
        );
    }
    if cfg.wants_network() {
        out.push_str(match cfg.options.renew {
            Some(true) => "  DHCP lease: renewed after the switch by a resident @netroot-dhcp (netroot.renew)\n",
            Some(false) => "  DHCP lease: not renewed after the switch (netroot.renew=0)\n",
            None => "  DHCP lease: renewed after the switch by a resident @netroot-dhcp unless the root enables systemd-networkd (netroot.renew= to force)\n",
        });
    }
    out.push_str("  at shutdown: /run/initramfs/shutdown (netroot) unmounts the root, detaches NBD, powers off");
    if cfg.options.watchdog {
        let _ = writeln!(
            out,
            "; after the power button, or once a systemd root begins a poweroff, reboot or halt, the machine stops within {} s even if the server is gone (@netroot-watchdog, netroot.shutdown.timeout + 5 s)",
            cfg.options.shutdown_timeout.as_secs() + crate::shutdown::STEP_BUDGET.as_secs()
        );
    } else {
        out.push_str("; no shutdown watchdog (netroot.watchdog=0)\n");
    }
    let _ = write!(out, "  init: {}", cfg.init_path());
    if cfg.init.is_none() {
        out.push_str(" (default)");
    }
    if !cfg.init_args.is_empty() {
        let _ = write!(out, " with arguments {}", cfg.init_args.join(" "));
    }
    out.push('\n');
    let failure = match cfg.on_failure() {
        OnFailure::Shell => {
            "start a rescue shell (/bin/sh) if the image has one (netroot.shell)".to_string()
        }
        OnFailure::Reboot(n) => format!("reboot after {n} s (panic={n})"),
        OnFailure::Retry => {
            "wait and retry with backoff (no netroot.shell, no panic=N)".to_string()
        }
    };
    let _ = writeln!(out, "  on failure after {secs} s: {failure}");
    if cfg.options.timeout != DEFAULT_TIMEOUT {
        let _ = writeln!(out, "  timeout: {secs} s (netroot.timeout)");
    }
    if let Some(sl) = &cfg.options.syslog {
        let _ = writeln!(
            out,
            "  remote log: every message as RFC 5424 syslog over UDP to {sl}, from the moment the network is up (earlier ones are kept and sent then); a failure sends its report"
        );
    }
    if cfg.options.debug {
        out.push_str("  logging: debug (every dropped packet and retry)\n");
    } else if cfg.quiet {
        out.push_str("  logging: quiet (errors only on the console)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdline::parse;

    #[test]
    fn text_for_a_live_root() {
        let t = plan_text(&parse("root=live:https://s/r.img").unwrap());
        assert!(t.contains("  URL: https://s/r.img\n"), "{t}");
        assert!(t.contains("needs a netroot built with TLS"), "{t}");
        assert!(t.contains("SHA-256: not pinned"), "{t}");
        let line = format!(
            "root=live:http://s:81/r.img netroot.sha256={}",
            "0".repeat(64)
        );
        let t = plan_text(&parse(&line).unwrap());
        assert!(
            t.contains(&format!(
                "SHA-256: {} (a mismatch is refused",
                "0".repeat(64)
            )),
            "{t}"
        );
        assert!(
            t.contains("loop-mounted read-only under a tmpfs overlay"),
            "{t}"
        );
    }

    #[test]
    fn text_for_static_nbd_state_and_failure() {
        let cfg = parse(
            "ip=10.0.0.5:10.0.0.1:10.0.0.254::node5.lab:eth1:off:10.0.0.53 \
             nbd_host=srv nbd_name=root root=/dev/nbd0 rootfstype=ext4 rw \
             netroot.state=/var/log,/var/lib/dhcp netroot.overlay=tmpfs panic=10 \
             netroot.timeout=30 init=/lib/systemd/systemd -- single",
        )
        .unwrap();
        let t = plan_text(&cfg);
        for want in [
            "static address on interface eth1:",
            "address 10.0.0.5, netmask 255.0.0.0 (classful default)",
            "gateway 10.0.0.254",
            "hostname node5",
            "NIS domain lab",
            "DNS 10.0.0.53",
            "server: srv, port 10809",
            "export: root",
            "file system: ext4",
            "mounted read-write, retried for up to 30 s",
            "state dirs: tmpfs on /var/log, /var/lib/dhcp",
            "overlay: the network root read-only below a tmpfs upper layer",
            "init: /lib/systemd/systemd with arguments single",
            "on failure after 30 s: reboot after 10 s (panic=10)",
            "if the server goes away: I/O waits while netroot reconnects",
            "DHCP lease: renewed after the switch by a resident @netroot-dhcp unless the root enables systemd-networkd",
            "at shutdown: /run/initramfs/shutdown",
        ] {
            assert!(t.contains(want), "missing {want:?} in\n{t}");
        }
        let t = plan_text(&parse("root=nbd:srv:10809/root netroot.nbd.give-up=20").unwrap());
        assert!(
            t.contains("if the server goes away: reconnect; I/O fails after 20 s without it (netroot.nbd.give-up)"),
            "{t}"
        );
    }

    #[test]
    fn identity_sources_without_the_machine() {
        let t = plan_text(&parse("ip=dhcp nfsroot=10.0.0.1:/arch").unwrap());
        for want in [
            "node name: the host name from DHCP, else the client's address",
            "NFSv4 uniquifier: the DMI product UUID when it is real, else the boot interface's MAC",
            "machine-id: derived from the DMI product UUID when it is real, else the boot interface's MAC, when the root's /etc/machine-id is empty, missing or uninitialized",
        ] {
            assert!(t.contains(want), "missing {want:?} in\n{t}");
        }
        let t = plan_text(
            &parse("ip=10.0.0.5:::::eth0:off root=nbd:10.0.0.1:10809 netroot.machine-id=keep")
                .unwrap(),
        );
        assert!(t.contains("node name: 10.0.0.5 (from the address)"), "{t}");
        assert!(
            t.contains("NFSv4 uniquifier: not used (no NFS root)"),
            "{t}"
        );
        assert!(
            t.contains("machine-id: the root's own (netroot.machine-id=keep)"),
            "{t}"
        );
        let t = plan_text(
            &parse("ip=:::::eth0:dhcp nfsroot=10.0.0.1:/arch netroot.machine-id=0123456789abcdef0123456789abcdef nfs.nfs4_unique_id=pc7")
                .unwrap(),
        );
        assert!(
            t.contains("NFSv4 uniquifier: pc7 (from nfs.nfs4_unique_id=)"),
            "{t}"
        );
        assert!(
            t.contains("machine-id: 0123456789abcdef0123456789abcdef (netroot.machine-id=)"),
            "{t}"
        );
        // No network, no identity section.
        assert!(!plan_text(&parse("root=/dev/sda1").unwrap()).contains("Identity:"));
    }

    #[test]
    fn identity_values_from_the_machine() {
        let dir = std::env::temp_dir().join(format!("netroot-explain-id-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sys/class/net/eth0")).unwrap();
        std::fs::create_dir_all(dir.join("sys/class/dmi/id")).unwrap();
        std::fs::write(
            dir.join("sys/class/net/eth0/address"),
            "52:54:00:12:34:56\n",
        )
        .unwrap();
        let dmi = dir.join("sys/class/dmi/id/product_uuid");
        std::fs::write(&dmi, "00000000-0000-0000-0000-000000000000\n").unwrap();
        let shared = "ip=:::::eth0:dhcp nfsroot=10.0.0.1:/arch netroot.state=/var/log";
        let run = |line: &str, json: bool| {
            let cfg = parse(line).unwrap();
            let facts = machine_facts(&dir, &cfg);
            if json {
                plan_json_with(&cfg, &facts).render()
            } else {
                plan_text_with(&cfg, &facts)
            }
        };
        // A placeholder DMI UUID: the MAC of the ip= device.
        let from_mac =
            crate::root::identity::derive_machine_id(&crate::root::identity::MachineKey::Mac([
                0x52, 0x54, 0, 0x12, 0x34, 0x56,
            ]));
        let j = run(shared, true);
        assert!(
            j.contains(&format!(
                r#""identity":{{"node_name":{{"source":"dhcp","value":null}},"nfs4_unique_id":{{"source":"mac","value":"52:54:00:12:34:56"}},"machine_id":{{"mode":"auto","applies":"always","value":"{from_mac}"}}}}"#
            )),
            "{j}"
        );
        let t = run(shared, false);
        assert!(
            t.contains("NFSv4 uniquifier: 52:54:00:12:34:56 (from the MAC)"),
            "{t}"
        );
        assert!(
            t.contains(&format!(
                "machine-id: {from_mac} (derived from the MAC), always: the root is marked shared"
            )),
            "{t}"
        );
        // A real one wins over the MAC.
        std::fs::write(&dmi, "5B0A1F2E-8C1D-4E6F-9A7B-3C2D1E0F9A8B\n").unwrap();
        let t = run(shared, false);
        assert!(
            t.contains("NFSv4 uniquifier: 5b0a1f2e-8c1d-4e6f-9a7b-3c2d1e0f9a8b (from the DMI product UUID)"),
            "{t}"
        );
        assert!(!t.contains(&from_mac), "{t}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Hand-over files, so what runs after us keeps (and can read) the network
//! configuration the root file system lives on:
//!
//! - `/run/net-<iface>.conf` in klibc ipconfig's format (`dump_device_config`
//!   in klibc's `usr/kinit/ipconfig/main.c`): the keys and their order, every
//!   value single-quoted. Early-boot hooks source it with `.`; every value
//!   that came from the network is quoted so sourcing can never execute
//!   anything (klibc's CVE-2011-1930 was exactly this). Optionally the same
//!   file under `/tmp` (mkinitcpio's net hook users source `/tmp/net-*.conf`).
//! - `/run/systemd/network/10-netroot-<iface>.network`: the booted system's
//!   networkd keeps the address instead of dropping it (systemd.network(5),
//!   `KeepConfiguration=`).
//! - `/run/systemd/network/10-netroot-<iface>.link`: udev keeps the name the
//!   interface has (systemd.link(5), `Name=`). Without it udev tries to give
//!   the NIC its predictable name, the kernel refuses to rename an interface
//!   that is up, udev leaves `ID_RENAMING=1` on it, and networkd (seen with
//!   systemd 252, Debian bookworm) keeps the link "pending" forever:
//!   `systemd-networkd-wait-online` then times out after 2 minutes.
//! - `/run/netroot/net.json`: the lease, for netroot's later phases
//!   (`netroot mount` reads it back with [`read_json`]).

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::apply::{self, Plan};
use super::dhcp::Lease;
use super::ipv6::{Addr6, Lease6, Mode6, Source6};
use super::Proto;
use crate::cmdline::NetDevs;
use crate::json::Value;
use crate::util::fmt_mac;

/// Writing a hand-over file failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] apply::Error),
}

/// What the hand-over files describe.
#[derive(Debug, Clone)]
pub struct Handover<'a> {
    /// The configured interface.
    pub plan: &'a Plan,
    /// Its MAC address.
    pub mac: [u8; 6],
    /// The lease (completed: netmask and broadcast filled in).
    pub lease: &'a Lease,
    /// Seconds since boot when the configuration completed (klibc: `UPTIME`).
    pub uptime: u64,
    /// How long the bring-up took.
    pub elapsed: Duration,
    /// dracut's virtual links the command line asked for.
    pub netdevs: &'a NetDevs,
    /// The permanent MACs of the physical links under them, by name.
    pub port_macs: &'a [(String, [u8; 6])],
}

impl Handover<'_> {
    /// Whether the configured interface is one of the virtual links: its
    /// MAC is a member's, so it is matched by name, and it has no .link.
    fn on_virtual(&self) -> bool {
        let d = self.netdevs;
        let i = self.plan.iface.as_str();
        d.bonds.iter().any(|b| b.name == i)
            || d.bridges.iter().any(|b| b.name == i)
            || d.vlans.iter().any(|v| v.name == i)
    }
}

/// The systemd-networkd files that recreate dracut's virtual links in the
/// booted system (systemd.netdev(5), systemd.network(5), systemd.link(5)):
/// a `.netdev` per device; a `.network` per lower link naming what it
/// belongs to (`Bond=`, `Bridge=`, `VLAN=`), matched by name, with
/// `KeepConfiguration=yes` so networkd never takes the root's path down;
/// and a `.link` pinning each physical member's name by its permanent MAC
/// (a bond member's current MAC is the bond's). (file name, text) pairs.
/// PURE. Names were checked by the command-line parser (no spaces,
/// no `/`, at most 15 bytes), so they cannot inject lines.
pub fn netdev_files(devs: &NetDevs, port_macs: &[(String, [u8; 6])]) -> Vec<(String, String)> {
    const HEAD: &str =
        "# Written by netroot from the kernel command line (bond=, bridge=, vlan=).\n";
    let mut out = Vec::new();
    for b in &devs.bonds {
        let o = &b.options;
        let mut t = format!("{HEAD}[NetDev]\nName={}\nKind=bond\n", b.name);
        if let Some(m) = b.mtu {
            let _ = writeln!(t, "MTUBytes={m}");
        }
        let _ = write!(t, "\n[Bond]\nMode={}\n", o.mode_name());
        for (k, v) in [
            ("MIIMonitorSec", o.miimon),
            ("UpDelaySec", o.updelay),
            ("DownDelaySec", o.downdelay),
        ] {
            if let Some(v) = v {
                let _ = writeln!(t, "{k}={v}ms");
            }
        }
        for (k, v) in o.pairs() {
            match k {
                "lacp_rate" => {
                    let _ = writeln!(t, "LACPTransmitRate={v}");
                }
                "xmit_hash_policy" => {
                    let _ = writeln!(t, "TransmitHashPolicy={v}");
                }
                _ => {}
            }
        }
        out.push((format!("10-netroot-{}.netdev", b.name), t));
    }
    for b in &devs.bridges {
        let t = format!("{HEAD}[NetDev]\nName={}\nKind=bridge\n", b.name);
        out.push((format!("10-netroot-{}.netdev", b.name), t));
    }
    for v in &devs.vlans {
        let t = format!(
            "{HEAD}[NetDev]\nName={}\nKind=vlan\n\n[VLAN]\nId={}\n",
            v.name, v.id
        );
        out.push((format!("10-netroot-{}.netdev", v.name), t));
    }
    // Each lower link: what it is a member of, what VLANs ride on it.
    let mut lower: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |name: &str, line: String| match lower.iter_mut().find(|(n, _)| n == name) {
        Some((_, v)) => v.push(line),
        None => lower.push((name.to_string(), vec![line])),
    };
    for b in &devs.bonds {
        for m in &b.slaves {
            add(m, format!("Bond={}", b.name));
            if b.options.primary.as_ref() == Some(m) {
                add(m, "PrimarySlave=yes".into());
            }
        }
    }
    for b in &devs.bridges {
        for m in &b.ports {
            add(m, format!("Bridge={}", b.name));
        }
    }
    for v in &devs.vlans {
        add(&v.parent, format!("VLAN={}", v.name));
    }
    for (name, lines) in lower {
        let mut t = format!("{HEAD}[Match]\nName={name}\n\n[Network]\n");
        for l in lines {
            t.push_str(&l);
            t.push('\n');
        }
        t.push_str("LinkLocalAddressing=no\nKeepConfiguration=yes\n");
        out.push((format!("10-netroot-{name}.network"), t));
        if let Some((_, mac)) = port_macs.iter().find(|(n, _)| *n == name) {
            let t = format!(
                "{HEAD}[Match]\nPermanentMACAddress={}\n\n[Link]\nName={name}\n",
                fmt_mac(mac)
            );
            out.push((format!("10-netroot-{name}.link"), t));
        }
    }
    out
}

/// Append `NAME='value'` + newline, quoted for sh the way klibc does it: the
/// whole value in single quotes (inside which sh interprets nothing), each
/// `'` written as `'\''` and each `!` as `'\!'` (so an interactive bash with
/// history expansion does not expand it either). NUL bytes cannot live in a
/// shell variable and are dropped.
pub fn sh_assign(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str("='");
    for c in value.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            '!' => out.push_str("'\\!'"),
            '\0' => {}
            c => out.push(c),
        }
    }
    out.push_str("'\n");
}

fn addr_or_zero(a: Option<Ipv4Addr>) -> String {
    a.unwrap_or(Ipv4Addr::UNSPECIFIED).to_string()
}

/// The text of `net-<iface>.conf`, byte-compatible with klibc ipconfig:
/// `0.0.0.0` for unset addresses, empty strings for unset names. Like klibc,
/// classless static routes (option 121) are written as
/// `IPV4ROUTE<n>SUBNET`/`IPV4ROUTE<n>GATEWAY` pairs in place of `IPV4GATEWAY`.
/// `ROOTSERVER` is the next server (siaddr) or, when the server left it
/// empty, the DHCP server itself; for a static `ip=` it is its server field.
pub fn ipconfig_conf(h: &Handover<'_>) -> String {
    let l = h.lease;
    let mut s = String::new();
    sh_assign(&mut s, "DEVICE", &h.plan.iface);
    sh_assign(&mut s, "PROTO", h.plan.proto.klibc_name());
    sh_assign(&mut s, "IPV4ADDR", &addr_or_zero(l.addr));
    sh_assign(&mut s, "IPV4BROADCAST", &addr_or_zero(l.broadcast));
    sh_assign(&mut s, "IPV4NETMASK", &addr_or_zero(l.netmask));
    if l.classless_routes.is_empty() {
        sh_assign(
            &mut s,
            "IPV4GATEWAY",
            &addr_or_zero(l.routers.first().copied()),
        );
    } else {
        for (i, (dest, plen, gw)) in l.classless_routes.iter().enumerate() {
            sh_assign(
                &mut s,
                &format!("IPV4ROUTE{i}SUBNET"),
                &format!("{dest}/{plen}"),
            );
            sh_assign(&mut s, &format!("IPV4ROUTE{i}GATEWAY"), &gw.to_string());
        }
    }
    sh_assign(&mut s, "IPV4DNS0", &addr_or_zero(l.dns.first().copied()));
    sh_assign(&mut s, "IPV4DNS1", &addr_or_zero(l.dns.get(1).copied()));
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    // The node name that was set (root::identity::node_name): the host
    // name from DHCP or ip=, else the address.
    sh_assign(&mut s, "HOSTNAME", &opt(&h.plan.hostname));
    sh_assign(&mut s, "DNSDOMAIN", &opt(&l.domain));
    sh_assign(&mut s, "NISDOMAIN", &opt(&l.nis_domain));
    sh_assign(
        &mut s,
        "ROOTSERVER",
        &addr_or_zero(l.next_server.or(l.server_id)),
    );
    sh_assign(&mut s, "ROOTPATH", &opt(&l.root_path));
    sh_assign(&mut s, "filename", &opt(&l.bootfile));
    sh_assign(&mut s, "UPTIME", &h.uptime.to_string());
    let lease_secs = l.lease_time.map(|d| d.as_secs()).unwrap_or(0);
    sh_assign(&mut s, "DHCPLEASETIME", &lease_secs.to_string());
    sh_assign(&mut s, "DOMAINSEARCH", &domain_search(&l.domain_search));
    if let Some(v6) = &h.plan.v6 {
        ipv6_keys(&mut s, v6);
    }
    s
}

/// The IPv6 keys of `net-<iface>.conf`, named as initramfs-tools' DHCPv6
/// hook writes them into `/run/net6-<iface>.conf` (and cloud-init reads
/// them back): `IPV6PROTO`, `IPV6ADDR`, `IPV6NETMASK` (a prefix length,
/// also written as `IPV6PREFIX`), `IPV6GATEWAY`, `IPV6DNS0`, `IPV6DNS1`,
/// `IPV6DOMAINSEARCH`; `::` for an unset address, like `0.0.0.0` above.
/// Every value quoted: the search domains came from the network.
fn ipv6_keys(s: &mut String, v6: &apply::Plan6) {
    let unset = |a: Option<Ipv6Addr>| a.unwrap_or(Ipv6Addr::UNSPECIFIED).to_string();
    let first = v6.addresses.first();
    let proto = match first.map(|a| a.source) {
        Some(Source6::Static) | None => "none",
        Some(Source6::Slaac) => "auto6",
        Some(Source6::Dhcp6) => "dhcp6",
    };
    sh_assign(s, "IPV6PROTO", proto);
    sh_assign(s, "IPV6ADDR", &unset(first.map(|a| a.addr)));
    let plen = first.map_or(0, |a| a.prefix_len).to_string();
    sh_assign(s, "IPV6NETMASK", &plen);
    sh_assign(s, "IPV6PREFIX", &plen);
    sh_assign(s, "IPV6GATEWAY", &unset(v6.gateway));
    sh_assign(s, "IPV6DNS0", &unset(v6.nameservers.first().copied()));
    sh_assign(s, "IPV6DNS1", &unset(v6.nameservers.get(1).copied()));
    sh_assign(s, "IPV6DOMAINSEARCH", &domain_search(&v6.search));
}

/// `DOMAINSEARCH` as klibc ipconfig writes it: the option 119 names
/// (RFC 3397) fully qualified, each with its trailing dot, separated by
/// spaces (initramfs-tools' network test expects exactly this).
fn domain_search(names: &[String]) -> String {
    let fq: Vec<String> = names
        .iter()
        .map(|n| {
            if n.ends_with('.') {
                n.clone()
            } else {
                format!("{n}.")
            }
        })
        .collect();
    fq.join(" ")
}

/// The systemd-networkd unit for the boot interface. Only addresses (typed
/// values) and names that passed [`apply::valid_dns_name`] are written, so a
/// server cannot inject lines or sections.
pub fn networkd_file(h: &Handover<'_>) -> String {
    let p = h.plan;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Written by netroot: the root file system is reached through {}.",
        p.iface
    );
    s.push_str("# Keep its configuration across the switch to the real root.\n");
    if let Some(n) = p.hostname.as_ref().filter(|n| apply::valid_hostname(n)) {
        let _ = writeln!(s, "# Node name set by netroot: {n}");
    }
    s.push_str("[Match]\n");
    if h.on_virtual() {
        // Its MAC is a member's: match the name netroot gave it.
        let _ = writeln!(s, "Name={}", p.iface);
    } else {
        let _ = writeln!(s, "MACAddress={}", fmt_mac(&h.mac));
    }
    if let Some(mtu) = p.mtu {
        let _ = write!(s, "\n[Link]\nMTUBytes={mtu}\n");
    }
    s.push_str("\n[Network]\n");
    let v4_dhcp = p.proto == Proto::Dhcp && p.address.is_some();
    let has = |src: Source6| {
        p.v6.as_ref()
            .is_some_and(|v| v.addresses.iter().any(|a| a.source == src))
    };
    // networkd renews what it runs itself: DHCPv4, and for addresses from
    // DHCPv6 or router advertisements its own DHCPv6 client and RA
    // handling (systemd.network(5): DHCPv6 is started by the RA's M flag
    // when IPv6AcceptRA= is on). A static IPv6 address turns RAs off, as
    // netroot did.
    match (v4_dhcp, has(Source6::Dhcp6)) {
        (true, true) => s.push_str("DHCP=yes\n"),
        (true, false) => s.push_str("DHCP=ipv4\n"),
        (false, true) => s.push_str("DHCP=ipv6\n"),
        (false, false) => {}
    }
    if let Some(v6) = &p.v6 {
        let dynamic = has(Source6::Dhcp6) || has(Source6::Slaac) || v6.mode != Mode6::Static;
        let _ = writeln!(s, "IPv6AcceptRA={}", if dynamic { "yes" } else { "no" });
    }
    if let Some(a) = p.address {
        let _ = writeln!(s, "Address={}/{}", a.addr, a.prefix_len);
    }
    // Only static IPv6 addresses: one from an RA or DHCPv6 has a lifetime
    // that networkd renews; written as Address= it would never expire.
    for a in p.v6.iter().flat_map(|v| &v.addresses) {
        if a.source == Source6::Static {
            let _ = writeln!(s, "Address={}/{}", a.addr, a.prefix_len);
        }
    }
    for ns in &p.nameservers {
        let _ = writeln!(s, "DNS={ns}");
    }
    for ns in p.v6.iter().flat_map(|v| &v.nameservers) {
        let _ = writeln!(s, "DNS={ns}");
    }
    let mut domains = p.search.clone();
    for d in p.v6.iter().flat_map(|v| &v.search) {
        if !domains.contains(d) {
            domains.push(d.clone());
        }
    }
    if !domains.is_empty() {
        let _ = writeln!(s, "Domains={}", domains.join(" "));
    }
    // "yes" implies "dhcp" (never drop DHCP addresses, even on lease expiry)
    // and "static" (keep what is already there at start-up): systemd >= 243.
    s.push_str("KeepConfiguration=yes\n");
    for r in &p.routes {
        s.push_str("\n[Route]\n");
        if r.prefix_len > 0 {
            let _ = writeln!(s, "Destination={}/{}", r.dest, r.prefix_len);
        }
        match r.gateway {
            Some(gw) => {
                let _ = writeln!(s, "Gateway={gw}");
                if r.onlink {
                    s.push_str("GatewayOnLink=yes\n");
                }
            }
            None => s.push_str("Scope=link\n"),
        }
    }
    if let Some(gw) =
        p.v6.as_ref()
            .and_then(|v| v.gateway.filter(|_| v.mode == Mode6::Static))
    {
        // The static router; a router from an RA comes back with the
        // next advertisement.
        let _ = writeln!(s, "\n[Route]\nGateway={gw}");
        if p.v6.as_ref().is_some_and(|v| v.onlink) {
            s.push_str("GatewayOnLink=yes\n");
        }
    }
    if v4_dhcp {
        // The MAC-based identity PXE and netroot used, so the booted system
        // renews the same lease (networkd's default is a DUID).
        s.push_str("\n[DHCPv4]\nClientIdentifier=mac\n");
        // A node name that is the client's address (no host name was given)
        // is not a name to advertise: sent as option 12 (networkd's default
        // SendHostname=yes), dnsmasq echoes it back cut at the first dot
        // and networkd then renames every client of the room to "10".
        if p.hostname
            .as_ref()
            .is_some_and(|n| n.parse::<std::net::IpAddr>().is_ok())
        {
            s.push_str("SendHostname=no\n");
        }
    }
    s
}

/// The systemd.link(5) file that pins the boot interface's name, or `None`
/// when the name is not one a `.link` file can carry (kernel names are, but
/// this is written into a config file, so check rather than trust).
pub fn link_file(h: &Handover<'_>) -> Option<String> {
    if h.on_virtual() {
        // A .link matching its MAC would rename a member instead.
        return None;
    }
    let name = &h.plan.iface;
    let ok = !name.is_empty()
        && name.len() < 16
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !ok {
        return None;
    }
    Some(format!(
        "# Written by netroot: the root file system is reached through {name}.\n\
         # Keep its name, so udev does not try to rename it while it is up.\n\
         [Match]\n\
         MACAddress={}\n\
         \n\
         [Link]\n\
         Name={name}\n",
        fmt_mac(&h.mac)
    ))
}

fn addrs(v: &[Ipv4Addr]) -> Value {
    Value::Array(v.iter().map(|a| Value::Str(a.to_string())).collect())
}

/// The lease as JSON (`/run/netroot/net.json`).
pub fn json(h: &Handover<'_>) -> String {
    let l = h.lease;
    let p = h.plan;
    let routes = l
        .classless_routes
        .iter()
        .map(|(d, plen, g)| {
            Value::object([
                ("destination", Value::Str(d.to_string())),
                ("prefix_len", Value::Int(i64::from(*plen))),
                ("gateway", Value::Str(g.to_string())),
            ])
        })
        .collect();
    let v = Value::object([
        ("interface", Value::Str(p.iface.clone())),
        ("index", Value::Int(i64::from(p.index))),
        ("mac", Value::Str(fmt_mac(&h.mac))),
        ("proto", Value::Str(p.proto.name().into())),
        ("address", Value::opt_str(l.addr)),
        (
            "prefix_len",
            p.address
                .map_or(Value::Null, |a| Value::Int(i64::from(a.prefix_len))),
        ),
        ("netmask", Value::opt_str(l.netmask)),
        ("broadcast", Value::opt_str(l.broadcast)),
        ("routers", addrs(&l.routers)),
        ("classless_routes", Value::Array(routes)),
        ("dns", addrs(&l.dns)),
        ("hostname", Value::opt_str(l.hostname.as_ref())),
        ("node_name", Value::opt_str(p.hostname.as_ref())),
        ("domain", Value::opt_str(l.domain.as_ref())),
        (
            "domain_search",
            Value::Array(
                l.domain_search
                    .iter()
                    .map(|d| Value::Str(d.clone()))
                    .collect(),
            ),
        ),
        ("nis_domain", Value::opt_str(l.nis_domain.as_ref())),
        ("ntp", addrs(&l.ntp)),
        ("root_path", Value::opt_str(l.root_path.as_ref())),
        (
            "mtu",
            l.mtu.map_or(Value::Null, |m| Value::Int(i64::from(m))),
        ),
        ("server_id", Value::opt_str(l.server_id)),
        ("next_server", Value::opt_str(l.next_server)),
        ("tftp_server", Value::opt_str(l.tftp_server.as_ref())),
        ("bootfile", Value::opt_str(l.bootfile.as_ref())),
        (
            "lease_time",
            l.lease_time
                .map_or(Value::Null, |d| Value::Int(d.as_secs() as i64)),
        ),
        ("rapid_commit", Value::Bool(l.rapid_commit)),
        ("uptime", Value::Int(h.uptime as i64)),
        ("elapsed_ms", Value::Int(h.elapsed.as_millis() as i64)),
    ]);
    // The IPv6 half only when there is one: the IPv4 keys stay as they were.
    let v = match (v, &p.v6) {
        (Value::Object(mut fields), Some(v6)) => {
            fields.push(("ipv6".to_string(), json6(v6)));
            Value::Object(fields)
        }
        (v, _) => v,
    };
    let mut s = v.render();
    s.push('\n');
    s
}

fn source_name(s: Source6) -> &'static str {
    match s {
        Source6::Static => "static",
        Source6::Slaac => "slaac",
        Source6::Dhcp6 => "dhcp6",
    }
}

/// The IPv6 half of the JSON: `{"mode", "addresses": [{"address",
/// "prefix_len", "source"}], "gateway", "dns", "search"}`.
fn json6(v: &apply::Plan6) -> Value {
    let strs = |v: &[Ipv6Addr]| Value::Array(v.iter().map(|a| Value::Str(a.to_string())).collect());
    Value::object([
        (
            "mode",
            Value::Str(crate::cmdline::ip::mode6_name(v.mode).into()),
        ),
        (
            "addresses",
            Value::Array(
                v.addresses
                    .iter()
                    .map(|a| {
                        Value::object([
                            ("address", Value::Str(a.addr.to_string())),
                            ("prefix_len", Value::Int(i64::from(a.prefix_len))),
                            ("source", Value::Str(source_name(a.source).into())),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("gateway", Value::opt_str(v.gateway)),
        ("dns", strs(&v.nameservers)),
        (
            "search",
            Value::Array(v.search.iter().map(|d| Value::Str(d.clone())).collect()),
        ),
    ])
}

/// Read back the IPv6 half of what [`json`] wrote (None: no IPv6, or not
/// readable): the addresses and name servers the root phase uses.
pub fn read_json6(text: &str) -> Option<Lease6> {
    let v = crate::json::parse(text).ok()?;
    let v6 = v.get("ipv6")?;
    let addr = |x: &Value| x.as_str().and_then(|s| s.parse::<Ipv6Addr>().ok());
    let mut l = Lease6::default();
    if let Some(Value::Array(items)) = v6.get("addresses") {
        for a in items {
            let source = match a.get("source").and_then(Value::as_str) {
                Some("slaac") => Source6::Slaac,
                Some("dhcp6") => Source6::Dhcp6,
                _ => Source6::Static,
            };
            let plen = match a.get("prefix_len") {
                Some(Value::Int(n)) => u8::try_from(*n).ok()?,
                _ => return None,
            };
            l.addrs.push(Addr6 {
                addr: addr(a.get("address")?)?,
                prefix_len: plen,
                source,
                preferred: None,
                valid: None,
            });
        }
    }
    l.gateway = v6.get("gateway").and_then(addr);
    if let Some(Value::Array(items)) = v6.get("dns") {
        l.dns = items.iter().filter_map(addr).collect();
    }
    Some(l)
}

/// Where [`write_all`] puts the lease as JSON, under its `run_dir`.
pub const JSON_PATH: &str = "netroot/net.json";

/// Read back what [`json`] wrote: the protocol and the lease fields the
/// root phase uses (address, DNS, root path, servers). The text is ours
/// but read as untrusted: a field of the wrong type is an error.
pub fn read_json(text: &str) -> Result<(Proto, Lease), String> {
    let v = crate::json::parse(text)?;
    let addr = |key: &str| -> Result<Option<Ipv4Addr>, String> {
        match v.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Str(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| format!("{key}: {s:?} is not an IPv4 address")),
            Some(_) => Err(format!("{key}: not a string")),
        }
    };
    let proto = match v.get("proto").and_then(Value::as_str) {
        Some("dhcp") => Proto::Dhcp,
        Some("static") => Proto::Static,
        other => return Err(format!("proto: {other:?} is neither dhcp nor static")),
    };
    let dns = match v.get("dns") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|d| {
                d.as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| format!("dns: {} is not an IPv4 address", d.render()))
            })
            .collect::<Result<Vec<Ipv4Addr>, String>>()?,
        _ => Vec::new(),
    };
    let lease = Lease {
        addr: addr("address")?,
        dns,
        root_path: v
            .get("root_path")
            .and_then(Value::as_str)
            .map(str::to_string),
        server_id: addr("server_id")?,
        next_server: addr("next_server")?,
        ..Lease::default()
    };
    Ok((proto, lease))
}

/// Write every hand-over file: under `run_dir` (normally `/run`) and, in
/// mkinitcpio mode, `net-<iface>.conf` also under `tmp_dir`. Returns the
/// paths written.
pub fn write_all(
    h: &Handover<'_>,
    run_dir: &Path,
    tmp_dir: Option<&Path>,
) -> Result<Vec<PathBuf>, Error> {
    let conf = ipconfig_conf(h);
    let name = format!("net-{}.conf", h.plan.iface);
    let mut paths = vec![run_dir.join(&name)];
    if let Some(t) = tmp_dir {
        paths.push(t.join(&name));
    }
    for p in &paths {
        apply::write_file(p, &conf)?;
    }
    let nd = run_dir
        .join("systemd/network")
        .join(format!("10-netroot-{}.network", h.plan.iface));
    apply::write_file(&nd, &networkd_file(h))?;
    paths.push(nd);
    if let Some(text) = link_file(h) {
        let lf = run_dir
            .join("systemd/network")
            .join(format!("10-netroot-{}.link", h.plan.iface));
        apply::write_file(&lf, &text)?;
        paths.push(lf);
    }
    for (file, text) in netdev_files(h.netdevs, h.port_macs) {
        let p = run_dir.join("systemd/network").join(file);
        apply::write_file(&p, &text)?;
        paths.push(p);
    }
    let js = run_dir.join(JSON_PATH);
    apply::write_file(&js, &json(h))?;
    paths.push(js);
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::apply::plan;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn lease() -> Lease {
        apply::complete(&Lease {
            addr: Some(ip("10.77.0.50")),
            netmask: Some(ip("255.255.255.0")),
            routers: vec![ip("10.77.0.1")],
            dns: vec![ip("10.77.0.1")],
            hostname: Some("node7".into()),
            domain: Some("lab.example".into()),
            domain_search: vec!["lab.example".into(), "example".into()],
            root_path: Some("10.77.0.1:/srv/root,vers=4".into()),
            bootfile: Some("pxelinux.0".into()),
            server_id: Some(ip("10.77.0.1")),
            lease_time: Some(Duration::from_secs(3600)),
            mtu: Some(1400),
            ..Lease::default()
        })
    }

    fn with<T>(l: &Lease, f: impl FnOnce(&Handover<'_>) -> T) -> T {
        let mut p = plan("eth0", 2, Proto::Dhcp, l).unwrap();
        // The node name as given, unchecked: the writers must quote (or
        // refuse) whatever reaches them.
        p.hostname = l.hostname.clone();
        handover_of(&p, l, f)
    }

    /// The hand-over of plan `p` for lease `l` on a fixed MAC and clock.
    fn handover_of<T>(p: &Plan, l: &Lease, f: impl FnOnce(&Handover<'_>) -> T) -> T {
        let h = Handover {
            plan: p,
            mac: [0x02, 0, 0, 0x77, 0, 0x10],
            lease: l,
            uptime: 12,
            elapsed: Duration::from_millis(250),
            netdevs: &NetDevs::default(),
            port_macs: &[],
        };
        f(&h)
    }

    fn bare<'a>(
        plan: &'a Plan,
        lease: &'a Lease,
        netdevs: &'a NetDevs,
        port_macs: &'a [(String, [u8; 6])],
    ) -> Handover<'a> {
        Handover {
            plan,
            mac: [2, 0, 0, 0, 0, 1],
            lease,
            uptime: 0,
            elapsed: Duration::ZERO,
            netdevs,
            port_macs,
        }
    }

    #[test]
    fn netdev_files_recreate_bond_and_vlan() {
        let cfg = crate::cmdline::parse(
            "bond=bond0:eth0,eth1:mode=active-backup,miimon=100,primary=eth1:9000 vlan=vlan5:bond0",
        )
        .unwrap();
        let macs = vec![
            ("eth0".to_string(), [2, 0, 0, 0, 0, 1]),
            ("eth1".to_string(), [2, 0, 0, 0, 0, 2]),
        ];
        let files = netdev_files(&cfg.netdevs, &macs);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "10-netroot-bond0.netdev",
                "10-netroot-vlan5.netdev",
                "10-netroot-eth0.network",
                "10-netroot-eth0.link",
                "10-netroot-eth1.network",
                "10-netroot-eth1.link",
                "10-netroot-bond0.network",
            ]
        );
        let head = "# Written by netroot from the kernel command line (bond=, bridge=, vlan=).\n";
        assert_eq!(
            files[0].1,
            format!(
                "{head}[NetDev]\nName=bond0\nKind=bond\nMTUBytes=9000\n\n[Bond]\n\
                 Mode=active-backup\nMIIMonitorSec=100ms\n"
            )
        );
        assert_eq!(
            files[1].1,
            format!("{head}[NetDev]\nName=vlan5\nKind=vlan\n\n[VLAN]\nId=5\n")
        );
        assert_eq!(
            files[4].1,
            format!(
                "{head}[Match]\nName=eth1\n\n[Network]\nBond=bond0\nPrimarySlave=yes\n\
                 LinkLocalAddressing=no\nKeepConfiguration=yes\n"
            )
        );
        assert_eq!(
            files[5].1,
            format!("{head}[Match]\nPermanentMACAddress=02:00:00:00:00:02\n\n[Link]\nName=eth1\n")
        );
        assert!(
            files[6].1.contains("[Network]\nVLAN=vlan5\n"),
            "{}",
            files[6].1
        );
        // The address's .network matches the VLAN by name, and no .link
        // (it would match a member's MAC).
        let mut p = plan("vlan5", 9, Proto::Dhcp, &lease()).unwrap();
        p.hostname = None;
        let l = lease();
        let h = bare(&p, &l, &cfg.netdevs, &macs);
        assert!(networkd_file(&h).contains("[Match]\nName=vlan5\n"));
        assert_eq!(link_file(&h), None);
    }

    #[test]
    fn ipconfig_conf_byte_for_byte() {
        let got = with(&lease(), ipconfig_conf);
        let want = "DEVICE='eth0'
PROTO='dhcp'
IPV4ADDR='10.77.0.50'
IPV4BROADCAST='10.77.0.255'
IPV4NETMASK='255.255.255.0'
IPV4GATEWAY='10.77.0.1'
IPV4DNS0='10.77.0.1'
IPV4DNS1='0.0.0.0'
HOSTNAME='node7'
DNSDOMAIN='lab.example'
NISDOMAIN=''
ROOTSERVER='10.77.0.1'
ROOTPATH='10.77.0.1:/srv/root,vers=4'
filename='pxelinux.0'
UPTIME='12'
DHCPLEASETIME='3600'
DOMAINSEARCH='lab.example. example.'
";
        assert_eq!(got, want);
    }

    #[test]
    fn domain_search_is_fully_qualified() {
        assert_eq!(domain_search(&[]), "");
        let names = ["a.example".to_string(), "b.example.".to_string()];
        assert_eq!(domain_search(&names), "a.example. b.example.");
    }

    #[test]
    fn ipconfig_conf_classless_routes_like_klibc() {
        let mut l = lease();
        l.classless_routes = vec![
            (ip("0.0.0.0"), 0, ip("10.77.0.254")),
            (ip("10.9.0.0"), 16, ip("10.77.0.3")),
        ];
        let got = with(&l, ipconfig_conf);
        assert!(!got.contains("IPV4GATEWAY"));
        assert!(got.contains(
            "IPV4NETMASK='255.255.255.0'\nIPV4ROUTE0SUBNET='0.0.0.0/0'\nIPV4ROUTE0GATEWAY='10.77.0.254'\nIPV4ROUTE1SUBNET='10.9.0.0/16'\nIPV4ROUTE1GATEWAY='10.77.0.3'\nIPV4DNS0="
        ));
    }

    #[test]
    fn networkd_byte_for_byte() {
        let got = with(&lease(), networkd_file);
        let want = "# Written by netroot: the root file system is reached through eth0.
# Keep its configuration across the switch to the real root.
# Node name set by netroot: node7
[Match]
MACAddress=02:00:00:77:00:10

[Link]
MTUBytes=1400

[Network]
DHCP=ipv4
Address=10.77.0.50/24
DNS=10.77.0.1
Domains=lab.example example
KeepConfiguration=yes

[Route]
Gateway=10.77.0.1

[DHCPv4]
ClientIdentifier=mac
";
        assert_eq!(got, want);
    }

    #[test]
    fn networkd_does_not_send_an_address_as_host_name() {
        let named = with(&lease(), networkd_file);
        assert!(!named.contains("SendHostname"));
        let mut l = lease();
        l.hostname = Some("10.77.0.50".into());
        let h = with(&l, networkd_file);
        assert!(
            h.ends_with("[DHCPv4]\nClientIdentifier=mac\nSendHostname=no\n"),
            "{h}"
        );
    }

    #[test]
    fn link_file_pins_the_name() {
        let got = with(&lease(), link_file);
        let want = "# Written by netroot: the root file system is reached through eth0.
# Keep its name, so udev does not try to rename it while it is up.
[Match]
MACAddress=02:00:00:77:00:10

[Link]
Name=eth0
";
        assert_eq!(got.as_deref(), Some(want));
        let l = lease();
        let mut p = plan("eth0", 2, Proto::Dhcp, &l).unwrap();
        for bad in ["eth0\n[Link]", "", "a/b", "x".repeat(16).as_str()] {
            p.iface = bad.into();
            let none = NetDevs::default();
            let h = bare(&p, &l, &none, &[]);
            assert_eq!(link_file(&h), None, "{bad:?}");
        }
    }

    #[test]
    fn write_all_writes_the_link_file() {
        let dir =
            std::env::temp_dir().join(format!("netroot-handover-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let paths = with(&lease(), |h| write_all(h, &dir, None)).unwrap();
        let lf = dir.join("systemd/network/10-netroot-eth0.link");
        assert!(paths.contains(&lf), "{paths:?}");
        let text = std::fs::read_to_string(&lf).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(text.contains("\nName=eth0\n"), "{text}");
    }

    #[test]
    fn networkd_has_no_hostile_text() {
        let mut l = lease();
        l.domain_search = vec!["x\n[Network]\nDNS=6.6.6.6".into()];
        l.domain = Some("y\nAddress=6.6.6.6/8".into());
        let got = with(&l, networkd_file);
        assert!(!got.contains("6.6.6.6"), "{got}");
        assert!(!got.contains("Domains="));
    }

    #[test]
    fn json_is_escaped() {
        let mut l = lease();
        l.hostname = Some("a\"b\n".into());
        let got = with(&l, json);
        assert!(got.starts_with("{\"interface\":\"eth0\",\"index\":2,\"mac\":\"02:00:00:77:00:10\",\"proto\":\"dhcp\",\"address\":\"10.77.0.50\""));
        assert!(got.contains("\"hostname\":\"a\\\"b\\n\""));
        assert!(got.contains("\"lease_time\":3600"));
        assert!(got.ends_with("\"elapsed_ms\":250}\n"));
    }

    #[test]
    fn json_reads_back() {
        let l = lease();
        let (proto, back) = read_json(&with(&l, json)).unwrap();
        assert_eq!(proto, Proto::Dhcp);
        assert_eq!(back.addr, l.addr);
        assert_eq!(back.dns, l.dns);
        assert_eq!(back.root_path, l.root_path);
        assert_eq!(back.server_id, l.server_id);
        assert_eq!(back.next_server, None);
        for bad in [
            "{}",
            r#"{"proto":"dhcp","address":"10.0.0.300"}"#,
            r#"{"proto":"static","dns":["x"]}"#,
            r#"{"proto":"dhcp","next_server":7}"#,
            "not json",
        ] {
            assert!(read_json(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quoting_of_quotes_and_bangs() {
        let mut s = String::new();
        sh_assign(&mut s, "X", "it's!\0");
        assert_eq!(s, "X='it'\\''s'\\!''\n");
    }

    /// Source `text` in `shell` and print `$var`; returns stdout, and
    /// whether the marker file appeared.
    fn source(shell: &[&str], dir: &Path, text: &str, var: &str) -> (Vec<u8>, bool) {
        let f = dir.join("net-eth0.conf");
        std::fs::write(&f, text).unwrap();
        let marker = dir.join("MARK");
        let _ = std::fs::remove_file(&marker);
        let script = format!(". ./net-eth0.conf; printf %s \"${var}\"");
        let out = std::process::Command::new(shell[0])
            .args(&shell[1..])
            .arg("-c")
            .arg(script)
            .current_dir(dir)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{shell:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (out.stdout, marker.exists())
    }

    fn shells() -> Vec<Vec<&'static str>> {
        let mut v = vec![vec!["sh"]];
        for b in ["/usr/bin/busybox", "/bin/busybox"] {
            if Path::new(b).exists() {
                v.push(vec![b, "sh"]);
                break;
            }
        }
        if Path::new("/bin/bash").exists() {
            v.push(vec!["/bin/bash"]);
        }
        v
    }

    /// Values that run `touch MARK` if a file is sourced unquoted.
    const NASTY: [&str; 8] = [
        "$(touch MARK)",
        "`touch MARK`",
        "'; touch MARK; '",
        "\"; touch MARK; \"",
        "a\nIPV4ADDR=6.6.6.6\ntouch MARK",
        "\\'$(touch MARK)\\",
        "!! !$ ${PATH} $((1+1)) ~ * ? [a] | & ; < > ( ) { }",
        "\t\r\u{1b}[31m",
    ];

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("netroot-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn hostile_values_source_as_literals() {
        let dir = scratch("quote");
        for shell in shells() {
            for v in NASTY {
                let mut l = lease();
                l.hostname = Some(v.to_string());
                l.root_path = Some(v.to_string());
                let text = with(&l, ipconfig_conf);
                for var in ["HOSTNAME", "ROOTPATH", "IPV4ADDR"] {
                    let (out, marked) = source(&shell, &dir, &text, var);
                    let want = if var == "IPV4ADDR" { "10.77.0.50" } else { v };
                    assert_eq!(String::from_utf8_lossy(&out), want, "{shell:?} {v:?}");
                    assert!(!marked, "{shell:?} executed {v:?}");
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn a6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn addr6(a: &str, source: Source6) -> Addr6 {
        Addr6 {
            addr: a6(a),
            prefix_len: 64,
            source,
            preferred: None,
            valid: None,
        }
    }

    /// The hand-over of an IPv6 configuration on `l4` (None: IPv6 only),
    /// the IPv6 plan taken as it is (unchecked, like the node name above:
    /// the writers must quote whatever reaches them).
    fn with6<T>(l4: Option<&Lease>, v6: apply::Plan6, f: impl FnOnce(&Handover<'_>) -> T) -> T {
        let bare = Lease::default();
        let l = l4.unwrap_or(&bare);
        let proto = if l4.is_some() {
            Proto::Dhcp
        } else {
            Proto::Static
        };
        let mut p = plan("eth0", 2, proto, l).unwrap();
        p.v6 = Some(v6);
        handover_of(&p, l, f)
    }

    fn static6() -> apply::Plan6 {
        let l6 = Lease6 {
            addrs: vec![addr6("2001:db8::10", Source6::Static)],
            gateway: Some(a6("2001:db8::1")),
            dns: vec![a6("2001:db8::53"), a6("2001:db8::54")],
            search: vec!["lab.example".into()],
            ..Lease6::default()
        };
        apply::plan6("eth0", Mode6::Static, &l6)
    }

    #[test]
    fn ipv6_static_only_files() {
        let conf = with6(None, static6(), ipconfig_conf);
        assert!(
            conf.contains("PROTO='none'\nIPV4ADDR='0.0.0.0'\n"),
            "{conf}"
        );
        assert!(
            conf.ends_with(
                "IPV6PROTO='none'\nIPV6ADDR='2001:db8::10'\nIPV6NETMASK='64'\nIPV6PREFIX='64'\n\
                 IPV6GATEWAY='2001:db8::1'\nIPV6DNS0='2001:db8::53'\nIPV6DNS1='2001:db8::54'\n\
                 IPV6DOMAINSEARCH='lab.example.'\n"
            ),
            "{conf}"
        );
        let nd = with6(None, static6(), networkd_file);
        assert!(
            nd.contains(
                "[Network]\nIPv6AcceptRA=no\nAddress=2001:db8::10/64\nDNS=2001:db8::53\n\
                 DNS=2001:db8::54\nDomains=lab.example\nKeepConfiguration=yes\n\n\
                 [Route]\nGateway=2001:db8::1\n"
            ),
            "{nd}"
        );
        assert!(!nd.contains("DHCP="), "{nd}");
        assert!(!nd.contains("[DHCPv4]"), "{nd}");
        let js = with6(None, static6(), json);
        assert!(js.contains(r#""address":null,"prefix_len":null"#), "{js}");
        let want = r#""ipv6":{"mode":"static","addresses":[{"address":"2001:db8::10","prefix_len":64,"source":"static"}],"gateway":"2001:db8::1","dns":["2001:db8::53","2001:db8::54"],"search":["lab.example"]}}"#;
        assert!(js.ends_with(&format!("{want}\n")), "{js}");
        let back = read_json6(&js).unwrap();
        assert_eq!(back.addrs, vec![addr6("2001:db8::10", Source6::Static)]);
        assert_eq!(back.dns, vec![a6("2001:db8::53"), a6("2001:db8::54")]);
        assert_eq!(read_json6(&with(&lease(), json)), None);
    }

    #[test]
    fn ipv6_leases_are_renewed_by_networkd() {
        // DHCPv4 beside DHCPv6: networkd runs both; the DHCPv6 address is
        // not written as a static Address= (it has a lifetime).
        let l6 = Lease6 {
            addrs: vec![addr6("2001:db8::77", Source6::Dhcp6)],
            gateway: Some(a6("fe80::1")),
            ..Lease6::default()
        };
        let v6 = apply::plan6("eth0", Mode6::Dhcp6, &l6);
        let nd = with6(Some(&lease()), v6.clone(), networkd_file);
        assert!(
            nd.contains("\nDHCP=yes\nIPv6AcceptRA=yes\nAddress=10.77.0.50/24\n"),
            "{nd}"
        );
        assert!(!nd.contains("2001:db8::77"), "{nd}");
        assert!(
            !nd.contains("fe80::1"),
            "the router comes back with the next RA: {nd}"
        );
        assert!(nd.contains("[DHCPv4]"), "{nd}");
        let conf = with6(Some(&lease()), v6, ipconfig_conf);
        assert!(
            conf.contains("IPV6PROTO='dhcp6'\nIPV6ADDR='2001:db8::77'\n"),
            "{conf}"
        );
        assert!(conf.contains("IPV6DNS0='::'\nIPV6DNS1='::'\n"), "{conf}");
        // SLAAC alone: router advertisements, no DHCP.
        let l6 = Lease6 {
            addrs: vec![addr6("2001:db8::5054:ff:fe12:3456", Source6::Slaac)],
            ..Lease6::default()
        };
        let nd = with6(None, apply::plan6("eth0", Mode6::Auto6, &l6), networkd_file);
        assert!(
            nd.contains("[Network]\nIPv6AcceptRA=yes\nKeepConfiguration=yes\n"),
            "{nd}"
        );
        assert!(!nd.contains("DHCP="), "{nd}");
    }

    #[test]
    fn hostile_ipv6_search_domains_source_as_literals() {
        // A DNSSL (RFC 8106) or DHCPv6 domain list naming shell code: the
        // plan drops what is not a DNS name, and whatever reaches the file
        // is quoted.
        let dir = scratch("quote6");
        for shell in shells() {
            for v in NASTY.iter().chain(&["x\nIPV6ADDR=::6\ntouch MARK"]) {
                let l6 = Lease6 {
                    addrs: vec![addr6("2001:db8::10", Source6::Slaac)],
                    search: vec![v.to_string(), "ok.example".into()],
                    ..Lease6::default()
                };
                let checked = apply::plan6("eth0", Mode6::Auto6, &l6);
                assert_eq!(checked.search, vec!["ok.example".to_string()]);
                let mut raw = checked.clone();
                raw.search = l6.search.clone();
                for plan6 in [checked, raw] {
                    let want = format!("{} ", domain_search(&plan6.search));
                    let text = with6(None, plan6, ipconfig_conf);
                    let (out, marked) = source(&shell, &dir, &text, "IPV6DOMAINSEARCH");
                    assert_eq!(
                        format!("{} ", String::from_utf8_lossy(&out)),
                        want,
                        "{shell:?} {v:?}"
                    );
                    assert!(!marked, "{shell:?} executed {v:?}");
                    let (out, _) = source(&shell, &dir, &text, "IPV6ADDR");
                    assert_eq!(out, b"2001:db8::10", "{shell:?} {v:?}");
                }
                let nd = with6(None, apply::plan6("eth0", Mode6::Auto6, &l6), networkd_file);
                assert!(!nd.contains("MARK"), "{nd}");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]
        #[test]
        fn any_string_sources_as_itself(v in "\\PC*|[\\x01-\\x7f]{0,80}") {
            let dir = std::env::temp_dir().join(format!("netroot-prop-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let mut l = lease();
            l.hostname = Some(v.clone());
            let text = with(&l, ipconfig_conf);
            let (out, marked) = source(&["sh"], &dir, &text, "HOSTNAME");
            let _ = std::fs::remove_dir_all(&dir);
            proptest::prop_assert_eq!(out, v.replace('\0', "").into_bytes());
            proptest::prop_assert!(!marked);
        }
    }
}

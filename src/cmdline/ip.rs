//! The `ip=` / `nfsaddrs=` parameter: the kernel's ten colon-separated fields
//! (Documentation/admin-guide/nfs/nfsroot.rst), klibc's extra autoconf values,
//! and dracut's `ip=<iface>:<method>[:<mtu>[:<macaddr>]]` form.
//!
//! Grammar accepted by [`parse`] (see README.md for the full reference):
//!
//! - a lone autoconf value: `ip=dhcp`, `ip=off`, ... and the kernel's
//!   `ip=dhcp,<client-id-type>,<client-id-value>`; an empty `ip=` means off;
//! - the kernel's fields
//!   `<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>:<dns0-ip>:<dns1-ip>:<ntp0-ip>`
//!   (any trailing fields may be left out; empty or `0.0.0.0` means unset);
//! - dracut.cmdline(7)'s `<client-IP>:[<peer>]:<gateway-IP>:<netmask>:<client_hostname>:<interface>:<autoconf>[:[<mtu>][:<macaddr>]]`
//!   and `...:<autoconf>[:[<dns1>][:<dns2>]]` (field 8 is an MTU when it is
//!   a bare number, a name server when it is an address);
//! - dracut's `<interface>:<autoconf>[:[<mtu>][:<macaddr>]]`.
//!
//! IPv6, as dracut.cmdline(7) writes it: the methods `dhcp6`, `auto6` and
//! `either6` (alone, after an interface, or in a comma list with an IPv4
//! method: `ip=eth0:dhcp,dhcp6`, which dracut's ifup runs one after the
//! other), and IPv6 addresses in brackets so that their colons do not split
//! the fields: `ip=[2001:db8::10]::[2001:db8::1]:64:node:eth0:none`, where
//! the netmask field holds a prefix length (dracut's parse-ip-opts accepts
//! one up to 128 for an IPv6 address; without it dracut's ifup assumes /64).
//!
//! The MAC address may be written with colons (dracut) or dashes.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::Error;
pub use crate::net::ipv6::Mode6;

/// The `<autoconf>` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Autoconf {
    /// `off` / `none`: no autoconfiguration (static if a client address is given).
    Off,
    /// `on` / `any` / `both` / `all` / empty: any protocol; netroot uses DHCP.
    Any,
    /// `dhcp` (also dracut's `dhcp`).
    Dhcp,
    /// `bootp`: netroot answers it with DHCP (a DHCP server answers BOOTP clients too).
    Bootp,
    /// `rarp`: not supported by netroot. [`parse`] rejects it, so a
    /// configuration from the command line never holds it; kept so that the
    /// model names every value of nfsroot.rst.
    Rarp,
    /// klibc's `static` / dracut's `none`-with-address: use the given values only.
    Static,
}

/// One `ip=` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpParam {
    /// Field 1: client address (`0.0.0.0` or empty = unset).
    pub client: Option<Ipv4Addr>,
    /// Field 2: NFS server address.
    pub server: Option<Ipv4Addr>,
    /// Field 3: gateway.
    pub gateway: Option<Ipv4Addr>,
    /// Field 4: netmask (None = classful default when static).
    pub netmask: Option<Ipv4Addr>,
    /// Field 5: hostname (without the NIS domain part).
    pub hostname: Option<String>,
    /// NIS domain taken from a dotted hostname `a.b` → `b`.
    pub nis_domain: Option<String>,
    /// Field 6: device name (None = all candidate devices).
    pub device: Option<String>,
    /// Field 7: autoconf method.
    pub autoconf: Autoconf,
    /// `dhcp,<client-id-type>,<client-id-value>`: DHCP client identifier.
    pub client_id: Option<(u8, String)>,
    /// Fields 8 and 9: DNS servers.
    pub dns: Vec<Ipv4Addr>,
    /// Field 10: NTP server.
    pub ntp: Option<Ipv4Addr>,
    /// dracut's `:<mtu>`.
    pub mtu: Option<u16>,
    /// dracut's `:<macaddr>` (select or set the interface's MAC).
    pub mac: Option<[u8; 6]>,
    /// The IPv6 method: `dhcp6`, `auto6`, `either6`, or
    /// [`Mode6::Static`] when field 1 is a bracketed IPv6 address. None:
    /// no IPv6 configuration from this parameter.
    pub mode6: Option<Mode6>,
    /// Field 1 as `[addr]` (or `[addr/len]`), with its prefix length (field
    /// 4, else the one in the brackets, else 64).
    pub client6: Option<(Ipv6Addr, u8)>,
    /// Field 2 as `[addr]`: the NFS server (dracut: the peer).
    pub server6: Option<Ipv6Addr>,
    /// Field 3 as `[addr]`: the default router.
    pub gateway6: Option<Ipv6Addr>,
    /// Fields 8 and 9 written as `[addr]`: IPv6 name servers.
    pub dns6: Vec<Ipv6Addr>,
}

impl Default for IpParam {
    fn default() -> Self {
        IpParam {
            client: None,
            server: None,
            gateway: None,
            netmask: None,
            hostname: None,
            nis_domain: None,
            device: None,
            autoconf: Autoconf::Any,
            client_id: None,
            dns: Vec::new(),
            ntp: None,
            mtu: None,
            mac: None,
            mode6: None,
            client6: None,
            server6: None,
            gateway6: None,
            dns6: Vec::new(),
        }
    }
}

impl IpParam {
    /// Whether this parameter asks for DHCP (rather than static or off).
    pub fn uses_dhcp(&self) -> bool {
        matches!(
            self.autoconf,
            Autoconf::Any | Autoconf::Dhcp | Autoconf::Bootp
        )
    }

    /// Whether this parameter says something about IPv4: a method other
    /// than `off`, an IPv4 address, or nothing about IPv6 either (`ip=off`
    /// turns the IPv4 configuration off).
    pub fn has_v4(&self) -> bool {
        self.autoconf != Autoconf::Off || self.client.is_some() || self.mode6.is_none()
    }

    /// Whether this parameter configures IPv6.
    pub fn has_v6(&self) -> bool {
        self.mode6.is_some()
    }
}

/// The IPv6 method word as dracut writes it (`static` for an address).
pub fn mode6_name(m: Mode6) -> &'static str {
    match m {
        Mode6::Auto6 => "auto6",
        Mode6::Dhcp6 => "dhcp6",
        Mode6::Either6 => "either6",
        Mode6::Static => "static",
    }
}

/// The classful default netmask of an address (kernel `ipconfig` does the same
/// when the netmask field is empty).
pub fn classful_netmask(addr: Ipv4Addr) -> Ipv4Addr {
    let first = addr.octets()[0];
    if first < 128 {
        Ipv4Addr::new(255, 0, 0, 0)
    } else if first < 192 {
        Ipv4Addr::new(255, 255, 0, 0)
    } else {
        Ipv4Addr::new(255, 255, 255, 0)
    }
}

/// Field names by 1-based position, as nfsroot.rst spells them.
const FIELDS: [&str; 10] = [
    "client-ip",
    "server-ip",
    "gw-ip",
    "netmask",
    "hostname",
    "device",
    "autoconf",
    "dns0-ip",
    "dns1-ip",
    "ntp0-ip",
];

/// Longest host name / NIS domain the kernel keeps (`__NEW_UTS_LEN`).
pub const MAX_HOSTNAME: usize = 64;
/// Longest interface name (`IFNAMSIZ` - 1).
pub const MAX_IFNAME: usize = 15;
/// Longest DHCP client identifier value the kernel sends (ipconfig.c copies
/// at most 251 bytes after the type byte).
pub const MAX_CLIENT_ID: usize = 251;

/// The values the `<autoconf>` field accepts, for error messages.
const AUTOCONF_VALUES: &str =
    "off, none, on, any, dhcp, bootp, both, static, all, dhcp6, auto6, either6";

fn field_err(param: &str, index: usize, field: &'static str, value: &str, reason: &str) -> Error {
    Error::Field {
        param: param.to_string(),
        index,
        field,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

/// A dotted-quad IPv4 address. Like the kernel's `in_aton()` each part is
/// decimal (a leading zero does not mean octal), but unlike it anything
/// else is refused instead of read as garbage.
pub fn parse_ipv4(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for o in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = part.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Ipv4Addr::from(octets))
}

/// An optional address field: empty and `0.0.0.0` mean unset (nfsroot.rst;
/// ipconfig.c turns `ANY` into `NONE`).
fn opt_addr(param: &str, index: usize, value: &str) -> Result<Option<Ipv4Addr>, Error> {
    if value.is_empty() {
        return Ok(None);
    }
    match parse_ipv4(value) {
        Some(a) if a.is_unspecified() => Ok(None),
        Some(a) => Ok(Some(a)),
        None => Err(field_err(
            param,
            index,
            FIELDS[index - 1],
            value,
            "is not an IPv4 address",
        )),
    }
}

/// Whether a netmask has its one bits contiguous from the top.
pub fn is_contiguous_netmask(mask: Ipv4Addr) -> bool {
    let m = u32::from(mask);
    m.leading_ones() + m.trailing_zeros() == 32
}

/// A host name label set: letters, digits, `-` and `_` (RFC 1123 plus the
/// underscore some sites use), plus `.` where `dots` is allowed.
fn is_host_text(s: &str, dots: bool) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (dots && b == b'.'))
}

/// Whether `s` is usable as a network interface name.
pub fn is_ifname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_IFNAME
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '/' && c != ':')
}

fn parse_device(
    param: &str,
    index: usize,
    field: &'static str,
    value: &str,
) -> Result<Option<String>, Error> {
    if value.is_empty() {
        return Ok(None);
    }
    if !is_ifname(value) {
        return Err(field_err(
            param,
            index,
            field,
            value,
            "is not an interface name (at most 15 characters, no '/', ':' or spaces)",
        ));
    }
    Ok(Some(value.to_string()))
}

/// `<hostname>`: "if a '.' character is present, anything before the first
/// '.' is used as the client's hostname, and anything after it is used as
/// its NIS domain name" (nfsroot.rst).
fn parse_hostname(param: &str, value: &str) -> Result<(Option<String>, Option<String>), Error> {
    let (host, nis) = match value.split_once('.') {
        Some((h, d)) => (h, d),
        None => (value, ""),
    };
    let ok = host.len() <= MAX_HOSTNAME
        && nis.len() <= MAX_HOSTNAME
        && is_host_text(host, false)
        && is_host_text(nis, true);
    if !ok {
        return Err(field_err(
            param,
            5,
            FIELDS[4],
            value,
            "is not a host name (letters, digits, '-' and '_', at most 64 characters, then an optional .<nis-domain>)",
        ));
    }
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Ok((some(host), some(nis)))
}

/// The kernel's `kstrtou8(s, 0, ..)`: decimal, `0x` hexadecimal or
/// leading-zero octal.
fn parse_u8_base0(s: &str) -> Option<u8> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u8::from_str_radix(digits, radix).ok()
}

/// What an autoconf word asks for: the IPv4 method, the DHCP client
/// identifier of `dhcp,<client-id-type>,<client-id-value>`, and the IPv6
/// method.
type Method = (Autoconf, Option<(u8, String)>, Option<Mode6>);

/// Whether a word (or dracut's comma list of words, `dhcp,dhcp6`) is meant
/// as an autoconf method (including ones netroot refuses, so that they get
/// a precise error rather than a wrong guess).
fn is_method_word(s: &str) -> bool {
    s.starts_with("dhcp,") || s.split(',').all(is_one_method_word)
}

fn is_one_method_word(s: &str) -> bool {
    matches!(
        s,
        "off"
            | "none"
            | "on"
            | "any"
            | "both"
            | "all"
            | "dhcp"
            | "dhcp4"
            | "single-dhcp"
            | "bootp"
            | "rarp"
            | "static"
            | "dhcp6"
            | "auto6"
            | "either6"
            | "link6"
            | "ibft"
    )
}

/// Parse a non-empty autoconf field (field 7, or a lone value): one word,
/// the kernel's `dhcp,<type>,<value>`, or dracut's comma list of at most
/// one IPv4 and one IPv6 method (ifup.sh runs each word of the list).
fn parse_method(param: &str, index: usize, value: &str) -> Result<Method, Error> {
    let field = FIELDS[6];
    let err = |reason: &str| field_err(param, index, field, value, reason);
    let is_list = value.contains(',')
        && !(value.starts_with("dhcp,")
            && value
                .split(',')
                .nth(1)
                .is_some_and(|w| !is_one_method_word(w)));
    if !is_list {
        return parse_one_method(param, index, value);
    }
    let mut v4: Option<(Autoconf, &str)> = None;
    let mut v6: Option<(Mode6, &str)> = None;
    for word in value.split(',') {
        if word.is_empty() {
            return Err(err("has an empty method in its comma list"));
        }
        let (a, _, m6) = parse_one_method(param, index, word)?;
        match m6 {
            Some(m) => {
                if let Some((_, old)) = v6 {
                    return Err(err(&format!(
                        "names two IPv6 methods ({old} and {word}); give one"
                    )));
                }
                v6 = Some((m, word));
            }
            None => {
                if let Some((_, old)) = v4 {
                    return Err(err(&format!(
                        "names two IPv4 methods ({old} and {word}); give one"
                    )));
                }
                v4 = Some((a, word));
            }
        }
    }
    Ok((
        v4.map_or(Autoconf::Off, |(a, _)| a),
        None,
        v6.map(|(m, _)| m),
    ))
}

/// One autoconf word (or `dhcp,<type>,<value>`).
fn parse_one_method(param: &str, index: usize, value: &str) -> Result<Method, Error> {
    let field = FIELDS[6];
    let err = |reason: &str| field_err(param, index, field, value, reason);
    let autoconf = match value {
        "off" | "none" => Autoconf::Off,
        // `both` is BOOTP + RARP in the kernel; a DHCP server answers the
        // BOOTP half, and RARP is not offered, so it means "any" here.
        "on" | "any" | "both" | "all" => Autoconf::Any,
        // dracut's `single-dhcp` (all interfaces in parallel, first answer
        // wins) is what netroot's DHCP does anyway.
        "dhcp" | "dhcp4" | "single-dhcp" => Autoconf::Dhcp,
        "bootp" => Autoconf::Bootp,
        "static" => Autoconf::Static,
        "rarp" => {
            return Err(err(
                "is not supported by netroot (use dhcp or a static address)",
            ))
        }
        // dracut.cmdline(7): dhcp6 "IPv6 DHCP", auto6 "IPv6
        // autoconfiguration", either6 "if auto6 fails, then dhcp6".
        "dhcp6" => return Ok((Autoconf::Off, None, Some(Mode6::Dhcp6))),
        "auto6" => return Ok((Autoconf::Off, None, Some(Mode6::Auto6))),
        "either6" => return Ok((Autoconf::Off, None, Some(Mode6::Either6))),
        "link6" => {
            return Err(err(
                "is not supported by netroot (a link-local address alone cannot reach a root server off the link; use auto6 or a static [address])",
            ))
        }
        "ibft" => return Err(err("is not supported by netroot (no iBFT)")),
        _ => {
            if let Some(rest) = value.strip_prefix("dhcp,") {
                // ipconfig.c ic_proto_name(): type byte, then the value.
                let Some((ty, id)) = rest.split_once(',') else {
                    return Err(err(
                        "has no client-id value (dhcp,<client-id-type>,<client-id-value>)",
                    ));
                };
                let Some(ty) = parse_u8_base0(ty) else {
                    return Err(err(
                        "has a client-id type that is not a number from 0 to 255",
                    ));
                };
                if id.is_empty() || id.len() > MAX_CLIENT_ID {
                    return Err(err(
                        "has a client-id value that is empty or longer than 251 bytes",
                    ));
                }
                return Ok((Autoconf::Dhcp, Some((ty, id.to_string())), None));
            }
            return Err(err(&format!(
                "is not an autoconf method ({AUTOCONF_VALUES})"
            )));
        }
    };
    Ok((autoconf, None, None))
}

/// A MAC address as `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff`, any case.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let sep = if s.contains(':') { ':' } else { '-' };
    let mut mac = [0u8; 6];
    let mut parts = s.split(sep);
    for b in &mut mac {
        let part = parts.next()?;
        if part.len() != 2 {
            return None;
        }
        *b = u8::from_str_radix(part, 16).ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(mac)
}

fn parse_mtu(param: &str, index: usize, value: &str) -> Result<Option<u16>, Error> {
    if value.is_empty() {
        return Ok(None);
    }
    // 68: the smallest MTU IPv4 allows (RFC 791).
    match value.parse::<u16>() {
        Ok(m) if m >= 68 => Ok(Some(m)),
        _ => Err(field_err(
            param,
            index,
            "mtu",
            value,
            "is not an MTU (68 to 65535)",
        )),
    }
}

/// The MAC of dracut's `[:<macaddr>]`, given as one field (dashes) or as
/// the six colon-separated fields it splits into.
fn parse_mac_fields(param: &str, index: usize, fields: &[&str]) -> Result<Option<[u8; 6]>, Error> {
    let text = fields.join(":");
    if text.is_empty() {
        return Ok(None);
    }
    if fields.len() != 1 && fields.len() != 6 {
        return Err(field_err(
            param,
            index,
            "macaddr",
            &text,
            "is not a MAC address",
        ));
    }
    match parse_mac(&text) {
        Some(m) => Ok(Some(m)),
        None => Err(field_err(
            param,
            index,
            "macaddr",
            &text,
            "is not a MAC address",
        )),
    }
}

/// An address field: unset, IPv4, or a bracketed IPv6 address with the
/// prefix length written inside the brackets (`[2001:db8::1/64]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddrField {
    Unset,
    V4(Ipv4Addr),
    V6(Ipv6Addr, Option<u8>),
}

/// A bracketed IPv6 address `[addr]` or `[addr/len]` (dracut.cmdline(7):
/// "If you want do define a IPv6 address, put it in brackets"). Returns
/// None when `s` is not bracketed, and the reason when the inside is bad.
pub fn parse_bracketed_v6(s: &str) -> Option<Result<(Ipv6Addr, Option<u8>), &'static str>> {
    let inner = s.strip_prefix('[')?;
    let Some(inner) = inner.strip_suffix(']') else {
        return Some(Err("has a '[' without its ']'"));
    };
    let (addr, len) = match inner.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (inner, None),
    };
    let Ok(addr) = addr.parse::<Ipv6Addr>() else {
        return Some(Err("is not an IPv6 address"));
    };
    let len = match len {
        None => None,
        Some(l) => match l.parse::<u8>() {
            Ok(n) if (1..=128).contains(&n) && l.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Some(Err("has a prefix length that is not 1 to 128")),
        },
    };
    Some(Ok((addr, len)))
}

/// An optional address field of either family: empty, `0.0.0.0` and `[::]`
/// mean unset.
fn addr_field(param: &str, index: usize, value: &str) -> Result<AddrField, Error> {
    let field = FIELDS[index - 1];
    if let Some(r) = parse_bracketed_v6(value) {
        let (a, len) = r.map_err(|reason| field_err(param, index, field, value, reason))?;
        if len.is_some() && index != 1 {
            return Err(field_err(
                param,
                index,
                field,
                value,
                "has a prefix length; only the client address (field 1) takes one",
            ));
        }
        if a.is_unspecified() {
            return Ok(AddrField::Unset);
        }
        return Ok(AddrField::V6(a, len));
    }
    if value.contains(['[', ']']) {
        return Err(field_err(
            param,
            index,
            field,
            value,
            "is not a bracketed IPv6 address ([2001:db8::1])",
        ));
    }
    Ok(opt_addr(param, index, value)?.map_or(AddrField::Unset, AddrField::V4))
}

/// Split an `ip=` value on the colons outside brackets.
fn split_fields<'a>(param: &str, value: &'a str) -> Result<Vec<&'a str>, Error> {
    let mut fields = Vec::new();
    let mut inside = false;
    let mut start = 0;
    for (i, c) in value.char_indices() {
        match c {
            '[' if !inside => inside = true,
            ']' if inside => inside = false,
            '[' | ']' => {
                return Err(Error::Value {
                    param: param.to_string(),
                    value: value.to_string(),
                    reason: "has unbalanced brackets".to_string(),
                })
            }
            ':' if !inside => {
                fields.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if inside {
        return Err(Error::Value {
            param: param.to_string(),
            value: value.to_string(),
            reason: "has a '[' without its ']'".to_string(),
        });
    }
    fields.push(&value[start..]);
    Ok(fields)
}

/// Parse the value of one `ip=` (or `nfsaddrs=`, named by `param`).
pub fn parse(param: &str, value: &str) -> Result<IpParam, Error> {
    let value_err = |reason: &str| Error::Value {
        param: param.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    };
    // The kernel tries the whole value as an autoconf word first, so
    // `dhcp,<type>,<value>` may carry colons in its value.
    if value.is_empty() {
        return Ok(IpParam {
            autoconf: Autoconf::Off,
            ..IpParam::default()
        });
    }
    if value.parse::<Ipv6Addr>().is_ok() {
        return Err(value_err(
            "is an IPv6 address without brackets (write [addr]::[gateway]:<prefix>:<hostname>:<interface>:none)",
        ));
    }
    if !value.contains(':') || value.starts_with("dhcp,") {
        if is_method_word(value) {
            let (autoconf, client_id, mode6) = parse_method(param, 7, value)?;
            return Ok(IpParam {
                autoconf,
                client_id,
                mode6,
                ..IpParam::default()
            });
        }
        if !value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(value_err(&format!(
                "is not an autoconf method ({AUTOCONF_VALUES}) nor an IPv4 address"
            )));
        }
        // A lone address: the client-ip field alone.
    }
    let fields = split_fields(param, value)?;
    let n = fields.len();

    // dracut: <interface>:<autoconf>[:[<mtu>][:<macaddr>]]
    if n >= 2
        && is_method_word(fields[1])
        && parse_ipv4(fields[0]).is_none()
        && !fields[0].starts_with('[')
    {
        if !matches!(n, 2..=4 | 9) {
            return Err(value_err(&format!(
                "has {n} fields; <interface>:<autoconf>[:<mtu>[:<macaddr>]] takes 2 to 4"
            )));
        }
        let device = parse_device(param, 1, "interface", fields[0])?;
        let (autoconf, client_id, mode6) = parse_method(param, 2, fields[1])?;
        let mtu = parse_mtu(param, 3, fields.get(2).copied().unwrap_or(""))?;
        let mac = parse_mac_fields(param, 4, fields.get(3..).unwrap_or(&[]))?;
        return Ok(IpParam {
            device,
            autoconf,
            client_id,
            mtu,
            mac,
            mode6,
            ..IpParam::default()
        });
    }

    // dracut's MTU + colon-separated MAC makes 14 fields; otherwise the
    // kernel's ten are the most.
    if n > 10 && n != 14 {
        return Err(value_err(&format!(
            "has {n} fields; at most 10 (<client-ip>:...:<ntp0-ip>) or 14 (...:<autoconf>:<mtu>:<macaddr>)"
        )));
    }
    let f = |i: usize| fields.get(i - 1).copied().unwrap_or("");
    let client_f = addr_field(param, 1, f(1))?;
    let server_f = addr_field(param, 2, f(2))?;
    let gateway_f = addr_field(param, 3, f(3))?;
    let mut p = IpParam::default();
    match server_f {
        AddrField::V4(a) => p.server = Some(a),
        AddrField::V6(a, _) => p.server6 = Some(a),
        AddrField::Unset => {}
    }
    match (client_f, gateway_f) {
        (AddrField::V4(_), AddrField::V6(..)) | (AddrField::V6(..), AddrField::V4(_)) => {
            return Err(value_err(
                "mixes an IPv4 and an IPv6 address in client-ip and gw-ip (give one ip= per family)",
            ))
        }
        _ => {}
    }
    match gateway_f {
        AddrField::V4(a) => p.gateway = Some(a),
        AddrField::V6(a, _) => p.gateway6 = Some(a),
        AddrField::Unset => {}
    }
    let is_v6 = matches!(client_f, AddrField::V6(..))
        || (matches!(client_f, AddrField::Unset) && p.gateway6.is_some());
    if is_v6 {
        // Field 4 is a prefix length (dracut's parse-ip-opts: "The mask
        // is already a prefix length").
        let plen = match f(4) {
            "" => None,
            t => match t.parse::<u8>() {
                Ok(n) if (1..=128).contains(&n) && t.bytes().all(|b| b.is_ascii_digit()) => Some(n),
                _ => {
                    return Err(field_err(
                        param,
                        4,
                        FIELDS[3],
                        t,
                        "is not an IPv6 prefix length (1 to 128)",
                    ))
                }
            },
        };
        if let AddrField::V6(a, inner) = client_f {
            if let (Some(x), Some(y)) = (inner, plen) {
                if x != y {
                    return Err(value_err(&format!(
                        "gives two prefix lengths ({x} in the brackets, {y} in field 4)"
                    )));
                }
            }
            // dracut's ifup: "Always assume /64 prefix for IPv6".
            p.client6 = Some((a, inner.or(plen).unwrap_or(64)));
        } else if plen.is_some() {
            return Err(field_err(
                param,
                4,
                FIELDS[3],
                f(4),
                "is a prefix length without an IPv6 client address",
            ));
        }
    } else {
        if let AddrField::V4(a) = client_f {
            p.client = Some(a);
        }
        p.netmask = opt_addr(param, 4, f(4))?;
        if let Some(m) = p.netmask {
            if !is_contiguous_netmask(m) {
                return Err(field_err(
                    param,
                    4,
                    FIELDS[3],
                    f(4),
                    "is not a contiguous netmask",
                ));
            }
        }
    }
    (p.hostname, p.nis_domain) = parse_hostname(param, f(5))?;
    p.device = parse_device(param, 6, FIELDS[5], f(6))?;
    let (autoconf, client_id, mode6) = if f(7).is_empty() {
        // An empty autoconf field defaults to "any", but the kernel only
        // autoconfigures when information is missing: a given client
        // address means the values given are used as they are.
        let a = if p.client.is_some() {
            Autoconf::Static
        } else if p.client6.is_some() {
            Autoconf::Off
        } else {
            Autoconf::Any
        };
        (a, None, None)
    } else {
        parse_method(param, 7, f(7))?
    };
    p.autoconf = autoconf;
    p.client_id = client_id;
    if p.client6.is_some() {
        if let Some(m) = mode6 {
            return Err(Error::Conflict(format!(
                "{param}=: \"{value}\" gives a static IPv6 address and the IPv6 method {}; give one",
                mode6_name(m)
            )));
        }
        // none/off/static name the static address; an IPv4 method
        // (dhcp, any...) runs beside it.
        if p.autoconf == Autoconf::Static {
            p.autoconf = Autoconf::Off;
        }
        p.mode6 = Some(Mode6::Static);
    } else {
        p.mode6 = mode6;
    }
    if n <= 7 {
        return Ok(p);
    }
    let rest = &fields[8..];
    let f8 = f(8);
    if !f8.is_empty() && f8.bytes().all(|b| b.is_ascii_digit()) {
        // dracut: ...:<autoconf>:<mtu>[:<macaddr>]
        p.mtu = parse_mtu(param, 8, f8)?;
        p.mac = parse_mac_fields(param, 9, rest)?;
        return Ok(p);
    }
    let mac_follows = f8.is_empty()
        && (rest.len() == 6
            || (rest.len() == 1 && parse_ipv4(rest[0]).is_none() && parse_mac(rest[0]).is_some()));
    if mac_follows {
        p.mac = parse_mac_fields(param, 9, rest)?;
        return Ok(p);
    }
    if n > 10 {
        return Err(value_err(&format!(
            "has {n} fields; at most 10 (<client-ip>:...:<ntp0-ip>)"
        )));
    }
    for i in [8, 9] {
        match addr_field(param, i, f(i))? {
            AddrField::V4(a) => p.dns.push(a),
            AddrField::V6(a, _) => p.dns6.push(a),
            AddrField::Unset => {}
        }
    }
    p.ntp = opt_addr(param, 10, f(10))?;
    Ok(p)
}

impl IpParam {
    /// The autoconf field as written back (`dhcp,<type>,<value>` included,
    /// and a dynamic IPv6 method after the IPv4 one: `dhcp,dhcp6`).
    pub fn autoconf_word(&self) -> String {
        let v4 = match (&self.autoconf, &self.client_id) {
            (Autoconf::Dhcp, Some((ty, id))) => format!("dhcp,{ty},{id}"),
            (a, _) => autoconf_name(*a).to_string(),
        };
        match self.mode6 {
            Some(Mode6::Static) | None => v4,
            Some(m) if self.autoconf == Autoconf::Off => mode6_name(m).to_string(),
            Some(m) => format!("{v4},{}", mode6_name(m)),
        }
    }

    /// Whether only the autoconf field (and client id) is set, so the
    /// parameter can be written as a lone `ip=<autoconf>`.
    fn is_lone(&self) -> bool {
        self.client.is_none()
            && self.server.is_none()
            && self.gateway.is_none()
            && self.netmask.is_none()
            && self.hostname.is_none()
            && self.nis_domain.is_none()
            && self.device.is_none()
            && self.dns.is_empty()
            && self.ntp.is_none()
            && self.mtu.is_none()
            && self.mac.is_none()
            && self.client6.is_none()
            && self.server6.is_none()
            && self.gateway6.is_none()
            && self.dns6.is_empty()
    }
}

/// The canonical word for an autoconf method.
pub fn autoconf_name(a: Autoconf) -> &'static str {
    match a {
        Autoconf::Off => "off",
        Autoconf::Any => "any",
        Autoconf::Dhcp => "dhcp",
        Autoconf::Bootp => "bootp",
        Autoconf::Rarp => "rarp",
        Autoconf::Static => "static",
    }
}

/// Formats back into the kernel's `ip=` syntax (without the `ip=`), in a
/// form [`parse`] reads back to the same value: a lone autoconf word when
/// nothing else is set, else the colon fields, ending in dracut's
/// `<mtu>:<macaddr>` when either is set, else in the kernel's DNS and NTP
/// fields. Only two DNS servers fit the syntax; more are not written.
impl fmt::Display for IpParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_lone() {
            return f.write_str(&self.autoconf_word());
        }
        let addr = |a: Option<Ipv4Addr>| a.map(|a| a.to_string()).unwrap_or_default();
        let either = |a: Option<Ipv4Addr>, b: Option<Ipv6Addr>| match (a, b) {
            (Some(a), _) => a.to_string(),
            (None, Some(b)) => format!("[{b}]"),
            (None, None) => String::new(),
        };
        let host = match (&self.hostname, &self.nis_domain) {
            (None, None) => String::new(),
            (h, None) => h.clone().unwrap_or_default(),
            (h, Some(d)) => format!("{}.{d}", h.as_deref().unwrap_or("")),
        };
        let (client, mask) = match self.client6 {
            Some((a, len)) => (format!("[{a}]"), len.to_string()),
            None => (addr(self.client), addr(self.netmask)),
        };
        let mut fields = vec![
            client,
            either(self.server, self.server6),
            either(self.gateway, self.gateway6),
            mask,
            host,
            self.device.clone().unwrap_or_default(),
            self.autoconf_word(),
        ];
        if self.mtu.is_some() || self.mac.is_some() {
            fields.push(self.mtu.map(|m| m.to_string()).unwrap_or_default());
            if let Some(mac) = &self.mac {
                fields.push(crate::util::fmt_mac(mac));
            }
        } else {
            let dns = self.dns.iter().map(|a| a.to_string());
            let dns6 = self.dns6.iter().map(|a| format!("[{a}]"));
            let mut dns = dns.chain(dns6);
            fields.push(dns.next().unwrap_or_default());
            fields.push(dns.next().unwrap_or_default());
            fields.push(addr(self.ntp));
        }
        while fields.len() > 7 && fields.last().is_some_and(|s| s.is_empty()) {
            fields.pop();
        }
        f.write_str(&fields.join(":"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_is_strict_dotted_decimal() {
        assert_eq!(parse_ipv4("10.0.0.1"), Some(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(parse_ipv4("010.000.0.09"), Some(Ipv4Addr::new(10, 0, 0, 9)));
        for bad in [
            "",
            "1.2.3",
            "1.2.3.4.5",
            "1.2.3.256",
            "1..3.4",
            "a.b.c.d",
            "1.2.3.4 ",
            "0x1.2.3.4",
            "1234.1.1.1",
        ] {
            assert_eq!(parse_ipv4(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn netmask_contiguity() {
        for ok in ["255.255.255.0", "255.255.255.255", "255.128.0.0", "0.0.0.0"] {
            assert!(is_contiguous_netmask(ok.parse().unwrap()), "{ok}");
        }
        for bad in ["255.0.255.0", "0.255.255.255", "255.255.255.1"] {
            assert!(!is_contiguous_netmask(bad.parse().unwrap()), "{bad}");
        }
    }

    #[test]
    fn client_id_type_like_kstrtou8_base0() {
        assert_eq!(parse_u8_base0("0"), Some(0));
        assert_eq!(parse_u8_base0("255"), Some(255));
        assert_eq!(parse_u8_base0("0x1f"), Some(31));
        assert_eq!(parse_u8_base0("017"), Some(15));
        for bad in ["", "256", "0x", "08", "-1", "1a"] {
            assert_eq!(parse_u8_base0(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn mac_forms() {
        let m = [0x52, 0x54, 0, 0xab, 0xcd, 0xef];
        assert_eq!(parse_mac("52:54:00:ab:cd:ef"), Some(m));
        assert_eq!(parse_mac("52-54-00-AB-CD-EF"), Some(m));
        assert_eq!(crate::util::fmt_mac(&m), "52:54:00:ab:cd:ef");
        for bad in [
            "52:54:00:ab:cd",
            "52:54:00:ab:cd:ef:01",
            "5:54:00:ab:cd:ef",
            "52:54-00:ab:cd:ef",
        ] {
            assert_eq!(parse_mac(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn interface_names() {
        assert!(is_ifname("eth0"));
        assert!(is_ifname("enp0s31f6"));
        assert!(is_ifname("123456789012345"));
        for bad in ["", ".", "..", "a/b", "a b", "1234567890123456"] {
            assert!(!is_ifname(bad), "{bad:?}");
        }
    }

    #[test]
    fn field_count_limits() {
        // 14 fields only as <mtu>:<6-part MAC>.
        assert!(parse("ip", "::::::off:1500:52:54:00:12:34:56").is_ok());
        assert!(parse("ip", "::::::off:1.1.1.1:52:54:00:12:34:56").is_err());
        assert!(parse("ip", ":::::::::::::::").is_err());
    }
}

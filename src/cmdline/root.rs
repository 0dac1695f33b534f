//! The root specification: the kernel's `nfsroot=` + `root=/dev/nfs`, dracut's
//! `root=nfs:`/`root=nfs4:`/`root=nbd:`, and mkinitcpio-nbd's `nbd_host=`,
//! `nbd_name=`, `nbd_port=`.

use std::net::{IpAddr, Ipv4Addr};

use super::{ip, Error, Host};

/// NFS protocol version requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NfsVersion {
    /// NFSv3.
    V3,
    /// NFSv4.0.
    V4_0,
    /// NFSv4.1.
    V4_1,
    /// NFSv4.2.
    V4_2,
    /// `vers=4` without a minor version: try 4.2, 4.1, 4.0.
    V4Any,
}

/// Where an NFS root's settings came from, in the kernel's precedence order
/// (later beats earlier): defaults < DHCP root-path (option 17) < `nfsroot=`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NfsRoot {
    /// Server; None: take it from the DHCP root-path, else the server-ip of
    /// `ip=`, else the DHCP server (siaddr).
    pub server: Option<Host>,
    /// Export path, may contain `%s` (replaced by the client's IP address in
    /// dotted form at run time). None: DHCP root-path, else `/tftpboot/%s`.
    pub path: Option<String>,
    /// User options from `nfsroot=` / `root=nfs:...:<options>`, in order,
    /// without `vers=` (kept in `version`).
    pub options: Vec<String>,
    /// Version from `vers=`/`nfsvers=` or from `root=nfs4:` (None: try 4.2,
    /// 4.1, 4.0, then 3).
    pub version: Option<NfsVersion>,
}

/// The kernel's default NFS root path when neither `nfsroot=` nor DHCP give one.
pub const DEFAULT_NFS_PATH: &str = "/tftpboot/%s";

/// An NBD root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NbdRoot {
    /// Server.
    pub server: Host,
    /// TCP port (default 10809).
    pub port: u16,
    /// Export name ("" = the server's default export).
    pub export: String,
    /// Filesystem type from `root=nbd:...:<fstype>` (else `rootfstype=`, else probed).
    pub fstype: Option<String>,
    /// Mount flags from `root=nbd:...:<rootflags>` (else `rootflags=`).
    pub flags: Option<String>,
    /// dracut's `<nbdopts>` (comma separated), kept for `explain`.
    pub nbd_options: Vec<String>,
}

/// The default NBD port (IANA).
pub const NBD_PORT: u16 = 10809;

/// A live root (dracut's `root=live:<url>`): a squashfs or erofs image
/// fetched over HTTP into RAM, loop-mounted read-only under a tmpfs overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRoot {
    /// Where the image is.
    pub url: crate::http::Url,
}

/// What root to mount.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RootSpec {
    /// No network root (root is a local device or none was given).
    #[default]
    None,
    /// An NFS root.
    Nfs(NfsRoot),
    /// An NBD root.
    Nbd(NbdRoot),
    /// A live image over HTTP.
    Live(LiveRoot),
}

impl NfsVersion {
    /// The version as `vers=` spells it (`4` for [`NfsVersion::V4Any`]).
    pub fn as_str(self) -> &'static str {
        match self {
            NfsVersion::V3 => "3",
            NfsVersion::V4_0 => "4.0",
            NfsVersion::V4_1 => "4.1",
            NfsVersion::V4_2 => "4.2",
            NfsVersion::V4Any => "4",
        }
    }

    /// Whether this is some NFSv4.
    pub fn is_v4(self) -> bool {
        !matches!(self, NfsVersion::V3)
    }

    /// Parse `vers=`/`nfsvers=` values (nfs(5)).
    pub fn parse(s: &str) -> Option<NfsVersion> {
        Some(match s {
            "3" => NfsVersion::V3,
            "4" => NfsVersion::V4Any,
            "4.0" => NfsVersion::V4_0,
            "4.1" => NfsVersion::V4_1,
            "4.2" => NfsVersion::V4_2,
            _ => return None,
        })
    }
}

impl std::fmt::Display for NfsVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Replace every `%s` in an NFS path with the client's address in dotted
/// form (nfsroot.rst: "If there is a "%s" token in the string, it will be
/// replaced by the ASCII-representation of the client's IP address"); an
/// IPv6-only client puts its IPv6 address there, without brackets.
pub fn expand_percent_s(path: &str, client_ip: impl Into<IpAddr>) -> String {
    path.replace("%s", &client_ip.into().to_string())
}

impl NfsRoot {
    /// The export path to mount before DHCP is consulted: the command
    /// line's path, else the kernel default `/tftpboot/%s`, with `%s`
    /// replaced by `client_ip`. (The DHCP root-path sits between the two;
    /// [`merge_nfs`] applies it.)
    pub fn expand_path(&self, client_ip: impl Into<IpAddr>) -> String {
        expand_percent_s(self.path.as_deref().unwrap_or(DEFAULT_NFS_PATH), client_ip)
    }
}

/// An NFS root with every source merged, ready to mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedNfs {
    /// The server to mount from.
    pub server: Host,
    /// Export path, `%s` already replaced by the client address.
    pub path: String,
    /// Mount options in order: the DHCP root-path's, then the command
    /// line's (a later option overrides an earlier one at mount time, as in
    /// the kernel's nfsroot.c), without `vers=`/`nfsvers=`.
    pub options: Vec<String>,
    /// Version asked for (None: try 4.2, 4.1, 4.0, then 3).
    pub version: Option<NfsVersion>,
}

/// What a server field may hold, for errors.
const HOST_FORMS: &str = "is not an IPv4 address, a bracketed IPv6 address or a host name";

fn value_err(param: &str, value: &str, reason: &str) -> Error {
    Error::Value {
        param: param.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn field_err(param: &str, index: usize, field: &'static str, value: &str, reason: &str) -> Error {
    Error::Field {
        param: param.to_string(),
        index,
        field,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

/// A server given as an IPv4 address, an IPv6 address in brackets
/// (`[2001:db8::1]`, as dracut.cmdline(7) writes a server), or a DNS name
/// (RFC 1123 letters, digits, `-`, `.`, `_`; at most 253 characters). Text
/// made only of digits and dots must be a valid address.
pub fn parse_host(s: &str) -> Option<Host> {
    if let Some(a) = ip::parse_ipv4(s) {
        return Some(Host::Addr(a));
    }
    if s.starts_with('[') {
        return match ip::parse_bracketed_v6(s) {
            Some(Ok((a, None))) if !a.is_unspecified() => Some(Host::Addr6(a)),
            _ => None,
        };
    }
    let name_ok = !s.is_empty()
        && s.len() <= 253
        && !s.starts_with(['.', '-'])
        && !s.ends_with('-')
        && !s.contains("..")
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        && !s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    name_ok.then(|| Host::Name(s.to_string()))
}

/// Split NFS options, pulling `vers=`/`nfsvers=` (and the kernel's `v3`,
/// `v4`, `v4.N` flags) into a version. `param`, `index` and `field` name the
/// options field in errors.
fn split_nfs_options(
    param: &str,
    index: usize,
    field: &'static str,
    text: &str,
) -> Result<(Vec<String>, Option<NfsVersion>), Error> {
    let mut options = Vec::new();
    let mut version = None;
    for opt in text.split(',').filter(|o| !o.is_empty()) {
        let v = opt
            .strip_prefix("vers=")
            .or_else(|| opt.strip_prefix("nfsvers="))
            .or_else(|| {
                opt.strip_prefix('v')
                    .filter(|v| v.starts_with(['2', '3', '4']))
            });
        match v {
            Some(v) => match NfsVersion::parse(v) {
                Some(ver) => version = Some(ver),
                None => {
                    return Err(field_err(
                        param,
                        index,
                        field,
                        opt,
                        "is not an NFS version netroot mounts (3, 4, 4.0, 4.1, 4.2)",
                    ))
                }
            },
            None => options.push(opt.to_string()),
        }
    }
    Ok((options, version))
}

/// `[<server>:]<root-dir>[,<nfs-options>]`: split off a server prefix.
/// The kernel only recognises a dotted-quad prefix; netroot also takes a
/// host name: anything before the first `:` that holds no `/` or `,`, and
/// a bracketed IPv6 address (`[2001:db8::1]:/srv/root`).
fn split_server(text: &str) -> (Option<&str>, &str) {
    if text.starts_with('[') {
        return match text.find("]:") {
            Some(i) => (Some(&text[..=i]), &text[i + 2..]),
            None => (Some(text), ""),
        };
    }
    match text.split_once(':') {
        Some((s, rest)) if !s.contains(['/', ',']) => (Some(s), rest),
        _ => (None, text),
    }
}

/// Parse the kernel's `nfsroot=[<server-ip>:]<root-dir>[,<nfs-options>]`
/// (nfsroot.rst; nfs_root_setup() and root_nfs_parse_options() in
/// fs/nfs/nfsroot.c). `%s` stays in the path; a path of `default` or an
/// empty one leaves the path to the DHCP root-path or the default. The
/// server may be a host name, and options may also follow a `:`.
pub fn parse_nfsroot(value: &str) -> Result<NfsRoot, Error> {
    const P: &str = "nfsroot";
    let (server, rest) = split_server(value);
    let server = match server {
        None => None,
        Some(s) => Some(parse_host(s).ok_or_else(|| field_err(P, 1, "server-ip", s, HOST_FORMS))?),
    };
    // Options follow the first ',' (kernel) or ':' (dracut.cmdline(7)
    // writes `nfsroot=[<server-ip>:]<root-dir>[:<nfs-options>]`).
    let (dir, opts) = match rest.find([',', ':']) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let path = if dir.is_empty() || dir == "default" {
        None
    } else if dir.starts_with('/') {
        Some(dir.to_string())
    } else if server.is_none() {
        // nfs_root_setup(): a value that starts with neither '/', ',' nor a
        // digit is a name below the default directory.
        Some(DEFAULT_NFS_PATH.replace("%s", dir))
    } else {
        return Err(field_err(P, 2, "root-dir", dir, "is not an absolute path"));
    };
    let (options, version) = split_nfs_options(P, 3, "nfs-options", opts)?;
    Ok(NfsRoot {
        server,
        path,
        options,
        version,
    })
}

/// Parse dracut's `nfs:[<server>:]<root-dir>[:<nfs-options>]` or
/// `nfs4:...` (the part after `root=` / `netroot=` / the DHCP root-path),
/// the way dracut's nfsroot_to_var() (modules.d/95nfs/nfs-lib.sh) reads it:
/// the server is what comes before `:/`, options follow the path after `:`
/// or, kernel style, after `,`.
pub fn parse_dracut_nfs(param: &str, value: &str) -> Result<NfsRoot, Error> {
    let (v4, body) = if let Some(b) = value.strip_prefix("nfs4:") {
        (true, b)
    } else if let Some(b) = value.strip_prefix("nfs:") {
        (false, b)
    } else {
        (false, value)
    };
    let (server, rest) = match body.find(":/") {
        Some(i) => (Some(&body[..i]), &body[i + 1..]),
        // No absolute path after a server: still split one off so that the
        // error names the path, not the server.
        None => match body.split_once(':') {
            Some((s, r)) if !s.starts_with('/') => (Some(s), r),
            _ => (None, body),
        },
    };
    let server = match server {
        None | Some("") => None,
        Some(s) => Some(parse_host(s).ok_or_else(|| field_err(param, 1, "server", s, HOST_FORMS))?),
    };
    let (path, opts) = rest.split_once(':').unwrap_or((rest, ""));
    let (path, legacy_opts) = path.split_once(',').unwrap_or((path, ""));
    if !path.is_empty() && !path.starts_with('/') {
        return Err(field_err(
            param,
            2,
            "root-dir",
            path,
            "is not an absolute path",
        ));
    }
    let mut text = legacy_opts.to_string();
    if !opts.is_empty() {
        if !text.is_empty() {
            text.push(',');
        }
        text.push_str(opts);
    }
    let (options, mut version) = split_nfs_options(param, 3, "nfs-options", &text)?;
    if v4 {
        match version {
            None => version = Some(NfsVersion::V4Any),
            Some(NfsVersion::V3) => {
                return Err(Error::Conflict(format!(
                    "{param}=: \"{value}\" asks for nfs4 but its options say NFS version 3"
                )))
            }
            Some(_) => {}
        }
    }
    Ok(NfsRoot {
        server,
        path: (!path.is_empty()).then(|| path.to_string()),
        options,
        version,
    })
}

/// Parse dracut's `nbd:<server>:<port>[/<export>][:<fstype>[:<rootflags>[:<nbdopts>]]]`
/// (modules.d/95nbd/nbdroot.sh). The second field may also be an export
/// name alone (dracut.cmdline(7): "If "exportname" instead of "port" is
/// given the standard port is used").
pub fn parse_dracut_nbd(param: &str, value: &str) -> Result<NbdRoot, Error> {
    let body = value.strip_prefix("nbd:").unwrap_or(value);
    // A bracketed IPv6 server keeps its colons: `nbd:[2001:db8::1]:10809`.
    let (server_text, body) = match body.strip_prefix('[').and_then(|b| b.find(']')) {
        Some(i) => {
            let after = &body[i + 2..];
            (&body[..i + 2], after.strip_prefix(':').unwrap_or(after))
        }
        None => body.split_once(':').unwrap_or((body, "")),
    };
    let mut fields = body.splitn(4, ':');
    let port_text = fields.next().unwrap_or("");
    let fstype = fields.next().filter(|s| !s.is_empty()).map(str::to_string);
    let flags = fields.next().filter(|s| !s.is_empty()).map(str::to_string);
    let nbd_options: Vec<String> = fields
        .next()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let server = parse_host(server_text)
        .ok_or_else(|| field_err(param, 1, "server", server_text, HOST_FORMS))?;
    let (port, export) = parse_port_export(param, port_text)?;
    Ok(NbdRoot {
        server,
        port,
        export,
        fstype,
        flags,
        nbd_options,
    })
}

/// `<port>`, `<port>/<export>` or `<export>`.
fn parse_port_export(param: &str, text: &str) -> Result<(u16, String), Error> {
    let err = |reason: &str| field_err(param, 2, "port", text, reason);
    if text.is_empty() {
        return Err(err("is missing (nbd:<server>:<port>[/<export>])"));
    }
    let (port, export) = match text.split_once('/') {
        Some((p, e)) => (p, e),
        None if text.bytes().all(|b| b.is_ascii_digit()) => (text, ""),
        None => return Ok((NBD_PORT, text.to_string())),
    };
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok((p, export.to_string())),
        _ => Err(err("is not a TCP port (1 to 65535)")),
    }
}

/// Parse dracut's `live:<url>` (dracut.cmdline(7), dmsquash-live; netroot
/// fetches `http://` URLs itself). `param` names the parameter in errors.
pub fn parse_live(param: &str, value: &str) -> Result<LiveRoot, Error> {
    let url = value.strip_prefix("live:").unwrap_or(value);
    if url.is_empty() {
        return Err(value_err(
            param,
            value,
            "needs a URL: live:http://<server>[:<port>]/<image>",
        ));
    }
    if !url.contains("://") {
        return Err(value_err(
            param,
            value,
            "names a local image; netroot fetches live images over http:// only",
        ));
    }
    let url = crate::http::Url::parse(url).map_err(|reason| value_err(param, value, &reason))?;
    Ok(LiveRoot { url })
}

/// `netroot.sha256=<64 hex digits>`, returned in lowercase.
pub fn parse_sha256(param: &str, value: &str) -> Result<String, Error> {
    if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(value_err(
            param,
            value,
            "is not a SHA-256 digest (64 hexadecimal digits, as sha256sum prints it)",
        ))
    }
}

/// A URL in the DHCP root-path (option 17) or boot file name (field
/// `file`): `live:http://...` or a bare `http://...` names a live image.
pub fn live_from_dhcp(text: &str) -> Option<Result<LiveRoot, Error>> {
    let url = text.strip_prefix("live:").unwrap_or(text);
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    Some(parse_live("DHCP root-path", url))
}

/// Parse a TCP port (`nbd_port=`).
pub fn parse_port(param: &str, value: &str) -> Result<u16, Error> {
    match value.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(value_err(param, value, "is not a TCP port (1 to 65535)")),
    }
}

/// Parse a host (`nbd_host=`): also a bare IPv6 address, since the
/// value is the host alone.
pub fn parse_host_param(param: &str, value: &str) -> Result<Host, Error> {
    if let Ok(a) = value.parse::<std::net::Ipv6Addr>() {
        if !a.is_unspecified() {
            return Ok(Host::Addr6(a));
        }
    }
    parse_host(value).ok_or_else(|| value_err(param, value, HOST_FORMS))
}

/// What a DHCP root-path (option 17) says, parsed like `nfsroot=`, with
/// dracut's `nfs:`/`nfs4:` prefixes also accepted.
pub fn parse_root_path(text: &str) -> Result<NfsRoot, Error> {
    let to_rp = |e: Error| {
        let reason = match e {
            Error::Field {
                field,
                value,
                reason,
                ..
            } => format!("has {field} \"{value}\" that {reason}"),
            Error::Value { reason, .. } => reason,
            Error::Conflict(c) => c,
            other => other.to_string(),
        };
        Error::RootPath {
            value: text.to_string(),
            reason,
        }
    };
    if text.starts_with("nfs:") || text.starts_with("nfs4:") {
        return parse_dracut_nfs("root-path", text).map_err(to_rp);
    }
    if text.contains("://") || text.starts_with("nbd:") || text.starts_with("iscsi:") {
        return Err(Error::RootPath {
            value: text.to_string(),
            reason: "is not an NFS root path".to_string(),
        });
    }
    parse_nfsroot(text).map_err(to_rp)
}

/// Merge the sources of an NFS root in the kernel's order of precedence
/// (fs/nfs/nfsroot.c root_nfs_data(), net/ipv4/ipconfig.c): defaults <
/// DHCP root-path (option 17) < the command line (`nfsroot=` /
/// `root=nfs:`).
///
/// - server: the command line's, else the root-path's, else the server-ip
///   field of `ip=`, else the DHCP server (siaddr / server identifier);
/// - path: the command line's, else the root-path's (unless empty or
///   `default`), else `/tftpboot/%s`; `%s` becomes `client_ip`;
/// - options: the root-path's, then the command line's (later wins);
/// - version: the command line's, else the root-path's.
pub fn merge_nfs(
    cmdline: &NfsRoot,
    dhcp_root_path: Option<&str>,
    ip_server: Option<IpAddr>,
    dhcp_server: Option<Ipv4Addr>,
    client_ip: IpAddr,
) -> Result<ResolvedNfs, Error> {
    let dhcp = match dhcp_root_path.filter(|s| !s.is_empty()) {
        Some(rp) => parse_root_path(rp)?,
        None => NfsRoot::default(),
    };
    let server = cmdline
        .server
        .clone()
        .or(dhcp.server)
        .or(ip_server.map(Host::from))
        .or(dhcp_server.map(Host::Addr))
        .ok_or(Error::NoServer)?;
    let path = cmdline
        .path
        .as_deref()
        .or(dhcp.path.as_deref())
        .unwrap_or(DEFAULT_NFS_PATH);
    let mut options = dhcp.options;
    options.extend(cmdline.options.iter().cloned());
    Ok(ResolvedNfs {
        server,
        path: expand_percent_s(path, client_ip),
        options,
        version: cmdline.version.or(dhcp.version),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            parse_host("10.0.0.1"),
            Some(Host::Addr(Ipv4Addr::new(10, 0, 0, 1)))
        );
        assert_eq!(
            parse_host("nfs-1.lab"),
            Some(Host::Name("nfs-1.lab".into()))
        );
        for bad in [
            "",
            "10.0.0.256",
            "1.2.3",
            "-x",
            "x-",
            ".x",
            "a..b",
            "a b",
            "a/b",
            "a:b",
        ] {
            assert_eq!(parse_host(bad), None, "{bad:?}");
        }
        assert_eq!(parse_host(&"a".repeat(254)), None);
    }

    #[test]
    fn versions() {
        for v in ["3", "4", "4.0", "4.1", "4.2"] {
            assert_eq!(NfsVersion::parse(v).map(NfsVersion::as_str), Some(v));
        }
        assert_eq!(NfsVersion::parse("2"), None);
        assert!(!NfsVersion::V3.is_v4());
        assert!(NfsVersion::V4Any.is_v4());
        let (opts, v) =
            split_nfs_options("nfsroot", 3, "nfs-options", "v3,,hard,nfsvers=4.1").unwrap();
        assert_eq!(
            (opts, v),
            (vec!["hard".to_string()], Some(NfsVersion::V4_1))
        );
    }

    #[test]
    fn nbd_port_field() {
        assert_eq!(
            parse_port_export("root", "10809").unwrap(),
            (10809, String::new())
        );
        assert_eq!(
            parse_port_export("root", "1/a/b").unwrap(),
            (1, "a/b".into())
        );
        assert_eq!(
            parse_port_export("root", "arch").unwrap(),
            (NBD_PORT, "arch".into())
        );
        assert!(parse_port_export("root", "/arch").is_err());
        assert!(parse_port_export("root", "65536").is_err());
    }
}

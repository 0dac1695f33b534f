//! DHCPv4 wire format: building DISCOVER/REQUEST, parsing replies into a
//! [`Lease`] with strict validation, and the IPv4 + UDP framing for
//! `AF_PACKET`/`SOCK_DGRAM` sockets (which hand us the IP header onwards).
//!
//! Requests are encoded here (a fixed header and eight options): dhcproto's
//! general encoder links hickory-proto's DNS name code and, through it, the
//! IDNA/Unicode normalisation tables (about 190 KB of the static binary)
//! for an option (119) a client never sends. Option 119 in replies is
//! decoded here too ([`read_domains`]). Replies are decoded here as well:
//! dhcproto 0.15 is unsafe against hostile input in three ways: `Message::chaddr()` slices with the
//! wire's `hlen` (panics when `hlen > 16`), several option decoders
//! `debug_assert!` on lengths (80, 81, 94, 151..155) or subtract from them
//! (`len - 1`, `len - 3`), and its option loop silently stops at the first
//! malformed option, losing every later one. Walking the TLVs ourselves also
//! gives RFC 3396 concatenation of all instances of a code and RFC 2131
//! option overload (52) into `file`/`sname`. dhcproto remains a
//! dev-dependency: the reference the tests compare our encoder against, and
//! the builder of the replies they feed in.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use super::Lease;

/// The magic cookie that starts the options field (RFC 2131 §3,
/// RFC 2132 §2: 99.130.83.99).
pub const MAGIC: [u8; 4] = [99, 130, 83, 99];

/// UDP port the client listens on (RFC 2131 §4.1).
pub const CLIENT_PORT: u16 = 68;
/// UDP port the server listens on (RFC 2131 §4.1).
pub const SERVER_PORT: u16 = 67;

/// Option 55 (RFC 2132 §9.8): what we ask the server for. 51 and 54 are sent
/// anyway by servers; listing them costs two bytes and helps strict servers.
/// 7 (log servers) serves `netroot.syslog=dhcp`.
pub const PARAMETER_REQUEST_LIST: [u8; 17] = [
    1, 3, 6, 7, 12, 15, 17, 26, 28, 40, 42, 51, 54, 66, 67, 119, 121,
];

/// Option 57 (RFC 2132 §9.10): the largest DHCP message (IP datagram) we
/// accept. 1500 is the Ethernet MTU: larger replies would arrive fragmented,
/// and the receive filter drops fragments.
pub const MAX_MESSAGE_SIZE: u16 = 1500;

/// BOOTP's minimum message size (RFC 951, RFC 1542 §2.1): some relays and
/// servers drop shorter requests, so requests are zero-padded to it.
pub const MIN_MESSAGE_SIZE: usize = 300;

/// Bounds on network-supplied strings. DNS names are limited by RFC 1035
/// §2.3.4; paths are bounded so that a hostile server cannot make us carry
/// (and write to hand-over files) arbitrarily long values.
pub const MAX_NAME_LEN: usize = 253;
/// Bound on root-path, bootfile and TFTP server name.
pub const MAX_PATH_LEN: usize = 1024;
/// Bound on the number of option 119 search domains kept.
pub const MAX_SEARCH_DOMAINS: usize = 32;
/// Bound on the number of addresses kept from a list option (3, 6, 42).
pub const MAX_ADDRS: usize = 16;
/// Bound on the number of option 121 routes kept.
pub const MAX_ROUTES: usize = 64;

/// Fixed BOOTP header length up to and including `file` (RFC 2131 §2).
const HEADER_LEN: usize = 236;
/// Offsets inside the BOOTP header.
const SNAME: std::ops::Range<usize> = 44..108;
const FILE: std::ops::Range<usize> = 108..236;

/// What can be wrong with a received frame or DHCP message.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// Shorter than the fixed header plus magic cookie.
    #[error("message too short ({len} bytes)")]
    TooShort {
        /// Bytes received.
        len: usize,
    },
    /// `op` is not BOOTREPLY.
    #[error("not a BOOTREPLY (op {op})")]
    NotReply {
        /// The op byte.
        op: u8,
    },
    /// Missing the RFC 2131 §3 magic cookie.
    #[error("bad magic cookie")]
    BadCookie,
    /// htype/hlen do not describe Ethernet.
    #[error("hardware type {htype} length {hlen} is not ethernet")]
    NotEthernet {
        /// htype byte.
        htype: u8,
        /// hlen byte.
        hlen: u8,
    },
    /// An option's length runs past its area.
    #[error("option {code} truncated")]
    OptionTruncated {
        /// The option code.
        code: u8,
    },
    /// No option 53.
    #[error("no message type (option 53)")]
    NoMessageType,
    /// Option 53 with a value a client never receives.
    #[error("unexpected message type {kind}")]
    UnexpectedType {
        /// The option 53 value.
        kind: u8,
    },
    /// OFFER/ACK without a usable yiaddr.
    #[error("unusable offered address {addr}")]
    BadAddress {
        /// yiaddr.
        addr: Ipv4Addr,
    },
    /// A frame is not an IPv4 packet we can use.
    #[error("bad ip header: {reason}")]
    BadIp {
        /// What is wrong.
        reason: &'static str,
    },
    /// A frame is not a UDP datagram for the client port.
    #[error("bad udp header: {reason}")]
    BadUdp {
        /// What is wrong.
        reason: &'static str,
    },
}

/// Kinds of request the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// DHCPDISCOVER.
    Discover,
    /// DHCPREQUEST.
    Request,
}

/// Everything needed to build one client message.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// DISCOVER or REQUEST.
    pub kind: RequestKind,
    /// Transaction id.
    pub xid: u32,
    /// Seconds since the client began (RFC 2131 §2 `secs`).
    pub secs: u16,
    /// Our Ethernet address (chaddr).
    pub mac: [u8; 6],
    /// Option 61 payload (type byte + identifier).
    pub client_id: &'a [u8],
    /// Option 12.
    pub hostname: Option<&'a str>,
    /// Option 50: the offered address (SELECTING) or the known one (INIT-REBOOT).
    pub requested_ip: Option<Ipv4Addr>,
    /// Option 54: only in SELECTING (RFC 2131 §4.3.2).
    pub server_id: Option<Ipv4Addr>,
    /// Option 80 (RFC 4039 §4): only meaningful in a DISCOVER.
    pub rapid_commit: bool,
    /// `ciaddr`: our address in RENEWING and REBINDING (RFC 2131 §4.3.2),
    /// where options 50 and 54 MUST NOT be sent; None (zero) otherwise.
    pub ciaddr: Option<Ipv4Addr>,
}

/// Build a client message (the UDP payload).
///
/// Option use follows RFC 2131 §4.4.1 table 5: a REQUEST in SELECTING carries
/// 50 and 54; in INIT-REBOOT it carries 50 and no 54; `ciaddr` stays 0 in
/// both. In RENEWING and REBINDING `ciaddr` is our address and neither option
/// is sent. The broadcast flag is not set: the packet socket receives frames
/// unicast to our MAC before the interface has an address.
pub fn build_request(req: &Request<'_>) -> Result<Vec<u8>, Error> {
    // RFC 2131 §2 figure 1: op, htype, hlen, hops, xid, secs, flags,
    // ciaddr (ours when renewing), yiaddr, siaddr, giaddr (0), chaddr (16 bytes),
    // sname (64), file (128); then the magic cookie (§3) and options.
    let mut buf = Vec::with_capacity(MIN_MESSAGE_SIZE);
    buf.extend_from_slice(&[1, 1, 6, 0]); // BOOTREQUEST, Ethernet, hlen 6, hops
    buf.extend_from_slice(&req.xid.to_be_bytes());
    buf.extend_from_slice(&req.secs.to_be_bytes());
    buf.resize(HEADER_LEN - 128 - 64 - 16, 0); // flags 0, four zero addresses
    if let Some(ci) = req.ciaddr {
        buf[12..16].copy_from_slice(&ci.octets());
    }
    buf.extend_from_slice(&req.mac);
    buf.resize(HEADER_LEN, 0); // chaddr padding, sname, file
    buf.extend_from_slice(&MAGIC);

    // Options in ascending code order (as dhcproto emitted them before),
    // then End (RFC 2132 §3.2).
    let kind = match req.kind {
        RequestKind::Discover => 1, // DHCPDISCOVER (RFC 2132 §9.6)
        RequestKind::Request => 3,  // DHCPREQUEST
    };
    if let Some(h) = req.hostname {
        put_option(&mut buf, 12, h.as_bytes());
    }
    if let Some(ip) = req.requested_ip {
        put_option(&mut buf, 50, &ip.octets());
    }
    put_option(&mut buf, 53, &[kind]);
    if let Some(sid) = req.server_id {
        put_option(&mut buf, 54, &sid.octets());
    }
    put_option(&mut buf, 55, &PARAMETER_REQUEST_LIST);
    put_option(&mut buf, 57, &MAX_MESSAGE_SIZE.to_be_bytes());
    put_option(&mut buf, 61, req.client_id);
    if req.rapid_commit && req.kind == RequestKind::Discover {
        // RFC 4039 §4: Rapid Commit has length 0.
        buf.extend_from_slice(&[80, 0]);
    }
    buf.push(255);
    if buf.len() < MIN_MESSAGE_SIZE {
        buf.resize(MIN_MESSAGE_SIZE, 0);
    }
    Ok(buf)
}

/// Append option `code` with `value`, split into instances of at most 255
/// bytes (RFC 3396 §7); an empty value is left out.
fn put_option(buf: &mut Vec<u8>, code: u8, value: &[u8]) {
    for chunk in value.chunks(255) {
        buf.push(code);
        // chunks(255): the length fits a byte.
        buf.push(chunk.len() as u8);
        buf.extend_from_slice(chunk);
    }
}

/// The kinds of server message a client acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// DHCPOFFER.
    Offer,
    /// DHCPACK.
    Ack,
    /// DHCPNAK.
    Nak,
}

/// A parsed and validated server reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// OFFER, ACK or NAK.
    pub kind: ReplyKind,
    /// Transaction id.
    pub xid: u32,
    /// The first six bytes of chaddr.
    pub chaddr: [u8; 6],
    /// Option 80 present (RFC 4039).
    pub rapid_commit: bool,
    /// Option 56 (a NAK's reason), sanitized.
    pub message: Option<String>,
    /// What the reply configures; `addr` is yiaddr (None in a NAK).
    pub lease: Lease,
    /// Options dropped during validation, each with its reason.
    pub ignored: Vec<String>,
}

/// Walk one option area (RFC 2132 §2), appending each option's value to
/// `out[code]` (RFC 3396: all instances of a code are concatenated in order).
fn walk_options(area: &[u8], out: &mut BTreeMap<u8, Vec<u8>>) -> Result<(), Error> {
    let mut i = 0;
    while i < area.len() {
        let code = area[i];
        match code {
            0 => i += 1,
            255 => return Ok(()),
            _ => {
                let len = *area.get(i + 1).ok_or(Error::OptionTruncated { code })? as usize;
                let val = area
                    .get(i + 2..i + 2 + len)
                    .ok_or(Error::OptionTruncated { code })?;
                out.entry(code).or_default().extend_from_slice(val);
                i += 2 + len;
            }
        }
    }
    // A missing End (RFC 2132 §3.2) is tolerated: the area simply ends.
    Ok(())
}

fn nul_terminated(field: &[u8]) -> &[u8] {
    match field.iter().position(|&b| b == 0) {
        Some(n) => &field[..n],
        None => field,
    }
}

/// Parse and validate a server reply. Bad individual options are dropped
/// (listed in `Reply::ignored`); a structurally broken message is an error.
pub fn parse_reply(payload: &[u8]) -> Result<Reply, Error> {
    if payload.len() < HEADER_LEN + 4 {
        return Err(Error::TooShort { len: payload.len() });
    }
    if payload[0] != 2 {
        return Err(Error::NotReply { op: payload[0] });
    }
    if payload[HEADER_LEN..HEADER_LEN + 4] != MAGIC {
        return Err(Error::BadCookie);
    }
    let (htype, hlen) = (payload[1], payload[2]);
    if htype != 1 || hlen != 6 {
        return Err(Error::NotEthernet { htype, hlen });
    }
    let ip = |o: usize| Ipv4Addr::new(payload[o], payload[o + 1], payload[o + 2], payload[o + 3]);
    let xid = u32::from_be_bytes([payload[4], payload[5], payload[6], payload[7]]);
    let yiaddr = ip(16);
    let siaddr = ip(20);
    let mut chaddr = [0u8; 6];
    chaddr.copy_from_slice(&payload[28..34]);

    let mut opts = BTreeMap::new();
    walk_options(&payload[HEADER_LEN + 4..], &mut opts)?;
    // RFC 2131 §4.1 / RFC 2132 §9.3: option overload moves options into
    // `file` (1), `sname` (2) or both (3); file is scanned before sname.
    let overload = opts.get(&52).and_then(|v| v.first().copied()).unwrap_or(0);
    if overload & 1 != 0 {
        walk_options(&payload[FILE], &mut opts)?;
    }
    if overload & 2 != 0 {
        walk_options(&payload[SNAME], &mut opts)?;
    }

    let kind = match opts.get(&53).map(|v| v.as_slice()) {
        None | Some([]) => return Err(Error::NoMessageType),
        Some([2]) => ReplyKind::Offer,
        Some([5]) => ReplyKind::Ack,
        Some([6]) => ReplyKind::Nak,
        Some(v) => return Err(Error::UnexpectedType { kind: v[0] }),
    };

    let mut ignored = Vec::new();
    let mut lease = Lease::default();
    let mut p = OptParser {
        opts: &opts,
        ignored: &mut ignored,
    };
    lease.server_id = p.addr(54);
    let rapid_commit = opts.contains_key(&80);
    let message = p.text(56, MAX_PATH_LEN).map(|m| {
        m.chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect()
    });

    if kind != ReplyKind::Nak {
        if !usable_unicast(yiaddr) {
            return Err(Error::BadAddress { addr: yiaddr });
        }
        lease.addr = Some(yiaddr);
        lease.netmask = p.netmask(1);
        lease.routers = p.addrs(3);
        lease.dns = p.addrs(6);
        lease.log_servers = p.addrs(7);
        lease.hostname = p.name(12);
        lease.domain = p.name(15);
        lease.root_path = p.text(17, MAX_PATH_LEN);
        lease.mtu = p.mtu(26);
        lease.broadcast = p.addr(28);
        lease.nis_domain = p.name(40);
        lease.ntp = p.addrs(42);
        lease.lease_time = p.u32(51).map(|s| Duration::from_secs(s.into()));
        lease.tftp_server = p.text(66, MAX_PATH_LEN);
        lease.bootfile = p.text(67, MAX_PATH_LEN);
        lease.domain_search = p.search(119);
        lease.classless_routes = p.classless_routes(121);
        if !siaddr.is_unspecified() {
            lease.next_server = Some(siaddr);
        }
        // RFC 2131 §2: `sname`/`file` carry the boot server and file unless
        // overloaded with options; options 66/67 take precedence.
        if overload & 2 == 0 && lease.tftp_server.is_none() {
            lease.tftp_server = field_text(&payload[SNAME], "sname", &mut ignored);
        }
        if overload & 1 == 0 && lease.bootfile.is_none() {
            lease.bootfile = field_text(&payload[FILE], "file", &mut ignored);
        }
    }
    Ok(Reply {
        kind,
        xid,
        chaddr,
        rapid_commit,
        message,
        lease,
        ignored,
    })
}

/// An address a server may hand to a client: not 0.0.0.0, broadcast,
/// multicast, loopback or class E.
fn usable_unicast(a: Ipv4Addr) -> bool {
    !(a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_loopback()
        || a.octets()[0] >= 240)
}

fn field_text(field: &[u8], what: &str, ignored: &mut Vec<String>) -> Option<String> {
    let v = nul_terminated(field);
    if v.is_empty() {
        return None;
    }
    match std::str::from_utf8(v) {
        Ok(s) => Some(s.to_string()),
        Err(_) => {
            ignored.push(format!("{what} field: not utf-8"));
            None
        }
    }
}

/// Decodes individual option values, recording why a value was dropped.
struct OptParser<'a> {
    opts: &'a BTreeMap<u8, Vec<u8>>,
    ignored: &'a mut Vec<String>,
}

impl OptParser<'_> {
    fn get(&self, code: u8) -> Option<&[u8]> {
        self.opts.get(&code).map(|v| v.as_slice())
    }

    fn ignore(&mut self, code: u8, why: impl std::fmt::Display) {
        self.ignored.push(format!("option {code}: {why}"));
    }

    fn addr(&mut self, code: u8) -> Option<Ipv4Addr> {
        let v = self.get(code)?;
        match <[u8; 4]>::try_from(v) {
            Ok(a) => Some(Ipv4Addr::from(a)),
            Err(_) => {
                self.ignore(code, format_args!("length {} is not 4", v.len()));
                None
            }
        }
    }

    fn netmask(&mut self, code: u8) -> Option<Ipv4Addr> {
        let m = self.addr(code)?;
        let bits = u32::from(m);
        // A netmask is a run of ones followed by zeros.
        if bits.leading_ones() + bits.trailing_zeros() == 32 && bits != 0 {
            Some(m)
        } else {
            self.ignore(code, format_args!("{m} is not a contiguous netmask"));
            None
        }
    }

    fn addrs(&mut self, code: u8) -> Vec<Ipv4Addr> {
        let Some(v) = self.get(code) else {
            return Vec::new();
        };
        let read = (v.len() % 4 == 0).then(|| {
            v.chunks_exact(4)
                .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
                .collect::<Vec<_>>()
        });
        match read {
            Some(mut a) if !a.is_empty() => {
                if a.len() > MAX_ADDRS {
                    self.ignore(code, format_args!("kept the first {MAX_ADDRS} addresses"));
                    a.truncate(MAX_ADDRS);
                }
                a
            }
            _ => {
                self.ignore(
                    code,
                    format_args!("length {} is not a multiple of 4", v.len()),
                );
                Vec::new()
            }
        }
    }

    fn u32(&mut self, code: u8) -> Option<u32> {
        let v = self.get(code)?;
        match <[u8; 4]>::try_from(v) {
            Ok(b) => Some(u32::from_be_bytes(b)),
            Err(_) => {
                self.ignore(code, format_args!("length {} is not 4", v.len()));
                None
            }
        }
    }

    fn mtu(&mut self, code: u8) -> Option<u16> {
        let v = self.get(code)?;
        match <[u8; 2]>::try_from(v).map(u16::from_be_bytes) {
            // RFC 2132 §5.1: the minimum legal MTU is 68.
            Ok(m) if m >= 68 => Some(m),
            Ok(m) => {
                self.ignore(code, format_args!("mtu {m} is below 68"));
                None
            }
            Err(_) => {
                self.ignore(code, format_args!("length {} is not 2", v.len()));
                None
            }
        }
    }

    /// An opaque string (root-path, bootfile, message): kept verbatim when it
    /// is valid UTF-8 within `max` bytes. Trailing NULs (some servers
    /// NUL-terminate despite RFC 2132 §2) are removed; an embedded NUL drops it
    /// because no consumer (C strings, mount options) could carry it.
    fn text(&mut self, code: u8, max: usize) -> Option<String> {
        let v = self.get(code)?;
        let mut end = v.len();
        while end > 0 && v[end - 1] == 0 {
            end -= 1;
        }
        let v = &v[..end];
        if v.is_empty() {
            self.ignore(code, "empty");
            return None;
        }
        if v.len() > max {
            self.ignore(code, format_args!("{} bytes, longer than {max}", v.len()));
            return None;
        }
        if v.contains(&0) {
            self.ignore(code, "embedded NUL");
            return None;
        }
        match std::str::from_utf8(v) {
            Ok(s) => Some(s.to_string()),
            Err(_) => {
                self.ignore(code, "not utf-8");
                None
            }
        }
    }

    /// A host or domain name: kept only when it is a sane DNS name.
    fn name(&mut self, code: u8) -> Option<String> {
        let s = self.text(code, MAX_PATH_LEN)?;
        match check_name(&s) {
            Ok(n) => Some(n),
            Err(why) => {
                self.ignore(code, format_args!("{why}: {:?}", truncate(&s)));
                None
            }
        }
    }

    /// RFC 3397 domain search list: RFC 1035 names with compression
    /// pointers inside the option value, decoded by [`read_domains`]. The
    /// names before a malformed one are kept.
    fn search(&mut self, code: u8) -> Vec<String> {
        let Some(v) = self.get(code) else {
            return Vec::new();
        };
        let (names, bad) = read_domains(v);
        if let Some(why) = bad {
            self.ignore(code, why);
        }
        if names.is_empty() {
            self.ignore(code, "no decodable name");
        }
        let mut out = Vec::new();
        for labels in names {
            let joined = labels
                .iter()
                .map(|l| String::from_utf8_lossy(l))
                .collect::<Vec<_>>()
                .join(".");
            match labels
                .iter()
                .all(|l| std::str::from_utf8(l).is_ok())
                .then(|| check_name(&joined))
            {
                Some(Ok(name)) if out.len() < MAX_SEARCH_DOMAINS => out.push(name),
                Some(Ok(_)) => {
                    self.ignore(code, format_args!("kept {MAX_SEARCH_DOMAINS} domains"));
                    break;
                }
                Some(Err(why)) => self.ignore(code, format_args!("{why}: {:?}", truncate(&joined))),
                None => self.ignore(code, "label is not utf-8"),
            }
        }
        out
    }

    /// RFC 3442 classless static routes: a list of (width, significant
    /// destination octets, router). Any malformed entry drops the whole
    /// option: a partial routing table is worse than option 3.
    fn classless_routes(&mut self, code: u8) -> Vec<(Ipv4Addr, u8, Ipv4Addr)> {
        let Some(v) = self.get(code) else {
            return Vec::new();
        };
        match decode_classless(v) {
            Ok(r) if r.len() <= MAX_ROUTES => r,
            Ok(r) => {
                self.ignore(
                    code,
                    format_args!("{} routes, more than {MAX_ROUTES}", r.len()),
                );
                Vec::new()
            }
            Err(why) => {
                self.ignore(code, why);
                Vec::new()
            }
        }
    }
}

/// Decode an RFC 3442 option value.
pub fn decode_classless(v: &[u8]) -> Result<Vec<(Ipv4Addr, u8, Ipv4Addr)>, String> {
    if v.is_empty() {
        // RFC 3442 §2: the minimum length is 5.
        return Err("empty".into());
    }
    let mut routes = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let width = v[i];
        if width > 32 {
            return Err(format!("prefix length {width} at offset {i}"));
        }
        let sig = usize::from(width).div_ceil(8);
        let dest = v
            .get(i + 1..i + 1 + sig)
            .ok_or_else(|| format!("destination truncated at offset {i}"))?;
        let gw = v
            .get(i + 1 + sig..i + 5 + sig)
            .ok_or_else(|| format!("router truncated at offset {i}"))?;
        let mut d = [0u8; 4];
        d[..sig].copy_from_slice(dest);
        // Bits beyond the prefix must be zero; mask them rather than route a
        // non-network address.
        let mask = if width == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(width))
        };
        let dest = Ipv4Addr::from(u32::from_be_bytes(d) & mask);
        routes.push((dest, width, Ipv4Addr::new(gw[0], gw[1], gw[2], gw[3])));
        i += 5 + sig;
    }
    Ok(routes)
}

/// Upper bound of an encoded name, length octets included (RFC 1035 §2.3.4).
const MAX_WIRE_NAME: usize = 255;

/// Decode the RFC 1035 §3.1 names that make up an RFC 3397 domain search
/// option (the value of every instance of option 119, concatenated per
/// RFC 3396). Names are label sequences ending in a zero octet or in a
/// compression pointer (RFC 1035 §4.1.4: two octets `11` + 14-bit offset,
/// here an offset into the option value, RFC 3397 §2).
///
/// Hostile input is bounded: a pointer must point before the start of the
/// label run that it ends (RFC 1035 speaks of a "prior occurrence"), so
/// every jump goes strictly backwards and pointer loops are impossible; a
/// name may not exceed 255 octets; the label types `01` and `10` are
/// reserved (RFC 6891 §5) and rejected. Returns the names decoded before
/// the first malformed one, each as its raw labels, and why decoding
/// stopped early, if it did.
pub fn read_domains(data: &[u8]) -> (Vec<Vec<Vec<u8>>>, Option<&'static str>) {
    let mut names = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        match read_name(data, pos) {
            Ok((labels, next)) => {
                names.push(labels);
                pos = next;
            }
            Err(why) => return (names, Some(why)),
        }
    }
    (names, None)
}

/// One name starting at `start`: its labels and where the next name starts.
fn read_name(data: &[u8], start: usize) -> Result<(Vec<Vec<u8>>, usize), &'static str> {
    let mut labels = Vec::new();
    let mut pos = start;
    // Start of the label run being read; a pointer must go below it.
    let mut run_start = start;
    // Where the next name starts: after the first pointer, or after the
    // terminating zero when there is none.
    let mut next = None;
    let mut wire_len = 1; // the terminating zero (or the root)
    loop {
        let Some(&len) = data.get(pos) else {
            return Err("name runs past the option");
        };
        match len >> 6 {
            0 if len == 0 => {
                return Ok((labels, next.unwrap_or(pos + 1)));
            }
            0 => {
                let len = usize::from(len);
                let Some(label) = data.get(pos + 1..pos + 1 + len) else {
                    return Err("label runs past the option");
                };
                wire_len += 1 + len;
                if wire_len > MAX_WIRE_NAME {
                    return Err("name longer than 255 octets");
                }
                labels.push(label.to_vec());
                pos += 1 + len;
            }
            3 => {
                let Some(&low) = data.get(pos + 1) else {
                    return Err("compression pointer runs past the option");
                };
                let target = (usize::from(len & 0x3f) << 8) | usize::from(low);
                if target >= run_start {
                    return Err("compression pointer does not point backwards");
                }
                next.get_or_insert(pos + 2);
                pos = target;
                run_start = target;
            }
            _ => return Err("reserved label type"),
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect::<String>()
}

/// Validate a host or domain name: RFC 1123 §2.1 labels (letters, digits,
/// hyphen; not starting or ending with a hyphen; 1..63 bytes), total at most
/// 253 bytes. Underscore is tolerated inside labels because real zones use it
/// (RFC 2181 §11). One trailing dot is removed.
pub fn check_name(s: &str) -> Result<String, &'static str> {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() {
        return Err("empty name");
    }
    if s.len() > MAX_NAME_LEN {
        return Err("name longer than 253 bytes");
    }
    for label in s.split('.') {
        if label.is_empty() {
            return Err("empty label");
        }
        if label.len() > 63 {
            return Err("label longer than 63 bytes");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err("character outside [A-Za-z0-9-_]");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("label starts or ends with a hyphen");
        }
    }
    Ok(s.to_string())
}

impl Lease {
    /// The default gateway: the 0.0.0.0/0 route of option 121 when that
    /// option is present (RFC 3442 §2: the client MUST then ignore option 3),
    /// else the first router of option 3.
    pub fn gateway(&self) -> Option<Ipv4Addr> {
        if self.classless_routes.is_empty() {
            self.routers.first().copied()
        } else {
            self.classless_routes
                .iter()
                .find(|(_, w, _)| *w == 0)
                .map(|(_, _, gw)| *gw)
        }
    }
}

// --- IPv4 + UDP framing (RFC 791, RFC 768) -------------------------------

const IP_HEADER_LEN: usize = 20;
const UDP_HEADER_LEN: usize = 8;

/// RFC 1071 Internet checksum over `data` with an initial partial `sum`.
fn checksum(mut sum: u32, data: &[u8]) -> u16 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [b] = chunks.remainder() {
        sum += u32::from(*b) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn pseudo_header_sum(src: Ipv4Addr, dst: Ipv4Addr, udp_len: u16) -> u32 {
    let (s, d) = (src.octets(), dst.octets());
    u32::from(u16::from_be_bytes([s[0], s[1]]))
        + u32::from(u16::from_be_bytes([s[2], s[3]]))
        + u32::from(u16::from_be_bytes([d[0], d[1]]))
        + u32::from(u16::from_be_bytes([d[2], d[3]]))
        + 17
        + u32::from(udp_len)
}

/// Wrap a DHCP payload into an IPv4/UDP packet from 0.0.0.0:68 to
/// 255.255.255.255:67 (RFC 2131 §4.1), with both checksums filled in. The
/// packet socket adds the link-layer header.
pub fn frame_request(payload: &[u8]) -> Vec<u8> {
    let udp_len = (UDP_HEADER_LEN + payload.len()) as u16;
    let total = IP_HEADER_LEN as u16 + udp_len;
    let (src, dst) = (Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST);
    let mut p = Vec::with_capacity(usize::from(total));
    p.extend_from_slice(&[0x45, 0x10]); // version 4, IHL 5; TOS low delay
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0x40, 0]); // id 0, DF (RFC 6864: id unused when DF)
    p.extend_from_slice(&[64, 17, 0, 0]); // TTL, UDP, checksum placeholder
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    let ip_sum = checksum(0, &p[..IP_HEADER_LEN]);
    p[10..12].copy_from_slice(&ip_sum.to_be_bytes());
    p.extend_from_slice(&CLIENT_PORT.to_be_bytes());
    p.extend_from_slice(&SERVER_PORT.to_be_bytes());
    p.extend_from_slice(&udp_len.to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    let mut udp_sum = checksum(pseudo_header_sum(src, dst, udp_len), &p[IP_HEADER_LEN..]);
    // RFC 768: a computed zero is sent as all ones (zero means "none").
    if udp_sum == 0 {
        udp_sum = 0xffff;
    }
    p[IP_HEADER_LEN + 6..IP_HEADER_LEN + 8].copy_from_slice(&udp_sum.to_be_bytes());
    p
}

/// Check an IPv4 packet as received on a cooked packet socket and return its
/// UDP payload when it is a complete, unfragmented datagram to port 68. The
/// IP header checksum is always verified, the UDP checksum when nonzero
/// (RFC 768: zero means the sender did not compute one).
pub fn unframe_reply(pkt: &[u8]) -> Result<&[u8], Error> {
    unframe_reply_with(pkt, true)
}

/// [`unframe_reply`], verifying the UDP checksum only when `verify_udp`:
/// the driver turns it off for packets whose checksum the kernel reports as
/// left to offload (packet(7) `TP_STATUS_CSUMNOTREADY`).
pub fn unframe_reply_with(pkt: &[u8], verify_udp: bool) -> Result<&[u8], Error> {
    let bad_ip = |reason| Error::BadIp { reason };
    let bad_udp = |reason| Error::BadUdp { reason };
    if pkt.len() < IP_HEADER_LEN {
        return Err(bad_ip("shorter than 20 bytes"));
    }
    if pkt[0] >> 4 != 4 {
        return Err(bad_ip("not version 4"));
    }
    let ihl = usize::from(pkt[0] & 0x0f) * 4;
    if ihl < IP_HEADER_LEN || pkt.len() < ihl {
        return Err(bad_ip("bad header length"));
    }
    let total = usize::from(u16::from_be_bytes([pkt[2], pkt[3]]));
    // Trailing bytes beyond total length are link-layer padding.
    if total < ihl || total > pkt.len() {
        return Err(bad_ip("bad total length"));
    }
    if checksum(0, &pkt[..ihl]) != 0 {
        return Err(bad_ip("header checksum mismatch"));
    }
    // More-fragments flag or a nonzero offset: we do not reassemble.
    if u16::from_be_bytes([pkt[6], pkt[7]]) & 0x3fff != 0 {
        return Err(bad_ip("fragment"));
    }
    if pkt[9] != 17 {
        return Err(bad_ip("not udp"));
    }
    let src = Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15]);
    let dst = Ipv4Addr::new(pkt[16], pkt[17], pkt[18], pkt[19]);
    let udp = &pkt[ihl..total];
    if udp.len() < UDP_HEADER_LEN {
        return Err(bad_udp("shorter than 8 bytes"));
    }
    let dport = u16::from_be_bytes([udp[2], udp[3]]);
    if dport != CLIENT_PORT {
        return Err(bad_udp("not to port 68"));
    }
    let ulen = usize::from(u16::from_be_bytes([udp[4], udp[5]]));
    if ulen < UDP_HEADER_LEN || ulen > udp.len() {
        return Err(bad_udp("bad length"));
    }
    let udp = &udp[..ulen];
    if verify_udp
        && u16::from_be_bytes([udp[6], udp[7]]) != 0
        && checksum(pseudo_header_sum(src, dst, ulen as u16), udp) != 0
    {
        return Err(bad_udp("checksum mismatch"));
    }
    Ok(&udp[UDP_HEADER_LEN..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dhcproto encoder this module used before, kept as the reference
    /// for a differential test: our encoder must produce the same bytes.
    use dhcproto::v4::{self, DhcpOption, MessageType, OptionCode};
    use dhcproto::{Encodable, Encoder};

    fn reference_build_request(req: &Request<'_>) -> Result<Vec<u8>, String> {
        let mut msg = v4::Message::new_with_id(
            req.xid,
            req.ciaddr.unwrap_or(Ipv4Addr::UNSPECIFIED),
            Ipv4Addr::UNSPECIFIED,
            Ipv4Addr::UNSPECIFIED,
            Ipv4Addr::UNSPECIFIED,
            &req.mac,
        );
        msg.set_secs(req.secs);
        let kind = match req.kind {
            RequestKind::Discover => MessageType::Discover,
            RequestKind::Request => MessageType::Request,
        };
        let opts = msg.opts_mut();
        opts.insert(DhcpOption::MessageType(kind));
        opts.insert(DhcpOption::ClientIdentifier(req.client_id.to_vec()));
        if let Some(h) = req.hostname {
            opts.insert(DhcpOption::Hostname(h.to_string()));
        }
        opts.insert(DhcpOption::ParameterRequestList(
            PARAMETER_REQUEST_LIST
                .iter()
                .map(|c| OptionCode::from(*c))
                .collect(),
        ));
        opts.insert(DhcpOption::MaxMessageSize(MAX_MESSAGE_SIZE));
        if let Some(ip) = req.requested_ip {
            opts.insert(DhcpOption::RequestedIpAddress(ip));
        }
        if let Some(sid) = req.server_id {
            opts.insert(DhcpOption::ServerIdentifier(sid));
        }
        if req.rapid_commit && req.kind == RequestKind::Discover {
            opts.insert(DhcpOption::RapidCommit);
        }
        let mut buf = Vec::with_capacity(MIN_MESSAGE_SIZE);
        msg.encode(&mut Encoder::new(&mut buf))
            .map_err(|e| e.to_string())?;
        if buf.len() < MIN_MESSAGE_SIZE {
            buf.resize(MIN_MESSAGE_SIZE, 0);
        }
        Ok(buf)
    }

    proptest::proptest! {
        #[test]
        fn build_request_matches_dhcproto(
            discover: bool,
            xid: u32,
            secs: u16,
            mac: [u8; 6],
            client_id in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            hostname in proptest::option::of("[a-z0-9.-]{0,300}"),
            requested_ip in proptest::option::of(proptest::prelude::any::<[u8; 4]>()),
            server_id in proptest::option::of(proptest::prelude::any::<[u8; 4]>()),
            rapid_commit: bool,
            ciaddr in proptest::option::of(proptest::prelude::any::<[u8; 4]>()),
        ) {
            let r = Request {
                kind: if discover { RequestKind::Discover } else { RequestKind::Request },
                xid,
                secs,
                mac,
                client_id: &client_id,
                hostname: hostname.as_deref(),
                requested_ip: requested_ip.map(Ipv4Addr::from),
                server_id: server_id.map(Ipv4Addr::from),
                rapid_commit,
                ciaddr: ciaddr.map(Ipv4Addr::from),
            };
            proptest::prop_assert_eq!(build_request(&r).unwrap(), reference_build_request(&r).unwrap());
        }
    }

    fn labels(name: &str) -> Vec<Vec<u8>> {
        name.split('.').map(|l| l.as_bytes().to_vec()).collect()
    }

    #[test]
    fn rfc3397_example_with_compression() {
        // RFC 3397 §3: "eng.apple.com." and "marketing.apple.com.", the
        // second ending in a pointer to offset 4 ("apple.com.").
        let mut v = vec![3];
        v.extend_from_slice(b"eng");
        v.push(5);
        v.extend_from_slice(b"apple");
        v.push(3);
        v.extend_from_slice(b"com");
        v.push(0);
        v.push(9);
        v.extend_from_slice(b"marketing");
        v.extend_from_slice(&[0xc0, 0x04]);
        let (names, bad) = read_domains(&v);
        assert_eq!(bad, None);
        assert_eq!(
            names,
            vec![labels("eng.apple.com"), labels("marketing.apple.com")]
        );
        // A name after a compressed one starts after the pointer.
        v.extend_from_slice(&[1, b'x', 0xc0, 4]);
        let (names, bad) = read_domains(&v);
        assert_eq!(bad, None);
        assert_eq!(names[2], labels("x.apple.com"));
        // Chained pointers, each going further back.
        v.extend_from_slice(&[1, b'y', 0xc0, 27]);
        assert_eq!(read_domains(&v).0[3], labels("y.x.apple.com"));
    }

    #[test]
    fn malformed_names_are_rejected() {
        // A pointer to itself, pointers forward.
        assert_eq!(
            read_domains(&[0xc0, 0x00]),
            (vec![], Some("compression pointer does not point backwards"))
        );
        assert_eq!(
            read_domains(&[0xc0, 0x02, 1, b'a', 0]).1,
            Some("compression pointer does not point backwards")
        );
        assert_eq!(
            read_domains(&[1, b'a', 0xc0, 0x04, 1, b'b', 0xc0, 0x00]).1,
            Some("compression pointer does not point backwards")
        );
        // A pointer into its own label run (a loop through labels).
        assert_eq!(
            read_domains(&[1, b'a', 0, 1, b'b', 0xc0, 0x03]).1,
            Some("compression pointer does not point backwards")
        );
        // Truncations; the good name before is kept.
        assert_eq!(
            read_domains(&[1, b'a', 0, 3, b'a', b'b']),
            (vec![labels("a")], Some("label runs past the option"))
        );
        assert_eq!(
            read_domains(&[1, b'a']).1,
            Some("name runs past the option")
        );
        assert_eq!(
            read_domains(&[0xc0]).1,
            Some("compression pointer runs past the option")
        );
        // Reserved label types 01 and 10.
        assert_eq!(read_domains(&[0x40, 0]).1, Some("reserved label type"));
        assert_eq!(read_domains(&[0x80, 0]).1, Some("reserved label type"));
        // Over 255 octets: four 63-byte labels plus the zero is 257.
        let mut long = Vec::new();
        for _ in 0..4 {
            long.push(63);
            long.extend_from_slice(&[b'a'; 63]);
        }
        long.push(0);
        assert_eq!(read_domains(&long).1, Some("name longer than 255 octets"));
        // Exactly 255 octets is fine.
        let mut ok = Vec::new();
        for _ in 0..3 {
            ok.push(63);
            ok.extend_from_slice(&[b'a'; 63]);
        }
        ok.push(61);
        ok.extend_from_slice(&[b'b'; 61]);
        ok.push(0);
        assert_eq!(ok.len(), 255);
        assert_eq!(read_domains(&ok).1, None);
        // The root name decodes (to no labels); the caller rejects it.
        assert_eq!(read_domains(&[0]), (vec![vec![]], None));
        assert_eq!(read_domains(&[]), (vec![], None));
    }

    proptest::proptest! {
        #[test]
        fn read_domains_never_panics(v in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let (names, _) = read_domains(&v);
            // Every name costs at least one octet of the option.
            proptest::prop_assert!(names.len() <= v.len());
            for n in names {
                let wire: usize = n.iter().map(|l| l.len() + 1).sum::<usize>() + 1;
                proptest::prop_assert!(wire <= 255);
            }
        }
    }

    fn req(kind: RequestKind) -> Request<'static> {
        Request {
            kind,
            xid: 0x1234_5678,
            secs: 3,
            mac: [2, 0, 0, 0, 0, 1],
            client_id: &[1, 2, 0, 0, 0, 0, 1],
            hostname: Some("node1"),
            requested_ip: None,
            server_id: None,
            rapid_commit: true,
            ciaddr: None,
        }
    }

    /// Our own option walk over a built request, to check what went out.
    fn options_of(msg: &[u8]) -> BTreeMap<u8, Vec<u8>> {
        let mut m = BTreeMap::new();
        walk_options(&msg[HEADER_LEN + 4..], &mut m).unwrap();
        m
    }

    #[test]
    fn discover_carries_the_required_options() {
        let m = build_request(&req(RequestKind::Discover)).unwrap();
        assert!(m.len() >= MIN_MESSAGE_SIZE);
        assert_eq!(m[0], 1, "BOOTREQUEST");
        assert_eq!(&m[4..8], &0x1234_5678u32.to_be_bytes());
        assert_eq!(&m[8..10], &3u16.to_be_bytes());
        assert_eq!(&m[10..12], &[0, 0], "no broadcast flag");
        assert_eq!(&m[28..34], &[2, 0, 0, 0, 0, 1]);
        let o = options_of(&m);
        assert_eq!(o[&53], vec![1]);
        assert_eq!(o[&61], vec![1, 2, 0, 0, 0, 0, 1]);
        assert_eq!(o[&12], b"node1".to_vec());
        assert_eq!(o[&55], PARAMETER_REQUEST_LIST.to_vec());
        assert_eq!(o[&57], 1500u16.to_be_bytes().to_vec());
        assert_eq!(o[&80], Vec::<u8>::new());
        assert!(!o.contains_key(&50) && !o.contains_key(&54));
    }

    #[test]
    fn request_options_follow_rfc2131_table5() {
        let mut r = req(RequestKind::Request);
        r.requested_ip = Some(Ipv4Addr::new(10, 0, 0, 5));
        r.server_id = Some(Ipv4Addr::new(10, 0, 0, 1));
        let o = options_of(&build_request(&r).unwrap());
        assert_eq!(o[&53], vec![3]);
        assert_eq!(o[&50], vec![10, 0, 0, 5]);
        assert_eq!(o[&54], vec![10, 0, 0, 1]);
        assert!(!o.contains_key(&80), "rapid commit only in DISCOVER");
        // INIT-REBOOT: option 50 without 54.
        r.server_id = None;
        let o = options_of(&build_request(&r).unwrap());
        assert_eq!(o[&50], vec![10, 0, 0, 5]);
        assert!(!o.contains_key(&54));
    }

    #[test]
    fn classless_routes_decode_and_reject() {
        // 0/0 via 10.0.0.1; 192.168.0.0/16 via 10.0.0.2; 10.17.0.0/20 via 10.0.0.3
        let v = [
            0, 10, 0, 0, 1, 16, 192, 168, 10, 0, 0, 2, 20, 10, 17, 15, 10, 0, 0, 3,
        ];
        let r = decode_classless(&v).unwrap();
        assert_eq!(
            r,
            vec![
                (Ipv4Addr::UNSPECIFIED, 0, Ipv4Addr::new(10, 0, 0, 1)),
                (
                    Ipv4Addr::new(192, 168, 0, 0),
                    16,
                    Ipv4Addr::new(10, 0, 0, 2)
                ),
                // host bits of 15 are masked off
                (Ipv4Addr::new(10, 17, 0, 0), 20, Ipv4Addr::new(10, 0, 0, 3)),
            ]
        );
        assert!(decode_classless(&[33, 0, 0, 0, 0]).is_err());
        assert!(decode_classless(&[24, 10, 0]).is_err());
        assert!(decode_classless(&[8, 10, 1, 2, 3]).is_err());
        assert!(decode_classless(&[]).is_err());
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(
            check_name("node-1.example.org.").unwrap(),
            "node-1.example.org"
        );
        assert!(check_name("a;reboot").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name("-x").is_err());
        assert!(check_name("a..b").is_err());
        assert!(check_name(&"a".repeat(64)).is_err());
        assert!(check_name(&["abc"; 80].join(".")).is_err());
        assert!(check_name("$(reboot)").is_err());
    }

    #[test]
    fn frame_round_trip_and_checksums() {
        let payload = build_request(&req(RequestKind::Discover)).unwrap();
        let mut f = frame_request(&payload);
        assert_eq!(checksum(0, &f[..20]), 0, "ip header checksum");
        // Our own frame goes to port 67: unframe (client side) refuses it.
        assert_eq!(
            unframe_reply(&f),
            Err(Error::BadUdp {
                reason: "not to port 68"
            })
        );
        // Turn it into a reply-direction frame: swap ports, recompute.
        f[20..22].copy_from_slice(&67u16.to_be_bytes());
        f[22..24].copy_from_slice(&68u16.to_be_bytes());
        // Swapping two 16-bit words keeps the one's-complement sum.
        assert_eq!(unframe_reply(&f).unwrap(), &payload[..]);
        // Link-layer padding after the IP total length is ignored.
        let mut padded = f.clone();
        padded.extend_from_slice(&[0; 18]);
        assert_eq!(unframe_reply(&padded).unwrap(), &payload[..]);
        // Corruptions are caught.
        let mut bad = f.clone();
        bad[30] ^= 1;
        assert!(matches!(unframe_reply(&bad), Err(Error::BadUdp { .. })));
        let mut bad = f.clone();
        bad[8] = 1;
        assert!(matches!(unframe_reply(&bad), Err(Error::BadIp { .. })));
        // Zero UDP checksum means "not computed" and is accepted.
        let mut nosum = f.clone();
        nosum[26..28].copy_from_slice(&[0, 0]);
        assert!(unframe_reply(&nosum).is_ok());
    }
}

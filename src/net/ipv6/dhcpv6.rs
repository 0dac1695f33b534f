//! DHCPv6 wire format (RFC 8415 §8, §21), PURE: build the client's
//! Solicit, Request and Information-request, and parse Advertise and Reply
//! strictly. Options are (code u16, length u16, data), big-endian; an
//! option running past its area ends the message's parse with an error,
//! values of the wrong size are skipped with a note, and every list is
//! bounded, as in the DHCPv4 decoder ([`crate::net::dhcp::wire`]).

use std::net::Ipv6Addr;

/// UDP port the client listens on (RFC 8415 §7.2).
pub const CLIENT_PORT: u16 = 546;
/// UDP port servers and relays listen on (RFC 8415 §7.2).
pub const SERVER_PORT: u16 = 547;
/// All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1), link-scoped.
pub const ALL_SERVERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 1, 2);

/// Message types (RFC 8415 §7.3).
pub mod msg {
    /// Solicit.
    pub const SOLICIT: u8 = 1;
    /// Advertise.
    pub const ADVERTISE: u8 = 2;
    /// Request.
    pub const REQUEST: u8 = 3;
    /// Reply.
    pub const REPLY: u8 = 7;
    /// Information-request.
    pub const INFORMATION_REQUEST: u8 = 11;
}

/// Option codes (RFC 8415 §21, RFC 3646, RFC 5970).
pub mod opt {
    /// Client Identifier (§21.2).
    pub const CLIENTID: u16 = 1;
    /// Server Identifier (§21.3).
    pub const SERVERID: u16 = 2;
    /// Identity Association for Non-temporary Addresses (§21.4).
    pub const IA_NA: u16 = 3;
    /// IA Address (§21.6).
    pub const IAADDR: u16 = 5;
    /// Option Request (§21.7).
    pub const ORO: u16 = 6;
    /// Preference (§21.8).
    pub const PREFERENCE: u16 = 7;
    /// Elapsed Time (§21.9).
    pub const ELAPSED_TIME: u16 = 8;
    /// Status Code (§21.13).
    pub const STATUS_CODE: u16 = 13;
    /// Rapid Commit (§21.14).
    pub const RAPID_COMMIT: u16 = 14;
    /// DNS Recursive Name Server (RFC 3646 §3).
    pub const DNS_SERVERS: u16 = 23;
    /// Domain Search List (RFC 3646 §4).
    pub const DOMAIN_LIST: u16 = 24;
    /// Boot File URL (RFC 5970 §3.1).
    pub const BOOTFILE_URL: u16 = 59;
    /// SOL_MAX_RT (§21.24).
    pub const SOL_MAX_RT: u16 = 82;
    /// INF_MAX_RT (§21.25).
    pub const INF_MAX_RT: u16 = 83;
}

/// Status codes (RFC 8415 §21.13).
pub mod status {
    /// Success.
    pub const SUCCESS: u16 = 0;
    /// NoAddrsAvail: the server has no address for us.
    pub const NO_ADDRS_AVAIL: u16 = 2;
    /// NotOnLink: the address is not appropriate for the link.
    pub const NOT_ON_LINK: u16 = 4;
}

/// What we ask for (RFC 8415 §21.7): DNS servers, search list, boot file
/// URL; SOL_MAX_RT in a Solicit and INF_MAX_RT in an Information-request
/// are MUSTs (§18.2.1, §18.2.6).
pub const ORO_SOLICIT: [u16; 4] = [
    opt::DNS_SERVERS,
    opt::DOMAIN_LIST,
    opt::BOOTFILE_URL,
    opt::SOL_MAX_RT,
];
/// The Information-request's ORO.
pub const ORO_INFO: [u16; 4] = [
    opt::DNS_SERVERS,
    opt::DOMAIN_LIST,
    opt::BOOTFILE_URL,
    opt::INF_MAX_RT,
];

/// Bound on DNS servers kept.
pub const MAX_DNS: usize = 8;
/// Bound on search domains kept.
pub const MAX_SEARCH: usize = 16;
/// Bound on addresses kept from one IA_NA.
pub const MAX_ADDRS: usize = 8;
/// Bound on a DUID (RFC 8415 §11.1: at most 128 octets after the type).
pub const MAX_DUID: usize = 130;
/// Bound on the boot file URL.
pub const MAX_URL: usize = 1024;

/// Why a received message is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Shorter than the 4-byte header.
    #[error("message too short ({0} bytes)")]
    TooShort(usize),
    /// An option's length runs past its area.
    #[error("option {0} truncated")]
    Truncated(u16),
}

/// The DUID-LL of a MAC (RFC 8415 §11.4: type 3, hardware type 1).
///
/// Why DUID-LL: it is derived from what the site already knows the machine
/// by (the MAC of its PXE boot and DHCPv4 reservations), is the same on
/// every boot without stored state (a diskless client has none before its
/// root is mounted), and dnsmasq and ISC/Kea can reserve addresses by it.
/// DUID-LLT would change with the time; DUID-UUID would need an identity
/// that exists before the network does.
pub fn duid_ll(mac: [u8; 6]) -> Vec<u8> {
    let mut d = vec![0, 3, 0, 1];
    d.extend_from_slice(&mac);
    d
}

/// The IAID of our one IA_NA: the last four octets of the MAC (RFC 8415
/// §12: consistent across restarts for the same interface).
pub fn iaid(mac: [u8; 6]) -> u32 {
    u32::from_be_bytes([mac[2], mac[3], mac[4], mac[5]])
}

/// A message the client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMsg<'a> {
    /// [`msg::SOLICIT`], [`msg::REQUEST`] or [`msg::INFORMATION_REQUEST`].
    pub kind: u8,
    /// Transaction id (24 bits).
    pub xid: u32,
    /// Our DUID.
    pub duid: &'a [u8],
    /// Elapsed time in hundredths of a second (§21.9).
    pub elapsed: u16,
    /// The IA_NA to send: its IAID, and the address asked for (a Request
    /// names the advertised one). None: no IA (Information-request).
    pub ia: Option<(u32, Option<Ipv6Addr>)>,
    /// Server Identifier (a Request names the chosen server).
    pub server_id: Option<&'a [u8]>,
    /// Rapid Commit (a Solicit only, §18.2.1).
    pub rapid_commit: bool,
}

fn put(buf: &mut Vec<u8>, code: u16, data: &[u8]) {
    buf.extend_from_slice(&code.to_be_bytes());
    // Every value we send is short (a DUID is bounded by MAX_DUID).
    buf.extend_from_slice(&(data.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
    buf.extend_from_slice(data);
}

/// Encode a client message (the UDP payload).
pub fn build(m: &ClientMsg<'_>) -> Vec<u8> {
    let mut buf = vec![m.kind];
    buf.extend_from_slice(&m.xid.to_be_bytes()[1..]);
    put(
        &mut buf,
        opt::CLIENTID,
        &m.duid[..m.duid.len().min(MAX_DUID)],
    );
    if let Some(s) = m.server_id {
        put(&mut buf, opt::SERVERID, &s[..s.len().min(MAX_DUID)]);
    }
    if let Some((iaid, addr)) = m.ia {
        // IAID, T1, T2 (0: the server decides, §21.4), then an IA Address
        // with lifetimes 0 (the client's preference does not matter).
        let mut ia = iaid.to_be_bytes().to_vec();
        ia.extend_from_slice(&[0; 8]);
        if let Some(a) = addr {
            let mut ad = a.octets().to_vec();
            ad.extend_from_slice(&[0; 8]);
            put(&mut ia, opt::IAADDR, &ad);
        }
        put(&mut buf, opt::IA_NA, &ia);
    }
    let oro: &[u16] = if m.kind == msg::INFORMATION_REQUEST {
        &ORO_INFO
    } else {
        &ORO_SOLICIT
    };
    let oro: Vec<u8> = oro.iter().flat_map(|c| c.to_be_bytes()).collect();
    put(&mut buf, opt::ORO, &oro);
    put(&mut buf, opt::ELAPSED_TIME, &m.elapsed.to_be_bytes());
    if m.rapid_commit {
        put(&mut buf, opt::RAPID_COMMIT, &[]);
    }
    buf
}

/// An address of an IA_NA (§21.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IaAddr {
    /// The address.
    pub addr: Ipv6Addr,
    /// Preferred lifetime, seconds.
    pub preferred: u32,
    /// Valid lifetime, seconds.
    pub valid: u32,
}

/// An IA_NA of a reply (§21.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IaNa {
    /// IAID.
    pub iaid: u32,
    /// T1, T2 (seconds).
    pub t1: u32,
    /// T2.
    pub t2: u32,
    /// Usable addresses (valid lifetime non-zero, preferred ≤ valid,
    /// unicast), at most [`MAX_ADDRS`].
    pub addrs: Vec<IaAddr>,
    /// The IA's Status Code, when present (code, message).
    pub status: Option<(u16, String)>,
}

/// An Advertise or Reply (or anything else a server sends), decoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerMsg {
    /// Message type.
    pub kind: u8,
    /// Transaction id.
    pub xid: u32,
    /// Client Identifier.
    pub client_id: Option<Vec<u8>>,
    /// Server Identifier.
    pub server_id: Option<Vec<u8>>,
    /// Preference (0 when absent, §18.2.9).
    pub preference: u8,
    /// The message's top-level Status Code (code, message).
    pub status: Option<(u16, String)>,
    /// Rapid Commit present.
    pub rapid_commit: bool,
    /// The IA_NAs, at most 4.
    pub ia_na: Vec<IaNa>,
    /// DNS servers (option 23).
    pub dns: Vec<Ipv6Addr>,
    /// Search domains (option 24), valid names only.
    pub search: Vec<String>,
    /// Boot file URL (option 59), printable ASCII only.
    pub boot_url: Option<String>,
    /// What was skipped, and why.
    pub ignored: Vec<String>,
}

/// Walk `(code, data)` options; an error when one runs past the end.
fn options(mut area: &[u8]) -> Result<Vec<(u16, &[u8])>, Error> {
    let mut out = Vec::new();
    while !area.is_empty() {
        let code = u16::from_be_bytes([area[0], area.get(1).copied().unwrap_or(0)]);
        let (Some(h), Some(rest)) = (area.get(..4), area.get(4..)) else {
            return Err(Error::Truncated(code));
        };
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        let (Some(data), Some(next)) = (rest.get(..len), rest.get(len..)) else {
            return Err(Error::Truncated(code));
        };
        out.push((code, data));
        area = next;
    }
    Ok(out)
}

fn status_of(data: &[u8]) -> Option<(u16, String)> {
    let code = u16::from_be_bytes([*data.first()?, *data.get(1)?]);
    // A message for the log only: printable ASCII, bounded.
    let text: String = data[2..]
        .iter()
        .take(128)
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect();
    Some((code, text))
}

fn addr16(b: &[u8]) -> Option<Ipv6Addr> {
    <[u8; 16]>::try_from(b).ok().map(Ipv6Addr::from)
}

/// Whether a server may hand this out as our address or DNS server.
fn usable_unicast(a: Ipv6Addr) -> bool {
    !(a.is_unspecified() || a.is_loopback() || a.is_multicast())
}

fn ia_na(data: &[u8], ignored: &mut Vec<String>) -> Result<IaNa, Error> {
    if data.len() < 12 {
        ignored.push(format!("IA_NA of {} bytes", data.len()));
        return Ok(IaNa::default());
    }
    let u32_at = |i: usize| u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
    let mut ia = IaNa {
        iaid: u32_at(0),
        t1: u32_at(4),
        t2: u32_at(8),
        ..IaNa::default()
    };
    for (code, d) in options(&data[12..])? {
        match code {
            opt::IAADDR if d.len() >= 24 => {
                let Some(addr) = addr16(&d[..16]) else {
                    continue;
                };
                let be = |i: usize| u32::from_be_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]);
                let (preferred, valid) = (be(16), be(20));
                // §21.6: a preferred lifetime above the valid one makes
                // the address unusable; valid 0 withdraws it.
                if valid == 0 || preferred > valid || !usable_unicast(addr) {
                    ignored.push(format!("IA address {addr} ({preferred}/{valid} s)"));
                } else if ia.addrs.len() < MAX_ADDRS {
                    ia.addrs.push(IaAddr {
                        addr,
                        preferred,
                        valid,
                    });
                }
                // An IAADDR's own status: a failure withdraws that address.
                if let Ok(inner) = options(&d[24..]) {
                    for (c, s) in inner {
                        if c == opt::STATUS_CODE {
                            if let Some((code, _)) = status_of(s).filter(|(c, _)| *c != 0) {
                                ia.addrs.retain(|a| a.addr != addr);
                                ignored.push(format!("IA address {addr}: status {code}"));
                            }
                        }
                    }
                }
            }
            opt::IAADDR => ignored.push(format!("IA address of {} bytes", d.len())),
            opt::STATUS_CODE => ia.status = status_of(d),
            _ => {}
        }
    }
    Ok(ia)
}

/// Parse a server's message.
pub fn parse(payload: &[u8]) -> Result<ServerMsg, Error> {
    if payload.len() < 4 {
        return Err(Error::TooShort(payload.len()));
    }
    let mut m = ServerMsg {
        kind: payload[0],
        xid: u32::from_be_bytes([0, payload[1], payload[2], payload[3]]),
        ..ServerMsg::default()
    };
    for (code, data) in options(&payload[4..])? {
        match code {
            opt::CLIENTID if data.len() <= MAX_DUID => m.client_id = Some(data.to_vec()),
            opt::SERVERID if !data.is_empty() && data.len() <= MAX_DUID => {
                m.server_id = Some(data.to_vec())
            }
            opt::PREFERENCE if data.len() == 1 => m.preference = data[0],
            opt::STATUS_CODE => m.status = status_of(data),
            opt::RAPID_COMMIT => m.rapid_commit = true,
            opt::IA_NA if m.ia_na.len() < 4 => {
                let ia = ia_na(data, &mut m.ignored)?;
                m.ia_na.push(ia);
            }
            opt::DNS_SERVERS if data.len() % 16 == 0 => {
                for a in data.chunks_exact(16).filter_map(addr16) {
                    if usable_unicast(a) && !m.dns.contains(&a) && m.dns.len() < MAX_DNS {
                        m.dns.push(a);
                    }
                }
            }
            opt::DOMAIN_LIST => {
                for d in super::ra::domains(data, &mut m.ignored) {
                    if !m.search.contains(&d) && m.search.len() < MAX_SEARCH {
                        m.search.push(d);
                    }
                }
            }
            opt::BOOTFILE_URL => {
                if data.len() <= MAX_URL && data.iter().all(|b| (0x21..0x7f).contains(b)) {
                    m.boot_url = std::str::from_utf8(data).ok().map(str::to_string);
                } else {
                    m.ignored
                        .push("boot file URL not printable or too long".into());
                }
            }
            opt::CLIENTID | opt::SERVERID | opt::PREFERENCE | opt::DNS_SERVERS | opt::IA_NA => m
                .ignored
                .push(format!("option {code} of {} bytes", data.len())),
            _ => {}
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: [u8; 6] = [2, 0, 0, 0x77, 1, 0x10];

    fn v6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn o(code: u16, data: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        put(&mut b, code, data);
        b
    }

    /// A server message (as a test server would write it).
    pub(crate) fn server(kind: u8, xid: u32, opts: &[Vec<u8>]) -> Vec<u8> {
        let mut m = vec![kind];
        m.extend_from_slice(&xid.to_be_bytes()[1..]);
        for x in opts {
            m.extend_from_slice(x);
        }
        m
    }

    fn ia(iaid: u32, addrs: &[(&str, u32, u32)], extra: &[Vec<u8>]) -> Vec<u8> {
        let mut d = iaid.to_be_bytes().to_vec();
        d.extend_from_slice(&[0, 0, 0, 100, 0, 0, 0, 160]);
        for (a, p, v) in addrs {
            let mut ad = v6(a).octets().to_vec();
            ad.extend_from_slice(&p.to_be_bytes());
            ad.extend_from_slice(&v.to_be_bytes());
            d.extend(o(opt::IAADDR, &ad));
        }
        for x in extra {
            d.extend_from_slice(x);
        }
        o(opt::IA_NA, &d)
    }

    #[test]
    fn solicit_bytes() {
        let duid = duid_ll(MAC);
        assert_eq!(duid, [0, 3, 0, 1, 2, 0, 0, 0x77, 1, 0x10]);
        assert_eq!(iaid(MAC), 0x0077_0110);
        let b = build(&ClientMsg {
            kind: msg::SOLICIT,
            xid: 0xab_cdef,
            duid: &duid,
            elapsed: 0,
            ia: Some((iaid(MAC), None)),
            server_id: None,
            rapid_commit: true,
        });
        #[rustfmt::skip]
        let want: Vec<u8> = [
            &[1, 0xab, 0xcd, 0xef][..],
            &[0, 1, 0, 10, 0, 3, 0, 1, 2, 0, 0, 0x77, 1, 0x10],
            &[0, 3, 0, 12, 0, 0x77, 1, 0x10, 0, 0, 0, 0, 0, 0, 0, 0],
            &[0, 6, 0, 8, 0, 23, 0, 24, 0, 59, 0, 82],
            &[0, 8, 0, 2, 0, 0],
            &[0, 14, 0, 0],
        ]
        .concat();
        assert_eq!(b, want);
        let r = build(&ClientMsg {
            kind: msg::REQUEST,
            xid: 1,
            duid: &duid,
            elapsed: 150,
            ia: Some((7, Some(v6("fd00::100")))),
            server_id: Some(&[0, 3, 0, 1, 9, 9, 9, 9, 9, 9]),
            rapid_commit: false,
        });
        let p = options(&r[4..]).unwrap();
        let codes: Vec<u16> = p.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, [1, 2, 3, 6, 8]);
        assert_eq!(p[4].1, &[0, 150]);
        let inner = options(&p[2].1[12..]).unwrap();
        assert_eq!(inner[0].0, opt::IAADDR);
        assert_eq!(&inner[0].1[..16], &v6("fd00::100").octets());
        let i = build(&ClientMsg {
            kind: msg::INFORMATION_REQUEST,
            xid: 1,
            duid: &duid,
            elapsed: 0,
            ia: None,
            server_id: None,
            rapid_commit: false,
        });
        let codes: Vec<u16> = options(&i[4..]).unwrap().iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, [1, 6, 8]);
        assert!(i.ends_with(&[0, 6, 0, 8, 0, 23, 0, 24, 0, 59, 0, 83, 0, 8, 0, 2, 0, 0]));
    }

    #[test]
    fn parses_a_reply() {
        let duid = duid_ll(MAC);
        let mut dns = v6("fd00:77::1").octets().to_vec();
        dns.extend_from_slice(&v6("fd00:77::2").octets());
        let m = parse(&server(
            msg::REPLY,
            0x12_3456,
            &[
                o(opt::CLIENTID, &duid),
                o(opt::SERVERID, &[0, 3, 0, 1, 2, 2, 2, 2, 2, 2]),
                ia(
                    0x0077_0110,
                    &[("fd00:77::150", 3600, 7200), ("fd00:77::151", 9, 1)],
                    &[o(opt::STATUS_CODE, b"\0\0all fine")],
                ),
                o(opt::RAPID_COMMIT, &[]),
                o(opt::PREFERENCE, &[200]),
                o(opt::DNS_SERVERS, &dns),
                o(
                    opt::DOMAIN_LIST,
                    b"\x03lab\x07example\x00\x07example\x03org\x00",
                ),
                o(opt::BOOTFILE_URL, b"nfs://[fd00:77::1]/srv/root"),
            ],
        ))
        .unwrap();
        assert_eq!((m.kind, m.xid), (msg::REPLY, 0x12_3456));
        assert_eq!(m.client_id.as_deref(), Some(&duid[..]));
        assert!(m.rapid_commit);
        assert_eq!(m.preference, 200);
        assert_eq!(m.ia_na.len(), 1);
        assert_eq!(
            m.ia_na[0].addrs,
            vec![IaAddr {
                addr: v6("fd00:77::150"),
                preferred: 3600,
                valid: 7200
            }]
        );
        assert_eq!((m.ia_na[0].t1, m.ia_na[0].t2), (100, 160));
        assert_eq!(m.ia_na[0].status, Some((0, "all fine".into())));
        assert_eq!(m.dns, vec![v6("fd00:77::1"), v6("fd00:77::2")]);
        assert_eq!(m.search, vec!["lab.example", "example.org"]);
        assert_eq!(m.boot_url.as_deref(), Some("nfs://[fd00:77::1]/srv/root"));
        assert_eq!(m.ignored.len(), 1, "{:?}", m.ignored);
    }

    #[test]
    fn hostile_input() {
        assert_eq!(parse(&[2, 0, 0]), Err(Error::TooShort(3)));
        assert!(parse(&[2, 0, 0, 1]).unwrap().ia_na.is_empty());
        // An option longer than the message, an option header cut short.
        assert_eq!(
            parse(&[2, 0, 0, 1, 0, 1, 0, 9, 1]),
            Err(Error::Truncated(1))
        );
        assert!(parse(&[2, 0, 0, 1, 0, 1, 0]).is_err());
        // Inside an IA_NA too.
        let mut bad = ia(1, &[], &[]);
        bad.extend_from_slice(&[0, 5, 0, 40]);
        let len = (bad.len() - 4) as u16;
        bad[2..4].copy_from_slice(&len.to_be_bytes());
        assert_eq!(
            parse(&server(msg::REPLY, 1, &[bad])),
            Err(Error::Truncated(opt::IAADDR))
        );
        // Wrong sizes, multicast and unprintable values are skipped.
        let m = parse(&server(
            msg::REPLY,
            1,
            &[
                o(opt::DNS_SERVERS, &[1; 15]),
                o(opt::DNS_SERVERS, &v6("ff02::1").octets()),
                o(opt::PREFERENCE, &[1, 2]),
                o(opt::SERVERID, &[]),
                o(opt::BOOTFILE_URL, b"http://x/a b"),
                o(opt::DOMAIN_LIST, b"\x03a;b\x00"),
                o(opt::IA_NA, &[0; 4]),
                ia(1, &[("ff02::5", 1, 2), ("::", 1, 2)], &[]),
            ],
        ))
        .unwrap();
        assert!(m.dns.is_empty() && m.search.is_empty() && m.boot_url.is_none());
        assert_eq!(m.preference, 0);
        assert_eq!(m.server_id, None);
        assert!(m.ia_na.iter().all(|i| i.addrs.is_empty()));
        assert_eq!(m.ignored.len(), 8, "{:?}", m.ignored);
        // An address whose own status is a failure is withdrawn.
        let mut ad = v6("fd00::9").octets().to_vec();
        ad.extend_from_slice(&[0, 0, 0, 9, 0, 0, 0, 9]);
        ad.extend(o(opt::STATUS_CODE, &[0, 2]));
        let mut d = 1u32.to_be_bytes().to_vec();
        d.extend_from_slice(&[0; 8]);
        d.extend(o(opt::IAADDR, &ad));
        let m = parse(&server(msg::REPLY, 1, &[o(opt::IA_NA, &d)])).unwrap();
        assert!(m.ia_na[0].addrs.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..800),
        ) {
            let _ = parse(&body);
            let mut m = server(msg::REPLY, 1, &[o(opt::CLIENTID, &duid_ll(MAC))]);
            m.extend_from_slice(&body);
            if let Ok(p) = parse(&m) {
                proptest::prop_assert!(p.dns.len() <= MAX_DNS);
                proptest::prop_assert!(p.ia_na.len() <= 4);
                proptest::prop_assert!(p.ia_na.iter().all(|i| i.addrs.len() <= MAX_ADDRS));
            }
        }

        #[test]
        fn built_messages_parse_back(
            kind in proptest::sample::select(vec![msg::SOLICIT, msg::REQUEST, msg::INFORMATION_REQUEST]),
            xid in 0u32..0x100_0000,
            mac in proptest::prelude::any::<[u8; 6]>(),
            elapsed in proptest::prelude::any::<u16>(),
            addr in proptest::option::of(proptest::prelude::any::<[u8; 16]>()),
            server_id in proptest::option::of(proptest::collection::vec(proptest::prelude::any::<u8>(), 1..100)),
            rapid in proptest::prelude::any::<bool>(),
        ) {
            let duid = duid_ll(mac);
            let ia = (kind != msg::INFORMATION_REQUEST).then(|| (iaid(mac), addr.map(Ipv6Addr::from)));
            let b = build(&ClientMsg {
                kind, xid, duid: &duid, elapsed, ia, server_id: server_id.as_deref(), rapid_commit: rapid,
            });
            // Our own parser reads a client message's framing back.
            let p = parse(&b).unwrap();
            proptest::prop_assert_eq!((p.kind, p.xid), (kind, xid));
            proptest::prop_assert_eq!(p.client_id, Some(duid));
            proptest::prop_assert_eq!(p.server_id, server_id);
            proptest::prop_assert_eq!(p.rapid_commit, rapid);
            proptest::prop_assert_eq!(p.ia_na.len(), usize::from(ia.is_some()));
        }
    }
}

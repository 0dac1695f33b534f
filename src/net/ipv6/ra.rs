//! Neighbor Discovery for a booting host, PURE: parse Router
//! Advertisements (RFC 4861 §4.2, with the DNS options of RFC 8106), build
//! Router Solicitations (RFC 4861 §4.1), form a SLAAC address from an
//! advertised prefix (RFC 4862 §5.5.3), and the solicitation schedule.
//!
//! Everything here comes from the link and is treated as hostile: an RA is
//! taken only with hop limit 255 from a link-local source (RFC 4861 §6.1.2:
//! it then cannot have been forwarded by a router), a truncated option or an
//! option of length 0 discards the whole message (§4.6), and every list is
//! bounded. The kernel verifies the ICMPv6 checksum of what a raw ICMPv6
//! socket receives (RFC 3542 §3.1) and fills it in on what it sends.

use std::net::Ipv6Addr;
use std::time::{Duration, Instant};

use crate::util::{Backoff, Jitter, Rng};

/// ICMPv6 type of a Router Solicitation (RFC 4861 §4.1).
pub const ROUTER_SOLICITATION: u8 = 133;
/// ICMPv6 type of a Router Advertisement (RFC 4861 §4.2).
pub const ROUTER_ADVERTISEMENT: u8 = 134;
/// All-routers multicast address (RFC 4291 §2.7.1): where an RS goes.
pub const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);

/// Option types (RFC 4861 §4.6, RFC 8106 §5).
const OPT_SOURCE_LL: u8 = 1;
const OPT_PREFIX: u8 = 3;
const OPT_MTU: u8 = 5;
const OPT_RDNSS: u8 = 25;
const OPT_DNSSL: u8 = 31;

/// Bounds on what one RA may make us keep.
pub const MAX_PREFIXES: usize = 16;
/// Recursive DNS servers kept from one RA.
pub const MAX_DNS: usize = 8;
/// Search domains kept from one RA.
pub const MAX_SEARCH: usize = 16;

/// The smallest IPv6 link MTU (RFC 8200 §5): an MTU option below it is
/// ignored.
pub const MIN_MTU: u32 = 1280;

/// Why a received message is not a usable RA.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Shorter than the RA's fixed part.
    #[error("router advertisement too short ({len} bytes)")]
    TooShort {
        /// Bytes received.
        len: usize,
    },
    /// Not ICMPv6 type 134 code 0.
    #[error("not a router advertisement (type {kind}, code {code})")]
    NotRa {
        /// ICMPv6 type.
        kind: u8,
        /// ICMPv6 code.
        code: u8,
    },
    /// Hop limit other than 255: forwarded from off the link (RFC 4861
    /// §6.1.2).
    #[error("hop limit {0}, not 255")]
    HopLimit(u8),
    /// The source is not a link-local address (RFC 4861 §6.1.2).
    #[error("source {0} is not link-local")]
    Source(Ipv6Addr),
    /// An option of length 0 (RFC 4861 §4.6: discard the packet).
    #[error("option {0} of length 0")]
    ZeroLength(u8),
    /// An option running past the end of the message.
    #[error("option {0} truncated")]
    Truncated(u8),
}

/// A Prefix Information option (RFC 4861 §4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    /// The prefix, bits past `len` cleared.
    pub prefix: Ipv6Addr,
    /// Prefix length (0..=128).
    pub len: u8,
    /// L flag: the prefix is on-link.
    pub on_link: bool,
    /// A flag: usable for SLAAC.
    pub autonomous: bool,
    /// Valid lifetime in seconds (0xffffffff: infinite).
    pub valid: u32,
    /// Preferred lifetime in seconds.
    pub preferred: u32,
}

impl Prefix {
    /// Whether `addr` lies inside this prefix.
    pub fn contains(&self, addr: Ipv6Addr) -> bool {
        mask(addr, self.len) == self.prefix
    }
}

/// A parsed Router Advertisement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ra {
    /// The router (the RA's link-local source).
    pub router: Option<Ipv6Addr>,
    /// Cur Hop Limit (0: unspecified).
    pub hop_limit: u8,
    /// M flag: addresses from DHCPv6.
    pub managed: bool,
    /// O flag: other configuration (DNS) from DHCPv6.
    pub other: bool,
    /// Router lifetime in seconds; 0: not a default router.
    pub router_lifetime: u16,
    /// Source link-layer address option.
    pub source_mac: Option<[u8; 6]>,
    /// MTU option (at least [`MIN_MTU`]).
    pub mtu: Option<u32>,
    /// Prefix Information options, in order, at most [`MAX_PREFIXES`].
    pub prefixes: Vec<Prefix>,
    /// RDNSS servers with a non-zero lifetime (RFC 8106 §5.1).
    pub dns: Vec<Ipv6Addr>,
    /// DNSSL domains with a non-zero lifetime (RFC 8106 §5.2), valid
    /// DNS names only.
    pub search: Vec<String>,
    /// Options skipped, and why (for the debug log).
    pub ignored: Vec<String>,
}

/// `addr` with the bits past `len` cleared.
pub fn mask(addr: Ipv6Addr, len: u8) -> Ipv6Addr {
    let bits = u128::from(addr);
    let m = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len.min(128)))
    };
    Ipv6Addr::from(bits & m)
}

/// Whether `a` is link-local unicast (fe80::/10, RFC 4291 §2.5.6).
pub fn is_link_local(a: Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

/// Parse an ICMPv6 message received from `source` with IP hop limit
/// `hop_limit` as a Router Advertisement (RFC 4861 §4.2, validity checks
/// of §6.1.2).
pub fn parse(source: Ipv6Addr, hop_limit: u8, msg: &[u8]) -> Result<Ra, Error> {
    if msg.len() < 16 {
        return Err(Error::TooShort { len: msg.len() });
    }
    if msg[0] != ROUTER_ADVERTISEMENT || msg[1] != 0 {
        return Err(Error::NotRa {
            kind: msg[0],
            code: msg[1],
        });
    }
    if hop_limit != 255 {
        return Err(Error::HopLimit(hop_limit));
    }
    if !is_link_local(source) {
        return Err(Error::Source(source));
    }
    let mut ra = Ra {
        router: Some(source),
        hop_limit: msg[4],
        managed: msg[5] & 0x80 != 0,
        other: msg[5] & 0x40 != 0,
        router_lifetime: u16::from_be_bytes([msg[6], msg[7]]),
        ..Ra::default()
    };
    // Check every option's framing before using any (§4.6: one bad
    // option discards the whole message).
    let opts = options(&msg[16..])?;
    for (kind, body) in opts {
        match kind {
            OPT_SOURCE_LL => match <[u8; 6]>::try_from(body) {
                Ok(mac) => ra.source_mac = Some(mac),
                Err(_) => ra
                    .ignored
                    .push("source link-layer option not Ethernet".into()),
            },
            OPT_MTU => {
                // Reserved (2), MTU (4).
                let mtu = u32::from_be_bytes([body[2], body[3], body[4], body[5]]);
                if mtu >= MIN_MTU {
                    ra.mtu = Some(mtu);
                } else {
                    ra.ignored.push(format!("MTU {mtu} below {MIN_MTU}"));
                }
            }
            OPT_PREFIX => match prefix(body) {
                Ok(p) if ra.prefixes.len() < MAX_PREFIXES => ra.prefixes.push(p),
                Ok(_) => ra
                    .ignored
                    .push(format!("more than {MAX_PREFIXES} prefixes")),
                Err(why) => ra.ignored.push(format!("prefix option: {why}")),
            },
            OPT_RDNSS => rdnss(body, &mut ra),
            OPT_DNSSL => dnssl(body, &mut ra),
            _ => {} // §4.6: unknown options are skipped
        }
    }
    Ok(ra)
}

/// Split the options area into (type, body after the type and length
/// octets). Errors on a zero length or an option past the end.
fn options(mut area: &[u8]) -> Result<Vec<(u8, &[u8])>, Error> {
    let mut out = Vec::new();
    while !area.is_empty() {
        let kind = area[0];
        let Some(&units) = area.get(1) else {
            return Err(Error::Truncated(kind));
        };
        if units == 0 {
            return Err(Error::ZeroLength(kind));
        }
        let len = usize::from(units) * 8;
        let Some(opt) = area.get(..len) else {
            return Err(Error::Truncated(kind));
        };
        out.push((kind, &opt[2..]));
        area = &area[len..];
    }
    Ok(out)
}

/// A Prefix Information option body (30 bytes after type and length).
fn prefix(body: &[u8]) -> Result<Prefix, String> {
    if body.len() != 30 {
        return Err(format!("length {} bytes, not 32", body.len() + 2));
    }
    let len = body[0];
    if len > 128 {
        return Err(format!("prefix length {len}"));
    }
    let u32_at = |i: usize| u32::from_be_bytes([body[i], body[i + 1], body[i + 2], body[i + 3]]);
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&body[14..30]);
    Ok(Prefix {
        prefix: mask(Ipv6Addr::from(raw), len),
        len,
        on_link: body[1] & 0x80 != 0,
        autonomous: body[1] & 0x40 != 0,
        valid: u32_at(2),
        preferred: u32_at(6),
    })
}

/// RFC 8106 §5.1: reserved (2), lifetime (4), addresses (16 each); the
/// option length is odd and at least 3 units.
fn rdnss(body: &[u8], ra: &mut Ra) {
    if body.len() < 6 + 16 || (body.len() - 6) % 16 != 0 {
        ra.ignored
            .push(format!("RDNSS of {} bytes", body.len() + 2));
        return;
    }
    if body[2..6] == [0; 4] {
        return; // lifetime 0: no longer to be used
    }
    for chunk in body[6..].chunks_exact(16) {
        let mut raw = [0u8; 16];
        raw.copy_from_slice(chunk);
        let a = Ipv6Addr::from(raw);
        // Unspecified, multicast or loopback servers are nonsense.
        if a.is_unspecified() || a.is_multicast() || a.is_loopback() {
            ra.ignored.push(format!("RDNSS address {a}"));
        } else if ra.dns.len() < MAX_DNS && !ra.dns.contains(&a) {
            ra.dns.push(a);
        }
    }
}

/// RFC 8106 §5.2: reserved (2), lifetime (4), domain names in the
/// uncompressed DNS encoding, padded with zeros.
fn dnssl(body: &[u8], ra: &mut Ra) {
    if body.len() < 6 {
        ra.ignored.push("DNSSL too short".into());
        return;
    }
    if body[2..6] == [0; 4] {
        return;
    }
    for d in domains(&body[6..], &mut ra.ignored) {
        if ra.search.len() < MAX_SEARCH && !ra.search.contains(&d) {
            ra.search.push(d);
        }
    }
}

/// Decode a list of DNS names (RFC 1035 §3.1 encoding, as in DHCPv6
/// option 24 and the RA DNSSL option), keeping valid names. The zero
/// padding at the end decodes as empty names, which are dropped.
pub fn domains(data: &[u8], ignored: &mut Vec<String>) -> Vec<String> {
    let (names, why) = crate::net::dhcp::wire::read_domains(data);
    if let Some(why) = why {
        ignored.push(format!("domain list: {why}"));
    }
    let mut out = Vec::new();
    for labels in names.into_iter().filter(|l| !l.is_empty()) {
        let parts: Option<Vec<&str>> = labels.iter().map(|l| std::str::from_utf8(l).ok()).collect();
        match parts.map(|p| p.join(".")) {
            Some(n) if crate::util::valid_dns_name(&n) => out.push(n),
            _ => ignored.push("domain list: an invalid name".into()),
        }
    }
    out
}

/// A Router Solicitation (RFC 4861 §4.1) with our source link-layer
/// address (sent from our link-local address, so the option is allowed
/// and lets the router answer without resolving us). Checksum 0: the
/// kernel computes it.
pub fn build_rs(mac: Option<[u8; 6]>) -> Vec<u8> {
    let mut m = vec![ROUTER_SOLICITATION, 0, 0, 0, 0, 0, 0, 0];
    if let Some(mac) = mac {
        m.extend_from_slice(&[OPT_SOURCE_LL, 1]);
        m.extend_from_slice(&mac);
    }
    m
}

/// The modified EUI-64 interface identifier of a MAC (RFC 4291 appendix
/// A): the universal/local bit flipped, ff:fe in the middle.
///
/// Why EUI-64 and not RFC 7217 stable-privacy or random identifiers: a
/// diskless client's address is seen by its server (NFS exports,
/// nbd-server's allow lists, firewall rules are written for it); the MAC
/// is what the site already knows the machine by (DHCP reservations, PXE),
/// and the address must come out the same on every boot and from every
/// boot stage (the kernel derives its link-local address the same way, and
/// networkd or NetworkManager later keep what we set). The privacy cost of
/// a MAC-derived address does not apply to a machine that boots from a
/// server on its own LAN.
pub fn eui64(mac: [u8; 6]) -> [u8; 8] {
    [
        mac[0] ^ 0x02,
        mac[1],
        mac[2],
        0xff,
        0xfe,
        mac[3],
        mac[4],
        mac[5],
    ]
}

/// A SLAAC address from `p` for the MAC `mac` (RFC 4862 §5.5.3): only for
/// a prefix with the A flag, not link-local, preferred lifetime at most the
/// valid one, valid lifetime non-zero, and a /64 (the identifier is 64 bits,
/// RFC 4291 §2.5.1). None otherwise.
pub fn slaac(p: &Prefix, mac: [u8; 6]) -> Option<super::Addr6> {
    if !p.autonomous
        || p.len != 64
        || is_link_local(p.prefix)
        || p.prefix.is_multicast()
        || p.preferred > p.valid
        || p.valid == 0
    {
        return None;
    }
    let mut raw = p.prefix.octets();
    raw[8..].copy_from_slice(&eui64(mac));
    Some(super::Addr6 {
        addr: Ipv6Addr::from(raw),
        prefix_len: 64,
        source: super::Source6::Slaac,
        preferred: lifetime(p.preferred),
        valid: lifetime(p.valid),
    })
}

/// A lifetime in seconds; None for infinity (0xffffffff, RFC 4861 §4.6.2).
pub fn lifetime(secs: u32) -> Option<Duration> {
    (secs != u32::MAX).then(|| Duration::from_secs(u64::from(secs)))
}

/// When to send Router Solicitations. RFC 4861 §6.3.7 sends up to 3, 4 s
/// apart, after a random delay of up to 1 s; RFC 7559 lets a host go on
/// with an exponential backoff. A booting machine waits for nothing else,
/// so: the first at once (the link-local address has just passed DAD,
/// which already spent the §6.3.7 delay), then 1 s, 2 s, then every 4 s
/// (RFC 4861's interval as the ceiling), each ±10 % (RFC 7559 §2's RAND)
/// so that machines powered on together spread out, until the caller's
/// deadline. No RS is sent once an RA has been taken.
#[derive(Debug, Clone)]
pub struct Solicit {
    next: Option<Instant>,
    attempt: u32,
    rng: Rng,
    sent: u32,
}

/// The RS retransmission schedule (see [`Solicit`]).
pub const RS_BACKOFF: Backoff = Backoff {
    first: Duration::from_secs(1),
    max: Duration::from_secs(4),
    jitter: Jitter::Percent(10),
};

impl Solicit {
    /// A schedule whose first RS is due at `now`.
    pub fn new(now: Instant, seed: u64) -> Solicit {
        Solicit {
            next: Some(now),
            attempt: 0,
            rng: Rng::new(seed),
            sent: 0,
        }
    }

    /// Whether an RS is due at `now`; if so, the next one is scheduled.
    pub fn due(&mut self, now: Instant) -> bool {
        match self.next {
            Some(t) if now >= t => {
                self.next = Some(now + RS_BACKOFF.delay(self.attempt, &mut self.rng));
                self.attempt += 1;
                self.sent += 1;
                true
            }
            _ => false,
        }
    }

    /// An RA was taken: no more solicitations.
    pub fn stop(&mut self) {
        self.next = None;
    }

    /// When the next RS is due (None: stopped).
    pub fn next_deadline(&self) -> Option<Instant> {
        self.next
    }

    /// Solicitations sent so far.
    pub fn sent(&self) -> u32 {
        self.sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
    const MAC: [u8; 6] = [0x02, 0, 0, 0x77, 0x01, 0x10];

    fn v6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    /// An RA as dnsmasq sends it: flags, lifetime, then options.
    fn ra(flags: u8, lifetime: u16, opts: &[Vec<u8>]) -> Vec<u8> {
        let mut m = vec![134, 0, 0, 0, 64, flags];
        m.extend_from_slice(&lifetime.to_be_bytes());
        m.extend_from_slice(&[0; 8]);
        for o in opts {
            m.extend_from_slice(o);
        }
        m
    }

    fn prefix_opt(p: &str, len: u8, flags: u8, valid: u32, pref: u32) -> Vec<u8> {
        let mut o = vec![3, 4, len, flags];
        o.extend_from_slice(&valid.to_be_bytes());
        o.extend_from_slice(&pref.to_be_bytes());
        o.extend_from_slice(&[0; 4]);
        o.extend_from_slice(&v6(p).octets());
        o
    }

    fn rdnss_opt(lifetime: u32, addrs: &[&str]) -> Vec<u8> {
        let mut o = vec![25, (1 + 2 * addrs.len()) as u8, 0, 0];
        o.extend_from_slice(&lifetime.to_be_bytes());
        for a in addrs {
            o.extend_from_slice(&v6(a).octets());
        }
        o
    }

    fn dnssl_opt(names: &[&str]) -> Vec<u8> {
        let mut body = Vec::new();
        for n in names {
            for l in n.split('.') {
                body.push(l.len() as u8);
                body.extend_from_slice(l.as_bytes());
            }
            body.push(0);
        }
        let mut o = vec![31, 0, 0, 0, 0, 0, 0x0e, 0x10];
        o.extend_from_slice(&body);
        o.resize(o.len().div_ceil(8) * 8, 0);
        o[1] = (o.len() / 8) as u8;
        o
    }

    #[test]
    fn parses_a_full_advertisement() {
        let msg = ra(
            0xc0,
            1800,
            &[
                vec![1, 1, 2, 0, 0, 0, 0, 1],
                vec![5, 1, 0, 0, 0, 0, 0x05, 0xdc],
                prefix_opt("fd00:77:1::", 64, 0xc0, 86400, 14400),
                rdnss_opt(600, &["fd00:77:1::1", "fd00:77:1::2"]),
                dnssl_opt(&["lab.example", "example.org"]),
            ],
        );
        let r = parse(LL, 255, &msg).unwrap();
        assert!(r.managed && r.other);
        assert_eq!(r.router, Some(LL));
        assert_eq!(r.router_lifetime, 1800);
        assert_eq!(r.hop_limit, 64);
        assert_eq!(r.source_mac, Some([2, 0, 0, 0, 0, 1]));
        assert_eq!(r.mtu, Some(1500));
        assert_eq!(
            r.prefixes,
            vec![Prefix {
                prefix: v6("fd00:77:1::"),
                len: 64,
                on_link: true,
                autonomous: true,
                valid: 86400,
                preferred: 14400,
            }]
        );
        assert_eq!(r.dns, vec![v6("fd00:77:1::1"), v6("fd00:77:1::2")]);
        assert_eq!(r.search, vec!["lab.example", "example.org"]);
        assert!(r.ignored.is_empty(), "{:?}", r.ignored);
        let a = slaac(&r.prefixes[0], MAC).unwrap();
        assert_eq!(a.addr, v6("fd00:77:1::ff:fe77:110"));
        assert_eq!(a.prefix_len, 64);
        assert_eq!(a.valid, Some(Duration::from_secs(86400)));
    }

    #[test]
    fn rejects_what_rfc_4861_discards() {
        let good = ra(0, 1800, &[prefix_opt("fd00::", 64, 0xc0, 100, 50)]);
        assert!(parse(LL, 255, &good).is_ok());
        assert_eq!(parse(LL, 64, &good), Err(Error::HopLimit(64)));
        assert_eq!(
            parse(v6("fd00::1"), 255, &good),
            Err(Error::Source(v6("fd00::1")))
        );
        assert!(matches!(
            parse(LL, 255, &good[..15]),
            Err(Error::TooShort { len: 15 })
        ));
        let mut rs = good.clone();
        rs[0] = 133;
        assert!(matches!(parse(LL, 255, &rs), Err(Error::NotRa { .. })));
        let mut code = good.clone();
        code[1] = 1;
        assert!(matches!(parse(LL, 255, &code), Err(Error::NotRa { .. })));
        // A zero-length option discards the message, even after good ones.
        let zero = ra(
            0,
            1800,
            &[prefix_opt("fd00::", 64, 0xc0, 100, 50), vec![9, 0]],
        );
        assert_eq!(parse(LL, 255, &zero), Err(Error::ZeroLength(9)));
        // An option that runs past the end, or a lone type octet.
        assert_eq!(
            parse(LL, 255, &good[..good.len() - 1]),
            Err(Error::Truncated(3))
        );
        let mut lone = good.clone();
        lone.push(25);
        assert_eq!(parse(LL, 255, &lone), Err(Error::Truncated(25)));
    }

    #[test]
    fn bad_options_are_skipped_not_trusted() {
        let mut long = prefix_opt("fd00::", 200, 0xc0, 100, 50);
        long[2] = 200;
        let msg = ra(
            0,
            0,
            &[
                long,
                vec![5, 1, 0, 0, 0, 0, 0x01, 0x00], // MTU 256
                rdnss_opt(0, &["fd00::53"]),        // lifetime 0
                rdnss_opt(60, &["ff02::1", "::", "fd00::54"]),
                vec![25, 2, 0, 0, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0], // even length
                vec![1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],   // 14-byte MAC
                vec![200, 1, 0, 0, 0, 0, 0, 0],                         // unknown
            ],
        );
        let r = parse(LL, 255, &msg).unwrap();
        assert!(r.prefixes.is_empty());
        assert_eq!(r.mtu, None);
        assert_eq!(r.dns, vec![v6("fd00::54")]);
        assert_eq!(r.source_mac, None);
        assert_eq!(r.ignored.len(), 6, "{:?}", r.ignored);
        // A bad name in a DNSSL is dropped, the others kept.
        let mut d = dnssl_opt(&["ok.example"]);
        d.truncate(8);
        d.extend_from_slice(&[3, b'a', b' ', b'b', 0, 2, b'o', b'k', 0]);
        d.resize(24, 0);
        d[1] = 3;
        let r = parse(LL, 255, &ra(0, 0, &[d])).unwrap();
        assert_eq!(r.search, vec!["ok"]);
    }

    #[test]
    fn slaac_follows_rfc_4862() {
        let p = |len, flags, valid, pref| {
            let o = prefix_opt("fd00:1:2:3::", len, flags, valid, pref);
            prefix(&o[2..]).unwrap()
        };
        assert!(slaac(&p(64, 0xc0, 100, 50), MAC).is_some());
        assert!(slaac(&p(64, 0x80, 100, 50), MAC).is_none(), "no A flag");
        assert!(slaac(&p(48, 0xc0, 100, 50), MAC).is_none(), "not a /64");
        assert!(slaac(&p(64, 0xc0, 50, 100), MAC).is_none(), "pref > valid");
        assert!(slaac(&p(64, 0xc0, 0, 0), MAC).is_none(), "valid 0");
        let inf = slaac(&p(64, 0x40, u32::MAX, u32::MAX), MAC).unwrap();
        assert_eq!((inf.valid, inf.preferred), (None, None));
        let ll = prefix(&prefix_opt("fe80::", 64, 0xc0, 100, 50)[2..]).unwrap();
        assert!(slaac(&ll, MAC).is_none(), "link-local prefix");
        // Host bits in the advertised prefix are cleared.
        let dirty = prefix(&prefix_opt("fd00:1:2:3:4::", 64, 0xc0, 9, 9)[2..]).unwrap();
        assert_eq!(dirty.prefix, v6("fd00:1:2:3::"));
        assert!(dirty.contains(v6("fd00:1:2:3::100")));
        assert!(!dirty.contains(v6("fd00:1:2:4::100")));
        assert_eq!(
            eui64([0, 0x1b, 0x21, 1, 2, 3]),
            [2, 0x1b, 0x21, 0xff, 0xfe, 1, 2, 3]
        );
    }

    #[test]
    fn solicitation_and_schedule() {
        assert_eq!(
            build_rs(Some(MAC)),
            vec![133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0x77, 1, 0x10]
        );
        assert_eq!(build_rs(None).len(), 8);
        let t = Instant::now();
        let mut s = Solicit::new(t, 1);
        assert!(s.due(t));
        assert!(!s.due(t));
        let mut at = Vec::new();
        for _ in 0..5 {
            let n = s.next_deadline().unwrap();
            at.push(n.duration_since(t).as_millis());
            assert!(s.due(n));
        }
        // 1, 2, 4, 4, 4 s apart, each within 10 %.
        let gaps: Vec<u128> = at
            .iter()
            .scan(0, |prev, &x| {
                let g = x - *prev;
                *prev = x;
                Some(g)
            })
            .collect();
        for (g, base) in gaps.iter().zip([1000, 2000, 4000, 4000, 4000]) {
            assert!(*g >= base * 9 / 10 && *g <= base * 11 / 10, "{gaps:?}");
        }
        assert_eq!(s.sent(), 6);
        s.stop();
        assert_eq!(s.next_deadline(), None);
        assert!(!s.due(t + Duration::from_secs(100)));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
            hop in proptest::prelude::any::<u8>(),
        ) {
            let _ = parse(LL, hop, &body);
            let mut m = ra(0xc0, 60, &[]);
            m.extend_from_slice(&body);
            if let Ok(r) = parse(LL, 255, &m) {
                proptest::prop_assert!(r.prefixes.len() <= MAX_PREFIXES);
                proptest::prop_assert!(r.dns.len() <= MAX_DNS);
                proptest::prop_assert!(r.search.len() <= MAX_SEARCH);
                for p in &r.prefixes {
                    proptest::prop_assert!(p.len <= 128);
                    let _ = slaac(p, MAC);
                }
            }
        }

        #[test]
        fn built_options_parse_back(
            len in 0u8..=128,
            flags in proptest::prelude::any::<u8>(),
            valid in proptest::prelude::any::<u32>(),
            pref in proptest::prelude::any::<u32>(),
            raw in proptest::prelude::any::<[u8; 16]>(),
            lifetime in 1u32..,
        ) {
            let p = Ipv6Addr::from(raw);
            let dns = "fd00::53";
            let msg = ra(flags, 30, &[
                prefix_opt(&p.to_string(), len, flags, valid, pref),
                rdnss_opt(lifetime, &[dns]),
                dnssl_opt(&["a.example"]),
            ]);
            let r = parse(LL, 255, &msg).unwrap();
            proptest::prop_assert_eq!(r.prefixes.len(), 1);
            let got = r.prefixes[0];
            proptest::prop_assert_eq!(got.prefix, mask(p, len));
            proptest::prop_assert_eq!((got.len, got.valid, got.preferred), (len, valid, pref));
            proptest::prop_assert_eq!(got.on_link, flags & 0x80 != 0);
            proptest::prop_assert_eq!(r.dns, vec![v6(dns)]);
            proptest::prop_assert_eq!(r.search, vec!["a.example".to_string()]);
        }
    }
}

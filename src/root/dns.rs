//! A minimal DNS resolver (RFC 1035; AAAA records, RFC 3596) for server
//! names on the command line: a sans-IO query builder and response parser,
//! and a thin UDP shell that asks the lease's DNS servers in turn with a
//! timeout and retries. An IPv4 boot asks for A records, an IPv6-only boot
//! for AAAA (the address it can reach).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::Duration;

/// Resolver errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The name cannot be encoded (RFC 1035 §2.3.4 limits).
    #[error("{name} is not a valid DNS name")]
    BadName {
        /// The name.
        name: String,
    },
    /// The response is not a valid answer to our query.
    #[error("malformed DNS response: {reason}")]
    Malformed {
        /// What was wrong.
        reason: &'static str,
    },
    /// The server answered with an error code (RFC 1035 §4.1.1 RCODE).
    #[error("DNS server answered {rcode} for {name}")]
    Rcode {
        /// The name asked for.
        name: String,
        /// The code in words.
        rcode: &'static str,
    },
    /// No record of the family asked for in an otherwise good answer.
    #[error("{name} has no {family} address")]
    NoAddress {
        /// The name.
        name: String,
        /// `IPv4` (A) or `IPv6` (AAAA).
        family: &'static str,
    },
    /// No DNS server answered.
    #[error("no DNS server answered for {name} (asked {servers})")]
    NoAnswer {
        /// The name.
        name: String,
        /// The servers asked, comma separated.
        servers: String,
    },
    /// No DNS servers are known.
    #[error("cannot resolve {name}: no DNS server from DHCP or ip=")]
    NoServers {
        /// The name.
        name: String,
    },
}

const CLASS_IN: u16 = 1;

/// The record asked for: A (RFC 1035 §3.4.1) or AAAA (RFC 3596 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// A: an IPv4 address.
    V4,
    /// AAAA: an IPv6 address.
    V6,
}

impl Family {
    fn qtype(self) -> u16 {
        match self {
            Family::V4 => 1,
            Family::V6 => 28,
        }
    }
    fn rdlen(self) -> usize {
        match self {
            Family::V4 => 4,
            Family::V6 => 16,
        }
    }
    fn word(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

/// The name servers a boot learnt, and which records to ask them for.
#[derive(Debug, Clone, Copy)]
pub struct Servers<'a> {
    /// IPv4 name servers (DHCP option 6, `ip=`).
    pub v4: &'a [Ipv4Addr],
    /// IPv6 name servers (RA RDNSS, DHCPv6 option 23, `ip=`).
    pub v6: &'a [Ipv6Addr],
    /// A for a boot with IPv4, AAAA for an IPv6-only one.
    pub family: Family,
}

impl<'a> Servers<'a> {
    /// The servers of a boot: AAAA records when it has IPv6 but no IPv4.
    pub fn of_boot(v4: &'a [Ipv4Addr], v6: &'a [Ipv6Addr], v6_only: bool) -> Self {
        Servers {
            v4,
            v6,
            family: if v6_only { Family::V6 } else { Family::V4 },
        }
    }

    /// Every server, those of the family asked for first (the ones the
    /// client surely reaches).
    fn all(&self) -> Vec<IpAddr> {
        let v4 = self.v4.iter().map(|a| IpAddr::V4(*a));
        let v6 = self.v6.iter().map(|a| IpAddr::V6(*a));
        match self.family {
            Family::V4 => v4.chain(v6).collect(),
            Family::V6 => v6.chain(v4).collect(),
        }
    }
}

/// Build a standard recursive query for the A or AAAA record of `name`
/// (RFC 1035 §4.1).
pub fn query(id: u16, name: &str, family: Family) -> Result<Vec<u8>, Error> {
    let bad = || Error::BadName {
        name: name.to_string(),
    };
    if !crate::util::valid_dns_name(name) {
        return Err(bad());
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    let mut m = Vec::with_capacity(18 + name.len());
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&0x0100u16.to_be_bytes()); // RD: ask for recursion
    m.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // QDCOUNT=1
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(bad());
        }
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.push(0);
    m.extend_from_slice(&family.qtype().to_be_bytes());
    m.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(m)
}

fn u16_at(b: &[u8], i: usize) -> Result<u16, Error> {
    b.get(i..i + 2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]))
        .ok_or(Error::Malformed {
            reason: "truncated",
        })
}

/// Skip a possibly compressed name starting at `i`; returns the index after it.
fn skip_name(b: &[u8], mut i: usize) -> Result<usize, Error> {
    loop {
        let len = *b.get(i).ok_or(Error::Malformed {
            reason: "truncated name",
        })?;
        match len {
            0 => return Ok(i + 1),
            l if l & 0xc0 == 0xc0 => return Ok(i + 2),
            l if l & 0xc0 != 0 => {
                return Err(Error::Malformed {
                    reason: "bad label type",
                })
            }
            l => i += 1 + l as usize,
        }
    }
}

/// Parse a response to `query(id, name, family)`: the A (or AAAA) records of
/// the answer section. Checks the id, QR bit and RCODE; CNAMEs are followed
/// implicitly because recursive servers put the target's records in the same
/// answer.
pub fn parse_response(id: u16, name: &str, family: Family, b: &[u8]) -> Result<Vec<IpAddr>, Error> {
    if b.len() < 12 {
        return Err(Error::Malformed {
            reason: "shorter than a header",
        });
    }
    if u16_at(b, 0)? != id {
        return Err(Error::Malformed {
            reason: "id mismatch",
        });
    }
    let flags = u16_at(b, 2)?;
    if flags & 0x8000 == 0 {
        return Err(Error::Malformed {
            reason: "not a response",
        });
    }
    let rcode = match flags & 0xf {
        0 => None,
        1 => Some("format error"),
        2 => Some("server failure"),
        3 => Some("no such name"),
        4 => Some("not implemented"),
        5 => Some("refused"),
        _ => Some("an unknown error"),
    };
    if let Some(rcode) = rcode {
        return Err(Error::Rcode {
            name: name.to_string(),
            rcode,
        });
    }
    let qd = u16_at(b, 4)?;
    let an = u16_at(b, 6)?;
    let mut i = 12;
    for _ in 0..qd {
        i = skip_name(b, i)? + 4;
    }
    let mut out = Vec::new();
    for _ in 0..an {
        i = skip_name(b, i)?;
        let ty = u16_at(b, i)?;
        let class = u16_at(b, i + 2)?;
        let rdlen = u16_at(b, i + 8)? as usize;
        let rdata = b.get(i + 10..i + 10 + rdlen).ok_or(Error::Malformed {
            reason: "truncated record",
        })?;
        if ty == family.qtype() && class == CLASS_IN && rdlen == family.rdlen() {
            out.push(match family {
                Family::V4 => IpAddr::V4(Ipv4Addr::new(rdata[0], rdata[1], rdata[2], rdata[3])),
                Family::V6 => {
                    let mut o = [0u8; 16];
                    o.copy_from_slice(rdata);
                    IpAddr::V6(Ipv6Addr::from(o))
                }
            });
        }
        i += 10 + rdlen;
    }
    if out.is_empty() {
        return Err(Error::NoAddress {
            name: name.to_string(),
            family: family.word(),
        });
    }
    Ok(out)
}

/// Ask `servers` (port 53) in turn, two rounds, for the first A (or AAAA)
/// record of `name`. A definite answer (an address, or NXDOMAIN) ends the
/// search.
pub fn resolve(name: &str, servers: Servers<'_>) -> Result<IpAddr, Error> {
    resolve_at(
        name,
        servers,
        53,
        &[Duration::from_secs(1), Duration::from_secs(3)],
    )
}

/// [`resolve`] with an explicit port and per-round timeouts (tests use a
/// loopback server on a high port).
pub fn resolve_at(
    name: &str,
    servers: Servers<'_>,
    port: u16,
    rounds: &[Duration],
) -> Result<IpAddr, Error> {
    let family = servers.family;
    let servers = servers.all();
    if servers.is_empty() {
        return Err(Error::NoServers {
            name: name.to_string(),
        });
    }
    let id = jitter_seed() as u16;
    let q = query(id, name, family)?;
    let mut last: Option<Error> = None;
    for timeout in rounds {
        for server in &servers {
            let any: IpAddr = match server {
                IpAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
                IpAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
            };
            let Ok(sock) = UdpSocket::bind((any, 0)) else {
                continue;
            };
            if sock.set_read_timeout(Some(*timeout)).is_err()
                || sock.connect(SocketAddr::new(*server, port)).is_err()
                || sock.send(&q).is_err()
            {
                continue;
            }
            let mut buf = [0u8; 1500];
            // Drop stray datagrams until ours arrives or the timeout hits.
            while let Ok(n) = sock.recv(&mut buf) {
                match parse_response(id, name, family, &buf[..n]) {
                    Ok(a) => {
                        crate::debug!("resolved {name} to {} via {server}", a[0]);
                        return Ok(a[0]);
                    }
                    Err(e @ (Error::Rcode { .. } | Error::NoAddress { .. })) => {
                        if matches!(
                            e,
                            Error::Rcode {
                                rcode: "no such name",
                                ..
                            }
                        ) {
                            return Err(e);
                        }
                        last = Some(e);
                        break;
                    }
                    Err(e) => crate::debug!("dropped DNS reply from {server}: {e}"),
                }
            }
        }
    }
    Err(last.unwrap_or_else(|| Error::NoAnswer {
        name: name.to_string(),
        servers: servers
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(","),
    }))
}

/// A little entropy for ids and backoff jitter ([`crate::util::seed`]; not
/// for security: the DNS id only pairs replies with queries).
pub fn jitter_seed() -> u32 {
    crate::util::seed(b"dns") as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: u16, rcode: u8, records: &[[u8; 4]]) -> Vec<u8> {
        let q = query(id, "nfs.lan", Family::V4).unwrap();
        let mut m = q.clone();
        m[2] = 0x81;
        m[3] = 0x80 | rcode;
        m[7] = records.len() as u8;
        for r in records {
            m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
            m.extend_from_slice(r);
        }
        m
    }

    #[test]
    fn query_layout() {
        let q = query(0x1234, "nfs.lan.", Family::V4).unwrap();
        assert_eq!(&q[..4], &[0x12, 0x34, 1, 0]);
        assert_eq!(&q[12..], b"\x03nfs\x03lan\x00\x00\x01\x00\x01");
        let q = query(0x1234, "nfs.lan", Family::V6).unwrap();
        assert_eq!(&q[12..], b"\x03nfs\x03lan\x00\x00\x1c\x00\x01");
        assert!(query(1, "a..b", Family::V4).is_err());
        assert!(query(1, &"x".repeat(64), Family::V6).is_err());
    }

    #[test]
    fn parse_answers_and_errors() {
        let a = parse_response(7, "nfs.lan", Family::V4, &answer(7, 0, &[[10, 0, 2, 2]])).unwrap();
        assert_eq!(a, vec![IpAddr::V4(Ipv4Addr::new(10, 0, 2, 2))]);
        assert!(matches!(
            parse_response(8, "nfs.lan", Family::V4, &answer(7, 0, &[[1, 2, 3, 4]])),
            Err(Error::Malformed { .. })
        ));
        let e = parse_response(7, "nfs.lan", Family::V4, &answer(7, 3, &[])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "DNS server answered no such name for nfs.lan"
        );
        assert!(matches!(
            parse_response(7, "nfs.lan", Family::V4, &answer(7, 0, &[])),
            Err(Error::NoAddress { .. })
        ));
        let mut t = answer(7, 0, &[[1, 2, 3, 4]]);
        t.truncate(t.len() - 2);
        assert!(parse_response(7, "nfs.lan", Family::V4, &t).is_err());
    }

    #[test]
    fn garbage_never_panics() {
        for n in 0..64u8 {
            let mut b: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37) ^ n).collect();
            if b.len() > 3 {
                b[0] = 0;
                b[1] = 7;
                b[2] = 0x80;
                b[3] = 0;
            }
            let _ = parse_response(7, "x", Family::V4, &b);
            let _ = parse_response(7, "x", Family::V6, &b);
        }
    }

    #[test]
    fn resolve_over_loopback() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            let (n, from) = server.recv_from(&mut buf).unwrap();
            let mut r = buf[..n].to_vec();
            r[2] |= 0x80;
            r[7] = 1;
            r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 9]);
            server.send_to(&r, from).unwrap();
        });
        let servers = Servers {
            v4: &[Ipv4Addr::LOCALHOST],
            v6: &[],
            family: Family::V4,
        };
        let a = resolve_at("nfs.lan", servers, port, &[Duration::from_secs(2)]).unwrap();
        assert_eq!(a, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9)));
        t.join().unwrap();
        let none = Servers {
            v4: &[],
            v6: &[],
            family: Family::V6,
        };
        assert!(matches!(
            resolve_at("x.lan", none, port, &[]),
            Err(Error::NoServers { .. })
        ));
    }

    /// An IPv6-only boot asks its IPv6 name server for the AAAA record (and
    /// ignores an A record in the same answer).
    #[test]
    fn resolve_aaaa_over_ipv6_loopback() {
        let Ok(server) = UdpSocket::bind("[::1]:0") else {
            eprintln!("skipped: no IPv6 loopback here");
            return;
        };
        let port = server.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            let (n, from) = server.recv_from(&mut buf).unwrap();
            let q = buf[..n].to_vec();
            let mut r = q.clone();
            r[2] |= 0x80;
            r[7] = 2;
            r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 9]);
            r.extend_from_slice(&[0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16]);
            r.extend_from_slice(&"fd00::2".parse::<Ipv6Addr>().unwrap().octets());
            server.send_to(&r, from).unwrap();
            q
        });
        let servers = Servers {
            v4: &[],
            v6: &[Ipv6Addr::LOCALHOST],
            family: Family::V6,
        };
        let a = resolve_at("nfs.lan", servers, port, &[Duration::from_secs(2)]).unwrap();
        assert_eq!(a, "fd00::2".parse::<IpAddr>().unwrap());
        let q = t.join().unwrap();
        assert_eq!(&q[q.len() - 4..], &[0, 28, 0, 1], "asked for AAAA");
        let e =
            parse_response(7, "nfs.lan", Family::V6, &answer(7, 0, &[[10, 0, 2, 2]])).unwrap_err();
        assert_eq!(e.to_string(), "nfs.lan has no IPv6 address");
    }
}

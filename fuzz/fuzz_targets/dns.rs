//! Fuzz the DNS reply parser (src/root/dns.rs, RFC 1035 §4.1): a reply is
//! whatever a server, or anyone able to send UDP to our port, answers. The
//! first two bytes are the id, so every input passes the id check and reaches
//! the header, question and answer walks (names, compression pointers,
//! records). Any address returned must come from an A (or AAAA) record in
//! the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netroot::fuzzing::{dns_parse_response, dns_query, DnsFamily};

fuzz_target!(|data: &[u8]| {
    let id = match data {
        [a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    };
    for family in [DnsFamily::V4, DnsFamily::V6] {
        if let Ok(addrs) = dns_parse_response(id, "server.fuzz", family, data) {
            assert!(!addrs.is_empty());
            for a in addrs {
                let o = match a {
                    std::net::IpAddr::V4(a) => a.octets().to_vec(),
                    std::net::IpAddr::V6(a) => a.octets().to_vec(),
                };
                assert!(data.windows(o.len()).any(|w| w == o), "{a} is not in the reply");
            }
        }
        // A query we build is never taken for an answer.
        if let Ok(name) = std::str::from_utf8(data) {
            if let Ok(q) = dns_query(id, name, family) {
                assert!(dns_parse_response(id, name, family, &q).is_err());
            }
        }
    }
});

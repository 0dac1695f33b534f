//! Fuzz the router advertisement parser (RFC 4861 §4.2, RFC 8106) and the
//! SLAAC address formation on what it returns. Input: one selector byte
//! (bit 0: a link-local source, else a global one; the rest: the hop
//! limit, 255 when the byte is 0xfe or 0xff) then the ICMPv6 message.
//! Build and run by hand: `cargo fuzz run ipv6_ra` (from fuzz/).
#![no_main]

use std::net::Ipv6Addr;

use libfuzzer_sys::fuzz_target;
use netroot::net::ipv6::ra;

const MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, msg)) = data.split_first() else {
        return;
    };
    let source = if sel & 1 == 1 {
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)
    } else {
        Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1)
    };
    let hop = if sel >= 0xfe { 255 } else { sel };
    let _ = ra::parse(source, hop, msg);
    // The same message with every check of the fixed part passed, so the
    // options are always reached.
    let mut m = vec![ra::ROUTER_ADVERTISEMENT, 0];
    m.extend_from_slice(msg);
    if let Ok(r) = ra::parse(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1), 255, &m) {
        assert!(r.prefixes.len() <= ra::MAX_PREFIXES);
        assert!(r.dns.len() <= ra::MAX_DNS && r.search.len() <= ra::MAX_SEARCH);
        for p in &r.prefixes {
            assert!(p.len <= 128);
            if let Some(a) = ra::slaac(p, MAC) {
                assert!(p.contains(a.addr));
            }
        }
    }
});

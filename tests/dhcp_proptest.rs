//! Arbitrary bytes into the DHCP wire parsers and the state machine never
//! panic (debug assertions on, as in `cargo test`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use netroot::net::dhcp::machine::{self, Client, Config};
use netroot::net::dhcp::wire;
use proptest::prelude::*;

const MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const XID: u32 = 0x0102_0304;

fn config(requested: bool, rapid: bool) -> Config {
    Config {
        mac: MAC,
        client_id: machine::default_client_id(MAC),
        hostname: Some("node".into()),
        requested_ip: requested.then_some(Ipv4Addr::new(10, 0, 0, 5)),
        rapid_commit: rapid,
        xid: XID,
        rng_seed: 1,
        early_retry: false,
        settle_window: Duration::ZERO,
    }
}

/// A reply header that passes the xid/chaddr/cookie checks, so the random
/// part reaches the option decoders.
fn header(kind: u8) -> Vec<u8> {
    let mut h = vec![0u8; 240];
    h[0] = 2;
    h[1] = 1;
    h[2] = 6;
    h[4..8].copy_from_slice(&XID.to_be_bytes());
    h[16..20].copy_from_slice(&[10, 0, 0, 5]);
    h[28..34].copy_from_slice(&MAC);
    h[236..240].copy_from_slice(&[99, 130, 83, 99]);
    h.extend_from_slice(&[53, 1, kind, 54, 4, 10, 0, 0, 1]);
    h
}

/// Random option TLVs biased to the codes we decode (and those dhcproto
/// mishandles), with lengths that may lie.
fn options() -> impl Strategy<Value = Vec<u8>> {
    let code = prop_oneof![
        prop::sample::select(vec![
            1u8, 3, 6, 12, 15, 17, 26, 28, 40, 42, 51, 52, 53, 54, 56, 66, 67, 80, 81, 94, 119,
            121, 151, 255, 0
        ]),
        any::<u8>(),
    ];
    prop::collection::vec(
        (
            code,
            prop::collection::vec(any::<u8>(), 0..40),
            any::<bool>(),
        ),
        0..12,
    )
    .prop_map(|opts| {
        let mut v = Vec::new();
        for (code, val, honest) in opts {
            v.push(code);
            v.push(if honest {
                val.len() as u8
            } else {
                val.first().copied().unwrap_or(0)
            });
            v.extend_from_slice(&val);
        }
        v
    })
}

fn drive(c: &mut Client, t: Instant, payload: &[u8]) {
    let _ = c.handle(t, payload);
    let _ = c.poll_transmit(t + Duration::from_secs(100));
    let _ = c.next_deadline();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..700)) {
        let _ = wire::parse_reply(&bytes);
        let _ = wire::unframe_reply(&bytes);
        let _ = wire::decode_classless(&bytes);
    }

    #[test]
    fn frames_round_trip_and_corruption_is_caught(
        payload in prop::collection::vec(any::<u8>(), 0..1400),
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let mut f = wire::frame_request(&payload);
        // Reply direction: swap the ports (the checksum is unchanged by a
        // swap of two 16-bit words).
        f.swap(20, 22);
        f.swap(21, 23);
        prop_assert_eq!(wire::unframe_reply(&f).unwrap(), &payload[..]);
        // Any single flipped bit in the headers or payload is rejected
        // (IP header checksum or UDP checksum), except in the UDP checksum
        // field itself when it turns into the "no checksum" zero.
        let i = flip.index(f.len());
        f[i] ^= 1 << bit;
        let zeroed = f[26] == 0 && f[27] == 0;
        if !zeroed {
            prop_assert!(wire::unframe_reply(&f).is_err(), "flip at {}", i);
        }
    }

    #[test]
    fn machine_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..700),
        requested in any::<bool>(),
        rapid in any::<bool>(),
    ) {
        let t = Instant::now();
        let mut c = Client::new(config(requested, rapid), t);
        c.poll_transmit(t);
        drive(&mut c, t, &bytes);
    }

    #[test]
    fn machine_never_panics_on_random_options(
        kind in prop::sample::select(vec![2u8, 5, 6, 1, 3, 0, 200]),
        opts in options(),
        file in prop::collection::vec(any::<u8>(), 0..128),
        requested in any::<bool>(),
        rapid in any::<bool>(),
    ) {
        let t = Instant::now();
        let mut msg = header(kind);
        msg[108..108 + file.len()].copy_from_slice(&file);
        msg.extend_from_slice(&opts);
        let mut c = Client::new(config(requested, rapid), t);
        c.poll_transmit(t);
        // Feed it twice, in whatever state the first one left us.
        drive(&mut c, t, &msg);
        drive(&mut c, t, &msg);
        if let Ok(r) = wire::parse_reply(&msg) {
            // Whatever survived validation respects the bounds.
            for s in [&r.lease.hostname, &r.lease.domain, &r.lease.nis_domain].into_iter().flatten() {
                prop_assert!(wire::check_name(s).is_ok());
            }
            for s in [&r.lease.root_path, &r.lease.bootfile, &r.lease.tftp_server].into_iter().flatten() {
                prop_assert!(s.len() <= wire::MAX_PATH_LEN && !s.contains('\0'));
            }
            prop_assert!(r.lease.domain_search.len() <= wire::MAX_SEARCH_DOMAINS);
        }
    }
}

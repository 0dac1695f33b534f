//! Fuzz the DHCP reply path: framing, reply parsing, and the state machine
//! in every state it can be in when a packet arrives. Build and run by hand:
//! `cargo fuzz run dhcp` (from the repository root).
#![no_main]

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use netroot::net::dhcp::machine::{self, Client, Config};
use netroot::net::dhcp::wire;

const MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];

fuzz_target!(|data: &[u8]| {
    let _ = wire::unframe_reply(data);
    let _ = wire::decode_classless(data);
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let _ = wire::parse_reply(rest);

    // Make the payload's xid and chaddr ours so it gets past the cheap checks
    // and reaches the option decoders and state transitions.
    let mut payload = rest.to_vec();
    let xid = 0x0102_0304;
    if payload.len() >= 34 {
        payload[4..8].copy_from_slice(&u32::to_be_bytes(xid));
        payload[28..34].copy_from_slice(&MAC);
    }
    let t = Instant::now();
    let mut c = Client::new(
        Config {
            mac: MAC,
            client_id: machine::default_client_id(MAC),
            hostname: Some("fuzz".into()),
            requested_ip: (sel & 1 != 0).then_some(Ipv4Addr::new(10, 0, 0, 5)),
            rapid_commit: sel & 2 != 0,
            xid,
            rng_seed: u64::from(sel),
            early_retry: false,
            settle_window: Duration::ZERO,
        },
        t,
    );
    let _ = c.poll_transmit(t);
    for k in 0..3u64 {
        let now = t + Duration::from_secs(k);
        let _ = c.handle(now, &payload);
        let _ = c.poll_transmit(now);
        let _ = c.next_deadline();
    }
});

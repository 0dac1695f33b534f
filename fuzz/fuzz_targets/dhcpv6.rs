//! Fuzz the DHCPv6 client: the message parser, and the state machine fed
//! a sequence of server messages with our transaction id and client id
//! patched in (so they pass the cheap checks and reach the option decoders
//! and the transitions), time moving between them. Input: a flags byte
//! (bit 0 stateful, bit 1 rapid commit), then chunks, each a length byte,
//! a delay byte (in 100 ms) and that many message bytes.
//! Build and run by hand: `cargo fuzz run dhcpv6` (from fuzz/).
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use netroot::net::ipv6::dhcpv6;
use netroot::net::ipv6::machine::{Client, Config, Event, State};

const MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];

fuzz_target!(|data: &[u8]| {
    let _ = dhcpv6::parse(data);
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let duid = dhcpv6::duid_ll(MAC);
    let cfg = Config {
        duid: duid.clone(),
        iaid: dhcpv6::iaid(MAC),
        xid: 0x12_3456,
        rng_seed: u64::from(flags),
        rapid_commit: flags & 2 != 0,
        stateful: flags & 1 != 0,
    };
    let t0 = Instant::now();
    let mut now = t0;
    let mut c = Client::new(cfg.clone(), now);
    while let [len, delay, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (body, next) = tail.split_at(n);
        rest = next;
        now += Duration::from_millis(u64::from(*delay) * 100);
        let mut sent = 0;
        while c.poll_transmit(now).is_some() {
            sent += 1;
            assert!(sent < 4, "poll_transmit keeps sending at one instant");
        }
        if let Some(d) = c.next_deadline() {
            assert!(d > now, "a deadline already past after polling");
        }
        // Our xid and client id first, then the fuzz bytes as options.
        let mut m = vec![body.first().copied().unwrap_or(7) % 16];
        m.extend_from_slice(&c.xid().to_be_bytes()[1..]);
        m.extend_from_slice(&1u16.to_be_bytes());
        m.extend_from_slice(&(duid.len() as u16).to_be_bytes());
        m.extend_from_slice(&duid);
        m.extend_from_slice(body.get(1..).unwrap_or(&[]));
        let before = c.state();
        match c.handle(now, &m) {
            Event::Bound(l) => {
                assert_ne!(before, State::Bound);
                assert_eq!(l.addrs.is_empty(), !cfg.stateful);
                if l.rapid_commit {
                    assert!(cfg.rapid_commit && before == State::Soliciting);
                }
            }
            Event::Ignored(_) => assert_eq!(c.state(), before),
            Event::Advertised { .. } | Event::Restarted(_) => {}
        }
        let _ = dhcpv6::parse(body);
    }
});

//! Fuzz the RFC 5424 reader `netroot watch` feeds with network input: it
//! must never panic; a message it accepts, rendered again, reads back the
//! same (header fields, structured data, message), and feeding it to the
//! room view must not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netroot::syslog;

fuzz_target!(|data: &[u8]| {
    let Ok(m) = syslog::parse(data) else {
        return;
    };
    let mut room = netroot::watch::Room::new(30.0);
    let from = std::net::SocketAddr::from(([127, 0, 0, 1], 514));
    room.feed(0.0, from, &m);
    let _ = room.table(1.0, true);
    // Render keeps the fields within the grammar; what parsed once already
    // is within it, so the round trip is exact unless MSG was cut to 2048
    // octets (a cut leaves less than one character, 4 octets, unused).
    let again = m.render();
    if again.len() + 4 <= syslog::MAX_LEN {
        let back = syslog::parse(&again).expect("rendered message parses");
        assert_eq!(back, m, "{:?}", String::from_utf8_lossy(data));
    }
});

//! Fuzz the reader of the hand-over file `/run/netroot/net.json` (written by
//! `netroot net`, read back by `netroot mount`): the file is ours, but its
//! strings came from the network (DHCP host names, root paths, domains), so
//! it is read as untrusted text; and the JSON codec under it: a value that
//! parses renders to text that parses to the same value, and any string
//! (what a server may send) survives a render/parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netroot::fuzzing::{read_net_json, read_net_json6};
use netroot::json::{self, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((_, lease)) = read_net_json(text) {
        std::hint::black_box(lease);
    }
    std::hint::black_box(read_net_json6(text));
    if let Ok(v) = json::parse(text) {
        let shown = v.render();
        assert_eq!(
            json::parse(&shown).as_ref(),
            Ok(&v),
            "{text:?} shown as {shown:?}"
        );
    }
    let s = Value::Str(text.to_string());
    assert_eq!(json::parse(&s.render()), Ok(s));
});

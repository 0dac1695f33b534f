//! Fuzz the command-line model: the tokenizer and parser must never panic,
//! an `ip=` that parses must format back to text that parses to the same
//! value, and the explain plan must be producible for every valid line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netroot::cmdline::{self, ip, root};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cfg) = cmdline::parse(text) {
        let _ = netroot::explain::plan_text(&cfg);
        let _ = netroot::explain::plan_json(&cfg).render();
    }
    if let Ok(p) = ip::parse("ip", text) {
        let shown = p.to_string();
        assert_eq!(
            ip::parse("ip", &shown),
            Ok(p),
            "{text:?} shown as {shown:?}"
        );
    }
    let _ = root::parse_root_path(text);
});

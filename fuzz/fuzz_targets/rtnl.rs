//! Fuzz the rtnetlink reply parser: message framing, NLMSG_ERROR/DONE and
//! RTM_NEWLINK decoding. Build and run by hand: `cargo fuzz run rtnl`
//! (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;
use netroot::net::rtnl_wire;

fuzz_target!(|data: &[u8]| {
    for (_, reply) in rtnl_wire::replies(data) {
        std::hint::black_box(reply);
    }
    for m in rtnl_wire::messages(data).flatten() {
        let _ = rtnl_wire::parse(&m);
    }
    let _ = rtnl_wire::parse_link(data);
});

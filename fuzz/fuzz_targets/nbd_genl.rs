//! Fuzz the parser of the kernel's generic-netlink replies during the NBD
//! attach (CTRL_CMD_GETFAMILY's family id, NLMSG_ERROR acks and errnos;
//! netlink(7), genetlink.h). The kernel is trusted, but a bounds mistake here
//! would be a panic of PID 1. The first four bytes are the sequence number
//! the replies must carry, so inputs reach the per-message decoding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netroot::root::nbd::genl::{self, Reply};

fuzz_target!(|data: &[u8]| {
    let Some((seq, buf)) = data.split_first_chunk::<4>() else {
        return;
    };
    let seq = u32::from_ne_bytes(*seq);
    match genl::parse(buf, seq) {
        Reply::Errno(e) => assert!(e > 0, "errno {e} from a failed request"),
        Reply::Ack | Reply::Family(_) | Reply::Pending => {}
    }
    // Our own requests are no replies.
    assert_eq!(
        genl::parse(&genl::get_family(seq, "nbd"), seq),
        Reply::Pending
    );
});

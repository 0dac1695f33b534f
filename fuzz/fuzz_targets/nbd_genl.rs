//! Fuzz the parsers of the kernel's generic-netlink messages during the NBD
//! attach and watch (netlink(7), genetlink.h): message framing, NLMSG_ERROR
//! acks and errnos, CTRL_CMD_NEWFAMILY (the nbd family id and its multicast
//! group) and NBD_CMD_LINK_DEAD events. The kernel is trusted, but a bounds
//! mistake here would be a panic of PID 1 or of the NBD resident. The first
//! two bytes are the nbd family id the events are matched against.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netroot::netlink::genl::{self, Event};
use netroot::root::nbd::genl as nbd;

fuzz_target!(|data: &[u8]| {
    let Some((family, buf)) = data.split_first_chunk::<2>() else {
        return;
    };
    let family = u16::from_ne_bytes(*family);
    for event in genl::events(buf) {
        match event {
            Event::Error(_, errno) => assert!(errno > 0, "errno {errno} from a failed request"),
            Event::Ack(_) => {}
            Event::Genl(msg) => {
                if let Some(f) = genl::parse_family(&msg) {
                    let _ = f.group(nbd::MCAST_GROUP);
                }
                let _ = nbd::link_dead(family, &msg);
            }
        }
    }
    // Our own GETFAMILY request is not taken for the family's description.
    let req = genl::get_family(1, nbd::FAMILY);
    for event in genl::events(&req) {
        if let Event::Genl(msg) = event {
            assert_eq!(genl::parse_family(&msg), None);
        }
    }
});

//! Messages of the kernel's generic netlink family "nbd", PURE: connect,
//! reconfigure (hand over a new socket), disconnect, and the
//! `NBD_CMD_LINK_DEAD` event of the "nbd_mc_group" multicast group.
//! Constants: include/uapi/linux/nbd-netlink.h; semantics: drivers/block/nbd.c
//! (`nbd_genl_connect`, `nbd_genl_reconfigure`, `nbd_reconnect_socket`,
//! `nbd_mark_nsock_dead`, which queues the LINK_DEAD event). The framing is
//! `crate::netlink`.

use crate::netlink::genl::{request, GenlMessage};
use crate::netlink::{attrs, push_attr, push_nested, u32_at};

/// `NBD_GENL_FAMILY_NAME`.
pub const FAMILY: &str = "nbd";
/// `NBD_GENL_MCAST_GROUP_NAME`: where `NBD_CMD_LINK_DEAD` is sent.
pub const MCAST_GROUP: &str = "nbd_mc_group";
/// `NBD_GENL_VERSION`.
pub const VERSION: u8 = 1;
/// `NBD_CMD_CONNECT`.
pub const CMD_CONNECT: u8 = 1;
/// `NBD_CMD_DISCONNECT`.
pub const CMD_DISCONNECT: u8 = 2;
/// `NBD_CMD_RECONFIGURE`.
pub const CMD_RECONFIGURE: u8 = 3;
/// `NBD_CMD_LINK_DEAD`: a connection of device `NBD_ATTR_INDEX` died.
pub const CMD_LINK_DEAD: u8 = 4;
/// `NBD_ATTR_INDEX` (u32).
pub const ATTR_INDEX: u16 = 1;
/// `NBD_ATTR_SIZE_BYTES` (u64).
pub const ATTR_SIZE_BYTES: u16 = 2;
/// `NBD_ATTR_BLOCK_SIZE_BYTES` (u64).
pub const ATTR_BLOCK_SIZE_BYTES: u16 = 3;
/// `NBD_ATTR_TIMEOUT` (u64 seconds): per-request timeout.
pub const ATTR_TIMEOUT: u16 = 4;
/// `NBD_ATTR_SERVER_FLAGS` (u64): the handshake's transmission flags.
pub const ATTR_SERVER_FLAGS: u16 = 5;
/// `NBD_ATTR_SOCKETS`: nest of `NBD_SOCK_ITEM` nests.
pub const ATTR_SOCKETS: u16 = 7;
/// `NBD_ATTR_DEAD_CONN_TIMEOUT` (u64 seconds): how long I/O waits for a
/// reconnect once every connection is dead, before failing.
pub const ATTR_DEAD_CONN_TIMEOUT: u16 = 8;
/// `NBD_SOCK_ITEM`.
pub const SOCK_ITEM: u16 = 1;
/// `NBD_SOCK_FD` (u32).
pub const SOCK_FD: u16 = 1;

/// The parameters of `NBD_CMD_CONNECT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connect {
    /// Device index (0 = /dev/nbd0).
    pub index: u32,
    /// Export size in bytes.
    pub size: u64,
    /// Block size.
    pub block_size: u64,
    /// Transmission flags from the handshake.
    pub server_flags: u64,
    /// Per-request timeout (s).
    pub timeout: u64,
    /// Dead connection timeout (s).
    pub dead_conn_timeout: u64,
    /// The connected socket.
    pub fd: u32,
}

fn socket(b: &mut Vec<u8>, fd: u32) {
    push_nested(b, ATTR_SOCKETS, |s| {
        push_nested(s, SOCK_ITEM, |i| push_attr(i, SOCK_FD, &fd.to_ne_bytes()))
    });
}

/// `NBD_CMD_CONNECT` with the socket nested as SOCKETS/ITEM/FD.
pub fn connect(family: u16, seq: u32, c: &Connect) -> Vec<u8> {
    request(family, seq, CMD_CONNECT, VERSION, |a| {
        push_attr(a, ATTR_INDEX, &c.index.to_ne_bytes());
        push_attr(a, ATTR_SIZE_BYTES, &c.size.to_ne_bytes());
        push_attr(a, ATTR_BLOCK_SIZE_BYTES, &c.block_size.to_ne_bytes());
        push_attr(a, ATTR_SERVER_FLAGS, &c.server_flags.to_ne_bytes());
        push_attr(a, ATTR_TIMEOUT, &c.timeout.to_ne_bytes());
        push_attr(
            a,
            ATTR_DEAD_CONN_TIMEOUT,
            &c.dead_conn_timeout.to_ne_bytes(),
        );
        socket(a, c.fd);
    })
}

/// `NBD_CMD_RECONFIGURE` of device `index`: replace its dead connection by
/// socket `fd` (the kernel's `nbd_reconnect_socket`; it answers success
/// without taking the socket when no connection is dead).
pub fn reconfigure(family: u16, seq: u32, index: u32, fd: u32) -> Vec<u8> {
    request(family, seq, CMD_RECONFIGURE, VERSION, |a| {
        push_attr(a, ATTR_INDEX, &index.to_ne_bytes());
        socket(a, fd);
    })
}

/// `NBD_CMD_DISCONNECT` of device `index`: the kernel shuts the sockets
/// down and fails the requests in flight.
pub fn disconnect(family: u16, seq: u32, index: u32) -> Vec<u8> {
    request(family, seq, CMD_DISCONNECT, VERSION, |a| {
        push_attr(a, ATTR_INDEX, &index.to_ne_bytes())
    })
}

/// If `msg` is `NBD_CMD_LINK_DEAD` of family `family`: the device index.
pub fn link_dead(family: u16, msg: &GenlMessage<'_>) -> Option<u32> {
    if msg.family != family || msg.cmd != CMD_LINK_DEAD {
        return None;
    }
    attrs(msg.attrs)
        .find(|(k, _)| *k == ATTR_INDEX)
        .and_then(|(_, v)| u32_at(v, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::genl::{events, Event};
    use crate::netlink::{finish, start, u16_at};

    #[test]
    fn connect_bytes() {
        let c = Connect {
            index: 0,
            size: 1 << 30,
            block_size: 512,
            server_flags: 3,
            timeout: 30,
            dead_conn_timeout: 120,
            fd: 5,
        };
        let m = connect(0x20, 9, &c);
        assert_eq!(m.len() % 4, 0);
        assert_eq!(u32_at(&m, 0), Some(m.len() as u32));
        assert_eq!(u16_at(&m, 4), Some(0x20));
        assert_eq!(&m[16..20], &[CMD_CONNECT, VERSION, 0, 0]);
        // 6 attributes of 8 (index) or 12 bytes, then the socket nest.
        assert_eq!(m.len(), 20 + 8 + 5 * 12 + 16);
        // SOCKETS|NESTED { ITEM|NESTED { FD = 5 } }.
        #[cfg(target_endian = "little")]
        assert_eq!(
            &m[m.len() - 16..],
            &[16, 0, 7, 0x80, 12, 0, 1, 0x80, 8, 0, 1, 0, 5, 0, 0, 0]
        );
    }

    #[test]
    fn reconfigure_and_disconnect_bytes() {
        let m = reconfigure(0x20, 4, 0, 6);
        assert_eq!(m.len(), 20 + 8 + 16);
        assert_eq!(&m[16..20], &[CMD_RECONFIGURE, VERSION, 0, 0]);
        assert_eq!(u32_at(&m, 24), Some(0), "NBD_ATTR_INDEX 0");
        assert_eq!(u32_at(&m, m.len() - 4), Some(6));
        let d = disconnect(0x20, 5, 1);
        assert_eq!(d.len(), 28);
        assert_eq!(d[16], CMD_DISCONNECT);
        assert_eq!(u32_at(&d, 24), Some(1));
    }

    #[test]
    fn link_dead_event() {
        // As nbd_mcast_index() sends it: genlmsghdr {LINK_DEAD}, INDEX u32.
        let mut b = start();
        b.extend_from_slice(&[CMD_LINK_DEAD, VERSION, 0, 0]);
        push_attr(&mut b, ATTR_INDEX, &3u32.to_ne_bytes());
        let dg = finish(b, 0x21, 0, 0);
        let ev: Vec<_> = events(&dg).collect();
        let [Event::Genl(g)] = ev[..] else {
            panic!("{ev:?}")
        };
        assert_eq!(link_dead(0x21, &g), Some(3));
        assert_eq!(link_dead(0x22, &g), None, "another family");
        // A reconfigure echo is not a link-dead event.
        let r = reconfigure(0x21, 1, 3, 4);
        for e in events(&r) {
            if let Event::Genl(g) = e {
                assert_eq!(link_dead(0x21, &g), None);
            }
        }
    }
}

//! Generic netlink, PURE: the `genlmsghdr` after the `nlmsghdr`, and the
//! controller family ("nlctrl") that maps a family name to its id and its
//! multicast groups to their ids. Layouts: `linux/genetlink.h`
//! (`struct genlmsghdr`, `GENL_ID_CTRL`, `CTRL_CMD_*`, `CTRL_ATTR_*`,
//! `CTRL_ATTR_MCAST_GRP_*`) and the kernel's
//! Documentation/networking/generic_netlink.rst.

use super::{attrs, finish, messages, push_attr, start, u16_at, u32_at, Message};
use super::{NLM_F_ACK, NLM_F_REQUEST};

/// `GENL_ID_CTRL`: the controller family's fixed id.
pub const GENL_ID_CTRL: u16 = 0x10;
/// `GENL_HDRLEN`: `struct genlmsghdr` (cmd u8, version u8, reserved u16).
pub const GENL_HDRLEN: usize = 4;
/// `CTRL_CMD_NEWFAMILY`: the controller's answer to GETFAMILY.
pub const CTRL_CMD_NEWFAMILY: u8 = 1;
/// `CTRL_CMD_GETFAMILY`.
pub const CTRL_CMD_GETFAMILY: u8 = 3;
/// `CTRL_ATTR_FAMILY_ID` (u16).
pub const CTRL_ATTR_FAMILY_ID: u16 = 1;
/// `CTRL_ATTR_FAMILY_NAME` (NUL-terminated string).
pub const CTRL_ATTR_FAMILY_NAME: u16 = 2;
/// `CTRL_ATTR_MCAST_GROUPS`: nest of nests, one per group.
pub const CTRL_ATTR_MCAST_GROUPS: u16 = 7;
/// `CTRL_ATTR_MCAST_GRP_NAME` (string), inside a group nest.
pub const CTRL_ATTR_MCAST_GRP_NAME: u16 = 1;
/// `CTRL_ATTR_MCAST_GRP_ID` (u32), inside a group nest.
pub const CTRL_ATTR_MCAST_GRP_ID: u16 = 2;

/// A generic netlink request to `family`: `nlmsghdr` with `NLM_F_REQUEST |
/// NLM_F_ACK`, `genlmsghdr {cmd, version}`, then the attributes `attrs`
/// writes.
pub fn request(
    family: u16,
    seq: u32,
    cmd: u8,
    version: u8,
    attrs: impl FnOnce(&mut Vec<u8>),
) -> Vec<u8> {
    let mut b = start();
    b.extend_from_slice(&[cmd, version, 0, 0]);
    attrs(&mut b);
    finish(b, family, NLM_F_REQUEST | NLM_F_ACK, seq)
}

/// `CTRL_CMD_GETFAMILY` for `name`: the reply carries the family id and its
/// multicast groups.
pub fn get_family(seq: u32, name: &str) -> Vec<u8> {
    let mut n = name.as_bytes().to_vec();
    n.push(0);
    request(GENL_ID_CTRL, seq, CTRL_CMD_GETFAMILY, 1, |b| {
        push_attr(b, CTRL_ATTR_FAMILY_NAME, &n)
    })
}

/// A generic netlink message of a datagram: header fields, command and
/// the attribute bytes after `genlmsghdr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenlMessage<'a> {
    /// `nlmsg_type` (the family id).
    pub family: u16,
    /// `nlmsg_seq` (0 for multicast events).
    pub seq: u32,
    /// `genlmsghdr.cmd`.
    pub cmd: u8,
    /// The attributes (iterate with [`super::attrs`]).
    pub attrs: &'a [u8],
}

/// What one message means to a requester.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// `NLMSG_ERROR` with code 0 for request `seq`.
    Ack(u32),
    /// `NLMSG_ERROR` with an errno (positive) for request `seq`.
    Error(u32, i32),
    /// A generic netlink message (a reply or a multicast event).
    Genl(GenlMessage<'a>),
}

fn interpret(m: Message<'_>) -> Option<Event<'_>> {
    match m.error_code() {
        Some(Ok(0)) => return Some(Event::Ack(m.seq)),
        Some(Ok(e)) => return Some(Event::Error(m.seq, e)),
        Some(Err(_)) => return None,
        None => {}
    }
    // NLMSG_NOOP, NLMSG_DONE, NLMSG_OVERRUN are below the first family id.
    if m.kind < GENL_ID_CTRL {
        return None;
    }
    let cmd = *m.payload.first()?;
    Some(Event::Genl(GenlMessage {
        family: m.kind,
        seq: m.seq,
        cmd,
        attrs: m.payload.get(GENL_HDRLEN..)?,
    }))
}

/// Every well-formed message of a datagram (a malformed length ends it).
pub fn events(datagram: &[u8]) -> impl Iterator<Item = Event<'_>> + '_ {
    messages(datagram)
        .map_while(Result::ok)
        .filter_map(interpret)
}

/// A family as the controller describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// Its id (the `nlmsg_type` of its messages).
    pub id: u16,
    /// Its multicast groups: (name, id).
    pub groups: Vec<(String, u32)>,
}

impl Family {
    /// The id of multicast group `name`.
    pub fn group(&self, name: &str) -> Option<u32> {
        self.groups
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, id)| id)
    }
}

fn c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(b.get(..end).unwrap_or(&[])).into_owned()
}

/// Parse a `CTRL_CMD_NEWFAMILY` message's attributes.
pub fn parse_family(msg: &GenlMessage<'_>) -> Option<Family> {
    if msg.family != GENL_ID_CTRL || msg.cmd != CTRL_CMD_NEWFAMILY {
        return None;
    }
    let mut id = None;
    let mut groups = Vec::new();
    for (kind, data) in attrs(msg.attrs) {
        match kind {
            CTRL_ATTR_FAMILY_ID => id = u16_at(data, 0),
            CTRL_ATTR_MCAST_GROUPS => {
                for (_, grp) in attrs(data) {
                    let mut name = None;
                    let mut gid = None;
                    for (k, v) in attrs(grp) {
                        match k {
                            CTRL_ATTR_MCAST_GRP_NAME => name = Some(c_string(v)),
                            CTRL_ATTR_MCAST_GRP_ID => gid = u32_at(v, 0),
                            _ => {}
                        }
                    }
                    if let (Some(n), Some(g)) = (name, gid) {
                        groups.push((n, g));
                    }
                }
            }
            _ => {}
        }
    }
    Some(Family { id: id?, groups })
}

#[cfg(test)]
mod tests {
    use super::super::push_nested;
    use super::*;

    #[test]
    fn get_family_bytes() {
        let m = get_family(7, "nbd");
        assert_eq!(u32_at(&m, 0), Some(m.len() as u32));
        assert_eq!(u16_at(&m, 4), Some(GENL_ID_CTRL));
        assert_eq!(u16_at(&m, 6), Some(NLM_F_REQUEST | NLM_F_ACK));
        assert_eq!(&m[16..20], &[CTRL_CMD_GETFAMILY, 1, 0, 0]);
        assert_eq!(&m[20..28], &[8, 0, 2, 0, b'n', b'b', b'd', 0]);
    }

    /// A controller reply as the kernel builds it (ctrl_fill_info).
    pub(crate) fn newfamily(seq: u32, id: u16, groups: &[(&str, u32)]) -> Vec<u8> {
        let mut b = start();
        b.extend_from_slice(&[CTRL_CMD_NEWFAMILY, 2, 0, 0]);
        push_attr(&mut b, CTRL_ATTR_FAMILY_NAME, b"nbd\0");
        push_attr(&mut b, CTRL_ATTR_FAMILY_ID, &id.to_ne_bytes());
        push_nested(&mut b, CTRL_ATTR_MCAST_GROUPS, |n| {
            for (i, (name, gid)) in groups.iter().enumerate() {
                push_nested(n, i as u16 + 1, |g| {
                    push_attr(g, CTRL_ATTR_MCAST_GRP_ID, &gid.to_ne_bytes());
                    let mut s = name.as_bytes().to_vec();
                    s.push(0);
                    push_attr(g, CTRL_ATTR_MCAST_GRP_NAME, &s);
                })
            }
        });
        finish(b, GENL_ID_CTRL, 0, seq)
    }

    #[test]
    fn family_with_groups() {
        let mut dg = newfamily(3, 0x1c, &[("nbd_mc_group", 9)]);
        let mut ack = start();
        ack.extend_from_slice(&0i32.to_ne_bytes());
        ack.extend_from_slice(&[0; 16]);
        dg.extend(finish(ack, super::super::NLMSG_ERROR, 0, 3));
        let ev: Vec<_> = events(&dg).collect();
        assert_eq!(ev.len(), 2);
        let Event::Genl(g) = ev[0] else {
            panic!("{ev:?}")
        };
        let f = parse_family(&g).unwrap();
        assert_eq!(f.id, 0x1c);
        assert_eq!(f.group("nbd_mc_group"), Some(9));
        assert_eq!(f.group("other"), None);
        assert_eq!(ev[1], Event::Ack(3));
        // Cut anywhere: never a panic, at most fewer events.
        for cut in 0..dg.len() {
            for e in events(&dg[..cut]) {
                if let Event::Genl(g) = e {
                    let _ = parse_family(&g);
                }
            }
        }
    }
}

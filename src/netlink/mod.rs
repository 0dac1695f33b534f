//! Netlink message framing, PURE and shared by every family netroot speaks:
//! route netlink (`net::rtnl_wire`) and generic netlink ([`genl`], used by
//! the NBD attach). No fd, no clock: `sys::netlink` and `sys::genl` own the
//! sockets.
//!
//! Layouts: the kernel uAPI header `linux/netlink.h` (`struct nlmsghdr`,
//! `struct nlmsgerr`, `struct nlattr`, `NLM_F_*`, `NLMSG_*`, `NLA_F_*`) and
//! the man page netlink(7). Headers and integer attributes are in host byte
//! order. Every parser here checks bounds before it reads and returns
//! "nothing more" or an error on malformed input; none panics.

pub mod genl;

/// `NLMSG_HDRLEN`: size of `struct nlmsghdr` (len u32, type u16, flags u16,
/// seq u32, pid u32).
pub const NLMSG_HDRLEN: usize = 16;
/// `NLMSG_NOOP`: nothing; ignore.
pub const NLMSG_NOOP: u16 = 1;
/// `NLMSG_ERROR`: an error, or (error code 0) an acknowledgement.
pub const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`: end of a multi-part (dump) reply.
pub const NLMSG_DONE: u16 = 3;
/// `NLMSG_OVERRUN`: data lost.
pub const NLMSG_OVERRUN: u16 = 4;

/// `NLM_F_REQUEST`: this is a request.
pub const NLM_F_REQUEST: u16 = 0x01;
/// `NLM_F_MULTI`: part of a multi-part reply, ended by `NLMSG_DONE`.
pub const NLM_F_MULTI: u16 = 0x02;
/// `NLM_F_ACK`: ask for an acknowledgement (an `NLMSG_ERROR` with code 0).
pub const NLM_F_ACK: u16 = 0x04;
/// `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`): return every object.
pub const NLM_F_DUMP: u16 = 0x300;
/// `NLM_F_REPLACE`: replace an existing object.
pub const NLM_F_REPLACE: u16 = 0x100;
/// `NLM_F_CREATE`: create the object if it does not exist.
pub const NLM_F_CREATE: u16 = 0x400;
/// `NLM_F_EXCL`: fail with `EEXIST` if the object exists.
pub const NLM_F_EXCL: u16 = 0x200;

/// `NLA_HDRLEN` (= `sizeof(struct rtattr)`): len u16, type u16.
pub const NLA_HDRLEN: usize = 4;
/// `NLA_F_NESTED`: the attribute's payload is itself attributes.
pub const NLA_F_NESTED: u16 = 1 << 15;
/// The attribute type without `NLA_F_NESTED`/`NLA_F_NET_BYTEORDER`
/// (`NLA_TYPE_MASK`).
pub const NLA_TYPE_MASK: u16 = 0x3fff;

/// `EPROTO` (asm-generic/errno.h): what a nonsensical error code becomes.
pub const EPROTO: i32 = 71;

/// `NLMSG_ALIGN`/`NLA_ALIGN`: messages and attributes start on 4-byte
/// boundaries. Saturates instead of overflowing (callers bound `n` first).
pub fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// A malformed message from the kernel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A message's `nlmsg_len` is below the header size or past the datagram.
    #[error("netlink message length {len} invalid with {left} bytes left")]
    BadLength {
        /// The declared `nlmsg_len`.
        len: u32,
        /// Bytes left in the datagram.
        left: usize,
    },
    /// A message's fixed header (ifinfomsg, nlmsgerr, genlmsghdr) is cut short.
    #[error("netlink message type {kind} too short: {len} bytes")]
    Short {
        /// `nlmsg_type`.
        kind: u16,
        /// Payload length.
        len: usize,
    },
}

// ---------------------------------------------------------------- encoding

/// Append an attribute (header, payload, padding to 4 bytes). Payloads are
/// at most a few hundred bytes here, so the length fits the u16 field.
pub fn push_attr(buf: &mut Vec<u8>, kind: u16, data: &[u8]) {
    let len = (NLA_HDRLEN + data.len()) as u16;
    buf.extend_from_slice(&len.to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(data);
    buf.resize(align4(buf.len()), 0);
}

/// Append a nested attribute (`NLA_F_NESTED` set) whose payload `inner`
/// writes.
pub fn push_nested(buf: &mut Vec<u8>, kind: u16, inner: impl FnOnce(&mut Vec<u8>)) {
    let mut nest = Vec::new();
    inner(&mut nest);
    push_attr(buf, kind | NLA_F_NESTED, &nest);
}

/// A request buffer: a zeroed `nlmsghdr` to be filled by [`finish`]; the
/// family header and attributes are appended after it.
pub fn start() -> Vec<u8> {
    vec![0u8; NLMSG_HDRLEN]
}

/// Fill in the `nlmsghdr` of a buffer from [`start`]: length, type, flags
/// and sequence number (port id 0: the kernel fills in ours).
pub fn finish(mut buf: Vec<u8>, kind: u16, flags: u16, seq: u32) -> Vec<u8> {
    if buf.len() < NLMSG_HDRLEN {
        buf.resize(NLMSG_HDRLEN, 0);
    }
    // Requests are at most a few hundred bytes: the length fits u32.
    let len = buf.len() as u32;
    buf[0..4].copy_from_slice(&len.to_ne_bytes());
    buf[4..6].copy_from_slice(&kind.to_ne_bytes());
    buf[6..8].copy_from_slice(&flags.to_ne_bytes());
    buf[8..12].copy_from_slice(&seq.to_ne_bytes());
    buf
}

// ----------------------------------------------------------------- parsing

/// The host-order u16 at `at`, if `b` is long enough.
pub fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_ne_bytes([s[0], s[1]]))
}

/// The host-order u32 at `at`, if `b` is long enough.
pub fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

/// One netlink message of a datagram: its header fields and payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// `nlmsg_type`.
    pub kind: u16,
    /// `nlmsg_flags`.
    pub flags: u16,
    /// `nlmsg_seq`.
    pub seq: u32,
    /// `nlmsg_pid`.
    pub pid: u32,
    /// The bytes after the header, up to `nlmsg_len`.
    pub payload: &'a [u8],
}

impl Message<'_> {
    /// For an `NLMSG_ERROR`: `Some(0)` for an acknowledgement, else the
    /// positive errno (a nonsensical positive code is `EPROTO`). `None` for
    /// other message types. `struct nlmsgerr { int error; struct nlmsghdr
    /// msg; ... }`: only the code matters (the echoed request and any
    /// extended-ACK TLVs are ignored).
    pub fn error_code(&self) -> Option<Result<i32, Error>> {
        if self.kind != NLMSG_ERROR {
            return None;
        }
        let Some(raw) = u32_at(self.payload, 0) else {
            return Some(Err(Error::Short {
                kind: self.kind,
                len: self.payload.len(),
            }));
        };
        Some(Ok(match raw as i32 {
            0 => 0,
            c if c < 0 => c.checked_neg().unwrap_or(EPROTO),
            _ => EPROTO,
        }))
    }
}

/// Iterator over the messages of one datagram (`NLMSG_OK`/`NLMSG_NEXT`,
/// netlink(7)). A malformed length yields one error and ends the iteration:
/// nothing after it can be framed.
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    rest: &'a [u8],
}

/// Split a received datagram into messages.
pub fn messages(datagram: &[u8]) -> Messages<'_> {
    Messages { rest: datagram }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.rest;
        if b.is_empty() {
            return None;
        }
        let left = b.len();
        let Some(len32) = u32_at(b, 0) else {
            self.rest = &[];
            return Some(Err(Error::BadLength { len: 0, left }));
        };
        let len = len32 as usize;
        if len < NLMSG_HDRLEN || len > left {
            self.rest = &[];
            return Some(Err(Error::BadLength { len: len32, left }));
        }
        let (Some(kind), Some(flags), Some(seq), Some(pid)) =
            (u16_at(b, 4), u16_at(b, 6), u32_at(b, 8), u32_at(b, 12))
        else {
            self.rest = &[];
            return Some(Err(Error::BadLength { len: len32, left }));
        };
        let payload = b.get(NLMSG_HDRLEN..len).unwrap_or(&[]);
        // The last message of a datagram may lack its alignment padding.
        self.rest = b.get(align4(len)..).unwrap_or(&[]);
        Some(Ok(Message {
            kind,
            flags,
            seq,
            pid,
            payload,
        }))
    }
}

/// Iterator over attributes (`RTA_OK`/`RTA_NEXT`, `nla_for_each_attr`):
/// yields (type without the `NLA_F_*` bits, payload). Stops at the first
/// attribute whose length is invalid.
#[derive(Debug, Clone)]
pub struct Attrs<'a> {
    rest: &'a [u8],
}

/// The attributes in `bytes` (what follows a fixed header, or a nested
/// attribute's payload).
pub fn attrs(bytes: &[u8]) -> Attrs<'_> {
    Attrs { rest: bytes }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.rest;
        let (Some(len), Some(kind)) = (u16_at(b, 0), u16_at(b, 2)) else {
            self.rest = &[];
            return None;
        };
        let len = usize::from(len);
        if len < NLA_HDRLEN || len > b.len() {
            self.rest = &[];
            return None;
        }
        let data = b.get(NLA_HDRLEN..len).unwrap_or(&[]);
        self.rest = b.get(align4(len)..).unwrap_or(&[]);
        Some((kind & NLA_TYPE_MASK, data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_attributes_frame_back() {
        let mut b = start();
        b.extend_from_slice(&[1, 2, 0, 0]);
        push_attr(&mut b, 1, &7u32.to_ne_bytes());
        push_nested(&mut b, 7, |n| {
            push_nested(n, 1, |i| push_attr(i, 1, &5u32.to_ne_bytes()))
        });
        let b = finish(b, 0x22, NLM_F_REQUEST | NLM_F_ACK, 9);
        assert_eq!(u32_at(&b, 0), Some(b.len() as u32));
        let m = messages(&b).next().unwrap().unwrap();
        assert_eq!((m.kind, m.flags, m.seq), (0x22, 5, 9));
        let a: Vec<_> = attrs(&m.payload[4..]).collect();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0], (1, &7u32.to_ne_bytes()[..]));
        assert_eq!(a[1].0, 7, "NLA_F_NESTED is masked off");
        let (k, item) = attrs(a[1].1).next().unwrap();
        assert_eq!(k, 1);
        assert_eq!(attrs(item).next(), Some((1, &5u32.to_ne_bytes()[..])));
        assert_eq!(m.error_code(), None);
    }

    #[test]
    fn error_codes() {
        let msg = |p: &'static [u8]| Message {
            kind: NLMSG_ERROR,
            flags: 0,
            seq: 1,
            pid: 0,
            payload: p,
        };
        let neg16 = (-16i32).to_ne_bytes();
        let m = Message {
            payload: &neg16,
            ..msg(&[])
        };
        assert_eq!(m.error_code(), Some(Ok(16)));
        assert_eq!(msg(&[0, 0, 0, 0]).error_code(), Some(Ok(0)));
        assert!(matches!(msg(&[0, 0]).error_code(), Some(Err(_))));
        let one = 1i32.to_ne_bytes();
        let m = Message {
            payload: &one,
            ..msg(&[])
        };
        assert_eq!(m.error_code(), Some(Ok(EPROTO)));
    }
}

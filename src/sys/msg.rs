//! recvmsg(2) with the sender's address and ancillary data (cmsg(3)), the
//! one call the packet socket and the ICMPv6 socket share.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// One datagram received by [`recv`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Bytes written to the buffer (at most its length).
    pub len: usize,
    /// The sender's address, as the kernel wrote it (`struct sockaddr_*`
    /// bytes, `msg_namelen` long).
    pub name: Vec<u8>,
    /// The control messages: (cmsg_level, cmsg_type, data).
    pub control: Vec<(i32, i32, Vec<u8>)>,
}

/// Receive one datagram from `fd` into `buf` without blocking; None when
/// nothing is queued (or the call was interrupted).
pub fn recv(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<Option<Message>> {
    // Room for a sockaddr_storage and a few small control messages.
    let mut name = [0u64; 16];
    let mut control = [0u64; 16];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: an all-zero msghdr is a valid "no name, no iov" header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = name.as_mut_ptr().cast();
    msg.msg_namelen = std::mem::size_of_val(&name) as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: msg points to live name, iovec (over `buf`) and control
    // buffers of the lengths given; the kernel writes within them.
    let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT) };
    if n < 0 {
        let e = io::Error::last_os_error();
        return match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
            _ => Err(e),
        };
    }
    let mut out = Vec::new();
    // SAFETY: msg was filled by recvmsg; the CMSG_* macros walk the control
    // buffer within msg_controllen, and each cmsg's data lies inside it,
    // `cmsg_len - CMSG_LEN(0)` bytes long.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            let head = libc::CMSG_LEN(0) as usize;
            let len = ((*c).cmsg_len as usize).saturating_sub(head);
            let data = std::slice::from_raw_parts(libc::CMSG_DATA(c), len);
            out.push(((*c).cmsg_level, (*c).cmsg_type, data.to_vec()));
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    let name_len = (msg.msg_namelen as usize).min(std::mem::size_of_val(&name));
    let name_bytes: Vec<u8> = name
        .iter()
        .flat_map(|w| w.to_ne_bytes())
        .take(name_len)
        .collect();
    Ok(Some(Message {
        len: (n as usize).min(buf.len()),
        name: name_bytes,
        control: out,
    }))
}

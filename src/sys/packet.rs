//! AF_PACKET sockets for DHCP before the interface has an address
//! (packet(7)). `SOCK_DGRAM` ("cooked") sockets: the kernel strips and adds
//! the link-layer header, we read and write from the IP header on.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, SockAddrStorage, SockFilter, Socket, Type};

/// `ETH_P_IP` in network byte order, as packet(7) wants the protocol.
const ETH_P_IP_BE: u16 = (libc::ETH_P_IP as u16).to_be();

/// Classic BPF (kernel Documentation/networking/filter.rst) run on the IP
/// header: accept unfragmented UDP to port 68, drop the rest in the kernel so
/// a busy segment does not wake us for every packet. Userspace re-checks all
/// of it anyway.
const FILTER: [(u16, u8, u8, u32); 8] = [
    (0x30, 0, 0, 9),      // ldb [9]            ; IP protocol
    (0x15, 0, 6, 17),     // jeq #17, next, drop
    (0x28, 0, 0, 6),      // ldh [6]            ; flags + fragment offset
    (0x45, 4, 0, 0x3fff), // jset #0x3fff, drop ; MF or offset: a fragment
    (0xb1, 0, 0, 0),      // ldxb 4*([0]&0xf)   ; X = IP header length
    (0x48, 0, 0, 2),      // ldh [x+2]          ; UDP destination port
    (0x15, 0, 1, 68),     // jeq #68, accept, drop
    (0x06, 0, 0, 0xffff), // accept: ret #65535
];
// drop: the instruction after the array.
const DROP: (u16, u8, u8, u32) = (0x06, 0, 0, 0);

/// A packet socket bound to one interface, receiving IPv4 (UDP to port 68).
#[derive(Debug)]
pub struct PacketSocket {
    sock: Socket,
    ifindex: u32,
}

/// Build a `sockaddr_ll` for `ifindex`, protocol IPv4, and (when given) a
/// destination hardware address.
fn link_addr(ifindex: u32, dest: Option<[u8; 6]>) -> io::Result<SockAddr> {
    let ifindex = i32::try_from(ifindex)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface index too large"))?;
    let mut storage = SockAddrStorage::zeroed();
    // SAFETY: sockaddr_ll is a sockaddr type of this platform and fits in
    // sockaddr_storage (view_as asserts the size); the storage is zeroed.
    let ll = unsafe { storage.view_as::<libc::sockaddr_ll>() };
    ll.sll_family = libc::AF_PACKET as u16;
    ll.sll_protocol = ETH_P_IP_BE;
    ll.sll_ifindex = ifindex;
    if let Some(mac) = dest {
        ll.sll_halen = 6;
        ll.sll_addr[..6].copy_from_slice(&mac);
    }
    let len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    // SAFETY: the storage holds an initialized sockaddr_ll of `len` bytes.
    Ok(unsafe { SockAddr::new(storage, len) })
}

impl PacketSocket {
    /// Open a non-blocking, close-on-exec packet socket on `ifindex`.
    ///
    /// The socket is created with protocol 0 (it receives nothing), the
    /// filter is attached, and only then `bind` sets ETH_P_IP and the
    /// interface: no unfiltered packet can slip in between.
    pub fn open(ifindex: u32) -> io::Result<Self> {
        let sock = Socket::new(
            Domain::PACKET,
            Type::DGRAM.cloexec(),
            Some(Protocol::from(0)),
        )?;
        let prog: Vec<SockFilter> = FILTER
            .iter()
            .chain(std::iter::once(&DROP))
            .map(|&(c, jt, jf, k)| SockFilter::new(c, jt, jf, k))
            .collect();
        sock.attach_filter(&prog)?;
        // packet(7) PACKET_AUXDATA: tells per packet whether its checksum is
        // still to be filled in by offload (veth, virtio), see `recv`.
        let one: libc::c_int = 1;
        // SAFETY: valid socket fd, option value points to a c_int of the
        // given size for the duration of the call.
        let rc = unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_AUXDATA,
                (&one as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // No PACKET_QDISC_BYPASS (packet(7)): it hands frames to the
        // driver's xmit directly, past a transmit queue that may still be
        // `noop_qdisc`, but on a cold veth the frame is then dropped by the
        // peer's bridge port instead (39 of 60 first DISCOVERs lost, against
        // 35 of 60 without it; bench/dhcp.sh, 20 clients), and the frames
        // would be invisible to tcpdump. The driver waits until the link is
        // ready instead (crate::net::link::Link::ready): 0 of 60 lost.
        sock.bind(&link_addr(ifindex, None)?)?;
        sock.set_nonblocking(true)?;
        Ok(PacketSocket { sock, ifindex })
    }

    /// Send an IP packet to the link-layer broadcast address.
    pub fn send_broadcast(&self, ip_packet: &[u8]) -> io::Result<()> {
        let to = link_addr(self.ifindex, Some([0xff; 6]))?;
        let n = self.sock.send_to(ip_packet, &to)?;
        if n != ip_packet.len() {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "short send"));
        }
        Ok(())
    }

    /// Receive one packet into `buf`; None when nothing is queued. Longer
    /// packets are truncated to `buf` (and then fail the IP length check).
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<Received>> {
        let Some(m) = super::msg::recv(self.sock.as_fd(), buf)? else {
            return Ok(None);
        };
        // struct tpacket_auxdata starts with tp_status (u32).
        let checksum_pending = m.control.iter().any(|(level, kind, data)| {
            *level == libc::SOL_PACKET
                && *kind == libc::PACKET_AUXDATA
                && data.len() >= std::mem::size_of::<libc::tpacket_auxdata>()
                && u32::from_ne_bytes([data[0], data[1], data[2], data[3]])
                    & libc::TP_STATUS_CSUMNOTREADY
                    != 0
        });
        Ok(Some(Received {
            len: m.len,
            checksum_pending,
        }))
    }
}

/// One received packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes written to the buffer.
    pub len: usize,
    /// TP_STATUS_CSUMNOTREADY: the sender's stack left the UDP checksum to
    /// offload, which never happened because the packet did not leave the
    /// host (veth, virtio with offload); its checksum field is not final
    /// and must not be verified (as dhclient and systemd-networkd do).
    pub checksum_pending: bool,
}

impl AsFd for PacketSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

/// poll(2) the sockets (packet sockets, a netlink socket) for input for at
/// most `timeout`; returns which are readable. EINTR counts as a timeout
/// (the caller re-checks its clock).
pub fn poll_readable(socks: &[BorrowedFd<'_>], timeout: Duration) -> io::Result<Vec<bool>> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let mut fds: Vec<PollFd<'_>> = socks
        .iter()
        .map(|s| PollFd::new(s, PollFlags::IN))
        .collect();
    let ts = Timespec {
        tv_sec: timeout.as_secs().min(i64::MAX as u64) as i64,
        tv_nsec: i64::from(timeout.subsec_nanos()),
    };
    match poll(&mut fds, Some(&ts)) {
        Ok(_) => {}
        Err(rustix::io::Errno::INTR) => return Ok(vec![false; socks.len()]),
        Err(e) => return Err(e.into()),
    }
    Ok(fds
        .iter()
        .map(|f| {
            f.revents()
                .intersects(PollFlags::IN | PollFlags::ERR | PollFlags::HUP)
        })
        .collect())
}

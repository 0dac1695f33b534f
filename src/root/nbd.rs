//! NBD root: the fixed-newstyle handshake as a sans-IO machine, attaching
//! `/dev/nbd0` through the kernel's generic netlink "nbd" family (falling
//! back to the ioctl interface), probing and mounting the filesystem.
//!
//! Protocol: the NBD protocol document (NetworkBlockDevice/nbd doc/proto.md),
//! sections "Fixed newstyle negotiation", "NBD_OPT_GO", "NBD_OPT_EXPORT_NAME".
//! Kernel interface: include/uapi/linux/nbd.h and nbd-netlink.h.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpStream};
use std::os::fd::{AsFd, AsRawFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub mod handshake {
    //! The client side of the fixed-newstyle negotiation, PURE: feed it the
    //! server's bytes, send what it queues, until it yields an [`Export`].

    /// `NBDMAGIC`: first 8 bytes of every newstyle greeting.
    pub const NBDMAGIC: u64 = 0x4e42_444d_4147_4943;
    /// `IHAVEOPT`: second magic of a newstyle greeting; prefixes every option.
    pub const IHAVEOPT: u64 = 0x4948_4156_454f_5054;
    /// The oldstyle greeting's second magic (we do not speak oldstyle).
    pub const OLDSTYLE_MAGIC: u64 = 0x0000_4202_8186_1253;
    /// Option reply magic.
    pub const REPLY_MAGIC: u64 = 0x0003_e889_0455_65a9;
    /// Server handshake flag: fixed newstyle.
    pub const FLAG_FIXED_NEWSTYLE: u16 = 1 << 0;
    /// Server handshake flag: may omit the 124 zero bytes.
    pub const FLAG_NO_ZEROES: u16 = 1 << 1;
    /// `NBD_OPT_EXPORT_NAME`.
    pub const OPT_EXPORT_NAME: u32 = 1;
    /// `NBD_OPT_GO`.
    pub const OPT_GO: u32 = 7;
    /// `NBD_REP_ACK`.
    pub const REP_ACK: u32 = 1;
    /// `NBD_REP_INFO`.
    pub const REP_INFO: u32 = 3;
    /// Error replies have bit 31 set.
    pub const REP_FLAG_ERROR: u32 = 1 << 31;
    /// `NBD_REP_ERR_UNSUP`: option unknown to the server.
    pub const REP_ERR_UNSUP: u32 = REP_FLAG_ERROR | 1;
    /// `NBD_REP_ERR_POLICY`.
    pub const REP_ERR_POLICY: u32 = REP_FLAG_ERROR | 2;
    /// `NBD_REP_ERR_INVALID`.
    pub const REP_ERR_INVALID: u32 = REP_FLAG_ERROR | 3;
    /// `NBD_REP_ERR_PLATFORM`.
    pub const REP_ERR_PLATFORM: u32 = REP_FLAG_ERROR | 4;
    /// `NBD_REP_ERR_TLS_REQD`.
    pub const REP_ERR_TLS_REQD: u32 = REP_FLAG_ERROR | 5;
    /// `NBD_REP_ERR_UNKNOWN`: no such export.
    pub const REP_ERR_UNKNOWN: u32 = REP_FLAG_ERROR | 6;
    /// `NBD_REP_ERR_SHUTDOWN`.
    pub const REP_ERR_SHUTDOWN: u32 = REP_FLAG_ERROR | 7;
    /// `NBD_REP_ERR_BLOCK_SIZE_REQD`.
    pub const REP_ERR_BLOCK_SIZE_REQD: u32 = REP_FLAG_ERROR | 8;
    /// `NBD_INFO_EXPORT`.
    pub const INFO_EXPORT: u16 = 0;
    /// `NBD_INFO_BLOCK_SIZE`.
    pub const INFO_BLOCK_SIZE: u16 = 3;
    /// Transmission flag: `NBD_FLAG_HAS_FLAGS` (always set).
    pub const TFLAG_HAS_FLAGS: u16 = 1 << 0;
    /// Transmission flag: `NBD_FLAG_READ_ONLY`.
    pub const TFLAG_READ_ONLY: u16 = 1 << 1;
    /// Largest export size we accept: beyond 2^62 bytes a server is lying.
    pub const MAX_SIZE: u64 = 1 << 62;
    /// Longest option reply payload we buffer (names and messages are at
    /// most 4096 bytes by the protocol; a little room for the headers).
    pub const MAX_REPLY: u32 = 8192;
    /// Longest export name the protocol allows.
    pub const MAX_NAME: usize = 4096;

    /// What the handshake learnt about the export.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Export {
        /// Size in bytes (> 0, ≤ 2^62).
        pub size: u64,
        /// Transmission flags (`NBD_FLAG_*`).
        pub flags: u16,
        /// Block size constraints, when the server sent them.
        pub block: Option<BlockSize>,
        /// Whether `NBD_OPT_GO` was used (false: `NBD_OPT_EXPORT_NAME`).
        pub via_go: bool,
    }

    impl Export {
        /// Whether the server exports read-only.
        pub fn read_only(&self) -> bool {
            self.flags & TFLAG_READ_ONLY != 0
        }

        /// The block size to give the kernel: the server's minimum (at
        /// least 512, the kernel's smallest), else 512.
        pub fn kernel_block_size(&self) -> u32 {
            self.block.map_or(512, |b| b.min.max(512))
        }
    }

    /// `NBD_INFO_BLOCK_SIZE`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct BlockSize {
        /// Minimum block size (a power of two, 1..=64 KiB).
        pub min: u32,
        /// Preferred block size (a power of two ≥ min).
        pub preferred: u32,
        /// Maximum request size.
        pub max: u32,
    }

    /// Handshake failures. Never a panic, whatever the server sends.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    pub enum Error {
        /// The greeting does not start with NBDMAGIC.
        #[error("not an NBD server (bad greeting magic {0:#018x})")]
        BadMagic(u64),
        /// An oldstyle server.
        #[error("server speaks the oldstyle protocol, which netroot does not support")]
        Oldstyle,
        /// Unexpected bytes where a magic was due.
        #[error("protocol error: {0}")]
        Protocol(String),
        /// The server has no such export.
        #[error("no such export")]
        UnknownExport,
        /// Policy refusal.
        #[error("server refused the export (policy)")]
        Policy,
        /// TLS demanded.
        #[error("server requires TLS, which netroot does not support")]
        TlsRequired,
        /// Another error reply.
        #[error("server error {code:#x}: {message}")]
        Refused {
            /// Reply type.
            code: u32,
            /// Server's message (lossy UTF-8).
            message: String,
        },
        /// The server announced an impossible size.
        #[error("server announced an invalid export size {size} ({reason})")]
        BadSize {
            /// The size.
            size: u64,
            /// Why it is rejected.
            reason: &'static str,
        },
        /// Bad block size information.
        #[error("server announced invalid block sizes min={min} preferred={preferred} max={max}")]
        BadBlockSize {
            /// Minimum.
            min: u32,
            /// Preferred.
            preferred: u32,
            /// Maximum.
            max: u32,
        },
        /// The connection closed mid-handshake.
        #[error("server closed the connection during the handshake{0}")]
        Closed(&'static str),
        /// The export name is too long.
        #[error("export name longer than {MAX_NAME} bytes")]
        NameTooLong,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum State {
        Greeting,
        GoReply,
        ExportName,
        Done,
        Failed,
    }

    /// Progress after feeding bytes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Status {
        /// Send [`Handshake::take_output`] and feed more bytes.
        NeedMore,
        /// Negotiation finished; the connection is in transmission phase.
        Done(Export),
    }

    /// The machine.
    #[derive(Debug)]
    pub struct Handshake {
        state: State,
        export: Vec<u8>,
        input: Vec<u8>,
        output: Vec<u8>,
        no_zeroes: bool,
        size: Option<(u64, u16)>,
        block: Option<BlockSize>,
    }

    fn be64(b: &[u8]) -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[..8]);
        u64::from_be_bytes(a)
    }
    fn be32(b: &[u8]) -> u32 {
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }
    fn be16(b: &[u8]) -> u16 {
        u16::from_be_bytes([b[0], b[1]])
    }

    impl Handshake {
        /// A handshake for `export` ("" = the server's default export).
        pub fn new(export: &str) -> Result<Handshake, Error> {
            if export.len() > MAX_NAME {
                return Err(Error::NameTooLong);
            }
            Ok(Handshake {
                state: State::Greeting,
                export: export.as_bytes().to_vec(),
                input: Vec::new(),
                output: Vec::new(),
                no_zeroes: false,
                size: None,
                block: None,
            })
        }

        /// Bytes to send to the server now (may be empty).
        pub fn take_output(&mut self) -> Vec<u8> {
            std::mem::take(&mut self.output)
        }

        /// The error for an EOF from the server in the current state.
        pub fn eof(&self) -> Error {
            match self.state {
                // A server that does not know the export may just hang up
                // on NBD_OPT_EXPORT_NAME (it cannot send an error).
                State::ExportName => Error::Closed(" (no such export?)"),
                _ => Error::Closed(""),
            }
        }

        /// Feed bytes received from the server.
        pub fn receive(&mut self, data: &[u8]) -> Result<Status, Error> {
            match self.state {
                State::Done => {
                    return Err(Error::Protocol("data after the handshake ended".into()))
                }
                State::Failed => return Err(Error::Protocol("handshake already failed".into())),
                _ => {}
            }
            self.input.extend_from_slice(data);
            let r = self.step();
            if r.is_err() {
                self.state = State::Failed;
            }
            r
        }

        fn step(&mut self) -> Result<Status, Error> {
            loop {
                match self.state {
                    State::Greeting => {
                        if self.input.len() < 16 {
                            return self.check_partial_magic();
                        }
                        let magic = be64(&self.input);
                        if magic != NBDMAGIC {
                            return Err(Error::BadMagic(magic));
                        }
                        let second = be64(&self.input[8..]);
                        if second == OLDSTYLE_MAGIC {
                            return Err(Error::Oldstyle);
                        }
                        if second != IHAVEOPT {
                            return Err(Error::Protocol(format!(
                                "expected IHAVEOPT, got {second:#018x}"
                            )));
                        }
                        if self.input.len() < 18 {
                            return Ok(Status::NeedMore);
                        }
                        let flags = be16(&self.input[16..]);
                        self.input.drain(..18);
                        self.no_zeroes = flags & FLAG_NO_ZEROES != 0;
                        let fixed = flags & FLAG_FIXED_NEWSTYLE != 0;
                        let mut cflags = 0u32;
                        if fixed {
                            cflags |= 1; // NBD_FLAG_C_FIXED_NEWSTYLE
                        }
                        if self.no_zeroes {
                            cflags |= 2; // NBD_FLAG_C_NO_ZEROES
                        }
                        self.output.extend_from_slice(&cflags.to_be_bytes());
                        if fixed {
                            self.send_go();
                            self.state = State::GoReply;
                        } else {
                            // Plain newstyle knows only NBD_OPT_EXPORT_NAME.
                            self.send_export_name();
                            self.state = State::ExportName;
                        }
                    }
                    State::GoReply => {
                        if self.input.len() < 20 {
                            return Ok(Status::NeedMore);
                        }
                        let magic = be64(&self.input);
                        if magic != REPLY_MAGIC {
                            return Err(Error::Protocol(format!(
                                "bad option reply magic {magic:#018x}"
                            )));
                        }
                        let opt = be32(&self.input[8..]);
                        let ty = be32(&self.input[12..]);
                        let len = be32(&self.input[16..]);
                        if opt != OPT_GO {
                            return Err(Error::Protocol(format!(
                                "reply for option {opt}, expected NBD_OPT_GO"
                            )));
                        }
                        if len > MAX_REPLY {
                            return Err(Error::Protocol(format!(
                                "option reply of {len} bytes exceeds {MAX_REPLY}"
                            )));
                        }
                        let total = 20 + len as usize;
                        if self.input.len() < total {
                            return Ok(Status::NeedMore);
                        }
                        let payload: Vec<u8> = self.input[20..total].to_vec();
                        self.input.drain(..total);
                        if let Some(s) = self.go_reply(ty, &payload)? {
                            return Ok(s);
                        }
                    }
                    State::ExportName => {
                        let need = if self.no_zeroes { 10 } else { 10 + 124 };
                        if self.input.len() < need {
                            return Ok(Status::NeedMore);
                        }
                        let size = be64(&self.input);
                        let flags = be16(&self.input[8..]);
                        self.input.drain(..need);
                        self.size = Some((size, flags));
                        return self.finish(false);
                    }
                    State::Done | State::Failed => {
                        return Err(Error::Protocol("handshake is over".into()))
                    }
                }
            }
        }

        /// Fail early on a greeting whose first bytes already cannot be NBDMAGIC.
        fn check_partial_magic(&self) -> Result<Status, Error> {
            let want = NBDMAGIC.to_be_bytes();
            let n = self.input.len().min(8);
            if self.input[..n] != want[..n] {
                let mut got = [0u8; 8];
                got[..n].copy_from_slice(&self.input[..n]);
                return Err(Error::BadMagic(u64::from_be_bytes(got)));
            }
            Ok(Status::NeedMore)
        }

        fn send_option(&mut self, opt: u32, data: &[u8]) {
            self.output.extend_from_slice(&IHAVEOPT.to_be_bytes());
            self.output.extend_from_slice(&opt.to_be_bytes());
            self.output
                .extend_from_slice(&(data.len() as u32).to_be_bytes());
            self.output.extend_from_slice(data);
        }

        fn send_go(&mut self) {
            let mut d = Vec::with_capacity(10 + self.export.len());
            d.extend_from_slice(&(self.export.len() as u32).to_be_bytes());
            d.extend_from_slice(&self.export);
            d.extend_from_slice(&2u16.to_be_bytes());
            d.extend_from_slice(&INFO_EXPORT.to_be_bytes());
            d.extend_from_slice(&INFO_BLOCK_SIZE.to_be_bytes());
            self.send_option(OPT_GO, &d);
        }

        fn send_export_name(&mut self) {
            let name = self.export.clone();
            self.send_option(OPT_EXPORT_NAME, &name);
        }

        fn go_reply(&mut self, ty: u32, p: &[u8]) -> Result<Option<Status>, Error> {
            let msg = || String::from_utf8_lossy(p).into_owned();
            match ty {
                REP_INFO => {
                    if p.len() < 2 {
                        return Err(Error::Protocol("NBD_REP_INFO shorter than 2 bytes".into()));
                    }
                    match be16(p) {
                        INFO_EXPORT => {
                            if p.len() != 12 {
                                return Err(Error::Protocol(format!(
                                    "NBD_INFO_EXPORT of {} bytes, expected 12",
                                    p.len()
                                )));
                            }
                            self.size = Some((be64(&p[2..]), be16(&p[10..])));
                        }
                        INFO_BLOCK_SIZE => {
                            if p.len() != 14 {
                                return Err(Error::Protocol(format!(
                                    "NBD_INFO_BLOCK_SIZE of {} bytes, expected 14",
                                    p.len()
                                )));
                            }
                            let b = BlockSize {
                                min: be32(&p[2..]),
                                preferred: be32(&p[6..]),
                                max: be32(&p[10..]),
                            };
                            let pow2 = |x: u32| x != 0 && x.is_power_of_two();
                            if !pow2(b.min)
                                || b.min > 65536
                                || !pow2(b.preferred)
                                || b.preferred < b.min
                                || b.max < b.min
                            {
                                return Err(Error::BadBlockSize {
                                    min: b.min,
                                    preferred: b.preferred,
                                    max: b.max,
                                });
                            }
                            self.block = Some(b);
                        }
                        // Other info types (name, description) are optional: ignore.
                        _ => {}
                    }
                    Ok(None)
                }
                REP_ACK => self.finish(true).map(Some),
                REP_ERR_UNSUP => {
                    // An old server without NBD_OPT_GO: fall back.
                    self.send_export_name();
                    self.state = State::ExportName;
                    Ok(None)
                }
                REP_ERR_UNKNOWN => Err(Error::UnknownExport),
                REP_ERR_POLICY => Err(Error::Policy),
                REP_ERR_TLS_REQD => Err(Error::TlsRequired),
                t if t & REP_FLAG_ERROR != 0 => Err(Error::Refused {
                    code: t,
                    message: msg(),
                }),
                t => Err(Error::Protocol(format!("unexpected option reply type {t}"))),
            }
        }

        fn finish(&mut self, via_go: bool) -> Result<Status, Error> {
            let Some((size, flags)) = self.size else {
                return Err(Error::Protocol(
                    "NBD_REP_ACK without NBD_INFO_EXPORT".into(),
                ));
            };
            let bad = |reason| Err(Error::BadSize { size, reason });
            if size == 0 {
                return bad("zero");
            }
            if size > MAX_SIZE {
                return bad("larger than 2^62 bytes");
            }
            if size % 512 != 0 && !matches!(self.block, Some(b) if size % u64::from(b.min) == 0) {
                return bad("not a multiple of 512 or of the minimum block size");
            }
            if flags & TFLAG_HAS_FLAGS == 0 {
                return Err(Error::Protocol(format!(
                    "transmission flags {flags:#06x} lack NBD_FLAG_HAS_FLAGS"
                )));
            }
            if !self.input.is_empty() {
                return Err(Error::Protocol(format!(
                    "{} unexpected bytes after the handshake",
                    self.input.len()
                )));
            }
            self.state = State::Done;
            Ok(Status::Done(Export {
                size,
                flags,
                block: self.block,
                via_go,
            }))
        }
    }
}

pub use handshake::{Export, Handshake};

/// NBD root errors; each names the server, export or device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// TCP connect failed until the deadline.
    #[error("nbd server {server}:{port}: server not answering ({reason})")]
    Connect {
        /// Server.
        server: Ipv4Addr,
        /// Port.
        port: u16,
        /// The OS error text.
        reason: String,
    },
    /// The handshake failed.
    #[error("nbd server {server}:{port}, export \"{export}\": {source}")]
    Handshake {
        /// Server.
        server: Ipv4Addr,
        /// Port.
        port: u16,
        /// Export name.
        export: String,
        /// What went wrong.
        source: handshake::Error,
    },
    /// Neither netlink nor ioctl could attach the device.
    #[error("cannot attach {device}: {reason}")]
    Attach {
        /// The device.
        device: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The filesystem type could not be determined.
    #[error("cannot tell the filesystem on {device} (not btrfs, ext2/3/4, xfs or squashfs); give rootfstype=")]
    Probe {
        /// The device.
        device: PathBuf,
    },
    /// mount(2) failed.
    #[error("mounting {device} ({fstype}, options \"{options}\") on {target} failed: {reason}")]
    Mount {
        /// The device.
        device: PathBuf,
        /// Filesystem type.
        fstype: String,
        /// Mount data.
        options: String,
        /// Mount point.
        target: PathBuf,
        /// The OS error text with a hint.
        reason: String,
    },
}

/// What to attach and mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Server address.
    pub server: Ipv4Addr,
    /// TCP port.
    pub port: u16,
    /// Export name.
    pub export: String,
    /// Filesystem type (`root=nbd:...:fstype`, else `rootfstype=`), None: probe.
    pub fstype: Option<String>,
    /// Mount data (`rootflags=`), e.g. `compress=lzo`.
    pub flags: Option<String>,
    /// Mount read-only.
    pub read_only: bool,
}

/// What was attached and mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mounted {
    /// The export as negotiated.
    pub export: Export,
    /// The device (`/dev/nbd0`).
    pub device: PathBuf,
    /// Whether the netlink interface attached it (false: ioctl + helper).
    pub netlink: bool,
    /// The filesystem type mounted.
    pub fstype: String,
}

/// The device netroot attaches.
pub const DEVICE: &str = "/dev/nbd0";
/// Per-request timeout handed to the kernel (seconds).
pub const IO_TIMEOUT: u64 = 30;
/// How long the kernel waits for a reconnect after the connection died
/// before failing I/O (seconds): long enough for a server restart.
pub const DEAD_CONN_TIMEOUT: u64 = 120;
/// argv[0] of the ioctl-mode helper: the leading `@` makes systemd leave it
/// running at shutdown (systemd's "root storage daemon" convention).
pub const HELPER_ARGV0: &str = "@netroot-nbd";

/// Connect over TCP and run the handshake until the deadline, retrying the
/// connection with backoff. Returns the stream in transmission phase.
pub fn connect(
    server: Ipv4Addr,
    port: u16,
    export: &str,
    deadline: Instant,
) -> Result<(TcpStream, Export), Error> {
    let addr = SocketAddrV4::new(server, port);
    let mut round = 0u32;
    let mut rng = super::dns::jitter_seed() | 1;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let attempt = TcpStream::connect_timeout(
            &addr.into(),
            left.max(Duration::from_millis(100))
                .min(Duration::from_secs(10)),
        );
        match attempt {
            Ok(s) => return negotiate(s, server, port, export, deadline),
            Err(e) => {
                rng ^= rng << 13;
                rng ^= rng >> 17;
                rng ^= rng << 5;
                let wait = super::nfs::backoff(round, rng);
                if Instant::now() + wait >= deadline {
                    return Err(Error::Connect {
                        server,
                        port,
                        reason: e.to_string(),
                    });
                }
                crate::warn!(
                    "nbd server {addr}: {e}; retrying in {:.1} s",
                    wait.as_secs_f32()
                );
                std::thread::sleep(wait);
                round += 1;
            }
        }
    }
}

/// Run the handshake on a connected stream.
pub fn negotiate(
    mut s: TcpStream,
    server: Ipv4Addr,
    port: u16,
    export: &str,
    deadline: Instant,
) -> Result<(TcpStream, Export), Error> {
    let hs_err = |source| Error::Handshake {
        server,
        port,
        export: export.to_string(),
        source,
    };
    let io_err = |e: std::io::Error| hs_err(handshake::Error::Protocol(format!("connection: {e}")));
    let _ = s.set_nodelay(true);
    let mut hs = Handshake::new(export).map_err(hs_err)?;
    let mut buf = [0u8; 4096];
    loop {
        let out = hs.take_output();
        if !out.is_empty() {
            s.write_all(&out).map_err(io_err)?;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(hs_err(handshake::Error::Protocol("timed out".into())));
        }
        s.set_read_timeout(Some(left)).map_err(io_err)?;
        let n = s.read(&mut buf).map_err(io_err)?;
        if n == 0 {
            return Err(hs_err(hs.eof()));
        }
        match hs.receive(&buf[..n]).map_err(hs_err)? {
            handshake::Status::NeedMore => {}
            handshake::Status::Done(e) => {
                let out = hs.take_output();
                if !out.is_empty() {
                    s.write_all(&out).map_err(io_err)?;
                }
                let _ = s.set_read_timeout(None);
                crate::info!(
                    "nbd {server}:{port} export \"{export}\": {} bytes, flags {:#06x}, block size {}",
                    e.size,
                    e.flags,
                    e.kernel_block_size()
                );
                return Ok((s, e));
            }
        }
    }
}

pub mod genl {
    //! Generic netlink messages for the kernel's "nbd" family, PURE.
    //! Layouts: netlink(7), genetlink.h, nbd-netlink.h.

    /// `GENL_ID_CTRL`: the controller family.
    pub const GENL_ID_CTRL: u16 = 0x10;
    const CTRL_CMD_GETFAMILY: u8 = 3;
    const CTRL_ATTR_FAMILY_ID: u16 = 1;
    const CTRL_ATTR_FAMILY_NAME: u16 = 2;
    const NLM_F_REQUEST: u16 = 1;
    const NLM_F_ACK: u16 = 4;
    const NLMSG_ERROR: u16 = 2;
    const NLA_F_NESTED: u16 = 1 << 15;
    /// `NBD_CMD_CONNECT`.
    pub const NBD_CMD_CONNECT: u8 = 1;
    /// `NBD_CMD_DISCONNECT`.
    pub const NBD_CMD_DISCONNECT: u8 = 2;
    const NBD_GENL_VERSION: u8 = 1;
    const NBD_ATTR_INDEX: u16 = 1;
    const NBD_ATTR_SIZE_BYTES: u16 = 2;
    const NBD_ATTR_BLOCK_SIZE_BYTES: u16 = 3;
    const NBD_ATTR_TIMEOUT: u16 = 4;
    const NBD_ATTR_SERVER_FLAGS: u16 = 5;
    const NBD_ATTR_SOCKETS: u16 = 7;
    const NBD_ATTR_DEAD_CONN_TIMEOUT: u16 = 8;
    const NBD_SOCK_ITEM: u16 = 1;
    const NBD_SOCK_FD: u16 = 1;

    fn attr(buf: &mut Vec<u8>, ty: u16, payload: &[u8]) {
        let len = 4 + payload.len();
        buf.extend_from_slice(&(len as u16).to_ne_bytes());
        buf.extend_from_slice(&ty.to_ne_bytes());
        buf.extend_from_slice(payload);
        while buf.len() % 4 != 0 {
            buf.push(0);
        }
    }

    fn message(family: u16, flags: u16, seq: u32, cmd: u8, version: u8, attrs: &[u8]) -> Vec<u8> {
        let len = 16 + 4 + attrs.len();
        let mut m = Vec::with_capacity(len);
        m.extend_from_slice(&(len as u32).to_ne_bytes());
        m.extend_from_slice(&family.to_ne_bytes());
        m.extend_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&[cmd, version, 0, 0]);
        m.extend_from_slice(attrs);
        m
    }

    /// CTRL_CMD_GETFAMILY for `name`.
    pub fn get_family(seq: u32, name: &str) -> Vec<u8> {
        let mut a = Vec::new();
        let mut n = name.as_bytes().to_vec();
        n.push(0);
        attr(&mut a, CTRL_ATTR_FAMILY_NAME, &n);
        message(GENL_ID_CTRL, 0, seq, CTRL_CMD_GETFAMILY, 1, &a)
    }

    /// The parameters of NBD_CMD_CONNECT.
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

    /// NBD_CMD_CONNECT with the socket nested as SOCKETS/ITEM/FD.
    pub fn connect(family: u16, seq: u32, c: &Connect) -> Vec<u8> {
        let mut a = Vec::new();
        attr(&mut a, NBD_ATTR_INDEX, &c.index.to_ne_bytes());
        attr(&mut a, NBD_ATTR_SIZE_BYTES, &c.size.to_ne_bytes());
        attr(
            &mut a,
            NBD_ATTR_BLOCK_SIZE_BYTES,
            &c.block_size.to_ne_bytes(),
        );
        attr(&mut a, NBD_ATTR_SERVER_FLAGS, &c.server_flags.to_ne_bytes());
        attr(&mut a, NBD_ATTR_TIMEOUT, &c.timeout.to_ne_bytes());
        attr(
            &mut a,
            NBD_ATTR_DEAD_CONN_TIMEOUT,
            &c.dead_conn_timeout.to_ne_bytes(),
        );
        let mut fd = Vec::new();
        attr(&mut fd, NBD_SOCK_FD, &c.fd.to_ne_bytes());
        let mut item = Vec::new();
        attr(&mut item, NBD_SOCK_ITEM | NLA_F_NESTED, &fd);
        attr(&mut a, NBD_ATTR_SOCKETS | NLA_F_NESTED, &item);
        message(
            family,
            NLM_F_ACK,
            seq,
            NBD_CMD_CONNECT,
            NBD_GENL_VERSION,
            &a,
        )
    }

    /// NBD_CMD_DISCONNECT of device `index` (include/uapi/linux/nbd-netlink.h).
    pub fn disconnect(family: u16, seq: u32, index: u32) -> Vec<u8> {
        let mut a = Vec::new();
        attr(&mut a, NBD_ATTR_INDEX, &index.to_ne_bytes());
        message(
            family,
            NLM_F_ACK,
            seq,
            NBD_CMD_DISCONNECT,
            NBD_GENL_VERSION,
            &a,
        )
    }

    /// What one datagram from the kernel says about request `seq`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Reply {
        /// An NLMSG_ERROR with error 0 (ack).
        Ack,
        /// An NLMSG_ERROR with a negative errno (positive here).
        Errno(i32),
        /// The family id from a GETFAMILY reply.
        Family(u16),
        /// Nothing conclusive yet (other messages).
        Pending,
    }

    fn ne16(b: &[u8]) -> u16 {
        u16::from_ne_bytes([b[0], b[1]])
    }
    fn ne32(b: &[u8]) -> u32 {
        u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Parse a datagram for replies to `seq`. Bounds-checked: a short or
    /// inconsistent message ends the parse.
    pub fn parse(buf: &[u8], seq: u32) -> Reply {
        let mut i = 0usize;
        let mut out = Reply::Pending;
        while buf.len() >= i + 16 {
            let len = ne32(&buf[i..]) as usize;
            if len < 16 || i + len > buf.len() {
                break;
            }
            let ty = ne16(&buf[i + 4..]);
            let mseq = ne32(&buf[i + 8..]);
            let body = &buf[i + 16..i + len];
            if mseq == seq {
                if ty == NLMSG_ERROR && body.len() >= 4 {
                    let err = ne32(body) as i32;
                    return if err == 0 {
                        if out == Reply::Pending {
                            Reply::Ack
                        } else {
                            out
                        }
                    } else {
                        Reply::Errno(-err)
                    };
                }
                if ty == GENL_ID_CTRL && body.len() >= 4 {
                    let mut j = 4;
                    while body.len() >= j + 4 {
                        let alen = ne16(&body[j..]) as usize;
                        let aty = ne16(&body[j + 2..]) & 0x3fff;
                        if alen < 4 || j + alen > body.len() {
                            break;
                        }
                        if aty == CTRL_ATTR_FAMILY_ID && alen >= 6 {
                            out = Reply::Family(ne16(&body[j + 4..]));
                        }
                        j += (alen + 3) & !3;
                    }
                }
            }
            i += (len + 3) & !3;
        }
        out
    }
}

/// Attach the negotiated connection to `/dev/nbd<index>` via netlink. The
/// Wait for the kernel's answer to request `seq` on a generic netlink socket.
fn genl_wait(sock: &crate::sys::genl::GenlSocket, seq: u32) -> std::io::Result<genl::Reply> {
    loop {
        match genl::parse(&sock.recv()?, seq) {
            genl::Reply::Pending => continue,
            r => return Ok(r),
        }
    }
}

/// Open a generic netlink socket and look up the "nbd" family (request 1).
fn nbd_family() -> std::io::Result<(crate::sys::genl::GenlSocket, u16)> {
    let sock = crate::sys::genl::GenlSocket::open(Duration::from_secs(5))?;
    sock.send(&genl::get_family(1, "nbd"))?;
    match genl_wait(&sock, 1)? {
        genl::Reply::Family(f) => Ok((sock, f)),
        genl::Reply::Errno(n) => Err(std::io::Error::from_raw_os_error(n)),
        _ => Err(std::io::Error::other("no nbd genetlink family")),
    }
}

/// kernel takes its own reference on the socket.
fn attach_netlink(stream: &TcpStream, e: &Export, index: u32) -> std::io::Result<()> {
    let (sock, family) = nbd_family()?;
    let wait = |seq: u32| genl_wait(&sock, seq);
    let c = genl::Connect {
        index,
        size: e.size,
        block_size: u64::from(e.kernel_block_size()),
        server_flags: u64::from(e.flags),
        timeout: IO_TIMEOUT,
        dead_conn_timeout: DEAD_CONN_TIMEOUT,
        fd: stream.as_raw_fd() as u32,
    };
    sock.send(&genl::connect(family, 2, &c))?;
    match wait(2)? {
        genl::Reply::Ack | genl::Reply::Family(_) => Ok(()),
        genl::Reply::Errno(n) => Err(std::io::Error::from_raw_os_error(n)),
        genl::Reply::Pending => Err(std::io::Error::other("no reply to NBD_CMD_CONNECT")),
    }
}

/// Detach device `index` through netlink (after a failed probe or mount,
/// so that the next try finds the device free instead of EBUSY).
fn detach_netlink(index: u32) -> std::io::Result<()> {
    let (sock, family) = nbd_family()?;
    let wait = |seq: u32| genl_wait(&sock, seq);
    sock.send(&genl::disconnect(family, 2, index))?;
    match wait(2)? {
        genl::Reply::Ack | genl::Reply::Family(_) => Ok(()),
        genl::Reply::Errno(n) => Err(std::io::Error::from_raw_os_error(n)),
        genl::Reply::Pending => Err(std::io::Error::other("no reply to NBD_CMD_DISCONNECT")),
    }
}

/// Detach an ioctl-attached device: NBD_DISCONNECT ends the helper's
/// NBD_DO_IT, NBD_CLEAR_SOCK drops the socket.
fn detach_ioctl(device: &Path) -> std::io::Result<()> {
    use crate::sys::fs::nbd_ioctl as io;
    let dev = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(device)?;
    io(&dev, crate::sys::fs::nbd_ioctl::DISCONNECT, 0)?;
    io(&dev, crate::sys::fs::nbd_ioctl::CLEAR_SOCK, 0)
}

/// Attach through the ioctl interface and start the persistent helper that
/// sits in NBD_DO_IT for the life of the system.
fn attach_ioctl(stream: TcpStream, e: &Export, device: &Path) -> std::io::Result<()> {
    use crate::sys::fs::nbd_ioctl as io;
    use crate::sys::fs::nbd_ioctl::*;
    let dev = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(device)?;
    let bs = u64::from(e.kernel_block_size());
    io(&dev, SET_BLKSIZE, bs)?;
    io(&dev, SET_SIZE_BLOCKS, e.size / bs)?;
    io(&dev, SET_FLAGS, u64::from(e.flags))?;
    io(&dev, SET_TIMEOUT, IO_TIMEOUT)?;
    io(&dev, SET_SOCK, stream.as_raw_fd() as u64)?;
    crate::sys::fs::clear_cloexec(dev.as_fd())?;
    // Re-exec ourselves under the `@` name: only argv[0] of an exec'd
    // process shows in /proc/PID/cmdline, which is what systemd checks.
    use std::os::unix::process::CommandExt;
    let child = std::process::Command::new("/proc/self/exe")
        .arg0(HELPER_ARGV0)
        .arg(dev.as_raw_fd().to_string())
        .stdin(std::process::Stdio::null())
        .spawn()?;
    crate::info!(
        "nbd helper {} (pid {}) serves {}",
        HELPER_ARGV0,
        child.id(),
        device.display()
    );
    drop(stream);
    // The device is live once NBD_DO_IT has started it (sysfs shows a pid).
    let name = device
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("nbd0");
    let pid = Path::new("/sys/block").join(name).join("pid");
    let until = Instant::now() + Duration::from_secs(5);
    while !pid.exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// Entry point of the ioctl-mode helper (argv[0] = [`HELPER_ARGV0`], argv[1]
/// = the inherited device fd): sit in NBD_DO_IT until the connection ends.
/// `main` dispatches here when argv[0] starts with `@netroot-nbd`.
pub fn helper_main(args: &[String]) -> i32 {
    let Some(fd) = args.get(1).and_then(|s| s.parse::<i32>().ok()) else {
        crate::error!("nbd helper: missing device descriptor argument");
        return 2;
    };
    match crate::sys::fs::nbd_do_it(fd) {
        Ok(()) => 0,
        Err(e) => {
            crate::error!("nbd helper: NBD_DO_IT on fd {fd}: {e}");
            1
        }
    }
}

/// Guess the filesystem from the first 64 KiB + 4 KiB of the device (PURE).
/// Magic numbers: btrfs `_BHRfS_M` at 0x10040, ext2/3/4 0xEF53 at 1080,
/// xfs `XFSB` at 0, squashfs `hsqs` at 0.
pub fn probe(buf: &[u8]) -> Option<&'static str> {
    if buf.get(0x10040..0x10048) == Some(b"_BHRfS_M") {
        return Some("btrfs");
    }
    if buf.get(0..4) == Some(b"XFSB") {
        return Some("xfs");
    }
    if buf.get(0..4) == Some(b"hsqs") {
        return Some("squashfs");
    }
    if buf.get(1080..1082) == Some(&[0x53, 0xef]) {
        return Some("ext4");
    }
    None
}

/// Bytes [`probe`] needs.
pub const PROBE_LEN: usize = 0x10040 + 8;

/// Find the file system on the attached device (unless given) and mount it.
fn probe_and_mount(
    req: &Request,
    export: &Export,
    device: &Path,
    target: &Path,
) -> Result<String, Error> {
    let device = device.to_path_buf();
    let fstype = match &req.fstype {
        Some(t) => t.clone(),
        None => {
            let mut buf = vec![0u8; PROBE_LEN];
            let read = std::fs::File::open(&device).and_then(|mut f| f.read_exact(&mut buf));
            match read.ok().and_then(|()| probe(&buf)) {
                Some(t) => t.to_string(),
                None => return Err(Error::Probe { device }),
            }
        }
    };
    let options = req.flags.clone().unwrap_or_default();
    let mut flags = crate::sys::fs::MountFlags::empty();
    if req.read_only || export.read_only() {
        flags |= crate::sys::fs::MountFlags::RDONLY;
    }
    let dev = device.to_string_lossy().into_owned();
    let data = (!options.is_empty()).then_some(options.as_str());
    crate::sys::fs::mount(&dev, target, &fstype, flags, data).map_err(|e| Error::Mount {
        device: device.clone(),
        fstype: fstype.clone(),
        options: options.clone(),
        target: target.to_path_buf(),
        reason: match e.raw_os_error() {
            Some(libc::ENODEV) => format!("kernel lacks {fstype} (module not loaded?): {e}"),
            Some(libc::EINVAL) => format!("bad options or not a {fstype} filesystem: {e}"),
            _ => e.to_string(),
        },
    })?;
    Ok(fstype)
}

/// Negotiate, attach `/dev/nbd0`, and mount its filesystem at `target`.
pub fn mount(req: &Request, target: &Path, deadline: Instant) -> Result<Mounted, Error> {
    let device = PathBuf::from(DEVICE);
    if !device.exists() {
        // devtmpfs makes the node when nbd loads; without devtmpfs, make it
        // (block major 43, Documentation/admin-guide/devices.txt).
        if let Err(e) = crate::sys::fs::mknod_block(&device, 43, 0) {
            crate::warn!("cannot create {}: {e}", device.display());
        }
    }
    let (stream, export) = connect(req.server, req.port, &req.export, deadline)?;
    let netlink = match attach_netlink(&stream, &export, 0) {
        Ok(()) => {
            crate::info!("attached {} through netlink", device.display());
            drop(stream);
            true
        }
        Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
            return Err(Error::Attach {
                device,
                reason: format!("device busy (already connected?): {e}"),
            })
        }
        Err(e) => {
            crate::warn!(
                "netlink attach of {} failed ({e}); using the ioctl interface",
                device.display()
            );
            attach_ioctl(stream, &export, &device).map_err(|err| Error::Attach {
                device: device.clone(),
                reason: format!("netlink: {e}; ioctl: {err}"),
            })?;
            false
        }
    };
    let detach = |why: &Error| {
        crate::debug!("detaching {} after: {why}", device.display());
        let r = if netlink {
            detach_netlink(0)
        } else {
            detach_ioctl(&device)
        };
        if let Err(e) = r {
            crate::warn!("cannot detach {}: {e}", device.display());
        }
    };
    let fstype = match probe_and_mount(req, &export, &device, target) {
        Ok(t) => t,
        Err(e) => {
            detach(&e);
            return Err(e);
        }
    };
    crate::info!(
        "mounted {} ({fstype}) on {}",
        device.display(),
        target.display()
    );
    Ok(Mounted {
        export,
        device,
        netlink,
        fstype,
    })
}

#[cfg(test)]
mod tests {
    use super::handshake::*;
    use super::*;

    fn greeting(flags: u16) -> Vec<u8> {
        let mut g = NBDMAGIC.to_be_bytes().to_vec();
        g.extend_from_slice(&IHAVEOPT.to_be_bytes());
        g.extend_from_slice(&flags.to_be_bytes());
        g
    }

    fn reply(ty: u32, payload: &[u8]) -> Vec<u8> {
        let mut r = REPLY_MAGIC.to_be_bytes().to_vec();
        r.extend_from_slice(&OPT_GO.to_be_bytes());
        r.extend_from_slice(&ty.to_be_bytes());
        r.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        r.extend_from_slice(payload);
        r
    }

    fn info_export(size: u64, flags: u16) -> Vec<u8> {
        let mut p = INFO_EXPORT.to_be_bytes().to_vec();
        p.extend_from_slice(&size.to_be_bytes());
        p.extend_from_slice(&flags.to_be_bytes());
        reply(REP_INFO, &p)
    }

    fn info_block(min: u32, pref: u32, max: u32) -> Vec<u8> {
        let mut p = INFO_BLOCK_SIZE.to_be_bytes().to_vec();
        for v in [min, pref, max] {
            p.extend_from_slice(&v.to_be_bytes());
        }
        reply(REP_INFO, &p)
    }

    fn run(export: &str, server: &[u8]) -> (Result<Status, handshake::Error>, Vec<u8>) {
        let mut h = Handshake::new(export).unwrap();
        let mut last = Ok(Status::NeedMore);
        // Byte by byte: the machine must not depend on read boundaries.
        for b in server {
            last = h.receive(&[*b]);
            if !matches!(last, Ok(Status::NeedMore)) {
                break;
            }
        }
        (last, h.take_output())
    }

    #[test]
    fn go_happy_path() {
        let mut s = greeting(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
        s.extend(info_export(1 << 20, TFLAG_HAS_FLAGS | TFLAG_READ_ONLY));
        s.extend(info_block(512, 4096, 1 << 25));
        s.extend(reply(REP_ACK, &[]));
        let (r, out) = run("root", &s);
        let Ok(Status::Done(e)) = r else {
            panic!("{r:?}")
        };
        assert_eq!(e.size, 1 << 20);
        assert!(e.read_only() && e.via_go);
        assert_eq!(e.block.unwrap().preferred, 4096);
        assert_eq!(e.kernel_block_size(), 512);
        // client flags FIXED|NO_ZEROES, then NBD_OPT_GO "root" with 2 info requests.
        assert_eq!(&out[..4], &[0, 0, 0, 3]);
        assert_eq!(&out[4..12], &IHAVEOPT.to_be_bytes());
        assert_eq!(&out[12..16], &OPT_GO.to_be_bytes());
        assert_eq!(&out[16..20], &14u32.to_be_bytes());
        assert_eq!(&out[20..28], b"\0\0\0\x04root");
        assert_eq!(&out[28..], &[0, 2, 0, 0, 0, 3]);
    }

    #[test]
    fn falls_back_to_export_name() {
        let mut s = greeting(FLAG_FIXED_NEWSTYLE);
        s.extend(reply(REP_ERR_UNSUP, b""));
        s.extend_from_slice(&(8u64 << 20).to_be_bytes());
        s.extend_from_slice(&1u16.to_be_bytes());
        s.extend_from_slice(&[0u8; 124]);
        let (r, out) = run("x", &s);
        let Ok(Status::Done(e)) = r else {
            panic!("{r:?}")
        };
        assert!(!e.via_go);
        assert_eq!(e.size, 8 << 20);
        // After the GO option, an EXPORT_NAME option follows.
        let tail = &out[out.len() - 17..];
        assert_eq!(&tail[..8], &IHAVEOPT.to_be_bytes());
        assert_eq!(&tail[8..12], &OPT_EXPORT_NAME.to_be_bytes());
        assert_eq!(&tail[12..16], &1u32.to_be_bytes());
        assert_eq!(tail[16], b'x');
    }

    #[test]
    fn non_fixed_server_gets_export_name_directly() {
        let mut h = Handshake::new("").unwrap();
        assert_eq!(h.receive(&greeting(0)).unwrap(), Status::NeedMore);
        let out = h.take_output();
        assert_eq!(&out[..4], &[0, 0, 0, 0]);
        assert_eq!(&out[12..16], &OPT_EXPORT_NAME.to_be_bytes());
        assert_eq!(h.eof(), handshake::Error::Closed(" (no such export?)"));
    }

    #[test]
    fn liars_and_garbage() {
        let ok = |size: u64, flags: u16| {
            let mut s = greeting(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
            s.extend(info_export(size, flags));
            s.extend(reply(REP_ACK, &[]));
            run("", &s).0
        };
        assert!(matches!(
            ok(0, 1),
            Err(handshake::Error::BadSize { reason: "zero", .. })
        ));
        assert!(matches!(
            ok(u64::MAX, 1),
            Err(handshake::Error::BadSize { .. })
        ));
        assert!(matches!(ok(1000, 1), Err(handshake::Error::BadSize { .. })));
        assert!(matches!(ok(4096, 0), Err(handshake::Error::Protocol(_))));
        assert!(matches!(ok(4096, 1), Ok(Status::Done(_))));

        let (r, _) = run("", b"HTTP/1.1 400 Bad Request\r\n");
        assert!(matches!(r, Err(handshake::Error::BadMagic(_))));
        let mut old = NBDMAGIC.to_be_bytes().to_vec();
        old.extend_from_slice(&OLDSTYLE_MAGIC.to_be_bytes());
        assert_eq!(run("", &old).0, Err(handshake::Error::Oldstyle));

        // Reply length beyond the bound.
        let mut s = greeting(1);
        let mut r = reply(REP_INFO, &[]);
        r[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
        s.extend(r);
        assert!(matches!(run("", &s).0, Err(handshake::Error::Protocol(_))));

        // Wrong INFO_EXPORT length; ACK without size; unknown export; TLS.
        let mut s = greeting(1);
        s.extend(reply(REP_INFO, &[0, 0, 1, 2]));
        assert!(matches!(run("", &s).0, Err(handshake::Error::Protocol(_))));
        let mut s = greeting(1);
        s.extend(reply(REP_ACK, &[]));
        assert!(matches!(run("", &s).0, Err(handshake::Error::Protocol(_))));
        let mut s = greeting(1);
        s.extend(reply(REP_ERR_UNKNOWN, b"no"));
        assert_eq!(run("", &s).0, Err(handshake::Error::UnknownExport));
        let mut s = greeting(1);
        s.extend(reply(REP_ERR_TLS_REQD, b""));
        assert_eq!(run("", &s).0, Err(handshake::Error::TlsRequired));
        // Bad block sizes.
        let mut s = greeting(1);
        s.extend(info_block(3, 4096, 4096));
        assert!(matches!(
            run("", &s).0,
            Err(handshake::Error::BadBlockSize { .. })
        ));
        // Size a multiple of a 4 KiB minimum but not of 512 cannot happen;
        // size 1000 with min 8 is accepted (multiple of the minimum).
        let mut s = greeting(1);
        s.extend(info_block(8, 4096, 1 << 20));
        s.extend(info_export(1000, 1));
        s.extend(reply(REP_ACK, &[]));
        assert!(matches!(run("", &s).0, Ok(Status::Done(_))));
        // Trailing bytes after ACK.
        let mut s = greeting(1);
        s.extend(info_export(4096, 1));
        s.extend(reply(REP_ACK, &[]));
        s.push(0);
        let mut h = Handshake::new("").unwrap();
        assert!(h.receive(&s).is_err());
        assert!(h.receive(&[]).is_err(), "a failed machine stays failed");
        assert!(Handshake::new(&"n".repeat(5000)).is_err());
    }

    #[test]
    fn probe_magics() {
        let mut b = vec![0u8; PROBE_LEN];
        assert_eq!(probe(&b), None);
        b[1080] = 0x53;
        b[1081] = 0xef;
        assert_eq!(probe(&b), Some("ext4"));
        b[0x10040..0x10048].copy_from_slice(b"_BHRfS_M");
        assert_eq!(probe(&b), Some("btrfs"));
        assert_eq!(probe(b"XFSB"), Some("xfs"));
        assert_eq!(probe(&[1, 2]), None);
    }

    #[test]
    fn genl_messages() {
        let m = genl::get_family(7, "nbd");
        assert_eq!(
            u32::from_ne_bytes(m[0..4].try_into().unwrap()) as usize,
            m.len()
        );
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), genl::GENL_ID_CTRL);
        assert_eq!(&m[24..28], b"nbd\0");
        let c = genl::Connect {
            index: 0,
            size: 1 << 30,
            block_size: 512,
            server_flags: 3,
            timeout: 30,
            dead_conn_timeout: 120,
            fd: 5,
        };
        let m = genl::connect(0x20, 9, &c);
        assert_eq!(m.len() % 4, 0);
        assert_eq!(
            u32::from_ne_bytes(m[0..4].try_into().unwrap()) as usize,
            m.len()
        );
        // The nest ends with SOCKETS{ITEM{FD=5}}.
        assert_eq!(&m[m.len() - 4..], &5u32.to_ne_bytes());
        // An ack and an error for seq 9.
        let mut ack = Vec::new();
        ack.extend_from_slice(&36u32.to_ne_bytes());
        ack.extend_from_slice(&2u16.to_ne_bytes());
        ack.extend_from_slice(&0u16.to_ne_bytes());
        ack.extend_from_slice(&9u32.to_ne_bytes());
        ack.extend_from_slice(&0u32.to_ne_bytes());
        ack.extend_from_slice(&0i32.to_ne_bytes());
        ack.extend_from_slice(&[0u8; 16]);
        assert_eq!(genl::parse(&ack, 9), genl::Reply::Ack);
        assert_eq!(genl::parse(&ack, 8), genl::Reply::Pending);
        ack[16..20].copy_from_slice(&(-16i32).to_ne_bytes());
        assert_eq!(genl::parse(&ack, 9), genl::Reply::Errno(16));
        assert_eq!(genl::parse(&ack[..10], 9), genl::Reply::Pending);
    }
}

//! The client side of the fixed-newstyle negotiation, PURE: feed it the
//! server's bytes, send what it queues, until it yields an [`Export`].
//!
//! Protocol: the NBD protocol document (NetworkBlockDevice/nbd doc/proto.md),
//! sections "Fixed newstyle negotiation", "NBD_OPT_GO", "NBD_OPT_EXPORT_NAME".

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
            State::Done => return Err(Error::Protocol("data after the handshake ended".into())),
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

#[cfg(test)]
mod tests {
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

    fn run(export: &str, server: &[u8]) -> (Result<Status, Error>, Vec<u8>) {
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
        assert_eq!(h.eof(), Error::Closed(" (no such export?)"));
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
            Err(Error::BadSize { reason: "zero", .. })
        ));
        assert!(matches!(ok(u64::MAX, 1), Err(Error::BadSize { .. })));
        assert!(matches!(ok(1000, 1), Err(Error::BadSize { .. })));
        assert!(matches!(ok(4096, 0), Err(Error::Protocol(_))));
        assert!(matches!(ok(4096, 1), Ok(Status::Done(_))));

        let (r, _) = run("", b"HTTP/1.1 400 Bad Request\r\n");
        assert!(matches!(r, Err(Error::BadMagic(_))));
        let mut old = NBDMAGIC.to_be_bytes().to_vec();
        old.extend_from_slice(&OLDSTYLE_MAGIC.to_be_bytes());
        assert_eq!(run("", &old).0, Err(Error::Oldstyle));

        // Reply length beyond the bound.
        let mut s = greeting(1);
        let mut r = reply(REP_INFO, &[]);
        r[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
        s.extend(r);
        assert!(matches!(run("", &s).0, Err(Error::Protocol(_))));

        // Wrong INFO_EXPORT length; ACK without size; unknown export; TLS.
        let mut s = greeting(1);
        s.extend(reply(REP_INFO, &[0, 0, 1, 2]));
        assert!(matches!(run("", &s).0, Err(Error::Protocol(_))));
        let mut s = greeting(1);
        s.extend(reply(REP_ACK, &[]));
        assert!(matches!(run("", &s).0, Err(Error::Protocol(_))));
        let mut s = greeting(1);
        s.extend(reply(REP_ERR_UNKNOWN, b"no"));
        assert_eq!(run("", &s).0, Err(Error::UnknownExport));
        let mut s = greeting(1);
        s.extend(reply(REP_ERR_TLS_REQD, b""));
        assert_eq!(run("", &s).0, Err(Error::TlsRequired));
        // Bad block sizes.
        let mut s = greeting(1);
        s.extend(info_block(3, 4096, 4096));
        assert!(matches!(run("", &s).0, Err(Error::BadBlockSize { .. })));
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
}

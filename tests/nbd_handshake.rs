//! NBD handshake against a real nbd-server on 127.0.0.1 (no kernel attach:
//! the host may lack the nbd module; the attach is proven in QEMU), plus
//! property tests: arbitrary server bytes never panic the machine.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use netroot::root::nbd::{self, handshake};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn nbd_server() -> Option<PathBuf> {
    [
        "/usr/bin/nbd-server",
        "/usr/sbin/nbd-server",
        "/bin/nbd-server",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn free_port(listen: IpAddr) -> u16 {
    TcpListener::bind((listen, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start nbd-server with a temp config: export `root` (1 MiB, btrfs magic
/// planted so the probe can be checked on the served bytes) and `odd`.
fn start(tag: &str) -> Option<Server> {
    start_on(tag, IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// [`start`] listening on `listen` (an IPv6 address too).
fn start_on(tag: &str, listen: IpAddr) -> Option<Server> {
    let Some(bin) = nbd_server() else {
        eprintln!("skipped: nbd-server not installed");
        return None;
    };
    let dir = std::env::temp_dir().join(format!("netroot-nbd-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut img = vec![0u8; 1 << 20];
    img[0x10040..0x10048].copy_from_slice(b"_BHRfS_M");
    std::fs::write(dir.join("root.img"), &img).unwrap();
    let port = free_port(listen);
    let cfg = format!(
        "[generic]\nlistenaddr = {listen}\nport = {port}\n\n[root]\nexportname = {}\nreadonly = true\n",
        dir.join("root.img").display()
    );
    std::fs::write(dir.join("config"), cfg).unwrap();
    let child = Command::new(bin)
        .arg("-C")
        .arg(dir.join("config"))
        .arg("-d")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let s = Server { child, port, dir };
    // No probe connection: `nbd-server -d` serves exactly one client and
    // exits. `nbd::connect` retries refused connections until the deadline.
    Some(s)
}

#[test]
fn handshake_with_real_nbd_server() {
    let Some(s) = start("go") else { return };
    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut stream, e) = nbd::connect(Ipv4Addr::LOCALHOST, s.port, "root", deadline).unwrap();
    assert_eq!(e.size, 1 << 20);
    assert!(e.via_go, "nbd-server supports NBD_OPT_GO");
    assert!(
        e.read_only(),
        "export is readonly = true: flags {:#x}",
        e.flags
    );
    assert_eq!(e.kernel_block_size() % 512, 0);

    // The connection is in transmission phase: read 8 bytes at 0x10040
    // with NBD_CMD_READ and find the planted magic (proto.md "Request message").
    use std::io::{Read, Write};
    let mut req = Vec::new();
    req.extend_from_slice(&0x2560_9513u32.to_be_bytes()); // NBD_REQUEST_MAGIC
    req.extend_from_slice(&0u16.to_be_bytes()); // flags
    req.extend_from_slice(&0u16.to_be_bytes()); // NBD_CMD_READ
    req.extend_from_slice(&42u64.to_be_bytes()); // handle
    req.extend_from_slice(&0x10040u64.to_be_bytes());
    req.extend_from_slice(&8u32.to_be_bytes());
    stream.write_all(&req).unwrap();
    let mut rep = [0u8; 16 + 8];
    stream.read_exact(&mut rep).unwrap();
    assert_eq!(&rep[..4], &0x6744_6698u32.to_be_bytes()); // simple reply magic
    assert_eq!(&rep[4..8], &[0, 0, 0, 0], "error field");
    assert_eq!(&rep[8..16], &42u64.to_be_bytes());
    assert_eq!(&rep[16..], b"_BHRfS_M");
}

/// `root=nbd:[::1]:<port>/root`: the connect and handshake over IPv6.
#[test]
fn handshake_over_ipv6() {
    let Some(s) = start_on("v6", IpAddr::V6(Ipv6Addr::LOCALHOST)) else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let spec =
        netroot::cmdline::root::parse_dracut_nbd("root", &format!("nbd:[::1]:{}/root", s.port))
            .unwrap();
    let server = spec.server.addr().unwrap();
    assert!(server.is_ipv6());
    let (stream, e) = nbd::connect(server, spec.port, &spec.export, deadline).unwrap();
    assert_eq!(e.size, 1 << 20);
    assert!(stream.peer_addr().unwrap().is_ipv6());
}

#[test]
fn unknown_export_is_named() {
    let Some(s) = start("unknown") else { return };
    let deadline = Instant::now() + Duration::from_secs(10);
    let e = nbd::connect(Ipv4Addr::LOCALHOST, s.port, "nosuch", deadline).unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(
            e,
            nbd::Error::Handshake {
                source: handshake::Error::UnknownExport,
                ..
            }
        ),
        "{msg}"
    );
    assert!(
        msg.contains("\"nosuch\"") && msg.contains("no such export"),
        "{msg}"
    );
}

#[test]
fn server_down_is_a_clear_timeout() {
    let port = free_port(IpAddr::V4(Ipv4Addr::LOCALHOST)); // nobody listens here
    let t0 = Instant::now();
    let e = nbd::connect(
        Ipv4Addr::LOCALHOST,
        port,
        "root",
        t0 + Duration::from_millis(1500),
    )
    .unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(5));
    let msg = e.to_string();
    assert!(
        msg.contains("server not answering") && msg.contains(&port.to_string()),
        "{msg}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Arbitrary bytes, in arbitrary chunks, never panic.
    #[test]
    fn arbitrary_server_bytes_never_panic(
        data in proptest::collection::vec(any::<u8>(), 0..600),
        cut in 1usize..64,
    ) {
        let mut h = handshake::Handshake::new("root").unwrap();
        for chunk in data.chunks(cut) {
            if h.receive(chunk).is_err() { break; }
            let _ = h.take_output();
        }
    }

    /// A valid greeting followed by arbitrary replies never panics, and any
    /// success reports a size within bounds.
    #[test]
    fn arbitrary_replies_after_greeting(
        flags in any::<u16>(),
        data in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut g = handshake::NBDMAGIC.to_be_bytes().to_vec();
        g.extend_from_slice(&handshake::IHAVEOPT.to_be_bytes());
        g.extend_from_slice(&flags.to_be_bytes());
        // Make replies plausible often: magic + GO prefix on half the cases.
        let mut body = Vec::new();
        if data.first().is_some_and(|b| b & 1 == 0) {
            body.extend_from_slice(&handshake::REPLY_MAGIC.to_be_bytes());
            body.extend_from_slice(&handshake::OPT_GO.to_be_bytes());
        }
        body.extend_from_slice(&data);
        let mut h = handshake::Handshake::new("").unwrap();
        if let Ok(handshake::Status::Done(e)) = h.receive(&g).and_then(|_| h.receive(&body)) {
            prop_assert!(e.size > 0 && e.size <= handshake::MAX_SIZE);
        }
    }
}

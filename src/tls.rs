//! HTTPS for the live root: the CA bundle an image carries, and (feature
//! `https`) a TLS client over a connected socket, rustls with ring as its
//! crypto provider. The server's certificate chain is verified against the
//! bundle and its name against the URL's host (RFC 9110 section 4.3.4: a
//! DNS name or an IP address in subjectAltName, RFC 6125); there is no
//! mode without verification.
//!
//! Without the feature only the bundle's place and its check are here, so
//! that every build of `netroot initramfs` can put a bundle in an image.

/// Where the image carries its CA bundle (PEM), relative to its root.
pub const CA_BUNDLE: &str = "etc/netroot/ca-certificates.crt";

/// The system's bundle that `netroot initramfs` copies by default
/// (Debian's and Arch's update-ca-certificates / update-ca-trust output).
pub const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Whether this build speaks TLS.
pub const ENABLED: bool = cfg!(feature = "https");

/// How many PEM certificates (`-----BEGIN CERTIFICATE-----` blocks, RFC
/// 7468 section 5) a bundle holds. PURE.
pub fn count_certificates(pem: &[u8]) -> usize {
    pem.split(|&b| b == b'\n')
        .filter(|l| l.trim_ascii() == b"-----BEGIN CERTIFICATE-----")
        .count()
}

/// `2026-12-01T13:59:35Z` from seconds since the epoch.
#[cfg(feature = "https")]
fn utc(secs: u64) -> String {
    crate::syslog::timestamp(secs, 0).replace(".000000Z", "Z")
}

/// Why a TLS connection failed. `Fatal` failures are not retried (as for a
/// 404): the server's certificate or the client's bundle is wrong, and
/// asking again will not change it. `Io` is the network's (retried).
#[derive(Debug)]
pub enum Failure {
    /// Refused, in words (certificate not trusted, name mismatch, expired,
    /// no bundle, a TLS alert from the server).
    Fatal(String),
    /// The connection failed underneath.
    Io(std::io::Error),
}

#[cfg(feature = "https")]
pub use imp::*;

#[cfg(feature = "https")]
mod imp {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::path::Path;
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    use rustls::{CertificateError, ClientConfig, ClientConnection, RootCertStore};

    use super::{utc, Failure, CA_BUNDLE};
    use crate::cmdline::Host;

    /// A TLS stream over TCP.
    pub type Stream = rustls::StreamOwned<ClientConnection, TcpStream>;

    /// The client configuration: the bundle's CAs, ring's algorithms,
    /// TLS 1.2 and 1.3 (rustls' safe defaults).
    #[derive(Clone)]
    pub struct Client {
        config: Arc<ClientConfig>,
        certs: usize,
    }

    impl std::fmt::Debug for Client {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "Client({} CAs)", self.certs)
        }
    }

    impl Client {
        /// The trust anchors from the PEM `bundle`; `path` names it in
        /// errors. Certificates that do not parse are skipped (a system
        /// bundle may hold some webpki rejects); none usable is an error.
        pub fn new(bundle: &[u8], path: &str) -> Result<Client, String> {
            let mut roots = RootCertStore::empty();
            for der in CertificateDer::pem_slice_iter(bundle).flatten() {
                let _ = roots.add(der);
            }
            if roots.is_empty() {
                return Err(format!(
                    "the CA bundle {path} holds no usable certificate, so no server can be verified"
                ));
            }
            let certs = roots.len();
            let mut provider = rustls::crypto::ring::default_provider();
            if !aes_in_hardware() {
                prefer_chacha(&mut provider.cipher_suites);
            }
            let provider = Arc::new(provider);
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS configuration: {e}"))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(Client {
                config: Arc::new(config),
                certs,
            })
        }

        /// [`Client::new`] from the image's bundle at `/` + [`CA_BUNDLE`].
        pub fn from_image(root: &Path) -> Result<Client, String> {
            let path = root.join(CA_BUNDLE);
            let shown = path.display().to_string();
            let pem = std::fs::read(&path).map_err(|e| {
                format!(
                    "no CA bundle {shown} in the image ({e}); build it with `netroot initramfs --ca-bundle FILE` or with the system's {}",
                    super::SYSTEM_BUNDLE
                )
            })?;
            Client::new(&pem, &shown)
        }

        /// How many CAs it trusts.
        pub fn len(&self) -> usize {
            self.certs
        }

        /// Whether it trusts none (never: [`Client::new`] refuses that).
        pub fn is_empty(&self) -> bool {
            self.certs == 0
        }

        /// Handshake with `host` over `sock` (connected, with timeouts).
        pub fn connect(&self, host: &Host, sock: TcpStream) -> Result<Stream, Failure> {
            let name = server_name(host)?;
            let conn = ClientConnection::new(self.config.clone(), name)
                .map_err(|e| Failure::Fatal(describe(&e, host)))?;
            let mut stream = rustls::StreamOwned::new(conn, sock);
            while stream.conn.is_handshaking() {
                if let Err(e) = stream.conn.complete_io(&mut stream.sock) {
                    return Err(match tls_error(&e) {
                        Some(t) => Failure::Fatal(describe(t, host)),
                        None => Failure::Io(e),
                    });
                }
            }
            Ok(stream)
        }
    }

    /// Whether this CPU has AES and carry-less multiplication instructions
    /// (what makes AES-GCM fast in ring).
    fn aes_in_hardware() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("aes")
                && std::arch::is_x86_feature_detected!("pclmulqdq")
        }
        #[cfg(target_arch = "aarch64")]
        {
            std::arch::is_aarch64_feature_detected!("aes")
                && std::arch::is_aarch64_feature_detected!("pmull")
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        {
            false
        }
    }

    /// Offer ChaCha20-Poly1305 first (RFC 8446 section 9.1 makes AES-GCM
    /// mandatory, RFC 8439's ChaCha20 is the fast one without AES
    /// instructions); the order is otherwise kept. PURE.
    pub fn prefer_chacha(suites: &mut [rustls::SupportedCipherSuite]) {
        use rustls::CipherSuite as S;
        suites.sort_by_key(|s| {
            !matches!(
                s.suite(),
                S::TLS13_CHACHA20_POLY1305_SHA256
                    | S::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
                    | S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
            )
        });
    }

    /// The session in words: `TLSv1_3 TLS13_CHACHA20_POLY1305_SHA256`.
    pub fn session(s: &Stream) -> String {
        let v = s
            .conn
            .protocol_version()
            .map_or("?".into(), |v| format!("{v:?}"));
        let c = s
            .conn
            .negotiated_cipher_suite()
            .map_or("?".into(), |c| format!("{:?}", c.suite()));
        format!("{v} {c}")
    }

    /// The name the certificate must carry: the URL's host, a DNS name or
    /// an IP address.
    fn server_name(host: &Host) -> Result<ServerName<'static>, Failure> {
        match host {
            Host::Addr(a) => Ok(ServerName::IpAddress((*a).into())),
            Host::Addr6(a) => Ok(ServerName::IpAddress((*a).into())),
            Host::Name(n) => ServerName::try_from(n.clone())
                .map_err(|e| Failure::Fatal(format!("server name {n}: {e}"))),
        }
    }

    /// The rustls error inside an I/O error of the handshake, if any.
    fn tls_error(e: &std::io::Error) -> Option<&rustls::Error> {
        e.get_ref()?.downcast_ref::<rustls::Error>()
    }

    /// A TLS failure in words, naming what is wrong with the certificate
    /// the server `host` showed. PURE.
    pub fn describe(e: &rustls::Error, host: &Host) -> String {
        let bundle = format!("/{CA_BUNDLE}");
        let cert = match e {
            rustls::Error::InvalidCertificate(c) => c,
            rustls::Error::AlertReceived(a) => {
                return format!("TLS handshake refused by the server (alert {a:?})")
            }
            other => return format!("TLS handshake failed: {other}"),
        };
        match cert {
            CertificateError::UnknownIssuer => format!(
                "certificate not trusted: the server's certificate is not signed by a CA in the image's bundle {bundle}"
            ),
            CertificateError::BadSignature => format!(
                "certificate not trusted: a signature in the server's certificate chain does not verify against the bundle {bundle}"
            ),
            CertificateError::NotValidForName => {
                format!("certificate name mismatch: the server's certificate is not valid for {host}")
            }
            CertificateError::NotValidForNameContext { presented, .. } => format!(
                "certificate name mismatch: the server's certificate is not valid for {host} (it names {})",
                if presented.is_empty() {
                    "nothing".to_string()
                } else {
                    presented
                        .iter()
                        .map(|n| super::presented_name(n))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            CertificateError::Expired => {
                "certificate expired: the server's certificate is past its validity (or the client's clock is wrong)".into()
            }
            CertificateError::ExpiredContext { time, not_after } => format!(
                "certificate expired: the server's certificate is valid until {}, the client's clock says {}",
                utc(not_after.as_secs()),
                utc(time.as_secs())
            ),
            CertificateError::NotValidYet => {
                "certificate not yet valid (or the client's clock is wrong)".into()
            }
            CertificateError::NotValidYetContext { time, not_before } => format!(
                "certificate not yet valid: the server's certificate is valid from {}, the client's clock says {}",
                utc(not_before.as_secs()),
                utc(time.as_secs())
            ),
            other => format!("certificate refused: {other}"),
        }
    }

    /// Read and write through whichever the connection is.
    pub enum Conn {
        /// http://
        Plain(TcpStream),
        /// https://
        Tls(Box<Stream>),
    }

    impl Read for Conn {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self {
                Conn::Plain(s) => s.read(buf),
                Conn::Tls(s) => s.read(buf),
            }
        }
    }

    impl Write for Conn {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            match self {
                Conn::Plain(s) => s.write(buf),
                Conn::Tls(s) => s.write(buf),
            }
        }
        fn flush(&mut self) -> std::io::Result<()> {
            match self {
                Conn::Plain(s) => s.flush(),
                Conn::Tls(s) => s.flush(),
            }
        }
    }
}

/// A name of the server's certificate as webpki presents it
/// (`DnsName("a.lab")`, `IpAddress(10.0.2.99)`) in the words an
/// administrator compares with the URL (`a.lab`, `10.0.2.99`).
#[cfg(feature = "https")]
fn presented_name(n: &str) -> &str {
    for (open, close) in [("DnsName(\"", "\")"), ("IpAddress(", ")")] {
        if let Some(inner) = n.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
            return inner;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pem_blocks() {
        let pem = b"junk\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\r\n-----BEGIN CERTIFICATE-----\r\nBB\n-----END CERTIFICATE-----\n";
        assert_eq!(count_certificates(pem), 2);
        assert_eq!(count_certificates(b"-----BEGIN PRIVATE KEY-----\n"), 0);
        assert_eq!(count_certificates(b""), 0);
    }

    #[cfg(feature = "https")]
    #[test]
    fn certificate_errors_in_words() {
        use rustls::pki_types::{ServerName, UnixTime};
        use rustls::CertificateError as C;
        use std::net::Ipv4Addr;
        let host = crate::cmdline::Host::Addr(Ipv4Addr::new(10, 0, 2, 2));
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        let d = |c: C| describe(&rustls::Error::InvalidCertificate(c), &host);
        assert_eq!(
            d(C::UnknownIssuer),
            "certificate not trusted: the server's certificate is not signed by a CA in the image's bundle /etc/netroot/ca-certificates.crt"
        );
        assert_eq!(
            d(C::NotValidForNameContext {
                expected: ServerName::try_from("10.0.2.2").unwrap(),
                presented: vec!["DnsName(\"other.lab\")".into()]
            }),
            "certificate name mismatch: the server's certificate is not valid for 10.0.2.2 (it names other.lab)"
        );
        assert_eq!(super::presented_name("IpAddress(10.0.2.99)"), "10.0.2.99");
        assert_eq!(super::presented_name("IpAddress(fec0::2)"), "fec0::2");
        assert_eq!(super::presented_name("odd(\"x"), "odd(\"x");
        assert_eq!(
            d(C::ExpiredContext {
                time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(86_400 * 2)),
                not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(86_400)),
            }),
            "certificate expired: the server's certificate is valid until 1970-01-02T00:00:00Z, the client's clock says 1970-01-03T00:00:00Z"
        );
        assert!(Client::new(b"not pem", "/x")
            .unwrap_err()
            .contains("/x holds no usable"));
    }
}

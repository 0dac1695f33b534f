//! A small HTTP/1.1 client core, sans IO: [`Url`] parsing, request bytes out
//! ([`request`]), response bytes in ([`Response::push`]): status line and
//! headers (RFC 9112 sections 4 and 5), a body framed by Content-Length or
//! chunked transfer coding (section 6.3, 7.1) or by the connection's close,
//! and what a client needs for redirects (RFC 9110 section 15.4, Location)
//! and resumption (section 14, Range / Content-Range). PURE: the live
//! root's driver (`root::live`) owns the socket and the clock.

use crate::cmdline::Host;

/// Errors from the parser, in words that name what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The status line or a header is malformed.
    #[error("malformed response: {0}")]
    Malformed(&'static str),
    /// The header block is larger than [`MAX_HEAD`].
    #[error("response headers larger than {MAX_HEAD} bytes")]
    HeadTooLarge,
    /// The connection ended before the body did.
    #[error("connection closed after {got} of {want} body bytes")]
    Truncated {
        /// Body bytes received.
        got: u64,
        /// Body bytes announced (`u64::MAX`: chunked).
        want: u64,
    },
    /// Chunked coding broken.
    #[error("bad chunked encoding: {0}")]
    Chunked(&'static str),
}

/// The most header bytes accepted.
pub const MAX_HEAD: usize = 16 * 1024;

/// An `http://` or `https://` URL (RFC 3986 subset: no user info, IPv4 or
/// a DNS name, optional port, path with optional query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `https`?
    pub tls: bool,
    /// Server.
    pub host: Host,
    /// TCP port (80 / 443 by default).
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Url {
    /// Parse `http://host[:port][/path]`. The error says what is wrong.
    pub fn parse(text: &str) -> Result<Url, String> {
        let (tls, rest) = if let Some(r) = text.strip_prefix("http://") {
            (false, r)
        } else if let Some(r) = text.strip_prefix("https://") {
            (true, r)
        } else {
            return Err("is not an http:// or https:// URL".into());
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        if path.bytes().any(|b| b <= b' ' || b == 0x7f || b == b'#') {
            return Err("has spaces, control characters or a fragment in its path".into());
        }
        if authority.contains('@') {
            return Err("has user information (user@), which netroot does not send".into());
        }
        // An IPv6 address in brackets (RFC 3986 section 3.2.2), the port
        // after the closing one.
        let port_at = match authority.find(']') {
            Some(i) if authority.starts_with('[') => authority[i..].find(':').map(|j| i + j),
            None if authority.starts_with('[') => {
                return Err("has \"[\" without \"]\" around its IPv6 address".into())
            }
            _ => authority.rfind(':'),
        };
        let split = port_at.map(|i| (&authority[..i], &authority[i + 1..]));
        let (host, port) = match split {
            Some((h, p)) => match p.parse::<u16>() {
                Ok(p) if p > 0 => (h, p),
                _ => {
                    return Err(format!(
                        "has port \"{p}\" that is not a TCP port (1 to 65535)"
                    ))
                }
            },
            None => (authority, if tls { 443 } else { 80 }),
        };
        let host = crate::cmdline::root::parse_host(host).ok_or_else(|| {
            format!(
                "has server \"{host}\" that is not an IP address (IPv6 in brackets) or host name"
            )
        })?;
        Ok(Url {
            tls,
            host,
            port,
            path,
        })
    }

    /// Resolve a Location header against this URL (RFC 9110 section
    /// 10.2.2; RFC 3986 section 5: absolute URLs and absolute paths).
    pub fn join(&self, location: &str) -> Result<Url, String> {
        if location.contains("://") {
            return Url::parse(location);
        }
        if location.starts_with("//") {
            let scheme = if self.tls { "https:" } else { "http:" };
            return Url::parse(&format!("{scheme}{location}"));
        }
        let path = if location.starts_with('/') {
            location.to_string()
        } else {
            // A relative reference: replace the last segment.
            let base = self.path.split('?').next().unwrap_or("/");
            let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
            format!("{}{location}", if dir.is_empty() { "/" } else { dir })
        };
        let mut u = Url::parse(&format!("http://x{path}"))?;
        u.tls = self.tls;
        u.host = self.host.clone();
        u.port = self.port;
        Ok(u)
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "https" } else { "http" };
        let default = if self.tls { 443 } else { 80 };
        write!(f, "{scheme}://{}", self.host)?;
        if self.port != default {
            write!(f, ":{}", self.port)?;
        }
        f.write_str(&self.path)
    }
}

/// The bytes of a GET request for `url`, from byte `from` on (a Range
/// request when `from > 0`, RFC 9110 section 14.2). `Connection: close`:
/// one request per connection, the body may end with the connection.
pub fn request(url: &Url, from: u64) -> Vec<u8> {
    let default = if url.tls { 443 } else { 80 };
    let host = if url.port == default {
        url.host.to_string()
    } else {
        format!("{}:{}", url.host, url.port)
    };
    let mut r = format!(
        "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: netroot/{}\r\nAccept-Encoding: identity\r\nConnection: close\r\n",
        url.path,
        env!("CARGO_PKG_VERSION")
    );
    if from > 0 {
        r.push_str(&format!("Range: bytes={from}-\r\n"));
    }
    r.push_str("\r\n");
    r.into_bytes()
}

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Head {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Content-Length, if given (and not chunked).
    pub content_length: Option<u64>,
    /// Transfer-Encoding: chunked.
    pub chunked: bool,
    /// Location (redirects).
    pub location: Option<String>,
    /// Content-Range `bytes first-last/complete` of a 206 (complete None
    /// for `*`).
    pub content_range: Option<(u64, u64, Option<u64>)>,
}

/// What [`Response::push`] reports.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// The head is complete.
    Head(Head),
    /// Body bytes.
    Data(&'a [u8]),
    /// The body is complete (more input is ignored).
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Head,
    /// Content-Length body: bytes left.
    Length(u64),
    /// Body until the connection closes.
    UntilClose,
    /// Reading a chunk-size line.
    ChunkSize,
    /// Inside a chunk: bytes left.
    ChunkData(u64),
    /// The CRLF after a chunk's data.
    ChunkEnd,
    /// Trailer fields after the last chunk, until an empty line.
    Trailer,
    Done,
}

/// The response parser: push bytes as they come, get [`Event`]s.
#[derive(Debug, Clone)]
pub struct Response {
    state: State,
    line: Vec<u8>,
    body: u64,
    want: u64,
}

impl Default for Response {
    fn default() -> Self {
        Self::new()
    }
}

/// One header line: `name: value` (RFC 9112 section 5.1; no obsolete line
/// folding).
fn header(line: &str) -> Result<(String, &str), Error> {
    let (name, value) = line
        .split_once(':')
        .ok_or(Error::Malformed("header line without ':'"))?;
    if name.is_empty() || name.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(Error::Malformed("bad header name"));
    }
    Ok((name.to_ascii_lowercase(), value.trim_matches([' ', '\t'])))
}

fn parse_u64(s: &str, what: &'static str) -> Result<u64, Error> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Malformed(what));
    }
    s.parse().map_err(|_| Error::Malformed(what))
}

/// `bytes first-last/complete` (RFC 9110 section 14.4).
fn content_range(v: &str) -> Result<(u64, u64, Option<u64>), Error> {
    const W: &str = "bad Content-Range";
    let r = v.strip_prefix("bytes ").ok_or(Error::Malformed(W))?;
    let (range, complete) = r.split_once('/').ok_or(Error::Malformed(W))?;
    let (a, b) = range.split_once('-').ok_or(Error::Malformed(W))?;
    let (a, b) = (parse_u64(a, W)?, parse_u64(b, W)?);
    let complete = match complete {
        "*" => None,
        c => Some(parse_u64(c, W)?),
    };
    if b < a || complete.is_some_and(|c| b >= c) {
        return Err(Error::Malformed(W));
    }
    Ok((a, b, complete))
}

/// Parse a complete head (without the final empty line).
fn parse_head(text: &[u8]) -> Result<Head, Error> {
    let text = std::str::from_utf8(text).map_err(|_| Error::Malformed("head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    // status-line = HTTP-version SP status-code SP [ reason-phrase ]
    let rest = status_line
        .strip_prefix("HTTP/1.")
        .ok_or(Error::Malformed("status line is not HTTP/1.x"))?;
    let mut parts = rest.splitn(3, ' ');
    let minor = parts.next().unwrap_or("");
    let code = parts.next().unwrap_or("");
    if minor.len() != 1 || !minor.as_bytes()[0].is_ascii_digit() {
        return Err(Error::Malformed("status line is not HTTP/1.x"));
    }
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Malformed("status code is not three digits"));
    }
    let mut head = Head {
        status: code.parse().map_err(|_| Error::Malformed("status code"))?,
        reason: parts.next().unwrap_or("").to_string(),
        ..Head::default()
    };
    if head.status < 100 {
        return Err(Error::Malformed("status code below 100"));
    }
    for line in lines {
        let (name, value) = header(line)?;
        match name.as_str() {
            "content-length" => {
                let n = parse_u64(value, "bad Content-Length")?;
                if head.content_length.is_some_and(|old| old != n) {
                    return Err(Error::Malformed("two different Content-Length values"));
                }
                head.content_length = Some(n);
            }
            "transfer-encoding" => {
                // RFC 9112 section 6.1: chunked must be the final coding;
                // netroot asks for no other coding.
                let codings: Vec<String> = value
                    .split(',')
                    .map(|c| c.trim().to_ascii_lowercase())
                    .filter(|c| !c.is_empty())
                    .collect();
                if codings.iter().any(|c| c != "chunked") {
                    return Err(Error::Malformed("transfer coding other than chunked"));
                }
                head.chunked = !codings.is_empty();
            }
            "location" => head.location = Some(value.to_string()),
            "content-range" => head.content_range = Some(content_range(value)?),
            _ => {}
        }
    }
    // Section 6.3: Transfer-Encoding overrides Content-Length.
    if head.chunked {
        head.content_length = None;
    }
    Ok(head)
}

impl Response {
    /// A parser for the response to a GET.
    pub fn new() -> Self {
        Response {
            state: State::Head,
            line: Vec::new(),
            body: 0,
            want: 0,
        }
    }

    /// Whether the whole body arrived.
    pub fn done(&self) -> bool {
        self.state == State::Done
    }

    /// Body bytes delivered so far.
    pub fn body_len(&self) -> u64 {
        self.body
    }

    /// Feed the next bytes from the connection; `out` receives the events
    /// in order (data slices borrow `input`). After an error the parser is
    /// not to be used again.
    pub fn push<'a>(
        &mut self,
        mut input: &'a [u8],
        out: &mut dyn FnMut(Event<'a>),
    ) -> Result<(), Error> {
        while !input.is_empty() {
            match self.state {
                State::Done => return Ok(()),
                State::Head => {
                    let (rest, complete) =
                        take_line(&mut self.line, input, MAX_HEAD).ok_or(Error::HeadTooLarge)?;
                    input = rest;
                    // The head ends at an empty line (CRLF CRLF); the lines
                    // before it accumulate with their line breaks.
                    if !complete || !self.line.ends_with(b"\r\n\r\n") {
                        continue;
                    }
                    let text = &self.line[..self.line.len() - 4];
                    let head = parse_head(text)?;
                    self.line.clear();
                    if (100..200).contains(&head.status) {
                        // An interim response (RFC 9110 section 15.2): skip.
                        continue;
                    }
                    let no_body = head.status == 204 || head.status == 304;
                    self.state = if no_body {
                        State::Done
                    } else if head.chunked {
                        self.want = u64::MAX;
                        State::ChunkSize
                    } else if let Some(n) = head.content_length {
                        self.want = n;
                        if n == 0 {
                            State::Done
                        } else {
                            State::Length(n)
                        }
                    } else {
                        self.want = u64::MAX;
                        State::UntilClose
                    };
                    out(Event::Head(head));
                    if self.state == State::Done {
                        out(Event::End);
                    }
                }
                State::Length(left) => {
                    let n = (left.min(input.len() as u64)) as usize;
                    self.body += n as u64;
                    out(Event::Data(&input[..n]));
                    input = &input[n..];
                    self.state = if left == n as u64 {
                        out(Event::End);
                        State::Done
                    } else {
                        State::Length(left - n as u64)
                    };
                }
                State::UntilClose => {
                    self.body += input.len() as u64;
                    out(Event::Data(input));
                    input = &[];
                }
                State::ChunkSize => {
                    let (rest, complete) = take_line(&mut self.line, input, 1024)
                        .ok_or(Error::Chunked("chunk-size line too long"))?;
                    input = rest;
                    if !complete {
                        continue;
                    }
                    let line = std::str::from_utf8(&self.line[..self.line.len() - 2])
                        .map_err(|_| Error::Chunked("chunk-size is not text"))?;
                    // chunk-size [ chunk-ext ] (section 7.1.1: extensions ignored)
                    let size = line
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim_matches([' ', '\t']);
                    if size.is_empty()
                        || size.len() > 15
                        || !size.bytes().all(|b| b.is_ascii_hexdigit())
                    {
                        return Err(Error::Chunked("chunk-size is not hexadecimal"));
                    }
                    let n = u64::from_str_radix(size, 16)
                        .map_err(|_| Error::Chunked("chunk-size is not hexadecimal"))?;
                    self.line.clear();
                    self.state = if n == 0 {
                        State::Trailer
                    } else {
                        State::ChunkData(n)
                    };
                }
                State::ChunkData(left) => {
                    let n = (left.min(input.len() as u64)) as usize;
                    self.body += n as u64;
                    out(Event::Data(&input[..n]));
                    input = &input[n..];
                    self.state = if left == n as u64 {
                        State::ChunkEnd
                    } else {
                        State::ChunkData(left - n as u64)
                    };
                }
                State::ChunkEnd => {
                    let (rest, complete) = take_line(&mut self.line, input, 2)
                        .ok_or(Error::Chunked("no CRLF after chunk data"))?;
                    input = rest;
                    if complete {
                        if self.line != b"\r\n" {
                            return Err(Error::Chunked("no CRLF after chunk data"));
                        }
                        self.line.clear();
                        self.state = State::ChunkSize;
                    }
                }
                State::Trailer => {
                    let (rest, complete) =
                        take_line(&mut self.line, input, MAX_HEAD).ok_or(Error::HeadTooLarge)?;
                    input = rest;
                    // Trailer fields (ignored) until an empty line.
                    if complete && (self.line == b"\r\n" || self.line.ends_with(b"\r\n\r\n")) {
                        self.line.clear();
                        self.state = State::Done;
                        out(Event::End);
                    }
                }
            }
        }
        Ok(())
    }

    /// The connection ended: fine if the body is complete or ran until
    /// the close; else [`Error::Truncated`].
    pub fn finish(&mut self, out: &mut dyn FnMut(Event<'_>)) -> Result<(), Error> {
        match self.state {
            State::Done => Ok(()),
            State::UntilClose => {
                self.state = State::Done;
                out(Event::End);
                Ok(())
            }
            State::Head => Err(Error::Malformed(
                "connection closed before the headers ended",
            )),
            _ => Err(Error::Truncated {
                got: self.body,
                want: self.want,
            }),
        }
    }
}

/// Append bytes of `input` to `acc` up to and including the next LF;
/// returns (rest of input, whether a line ended). None when `acc`
/// would exceed `max`. A bare LF counts as a line end only after CR (RFC
/// 9112 section 2.2 allows a client to accept bare LF; netroot does not).
fn take_line<'a>(acc: &mut Vec<u8>, input: &'a [u8], max: usize) -> Option<(&'a [u8], bool)> {
    let (take, complete) = match input.iter().position(|&b| b == b'\n') {
        Some(i) => (i + 1, true),
        None => (input.len(), false),
    };
    if acc.len() + take > max {
        return None;
    }
    acc.extend_from_slice(&input[..take]);
    // A bare LF is kept as part of the line, which has not ended.
    Some((&input[take..], complete && acc.ends_with(b"\r\n")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn events(input: &[u8]) -> Result<(Head, Vec<u8>), Error> {
        let mut r = Response::new();
        let mut head = None;
        let mut body = Vec::new();
        r.push(input, &mut |e| match e {
            Event::Head(h) => head = Some(h),
            Event::Data(d) => body.extend_from_slice(d),
            Event::End => {}
        })?;
        r.finish(&mut |_| {})?;
        Ok((head.unwrap(), body))
    }

    #[test]
    fn urls() {
        let u = Url::parse("http://10.0.2.2:8080/img/root.squashfs").unwrap();
        assert_eq!(
            u,
            Url {
                tls: false,
                host: Host::Addr(Ipv4Addr::new(10, 0, 2, 2)),
                port: 8080,
                path: "/img/root.squashfs".into()
            }
        );
        assert_eq!(u.to_string(), "http://10.0.2.2:8080/img/root.squashfs");
        let u = Url::parse("http://boot.lab").unwrap();
        assert_eq!((u.port, u.path.as_str()), (80, "/"));
        assert_eq!(u.to_string(), "http://boot.lab/");
        let u = Url::parse("https://boot.lab?x=1").unwrap();
        assert_eq!((u.tls, u.port, u.path.as_str()), (true, 443, "/?x=1"));
        // IPv6 in brackets, with and without a port; the Host header and
        // the URL keep the brackets (RFC 3986 section 3.2.2).
        let u = Url::parse("http://[fec0::2]:8080/root.squashfs").unwrap();
        assert_eq!(u.host, Host::Addr6("fec0::2".parse().unwrap()));
        assert_eq!(u.port, 8080);
        assert_eq!(u.to_string(), "http://[fec0::2]:8080/root.squashfs");
        let r = String::from_utf8(request(&u, 0)).unwrap();
        assert!(r.contains("\r\nHost: [fec0::2]:8080\r\n"), "{r}");
        let u = Url::parse("https://[2001:db8::1]/r").unwrap();
        assert_eq!(
            (u.port, u.to_string().as_str()),
            (443, "https://[2001:db8::1]/r")
        );
        for (bad, why) in [
            ("ftp://x/y", "is not an http:// or https:// URL"),
            (
                "http://x:0/y",
                "has port \"0\" that is not a TCP port (1 to 65535)",
            ),
            (
                "http://x:99999/",
                "has port \"99999\" that is not a TCP port (1 to 65535)",
            ),
            (
                "http://a b/",
                "has server \"a b\" that is not an IP address (IPv6 in brackets) or host name",
            ),
            (
                "http://u@x/",
                "has user information (user@), which netroot does not send",
            ),
            (
                "http://[::1/",
                "has \"[\" without \"]\" around its IPv6 address",
            ),
            (
                "http://[fec0::zz]:80/",
                "has server \"[fec0::zz]\" that is not an IP address (IPv6 in brackets) or host name",
            ),
            (
                "http://x/a b",
                "has spaces, control characters or a fragment in its path",
            ),
            (
                "http:///a",
                "has server \"\" that is not an IP address (IPv6 in brackets) or host name",
            ),
        ] {
            assert_eq!(Url::parse(bad).unwrap_err(), why, "{bad}");
        }
    }

    #[test]
    fn redirect_targets() {
        let base = Url::parse("http://s:81/a/b/root.img?v=1").unwrap();
        let j = |l: &str| base.join(l).unwrap().to_string();
        assert_eq!(j("http://t/x"), "http://t/x");
        assert_eq!(j("//t:82/x"), "http://t:82/x");
        assert_eq!(j("/other"), "http://s:81/other");
        assert_eq!(j("new.img"), "http://s:81/a/b/new.img");
        assert!(base.join("gopher://x/").is_err());
    }

    #[test]
    fn request_bytes() {
        let u = Url::parse("http://10.0.2.2:8080/r.sqfs").unwrap();
        let r = String::from_utf8(request(&u, 0)).unwrap();
        assert!(
            r.starts_with("GET /r.sqfs HTTP/1.1\r\nHost: 10.0.2.2:8080\r\n"),
            "{r}"
        );
        assert!(r.ends_with("Connection: close\r\n\r\n"));
        assert!(!r.contains("Range"));
        let r = String::from_utf8(request(&u, 4096)).unwrap();
        assert!(r.contains("\r\nRange: bytes=4096-\r\n"), "{r}");
        let u = Url::parse("http://boot.lab/r").unwrap();
        assert!(String::from_utf8(request(&u, 0))
            .unwrap()
            .contains("Host: boot.lab\r\n"));
    }

    #[test]
    fn heads() {
        let (h, b) = events(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef").unwrap();
        assert_eq!(
            (h.status, h.reason.as_str(), h.content_length),
            (200, "OK", Some(3))
        );
        assert_eq!(b, b"abc");
        let (h, _) =
            events(b"HTTP/1.1 301 Moved\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n").unwrap();
        assert_eq!((h.status, h.location.as_deref()), (301, Some("/new")));
        let (h, b) = events(
            b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 5-9/10\r\ncontent-length: 5\r\n\r\n56789",
        )
        .unwrap();
        assert_eq!(h.content_range, Some((5, 9, Some(10))));
        assert_eq!(b, b"56789");
        // 100 Continue is skipped; a body without length runs to the close.
        let (h, b) =
            events(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nall of it").unwrap();
        assert_eq!((h.status, b.as_slice()), (200, &b"all of it"[..]));
        // Transfer-Encoding beats Content-Length (RFC 9112 section 6.3).
        let (h, b) = events(
            b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            (h.chunked, h.content_length, b.as_slice()),
            (true, None, &b"abc"[..])
        );
    }

    #[test]
    fn bad_responses() {
        for (input, want) in [
            (
                &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
                "malformed response: status line is not HTTP/1.x",
            ),
            (
                b"HTTP/1.1 20 OK\r\n\r\n",
                "malformed response: status code is not three digits",
            ),
            (
                b"HTTP/1.1 200 OK\r\nbroken\r\n\r\n",
                "malformed response: header line without ':'",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                "malformed response: bad Content-Length",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                "malformed response: two different Content-Length values",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                "malformed response: transfer coding other than chunked",
            ),
            (
                b"HTTP/1.1 206 P\r\nContent-Range: bytes 9-5/10\r\n\r\n",
                "malformed response: bad Content-Range",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "bad chunked encoding: chunk-size is not hexadecimal",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
                "bad chunked encoding: no CRLF after chunk data",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
                "connection closed after 2 of 18446744073709551615 body bytes",
            ),
            (
                b"HTTP/1.1 200 OK\r\n",
                "malformed response: connection closed before the headers ended",
            ),
        ] {
            assert_eq!(
                events(input).unwrap_err().to_string(),
                want,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        let mut big = b"HTTP/1.1 200 OK\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', MAX_HEAD));
        assert_eq!(events(&big).unwrap_err(), Error::HeadTooLarge);
    }
}

//! The HTTP response parser: any split of the input gives the same events,
//! bodies framed by Content-Length and by chunked coding come out intact,
//! and arbitrary bytes never panic it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use netroot::http::{Event, Head, Response};
use proptest::prelude::*;

/// Feed `input` in pieces of the given sizes (cycled), then the close.
fn parse(input: &[u8], sizes: &[usize]) -> Result<(Option<Head>, Vec<u8>, bool), String> {
    let mut r = Response::new();
    let mut head = None;
    let mut body = Vec::new();
    let mut ended = false;
    let mut rest = input;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        i += 1;
        let (a, b) = rest.split_at(n);
        rest = b;
        r.push(a, &mut |e| match e {
            Event::Head(h) => head = Some(h),
            Event::Data(d) => body.extend_from_slice(d),
            Event::End => ended = true,
        })
        .map_err(|e| e.to_string())?;
    }
    r.finish(&mut |e| {
        if e == Event::End {
            ended = true
        }
    })
    .map_err(|e| e.to_string())?;
    Ok((head, body, ended))
}

fn chunked(body: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let mut rest = body;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        i += 1;
        out.extend_from_slice(format!("{n:x};ext=1\r\n").as_bytes());
        out.extend_from_slice(&rest[..n]);
        out.extend_from_slice(b"\r\n");
        rest = &rest[n..];
    }
    out.extend_from_slice(b"0\r\nX-Trailer: yes\r\n\r\n");
    out
}

proptest! {
    #[test]
    fn content_length_bodies_survive_any_split(
        body in proptest::collection::vec(any::<u8>(), 0..2000),
        sizes in proptest::collection::vec(1usize..300, 1..8),
        extra in proptest::collection::vec(any::<u8>(), 0..50),
    ) {
        let mut input = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nServer: t\r\n\r\n", body.len()).into_bytes();
        input.extend_from_slice(&body);
        // Bytes after the body (another response, garbage) are ignored.
        input.extend_from_slice(&extra);
        let (head, got, ended) = parse(&input, &sizes).unwrap();
        prop_assert_eq!(head.unwrap().content_length, Some(body.len() as u64));
        prop_assert_eq!(got, body);
        prop_assert!(ended);
    }

    #[test]
    fn chunked_bodies_survive_any_split(
        body in proptest::collection::vec(any::<u8>(), 0..2000),
        chunks in proptest::collection::vec(1usize..500, 1..6),
        sizes in proptest::collection::vec(1usize..300, 1..8),
    ) {
        let input = chunked(&body, &chunks);
        let (head, got, ended) = parse(&input, &sizes).unwrap();
        prop_assert!(head.unwrap().chunked);
        prop_assert_eq!(got, body);
        prop_assert!(ended);
    }

    #[test]
    fn a_cut_body_is_truncated(
        len in 1usize..3000,
        cut_at in 0usize..3000,
    ) {
        let body = vec![7u8; len];
        let cut = cut_at % len;
        let mut input = format!("HTTP/1.1 206 Partial Content\r\nContent-Length: {len}\r\nContent-Range: bytes 10-{}/99999\r\n\r\n", 9 + len).into_bytes();
        input.extend_from_slice(&body[..cut]);
        let e = parse(&input, &[1000]).unwrap_err();
        prop_assert_eq!(e, format!("connection closed after {cut} of {len} body bytes"));
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        data in proptest::collection::vec(any::<u8>(), 0..1500),
        sizes in proptest::collection::vec(1usize..100, 1..4),
    ) {
        let _ = parse(&data, &sizes);
        let mut prefixed = b"HTTP/1.1 200 OK\r\n".to_vec();
        prefixed.extend_from_slice(&data);
        let _ = parse(&prefixed, &sizes);
    }
}

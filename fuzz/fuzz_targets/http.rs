//! Fuzz the HTTP response parser with arbitrary server bytes: it must never
//! panic, never deliver more body than a Content-Length announced, and give
//! the same events whatever the read boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netroot::http::{Event, Response};

fn run(data: &[u8], cut: usize) -> (Vec<u8>, Option<u64>, bool) {
    let mut r = Response::new();
    let mut body = Vec::new();
    let mut length = None;
    let mut ok = true;
    for chunk in data.chunks(cut) {
        let res = r.push(chunk, &mut |e| match e {
            Event::Head(h) => length = h.content_length,
            Event::Data(d) => body.extend_from_slice(d),
            Event::End => {}
        });
        if res.is_err() {
            ok = false;
            break;
        }
    }
    if ok {
        ok = r.finish(&mut |_| {}).is_ok();
    }
    (body, length, ok)
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let (body, length, ok) = run(rest, usize::from(cut).max(1));
    if let Some(n) = length {
        assert!(body.len() as u64 <= n);
    }
    let whole = run(rest, rest.len().max(1));
    assert_eq!(ok, whole.2);
    if ok {
        assert_eq!(body, whole.0);
    }
});

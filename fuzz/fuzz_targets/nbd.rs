//! Fuzz the NBD handshake machine with arbitrary server bytes: it must never
//! panic, and any export it accepts must have a size within bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netroot::root::nbd::handshake::{Handshake, Status, MAX_SIZE};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the read chunk size, so boundaries are fuzzed too.
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let cut = usize::from(cut).max(1);
    let Ok(mut h) = Handshake::new("root") else {
        return;
    };
    for chunk in rest.chunks(cut) {
        match h.receive(chunk) {
            Ok(Status::NeedMore) => {
                let _ = h.take_output();
            }
            Ok(Status::Done(e)) => {
                assert!(e.size > 0 && e.size <= MAX_SIZE);
                break;
            }
            Err(_) => break,
        }
    }
});

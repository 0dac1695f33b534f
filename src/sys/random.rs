//! The kernel's random number generator, as TLS needs it.

use std::time::{Duration, Instant};

/// Whether the kernel's CRNG is initialized: getrandom(2) with
/// GRND_NONBLOCK returns EAGAIN until it is (random(7)).
pub fn ready() -> bool {
    let mut b = [0u8; 1];
    !matches!(
        rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::NONBLOCK),
        Err(rustix::io::Errno::AGAIN)
    )
}

/// Block until the CRNG is initialized (getrandom(2) without flags, the
/// call ring makes for TLS keys); returns how long it waited. Since Linux
/// 5.4 a blocked getrandom makes the kernel gather jitter entropy itself
/// (drivers/char/random.c, try_to_generate_entropy), so the wait is short
/// even without entropy sources. An error other than EINTR is returned.
pub fn wait_ready() -> Result<Duration, std::io::Error> {
    let start = Instant::now();
    let mut b = [0u8; 1];
    loop {
        match rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::empty()) {
            Ok(_) => return Ok(start.elapsed()),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

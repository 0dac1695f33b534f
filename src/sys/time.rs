//! Clocks.

use std::time::Duration;

/// Time since boot on CLOCK_BOOTTIME (the clock of the kernel log's stamps
/// and of /proc/uptime), read without a file.
pub fn boottime() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

//! Small helpers shared by the phases.

/// Seconds since boot, from the boot-time clock (what the kernel's log
/// stamps show; counts suspend, like /proc/uptime).
pub fn uptime() -> f64 {
    crate::sys::time::boottime().as_secs_f64()
}

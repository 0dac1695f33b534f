//! Small helpers shared by the phases: the clock since boot, a seeded
//! random source, the one backoff schedule, MAC formatting and the DNS-name
//! check. Everything but [`uptime`], [`cpu_idle`] and [`seed`] is pure.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Seconds since boot, from the boot-time clock (the clock of the kernel
/// log's stamps and of /proc/uptime).
pub fn uptime() -> f64 {
    crate::sys::time::boottime().as_secs_f64()
}

/// Seconds the CPUs have spent idle since boot (the second field of
/// /proc/uptime, summed over CPUs; proc(5)), None when it cannot be read.
/// Between two readings on a one-CPU machine it is the time the boot
/// waited with nothing to run: what overlapping more could still win.
pub fn cpu_idle() -> Option<f64> {
    parse_idle(&std::fs::read_to_string("/proc/uptime").ok()?)
}

/// The idle seconds of a /proc/uptime line (`"3.52 1.21\n"`).
pub fn parse_idle(text: &str) -> Option<f64> {
    let mut fields = text.split_ascii_whitespace();
    fields.next()?.parse::<f64>().ok()?;
    let idle: f64 = fields.next()?.parse().ok()?;
    (idle.is_finite() && idle >= 0.0).then_some(idle)
}

/// Seed material for [`Rng`], mixed with `extra` (a MAC, an index) so two
/// machines or two interfaces whose other inputs start alike still differ.
///
/// Never a blocking getrandom(2): early in boot that call waits for the
/// kernel's entropy pool to initialise, which under QEMU took a second and
/// stalled DHCP. std's `RandomState` keys come from getrandom(2) with
/// GRND_INSECURE where the kernel has it, which never blocks; the boot-time
/// clock and the PID are mixed in too. Not for secrets: the values pick
/// transaction ids and spread retries.
pub fn seed(extra: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(extra);
    h.write_u128(crate::sys::time::boottime().as_nanos());
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    h.write_u32(std::process::id());
    h.finish()
}

/// A small deterministic generator (SplitMix64), passed in like `now`:
/// the pure machines draw from it, tests seed it, the IO shell seeds it
/// with [`seed`].
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform value in `0..=max` (the modulo bias is negligible for
    /// the small ranges used here).
    pub fn upto(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(span) => self.next_u64() % span,
            None => self.next_u64(),
        }
    }
}

/// How far a [`Backoff`] delay is spread around its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// ± a fixed amount (RFC 2131 §4.1: ±1 s).
    Fixed(Duration),
    /// ± a percentage of the base delay.
    Percent(u32),
}

/// An exponential backoff: `first`, doubling up to `max`, each delay
/// spread by `jitter` so that machines that failed together (one power cut,
/// one server restart) do not come back in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The base delay before the first retry.
    pub first: Duration,
    /// The largest base delay.
    pub max: Duration,
    /// The spread.
    pub jitter: Jitter,
}

impl Backoff {
    /// The base delay of retry `n` (0-based), without jitter.
    pub fn base(&self, n: u32) -> Duration {
        self.first.saturating_mul(1 << n.min(16)).min(self.max)
    }

    /// The delay before retry `n` (0-based): the base, jittered
    /// uniformly at millisecond resolution, never below zero.
    pub fn delay(&self, n: u32, rng: &mut Rng) -> Duration {
        let base = self.base(n);
        let spread = match self.jitter {
            Jitter::Fixed(d) => d,
            Jitter::Percent(p) => base.saturating_mul(p.min(100)) / 100,
        };
        let spread_ms = u64::try_from(spread.as_millis()).unwrap_or(u64::MAX / 4);
        let offset = Duration::from_millis(rng.upto(spread_ms.saturating_mul(2)));
        (base + offset).saturating_sub(spread)
    }
}

/// Format a MAC the way `ip link` and networkd do: `52:54:00:12:34:56`.
pub fn fmt_mac(mac: &[u8; 6]) -> String {
    let m = mac;
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// Whether `name` is a syntactically valid DNS name: at most 253 bytes
/// (one trailing dot allowed), labels of 1 to 63 letters, digits and
/// hyphens that neither start nor end with a hyphen (RFC 1123 §2.1,
/// RFC 952). `_` is allowed inside labels, as resolvers do (service
/// names). Anything else never reaches resolv.conf, networkd, the hostname
/// or a DNS query.
pub fn valid_dns_name(name: &str) -> bool {
    let n = name.strip_suffix('.').unwrap_or(name);
    !n.is_empty()
        && n.len() <= 253
        && n.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_is_the_second_field_of_proc_uptime() {
        assert_eq!(parse_idle("3.52 1.21\n"), Some(1.21));
        assert_eq!(parse_idle("12345.67 0.00"), Some(0.0));
        assert_eq!(parse_idle("3.52"), None);
        assert_eq!(parse_idle("x 1.0"), None);
        assert_eq!(parse_idle("3.52 -1.0"), None);
        assert_eq!(parse_idle(""), None);
        // The running machine's: a number, not more than uptime × CPUs.
        assert!(cpu_idle().is_some_and(|i| i >= 0.0));
    }

    #[test]
    fn uptime_moves_forward() {
        let a = uptime();
        std::thread::sleep(Duration::from_millis(20));
        let b = uptime();
        assert!(a > 0.0 && b >= a + 0.015, "{a} {b}");
    }

    #[test]
    fn seeds_differ_by_extra_and_rng_is_reproducible() {
        assert_ne!(seed(b"\x02\0\0\0\0\x01"), seed(b"\x02\0\0\0\0\x02"));
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let va: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let vb: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        assert_eq!(va, vb);
        assert_ne!(va[0], va[1]);
        let mut r = Rng::new(1);
        assert!((0..1000).all(|_| r.upto(10) <= 10));
        assert!((0..1000).any(|_| r.upto(10) == 10));
        assert!((0..1000).any(|_| r.upto(10) == 0));
        r.upto(u64::MAX);
    }

    #[test]
    fn backoff_doubles_caps_and_jitters_within_bounds() {
        let b = Backoff {
            first: Duration::from_secs(4),
            max: Duration::from_secs(64),
            jitter: Jitter::Fixed(Duration::from_secs(1)),
        };
        let secs: Vec<u64> = (0..8).map(|n| b.base(n).as_secs()).collect();
        assert_eq!(secs, [4, 8, 16, 32, 64, 64, 64, 64]);
        assert_eq!(b.base(u32::MAX), Duration::from_secs(64));
        let mut r = Rng::new(3);
        let d: Vec<Duration> = (0..200).map(|_| b.delay(0, &mut r)).collect();
        assert!(d
            .iter()
            .all(|d| *d >= Duration::from_secs(3) && *d <= Duration::from_secs(5)));
        assert!(d.iter().any(|d| *d < Duration::from_millis(3500)));
        assert!(d.iter().any(|d| *d > Duration::from_millis(4500)));
        let p = Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(8),
            jitter: Jitter::Percent(25),
        };
        let d: Vec<Duration> = (0..200).map(|_| p.delay(9, &mut r)).collect();
        assert!(d
            .iter()
            .all(|d| *d >= Duration::from_secs(6) && *d <= Duration::from_secs(10)));
        let z = Backoff {
            first: Duration::ZERO,
            max: Duration::ZERO,
            jitter: Jitter::Percent(50),
        };
        assert_eq!(z.delay(3, &mut r), Duration::ZERO);
    }

    #[test]
    fn macs_are_lowercase_with_colons() {
        assert_eq!(
            fmt_mac(&[0x52, 0x54, 0, 0xAB, 0x0c, 0xff]),
            "52:54:00:ab:0c:ff"
        );
    }

    #[test]
    fn dns_names_follow_rfc_1123() {
        for good in [
            "a",
            "a.b-c.example.",
            "_srv.x",
            "1x.example",
            &"a".repeat(63),
        ] {
            assert!(valid_dns_name(good), "{good:?}");
        }
        let long = ["a"; 127].join(".") + ".bb";
        for bad in [
            "",
            ".",
            "a..b",
            "-a",
            "a-",
            "x.a-.example",
            "a b",
            "a\nb",
            "é",
            &"a".repeat(64),
            &long,
        ] {
            assert!(!valid_dns_name(bad), "{bad:?}");
        }
    }
}

//! The one syscall seam: every `unsafe` block and raw syscall of netroot lives
//! under this module, each with a `// SAFETY:` line. The rest of the crate is
//! `#![deny(unsafe_code)]`.

pub mod fs;
pub mod genl;
pub mod icmp6;
pub mod init;
pub mod loopdev;
pub mod msg;
pub mod netlink;
pub mod packet;
#[cfg(feature = "https")]
pub mod random;
pub mod signal;
pub mod time;
pub mod udp;

//! netroot: an early-boot agent for diskless Linux clients.
//!
//! It reads the kernel command line, brings the network up (DHCP or a static
//! `ip=`), mounts the root file system over NFS or NBD, and hands over to the
//! real init. All logic lives in this library; `src/main.rs` calls
//! [`cli::main_entry`], which picks the mode.
//!
//! Layout (docs/architecture.md in the repository): the PID 1 pipeline in
//! `boot`, the subcommands in `cli`, pure parsers and protocol machines in
//! `cmdline`, `kmod`, `net::dhcp`, `root::nbd`; every raw syscall in `sys`,
//! the one module allowed to use `unsafe`.
#![deny(unsafe_code)]

pub(crate) mod boot;
pub mod cli;
pub mod cmdline;
pub mod explain;
pub mod http;
pub mod image;
pub mod json;
pub mod kmod;
pub mod log;
pub mod net;
pub mod netlink;
pub mod root;
pub mod sha256;
pub(crate) mod shutdown;
pub(crate) mod switch_root;
#[allow(unsafe_code)]
pub(crate) mod sys;
pub mod syslog;
pub mod timeline;
pub mod tls;
pub(crate) mod util;
pub mod watch;
pub(crate) mod watchdog;

/// The crate-private parsers of inputs from outside, for the fuzz targets
/// (fuzz/, built with `--features fuzzing`); not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::kmod::parse::{
        fnmatch, modules_alias, modules_builtin, modules_dep, modules_softdep, name_of_path,
        normalize, proc_modules,
    };
    pub use crate::net::handover::read_json as read_net_json;
    pub use crate::net::handover::read_json6 as read_net_json6;
    pub use crate::root::dns::{
        parse_response as dns_parse_response, query as dns_query, Family as DnsFamily,
    };
}

//! DHCPv4 client: `wire` is the wire format, `machine` is the sans-IO state
//! machine, `driver` owns the sockets and the poll loop.

pub mod driver;
pub mod lease;
pub mod machine;
pub mod resident;
pub mod wire;

pub use lease::Lease;

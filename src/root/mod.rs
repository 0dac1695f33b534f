//! Mounting the root: NFS, NBD, and per-host state on top.

pub mod dns;
pub mod nbd;
pub mod nfs;
pub mod state;

//! The root specification: the kernel's `nfsroot=` + `root=/dev/nfs`, dracut's
//! `root=nfs:`/`root=nfs4:`/`root=nbd:`, and mkinitcpio-nbd's `nbd_host=`,
//! `nbd_name=`, `nbd_port=`.

use super::Host;

/// NFS protocol version requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NfsVersion {
    /// NFSv3.
    V3,
    /// NFSv4.0.
    V4_0,
    /// NFSv4.1.
    V4_1,
    /// NFSv4.2.
    V4_2,
    /// `vers=4` without a minor version: try 4.2, 4.1, 4.0.
    V4Any,
}

/// Where an NFS root's settings came from, in the kernel's precedence order
/// (later beats earlier): defaults < DHCP root-path (option 17) < `nfsroot=`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NfsRoot {
    /// Server; None: take it from the DHCP root-path, else the server-ip of
    /// `ip=`, else the DHCP server (siaddr).
    pub server: Option<Host>,
    /// Export path, may contain `%s` (replaced by the client's IP address in
    /// dotted form at run time). None: DHCP root-path, else `/tftpboot/%s`.
    pub path: Option<String>,
    /// User options from `nfsroot=` / `root=nfs:...:<options>`, in order,
    /// without `vers=` (kept in `version`).
    pub options: Vec<String>,
    /// Version from `vers=`/`nfsvers=` or from `root=nfs4:` (None: try 4.2,
    /// 4.1, 4.0, then 3).
    pub version: Option<NfsVersion>,
}

/// The kernel's default NFS root path when neither `nfsroot=` nor DHCP give one.
pub const DEFAULT_NFS_PATH: &str = "/tftpboot/%s";

/// An NBD root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NbdRoot {
    /// Server.
    pub server: Host,
    /// TCP port (default 10809).
    pub port: u16,
    /// Export name ("" = the server's default export).
    pub export: String,
    /// Filesystem type from `root=nbd:...:<fstype>` (else `rootfstype=`, else probed).
    pub fstype: Option<String>,
    /// Mount flags from `root=nbd:...:<rootflags>` (else `rootflags=`).
    pub flags: Option<String>,
    /// dracut's `<nbdopts>` (comma separated), kept for `explain`.
    pub nbd_options: Vec<String>,
}

/// The default NBD port (IANA).
pub const NBD_PORT: u16 = 10809;

/// What root to mount.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RootSpec {
    /// No network root (root is a local device or none was given).
    #[default]
    None,
    /// An NFS root.
    Nfs(NfsRoot),
    /// An NBD root.
    Nbd(NbdRoot),
}

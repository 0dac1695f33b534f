//! Per-client identity on a shared root: the node name, the NFSv4 client's
//! uniquifier and the machine-id.
//!
//! A room of diskless clients boots one export. Without care every client
//! runs with node name `(none)` (no host name from DHCP) and presents the
//! same NFSv4 client owner to the server, and the clients destroy each
//! other's state; every client also reads the same `/etc/machine-id`.
//!
//! - Node name: the host name from DHCP (option 12) or `ip=`, else the
//!   client's address, as the kernel's own ipconfig does when no host name
//!   is given (net/ipv4/ipconfig.c, `ip_auto_config`). It is set in the
//!   network phase, before any NFS mount: the kernel copies the node name
//!   into each RPC client when it is created.
//! - NFSv4 uniquifier: the Linux client's owner string is
//!   `Linux NFSv4.x <uniquifier>/<node name>` (fs/nfs/nfs4proc.c,
//!   `nfs4_init_uniform_client_string`); the uniquifier comes from
//!   `/sys/fs/nfs/net/nfs_client/identifier` (per network namespace,
//!   fs/nfs/sysfs.c), else the nfs module's `nfs4_unique_id` parameter
//!   (Documentation/filesystems/nfs/client-identifier.rst asks for a value
//!   that stays the same across reboots and differs between clients).
//!   netroot writes both, once the nfs module is loaded, from a stable
//!   per-machine value: the DMI product UUID when it is real, else the boot
//!   interface's MAC. (Not as a finit_module parameter: the root's modules
//!   load in the background before the boot interface, hence the MAC, is
//!   known; and under mkinitcpio modprobe loads them.) Two clients that a careless DHCP server gives the same
//!   host name still present different owners.
//! - machine-id: derived from the same per-machine value (see
//!   [`plan_machine_id`] for the policy and [`place_machine_id`] for where
//!   it goes, so systemd uses it without the shared root being written).
//!
//! The planners are PURE (inputs in, decisions out); [`prepare`] and
//! [`apply_machine_id`] are the thin IO part.

use std::fmt;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use crate::cmdline::{BootConfig, MachineIdMode, RootSpec};

/// Where the node name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeSource {
    /// DHCP option 12.
    Dhcp,
    /// The hostname field of `ip=`.
    IpParam,
    /// The client's address (no valid host name was given).
    Address,
}

impl NodeSource {
    /// In words, for the log and `netroot explain`.
    pub fn describe(self) -> &'static str {
        match self {
            NodeSource::Dhcp => "from DHCP",
            NodeSource::IpParam => "from ip=",
            NodeSource::Address => "from the address",
        }
    }
}

/// The node name to set, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeName {
    /// The name.
    pub name: String,
    /// Its source.
    pub source: NodeSource,
}

/// The node name: DHCP's host name, else `ip=`'s (netroot's merge lets the
/// lease win where both speak), else the address in dotted quad, as the
/// kernel's ipconfig writes it into `utsname()->nodename`. Names that are
/// not valid host names are passed over. None without an address.
pub fn node_name(
    dhcp: Option<&str>,
    ip_param: Option<&str>,
    addr: Option<Ipv4Addr>,
) -> Option<NodeName> {
    let valid = |n: &&str| crate::net::apply::valid_hostname(n);
    if let Some(n) = dhcp.filter(valid) {
        return Some(NodeName {
            name: n.to_string(),
            source: NodeSource::Dhcp,
        });
    }
    if let Some(n) = ip_param.filter(valid) {
        return Some(NodeName {
            name: n.to_string(),
            source: NodeSource::IpParam,
        });
    }
    addr.filter(|a| !a.is_unspecified()).map(|a| NodeName {
        name: a.to_string(),
        source: NodeSource::Address,
    })
}

/// DMI product UUIDs that firmware vendors ship unchanged on many boards
/// (all zeros and all ones are rejected separately). The first is the
/// common AMI default; the second its byte-swapped rendering.
const PLACEHOLDER_UUIDS: &[&str] = &[
    "03000200-0400-0500-0006-000700080009",
    "00020003-0004-0005-0006-000700080009",
];

/// The DMI product UUID (`/sys/class/dmi/id/product_uuid`) in lowercase,
/// or None when it is not a UUID or is a placeholder that many machines
/// share (all zeros, as QEMU gives without `-uuid`; all ones; the known
/// vendor defaults).
pub fn real_dmi_uuid(raw: &str) -> Option<String> {
    let u = raw.trim().to_ascii_lowercase();
    let groups: Vec<&str> = u.split('-').collect();
    let shape = groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12];
    let hex = groups
        .iter()
        .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
    if !shape || !hex {
        return None;
    }
    let digits: String = groups.concat();
    if digits.bytes().all(|b| b == b'0') || digits.bytes().all(|b| b == b'f') {
        return None;
    }
    if PLACEHOLDER_UUIDS.contains(&u.as_str()) {
        return None;
    }
    Some(u)
}

/// The stable per-machine value every identity is derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineKey {
    /// A real DMI product UUID (lowercase).
    Dmi(String),
    /// The boot interface's MAC.
    Mac([u8; 6]),
}

impl MachineKey {
    /// The value as text: the UUID, or the MAC as `52:54:00:12:34:56`.
    pub fn value(&self) -> String {
        match self {
            MachineKey::Dmi(u) => u.clone(),
            MachineKey::Mac(m) => crate::util::fmt_mac(m),
        }
    }

    /// In words: `the DMI product UUID`, `the MAC`.
    pub fn describe(&self) -> &'static str {
        match self {
            MachineKey::Dmi(_) => "the DMI product UUID",
            MachineKey::Mac(_) => "the MAC",
        }
    }
}

/// The per-machine value: a real DMI product UUID, else the MAC.
pub fn machine_key(dmi_raw: Option<&str>, mac: Option<[u8; 6]>) -> Option<MachineKey> {
    if let Some(u) = dmi_raw.and_then(real_dmi_uuid) {
        return Some(MachineKey::Dmi(u));
    }
    mac.filter(|m| m.iter().any(|b| *b != 0))
        .map(MachineKey::Mac)
}

/// Where the NFSv4 uniquifier came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UniqSource {
    /// `nfs.nfs4_unique_id=` on the command line.
    Cmdline,
    /// The per-machine value.
    Machine(MachineKey),
}

/// The NFSv4 uniquifier and its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uniquifier {
    /// The value written to sysfs.
    pub value: String,
    /// Its source.
    pub source: UniqSource,
}

impl Uniquifier {
    /// In words, for the log and `netroot explain`.
    pub fn describe(&self) -> String {
        match &self.source {
            UniqSource::Cmdline => "from nfs.nfs4_unique_id=".to_string(),
            UniqSource::Machine(k) => format!("from {}", k.describe()),
        }
    }
}

/// The uniquifier: the administrator's `nfs.nfs4_unique_id=` wins, else
/// the per-machine value itself (an administrator can tell the client on
/// the server by it).
pub fn uniquifier(cmdline: Option<&str>, key: Option<&MachineKey>) -> Option<Uniquifier> {
    if let Some(v) = cmdline.filter(|v| !v.is_empty()) {
        return Some(Uniquifier {
            value: v.to_string(),
            source: UniqSource::Cmdline,
        });
    }
    key.map(|k| Uniquifier {
        value: k.value(),
        source: UniqSource::Machine(k.clone()),
    })
}

/// What the root's `/etc/machine-id` holds (machine-id(5)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootMachineId {
    /// No such file.
    Missing,
    /// An empty file.
    Empty,
    /// `uninitialized`: systemd's first-boot marker.
    Uninitialized,
    /// A valid id (32 lowercase hex digits, not all zero).
    Valid(String),
    /// Anything else.
    Invalid,
}

impl fmt::Display for RootMachineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootMachineId::Missing => f.write_str("missing"),
            RootMachineId::Empty => f.write_str("empty"),
            RootMachineId::Uninitialized => f.write_str("uninitialized"),
            RootMachineId::Valid(id) => write!(f, "{id}"),
            RootMachineId::Invalid => f.write_str("not a valid id"),
        }
    }
}

/// Read the content of the root's `/etc/machine-id` (None: no such file).
pub fn classify(content: Option<&str>) -> RootMachineId {
    let Some(c) = content else {
        return RootMachineId::Missing;
    };
    let line = c.trim_end_matches('\n');
    if line.trim().is_empty() {
        return RootMachineId::Empty;
    }
    if line == "uninitialized" {
        return RootMachineId::Uninitialized;
    }
    let ok = line.len() == 32
        && line
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && !line.bytes().all(|b| b == b'0');
    if ok {
        RootMachineId::Valid(line.to_string())
    } else {
        RootMachineId::Invalid
    }
}

/// Whether the command line marks the root as one that many clients share.
pub fn marked_shared(cfg: &BootConfig) -> bool {
    cfg.options.overlay.is_some() || !cfg.options.state.is_empty()
}

/// The machine-id decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineIdPlan {
    /// Leave the root's file alone, with the reason.
    Keep(&'static str),
    /// Give the booted system this id.
    Set {
        /// 32 lowercase hex digits.
        id: String,
        /// Why and from what, in words.
        why: String,
    },
    /// An id is wanted but there is no per-machine value to derive it from.
    NoKey,
}

/// The machine-id policy (`netroot.machine-id=`):
///
/// | mode  | root's file                          | marked shared | outcome       |
/// |-------|--------------------------------------|---------------|---------------|
/// | keep  | any                                  | any           | keep          |
/// | hex   | any                                  | any           | that id       |
/// | auto  | valid                                | no            | keep          |
/// | auto  | valid                                | yes           | derived       |
/// | auto  | missing, empty, uninitialized, other | any           | derived       |
///
/// "Marked shared": `netroot.overlay=` or `netroot.state=` on the command
/// line. The derived id is the same for the same machine at every boot.
pub fn plan_machine_id(
    mode: &MachineIdMode,
    shared: bool,
    root: &RootMachineId,
    key: Option<&MachineKey>,
) -> MachineIdPlan {
    match mode {
        MachineIdMode::Keep => return MachineIdPlan::Keep("netroot.machine-id=keep"),
        MachineIdMode::Fixed(id) => {
            return MachineIdPlan::Set {
                id: id.clone(),
                why: "from netroot.machine-id=".into(),
            }
        }
        MachineIdMode::Auto => {}
    }
    let reason = match (root, shared) {
        (RootMachineId::Valid(_), false) => {
            return MachineIdPlan::Keep("the root has its own and is not marked shared")
        }
        (RootMachineId::Valid(_), true) => {
            "the root is shared (netroot.overlay= or netroot.state=)".to_string()
        }
        (other, _) => format!("the root's is {other}"),
    };
    match key {
        Some(k) => MachineIdPlan::Set {
            id: derive_machine_id(k),
            why: format!("derived from {}; {reason}", k.describe()),
        },
        None => MachineIdPlan::NoKey,
    }
}

/// The machine-id of `key`: the first 128 bits of
/// SHA-256("netroot machine-id\n" + kind + ":" + value), marked as a random
/// (version 4, variant 1) UUID the way systemd formats the ids it makes
/// (sd_id128_randomize), written as 32 lowercase hex digits (machine-id(5)).
/// A one-way function: the id does not reveal the DMI UUID or the MAC.
pub fn derive_machine_id(key: &MachineKey) -> String {
    let kind = match key {
        MachineKey::Dmi(_) => "dmi",
        MachineKey::Mac(_) => "mac",
    };
    let input = format!("netroot machine-id\n{kind}:{}", key.value());
    let digest = crate::sha256::sha256(input.as_bytes());
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the machine-id goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Write the file in place: the root is an overlay whose upper layer is
    /// a tmpfs, so the write stays on this client.
    Write(PathBuf),
    /// Write `file` (under /run, which moves into the new root at the
    /// switch) and bind-mount it read-only over `target`; mask
    /// systemd-machine-id-commit.service for this boot with `mask`.
    Bind {
        /// The file with the id.
        file: PathBuf,
        /// The root's `/etc/machine-id`.
        target: PathBuf,
        /// `/run/systemd/system/systemd-machine-id-commit.service`.
        mask: PathBuf,
    },
    /// Nothing can carry it without writing the shared root.
    Cannot(&'static str),
}

/// Where the id goes, so that systemd uses it and the shared root is not
/// written. The choice, against machine-id(5):
///
/// - The booted system finds a VALID id in `/etc/machine-id`. systemd then
///   uses it as it is: it is not a first boot (ConditionFirstBoot= stays
///   false, no presets, no systemd-firstboot), which is right for a root
///   that boots over and over without keeping anything. Leaving the file
///   `uninitialized` would make every boot a first boot on a read-only
///   root; leaving it empty would make systemd pick a random id (or, under
///   KVM, the DMI UUID) at every boot, so the id would change from boot to
///   boot or be the same placeholder on many machines.
/// - On an overlay root the file is written in the upper (tmpfs) layer: not
///   a mount point, so systemd-machine-id-commit.service (which needs
///   `/etc/machine-id` to be a mount point) does not run.
/// - Otherwise the id is bind-mounted read-only over the root's file, as
///   systemd does itself with its transient ids. On a writable root
///   systemd-machine-id-commit.service would then unmount it and write the
///   id into the root's file, i.e. into the root every client shares, and
///   the next client would find "its own" valid id there: so the unit is
///   masked for this boot in /run/systemd/system (`systemctl mask
///   --runtime` does the same). The id is derived again at every boot, so
///   nothing is lost by not committing it.
/// - A root without `/etc/machine-id` and without an overlay has nothing to
///   mount over; creating the file would write the shared root.
pub fn place_machine_id(
    target: &Path,
    run: &Path,
    overlay: bool,
    root_has_file: bool,
) -> Placement {
    let etc = target.join("etc/machine-id");
    if overlay {
        return Placement::Write(etc);
    }
    if !root_has_file {
        return Placement::Cannot(
            "the root has no /etc/machine-id to mount over and no overlay (netroot.overlay=tmpfs): systemd picks its own",
        );
    }
    Placement::Bind {
        file: run.join("netroot/machine-id"),
        target: etc,
        mask: run.join("systemd/system/systemd-machine-id-commit.service"),
    }
}

/// What [`prepare`] learnt and set before the mount.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// The per-machine value.
    pub key: Option<MachineKey>,
    /// The NFSv4 uniquifier (NFS roots only).
    pub uniquifier: Option<Uniquifier>,
}

/// The DMI product UUID under `sys` (readable by root only).
pub fn read_dmi_uuid(sys: &Path) -> Option<String> {
    std::fs::read_to_string(sys.join("class/dmi/id/product_uuid")).ok()
}

/// The MAC of `iface` under `sys` (`/sys/class/net/IFACE/address`).
pub fn iface_mac(sys: &Path, iface: &str) -> Option<[u8; 6]> {
    if iface.is_empty() || iface.contains('/') || iface.starts_with('.') {
        return None;
    }
    let text = std::fs::read_to_string(sys.join("class/net").join(iface).join("address")).ok()?;
    crate::cmdline::ip::parse_mac(text.trim())
}

/// The sysfs files that carry the NFSv4 uniquifier, in the kernel's order
/// of precedence (fs/nfs/nfs4proc.c, `nfs4_get_uniquifier`).
fn nfs4_id_files(sys: &Path) -> [PathBuf; 2] {
    [
        sys.join("fs/nfs/net/nfs_client/identifier"),
        sys.join("module/nfs/parameters/nfs4_unique_id"),
    ]
}

/// Before the root is mounted (the root's modules are loaded): find the
/// per-machine value and, for an NFS root, give the NFSv4 client its
/// uniquifier. Failures are warnings: the boot goes on without.
pub fn prepare(cfg: &BootConfig, sys: &Path, mac: Option<[u8; 6]>) -> Prepared {
    let dmi = read_dmi_uuid(sys);
    let key = machine_key(dmi.as_deref(), mac);
    let mut p = Prepared {
        key,
        uniquifier: None,
    };
    if !matches!(cfg.root, RootSpec::Nfs(_)) {
        return p;
    }
    let Some(u) = uniquifier(cfg.options.nfs4_unique_id.as_deref(), p.key.as_ref()) else {
        crate::warn!("identity: no DMI product UUID and no MAC: the NFSv4 client gets no uniquifier (set nfs.nfs4_unique_id=)");
        return p;
    };
    let mut wrote = 0;
    for f in nfs4_id_files(sys) {
        if !f.exists() {
            crate::debug!("identity: no {} in this kernel", f.display());
            continue;
        }
        match std::fs::write(&f, format!("{}\n", u.value)) {
            Ok(()) => wrote += 1,
            Err(e) => crate::warn!("identity: cannot write {}: {e}", f.display()),
        }
    }
    if wrote == 0 {
        crate::warn!(
            "identity: the NFSv4 uniquifier {} could not be set (is the nfs module loaded?)",
            u.value
        );
    }
    p.uniquifier = Some(u);
    p
}

/// Identity errors: the path and the OS error.
#[derive(Debug, thiserror::Error)]
#[error("{what} {path}: {source}")]
pub struct Error {
    what: &'static str,
    path: PathBuf,
    source: std::io::Error,
}

fn io_err(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error { what, path, source }
}

fn write_id(path: &Path, id: &str) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err("cannot create the directory of", path))?;
    }
    std::fs::write(path, format!("{id}\n")).map_err(io_err("cannot write", path))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444))
        .map_err(io_err("cannot chmod", path))
}

/// Carry out a [`Placement`] of `id`.
fn put(place: &Placement, id: &str) -> Result<(), Error> {
    use crate::sys::fs::{bind_mount, remount_bind_read_only};
    match place {
        Placement::Write(path) => write_id(path, id),
        Placement::Bind { file, target, mask } => {
            write_id(file, id)?;
            bind_mount(file, target)
                .map_err(io_err("cannot bind-mount the machine-id over", target))?;
            if let Err(e) = remount_bind_read_only(target) {
                crate::warn!("identity: cannot make {} read-only: {e}", target.display());
            }
            if let Some(dir) = mask.parent() {
                std::fs::create_dir_all(dir).map_err(io_err("cannot create", dir))?;
            }
            let _ = std::fs::remove_file(mask);
            std::os::unix::fs::symlink("/dev/null", mask).map_err(io_err("cannot mask", mask))
        }
        Placement::Cannot(_) => Ok(()),
    }
}

/// After the root (and its overlay and state dirs) is mounted at `target`:
/// apply the machine-id policy and log the identity in one line. Failures
/// are warnings (systemd then makes an id of its own).
pub fn apply_machine_id(cfg: &BootConfig, prepared: &Prepared, target: &Path, run: &Path) {
    let etc = target.join("etc/machine-id");
    let content = std::fs::read_to_string(&etc).ok();
    let exists = etc.exists();
    let root = classify(if exists {
        Some(content.as_deref().unwrap_or("?"))
    } else {
        None
    });
    let plan = plan_machine_id(
        &cfg.options.machine_id,
        marked_shared(cfg),
        &root,
        prepared.key.as_ref(),
    );
    let node = crate::sys::init::node_name();
    let nfs4 = match &prepared.uniquifier {
        Some(u) => format!("nfs4 id {} ({})", u.value, u.describe()),
        None if matches!(cfg.root, RootSpec::Nfs(_)) => "no nfs4 id".to_string(),
        None => "nfs4 id not needed (no NFS root)".to_string(),
    };
    let machine = match &plan {
        MachineIdPlan::Keep(why) => format!("machine-id kept ({why}: {root})"),
        MachineIdPlan::NoKey => format!(
            "machine-id not set (no DMI product UUID or MAC to derive it from; the root's is {root})"
        ),
        MachineIdPlan::Set { id, why } => {
            let place = place_machine_id(target, run, cfg.options.overlay.is_some(), exists);
            match (&place, put(&place, id)) {
                (Placement::Cannot(why_not), _) => {
                    format!("machine-id {id} not placed: {why_not}")
                }
                (_, Err(e)) => {
                    crate::warn!("identity: {e}");
                    format!("machine-id {id} not placed ({e})")
                }
                (Placement::Write(_), Ok(())) => {
                    format!("machine-id {id} ({why}; written in the overlay)")
                }
                (Placement::Bind { .. }, Ok(())) => {
                    format!("machine-id {id} ({why}; bind-mounted over /etc/machine-id)")
                }
            }
        }
    };
    crate::info!("identity: node name {node}, {nfs4}, {machine}");
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC_A: [u8; 6] = [0x52, 0x54, 0, 0x12, 0x34, 0x56];
    const MAC_B: [u8; 6] = [0x52, 0x54, 0, 0x12, 0x34, 0x58];

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn node_name_precedence() {
        let a = Some(ip("10.0.0.131"));
        let n = node_name(Some("pc7"), Some("fromip"), a).unwrap();
        assert_eq!((n.name.as_str(), n.source), ("pc7", NodeSource::Dhcp));
        let n = node_name(None, Some("fromip"), a).unwrap();
        assert_eq!((n.name.as_str(), n.source), ("fromip", NodeSource::IpParam));
        let n = node_name(None, None, a).unwrap();
        assert_eq!(
            (n.name.as_str(), n.source),
            ("10.0.0.131", NodeSource::Address)
        );
        // An invalid name from DHCP falls through to the next source.
        let n = node_name(Some("bad name$(x)"), Some("fromip"), a).unwrap();
        assert_eq!(n.source, NodeSource::IpParam);
        let n = node_name(Some("bad name"), None, a).unwrap();
        assert_eq!(n.name, "10.0.0.131");
        assert_eq!(node_name(None, None, None), None);
        assert_eq!(node_name(None, None, Some(Ipv4Addr::UNSPECIFIED)), None);
    }

    #[test]
    fn dmi_uuids_real_and_placeholders() {
        assert_eq!(
            real_dmi_uuid("4C4C4544-0042-3510-8052-B4C04F4E3032\n").as_deref(),
            Some("4c4c4544-0042-3510-8052-b4c04f4e3032")
        );
        for bad in [
            "00000000-0000-0000-0000-000000000000",
            "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
            "03000200-0400-0500-0006-000700080009",
            "00020003-0004-0005-0006-000700080009",
            "Not Settable",
            "",
            "4c4c4544-0042-3510-8052-b4c04f4e303",
            "4c4c4544004235108052b4c04f4e3032",
            "4c4c4544-0042-3510-8052-b4c04f4e303g",
        ] {
            assert_eq!(real_dmi_uuid(bad), None, "{bad}");
        }
    }

    #[test]
    fn machine_key_prefers_a_real_dmi_uuid_then_the_mac() {
        let real = "5b0a1f2e-8c1d-4e6f-9a7b-3c2d1e0f9a8b";
        assert_eq!(
            machine_key(Some(real), Some(MAC_A)),
            Some(MachineKey::Dmi(real.into()))
        );
        assert_eq!(
            machine_key(Some("00000000-0000-0000-0000-000000000000"), Some(MAC_A)),
            Some(MachineKey::Mac(MAC_A))
        );
        assert_eq!(
            machine_key(Some("03000200-0400-0500-0006-000700080009"), Some(MAC_A)),
            Some(MachineKey::Mac(MAC_A))
        );
        assert_eq!(machine_key(None, Some(MAC_A)), Some(MachineKey::Mac(MAC_A)));
        assert_eq!(machine_key(None, Some([0; 6])), None);
        assert_eq!(machine_key(Some("junk"), None), None);
    }

    #[test]
    fn uniquifier_sources() {
        let k = MachineKey::Mac(MAC_A);
        let u = uniquifier(None, Some(&k)).unwrap();
        assert_eq!(u.value, "52:54:00:12:34:56");
        assert_eq!(u.describe(), "from the MAC");
        let d = MachineKey::Dmi("5b0a1f2e-8c1d-4e6f-9a7b-3c2d1e0f9a8b".into());
        let u = uniquifier(None, Some(&d)).unwrap();
        assert_eq!(u.value, "5b0a1f2e-8c1d-4e6f-9a7b-3c2d1e0f9a8b");
        assert_eq!(u.describe(), "from the DMI product UUID");
        let u = uniquifier(Some("lab-pc-7"), Some(&d)).unwrap();
        assert_eq!(
            (u.value.as_str(), u.source),
            ("lab-pc-7", UniqSource::Cmdline)
        );
        assert_eq!(uniquifier(Some(""), None), None);
        assert_eq!(uniquifier(None, None), None);
    }

    #[test]
    fn classify_root_files() {
        assert_eq!(classify(None), RootMachineId::Missing);
        assert_eq!(classify(Some("")), RootMachineId::Empty);
        assert_eq!(classify(Some("\n")), RootMachineId::Empty);
        assert_eq!(
            classify(Some("uninitialized\n")),
            RootMachineId::Uninitialized
        );
        let id = "3f2a0c1e5b6d4e7f8a9b0c1d2e3f4a5b";
        assert_eq!(
            classify(Some(&format!("{id}\n"))),
            RootMachineId::Valid(id.into())
        );
        assert_eq!(
            classify(Some("3F2A0C1E5B6D4E7F8A9B0C1D2E3F4A5B\n")),
            RootMachineId::Invalid
        );
        assert_eq!(
            classify(Some("00000000000000000000000000000000\n")),
            RootMachineId::Invalid
        );
        assert_eq!(classify(Some("hello")), RootMachineId::Invalid);
    }

    #[test]
    fn machine_id_policy_table() {
        let k = MachineKey::Mac(MAC_A);
        let valid = RootMachineId::Valid("3f2a0c1e5b6d4e7f8a9b0c1d2e3f4a5b".into());
        let derived = derive_machine_id(&k);
        let set = |p: MachineIdPlan| match p {
            MachineIdPlan::Set { id, .. } => Some(id),
            _ => None,
        };
        let auto = MachineIdMode::Auto;
        // keep: never touched.
        for root in [
            &valid,
            &RootMachineId::Uninitialized,
            &RootMachineId::Missing,
        ] {
            for shared in [false, true] {
                assert_eq!(
                    plan_machine_id(&MachineIdMode::Keep, shared, root, Some(&k)),
                    MachineIdPlan::Keep("netroot.machine-id=keep")
                );
            }
        }
        // A fixed id wins over everything, even without a key.
        let fixed = MachineIdMode::Fixed("0123456789abcdef0123456789abcdef".into());
        assert_eq!(
            set(plan_machine_id(&fixed, false, &valid, None)).as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        // auto: a populated root that is not marked shared keeps its id.
        assert!(matches!(
            plan_machine_id(&auto, false, &valid, Some(&k)),
            MachineIdPlan::Keep(_)
        ));
        // auto: marked shared, or nothing usable in the root: derived.
        assert_eq!(
            set(plan_machine_id(&auto, true, &valid, Some(&k))),
            Some(derived.clone())
        );
        for root in [
            RootMachineId::Missing,
            RootMachineId::Empty,
            RootMachineId::Uninitialized,
            RootMachineId::Invalid,
        ] {
            for shared in [false, true] {
                let p = plan_machine_id(&auto, shared, &root, Some(&k));
                let MachineIdPlan::Set { id, why } = p else {
                    panic!("{root}: {p:?}");
                };
                assert_eq!(id, derived);
                assert!(why.starts_with("derived from the MAC"), "{why}");
            }
        }
        assert_eq!(
            plan_machine_id(&auto, false, &RootMachineId::Uninitialized, None),
            MachineIdPlan::NoKey
        );
    }

    #[test]
    fn derived_ids_are_stable_distinct_and_well_formed() {
        let a = derive_machine_id(&MachineKey::Mac(MAC_A));
        let b = derive_machine_id(&MachineKey::Mac(MAC_B));
        let d = derive_machine_id(&MachineKey::Dmi(
            "5b0a1f2e-8c1d-4e6f-9a7b-3c2d1e0f9a8b".into(),
        ));
        assert_eq!(a, derive_machine_id(&MachineKey::Mac(MAC_A)), "stable");
        assert_ne!(a, b);
        assert_ne!(a, d);
        for id in [&a, &b, &d] {
            assert_eq!(classify(Some(id)), RootMachineId::Valid(id.to_string()));
            // Version 4, variant 1 (RFC 4122 section 4.4).
            assert_eq!(&id[12..13], "4", "{id}");
            assert!("89ab".contains(&id[16..17]), "{id}");
        }
        // The id does not carry the MAC in clear.
        assert!(!a.contains("525400123456"));
    }

    #[test]
    fn placement_by_root_kind() {
        let t = Path::new("/new_root");
        let run = Path::new("/run");
        assert_eq!(
            place_machine_id(t, run, true, false),
            Placement::Write("/new_root/etc/machine-id".into())
        );
        assert_eq!(
            place_machine_id(t, run, false, true),
            Placement::Bind {
                file: "/run/netroot/machine-id".into(),
                target: "/new_root/etc/machine-id".into(),
                mask: "/run/systemd/system/systemd-machine-id-commit.service".into(),
            }
        );
        assert!(matches!(
            place_machine_id(t, run, false, false),
            Placement::Cannot(_)
        ));
    }

    #[test]
    fn writing_in_an_overlay_and_reading_sysfs_fixtures() {
        let dir = std::env::temp_dir().join(format!("netroot-identity-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let place = Placement::Write(dir.join("etc/machine-id"));
        put(&place, "0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("etc/machine-id")).unwrap(),
            "0123456789abcdef0123456789abcdef\n"
        );
        std::fs::create_dir_all(dir.join("class/net/eth0")).unwrap();
        std::fs::write(dir.join("class/net/eth0/address"), "52:54:00:12:34:56\n").unwrap();
        assert_eq!(iface_mac(&dir, "eth0"), Some(MAC_A));
        assert_eq!(iface_mac(&dir, "../eth0"), None);
        assert_eq!(iface_mac(&dir, "eth1"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

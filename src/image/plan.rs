//! PURE planning of an image: which modules (the chosen set, its
//! modules.dep and softdep closure), the depmod files for exactly those
//! modules, which firmware files they name, and the final list of archive
//! entries. Inputs are texts and bytes the IO layer ([`super::build`]) read;
//! nothing here opens a file.

use std::collections::{BTreeMap, BTreeSet};

use super::cpio::{Entry, Kind};
use super::Error;
use crate::kmod::{self, parse};

/// Which drivers go into the image besides the root's modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Set {
    /// What the QEMU lab boots: virtio and Intel e1000/e1000e NICs, NFS
    /// (v3 and v4), NBD, btrfs, overlay.
    Default,
    /// `default` plus the common NIC drivers of real machines (where the
    /// kernel has them) and ext4/xfs for NBD roots.
    Generic,
    /// The drivers of this machine's network interfaces plus what a network
    /// root needs (NFS, NBD, overlay) and this machine's root file system.
    Host,
}

impl Set {
    /// Parse `default`, `generic` or `host`.
    pub fn parse(s: &str) -> Option<Set> {
        match s {
            "default" => Some(Set::Default),
            "generic" => Some(Set::Generic),
            "host" => Some(Set::Host),
            _ => None,
        }
    }

    /// The set's name.
    pub fn name(self) -> &'static str {
        match self {
            Set::Default => "default",
            Set::Generic => "generic",
            Set::Host => "host",
        }
    }
}

/// What a network root needs whatever the NIC: NFS (both versions: netroot
/// falls back from v4 to v3), NBD, overlay for `netroot.overlay=`, and the
/// live root's loop device and image file systems (squashfs, erofs).
const ROOT_MODULES: &[&str] = &[
    "nfsv4", "nfsv3", "nbd", "overlay", "loop", "squashfs", "erofs",
];
/// The lab's NICs (QEMU's virtio-net, e1000, e1000e) and btrfs (its NBD image).
const LAB_MODULES: &[&str] = &["virtio_pci", "virtio_net", "e1000", "e1000e", "btrfs"];
/// The drivers of dracut's `bond=`, `vlan=`, `bridge=` (netroot creates
/// those links itself), taken where the kernel has them.
const NETDEV_MODULES: &[&str] = &["bonding", "8021q", "bridge"];
/// File systems of NBD roots on real machines.
const GENERIC_FS: &[&str] = &["ext4", "xfs"];
/// NIC drivers of common server and desktop hardware, taken where the
/// kernel has them: Intel (igb, igc, ixgbe, i40e, ice), Realtek r8169,
/// Broadcom (tg3, bnx2, bnx2x, bnxt_en), Mellanox (mlx4_en, mlx5_core),
/// Aquantia atlantic.
const GENERIC_NICS: &[&str] = &[
    "igb",
    "igc",
    "ixgbe",
    "i40e",
    "ice",
    "r8169",
    "tg3",
    "bnx2",
    "bnx2x",
    "bnxt_en",
    "mlx4_en",
    "mlx5_core",
    "atlantic",
];

/// What this machine has, for the `host` set (read from /sys and
/// /proc/mounts by the IO layer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Host {
    /// Module names of the network interfaces' drivers and their buses
    /// (`/sys/class/net/*/device/driver/module` and the parents').
    pub drivers: Vec<String>,
    /// Modaliases of those devices, for drivers not loaded here.
    pub modaliases: Vec<String>,
    /// The type of this machine's root file system (`ext4`), if any.
    pub root_fs: Option<String>,
}

/// The names asked for: `required` must exist (an error otherwise),
/// `optional` are taken where the kernel has them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Modules the image must have.
    pub required: Vec<String>,
    /// Modules taken when present.
    pub optional: Vec<String>,
    /// Modaliases whose drivers are taken when present.
    pub modaliases: Vec<String>,
}

/// The names of `set` plus `add` (always required).
pub fn selection(set: Set, add: &[String], host: &Host) -> Selection {
    let own = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // Optional too: the shutdown watchdog's power button (taken where the
    // kernel has them as modules: built in, they need nothing).
    let mut s = Selection {
        required: own(ROOT_MODULES),
        optional: own(NETDEV_MODULES)
            .into_iter()
            .chain(own(crate::watchdog::MODULES))
            .collect(),
        ..Selection::default()
    };
    match set {
        Set::Default => s.required.extend(own(LAB_MODULES)),
        Set::Generic => {
            s.required.extend(own(LAB_MODULES));
            s.required.extend(own(GENERIC_FS));
            s.optional.extend(own(GENERIC_NICS));
        }
        Set::Host => {
            s.optional.extend(host.drivers.iter().cloned());
            s.optional.extend(host.root_fs.iter().cloned());
            s.modaliases.extend(host.modaliases.iter().cloned());
        }
    }
    s.required.extend(add.iter().cloned());
    s
}

/// depmod's files of the source kernel, as read.
#[derive(Debug, Clone, Default)]
pub struct DepFiles {
    /// modules.dep (required).
    pub dep: String,
    /// modules.alias.
    pub alias: String,
    /// modules.softdep.
    pub softdep: String,
    /// modules.builtin.
    pub builtin: String,
    /// modules.builtin.modinfo (binary: NUL-separated strings).
    pub builtin_modinfo: Vec<u8>,
    /// modules.order.
    pub order: String,
}

/// The modules an image gets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Closure {
    /// Module name → its path in the source modules.dep (maybe `.ko.xz`).
    pub modules: BTreeMap<String, String>,
    /// Notes for the person building: optional modules the kernel lacks,
    /// names that are built in.
    pub notes: Vec<String>,
}

/// The path a module is stored under in the image: compressed modules are
/// stored decompressed, so `.ko.xz`, `.ko.zst`, `.ko.gz` become `.ko`.
pub fn stored_path(path: &str) -> String {
    for ext in [".xz", ".zst", ".gz"] {
        if let Some(p) = path.strip_suffix(ext) {
            if p.ends_with(".ko") {
                return p.to_string();
            }
        }
    }
    path.to_string()
}

struct Index<'a> {
    tree: kmod::Tree,
    dep: BTreeMap<String, parse::DepLine>,
    softdep: BTreeMap<String, Vec<String>>,
    builtin: BTreeSet<String>,
    kver: &'a str,
}

impl Index<'_> {
    /// Add `name` and its closure. `Ok(false)` when the kernel has no such
    /// module (nor built in, nor an alias).
    fn add(&self, name: &str, out: &mut Closure) -> Result<bool, Error> {
        let n = parse::normalize(name);
        if self.builtin.contains(&n) {
            out.notes
                .push(format!("{n} is built into kernel {}", self.kver));
            return Ok(true);
        }
        if !self.dep.contains_key(&n) {
            let via = self.tree.resolve_alias(name);
            for m in &via {
                self.visit(m, None, out)?;
            }
            return Ok(!via.is_empty());
        }
        self.visit(&n, None, out)?;
        Ok(true)
    }

    fn visit(&self, name: &str, parent: Option<&str>, out: &mut Closure) -> Result<(), Error> {
        if out.modules.contains_key(name) || self.builtin.contains(name) {
            return Ok(());
        }
        let Some(line) = self.dep.get(name) else {
            return Err(match parent {
                Some(p) => Error::MissingDependency {
                    module: p.to_string(),
                    dependency: name.to_string(),
                },
                None => Error::MissingModule {
                    module: name.to_string(),
                    kver: self.kver.to_string(),
                },
            });
        };
        out.modules.insert(name.to_string(), line.path.clone());
        for d in &line.deps {
            self.visit(&parse::name_of_path(d), Some(name), out)?;
        }
        // Soft pre-dependencies (modules.softdep: names or aliases such as
        // `crypto-crc32c`, every match taken, as modprobe loads them): the
        // loader has no modprobe behind request_module(), so they must be
        // in the image.
        for s in self.softdep.get(name).into_iter().flatten() {
            let n = parse::normalize(s);
            let cands = if self.dep.contains_key(&n) || self.builtin.contains(&n) {
                vec![n]
            } else {
                self.tree.resolve_alias(s)
            };
            if cands.is_empty() {
                out.notes.push(format!(
                    "softdep {s} of {name} not in kernel {}, skipped",
                    self.kver
                ));
            }
            for c in cands {
                self.visit(&c, Some(name), out)?;
            }
        }
        Ok(())
    }
}

/// The dependency and softdep closure of `sel` in a kernel's depmod files.
/// A required name the kernel lacks is an error naming it; an optional one
/// a note.
pub fn closure(files: &DepFiles, sel: &Selection, kver: &str) -> Result<Closure, Error> {
    let ix = Index {
        tree: kmod::Tree::from_texts(std::path::Path::new(""), "", &files.alias, "", ""),
        dep: parse::modules_dep(&files.dep)
            .into_iter()
            .map(|l| (parse::name_of_path(&l.path), l))
            .collect(),
        softdep: parse::modules_softdep(&files.softdep).into_iter().collect(),
        builtin: parse::modules_builtin(&files.builtin).into_iter().collect(),
        kver,
    };
    let mut out = Closure::default();
    for m in &sel.required {
        if !ix.add(m, &mut out)? {
            return Err(Error::MissingModule {
                module: m.clone(),
                kver: kver.to_string(),
            });
        }
    }
    for m in &sel.optional {
        if !ix.add(m, &mut out)? {
            out.notes
                .push(format!("kernel {kver} has no module {m}, skipped"));
        }
    }
    for a in &sel.modaliases {
        for m in ix.tree.resolve_alias(a) {
            ix.visit(&m, None, &mut out)?;
        }
    }
    Ok(out)
}

/// depmod's files for exactly the modules of `c`, with the paths they are
/// stored under: the source's lines of those modules (depmod lists each
/// module's full closure, all in `c`), aliases and softdeps of those
/// modules, modules.builtin and modules.builtin.modinfo as they are.
/// Returns (file name, contents).
pub fn depmod_files(files: &DepFiles, c: &Closure) -> Vec<(String, Vec<u8>)> {
    let has = |path: &str| c.modules.contains_key(&parse::name_of_path(path));
    let mut dep = String::new();
    for l in parse::modules_dep(&files.dep) {
        if has(&l.path) {
            dep.push_str(&stored_path(&l.path));
            dep.push(':');
            for d in &l.deps {
                dep.push(' ');
                dep.push_str(&stored_path(d));
            }
            dep.push('\n');
        }
    }
    let keep_lines = |text: &str, keep: &dyn Fn(&[&str]) -> bool| -> String {
        text.lines()
            .filter(|l| keep(&l.split_whitespace().collect::<Vec<_>>()))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let alias = keep_lines(&files.alias, &|w| {
        w.len() == 3 && w[0] == "alias" && c.modules.contains_key(&parse::normalize(w[2]))
    });
    let softdep = keep_lines(&files.softdep, &|w| {
        w.len() >= 2 && w[0] == "softdep" && c.modules.contains_key(&parse::normalize(w[1]))
    });
    let order: String = files
        .order
        .lines()
        .filter(|l| has(l.trim()))
        .map(|l| format!("{}\n", stored_path(l.trim())))
        .collect();
    vec![
        ("modules.dep".into(), dep.into_bytes()),
        ("modules.alias".into(), alias.into_bytes()),
        ("modules.softdep".into(), softdep.into_bytes()),
        ("modules.builtin".into(), files.builtin.clone().into_bytes()),
        (
            "modules.builtin.modinfo".into(),
            files.builtin_modinfo.clone(),
        ),
        ("modules.order".into(), order.into_bytes()),
    ]
}

/// Where the kernel looks for a firmware file, first hit wins
/// (Documentation/driver-api/firmware/fw_search_path.rst): relative to the
/// root, each also as `.zst` and `.xz` (CONFIG_FW_LOADER_COMPRESS; Fedora
/// and Arch ship compressed firmware). The image stores the file
/// decompressed at `lib/firmware/<name>`.
pub fn firmware_candidates(kver: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for dir in [
        format!("lib/firmware/updates/{kver}"),
        "lib/firmware/updates".to_string(),
        format!("lib/firmware/{kver}"),
        "lib/firmware".to_string(),
    ] {
        for ext in ["", ".zst", ".xz"] {
            out.push(format!("{dir}/{name}{ext}"));
        }
    }
    out
}

/// A firmware name from a module is used as a path: it must stay inside
/// the firmware directory.
pub fn firmware_name_ok(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && name
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// The contents of the image.
#[derive(Debug, Clone, Default)]
pub struct Contents {
    /// The kernel release (`lib/modules/<kver>`).
    pub kver: String,
    /// `/init`.
    pub init: Vec<u8>,
    /// (stored path relative to the modules directory, contents).
    pub modules: Vec<(String, Vec<u8>)>,
    /// depmod's files (name, contents).
    pub depmod: Vec<(String, Vec<u8>)>,
    /// (name relative to lib/firmware, contents).
    pub firmware: Vec<(String, Vec<u8>)>,
    /// The CA bundle for https:// ([`crate::tls::CA_BUNDLE`]).
    pub ca_bundle: Option<Vec<u8>>,
}

/// The archive entries of an image: the directories PID 1 mounts on,
/// `/dev/console` (the kernel opens it for init's fds 0-2 before anything
/// mounts devtmpfs), `/init`, the modules with depmod's files, the firmware,
/// the CA bundle, and every parent directory.
pub fn entries(c: &Contents) -> Vec<Entry> {
    let mut dirs: BTreeSet<String> = ["dev", "proc", "sys", "run", "newroot", "tmp", "bin", "sbin"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut out = vec![
        Entry {
            path: "dev/console".into(),
            perm: 0o600,
            kind: Kind::CharDev { major: 5, minor: 1 },
        },
        Entry {
            path: "init".into(),
            perm: 0o755,
            kind: Kind::File(c.init.clone()),
        },
    ];
    let mdir = format!("lib/modules/{}", c.kver);
    let files = c
        .modules
        .iter()
        .map(|(p, d)| (format!("{mdir}/{p}"), d))
        .chain(c.depmod.iter().map(|(p, d)| (format!("{mdir}/{p}"), d)))
        .chain(
            c.firmware
                .iter()
                .map(|(p, d)| (format!("lib/firmware/{p}"), d)),
        )
        .chain(
            c.ca_bundle
                .iter()
                .map(|d| (crate::tls::CA_BUNDLE.to_string(), d)),
        );
    for (path, data) in files {
        let mut p = path.as_str();
        while let Some((parent, _)) = p.rsplit_once('/') {
            dirs.insert(parent.to_string());
            p = parent;
        }
        out.push(Entry {
            path,
            perm: 0o644,
            kind: Kind::File(data.clone()),
        });
    }
    out.extend(dirs.into_iter().map(|d| Entry {
        perm: if d == "tmp" { 0o1777 } else { 0o755 },
        path: d,
        kind: Kind::Dir,
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> DepFiles {
        DepFiles {
            dep: "kernel/net/virtio_net.ko.xz: kernel/net/net_failover.ko.xz kernel/net/failover.ko.xz\n\
                  kernel/net/net_failover.ko.xz: kernel/net/failover.ko.xz\n\
                  kernel/net/failover.ko.xz:\n\
                  kernel/fs/nfsv4.ko.xz: kernel/fs/nfs.ko.xz\n\
                  kernel/fs/nfs.ko.xz:\n\
                  kernel/lib/libcrc32c.ko.xz:\n\
                  kernel/crypto/crc32c_generic.ko.xz:\n\
                  kernel/net/r8169.ko.xz:\n"
                .into(),
            alias: "alias crypto-crc32c crc32c_generic\nalias pci:v000010ECd00008168sv*sd*bc*sc*i* r8169\nalias fs-nfs4 nfsv4\n".into(),
            softdep: "softdep libcrc32c pre: crypto-crc32c\nsoftdep r8169 pre: realtek\n".into(),
            builtin: "kernel/fs/overlayfs/overlay.ko\n".into(),
            builtin_modinfo: b"overlay.x=1\0".to_vec(),
            order: "kernel/net/failover.ko.xz\nkernel/net/r8169.ko.xz\nkernel/fs/nfs.ko.xz\n".into(),
        }
    }

    fn sel(req: &[&str], opt: &[&str], aliases: &[&str]) -> Selection {
        let own = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        Selection {
            required: own(req),
            optional: own(opt),
            modaliases: own(aliases),
        }
    }

    #[test]
    fn closure_follows_deps_softdeps_aliases() {
        let c = closure(
            &files(),
            &sel(
                &["virtio-net", "fs-nfs4", "libcrc32c", "overlay"],
                &["no_such"],
                &[],
            ),
            "6.12",
        )
        .unwrap();
        let names: Vec<&str> = c.modules.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "crc32c_generic",
                "failover",
                "libcrc32c",
                "net_failover",
                "nfs",
                "nfsv4",
                "virtio_net"
            ]
        );
        assert!(c.notes.iter().any(|n| n.contains("overlay is built into")));
        assert!(c.notes.iter().any(|n| n.contains("no module no_such")));
    }

    #[test]
    fn host_modaliases_and_missing_softdep() {
        let c = closure(
            &files(),
            &sel(
                &[],
                &[],
                &["pci:v000010ECd00008168sv00001043sd00008677bc02sc00i00"],
            ),
            "k",
        )
        .unwrap();
        assert_eq!(c.modules.keys().collect::<Vec<_>>(), ["r8169"]);
        assert!(c
            .notes
            .iter()
            .any(|n| n.contains("softdep realtek of r8169")));
    }

    #[test]
    fn missing_required_and_broken_dep_are_named() {
        assert_eq!(
            closure(&files(), &sel(&["nope"], &[], &[]), "6.1"),
            Err(Error::MissingModule {
                module: "nope".into(),
                kver: "6.1".into()
            })
        );
        let mut f = files();
        f.dep.push_str("kernel/x.ko: kernel/gone.ko\n");
        assert_eq!(
            closure(&f, &sel(&["x"], &[], &[]), "6.1"),
            Err(Error::MissingDependency {
                module: "x".into(),
                dependency: "gone".into()
            })
        );
    }

    #[test]
    fn depmod_files_keep_only_the_image_and_store_plain_ko() {
        let f = files();
        let c = closure(&f, &sel(&["nfsv4", "libcrc32c"], &[], &[]), "k").unwrap();
        let d: BTreeMap<String, String> = depmod_files(&f, &c)
            .into_iter()
            .map(|(n, b)| (n, String::from_utf8_lossy(&b).into_owned()))
            .collect();
        assert_eq!(
            d["modules.dep"],
            "kernel/fs/nfsv4.ko: kernel/fs/nfs.ko\nkernel/fs/nfs.ko:\nkernel/lib/libcrc32c.ko:\nkernel/crypto/crc32c_generic.ko:\n"
        );
        assert_eq!(
            d["modules.alias"],
            "alias crypto-crc32c crc32c_generic\nalias fs-nfs4 nfsv4\n"
        );
        assert_eq!(
            d["modules.softdep"],
            "softdep libcrc32c pre: crypto-crc32c\n"
        );
        assert_eq!(d["modules.order"], "kernel/fs/nfs.ko\n");
        // What the image's loader reads back plans the same modules.
        let tree = kmod::Tree::from_texts(
            std::path::Path::new("/lib/modules/k"),
            &d["modules.dep"],
            &d["modules.alias"],
            &d["modules.softdep"],
            &d["modules.builtin"],
        );
        let plan = tree.plan(&["fs-nfs4", "libcrc32c"], &[]).unwrap();
        assert_eq!(
            plan.names(),
            ["nfs", "nfsv4", "crc32c_generic", "libcrc32c"]
        );
    }

    #[test]
    fn stored_paths_and_firmware_names() {
        assert_eq!(stored_path("a/b.ko.zst"), "a/b.ko");
        assert_eq!(stored_path("a/b.ko.gz"), "a/b.ko");
        assert_eq!(stored_path("a/b.ko"), "a/b.ko");
        assert_eq!(stored_path("a/b.xz"), "a/b.xz");
        assert!(firmware_name_ok("rtl_nic/rtl8168d-1.fw"));
        for bad in ["", "/etc/shadow", "../x", "a//b", "a/./b"] {
            assert!(!firmware_name_ok(bad), "{bad}");
        }
        let c = firmware_candidates("6.12", "a.fw");
        assert_eq!(c[0], "lib/firmware/updates/6.12/a.fw");
        assert_eq!(c.last().unwrap(), "lib/firmware/a.fw.xz");
        assert_eq!(c.len(), 12);
    }

    #[test]
    fn entries_have_parents_console_and_sticky_tmp() {
        let e = entries(&Contents {
            kver: "k".into(),
            init: b"init".to_vec(),
            modules: vec![("kernel/a/b.ko".into(), b"ko".to_vec())],
            depmod: vec![("modules.dep".into(), b"".to_vec())],
            firmware: vec![("rtl_nic/x.fw".into(), b"fw".to_vec())],
            ca_bundle: Some(b"pem".to_vec()),
        });
        let find = |p: &str| {
            e.iter()
                .find(|x| x.path == p)
                .unwrap_or_else(|| panic!("{p}"))
        };
        for d in [
            "lib",
            "lib/modules",
            "lib/modules/k/kernel/a",
            "lib/firmware/rtl_nic",
            "etc/netroot",
            "newroot",
        ] {
            assert_eq!(find(d).kind, Kind::Dir);
        }
        assert_eq!(find("tmp").perm, 0o1777);
        assert_eq!(
            find("etc/netroot/ca-certificates.crt").kind,
            Kind::File(b"pem".to_vec())
        );
        assert_eq!(find("init").perm, 0o755);
        assert_eq!(
            find("dev/console").kind,
            Kind::CharDev { major: 5, minor: 1 }
        );
        assert!(super::super::cpio::write(&e).is_ok());
    }
}

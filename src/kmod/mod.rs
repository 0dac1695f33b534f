//! Kernel modules: modules.dep / modules.alias parsers (pure), load plan, loader.
//!
//! The image builder runs depmod(8), so at boot we only read its output:
//! [`Tree::open`] reads `modules.dep`, `modules.alias`, `modules.softdep` and
//! `modules.builtin` from a modules directory (`/lib/modules/<release>`),
//! [`Tree::plan`] turns wanted names plus coldplug modaliases into an ordered
//! [`Plan`] (dependencies first), and [`Loader::spawn`] loads it with
//! finit_module(2) on a few threads, so independent modules (the NIC driver
//! and the NFS chain) load at the same time.

pub(crate) mod loader;
pub(crate) mod parse;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub use loader::{Handle, Loader};

/// Errors of module planning and loading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A depmod file could not be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error in words.
        reason: String,
    },
    /// A wanted module is neither in modules.dep, built in, nor an alias.
    #[error("module {module} not found in {dir} (not in modules.dep, modules.builtin or modules.alias; add it to the image)")]
    Missing {
        /// The module name as asked for.
        module: String,
        /// The modules directory searched.
        dir: PathBuf,
    },
    /// modules.dep names a dependency that has no line of its own.
    #[error("module {module} needs {dependency}, which is not in modules.dep")]
    MissingDependency {
        /// The module.
        module: String,
        /// The dependency missing from the image.
        dependency: String,
    },
    /// A dependency cycle (depmod refuses these; a hand-made file may not).
    #[error("module {module} depends on itself through modules.dep")]
    Cycle {
        /// A module on the cycle.
        module: String,
    },
    /// The module file is compressed; netroot loads plain `.ko` files only.
    #[error("module {module} is compressed ({path}); netroot loads uncompressed .ko files only: decompress it when building the image")]
    Compressed {
        /// The module.
        module: String,
        /// Its file.
        path: PathBuf,
    },
    /// finit_module(2) failed.
    #[error("loading module {module} from {path} failed: {reason}")]
    Load {
        /// The module.
        module: String,
        /// Its file.
        path: PathBuf,
        /// The error in words.
        reason: String,
    },
    /// A module was not loaded because one of its dependencies failed.
    #[error("module {module} not loaded: its dependency {dependency} failed")]
    DependencyFailed {
        /// The module.
        module: String,
        /// The dependency that failed.
        dependency: String,
    },
}

/// Result alias for this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
struct DepEntry {
    path: String,
    deps: Vec<String>,
}

/// The modules of one kernel as depmod described them.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    dir: PathBuf,
    modules: HashMap<String, DepEntry>,
    /// Aliases grouped by the text before the first `:` so a modalias is only
    /// matched against patterns of its own bus.
    aliases: HashMap<String, Vec<(String, String)>>,
    softdeps: HashMap<String, Vec<String>>,
    builtin: HashSet<String>,
    loaded: HashSet<String>,
}

/// One module to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Normalised name (`_`, never `-`).
    pub name: String,
    /// Absolute path of the `.ko` file.
    pub path: PathBuf,
    /// Indices into [`Plan::modules`] that must be loaded first.
    pub deps: Vec<usize>,
    /// Soft pre-dependencies (modules.softdep): tried first, but their
    /// failure (e.g. crc32c_intel on a CPU without SSE4.2) does not block.
    pub soft: Vec<usize>,
}

/// What to load, dependencies before dependents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Modules in a valid load order.
    pub modules: Vec<Module>,
    /// Names asked for (or matched) that need no loading: built in or already loaded.
    pub skipped: Vec<String>,
}

impl Plan {
    /// The names of the planned modules in load order.
    pub fn names(&self) -> Vec<&str> {
        self.modules.iter().map(|m| m.name.as_str()).collect()
    }

    /// Position of a module by (normalised) name.
    pub fn index(&self, name: &str) -> Option<usize> {
        let n = parse::normalize(name);
        self.modules.iter().position(|m| m.name == n)
    }
}

fn read_opt(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }),
    }
}

fn bus_of(s: &str) -> &str {
    s.split_once(':').map_or("", |(b, _)| b)
}

impl Tree {
    /// Read depmod's files from `modules_dir` (e.g. `/lib/modules/6.1.0-56-amd64`).
    /// modules.dep is required; the others are optional.
    pub fn open(modules_dir: &Path) -> Result<Tree> {
        let dep_path = modules_dir.join("modules.dep");
        let dep = read_opt(&dep_path)?.ok_or_else(|| Error::Read {
            path: dep_path.clone(),
            reason: "no such file (was depmod run when the image was built?)".into(),
        })?;
        let alias = read_opt(&modules_dir.join("modules.alias"))?.unwrap_or_default();
        let softdep = read_opt(&modules_dir.join("modules.softdep"))?.unwrap_or_default();
        let builtin = read_opt(&modules_dir.join("modules.builtin"))?.unwrap_or_default();
        Ok(Tree::from_texts(
            modules_dir,
            &dep,
            &alias,
            &softdep,
            &builtin,
        ))
    }

    /// Build a tree from the files' contents (PURE; `open` reads them).
    pub fn from_texts(dir: &Path, dep: &str, alias: &str, softdep: &str, builtin: &str) -> Tree {
        let mut modules = HashMap::new();
        for line in parse::modules_dep(dep) {
            let name = parse::name_of_path(&line.path);
            modules.insert(
                name,
                DepEntry {
                    path: line.path,
                    deps: line.deps.iter().map(|d| parse::name_of_path(d)).collect(),
                },
            );
        }
        let mut aliases: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (pattern, module) in parse::modules_alias(alias) {
            aliases
                .entry(bus_of(&pattern).to_string())
                .or_default()
                .push((pattern, module));
        }
        Tree {
            dir: dir.to_path_buf(),
            modules,
            aliases,
            softdeps: parse::modules_softdep(softdep).into_iter().collect(),
            builtin: parse::modules_builtin(builtin).into_iter().collect(),
            loaded: HashSet::new(),
        }
    }

    /// Record modules as already loaded (from [`loaded_modules`], or from an
    /// earlier plan) so later plans skip them.
    pub fn mark_loaded<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, names: I) {
        self.loaded
            .extend(names.into_iter().map(|n| parse::normalize(n.as_ref())));
    }

    /// The modules whose alias patterns match `modalias` (fnmatch(3), as
    /// modprobe matches them).
    pub fn resolve_alias(&self, modalias: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Some(list) = self.aliases.get(bus_of(modalias)) {
            for (pattern, module) in list {
                if parse::fnmatch(pattern, modalias) && !out.contains(module) {
                    out.push(module.clone());
                }
            }
        }
        out
    }

    /// Plan loading `wanted` (module names or aliases such as `fs-nfs4`; a
    /// name that is none of module, built-in or alias is an error) and the
    /// drivers of `aliases` (coldplug modaliases; those without a driver are
    /// ignored, most devices need none). Built-in and already loaded modules
    /// are skipped.
    pub fn plan(&self, wanted: &[&str], aliases: &[String]) -> Result<Plan> {
        self.plan_excluding(wanted, aliases, &HashSet::new())
    }

    /// [`Tree::plan`], also treating the (normalised) names in `exclude` as
    /// loaded: a second coldplug round skips what the first one loaded.
    pub fn plan_excluding(
        &self,
        wanted: &[&str],
        aliases: &[String],
        exclude: &HashSet<String>,
    ) -> Result<Plan> {
        let mut roots: Vec<String> = Vec::new();
        let mut skipped: Vec<String> = Vec::new();
        for w in wanted {
            let n = parse::normalize(w);
            if self.modules.contains_key(&n) || self.builtin.contains(&n) {
                roots.push(n);
                continue;
            }
            let via_alias = self.resolve_alias(w);
            if via_alias.is_empty() {
                return Err(Error::Missing {
                    module: (*w).to_string(),
                    dir: self.dir.clone(),
                });
            }
            roots.extend(via_alias);
        }
        for a in aliases {
            roots.extend(self.resolve_alias(a));
        }
        let mut b = Builder {
            tree: self,
            exclude,
            plan: Plan::default(),
            state: HashMap::new(),
        };
        for r in roots {
            if self.builtin.contains(&r) || self.loaded.contains(&r) || exclude.contains(&r) {
                if !skipped.contains(&r) {
                    skipped.push(r);
                }
                continue;
            }
            b.visit(&r, None)?;
        }
        b.plan.skipped = skipped;
        Ok(b.plan)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Visiting,
    Done(Option<usize>),
}

struct Builder<'a> {
    tree: &'a Tree,
    exclude: &'a HashSet<String>,
    plan: Plan,
    state: HashMap<String, Mark>,
}

impl Builder<'_> {
    /// Depth-first: push a module after its dependencies. Returns its index,
    /// or None when nothing needs loading (built in / loaded / missing soft dep).
    fn visit(&mut self, name: &str, parent: Option<&str>) -> Result<Option<usize>> {
        match self.state.get(name) {
            Some(Mark::Done(i)) => return Ok(*i),
            Some(Mark::Visiting) => {
                return Err(Error::Cycle {
                    module: name.to_string(),
                })
            }
            None => {}
        }
        if self.tree.builtin.contains(name)
            || self.tree.loaded.contains(name)
            || self.exclude.contains(name)
        {
            self.state.insert(name.to_string(), Mark::Done(None));
            return Ok(None);
        }
        let entry = match self.tree.modules.get(name) {
            Some(e) => e,
            None => {
                return Err(match parent {
                    Some(p) => Error::MissingDependency {
                        module: p.to_string(),
                        dependency: name.to_string(),
                    },
                    None => Error::Missing {
                        module: name.to_string(),
                        dir: self.tree.dir.clone(),
                    },
                })
            }
        };
        self.state.insert(name.to_string(), Mark::Visiting);
        let mut deps = Vec::new();
        let mut soft = Vec::new();
        // Soft pre-dependencies first, and only those the image has. They
        // matter: without a modprobe for the kernel's request_module(),
        // libcrc32c cannot pull in "crc32c" itself. An entry may be a
        // module name or an alias (`crypto-crc32c`: every match is loaded,
        // as modprobe does).
        if let Some(pre) = self.tree.softdeps.get(name) {
            for p in pre {
                let n = parse::normalize(p);
                let cands = if self.tree.modules.contains_key(&n) {
                    vec![n]
                } else {
                    self.tree.resolve_alias(p)
                };
                for c in cands {
                    if !self.tree.modules.contains_key(&c)
                        || self.state.get(&c) == Some(&Mark::Visiting)
                    {
                        continue;
                    }
                    if let Some(i) = self.visit(&c, Some(name))? {
                        if !soft.contains(&i) {
                            soft.push(i);
                        }
                    }
                }
            }
        }
        for d in &entry.deps {
            if let Some(i) = self.visit(d, Some(name))? {
                if !deps.contains(&i) {
                    deps.push(i);
                }
            }
        }
        let path = self.tree.dir.join(&entry.path);
        if !entry.path.ends_with(".ko") {
            return Err(Error::Compressed {
                module: name.to_string(),
                path,
            });
        }
        let idx = self.plan.modules.len();
        self.plan.modules.push(Module {
            name: name.to_string(),
            path,
            soft: soft.into_iter().filter(|i| !deps.contains(i)).collect(),
            deps,
        });
        self.state.insert(name.to_string(), Mark::Done(Some(idx)));
        Ok(Some(idx))
    }
}

/// The modaliases of every device on every bus: the contents of
/// `<sys_root>/bus/*/devices/*/modalias`, where `sys_root` is where sysfs is
/// mounted (`/sys` at boot; a fixture directory in tests). Deduplicated, in
/// directory order. Unreadable entries are skipped.
pub fn coldplug_aliases(sys_root: &Path) -> Vec<String> {
    new_device_aliases(sys_root, &mut HashSet::new())
}

/// [`coldplug_aliases`] of the devices not in `seen`, which are added to
/// it: a later coldplug round lists the buses again but reads the modalias
/// of the devices that appeared since (the children of a bus driver just
/// loaded), not of every device again (each read of sysfs is a few system
/// calls, which under emulation cost tens of microseconds).
pub fn new_device_aliases(sys_root: &Path, seen: &mut HashSet<PathBuf>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Ok(buses) = std::fs::read_dir(sys_root.join("bus")) else {
        return out;
    };
    let mut buses: Vec<_> = buses.flatten().map(|e| e.path()).collect();
    buses.sort();
    for bus in buses {
        let Ok(devs) = std::fs::read_dir(bus.join("devices")) else {
            continue;
        };
        let mut devs: Vec<_> = devs
            .flatten()
            .map(|e| e.path())
            .filter(|p| !seen.contains(p))
            .collect();
        devs.sort();
        for dev in devs {
            if let Ok(s) = std::fs::read_to_string(dev.join("modalias")) {
                let s = s.trim();
                if !s.is_empty() && !out.iter().any(|o| o == s) {
                    out.push(s.to_string());
                }
            }
            seen.insert(dev);
        }
    }
    out
}

/// Coldplug: load the drivers of every device in `<sys_root>/bus/*/devices`,
/// then scan again, because loading a bus driver makes new devices appear
/// (virtio_pci creates the virtio devices that virtio_net drives). Stops
/// when a scan finds nothing new (at most 4 rounds). Runs the loader with
/// `load` (use [`loader::load_file`]). Returns the modules loaded and the
/// failures; a failed driver does not stop the others.
pub fn coldplug(
    tree: &Tree,
    sys_root: &Path,
    load: std::sync::Arc<loader::LoadFn>,
) -> (Vec<String>, Vec<Error>) {
    let mut done: HashSet<String> = HashSet::new();
    let mut loaded = Vec::new();
    let mut failed = Vec::new();
    let mut seen = HashSet::new();
    for round in 0..4 {
        // The devices of earlier rounds have had their drivers planned.
        let aliases = new_device_aliases(sys_root, &mut seen);
        let plan = match tree.plan_excluding(&[], &aliases, &done) {
            Ok(p) => p,
            Err(e) => {
                failed.push(e);
                break;
            }
        };
        if plan.modules.is_empty() {
            break;
        }
        crate::debug!("coldplug round {round}: {}", plan.names().join(" "));
        done.extend(plan.modules.iter().map(|m| m.name.clone()));
        let names: Vec<String> = plan.modules.iter().map(|m| m.name.clone()).collect();
        let h = Loader::spawn_with(plan, loader::THREADS, load.clone());
        let _ = h.wait_all();
        let errs = h.failures();
        loaded.extend(names.into_iter().filter(|n| {
            !errs.iter().any(|e| {
                matches!(e, Error::Load { module, .. } | Error::DependencyFailed { module, .. } if module == n)
            })
        }));
        failed.extend(errs);
    }
    (loaded, failed)
}

/// The running kernel's modules directory under `root`:
/// `<root>/lib/modules/<uname -r>`.
pub fn running_modules_dir(root: &Path) -> PathBuf {
    modules_dir(root, &crate::sys::init::kernel_release())
}

/// The modules the kernel has loaded, from `<proc_root>/modules`
/// (`/proc` at boot). Empty when the file cannot be read.
pub fn loaded_modules(proc_root: &Path) -> Vec<String> {
    std::fs::read_to_string(proc_root.join("modules"))
        .map(|s| parse::proc_modules(&s))
        .unwrap_or_default()
}

/// The kernel release directory under `<root>/lib/modules` for `release`
/// (from uname(2)), e.g. `/lib/modules/6.1.0-56-amd64`.
pub fn modules_dir(root: &Path, release: &str) -> PathBuf {
    root.join("lib/modules").join(release)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEP: &str = "\
kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/net/core/failover.ko:
kernel/fs/nfs/nfsv4.ko: kernel/fs/nfs/nfs.ko kernel/net/sunrpc/sunrpc.ko
kernel/fs/nfs/nfs.ko: kernel/net/sunrpc/sunrpc.ko
kernel/net/sunrpc/sunrpc.ko:
kernel/fs/btrfs/btrfs.ko: kernel/lib/libcrc32c.ko
kernel/lib/libcrc32c.ko:
kernel/arch/crc32c-intel.ko:
kernel/fs/zz.ko.zst:
kernel/a/loop1.ko: kernel/a/loop2.ko
kernel/a/loop2.ko: kernel/a/loop1.ko
kernel/a/broken.ko: kernel/a/absent.ko
";
    const ALIAS: &str = "\
alias virtio:d00000001v* virtio_net
alias fs-nfs4 nfsv4
alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000
alias crypto-foo crc32c_intel
";

    fn tree() -> Tree {
        Tree::from_texts(
            Path::new("/m"),
            DEP,
            ALIAS,
            "softdep btrfs pre: crc32c_intel missing_soft\nsoftdep nfs pre: crypto-foo\n",
            "kernel/fs/ext4/ext4.ko\n",
        )
    }

    fn before(p: &Plan, a: &str, b: &str) -> bool {
        p.index(a).unwrap() < p.index(b).unwrap()
    }

    #[test]
    fn deps_first_and_shared_once() {
        let p = tree().plan(&["virtio-net", "nfsv4"], &[]).unwrap();
        // 6 hard dependencies + crc32c_intel, nfs's soft dependency.
        assert_eq!(p.modules.len(), 7, "{:?}", p.names());
        assert!(before(&p, "failover", "net_failover"));
        assert!(before(&p, "net_failover", "virtio_net"));
        assert!(before(&p, "sunrpc", "nfs"));
        assert!(before(&p, "nfs", "nfsv4"));
        let v = &p.modules[p.index("virtio_net").unwrap()];
        assert_eq!(v.path, Path::new("/m/kernel/drivers/net/virtio_net.ko"));
        assert_eq!(v.deps.len(), 2);
    }

    #[test]
    fn aliases_builtin_loaded_softdeps() {
        let mut t = tree();
        t.mark_loaded(["sunrpc"]);
        let p = t
            .plan(
                &["fs-nfs4", "ext4", "btrfs"],
                &["virtio:d00000001v00001AF4".into(), "usb:nothing".into()],
            )
            .unwrap();
        assert!(p.index("sunrpc").is_none());
        assert!(p.index("ext4").is_none());
        assert_eq!(p.skipped, vec!["ext4"]);
        assert!(before(&p, "crc32c_intel", "btrfs"));
        assert!(p.index("virtio_net").is_some());
        assert!(p.index("nfsv4").is_some());
        let q = tree().plan(&["nfs"], &[]).unwrap();
        assert!(before(&q, "crc32c_intel", "nfs"), "softdep via an alias");
    }

    #[test]
    fn errors_name_the_module() {
        let t = tree();
        let e = t.plan(&["nosuch"], &[]).unwrap_err();
        assert!(e.to_string().contains("module nosuch not found"), "{e}");
        assert!(matches!(
            t.plan(&["zz"], &[]),
            Err(Error::Compressed { .. })
        ));
        assert!(matches!(t.plan(&["loop1"], &[]), Err(Error::Cycle { .. })));
        let e = t.plan(&["broken"], &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "module broken needs absent, which is not in modules.dep"
        );
    }

    /// A sysfs fixture: `bus/BUS/devices/NAME/modalias`.
    fn add_device(sys: &Path, bus: &str, name: &str, alias: &str) {
        let d = sys.join("bus").join(bus).join("devices").join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("modalias"), format!("{alias}\n")).unwrap();
    }

    const VIRTIO_PCI: &str = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
    const VIRTIO_NET: &str = "virtio:d00000001v00001AF4";

    #[test]
    fn coldplug_reads_each_device_once_and_follows_the_new_ones() {
        let sys = std::env::temp_dir().join(format!("netroot-coldplug-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&sys);
        add_device(&sys, "pci", "0000:00:03.0", VIRTIO_PCI);
        add_device(
            &sys,
            "pci",
            "0000:00:01.0",
            "pci:v00008086d00007000sv0sd0bc06sc01i00",
        );
        let mut seen = HashSet::new();
        let first = new_device_aliases(&sys, &mut seen);
        assert_eq!(first.len(), 2);
        assert!(first.contains(&VIRTIO_PCI.to_string()));
        // Nothing appeared: nothing is read again.
        assert!(new_device_aliases(&sys, &mut seen).is_empty());
        add_device(&sys, "virtio", "virtio0", VIRTIO_NET);
        assert_eq!(new_device_aliases(&sys, &mut seen), vec![VIRTIO_NET]);
        // The full scan still sees every device.
        assert_eq!(coldplug_aliases(&sys).len(), 3);

        // The rounds: loading the bus driver makes its child appear, whose
        // driver the next round loads; every driver once.
        std::fs::remove_dir_all(sys.join("bus/virtio")).unwrap();
        let tree = Tree::from_texts(
            Path::new("/m"),
            "kernel/drivers/virtio/virtio_pci.ko:\nkernel/drivers/net/virtio_net.ko:\n",
            "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\nalias virtio:d00000001v* virtio_net\n",
            "",
            "",
        );
        let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (c, s) = (calls.clone(), sys.clone());
        let load = move |m: &Module| -> std::result::Result<(), String> {
            c.lock().unwrap().push(m.name.clone());
            if m.name == "virtio_pci" {
                add_device(&s, "virtio", "virtio0", VIRTIO_NET);
            }
            Ok(())
        };
        let (loaded, failed) = coldplug(&tree, &sys, std::sync::Arc::new(load));
        assert!(failed.is_empty(), "{failed:?}");
        assert_eq!(loaded, vec!["virtio_pci", "virtio_net"]);
        assert_eq!(*calls.lock().unwrap(), vec!["virtio_pci", "virtio_net"]);
        let _ = std::fs::remove_dir_all(&sys);
    }
}

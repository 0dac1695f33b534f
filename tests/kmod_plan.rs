//! kmod: plans from fixture depmod files, coldplug from a fake sysfs tree,
//! the concurrent loader's ordering, and (when present) the real Debian
//! kernel's modules directory from `make initramfs`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use netroot::kmod::{self, Loader, Module, Plan, Tree};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kmod/6.1.0-test")
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("netroot-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pos(p: &Plan, n: &str) -> usize {
    p.index(n)
        .unwrap_or_else(|| panic!("{n} not in plan {:?}", p.names()))
}

#[test]
fn nfs_chain_and_nic_from_fixture() {
    let t = Tree::open(&fixture()).unwrap();
    let p = t.plan(&["nfsv4", "fs-btrfs", "ext4"], &[]).unwrap();
    for (a, b) in [
        ("sunrpc", "lockd"),
        ("grace", "lockd"),
        ("lockd", "nfs"),
        ("netfs", "fscache"),
        ("fscache", "nfs"),
        ("nfs", "nfsv4"),
        ("dns_resolver", "nfsv4"),
        ("libcrc32c", "btrfs"),
    ] {
        assert!(pos(&p, a) < pos(&p, b), "{a} before {b}: {:?}", p.names());
    }
    assert_eq!(p.modules.len(), 10, "{:?}", p.names());
    // ext4 is built in; crc32c is a soft dependency the image lacks.
    assert_eq!(p.skipped, vec!["ext4"]);
    assert!(p.index("crc32c").is_none());
    assert!(p.modules[pos(&p, "nfsv4")]
        .path
        .ends_with("kernel/fs/nfs/nfsv4.ko"));
}

#[test]
fn missing_module_is_named() {
    let t = Tree::open(&fixture()).unwrap();
    let e = t.plan(&["nfsv4", "mlx5_core"], &[]).unwrap_err();
    let s = e.to_string();
    assert!(s.contains("mlx5_core") && s.contains("6.1.0-test"), "{s}");
    let e = Tree::open(Path::new("/nonexistent/modules")).unwrap_err();
    assert!(e.to_string().contains("modules.dep"), "{e}");
}

#[test]
fn coldplug_from_fake_sysfs() {
    let sys = tmpdir("sysfs");
    let devs = [
        (
            "pci",
            "0000:00:03.0",
            "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00",
        ),
        (
            "pci",
            "0000:00:04.0",
            "pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00",
        ),
        (
            "pci",
            "0000:00:01.0",
            "pci:v00008086d00007000sv00001AF4sd00001100bc06sc01i00",
        ),
        ("virtio", "virtio0", "virtio:d00000001v00001AF4"),
        ("platform", "serial8250", "platform:serial8250"),
    ];
    for (bus, dev, alias) in devs {
        let d = sys.join("bus").join(bus).join("devices").join(dev);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("modalias"), format!("{alias}\n")).unwrap();
    }
    // A device without modalias must be skipped, not break the scan.
    std::fs::create_dir_all(sys.join("bus/pci/devices/0000:00:00.0")).unwrap();
    let aliases = kmod::coldplug_aliases(&sys);
    assert_eq!(aliases.len(), 5);
    assert!(aliases.contains(&"virtio:d00000001v00001AF4".to_string()));
    let mut t = Tree::open(&fixture()).unwrap();
    t.mark_loaded(["virtio"]);
    let p = t.plan(&[], &aliases).unwrap();
    let mut names = p.names();
    names.sort();
    assert_eq!(
        names,
        vec![
            "e1000",
            "failover",
            "net_failover",
            "virtio_net",
            "virtio_pci",
            "virtio_pci_legacy_dev",
            "virtio_pci_modern_dev",
            "virtio_ring"
        ]
    );
    let _ = std::fs::remove_dir_all(&sys);
}

#[test]
fn coldplug_rescans_after_bus_drivers() {
    let sys = tmpdir("coldplug");
    let pci = sys.join("bus/pci/devices/0000:00:03.0");
    std::fs::create_dir_all(&pci).unwrap();
    std::fs::write(
        pci.join("modalias"),
        "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00\n",
    )
    .unwrap();
    let t = Tree::open(&fixture()).unwrap();
    // Loading virtio_pci makes the virtio device appear, as in the kernel.
    let sys2 = sys.clone();
    let load = move |m: &Module| -> Result<(), String> {
        if m.name == "virtio_pci" {
            let d = sys2.join("bus/virtio/devices/virtio0");
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("modalias"), "virtio:d00000001v00001AF4\n").unwrap();
        }
        Ok(())
    };
    let (loaded, failed) = kmod::coldplug(&t, &sys, Arc::new(load));
    assert!(failed.is_empty(), "{failed:?}");
    assert!(loaded.contains(&"virtio_pci".to_string()), "{loaded:?}");
    assert!(loaded.contains(&"virtio_net".to_string()), "{loaded:?}");
    // virtio and virtio_ring are shared: loaded once.
    assert_eq!(loaded.iter().filter(|n| *n == "virtio_ring").count(), 1);
    let _ = std::fs::remove_dir_all(&sys);
}

#[test]
fn loader_respects_deps_and_overlaps_independent_modules() {
    let t = Tree::open(&fixture()).unwrap();
    let p = t.plan(&["virtio_net", "nfsv4"], &[]).unwrap();
    let log: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let l2 = Arc::clone(&log);
    let load = move |m: &Module| -> Result<(), String> {
        l2.lock().unwrap().push((m.name.clone(), true));
        // The NFS chain is slow; the NIC path is fast.
        let slow = ["sunrpc", "lockd", "nfs", "nfsv4"].contains(&m.name.as_str());
        std::thread::sleep(Duration::from_millis(if slow { 60 } else { 5 }));
        l2.lock().unwrap().push((m.name.clone(), false));
        Ok(())
    };
    let plan = p.clone();
    let t0 = Instant::now();
    let h = Loader::spawn_with(p, 3, Arc::new(load));
    h.wait_for(&["virtio-net"]).unwrap();
    let nic = t0.elapsed();
    assert!(h.is_loaded("virtio_net"));
    assert!(!h.is_loaded("nfsv4"), "nic ready before the NFS chain");
    h.wait_all().unwrap();
    assert!(nic < Duration::from_millis(150), "nic took {nic:?}");
    // Every module started only after all its dependencies finished.
    let log = log.lock().unwrap();
    let at = |n: &str, start: bool| log.iter().position(|(m, s)| m == n && *s == start).unwrap();
    for m in &plan.modules {
        for &d in m.deps.iter().chain(&m.soft) {
            let dep = &plan.modules[d].name;
            assert!(
                at(dep, false) < at(&m.name, true),
                "{dep} finished before {} began",
                m.name
            );
        }
    }
    assert_eq!(log.len(), plan.modules.len() * 2);
}

/// btrfs over libcrc32c, whose soft dependency `crc32c` is an alias of two
/// modules (crc32c_intel, which fails under TCG, and crc32c_generic).
fn btrfs_crc32c_tree(name: &str) -> PathBuf {
    let dir = tmpdir(name);
    let files = [
        (
            "modules.dep",
            "k/libcrc32c.ko:\nk/crc32c_intel.ko:\nk/crc32c_generic.ko:\nk/btrfs.ko: k/libcrc32c.ko\n",
        ),
        (
            "modules.alias",
            "alias crc32c crc32c_intel\nalias crc32c crc32c_generic\n",
        ),
        ("modules.softdep", "softdep libcrc32c pre: crc32c\n"),
    ];
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

#[test]
fn soft_dependency_failure_does_not_block() {
    let dir = btrfs_crc32c_tree("softdep");
    let p = Tree::open(&dir).unwrap().plan(&["btrfs"], &[]).unwrap();
    assert_eq!(p.modules.len(), 4, "{:?}", p.names());
    let lib = &p.modules[pos(&p, "libcrc32c")];
    assert_eq!(lib.soft.len(), 2);
    assert!(lib.deps.is_empty());
    let order: Arc<Mutex<Vec<String>>> = Arc::default();
    let o2 = Arc::clone(&order);
    let load = move |m: &Module| -> Result<(), String> {
        o2.lock().unwrap().push(m.name.clone());
        if m.name == "crc32c_intel" {
            Err("no such device (CPU lacks SSE4.2)".into())
        } else {
            Ok(())
        }
    };
    let h = Loader::spawn_with(p, 1, Arc::new(load));
    h.wait_for(&["btrfs"]).unwrap();
    let order = order.lock().unwrap();
    let at = |n: &str| order.iter().position(|x| x == n).unwrap();
    assert!(at("crc32c_generic") < at("libcrc32c") && at("crc32c_intel") < at("libcrc32c"));
    assert_eq!(h.failures().len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wait_all_waits_past_a_failure() {
    // crc32c_intel fails at once (no SSE4.2 under TCG) while btrfs is still
    // loading: wait_all must not return before btrfs is in, or the mount
    // that follows finds no btrfs.
    let dir = btrfs_crc32c_tree("waitall");
    let p = Tree::open(&dir).unwrap().plan(&["btrfs"], &[]).unwrap();
    let load = |m: &Module| -> Result<(), String> {
        match m.name.as_str() {
            "crc32c_intel" => Err("no such device".into()),
            "btrfs" => {
                std::thread::sleep(Duration::from_millis(150));
                Ok(())
            }
            _ => Ok(()),
        }
    };
    let h = Loader::spawn_with(p, 2, Arc::new(load));
    let e = h.wait_all().unwrap_err();
    assert!(e.to_string().contains("crc32c_intel"), "{e}");
    assert!(
        h.is_loaded("btrfs"),
        "wait_all returned while btrfs was loading"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn loader_failure_propagates_to_dependents() {
    let t = Tree::open(&fixture()).unwrap();
    let p = t.plan(&["virtio_net", "nfsv4"], &[]).unwrap();
    let load = |m: &Module| -> Result<(), String> {
        if m.name == "sunrpc" {
            Err("invalid module format".into())
        } else {
            Ok(())
        }
    };
    let h = Loader::spawn_with(p, 2, Arc::new(load));
    h.wait_for(&["virtio_net"]).unwrap();
    let e = h.wait_for(&["nfsv4"]).unwrap_err();
    assert!(e.to_string().contains("sunrpc"), "{e}");
    let e = h.wait_all().unwrap_err();
    assert!(e.to_string().contains("loading module sunrpc"), "{e}");
    assert!(h.failures().len() >= 4, "{:?}", h.failures());
}

/// The real depmod output of the lab kernel, when `make initramfs` fetched it.
#[test]
fn real_debian_kernel_tree() {
    // NETROOT_KERNEL_MODULES overrides the location (e.g. another checkout's build/).
    let base = std::env::var_os("NETROOT_KERNEL_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("build/kernel/lib/modules"));
    let Some(dir) = std::fs::read_dir(&base)
        .ok()
        .and_then(|mut d| d.find_map(|e| e.ok().map(|e| e.path())))
    else {
        eprintln!(
            "skipped: no kernel under {} (run make initramfs)",
            base.display()
        );
        return;
    };
    let t = Tree::open(&dir).unwrap();
    let p = t
        .plan(&["nfsv4", "virtio_net", "nbd", "btrfs", "overlay"], &[])
        .unwrap();
    assert!(pos(&p, "sunrpc") < pos(&p, "nfsv4"));
    assert!(pos(&p, "virtio_ring") < pos(&p, "virtio_net"));
    for m in &p.modules {
        assert!(m.path.exists(), "{} listed but absent", m.path.display());
    }
    // virtio-net's PCI id must resolve through modules.alias.
    let p = t
        .plan(
            &[],
            &["pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00".into()],
        )
        .unwrap();
    assert!(p.index("virtio_pci").is_some(), "{:?}", p.names());
}

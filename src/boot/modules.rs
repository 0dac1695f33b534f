//! The image's kernel modules, for PID 1 and the helper subcommands: the
//! NIC and bus drivers coldplugged from sysfs, the root's modules planned.

use std::path::Path;
use std::time::Instant;

use super::BootError;
use crate::cmdline::BootConfig;
use crate::{debug, info, warn};

/// The modules directory of the running kernel inside the image.
pub(crate) fn image_modules() -> Option<crate::kmod::Tree> {
    let dir = crate::kmod::running_modules_dir(Path::new("/"));
    if !dir.join("modules.dep").exists() && dir.join("modules.dep.bin").exists() {
        // A mkinitcpio image: it keeps only kmod's binary indexes, and its
        // netroot hook loads the modules with modprobe.
        debug!(
            "no {}/modules.dep: modules are left to modprobe",
            dir.display()
        );
        return None;
    }
    if !dir.join("modules.dep").exists() {
        warn!(
            "no {}: loading no modules (built-in drivers only)",
            dir.display()
        );
        return None;
    }
    match crate::kmod::Tree::open(&dir) {
        Ok(mut t) => {
            t.mark_loaded(crate::kmod::loaded_modules(Path::new("/proc")));
            Some(t)
        }
        Err(e) => {
            warn!("{e}: loading no modules");
            None
        }
    }
}

/// Load `names` now (the NFSv3 fallback's modules, when the mount falls
/// back to v3). Without a text modules.dep (mkinitcpio images) they are
/// left to the kernel: mounting type `nfs` with `vers=3` makes it
/// request_module("nfsv3"), which runs the image's modprobe.
pub(crate) fn load_late(names: &[String]) {
    let Some(tree) = image_modules() else {
        debug!("{}: left to the kernel's request_module", names.join(" "));
        return;
    };
    let wanted: Vec<&str> = names.iter().map(String::as_str).collect();
    let loaded = tree
        .plan(&wanted, &[])
        .and_then(|plan| crate::kmod::Loader::spawn(plan).wait_all());
    match loaded {
        Ok(()) => info!(
            "loaded {} (late: NFSv3 fallback or live image)",
            names.join(" ")
        ),
        // The mount attempt that follows says whether it mattered.
        Err(e) => warn!("{e}"),
    }
}

/// The root's modules, planned (a missing required one is an error).
pub(crate) fn root_module_plan(
    tree: &crate::kmod::Tree,
    cfg: &BootConfig,
) -> Result<crate::kmod::Plan, BootError> {
    let needs = crate::root::modules_for(cfg);
    let mut wanted: Vec<&str> = needs.required.iter().map(String::as_str).collect();
    for m in &needs.optional {
        if tree.plan(&[m.as_str()], &[]).is_ok() {
            wanted.push(m);
        }
    }
    Ok(tree.plan(&wanted, &[])?)
}

/// What [`start_modules`] leaves running: the image's module tree (parsed
/// once, for the watchdog's modules later) and the root's modules loading.
pub(crate) struct Started {
    /// modules.dep/alias/softdep/builtin of the image, with what is loaded.
    pub tree: crate::kmod::Tree,
    /// The root's modules (NFS or NBD chain, file systems), loading.
    pub root: crate::kmod::Handle,
}

/// Coldplug the NIC and bus drivers (the network phase needs them), load
/// the bond=/bridge=/vlan= modules, then start loading the root's modules
/// in the background.
///
/// The NIC comes first, alone: the network's waits (carrier, a DHCP server
/// that answers late) start only once it is there, and the root's modules
/// fill them. Started beside the NIC drivers instead, the root's modules
/// took the one vCPU from them (the initramfs is CPU-bound under TCG: 0.01
/// s idle in 1.2 s) and delayed DHCP by ~0.2 s for no gain.
pub(super) fn start_modules(cfg: &BootConfig) -> Result<Option<Started>, BootError> {
    let Some(mut tree) = image_modules() else {
        return Ok(None);
    };
    // Checked first: a module missing from the image halts with its name.
    root_module_plan(&tree, cfg)?;
    coldplug_drivers(&tree);
    // bonding, bridge, 8021q: the network phase creates the links, so they
    // load now, not in the background with the root's.
    let netdev = cfg.netdevs.modules();
    if !netdev.is_empty() {
        let t = Instant::now();
        tree.plan(&netdev, &[])
            .and_then(|plan| crate::kmod::Loader::spawn(plan).wait_all())?;
        info!(
            "loaded {} for bond=/bridge=/vlan= in {} ms",
            netdev.join(" "),
            t.elapsed().as_millis()
        );
        tree.mark_loaded(netdev);
    }
    let plan = root_module_plan(&tree, cfg)?;
    debug!("loading in the background: {}", plan.names().join(" "));
    let root = crate::kmod::Loader::spawn(plan);
    Ok(Some(Started { tree, root }))
}

/// Start loading the watchdog's modules (those the image has) from `tree`,
/// without re-reading the image's module files; the watchdog waits for
/// them. Started as the root is mounted, they fill the mount's network
/// waits instead of adding to the time before the switch.
pub(crate) fn start_watchdog_modules(tree: &crate::kmod::Tree) -> Option<crate::kmod::Handle> {
    let have: Vec<&str> = crate::watchdog::MODULES
        .iter()
        .copied()
        .filter(|m| tree.plan(&[m], &[]).is_ok())
        .collect();
    match tree.plan(&have, &[]) {
        Ok(p) => Some(crate::kmod::Loader::spawn(p)),
        Err(e) => {
            warn!("watchdog: {e}");
            None
        }
    }
}

/// Load the drivers of the devices present (NICs and their buses) and say
/// which; a driver that fails is reported and the others go on.
pub(crate) fn coldplug_drivers(tree: &crate::kmod::Tree) {
    let t = Instant::now();
    let (loaded, failed) = crate::kmod::coldplug(
        tree,
        Path::new("/sys"),
        std::sync::Arc::new(crate::kmod::loader::load_file),
    );
    for e in failed {
        warn!("coldplug: {e}");
    }
    info!(
        "drivers loaded in {} ms: {}",
        t.elapsed().as_millis(),
        if loaded.is_empty() {
            "none".to_string()
        } else {
            loaded.join(" ")
        }
    );
}

/// The modules the root of `cfg` needs, required ones first, separated by
/// spaces: what `netroot query root-modules` prints for hooks that load
/// modules with kmod's modprobe (mkinitcpio images keep only kmod's binary
/// indexes, and may hold compressed modules).
pub(crate) fn root_modules_line(cfg: &BootConfig) -> String {
    let needs = crate::root::modules_for(cfg);
    let mut all = needs.required;
    all.extend(needs.optional);
    all.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdline;

    #[test]
    fn root_modules_line_lists_required_then_optional() {
        let line = |c: &str| root_modules_line(&cmdline::parse(c).unwrap());
        // nfsv3 loads only if the mount falls back to v3 (load_late).
        assert_eq!(line("root=/dev/nfs nfsroot=10.0.0.1:/arch"), "nfsv4");
        assert_eq!(
            line("root=/dev/nfs nfsroot=10.0.0.1:/arch bond=bond0:eth0,eth1 vlan=vlan5:bond0"),
            "nfsv4 bonding 8021q"
        );
        assert_eq!(line("root=/dev/nfs nfsroot=10.0.0.1:/arch,vers=3"), "nfsv3");
        assert_eq!(
            line("nbd_host=10.0.2.2 nbd_name=arch root=/dev/nbd0 rootfstype=btrfs"),
            "nbd btrfs"
        );
        assert_eq!(
            line("nbd_host=10.0.2.2 nbd_name=arch root=/dev/nbd0 netroot.overlay=tmpfs"),
            "nbd overlay btrfs ext4 xfs"
        );
        assert_eq!(line("root=/dev/sda1"), "");
    }
}

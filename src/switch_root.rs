//! switch_root: move the API filesystems, empty the initramfs, MS_MOVE + chroot + exec.
//!
//! The same steps as util-linux switch_root(8): the initramfs (a ramfs or
//! tmpfs at `/`) cannot be unmounted, so its files are deleted to free the
//! memory — without crossing into other filesystems (the new root, /dev,
//! ...: compared by `st_dev`) — then the new root is moved over `/`.
//! Nothing here touches the network: the root lives on it.

use std::path::{Path, PathBuf};

/// switch_root errors, naming the path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// init is missing from the new root.
    #[error("init {path} does not exist in the new root (wrong export, or give init=)")]
    InitMissing {
        /// Full path checked.
        path: PathBuf,
    },
    /// init exists but cannot be executed.
    #[error("init {path} is not an executable file")]
    InitNotExecutable {
        /// Full path checked.
        path: PathBuf,
    },
    /// A symlink loop in the init path.
    #[error("init {path}: too many levels of symbolic links")]
    InitLoop {
        /// The init path.
        path: PathBuf,
    },
    /// The new root is not a mount point or a directory.
    #[error("new root {path} is not a directory")]
    BadRoot {
        /// The new root.
        path: PathBuf,
    },
    /// A syscall step failed.
    #[error("switch_root: {step} failed: {reason}")]
    Step {
        /// e.g. "move /mnt to /".
        step: String,
        /// OS error text.
        reason: String,
    },
    /// exec of init failed.
    #[error("cannot exec init {init}: {reason}")]
    Exec {
        /// init path.
        init: String,
        /// OS error text.
        reason: String,
    },
}

/// The API filesystems moved into the new root.
pub const MOVED: [&str; 4] = ["/dev", "/proc", "/sys", "/run"];

/// Resolve `init` (absolute, as seen from inside the new root) under
/// `new_root`, following symlinks relative to the new root (an absolute link
/// `/sbin/init -> /lib/systemd/systemd` means `<new_root>/lib/systemd/systemd`),
/// and check it is an executable regular file.
pub fn check_init(new_root: &Path, init: &str) -> Result<PathBuf, Error> {
    use std::os::unix::fs::PermissionsExt;
    let shown = new_root.join(init.trim_start_matches('/'));
    let mut inside = PathBuf::from("/").join(init.trim_start_matches('/'));
    for _ in 0..40 {
        let full = new_root.join(inside.strip_prefix("/").unwrap_or(&inside));
        let meta = std::fs::symlink_metadata(&full).map_err(|_| Error::InitMissing {
            path: shown.clone(),
        })?;
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&full).map_err(|_| Error::InitMissing {
                path: shown.clone(),
            })?;
            inside = if target.is_absolute() {
                target
            } else {
                inside.parent().unwrap_or(Path::new("/")).join(target)
            };
            inside = normalize(&inside);
            continue;
        }
        if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
            return Err(Error::InitNotExecutable { path: shown });
        }
        return Ok(full);
    }
    Err(Error::InitLoop { path: shown })
}

/// Lexically normalise an absolute path, clamping `..` at `/` (as the
/// kernel does inside a chroot).
fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    out
}

/// What to delete to free the initramfs: every entry under `root` on the
/// filesystem `dev`, children before their directory, never descending into
/// another filesystem (mount points are skipped whole) nor into `keep`
/// (the new root's mount point). Symlinks are not followed.
pub fn deletion_list(root: &Path, dev: u64, keep: &Path) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    let mut stack: Vec<(PathBuf, bool)> = vec![(root.to_path_buf(), false)];
    while let Some((dir, visited)) = stack.pop() {
        if visited {
            if dir != root {
                out.push(dir);
            }
            continue;
        }
        stack.push((dir.clone(), true));
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let path = e.path();
            if path == keep {
                continue;
            }
            let Ok(m) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if m.dev() != dev {
                continue;
            }
            if m.is_dir() {
                stack.push((path, false));
            } else {
                out.push(path);
            }
        }
    }
    // Directories that still hold a mount point or `keep` cannot be removed;
    // drop them so deletion does not log needless errors.
    let blocked: Vec<PathBuf> = std::iter::once(keep.to_path_buf())
        .chain(MOVED.iter().map(PathBuf::from))
        .collect();
    out.retain(|p| !blocked.iter().any(|b| b.starts_with(p) && b != p));
    out
}

/// Delete the listed entries (best effort: errors are counted, not fatal).
pub fn delete(list: &[PathBuf]) -> usize {
    let mut failed = 0;
    for p in list {
        let r = match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => std::fs::remove_dir(p),
            Ok(_) => std::fs::remove_file(p),
            Err(e) => Err(e),
        };
        if r.is_err() {
            failed += 1;
        }
    }
    failed
}

fn step(step: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let step = step.into();
    move |e| Error::Step {
        step,
        reason: e.to_string(),
    }
}

/// Whether `/` is the initramfs (ramfs or tmpfs): only then are its files
/// deleted (a safety net against running this on a real root).
fn root_is_initramfs() -> bool {
    // linux/magic.h
    const RAMFS_MAGIC: u64 = 0x8584_58f6;
    const TMPFS_MAGIC: u64 = 0x0102_1994;
    crate::sys::fs::fs_magic(Path::new("/")).is_ok_and(|t| t == RAMFS_MAGIC || t == TMPFS_MAGIC)
}

/// Switch to `new_root` and exec `init` with `args` (argv[1..]). Returns
/// only on failure. Must run as PID 1 (or in a private mount namespace).
pub fn switch_root(new_root: &Path, init: &str, args: &[String]) -> Result<(), Error> {
    use crate::sys::fs;
    use std::os::unix::fs::MetadataExt;
    if !new_root.is_dir() {
        return Err(Error::BadRoot {
            path: new_root.to_path_buf(),
        });
    }
    check_init(new_root, init)?;
    for api in MOVED {
        let src = Path::new(api);
        let dst = new_root.join(api.trim_start_matches('/'));
        if !src.is_dir() {
            continue;
        }
        if !dst.is_dir() {
            crate::warn!(
                "{} missing in the new root; unmounting {api}",
                dst.display()
            );
            let _ = fs::umount(src, true);
            continue;
        }
        if let Err(e) = fs::mount_move(src, &dst) {
            crate::warn!("cannot move {api} to {}: {e}; unmounting it", dst.display());
            let _ = fs::umount(src, true);
        }
    }
    std::env::set_current_dir(new_root).map_err(step(format!("chdir {}", new_root.display())))?;
    // Only PID 1 on a ramfs/tmpfs root frees it: a helper run by mistake on
    // a live system must never delete its files.
    if crate::sys::init::is_pid1() && root_is_initramfs() {
        let dev = std::fs::symlink_metadata("/")
            .map(|m| m.dev())
            .map_err(step("stat /"))?;
        let list = deletion_list(Path::new("/"), dev, new_root);
        let failed = delete(&list);
        crate::debug!(
            "freed initramfs: {} entries, {failed} not removed",
            list.len()
        );
    }
    fs::mount_move(Path::new("."), Path::new("/"))
        .map_err(step(format!("move {} to /", new_root.display())))?;
    fs::chroot(Path::new(".")).map_err(step("chroot ."))?;
    std::env::set_current_dir("/").map_err(step("chdir /"))?;
    crate::info!("switching root to {}, exec {init}", new_root.display());
    Err(exec_init(init, args))
}

/// exec `init` with `args` in the current root; returns only on failure,
/// with [`Error::Exec`]. Once [`switch_root`] has failed with that error the
/// process already lives in the new root (the initramfs is gone), so a
/// retry must call this, not [`switch_root`] again.
pub fn exec_init(init: &str, args: &[String]) -> Error {
    let mut argv = vec![init.to_string()];
    argv.extend(args.iter().cloned());
    let e = crate::sys::fs::execv(Path::new(init), &argv);
    Error::Exec {
        init: init.to_string(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("netroot-sr-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn exe(p: &Path, mode: u32) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"#!/bin/sh\n").unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn init_checks() {
        let r = tmp("init");
        exe(&r.join("lib/systemd/systemd"), 0o755);
        std::fs::create_dir_all(r.join("sbin")).unwrap();
        // Absolute link: resolved inside the new root, not on the host.
        symlink("/lib/systemd/systemd", r.join("sbin/init")).unwrap();
        assert_eq!(
            check_init(&r, "/sbin/init").unwrap(),
            r.join("lib/systemd/systemd")
        );
        symlink("../lib/systemd/systemd", r.join("sbin/rel")).unwrap();
        assert!(check_init(&r, "/sbin/rel").is_ok());
        exe(&r.join("bin/noexec"), 0o644);
        let e = check_init(&r, "/bin/noexec").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "init {} is not an executable file",
                r.join("bin/noexec").display()
            )
        );
        let e = check_init(&r, "/sbin/nosuch").unwrap_err();
        assert!(matches!(e, Error::InitMissing { .. }));
        assert!(e.to_string().contains("sbin/nosuch"));
        symlink("/loop", r.join("loop")).unwrap();
        assert!(matches!(
            check_init(&r, "/loop"),
            Err(Error::InitLoop { .. })
        ));
        assert!(matches!(
            check_init(&r, "/sbin"),
            Err(Error::InitNotExecutable { .. })
        ));
        std::fs::remove_dir_all(&r).unwrap();
    }

    #[test]
    fn missing_init_stops_before_touching_anything() {
        let r = tmp("noinit");
        let e = switch_root(&r, "/sbin/init", &[]).unwrap_err();
        assert!(matches!(e, Error::InitMissing { .. }), "{e}");
        assert!(Path::new("/proc/self").exists(), "nothing was moved");
        let e = switch_root(&r.join("absent"), "/sbin/init", &[]).unwrap_err();
        assert!(matches!(e, Error::BadRoot { .. }), "{e}");
        std::fs::remove_dir_all(&r).unwrap();
    }

    #[test]
    fn deletion_list_stays_on_one_fs_and_spares_new_root() {
        use std::os::unix::fs::MetadataExt;
        let r = tmp("del");
        std::fs::create_dir_all(r.join("a/b")).unwrap();
        std::fs::write(r.join("a/b/f"), b"x").unwrap();
        std::fs::write(r.join("init"), b"x").unwrap();
        symlink("/etc/passwd", r.join("link")).unwrap();
        std::fs::create_dir_all(r.join("new_root/etc")).unwrap();
        std::fs::write(r.join("new_root/etc/keep"), b"x").unwrap();
        let dev = std::fs::metadata(&r).unwrap().dev();
        let keep = r.join("new_root");
        let list = deletion_list(&r, dev, &keep);
        let rel: Vec<String> = list
            .iter()
            .map(|p| p.strip_prefix(&r).unwrap().to_string_lossy().into_owned())
            .collect();
        for want in ["a/b/f", "a/b", "a", "init", "link"] {
            assert!(rel.contains(&want.to_string()), "{want} in {rel:?}");
        }
        assert!(rel.iter().all(|p| !p.starts_with("new_root")), "{rel:?}");
        let pos = |n: &str| rel.iter().position(|p| p == n).unwrap();
        assert!(pos("a/b/f") < pos("a/b") && pos("a/b") < pos("a"));
        // Another st_dev: nothing is ours to delete.
        assert!(deletion_list(&r, dev.wrapping_add(1), &keep).is_empty());
        assert_eq!(delete(&list), 0);
        assert!(r.join("new_root/etc/keep").exists());
        assert!(!r.join("a").exists() && !r.join("init").exists());
        // The symlink's target is untouched.
        assert!(Path::new("/etc/passwd").exists());
        std::fs::remove_dir_all(&r).unwrap();
    }
}

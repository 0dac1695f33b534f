//! Per-host state on top of a shared network root.
//!
//! `netroot.state=/var/log,/var/spool/cups` mounts a tmpfs on each path of
//! the new root, so clients sharing one export do not share logs or spools.
//! `netroot.overlay=tmpfs` mounts the network root read-only as the lower
//! layer of an overlay (Documentation/filesystems/overlayfs.rst) whose upper
//! layer lives on a tmpfs, so every client writes freely and privately.
//!
//! Both are a PURE plan of [`Action`]s (tested without privileges) and a
//! small executor.

use std::path::{Component, Path, PathBuf};

/// State and overlay errors, naming the path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A `netroot.state=` path is unusable.
    #[error("netroot.state=: \"{path}\" {reason}")]
    BadPath {
        /// The path as given.
        path: String,
        /// Why.
        reason: &'static str,
    },
    /// Creating a directory failed.
    #[error("cannot create {path}: {reason}")]
    Mkdir {
        /// The directory.
        path: PathBuf,
        /// OS error text.
        reason: String,
    },
    /// A mount failed.
    #[error("cannot mount {fstype} on {target}: {reason}")]
    Mount {
        /// Mount point.
        target: PathBuf,
        /// Filesystem type.
        fstype: &'static str,
        /// OS error text.
        reason: String,
    },
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Create a directory (and missing parents) with this mode, owner and group.
    Mkdir {
        /// The directory.
        path: PathBuf,
        /// Permission bits.
        mode: u32,
        /// Owner.
        uid: u32,
        /// Group.
        gid: u32,
    },
    /// Mount a tmpfs.
    Tmpfs {
        /// Mount point.
        target: PathBuf,
        /// mount(2) data, e.g. `mode=0755,uid=0,gid=0`.
        options: String,
    },
    /// Mount an overlay.
    Overlay {
        /// Mount point.
        target: PathBuf,
        /// `lowerdir=..,upperdir=..,workdir=..`.
        options: String,
    },
}

/// What the planner needs to know about an existing directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirInfo {
    /// Permission bits (incl. sticky).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
}

/// A path of `netroot.state=` made relative to the root: absolute, no `..`,
/// not `/` itself.
pub fn relative(path: &str) -> Result<PathBuf, Error> {
    let bad = |reason| Error::BadPath {
        path: path.to_string(),
        reason,
    };
    let p = Path::new(path);
    if !p.is_absolute() {
        return Err(bad("is not an absolute path"));
    }
    let mut rel = PathBuf::new();
    for c in p.components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(n) => rel.push(n),
            Component::ParentDir => return Err(bad("contains \"..\"")),
            Component::Prefix(_) => return Err(bad("is not a Linux path")),
        }
    }
    if rel.as_os_str().is_empty() {
        return Err(bad("is the root itself (use netroot.overlay=tmpfs)"));
    }
    Ok(rel)
}

/// A planned set of state mounts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatePlan {
    /// Steps in order.
    pub actions: Vec<Action>,
    /// Paths left alone, with the reason (logged as warnings).
    pub skipped: Vec<(String, &'static str)>,
}

fn tmpfs_options(i: &DirInfo) -> String {
    format!("mode={:04o},uid={},gid={}", i.mode & 0o7777, i.uid, i.gid)
}

/// Plan tmpfs mounts for `paths` under `root`. `root_writable`: the root is
/// an overlay (or otherwise writable), so missing directories may be made.
/// Otherwise a missing directory is created only inside an earlier state
/// tmpfs (never on the shared export); else it is skipped. `stat` reports an
/// existing directory under `root` (None: missing). Shorter paths are
/// mounted first so `/var/log` and `/var/log/cups` nest correctly.
pub fn plan_state(
    root: &Path,
    paths: &[String],
    root_writable: bool,
    stat: &dyn Fn(&Path) -> Option<DirInfo>,
) -> Result<StatePlan, Error> {
    let mut rels = Vec::new();
    for p in paths.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let r = relative(p)?;
        if !rels.iter().any(|(q, _): &(PathBuf, String)| *q == r) {
            rels.push((r, p.to_string()));
        }
    }
    rels.sort_by_key(|(r, _)| r.components().count());
    let default = DirInfo {
        mode: 0o755,
        uid: 0,
        gid: 0,
    };
    let mut plan = StatePlan::default();
    let mut mounted: Vec<PathBuf> = Vec::new();
    for (rel, shown) in rels {
        let target = root.join(&rel);
        let info = match stat(&target) {
            Some(i) => i,
            None => {
                let inside_tmpfs = mounted.iter().any(|m| rel.starts_with(m));
                if !(root_writable || inside_tmpfs) {
                    plan.skipped.push((
                        shown,
                        "does not exist in the root, which is shared: create it on the server",
                    ));
                    continue;
                }
                plan.actions.push(Action::Mkdir {
                    path: target.clone(),
                    mode: default.mode,
                    uid: default.uid,
                    gid: default.gid,
                });
                default
            }
        };
        plan.actions.push(Action::Tmpfs {
            target,
            options: tmpfs_options(&info),
        });
        mounted.push(rel);
    }
    Ok(plan)
}

/// Where the overlay's layers live: under /run, which switch_root moves into
/// the new root, so the booted system still sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayDirs {
    /// The network root, read-only.
    pub lower: PathBuf,
    /// The tmpfs holding `upper` and `work`.
    pub rw: PathBuf,
}

impl OverlayDirs {
    /// The default layout under `run` (`/run` at boot).
    pub fn under(run: &Path) -> OverlayDirs {
        OverlayDirs {
            lower: run.join("netroot/lower"),
            rw: run.join("netroot/rw"),
        }
    }
}

/// Plan the overlay: (the caller has mounted the network root read-only at
/// `dirs.lower`) tmpfs on `dirs.rw`, its `upper` and `work`, the overlay at
/// `target`.
pub fn plan_overlay(dirs: &OverlayDirs, target: &Path) -> Vec<Action> {
    let upper = dirs.rw.join("upper");
    let work = dirs.rw.join("work");
    let dir = |path: PathBuf| Action::Mkdir {
        path,
        mode: 0o755,
        uid: 0,
        gid: 0,
    };
    vec![
        dir(dirs.rw.clone()),
        Action::Tmpfs {
            target: dirs.rw.clone(),
            options: "mode=0755".into(),
        },
        dir(upper.clone()),
        dir(work.clone()),
        Action::Overlay {
            target: target.to_path_buf(),
            options: format!(
                "lowerdir={},upperdir={},workdir={}",
                dirs.lower.display(),
                upper.display(),
                work.display()
            ),
        },
    ]
}

/// Look at an existing directory (for [`plan_state`]).
pub fn stat_dir(path: &Path) -> Option<DirInfo> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    m.is_dir().then(|| DirInfo {
        mode: m.mode(),
        uid: m.uid(),
        gid: m.gid(),
    })
}

/// Subdirectories of `dir` (depth ≤ 3, same filesystem), relative, parents
/// first: what a state tmpfs recreates so daemons find e.g. /var/log/apt.
fn skeleton(dir: &Path) -> Vec<(PathBuf, DirInfo)> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    let Ok(top) = std::fs::metadata(dir) else {
        return out;
    };
    let mut stack = vec![(PathBuf::new(), 0)];
    while let Some((rel, depth)) = stack.pop() {
        if depth >= 3 || out.len() > 256 {
            continue;
        }
        let Ok(rd) = std::fs::read_dir(dir.join(&rel)) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(m) = e.metadata() else { continue };
            if m.is_dir() && m.dev() == top.dev() {
                let r = rel.join(e.file_name());
                out.push((
                    r.clone(),
                    DirInfo {
                        mode: m.mode(),
                        uid: m.uid(),
                        gid: m.gid(),
                    },
                ));
                stack.push((r, depth + 1));
            }
        }
    }
    out.sort_by_key(|(r, _)| r.components().count());
    out
}

/// Execute a plan. A tmpfs over an existing directory gets that directory's
/// subdirectory skeleton (empty), so services expecting them start.
pub fn apply(actions: &[Action]) -> Result<(), Error> {
    use crate::sys::fs::{mount, MountFlags};
    for a in actions {
        match a {
            Action::Mkdir {
                path,
                mode,
                uid,
                gid,
            } => mkdir(path, *mode, *uid, *gid)?,
            Action::Tmpfs { target, options } => {
                let skel = skeleton(target);
                mount(
                    "tmpfs",
                    target,
                    "tmpfs",
                    MountFlags::NOSUID | MountFlags::NODEV,
                    Some(options),
                )
                .map_err(|e| Error::Mount {
                    target: target.clone(),
                    fstype: "tmpfs",
                    reason: e.to_string(),
                })?;
                for (rel, i) in skel {
                    // Best effort: a missing skeleton directory is not fatal.
                    if let Err(e) = mkdir(&target.join(&rel), i.mode, i.uid, i.gid) {
                        crate::warn!("{e}");
                    }
                }
                crate::info!("tmpfs on {} ({options})", target.display());
            }
            Action::Overlay { target, options } => {
                mount(
                    "overlay",
                    target,
                    "overlay",
                    MountFlags::empty(),
                    Some(options),
                )
                .map_err(|e| Error::Mount {
                    target: target.clone(),
                    fstype: "overlay",
                    reason: match e.raw_os_error() {
                        Some(libc::ENODEV) => format!("overlay module not loaded: {e}"),
                        _ => format!("{e} ({options})"),
                    },
                })?;
                crate::info!("overlay on {} ({options})", target.display());
            }
        }
    }
    Ok(())
}

fn mkdir(path: &Path, mode: u32, uid: u32, gid: u32) -> Result<(), Error> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let err = |e: std::io::Error| Error::Mkdir {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    if path.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(mode & 0o777)
        .create(path)
        .map_err(err)?;
    // mkdir(2) masks with the umask and drops the sticky bit: set exactly.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o7777)).map_err(err)?;
    // Ownership only matters (and only works) as root.
    if crate::sys::init::is_root() {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat_from(existing: &'static [(&'static str, u32)]) -> impl Fn(&Path) -> Option<DirInfo> {
        move |p: &Path| {
            existing
                .iter()
                .find(|(e, _)| Path::new(e) == p)
                .map(|(_, mode)| DirInfo {
                    mode: *mode,
                    uid: 0,
                    gid: 4,
                })
        }
    }

    #[test]
    fn rejects_bad_paths() {
        assert!(relative("var/log").is_err());
        assert!(relative("/var/../etc").is_err());
        assert!(relative("/").is_err());
        assert_eq!(relative("/var//log/./").unwrap(), PathBuf::from("var/log"));
        let e = plan_state(Path::new("/new"), &["/a/../b".into()], false, &|_| None).unwrap_err();
        assert_eq!(e.to_string(), "netroot.state=: \"/a/../b\" contains \"..\"");
    }

    #[test]
    fn state_on_shared_root() {
        let stat = stat_from(&[("/new/var/log", 0o755), ("/new/var/tmp", 0o1777)]);
        let paths: Vec<String> = [
            "/var/log/cups",
            "/var/log",
            "/var/tmp",
            "/var/spool/cups",
            "/var/log",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let p = plan_state(Path::new("/new"), &paths, false, &stat).unwrap();
        assert_eq!(
            p.actions,
            vec![
                Action::Tmpfs {
                    target: "/new/var/log".into(),
                    options: "mode=0755,uid=0,gid=4".into()
                },
                Action::Tmpfs {
                    target: "/new/var/tmp".into(),
                    options: "mode=1777,uid=0,gid=4".into()
                },
                // Missing, but inside the /var/log tmpfs: made there.
                Action::Mkdir {
                    path: "/new/var/log/cups".into(),
                    mode: 0o755,
                    uid: 0,
                    gid: 0
                },
                Action::Tmpfs {
                    target: "/new/var/log/cups".into(),
                    options: "mode=0755,uid=0,gid=0".into()
                },
            ]
        );
        // Missing on the shared export: never created there.
        assert_eq!(p.skipped.len(), 1);
        assert_eq!(p.skipped[0].0, "/var/spool/cups");
    }

    #[test]
    fn state_on_writable_root_creates_dirs() {
        let p = plan_state(Path::new("/new"), &["/srv/x".into()], true, &|_| None).unwrap();
        assert!(
            matches!(&p.actions[0], Action::Mkdir { path, .. } if path == Path::new("/new/srv/x"))
        );
        assert!(matches!(&p.actions[1], Action::Tmpfs { .. }));
        assert!(p.skipped.is_empty());
    }

    #[test]
    fn overlay_plan() {
        let d = OverlayDirs::under(Path::new("/run"));
        let a = plan_overlay(&d, Path::new("/new_root"));
        assert_eq!(a.len(), 5);
        assert_eq!(
            a[1],
            Action::Tmpfs {
                target: "/run/netroot/rw".into(),
                options: "mode=0755".into()
            }
        );
        assert_eq!(
            a[4],
            Action::Overlay {
                target: "/new_root".into(),
                options: "lowerdir=/run/netroot/lower,upperdir=/run/netroot/rw/upper,workdir=/run/netroot/rw/work".into()
            }
        );
    }

    #[test]
    fn mkdir_and_skeleton_on_disk() {
        let d = std::env::temp_dir().join(format!("netroot-state-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("log/apt")).unwrap();
        std::fs::create_dir_all(d.join("log/journal/x")).unwrap();
        std::fs::write(d.join("log/file"), b"").unwrap();
        let s = skeleton(&d.join("log"));
        let names: Vec<_> = s
            .iter()
            .map(|(r, _)| r.to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names.contains(&"journal/x".to_string()));
        assert!(
            names.iter().position(|n| n == "journal") < names.iter().position(|n| n == "journal/x")
        );
        apply(&[Action::Mkdir {
            path: d.join("t/sticky"),
            mode: 0o1777,
            uid: 0,
            gid: 0,
        }])
        .unwrap();
        assert_eq!(stat_dir(&d.join("t/sticky")).unwrap().mode & 0o7777, 0o1777);
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// Run the real mounts as root inside a private mount namespace: the
    /// test re-executes itself under `unshare -m` (a multi-threaded test
    /// process cannot unshare its own mount namespace).
    #[test]
    fn overlay_and_state_mounts_in_a_namespace() {
        if std::env::var_os("NETROOT_STATE_NS").is_some() {
            in_namespace();
            return;
        }
        if !crate::sys::init::is_root() {
            eprintln!("skipped: needs root for mount(2)");
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let out = std::process::Command::new("unshare")
            .args(["-m", "--propagation", "private"])
            .arg(exe)
            .args([
                "--exact",
                "root::state::tests::overlay_and_state_mounts_in_a_namespace",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("NETROOT_STATE_NS", "1")
            .output();
        let Ok(out) = out else {
            eprintln!("skipped: unshare(1) not available");
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        if text.contains("unshare failed") || text.contains("Operation not permitted") {
            eprintln!("skipped: cannot create a mount namespace here: {text}");
            return;
        }
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "{text}");
    }

    fn in_namespace() {
        use std::os::unix::fs::MetadataExt;
        let base = std::env::temp_dir().join(format!("netroot-ns-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let lower = base.join("lower");
        std::fs::create_dir_all(lower.join("var/log/apt")).unwrap();
        std::fs::create_dir_all(lower.join("sbin")).unwrap();
        std::fs::write(lower.join("var/log/old.log"), b"shared").unwrap();
        std::fs::write(lower.join("sbin/init"), b"#!/bin/sh\n").unwrap();
        let dirs = OverlayDirs {
            lower: lower.clone(),
            rw: base.join("rw"),
        };
        let new = base.join("new");
        std::fs::create_dir_all(&new).unwrap();
        apply(&plan_overlay(&dirs, &new)).unwrap();
        std::fs::write(new.join("hello"), b"mine").unwrap();
        assert!(dirs.rw.join("upper/hello").exists());
        assert!(
            !lower.join("hello").exists(),
            "the lower layer stays untouched"
        );
        assert!(new.join("sbin/init").exists());

        let paths: Vec<String> = vec!["/var/log".into(), "/var/log/cups".into(), "/srv/new".into()];
        let plan = plan_state(&new, &paths, true, &stat_dir).unwrap();
        apply(&plan.actions).unwrap();
        let log = new.join("var/log");
        assert_ne!(
            std::fs::metadata(&log).unwrap().dev(),
            std::fs::metadata(&new).unwrap().dev()
        );
        assert!(!log.join("old.log").exists(), "tmpfs hides the shared log");
        assert!(log.join("apt").is_dir(), "skeleton recreated");
        assert!(log.join("cups").is_dir());
        assert!(new.join("srv/new").is_dir());
        std::fs::write(log.join("mine.log"), b"x").unwrap();
        assert!(!dirs.rw.join("upper/var/log/mine.log").exists());
        for m in [
            log.join("cups"),
            log.clone(),
            new.join("srv/new"),
            new.clone(),
            dirs.rw.clone(),
        ] {
            crate::sys::fs::umount(&m, false).unwrap();
        }
        std::fs::remove_dir_all(&base).unwrap();
    }
}

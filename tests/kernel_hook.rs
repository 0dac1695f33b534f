//! kernel/netroot-kernel-hook (installed as /usr/lib/netroot/kernel-hook,
//! run by the Debian postinst.d/postrm.d hooks and the kernel-install
//! plugin) with the real netroot binary on PATH: off unless
//! /etc/default/netroot sets NETROOT_IMAGE, wrong arguments and settings are
//! refused with status 2, a failed build keeps the old image, remove deletes
//! it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Env {
    dir: PathBuf,
}

impl Env {
    fn new(name: &str, defaults: &str) -> Env {
        let dir =
            std::env::temp_dir().join(format!("netroot-kernel-hook-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("bin")).unwrap();
        // The real binary, under the name the hook calls.
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_netroot"), dir.join("bin/netroot")).unwrap();
        fs::write(
            dir.join("default"),
            defaults.replace("@DIR@", dir.to_str().unwrap()),
        )
        .unwrap();
        Env { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        let hook = Path::new(env!("CARGO_MANIFEST_DIR")).join("kernel/netroot-kernel-hook");
        let path = format!("{}:/usr/bin:/bin", self.dir.join("bin").display());
        Command::new(hook)
            .args(args)
            .env("PATH", path)
            .env("NETROOT_DEFAULTS", self.dir.join("default"))
            .output()
            .unwrap()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit status is `code` and stderr says `said`.
fn assert_exit(out: &Output, code: i32, said: &str) {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    assert!(stderr(out).contains(said), "{}", stderr(out));
}

#[test]
fn off_without_netroot_image() {
    let env = Env::new("off", "NETROOT_IMAGE=\n");
    let out = env.run(&["add", "6.1.0-57-amd64"]);
    assert_exit(&out, 0, "");
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn refuses_a_bad_version_or_action_or_path() {
    let env = Env::new("bad", "NETROOT_IMAGE=@DIR@/netroot.img-%v\n");
    for (args, said) in [
        (&["add", "../../etc"][..], "not a kernel version"),
        (&["add", ""][..], "not a kernel version"),
        (&["add"][..], "two arguments expected"),
        (
            &["rebuild", "6.1.0-57-amd64"][..],
            "unknown action \"rebuild\"",
        ),
    ] {
        assert_exit(&env.run(args), 2, said);
    }
    let rel = Env::new("rel", "NETROOT_IMAGE=boot/netroot.img\n");
    assert_exit(
        &rel.run(&["add", "6.1.0-57-amd64"]),
        2,
        "not an absolute path",
    );
}

#[test]
fn a_failed_build_keeps_the_old_image_and_remove_deletes_it() {
    let env = Env::new("build", "NETROOT_IMAGE=@DIR@/netroot.img-%v\n");
    let image = env.dir.join("netroot.img-0.0.0-none");
    fs::write(&image, b"old image").unwrap();
    // No kernel 0.0.0-none exists here (and this netroot may not have the
    // initramfs subcommand yet): the build fails, the old image stays.
    assert_exit(
        &env.run(&["add", "0.0.0-none"]),
        1,
        "netroot initramfs failed for 0.0.0-none",
    );
    assert_eq!(fs::read(&image).unwrap(), b"old image");
    assert!(!env.dir.join("netroot.img-0.0.0-none.new").exists());

    assert_exit(&env.run(&["remove", "0.0.0-none"]), 0, "");
    assert!(!image.exists());
}

#[test]
fn add_builds_the_image_with_netroot_initramfs() {
    // The lab kernel (qemu/kernel.sh unpacks it into build/kernel; `make
    // test` fetches it before the cargo tests). Without it there is no
    // kernel to build an image for: skipped, except under CI (CI=true),
    // where a missing kernel is a failure rather than a silent pass.
    let kroot = Path::new(env!("CARGO_MANIFEST_DIR")).join("build/kernel");
    let Some(kver) = fs::read_dir(kroot.join("lib/modules")).ok().and_then(|d| {
        d.filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| {
                Path::new(&kroot)
                    .join("lib/modules")
                    .join(n)
                    .join("modules.dep")
                    .exists()
            })
    }) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no kernel in {} (qemu/kernel.sh, `make build/vmlinuz`): CI=true does not skip this test",
            kroot.display()
        );
        eprintln!("skipped: no kernel in build/kernel (qemu/kernel.sh)");
        return;
    };
    let env = Env::new(
        "real",
        &format!(
            "NETROOT_IMAGE=@DIR@/netroot.img-%v\nNETROOT_IMAGE_ARGS=\"--root {} --modules default --compress none\"\n",
            kroot.display()
        ),
    );
    assert_exit(&env.run(&["add", &kver]), 0, "building");
    let image = env.dir.join(format!("netroot.img-{kver}"));
    let bytes = fs::read(&image).unwrap();
    // An uncompressed newc cpio (--compress none: zstd is slow in a debug
    // build).
    assert_eq!(&bytes[..6], b"070701", "{}", image.display());
    assert!(!env.dir.join(format!("netroot.img-{kver}.new")).exists());
}

//! The mkinitcpio install hook (install/netroot, bash) run against stub
//! mkinitcpio functions: which modules and files it adds, and what
//! `mkinitcpio -H netroot` (its help()) says.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::path::Path;
use std::process::Command;

/// Source the hook in bash with stubs that log each call, run `call`,
/// return the log (one call per line) and the exit status.
fn run_hook(fstab: &Path, call: &str) -> (String, bool) {
    run_hook_ca(fstab, call, &fixture("ca.pem"))
}

fn run_hook_ca(fstab: &Path, call: &str, ca: &Path) -> (String, bool) {
    let hook = Path::new(env!("CARGO_MANIFEST_DIR")).join("install/netroot");
    let script = format!(
        r#"
add_module() {{ echo "add_module $1"; }}
add_checked_modules() {{ echo "add_checked_modules $1"; }}
add_file() {{ echo "add_file $1 $2 $3"; }}
add_runscript() {{ echo add_runscript; }}
error() {{ echo "error $*"; }}
. "{}"
{call}
"#,
        hook.display()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("NETROOT_BIN", env!("CARGO_BIN_EXE_netroot"))
        .env("NETROOT_FSTAB", fstab)
        .env("NETROOT_CA_BUNDLE", ca)
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8(out.stdout).unwrap(), out.status.success())
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mkinitcpio")
        .join(name)
}

#[test]
fn adds_the_file_system_of_the_root_in_fstab() {
    let (log, ok) = run_hook(&fixture("fstab-nbd-btrfs"), "build");
    assert!(ok, "{log}");
    let modules: Vec<&str> = log
        .lines()
        .filter_map(|l| l.strip_prefix("add_module "))
        .collect();
    assert_eq!(
        modules,
        [
            "virtio_pci?",
            "nfsv4?",
            "nfsv3?",
            "nbd?",
            "overlay?",
            "8021q?",
            "bonding?",
            "bridge?",
            "btrfs"
        ]
    );
    assert!(
        log.contains("add_file ") && log.ends_with("add_runscript\n"),
        "{log}"
    );
}

#[test]
fn no_module_for_a_network_or_missing_fstab_root() {
    let dir = std::env::temp_dir().join(format!("netroot-install-hook-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let nfs = dir.join("fstab-nfs");
    std::fs::write(&nfs, "10.0.0.1:/srv/root / nfs4 defaults 0 0\n").unwrap();
    let odd = dir.join("fstab-odd");
    std::fs::write(&odd, "/dev/nbd0 / $(reboot) defaults 0 0\n").unwrap();
    for fstab in [nfs, odd, dir.join("missing")] {
        let (log, ok) = run_hook(&fstab, "build");
        assert!(ok, "{log}");
        // Only optional modules (name?), then the CA bundle and the runscript.
        assert!(
            log.lines()
                .filter_map(|l| l.strip_prefix("add_module "))
                .all(|m| m.ends_with('?')),
            "{fstab:?}: {log}"
        );
        let ca = fixture("ca.pem");
        assert!(
            log.ends_with(&format!(
                "add_file {} /etc/netroot/ca-certificates.crt 644\nadd_runscript\n",
                ca.display()
            )),
            "{fstab:?}: {log}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_ca_bundle_asked_for_must_exist() {
    let (log, ok) = run_hook_ca(
        &fixture("fstab-nbd-btrfs"),
        "build",
        Path::new("/nonexistent/ca.pem"),
    );
    assert!(!ok, "{log}");
    assert!(
        log.contains("error netroot: NETROOT_CA_BUNDLE=/nonexistent/ca.pem is not a readable file"),
        "{log}"
    );
    assert!(!log.contains("add_runscript"), "{log}");
}

#[test]
fn help_says_so() {
    let (text, ok) = run_hook(&fixture("fstab-nbd-btrfs"), "help");
    assert!(ok);
    assert!(
        text.contains("the file system that /etc/fstab gives for /"),
        "{text}"
    );
    assert!(text.contains("HOOKS=(base netroot) is enough"), "{text}");
}

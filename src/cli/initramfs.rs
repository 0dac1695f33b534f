//! `netroot initramfs -o FILE [--kver KVER] [--root DIR] [--modules SET]
//! [--add MOD]... [--compress METHOD] [--ca-bundle FILE|none]`: build the
//! image whose `/init` is this very binary (src/image/).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Cmd, Opt, Parsed, Takes, OK};
use crate::image::{self, CaBundle, Compress, Set};

const CMD: Cmd = Cmd {
    name: "initramfs",
    usage: "usage: netroot initramfs -o FILE [--kver KVER] [--root DIR] [--modules default|generic|host]
                         [--add MOD[,MOD...]]... [--compress zstd|gzip|xz|none]
                         [--ca-bundle FILE|none]
  -o, --output FILE  the image to write (replaced atomically)
  --kver KVER        the kernel release (default: the running kernel's)
  --root DIR         take modules from DIR/lib/modules/KVER and firmware from
                     DIR/lib/firmware (default /)
  --modules SET      default: the QEMU lab's NICs, NFS, NBD, btrfs, overlay;
                     generic: default + common NIC drivers, ext4, xfs;
                     host: this machine's NIC drivers + NFS, NBD, overlay
  --add MOD          more modules (names or aliases), with their dependencies
  --compress METHOD  zstd (default), gzip, xz or none
  --ca-bundle FILE   the CAs (PEM) that root=live:https:// trusts, carried as
                     /etc/netroot/ca-certificates.crt (default: the system's
                     /etc/ssl/certs/ca-certificates.crt when this netroot is
                     built with TLS; none: no bundle)",
    opts: &[
        Opt {
            name: "-o",
            takes: Takes::Path,
        },
        Opt {
            name: "--output",
            takes: Takes::Path,
        },
        Opt {
            name: "--kver",
            takes: Takes::Text,
        },
        Opt {
            name: "--root",
            takes: Takes::Path,
        },
        Opt {
            name: "--modules",
            takes: Takes::Text,
        },
        Opt {
            name: "--add",
            takes: Takes::Text,
        },
        Opt {
            name: "--compress",
            takes: Takes::Text,
        },
        Opt {
            name: "--ca-bundle",
            takes: Takes::Path,
        },
    ],
};

/// The build's options from the arguments, or a usage error in words.
/// `running` is the running kernel's release (the default `--kver`).
fn options(p: &Parsed, running: Option<&str>, init: PathBuf) -> Result<image::Options, String> {
    if let Some(w) = p.positional.first() {
        return Err(format!("unexpected argument {w:?}"));
    }
    let out = p
        .value("-o")
        .or(p.value("--output"))
        .ok_or("-o FILE is required")?;
    let set = match p.value("--modules") {
        None => Set::Default,
        Some(s) => Set::parse(s).ok_or(format!(
            "--modules {s:?}: expected default, generic or host"
        ))?,
    };
    let compress = match p.value("--compress") {
        None => Compress::Zstd,
        Some(s) => Compress::parse(s)
            .ok_or(format!("--compress {s:?}: expected zstd, gzip, xz or none"))?,
    };
    let kver = match p.value("--kver") {
        Some(k) if !k.is_empty() && !k.contains('/') && k != "." && k != ".." => k.to_string(),
        Some(k) => return Err(format!("--kver {k:?}: not a kernel release")),
        None => running
            .ok_or("--kver is required (cannot read the running kernel's release)")?
            .to_string(),
    };
    let add = p
        .values("--add")
        .iter()
        .flat_map(|v| v.split([',', ' ']))
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .collect();
    let ca_bundle = match p.value("--ca-bundle") {
        Some("none") => CaBundle::None,
        Some(f) => CaBundle::File(PathBuf::from(f)),
        None if crate::tls::ENABLED => CaBundle::System(PathBuf::from(crate::tls::SYSTEM_BUNDLE)),
        None => CaBundle::None,
    };
    Ok(image::Options {
        ca_bundle,
        root: PathBuf::from(p.value("--root").unwrap_or("/")),
        kver,
        set,
        add,
        compress,
        init,
        out: PathBuf::from(out),
    })
}

/// Run `netroot initramfs` with `args` (the words after `initramfs`).
pub(super) fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let p = match CMD.parse_or_exit(args, out, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let running = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok();
    let init = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => return CMD.fail(err, &format!("cannot find this program's file: {e}")),
    };
    let o = match options(&p, running.as_deref().map(str::trim), init) {
        Ok(o) => o,
        Err(msg) => return CMD.usage_error(err, &msg),
    };
    if !Path::new(&o.root).is_dir() {
        return CMD.usage_error(
            err,
            &format!("--root {}: not a directory", o.root.display()),
        );
    }
    match image::build(&o) {
        Ok(r) => {
            for n in &r.notes {
                let _ = writeln!(err, "netroot initramfs: note: {n}");
            }
            for w in &r.warnings {
                let _ = writeln!(err, "netroot initramfs: warning: {w}");
            }
            let ca = match r.ca_certs {
                Some(n) => format!("; CA bundle of {n} certificates"),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "netroot initramfs: {}: {} bytes ({}; cpio {} bytes; {} modules, {} firmware files, set {}; kernel {}{ca})",
                o.out.display(),
                r.size,
                o.compress.name(),
                r.cpio_size,
                r.modules,
                r.firmware,
                o.set.name(),
                o.kver
            );
            OK
        }
        Err(e) => CMD.fail(err, &e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{RUNTIME, USAGE};

    fn opts(v: &[&str]) -> Result<image::Options, String> {
        let args: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        let p = CMD.parse(&args).map_err(|e| format!("{e:?}"))?;
        options(&p, Some("6.1.0-57-amd64"), PathBuf::from("/init"))
    }

    #[test]
    fn defaults_and_values() {
        let o = opts(&["-o", "x.img"]).unwrap();
        assert_eq!(o.kver, "6.1.0-57-amd64");
        assert_eq!(o.root, PathBuf::from("/"));
        assert_eq!((o.set, o.compress), (Set::Default, Compress::Zstd));
        let o = opts(&[
            "--output=y",
            "--kver",
            "6.12",
            "--root",
            "r",
            "--modules",
            "host",
            "--add",
            "r8169,tg3",
            "--add",
            "igb",
            "--compress",
            "none",
        ])
        .unwrap();
        assert_eq!(
            (o.kver.as_str(), o.set, o.compress),
            ("6.12", Set::Host, Compress::None)
        );
        assert_eq!(o.add, ["r8169", "tg3", "igb"]);
        assert_eq!(o.out, PathBuf::from("y"));
        assert_eq!(
            opts(&["-o", "x", "--ca-bundle", "my.pem"])
                .unwrap()
                .ca_bundle,
            CaBundle::File("my.pem".into())
        );
        assert_eq!(
            opts(&["-o", "x", "--ca-bundle=none"]).unwrap().ca_bundle,
            CaBundle::None
        );
        let default = opts(&["-o", "x"]).unwrap().ca_bundle;
        if crate::tls::ENABLED {
            assert_eq!(
                default,
                CaBundle::System("/etc/ssl/certs/ca-certificates.crt".into())
            );
        } else {
            assert_eq!(default, CaBundle::None);
        }
    }

    #[test]
    fn bad_arguments_are_named() {
        assert!(opts(&[]).unwrap_err().contains("-o FILE"));
        assert!(opts(&["-o", "x", "--modules", "all"])
            .unwrap_err()
            .contains("--modules \"all\""));
        assert!(opts(&["-o", "x", "--compress", "lz4"])
            .unwrap_err()
            .contains("--compress"));
        assert!(opts(&["-o", "x", "--kver", "../etc"])
            .unwrap_err()
            .contains("--kver"));
        assert!(opts(&["-o", "x", "extra"]).unwrap_err().contains("extra"));
    }

    #[test]
    fn exit_statuses() {
        let run_ = |v: &[&str]| {
            let args: Vec<String> = v.iter().map(|s| s.to_string()).collect();
            let (mut out, mut err) = (Vec::new(), Vec::new());
            (
                run(&args, &mut out, &mut err),
                String::from_utf8(err).unwrap(),
            )
        };
        assert_eq!(run_(&["--help"]).0, OK);
        assert_eq!(run_(&["--modules", "x", "-o", "y"]).0, USAGE);
        let dir = std::env::temp_dir().join(format!("netroot-initramfs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("x.img");
        let (code, err) = run_(&[
            "-o",
            out.to_str().unwrap(),
            "--root",
            dir.to_str().unwrap(),
            "--kver",
            "9.9",
        ]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(code, RUNTIME);
        assert!(err.contains("modules.dep"), "{err}");
    }
}

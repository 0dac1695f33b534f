//! `netroot mount DIR`: the root phases alone, after `netroot net`, for
//! other initramfs frameworks (mkinitcpio's mount_handler).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{Cmd, Opt, Takes, OK, RUNTIME};
use crate::net::handover;
use crate::root::NetInfo;
use crate::{error, info, warn};

const CMD: Cmd = Cmd {
    name: "mount",
    usage: "usage: netroot mount DIR [--cmdline STRING] [--run-dir DIR]",
    opts: &[
        Opt {
            name: "--cmdline",
            takes: Takes::Text,
        },
        Opt {
            name: "--run-dir",
            takes: Takes::Path,
        },
    ],
};

/// Run `netroot mount` with `args` (the words after `mount`): mount the
/// root the command line names on DIR, with what `netroot net` left in
/// `RUN_DIR/netroot/net.json` (default /run).
pub(super) fn run(args: &[String], err: &mut dyn Write) -> i32 {
    let p = match CMD.parse_or_exit(args, &mut std::io::stdout(), err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let target = match p.positional.as_slice() {
        [dir] => PathBuf::from(dir),
        [] => return CMD.usage_error(err, "the mount point DIR is missing"),
        [_, extra, ..] => return CMD.usage_error(err, &format!("unexpected argument {extra:?}")),
    };
    let cfg = match super::config(&CMD, &p, Path::new("/"), err) {
        Ok(c) => c,
        Err(code) => return code,
    };
    crate::log::init(false, !cfg.quiet, cfg.options.debug);
    let run_dir = PathBuf::from(p.value("--run-dir").unwrap_or("/run"));
    let info = match read_net(&cfg, &run_dir) {
        Ok(i) => i,
        Err(e) => return CMD.fail(err, &e),
    };
    if let Some(tree) = crate::boot::modules::image_modules() {
        match crate::boot::modules::root_module_plan(&tree, &cfg) {
            Ok(plan) => {
                if let Err(e) = crate::kmod::Loader::spawn(plan).wait_all() {
                    warn!("{e}");
                }
            }
            Err(e) => {
                error!("{e}");
                return RUNTIME;
            }
        }
    }
    let deadline = Instant::now() + cfg.options.timeout;
    match crate::root::mount_root(
        &cfg,
        &info,
        &target,
        deadline,
        &crate::boot::modules::load_late,
    ) {
        Ok(()) => {
            info!(
                "root mounted at {:.2} s on {}",
                crate::util::uptime(),
                target.display()
            );
            OK
        }
        Err(e) => {
            error!("{e}");
            RUNTIME
        }
    }
}

/// What `netroot net` left in `run_dir`, as the root phase needs it.
fn read_net(cfg: &crate::cmdline::BootConfig, run_dir: &Path) -> Result<NetInfo, String> {
    let path = run_dir.join(handover::JSON_PATH);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {}: {e} (run `netroot net` first)",
            path.display()
        )
    })?;
    let (proto, lease) =
        handover::read_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let lease6 = handover::read_json6(&text);
    if lease.addr.is_none() && !lease6.as_ref().is_some_and(|l| !l.addrs.is_empty()) {
        return Err(format!("{}: no address", path.display()));
    }
    // The boot interface's MAC, for the per-machine identity (root::identity).
    let mac = crate::json::parse(&text).ok().and_then(|v| {
        v.get("mac")?
            .as_str()
            .and_then(crate::cmdline::ip::parse_mac)
    });
    Ok(NetInfo::new(cfg, proto, &lease, lease6.as_ref(), mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(args: &[&str]) -> (i32, String) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut err = Vec::new();
        let code = run(&args, &mut err);
        (code, String::from_utf8(err).unwrap())
    }

    #[test]
    fn usage_errors_exit_two() {
        assert_eq!(mount(&[]).0, 2);
        assert_eq!(mount(&["a", "b", "--cmdline", "ip=dhcp"]).0, 2);
        assert_eq!(mount(&["/mnt", "--run-dir"]).0, 2);
        let (code, err) = mount(&["/mnt", "--cmdline", "nfsroot=10.0.0.1:/x,vers=9"]);
        assert_eq!(code, 2, "{err}");
    }

    #[test]
    fn reads_what_net_left() {
        let dir = std::env::temp_dir().join(format!("netroot-cli-mount-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("netroot")).unwrap();
        let cfg = crate::cmdline::parse("ip=dhcp root=/dev/nfs").unwrap();
        let e = read_net(&cfg, &dir).unwrap_err();
        assert!(e.contains("run `netroot net` first"), "{e}");
        std::fs::write(
            dir.join(handover::JSON_PATH),
            r#"{"proto":"dhcp","address":"10.0.2.15","dns":["10.0.2.3"],"root_path":"/srv/root","server_id":"10.0.2.2","next_server":null}"#,
        )
        .unwrap();
        let info = read_net(&cfg, &dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(info.client, std::net::Ipv4Addr::new(10, 0, 2, 15));
        assert_eq!(info.dhcp_server, Some(std::net::Ipv4Addr::new(10, 0, 2, 2)));
        assert_eq!(info.dhcp_root_path.as_deref(), Some("/srv/root"));
        assert_eq!(info.dns, [std::net::Ipv4Addr::new(10, 0, 2, 3)]);
        // And the run itself: a runtime failure, named.
        let (code, err) = mount(&[
            "/mnt",
            "--cmdline",
            "root=/dev/nfs",
            "--run-dir",
            "/nonexistent",
        ]);
        assert_eq!(code, 1);
        assert!(
            err.starts_with("netroot mount: cannot read /nonexistent/netroot/net.json"),
            "{err}"
        );
    }
}

//! `netroot net`: bring the network up from the kernel command line, write
//! the hand-over files, print a one-line summary.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Cmd, Opt, Takes, OK, RUNTIME};
use crate::net::{bring_up, summary, Env, Error};

const CMD: Cmd = Cmd {
    name: "net",
    usage: "usage: netroot net [--cmdline STRING] [--load-modules] [--run-dir DIR] [--etc-dir DIR] [--tmp-dir DIR]",
    opts: &[
        Opt {
            name: "--cmdline",
            takes: Takes::Text,
        },
        Opt {
            name: "--load-modules",
            takes: Takes::Nothing,
        },
        Opt {
            name: "--run-dir",
            takes: Takes::Path,
        },
        Opt {
            name: "--etc-dir",
            takes: Takes::Path,
        },
        Opt {
            name: "--tmp-dir",
            takes: Takes::Path,
        },
    ],
};

/// Run `netroot net` with `args` (the words after `net`).
///
/// `--load-modules` coldplugs the NIC drivers first, for images without
/// udev that carry the text modules.dep (mkinitcpio's hook uses kmod's
/// modprobe instead: its images keep only the binary indexes). The hostname
/// is set only when `--etc-dir` is not given (a redirected run is a test or
/// a trial in a network namespace, which shares the host's UTS namespace
/// under `ip netns exec`, and must not rename the host); /dev/kmsg is
/// written only when neither directory is redirected. `ip=off` is success.
pub(super) fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let p = match CMD.parse_or_exit(args, out, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Some(word) = p.positional.first() {
        return CMD.usage_error(err, &format!("unknown argument {word:?}"));
    }
    let cfg = match super::config(&CMD, &p, Path::new("/"), err) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut env = Env::default();
    let mut redirected = false;
    if let Some(d) = p.value("--run-dir") {
        env.run_dir = d.into();
        redirected = true;
    }
    if let Some(d) = p.value("--etc-dir") {
        env.etc_dir = d.into();
        env.set_hostname = false;
        redirected = true;
    }
    env.tmp_dir = p.value("--tmp-dir").map(PathBuf::from);
    // A real run (from an initramfs hook) also tells the kernel log; a
    // redirected one (tests, trials in a namespace) keeps to stderr.
    crate::log::init(!redirected, !cfg.quiet, cfg.options.debug);
    if p.flag("--load-modules") {
        if let Some(tree) = crate::boot::modules::image_modules() {
            crate::boot::modules::coldplug_drivers(&tree);
        }
    }
    match bring_up(&cfg, &env) {
        Ok(o) => {
            let _ = writeln!(out, "{}", summary(&o));
            // The same boot-story line as PID 1 mode, for hooks and benchmarks.
            crate::info!("network up at {:.2} s", crate::util::uptime());
            OK
        }
        Err(Error::Disabled) => {
            let _ = writeln!(out, "network configuration disabled by ip=off");
            OK
        }
        Err(e) => {
            crate::error!("{e}");
            RUNTIME
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(args: &[&str]) -> (i32, String) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut err = Vec::new();
        let code = run(&args, &mut Vec::new(), &mut err);
        (code, String::from_utf8(err).unwrap())
    }

    #[test]
    fn usage_errors_exit_two() {
        assert_eq!(net(&["--bogus"]).0, 2);
        assert_eq!(net(&["--run-dir"]).0, 2);
        let (code, err) = net(&["--tmp-dir"]);
        assert_eq!(code, 2);
        assert!(
            err.starts_with("netroot net: --tmp-dir needs a value"),
            "{err}"
        );
        // --cmdline without a value does not fall back to /proc/cmdline.
        let (code, err) = net(&["--cmdline"]);
        assert_eq!(code, 2);
        assert!(
            err.starts_with("netroot net: --cmdline needs a value"),
            "{err}"
        );
        assert_eq!(net(&["--cmdline", "x", "stray"]).0, 2);
    }

    #[test]
    fn invalid_cmdline_exits_two_and_off_is_success() {
        let (code, err) = net(&["--cmdline", "ip=1.2.3.4:::255.0.300.0"]);
        assert_eq!(code, 2);
        assert!(err.starts_with("netroot net: ip=: field 4"), "{err}");
        let dir = std::env::temp_dir().join(format!("netroot-cli-net-{}", std::process::id()));
        let d = dir.display().to_string();
        let (code, _) = net(&["--cmdline", "ip=off", "--run-dir", &d, "--etc-dir", &d]);
        assert_eq!(code, 0);
    }
}

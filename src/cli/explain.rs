//! `netroot explain [--cmdline STR | --file PATH] [--json]`: print what a
//! kernel command line (default /proc/cmdline) will do, changing nothing.

use std::io::Write;
use std::path::Path;

use super::{Cmd, Opt, Takes, OK, USAGE};

const CMD: Cmd = Cmd {
    name: "explain",
    usage: "usage: netroot explain [--cmdline STRING | --file PATH] [--json]\n\
\n\
Print what netroot would do with a kernel command line (default: /proc/cmdline),\n\
changing nothing. Exit status: 0 valid, 2 invalid (or a wrong argument),\n\
1 when /proc/cmdline cannot be read.",
    opts: &[
        Opt {
            name: "--cmdline",
            takes: Takes::Text,
        },
        Opt {
            name: "--file",
            takes: Takes::Path,
        },
        Opt {
            name: "--json",
            takes: Takes::Nothing,
        },
    ],
};

/// Run `netroot explain` with `args` (the words after `explain`), reading
/// /proc/cmdline under `root`.
pub(super) fn run(root: &Path, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let p = match CMD.parse_or_exit(args, out, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Some(word) = p.positional.first() {
        return CMD.usage_error(err, &format!("unknown argument {word:?}"));
    }
    let cfg = match (p.value("--cmdline"), p.value("--file")) {
        (Some(_), Some(_)) => return CMD.usage_error(err, "give --cmdline or --file, not both"),
        (None, Some(path)) => match std::fs::read_to_string(path) {
            Ok(text) => crate::cmdline::parse(&text).map_err(|e| {
                let _ = writeln!(err, "netroot explain: {e}");
                USAGE
            }),
            Err(e) => return CMD.usage_error(err, &format!("cannot read {path}: {e}")),
        },
        _ => super::config(&CMD, &p, root, err),
    };
    let cfg = match cfg {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The identity values a boot of this machine would use, where known.
    let facts = crate::explain::machine_facts(root, &cfg);
    let shown = if p.flag("--json") {
        let mut s = crate::explain::plan_json_with(&cfg, &facts).render();
        s.push('\n');
        s
    } else {
        crate::explain::plan_text_with(&cfg, &facts)
    };
    let _ = out.write_all(shown.as_bytes());
    OK
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_capture(args: &[&str]) -> (i32, String, String) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(Path::new("/nonexistent"), &args, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn valid_cmdline_exits_zero_and_names_the_plan() {
        let (code, out, err) =
            run_capture(&["--cmdline", "ip=:::::eth0:dhcp nfsroot=10.0.0.1:/arch"]);
        assert_eq!(code, 0, "stderr: {err}");
        assert!(err.is_empty());
        assert!(out.contains("DHCP on interface eth0"), "{out}");
        assert!(out.contains("server: 10.0.0.1"), "{out}");
        assert!(out.contains("path: /arch"), "{out}");
        assert!(out.contains("tries 4.2, 4.1, 4.0, then 3"), "{out}");
        assert!(out.contains("init: /sbin/init (default)"), "{out}");
        assert!(out.contains("wait and retry with backoff"), "{out}");
    }

    #[test]
    fn invalid_cmdline_exits_two_with_the_error() {
        let (code, out, err) = run_capture(&["--cmdline=ip=10.0.0.2::10.0.0.1:255.0.300.0"]);
        assert_eq!(code, 2);
        assert!(out.is_empty());
        assert_eq!(
            err.trim_end(),
            "netroot explain: ip=: field 4 (netmask) \"255.0.300.0\" is not an IPv4 address"
        );
    }

    #[test]
    fn argument_errors_exit_two() {
        assert_eq!(run_capture(&["--bogus"]).0, 2);
        assert_eq!(run_capture(&["--cmdline"]).0, 2);
        assert_eq!(run_capture(&["--cmdline", "x", "--file", "y"]).0, 2);
        assert_eq!(run_capture(&["--file="]).0, 2);
        assert_eq!(
            run_capture(&["--cmdline="]).0,
            0,
            "an empty command line is valid"
        );
        assert_eq!(run_capture(&["stray"]).0, 2);
        let (code, _, err) = run_capture(&[]);
        assert_eq!(code, 1, "no /proc/cmdline under /nonexistent");
        assert!(err.contains("/nonexistent/proc/cmdline"), "{err}");
        let (code, out, _) = run_capture(&["--help"]);
        assert_eq!(code, 0);
        assert!(out.starts_with("usage: netroot explain"));
    }

    #[test]
    fn reads_proc_cmdline_under_the_given_root_and_files() {
        let dir = std::env::temp_dir().join(format!("netroot-explain-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("proc")).unwrap();
        std::fs::write(
            dir.join("proc/cmdline"),
            "root=nbd:10.0.0.1:10809/arch:btrfs:compress=lzo quiet\n",
        )
        .unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&dir, &["--json".to_string()], &mut out, &mut err);
        assert_eq!(code, 0);
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains(r#""kind":"nbd","server":"10.0.0.1""#), "{out}");
        assert!(
            out.contains(r#""port":10809,"export":"arch","fstype":"btrfs","flags":"compress=lzo""#),
            "{out}"
        );
        let file = dir.join("cmdline.txt");
        std::fs::write(&file, "ip=off").unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args = vec!["--file".to_string(), file.display().to_string()];
        assert_eq!(run(&dir, &args, &mut out, &mut err), 0);
        assert!(String::from_utf8(out)
            .unwrap()
            .contains("no automatic configuration (ip=off)"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

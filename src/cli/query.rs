//! `netroot query root-kind|wants-network|root-modules [--cmdline STR]`:
//! small answers for shell hooks.

use std::io::Write;
use std::path::Path;

use super::{Cmd, Opt, Takes, OK};
use crate::cmdline::RootSpec;

const CMD: Cmd = Cmd {
    name: "query",
    usage: "usage: netroot query root-kind|wants-network|root-modules [--cmdline STRING]",
    opts: &[Opt {
        name: "--cmdline",
        takes: Takes::Text,
    }],
};

/// Run `netroot query` with `args` (the words after `query`), reading
/// /proc/cmdline under `root`. `wants-network` answers with the status
/// alone: 0 yes, 1 no.
pub(super) fn run(root: &Path, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let p = match CMD.parse_or_exit(args, out, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let question = match p.positional.as_slice() {
        [q] if ["root-kind", "wants-network", "root-modules"].contains(&q.as_str()) => q.as_str(),
        _ => {
            return CMD.usage_error(
                err,
                "expected one of root-kind, wants-network, root-modules",
            )
        }
    };
    let cfg = match super::config(&CMD, &p, root, err) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let answer = match question {
        "wants-network" => return i32::from(!cfg.wants_network()),
        "root-kind" => match cfg.root {
            RootSpec::None => "none".to_string(),
            RootSpec::Nfs(_) => "nfs".to_string(),
            RootSpec::Nbd(_) => "nbd".to_string(),
            RootSpec::Live(_) => "live".to_string(),
        },
        _ => crate::boot::modules::root_modules_line(&cfg),
    };
    let _ = writeln!(out, "{answer}");
    OK
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(args: &[String]) -> i32 {
        run(
            Path::new("/nonexistent"),
            args,
            &mut Vec::new(),
            &mut Vec::new(),
        )
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn query_answers_root_kind_and_network() {
        assert_eq!(
            query(&s(&[
                "root-kind",
                "--cmdline",
                "root=/dev/nfs nfsroot=10.0.0.1:/arch"
            ])),
            0
        );
        assert_eq!(
            query(&s(&["wants-network", "--cmdline", "root=/dev/sda1"])),
            1
        );
        assert_eq!(query(&s(&["wants-network", "--cmdline", "ip=dhcp"])), 0);
        assert_eq!(
            query(&s(&["root-kind", "--cmdline", "ip=1.2.3.4:::255.0.300.0"])),
            2
        );
        assert_eq!(
            query(&s(&["root-modules", "--cmdline", "root=/dev/nfs"])),
            0
        );
    }

    #[test]
    fn usage_errors_exit_two() {
        assert_eq!(query(&s(&["--cmdline", "ip=dhcp"])), 2);
        assert_eq!(query(&s(&["root-kind", "--cmdline"])), 2);
        assert_eq!(query(&s(&["what", "--cmdline", "ip=dhcp"])), 2);
        assert_eq!(query(&s(&["root-kind"])), 1, "no /proc/cmdline");
    }
}

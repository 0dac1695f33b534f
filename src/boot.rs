//! The phase pipeline: cmdline → modules → link → ip config → root → state →
//! hand-over → switch_root, and the entry points of the binary.

use crate::cmdline::{self, RootSpec};

const USAGE: &str = "usage: netroot [explain [--cmdline STR | --file PATH] [--json] | net [...] | mount DIR [...] | query root-kind|wants-network [--cmdline STR]]
as PID 1 (the initramfs's /init) it boots the machine";

/// Entry point called by `main`: returns the process exit code.
pub fn main_entry() -> i32 {
    let args: Vec<String> = std::env::args().collect();
    if crate::sys::init::is_pid1() {
        return pid1();
    }
    match args.get(1).map(String::as_str) {
        Some("explain") => crate::explain::run(&args[2..]),
        Some("query") => query(&args[2..]),
        Some("--version") | Some("version") => {
            println!("netroot {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Some("--help") | Some("-h") | Some("help") => {
            println!("{USAGE}");
            0
        }
        _ => {
            eprintln!("{USAGE}");
            2
        }
    }
}

/// Read the command line from `--cmdline STR` or /proc/cmdline.
fn cmdline_arg(args: &[String]) -> Result<(String, Vec<String>), String> {
    let mut rest = Vec::new();
    let mut line = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--cmdline" {
            line = Some(it.next().ok_or("--cmdline needs a value")?.clone());
        } else if let Some(v) = a.strip_prefix("--cmdline=") {
            line = Some(v.to_string());
        } else {
            rest.push(a.clone());
        }
    }
    let line = match line {
        Some(l) => l,
        None => std::fs::read_to_string("/proc/cmdline")
            .map_err(|e| format!("cannot read /proc/cmdline: {e}"))?,
    };
    Ok((line, rest))
}

/// `netroot query root-kind|wants-network`: small answers for shell hooks.
fn query(args: &[String]) -> i32 {
    let (line, rest) = match cmdline_arg(args) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("netroot: {e}");
            return 2;
        }
    };
    let cfg = match cmdline::parse(&line) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("netroot: {e}");
            return 2;
        }
    };
    match rest.first().map(String::as_str) {
        Some("root-kind") => {
            println!(
                "{}",
                match cfg.root {
                    RootSpec::None => "none",
                    RootSpec::Nfs(_) => "nfs",
                    RootSpec::Nbd(_) => "nbd",
                }
            );
            0
        }
        Some("wants-network") => i32::from(!cfg.wants_network()),
        _ => {
            eprintln!("netroot query: expected root-kind or wants-network");
            2
        }
    }
}

/// PID 1 mode (filled in by the root/boot integration).
fn pid1() -> i32 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}

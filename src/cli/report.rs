//! `netroot report [--file PATH]`: the boot timeline PID 1 left in
//! /run/netroot/timeline.json, as a table with the wait that cost most.

use std::io::Write;
use std::path::Path;

use super::{Cmd, Opt, Takes, OK};

const CMD: Cmd = Cmd {
    name: "report",
    usage: "usage: netroot report [--file PATH]\n\
print the boot timeline netroot left in /run/netroot/timeline.json",
    opts: &[Opt {
        name: "--file",
        takes: Takes::Path,
    }],
};

/// Run `netroot report` with `args` (the words after `report`).
pub(super) fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let p = match CMD.parse_or_exit(args, out, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Some(w) = p.positional.first() {
        return CMD.usage_error(err, &format!("unexpected argument {w:?}"));
    }
    let file = p.value("--file").unwrap_or(crate::timeline::FILE);
    match crate::timeline::report_file(Path::new(file)) {
        Ok(table) => {
            let _ = out.write_all(table.as_bytes());
            OK
        }
        Err(e) => CMD.fail(err, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(args: &[&str]) -> (i32, String, String) {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&args, &mut out, &mut err);
        let s = |v: Vec<u8>| String::from_utf8(v).unwrap();
        (code, s(out), s(err))
    }

    #[test]
    fn statuses_and_messages() {
        let (code, _, err) = report(&["--file", "/nonexistent/timeline.json"]);
        assert_eq!(code, 1);
        assert!(
            err.starts_with("netroot report: cannot read /nonexistent/timeline.json: "),
            "{err}"
        );
        assert_eq!(report(&["--file"]).0, 2);
        assert_eq!(report(&["extra"]).0, 2);
        let (code, out, _) = report(&["--help"]);
        assert_eq!(code, 0);
        assert!(out.starts_with("usage: netroot report"));
    }
}

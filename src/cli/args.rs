//! The one argument parser of the subcommands: long options (`--name VALUE`
//! or `--name=VALUE`, flags without a value), `-h`/`--help`, and positional
//! words. A value option without its value, an unknown option, or a value
//! given to a flag is a usage error naming the option.

use std::io::Write;

use super::{OK, RUNTIME, USAGE};

/// What an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Takes {
    /// Nothing: a flag.
    Nothing,
    /// Text, possibly empty (`--cmdline ''` is an empty command line).
    Text,
    /// A path: never empty.
    Path,
}

/// One option a subcommand accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opt {
    /// `--name`.
    pub name: &'static str,
    /// What it takes.
    pub takes: Takes,
}

/// A subcommand's name, usage line and options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cmd {
    /// The word after `netroot`.
    pub name: &'static str,
    /// The usage text (starts with `usage: netroot ...`).
    pub usage: &'static str,
    /// The options it accepts.
    pub opts: &'static [Opt],
}

/// Parsed arguments.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// Options in the order given, with their values.
    opts: Vec<(&'static str, Option<String>)>,
    /// The words that are not options.
    pub positional: Vec<String>,
}

impl Parsed {
    /// Whether the flag `name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.opts.iter().any(|(n, _)| *n == name)
    }

    /// The value of `name` (the last one when given twice).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.opts
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Every value of `name`, in the order given (an option given many times).
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.opts
            .iter()
            .filter(|(n, _)| *n == name)
            .filter_map(|(_, v)| v.as_deref())
            .collect()
    }
}

/// Why parsing stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// `-h` / `--help`.
    Help,
    /// A usage error, in words.
    Usage(String),
}

impl Cmd {
    /// Parse `args` (the words after the subcommand).
    pub fn parse(&self, args: &[String]) -> Result<Parsed, Stop> {
        let mut p = Parsed::default();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if a == "-h" || a == "--help" {
                return Err(Stop::Help);
            }
            if !a.starts_with('-') || a == "-" {
                p.positional.push(a.clone());
                continue;
            }
            let (name, inline) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (a.as_str(), None),
            };
            let Some(opt) = self.opts.iter().find(|o| o.name == name) else {
                return Err(Stop::Usage(format!("unknown argument {a:?}")));
            };
            let value = match (opt.takes, inline) {
                (Takes::Nothing, None) => None,
                (Takes::Nothing, Some(_)) => {
                    return Err(Stop::Usage(format!("{name} takes no value")))
                }
                (_, Some(v)) => Some(v),
                (_, None) => match it.next() {
                    Some(v) => Some(v.clone()),
                    None => return Err(Stop::Usage(format!("{name} needs a value"))),
                },
            };
            if opt.takes == Takes::Path && value.as_deref() == Some("") {
                return Err(Stop::Usage(format!("{name} needs a path")));
            }
            p.opts.push((opt.name, value));
        }
        Ok(p)
    }

    /// [`Cmd::parse`], with `--help` and usage errors answered: the usage
    /// on `out` (status [`OK`]) or the error and the usage on `err`
    /// (status [`USAGE`]).
    pub fn parse_or_exit(
        &self,
        args: &[String],
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<Parsed, i32> {
        self.parse(args).map_err(|stop| match stop {
            Stop::Help => {
                let _ = writeln!(out, "{}", self.usage);
                OK
            }
            Stop::Usage(msg) => self.usage_error(err, &msg),
        })
    }

    /// Write a usage error and the usage; returns [`USAGE`].
    pub fn usage_error(&self, err: &mut dyn Write, msg: &str) -> i32 {
        let _ = writeln!(err, "netroot {}: {msg}\n{}", self.name, self.usage);
        USAGE
    }

    /// Write a runtime failure; returns [`RUNTIME`].
    pub fn fail(&self, err: &mut dyn Write, msg: &str) -> i32 {
        let _ = writeln!(err, "netroot {}: {msg}", self.name);
        RUNTIME
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMD: Cmd = Cmd {
        name: "t",
        usage: "usage: netroot t",
        opts: &[
            Opt {
                name: "--cmdline",
                takes: Takes::Text,
            },
            Opt {
                name: "--dir",
                takes: Takes::Path,
            },
            Opt {
                name: "--json",
                takes: Takes::Nothing,
            },
        ],
    };

    fn parse(v: &[&str]) -> Result<Parsed, Stop> {
        CMD.parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn values_flags_and_words() {
        let p = parse(&["a", "--cmdline", "x=1 y", "--json", "--cmdline=z", "-"]).unwrap();
        assert_eq!(p.value("--cmdline"), Some("z"));
        assert_eq!(p.values("--cmdline"), ["x=1 y", "z"]);
        assert!(p.flag("--json"));
        assert_eq!(p.positional, ["a", "-"]);
        assert_eq!(p.value("--json"), None);
    }

    #[test]
    fn usage_errors_name_the_option() {
        let usage = |m: &str| Err(Stop::Usage(m.to_string()));
        assert_eq!(parse(&["--cmdline"]), usage("--cmdline needs a value"));
        assert_eq!(parse(&["--dir="]), usage("--dir needs a path"));
        assert_eq!(parse(&["--dir", ""]), usage("--dir needs a path"));
        assert_eq!(parse(&["--cmdline="]).unwrap().value("--cmdline"), Some(""));
        assert_eq!(parse(&["--json=1"]), usage("--json takes no value"));
        assert_eq!(parse(&["--bogus"]), usage("unknown argument \"--bogus\""));
        assert_eq!(parse(&["x", "-h"]), Err(Stop::Help));
    }

    #[test]
    fn exit_statuses() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args = ["--help".to_string()];
        assert_eq!(CMD.parse_or_exit(&args, &mut out, &mut err), Err(OK));
        assert_eq!(out, b"usage: netroot t\n");
        let args = ["--nope".to_string()];
        assert_eq!(CMD.parse_or_exit(&args, &mut out, &mut err), Err(USAGE));
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "netroot t: unknown argument \"--nope\"\nusage: netroot t\n"
        );
    }
}

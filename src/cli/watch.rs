//! `netroot watch [--listen ADDR:PORT] [--json] [--stuck SECONDS] [--clients N]
//! [--duration SECONDS]`: the room view ([`crate::watch`]), run on the server.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;

use super::{Cmd, Opt, Takes};
use crate::watch::Options;

const CMD: Cmd = Cmd {
    name: "watch",
    usage: "usage: netroot watch [--listen ADDR:PORT] [--json] [--stuck SECONDS] [--clients N] [--duration SECONDS]
listen for the RFC 5424 messages of clients booted with netroot.syslog= and show the room
  --listen ADDR:PORT  UDP address to listen on (default 0.0.0.0:514)
  --json              one JSON object per line: message, invalid, stuck, and a final table
  --stuck SECONDS     mark a client stuck after this long without a message (default 30)
  --clients N         exit once N clients have switched or failed
  --duration SECONDS  exit after this long",
    opts: &[
        Opt {
            name: "--listen",
            takes: Takes::Text,
        },
        Opt {
            name: "--json",
            takes: Takes::Nothing,
        },
        Opt {
            name: "--stuck",
            takes: Takes::Text,
        },
        Opt {
            name: "--clients",
            takes: Takes::Text,
        },
        Opt {
            name: "--duration",
            takes: Takes::Text,
        },
    ],
};

/// The options in `args`, or a usage error in words.
fn options(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> Result<Options, i32> {
    let p = CMD.parse_or_exit(args, out, err)?;
    let mut bad = |msg: String| CMD.usage_error(&mut *err, &msg);
    if let Some(w) = p.positional.first() {
        return Err(bad(format!("unexpected argument {w:?}")));
    }
    let secs = |name: &str| -> Result<Option<f64>, String> {
        p.value(name)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| format!("{name}: {v:?} is not a number of seconds"))
            })
            .transpose()
    };
    let parsed = (|| {
        Ok::<_, String>(Options {
            listen: match p.value("--listen") {
                Some(v) => v
                    .parse()
                    .map_err(|_| format!("--listen: {v:?} is not ADDR:PORT"))?,
                None => SocketAddr::from(([0, 0, 0, 0], crate::cmdline::SYSLOG_PORT)),
            },
            json: p.flag("--json"),
            stuck: secs("--stuck")?.unwrap_or(30.0),
            clients: p
                .value("--clients")
                .map(|v| {
                    v.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("--clients: {v:?} is not a count"))
                })
                .transpose()?,
            duration: secs("--duration")?,
            screen: crate::watch::screen(
                std::io::stdout().is_terminal(),
                std::env::var_os("TERM").as_deref(),
                std::env::var_os("NO_COLOR").as_deref(),
            ),
        })
    })();
    parsed.map_err(bad)
}

/// Run `netroot watch` with `args` (the words after `watch`).
pub(super) fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match options(args, out, err) {
        Ok(o) => crate::watch::run(&o, out, err),
        Err(code) => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(args: &[&str]) -> Result<Options, (i32, String)> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        options(&args, &mut out, &mut err)
            .map_err(|code| (code, String::from_utf8(err).unwrap_or_default()))
    }

    #[test]
    fn arguments() {
        let o = opts(&[]).unwrap();
        assert_eq!(o.listen.to_string(), "0.0.0.0:514");
        assert_eq!(
            (o.json, o.stuck, o.clients, o.duration),
            (false, 30.0, None, None)
        );
        let o = opts(&[
            "--listen=127.0.0.1:5514",
            "--json",
            "--stuck",
            "5",
            "--clients",
            "2",
            "--duration",
            "1.5",
        ])
        .unwrap();
        assert_eq!(
            (o.listen.port(), o.json, o.stuck, o.clients, o.duration),
            (5514, true, 5.0, Some(2), Some(1.5))
        );
        for (args, msg) in [
            (
                &["--stuck", "-1"][..],
                "--stuck: \"-1\" is not a number of seconds",
            ),
            (&["--listen", "x"], "--listen: \"x\" is not ADDR:PORT"),
            (&["--clients", "0"], "--clients: \"0\" is not a count"),
            (&["--clients"], "--clients needs a value"),
            (&["bogus"], "unexpected argument \"bogus\""),
        ] {
            let (code, err) = opts(args).unwrap_err();
            assert_eq!(code, 2);
            assert!(err.starts_with(&format!("netroot watch: {msg}\n")), "{err}");
        }
    }
}

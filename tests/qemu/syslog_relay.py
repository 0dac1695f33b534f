#!/usr/bin/env python3
"""Keep and check the syslog datagrams guests send (tests/qemu/t-watch-*.sh).

  syslog_relay.py relay --listen PORT --forward PORT [--forward PORT]... --out FILE
      receive UDP on 127.0.0.1:PORT, append each datagram (base64, one a
      line) to FILE, forward it unchanged to 127.0.0.1:FORWARD, each of
      them (where `netroot watch` listens, and rsyslogd when a test runs
      one); FILE.ready appears once bound.
  syslog_relay.py check FILE [--msgid ID]... [--failure REGEX [--cmdline TEXT]]
      check every datagram in FILE strictly against RFC 5424's ABNF (§6),
      with our SD-ID netroot@32473 carrying mac, ip and uptime; each
      --msgid must occur; --failure: a 'failure' report whose error
      matches REGEX and whose MSG holds `command line: ` with TEXT in it,
      and `last messages:` followed by messages (`[uptime] phase: text`
      each), one of them the error as it was logged.

An implementation of its own (regular expressions after the ABNF), not
netroot's parser, so the two check each other.
"""
import argparse
import base64
import re
import socket
import sys

PRINT = r"[\x21-\x7e]"
SD_NAME = r"[\x21\x23-\x3c\x3e-\x5c\x5e-\x7e]{1,32}"
PARAM = SD_NAME + r'="(?:\\.|[^"\\\]])*"'
ELEMENT = r"\[" + SD_NAME + r"(?: " + PARAM + r")*\]"
HEADER = re.compile(
    rb"<(0|[1-9][0-9]{0,2})>1 "
    rb"(-|[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T"
    rb"(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]{1,6})?"
    rb"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])) "
    rb"(" + PRINT.encode() + rb"{1,255}) (" + PRINT.encode() + rb"{1,48}) ("
    + PRINT.encode() + rb"{1,128}) (" + PRINT.encode() + rb"{1,32}) "
    rb"(-|(?:" + ELEMENT.encode() + rb")+)"
    rb"(?: (.*))?\Z",
    re.S,
)
PARAMS = re.compile(r'(' + SD_NAME + r')="((?:\\.|[^"\\\]])*)"')
BOM = b"\xef\xbb\xbf"


def parse(d):
    m = HEADER.match(d)
    if not m:
        raise ValueError("header or structured data do not follow RFC 5424")
    pri, ts, host, app, procid, msgid, sd, msg = m.groups()
    if int(pri) > 191:
        raise ValueError("PRI over 191")
    sd = sd.decode()
    ours = None
    for el in re.findall(ELEMENT, sd):
        sdid = re.match(r"\[(" + SD_NAME + ")", el).group(1)
        if "@" in sdid and not re.fullmatch(r"[^@]+@[0-9.]+", sdid):
            raise ValueError(f"SD-ID {sdid} is not name@number")
        if sdid == "netroot@32473":
            ours = {k: re.sub(r'\\(["\\\]])', r"\1", v) for k, v in PARAMS.findall(el)}
    if ours is None or not {"mac", "ip", "uptime"} <= ours.keys():
        raise ValueError("no netroot@32473 element with mac, ip, uptime")
    if not re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", ours["mac"]):
        raise ValueError(f"mac {ours['mac']!r}")
    if not re.fullmatch(r"[0-9]+\.[0-9]{3}", ours["uptime"]):
        raise ValueError(f"uptime {ours['uptime']!r}")
    if app != b"netroot":
        raise ValueError("APP-NAME is not netroot")
    msg = msg or b""
    if not msg.startswith(BOM):
        raise ValueError("MSG without the UTF-8 BOM")
    if len(d) > 2048:
        raise ValueError(f"{len(d)} octets, over RFC 5426's 2048")
    return {
        "severity": int(pri) % 8,
        "msgid": msgid.decode(),
        "host": host.decode(),
        "sd": ours,
        "msg": msg[3:].decode("utf-8"),
    }


def relay(a):
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", a.listen))
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    open(a.out + ".ready", "w").close()
    with open(a.out, "a") as out:
        while True:
            d, _ = rx.recvfrom(65535)
            out.write(base64.b64encode(d).decode() + "\n")
            out.flush()
            for port in a.forward:
                tx.sendto(d, ("127.0.0.1", port))


def report_problems(m, error, cmdline):
    """Why failure report m is not what --failure asks, or None."""
    if not re.search(error, m["sd"].get("error", "")):
        return f"error={m['sd'].get('error')!r} does not match /{error}/"
    lines = m["msg"].split("\n")
    cl = [x for x in lines if x.startswith("command line: ")]
    if not cl:
        return "no 'command line: ' line"
    if cmdline and cmdline not in cl[0]:
        return f"the command line lacks {cmdline!r}"
    if "last messages:" not in lines:
        return "no 'last messages:' line"
    last = lines[lines.index("last messages:") + 1:]
    if not last:
        return "no message after 'last messages:'"
    for x in last:
        if not re.fullmatch(r"\[ *[0-9]+\.[0-9]{3}\] [a-z0-9-]+: \S.*", x):
            return f"{x!r} is not '[uptime] phase: message'"
    if not any(re.search(error, x) for x in last):
        return f"no last message says /{error}/"
    return None


def check(a):
    bad = 0
    seen = {}
    failures = []
    with open(a.file) as f:
        lines = [base64.b64decode(x) for x in f.read().split()]
    for d in lines:
        try:
            m = parse(d)
        except (ValueError, UnicodeDecodeError) as e:
            bad += 1
            print(f"INVALID: {e}: {d[:200]!r}")
            continue
        seen[m["msgid"]] = seen.get(m["msgid"], 0) + 1
        if m["msgid"] == "failure":
            failures.append(m)
    print(f"{len(lines)} datagrams, {bad} invalid; by MSGID: "
          + ", ".join(f"{k} {v}" for k, v in seen.items()))
    ok = bad == 0 and len(lines) > 0
    for want in a.msgid:
        if want not in seen:
            print(f"MISSING: no message with MSGID {want}")
            ok = False
    if a.failure:
        for m in failures:
            print("failure report:\n" + m["msg"])
            why = report_problems(m, a.failure, a.cmdline)
            if why:
                print(f"BAD REPORT: {why}")
        if not any(report_problems(m, a.failure, a.cmdline) is None for m in failures):
            print(f"MISSING: no failure report with error /{a.failure}/, the command line"
                  " and the last messages")
            ok = False
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("relay")
    r.add_argument("--listen", type=int, required=True)
    r.add_argument("--forward", type=int, action="append", required=True)
    r.add_argument("--out", required=True)
    c = sub.add_parser("check")
    c.add_argument("file")
    c.add_argument("--msgid", action="append", default=[])
    c.add_argument("--failure")
    c.add_argument("--cmdline")
    a = p.parse_args()
    if a.cmd == "relay":
        relay(a)
        return 0
    return check(a)


if __name__ == "__main__":
    sys.exit(main())

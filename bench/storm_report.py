#!/usr/bin/env python3
"""Turn bench/storm.sh's boot logs into bench/STORM-RESULTS.md and
bench/storm-timeline.svg.

Input: build/bench/storm/manifest.tsv, one row per guest of each storm (N
guests started together by qemu/room.sh). The milestones of every guest are
read from its serial console by bench/report.py's parse_log (guest uptimes);
the wall times come from qemu/room.sh (host clock from the moment all guests
were started until `BENCH rootinit` showed on the guest's console, and until
it powered off). The picture is bench/report.py's svg(), one bar per guest.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402  (bench/report.py: parse_log, svg, machine, fmt_s)


def fnum(s):
    return float(s) if s else None


def main():
    ap = report.arguments("bench/storm.sh")
    ap.add_argument("--mem", required=True)
    ap.add_argument("--cmdline", required=True)
    ap.add_argument("--revision", default="")
    a = ap.parse_args()

    storms = {}  # (guests, contender, round) -> [guest rows]
    images = {}
    with open(a.manifest) as f:
        next(f)
        for line in f:
            n, c, r, g, st, mark, end, log, img = line.rstrip("\n").split("\t")
            b = report.parse_log(log) or {}
            b.update(guest=int(g), status=st, mark=fnum(mark), end=fnum(end))
            b["ok"] = bool(b.get("rootinit") is not None and b.get("root_ok"))
            # A guest cannot have been up longer than its QEMU ran: when it
            # claims so, its clock ran off (on a starved host the kernel's
            # TSC calibration fails: "tsc: Fast TSC calibration failed").
            b["clock_off"] = bool(b["ok"] and b["mark"] is not None and b["rootinit"] > b["mark"] + 1.0)
            storms.setdefault((int(n), c, int(r)), []).append(b)
            images[c] = img
    sizes = sorted({k[0] for k in storms})
    names = [c for c in report.ORDER if any(k[1] == c for k in storms)]
    rounds = sorted({k[2] for k in storms})

    md = report.heading("Boot storm: N guests at once from one server", "make bench-storm", a)
    if a.revision:
        md.append(f"Source: `{a.revision}` (netroot built from it with `make build`).  ")
    if a.load:
        md.append(f"Host load average (1, 5, 15 min) {a.load}. The host is shared: other users' work "
                  "takes CPU from the guests, so compare contenders of the same run.  ")
    md.append(f"Guests: kernel {a.kernel} (build/vmlinuz), `-accel tcg -m {a.mem} -smp 1`, virtio-net-pci "
              "on a TAP each, all on one bridge in a private namespace (qemu/room.sh) with dnsmasq "
              "(DHCP, rapid commit, no host names) and one nfs-ganesha (NFSv4) serving build/testroot "
              f"read-only to all. Command line: `{a.cmdline}`. All guests of a storm are started at "
              "the same moment; the contenders take turns (never two storms at once).")
    md.append("")
    md.append("- *at root init*: guests whose root ran `/sbin/bench-init` (its `BENCH rootinit` line).")
    md.append("- *root init, guest uptime*: that line's uptime, median (min–max) over the guests; "
              "*initrd phase*: the same minus the kernel's `Run /init` time.")
    md.append("- A guest whose uptime at root init exceeds the wall time since its QEMU started has a "
              "clock that ran off (on a starved host the guest kernel's TSC calibration can fail: "
              "`tsc: Fast TSC calibration failed`, `PIT calibration deviates from HPET`); its uptimes are "
              "left out of the uptime columns, its wall time is not.")
    md.append("- *wall, all at root init*: host seconds from starting the N QEMUs until the last guest "
              "printed the line (qemu/room.sh polls the consoles every 0.2 s); *wall, all off*: until "
              "the last guest powered off.")
    md.append("")
    for n in sizes:
        md.append(f"## {n} guests at once")
        md.append("")
        md.append("| contender | at root init | root init, guest uptime | initrd phase | /init start | "
                  "wall, all at root init | wall, all off | image |")
        md.append("|---|---|---|---|---|---|---|---|")
        for c in names:
            guests, walls, offs = [], [], []
            for r in rounds:
                gs = storms.get((n, c, r), [])
                guests += gs
                marks = [g["mark"] for g in gs]
                walls.append("–" if not gs or None in marks else f"{max(marks):.1f} s")
                ends = [g["end"] for g in gs if g["end"] is not None]
                offs.append(f"{max(ends):.1f} s" if ends else "–")
            booted = [g for g in guests if g["ok"]]
            ok = [g for g in booted if not g["clock_off"]]
            phase = [g["rootinit"] - g["init"] for g in ok if g.get("init") is not None]
            size = os.path.getsize(images[c]) if os.path.exists(images[c]) else None
            off = len(booted) - len(ok)
            md.append(f"| {c} | {len(booted)}/{len(guests)} | {report.fmt_s([g['rootinit'] for g in ok])}"
                      + (f" ({off} with a clock that ran off left out)" if off else "") + " | "
                      f"{report.fmt_s(phase)} | {report.fmt_s([g.get('init') for g in ok])} | "
                      f"{' / '.join(walls)} | {' / '.join(offs)} | {report.fmt_mb(size)} |")
        md.append("")
        for c in names:
            for r in rounds:
                gs = storms.get((n, c, r), [])
                per = ", ".join(
                    (f"{g['guest']}: {g['rootinit']:.1f} s" + (" (clock ran off)" if g["clock_off"] else ""))
                    if g["ok"] else f"{g['guest']}: {g['status']}"
                    for g in sorted(gs, key=lambda g: g["guest"]))
                md.append(f"- {c}, round {r}, root init per guest (uptime): {per}")
        md.append("")
    md.append("## Contenders")
    md.append("")
    for c in names:
        md.append(f"- **{c}**: {report.DESCR.get(c, c)}; image {images[c].split('/build/')[-1]}")
    md.append("")
    md.append("Logs: build/bench/storm/<guests>/<contender>-<round>/guest-K.log; timeline, one bar per "
              "guest of the largest storms: [storm-timeline.svg](storm-timeline.svg).")
    with open(a.md, "w") as f:
        f.write("\n".join(md) + "\n")

    results, notes, modes, gnames = {}, {}, [], []
    # The picture: the storms of the largest size, one bar per guest.
    big = max(sizes)
    for (n, c, r), gs in sorted(storms.items(), key=lambda kv: (names.index(kv[0][1]), kv[0][2])):
        if n != big:
            continue
        mode = f"{c}, {n} guests" + (f", round {r}" if len(rounds) > 1 else "")
        modes.append(mode)
        for g in gs:
            name = f"guest {g['guest']}"
            if name not in gnames:
                gnames.append(name)
            if g["ok"] and not g["clock_off"]:
                results[(mode, name)] = [g]
            elif g["ok"]:
                notes[(mode, name)] = f"reached its root, but its clock ran off (uptime {g['rootinit']:.0f} s)"
            else:
                notes[(mode, name)] = g["status"]
    report.svg(results, modes, gnames, notes, a.svg,
               title="Boot storm: guest uptime at each milestone, one bar per guest (seconds)", group="")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Turn the benchmark's boot logs into bench/RESULTS.md and bench/timeline.svg.

Input: build/bench/manifest.tsv (one row per boot, written by bench/run.sh).
Every figure is read from the guest's serial console, so all of them are
guest uptimes (seconds since the kernel started), never host wall time:

  /init start   the kernel's "Run /init as init process" line (printk time)
  network up    contender's own marker: netroot "network up at X s",
                busybox "baseline: network: ... uptime=X", klibc and dracut
                "BENCH net X" (dracut: its initqueue/online hook)
  root mounted  netroot "root mounted at X s", busybox "baseline: mounted ...
                uptime=X", klibc "BENCH mounted X", dracut pre-pivot hook
  root init     "BENCH rootinit X used_kb=Y" printed by /sbin/bench-init, the
                first program of the root (init=/sbin/bench-init); falls back
                to the test root's "NETROOT-TEST-ROOT-OK uptime=X"
  free          "BENCH memfree free_kb=X pcp_kb=Y" printed next by bench-init
                (floor: after deleting its files) once the clean caches are
                dropped and memory compacted: MemFree plus the free pages on
                the per-CPU lists
"""
import argparse
import datetime
import html
import lzma
import os
import platform
import re
import statistics
import subprocess
import zlib

RUN_INIT = re.compile(r"\[\s*([0-9]+\.[0-9]+)\] Run /init as init process")
NET = [
    re.compile(r"network up at ([0-9.]+) s"),
    re.compile(r"baseline: network: .* uptime=([0-9.]+)"),
    re.compile(r"BENCH net ([0-9.]+)"),
    # netroot as an mkinitcpio helper (`netroot net`) logs no uptime: its
    # lease line's kmsg time stands in
    re.compile(r"\[\s*([0-9]+\.[0-9]+)\] netroot: dhcp: \S+: bound to"),
]
MOUNTED = [
    re.compile(r"root mounted at ([0-9.]+) s"),
    re.compile(r"baseline: mounted .* uptime=([0-9.]+)"),
    re.compile(r"BENCH mounted ([0-9.]+)"),
]
ROOTINIT = re.compile(r"BENCH rootinit ([0-9.]+) used_kb=(-?[0-9]+)")
MEMFREE = re.compile(r"BENCH memfree free_kb=([0-9]+)(?: pcp_kb=([0-9]+))?")
ROOT_OK = re.compile(r"NETROOT-TEST-ROOT-OK uptime=([0-9.]+)")
CRNG = re.compile(r"\[\s*([0-9]+\.[0-9]+)\] random: crng init done")
# netroot's live root: "live: URL: 190.7 MiB in 9.81 s (19.4 MiB/s), sha256 ..."
LIVE = re.compile(r"live: \S+: ([0-9.]+) MiB in ([0-9.]+) s \(")
# netroot before its first TLS handshake: "live: random number generator ready after 1.01 s"
RNG_WAIT = re.compile(r"live: random number generator ready after ([0-9.]+) s")
PANIC = re.compile(r"Kernel panic|Attempted to kill init")

ORDER = ["netroot", "netroot-live", "netroot-https", "busybox", "klibc-retry", "klibc-once", "dracut", "mkinitcpio", "floor"]
DESCR = {
    "netroot": "netroot as /init (`make initramfs`, module set default)",
    "netroot-live": "netroot, the same image, the root a squashfs over HTTP into RAM (`root=live:http://`, "
                    "lighttpd in the lab namespace): the test root plus incompressible filler",
    "netroot-https": "netroot built with TLS (`make build-https`, rustls + ring), the same live image over "
                     "HTTPS from the same lighttpd, its certificate verified against the lab CA in the image",
    "busybox": "busybox ash script: modprobe, udhcpc, mount -t nfs4, switch_root (qemu/baseline)",
    "klibc-retry": "klibc ipconfig -t 2,3,4,6,9.. retry loop (initramfs-tools style) + nfsmount (NFSv3)",
    "klibc-once": "klibc one `ipconfig ip=dhcp` (mkinitcpio net hook style) + nfsmount (NFSv3)",
    "dracut": "Debian dracut 059, -m \"base nfs network-legacy\" (dhclient, udev)",
    "mkinitcpio": "mkinitcpio (archlinux/mkinitcpio checkout, tests/mkinitcpio/build.sh) with "
                  "HOOKS=(base netroot), no autodetect: busybox /init runs `netroot net` and `netroot mount`",
    "floor": "static C /init: finit_module of the modules netroot loads here (virtio NIC, NFSv4 chain, "
             "button, evdev), then power off (no network, no root)",
}


def first(patterns, text):
    for p in patterns:
        m = p.search(text)
        if m:
            return float(m.group(1))
    return None


def parse_log(path):
    """The milestones of one boot, or None values where a marker is missing."""
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    m = RUN_INIT.search(text)
    r = {
        "init": float(m.group(1)) if m else None,
        "net": first(NET, text),
        "mounted": first(MOUNTED, text),
        "rootinit": None,
        "used_kb": None,
        "free_kb": None,
        "root_ok": bool(ROOT_OK.search(text)),
        "panic": bool(PANIC.search(text)),
    }
    m = MEMFREE.search(text)
    if m:
        r["free_kb"] = int(m.group(1)) + int(m.group(2) or 0)
    m = CRNG.search(text)
    r["crng"] = float(m.group(1)) if m else None
    m = LIVE.search(text)
    r["live_mib"], r["live_s"] = (float(m.group(1)), float(m.group(2))) if m else (None, None)
    m = RNG_WAIT.search(text)
    r["rng_s"] = float(m.group(1)) if m else None
    m = ROOTINIT.search(text)
    if m:
        r["rootinit"] = float(m.group(1))
        r["used_kb"] = int(m.group(2)) if int(m.group(2)) >= 0 else None
    else:
        m = ROOT_OK.search(text)
        if m:
            r["rootinit"] = float(m.group(1))
    return r


def unpacked_size(path):
    """Bytes the kernel unpacks into rootfs: concatenated newc archives, each
    plain or compressed (gzip, xz, zstd), as init/initramfs.c accepts them."""
    try:
        data = open(path, "rb").read()
    except OSError:
        return None
    total, pos = 0, 0
    while pos < len(data):
        while pos < len(data) and data[pos] == 0:
            pos += 1  # padding between archives
        if pos >= len(data):
            break
        chunk = data[pos:]
        if chunk[:6] in (b"070701", b"070702"):
            # walk a plain newc archive (its size counts as it is)
            p = pos
            while True:
                hdr = data[p:p + 110]
                namesize = int(hdr[94:102], 16)
                filesize = int(hdr[54:62], 16)
                name = data[p + 110:p + 110 + namesize - 1]
                p += (110 + namesize + 3) & ~3
                p += (filesize + 3) & ~3
                if name == b"TRAILER!!!":
                    break
            total += p - pos
            pos = p
            continue
        if chunk[:2] == b"\x1f\x8b":
            d = zlib.decompressobj(31)
            total += len(d.decompress(chunk))
            pos = len(data) - len(d.unused_data)
        elif chunk[:6] == b"\xfd7zXZ\x00":
            d = lzma.LZMADecompressor()
            total += len(d.decompress(chunk))
            pos = len(data) - len(d.unused_data)
        elif chunk[:4] == b"\x28\xb5\x2f\xfd":
            out = subprocess.run(["zstd", "-dc"], input=chunk, capture_output=True)
            total += len(out.stdout)
            pos = len(data)
        else:
            return None
    return total


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_s(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "–"
    if len(xs) == 1:
        return f"{xs[0]:.2f}"
    return f"{statistics.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})"


def fmt_mb(n):
    return "–" if n is None else f"{n / 1e6:.2f} MB"


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs, host kernel {platform.release()}; {qemu}"


def svg(results, modes, names, notes, path,
        title="Guest uptime at each boot milestone (median of K boots, seconds)", group="network: "):
    """One bar per contender and mode: kernel | initrd until network |
    mount | hand-over to the root's init (medians of the milestones).
    bench/storm_report.py draws one bar per guest of a storm with it
    (modes: the storms, names: the guests). notes: why a row has no bar,
    by name or by (mode, name)."""
    colors = [("kernel (to /init)", "#9e9e9e"), ("/init to network up", "#1f77b4"),
              ("network up to root mounted", "#ff7f0e"), ("root mounted to root init", "#2ca02c"),
              ("/init to end (floor: modules only)", "#8c564b"),
              ("span without a marker inside", "#bcbd22")]
    rows = []
    for mode in modes:
        for n in names:
            boots = [b for b in results.get((mode, n), []) if b and b["ok"]]
            if not boots:
                rows.append((mode, n, notes.get((mode, n), notes.get(n, "did not boot"))))
                continue
            ms = {k: med([b[k] for b in boots]) for k in ("init", "net", "mounted", "rootinit")}
            rows.append((mode, n, ms))
    tmax = max([r[2]["rootinit"] for r in rows if isinstance(r[2], dict) and r[2]["rootinit"]] + [1.0])
    scale = 640.0 / tmax
    left, bar_h, gap, top = 170, 18, 8, 40
    height = top + len(rows) * (bar_h + gap) + len(modes) * 22 + 90
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{height}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-size="14" font-weight="bold">{html.escape(title)}</text>']
    y = top
    cur = None
    for mode, n, ms in rows:
        if mode != cur:
            cur = mode
            out.append(f'<text x="10" y="{y + 12}" font-weight="bold">{html.escape(group + mode)}</text>')
            y += 22
        out.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{html.escape(n)}</text>')
        if isinstance(ms, str) or ms["rootinit"] is None:
            why = ms if isinstance(ms, str) else "did not boot"
            color = "#777" if why.startswith("skipped") else "#b00"
            out.append(f'<text x="{left + 4}" y="{y + 13}" fill="{color}">{html.escape(why)}</text>')
            y += bar_h + gap
            continue
        if n == "floor":
            pts = [(0, ms["init"], 0), (ms["init"], ms["rootinit"], 4)]
        else:
            pts, prev, last = [], 0.0, -1
            for i, k in enumerate(("init", "net", "mounted", "rootinit")):
                v = ms[k]
                if v is None:
                    continue
                v = max(v, prev)
                # a skipped milestone: one unsplit segment in its own colour
                pts.append((prev, v, i if i == last + 1 else 5))
                prev, last = v, i
        for a, b, ci in pts:
            out.append(f'<rect x="{left + a * scale:.1f}" y="{y}" width="{max((b - a) * scale, 0.5):.1f}" height="{bar_h}" fill="{colors[ci][1]}"><title>{html.escape(colors[ci][0])}: {a:.2f}–{b:.2f} s</title></rect>')
        out.append(f'<text x="{left + ms["rootinit"] * scale + 4:.1f}" y="{y + 13}">{ms["rootinit"]:.2f} s</text>')
        y += bar_h + gap
    # axis
    y += 4
    step = 1 if tmax <= 12 else 2 if tmax <= 25 else 5
    t = 0
    out.append(f'<line x1="{left}" y1="{y}" x2="{left + tmax * scale:.1f}" y2="{y}" stroke="black"/>')
    while t <= tmax + 1e-9:
        x = left + t * scale
        out.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="black"/><text x="{x:.1f}" y="{y + 16}" text-anchor="middle">{t}</text>')
        t += step
    y += 30
    x = 10
    for label, c in colors:
        w = 30 + 6.5 * len(label)
        if x + w > 900:
            x, y = 10, y + 20
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{c}"/><text x="{x + 16}" y="{y + 10}">{html.escape(label)}</text>')
        x += w
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def arguments(command):
    """The options every benchmark report takes (also bench/storm_report.py)."""
    ap = argparse.ArgumentParser()
    for name in ("--manifest", "--kernel", "--md", "--svg"):
        ap.add_argument(name, required=True)
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--load", default="")
    ap.add_argument("--command", default=command)
    return ap


def heading(title, target, a):
    """The first lines of a results file: title, how and when, the machine."""
    return [f"# {title}", "",
            f"Generated by `{target}`, i.e. `{a.command}`, on "
            f"{datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, "
            f"run time {a.elapsed // 60} min {a.elapsed % 60} s.  ",
            f"Machine: {machine()}.  "]


def live_section(name, nfs, live, image):
    """An HTTP(S) live root against the NFS root: network up → root init."""
    def span(bs):
        return [b["rootinit"] - b["net"] for b in bs if b["net"] is not None]
    size = os.path.getsize(image) if image and os.path.exists(image) else None
    rate = med([b["live_mib"] / b["live_s"] for b in live if b["live_mib"] and b["live_s"]])
    proto = "HTTPS" if name.endswith("https") else "HTTP"
    line = (f"**{proto} live root against the NFS root** (network up → root init, guest seconds): "
            f"{name} {fmt_s(span(live))}, netroot over NFS {fmt_s(span(nfs))}. "
            f"The live image is {fmt_mb(size)}; netroot downloaded it in {fmt_s([b['live_s'] for b in live])} s")
    if rate:
        line += f" ({rate:.1f} MiB/s median)"
    if proto == "HTTPS":
        line += (", TLS included (the wait for the kernel's CRNG before the handshake, "
                 f"median {fmt_s([b.get('rng_s') for b in live])} s, counts in the span)")
    line += (" from lighttpd through slirp, hashing it (SHA-256) as it arrived, then loop-mounted it. "
             "The NFS root reads only the files the boot opens; the live root holds the whole image "
             "in RAM (see the memory column).")
    return [line, ""]


def main():
    ap = arguments("bench/run.sh")
    ap.add_argument("--cmdlines", required=True)
    ap.add_argument("--k", type=int, required=True)
    ap.add_argument("--modes", required=True)
    ap.add_argument("--live-image", default="")
    a = ap.parse_args()
    modes = a.modes.split()
    cmdlines = dict(line.rstrip("\n").split("\t", 1) for line in open(a.cmdlines) if "\t" in line)

    results, notes, images = {}, {}, {}
    with open(a.manifest) as f:
        next(f)
        for line in f:
            mode, name, rnd, status, wall, log, img = line.rstrip("\n").split("\t")
            images[name] = img
            key = (mode, name)
            if status.startswith("not run"):
                notes[name] = status[len("not run: "):]
                results.setdefault(key, [])
                continue
            b = parse_log(log) or {}
            b["status"] = status
            b["wall"] = float(wall) if wall else None
            b["ok"] = bool(b.get("rootinit") is not None and (b.get("root_ok") or name == "floor"))
            results.setdefault(key, []).append(b)
    names = [n for n in ORDER if any(k[1] == n for k in results)]

    size = {n: (os.path.getsize(images[n]) if os.path.exists(images[n]) else None) for n in names}
    unpacked = {n: unpacked_size(images[n]) if size[n] else None for n in names}

    def size_ratio(n):
        ref = size.get("netroot")
        if n == "netroot" or not ref or not size.get(n):
            return ""
        return f" ({size[n] / ref:.2f}×)"

    md = heading("Boot benchmark: netroot and its peers", "make bench", a)
    if a.load:
        md.append(f"Host load average (1, 5, 15 min) {a.load}: the host is shared, so compare medians "
                  "of interleaved boots rather than single boots.  ")
    md.append(f"Guest: kernel {a.kernel} (build/vmlinuz), `-accel tcg -m 768 -smp 1`, virtio-net-pci, "
              "root build/testroot over NFS from nfs-ganesha, first program `/sbin/bench-init` "
              "(prints uptime and memory, execs the test root's init).  ")
    md.append(f"Each contender booted K={a.k} times per network mode, interleaved (round 1: every contender "
              "once, round 2: ...). All times are **guest uptime in seconds** read from the serial console: "
              "median (min–max).")
    md.append("")
    md.append("Network modes:")
    if "slirp" in modes:
        md.append("- **slirp**: QEMU user networking; DHCP answered inside QEMU at once; NFS server "
                  "(qemu/servers.sh) in the lab namespace at 10.0.2.2.")
    if "tap" in modes:
        md.append("- **tap**: the NIC on a TAP device in a namespace (bench/delaynet.sh): dnsmasq sends its "
                  "OFFER 1 s after the DISCOVER (`--dhcp-reply-delay=1`, as ISC dhcpd's default ping check), "
                  "ganesha on 10.0.3.1; frames cross the host kernel's stack. No per-packet delay: this host "
                  "kernel has no sch_netem.")
    md.append("")

    for mode in modes:
        net_ref = [b for b in results.get((mode, "netroot"), []) if b.get("ok")]
        ref_phase = med([b["rootinit"] - b["init"] for b in net_ref if b["init"] is not None])
        ref_root = med([b["rootinit"] for b in net_ref])
        floor_ok = [b for b in results.get((mode, "floor"), []) if b.get("ok")]
        floor_used = med([b.get("used_kb") for b in floor_ok])
        floor_phase = med([b["rootinit"] - b["init"] for b in floor_ok if b["init"] is not None])
        # MemFree after dropping caches, against these two
        free_ref = {r: med([b.get("free_kb") for b in results.get((mode, r), []) if b.get("ok")])
                    for r in ("busybox", "floor")}
        md.append(f"## Network: {mode}")
        md.append("")
        md.append("| contender | booted | /init start | network up | root mounted | root init | "
                  "initrd phase | × netroot | × floor | image (compressed) | unpacked | memory in use at root init | "
                  "free after drop_caches (vs busybox, floor) |")
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for n in names:
            boots = results.get((mode, n), [])
            ok = [b for b in boots if b.get("ok")]
            if n in notes and not boots:
                md.append(f"| {n} | {notes[n]} | | | | | | | | | | | |")
                continue
            if not ok:
                why = sorted({b.get('status', '') for b in boots})
                md.append(f"| {n} | **did not boot** (0/{len(boots)}; {', '.join(why)}) | | | | | | | | "
                          f"{fmt_mb(size[n])} | {fmt_mb(unpacked[n])} | | |")
                continue
            phase = [b["rootinit"] - b["init"] for b in ok if b["init"] is not None]
            ratio = "–"
            if ref_phase and phase and n != "netroot":
                ratio = f"{med(phase) / ref_phase:.2f}"
            elif n == "netroot":
                ratio = "1.00"
            floor_ratio = f"{med(phase) / floor_phase:.2f}" if floor_phase and phase else "–"
            used = med([b.get("used_kb") for b in ok])
            used_s = "–" if used is None else f"{used / 1024:.1f} MiB"
            if used is not None and floor_used is not None and n != "floor":
                used_s += f" (floor {'+' if used >= floor_used else '−'}{abs(used - floor_used) / 1024:.1f})"
            free = med([b.get("free_kb") for b in ok])
            free_s = "–" if free is None else f"{free / 1024:.1f} MiB"
            diffs = [f"{r} {'+' if free >= free_ref[r] else '−'}{abs(free - free_ref[r]) / 1024:.1f}"
                     for r in ("busybox", "floor") if free is not None and free_ref[r] is not None and r != n]
            if diffs:
                free_s += f" ({', '.join(diffs)})"
            net_s = "(none)" if n == "floor" else fmt_s([b["net"] for b in ok])
            mnt_s = "(none)" if n == "floor" else fmt_s([b["mounted"] for b in ok])
            root_s = fmt_s([b["rootinit"] for b in ok]) + (" (end)" if n == "floor" else "")
            md.append(f"| {n} | {len(ok)}/{len(boots)} | {fmt_s([b['init'] for b in ok])} | {net_s} | "
                      f"{mnt_s} | {root_s} | {fmt_s(phase)} | {ratio} | {floor_ratio} | {fmt_mb(size[n])}{size_ratio(n)} | "
                      f"{fmt_mb(unpacked[n])} | {used_s} | {free_s} |")
        md.append("")
        crng = []
        for n in names:
            ok = [b for b in results.get((mode, n), []) if b.get("ok")]
            hits = [b["crng"] for b in ok if b.get("crng") is not None and b["crng"] <= b["rootinit"]]
            if ok:
                crng.append(f"{n} {len(hits)}/{len(ok)}" + (f" (median {med(hits):.2f} s)" if hits else ""))
        md.append("Kernel CRNG ready (`random: crng init done`) before the root's init, boots: " + ", ".join(crng)
                  + ". Nothing else here needs it; a boot that makes a blocking getrandom(2) call "
                  "waits for the kernel's entropy gathering (the time between the link coming up and "
                  "this line).")
        md.append("")
        if ref_root is None:
            md.append("netroot did not boot in this mode, so there is no ratio column to read.")
            md.append("")
        for live_name in ("netroot-live", "netroot-https"):
            live_ok = [b for b in results.get((mode, live_name), []) if b.get("ok")]
            if live_ok:
                md.extend(live_section(live_name, net_ref, live_ok, a.live_image))

    md.append("## Contenders")
    md.append("")
    for n in names:
        md.append(f"- **{n}**: {DESCR.get(n, n)}. Command line: `{cmdlines.get(n, '?')}`"
                  + (f" — {notes[n]}" if n in notes else ""))
    md.append("")
    md.append("## What the columns measure")
    md.append("")
    md.append("- */init start*: the kernel's `Run /init as init process` printk time: kernel boot plus "
              "unpacking the image (bigger images start later).")
    md.append("- *network up*, *root mounted*: each contender's own log line (netroot's kmsg lines, the busybox "
              "script's echo, `BENCH` markers in the klibc script and in two dracut hooks).")
    md.append("- netroot starts loading the NFS modules with the NIC's drivers and finishes them after DHCP, "
              "the busybox and klibc scripts load everything before the network: netroot's *network up → "
              "root mounted* span includes the rest of its NFS module loads, theirs is the mount alone.")
    md.append("- *root init*: uptime printed by `/sbin/bench-init`, the first program run from the NFS root. "
              "For **floor** it is the moment its modules are loaded: floor has no network and mounts nothing, "
              "so it is the lower bound of an initrd phase (exec + the module loads netroot does on this VM), "
              "not a boot: it runs none of the kernel's network or NFS code.")
    md.append("- *initrd phase* = root init − /init start; *× netroot* and *× floor* = this contender's median "
              "initrd phase / netroot's or the floor's.")
    md.append("- *image*: the file QEMU loads with `-initrd`; *unpacked*: the bytes of cpio the kernel expands "
              "into rootfs, which stay in RAM for the whole initrd phase (a lower bound of its peak).")
    md.append("- *memory in use at root init*: MemTotal − MemAvailable (proc(5)) read by bench-init, i.e. the "
              "kernel, the loaded modules, caches and whatever early boot left behind, after the switch freed "
              "the initramfs; in brackets the difference to floor (same kernel, modules loaded, nothing else). "
              "It is not a peak: no contender can be sampled during its initrd phase without changing it.")
    md.append("- *free after drop_caches*: what the boot left behind, as free memory: bench-init (the floor after "
              "deleting its own files) runs `sync`, `echo 3 > /proc/sys/vm/drop_caches` and `echo 1 > "
              "/proc/sys/vm/compact_memory`, then reads MemFree plus the free pages parked on the per-CPU lists "
              "(the `count:` lines of /proc/zoneinfo, which MemFree leaves out and which vary by megabytes from "
              "boot to boot); in brackets the difference to busybox and floor (+: more free). The floor's own "
              "figure includes its empty rootfs and no NFS mount. Every meminfo field is in the log "
              "(`BENCH meminfo`).")
    md.append("")
    md.append("Logs of every boot: build/bench/logs/<mode>/<contender>-<round>.log; timeline: "
              "[timeline.svg](timeline.svg).")
    with open(a.md, "w") as f:
        f.write("\n".join(md) + "\n")
    svg(results, modes, names, notes, a.svg)


if __name__ == "__main__":
    main()

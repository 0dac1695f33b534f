#!/usr/bin/env python3
"""Write the fuzz targets' seed corpus, fuzz/seeds/<target>/, from the test
fixtures (tests/fixtures/) and the input formats each target documents at its
top. Run from anywhere: python3 fuzz/mkseeds.py (the seeds are committed; run
it again when a fixture or an input format changes)."""

import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
FIX = os.path.join(TOP, "tests", "fixtures")
OUT = os.path.join(HERE, "seeds")


def fixture(*path):
    with open(os.path.join(FIX, *path), "rb") as f:
        return f.read()


seeds = {}


def seed(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    seeds.setdefault(target, {})[name] = data


# --- cmdline: kernel command lines the tests and the README use ---------------
for i, line in enumerate([
    "ip=dhcp root=/dev/nfs nfsroot=10.0.2.2:/arch",
    "quiet add_efi_memmap ip=:::::eth0:dhcp nfsroot=10.0.0.1:/arch",
    "ip=10.0.2.42:10.0.2.2:10.0.2.2:255.255.255.0:static1:eth0:off nfsroot=/arch",
    "ip=dhcp nfsroot=10.0.2.2:/arch,vers=3 netroot.timeout=10 panic=5",
    "ip=dhcp nbd_host=10.0.2.2 nbd_name=arch root=/dev/nbd0 rootfstype=btrfs rootflags=compress=lzo rw",
    "ip=dhcp nfsroot=10.0.2.2:/srv/%s netroot.overlay=tmpfs netroot.state=10.0.2.2:/state",
    "ip=eth0:dhcp ip=eth1:dhcp root=nfs4:10.0.2.2:/arch BOOTIF=01-52-54-00-12-34-56",
    "ip=[fec0::15]::[fec0::2]:64:node6:eth0:none nfsroot=[fec0::2]:/arch",
    "ip=eth0:dhcp,dhcp6 ip=eth0:auto6 root=nfs:[2001:db8::1]:/srv/%s:vers=3",
    "ip=[2001:db8::10/64]:[2001:db8::2]:[2001:db8::1]::n:eth0:none:[2001:db8::53] root=nbd:[2001:db8::2]:10809/arch:btrfs",
]):
    seed("cmdline", "line%d" % i, line)

# --- dhcp: the captured replies, behind the target's selector byte ------------
DHCP = ["offer", "ack", "ack_rapid", "ack_reboot", "nak"]
for sel, name in enumerate(DHCP):
    seed("dhcp", name, bytes([sel]) + fixture("dhcp", name + ".bin"))

# --- dhcp_session: whole exchanges (format: fuzz_targets/dhcp_session.rs) -----
SEED8 = struct.pack("<Q", 0x5EED)


def raw(pkt):  # tag 6: raw, our xid and chaddr patched in
    return bytes([6]) + struct.pack(">H", len(pkt)) + pkt


def wait(ms):
    return bytes([0]) + struct.pack(">H", ms // 50)


def synth(kind, server=None, addr=None, rapid=False, extra=b"", old_xid=False):
    k = {"offer": 0, "ack": 100, "nak": 200}[kind]
    out = bytes([3 if old_xid else 1, k])
    out += bytes([0]) if server is None else bytes([2]) + bytes(server)
    out += bytes([0]) if addr is None else bytes([1]) + bytes(addr)
    out += bytes([1 if rapid else 0, len(extra)]) + extra
    return out


def session(flags, *events):
    return bytes([flags]) + SEED8 + b"".join(events)


offer, ack = fixture("dhcp", "offer.bin"), fixture("dhcp", "ack.bin")
seed("dhcp_session", "captured", session(0, raw(offer), raw(ack)))
seed("dhcp_session", "captured-late", session(0, wait(4000), raw(offer), wait(1200), raw(ack)))
seed("dhcp_session", "reboot-captured", session(1, raw(fixture("dhcp", "ack_reboot.bin"))))
seed("dhcp_session", "reboot", session(1, synth("ack")))
seed("dhcp_session", "reboot-nak", session(1, synth("nak"), wait(100), synth("offer"), synth("ack")))
seed("dhcp_session", "rapid", session(2, raw(fixture("dhcp", "ack_rapid.bin"))))
seed("dhcp_session", "early-retry", session(4, wait(1000), wait(4000), raw(offer), raw(ack)))
seed("dhcp_session", "synth", session(0, synth("offer", (10, 0, 2, 2), (10, 0, 2, 15)), synth("ack")))
seed("dhcp_session", "nak-restart", session(0, synth("offer", (10, 0, 2, 2), (10, 0, 2, 15)),
                                             synth("nak"), wait(100), synth("offer", (10, 0, 2, 2), (10, 0, 2, 16)),
                                             synth("nak"), wait(2000), synth("offer"), synth("ack")))
seed("dhcp_session", "requesting-checks", session(0, synth("offer", (10, 0, 2, 2), (10, 0, 2, 15)),
                                                   synth("ack", server=(10, 0, 2, 3)),
                                                   synth("ack", addr=(10, 0, 2, 99)),
                                                   synth("ack", old_xid=True), synth("ack")))
seed("dhcp_session", "requesting-timeout", session(0, synth("offer", (10, 0, 2, 2), (10, 0, 2, 15)),
                                                    *[wait(3000)] * 8, synth("offer"), synth("ack")))
seed("dhcp_session", "silence", session(0, *[wait(3000)] * 40))
seed("dhcp_session", "options", session(0, synth("offer", (10, 0, 2, 2), (10, 0, 2, 15)),
                                         synth("ack", extra=bytes([3, 4, 10, 0, 2, 2, 6, 4, 10, 0, 2, 3,
                                                                   12, 4]) + b"node" + bytes([17, 5]) + b"/arch")))

# --- dns: answers to an A query (RFC 1035 §4.1), with compression -------------


def dns_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def dns_reply(rid, rcode, answers):
    q = dns_name("server.lab") + struct.pack(">HH", 1, 1)
    body = b""
    for ty, rdata in answers:
        body += b"\xc0\x0c" + struct.pack(">HHIH", ty, 1, 60, len(rdata)) + rdata
    return struct.pack(">HHHHHH", rid, 0x8180 | rcode, 1, len(answers), 0, 0) + q + body


seed("dns", "a", dns_reply(0x1234, 0, [(1, bytes([10, 0, 2, 2]))]))
seed("dns", "cname-a", dns_reply(0x4321, 0, [(5, dns_name("nfs.lab")), (1, bytes([10, 0, 2, 3]))]))
seed("dns", "nxdomain", dns_reply(0x0101, 3, []))
seed("dns", "aaaa-only", dns_reply(0x0202, 0, [(28, bytes(16))]))

# --- nbd_genl: the kernel's replies (netlink(7), genetlink.h) -----------------


def nlmsg(ty, seq, body, flags=0):
    return struct.pack("=IHHII", 16 + len(body), ty, flags, seq, 0) + body


def nla(ty, payload):
    a = struct.pack("=HH", 4 + len(payload), ty) + payload
    return a + b"\0" * (-len(a) % 4)


SEQ, NBD_FAMILY = 7, 0x1b
FAM = struct.pack("=H", NBD_FAMILY)  # the target's first two bytes
groups = nla(7 | 0x8000, nla(1, nla(2, struct.pack("=I", 5)) + nla(1, b"nbd_mc_group\0")))
family = nlmsg(0x10, SEQ, bytes([1, 2, 0, 0]) + nla(2, b"nbd\0") + nla(1, struct.pack("=H", NBD_FAMILY)) + groups)
ack_msg = nlmsg(2, SEQ, struct.pack("=i", 0) + nlmsg(NBD_FAMILY, SEQ, b""))
err_msg = nlmsg(2, SEQ, struct.pack("=i", -16) + nlmsg(NBD_FAMILY, SEQ, b""))
link_dead = nlmsg(NBD_FAMILY, 0, bytes([4, 1, 0, 0]) + nla(1, struct.pack("=I", 0)))
seed("nbd_genl", "family", FAM + family)
seed("nbd_genl", "family-ack", FAM + family + ack_msg)
seed("nbd_genl", "ebusy", FAM + err_msg)
seed("nbd_genl", "link-dead", FAM + link_dead)

# --- nbd: a fixed newstyle server's greeting and option replies ---------------
greeting = b"NBDMAGIC" + b"IHAVEOPT" + struct.pack(">H", 3)
info = struct.pack(">QIII", 0x3e889045565a9, 7, 3, 12) + struct.pack(">HQH", 0, 1 << 30, 0x1 | 0x4)
ack_opt = struct.pack(">QIII", 0x3e889045565a9, 7, 1, 0)
seed("nbd", "go", bytes([64]) + greeting + info + ack_opt)
seed("nbd", "go-split", bytes([3]) + greeting + info + ack_opt)

# --- rtnl: a link dump's end and an error ------------------------------------
seed("rtnl", "done", nlmsg(3, 1, struct.pack("=i", 0)))
seed("rtnl", "error", nlmsg(2, 1, struct.pack("=i", -19) + nlmsg(18, 1, b"")))

# --- kmod: the fixture tree (format: fuzz_targets/kmod.rs) ---------------------
kdir = ("kmod", "6.1.0-test")
texts = [fixture(*kdir, f) for f in ("modules.dep", "modules.alias", "modules.softdep", "modules.builtin")]
proc_modules = b"virtio_net 65536 0 - Live 0x0000000000000000\nnet_failover 24576 1 virtio_net, Live 0x0\n"
modaliases = b"pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00\nvirtio:d00000001v00001AF4\n"
seed("kmod", "fixture", b"\0".join(texts + [proc_modules, modaliases, b"nfsv4\nfs-nfs4\nvirtio_net\n"]))
seed("kmod", "fixture-nothing-loaded", b"\0".join(texts + [b"", modaliases, b"nfsv4\n"]))
# fnmatch(3)'s other forms, as depmod writes them for some buses: ? and [...]
classes = (b"alias pci:v0000?AF4d*sv*sd*bc0[0-2]sc*i* virtio_pci\n"
           b"alias usb:v0B95p1790d*dc*dsc*dp*icFFisc[!0]ip* ax88179_178a\n"
           b"alias acpi*:PNP0[a-fA-F]0?:* fake_acpi\n")
seed("kmod", "classes", b"\0".join([texts[0], texts[1] + classes, texts[2], texts[3], b"",
                                     modaliases + b"usb:v0B95p1790d0100dcFFdsc00dp00icFFisc01ip00in00\nacpi:PNP0C0A:\n",
                                     b"virtio_pci\n"]))

# --- net_json: the hand-over file the tests expect ---------------------------
seed("net_json", "basic", fixture("net", "basic", "net.json"))
seed("net_json", "ipv6", '{"proto":"static","address":null,"prefix_len":null,"dns":[],'
     '"ipv6":{"mode":"static","addresses":[{"address":"2001:db8::10","prefix_len":64,'
     '"source":"static"}],"gateway":"2001:db8::1","dns":["2001:db8::53"],"search":["lab.example"]}}')
seed("net_json", "escapes", '{"proto":"dhcp","address":"10.0.2.15","hostname":"a\\"b\\u00e9\\n",'
     '"root_path":null,"dns":["10.0.2.3"],"routes":[{"destination":"0.0.0.0","prefix_len":0}]}')
seed("net_json", "nested", "[" * 40 + "]" * 40)

# --- ipv6_ra: router advertisements (format: fuzz_targets/ipv6_ra.rs) --------
# What the target prefixes: a selector byte (0xff: link-local source, hop
# limit 255), then the ICMPv6 message; the message the target rebuilds
# starts after its type and code.
FD00 = bytes([0xfd, 0, 0, 0x77] + [0] * 12)
def ra_opts(flags=0xc0, lifetime=1800):
    prefix = bytes([3, 4, 64, 0xc0]) + struct.pack(">III", 86400, 14400, 0) + FD00
    rdnss = bytes([25, 3, 0, 0]) + struct.pack(">I", 600) + FD00[:15] + b"\x53"
    dnssl = bytes([31, 3, 0, 0]) + struct.pack(">I", 600) + b"\x03lab\x07example\x00" + b"\x00" * 3
    mtu = bytes([5, 1, 0, 0]) + struct.pack(">I", 1500)
    sll = bytes([1, 1, 2, 0, 0, 0, 0, 1])
    return bytes([0, 0, 64, flags]) + struct.pack(">H", lifetime) + b"\0" * 8 + sll + mtu + prefix + rdnss + dnssl
seed("ipv6_ra", "full", b"\xff" + bytes([134, 0]) + ra_opts())
seed("ipv6_ra", "stateless", b"\xff" + bytes([134, 0]) + ra_opts(0x40))
seed("ipv6_ra", "no_router", b"\xff" + bytes([134, 0]) + ra_opts(0, 0))

# --- dhcpv6: server messages (format: fuzz_targets/dhcpv6.rs) -----------------
# Each chunk: length, delay (100 ms), then the message type and the options
# after the client id the target puts in.
def o6(code, data):
    return struct.pack(">HH", code, len(data)) + data
SERVER_ID = o6(2, bytes([0, 3, 0, 1, 2, 0, 0, 0, 0, 0x99]))
IA = o6(3, bytes([0, 0, 0, 1]) + b"\0" * 8 + o6(5, FD00[:15] + b"\x50" + struct.pack(">II", 3600, 7200)))
DNS6 = o6(23, FD00[:15] + b"\x53") + o6(24, b"\x03lab\x07example\x00")
def chunk6(kind, body, delay=0):
    m = bytes([kind]) + body
    return bytes([min(len(m), 255), delay]) + m[:255]
seed("dhcpv6", "rapid", b"\x03" + chunk6(7, SERVER_ID + IA + o6(14, b"") + DNS6))
seed("dhcpv6", "advertise_reply", b"\x01" + chunk6(2, SERVER_ID + IA + o6(7, b"\x07"))
     + chunk6(7, SERVER_ID + IA + DNS6, 2))
seed("dhcpv6", "information", b"\x00" + chunk6(7, SERVER_ID + DNS6))
seed("dhcpv6", "refused", b"\x03" + chunk6(7, SERVER_ID + o6(14, b"") + o6(13, b"\x00\x02none")))

for target, files in seeds.items():
    d = os.path.join(OUT, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
print("fuzz/mkseeds.py: %d seeds for %d targets in fuzz/seeds/" % (sum(map(len, seeds.values())), len(seeds)))

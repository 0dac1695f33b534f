#!/usr/bin/env python3
"""A hostile DHCP server for netroot's network-namespace tests.

Run inside a test namespace only:  hostile_dhcp.py IFACE SERVER_IP CLIENT_IP LOG

For every DISCOVER it first sends a volley of malformed or foreign replies
(truncated, bad cookie, options running past the end, wrong xid, wrong
chaddr, BOOTREQUEST op, bad option lengths, a compression-pointer loop in
option 119, an overload into a garbage `file` field, an empty datagram), then
one well-formed OFFER. For every REQUEST it sends the well-formed ACK first,
then the same volley. The well-formed replies carry shell metacharacters,
quotes, newlines and over-long values in hostname (12), domain (15),
root-path (17) and bootfile (67 and the `file` field).

The expected strings are printed as JSON by `--expected`, so the Rust test
and this server share one definition.
"""

import json
import socket
import struct
import sys

MAGIC = b"\x63\x82\x53\x63"
MARK = "MARK"

HOSTNAME = ("n$(touch %s)'`touch %s`\"; touch %s\n!x\t\\" % (MARK, MARK, MARK)).ljust(255, "h")
DOMAIN = "evil.example'; touch %s; '\nnameserver 6.6.6.6 $HOME ${IFS}" % MARK
ROOTPATH = ("10.77.9.1:/srv/$(touch %s)'a'\"b\"\n;|&<>*?~" % MARK).ljust(255, "r")
BOOTFILE = ("`touch %s`;'x'\\!\t{a,b}" % MARK).ljust(120, "b")


def expected():
    return {
        "HOSTNAME": HOSTNAME,
        "DNSDOMAIN": DOMAIN,
        "ROOTPATH": ROOTPATH,
        "filename": BOOTFILE,
    }


def opt(code, data):
    if isinstance(data, str):
        data = data.encode()
    assert len(data) <= 255
    return bytes([code, len(data)]) + data


def ip(s):
    return socket.inet_aton(s)


def header(op, xid, flags, yiaddr, siaddr, chaddr, file=b""):
    return (
        struct.pack("!BBBBIHH", op, 1, 6, 0, xid, 0, flags)
        + b"\0" * 4  # ciaddr
        + ip(yiaddr)
        + ip(siaddr)
        + b"\0" * 4  # giaddr
        + chaddr[:16].ljust(16, b"\0")
        + b"\0" * 64  # sname
        + file[:128].ljust(128, b"\0")
    )


def good(kind, xid, flags, chaddr, server, client):
    opts = (
        opt(53, bytes([kind]))
        + opt(54, ip(server))
        + opt(51, struct.pack("!I", 600))
        + opt(1, ip("255.255.255.0"))
        + opt(3, ip(server))
        + opt(6, ip(server))
        + opt(12, HOSTNAME)
        + opt(15, DOMAIN)
        + opt(17, ROOTPATH)
        + opt(67, BOOTFILE)
        + b"\xff"
    )
    return header(2, xid, flags, client, server, chaddr, BOOTFILE.encode()) + MAGIC + opts


def volley(kind, xid, flags, chaddr, server, client):
    """Replies a careful client must drop (or survive without harm)."""
    base = good(kind, xid, flags, chaddr, server, client)
    out = [b"", base[:100], base[:236] + b"\x00\x00\x00\x00" + base[240:]]
    # An option whose length runs past the end of the packet, no END.
    out.append(header(2, xid, flags, client, server, chaddr) + MAGIC + opt(53, bytes([kind])) + b"\x0c\xc8short")
    # Foreign: wrong xid, wrong chaddr, a BOOTREQUEST; each with another address.
    out.append(good(kind, xid ^ 0x5A5A5A5A, flags, chaddr, server, "10.77.9.66"))
    out.append(good(kind, xid, flags, b"\x02\xde\xad\xbe\xef\x01", server, "10.77.9.67"))
    out.append(b"\x01" + good(kind, xid, flags, chaddr, server, "10.77.9.68")[1:])
    # No message type at all.
    out.append(header(2, xid, flags, client, server, chaddr) + MAGIC + opt(54, ip(server)) + b"\xff")
    # Bad lengths for fixed-size options, a bad classless route, a
    # compression-pointer loop in the domain search list.
    bad = (
        opt(53, bytes([kind]))
        + opt(54, ip(server))
        + opt(1, b"\xff\xff\xff")
        + opt(3, b"\x0a\x4d\x09\x01\x00")
        + opt(51, b"\x00\x01")
        + opt(26, b"\x00")
        + opt(121, b"\x28\x0a\x00\x00\x00\x0a\x4d\x09\x01")
        + opt(119, b"\x03abc\xc0\x00")
        + b"\xff"
    )
    out.append(header(2, xid, flags, client, server, chaddr) + MAGIC + bad)
    # Option overload (52) into a `file` field of garbage without END.
    out.append(
        header(2, xid, flags, client, server, chaddr, b"\x0c\xff" + b"A" * 126)
        + MAGIC
        + opt(53, bytes([kind]))
        + opt(54, ip(server))
        + opt(52, b"\x01")
        + b"\xff"
    )
    return out


def parse_request(pkt):
    if len(pkt) < 240 or pkt[0] != 1 or pkt[236:240] != MAGIC:
        return None
    xid, flags = struct.unpack("!I2xH", pkt[4:12])
    chaddr = pkt[28:34]
    i, kind = 240, None
    while i < len(pkt):
        code = pkt[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        if i + 1 >= len(pkt):
            break
        n = pkt[i + 1]
        if code == 53 and n == 1 and i + 2 < len(pkt):
            kind = pkt[i + 2]
        i += 2 + n
    return kind, xid, flags, chaddr


def main():
    if sys.argv[1:] == ["--expected"]:
        print(json.dumps(expected()))
        return
    iface, server, client, logpath = sys.argv[1:5]
    log = open(logpath, "a", buffering=1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(("0.0.0.0", 67))
    log.write("ready\n")
    dest = ("255.255.255.255", 68)
    while True:
        pkt, _ = s.recvfrom(4096)
        req = parse_request(pkt)
        if req is None:
            log.write("ignored %d bytes\n" % len(pkt))
            continue
        kind, xid, flags, chaddr = req
        if kind == 1:  # DISCOVER
            log.write("DISCOVER %08x\n" % xid)
            for p in volley(2, xid, flags, chaddr, server, client):
                s.sendto(p, dest)
            s.sendto(good(2, xid, flags, chaddr, server, client), dest)
        elif kind == 3:  # REQUEST
            log.write("REQUEST %08x\n" % xid)
            s.sendto(good(5, xid, flags, chaddr, server, client), dest)
            for p in volley(5, xid, flags, chaddr, server, client):
                s.sendto(p, dest)
        else:
            log.write("type %r ignored\n" % kind)


if __name__ == "__main__":
    main()

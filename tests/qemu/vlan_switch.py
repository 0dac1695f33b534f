#!/usr/bin/env python3
"""A switch with one 802.1Q trunk port and one access port (t-vlan-nfs4.sh).

  vlan_switch.py --trunk SOCK:PEER --access SOCK:PEER --vid VID --stats FILE

Each port is a pair of unix datagram sockets, the way QEMU's
`-netdev dgram,local.type=unix,...,remote.type=unix,...` carries a network:
one datagram is one Ethernet frame (no preamble, no FCS). The switch binds
SOCK and sends to PEER (the path the QEMU netdev binds).

  trunk  -> access  a frame tagged with VID (TPID 0x8100, IEEE 802.1Q §9.6)
                    loses its tag and goes on; an untagged frame or one of
                    another VLAN is dropped and counted
  access -> trunk   every frame gets the tag (PCP 0, DEI 0, VID)

So a guest on the trunk reaches what sits behind the access port (QEMU's
slirp, through a hub) only over its VLAN interface. FILE gets the counts as
JSON, rewritten at most once a second and at exit (SIGTERM or SIGINT); the
last line printed sums them up.
"""
import argparse
import json
import os
import select
import signal
import socket
import struct
import sys
import time

TPID = 0x8100
ETH_IPV4 = 0x0800


def classify(frame):
    """'dhcp', 'nfs' or 'other' for an untagged Ethernet frame."""
    if len(frame) < 14 + 20 or struct.unpack_from("!H", frame, 12)[0] != ETH_IPV4:
        return "other"
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if len(ip) < ihl + 4:
        return "other"
    sport, dport = struct.unpack_from("!HH", ip, ihl)
    if ip[9] == 17 and {sport, dport} & {67, 68}:
        return "dhcp"
    if ip[9] == 6 and 2049 in (sport, dport):
        return "nfs"
    return "other"


class Switch:
    def __init__(self, trunk, access, vid, stats):
        self.vid = vid
        self.stats_path = stats
        self.ports = {}
        for name, spec in (("trunk", trunk), ("access", access)):
            path, peer = spec.split(":", 1)
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(path)
            self.ports[name] = (s, peer)
        self.n = {
            "vid": vid,
            "from_guest_tagged": 0,
            "from_guest_tagged_dhcp": 0,
            "from_guest_tagged_nfs": 0,
            "from_guest_forwarded": 0,
            "from_guest_untagged_dropped": 0,
            "from_guest_untagged_dhcp_dropped": 0,
            "from_guest_other_vid_dropped": 0,
            "to_guest_tagged": 0,
            "send_errors": 0,
        }
        self.written = 0.0

    def send(self, port, frame):
        s, peer = self.ports[port]
        try:
            s.sendto(frame, peer)
            return True
        except OSError:
            # The QEMU side not bound yet (or gone): the frame is lost, as
            # on a wire whose far end is down.
            self.n["send_errors"] += 1
            return False

    def from_trunk(self, frame):
        n = self.n
        if len(frame) >= 18 and struct.unpack_from("!H", frame, 12)[0] == TPID:
            vid = struct.unpack_from("!H", frame, 14)[0] & 0x0FFF
            if vid != self.vid:
                n["from_guest_other_vid_dropped"] += 1
                return
            n["from_guest_tagged"] += 1
            inner = frame[:12] + frame[16:]
            kind = classify(inner)
            if kind != "other":
                n["from_guest_tagged_" + kind] += 1
            if self.send("access", inner):
                n["from_guest_forwarded"] += 1
            return
        n["from_guest_untagged_dropped"] += 1
        if classify(frame) == "dhcp":
            n["from_guest_untagged_dhcp_dropped"] += 1

    def from_access(self, frame):
        if len(frame) < 14:
            return
        tag = struct.pack("!HH", TPID, self.vid)
        if self.send("trunk", frame[:12] + tag + frame[12:]):
            self.n["to_guest_tagged"] += 1

    def write_stats(self):
        tmp = self.stats_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.n, f)
            f.write("\n")
        os.replace(tmp, self.stats_path)
        self.written = time.monotonic()

    def run(self):
        stop = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.append(1))
        socks = {s.fileno(): name for name, (s, _) in self.ports.items()}
        self.write_stats()
        while not stop:
            try:
                ready, _, _ = select.select(list(socks), [], [], 1.0)
            except InterruptedError:
                continue
            for fd in ready:
                name = socks[fd]
                frame = self.ports[name][0].recv(65536)
                if name == "trunk":
                    self.from_trunk(frame)
                else:
                    self.from_access(frame)
            if time.monotonic() - self.written >= 1.0:
                self.write_stats()
        self.write_stats()
        n = self.n
        print(
            f"vlan-switch: from the guest {n['from_guest_tagged']} frames tagged "
            f"VID {self.vid} ({n['from_guest_forwarded']} forwarded untagged, "
            f"{n['from_guest_tagged_dhcp']} DHCP, {n['from_guest_tagged_nfs']} NFS), "
            f"{n['from_guest_untagged_dropped']} untagged dropped "
            f"({n['from_guest_untagged_dhcp_dropped']} DHCP), "
            f"{n['from_guest_other_vid_dropped']} of other VLANs dropped; "
            f"to the guest {n['to_guest_tagged']} tagged; "
            f"{n['send_errors']} send errors",
            flush=True,
        )


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trunk", required=True, help="SOCK:PEER of the tagged port")
    p.add_argument("--access", required=True, help="SOCK:PEER of the untagged port")
    p.add_argument("--vid", type=int, required=True)
    p.add_argument("--stats", required=True)
    a = p.parse_args()
    if not 1 <= a.vid <= 4094:
        p.error("--vid must be 1..4094")
    Switch(a.trunk, a.access, a.vid, a.stats).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

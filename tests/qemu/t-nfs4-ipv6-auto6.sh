#!/usr/bin/env bash
# init: netroot. NFSv4 root over IPv6 only, the address from SLAAC:
# ip=eth0:auto6. Slirp advertises fec0::/64 (router advertisements from
# fe80::2) and answers as fec0::2, which it connects to the ::1 of the
# network namespace QEMU runs in, the test's own, where ganesha listens on
# ::1 only (as in t-nfs4-ipv6-static). netroot solicits the advertisement
# itself (the kernel's accept_ra is off on eth0), forms the address from the
# MAC (modified EUI-64: 52:54:00:12:34:56 gives fec0::5054:ff:fe12:3456) and
# the default route through the router; the guest's console shows the
# mount over that address and the IPv6 keys of /run/net-eth0.conf.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=qemu/lib.sh
. "$TOP/qemu/lib.sh"
use_init netroot
ipv6_only_lab
slaac='fec0::5054:ff:fe12:3456'
boot_expect "ip=eth0:auto6 nfsroot=[fec0::2]:/arch" \
	"$ROOT_OK" \
	'netroot: ipv6: eth0: router advertisement from fe80::' \
	"netroot: .*eth0: no IPv4, $slaac/64" \
	"inet6 $slaac/64 scope site" \
	'^\[fec0::2\]:/arch / nfs4 .*addr=fec0::2' \
	"^\\[fec0::2\\]:/arch / nfs4 .*clientaddr=$slaac" \
	"^IPV6PROTO='auto6'" \
	"^IPV6ADDR='$slaac'"
assert_log_lacks 'inet 10\.'
assert_no_panic
report_uptime

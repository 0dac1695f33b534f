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
dir="$T_LOGDIR/v6lab"
mkdir -p "$dir"
LAB_NS="$dir/netns.pid"
stop_v6lab() {
	lab_stop "$dir/ganesha.pid"
	lab_stop "$LAB_NS"
}
trap stop_v6lab EXIT
# ganesha needs an IPv6 address beyond ::1 to resolve Bind_addr (see
# t-nfs4-ipv6-static).
lab_netns_start v6lab "$dir/netns.log" 'ip addr add fd00::99/128 dev lo'
lab_ganesha_start "$dir" 4 ::1 0 "$BUILD/testroot=/arch" ||
	fail "ganesha did not start on ::1 (log $dir/ganesha.log)"
BOOT_ARGS+=(--netns "$LAB_NS")
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

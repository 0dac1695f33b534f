#!/usr/bin/env bash
# init: netroot. The remote log over IPv6 only: ip=eth0:auto6,
# netroot.syslog=[fec0::2]:5514, and `netroot watch --listen [::1]:5514` in
# the test's own namespace (ipv6_only_lab, which nothing else shares: no
# clash with the lab's port 5514). Proves the datagrams reach a collector
# over IPv6 and carry the client's SLAAC address where IPv4 has none.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=qemu/lib.sh
. "$TOP/qemu/lib.sh"
# shellcheck source=tests/qemu/watch-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/watch-lib.sh"
use_init netroot
ipv6_only_lab
slaac='fec0::5054:ff:fe12:3456'
[ -x "$NETROOT_BIN" ] || fail "no $NETROOT_BIN (make build)"
watch_listen '[::1]:5514' --clients 1 --duration 150
boot_expect "ip=eth0:auto6 nfsroot=[fec0::2]:/arch netroot.syslog=[fec0::2]:5514" \
	"$ROOT_OK" \
	'netroot: remote log to \[fec0::2\]:5514'
assert_no_panic
watch_wait 60
watch_one_switched 52:54:00:12:34:56 "$slaac"
report_uptime

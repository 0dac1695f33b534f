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
WATCH_OUT="$T_LOGDIR/watch-v6.json" RELAY_PID=""
in_lab_bg "$NETROOT_BIN" watch --json --listen '[::1]:5514' --clients 1 --duration 150 \
	>"$WATCH_OUT" 2>"$WATCH_OUT.err"
WATCH_PID=$!
at_exit watch_stop
boot_expect "ip=eth0:auto6 nfsroot=[fec0::2]:/arch netroot.syslog=[fec0::2]:5514" \
	"$ROOT_OK" \
	'netroot: remote log to \[fec0::2\]:5514'
assert_no_panic
watch_wait 60
watch_final_is "one switched client with its IPv6 address" <<PY
import json, sys
f = json.loads(sys.argv[1])
[c] = f["clients"]
assert c["state"] == "switched" and c["phase"] == "switched", c
assert c["mac"] == "52:54:00:12:34:56" and c["ip"] == "$slaac", c
PY
echo "ok: watch on [::1]:5514 saw 52:54:00:12:34:56 ($slaac) switch"
report_uptime

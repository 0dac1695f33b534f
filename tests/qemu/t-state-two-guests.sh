#!/usr/bin/env bash
# init: netroot. netroot.state=/var/log,/var/spool/cups: two guests share one
# read-only export; each writes into its own tmpfs /var/log, neither sees the
# other's file, and nothing reaches the server.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
rm -f "$BUILD"/testroot/var/log/host-*
boot_bg a "ip=dhcp nfsroot=$SRV:/arch ro netroot.state=/var/log,/var/spool/cups testwrite=/var/log/host-state-a testhold=5"
boot_bg b "ip=dhcp nfsroot=$SRV:/arch ro netroot.state=/var/log,/var/spool/cups testwrite=/var/log/host-state-b testhold=5" --mac 52:54:00:12:34:58
rc=0
boot_wait a || rc=1
boot_wait b || rc=1
for g in a b; do
	LOG=$(bg_log $g)
	assert_log_has "$ROOT_OK"
	assert_log_has " /var/log tmpfs "
	assert_log_has " /var/spool/cups tmpfs "
	assert_log_has "WROTE /var/log/host-state-$g"
	o=$([ $g = a ] && echo b || echo a)
	assert_log_has '^OTHERS-AFTER-HOLD:'
	assert_log_lacks "^OTHERS.*host-state-$o"
	assert_no_panic
done
for f in "$BUILD"/testroot/var/log/host-*; do
	[ -e "$f" ] && fail "a guest's write reached the server: $f"
done
echo "ok: no var/log/host-* on the server"
[ "$rc" = 0 ] || fail "a guest did not power off in time"

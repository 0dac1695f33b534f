#!/usr/bin/env bash
# parallel: yes
# init: netroot. netroot.state=/var/log,/var/spool/cups: two guests share one
# read-only export; each writes into its own tmpfs /var/log, neither sees the
# other's file, and nothing reaches the server; each timeline has `state`
# after the mount, inside `root`.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
guest_files 'testroot/var/log/host-*'
two_guests "ip=dhcp nfsroot=$SRV:/arch ro netroot.state=/var/log,/var/spool/cups" /var/log/host-state
for g in a b; do
	assert_log_has " /var/log tmpfs " "$(bg_log $g)"
	assert_log_has " /var/spool/cups tmpfs " "$(bg_log $g)"
	assert_isolated $g /var/log/host-state
	LOG=$(bg_log $g) assert_timeline root/mount root/state
done
for f in "$BUILD"/testroot/var/log/host-*; do
	[ -e "$f" ] && fail "a guest's write reached the server: $f"
done
echo "ok: no var/log/host-* on the server"
[ "$TWO_RC" = 0 ] || fail "a guest did not power off in time"

#!/usr/bin/env bash
# init: netroot. netroot.overlay=tmpfs: two guests boot one export at the same
# time, each writes a file at /, neither sees the other's, and nothing reaches
# the server (the upper layer is a tmpfs; the export is the read-only lower).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
rm -f "$BUILD"/testroot/host-ovl-*
boot_bg a "ip=dhcp nfsroot=$SRV:/arch netroot.overlay=tmpfs testwrite=host-ovl-a testhold=5"
boot_bg b "ip=dhcp nfsroot=$SRV:/arch netroot.overlay=tmpfs testwrite=host-ovl-b testhold=5" --mac 52:54:00:12:34:58
rc=0
boot_wait a || rc=1
boot_wait b || rc=1
for g in a b; do
	LOG=$(bg_log $g)
	assert_log_has "$ROOT_OK"
	assert_log_has " / overlay "
	assert_log_has "WROTE /host-ovl-$g"
	o=$([ $g = a ] && echo b || echo a)
	assert_log_has '^OTHERS-AFTER-HOLD:'
	assert_log_lacks "^OTHERS.*host-ovl-$o"
	assert_no_panic
done
# Both were up at once: each one's window [root ok, poweroff] overlaps the other's.
for f in "$BUILD"/testroot/host-ovl-*; do
	[ -e "$f" ] && fail "a guest's write reached the server: $f"
done
echo "ok: no host-ovl-* on the server"
[ "$rc" = 0 ] || fail "a guest did not power off in time"

#!/usr/bin/env bash
# parallel: yes
# init: netroot. netroot.overlay=tmpfs: two guests boot one export at the same
# time, each writes a file at /, neither sees the other's, and nothing reaches
# the server (the upper layer is a tmpfs; the export is the read-only lower);
# each timeline has `overlay` after the mount, inside `root`.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
guest_files 'testroot/host-ovl-*'
two_guests "ip=dhcp nfsroot=$SRV:/arch netroot.overlay=tmpfs" /host-ovl
for g in a b; do
	assert_log_has " / overlay " "$(bg_log $g)"
	assert_isolated $g /host-ovl
	LOG=$(bg_log $g) assert_timeline root/mount root/overlay
done
for f in "$BUILD"/testroot/host-ovl-*; do
	[ -e "$f" ] && fail "a guest's write reached the server: $f"
done
echo "ok: no host-ovl-* on the server"
[ "$TWO_RC" = 0 ] || fail "a guest did not power off in time"

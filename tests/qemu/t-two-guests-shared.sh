#!/usr/bin/env bash
# inits: baseline
# The control for the isolation tests
# (t-overlay-two-guests, t-state-two-guests): two guests boot one read-write
# export at the same time and each write a file; without netroot's overlay
# each DOES see the other's file after the hold, and both files reach the
# server. Proves the isolation check can fail.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
rm -f "$BUILD"/testroot/host-shared-*
trap 'rm -f "$BUILD"/testroot/host-shared-*' EXIT
boot_bg a "ip=dhcp nfsroot=$SRV:/arch rw testwrite=host-shared-a testhold=6"
boot_bg b "ip=dhcp nfsroot=$SRV:/arch rw testwrite=host-shared-b testhold=6" --mac 52:54:00:12:34:58
rc=0
boot_wait a || rc=1
boot_wait b || rc=1
LOG=$(bg_log a) assert_log_has '^OTHERS-AFTER-HOLD: /host-shared-b'
LOG=$(bg_log b) assert_log_has '^OTHERS-AFTER-HOLD: /host-shared-a'
for g in a b; do
	[ -s "$BUILD/testroot/host-shared-$g" ] || fail "guest $g's write is not on the server"
done
echo "ok: both writes on the server, each guest saw the other's"
[ "$rc" = 0 ] || fail "a guest did not power off in time"

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
guest_files 'testroot/host-shared-*'
two_guests "ip=dhcp nfsroot=$SRV:/arch rw" /host-shared
LOG=$(bg_log a) assert_log_has '^OTHERS-AFTER-HOLD:.* /host-shared-b([^-a-z0-9]|$)'
LOG=$(bg_log b) assert_log_has '^OTHERS-AFTER-HOLD:.* /host-shared-a([^-a-z0-9]|$)'
for g in a b; do
	[ -s "$BUILD/testroot/host-shared-$g" ] || fail "guest $g's write is not on the server"
done
echo "ok: both writes on the server, each guest saw the other's"
[ "$TWO_RC" = 0 ] || fail "a guest did not power off in time"

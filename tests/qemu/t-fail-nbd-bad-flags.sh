#!/usr/bin/env bash
# init: netroot. NBD root attached but the mount fails (rootflags has an option
# btrfs refuses): netroot says why, detaches /dev/nbd0 and tries again,
# and the next attempt does not find the device busy. No kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
BOOT_TIMEOUT=90
expect_retry "ip=dhcp nbd_host=$SRV nbd_name=arch root=/dev/nbd0 rootfstype=btrfs rootflags=no_such_option" \
	'netroot: trying again in .*attempt 2' \
	'netroot: .*mounting /dev/nbd0 \(btrfs, options "no_such_option"\).*bad options' \
	'netroot: hint: '
assert_log_lacks 'device busy'

#!/usr/bin/env bash
# parallel: yes
# init: netroot. NBD server down (nothing on the port): retries without
# panic=, reboots with panic=5 and a short netroot.timeout; no kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
BOOT_TIMEOUT=90
LOG="$T_LOGDIR/retry.log"
expect_retry "ip=dhcp root=nbd:$SRV:10899/arch:btrfs" 'netroot: .*retrying' \
	'netroot: .*nbd.*10\.0\.2\.2'
LOG="$T_LOGDIR/reboot.log"
expect_reboot "ip=dhcp root=nbd:$SRV:10899/arch:btrfs netroot.timeout=10 panic=5" \
	'netroot: .*nbd.*10\.0\.2\.2'

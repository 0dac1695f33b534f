#!/usr/bin/env bash
# init: baseline (busybox script). A missing export with panic=5: the init
# says why and reboots (QEMU exits, -no-reboot); no kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init baseline
BOOT_TIMEOUT=60
boot_expect "ip=dhcp nfsroot=$SRV:/nonexistent panic=5" \
	'baseline: error: cannot mount 10\.0\.2\.2:/nonexistent' \
	'baseline: rebooting in 5 s' \
	'reboot: Restarting system'
assert_log_lacks "$ROOT_OK"
assert_no_panic

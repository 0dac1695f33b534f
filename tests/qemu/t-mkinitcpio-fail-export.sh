#!/usr/bin/env bash
# init: mkinitcpio (HOOKS=(base netroot fsck), built by tests/mkinitcpio/build.sh
# with a real mkinitcpio; skipped when MKINITCPIO_DIR is unset). The export
# does not exist: netroot names it on the console and the hook drops into
# mkinitcpio's emergency shell (its prompt shows); no kernel panic, no reboot.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init mkinitcpio
BOOT_TIMEOUT=90
expect_retry "root=/dev/nfs nfsroot=$SRV:/nonexistent netroot.timeout=5" \
	'\[rootfs [^]]*\][#$] ' \
	':: running hook \[netroot\]' \
	'netroot: .*no such export' \
	'netroot: .*/nonexistent' \
	'ERROR: netroot: could not mount the network root on /new_root' \
	'dropped into an emergency shell'
assert_log_lacks 'Waiting [0-9]+ seconds for device'

#!/usr/bin/env bash
# init: mkinitcpio (HOOKS=(base netroot fsck), built by tests/mkinitcpio/build.sh
# with a real mkinitcpio; skipped when MKINITCPIO_DIR is unset). A malformed
# ip= (netmask octet 300): netroot names the parameter, the hook drops into
# mkinitcpio's emergency shell before any network work; no kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init mkinitcpio
BOOT_TIMEOUT=60
expect_retry "ip=10.0.2.15::10.0.2.2:255.0.300.0 root=/dev/nfs nfsroot=$SRV:/arch" \
	'\[rootfs [^]]*\][#$] ' \
	':: running hook \[netroot\]' \
	'netroot( [a-z]+)?: .*ip' \
	'ERROR: netroot: the kernel command line is not valid' \
	'dropped into an emergency shell'
assert_log_lacks 'netroot: dhcp'

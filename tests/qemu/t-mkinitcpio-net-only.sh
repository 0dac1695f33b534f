#!/usr/bin/env bash
# init: mkinitcpio (HOOKS=(base netroot fsck), built by tests/mkinitcpio/build.sh
# with a real mkinitcpio; skipped when MKINITCPIO_DIR is unset). ip=dhcp with
# a disk root (the remote-unlock case: other hooks source /tmp/net-*.conf):
# the hook brings the network up but leaves root= and the mount to /init,
# which waits for the disk (absent here) and falls into its emergency shell.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init mkinitcpio
BOOT_TIMEOUT=60
expect_retry "ip=dhcp root=/dev/vda9 rootdelay=1" \
	'\[rootfs [^]]*\][#$] ' \
	':: running hook \[netroot\]' \
	'eth0: 10\.0\.2\.15/24 by dhcp from 10\.0\.2\.2' \
	'Waiting 1 seconds for device /dev/vda9' \
	"Failed to mount '/dev/vda9' on real root"
assert_log_lacks 'netroot: .*mount'

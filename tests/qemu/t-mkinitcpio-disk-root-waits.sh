#!/usr/bin/env bash
# init: mkinitcpio (HOOKS=(base netroot fsck), built by tests/mkinitcpio/build.sh
# with a real mkinitcpio; skipped when MKINITCPIO_DIR is unset). Control for
# the "no wait" checks of t-mkinitcpio-nfs4/-nbd: with a disk root= the
# netroot hook stays out of the way, and /init (udev pretended by the test
# hook) waits for the device that never appears, then falls into its
# emergency shell. So the image can show "Waiting ... for device", and its
# fsck_root runs (the fsck hook is in).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init mkinitcpio
BOOT_TIMEOUT=90
expect_retry "root=/dev/vda9 rootdelay=3" \
	'\[rootfs [^]]*\][#$] ' \
	':: running hook \[netroot\]' \
	'Waiting 3 seconds for device /dev/vda9' \
	"ERROR: device '/dev/vda9' not found. Skipping fsck" \
	"Failed to mount '/dev/vda9' on real root"
assert_log_lacks 'netroot: '

#!/usr/bin/env bash
# init: netroot. The command line needs a module the image lacks (ext4 is
# not in the default set): netroot names the module and how to add it, and
# waits (retrying cannot help) instead of letting the kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
BOOT_TIMEOUT=60
expect_retry "ip=dhcp nbd_host=$SRV nbd_name=arch root=/dev/nbd0 rootfstype=ext4" \
	'netroot: cannot continue: ' \
	'netroot: .*module ext4 not found' \
	'netroot: hint: rebuild the initramfs with the module'

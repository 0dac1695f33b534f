#!/usr/bin/env bash
# init: netroot. A malformed ip= (an address octet over 255): netroot names the
# parameter on the console and, with panic=5, reboots; no kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
BOOT_TIMEOUT=60
expect_reboot "ip=10.0.2.300::10.0.2.2:255.255.255.0::eth0:off nfsroot=$SRV:/arch panic=5" \
	'netroot: .*ip='

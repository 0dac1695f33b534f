#!/usr/bin/env bash
# init: netroot. The export does not exist: netroot names it ("no such
# export"); with panic=5 it reboots; no kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
BOOT_TIMEOUT=90
expect_reboot "ip=dhcp nfsroot=$SRV:/nonexistent netroot.timeout=10 panic=5" \
	'netroot: .*no such export' \
	'netroot: .*/nonexistent'

#!/usr/bin/env bash
# init: netroot. init= names a file of the root that cannot be executed
# (ENOEXEC): the exec fails after the switch, when the initramfs is already
# gone. netroot names init and the reason, and retries the exec itself in
# the new root (not the whole switch, which would find no /newroot any more);
# no kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
BOOT_TIMEOUT=60
expect_retry "ip=dhcp nfsroot=$SRV:/arch init=/etc/not-a-program" \
	'trying again in .*attempt 2' \
	'cannot exec init /etc/not-a-program: .*'
assert_log_lacks 'is not a directory'

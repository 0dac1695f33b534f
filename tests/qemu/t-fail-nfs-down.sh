#!/usr/bin/env bash
# parallel: yes
# init: netroot. NFS server down (nothing listens on the port: connection
# refused). Without panic= netroot keeps retrying with backoff; with panic=5
# and a short netroot.timeout it gives up, says so, and reboots. Never a
# kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
BOOT_TIMEOUT=90
LOG="$T_LOGDIR/retry.log"
expect_retry "ip=dhcp nfsroot=$SRV:/arch,port=2050" 'netroot: .*retrying' \
	'netroot: .*10\.0\.2\.2'
LOG="$T_LOGDIR/reboot.log"
expect_reboot "ip=dhcp nfsroot=$SRV:/arch,port=2050 netroot.timeout=10 panic=5" \
	'netroot: .*10\.0\.2\.2'

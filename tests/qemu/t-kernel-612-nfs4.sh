#!/usr/bin/env bash
# init: netroot. The kernel matrix: Debian's 6.12 backports kernel, whose
# modules are .ko.xz, boots an NFSv4 root from a `netroot initramfs` image
# (the modules stored decompressed under the names of the image's
# modules.dep). Reports the uptime at which the root's init started.
# vers=4.1: with NFS 4.2 this kernel reads with READ_PLUS
# (CONFIG_NFS_V4_2_READ_PLUS=y, unset in 6.1), and the lab's nfs-ganesha
# answers it with corrupt data: the root's /sbin/init fails with "Exec
# format error" (seen here, 2026-12-01). 4.1 keeps this test on the kernel
# and the image, not on that server bug.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot-bpo
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/arch,vers=4.1" \
	'Linux version 6\.12\.' \
	'netroot: ' \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	'inet 10\.0\.2\.15/24' \
	"^$SRV:/arch / nfs4 "
assert_log_lacks 'compressed|invalid module format'
assert_no_panic
report_uptime

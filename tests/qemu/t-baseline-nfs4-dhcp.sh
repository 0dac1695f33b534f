#!/usr/bin/env bash
# init: baseline (busybox script). NFSv4 root, ip=dhcp, direct kernel boot.
# Also the baseline's boot time: the uptime at which the root's init starts.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init baseline
boot_expect "ip=dhcp nfsroot=$SRV:/arch" \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	'inet 10\.0\.2\.15/24' \
	"^$SRV:/arch / nfs4 " \
	"IPV4ADDR='10\.0\.2\.15'"
assert_no_panic
report_uptime

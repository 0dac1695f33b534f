#!/usr/bin/env bash
# init: netroot. NFSv4 root, ip=dhcp, direct kernel boot; netroot logs its
# phases, hands the lease over in /run/net-eth0.conf, and the root's init runs
# as PID 1 with netroot ready as its shutdown initramfs /run/initramfs/shutdown.
# Reports the uptime at which the root's init started.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/arch" \
	'netroot: ' \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	'inet 10\.0\.2\.15/24' \
	"^$SRV:/arch / nfs4 " \
	'TEST-ROOT /run/net-eth0\.conf:' \
	"IPV4ADDR='?10\.0\.2\.15'?" \
	'TEST-ROOT shutdown-ramfs: /run/initramfs/shutdown [0-9]+ bytes'
assert_no_panic
report_uptime

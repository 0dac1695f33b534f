#!/usr/bin/env bash
# inits: netroot baseline
# NFSv4 root, ip=dhcp, direct kernel boot; the init hands the lease over in
# /run/net-eth0.conf, and the root's init runs as PID 1 (netroot: with netroot
# ready as its shutdown initramfs /run/initramfs/shutdown, and its phases
# logged). Reports the uptime at which the root's init started (the boot time
# of each init, side by side in the report).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/arch" \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	'inet 10\.0\.2\.15/24' \
	"^$SRV:/arch / nfs4 " \
	'TEST-ROOT /run/net-eth0\.conf:' \
	"IPV4ADDR='?10\.0\.2\.15'?"
if [ "$INIT" = netroot ]; then
	assert_log_has 'netroot: '
	assert_log_has 'TEST-ROOT shutdown-ramfs: /run/initramfs/shutdown [0-9]+ bytes'
fi
assert_no_panic
report_uptime

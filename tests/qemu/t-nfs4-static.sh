#!/usr/bin/env bash
# inits: netroot baseline
# NFSv4 root with a static ip= (kernel nfsroot.rst form): the server comes
# from ip=, nfsroot= has no server part; no DHCP at all (netroot's timeline:
# `static` inside `network`, no `dhcp`).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
boot_expect "ip=10.0.2.42:$SRV:10.0.2.2:255.255.255.0:static1:eth0:off nfsroot=/arch" \
	"$ROOT_OK" \
	'inet 10\.0\.2\.42/24' \
	'default via 10\.0\.2\.2' \
	"^$SRV:/arch / nfs4 .*clientaddr=10\.0\.2\.42"
assert_no_panic
if [ "$INIT" = netroot ]; then
	assert_timeline network/carrier network/static root/mount
	assert_log_lacks '^TEST-ROOT timeline: .*"phase":"dhcp"'
fi
report_uptime

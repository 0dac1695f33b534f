#!/usr/bin/env bash
# init: netroot. NFSv3 root (vers=3 in nfsroot=): the mount shows vers=3 and
# nolock (no NLM in the initramfs).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
boot_expect "ip=dhcp nfsroot=$SRV:/arch,vers=3" \
	"$ROOT_OK" \
	"^$SRV:/arch / nfs .*vers=3" \
	"^$SRV:/arch / nfs .*nolock"
assert_no_panic
report_uptime

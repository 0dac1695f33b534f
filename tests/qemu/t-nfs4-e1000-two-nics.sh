#!/usr/bin/env bash
# init: netroot. Two e1000 NICs (each on its own slirp): the e1000 driver is
# coldplugged from modalias, DHCP runs on the interfaces, the root mounts.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
BOOT_ARGS=(--e1000 --nic2)
boot_expect "ip=dhcp nfsroot=$SRV:/arch" \
	"$ROOT_OK" \
	'inet 10\.0\.2\.15/24' \
	"^$SRV:/arch / nfs4 "
assert_no_panic

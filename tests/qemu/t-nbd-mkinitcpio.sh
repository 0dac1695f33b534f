#!/usr/bin/env bash
# init: netroot. NBD root, mkinitcpio-nbd parameter style: btrfs with
# compress=lzo, read-write; the root's write succeeds.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
boot_expect "ip=dhcp nbd_host=$SRV nbd_name=arch root=/dev/nbd0 rootfstype=btrfs rootflags=compress=lzo rw testwrite=host-nbd-mkinitcpio" \
	"$ROOT_OK" \
	'^/dev/nbd0 / btrfs rw.*compress=lzo' \
	'WROTE /host-nbd-mkinitcpio'
assert_no_panic
report_uptime

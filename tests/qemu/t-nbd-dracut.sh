#!/usr/bin/env bash
# init: netroot. NBD root, dracut parameter style
# root=nbd:<server>:<port>/<export>:<fstype>:<rootflags>.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
boot_expect "ip=dhcp root=nbd:$SRV:10809/arch:btrfs:compress=lzo rw testwrite=host-nbd-dracut" \
	"$ROOT_OK" \
	'^/dev/nbd0 / btrfs rw.*compress=lzo' \
	'WROTE /host-nbd-dracut'
assert_no_panic

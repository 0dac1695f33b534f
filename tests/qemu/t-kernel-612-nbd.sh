#!/usr/bin/env bash
# init: netroot. The kernel matrix: Debian's 6.12 backports kernel (.ko.xz
# modules) boots an NBD root (btrfs, the nbd and btrfs modules and their
# closure from a `netroot initramfs` image) and writes to it; netroot's
# timeline has the NBD `attach` inside `root`.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot-bpo
boot_expect "ip=dhcp root=nbd:$SRV:10809/arch:btrfs:compress=lzo rw testwrite=host-kernel-612-nbd" \
	'Linux version 6\.12\.' \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	'^/dev/nbd0 / btrfs rw.*compress=lzo' \
	'WROTE /host-kernel-612-nbd'
assert_log_lacks 'compressed|invalid module format'
assert_no_panic
assert_timeline root/attach
report_uptime

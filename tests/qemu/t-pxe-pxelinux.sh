#!/usr/bin/env bash
# inits: netroot baseline
# PXE chain (BIOS): iPXE ROM -> pxelinux.0 -> pxelinux.cfg/default
# with IPAPPEND 2 (BOOTIF=) -> the guide's kernel line -> NFSv4 root.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
BOOT_TIMEOUT=150
pxe_expect pxelinux.0 \
	'PXELINUX' \
	"$ROOT_OK" \
	'TEST-ROOT cmdline: .*ip=:::::eth0:dhcp nfsroot=10\.0\.0\.1:/arch BOOTIF=01-52-54-00-12-34-56' \
	'inet 10\.0\.0\.128/24' \
	'^10\.0\.0\.1:/arch / nfs4 '
assert_no_panic
report_uptime

#!/usr/bin/env bash
# inits: netroot baseline
# PXE chain (BIOS) with IPAPPEND 3: pxelinux appends
# ip=<client>:<server>:<gw>:<netmask> after the guide's ip=:::::eth0:dhcp, and
# BOOTIF=; the client with MAC 52:54:00:12:34:59 gets that config.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
BOOT_TIMEOUT=150
BOOT_ARGS=(--mac 52:54:00:12:34:59)
pxe_expect pxelinux.0 \
	"$ROOT_OK" \
	'TEST-ROOT cmdline: .* ip=10\.0\.0\.128:10\.0\.0\.1:10\.0\.0\.1:255\.255\.255\.0 BOOTIF=01-52-54-00-12-34-59' \
	'inet 10\.0\.0\.128/24' \
	'^10\.0\.0\.1:/arch / nfs4 '
assert_no_panic

#!/usr/bin/env bash
# inits: netroot baseline
# The Arch Diskless guide's LAN (slirp net=10.0.0.0/24, host=10.0.0.1,
# dhcpstart=10.0.0.128) and its parameters verbatim.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
BOOT_ARGS=(--net "net=10.0.0.0/24,host=10.0.0.1,dhcpstart=10.0.0.128")
boot_expect "quiet add_efi_memmap ip=:::::eth0:dhcp nfsroot=10.0.0.1:/arch" \
	"$ROOT_OK" \
	'inet 10\.0\.0\.128/24' \
	'^10\.0\.0\.1:/arch / nfs4 '
assert_no_panic

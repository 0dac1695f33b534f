#!/usr/bin/env bash
# inits: netroot baseline
# PXE chain (BIOS): iPXE ROM -> GRUB grub/i386-pc/core.0 (made by
# grub-mknetdir) -> grub.cfg with the guide's linux line -> NFSv4 root.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
BOOT_TIMEOUT=150
pxe_expect grub/i386-pc/core.0 \
	"$ROOT_OK" \
	'TEST-ROOT cmdline: BOOT_IMAGE=/vmlinuz-linux console=ttyS0 quiet add_efi_memmap ip=:::::eth0:dhcp nfsroot=10\.0\.0\.1:/arch' \
	'^10\.0\.0\.1:/arch / nfs4 '
assert_no_panic

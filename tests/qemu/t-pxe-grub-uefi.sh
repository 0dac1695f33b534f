#!/usr/bin/env bash
# inits: netroot baseline
# PXE chain (UEFI): OVMF -> GRUB grub/x86_64-efi/core.efi (made by
# grub-mknetdir) -> grub.cfg with the guide's linux line -> NFSv4 root.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
BOOT_TIMEOUT=180
BOOT_ARGS=(--uefi)
pxe_expect grub/x86_64-efi/core.efi \
	"$ROOT_OK" \
	'TEST-ROOT cmdline: BOOT_IMAGE=/vmlinuz-linux console=ttyS0 quiet add_efi_memmap ip=:::::eth0:dhcp nfsroot=10\.0\.0\.1:/arch' \
	'^10\.0\.0\.1:/arch / nfs4 '
assert_no_panic

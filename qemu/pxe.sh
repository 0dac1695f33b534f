#!/usr/bin/env bash
# Lay out a TFTP root the way the Arch "Diskless System" guide lays out
# /srv/arch/boot, for QEMU's slirp TFTP server (boot.sh --pxe DIR FILE):
#   vmlinuz-linux, initramfs-linux.img
#   pxelinux.0, ldlinux.c32, pxelinux.cfg/default            (BIOS, IPAPPEND 2)
#   pxelinux.cfg/01-52-54-00-12-34-59                         (IPAPPEND 3: the
#       client with that MAC gets this config; pxelinux looks for the MAC file
#       before "default")
#   grub/ from grub-mknetdir: grub/i386-pc/core.0 (BIOS), grub/x86_64-efi/core.efi
#       (UEFI), grub/grub.cfg with the guide's line
# The kernel command line is the guide's, verbatim, plus console=ttyS0:
#   quiet add_efi_memmap ip=:::::eth0:dhcp nfsroot=10.0.0.1:/arch
# (the Debian kernel without udev names the first NIC eth0). Boot with
# --net net=10.0.0.0/24,host=10.0.0.1,dhcpstart=10.0.0.128 so 10.0.0.1 is the
# server, as in the guide.
#
# Usage: qemu/pxe.sh [--initrd IMG] [--out DIR] [--append EXTRA] [--cmdline LINE]
#   --initrd  default build/initramfs.img    --out  default build/tftp
#   --append  words added to every kernel command line
#   --cmdline the kernel command line instead of the guide's (console=ttyS0
#             is still put first)
# Cached: files are copied only when they changed; grub-mknetdir runs once.
# Needs build/vmlinuz (`make build/vmlinuz`; `make build/tftp/.made` lays out
# build/tftp when an input changed).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build="$top/build"

initrd="$build/initramfs.img" out="$build/tftp" extra=""
guide="quiet add_efi_memmap ip=:::::eth0:dhcp nfsroot=10.0.0.1:/arch"
while [ $# -gt 0 ]; do
	case "$1" in
	--initrd) initrd=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--append) extra=$2; shift 2 ;;
	--cmdline) guide=$2; shift 2 ;;
	-h | --help) sed -n '2,27p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) echo "pxe.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
done

[ -s "$build/vmlinuz" ] || { echo "pxe.sh: no build/vmlinuz (make build/vmlinuz)" >&2; exit 1; }
[ -s "$initrd" ] || { echo "pxe.sh: no initramfs $initrd" >&2; exit 1; }

cmdline="console=ttyS0 $guide${extra:+ $extra}"

mkdir -p "$out/pxelinux.cfg"
put() { # SRC DEST: copy when different
	cmp -s "$1" "$2" || cp "$1" "$2"
}
put "$build/vmlinuz" "$out/vmlinuz-linux"
put "$initrd" "$out/initramfs-linux.img"
put /usr/lib/PXELINUX/pxelinux.0 "$out/pxelinux.0"
put /usr/lib/syslinux/modules/bios/ldlinux.c32 "$out/ldlinux.c32"

pxecfg() { # IPAPPEND
	cat <<-EOF
		# written by qemu/pxe.sh (the Arch Diskless System guide's pxelinux entry)
		SERIAL 0 115200
		DEFAULT arch
		PROMPT 0
		TIMEOUT 0
		LABEL arch
		    KERNEL vmlinuz-linux
		    APPEND initrd=initramfs-linux.img $cmdline
		    IPAPPEND $1
	EOF
}
pxecfg 2 >"$out/pxelinux.cfg/default"
pxecfg 3 >"$out/pxelinux.cfg/01-52-54-00-12-34-59"

if [ ! -s "$out/grub/i386-pc/core.0" ] || [ ! -s "$out/grub/x86_64-efi/core.efi" ]; then
	grub-mknetdir --net-directory="$out" --subdir=grub --locales= --fonts= --themes= >/dev/null
fi
cat >"$out/grub/grub.cfg" <<EOF
# written by qemu/pxe.sh (the Arch Diskless System guide's GRUB entry)
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "Arch Linux (diskless)" {
    linux /vmlinuz-linux $cmdline
    initrd /initramfs-linux.img
}
EOF
echo "pxe.sh: $out ready: pxelinux.0 (BIOS), grub/i386-pc/core.0 (BIOS), grub/x86_64-efi/core.efi (UEFI)"

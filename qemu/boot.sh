#!/usr/bin/env bash
# Boot the lab guest under QEMU (TCG: nested KVM hangs on the lab machine) with the
# serial console in a log file, and return when the guest powers off, a marker
# is seen, or the wall timeout passes.
#
# Usage: qemu/boot.sh [options] [-- extra qemu args]
#   --append STR      kernel command line after "console=ttyS0 no_timer_check" (direct boot)
#   --initrd IMG      default build/initramfs.img
#   --kernel FILE     default build/vmlinuz
#   --log FILE        serial log (default build/lab/boot.log)
#   --timeout SEC     wall timeout (default 120); exit 124 when reached
#   --expect REGEX    return (exit 0) as soon as the log matches REGEX (grep -E)
#   --e1000           first NIC is e1000 (default virtio-net-pci)
#   --nic2            add a second NIC (same model, its own slirp)
#   --net OPTS        extra -netdev user options, e.g.
#                     net=10.0.0.0/24,host=10.0.0.1,dhcpstart=10.0.0.128
#   --mac MAC         first NIC's MAC (default 52:54:00:12:34:56)
#   --netdev OPTS     the first NIC's backend instead of slirp: a whole -netdev
#                     argument with id=n0 (e.g. dgram,id=n0,local.type=unix,...);
#                     --net and --pxe then do not apply
#   --pxe DIR FILE    network boot: slirp tftp=DIR,bootfile=FILE and -boot n
#                     (no -kernel/-initrd/-append)
#   --uefi            OVMF firmware (/usr/share/ovmf/OVMF.fd)
#   --mem MB          default 768
#   --host-net        do not enter the lab's network namespace (see servers.sh)
#   --netns PIDFILE   enter the network namespace held by the pid in PIDFILE
#                     instead of the lab's (a test's own servers)
#   --monitor SOCK    also a QEMU human monitor on the unix socket SOCK, e.g.
#                     to press the power button: echo system_powerdown
# Exit: 0 powered off or marker seen; 124 timeout; 1 QEMU failed to start.
# The last line printed is `boot: <reason> after <seconds> s, log <file>`.
set -euo pipefail

# shellcheck source=qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build="$LAB_BUILD"

append="" initrd="$build/initramfs.img" kernel="$build/vmlinuz" log="$build/lab/boot.log"
timeout=120 expect="" model=virtio-net-pci nic2=0 netopts="" mac=52:54:00:12:34:56
pxe_dir="" pxe_file="" uefi=0 mem=768 hostnet=0 monitor="" netdev="" netns=""
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--append) append=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--expect) expect=$2; shift 2 ;;
	--e1000) model=e1000; shift ;;
	--nic2) nic2=1; shift ;;
	--net) netopts=$2; shift 2 ;;
	--mac) mac=$2; shift 2 ;;
	--netdev) netdev=$2; shift 2 ;;
	--pxe) pxe_dir=$2; pxe_file=$3; shift 3 ;;
	--uefi) uefi=1; shift ;;
	--mem) mem=$2; shift 2 ;;
	--host-net) hostnet=1; shift ;;
	--netns) netns=$2; shift 2 ;;
	--monitor) monitor=$2; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	-h | --help) sed -n '2,31p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) echo "boot.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
done

nd="user,id=n0"
[ -n "$netopts" ] && nd="$nd,$netopts"
if [ -n "$pxe_dir" ]; then
	[ -d "$pxe_dir" ] || { echo "boot.sh: no TFTP root $pxe_dir" >&2; exit 1; }
	nd="$nd,tftp=$(cd "$pxe_dir" && pwd),bootfile=$pxe_file"
fi
lab_number boot.sh --timeout "$timeout" 1 86400
lab_number boot.sh --mem "$mem" 64 65536

if [ -n "$netdev" ]; then
	if [ -n "$pxe_dir" ] || [ -n "$netopts" ]; then
		echo "boot.sh: --netdev replaces slirp: no --net or --pxe with it" >&2
		exit 2
	fi
	nd=$netdev
fi
lab_qemu "$model" "$mac" "$nd" "$mem"
if [ "$nic2" = 1 ]; then
	LAB_QEMU+=(-netdev "user,id=n1" -device "$model,netdev=n1,mac=52:54:00:12:34:57")
fi
[ -n "$monitor" ] && LAB_QEMU+=(-monitor "unix:$monitor,server,nowait")
[ "$uefi" = 1 ] && LAB_QEMU+=(-bios /usr/share/ovmf/OVMF.fd)
if [ -n "$pxe_dir" ]; then
	LAB_QEMU+=(-boot n)
else
	# no_timer_check: under load (several TCG guests on 2 cores) a guest's
	# IO-APIC timer check fails and the kernel panics before /init.
	LAB_QEMU+=(-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 no_timer_check $append")
fi

nspid=""
if [ -n "$netns" ]; then
	lab_alive "$netns" || { echo "boot.sh: no network namespace holder in $netns" >&2; exit 1; }
	nspid=$(cat "$netns")
elif [ "$hostnet" = 0 ] && lab_alive "$build/lab/netns.pid"; then
	nspid=$(cat "$build/lab/netns.pid")
fi
lab_qemu_run "$log" "$timeout" "$expect" "$nspid" "${LAB_QEMU[@]}" "${extra[@]}"

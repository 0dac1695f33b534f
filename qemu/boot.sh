#!/usr/bin/env bash
# Boot the lab guest under QEMU (TCG: nested KVM hung on the lab host) with the
# serial console in a log file, and return when the guest powers off, a marker
# is seen, or the wall timeout passes.
#
# Usage: qemu/boot.sh [options] [-- extra qemu args]
#   --append STR      kernel command line after "console=ttyS0" (direct boot)
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
#   --pxe DIR FILE    network boot: slirp tftp=DIR,bootfile=FILE and -boot n
#                     (no -kernel/-initrd/-append)
#   --uefi            OVMF firmware (/usr/share/ovmf/OVMF.fd)
#   --mem MB          default 768
#   --host-net        do not enter the lab's network namespace (see servers.sh)
# Exit: 0 powered off or marker seen; 124 timeout; 1 QEMU failed to start.
# The last line printed is `boot: <reason> after <seconds> s, log <file>`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build="$top/build"

append="" initrd="$build/initramfs.img" kernel="$build/vmlinuz" log="$build/lab/boot.log"
timeout=120 expect="" model=virtio-net-pci nic2=0 netopts="" mac=52:54:00:12:34:56
pxe_dir="" pxe_file="" uefi=0 mem=768 hostnet=0
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
	--pxe) pxe_dir=$2; pxe_file=$3; shift 3 ;;
	--uefi) uefi=1; shift ;;
	--mem) mem=$2; shift 2 ;;
	--host-net) hostnet=1; shift ;;
	--) shift; extra=("$@"); break ;;
	-h | --help) sed -n '2,26p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) echo "boot.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
done

mkdir -p "$(dirname "$log")"
: >"$log"

nd="user,id=n0"
[ -n "$netopts" ] && nd="$nd,$netopts"
if [ -n "$pxe_dir" ]; then
	[ -d "$pxe_dir" ] || { echo "boot.sh: no TFTP root $pxe_dir" >&2; exit 1; }
	nd="$nd,tftp=$(cd "$pxe_dir" && pwd),bootfile=$pxe_file"
fi
args=(-accel tcg -m "$mem" -smp 1 -display none -monitor none -no-reboot
	-serial "file:$log" -netdev "$nd" -device "$model,netdev=n0,mac=$mac")
if [ "$nic2" = 1 ]; then
	args+=(-netdev "user,id=n1" -device "$model,netdev=n1,mac=52:54:00:12:34:57")
fi
[ "$uefi" = 1 ] && args+=(-bios /usr/share/ovmf/OVMF.fd)
if [ -n "$pxe_dir" ]; then
	args+=(-boot n)
else
	args+=(-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 $append")
fi
args+=("${extra[@]}")

ns=()
if [ "$hostnet" = 0 ] && [ -s "$build/lab/netns.pid" ] && kill -0 "$(cat "$build/lab/netns.pid")" 2>/dev/null; then
	# nsenter execs QEMU (no fork without --pid), so $! below is QEMU's pid.
	ns=(nsenter --target "$(cat "$build/lab/netns.pid")" --net --)
fi

start=$(date +%s.%N)
"${ns[@]}" qemu-system-x86_64 "${args[@]}" </dev/null >"$log.qemu" 2>&1 &
qpid=$!
trap 'kill "$qpid" 2>/dev/null || true' EXIT INT TERM

reason="" rc=0
deadline=$(($(date +%s) + timeout))
while :; do
	if ! kill -0 "$qpid" 2>/dev/null; then
		wait "$qpid" || rc=$?
		if [ "$rc" = 0 ]; then reason="guest powered off (or rebooted)"; else reason="qemu exited with $rc"; fi
		if grep -q . "$log.qemu"; then sed 's/^/qemu: /' "$log.qemu" >&2; fi
		[ "$rc" = 0 ] || rc=1
		break
	fi
	if [ -n "$expect" ] && grep -Eq -- "$expect" "$log"; then
		reason="marker seen"
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
		break
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		reason="timeout (${timeout} s)"
		rc=124
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
		break
	fi
	sleep 0.2
done
trap - EXIT INT TERM
rm -f "$log.qemu"
echo "boot: $reason after $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s, log $log"
exit "$rc"

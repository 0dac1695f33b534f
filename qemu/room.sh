#!/usr/bin/env bash
# A classroom: N diskless guests on one bridge boot one shared NFSv4 root at
# the same moment. Unlike slirp (every guest is 10.0.2.15 behind one host
# address, so a server cannot tell them apart) each guest here has its own
# MAC and its own DHCP address on a real Ethernet segment:
#   - a private network + mount namespace (held by a `sleep`), with a bridge
#     br0 = 10.0.3.1/24 (inside the namespace only) and one TAP per guest,
#     tap1..tapN, enslaved to it
#   - dnsmasq on br0: DHCP 10.0.3.100-199 (1 h leases unless --lease), router
#     10.0.3.1, and NO host name, no domain (like the Arch guide's
#     dhcpd.conf): every guest is nameless unless its initramfs names it
#   - nfs-ganesha bound to 10.0.3.1: NFSv4 only, build/testroot at Pseudo
#     /arch and, once qemu/mkdebroot.sh built it, build/debroot at /debian
#   - N QEMU guests (TCG, -m 512 by default, virtio-net on tapK with MAC
#     52:54:00:03:00:KK), started together, each with its serial console in
#     its own log; the script returns when every guest has powered off (or at
#     the wall timeout, when the rest are stopped)
# Everything (QEMU, ganesha, dnsmasq, the namespace and its devices) is
# stopped on exit, by the PIDs this script started. The namespace, dnsmasq
# and ganesha come from qemu/lib.sh, the same as qemu/servers.sh's.
#
# Usage: qemu/room.sh [options]
#   --guests N        number of guests (default 4)
#   --append STR      kernel command line after "console=ttyS0 no_timer_check"
#                     (no_timer_check: under load a TCG guest's IO-APIC timer
#                     check can fail and panic the kernel); %i is replaced
#                     by the guest's number (1..N); the server is 10.0.3.1
#   --initrd IMG      default build/initramfs.img
#   --kernel FILE     default build/vmlinuz
#   --logdir DIR      default build/lab/room: guest-K.log (serial console),
#                     dnsmasq.log, ganesha.log, room.tsv (see below); also
#                     the servers' pid files, leases and ganesha.conf
#   --mark REGEX      the milestone whose host wall time is recorded per guest
#                     (grep -E on its console; default the test root's marker)
#   --fail REGEX      stop a guest at once when its console matches (default: a
#                     kernel panic); its status is then "failed: <the line>"
#   --done REGEX      the guest has finished when its console matches (e.g.
#                     netroot's `shutdown: done`): it gets 15 s more to power
#                     off, then it is stopped and its status is "done, ...".
#                     (Under a loaded TCG host a guest's kernel was seen
#                     stuck in virtio_net's receive poll after reboot(2),
#                     with an RCU stall, never reaching the ACPI power-off.)
#   --timeout SEC     wall timeout for the whole room (default 240)
#   --mem MB          guest memory (default 512)
#   --lease TIME      dnsmasq's lease time (default 1h; 2m, its shortest, for
#                     tests of the renewal)
#   --dhcp-option OPT one more dnsmasq --dhcp-option (e.g.
#                     option:log-server,10.0.3.1); may be given again
#   -- QEMU-ARGS      extra QEMU arguments for every guest (as boot.sh's)
# Output: one line per guest `room: guest K MAC: <how it ended>, mark at W s,
# end at E s (wall)`, then `room: N guests, M powered off, all marks within W s`;
# the same per guest in DIR/room.tsv (guest, mac, log, status, mark_wall_s,
# end_wall_s). Exit 0 when every guest powered off (or was done), 124 when one was stopped at
# the timeout, 1 on a --fail match, a QEMU failure or a setup error.
# Needs root (namespaces, TAP, ganesha's VFS FSAL).
set -euo pipefail

# shellcheck source=qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build="$LAB_BUILD"

guests=4 append="" initrd="$build/initramfs.img" kernel="$build/vmlinuz"
logdir="$build/lab/room" mark='NETROOT-TEST-ROOT-OK' timeout=240 mem=512
failre='Kernel panic - not syncing' donere=''
extra=() dhcp_opts=()
while [ $# -gt 0 ]; do
	case "$1" in
	--guests) guests=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--logdir) logdir=$2; shift 2 ;;
	--mark) mark=$2; shift 2 ;;
	--fail) failre=$2; shift 2 ;;
	--done) donere=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--lease) LAB_DHCP_LEASE=$2; shift 2 ;;
	--dhcp-option) dhcp_opts+=("--dhcp-option=$2"); shift 2 ;;
	--) shift; extra=("$@"); break ;;
	-h | --help) sed -n '2,55p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) echo "room.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
done
lab_number room.sh --guests "$guests" 1 99
lab_number room.sh --timeout "$timeout" 1 86400
lab_number room.sh --mem "$mem" 64 65536
[[ $LAB_DHCP_LEASE =~ ^[0-9]+[smhdw]?$|^infinite$ ]] ||
	{ echo "room.sh: --lease wants a dnsmasq lease time (120, 2m, 1h, infinite), not '$LAB_DHCP_LEASE'" >&2; exit 2; }
for f in "$initrd" "$kernel"; do
	[ -s "$f" ] || { echo "room.sh: no $f" >&2; exit 1; }
done
[ -x "$build/testroot/sbin/init" ] || { echo "room.sh: no build/testroot (run qemu/mkroot.sh)" >&2; exit 1; }

SRV=10.0.3.1
mkdir -p "$logdir"
logdir=$(cd "$logdir" && pwd)
# The namespace's pid, dnsmasq's and ganesha's files (pid, log, leases,
# configuration, recovery) all live in the log directory.
rm -f "$logdir"/guest-*.log "$logdir/room.tsv" "$logdir"/*.pid "$logdir/dnsmasq.leases"
LAB_NS="$logdir/netns.pid"

declare -A qpid=()
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	local k
	for k in "${!qpid[@]}"; do kill "${qpid[$k]}" 2>/dev/null || true; done
	for k in "${!qpid[@]}"; do wait "${qpid[$k]}" 2>/dev/null || true; done
	lab_stop "$logdir/ganesha.pid"
	lab_stop "$logdir/dnsmasq.pid"
	# The namespace, its bridge and TAPs go with the last process in it.
	lab_stop "$LAB_NS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the namespace: bridge, TAPs ------------------------------------------------
lab_netns_start room-netns "$logdir/netns.log" "
	ip link add br0 type bridge stp_state 0 forward_delay 0
	ip addr add $SRV/24 dev br0
	ip link set br0 up
	for i in \$(seq 1 $guests); do
		ip tuntap add dev \"tap\$i\" mode tap
		ip link set \"tap\$i\" master br0
		ip link set \"tap\$i\" up
	done" || exit 1

# --- dnsmasq: addresses, no names -------------------------------------------------
# --dhcp-ignore-names: a name the client sends is not taken for the lease
# (dnsmasq 2.90 still echoes it in option 12, cut at the first dot, seen
# with systemd-networkd's requests: tests/qemu/t-room-debian.sh).
lab_dnsmasq_start "$logdir" br0 "$SRV" 10.0.3.100 10.0.3.199 --dhcp-ignore-names --dhcp-rapid-commit \
	"${dhcp_opts[@]}" || exit 1

# --- ganesha: one server, NFSv4, the shared roots ---------------------------------
# lib.sh's configuration (graceless, short leases, numeric owners, attributes
# revalidated on every access) bound to the bridge.
exports=("$build/testroot=/arch")
[ -f "$build/debroot/etc/os-release" ] && exports+=("$build/debroot=/debian")
lab_ganesha_start "$logdir" 4 "$SRV" 0 "${exports[@]}" || exit 1

# --- the guests, all at once ---------------------------------------------------------
mac_of() { printf '52:54:00:03:00:%02x' "$1"; }
start=$(date +%s.%N)
for ((k = 1; k <= guests; k++)); do
	log="$logdir/guest-$k.log"
	: >"$log"
	lab_qemu virtio-net-pci "$(mac_of "$k")" "tap,id=n0,ifname=tap$k,script=no,downscript=no" "$mem"
	# nsenter execs QEMU (no --pid), so $! is QEMU itself.
	nsenter --target "$(cat "$LAB_NS")" --net -- "${LAB_QEMU[@]}" -display none -monitor none -serial "file:$log" \
		-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 no_timer_check ${append//%i/$k}" "${extra[@]}" \
		</dev/null >"$log.qemu" 2>&1 &
	qpid[$k]=$!
done
echo "room: $guests guests on br0 ($SRV/24, dnsmasq without host names, ganesha NFSv4), logs in $logdir"

since() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
declare -A mark_at=() end_at=() status=() done_at=()
deadline=$(($(date +%s) + timeout))
running=$guests
while [ "$running" -gt 0 ]; do
	for ((k = 1; k <= guests; k++)); do
		[ -n "${end_at[$k]:-}" ] && continue
		if [ -z "${mark_at[$k]:-}" ] && grep -Eq -- "$mark" "$logdir/guest-$k.log"; then
			mark_at[$k]=$(since)
		fi
		# A panicked guest (panic=0) would sit there until the timeout.
		if line=$(grep -Em1 -- "$failre" "$logdir/guest-$k.log"); then
			kill "${qpid[$k]}" 2>/dev/null || true
			wait "${qpid[$k]}" 2>/dev/null || true
			end_at[$k]=$(since)
			status[$k]="failed: $(tr -d '\r\t' <<<"$line" | cut -c1-120)"
			running=$((running - 1))
			continue
		fi
		if ! kill -0 "${qpid[$k]}" 2>/dev/null; then
			rc=0
			wait "${qpid[$k]}" || rc=$?
			end_at[$k]=$(since)
			if [ "$rc" = 0 ]; then status[$k]="powered off"; else status[$k]="qemu exited with $rc"; fi
			running=$((running - 1))
			continue
		fi
		if [ -n "$donere" ] && [ -z "${done_at[$k]:-}" ] && grep -Eq -- "$donere" "$logdir/guest-$k.log"; then
			done_at[$k]=$(date +%s)
		fi
		if [ -n "${done_at[$k]:-}" ] && [ "$(date +%s)" -ge $((done_at[$k] + 15)) ]; then
			kill "${qpid[$k]}" 2>/dev/null || true
			wait "${qpid[$k]}" 2>/dev/null || true
			end_at[$k]=$(since)
			status[$k]="done, stopped 15 s after /$donere/ (it did not power off)"
			running=$((running - 1))
		fi
	done
	if [ "$running" -gt 0 ] && [ "$(date +%s)" -ge "$deadline" ]; then
		for ((k = 1; k <= guests; k++)); do
			[ -n "${end_at[$k]:-}" ] && continue
			kill "${qpid[$k]}" 2>/dev/null || true
			wait "${qpid[$k]}" 2>/dev/null || true
			end_at[$k]=$(since)
			status[$k]="stopped at the timeout ($timeout s)"
		done
		running=0
	fi
	sleep 0.2
done

rc=0 off=0 last=0
printf 'guest\tmac\tlog\tstatus\tmark_wall_s\tend_wall_s\n' >"$logdir/room.tsv"
for ((k = 1; k <= guests; k++)); do
	log="$logdir/guest-$k.log"
	if [ -s "$log.qemu" ]; then sed "s/^/room: guest $k: qemu: /" "$log.qemu" >&2; fi
	rm -f "$log.qemu"
	case "${status[$k]}" in
	"powered off") off=$((off + 1)) ;;
	done,*) ;;
	stopped*) rc=124 ;;
	*) [ "$rc" != 0 ] || rc=1 ;;
	esac
	m=${mark_at[$k]:-}
	[ -n "$m" ] && last=$(awk -v a="$last" -v b="$m" 'BEGIN { print (b > a) ? b : a }')
	echo "room: guest $k $(mac_of "$k"): ${status[$k]}, mark $([ -n "$m" ] && echo "at $m s" || echo "not seen"), end at ${end_at[$k]} s (wall)"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$(mac_of "$k")" "$log" "${status[$k]}" "$m" "${end_at[$k]}" >>"$logdir/room.tsv"
done
echo "room: $guests guests, $off powered off, last mark at $last s, all done at $(since) s (wall)"
exit "$rc"

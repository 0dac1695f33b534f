#!/usr/bin/env bash
# A classroom: N diskless guests on one bridge boot one shared NFSv4 root at
# the same moment. Unlike slirp (every guest is 10.0.2.15 behind one host
# address, so a server cannot tell them apart) each guest here has its own
# MAC and its own DHCP address on a real Ethernet segment:
#   - a private network + mount namespace (held by a `sleep`), with a bridge
#     br0 = 10.0.3.1/24 (inside the namespace only) and one TAP per guest,
#     tap1..tapN, enslaved to it
#   - dnsmasq on br0: DHCP 10.0.3.100-199, router 10.0.3.1, and NO host name,
#     no domain (like the Arch guide's dhcpd.conf): every guest is nameless
#     unless its initramfs names it
#   - nfs-ganesha bound to 10.0.3.1: NFSv4 only, build/testroot at Pseudo
#     /arch and, once qemu/mkdebroot.sh built it, build/debroot at /debian
#   - N QEMU guests (TCG, -m 512 by default, virtio-net on tapK with MAC
#     52:54:00:03:00:KK), started together, each with its serial console in
#     its own log; the script returns when every guest has powered off (or at
#     the wall timeout, when the rest are stopped)
# Everything (QEMU, ganesha, dnsmasq, the namespace and its devices) is
# stopped on exit, by the PIDs this script started.
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
#                     dnsmasq.log, ganesha.log, room.tsv (see below)
#   --mark REGEX      the milestone whose host wall time is recorded per guest
#                     (grep -E on its console; default the test root's marker)
#   --fail REGEX      stop a guest at once when its console matches (default: a
#                     kernel panic); its status is then "failed: <the line>"
#   --timeout SEC     wall timeout for the whole room (default 240)
#   --mem MB          guest memory (default 512)
# Output: one line per guest `room: guest K MAC: <how it ended>, mark at W s,
# end at E s (wall)`, then `room: N guests, M powered off, all marks within W s`;
# the same per guest in DIR/room.tsv (guest, mac, log, status, mark_wall_s,
# end_wall_s). Exit 0 when every guest powered off, 124 when one was stopped at
# the timeout, 1 on a --fail match, a QEMU failure or a setup error.
# Needs root (namespaces, TAP, ganesha's VFS FSAL).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build="$top/build"

guests=4 append="" initrd="$build/initramfs.img" kernel="$build/vmlinuz"
logdir="$build/lab/room" mark='NETROOT-TEST-ROOT-OK' timeout=240 mem=512
failre='Kernel panic - not syncing'
while [ $# -gt 0 ]; do
	case "$1" in
	--guests) guests=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--logdir) logdir=$2; shift 2 ;;
	--mark) mark=$2; shift 2 ;;
	--fail) failre=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	-h | --help) sed -n '2,42p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) echo "room.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
done
case "$guests" in '' | *[!0-9]*) echo "room.sh: --guests wants a number, not '$guests'" >&2; exit 2 ;; esac
if [ "$guests" -lt 1 ] || [ "$guests" -gt 99 ]; then echo "room.sh: --guests must be 1..99" >&2; exit 2; fi
for f in "$initrd" "$kernel"; do
	[ -s "$f" ] || { echo "room.sh: no $f" >&2; exit 1; }
done
[ -x "$build/testroot/sbin/init" ] || { echo "room.sh: no build/testroot (run qemu/mkroot.sh)" >&2; exit 1; }

SRV=10.0.3.1
mkdir -p "$logdir"
logdir=$(cd "$logdir" && pwd)
st="$logdir/net"
rm -rf "$st"
mkdir -p "$st/recovery"
rm -f "$logdir"/guest-*.log "$logdir/room.tsv"

holder="" ganesha="" dnsmasq=""
declare -A qpid=()
# shellcheck disable=SC2317 # called from the EXIT trap
stop_pid() { # pid: TERM, then KILL after 5 s
	local i
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null || true
}
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	local k
	for k in "${!qpid[@]}"; do kill "${qpid[$k]}" 2>/dev/null || true; done
	for k in "${!qpid[@]}"; do wait "${qpid[$k]}" 2>/dev/null || true; done
	stop_pid "$ganesha"
	stop_pid "$dnsmasq"
	# The namespace, its bridge and TAPs go with the last process in it.
	stop_pid "$holder"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { nsenter --target "$holder" --net --mount -- "$@"; }
pid_of_file() { # file: its pid once the daemon wrote it (5 s)
	local i
	for ((i = 0; i < 50; i++)); do
		[ -s "$1" ] && { cat "$1"; return 0; }
		sleep 0.1
	done
	return 1
}

# --- the namespace: bridge, TAPs ------------------------------------------------
# shellcheck disable=SC2016 # the inner script expands its own variables
setsid unshare --net --mount --propagation private -- bash -c '
	set -e
	mount -t tmpfs -o mode=0755 room-run /run
	ip link set lo up
	ip link add br0 type bridge stp_state 0 forward_delay 0
	ip addr add "$2"/24 dev br0
	ip link set br0 up
	for i in $(seq 1 "$3"); do
		ip tuntap add dev "tap$i" mode tap
		ip link set "tap$i" master br0
		ip link set "tap$i" up
	done
	echo $$ >"$1"
	exec sleep infinity' room-netns "$st/netns.pid" "$SRV" "$guests" </dev/null >"$st/netns.log" 2>&1 &
holder=$(pid_of_file "$st/netns.pid") || { echo "room.sh: could not create the namespace:" >&2; cat "$st/netns.log" >&2; exit 1; }

# --- dnsmasq: addresses, no names -------------------------------------------------
# --dhcp-ignore-names: a name the client sends is not taken for the lease
# (dnsmasq 2.90 still echoes it in option 12, cut at the first dot, seen
# with systemd-networkd's requests: tests/qemu/t-room-debian.sh);
# --no-ping: no 3 s ping check of a fresh address.
in_ns dnsmasq --conf-file=/dev/null --port=0 --bind-interfaces --interface=br0 \
	--except-interface=lo --no-ping --dhcp-ignore-names --dhcp-rapid-commit \
	--dhcp-range=10.0.3.100,10.0.3.199,255.255.255.0,1h --dhcp-option=option:router,$SRV \
	--dhcp-leasefile="$st/dnsmasq.leases" --pid-file="$st/dnsmasq.pid" \
	--log-dhcp --log-facility="$logdir/dnsmasq.log"
dnsmasq=$(pid_of_file "$st/dnsmasq.pid") || { echo "room.sh: dnsmasq did not start" >&2; exit 1; }

# --- ganesha: one server, NFSv4, the shared roots ---------------------------------
exports="EXPORT { Export_Id = 1; Path = \"$build/testroot\"; Pseudo = /arch; Access_Type = RW; FSAL { Name = VFS; } }"
if [ -f "$build/debroot/etc/os-release" ]; then
	exports="$exports
EXPORT { Export_Id = 3; Path = \"$build/debroot\"; Pseudo = /debian; Access_Type = RW; FSAL { Name = VFS; } }"
fi
# As qemu/servers.sh: graceless, short leases, numeric owners (no idmapper in
# the clients), attributes revalidated on every access.
cat >"$st/ganesha.conf" <<EOF
# written by qemu/room.sh
NFS_CORE_PARAM { Protocols = 4; NFS_Port = 2049; Bind_addr = $SRV; Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false; }
NFSV4 { Graceless = true; Lease_Lifetime = 10; RecoveryBackend = fs; RecoveryRoot = "$st/recovery"; Only_Numeric_Owners = true; }
NFS_KRB5 { Active_krb5 = false; }
EXPORT_DEFAULTS { SecType = sys; Squash = No_Root_Squash; Transports = TCP; Protocols = 4; Attr_Expiration_Time = 0; }
$exports
EOF
: >"$logdir/ganesha.log"
in_ns ganesha.nfsd -f "$st/ganesha.conf" -L "$logdir/ganesha.log" -p "$st/ganesha.pid" -N NIV_EVENT
ganesha=$(pid_of_file "$st/ganesha.pid") || { echo "room.sh: ganesha did not start; $logdir/ganesha.log:" >&2; tail -n 20 "$logdir/ganesha.log" >&2; exit 1; }
for ((i = 0; i < 150; i++)); do
	in_ns ss -Hltn "sport = :2049" | grep -q . && break
	kill -0 "$ganesha" 2>/dev/null || break
	sleep 0.1
done
in_ns ss -Hltn "sport = :2049" | grep -q . || {
	echo "room.sh: ganesha is not listening on $SRV:2049; $logdir/ganesha.log:" >&2
	tail -n 20 "$logdir/ganesha.log" >&2
	exit 1
}

# --- the guests, all at once ---------------------------------------------------------
mac_of() { printf '52:54:00:03:00:%02x' "$1"; }
start=$(date +%s.%N)
for ((k = 1; k <= guests; k++)); do
	log="$logdir/guest-$k.log"
	: >"$log"
	# nsenter execs QEMU (no --pid), so $! is QEMU itself.
	nsenter --target "$holder" --net -- qemu-system-x86_64 -accel tcg -m "$mem" -smp 1 \
		-display none -monitor none -no-reboot -serial "file:$log" \
		-netdev "tap,id=n0,ifname=tap$k,script=no,downscript=no" \
		-device "virtio-net-pci,netdev=n0,mac=$(mac_of "$k")" \
		-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 no_timer_check ${append//%i/$k}" \
		</dev/null >"$log.qemu" 2>&1 &
	qpid[$k]=$!
done
echo "room: $guests guests on br0 ($SRV/24, dnsmasq without host names, ganesha NFSv4), logs in $logdir"

since() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
declare -A mark_at=() end_at=() status=()
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

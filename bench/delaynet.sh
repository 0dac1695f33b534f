#!/usr/bin/env bash
# The benchmark's "real link" network: a private network namespace holding a
# TAP device (tap0, 10.0.3.1/24) that QEMU attaches the guest's NIC to, with
# dnsmasq (DHCP only), rpcbind and nfs-ganesha (NFSv4 + v3, build/testroot at
# Pseudo /arch) bound to 10.0.3.1 in it. Unlike slirp (DHCP answered at once,
# inside QEMU, TCP terminated in QEMU's user-space stack) every frame crosses
# the host kernel's network stack, and the DHCP server is slow to offer:
#   dnsmasq --dhcp-reply-delay=BENCH_DHCP_DELAY (default 1 s; the knob only
#   takes whole seconds): the OFFER leaves 1 s after the DISCOVER, as with ISC
#   dhcpd's default ping-check (ping-timeout 1 s) or dnsmasq's own ping check
#   of a new address. The ACK is not delayed.
# No per-packet link delay: this host's kernel has no sch_netem (tc says
# "Specified qdisc kind is unknown"), so the link is as fast as a TAP is.
# dnsmasq runs with --no-ping so that only the configured delay applies (its
# ping check would make the first boot alone pay ~3 s).
#
# Usage: bench/delaynet.sh start|stop|status|exec CMD...
#   exec   run CMD inside the namespace (network only), e.g. QEMU
# State, configs and logs: build/bench/delay/. Needs root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build="$top/build"
st="$build/bench/delay"
mkdir -p "$st"
DHCP_DELAY=${BENCH_DHCP_DELAY:-1}
SRV=10.0.3.1

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
in_ns() { nsenter --target "$(cat "$st/netns.pid")" --net --mount -- "$@"; }
port_busy() { in_ns ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
wait_port() { # port name log
	local i
	for ((i = 0; i < 150; i++)); do
		port_busy "$1" && return 0
		sleep 0.1
	done
	echo "delaynet: $2 is not listening on $SRV:$1; last lines of $3:" >&2
	tail -n 20 "$3" >&2 || true
	return 1
}

start() {
	if ! alive "$st/netns.pid"; then
		# shellcheck disable=SC2016 # the inner script expands its own variables
		setsid unshare --net --mount --propagation private -- bash -c '
			set -e
			mount -t tmpfs -o mode=0755 bench-run /run
			ip link set lo up
			ip tuntap add dev tap0 mode tap
			ip addr add '"$SRV"'/24 dev tap0
			ip link set tap0 up
			echo $$ >"$1"
			exec sleep infinity' bench-delay "$st/netns.pid" </dev/null >"$st/netns.log" 2>&1 &
		local i
		for ((i = 0; i < 50; i++)); do
			alive "$st/netns.pid" && break
			sleep 0.1
		done
		alive "$st/netns.pid" || { echo "delaynet: namespace failed:" >&2; cat "$st/netns.log" >&2; return 1; }
	fi
	if ! alive "$st/dnsmasq.pid"; then
		in_ns dnsmasq --conf-file=/dev/null --port=0 --bind-interfaces --interface=tap0 \
			--except-interface=lo --no-ping --dhcp-reply-delay="$DHCP_DELAY" \
			--dhcp-range=10.0.3.15,10.0.3.50,255.255.255.0,1h \
			--dhcp-option=option:router,$SRV \
			--dhcp-leasefile="$st/dnsmasq.leases" --pid-file="$st/dnsmasq.pid" \
			--log-dhcp --log-facility="$st/dnsmasq.log"
	fi
	if ! alive "$st/rpcbind.pid"; then
		nsenter --target "$(cat "$st/netns.pid")" --net --mount -- rpcbind -f </dev/null >"$st/rpcbind.log" 2>&1 &
		echo $! >"$st/rpcbind.pid"
		wait_port 111 rpcbind "$st/rpcbind.log"
	fi
	if ! alive "$st/ganesha.pid"; then
		[ -x "$build/testroot/sbin/init" ] || { echo "delaynet: no build/testroot (qemu/mkroot.sh)" >&2; return 1; }
		rm -rf "$st/recovery"
		mkdir -p "$st/recovery"
		cat >"$st/ganesha.conf" <<-EOC
			# written by bench/delaynet.sh (as qemu/servers.sh, bound to $SRV)
			NFS_CORE_PARAM {
			    Protocols = 3, 4;
			    NFS_Port = 2049;
			    MNT_Port = 20048;
			    Bind_addr = $SRV;
			    Enable_NLM = false;
			    Enable_RQUOTA = false;
			    Enable_UDP = false;
			    Mount_Path_Pseudo = true;
			}
			NFSV4 {
			    Graceless = true;
			    Lease_Lifetime = 10;
			    RecoveryBackend = fs;
			    RecoveryRoot = "$st/recovery";
			}
			NFS_KRB5 { Active_krb5 = false; }
			EXPORT_DEFAULTS { SecType = sys; Squash = No_Root_Squash; Transports = TCP; }
			EXPORT {
			    Export_Id = 1;
			    Path = "$build/testroot";
			    Pseudo = /arch;
			    Access_Type = RW;
			    Protocols = 3, 4;
			    FSAL { Name = VFS; }
			}
		EOC
		: >"$st/ganesha.log"
		in_ns ganesha.nfsd -f "$st/ganesha.conf" -L "$st/ganesha.log" -p "$st/ganesha.pid" -N NIV_EVENT
		wait_port 2049 ganesha "$st/ganesha.log"
		wait_port 20048 "ganesha (MOUNT)" "$st/ganesha.log"
	fi
	echo "delaynet: namespace $(cat "$st/netns.pid"), tap0 $SRV/24, DHCP offers after ${DHCP_DELAY} s, dnsmasq, rpcbind, ganesha v3+v4"
}

stop_pid() {
	local f=$1 pid i
	if alive "$f"; then
		pid=$(cat "$f")
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

case "${1:-status}" in
start) start ;;
stop)
	for s in ganesha dnsmasq rpcbind netns; do stop_pid "$st/$s.pid"; done
	;;
status)
	for s in netns dnsmasq rpcbind ganesha; do
		if alive "$st/$s.pid"; then echo "$s: pid $(cat "$st/$s.pid")"; else echo "$s: stopped"; fi
	done
	;;
exec)
	shift
	alive "$st/netns.pid" || { echo "delaynet: not started" >&2; exit 1; }
	exec nsenter --target "$(cat "$st/netns.pid")" --net -- "$@"
	;;
*) echo "usage: $0 start|stop|status|exec CMD..." >&2; exit 2 ;;
esac

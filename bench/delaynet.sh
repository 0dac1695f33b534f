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

# shellcheck source=qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../qemu/lib.sh"
build="$LAB_BUILD"
st="$build/bench/delay"
mkdir -p "$st"
DHCP_DELAY=${BENCH_DHCP_DELAY:-1}
SRV=10.0.3.1
LAB_NS="$st/netns.pid"

start() {
	lab_netns_start bench-delay "$st/netns.log" "
		ip tuntap add dev tap0 mode tap
		ip addr add $SRV/24 dev tap0
		ip link set tap0 up"
	lab_dnsmasq_start "$st" tap0 "$SRV" 10.0.3.15 10.0.3.50 --dhcp-reply-delay="$DHCP_DELAY"
	lab_rpcbind_start "$st"
	if ! lab_alive "$st/ganesha.pid"; then
		[ -x "$build/testroot/sbin/init" ] || { echo "delaynet: no build/testroot (qemu/mkroot.sh)" >&2; return 1; }
		# As qemu/servers.sh, bound to $SRV, with ganesha's default 60 s
		# attribute cache (the benchmark removes nothing behind its back).
		lab_ganesha_start "$st" "3, 4" "$SRV" 60 "$build/testroot=/arch"
	fi
	echo "delaynet: namespace $(cat "$LAB_NS"), tap0 $SRV/24, DHCP offers after ${DHCP_DELAY} s, dnsmasq, rpcbind, ganesha v3+v4"
}

case "${1:-status}" in
start) start ;;
stop)
	for s in ganesha dnsmasq rpcbind netns; do lab_stop "$st/$s.pid"; done
	;;
status)
	for s in netns dnsmasq rpcbind ganesha; do
		if lab_alive "$st/$s.pid"; then echo "$s: pid $(cat "$st/$s.pid")"; else echo "$s: stopped"; fi
	done
	;;
exec)
	shift
	lab_alive "$LAB_NS" || { echo "delaynet: not started" >&2; exit 1; }
	exec nsenter --target "$(cat "$LAB_NS")" --net -- "$@"
	;;
*) echo "usage: $0 start|stop|status|exec CMD..." >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# init: netroot. A server name on an IPv6-only boot: the static
# ip=[fec0::15]::[fec0::2]:64::eth0:none:[fec0::2] names an IPv6 name
# server, nfsroot=nfs6.lab:/arch a server by name. dnsmasq in the test's own
# namespace (ipv6_only_lab, on ::1, which slirp's fec0::2 reaches) answers
# nfs6.lab with an AAAA record only (fec0::2) and an A record for a name
# that must not be used; netroot must ask for AAAA and mount over IPv6.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=qemu/lib.sh
. "$TOP/qemu/lib.sh"
use_init netroot
ipv6_only_lab
dns_stop() { kill "$DNS_PID" 2>/dev/null || true; }
in_lab_bg dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
	--listen-address=::1 --port=53 --address=/nfs6.lab/fec0::2 --log-queries \
	--log-facility="$T_LOGDIR/dnsmasq.log" --pid-file="$T_LOGDIR/dnsmasq.pid" \
	</dev/null >"$T_LOGDIR/dnsmasq.out" 2>&1
DNS_PID=$!
at_exit dns_stop
for _ in $(seq 50); do
	grep -q 'started' "$T_LOGDIR/dnsmasq.log" 2>/dev/null && break
	sleep 0.1
done
boot_expect "ip=[fec0::15]::[fec0::2]:64::eth0:none:[fec0::2] nfsroot=nfs6.lab:/arch" \
	"$ROOT_OK" \
	'^\[fec0::2\]:/arch / nfs4 .*addr=fec0::2'
assert_log_lacks 'inet 10\.'
assert_no_panic
grep -q 'query\[AAAA\] nfs6.lab from' "$T_LOGDIR/dnsmasq.log" ||
	fail "dnsmasq saw no AAAA query for nfs6.lab: $(tail -n 5 "$T_LOGDIR/dnsmasq.log")"
if grep -q 'query\[A\] nfs6.lab' "$T_LOGDIR/dnsmasq.log"; then
	fail "netroot asked for an A record on an IPv6-only boot"
fi
echo "ok: $(grep -m1 'query\[AAAA\] nfs6.lab' "$T_LOGDIR/dnsmasq.log")"
report_uptime

#!/usr/bin/env bash
# init: netroot. Live root over IPv6 only: ip=eth0:auto6 and
# root=live:http://[fec0::2]:8182/root.squashfs, lighttpd listening on ::1
# only in the test's own namespace (ipv6_only_lab: slirp connects the
# guest's fec0::2 to it). Proves the bracketed URL, the connection over
# IPv6 and the Host header lighttpd logs, with the image pinned by
# netroot.sha256=.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=qemu/lib.sh
. "$TOP/qemu/lib.sh"
use_init netroot
live_images
ipv6_only_lab
LIVE_BIND=::1 live_server 8182
if in_lab bash -c 'exec 3<>/dev/tcp/127.0.0.1/8182' 2>/dev/null; then
	fail "lighttpd answers on 127.0.0.1 too: the test would not prove IPv6"
fi
sum=$(sha256sum "$LIVE_DIR/root.squashfs" | cut -d' ' -f1)
boot_expect "ip=eth0:auto6 root=live:http://[fec0::2]:8182/root.squashfs netroot.sha256=$sum" \
	"$ROOT_OK" \
	"netroot: .*live: SHA-256 matches netroot.sha256=" \
	'netroot: .*live: squashfs image mounted read-only [0-9.]+ s after the first request' \
	'^overlay / overlay .*lowerdir=/run/netroot/lower'
assert_log_lacks 'inet 10\.'
assert_no_panic
grep -q 'GET /root.squashfs HTTP/1.1" 200 .*' "$T_LOGDIR/lighttpd-8182.access" ||
	fail "lighttpd logged no GET of the image ($T_LOGDIR/lighttpd-8182.access)"
grep -q '\[fec0::2\]:8182' "$T_LOGDIR/lighttpd-8182.access" ||
	fail "no Host [fec0::2]:8182 in lighttpd's log: $(head -c 300 "$T_LOGDIR/lighttpd-8182.access")"
echo "ok: lighttpd on ::1 served the image to the guest: $(head -n 1 "$T_LOGDIR/lighttpd-8182.access")"
report_uptime

#!/usr/bin/env bash
# init: netroot. Live root: the test root as a squashfs image over HTTP
# (lighttpd in the lab netns), pinned with netroot.sha256=, held in RAM,
# loop-mounted read-only under a tmpfs overlay that takes a write. The URL
# given is redirected (301) to the image's.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
live_images
live_server 8181
sum=$(sha256sum "$LIVE_DIR/root.squashfs" | cut -d' ' -f1)
boot_expect "ip=dhcp root=live:http://$SRV:8181/moved/root.squashfs netroot.sha256=$sum testwrite=host-live" \
	"$ROOT_OK" \
	'netroot: .*live: http://10\.0\.2\.2:8181/moved/root\.squashfs redirects to http://10\.0\.2\.2:8181/root\.squashfs' \
	"netroot: .*live: SHA-256 matches netroot.sha256=" \
	'netroot: .*live: squashfs image mounted read-only [0-9.]+ s after the first request' \
	'^overlay / overlay .*lowerdir=/run/netroot/lower' \
	'^/dev/loop[0-9]+ /run/netroot/lower squashfs ro' \
	'^tmpfs /run/netroot/image tmpfs' \
	'WROTE /host-live'
assert_no_panic
grep -Eo 'live: .*(in [0-9.]+ s|mounted read-only.*)' "$LOG" | sed 's/\r//' || true
report_uptime

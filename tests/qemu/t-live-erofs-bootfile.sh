#!/usr/bin/env bash
# init: netroot. Live root from DHCP: root=dhcp and the image's URL as the
# DHCP boot file name (slirp's bootfile=); the image is erofs.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
live_images
live_server 8182
BOOT_ARGS=(--net "bootfile=http://$SRV:8182/root.erofs")
boot_expect "ip=dhcp root=dhcp testwrite=host-live-erofs" \
	"$ROOT_OK" \
	'netroot: .*live: fetching http://10\.0\.2\.2:8182/root\.erofs' \
	'netroot: .*live: erofs image mounted read-only' \
	'^overlay / overlay ' \
	'^/dev/loop[0-9]+ /run/netroot/lower erofs ro' \
	'WROTE /host-live-erofs'
assert_no_panic
report_uptime

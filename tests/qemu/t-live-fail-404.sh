#!/usr/bin/env bash
# parallel: yes
# init: netroot. Live root whose URL the server does not have: the console
# names the URL and the status; panic=5 reboots.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
live_images
live_server 8184
expect_reboot "ip=dhcp root=live:http://$SRV:8184/missing.squashfs netroot.timeout=10 panic=5" \
	'netroot: .*live image http://10\.0\.2\.2:8184/missing\.squashfs: the server answered 404 Not Found'

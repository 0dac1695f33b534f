#!/usr/bin/env bash
# parallel: yes
# init: netroot. Live root with the wrong netroot.sha256=: refused with both
# digests on the console, the image never mounted; panic=5 reboots.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
live_images
live_server 8183
sum=$(sha256sum "$LIVE_DIR/root.squashfs" | cut -d' ' -f1)
wrong=$(printf '%064d' 0)
expect_reboot "ip=dhcp root=live:http://$SRV:8183/root.squashfs netroot.sha256=$wrong netroot.timeout=10 panic=5" \
	"netroot: .*SHA-256 mismatch: netroot.sha256= wants $wrong, the image downloaded has $sum; not mounted" \
	"netroot: .*live:   wanted \(netroot.sha256=\) $wrong" \
	"netroot: .*live:   downloaded image has +$sum"
assert_log_lacks 'image mounted read-only'
assert_log_lacks 'loop[0-9]+: detected capacity'

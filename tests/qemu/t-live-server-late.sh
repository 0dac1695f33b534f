#!/usr/bin/env bash
# parallel: yes
# init: netroot. Live root with the web server down at boot: netroot retries
# with backoff; the server starts 10 s later and the guest boots.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
live_images
boot_bg late "ip=dhcp root=live:http://$SRV:8185/root.squashfs testwrite=host-live-late"
LOG=$(bg_log late)
wait_log 'netroot: .*live: http://10\.0\.2\.2:8185/root\.squashfs: connect to 10\.0\.2\.2:8185: .*retrying in' 60 "$LOG"
sleep 10
live_server 8185
echo "web server started at $(date +%T)"
boot_wait late || fail "the guest did not boot after the server came up"
assert_log_has "$ROOT_OK"
assert_log_has 'WROTE /host-live-late'
assert_no_panic
grep -c 'retrying in' "$LOG" | sed 's/^/connect retries: /'
report_uptime

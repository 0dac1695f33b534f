#!/usr/bin/env bash
# parallel: yes
# init: netroot. NBD root whose server goes away for good, with
# netroot.nbd.give-up=10: the resident retries for 10 s, then disconnects
# the device, so the root's I/O loop (testloop=) gets errors instead of
# hanging, and the guest still powers off; no kernel panic. The guest uses
# its own nbd-server (servers.sh nbd-extra).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
port=10812
nbd_outage giveup "$port" "ip=dhcp root=nbd:$SRV:$port/arch:btrfs rw testloop=120 netroot.nbd.give-up=10"
boot_wait giveup || fail "the guest did not power off (boot.sh exit $?)"
assert_log_has "$ROOT_OK"
assert_log_has "connection to nbd server 10\.0\.2\.2:$port lost; reconnecting \(I/O waits, fails after 10 s\)"
assert_log_has "/dev/nbd0: no connection to nbd server 10\.0\.2\.2:$port for 1[0-9] s \(netroot\.nbd\.give-up\): disconnecting"
assert_log_has 'TESTLOOP [0-9]+ error'
assert_log_has 'TESTLOOP-ERRORS after [0-9]+ good rounds'
assert_log_lacks 'TESTLOOP 120 ok'
assert_log_has 'TEST-ROOT poweroff'
assert_log_has 'reboot: Power down'
assert_no_panic
lost=$(sed -n 's/^\[ *\([0-9.]*\)\] .*connection to nbd server .* lost; reconnecting.*/\1/p' "$LOG" | head -n1)
err=$(sed -n 's/^TESTLOOP [0-9]* error uptime=\([0-9.]*\).*/\1/p' "$LOG" | head -n1)
echo "first I/O error reached the root's loop $(awk -v a="$lost" -v b="$err" 'BEGIN { printf "%.1f", b - a }') s after the connection was lost"

#!/usr/bin/env bash
# parallel: yes
# init: netroot. NBD root (btrfs) whose server goes away for 8 s while the
# root's init writes, syncs and reads a file every second (testloop=): the
# resident @netroot-nbd reconnects and hands the kernel the new socket, the
# blocked I/O continues, and every line written before and after the
# outage reads back intact from the server (page cache dropped). The guest
# uses its own nbd-server (servers.sh nbd-extra) so that other guests keep
# theirs. Also prints the resident's memory use (VmRSS) and checks that it
# runs from /run/initramfs/shutdown.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
port=10811
nbd_outage restart "$port" "ip=dhcp root=nbd:$SRV:$port/arch:btrfs rw testloop=30"
sleep 8
"$TOP/qemu/servers.sh" resume "nbd-$port"
echo "nbd-server on port $port started again at $(date +%T.%N)"
boot_wait restart || fail "the guest did not power off (boot.sh exit $?)"
assert_log_has "$ROOT_OK"
assert_log_has 'TEST-ROOT resident [0-9]+ @netroot-nbd VmRSS:'
# It runs from the shutdown copy in /run/initramfs, not from the deleted
# initramfs /init, which would stay in RAM while the resident lives.
assert_log_has 'TEST-ROOT resident [0-9]+ @netroot-nbd VmRSS:.* exe=/run/initramfs/shutdown'
assert_log_has "connection to nbd server 10\.0\.2\.2:$port lost; reconnecting"
assert_log_has "/dev/nbd0: reconnected to 10\.0\.2\.2:$port after"
assert_io_intact 30
echo "resident: $(sed -n 's/.*TEST-ROOT resident [0-9]* \(@[^ ]*\) VmRSS:[[:space:]]*\([0-9]* kB\).*/\1 VmRSS \2/p' "$LOG" | head -n1)"
echo "$(sed -n 's/.*\(reconnected to .* after [0-9.]* s\).*/\1/p' "$LOG" | head -n1) (guest time since the connection was lost)"
report_io_gap "$LOG"

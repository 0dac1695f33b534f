#!/usr/bin/env bash
# init: netroot. Regression for the NBD reconnect's NFS counterpart: an
# NFSv4 root (hard mount) whose server (ganesha) is stopped for 8 s and
# started again while the root's init writes, syncs and reads a file every
# second (testloop=). The kernel's NFS client recovers by itself: the loop
# goes on without an error and the file reads back intact from the server.
# Pauses the lab's one ganesha: other guests running at the same time
# (run.sh -j N) see the outage too.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
at_exit "'$TOP/qemu/servers.sh' resume nfs"
# testloop= writes /host-testloop
guest_files testroot/host-testloop
BOOT_TIMEOUT=300
LOG=$(bg_log restart)
boot_bg restart "ip=dhcp nfsroot=$SRV:/arch rw testloop=30"
wait_log 'TESTLOOP 5 ok' 200 "$LOG"
"$TOP/qemu/servers.sh" pause nfs
echo "ganesha stopped at $(date +%T.%N)"
sleep 8
"$TOP/qemu/servers.sh" resume nfs
echo "ganesha started again at $(date +%T.%N)"
boot_wait restart || fail "the guest did not power off (boot.sh exit $?)"
assert_log_has "$ROOT_OK"
assert_log_has "^$SRV:/arch / nfs4 "
assert_io_intact 30
report_io_gap "$LOG"

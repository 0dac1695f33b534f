#!/usr/bin/env bash
# parallel: yes
# init: netroot. NBD root whose server comes back with another export size
# (the image grown from 128 to 192 MiB while it was down): the resident
# refuses to hand the kernel that connection, says so naming the server and
# both sizes, and keeps retrying; once the server serves the right size
# again, it reconnects and the root's I/O loop (testloop=) ends intact.
# The guest uses its own nbd-server (servers.sh nbd-extra).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
port=10813
img="$BUILD/lab/nbd-$port.img"
own_nbd_server "$port"
BOOT_TIMEOUT=300
LOG=$(bg_log size)
boot_bg size "ip=dhcp root=nbd:$SRV:$port/arch:btrfs rw testloop=30"
wait_log 'TESTLOOP 5 ok' 200 "$LOG"
"$TOP/qemu/servers.sh" pause "nbd-$port"
truncate -s 192M "$img"
"$TOP/qemu/servers.sh" resume "nbd-$port"
wait_log "export \"arch\" now has 201326592 bytes, but /dev/nbd0 was attached with 134217728 bytes: not handing it over" 90 "$LOG"
# The grown tail was never part of the file system: cut it off again.
"$TOP/qemu/servers.sh" pause "nbd-$port"
truncate -s 128M "$img"
"$TOP/qemu/servers.sh" resume "nbd-$port"
boot_wait size || fail "the guest did not power off (boot.sh exit $?)"
assert_log_has "/dev/nbd0: reconnected to 10\.0\.2\.2:$port after"
assert_io_intact 30
report_io_gap "$LOG"

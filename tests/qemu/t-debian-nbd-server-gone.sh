#!/usr/bin/env bash
# parallel: yes
# init: netroot. The Debian root over NBD (as t-debian-nbd.sh, from a private
# nbd-server of the test's own: servers.sh nbd-extra PORT debian) loses its
# server: the check prints that it is ready, the test stops the server, and
# 10 s later the guest runs `systemctl poweroff` (netroot.check.gone=10; the
# btrfs root's pages are cached, so systemctl still starts). The kernel's
# nbd driver holds every I/O of the dead connection while the resident
# @netroot-nbd tries to reconnect, so systemd's shutdown cannot finish on
# its own; poweroff.target stops the sentinel netroot-arm@poweroff.service,
# whose SIGTERM arms @netroot-watchdog, which powers the machine off
# netroot.shutdown.timeout (20 s here) + at most 5 s of sync later.
# Asserts the power-off within 10 + 20 + 5 s + 15 s of margin (TCG under
# load) of the server's stop, the sentinel's and the watchdog's lines, no
# kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
[ -s "$BUILD/debroot-btrfs.img" ] || fail "no $BUILD/debroot-btrfs.img (run.sh builds it with qemu/mkdebroot.sh)"
BOOT_TIMEOUT=${BOOT_TIMEOUT_GONE:-240}
port=10814 gone=10 timeout=20 margin=15
debian_check_token nbdgone
own_nbd_server "$port" debian
boot_monitored "ip=dhcp root=nbd:$SRV:$port/debian:btrfs:compress=lzo rw netroot.check=$token netroot.check.gone=$gone netroot.shutdown.timeout=$timeout"
wait_log 'NETROOT-CHECK stop the server now' "$BOOT_TIMEOUT" "$LOG"
"$TOP/qemu/servers.sh" pause "nbd-$port"
stopped=$(date +%s)
echo "nbd-server on port $port stopped; the guest runs systemctl poweroff in $gone s"
wait_stopped "$stopped" "the server stopped" $((gone + timeout + 5 + margin))
assert_log_has 'NETROOT-CHECK systemctl poweroff'
assert_log_has 'netroot: arm: poweroff\.target starts: armed @netroot-watchdog \(pid [0-9]+\) for power-off'
assert_log_has "netroot: watchdog: systemd began a power-off: the shutdown has $timeout s before the watchdog does the power-off"
assert_log_lacks 'netroot: arm: (halt|kexec|reboot)\.target starts'
assert_log_has 'reboot: Power down'
assert_no_panic
report_shutdown

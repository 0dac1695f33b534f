#!/usr/bin/env bash
# parallel: yes
# init: netroot. The Debian root over NBD (as t-debian-nbd.sh, from a private
# nbd-server of the test's own: servers.sh nbd-extra PORT debian) loses its
# server: the check reads systemctl and its libraries into the page cache and
# says it is ready, the test stops the server, and 10 s later the guest runs
# `systemctl poweroff` (netroot.check.gone=10). The kernel's nbd driver holds
# every request of the dead connection while the resident @netroot-nbd tries
# to reconnect, so systemd's shutdown cannot finish on its own. If systemctl
# reaches systemd, poweroff.target stops the sentinel
# netroot-arm@poweroff.service, whose SIGTERM arms @netroot-watchdog. But once
# btrfs's writeback has sent a write to the dead device, its tree locks are
# held and an exec (which looks up security.capability) waits behind them:
# then the test records where the tasks wait (SysRq-W) and presses
# Ctrl-Alt-Del, which needs no program (systemd starts reboot.target, whose
# sentinel arms the watchdog for a reboot). Either way: asserts the stop
# within netroot.shutdown.timeout (20 s here) + 5 s of sync + 15 s of margin
# (TCG under load) of the shutdown's start, only that target's sentinel
# fired, the watchdog's lines, no kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
[ -s "$BUILD/debroot-btrfs.img" ] || fail "no $BUILD/debroot-btrfs.img (run.sh builds it with qemu/mkdebroot.sh)"
BOOT_TIMEOUT=${BOOT_TIMEOUT_GONE:-240}
port=10814 gone=10 timeout=20 margin=15
debian_check_token nbdgone
own_nbd_server "$port" debian
boot_monitored "ip=dhcp root=nbd:$SRV:$port/debian:btrfs:compress=lzo rw netroot.check=$token netroot.check.gone=$gone netroot.shutdown.timeout=$timeout sysrq_always_enabled"
wait_log 'NETROOT-CHECK stop the server now' "$BOOT_TIMEOUT" "$LOG"
"$TOP/qemu/servers.sh" pause "nbd-$port"
echo "nbd-server on port $port stopped at $(date +%T); the guest runs systemctl poweroff in $gone s"
poweroff_or_ctrl_alt_del $((gone + 15))
wait_stopped "$since" "the $how began" $((timeout + 5 + margin))
assert_log_has 'NETROOT-CHECK systemctl poweroff'
assert_armed "$timeout"
report_shutdown

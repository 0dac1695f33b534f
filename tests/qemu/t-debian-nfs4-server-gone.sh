#!/usr/bin/env bash
# init: netroot. The Debian root over NFSv4 loses its server (netroot.check.cut:
# the check sets the boot link down once multi-user is reached) and then the
# power button is pressed (QEMU's system_powerdown on the monitor socket, what
# an administrator, IPMI "soft off" or `virsh shutdown` send). On the dead root
# systemd's own poweroff cannot finish (every path walk from / may wait for the
# server); netroot's resident @netroot-watchdog, started before the switch and
# blocked in read(2) on the power button's event device, powers the machine off
# netroot.shutdown.timeout (20 s here) after the press, after a sync of at most
# 5 s. Asserts the power-off within 20 + 5 s + 15 s of margin (TCG under load)
# of the press, the watchdog's lines, no kernel panic. ~60 s here.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
BOOT_TIMEOUT=${BOOT_TIMEOUT_GONE:-240}
timeout=20 margin=15
debian_nfs_cut "$timeout" netroot.check.cut
# Let the link go down, then press the button.
sleep 2
monitor "$MON" system_powerdown
pressed=$(date +%s)
echo "power button pressed (system_powerdown)"
wait_stopped "$pressed" "the power button" $((timeout + 5 + margin))
assert_log_has "netroot: watchdog: @netroot-watchdog \(pid [0-9]+\) watches the power button: after a press the machine is off within $((timeout + 5)) s"
assert_log_has "watchdog: power button pressed: the shutdown has $timeout s before the watchdog powers off"
assert_log_has 'reboot: Power down'
assert_no_panic
report_shutdown

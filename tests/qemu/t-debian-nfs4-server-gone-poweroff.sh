#!/usr/bin/env bash
# parallel: yes
# init: netroot. The Debian root over NFSv4 loses its server (the check sets
# the boot link down once multi-user is reached) and then tries `systemctl
# poweroff` (netroot.check.cut=poweroff), as an administrator would. On a
# dead NFSv4 root no program starts or ends: every open(2) of a file (the
# program, its libraries) is an OPEN to the server and the last close a
# CLOSE, so `ip link set down` itself never exits and the exec of systemctl
# waits for its OPEN;
# after 15 s the test records that (SysRq-W: the blocked tasks and where
# they wait, lib.sh's poweroff_or_ctrl_alt_del).
# What still reaches systemd is what needs no new program: here Ctrl-Alt-Del
# on the console (QEMU sendkey), for which systemd starts reboot.target.
# That stops the sentinel netroot-arm@reboot.service that netroot wrote into
# /run/systemd/system before the switch; its SIGTERM makes it signal the
# resident @netroot-watchdog, which reboots the machine
# netroot.shutdown.timeout (20 s here) + at most 5 s of sync later. Asserts
# the reboot within 20 + 5 s + 15 s of margin (TCG under load) of the key,
# the sentinel's and the watchdog's lines, only the reboot sentinel fired,
# no kernel panic. (If systemctl did get through, the power-off it asked
# for must come within the same bound.)
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
BOOT_TIMEOUT=${BOOT_TIMEOUT_GONE:-300}
timeout=20 margin=15
debian_nfs_cut "$timeout" netroot.check.cut=poweroff sysrq_always_enabled
poweroff_or_ctrl_alt_del 15
wait_stopped "$since" "the $how began" $((timeout + 5 + margin))
assert_armed "$timeout"
report_shutdown

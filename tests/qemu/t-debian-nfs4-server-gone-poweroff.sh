#!/usr/bin/env bash
# parallel: yes
# init: netroot. The Debian root over NFSv4 loses its server (the check sets
# the boot link down once multi-user is reached) and then tries `systemctl
# poweroff` (netroot.check.cut=poweroff), as an administrator would. On a
# dead NFSv4 root no program starts or ends: every open(2) of a file (the
# program, its libraries) is an OPEN to the server and the last close a
# CLOSE, so `ip link set down` itself never exits and systemctl never runs;
# the test records that (SysRq-W: the blocked tasks and where they wait).
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
sleep 15
# Where the tasks wait: the kernel lists the blocked ones (SysRq-W).
monitor "$MON" 'sendkey alt-sysrq-w'
sleep 3
echo "blocked tasks 15 s after the cut (task: the NFS function it waits in):"
tr -d '\r' <"$LOG" | awk '/sysrq: Show Blocked State/ { on = 1; next }
	on && /task:/ { sub(/.*task:/, ""); t = $1; next }
	on && t != "" && match($0, / nfs4?_[a-z0-9_]+\+/) { print "  " t ": " substr($0, RSTART + 1, RLENGTH - 2); t = "" }' | sort -u
if grep -aq 'netroot: arm: poweroff\.target starts' "$LOG"; then
	echo "systemctl poweroff reached systemd on the dead root"
	how=poweroff verb=power-off end='reboot: Power down'
else
	echo "systemctl poweroff did not reach systemd in 15 s; pressing Ctrl-Alt-Del"
	monitor "$MON" 'sendkey ctrl-alt-delete'
	how=reboot verb=reboot end='reboot: Restarting system'
fi
wait_stopped "$(date +%s)" "the $how began" $((timeout + 5 + margin))
assert_log_has "netroot: arm: $how\\.target starts: armed @netroot-watchdog \\(pid [0-9]+\\) for $verb"
assert_log_has "netroot: watchdog: systemd began a $verb: the shutdown has $timeout s before the watchdog does the $verb"
# Only the target's own sentinel fired (their slice outlives the shutdown).
assert_log_lacks "netroot: arm: (halt|kexec|$([ "$how" = reboot ] && echo poweroff || echo reboot))\\.target starts"
assert_log_has "$end"
assert_no_panic
report_shutdown

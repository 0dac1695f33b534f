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
debian_check_token gone
mon=$(mktemp -d /tmp/netroot-mon.XXXXXX)
at_exit "rm -rf '$mon'"
boot "ip=dhcp root=/dev/nfs nfsroot=$SRV:/debian rw netroot.check=$token netroot.check.cut netroot.shutdown.timeout=$timeout" \
	"$LOG" --monitor "$mon/sock" &
qemu=$!
while ! grep -aq 'NETROOT-CHECK cut' "$LOG" 2>/dev/null; do
	kill -0 "$qemu" 2>/dev/null || { wait "$qemu" || true; fail "the guest stopped before the cut"; }
	sleep 1
done
# Let the link go down, then press the button.
sleep 2
# The monitor drops a command still unread when the client hangs up: wait
# for the prompt that follows the command's echo before closing.
python3 - "$mon/sock" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(10)
s.sendall(b"system_powerdown\n")
got, end = b"", time.time() + 10
while time.time() < end:
    try:
        chunk = s.recv(4096)
    except OSError:
        break
    if not chunk:
        break
    got += chunk
    tail = got.split(b"system_powerdown", 1)
    if len(tail) == 2 and b"(qemu)" in tail[1]:
        break
s.close()
if b"system_powerdown" not in got:
    sys.exit("monitor: no echo of system_powerdown: %r" % got[-200:])
PY
pressed=$(date +%s)
echo "power button pressed (system_powerdown)"
rc=0
wait "$qemu" || rc=$?
took=$(($(date +%s) - pressed))
[ "$rc" = 0 ] || fail "the guest did not power off (boot.sh exit $rc) $took s after the power button"
echo "powered off $took s after the power button (bound $timeout + 5 s, margin $margin s)"
assert_log_has "netroot: watchdog: @netroot-watchdog \(pid [0-9]+\) watches the power button: after a press the machine is off within $((timeout + 5)) s"
assert_log_has "watchdog: power button pressed: the shutdown has $timeout s before the watchdog powers off"
assert_log_has 'reboot: Power down'
assert_no_panic
[ "$took" -le $((timeout + 5 + margin)) ] || fail "power-off took $took s after the press (> $timeout + 5 + $margin)"
# Which way it went: the watchdog after the timeout, or systemd's own
# shutdown if it got through (then the watchdog did nothing, which is fine).
if grep -aq 'watchdog: the machine is still up' "$LOG"; then
	echo "ok: the watchdog powered the machine off (systemd's shutdown did not finish on the dead root)"
else
	echo "ok: systemd's own shutdown finished before the watchdog's $timeout s"
fi
grep -a 'watchdog\|systemd-shutdown\|Power down\|not responding' "$LOG" | tail -n 12

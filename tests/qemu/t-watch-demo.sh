#!/usr/bin/env bash
# init: netroot. `make demo WATCH=1` without tmux (DEMO_TMUX=0): the demo
# (driven as tests/qemu/t-demo-nfs4.sh drives it) gives the client
# netroot.syslog=10.0.0.1:5514 and runs `netroot watch` in the background;
# its plain lines in build/demo/watch.log show the client reach "switched",
# and the watch is stopped with the demo.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
wlog="$BUILD/demo/watch.log"
rm -f "$wlog"
DEMO_ARGS=--watch DEMO_TMUX=0 bash "$TOP/tests/qemu/t-demo-nfs4.sh" || fail "the demo itself failed"
LOG="$T_LOGDIR/demo-nfs.typescript.txt"
assert_log_has 'demo:.* watch +netroot watch --listen 127\.0\.0\.1:5514 \(pid [0-9]+\): tail -f build/demo/watch.log'
assert_log_has 'kernel command line: .* netroot\.syslog=10\.0\.0\.1:5514'
cat "$wlog"
assert_log_has '^52:54:00:12:34:56 +10\.0\.0\.128 +netroot-demo +switched .* switched' "$wlog"
pid=$(sed -n 's/.*netroot watch --listen 127\.0\.0\.1:5514 (pid \([0-9]*\)).*/\1/p' "$LOG" | head -n 1)
for _ in $(seq 25); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
if kill -0 "$pid" 2>/dev/null; then
	fail "netroot watch (pid $pid) still runs 5 s after the demo"
fi
echo "ok: netroot watch stopped with the demo"

#!/usr/bin/env bash
# init: netroot. `make demo` without a person at the keyboard: qemu/demo.sh
# runs under script(1) (a pseudo-terminal, as on a real terminal), PXE-boots
# the Debian root over NFSv4 on the guide's LAN and must reach the login
# prompt (root logged in automatically on ttyS0); then the test types
# Ctrl-a x, as a user would, and QEMU and demo.sh must end. run.sh's servers
# were running before the demo, so the demo must leave them running.
# DEMO_ROOT=nbd boots the NBD root; DEMO_ARGS= adds demo.sh options.
# ~35 s here (TCG; PXE ~5 s, login at ~25 s).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
command -v script >/dev/null || skip "script(1) is not installed (util-linux)"
[ -f "$BUILD/debroot/etc/os-release" ] || fail "no build/debroot (run.sh builds it with qemu/mkdebroot.sh)"
root=${DEMO_ROOT:-nfs}
ts="$T_LOGDIR/demo-$root.typescript"
LOG=$ts
fifo="$T_LOGDIR/demo-stdin"
rm -f "$fifo" "$ts"
mkfifo "$fifo"
# Held open read-write, so script never sees end of input.
exec 3<>"$fifo"
script -qfec "$TOP/qemu/demo.sh --root $root ${DEMO_ARGS:-}" "$ts" <&3 >/dev/null 2>&1 &
spid=$!
at_exit "kill $spid 2>/dev/null"

wait_for() { # REGEX SECONDS
	local i
	for ((i = 0; i < $2 * 5; i++)); do
		grep -aEq -- "$1" "$ts" 2>/dev/null && return 0
		kill -0 "$spid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
t0=$(date +%s)
wait_for 'login: root \(automatic login\)' 150 || {
	tail -n 30 "$ts" >&2
	fail "no login prompt within 150 s"
}
t_login=$(($(date +%s) - t0))
wait_for 'root@netroot-demo:~#' 30 || fail "no shell prompt after the automatic login"
printf '\001x' >&3 # Ctrl-a x: QEMU's escape to quit
for ((i = 0; i < 100; i++)); do
	kill -0 "$spid" 2>/dev/null || break
	sleep 0.2
done
kill -0 "$spid" 2>/dev/null && fail "demo.sh still runs 20 s after Ctrl-a x"
wait "$spid" || fail "script/demo.sh exited with $?"
tr -d '\r' <"$ts" >"$ts.txt"
LOG="$ts.txt"
if [ "$root" = nfs ]; then
	assert_log_has 'demo:.* NFSv4 +nfs-ganesha on 127\.0\.0\.1:2049, export /debian'
	assert_log_has 'netroot: mounted 10\.0\.0\.1:/debian \(NFS 4'
else
	assert_log_has 'demo:.* NBD +nbd-server on 127\.0\.0\.1:10809, export debian'
	assert_log_has 'netroot: attached /dev/nbd0'
fi
assert_log_has 'demo:.* TFTP +QEMU.s slirp, root build/demo/tftp'
assert_log_has 'demo:.* stop: Ctrl-a x ends QEMU'
assert_log_has 'PXELINUX'
assert_log_has 'netroot: eth0: 10\.0\.0\.128/24 by dhcp from 10\.0\.0\.1'
assert_log_has 'Debian GNU/Linux 12 netroot-demo ttyS0'
assert_log_has 'demo:.* QEMU ended'
assert_log_has 'demo:.* the servers were running before the demo: left running'
assert_log_lacks 'FAILED'
assert_no_panic
if ! kill -0 "$(cat "$BUILD/lab/ganesha.pid" 2>/dev/null || echo none)" 2>/dev/null; then
	fail "the demo stopped run.sh's ganesha"
fi
echo "ok: run.sh's ganesha still runs"
echo "login prompt after ${t_login} s (demo.sh start to the automatic login)"

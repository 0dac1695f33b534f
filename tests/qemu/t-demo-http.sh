#!/usr/bin/env bash
# init: netroot. `make demo ROOT=http` without a person at the keyboard:
# qemu/demo.sh --root http runs under script(1); QEMU's iPXE ROM gets the
# boot file http://10.0.0.1:8080/boot.ipxe from slirp's DHCP (no TFTP),
# fetches the script, the kernel and the initramfs from lighttpd in the lab
# netns, and netroot fetches the test root as a squashfs into RAM
# (root=live:http://, netroot.sha256=). The test root prints its checks and
# powers off, which ends QEMU and the demo; the demo stops the lighttpd it
# started and leaves run.sh's servers running.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
command -v script >/dev/null || skip "script(1) is not installed (util-linux)"
ts="$T_LOGDIR/demo-http.typescript"
rm -f "$ts"
SECONDS=0
# </dev/null: QEMU's -nographic reads the terminal script gives it; the
# guest powers off by itself.
timeout 240 script -qfec "$TOP/qemu/demo.sh --root http" "$ts" </dev/null >/dev/null 2>&1 || fail "demo.sh --root http failed or ran over 240 s (exit $?)"
t_end=$SECONDS
tr -d '\r' <"$ts" >"$ts.txt"
LOG="$ts.txt"
assert_log_has 'demo:.* HTTP +lighttpd on 127\.0\.0\.1:8080, root build/lab/www'
assert_log_has 'demo:.* boot +no TFTP: QEMU.s iPXE ROM gets the boot file http://10\.0\.0\.1:8080/boot\.ipxe'
assert_log_lacks 'demo:.* TFTP '
assert_log_has 'iPXE'
assert_log_has 'netroot demo: kernel and initramfs over HTTP from 10\.0\.0\.1:8080'
assert_log_has 'http://10\.0\.0\.1:8080/vmlinuz\.\.\. ok'
assert_log_has 'http://10\.0\.0\.1:8080/initramfs\.img\.\.\. ok'
assert_log_has 'Command line: console=ttyS0 ip=:::::eth0:dhcp root=live:http://10\.0\.0\.1:8080/root\.squashfs netroot\.sha256=[0-9a-f]{64} BOOTIF=01-52-54-00-12-34-56'
assert_log_has 'netroot: eth0: 10\.0\.0\.128/24 by dhcp from 10\.0\.0\.1'
assert_log_has 'netroot: .*live: SHA-256 matches netroot\.sha256='
assert_log_has 'netroot: .*live: squashfs image mounted read-only'
assert_log_has "$ROOT_OK"
assert_log_has 'demo:.* QEMU ended'
assert_log_has 'demo:.* the servers were running before the demo: left running'
assert_no_panic
if in_lab ss -Hltn 'sport = :8080' | grep -q .; then
	echo "note: lighttpd still listens on 8080 (the demo leaves running servers running)"
fi
kill -0 "$(cat "$BUILD/lab/ganesha.pid" 2>/dev/null || echo none)" 2>/dev/null || fail "the demo stopped run.sh's ganesha"
echo "ok: run.sh's ganesha still runs"
echo "demo (demo.sh start to QEMU's end): $t_end s; root init at $(root_uptime "$LOG") s guest uptime"

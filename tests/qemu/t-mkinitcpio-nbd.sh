#!/usr/bin/env bash
# init: mkinitcpio (HOOKS=(base netroot fsck), built by tests/mkinitcpio/build.sh
# with a real mkinitcpio; skipped when MKINITCPIO_DIR is unset). NBD root with
# the parameters of Arch's mkinitcpio-nbd hook (no ip=: DHCP by default):
# btrfs with compress=lzo; mkinitcpio's /init switches root; root=/dev/nbd0
# does not make /init wait for the device (the test hook pretends udev runs).
# `netroot mount` starts the resident @netroot-nbd here too: it must still
# run in the booted root (testloop=3 lists it with its memory use). At
# poweroff (testshutdown=up: systemd-shutdown's pivot, emulated by the test
# root) the hook's cleanup left netroot as /run/initramfs/shutdown, as
# mkinitcpio's shutdown hook would: it unmounts the root and disconnects
# /dev/nbd0 (NBD_CMD_DISC) before the power-off.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init mkinitcpio
boot_expect "nbd_host=$SRV nbd_name=arch root=/dev/nbd0 rootfstype=btrfs rootflags=compress=lzo rw testloop=3 testshutdown=up" \
	':: running hook \[netroot\]' \
	'NETROOT-TEST-HOOK /tmp/net-eth0\.conf:' \
	':: running late hook \[netroot-test\]' \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	'^/dev/nbd0 / btrfs .*compress=lzo' \
	'TEST-ROOT /run/net-eth0\.conf:' \
	'netroot: @netroot-nbd \(pid [0-9]+\) reconnects /dev/nbd0 if the server goes away' \
	'TEST-ROOT resident [0-9]+ @netroot-nbd VmRSS:' \
	'TESTLOOP-INTACT lines=3 ' \
	'netroot: shutdown: netroot .* as /run/initramfs/shutdown, power-off' \
	'netroot: shutdown: /oldroot \(btrfs /dev/nbd0\): unmounted in [0-9]+ ms' \
	'netroot: shutdown: /dev/nbd0 disconnected in [0-9]+ ms' \
	'netroot: shutdown: done in [0-9.]+ s: power-off' \
	'reboot: Power down'
assert_log_lacks 'netroot: shutdown: .*(detached|did not finish|not done after|failed)'
sed -n '/NETROOT-TEST-HOOK \/tmp\/net-eth0\.conf:/,/NETROOT-TEST-HOOK init=/p' "$LOG" >"$T_LOGDIR/tmp-net-eth0.conf"
assert_log_has "^IPV4ADDR='?10\.0\.2\.15'?" "$T_LOGDIR/tmp-net-eth0.conf"
assert_log_lacks 'Waiting [0-9]+ seconds for device'
assert_log_lacks 'ERROR:|emergency shell|Bailing out'
assert_no_panic
report_uptime

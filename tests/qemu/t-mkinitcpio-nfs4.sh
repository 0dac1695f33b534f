#!/usr/bin/env bash
# init: mkinitcpio (HOOKS=(base netroot fsck), built by tests/mkinitcpio/build.sh
# with a real mkinitcpio; skipped when MKINITCPIO_DIR is unset). NFSv4 root as
# the Arch guide writes it: the netroot hook brings the network up and mounts
# the root in its mount_handler, mkinitcpio's /init switches root (the root's
# init is PID 1). /tmp/net-eth0.conf is written for other hooks (the test-only
# late hook prints it), and root=/dev/nfs makes neither /init nor its
# fsck_root wait for a device (the test hook pretends udev runs, so
# poll_device would wait: t-mkinitcpio-disk-root-waits). The client gets its
# identity as under PID 1 (node name, NFSv4 uniquifier, machine-id).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init mkinitcpio
# `mkinitcpio -H netroot` is the hook's help page.
"$TOP/tests/mkinitcpio/build.sh" --hook-help >"$T_LOGDIR/hook-help.txt" 2>&1 || fail "mkinitcpio -H netroot failed"
assert_log_has "^==> Help for hook 'netroot'" "$T_LOGDIR/hook-help.txt"
assert_log_has 'HOOKS=\(base udev autodetect modconf netroot filesystems\)' "$T_LOGDIR/hook-help.txt"
assert_log_has 'root=/dev/nbd0 nbd_host=' "$T_LOGDIR/hook-help.txt"
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/arch" \
	':: running early hook \[netroot-test\]' \
	':: running hook \[netroot\]' \
	'NETROOT-TEST-HOOK /tmp/net-eth0\.conf:' \
	'NETROOT-TEST-HOOK init=/sbin/init root=netroot mount_handler=netroot_mount_handler' \
	':: running late hook \[netroot-test\]' \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	"^$SRV:/arch / nfs4 " \
	'inet 10\.0\.2\.15/24' \
	'TEST-ROOT /run/net-eth0\.conf:' \
	'TEST-ROOT shutdown-ramfs: /run/initramfs/shutdown [0-9]+ bytes'
# The IPV4ADDR line printed from /tmp (between the hook's header and its
# next line), not the one the root prints from /run.
sed -n '/NETROOT-TEST-HOOK \/tmp\/net-eth0\.conf:/,/NETROOT-TEST-HOOK init=/p' "$LOG" >"$T_LOGDIR/tmp-net-eth0.conf"
assert_log_has "^IPV4ADDR='?10\.0\.2\.15'?" "$T_LOGDIR/tmp-net-eth0.conf"
assert_log_has "^ROOTSERVER='?10\.0\.2\.2'?" "$T_LOGDIR/tmp-net-eth0.conf"
# The identity, as in PID 1 mode (README "Each client's identity"): `netroot
# net` set the node name, `netroot mount` the NFSv4 uniquifier before the
# mount and the machine-id over the root's `uninitialized` one.
assert_log_has 'TEST-ROOT identity nodename=10\.0\.2\.15 nfs4_unique_id=52:54:00:12:34:56 nfs_identifier=52:54:00:12:34:56 machine_id=[0-9a-f]{32}'
assert_log_has "^HOSTNAME='10\.0\.2\.15'" "$T_LOGDIR/tmp-net-eth0.conf"
assert_log_lacks 'Waiting [0-9]+ seconds for device'
assert_log_lacks 'ERROR:|emergency shell|Bailing out'
assert_no_panic
report_uptime

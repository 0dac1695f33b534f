#!/usr/bin/env bash
# parallel: yes
# init: initramfs-tools (Debian's, in a copy of the lab's Debian root with
# netroot's hook, boot script and conf.d file; `update-initramfs -c` in a
# chroot, built by tests/initramfs-tools/build.sh). The Debian root over
# NFSv4 with the kernel's parameters (root=/dev/nfs nfsroot=): conf.d's
# BOOT=netroot picks netroot's boot script instead of initramfs-tools' nfs
# one, whose mountroot() runs `netroot net` (no klibc ipconfig) and
# `netroot mount /root` (no nfsmount); initramfs-tools' /init moves /run into
# the root and run-init starts systemd. The root's netroot-check.service then
# proves systemd reached multi-user with networkd keeping netroot's address
# (the hand-over files in /run survived initramfs-tools' move), that a file
# written in the client lands on the server, that the client has a
# machine-id of its own (the shared root's stays `uninitialized`), and that
# poweroff completes.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init initramfs-tools
BOOT_TIMEOUT=200
debian_check_token itools
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/debian rw netroot.check=$token" \
	'Loading, please wait' \
	'[a-z0-9]+: 10\.0\.2\.15/24 by dhcp from 10\.0\.2\.2' \
	"netroot: mounted $SRV:/debian \(NFS 4" \
	'netroot: root mounted at [0-9.]+ s on /root' \
	"NETROOT-CHECK begin token=$token" \
	'NETROOT-CHECK unit multi-user.target active' \
	'NETROOT-CHECK unit network-online.target active' \
	'NETROOT-CHECK unit systemd-networkd.service active' \
	"NETROOT-CHECK root $SRV:/debian nfs4 +rw," \
	'NETROOT-CHECK networkd-file /run/systemd/network/10-netroot-[a-z0-9]+\.network' \
	'NETROOT-CHECK addr 2: [a-z0-9]+ +inet 10\.0\.2\.15/24' \
	'NETROOT-CHECK networkctl +2 [a-z0-9]+ +ether +routable +configured' \
	"NETROOT-CHECK wrote /var/lib/netroot-check/netroot-$token" \
	'NETROOT-CHECK machine-id [0-9a-f]{32} mount [^ ]*netroot/machine-id' \
	'NETROOT-CHECK poweroff' \
	'reboot: Power down'
# klibc's ipconfig and initramfs-tools' nfs script never ran.
assert_log_lacks 'IP-Config:|Begin: Retrying nfs mount|nfsmount:'
assert_log_lacks '^NETROOT-CHECK failed '
assert_no_panic
[ -f "$written" ] || fail "the guest's file is not on the server: $written"
echo "ok: the guest's file is on the server: $(cat "$written")"
# netroot mount gave the client an identity of its own (README "Each
# client's identity"): the shared root's machine-id is not written.
[ "$(cat "$BUILD/debroot/etc/machine-id")" = uninitialized ] ||
	fail "the shared root's /etc/machine-id was written: $(cat "$BUILD/debroot/etc/machine-id")"
echo "image: $(stat -c %s "$INITRD") bytes"
echo "multi-user reached at guest uptime $(sed -n 's/.*NETROOT-CHECK begin .*uptime=\([0-9.]*\).*/\1/p' "$LOG") s"
echo "root mounted at guest uptime $(sed -n 's/^netroot: root mounted at \([0-9.]*\) s.*/\1/p' "$LOG" | head -n1) s"

#!/usr/bin/env bash
# init: netroot. The Debian root of qemu/mkdebroot.sh over NBD: btrfs image
# build/debroot-btrfs.img served by nbd-server as export "debian" (a fresh
# copy per server start), mounted with compress=lzo, named the way the
# guide's NBD section names it (nbd_host= nbd_name= root=/dev/nbd0). The
# root's netroot-check.service (see t-debian-nfs4.sh) proves multi-user,
# networkd's take-over of the root's interface, a machine-id of the
# client's own over the image's `uninitialized`, and a clean power-off with
# the root on /dev/nbd0: netroot's /run/initramfs/shutdown unmounts the
# btrfs root and disconnects /dev/nbd0, and the server's transaction log
# (qemu/servers.sh) ends with the NBD_CMD_DISC it sent. ~25 s here (TCG).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
[ -s "$BUILD/debroot-btrfs.img" ] || fail "no $BUILD/debroot-btrfs.img (run.sh builds it with qemu/mkdebroot.sh)"
BOOT_TIMEOUT=150
token=nbd-$$-$RANDOM
trlog="$BUILD/lab/nbd-debian.trlog"
grep -q "$trlog" "$BUILD/lab/nbd-server.conf" || fail "nbd-server runs without the transaction log $trlog (qemu/servers.sh)"
: >"$trlog"
boot_expect "ip=dhcp nbd_host=$SRV nbd_name=debian root=/dev/nbd0 rootfstype=btrfs rootflags=compress=lzo rw netroot.check=$token" \
	"NETROOT-CHECK begin token=$token" \
	'NETROOT-CHECK unit multi-user.target active' \
	'NETROOT-CHECK unit network-online.target active' \
	'NETROOT-CHECK unit systemd-networkd.service active' \
	'NETROOT-CHECK owner /usr/bin/mount 0:0 -rwsr-xr-x' \
	'NETROOT-CHECK root /dev/nbd0 btrfs +rw,.*compress=lzo' \
	'NETROOT-CHECK addr 2: eth0 +inet 10\.0\.2\.15/24' \
	'NETROOT-CHECK networkctl +2 eth0 +ether +routable +configured' \
	'NETROOT-CHECK status eth0 +Network File: /run/systemd/network/10-netroot-eth0.network' \
	'NETROOT-CHECK machine-id [0-9a-f]{32} mount [^ ]*netroot/machine-id' \
	'NETROOT-CHECK unit systemd-machine-id-commit.service masked-runtime inactive' \
	"NETROOT-CHECK wrote /var/lib/netroot-check/netroot-$token" \
	'NETROOT-CHECK poweroff' \
	'netroot: shutdown: /run/initramfs/shutdown ready' \
	'netroot: shutdown: netroot .* as /run/initramfs/shutdown, power-off' \
	'netroot: shutdown: /oldroot \(btrfs /dev/nbd0\): unmounted in [0-9]+ ms' \
	'netroot: shutdown: /dev/nbd0 disconnected in [0-9]+ ms' \
	'netroot: shutdown: done in [0-9.]+ s: power-off' \
	'reboot: Power down'
assert_log_lacks 'netroot: shutdown: .*(detached|did not finish|not done after|failed)'
assert_sentinels
assert_log_lacks 'watchdog: (power button pressed|the machine is still up)'
# The server saw the clean disconnect: the last request of the connection.
last=$(nbd-trdump <"$trlog" | grep -E 'NBD_CMD_[A-Z_]+' | tail -n 1)
echo "nbd-server transaction log, last request: $last"
[[ $last == *NBD_CMD_DISC* ]] || fail "the server's last request is not NBD_CMD_DISC: $last"
# A machine-id of its own (not the image's `uninitialized`), the one systemd
# uses; no NFS root, so no NFSv4 uniquifier.
mid=$(tr -d '\r' <"$LOG" | sed -n 's/.*NETROOT-CHECK machine-id \([0-9a-f]*\) .*/\1/p' | head -n 1)
assert_log_has "NETROOT-CHECK systemd-id128 machine-id $mid"
assert_log_has "netroot: identity: node name 10\.0\.2\.15, nfs4 id not needed \(no NFS root\), machine-id $mid"
assert_log_lacks '^NETROOT-CHECK failed '
assert_no_panic
echo "multi-user reached at guest uptime $(sed -n 's/.*NETROOT-CHECK begin .*uptime=\([0-9.]*\).*/\1/p' "$LOG") s," \
	"power-off at $(sed -n 's/^\[ *\([0-9.]*\)\] reboot: Power down.*/\1/p' "$LOG") s"
echo "root init started at guest uptime $(sed -n 's/.*netroot: switching to the root, exec [^ ]* at \([0-9.]*\) s.*/\1/p' "$LOG" | head -n1) s"
assert_shutdown_within 30 "$LOG"

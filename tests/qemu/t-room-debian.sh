#!/usr/bin/env bash
# init: netroot. The classroom with a real distribution: ROOM_DEBIAN_GUESTS
# (default 3) guests boot the Debian root of qemu/mkdebroot.sh (systemd,
# networkd; /debian, read-write) together on qemu/room.sh's bridge, where
# dnsmasq hands out addresses but no host names. netroot-check.service
# reports what systemd sees in each (see t-debian-nfs4.sh). Proves: each
# reaches multi-user with networkd keeping the address its lease gave
# (link configured, same address), host names (hostname, hostnamectl) and
# machine-ids (/etc/machine-id as systemd set it up) are set and differ
# between the guests, each guest's own file reaches the server, and the
# shared root's /etc/machine-id is left as it was (no client commits its id
# into the root all of them share); at power-off each unmounts the shared
# root in netroot's shutdown initramfs.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
root="$BUILD/debroot"
[ -f "$root/etc/os-release" ] || fail "no $root (run.sh builds it with qemu/mkdebroot.sh)"
n=${ROOM_DEBIAN_GUESTS:-3}
token=room-$$-$RANDOM
mid_before=$(cat "$root/etc/machine-id" 2>/dev/null || echo "(missing)")
# Leave the root as it was, whatever the guests wrote (its machine-id too).
cp -a "$root/etc/machine-id" "$T_LOGDIR/machine-id.before"
at_exit "cp -a '$T_LOGDIR/machine-id.before' '$root/etc/machine-id'"
guest_files "debroot/var/lib/netroot-check/netroot-$token-*"
# Each guest powers off through netroot's shutdown initramfs; a guest whose
# kernel then stalls before the ACPI power-off (seen once on a loaded host:
# an RCU stall in virtio_net's receive poll after reboot(2)) is stopped 15 s
# after netroot's last line instead of holding the room until the timeout.
room_boot "$n" --mark 'NETROOT-CHECK begin' --done 'netroot: shutdown: done in [0-9.]+ s: power-off' \
	--append "ip=dhcp root=/dev/nfs nfsroot=10.0.3.1:/debian rw netroot.check=$token-%i"
# The server named no client: no host name (option 12) in any answer to a
# request that carried none. (dnsmasq echoes a name the client sends, cut at
# the first dot, even with --dhcp-ignore-names: networkd's own requests.)
named=$(awk '/client provides name/ { own[$5] = 1 } / option: +12 / && !own[$5] { print }' "$T_LOGDIR/dnsmasq.log")
[ -z "$named" ] || fail "dnsmasq named a client that sent no name: $named"
echo "ok: dnsmasq gave no host name to a client that sent none"

for ((k = 1; k <= n; k++)); do
	assert_guest "$k" "NETROOT-CHECK begin token=$token-$k" \
		'NETROOT-CHECK unit multi-user.target active' \
		'NETROOT-CHECK unit systemd-networkd.service active' \
		'NETROOT-CHECK networkctl +2 eth0 +ether +routable +configured' \
		'netroot: shutdown: /oldroot \(nfs4 10\.0\.3\.1:/debian\): unmounted in' \
		'netroot: shutdown: done in [0-9.]+ s: power-off' \
		-- '^NETROOT-CHECK failed '
	# networkd kept the address of netroot's lease
	lease=$(log_word 'netroot: dhcp: eth0: bound to ')
	[ -n "$lease" ] || fail "guest $k: no 'dhcp: eth0: bound to' line from netroot"
	assert_log_has "NETROOT-CHECK addr 2: eth0 +inet ${lease//./\\.}/24"
	# (unanchored: the serial console's autologin shell may print first)
	host=$(log_word 'NETROOT-CHECK hostname ')
	ctl=$(sed -n 's/.*NETROOT-CHECK hostnamectl \(.*\)/\1/p' "$LOG" | tr -d '\r' | head -n 1)
	# `NETROOT-CHECK machine-id ID mount SOURCE` (qemu/mkdebroot.sh)
	mid=$(log_word 'NETROOT-CHECK machine-id ')
	echo "guest $k: lease $lease, hostname '$host', hostnamectl '$ctl', machine-id '$mid'"
	case "$host" in "" | "(none)" | localhost) fail "guest $k has no host name ('$host')" ;; esac
	[ "$ctl" = "$host" ] || fail "guest $k: hostnamectl says '$ctl', hostname '$host'"
	assert_machine_id "$k" "$mid"
	assert_unique "host name" "$host" "$k"
	f="$root/var/lib/netroot-check/netroot-$token-$k"
	grep -q "^netroot-check $token-$k " "$f" 2>/dev/null || fail "guest $k's file is not on the server: $f"
	echo "guest $k: multi-user at guest uptime $(log_word 'NETROOT-CHECK begin .*uptime=') s"
done
mid_after=$(cat "$root/etc/machine-id" 2>/dev/null || echo "(missing)")
[ "$mid_after" = "$mid_before" ] || fail "the shared root's /etc/machine-id changed: '$mid_before' -> '$mid_after'"
echo "ok: the shared /etc/machine-id is unchanged ('$mid_before')"
room_passed

#!/usr/bin/env bash
# init: netroot. A real distribution over NFSv4: the Debian bookworm root of
# qemu/mkdebroot.sh (systemd, systemd-networkd; exported at /debian). With
# netroot.check=TOKEN the root's netroot-check.service runs after
# multi-user.target and network-online.target and prints NETROOT-CHECK lines:
# proves that systemd reached multi-user, that networkd took over the root's
# interface with netroot's hand-over files (link "configured", address kept,
# wait-online finished; the .link file kept the name eth0: without it udev's
# failed rename of the up interface leaves the link "pending" and
# wait-online times out after 2 min), that a file written in the booted
# system lands on the server (build/debroot/var/lib/netroot-check/netroot-TOKEN, removed
# afterwards), and that `systemctl poweroff` completes on the network root
# (QEMU exits after "reboot: Power down" within the timeout) with netroot
# as the shutdown initramfs having the last word (systemd-shutdown execs
# /run/initramfs/shutdown, which unmounts the NFS root from /oldroot and
# powers off), and that the
# client runs with its own identity: node name = its address, the NFSv4
# uniquifier = its MAC, a machine-id of its own that systemd uses while the
# shared root's /etc/machine-id stays `uninitialized`, and that netroot
# leaves the DHCP lease to networkd (no @netroot-dhcp). ~19 s here
# (TCG; multi-user at ~12 s guest uptime).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
root="$BUILD/debroot"
BOOT_TIMEOUT=150
debian_check_token nfs4
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/debian rw netroot.check=$token" \
	"netroot: mounted $SRV:/debian \(NFS 4" \
	"NETROOT-CHECK begin token=$token" \
	'NETROOT-CHECK unit multi-user.target active' \
	'NETROOT-CHECK unit network-online.target active' \
	'NETROOT-CHECK unit systemd-networkd.service active' \
	'NETROOT-CHECK owner /usr/bin/mount 0:0 -rwsr-xr-x' \
	"NETROOT-CHECK root $SRV:/debian nfs4 +rw," \
	'NETROOT-CHECK networkd-file /run/systemd/network/10-netroot-eth0.network' \
	'NETROOT-CHECK addr 2: eth0 +inet 10\.0\.2\.15/24' \
	'NETROOT-CHECK networkctl +2 eth0 +ether +routable +configured' \
	'NETROOT-CHECK status eth0 +Link File: /run/systemd/network/10-netroot-eth0.link' \
	'NETROOT-CHECK status eth0 +Network File: /run/systemd/network/10-netroot-eth0.network' \
	"NETROOT-CHECK wrote /var/lib/netroot-check/netroot-$token" \
	'NETROOT-CHECK hostname 10\.0\.2\.15' \
	'NETROOT-CHECK machine-id [0-9a-f]{32} mount [^ ]*netroot/machine-id' \
	'NETROOT-CHECK nfs4_unique_id 52:54:00:12:34:56' \
	'NETROOT-CHECK unit systemd-machine-id-commit.service masked-runtime inactive' \
	'NETROOT-CHECK poweroff' \
	'netroot: shutdown: /run/initramfs/shutdown ready' \
	'systemd-shutdown\[1\]: Returning to initrd' \
	'netroot: shutdown: netroot .* as /run/initramfs/shutdown, power-off' \
	"netroot: shutdown: /oldroot \(nfs4 $SRV:/debian\): unmounted in [0-9]+ ms" \
	'netroot: shutdown: done in [0-9.]+ s: power-off' \
	'reboot: Power down'
assert_log_lacks 'netroot: shutdown: .*(detached|did not finish|not done after)'
# The shutdown watchdog is there, armed by systemd's shutdowns too (one
# sentinel per target), and a clean `systemctl poweroff` finishes before it
# would act.
assert_log_has 'netroot: watchdog: @netroot-watchdog \(pid [0-9]+\) watches the power button'
assert_sentinels
assert_log_lacks 'watchdog: (power button pressed|the machine is still up)'
# The lease (README "The lease"): the root enables systemd-networkd, so
# netroot leaves the renewal to it and starts no @netroot-dhcp; the booted
# system's process list has the watchdog and no renewer.
assert_log_has 'netroot: dhcp: the lease of 10\.0\.2\.15 is left to the booted system: the root enables systemd-networkd, which renews it'
assert_log_has 'NETROOT-CHECK resident [0-9]+ @netroot-watchdog'
assert_log_lacks '@netroot-dhcp|dhcp renewer:'
# The identity (README "Each client's identity"): systemd uses the id netroot
# derived for this machine, not the root's `uninitialized`, and the shared
# root is not written.
mid=$(tr -d '\r' <"$LOG" | sed -n 's/.*NETROOT-CHECK machine-id \([0-9a-f]*\) .*/\1/p' | head -n 1)
assert_log_has "netroot: identity: node name 10\.0\.2\.15, nfs4 id 52:54:00:12:34:56 \(from the MAC\), machine-id $mid \(derived from the MAC; the root's is uninitialized; bind-mounted over /etc/machine-id\)"
assert_log_has "NETROOT-CHECK systemd-id128 machine-id $mid"
[ "$(cat "$root/etc/machine-id")" = uninitialized ] ||
	fail "the shared root's /etc/machine-id was written: $(cat "$root/etc/machine-id")"
echo "ok: systemd's machine-id is $mid; the server's /etc/machine-id is still 'uninitialized'"
# No failed unit: wait-online would time out if networkd did not take the
# link over; the API file system mounts failed when NFSv4 owners did not map
# (setuid mount(8) owned by 4294967294).
assert_log_lacks '^NETROOT-CHECK failed '
assert_no_panic
[ -f "$written" ] || fail "the guest's file is not on the server: $written"
grep -q "^netroot-check $token " "$written" || fail "$written holds: $(cat "$written")"
echo "ok: the guest's file is on the server: $(cat "$written")"
echo "multi-user reached at guest uptime $(sed -n 's/.*NETROOT-CHECK begin .*uptime=\([0-9.]*\).*/\1/p' "$LOG") s," \
	"power-off at $(sed -n 's/^\[ *\([0-9.]*\)\] reboot: Power down.*/\1/p' "$LOG") s"
echo "root init started at guest uptime $(sed -n 's/.*netroot: switching to the root, exec [^ ]* at \([0-9.]*\) s.*/\1/p' "$LOG" | head -n1) s"
assert_shutdown_within 30 "$LOG"

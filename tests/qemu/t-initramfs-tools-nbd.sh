#!/usr/bin/env bash
# parallel: yes
# init: initramfs-tools (the image of t-initramfs-tools-nfs4, built by
# tests/initramfs-tools/build.sh). The Debian root from the NBD export
# (btrfs, compress=lzo) with mkinitcpio-nbd's parameters: netroot's boot
# script attaches /dev/nbd0, mounts it on /root and leaves the resident
# @netroot-nbd behind; the hook put btrfs in the image (initramfs-tools'
# MODULES=most has the file systems). systemd reaches multi-user on it and
# powers off.
BOOT_TIMEOUT=200 # lib.sh keeps it
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
debian_check_token itnbd
use_init initramfs-tools
boot_expect "ip=dhcp nbd_host=$SRV nbd_name=debian root=/dev/nbd0 rootfstype=btrfs rootflags=compress=lzo rw netroot.check=$token" \
	'Begin: Running /scripts/netroot-top' \
	"netroot: nbd $SRV:10809 export \"debian\": [0-9]+ bytes" \
	'netroot: mounted /dev/nbd0 \(btrfs\) on /root' \
	'netroot: @netroot-nbd \(pid [0-9]+\) reconnects /dev/nbd0' \
	'NETROOT-CHECK unit multi-user.target active' \
	'NETROOT-CHECK root /dev/nbd0 btrfs +rw,.*compress=lzo' \
	'NETROOT-CHECK networkctl +2 [a-z0-9]+ +ether +routable +configured' \
	"NETROOT-CHECK wrote /var/lib/netroot-check/netroot-$token" \
	'reboot: Power down'
assert_log_lacks '^NETROOT-CHECK failed |IP-Config:|nbd-client'
assert_no_panic
echo "root mounted at guest uptime $(sed -n 's/.*netroot: root mounted at \([0-9.]*\) s.*/\1/p' "$LOG" | head -n1) s," \
	"multi-user at $(sed -n 's/.*NETROOT-CHECK begin .*uptime=\([0-9.]*\).*/\1/p' "$LOG" | head -n1) s"

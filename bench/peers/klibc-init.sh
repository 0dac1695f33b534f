#!/bin/sh
# klibc contender's /init (run by klibc's sh; bench/peers/build.sh packs it
# with klibc-utils' ipconfig, nfsmount, insmod, run-init and klibc's libc).
# It does what the klibc-based initramfs generators do for an NFSv3 root:
#   bench.klibc=once   one `ipconfig "ip=$ip"`, as mkinitcpio's net hook does
#   bench.klibc=retry  initramfs-tools' configure_networking: ipconfig -t N
#                      for N in 2 3 4 6 9 16 25 36 64 100 until a
#                      /run/net-*.conf exists
# then `nfsmount` (NFSv3, asks rpcbind at server:111) and run-init.
# Markers: `BENCH <phase> <uptime>` on the console.
PATH=/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /run /newroot
mount -t tmpfs -o mode=0755 run /run
read -r up _ </proc/uptime
echo "BENCH init $up"

ip=dhcp mode=once nfsroot="" init=/sbin/init
# One line of words: splitting it is the point.
# shellcheck disable=SC2013
for w in $(cat /proc/cmdline); do
	case "$w" in
	ip=*) ip=${w#ip=} ;;
	nfsroot=*) nfsroot=${w#nfsroot=} ;;
	init=*) init=${w#init=} ;;
	bench.klibc=*) mode=${w#bench.klibc=} ;;
	esac
done

# shellcheck disable=SC2013 # one path a line, no spaces
for m in $(cat /etc/modules.list); do
	insmod "/lib/modules/$m" || echo "klibc-init: insmod $m failed"
done
read -r up _ </proc/uptime
echo "BENCH modules $up"

if [ "$mode" = retry ]; then
	for t in 2 3 4 6 9 16 25 36 64 100; do
		for f in /run/net-*.conf; do
			[ -e "$f" ] && break 2
		done
		ipconfig -t "$t" eth0
	done
else
	ipconfig "ip=$ip"
fi
for f in /run/net-*.conf; do
	# shellcheck source=/dev/null # ipconfig's net-IFACE.conf
	[ -e "$f" ] && . "$f"
done
read -r up _ </proc/uptime
echo "BENCH net $up ${IPV4ADDR:-none}"

spec=${nfsroot%%,*}
opts=ro,nolock
case "$nfsroot" in *,*) opts=$opts,${nfsroot#*,} ;; esac
nfsmount -o "$opts" "$spec" /newroot || { echo "klibc-init: nfsmount failed"; exec sh; }
read -r up _ </proc/uptime
echo "BENCH mounted $up"
# As initramfs-tools' init does: move the API filesystems into the new root
# (run-init opens /newroot/dev/console).
for m in dev proc sys run; do
	mount -o move "/$m" "/newroot/$m"
done
exec run-init /newroot "$init"

#!/bin/sh
# The "minimal busybox" baseline: an initramfs /init written as a busybox ash
# script (qemu/mkbaseline.sh --baseline busybox). It does what netroot does
# for an NFS root, with the tools a hand-made initramfs would use: modprobe,
# udhcpc, mount(2) with the kernel's text NFS options, switch_root. The lab
# uses it to prove itself before the agent exists and the benchmark uses it as
# its cheapest contender. It does not do NBD (busybox has no nbd-client).
#
# Understands (Documentation/admin-guide/nfs/nfsroot.rst):
#   ip=dhcp|on|any | ip=<client>:<server>:<gw>:<mask>:<host>:<dev>:<autoconf>[:<dns0>]
#   BOOTIF=01-<mac> (pxelinux IPAPPEND 2), nfsroot=[<server>:]<path>[,<opts>]
#   with %s = client IP, root=/dev/nfs, init=, panic=N, ro/rw,
#   netroot.overlay=tmpfs, netroot.state=/a,/b (as netroot does them)
# Also its own udhcpc script (udhcpc -s /init calls it with bound/deconfig).
export PATH=/bin:/sbin

# --- udhcpc hook ---------------------------------------------------------------
# udhcpc passes the lease in the environment (ip, mask, subnet, router, dns...).
# shellcheck disable=SC2154
if [ -n "${interface:-}" ]; then
	case "${1:-}" in
	deconfig)
		ip addr flush dev "$interface"
		ip link set "$interface" up
		;;
	bound | renew)
		ip addr add "$ip/${mask:-24}" dev "$interface"
		for r in ${router:-}; do
			ip route add default via "$r" dev "$interface" && break
		done
		: >/etc/resolv.conf
		for d in ${dns:-}; do echo "nameserver $d" >>/etc/resolv.conf; done
		{
			echo "DEVICE='$interface'"
			echo "PROTO='dhcp'"
			echo "IPV4ADDR='$ip'"
			echo "IPV4NETMASK='${subnet:-}'"
			echo "IPV4GATEWAY='${router%% *}'"
			echo "IPV4DNS0='${dns%% *}'"
			echo "HOSTNAME='${hostname:-}'"
			echo "DNSDOMAIN='${domain:-}'"
			echo "ROOTSERVER='${siaddr:-${serverid:-}}'"
			echo "ROOTPATH='${rootpath:-}'"
			echo "filename='${boot_file:-}'"
		} >"/run/net-$interface.conf"
		;;
	esac
	exit 0
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=0755,nosuid,nodev run /run
mkdir -p /etc

log() { echo "baseline: $*"; }
log "start uptime=$(cut -d' ' -f1 /proc/uptime)"

ipparam="" nfsroot="" root="" init=/sbin/init panic=0 rw=ro bootif="" overlay="" state=""
# The command line is one line of words; word splitting is the point here.
# shellcheck disable=SC2013
for w in $(cat /proc/cmdline); do
	case "$w" in
	ip=*) ipparam=${w#ip=} ;;
	nfsroot=*) nfsroot=${w#nfsroot=} ;;
	root=*) root=${w#root=} ;;
	init=*) init=${w#init=} ;;
	panic=*) panic=${w#panic=} ;;
	BOOTIF=*) bootif=${w#BOOTIF=} ;;
	netroot.overlay=*) overlay=${w#netroot.overlay=} ;;
	netroot.state=*) state=${w#netroot.state=} ;;
	rw) rw=rw ;;
	ro) rw=ro ;;
	esac
done

fail() {
	log "error: $*"
	if [ "$panic" -gt 0 ] 2>/dev/null; then
		log "rebooting in $panic s (panic=$panic)"
		sleep "$panic"
		reboot -f
	fi
	log "starting a shell"
	exec sh
}

case "$root" in
nbd* | /dev/nbd*) fail "NBD root is not supported by the busybox baseline" ;;
esac
[ -n "$nfsroot" ] || [ "$root" = /dev/nfs ] || fail "no nfsroot= on the command line"

# --- modules -------------------------------------------------------------------
nfsmod=nfsv4
case ",$nfsroot," in *,vers=2,* | *,vers=3,* | *,nfsvers=3,* | *,v3,*) nfsmod=nfsv3 ;; esac
modprobe -a virtio_pci virtio_net e1000 e1000e || log "warning: some NIC modules failed to load"
modprobe "$nfsmod" || fail "cannot load $nfsmod"
if [ -n "$overlay" ]; then modprobe overlay || fail "cannot load overlay"; fi

# --- network -------------------------------------------------------------------
IFS=: read -r cip sip gip nmask hname dev autoconf dns0 _ <<EOF
$ipparam
EOF
case "$ipparam" in
dhcp | on | any | bootp | both | "") cip="" autoconf=dhcp ;;
off | none) fail "ip=$ipparam: the baseline needs a network" ;;
esac
if [ -z "$dev" ] && [ -n "$bootif" ]; then
	mac=$(echo "${bootif#01-}" | tr '-' ':' | tr 'A-F' 'a-f')
	for i in /sys/class/net/*; do
		[ "$(cat "$i/address")" = "$mac" ] && dev=${i##*/}
	done
fi
n=0
while [ -z "$dev" ] || [ ! -e "/sys/class/net/$dev" ]; do
	if [ -z "$dev" ]; then
		for i in /sys/class/net/*; do
			[ "${i##*/}" = lo ] || { dev=${i##*/}; break; }
		done
		[ -e "/sys/class/net/$dev" ] || dev=""
		[ -n "$dev" ] && break
	fi
	n=$((n + 1))
	[ $n -gt 100 ] && fail "no network interface ${dev:+$dev }appeared"
	sleep 0.05
done
ip link set lo up
ip link set "$dev" up
case "$autoconf" in
dhcp | on | any | both | bootp)
	udhcpc -i "$dev" -s /init -n -q -f -t 10 -T 1 -O rootpath >/tmp/udhcpc.log 2>&1 ||
		fail "no DHCP lease on $dev: $(tail -n 1 /tmp/udhcpc.log)"
	# shellcheck source=/dev/null
	. "/run/net-$dev.conf"
	cip=$IPV4ADDR
	[ -n "$sip" ] || sip=$ROOTSERVER
	;;
*)
	[ -n "$cip" ] || fail "ip=$ipparam: no client address"
	case "$nmask" in *.*) bits=$(ipcalc -p "$cip" "$nmask" | cut -d= -f2) ;; *) bits=${nmask:-24} ;; esac
	ip addr add "$cip/$bits" dev "$dev" || fail "ip=$ipparam: cannot set $cip/$bits on $dev"
	[ -n "$gip" ] && ip route add default via "$gip" dev "$dev"
	[ -n "$hname" ] && hostname "$hname"
	[ -n "$dns0" ] && echo "nameserver $dns0" >/etc/resolv.conf
	{
		echo "DEVICE='$dev'"
		echo "PROTO='none'"
		echo "IPV4ADDR='$cip'"
		echo "IPV4NETMASK='$nmask'"
		echo "IPV4GATEWAY='$gip'"
		echo "HOSTNAME='$hname'"
		echo "ROOTSERVER='$sip'"
	} >"/run/net-$dev.conf"
	;;
esac
log "network: $dev $cip uptime=$(cut -d' ' -f1 /proc/uptime)"

# --- NFS root ------------------------------------------------------------------
spec=${nfsroot%%,*}
opts=""
case "$nfsroot" in *,*) opts=${nfsroot#*,} ;; esac
case "$spec" in
*:*) server=${spec%%:*} path=${spec#*:} ;;
*) server=$sip path=$spec ;;
esac
[ -n "$server" ] || fail "nfsroot=$nfsroot: no server (and none from ip= or DHCP)"
[ -n "$path" ] || path=/tftpboot/%s
path=$(echo "$path" | sed "s/%s/$cip/g")
if [ "$nfsmod" = nfsv4 ]; then
	fstype=nfs4
	mopts="$rw,addr=$server,clientaddr=$cip${opts:+,$opts}"
else
	fstype=nfs
	mopts="$rw,nolock,addr=$server${opts:+,$opts}"
fi
target=/newroot
if [ "$overlay" = tmpfs ]; then
	# The export is the read-only lower layer; writes go to a tmpfs upper.
	target=/run/lower
	mopts="ro,${mopts#r[ow],}"
	mkdir -p "$target"
elif [ -n "$overlay" ]; then
	fail "netroot.overlay=$overlay: only tmpfs is supported"
fi
mount -t "$fstype" -o "$mopts" "$server:$path" "$target" ||
	fail "cannot mount $server:$path ($fstype, $mopts)"
if [ "$overlay" = tmpfs ]; then
	mkdir -p /run/overlay
	mount -t tmpfs -o mode=0755 overlay-upper /run/overlay
	mkdir -p /run/overlay/upper /run/overlay/work
	mount -t overlay -o lowerdir=/run/lower,upperdir=/run/overlay/upper,workdir=/run/overlay/work \
		overlay /newroot || fail "cannot mount the overlay"
fi
log "mounted $server:$path uptime=$(cut -d' ' -f1 /proc/uptime)"
for p in $(echo "$state" | tr ',' ' '); do
	mount -t tmpfs -o mode=0755 state "/newroot$p" || fail "netroot.state: cannot mount a tmpfs on $p"
done

[ -x "/newroot$init" ] || fail "$init is not executable in the new root"
for m in dev proc sys run; do
	[ -d "/newroot/$m" ] && mount --move "/$m" "/newroot/$m"
done
exec switch_root /newroot "$init"

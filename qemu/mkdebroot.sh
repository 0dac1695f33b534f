#!/usr/bin/env bash
# A real distribution for the lab: a minimal Debian bookworm root with systemd,
# built with debootstrap into build/debroot/ (exported by qemu/servers.sh over
# NFSv4 at Pseudo /debian) and the same tree as a btrfs image,
# build/debroot-btrfs.img (NBD export "debian", mount with compress=lzo).
#
# Usage: qemu/mkdebroot.sh [--force] [--reset] [--clean]
#   --force   debootstrap again (the downloaded .debs are kept in
#             build/debroot-debs/, so this needs no network the second time)
#   --reset   keep the debootstrap result, redo the configuration below and
#             the btrfs image (also done whenever this script changed)
#   --clean   only undo what booted clients wrote into build/debroot (the
#             configuration below does it too): what build/debroot.list (the
#             tree as configured) does not name goes, /etc/machine-id is
#             `uninitialized` again, the login records are emptied. No client
#             may be running: tests/qemu/run.sh runs it before it starts the
#             servers and after it stopped them
# Env: DEBIAN_MIRROR  default: the Debian mirror of this machine's apt sources
#                     (/etc/apt/sources.list{,.d/*}), else deb.debian.org
#
# What the root is set up for (a diskless client whose root is already
# mounted by netroot when systemd starts):
#   - systemd, systemd-sysv, udev, dbus, iproute2; systemd-networkd enabled,
#     no ifupdown or NetworkManager: networkd finds netroot's hand-over file
#     /run/systemd/network/10-netroot-<iface>.network (KeepConfiguration=yes)
#     and keeps the address the root lives on
#   - /etc/fstab without a root line (the root is mounted), no /etc/hostname
#     (the node name comes from DHCP, else the address: netroot sets it),
#     /etc/machine-id `uninitialized` as a root for many clients is built
#     (netroot gives each client its own id, bind-mounted over it),
#     journald Storage=volatile (boots do not write the journal to the
#     shared root)
#   - root logs in automatically on the serial console (serial-getty@ttyS0
#     drop-in), for `make demo`
#   - netroot-check.service: runs only with `netroot.check=TOKEN` on the
#     kernel command line (tests/qemu/t-debian-*.sh): after multi-user.target
#     and network-online.target it prints NETROOT-CHECK lines on ttyS0 (units,
#     `ip -4 addr`, `networkctl`, netroot's resident processes and their
#     memory), writes /var/lib/netroot-check/netroot-TOKEN and powers off; for the tests of
#     a server gone: `netroot.check.cut` sets the link down and stops there,
#     `netroot.check.cut=poweroff` then runs `systemctl poweroff`,
#     `netroot.check.gone=SECONDS` reads systemctl and its libraries into the
#     page cache, says "stop the server now" and runs `systemctl poweroff`
#     SECONDS later
#
# Measured here (2 shared cores, deb.debian.org at ~80 MB/s): see the
# "mkdebroot:" summary line it prints (time, download size, tree and image size).
set -euo pipefail

# shellcheck source=qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build="$LAB_BUILD" root="$LAB_BUILD/debroot"
# build/debroot-btrfs.img, build/debroot-debs/, build/debroot.stamp, ...
img="$root-btrfs.img" debs="$root-debs" stamp="$root.stamp" base_stamp="$root.base-stamp" list="$root.list"

force=0 reset=0 clean=0
while [ $# -gt 0 ]; do
	case "$1" in
	--force) force=1 ;;
	--reset) reset=1 ;;
	--clean) clean=1 ;;
	-h | --help) sed -n '2,44p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) echo "mkdebroot: unknown argument: $1" >&2; exit 2 ;;
	esac
	shift
done

suite=bookworm
# minbase is apt, dpkg, bash, coreutils and the other Priority: required
# packages; login and passwd are among them, so agetty has a login to run.
packages=systemd,systemd-sysv,udev,dbus,iproute2,iputils-ping,procps,less

mirror() {
	local m
	if [ -n "${DEBIAN_MIRROR:-}" ]; then
		echo "$DEBIAN_MIRROR"
		return
	fi
	# One-line (deb URL suite ...) or deb822 (URIs: URL) sources: the first
	# Debian archive that is not the security one.
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v '^[[:space:]]*#' | grep -oE 'https?://[^[:space:]]+/debian/?([[:space:]]|$)' |
		tr -d '[:space:]' | head -n 1 || true)
	echo "${m:-http://deb.debian.org/debian}"
}

undo_boots() { # what booted clients wrote into the shared root
	# `uninitialized`, not an id baked into a root that many clients share:
	# netroot gives each client its own (derived from its DMI UUID or MAC) and
	# bind-mounts it over this file, so systemd uses it and never writes it here.
	echo uninitialized >"$root/etc/machine-id"
	rm -f "$root/var/lib/dbus/machine-id" "$root/var/lib/systemd/random-seed" "$root"/var/lib/netroot-check/netroot-* \
		"$root/root/.bash_history"
	rm -rf "$root"/var/tmp/systemd-private-*
	# Hidden under each client's tmpfs /tmp and /var/tmp (fstab below): from
	# boots before them.
	find "$root/tmp" -mindepth 1 -delete
	for f in var/log/wtmp var/log/btmp var/log/lastlog; do
		[ -f "$root/$f" ] && : >"$root/$f"
	done
	[ ! -s "$list" ] || lab_root_clean mkdebroot "$root" "$list"
}

sum=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)
base_key="$suite $packages"
if [ "$force" = 0 ] && [ "$reset" = 0 ] && [ -f "$root/etc/os-release" ] && [ -s "$img" ] && [ -s "$list" ] &&
	[ "$(cat "$base_stamp" 2>/dev/null)" = "$base_key" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
	[ "$clean" = 0 ] || undo_boots
	exit 0
elif [ "$clean" = 1 ]; then
	exit 0 # nothing built to clean (make build/debroot.stamp builds it)
fi

[ "$(id -u)" = 0 ] || { echo "mkdebroot: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "mkdebroot: debootstrap not installed (make deps)" >&2; exit 1; }

t0=$(date +%s)
mkdir -p "$build" "$debs"

# --- stage 1: debootstrap (cached in build/debroot + the .debs) ---------------
if [ "$force" = 1 ] || [ ! -f "$root/etc/os-release" ] || [ "$(cat "$base_stamp" 2>/dev/null)" != "$base_key" ]; then
	m=$(mirror)
	echo "mkdebroot: debootstrap $suite from $m (minbase + $packages) into build/debroot"
	if [ -s "$build/lab/ganesha.pid" ] && kill -0 "$(cat "$build/lab/ganesha.pid")" 2>/dev/null; then
		echo "mkdebroot: warning: ganesha exports the old tree; restart it (qemu/servers.sh stop; start) after this" >&2
	fi
	rm -rf "$root" "$base_stamp"
	debs_before=$(du -sk "$debs" | cut -f1)
	if ! debootstrap --variant=minbase --include="$packages" --cache-dir="$debs" \
		"$suite" "$root" "$m" >"$build/debroot.log" 2>&1; then
		tail -n 30 "$build/debroot.log" >&2
		echo "mkdebroot: debootstrap failed (log: build/debroot.log)" >&2
		exit 1
	fi
	echo "mkdebroot: debootstrap took $(($(date +%s) - t0)) s, downloaded $((($(du -sk "$debs" | cut -f1) - debs_before) / 1024)) MiB (.debs in build/debroot-debs: $(du -sh "$debs" | cut -f1))"
	echo "$base_key" >"$base_stamp"
fi

# --- stage 2: configuration (idempotent; also undoes what boots left) ---------
in_root() { chroot "$root" "$@"; }

for p in ifupdown network-manager connman; do
	# shellcheck disable=SC2016 # dpkg-query's own format
	if in_root dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		echo "mkdebroot: $p is installed and would manage the root's interface" >&2
		exit 1
	fi
done

# The client's name comes from DHCP (netroot sets it; networkd keeps it).
rm -f "$root/etc/hostname"
cat >"$root/etc/hosts" <<-'EOF'
	127.0.0.1	localhost
	::1		localhost ip6-localhost ip6-loopback
EOF
cat >"$root/etc/fstab" <<-'EOF'
	# written by qemu/mkdebroot.sh: the root file system is mounted over the
	# network by netroot before systemd starts, so it has no line here.
	# Each client its own /tmp and /var/tmp: on the shared root, every boot's
	# systemd-tmpfiles would empty the /tmp of all the others (tmp.conf's
	# `D /tmp`) and remove their services' PrivateTmp= directories in
	# /var/tmp (systemd-tmp.conf's `R! /var/tmp/systemd-private-*`).
	tmpfs /tmp tmpfs mode=1777,nosuid,nodev,size=25% 0 0
	tmpfs /var/tmp tmpfs mode=1777,nosuid,nodev,size=25% 0 0
EOF
# Where the check (below) writes what must reach the server: not /var/tmp,
# which is each client's own tmpfs.
mkdir -p "$root/var/lib/netroot-check"
rm -f "$list"
undo_boots
# apt's caches and package lists are half the tree (~100 MiB); `apt update`
# on the client brings the lists back.
rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
mkdir -p "$root/var/lib/apt/lists/partial"

mkdir -p "$root/etc/systemd/journald.conf.d"
cat >"$root/etc/systemd/journald.conf.d/netroot.conf" <<-'EOF'
	# written by qemu/mkdebroot.sh: keep the journal in /run, so booting
	# does not write to the shared network root.
	[Journal]
	Storage=volatile
EOF

mkdir -p "$root/etc/systemd/system/serial-getty@ttyS0.service.d"
cat >"$root/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<-'EOF'
	# written by qemu/mkdebroot.sh: `make demo` logs root in on the serial console.
	[Service]
	ExecStart=
	ExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 - $TERM
EOF

# A minbase root has no networkd configuration of its own: the only
# .network file the booted system sees is netroot's in /run.
in_root systemctl enable systemd-networkd.service systemd-networkd-wait-online.service >/dev/null 2>&1
# Timers that would only wake a 1-CPU TCG guest for nothing.
in_root systemctl disable apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1 || true

cat >"$root/usr/local/sbin/netroot-check" <<-'EOF'
	#!/bin/sh
	# written by qemu/mkdebroot.sh; run by netroot-check.service when the kernel
	# command line has netroot.check=TOKEN (tests/qemu/t-debian-*.sh): proves the
	# booted system reached multi-user with the root's address kept by
	# systemd-networkd, writes /var/lib/netroot-check/netroot-TOKEN, then powers off.
	token=$(sed -n 's/.*netroot\.check=\([A-Za-z0-9_-]*\).*/\1/p' /proc/cmdline)
	# The serial getty starts (Type=idle) while this runs, and its vhangup()
	# of ttyS0 kills the descriptor systemd gave us: each line opens the
	# console anew, so nothing after that moment is lost.
	exec 3>&1
	out() { while IFS= read -r l; do printf '%s\n' "$l" >/dev/ttyS0 2>/dev/null || printf '%s\n' "$l" >&3; done; }
	check() {
		say() { echo "NETROOT-CHECK $*"; }
		say "begin token=$token uptime=$(cut -d' ' -f1 /proc/uptime)"
		for u in multi-user.target network-online.target systemd-networkd.service systemd-udevd.service; do
			say "unit $u $(systemctl is-active "$u")"
		done
		say "root $(findmnt -n -o SOURCE,FSTYPE,OPTIONS /)"
		say "hostname $(hostname)"
		say "hostnamectl $(hostnamectl hostname 2>&1)"
		# The identity netroot gave this client (README "Each client's identity").
		say "machine-id $(cat /etc/machine-id) mount $(findmnt -n -o SOURCE /etc/machine-id || echo none)"
		say "systemd-id128 machine-id $(systemd-id128 machine-id 2>&1)"
		say "nfs4_unique_id $(cat /sys/module/nfs/parameters/nfs4_unique_id 2>/dev/null)"
		say "unit systemd-machine-id-commit.service $(systemctl is-enabled systemd-machine-id-commit.service 2>&1) $(systemctl is-active systemd-machine-id-commit.service)"
		# NFSv4 owners must map back to root (setuid mount(8), su, ...)
		say "owner /usr/bin/mount $(stat -c '%u:%g %A' /usr/bin/mount)"
		for f in /run/systemd/network/*.network; do
			[ -e "$f" ] && say "networkd-file $f"
		done
		ip -4 -o addr show | sed 's/^/NETROOT-CHECK addr /'
		networkctl list --no-pager --no-legend | sed 's/^/NETROOT-CHECK networkctl /'
		networkctl status --no-pager -n 0 2>&1 | sed 's/^/NETROOT-CHECK status /'
		for i in /sys/class/net/*; do
			i=${i##*/}
			[ "$i" = lo ] || networkctl status --no-pager -n 0 "$i" 2>&1 | sed "s/^/NETROOT-CHECK status $i /"
		done
		systemctl --failed --no-legend --plain | sed 's/^/NETROOT-CHECK failed /'
		# why they failed, for the test's log
		for u in $(systemctl --failed --no-legend --plain | cut -d' ' -f1); do
			journalctl -b -u "$u" -n 15 --no-pager 2>&1 | sed "s/^/NETROOT-CHECK journal $u /"
		done
		if [ -n "$token" ]; then
			echo "netroot-check $token $(uname -r) uptime $(cut -d' ' -f1 /proc/uptime)" >"/var/lib/netroot-check/netroot-$token"
			sync
			say "wrote /var/lib/netroot-check/netroot-$token: $(cat "/var/lib/netroot-check/netroot-$token")"
		fi
		say "poweroff"
	}
	check 2>&1 | out
	# netroot's residents and their memory (the shutdown watchdog, its
	# sentinels @netroot-arm, the DHCP renewer, the NBD helper), from
	# smaps_rollup (a page table walk: status's VmRSS lags for processes
	# that faulted in few pages, the kernel batches those counters).
	for p in /proc/[0-9]*; do
		read -r c <"$p/cmdline" 2>/dev/null || true
		case "$c" in
		@netroot*) echo "NETROOT-CHECK resident ${p#/proc/} $(tr '\0' ' ' <"$p/cmdline")$(grep -E '^(Rss|Pss|Private_Dirty):' "$p/smaps_rollup" | tr -s '\t\n ' '  ')" ;;
		esac
	done 2>/dev/null | out
	# netroot.check.cut: the root's server goes away (the boot link is set
	# down) and the check stops there: the test then presses the power
	# button, and the machine must still stop (netroot's shutdown watchdog).
	# netroot.check.cut=poweroff: the same, then `systemctl poweroff` (was
	# run above, so it is in the page cache) once the link is down. `ip` in
	# the background: on NFSv4 it may never exit (its last close of a file
	# waits for the server's answer to CLOSE).
	case " $(cat /proc/cmdline) " in
	*" netroot.check.cut=poweroff "*)
		echo "NETROOT-CHECK cut, then systemctl poweroff" | out
		ip link set dev eth0 down &
		s=
		until [ "$s" = down ]; do read -r s </sys/class/net/eth0/operstate; done
		systemctl poweroff
		exit 0 ;;
	*" netroot.check.cut "*)
		echo "NETROOT-CHECK cut" | out
		ip link set dev eth0 down
		exit 0 ;;
	esac
	# netroot.check.gone=SECONDS: the test stops the root's server when it
	# sees the line below; `systemctl poweroff` comes SECONDS later.
	gone=$(sed -n 's/.*netroot\.check\.gone=\([0-9]*\).*/\1/p' /proc/cmdline)
	if [ -n "$gone" ]; then
		# All that `systemctl poweroff` maps, read into the page cache: a page
		# it had not used yet would wait for the server like any other read.
		cat /usr/bin/systemctl /usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-*.so \
			/usr/lib/x86_64-linux-gnu/*.so* /etc/ld.so.cache >/dev/null 2>&1
		echo "NETROOT-CHECK stop the server now; systemctl poweroff in $gone s" | out
		sleep "$gone"
		echo "NETROOT-CHECK systemctl poweroff" | out
		systemctl poweroff
		exit 0
	fi
	systemctl --no-block poweroff
EOF
chmod 0755 "$root/usr/local/sbin/netroot-check"
cat >"$root/etc/systemd/system/netroot-check.service" <<-'EOF'
	# written by qemu/mkdebroot.sh (see /usr/local/sbin/netroot-check)
	[Unit]
	Description=netroot lab check (kernel parameter netroot.check=)
	ConditionKernelCommandLine=netroot.check
	Wants=network-online.target
	After=multi-user.target network-online.target systemd-networkd.service

	[Service]
	Type=oneshot
	ExecStart=/usr/local/sbin/netroot-check
	StandardOutput=tty
	StandardError=tty
	TTYPath=/dev/ttyS0
	TTYReset=no
	TTYVHangup=no

	[Install]
	WantedBy=multi-user.target
EOF
in_root systemctl enable netroot-check.service >/dev/null 2>&1

for f in etc/os-release sbin/init lib/systemd/systemd-networkd; do
	[ -e "$root/$f" ] || { echo "mkdebroot: build/debroot lacks /$f" >&2; exit 1; }
done

# --- stage 3: the btrfs image for NBD (no loop mount: mkfs.btrfs --rootdir) ----
# Sparse, twice the tree plus 256 MiB, so the client has room to write.
kib=$(du -sk "$root" | cut -f1)
size_mib=$(((kib * 2 / 1024 + 256 + 63) / 64 * 64))
rm -f "$img"
truncate -s "${size_mib}M" "$img"
mkfs.btrfs -q -L netroot-debian --rootdir "$root" "$img" >/dev/null
lab_root_list "$root" >"$list"
echo "$sum" >"$stamp"

echo "mkdebroot: build/debroot ($(du -sh "$root" | cut -f1), $(find "$root" -xdev | wc -l) files, $(in_root dpkg-query -W | wc -l) packages)," \
	"build/debroot-btrfs.img ($(du -h "$img" | cut -f1) used of ${size_mib}M), $(($(date +%s) - t0)) s"

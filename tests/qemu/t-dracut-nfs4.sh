#!/usr/bin/env bash
# init: dracut (Debian's dracut 059 with netroot's module and its
# dracut.conf.d file, built by tests/dracut/build.sh), twice: `-m "base
# netroot"` (dracut's shell /init) and as the README tells Fedora users,
# `dracut --add netroot` with no -m: dracut's default modules, with systemd
# in the image as Fedora has it (the hooks run from dracut's services), and
# without dracut's network, nfs and nbd modules (netroot's dracut.conf.d
# file omits them). NFSv4 root with the kernel's
# parameters: netroot's cmdline hook claims the root (no "Don't know how to
# handle 'root=/dev/nfs'", no wait for a block device), its pre-mount hook
# brings the network up after udev loaded the NIC driver, its mount hook
# mounts the root on /sysroot, and dracut switches to it (the root's init is
# PID 1). dracut's network and nfs modules are not in the images (build.sh
# checks), so netroot is the only DHCP client.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BOOT_TIMEOUT=150
guest_files testroot/host-dracut testroot/host-dracut-systemd

dracut_boot() { # FLAVOUR (use_init's) MARKER (of that /init)
	use_init "$1"
	LOG="$T_LOGDIR/boot-$1.log"
	boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/arch rw testwrite=host-$1" \
		"$2" \
		'netroot: dhcp: eth0: bound to 10\.0\.2\.15 from 10\.0\.2\.2' \
		"netroot: mounted $SRV:/arch \(NFS 4" \
		'netroot: root mounted at [0-9.]+ s on /sysroot' \
		"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
		"^$SRV:/arch / nfs4 rw," \
		'inet 10\.0\.2\.15/24' \
		'TEST-ROOT /run/net-eth0\.conf:' \
		"^IPV4ADDR='10\.0\.2\.15'" \
		"WROTE /host-$1"
	assert_log_lacks "Don't know how to handle|Could not boot|Can't mount root|Entering emergency mode|FATAL"
	assert_no_panic
	echo "$1: image $(stat -c %s "$INITRD") bytes," \
		"root mounted at guest uptime $(sed -n 's/.*netroot: root mounted at \([0-9.]*\) s.*/\1/p' "$LOG" | head -n1) s," \
		"root init at $(root_uptime "$LOG") s"
}

dracut_boot dracut "dracut: Mounted root filesystem $SRV:/arch"
dracut_boot dracut-systemd 'Welcome to .*dracut-059.*\(Initramfs\)'
report_uptime

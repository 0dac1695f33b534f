#!/usr/bin/env bash
# init: dracut (Debian's dracut 059, `dracut -m "base netroot"` with netroot's
# module and its dracut.conf.d file, built by tests/dracut/build.sh). NFSv4
# root with the kernel's parameters: netroot's cmdline hook claims the root
# (no "Don't know how to handle 'root=/dev/nfs'", no wait for a block
# device), its pre-mount hook brings the network up after udev loaded the
# NIC driver, its mount hook mounts the root on /sysroot, and dracut's /init
# switches to it (the root's init is PID 1). dracut's network and nfs modules
# are not in the image (build.sh checks), so netroot is the only DHCP client.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init dracut
BOOT_TIMEOUT=150
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/arch rw testwrite=host-dracut" \
	'dracut: Debian GNU/Linux' \
	'eth0: 10\.0\.2\.15/24 by dhcp from 10\.0\.2\.2' \
	"netroot: mounted $SRV:/arch \(NFS 4" \
	'netroot: root mounted at [0-9.]+ s on /sysroot' \
	"dracut: Mounted root filesystem $SRV:/arch" \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	"^$SRV:/arch / nfs4 rw," \
	'inet 10\.0\.2\.15/24' \
	'TEST-ROOT /run/net-eth0\.conf:' \
	"^IPV4ADDR='10\.0\.2\.15'" \
	'WROTE /host-dracut'
assert_log_lacks "Don't know how to handle|Could not boot|dracut Warning: Could not|Entering emergency mode|FATAL"
assert_no_panic
echo "image: $(stat -c %s "$INITRD") bytes"
echo "root mounted at guest uptime $(sed -n 's/^netroot: root mounted at \([0-9.]*\) s.*/\1/p' "$LOG" | head -n1) s"
report_uptime

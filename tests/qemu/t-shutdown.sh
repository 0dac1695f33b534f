#!/usr/bin/env bash
# parallel: yes
# init: netroot. netroot's /run/initramfs/shutdown on the test root. First
# with the server up and an overlay root (netroot.overlay=tmpfs,
# testshutdown=up): the NFS layer under the overlay comes off (overlayfs
# holds a private clone of it, so its mount point is not busy), then the
# overlay, which lets go of the NFS superblock, and the machine powers off
# at once. Then with the server gone, NFSv4 and NBD: the
# test root's init (qemu/mkroot.sh, testshutdown=cut) writes a file without sync,
# then does what systemd-shutdown(8) does last (binds /dev /proc /sys into
# /run/initramfs, pivots into it with the old root at /oldroot, execs
# /shutdown poweroff) with the link set down between the pivot and the exec.
# netroot's /run/initramfs/shutdown then finds a root it cannot write back to
# (a hard NFS mount, an NBD device whose server never answers) and must still
# power off within its bound: 5 s per blocking step, the watchdog at 25 s
# (30 s allowed here, measured from netroot's first shutdown line).
# (With systemd the cut cannot come that late: systemd-shutdown itself still
# reads from the root until it execs /shutdown, see README.)
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
# testshutdown=cut writes /root/testshutdown-unsynced
guest_files testroot/root/testshutdown-unsynced

LOG="$T_LOGDIR/boot-overlay.log"
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/arch netroot.overlay=tmpfs testshutdown=up" \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	'netroot: shutdown: netroot .* as /run/initramfs/shutdown, power-off' \
	"netroot: shutdown: /oldroot/run/netroot/lower \\(nfs4 $SRV:/arch\\): (unmounted in [0-9]+ ms|busy: detached)" \
	'netroot: shutdown: /oldroot \(overlay overlay\): unmounted in [0-9]+ ms' \
	'netroot: shutdown: done in [0-9.]+ s: power-off' \
	'reboot: Power down'
assert_log_lacks 'netroot: shutdown: .*(force-detached|no answer|did not finish|not done after)'
assert_no_panic
assert_shutdown_within 5 "$LOG"

LOG="$T_LOGDIR/boot-nfs4.log"
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/arch rw testshutdown=cut" \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	'TEST-ROOT link down, the server is unreachable now' \
	'netroot: shutdown: netroot .* as /run/initramfs/shutdown, power-off' \
	"netroot: shutdown: /oldroot \\(nfs4 $SRV:/arch\\): " \
	'netroot: shutdown: (done in [0-9.]+ s|not done after)' \
	'reboot: Power down'
assert_no_panic
assert_shutdown_within 30 "$LOG"

LOG="$T_LOGDIR/boot-nbd.log"
boot_expect "ip=dhcp nbd_host=$SRV nbd_name=arch root=/dev/nbd0 rootfstype=btrfs rw testshutdown=cut" \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	'TEST-ROOT link down, the server is unreachable now' \
	'netroot: shutdown: netroot .* as /run/initramfs/shutdown, power-off' \
	'netroot: shutdown: /oldroot \(btrfs /dev/nbd0\): ' \
	'netroot: shutdown: /dev/nbd0 ' \
	'netroot: shutdown: (done in [0-9.]+ s|not done after)' \
	'reboot: Power down'
assert_no_panic
assert_shutdown_within 30 "$LOG"

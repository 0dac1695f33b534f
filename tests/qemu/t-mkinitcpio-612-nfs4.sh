#!/usr/bin/env bash
# init: mkinitcpio-bpo (a real mkinitcpio, HOOKS=(base netroot fsck), for
# Debian's 6.12 backports kernel; skipped when MKINITCPIO_DIR is unset). That
# kernel's modules are .ko.xz: mkinitcpio keeps them compressed in the image
# and the hook loads them with kmod's modprobe (netroot's own loader is not
# used inside mkinitcpio images), so the NIC driver and the NFS modules come
# from compressed files. vers=4.1 for the reason t-kernel-612-nfs4 gives (the
# lab's ganesha answers this kernel's READ_PLUS with corrupt data).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init mkinitcpio-bpo
# mkinitcpio's own lister (the image starts with an uncompressed early cpio).
"$MKINITCPIO_DIR/lsinitcpio" "$INITRD" >"$T_LOGDIR/image.list" 2>&1 || fail "lsinitcpio $INITRD failed"
xz=$(grep -c '\.ko\.xz$' "$T_LOGDIR/image.list" || true)
echo "the image holds $xz .ko.xz modules"
assert_log_has '/virtio_net\.ko\.xz$' "$T_LOGDIR/image.list"
assert_log_has '/nfsv4\.ko\.xz$' "$T_LOGDIR/image.list"
assert_log_lacks '/virtio_net\.ko$' "$T_LOGDIR/image.list"
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/arch,vers=4.1" \
	'Linux version 6\.12\.' \
	':: running hook \[netroot\]' \
	'netroot: dhcp: eth0: bound to 10\.0\.2\.15' \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	"^$SRV:/arch / nfs4 .*vers=4\.1" \
	'inet 10\.0\.2\.15/24'
assert_log_lacks 'ERROR:|emergency shell|Bailing out|invalid module format|Unknown symbol'
assert_no_panic
report_uptime

#!/usr/bin/env bash
# init: netroot. An NFS root without vers= mounts over NFSv4 and loads nfsv4
# alone: nfsv3 and nfs_acl load only if the mount falls back to version 3.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/arch netroot.debug" \
	'netroot: loading in the background: .*nfsv4' \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	"^$SRV:/arch / nfs4 "
assert_log_lacks 'netroot: .*(nfsv3|nfs_acl)'
assert_no_panic
report_uptime

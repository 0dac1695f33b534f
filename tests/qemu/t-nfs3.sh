#!/usr/bin/env bash
# inits: netroot baseline
# NFSv3 root (vers=3 in nfsroot=): the mount shows vers=3 and nolock (no NLM
# in the initramfs). netroot asks rpcbind for the ports; the baseline (the
# kernel's text mount options) is given them, so it needs no rpcbind.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
opts=vers=3
[ "$INIT" = baseline ] && opts="vers=3,port=2049,mountport=20048,mountproto=tcp"
boot_expect "ip=dhcp nfsroot=$SRV:/arch,$opts" \
	"$ROOT_OK" \
	"^$SRV:/arch / nfs .*vers=3" \
	"^$SRV:/arch / nfs .*nolock"
assert_no_panic
report_uptime

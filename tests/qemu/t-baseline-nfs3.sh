#!/usr/bin/env bash
# init: baseline (busybox script). NFSv3 root through the kernel's text mount
# options, ports given so the client needs no rpcbind (nolock: no NLM).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init baseline
boot_expect "ip=dhcp nfsroot=$SRV:/arch,vers=3,port=2049,mountport=20048,mountproto=tcp" \
	"$ROOT_OK" \
	"^$SRV:/arch / nfs .*vers=3.*nolock"
assert_no_panic
report_uptime

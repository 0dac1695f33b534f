#!/usr/bin/env bash
# inits: netroot baseline
# e1000 NIC, read-write NFSv4 root: the root's write lands on the server.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
f="$BUILD/testroot/host-e1000-$INIT"
guest_files "testroot/host-e1000-$INIT"
BOOT_ARGS=(--e1000)
boot_expect "ip=dhcp nfsroot=$SRV:/arch rw testwrite=host-e1000-$INIT" \
	"$ROOT_OK" \
	"WROTE /host-e1000-$INIT" \
	"^$SRV:/arch / nfs4 rw"
[ -s "$f" ] || fail "the write did not reach the server ($f)"
echo "ok: $f on the server: $(cat "$f")"
assert_no_panic

#!/usr/bin/env bash
# inits: netroot baseline
# nfsroot=<server>:/srv/%s: %s becomes the client's IP address (kernel
# nfsroot.rst); servers.sh keeps a root at /srv/10.0.2.15 whose
# /etc/test-root-id differs from /arch's.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
boot_expect "ip=dhcp nfsroot=$SRV:/srv/%s" \
	"$ROOT_OK .*id=srv-10\.0\.2\.15" \
	"^$SRV:/srv/10\.0\.2\.15 / nfs4 "
assert_no_panic

#!/usr/bin/env bash
# init: baseline (busybox script). nfsroot=<server>:/srv/%s: %s is the client's
# IP address (kernel nfsroot.rst); servers.sh keeps a root at /srv/10.0.2.15.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init baseline
boot_expect "ip=dhcp nfsroot=$SRV:/srv/%s" \
	"$ROOT_OK .*id=srv-10\.0\.2\.15" \
	"^$SRV:/srv/10\.0\.2\.15 / nfs4 "
assert_no_panic

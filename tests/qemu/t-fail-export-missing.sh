#!/usr/bin/env bash
# parallel: yes
# inits: netroot baseline
# The export does not exist: the init names it (netroot: "no such export");
# with panic=5 it reboots; no kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init
BOOT_TIMEOUT=90
if [ "$INIT" = netroot ]; then
	why=('netroot: .*no such export' 'netroot: .*/nonexistent')
else
	why=('baseline: error: cannot mount 10\.0\.2\.2:/nonexistent' 'baseline: rebooting in 5 s')
fi
expect_reboot "ip=dhcp nfsroot=$SRV:/nonexistent netroot.timeout=10 panic=5" "${why[@]}"

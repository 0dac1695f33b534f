#!/usr/bin/env bash
# init: dracut (Debian's dracut 059 with netroot's module, dracut's shell
# /init; tests/dracut/build.sh). The same VLAN-only NFSv4 root as
# t-vlan-nfs4, behind tests/qemu/vlan_switch.py: the image has 8021q
# because netroot's dracut module adds it (with bonding and bridge); udev
# loads the NIC driver, netroot's pre-mount hook runs `netroot net`, which
# creates eth0.5 (8021q loads on demand or from the hook's background
# modprobe of the root's modules), takes the lease on it, and dracut
# switches to the root mounted through it.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/qemu/vlan-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vlan-lib.sh"
BOOT_TIMEOUT=150
use_init dracut

switch_start dracut
boot_expect "vlan=eth0.5:eth0 ip=eth0.5:dhcp root=/dev/nfs nfsroot=$SRV:/arch" \
	"dracut: Mounted root filesystem $SRV:/arch" \
	'netroot: eth0\.5: created \(vlan 5 on eth0\)' \
	'netroot: dhcp: eth0\.5: bound to 10\.0\.2\.15 from 10\.0\.2\.2' \
	"$ROOT_OK uptime=[0-9.]+ pid=1 id=testroot" \
	'eth0\.5@eth0: ' \
	'inet 10\.0\.2\.15/24 .* eth0\.5' \
	"^$SRV:/arch / nfs4 "
assert_log_lacks "Don't know how to handle|Could not boot|Can't mount root|Entering emergency mode|FATAL"
assert_no_panic
switch_stop dracut
assert_switch_vlan_path
report_uptime

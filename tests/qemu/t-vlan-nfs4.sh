#!/usr/bin/env bash
# init: netroot. dracut's vlan=: the NFSv4 root is reachable only over VLAN 5.
# The guest's NIC is a trunk port: QEMU carries its frames as unix datagrams
# (-netdev dgram) to tests/qemu/vlan_switch.py, which forwards frames tagged
# with VID 5 untagged to its access port (another dgram netdev on a QEMU hub
# with slirp, so the lab servers at 10.0.2.2) and tags every frame coming
# back; untagged frames from the guest are dropped and counted
# (tests/qemu/vlan-lib.sh).
#   1. vlan=eth0.5:eth0 ip=eth0.5:dhcp: PID 1 loads 8021q from the image (the
#      default module set has it), creates eth0.5, takes its lease on it and
#      mounts the root through it; the switch forwarded tagged DHCP and NFS
#      frames and no untagged DHCP frame.
#   2. the same boot without vlan= (ip=eth0:dhcp): its DISCOVERs go out
#      untagged and are dropped, so netroot fails with "no DHCP offer" after
#      netroot.timeout=8 and reboots (panic=5), no kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/qemu/vlan-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vlan-lib.sh"
use_init netroot

# --- 1. over the VLAN -----------------------------------------------------------
switch_start vlan
boot_expect "vlan=eth0.5:eth0 ip=eth0.5:dhcp root=/dev/nfs nfsroot=$SRV:/arch" \
	"$ROOT_OK" \
	'netroot: loaded 8021q for bond=/bridge=/vlan=' \
	'netroot: eth0\.5: created \(vlan 5 on eth0\)' \
	'netroot: dhcp: eth0\.5: bound to 10\.0\.2\.15' \
	'eth0\.5@eth0: ' \
	'inet 10\.0\.2\.15/24 .* eth0\.5' \
	'default via 10\.0\.2\.2 dev eth0\.5' \
	"^$SRV:/arch / nfs4 "
assert_log_lacks 'netroot: trying again'
assert_no_panic
switch_stop vlan
assert_switch_vlan_path
report_uptime

# --- 2. the same boot untagged: no answer, the failure outcome ----------------------
switch_start untagged
BOOT_TIMEOUT=90
LOG="$T_LOGDIR/untagged.log"
expect_reboot "ip=eth0:dhcp root=/dev/nfs nfsroot=$SRV:/arch netroot.timeout=8 panic=5" \
	'netroot: network: dhcp on eth0: no DHCP offer on eth0 within [0-9]+ s \(sent [0-9]+ discovers\)' \
	'netroot: rebooting in 5 s \(panic=5\)'
assert_log_lacks 'netroot: dhcp: eth0: bound'
switch_stop untagged
assert_switch from_guest_untagged_dhcp_dropped -gt 0
assert_switch from_guest_tagged -eq 0
assert_switch from_guest_forwarded -eq 0

#!/usr/bin/env bash
# init: netroot. dracut's bond=: two virtio NICs (each on its own slirp) in
# an active-backup bond with MII monitoring. PID 1 loads `bonding` from the
# image before the network phase (the module makes a bond0 of its own, in
# balance-rr: netroot sets its mode), sets bond0 up over rtnetlink, enslaves
# eth0 and eth1, takes the DHCP lease on bond0 (no device in ip=: the
# created link) and mounts the NFSv4 root through it. The kernel's own
# "Enslaving as a backup interface" shows the mode took. 19 s wall here.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
BOOT_ARGS=(--nic2)
boot_expect "bond=bond0:eth0,eth1:mode=active-backup,miimon=100 ip=dhcp nfsroot=$SRV:/arch" \
	"$ROOT_OK" \
	'netroot: loaded bonding for bond=/bridge=/vlan=' \
	'netroot: bond0: (created|set up, it existed) \(bond, active-backup on eth0, eth1\)' \
	'netroot: dhcp: bond0: bound to 10\.0\.2\.15' \
	'bond0: \(slave eth1\): Enslaving as a backup interface' \
	'eth1: .* master bond0' \
	"^$SRV:/arch / nfs4 "
assert_log_lacks 'netroot: trying again'
assert_no_panic
report_uptime

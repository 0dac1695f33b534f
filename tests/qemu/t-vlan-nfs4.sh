#!/usr/bin/env bash
# init: netroot. dracut's vlan=: the NFSv4 root is reachable only over VLAN 5.
# The guest's NIC is a trunk port: QEMU carries its frames as unix datagrams
# (-netdev dgram) to tests/qemu/vlan_switch.py, which forwards frames tagged
# with VID 5 untagged to its access port (another dgram netdev on a QEMU hub
# with slirp, so the lab servers at 10.0.2.2) and tags every frame coming
# back; untagged frames from the guest are dropped and counted.
#   1. vlan=eth0.5:eth0 ip=eth0.5:dhcp: PID 1 loads 8021q from the image (the
#      default module set has it), creates eth0.5, takes its lease on it and
#      mounts the root through it; the switch forwarded tagged DHCP and NFS
#      frames and no untagged DHCP frame.
#   2. the same boot without vlan= (ip=eth0:dhcp): its DISCOVERs go out
#      untagged and are dropped, so netroot fails with "no DHCP offer" after
#      netroot.timeout=8 and reboots (panic=5), no kernel panic.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot

# Unix socket paths must be short (108 bytes): a private directory in TMPDIR.
SW_DIR=$(mktemp -d "${TMPDIR:-/tmp}/netroot-vlan.XXXXXX")
SW_PID=""
sw_cleanup() {
	[ -z "$SW_PID" ] || kill "$SW_PID" 2>/dev/null || true
	rm -rf "$SW_DIR"
}
trap sw_cleanup EXIT

switch_start() { # NAME: a fresh switch (and counts) for the next boot
	SW_STATS="$T_LOGDIR/switch-$1.json"
	rm -f "$SW_DIR"/* "$SW_STATS"
	python3 "$TOP/tests/qemu/vlan_switch.py" --vid 5 --stats "$SW_STATS" \
		--trunk "$SW_DIR/sw-trunk:$SW_DIR/guest" --access "$SW_DIR/sw-access:$SW_DIR/slirp" \
		>"$T_LOGDIR/switch-$1.out" 2>&1 &
	SW_PID=$!
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$SW_DIR/sw-access" ] && [ -s "$SW_STATS" ] && break
		sleep 0.1
	done
	[ -s "$SW_STATS" ] || fail "vlan_switch.py did not start: $(cat "$T_LOGDIR/switch-$1.out")"
	# The guest's NIC on the trunk; slirp (the lab's 10.0.2.2, its DHCP)
	# and the access port joined by QEMU hub 1.
	BOOT_ARGS=(--netdev "dgram,id=n0,local.type=unix,local.path=$SW_DIR/guest,remote.type=unix,remote.path=$SW_DIR/sw-trunk")
	QEMU_ARGS=(-netdev "user,id=up"
		-netdev "dgram,id=acc,local.type=unix,local.path=$SW_DIR/slirp,remote.type=unix,remote.path=$SW_DIR/sw-access"
		-netdev "hubport,id=h0,hubid=1,netdev=up" -netdev "hubport,id=h1,hubid=1,netdev=acc")
}

switch_stop() { # print the switch's summary line
	kill "$SW_PID"
	wait "$SW_PID" || fail "vlan_switch.py failed: $(tail -n 5 "$T_LOGDIR/switch-$1.out")"
	SW_PID=""
	cat "$T_LOGDIR/switch-$1.out"
}

count() { # KEY: from the last switch's counts
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SW_STATS" "$1"
}

assert_count() { # KEY OP N
	local v
	v=$(count "$1")
	test "$v" "$2" "$3" || fail "switch: $1 = $v, wanted $2 $3"
	echo "ok: switch $1 = $v ($2 $3)"
}

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
assert_count from_guest_tagged -gt 0
assert_count from_guest_forwarded -eq "$(count from_guest_tagged)"
assert_count from_guest_tagged_dhcp -ge 2
assert_count from_guest_tagged_nfs -gt 0
assert_count to_guest_tagged -gt 0
assert_count from_guest_untagged_dhcp_dropped -eq 0
assert_count from_guest_other_vid_dropped -eq 0
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
assert_count from_guest_untagged_dhcp_dropped -gt 0
assert_count from_guest_tagged -eq 0
assert_count from_guest_forwarded -eq 0

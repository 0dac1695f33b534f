#!/usr/bin/env bash
# Helpers for tests/qemu/t-*vlan*.sh (sourced after lib.sh): an 802.1Q
# switch between the guest and slirp (tests/qemu/vlan_switch.py).
#
#   switch_start NAME   a fresh switch for the next boot, VLAN 5 on its trunk:
#                       counts in $T_LOGDIR/switch-NAME.json; sets BOOT_ARGS
#                       (the guest's NIC is a -netdev dgram on the trunk) and
#                       QEMU_ARGS (slirp and the access port on QEMU hub 1,
#                       so the lab servers stay at 10.0.2.2)
#   switch_stop NAME    stop it, print its summary line
#   switch_count KEY    a count of the last switch (see vlan_switch.py)
#   assert_switch KEY OP N
#                       fail unless `test COUNT OP N`
#   assert_switch_vlan_path
#                       the boot's traffic went tagged with VID 5 both ways
#                       (DHCP and NFS among it), no untagged DHCP, nothing
#                       of another VLAN
# shellcheck disable=SC2034 # BOOT_ARGS and QEMU_ARGS are for lib.sh
: "${TOP:?run through tests/qemu/run.sh}"

# Unix socket paths must be short (108 bytes): a private directory in TMPDIR.
SW_DIR=$(mktemp -d "${TMPDIR:-/tmp}/netroot-vlan.XXXXXX")
SW_PID="" SW_STATS=""
switch_cleanup() {
	[ -z "$SW_PID" ] || kill "$SW_PID" 2>/dev/null || true
	rm -rf "$SW_DIR"
}
at_exit switch_cleanup

switch_start() { # NAME
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
	BOOT_ARGS=(--netdev "dgram,id=n0,local.type=unix,local.path=$SW_DIR/guest,remote.type=unix,remote.path=$SW_DIR/sw-trunk")
	# QEMU warns "hub 1 with no nics": the hub joins two backends, no NIC.
	QEMU_ARGS=(-netdev "user,id=up"
		-netdev "dgram,id=acc,local.type=unix,local.path=$SW_DIR/slirp,remote.type=unix,remote.path=$SW_DIR/sw-access"
		-netdev "hubport,id=h0,hubid=1,netdev=up" -netdev "hubport,id=h1,hubid=1,netdev=acc")
}

switch_stop() { # NAME
	kill "$SW_PID"
	wait "$SW_PID" || fail "vlan_switch.py failed: $(tail -n 5 "$T_LOGDIR/switch-$1.out")"
	SW_PID=""
	cat "$T_LOGDIR/switch-$1.out"
}

switch_count() { # KEY
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SW_STATS" "$1"
}

assert_switch() { # KEY OP N
	local v
	v=$(switch_count "$1")
	test "$v" "$2" "$3" || fail "switch: $1 = $v, wanted $2 $3"
	echo "ok: switch $1 = $v ($2 $3)"
}

assert_switch_vlan_path() { # the root's traffic went tagged both ways, none untagged
	assert_switch from_guest_tagged -gt 0
	assert_switch from_guest_forwarded -eq "$(switch_count from_guest_tagged)"
	assert_switch from_guest_tagged_dhcp -ge 2
	assert_switch from_guest_tagged_nfs -gt 0
	assert_switch to_guest_tagged -gt 0
	assert_switch from_guest_untagged_dhcp_dropped -eq 0
	assert_switch from_guest_other_vid_dropped -eq 0
}

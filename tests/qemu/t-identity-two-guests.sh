#!/usr/bin/env bash
# init: netroot. Per-client identity on one shared read-only NFSv4 root whose
# /etc/machine-id holds `uninitialized` (qemu/mkroot.sh). Two guests with
# different MACs boot at once; DHCP (slirp) gives no host name, and both get
# the same address (10.0.2.15, each behind its own slirp), so only the
# uniquifier keeps their NFSv4 client owners apart. Asserts: node name =
# the address (as the kernel's ipconfig sets it), NFSv4 uniquifier = the MAC
# (QEMU's DMI product UUID is all zeros without -uuid: a placeholder),
# machine-ids distinct and valid; the same machine booted again gets the same
# values, and with netroot.overlay=tmpfs the same machine-id (written in the
# overlay); a guest with a real DMI UUID (-uuid) takes it as uniquifier; the
# server's /etc/machine-id is still `uninitialized` afterwards.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
[ "$(cat "$BUILD/testroot/etc/machine-id")" = uninitialized ] ||
	fail "the test root's /etc/machine-id is not 'uninitialized' (qemu/mkroot.sh --force)"
MAC_A=52:54:00:12:34:56 MAC_B=52:54:00:12:34:58 MAC_C=52:54:00:12:34:5a
# Under load TCG guests reach /init late; never boot one machine twice at
# once (that is the collision this test is about).
BOOT_TIMEOUT=180
UUID=5b0a1f2e-8c1d-4e6f-9a7b-3c2d1e0f9a8b
line="ip=dhcp nfsroot=$SRV:/arch"

ident() { # LOG KEY: a value of the test root's identity line
	log_word "TEST-ROOT identity .*$2=" "$1"
}
check() { # NAME MAC-or-UUID: the guest booted, its identity line is whole
	local log
	log=$(bg_log "$1")
	LOG=$log assert_log_has "$ROOT_OK" "$log"
	assert_log_has "netroot: identity: node name 10\.0\.2\.15 \(from the address\)" "$log"
	assert_log_has "TEST-ROOT identity nodename=10\.0\.2\.15 nfs4_unique_id=$2 " "$log"
	assert_log_has "machine_id=[0-9a-f]{32}([^0-9a-f]|$)" "$log"
	LOG=$log assert_no_panic
}

boot_bg a "$line" --mac $MAC_A
boot_bg b "$line" --mac $MAC_B
rc=0
boot_wait a || rc=1
boot_wait b || rc=1
[ "$rc" = 0 ] || fail "a guest did not power off in time"
check a $MAC_A
check b $MAC_B
assert_log_has "netroot: identity: node name 10\.0\.2\.15, nfs4 id $MAC_A \(from the MAC\), machine-id [0-9a-f]{32} \(derived from the MAC; the root's is uninitialized; bind-mounted over /etc/machine-id\)" "$(bg_log a)"
id_a=$(ident "$(bg_log a)" machine_id) id_b=$(ident "$(bg_log b)" machine_id)
[ "$id_a" != "$id_b" ] || fail "both guests have machine-id $id_a"
echo "ok: machine-ids differ: $id_a (a), $id_b (b)"
[ "$(ident "$(bg_log a)" nfs_identifier)" = $MAC_A ] || fail "a: /sys/fs/nfs/net/nfs_client/identifier is not $MAC_A"
echo "ok: a's per-netns NFS client identifier is $MAC_A too"

# The same machine again (shared root, then overlay), and a machine with a real DMI UUID.
boot_bg a2 "$line" --mac $MAC_A
boot_bg u "$line" --mac $MAC_C -- -uuid $UUID
boot_wait a2 || rc=1
boot_wait u || rc=1
boot_bg a3 "$line netroot.overlay=tmpfs" --mac $MAC_A
boot_wait a3 || rc=1
[ "$rc" = 0 ] || fail "a guest did not power off in time"
check a2 $MAC_A
[ "$(ident "$(bg_log a2)" machine_id)" = "$id_a" ] || fail "a booted again has another machine-id"
echo "ok: a booted again: the same node name, uniquifier and machine-id $id_a"
LOG=$(bg_log a3) assert_log_has "$ROOT_OK"
assert_log_has " / overlay " "$(bg_log a3)"
assert_log_has "machine-id $id_a \(derived from the MAC; the root is shared \(netroot.overlay= or netroot.state=\); written in the overlay\)|machine-id $id_a \(derived from the MAC; the root's is uninitialized; written in the overlay\)" "$(bg_log a3)"
[ "$(ident "$(bg_log a3)" machine_id)" = "$id_a" ] || fail "a with an overlay has another machine-id"
echo "ok: a with netroot.overlay=tmpfs: the same machine-id, written in the overlay"
check u $UUID
id_u=$(ident "$(bg_log u)" machine_id)
[ "$id_u" != "$id_a" ] || fail "the DMI UUID did not change the machine-id"
echo "ok: with -uuid the uniquifier is the DMI product UUID and the machine-id $id_u"

[ "$(cat "$BUILD/testroot/etc/machine-id")" = uninitialized ] ||
	fail "the server's /etc/machine-id changed: $(cat "$BUILD/testroot/etc/machine-id")"
echo "ok: the server's /etc/machine-id is still 'uninitialized'"
LOG=$(bg_log a) report_uptime

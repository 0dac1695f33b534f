#!/usr/bin/env bash
# init: netroot. The classroom (qemu/room.sh): ROOM_GUESTS (default 4) guests
# on one bridge, a dnsmasq that hands out addresses but no host names, one
# ganesha, one read-write root (build/testroot at /arch), all booted at the
# same moment; each writes, reads back and compares its own file every 0.2 s
# for 20 s while holding another file open (the test root's testio=20).
# Proves that the clients do not collide on their NFSv4 identity: every
# guest reaches the root, node names, NFSv4 uniquifiers and machine-ids
# differ, no I/O error, no lost line in the held file, no NFS state recovery
# in any kernel log, and each guest got at least 30 operations done
# (measured here: 74-83 each with distinct node names; 8-36 each when all
# four were `(none)`, because the server kept taking the clients' state away
# from each other; one of them once panicked before, see qemu/room.sh).
# 45-70 s wall on 2 shared cores.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
n=${ROOM_GUESTS:-4}
io=20 min_ops=30
guest_files 'testroot/tmp/io-*'
room_boot "$n" --append "ip=dhcp root=/dev/nfs nfsroot=10.0.3.1:/arch rw testio=$io"

# The server sent no host name: the names come from the clients themselves.
LOG="$T_LOGDIR/dnsmasq.log" assert_log_has 'DHCPACK\(br0\)'
LOG="$T_LOGDIR/dnsmasq.log" assert_log_lacks 'option: +12 '

# NFS state recovery and errors, as the kernel's NFSv4 client logs them
# (fs/nfs/nfs4state.c, nfs4proc.c): lost leases, reclaims, stale client ids.
recovery='nfs4_reclaim_open_state|nfs4_reclaim_locks|state manager|NFS4ERR|check lease failed|Lock reclaim failed|lost lock|server .* not responding|reclaim|expired|I/O error|Input/output error'
for ((k = 1; k <= n; k++)); do
	assert_guest "$k" "$ROOT_OK" '^TEST-IO done ' -- '^TEST-IO error' "$recovery"
	# The test root's `TEST-ROOT identity nodename=... nfs4_unique_id=...
	# nfs_identifier=... machine_id=...` (qemu/mkroot.sh)
	line=$(grep -m1 '^TEST-ROOT identity ' "$LOG" | tr -d '\r') || fail "guest $k printed no identity"
	node=$(log_word ' nodename=' <(echo "$line"))
	uniq=$(log_word ' nfs4_unique_id=' <(echo "$line"))
	ident=$(log_word ' nfs_identifier=' <(echo "$line"))
	mid=$(log_word ' machine_id=' <(echo "$line"))
	# The kernel takes the sysfs identifier first, else nfs4_unique_id.
	case "$ident" in "" | "(null)") ident=$uniq ;; esac
	echo "guest $k: node name $node, nfs4_unique_id '$uniq', uniquifier in use '$ident', machine-id '$mid'"
	case "$node" in "" | "(none)") fail "guest $k runs without a node name ($line)" ;; esac
	[ -n "$uniq" ] || fail "guest $k has no nfs4_unique_id ($line)"
	[ -n "$ident" ] || fail "guest $k has no NFSv4 uniquifier ($line)"
	assert_machine_id "$k" "$mid"
	assert_unique "node name" "$node" "$k"
	assert_unique "NFSv4 uniquifier" "$ident" "$k"
	done_line=$(grep -m1 '^TEST-IO done ' "$LOG" | tr -d '\r')
	ops=$(log_word ' ops=' <(echo "$done_line"))
	errors=$(log_word ' errors=' <(echo "$done_line"))
	held=$(log_word ' held=' <(echo "$done_line"))
	echo "guest $k: root init at $(root_uptime "$LOG") s, $done_line"
	[ "$errors" = 0 ] || fail "guest $k: $errors I/O errors"
	[ "$held" = "$ops" ] || fail "guest $k: the held file has $held lines for $ops operations"
	[ "$ops" -ge "$min_ops" ] || fail "guest $k: only $ops operations in $io s (< $min_ops: stalled)"
done
room_passed
# run.sh shows this one next to PASS: the slowest guest's root init.
echo "root init started at guest uptime $(for ((k = 1; k <= n; k++)); do root_uptime "$T_LOGDIR/guest-$k.log"; done | sort -n | tail -n 1) s"

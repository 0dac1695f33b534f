#!/usr/bin/env bash
# init: netroot. The lease after the switch, in a root that does not take it
# over (the busybox test root: no systemd-networkd): one guest on
# qemu/room.sh's bridge, where dnsmasq gives 2-minute leases (its shortest)
# and names the bridge as the log server (DHCP option 7). netroot decides to
# renew, because nothing else will, and leaves @netroot-dhcp running; the
# root's init holds for 7 min (testhold=), over three lease times. Proves,
# while the guest still runs after those three lease times: dnsmasq's log has
# at least 5 REQUEST/ACK pairs from the guest's MAC for the address of the
# boot (a renewal every T1 = 60 s) and no DISCOVER after the boot's lease
# (it never lapsed), its lease file holds the address for the MAC past now,
# and the guest answers ping at that address from the bridge. Prints the
# renewer's memory before and after the renewals (README "The lease").
# Also netroot.syslog=dhcp end to end: the guest sends its log to option 7's
# server (10.0.3.1:514), where `netroot watch --json` in the room's namespace
# sees it reach "switched". ~8 min wall (the hold), mostly asleep.
# parallel: idle
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/qemu/watch-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/watch-lib.sh"
use_init netroot
lease=120 hold=420 mac=52:54:00:03:00:01
room_bg 1 --lease 2m --dhcp-option option:log-server,10.0.3.1 --timeout $((hold + 240)) \
	--append "ip=dhcp root=/dev/nfs nfsroot=10.0.3.1:/arch netroot.syslog=dhcp testhold=$hold"
room_ns
# In the room's namespace before the guest sends (QEMU starts after ganesha
# listens there; its kernel takes seconds more before DHCP).
watch_listen 10.0.3.1:514 --clients 1 --duration 300
LOG="$T_LOGDIR/guest-1.log"
wait_log 'netroot: dhcp: eth0: bound to ' 240 "$LOG"
bound=$(date +%s)
addr=$(log_word 'netroot: dhcp: eth0: bound to ')
echo "guest $mac bound to $addr at $(date -d "@$bound" +%T)"

# netroot.syslog=dhcp: option 7 named the collector, which saw the switch.
wait_log "$ROOT_OK" 240 "$LOG"
assert_log_has 'netroot: remote log to 10\.0\.3\.1:514 \(RFC 5424 over UDP\)'
watch_wait 60
watch_one_switched "$mac" "$addr"

# The decision, before the switch: nothing in this root renews.
assert_log_has "netroot: dhcp: @netroot-dhcp \(pid [0-9]+\) renews the $lease s lease of ${addr//./\\.}: the root does not enable systemd-networkd"
wait_log 'TEST-ROOT resident [0-9]+ @netroot-dhcp VmRSS:' 60 "$LOG"

# Three lease times after the boot's lease, the guest still up (its hold
# lasts longer): the address is still this client's.
until [ "$(date +%s)" -ge $((bound + 3 * lease + 10)) ]; do
	kill -0 "$ROOM_PID" 2>/dev/null || fail "the room ended before three lease times ($(tail -n 3 "$LOG" | tr -d '\r'))"
	sleep 2
done
assert_log_lacks 'TEST-ROOT held '
dlog="$T_LOGDIR/dnsmasq.log"
# After the boot's lease (its first ACK; whatever the boot sent before it
# is the boot's): the renewals' REQUESTs and ACKs, and any DISCOVER (the
# client starting over).
read -r req ack disc < <(awk -v m="$mac" -v a="$addr" '
	index($0, "DHCPACK(br0) " a " " m) { if (bound) ack++; bound = 1; next }
	!bound { next }
	index($0, "DHCPREQUEST(br0) " a " " m) { req++ }
	/DHCPDISCOVER\(br0\)/ && index($0, m) { disc++ }
	END { print req + 0, ack + 0, disc + 0 }' "$dlog")
other=$(grep -E "DHCP(ACK|OFFER)\(br0\) [0-9.]+ $mac" "$dlog" | grep -v " ${addr//./\\.} $mac" || true)
echo "dnsmasq, $(($(date +%s) - bound)) s after the boot's lease: $req DHCPREQUEST and $ack DHCPACK of $addr for $mac, $disc DHCPDISCOVER since"
[ "$req" -ge 5 ] || fail "only $req renewals (DHCPREQUEST of $addr from $mac) in three lease times; want >= 5"
[ "$ack" -ge 5 ] || fail "only $ack of the $req renewals of $addr for $mac got a DHCPACK; want >= 5"
[ "$disc" = 0 ] || fail "$disc DHCPDISCOVER from $mac after the boot's lease: the client started over"
[ -z "$other" ] || fail "dnsmasq gave $mac another address: $other"
assert_log_lacks 'DHCPNAK' "$dlog"
now=$(date +%s)
# dnsmasq.leases: EXPIRY MAC ADDRESS NAME CLIENT-ID
held=$(awk -v m="$mac" -v a="$addr" '$2 == m && $3 == a { print $1 }' "$T_LOGDIR/dnsmasq.leases")
[ -n "$held" ] || fail "dnsmasq's lease file has no $mac $addr: $(cat "$T_LOGDIR/dnsmasq.leases")"
[ "$held" -gt "$now" ] || fail "dnsmasq's lease of $addr to $mac ended at $(date -d "@$held" +%T), now $(date +%T)"
echo "ok: dnsmasq holds $addr for $mac until $(date -d "@$held" +%T) ($((held - now)) s from now)"
in_lab ping -c 3 -W 2 "$addr" || fail "$addr does not answer ping from the bridge"
echo "ok: $addr answers ping from the bridge"

# The guest's own account: every renewal answered, never T2 nor expiry.
room_wait
room_passed
renewed=$(grep -c "netroot: dhcp renewer: eth0: lease of ${addr//./\\.} renewed by 10\.0\.3\.1 for $lease s" "$LOG" || true)
echo "guest: $renewed renewals logged by @netroot-dhcp"
[ "$renewed" -ge 5 ] || fail "the renewer logged $renewed renewals; want >= 5"
assert_guest 1 'TEST-ROOT held [0-9]+ s' 'netroot: dhcp renewer: eth0: T1: renewing ' \
	-- 'dhcp renewer: .*(T2|expired|NAK|cannot|bound to)' 'netroot: trying again'
# The memory of @netroot-dhcp before the hold (asleep until its first T1)
# and after it (renewed every minute): VmRSS, and smaps_rollup's Rss and
# Anonymous (exact; VmRSS lags, see qemu/mkroot.sh). Its file pages are those
# of /run/initramfs/shutdown, in memory anyway: what the renewer adds is
# about its anonymous memory, which must stay small.
mem=$(sed -n 's/.*TEST-ROOT resident [0-9]* @netroot-dhcp VmRSS:[[:space:]]*\([0-9]*\) kB smaps Rss: \([0-9]*\) kB Anonymous: \([0-9]*\) kB.*/\1 \2 \3/p' "$LOG")
[ "$(wc -l <<<"$mem")" = 2 ] || fail "want two memory lines of @netroot-dhcp (before, after the hold), got '$mem'"
read -r vm0 rss0 anon0 <<<"$(head -n 1 <<<"$mem")"
read -r vm1 rss1 anon1 <<<"$(tail -n 1 <<<"$mem")"
echo "@netroot-dhcp at the switch: VmRSS $vm0 kB, Rss $rss0 kB, Anonymous $anon0 kB;" \
	"after $renewed renewals: VmRSS $vm1 kB, Rss $rss1 kB, Anonymous $anon1 kB"
[ "$anon1" -le 256 ] || fail "@netroot-dhcp holds $anon1 kB of anonymous memory after $renewed renewals (> 256 kB)"

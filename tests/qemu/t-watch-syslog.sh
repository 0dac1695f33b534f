#!/usr/bin/env bash
# init: netroot. netroot.syslog=10.0.2.2:5514: every phase sends its messages
# (those from before the network was up too) as RFC 5424 over UDP, checked
# strictly by an independent parser (tests/qemu/syslog_relay.py) and taken
# by a real collector, rsyslogd's imudp (its RFC 5424 parser's HOSTNAME,
# MSGID and STRUCTURED-DATA as netroot sent them); `netroot
# watch --json` follows the guest to "switched"; on the booted root,
# `netroot report` (the test root's /usr/bin/netroot, testreport) tables the
# /run/netroot/timeline.json PID 1 left there.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/qemu/watch-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/watch-lib.sh"
use_init netroot
rsyslog_start 5516
watch_start 5514 --clients 1 --duration 150
boot_expect "ip=dhcp nfsroot=$SRV:/arch netroot.syslog=$SRV:5514 testreport" \
	"$ROOT_OK" \
	'netroot: remote log to 10.0.2.2:5514' \
	'netroot: timeline: modules .* longest wait: ' \
	'TEST-ROOT timeline: \{"version":1,'
assert_no_panic
watch_wait 60
syslog_check --msgid init --msgid modules --msgid carrier --msgid dhcp \
	--msgid root-modules --msgid mount --msgid switch --msgid switched
rsyslog_lines >"$T_LOGDIR/rsyslog.txt"
# HOSTNAME APP-NAME MSGID STRUCTURED-DATA MSG, as rsyslog parsed them.
host='^10\.0\.2\.15 netroot' sd='\[netroot@32473 mac="52:54:00:12:34:56" ip="10\.0\.2\.15" uptime="[0-9]+\.[0-9]{3}"\]'
if grep -Ev "$host [a-z-]+ $sd " "$T_LOGDIR/rsyslog.txt" | head -n 5 | grep .; then
	fail "rsyslogd did not parse those as netroot sent them"
fi
assert_log_has "$host switch $sd switching to the root, exec /sbin/init at [0-9.]+ s\$" "$T_LOGDIR/rsyslog.txt"
echo "ok: rsyslogd parsed all $(wc -l <"$T_LOGDIR/rsyslog.txt") messages: HOSTNAME, APP-NAME, MSGID, netroot@32473"
watch_final_is "one switched client" <<'PY'
import json, sys
f = json.loads(sys.argv[1])
[c] = f["clients"]
assert c["state"] == "switched" and c["phase"] == "switched", c
assert c["mac"] == "52:54:00:12:34:56" and c["ip"] == "10.0.2.15", c
assert 1000 < c["boot_ms"] < 120000 and c["last_error"] is None, c
PY
echo "ok: watch saw 52:54:00:12:34:56 switch"
# What the booted root's `netroot report` printed (qemu/mkroot.sh testreport):
# a row per phase (sub-phases indented), start, end, took; the longest wait.
sed -n 's/\r//; s/^TEST-ROOT report: //p' "$LOG" | tee "$T_LOGDIR/report.txt"
assert_log_has '^phase +start +end +took$' "$T_LOGDIR/report.txt"
for phase in modules network '  carrier' '  dhcp' root-modules root '  mount' switch; do
	grep -Eq "^$phase +[0-9]+\.[0-9]{2} s +[0-9]+\.[0-9]{2} s +[0-9]+\.[0-9]{2} s$" "$T_LOGDIR/report.txt" ||
		fail "the guest's netroot report lacks a row for the phase '$phase'"
done
assert_log_has '^netroot ran from [0-9.]+ s to [0-9.]+ s of uptime: [0-9.]+ s$' "$T_LOGDIR/report.txt"
assert_log_has '^longest wait: [a-z-]+ \([0-9.]+ s, [0-9]+ % of it\)$' "$T_LOGDIR/report.txt"
assert_log_has '^exit 0$' "$T_LOGDIR/report.txt"
report_uptime

#!/usr/bin/env bash
# init: netroot. Two guests boot at once with netroot.syslog=: one
# `netroot watch --json` shows both (told apart by MAC, both are 10.0.2.15
# behind slirp) reaching "switched", with their boot times.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/qemu/watch-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/watch-lib.sh"
use_init netroot
watch_start 5534 --clients 2 --duration 200
line="ip=dhcp nfsroot=$SRV:/arch ro netroot.syslog=$SRV:5534"
boot_bg a "$line"
boot_bg b "$line" --mac 52:54:00:12:34:58
rc=0
boot_wait a || rc=1
boot_wait b || rc=1
[ "$rc" = 0 ] || fail "a guest did not power off in time"
for g in a b; do LOG=$(bg_log $g) assert_log_has "$ROOT_OK"; done
watch_wait 60
syslog_check --msgid switched
watch_final_is "two switched clients" <<'PY'
import json, sys
rows = json.loads(sys.argv[1])["clients"]
assert sorted(c["mac"] for c in rows) == ["52:54:00:12:34:56", "52:54:00:12:34:58"], rows
for c in rows:
    assert c["state"] == "switched" and c["boot_ms"] > 1000 and c["last_error"] is None, c
    print(f'{c["mac"]} switched at {c["boot_ms"] / 1000:.2f} s')
PY
grep -c '"event":"message"' "$WATCH_OUT" | sed 's/^/messages seen by watch: /'

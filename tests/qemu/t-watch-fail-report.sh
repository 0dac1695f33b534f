#!/usr/bin/env bash
# init: netroot. netroot.syslog= with a missing export and panic=5: the guest
# sends its failure report (MSGID failure: the error in the structured data,
# the command line as booted and the last messages, the error among them, in
# MSG) before it reboots, and
# `netroot watch` marks it failed with the error.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/qemu/watch-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/watch-lib.sh"
use_init netroot
BOOT_TIMEOUT=90
watch_start 5524 --clients 1 --duration 120
line="ip=dhcp nfsroot=$SRV:/nonexistent netroot.timeout=10 panic=5 netroot.syslog=$SRV:5524"
expect_reboot "$line" \
	'netroot: .*no such export'
watch_wait 30
syslog_check --msgid dhcp --msgid mount --failure 'no such export' --cmdline "$line"
watch_final_is "one failed client with the error" <<'PY'
import json, sys
[c] = json.loads(sys.argv[1])["clients"]
assert c["state"] == "failed" and c["phase"] == "failure", c
assert "no such export" in c["last_error"], c
PY
echo "ok: watch marked the client failed: no such export"

#!/usr/bin/env bash
# parallel: yes
# init: netroot. Live root through a proxy that cuts the first transfer after
# 3 MiB: netroot resumes with a Range request (206) and the pinned SHA-256
# of the whole image still matches. The rest comes slowly (~0.8 MB/s), so
# the console shows the progress line, at most one per 5 s.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
live_images
live_server 8186
proxy="$T_LOGDIR/cut-proxy.py"
cat >"$proxy" <<'PY'
import socket, sys, threading, time
lport, uport, cut, logf = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", lport))
srv.listen(8)

def log(line):
    with open(logf, "a") as f:
        f.write(line + "\n")

def handle(c, n):
    u = socket.create_connection(("127.0.0.1", uport))
    req = b""
    while b"\r\n\r\n" not in req:
        d = c.recv(65536)
        if not d:
            return
        req += d
    lines = req.decode("latin-1").split("\r\n")
    rng = [l for l in lines if l.lower().startswith("range:")]
    log("conn %d: %s [%s]" % (n, lines[0], rng[0] if rng else "no range"))
    u.sendall(req)
    sent = 0
    while True:
        d = u.recv(65536)
        if not d:
            break
        if n == 0 and sent + len(d) >= cut:
            c.sendall(d[: cut - sent])
            log("conn %d: cut after %d bytes" % (n, cut))
            c.shutdown(socket.SHUT_RDWR)
            break
        c.sendall(d)
        sent += len(d)
        if n > 0:
            time.sleep(len(d) / 800000.0)
    c.close()
    u.close()

n = 0
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c, n), daemon=True).start()
    n += 1
PY
in_lab_bg python3 "$proxy" 8187 8186 $((3 << 20)) "$T_LOGDIR/proxy.log" </dev/null >"$T_LOGDIR/proxy.out" 2>&1
LIVE_PIDS+=($!)
sleep 1
sum=$(sha256sum "$LIVE_DIR/big.squashfs" | cut -d' ' -f1)
# Its size as netroot writes it (the test root plus 8 MiB: 9.x MiB).
mib=$(awk -v b="$(stat -c %s "$LIVE_DIR/big.squashfs")" 'BEGIN { printf "%.1f", b / 1048576 }')
mib=${mib//./\\.}
boot_expect "ip=dhcp root=live:http://$SRV:8187/big.squashfs netroot.sha256=$sum" \
	"$ROOT_OK" \
	'netroot: .*live: http://10\.0\.2\.2:8187/big\.squashfs: transfer: connection closed after [0-9]+ of [0-9]+ body bytes; retrying' \
	'netroot: .*live: resuming http://10\.0\.2\.2:8187/big\.squashfs at byte [0-9]+' \
	'netroot: .*live: SHA-256 matches netroot.sha256=' \
	"netroot: .*live: [0-9.]+ MiB of $mib MiB \\([0-9]+%\\), [0-9.]+ MiB/s, ETA [0-9]+ s" \
	'^/dev/loop[0-9]+ /run/netroot/lower squashfs ro'
assert_log_has 'conn 0: cut after' "$T_LOGDIR/proxy.log"
assert_log_has 'conn 1: GET /big.squashfs HTTP/1.1 \[Range: bytes=[0-9]+-\]' "$T_LOGDIR/proxy.log"
assert_no_panic
lines=$(grep -Ec 'live: [0-9.]+ MiB of ' "$LOG")
secs=$(sed -n "s/.*live: .*: $mib MiB in \\([0-9.]*\\) s.*/\\1/p" "$LOG" | head -n 1)
echo "progress lines: $lines in a $secs s download"
awk -v n="$lines" -v s="$secs" 'BEGIN { exit !(n >= 1 && n <= s / 5 + 1) }' ||
	fail "$lines progress lines for a $secs s download (at most one per 5 s)"
cat "$T_LOGDIR/proxy.log"
grep -Eo 'live: .*(in [0-9.]+ s|mounted read-only.*|resuming.*)' "$LOG" | sed 's/\r//' || true
report_uptime

#!/usr/bin/env bash
# Helpers for tests/qemu/t-watch-*.sh (sourced after lib.sh).
#
#   rsyslog_start PORT    (before watch_start) rsyslogd, Debian's rsyslog, in
#       the lab netns: in the foreground, its own configuration, work
#       directory and pid file in $T_LOGDIR/rsyslog/ (no system file read or
#       written), imudp on 127.0.0.1:PORT, each message a line
#       `HOSTNAME APP-NAME MSGID STRUCTURED-DATA MSG` (its RFC 5424 parser's
#       properties) in $RSYSLOG_OUT; watch_start's relay forwards there too
#   rsyslog_lines         (after watch_wait) wait until rsyslogd wrote a line
#                         for every datagram the relay kept, stop it, and
#                         print the lines without MSG's UTF-8 BOM
#   watch_start PORT [netroot watch options]
#       in the lab netns (where slirp's 10.0.2.2:PORT arrives): a relay on
#       127.0.0.1:PORT that keeps every datagram in $T_LOGDIR/syslog-PORT.b64
#       and forwards it to `netroot watch --json` on PORT+1, whose output goes
#       to $WATCH_OUT (and to rsyslog_start's port)
#   watch_listen ADDR:PORT [netroot watch options]
#       `netroot watch --json` on ADDR:PORT in the lab netns (LAB_NS), no
#       relay; its output goes to $WATCH_OUT (watch_start's relay uses it)
#   watch_wait [SECONDS]  wait for watch to exit (it is given --clients or
#                         --duration), then stop the relay
#   syslog_check ARGS...  tests/qemu/syslog_relay.py check on the datagrams
#   watch_final_is WHAT   the python program on stdin gets watch's `final`
#                         event (JSON) as sys.argv[1]; fail "watch's final
#                         table is not WHAT" unless it exits 0
#   watch_one_switched MAC IP
#                         watch's final table is that one client, switched,
#                         without an error
: "${TOP:?run through tests/qemu/run.sh}"

NETROOT_BIN="$TOP/target/x86_64-unknown-linux-musl/release/netroot"
RELAY_PID="" WATCH_PID="" WATCH_PORT="" WATCH_OUT=""
RSYSLOG_PID="" RSYSLOG_PORT="" RSYSLOG_OUT=""

watch_stop() {
	local p
	for p in $RELAY_PID $WATCH_PID $RSYSLOG_PID; do
		kill "$p" 2>/dev/null || true
	done
}

rsyslog_start() { # PORT
	local dir="$T_LOGDIR/rsyslog" _
	RSYSLOG_PORT=$1 RSYSLOG_OUT="$T_LOGDIR/rsyslog/messages"
	command -v rsyslogd >/dev/null || fail "no rsyslogd (Debian package rsyslog: make deps)"
	rm -rf "$dir"
	mkdir -p "$dir/work"
	cat >"$dir/rsyslog.conf" <<-EOF
		global(workDirectory="$dir/work")
		module(load="imudp")
		template(name="fields" type="string"
			string="%HOSTNAME% %APP-NAME% %MSGID% %STRUCTURED-DATA% %msg%\n")
		ruleset(name="lab") {
			action(type="omfile" file="$RSYSLOG_OUT" template="fields")
		}
		input(type="imudp" address="127.0.0.1" port="$RSYSLOG_PORT" ruleset="lab")
	EOF
	in_lab_bg rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" \
		</dev/null >"$dir/rsyslogd.out" 2>&1
	RSYSLOG_PID=$!
	at_exit watch_stop
	for _ in $(seq 50); do
		in_lab ss -Hlun "sport = :$RSYSLOG_PORT" | grep -q . && return 0
		kill -0 "$RSYSLOG_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/rsyslogd.out" >&2
	fail "rsyslogd did not listen on 127.0.0.1:$RSYSLOG_PORT in the lab netns"
}

rsyslog_lines() {
	local want got=0 _
	want=$(wc -l <"$T_LOGDIR/syslog-$WATCH_PORT.b64")
	for _ in $(seq 50); do
		[ ! -f "$RSYSLOG_OUT" ] || got=$(wc -l <"$RSYSLOG_OUT")
		[ "$got" -lt "$want" ] || break
		sleep 0.1
	done
	kill "$RSYSLOG_PID" 2>/dev/null || true
	wait "$RSYSLOG_PID" 2>/dev/null || true
	[ "$got" = "$want" ] || fail "rsyslogd wrote $got lines for $want datagrams (log $T_LOGDIR/rsyslog/rsyslogd.out)"
	LC_ALL=C sed 's/\xef\xbb\xbf//' "$RSYSLOG_OUT"
}

watch_start() { # PORT [watch options]
	WATCH_PORT=$1
	shift
	local dg="$T_LOGDIR/syslog-$WATCH_PORT.b64" _
	rm -f "$dg" "$dg.ready"
	[ -x "$NETROOT_BIN" ] || fail "no $NETROOT_BIN (make build)"
	in_lab_bg python3 "$TOP/tests/qemu/syslog_relay.py" relay --listen "$WATCH_PORT" \
		--forward $((WATCH_PORT + 1)) ${RSYSLOG_PORT:+--forward "$RSYSLOG_PORT"} --out "$dg"
	RELAY_PID=$!
	watch_listen "127.0.0.1:$((WATCH_PORT + 1))" "$@"
	for _ in $(seq 50); do
		[ -e "$dg.ready" ] && return 0
		sleep 0.1
	done
	fail "the syslog relay did not start on port $WATCH_PORT"
}

watch_listen() { # ADDR:PORT [watch options]
	WATCH_PORT=${WATCH_PORT:-${1##*:}}
	WATCH_OUT="$T_LOGDIR/watch-$WATCH_PORT.json"
	in_lab_bg "$NETROOT_BIN" watch --json --listen "$1" "${@:2}" >"$WATCH_OUT" 2>"$WATCH_OUT.err"
	WATCH_PID=$!
	at_exit watch_stop
	local _
	for _ in $(seq 50); do
		in_lab ss -Hlun "sport = :${1##*:}" | grep -q . && return 0
		sleep 0.1
	done
	cat "$WATCH_OUT.err" >&2
	fail "netroot watch did not listen on $1 (UDP)"
}

watch_wait() { # [SECONDS]
	local rc=0 _
	for _ in $(seq "${1:-120}"); do
		kill -0 "$WATCH_PID" 2>/dev/null || break
		sleep 1
	done
	if kill -0 "$WATCH_PID" 2>/dev/null; then
		watch_stop
		fail "netroot watch did not finish"
	fi
	wait "$WATCH_PID" || rc=$?
	kill "$RELAY_PID" 2>/dev/null || true
	[ "$rc" = 0 ] || { cat "$WATCH_OUT.err" >&2; fail "netroot watch exited $rc"; }
	echo "ok: netroot watch exited 0 ($(wc -l <"$WATCH_OUT") JSON lines)"
}

syslog_check() { # ARGS for syslog_relay.py check
	python3 "$TOP/tests/qemu/syslog_relay.py" check "$T_LOGDIR/syslog-$WATCH_PORT.b64" "$@" ||
		fail "the datagrams are not all valid RFC 5424 with what is expected"
}

watch_final_is() { # WHAT
	local final
	final=$(grep '"event":"final"' "$WATCH_OUT" | tail -n 1)
	echo "final: $final"
	python3 - "$final" || fail "watch's final table is not $1"
}

watch_one_switched() { # MAC IP
	watch_final_is "one client, $1 at $2, switched" <<-PY
		import json, sys
		[c] = json.loads(sys.argv[1])["clients"]
		assert c["state"] == "switched" and c["phase"] == "switched", c
		assert c["mac"] == "$1" and c["ip"] == "$2", c
		assert c["last_error"] is None, c
	PY
	echo "ok: watch saw $1 ($2) switch"
}

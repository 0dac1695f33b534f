#!/usr/bin/env bash
# Helpers for tests/qemu/t-*.sh (sourced; run.sh sets TOP, BUILD, T_LOGDIR).
# A test exits 0 (pass), 77 (skip, after printing `SKIP: reason`) or else (fail).
#
#   use_init [baseline|netroot|netroot-bpo|mkinitcpio|mkinitcpio-bpo|dracut|
#             dracut-systemd|initramfs-tools]
#                               pick the initramfs and set INIT (no argument:
#                               $NETROOT_QEMU_INIT, else netroot; a file
#                               whose `# inits:` line names both runs once
#                               with each, see run.sh; netroot-bpo: netroot's
#                               image of the 6.12 backports kernel, booted
#                               with that kernel; netroot: skipped when
#                               NETROOT_QEMU_SKIP_AGENT=1; NETROOT_QEMU_INIT=
#                               baseline dry-runs a netroot test on the baseline;
#                               mkinitcpio: built with a real mkinitcpio by
#                               tests/mkinitcpio/build.sh, skipped when
#                               MKINITCPIO_DIR is unset (mkinitcpio-bpo: for
#                               the backports kernel, booted with it); dracut (shell /init),
#                               dracut-systemd (`dracut --add netroot`:
#                               dracut's default modules, systemd in them) and
#                               initramfs-tools: built by tests/dracut/build.sh
#                               and tests/initramfs-tools/build.sh)
#   BOOT_ARGS=(...)             extra qemu/boot.sh options for the next boots
#   QEMU_ARGS=(...)             extra QEMU arguments for the next boots (after
#                               boot.sh's `--`; not for pxe_expect)
#   boot_expect CMDLINE [REGEX...]
#                               boot to power-off (or BOOT_TIMEOUT), then
#                               assert each REGEX is in the serial log
#   pxe_expect BOOTFILE REGEX...
#                               PXE boot (TFTP root from qemu/pxe.sh, the
#                               guide's LAN), then assert each REGEX
#   expect_reboot CMDLINE REGEX...
#                               failure boot with panic=N: REGEXes, a reboot,
#                               no root marker, no kernel panic
#   expect_retry CMDLINE WAIT_REGEX REGEX...
#                               failure boot without panic=: stop once
#                               WAIT_REGEX shows (a retry), then the same checks
#   two_guests CMDLINE FILE     boot guests a and b at once (b with another
#                               MAC), CMDLINE + testwrite=FILE-<guest>
#                               testhold=5; TWO_RC=1 if one did not power off
#   assert_isolated G FILE      guest G's log: root up, wrote FILE-G, did not
#                               see the other guest's file after the hold
#   room_boot N [room.sh options]
#                               qemu/room.sh: N guests of $INITRD at once on
#                               its bridge (logs $T_LOGDIR/guest-K.log, 300 s,
#                               a panic or a retry fails a guest); ROOM_RC
#   room_bg N [room.sh options] / room_wait
#                               room_boot in the background (ROOM_PID; stopped
#                               if the test exits first), then wait for it
#   room_ns                     wait for room_bg's network namespace; sets
#                               LAB_NS to it (for in_lab, in_lab_bg)
#   room_passed                 fail unless room.sh exited 0 (call it after the
#                               per-guest checks, which say more)
#   assert_guest K REGEX... [-- REGEX...]
#                               LOG=guest K's log: has each REGEX before --,
#                               none after it, no panic
#   assert_unique WHAT VALUE K  no guest before K had VALUE as its WHAT
#   assert_machine_id K ID      ID is 32 hex digits, no other guest's
#   log_word PREFIX [LOG]       the word after PREFIX (sed BRE) on the first
#                               line that has it (carriage returns dropped)
#   boot_bg NAME CMDLINE [boot.sh options] [-- QEMU-ARGS]
#                               start a boot in the background (log: bg_log NAME)
#   boot_wait NAME              wait for it; its status is returned
#   wait_log REGEX SECONDS LOG  wait until REGEX is in LOG (a background
#                               boot's), fail after SECONDS
#   monitor SOCK COMMAND        send COMMAND to the QEMU human monitor on the
#                               unix socket SOCK (boot.sh --monitor), wait for
#                               its echo and the next prompt
#   boot_monitored CMDLINE      boot in the background (log $LOG) with a QEMU
#                               monitor: sets QEMU_PID and MON (its socket)
#   wait_stopped SINCE WHAT MAX wait for QEMU_PID; fail unless the guest
#                               stopped (boot.sh exit 0) within MAX s of SINCE
#                               (date +%s); sets took
#   debian_nfs_cut TIMEOUT ARG...
#                               boot_monitored the Debian root over NFSv4 with
#                               netroot.shutdown.timeout=TIMEOUT and the ARGs
#                               (netroot.check.cut[=MODE]: qemu/mkdebroot.sh);
#                               return once the guest cut its link
#   poweroff_or_ctrl_alt_del SECONDS
#                               wait up to SECONDS for systemd to arm the
#                               watchdog for the guest's `systemctl poweroff`;
#                               if it does not, print where the guest's tasks
#                               wait (SysRq-W; needs sysrq_always_enabled) and
#                               press Ctrl-Alt-Del on MON. Sets how, verb, end
#                               (the target, the watchdog's word, the kernel's
#                               last line) and since (date +%s)
#   assert_armed TIMEOUT        in $LOG: the sentinel of $how armed the
#                               watchdog (only it), which gave the shutdown
#                               TIMEOUT s; $end; no panic
#   report_shutdown             which of the watchdog and the normal shutdown
#                               stopped the guest, and their last lines
#   own_nbd_server PORT [debian]
#                               a private nbd-server on PORT (servers.sh
#                               nbd-extra) that the test may take away;
#                               stopped when the test exits
#   nbd_outage NAME PORT CMDLINE
#                               boot_bg NAME on own_nbd_server PORT (LOG, a
#                               300 s timeout), stop that server once the
#                               root's testloop= has done 5 rounds
#   report_io_gap LOG           longest pause between two testloop= rounds
#   assert_io_intact N          in $LOG: testloop= ran N rounds without an
#                               error, the file read back intact, power-off,
#                               no panic
#   assert_log_has REGEX [LOG]  / assert_log_lacks REGEX [LOG]
#   assert_no_panic             no "Kernel panic" / "Attempted to kill init" in
#                               $LOG (LOG=file assert_no_panic for another)
#   assert_timeline PARENT/PHASE...
#                               $LOG's `TEST-ROOT timeline: <json>` (netroot's
#                               /run/netroot/timeline.json, printed by the
#                               test root) has each PHASE, ended, directly
#                               inside PARENT (LOG=file for another log)
#   debian_check_token PREFIX   for a boot of the Debian root with
#                               netroot.check=$token: sets token and written
#                               (the file the guest writes on the server,
#                               removed when the test exits)
#   at_exit CMD                 run the shell line CMD when the test exits
#                               (the last given first; one EXIT trap for all)
#   guest_files PATTERN...      files the test's guests write into a shared
#                               root, as globs under build/ (quoted:
#                               'testroot/host-x-*'): removed now and again
#                               when the test exits, so no later test lists
#                               them (run.sh names what is left after a run)
#   live_images                 build/lab/live/: the test root as root.squashfs
#                               and root.erofs, big.squashfs (the root plus 8 MiB
#                               of random data); rebuilt when build/testroot changes
#   live_server PORT [DIR [CERT KEY]]
#                               lighttpd serving DIR (default build/lab/live) on
#                               127.0.0.1:PORT in the lab netns (the guest's
#                               10.0.2.2:PORT; /moved/X redirects to /X with
#                               a 301); HTTPS with CERT and KEY (PEM files);
#                               stopped when the test exits
#   in_lab CMD...               run CMD in the lab netns
#   root_uptime LOG             uptime printed by the test root's init
#   report_uptime               print it for $LOG (run.sh shows it)
#   shutdown_span LOG           seconds from systemd-shutdown's "Returning to
#                               initrd" (or netroot's first shutdown line) to
#                               "reboot: Power down", guest uptime
#   assert_shutdown_within SECONDS LOG
#                               fail unless that span is at most SECONDS
#   assert_sentinels            in $LOG (a Debian root's netroot.check): the
#                               watchdog armed by systemd's shutdowns, its four
#                               @netroot-arm sentinels resident (their memory
#                               printed), and the power-off arming it
set -euo pipefail

: "${TOP:?run through tests/qemu/run.sh}"
: "${BUILD:=$TOP/build}"
: "${T_LOGDIR:=$BUILD/lab/tests/manual}"
mkdir -p "$T_LOGDIR"

INIT=""
INITRD=""
TFTP=""
BOOT_ARGS=()
QEMU_ARGS=()
FRAMEWORK_ARGS=()
BOOT_TIMEOUT=${BOOT_TIMEOUT:-90}
LOG="$T_LOGDIR/boot.log"
declare -A BG_PID=()

# The marker the test root's /sbin/init prints (qemu/mkroot.sh).
export ROOT_OK='NETROOT-TEST-ROOT-OK'
# The guest sees the lab servers here (slirp's host address, lab netns).
export SRV=10.0.2.2

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

AT_EXIT=()
run_at_exit() {
	local i
	for ((i = ${#AT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${AT_EXIT[i]}" || true
	done
}
at_exit() { # CMD
	local c
	for c in "${AT_EXIT[@]}"; do [ "$c" != "$1" ] || return 0; done
	AT_EXIT+=("$1")
	trap run_at_exit EXIT
}

GUEST_FILES=()
remove_guest_files() {
	local p
	# shellcheck disable=SC2086 # the patterns are globs
	for p in "${GUEST_FILES[@]}"; do (cd "$BUILD" && rm -rf -- $p); done
}
guest_files() { # PATTERN...
	GUEST_FILES+=("$@")
	remove_guest_files
	at_exit remove_guest_files
}

skip() {
	echo "SKIP: $*"
	exit 77
}

use_init() {
	INIT=${1:-${NETROOT_QEMU_INIT:-netroot}}
	case "$INIT" in
	baseline) INITRD="$BUILD/lab/baseline.img" TFTP="$BUILD/lab/tftp-baseline" ;;
	netroot)
		if [ "${NETROOT_QEMU_INIT:-}" = baseline ]; then
			# Dry run of a netroot test against the busybox baseline, to
			# check the test itself (the baseline does NFS, overlay, state).
			use_init baseline
			return
		fi
		if [ "${NETROOT_QEMU_SKIP_AGENT:-0}" = 1 ]; then
			skip "netroot /init test (NETROOT_QEMU_SKIP_AGENT=1)"
		fi
		INITRD="$BUILD/initramfs.img" TFTP="$BUILD/tftp"
		;;
	netroot-bpo)
		if [ "${NETROOT_QEMU_SKIP_AGENT:-0}" = 1 ] || [ "${NETROOT_QEMU_INIT:-}" = baseline ]; then
			skip "netroot /init test on the backports kernel (NETROOT_QEMU_SKIP_AGENT or NETROOT_QEMU_INIT=baseline)"
		fi
		INITRD="$BUILD/initramfs-bpo.img" TFTP=""
		BOOT_ARGS+=(--kernel "$BUILD/vmlinuz-bpo")
		;;
	mkinitcpio | mkinitcpio-bpo)
		if [ -z "${MKINITCPIO_DIR:-}" ]; then
			skip "MKINITCPIO_DIR is not set (a mkinitcpio checkout: tests/mkinitcpio/prepare.sh build/mkinitcpio SOURCE makes one from a clone of https://gitlab.archlinux.org/archlinux/mkinitcpio/mkinitcpio.git; mkinitcpio is not packaged here)"
		fi
		if [ "${NETROOT_QEMU_SKIP_AGENT:-0}" = 1 ]; then
			skip "netroot mkinitcpio test (NETROOT_QEMU_SKIP_AGENT=1)"
		fi
		INITRD="$BUILD/lab/$1.img" TFTP=""
		[ "$1" = mkinitcpio ] || BOOT_ARGS+=(--kernel "$BUILD/vmlinuz-bpo")
		build_mkinitcpio_image
		;;
	dracut | dracut-systemd | initramfs-tools)
		if [ "${NETROOT_QEMU_SKIP_AGENT:-0}" = 1 ]; then
			skip "netroot $1 test (NETROOT_QEMU_SKIP_AGENT=1)"
		fi
		INITRD="$BUILD/lab/$1.img" TFTP=""
		if [ "$1" = dracut-systemd ]; then
			# Fedora's way: `dracut --add netroot`, dracut's own
			# module choice (systemd runs the initramfs, dracut's
			# hooks run from its services).
			FRAMEWORK_ARGS=(--add-netroot)
		fi
		if [ "$1" != initramfs-tools ]; then
			build_framework_image dracut "$TOP"/dracut/*/* "$TOP"/dracut/*/*/*
		else
			build_framework_image initramfs-tools "$TOP"/initramfs-tools/*/* "$TOP"/packaging/debian/* \
				"$TOP"/kernel/* "$TOP"/kernel/*/* "$BUILD/debroot.stamp"
		fi
		;;
	*) fail "use_init: unknown init $1" ;;
	esac
	[ -s "$INITRD" ] || fail "no initramfs $INITRD (run.sh builds it; for netroot: make build first)"
}

build_mkinitcpio_image() { # $INITRD with tests/mkinitcpio/build.sh when the
	# Makefile finds it stale; one build at a time (tests may run in parallel)
	mkdir -p "$BUILD/lab"
	(
		flock 9
		make -s --no-print-directory -C "$TOP" -q "build/lab/$(basename "$INITRD")" && exit 0
		echo "building $INITRD with mkinitcpio from $MKINITCPIO_DIR (log $T_LOGDIR/mkinitcpio-build.log)"
		make -s --no-print-directory -C "$TOP" "build/lab/$(basename "$INITRD")" >"$T_LOGDIR/mkinitcpio-build.log" 2>&1 ||
			{ tail -n 20 "$T_LOGDIR/mkinitcpio-build.log" >&2; exit 1; }
		tail -n 1 "$T_LOGDIR/mkinitcpio-build.log"
	) 9>"$BUILD/lab/mkinitcpio.lock" || fail "building $INITRD failed (log $T_LOGDIR/mkinitcpio-build.log)"
}

framework_stale() { # INPUT...: $INITRD missing or older than an input
	local i
	[ -s "$INITRD" ] || return 0
	for i in "$@" "$TOP/Makefile" "$TOP/target/x86_64-unknown-linux-musl/release/netroot"; do
		[ "$i" -nt "$INITRD" ] && return 0
	done
	return 1
}

build_framework_image() { # FRAMEWORK INPUT...: $INITRD with
	# tests/FRAMEWORK/build.sh [FRAMEWORK_ARGS] when it is older than an
	# input or that script; one build at a time (tests may run in parallel)
	local fw=$1 blog="$T_LOGDIR/$1-build.log"
	shift
	mkdir -p "$BUILD/lab"
	(
		flock 9
		framework_stale "$@" "$TOP/tests/$fw"/*.sh || exit 0
		echo "building $INITRD with tests/$fw/build.sh ${FRAMEWORK_ARGS[*]} (log $blog)"
		"$TOP/tests/$fw/build.sh" "${FRAMEWORK_ARGS[@]}" --out "$INITRD.tmp" >"$blog" 2>&1 ||
			{ tail -n 20 "$blog" >&2; exit 1; }
		mv "$INITRD.tmp" "$INITRD"
		tail -n 1 "$blog"
	) 9>"$BUILD/lab/$fw.lock" || fail "tests/$fw/build.sh failed (log $blog)"
}

boot() { # CMDLINE LOG [boot.sh options]
	local cmdline=$1 log=$2 q=()
	shift 2
	[ -n "$INITRD" ] || fail "use_init first"
	# QEMU_ARGS go last, after the `--` the options may already end with.
	if [ ${#QEMU_ARGS[@]} -gt 0 ]; then
		case " $* " in *" -- "*) q=("${QEMU_ARGS[@]}") ;; *) q=(-- "${QEMU_ARGS[@]}") ;; esac
	fi
	echo "boot: ${BOOT_ARGS[*]} --append \"$cmdline\" $* ${q[*]} (log $log)"
	# --append before the options: they may end with `-- QEMU-ARGS`.
	"$TOP/qemu/boot.sh" --initrd "$INITRD" --log "$log" --timeout "$BOOT_TIMEOUT" \
		"${BOOT_ARGS[@]}" --append "$cmdline" "$@" "${q[@]}"
}

boot_expect() { # CMDLINE [REGEX...]
	local cmdline=$1 rc=0 re
	shift
	boot "$cmdline" "$LOG" || rc=$?
	for re in "$@"; do
		assert_log_has "$re"
	done
	return "$rc"
}

pxe_expect() { # BOOTFILE REGEX...: network boot from the TFTP root that run.sh
	# laid out with qemu/pxe.sh for this init, on the guide's LAN
	local file=$1 rc=0 re
	shift
	[ -s "$TFTP/$file" ] || fail "no $TFTP/$file (run.sh lays it out with qemu/pxe.sh)"
	cmp -s "$INITRD" "$TFTP/initramfs-linux.img" || fail "$TFTP holds another initramfs than $INITRD"
	echo "boot: ${BOOT_ARGS[*]} --pxe $TFTP $file (log $LOG)"
	"$TOP/qemu/boot.sh" --pxe "$TFTP" "$file" --net "net=10.0.0.0/24,host=10.0.0.1,dhcpstart=10.0.0.128" \
		--log "$LOG" --timeout "$BOOT_TIMEOUT" "${BOOT_ARGS[@]}" || rc=$?
	for re in "$@"; do
		assert_log_has "$re"
	done
	return "$rc"
}

expect_reboot() { # CMDLINE REGEX...: a failure boot whose outcome is a reboot
	# (panic=N on the command line; -no-reboot makes QEMU exit)
	local cmdline=$1 rc=0 re
	shift
	boot "$cmdline" "$LOG" || rc=$?
	[ "$rc" = 0 ] || fail "the guest did not reboot (boot.sh exit $rc)"
	assert_log_has 'reboot: Restarting system'
	for re in "$@"; do assert_log_has "$re"; done
	assert_log_lacks "$ROOT_OK"
	assert_no_panic
}

expect_retry() { # CMDLINE WAIT_REGEX REGEX...: a failure boot that keeps retrying;
	# returns once WAIT_REGEX is on the console (the guest is then stopped)
	local cmdline=$1 wait_re=$2 rc=0 re
	shift 2
	boot "$cmdline" "$LOG" --expect "$wait_re" || rc=$?
	[ "$rc" = 0 ] || fail "no /$wait_re/ on the console (boot.sh exit $rc)"
	for re in "$@"; do assert_log_has "$re"; done
	assert_log_lacks "$ROOT_OK"
	assert_log_lacks 'reboot: Restarting system'
	assert_no_panic
}

boot_bg() { # NAME CMDLINE [boot.sh options]
	local name=$1 cmdline=$2
	shift 2
	local log="$T_LOGDIR/boot-$name.log"
	boot "$cmdline" "$log" "$@" >"$log.out" 2>&1 &
	BG_PID[$name]=$!
}

# shellcheck disable=SC2034 # TWO_RC is for the test that calls it
two_guests() { # CMDLINE FILE
	TWO_RC=0
	boot_bg a "$1 testwrite=$2-a testhold=5"
	boot_bg b "$1 testwrite=$2-b testhold=5" --mac 52:54:00:12:34:58
	boot_wait a || TWO_RC=1
	boot_wait b || TWO_RC=1
}

assert_isolated() { # G FILE
	local log other
	log=$(bg_log "$1")
	other=$([ "$1" = a ] && echo b || echo a)
	assert_log_has "$ROOT_OK" "$log"
	assert_log_has "WROTE $2-$1" "$log"
	assert_log_has '^OTHERS-AFTER-HOLD:' "$log"
	assert_log_lacks "^OTHERS.*$(basename "$2")-$other" "$log"
	LOG=$log assert_no_panic
}

room_bg() { # N [room.sh options]
	local n=$1
	shift
	"$TOP/qemu/room.sh" --guests "$n" --initrd "$INITRD" --logdir "$T_LOGDIR" --timeout 300 \
		--fail 'Kernel panic - not syncing|netroot: trying again' "$@" &
	ROOM_PID=$!
	# room.sh stops its guests and servers on TERM.
	at_exit "kill $ROOM_PID 2>/dev/null"
}

room_wait() {
	ROOM_RC=0
	wait "$ROOM_PID" || ROOM_RC=$?
}

room_boot() { # N [room.sh options]
	room_bg "$@"
	room_wait
}

room_ns() { # wait until room_bg's namespace is up; LAB_NS then names it
	local _
	LAB_NS="$T_LOGDIR/netns.pid"
	for _ in $(seq 300); do
		# (a pid file left by an earlier run names a process long gone)
		[ -s "$LAB_NS" ] && kill -0 "$(cat "$LAB_NS")" 2>/dev/null && return 0
		kill -0 "$ROOM_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "qemu/room.sh made no network namespace ($LAB_NS)"
}

room_passed() {
	[ "$ROOM_RC" = 0 ] || fail "qemu/room.sh exit $ROOM_RC (a guest failed or did not power off in time: see the room: lines)"
}

assert_guest() { # K REGEX... [-- REGEX...]
	local re has=1
	LOG="$T_LOGDIR/guest-$1.log"
	shift
	for re in "$@"; do
		if [ "$re" = -- ]; then
			has=0
		elif [ $has = 1 ]; then
			assert_log_has "$re"
		else
			assert_log_lacks "$re"
		fi
	done
	assert_no_panic
}

declare -A UNIQUE_OF=()
assert_unique() { # WHAT VALUE K
	local key="$1 $2"
	[ -z "${UNIQUE_OF[$key]:-}" ] || fail "guests ${UNIQUE_OF[$key]} and $3 share the $1 $2"
	UNIQUE_OF[$key]=$3
}

assert_machine_id() { # K ID
	[[ $2 =~ ^[0-9a-f]{32}$ ]] || fail "guest $1: machine-id is '$2', not 32 hex digits"
	assert_unique machine-id "$2" "$1"
}

log_word() { # PREFIX [LOG]
	sed -n "s/\r//g; s/.*$1\([^ ]*\).*/\1/p" "${2:-$LOG}" | head -n 1
}

bg_log() { # NAME: the serial log of a background boot
	echo "$T_LOGDIR/boot-$1.log"
}

boot_wait() { # NAME
	local rc=0
	wait "${BG_PID[$1]}" || rc=$?
	cat "$T_LOGDIR/boot-$1.log.out"
	return "$rc"
}

wait_log() { # REGEX SECONDS LOG
	local i
	for ((i = 0; i < $2 * 5; i++)); do
		grep -Eq -- "$1" "$3" 2>/dev/null && { echo "ok: /$1/ in $(basename "$3") after $((i / 5)) s"; return 0; }
		sleep 0.2
	done
	echo "--- last lines of $3:" >&2
	tail -n 25 "$3" >&2
	fail "no /$1/ in $(basename "$3") within $2 s"
}

boot_monitored() { # CMDLINE
	local d
	d=$(mktemp -d /tmp/netroot-mon.XXXXXX)
	at_exit "rm -rf '$d'"
	MON=$d/sock
	boot "$1" "$LOG" --monitor "$MON" &
	QEMU_PID=$!
}

wait_stopped() { # SINCE WHAT MAX
	local rc=0
	wait "$QEMU_PID" || rc=$?
	took=$(($(date +%s) - $1))
	[ "$rc" = 0 ] || fail "the guest did not stop (boot.sh exit $rc) $took s after $2"
	echo "the guest stopped $took s after $2 (bound: $3 s)"
	[ "$took" -le "$3" ] || fail "the guest stopped $took s after $2 (> $3 s)"
}

debian_nfs_cut() { # TIMEOUT ARG...
	local t=$1
	shift
	debian_check_token gone
	boot_monitored "ip=dhcp root=/dev/nfs nfsroot=$SRV:/debian rw netroot.check=$token netroot.shutdown.timeout=$t $*"
	wait_log 'NETROOT-CHECK cut' "$BOOT_TIMEOUT" "$LOG"
}

# shellcheck disable=SC2034 # how, verb, end, since: for the test that calls it
poweroff_or_ctrl_alt_del() { # SECONDS
	local i
	for ((i = 0; i < $1; i++)); do
		grep -aq 'netroot: arm: poweroff\.target starts' "$LOG" && break
		sleep 1
	done
	since=$(date +%s)
	if grep -aq 'netroot: arm: poweroff\.target starts' "$LOG"; then
		echo "systemctl poweroff reached systemd"
		how=poweroff verb=power-off end='reboot: Power down'
		return 0
	fi
	monitor "$MON" 'sendkey alt-sysrq-w'
	sleep 3
	echo "systemctl poweroff did not reach systemd in $1 s; blocked tasks (task: the file system function it waits in):"
	tr -d '\r' <"$LOG" | awk '/sysrq: Show Blocked State/ { on = 1; next }
		on && /task:/ { sub(/.*task:/, ""); t = $1; next }
		on && t != "" && match($0, / (nfs4?|btrfs)_[a-z0-9_]+\+/) { print "  " t ": " substr($0, RSTART + 1, RLENGTH - 2); t = "" }' | sort -u
	echo "pressing Ctrl-Alt-Del"
	monitor "$MON" 'sendkey ctrl-alt-delete'
	since=$(date +%s)
	how=reboot verb=reboot end='reboot: Restarting system'
}

assert_armed() { # TIMEOUT
	local others
	others=$([ "$how" = reboot ] && echo poweroff || echo reboot)
	assert_log_has "netroot: arm: $how\\.target starts: armed @netroot-watchdog \\(pid [0-9]+\\) for $verb"
	assert_log_has "netroot: watchdog: systemd began a $verb: the shutdown has $1 s before the watchdog does the $verb"
	# Only the target's own sentinel fired (their slice outlives the shutdown).
	assert_log_lacks "netroot: arm: (halt|kexec|$others)\\.target starts"
	assert_log_has "$end"
	assert_no_panic
}

report_shutdown() {
	if grep -aq 'watchdog: the machine is still up' "$LOG"; then
		echo "ok: the watchdog stopped the machine (the normal shutdown did not finish in time)"
	else
		echo "ok: the normal shutdown finished before the watchdog acted"
	fi
	grep -a 'arm:\|watchdog\|systemd-shutdown\|shutdown: \|Power down\|Restarting' "$LOG" | tail -n 12
}

monitor() { # SOCK COMMAND
	# The monitor drops a command still unread when the client hangs up: wait
	# for the prompt that follows the command's echo before closing.
	python3 - "$1" "$2" <<-'PY'
		import socket, sys, time
		cmd = sys.argv[2].encode()
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.connect(sys.argv[1])
		s.settimeout(10)
		s.sendall(cmd + b"\n")
		got, end = b"", time.time() + 10
		while time.time() < end:
		    try:
		        chunk = s.recv(4096)
		    except OSError:
		        break
		    if not chunk:
		        break
		    got += chunk
		    tail = got.split(cmd, 1)
		    if len(tail) == 2 and b"(qemu)" in tail[1]:
		        break
		s.close()
		if cmd not in got:
		    sys.exit("monitor: no echo of %r: %r" % (cmd, got[-200:]))
	PY
}

own_nbd_server() { # PORT [debian]
	"$TOP/qemu/servers.sh" nbd-extra "$@"
	at_exit "'$TOP/qemu/servers.sh' pause 'nbd-$1'"
}

in_lab() { # in the lab's namespace, or the test's own (LAB_NS, ipv6_only_lab)
	nsenter --net --target "$(cat "${LAB_NS:-$BUILD/lab/netns.pid}")" -- "$@"
}

in_lab_bg() { # CMD...: in_lab in the background, with $! the command itself.
	# `in_lab CMD &` would leave $! the subshell running the function: killing
	# it leaves CMD running. Here the subshell execs nsenter, which execs CMD.
	(exec nsenter --net --target "$(cat "${LAB_NS:-$BUILD/lab/netns.pid}")" -- "$@") &
}

LIVE_DIR="$BUILD/lab/live"
live_images() {
	mkdir -p "$LIVE_DIR"
	(
		flock 9
		if [ -s "$LIVE_DIR/root.erofs" ] && [ "$LIVE_DIR/root.erofs" -nt "$BUILD/testroot/sbin/init" ]; then
			exit 0
		fi
		rm -rf "$LIVE_DIR/big" "$LIVE_DIR"/*.squashfs "$LIVE_DIR"/*.erofs
		mksquashfs "$BUILD/testroot" "$LIVE_DIR/root.squashfs" -noappend -comp xz -all-root -quiet >/dev/null
		cp -a "$BUILD/testroot" "$LIVE_DIR/big"
		head -c $((8 << 20)) /dev/urandom >"$LIVE_DIR/big/padding"
		mksquashfs "$LIVE_DIR/big" "$LIVE_DIR/big.squashfs" -noappend -all-root -quiet >/dev/null
		rm -rf "$LIVE_DIR/big"
		mkfs.erofs -zlz4hc --all-root "$LIVE_DIR/root.erofs.tmp" "$BUILD/testroot" >/dev/null
		mv "$LIVE_DIR/root.erofs.tmp" "$LIVE_DIR/root.erofs"
	) 9>"$BUILD/lab/live.lock" || fail "building the live images failed"
	local f
	for f in root.squashfs root.erofs big.squashfs; do
		echo "live image $f: $(stat -c %s "$LIVE_DIR/$f") bytes"
	done
}

LIVE_PIDS=()
live_stop() {
	local p
	for p in "${LIVE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
live_server() { # PORT [DIR [CERT KEY]]; LIVE_BIND=::1 for IPv6
	local port=$1 dir=${2:-$LIVE_DIR} conf="$T_LOGDIR/lighttpd-$1.conf" bind=${LIVE_BIND:-127.0.0.1}
	cat >"$conf" <<-EOF
		server.document-root = "$dir"
		server.bind = "$bind"
		server.use-ipv6 = "$(case $bind in *:*) echo enable ;; *) echo disable ;; esac)"
		server.port = $port
		server.errorlog = "$T_LOGDIR/lighttpd-$port.err"
		server.modules = ("mod_redirect", "mod_accesslog")
		url.redirect = ("^/moved/(.*)\$" => "/\$1")
		accesslog.filename = "$T_LOGDIR/lighttpd-$port.access"
	EOF
	if [ -n "${3:-}" ]; then
		printf '%s\n' 'server.modules += ("mod_openssl")' 'ssl.engine = "enable"' \
			"ssl.pemfile = \"$3\"" "ssl.privkey = \"$4\"" >>"$conf"
	fi
	in_lab_bg lighttpd -D -f "$conf" </dev/null >"$T_LOGDIR/lighttpd-$port.out" 2>&1
	LIVE_PIDS+=($!)
	at_exit live_stop
	local i
	for ((i = 0; i < 50; i++)); do
		in_lab bash -c "exec 3<>/dev/tcp/$bind/$port" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$T_LOGDIR/lighttpd-$port".{out,err} >&2 2>/dev/null || true
	fail "lighttpd did not listen on $bind port $port in the lab netns"
}

nbd_outage() { # NAME PORT CMDLINE: a background guest (LOG) on its own
	# nbd-server at PORT, which is stopped once the root's I/O loop (testloop=)
	# has done 5 rounds
	own_nbd_server "$2"
	BOOT_TIMEOUT=300
	LOG=$(bg_log "$1")
	boot_bg "$1" "$3"
	wait_log 'TESTLOOP 5 ok' 200 "$LOG"
	"$TOP/qemu/servers.sh" pause "nbd-$2"
	echo "nbd-server on port $2 stopped at $(date +%T.%N)"
}

report_io_gap() { # LOG: from the test root's `TESTLOOP I ok uptime=T` lines
	awk '/TESTLOOP [0-9]+ ok uptime=/ { sub(/.*uptime=/, ""); t = $1 + 0; if (p && t - p > m) m = t - p; p = t }
		END { printf "longest gap between I/O rounds: %.1f s\n", m }' "$1"
}

assert_io_intact() { # ROUNDS
	assert_log_has "TESTLOOP $1 ok"
	assert_log_lacks 'TESTLOOP [0-9]+ error'
	assert_log_has "TESTLOOP-INTACT lines=$1 "
	assert_log_has 'reboot: Power down'
	assert_no_panic
}

assert_log_has() { # REGEX [LOG]
	local log=${2:-$LOG}
	if ! grep -Eq -- "$1" "$log"; then
		echo "--- last lines of $log:" >&2
		tail -n 25 "$log" >&2
		fail "log $(basename "$log") lacks /$1/"
	fi
	echo "ok: /$1/ in $(basename "$log")"
}

assert_log_lacks() { # REGEX [LOG]
	local log=${2:-$LOG}
	if grep -Eq -- "$1" "$log"; then
		grep -E -- "$1" "$log" | head -n 5 >&2
		fail "log $(basename "$log") has /$1/"
	fi
	echo "ok: no /$1/ in $(basename "$log")"
}

assert_no_panic() { # in $LOG (LOG=file assert_no_panic for another log)
	assert_log_lacks 'Kernel panic|Attempted to kill init' "$LOG"
}

debian_check_token() { # PREFIX
	[ -f "$BUILD/debroot/etc/os-release" ] || fail "no $BUILD/debroot (run.sh builds it with qemu/mkdebroot.sh)"
	token=$1-$$-$RANDOM
	# shellcheck disable=SC2034 # for the test that calls it
	written="$BUILD/debroot/var/lib/netroot-check/netroot-$token"
	guest_files "debroot/var/lib/netroot-check/netroot-$token"
}

root_uptime() { # LOG
	sed -n "s/.*$ROOT_OK uptime=\([0-9.]*\).*/\1/p" "$1" | head -n 1
}

assert_timeline() { # PARENT/PHASE...
	local json
	json=$(sed -n 's/\r//; s/^TEST-ROOT timeline: //p' "$LOG" | head -n 1)
	[ -n "$json" ] || fail "log $(basename "$LOG") has no 'TEST-ROOT timeline:' line"
	python3 - "$json" "$@" <<-'PY' || fail "the timeline in $(basename "$LOG") lacks a phase: $*"
		import json, sys
		spans = json.loads(sys.argv[1])["phases"]
		ok = True
		for want in sys.argv[2:]:
		    parent, name = want.split("/")
		    hits = []
		    for i, s in enumerate(spans):
		        up = [p for p in spans[:i] if p["depth"] < s["depth"]]
		        if s["phase"] == name and up and up[-1]["phase"] == parent \
		                and up[-1]["depth"] == s["depth"] - 1:
		            hits.append(s)
		    ended = [s for s in hits if s["end_ms"] is not None and s["end_ms"] >= s["start_ms"]]
		    if ended:
		        s = ended[-1]
		        print(f"ok: timeline: {parent} > {name} from {s['start_ms']} to {s['end_ms']} ms")
		    else:
		        print(f"MISSING: no ended phase {name} inside {parent} in {spans}")
		        ok = False
		sys.exit(0 if ok else 1)
	PY
}

report_uptime() { # of $LOG; run.sh shows it next to PASS
	echo "root init started at guest uptime $(root_uptime "$LOG") s"
}

stamp_of() { # REGEX LOG: the kernel timestamp of the first line matching REGEX
	grep -E -m1 -- "$1" "$2" | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\].*/\1/p'
}

shutdown_span() { # LOG
	local log=$1 a b
	a=$(stamp_of 'systemd-shutdown\[1\]: Returning to initrd|netroot: shutdown: netroot .* as ' "$log")
	b=$(stamp_of 'reboot: (Power down|Restarting system)' "$log")
	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "?"
		return
	fi
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f s\n", b - a }'
}

assert_shutdown_within() { # SECONDS LOG
	local span
	span=$(shutdown_span "$2")
	echo "shutdown: $span from the hand-over to /run/initramfs/shutdown to power-off ($(basename "$2"))"
	awk -v s="${span% s}" -v max="$1" 'BEGIN { exit !(s + 0 > 0 && s + 0 <= max) }' ||
		fail "power-off took $span after netroot's shutdown started (bound: $1 s)"
}

assert_sentinels() {
	local t
	assert_log_has "netroot: watchdog: @netroot-watchdog \(pid [0-9]+\) is armed by systemd's poweroff, reboot, halt and kexec \(netroot-arm@\.service in /run/systemd/system\)"
	for t in poweroff reboot halt kexec; do
		assert_log_has "NETROOT-CHECK resident [0-9]+ @netroot-arm $t [0-9]+ +Rss: +[0-9]+ kB"
	done
	assert_log_has 'netroot: arm: poweroff\.target starts: armed @netroot-watchdog \(pid [0-9]+\) for power-off'
	assert_log_has 'netroot: watchdog: systemd began a power-off: the shutdown has [0-9]+ s before the watchdog does the power-off'
	echo "resident memory (smaps_rollup):"
	tr -d '\r' <"$LOG" | sed -n 's/.*NETROOT-CHECK resident [0-9]* \(@[^ ]*\( [a-z]*\)\?\) .*\(Rss: [0-9]* kB\) \(Pss: [0-9]* kB\).*\(Private_Dirty: [0-9]* kB\).*/  \1: \3 \4 \5/p'
}

# The IPv6-only lab: a network namespace of the test's own in which ganesha
# listens on ::1 only (nothing on IPv4), and QEMU started in it, so slirp's
# fec0::2 reaches that ganesha. Needs qemu/lib.sh sourced. Stopped on exit.
# --nfs3: rpcbind too and ganesha serving NFSv3 (the kernel asks rpcbind over
# IPv6); --nbd: an nbd-server on [::1]:$LAB_NBD_PORT serving the test root's
# btrfs image read-only as export "arch". V6LAB_DIR holds their files.
ipv6_only_lab_stop() {
	local d
	for d in ganesha rpcbind nbd-server; do
		lab_stop "$V6LAB_DIR/$d.pid"
	done
	lab_stop "$LAB_NS"
}
# shellcheck disable=SC2120 # options are optional: most callers pass none
ipv6_only_lab() { # [--nfs3] [--nbd]
	local dir="$T_LOGDIR/v6lab" vers=4 nbd=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--nfs3) vers="3, 4" ;;
		--nbd) nbd=1 ;;
		*) fail "ipv6_only_lab: unknown option $1" ;;
		esac
		shift
	done
	mkdir -p "$dir"
	V6LAB_DIR=$dir
	LAB_NS="$dir/netns.pid" # lab_netns_start's holder
	at_exit ipv6_only_lab_stop
	# ganesha resolves Bind_addr with getaddrinfo, which gives no IPv6
	# address until the namespace has one beyond ::1: fd00::99 on lo.
	lab_netns_start v6lab "$dir/netns.log" 'ip addr add fd00::99/128 dev lo'
	[ "$vers" = 4 ] || lab_rpcbind_start "$dir"
	lab_ganesha_start "$dir" "$vers" ::1 0 "$BUILD/testroot=/arch" ||
		fail "ganesha did not start on ::1 (log $dir/ganesha.log)"
	if [ -n "$nbd" ]; then
		printf '[generic]\nlistenaddr = ::1\nport = %s\n[arch]\nexportname = %s\nreadonly = true\n' \
			"$LAB_NBD_PORT" "$BUILD/testroot-btrfs.img" >"$dir/nbd-server.conf"
		lab_in_ns nbd-server -C "$dir/nbd-server.conf" -p "$dir/nbd-server.pid" >"$dir/nbd-server.log" 2>&1
		lab_wait_listen "$LAB_NBD_PORT" 10 "$dir/nbd-server.pid" nbd-server "$dir/nbd-server.log"
	fi
	BOOT_ARGS+=(--netns "$LAB_NS")
}

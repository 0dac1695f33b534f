#!/usr/bin/env bash
# QEMU end-to-end tests (`make test` runs this after the unit tests).
#
# Usage: tests/qemu/run.sh [-j N] [FILTER...]
#   FILTER   run only tests whose name contains one of the words (e.g. nfs4,
#            @baseline)
#   -j N     run N tests at a time. Default 1: measured here (2 cores shared
#            with other work), the 12 baseline tests took 2m05 with -j1 and
#            1m58 with -j2, while each guest's boot time doubled (root init
#            at 4-6 s instead of 2.7-2.9 s), which blurs the timing report.
# Env: NETROOT_QEMU_SKIP_AGENT=1 skips the tests that boot netroot's /init.
#
# Builds what is stale (the Makefile's build/... targets: kernel, baseline and
# netroot initramfs, their TFTP trees, test root, Debian root), starts the lab
# servers, runs each tests/qemu/t-*.sh, stops the servers on exit, prints
# PASS/FAIL/SKIP with the time of each test, and ends with the line
# `N passed, N failed`; exit status 1 if any test failed.
# A test file runs once per init its `# inits:` line names (default netroot):
# `# inits: netroot baseline` runs t-NAME (netroot's /init) and then
# t-NAME@baseline (the busybox baseline, NETROOT_QEMU_INIT=baseline), with the
# same assertions, so the report shows both times side by side.
# A test file with the line `# parallel: yes` reports no boot timing and
# leaves the shared servers alone: those run after the others, two at a time
# (-p N to change), so the long ones (image builds, outages, shutdowns) do
# not add up while the timed boots still run alone. `# parallel: idle` marks
# one whose guest mostly waits (a lease held for minutes): it starts first in
# that group and takes no slot, so it runs beside the others.
# Logs: build/lab/tests/<test>/ (output.txt and the serial logs).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$here/../.." && pwd)
BUILD="$TOP/build"
export TOP BUILD

jobs=1
par_jobs=2
filters=()
while [ $# -gt 0 ]; do
	case "$1" in
	-j) jobs=$2; shift 2 ;;
	-j*) jobs=${1#-j}; shift ;;
	-p) par_jobs=$2; shift 2 ;;
	-p*) par_jobs=${1#-p}; shift ;;
	-h | --help) sed -n '2,26p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) filters+=("$1"); shift ;;
	esac
done

for tool in qemu-system-x86_64 ganesha.nfsd nbd-server mkfs.btrfs busybox cpio zstd depmod unshare nsenter; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP qemu tests: $tool is not installed (make deps)"
		echo "0 passed, 0 failed"
		exit 0
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "SKIP qemu tests: they need root (network namespace, ganesha)"
	echo "0 passed, 0 failed"
	exit 0
fi

# Each run: "NAME FILE INIT" (INIT -: the one the file picks); runs of files
# marked `# parallel: yes` go to par_runs, `# parallel: idle` to idle_runs.
runs=() par_runs=() idle_runs=()
for t in "$here"/t-*.sh; do
	base=$(basename "$t" .sh)
	inits=$(sed -n 's/^# inits: //p' "$t" | head -n1)
	par=$(sed -n 's/^# parallel: //p' "$t" | head -n1)
	for init in ${inits:--}; do
		name=$base
		[ "$init" = baseline ] && name="$base@baseline"
		if [ ${#filters[@]} -gt 0 ]; then
			hit=0
			for f in "${filters[@]}"; do [[ $name == *"$f"* ]] && hit=1; done
			[ $hit = 1 ] || continue
		fi
		case "$par" in
		yes) par_runs+=("$name $t $init") ;;
		idle) idle_runs+=("$name $t $init") ;;
		*) runs+=("$name $t $init") ;;
		esac
	done
done
all_runs=("${runs[@]}" "${idle_runs[@]}" "${par_runs[@]}")
if [ ${#all_runs[@]} = 0 ]; then
	echo "no test matches: ${filters[*]}"
	echo "0 passed, 0 failed"
	exit 1
fi

# --- build what the tests need (the Makefile remakes what is stale) ---------------
targets=(build/vmlinuz build/testroot.stamp build/lab/baseline.img build/lab/tftp-baseline/.made)
# The Debian root (qemu/mkdebroot.sh: debootstrap, ~2.5 min and ~45 MB of
# .debs the first time), only when a selected test boots it.
case " ${all_runs[*]}" in *" t-debian-"* | *" t-demo-"* | *" t-room-debian"* | *" t-initramfs-tools-"*) targets+=(build/debroot.stamp) ;; esac
bin="$TOP/target/x86_64-unknown-linux-musl/release/netroot"
if [ "${NETROOT_QEMU_SKIP_AGENT:-0}" != 1 ]; then
	if [ -x "$bin" ]; then
		targets+=(build/initramfs.img build/tftp/.made)
		# The kernel matrix: the 6.12 backports kernel (.ko.xz modules),
		# fetched only when a selected test boots it.
		case " ${all_runs[*]}" in *" t-kernel-612-"*) targets+=(build/initramfs-bpo.img) ;; esac
		# The https build (feature https), for the tests that make images
		# with it.
		case " ${all_runs[*]}" in *" t-live-https"*) targets+=(build-https) ;; esac
	else
		echo "warning: no $bin (make build): the netroot tests will fail;" \
			"NETROOT_QEMU_SKIP_AGENT=1 skips them"
	fi
fi
mkdir -p "$BUILD/lab"
make -s --no-print-directory -C "$TOP" "${targets[@]}"

# --- servers -----------------------------------------------------------------------
# What guests wrote into the shared roots (build/testroot, build/debroot) and
# their test did not take away (each should: lib.sh guest_files) goes, and is
# named; before the servers start (an earlier run, a manual boot) and after
# they stopped.
clean_roots() {
	"$TOP/qemu/mkroot.sh" --clean
	"$TOP/qemu/mkdebroot.sh" --clean
}
declare -A pid_of=() start_of=()
cleanup() {
	local n
	# Tests still running (interrupted run): each is its own process group
	# (setsid below), so this reaches its boot.sh, which stops its QEMU.
	for n in "${!pid_of[@]}"; do kill -TERM -- "-${pid_of[$n]}" 2>/dev/null || true; done
	"$TOP/qemu/servers.sh" stop || true
	clean_roots || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
clean_roots
"$TOP/qemu/servers.sh" start

# --- run -----------------------------------------------------------------------------
passed=0 failed=0 skipped=0
failures=() skips=()

finish() { # test-name status
	local name=$1 rc=$2 secs why out="$BUILD/lab/tests/$1/output.txt"
	secs=$(awk -v a="${start_of[$name]}" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	case "$rc" in
	0)
		passed=$((passed + 1))
		echo "PASS $name (${secs} s)$(sed -n 's/^root init started at guest uptime \(.*\) s$/, root init at \1 s/p' "$out" | head -n1)"
		;;
	77)
		skipped=$((skipped + 1))
		skips+=("$name")
		why=$(sed -n 's/^SKIP: //p' "$out" | head -n1)
		echo "SKIP $name: ${why:-no reason given (exit 77 without a SKIP: line; lib.sh skip() prints one)}"
		;;
	*)
		failed=$((failed + 1))
		failures+=("$name")
		echo "FAIL $name (${secs} s, exit $rc) — last lines of build/lab/tests/$name/output.txt:"
		tail -n 15 "$out" | sed 's/^/    /'
		;;
	esac
}

launch() { # NAME FILE [INIT]
	local name=$1 t=$2 init=${3:-} env=()
	rm -rf "$BUILD/lab/tests/$name"
	mkdir -p "$BUILD/lab/tests/$name"
	start_of[$name]=$(date +%s.%N)
	[ "$init" = baseline ] && env=(NETROOT_QEMU_INIT=baseline)
	env "${env[@]}" T_LOGDIR="$BUILD/lab/tests/$name" setsid bash "$t" >"$BUILD/lab/tests/$name/output.txt" 2>&1 &
	pid_of[$name]=$!
}

reap_one() { # wait for any running test, record it
	local name rc
	while :; do
		for name in "${!pid_of[@]}"; do
			if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
				rc=0
				wait "${pid_of[$name]}" || rc=$?
				unset "pid_of[$name]"
				finish "$name" "$rc"
				return 0
			fi
		done
		sleep 0.2
	done
}

declare -A idle_of=()
busy() { # how many running tests take a slot (not the idle ones)
	local name c=0
	for name in "${!pid_of[@]}"; do [ -n "${idle_of[$name]:-}" ] || c=$((c + 1)); done
	echo "$c"
}

run_all() { # JOBS RUN...
	local n=$1 r
	shift
	for r in "$@"; do
		while [ "$(busy)" -ge "$n" ]; do reap_one; done
		# shellcheck disable=SC2086 # NAME FILE INIT, none with spaces
		launch $r
	done
	while [ ${#pid_of[@]} -gt 0 ]; do reap_one; done
}
run_all "$jobs" "${runs[@]}"
for r in "${idle_runs[@]}"; do
	# shellcheck disable=SC2086 # NAME FILE INIT, none with spaces
	launch $r
	idle_of[${r%% *}]=1
done
run_all "$par_jobs" "${par_runs[@]}"

[ "$skipped" -gt 0 ] && echo "$skipped skipped: ${skips[*]}"
[ "$failed" -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# Boot storm: N guests boot at the same moment from one server (qemu/room.sh:
# one bridge, dnsmasq, one ganesha, kernel + initramfs loaded directly by
# QEMU), netroot's initramfs against the busybox baseline, one contender at a
# time. Per guest: its uptime when the root's first program ran
# (init=/sbin/bench-init prints `BENCH rootinit`) and the host's wall clock
# from the start of all guests until that line appeared on its console.
# A guest that fails for good (a kernel panic, the baseline's rescue shell) is
# stopped at once; netroot's own retries run on until STORM_TIMEOUT.
# Writes bench/STORM-RESULTS.md and bench/storm-timeline.svg
# (bench/storm_report.py, which draws with bench/report.py's code).
#
# Usage: bench/storm.sh            (make bench-storm)
# Environment:
#   STORM_GUESTS="8"     guests per storm; several values run one storm each
#                        (e.g. "4 8")
#   K=1                  storms per contender and size, interleaved
#   STORM_ONLY="netroot busybox"
#   STORM_MEM=512        guest memory (MiB)
#   STORM_TIMEOUT=300    wall seconds per storm
# Logs: build/bench/storm/<guests>/<contender>-<round>/guest-K.log (+ room.tsv).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build="$top/build"
out="$build/bench/storm"
SIZES=${STORM_GUESTS:-8}
K=${K:-1}
ONLY=${STORM_ONLY:-netroot busybox}
MEM=${STORM_MEM:-512}
TIMEOUT=${STORM_TIMEOUT:-300}
t0=$(date +%s)
say() { echo "storm: $*" >&2; }
others() { pgrep -c '^qemu-system' || true; }
load_start="$(cut -d' ' -f1-3 /proc/loadavg), $(others) QEMU guests of other users running"

# --- inputs (each cached), as bench/run.sh -------------------------------------
"$top/qemu/kernel.sh" >&2
ver=$("$top/qemu/kernel.sh" --print-version)
bin="$top/target/x86_64-unknown-linux-musl/release/netroot"
[ -x "$bin" ] || { say "no $bin (make build)"; exit 1; }
"$top/qemu/mkroot.sh" >&2
install -m 0755 "$here/peers/bench-init" "$build/testroot/sbin/bench-init"
declare -A IMG=([netroot]="$build/initramfs.img" [busybox]="$build/bench/busybox.img")
if [ ! -s "${IMG[netroot]}" ] || [ "$bin" -nt "${IMG[netroot]}" ]; then
	"$bin" initramfs --root "$build/kernel" --kver "$ver" -o "${IMG[netroot]}" >&2
fi
"$here/peers/build.sh" busybox >&2
cmd="ip=dhcp root=/dev/nfs nfsroot=10.0.3.1:/arch init=/sbin/bench-init"

# --- storms ----------------------------------------------------------------------
manifest="$out/manifest.tsv"
rm -rf "$out"
mkdir -p "$out"
printf 'guests\tcontender\tround\tguest\tstatus\tmark_wall_s\tend_wall_s\tlog\timage\n' >"$manifest"
for n in $SIZES; do
	for ((r = 1; r <= K; r++)); do
		for c in $ONLY; do
			[ -n "${IMG[$c]:-}" ] || { say "unknown contender $c (netroot|busybox)"; exit 2; }
			dir="$out/$n/$c-$r"
			say "$n guests, round $r/$K, $c: $cmd"
			"$top/qemu/room.sh" --guests "$n" --initrd "${IMG[$c]}" --logdir "$dir" --mem "$MEM" \
				--timeout "$TIMEOUT" --mark 'BENCH rootinit' --append "$cmd" \
				--fail 'Kernel panic - not syncing|baseline: starting a shell' >&2 || true
			# room.tsv: guest mac log status mark_wall_s end_wall_s (empty
			# fields kept: awk, not read, which folds runs of tabs)
			awk -F'\t' -v OFS='\t' -v n="$n" -v c="$c" -v r="$r" -v img="${IMG[$c]}" \
				'NR > 1 { print n, c, r, $1, $4, $5, $6, $3, img }' "$dir/room.tsv" >>"$manifest"
		done
	done
done

# --- report ------------------------------------------------------------------------
python3 "$here/storm_report.py" --manifest "$manifest" --kernel "$ver" --mem "$MEM" \
	--elapsed $(($(date +%s) - t0)) --cmdline "$cmd" \
	--revision "$(git -C "$top" log -1 --format='%h %s' 2>/dev/null | cut -c1-100)$(git -C "$top" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')" \
	--load "at start $load_start; at end $(cut -d' ' -f1-3 /proc/loadavg)" \
	--command "STORM_GUESTS=\"$SIZES\" K=$K STORM_ONLY=\"$ONLY\" bench/storm.sh" \
	--md "$here/STORM-RESULTS.md" --svg "$here/storm-timeline.svg"
say "wrote bench/STORM-RESULTS.md and bench/storm-timeline.svg in $(($(date +%s) - t0)) s"

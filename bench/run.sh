#!/usr/bin/env bash
# Side-by-side boot benchmark: netroot against the peers, same kernel
# (build/vmlinuz), same QEMU flags (-accel tcg -m 768 -smp 1, virtio-net),
# same NFS export (build/testroot at /arch), same root init. Writes
# bench/RESULTS.md and bench/timeline.svg (bench/report.py).
#
# Usage: bench/run.sh            (make bench)
# Environment:
#   K=5                  boots per contender and network mode, interleaved
#                        (round 1: A B C ..., round 2: A B C ...)
#   BENCH_MODES="slirp tap"
#                        slirp: QEMU user networking, servers in the lab netns
#                               (qemu/servers.sh), guest 10.0.2.15, server 10.0.2.2
#                        tap:   a TAP in a namespace with dnsmasq offering after
#                               1 s and ganesha on 10.0.3.1 (bench/delaynet.sh)
#   BENCH_ONLY="netroot busybox ..."  a subset of the contenders
#   BENCH_LIVE_MB=200    size of netroot-live's image: the test root plus
#                        incompressible filler, as a squashfs
#                        (build/bench/live/, cached), served by lighttpd
#                        (qemu/servers.sh --http) over HTTP; slirp mode only;
#                        netroot-https: the same image over HTTPS (the https
#                        build's image, `make build-https`, carrying the lab
#                        CA of qemu/servers.sh --https)
#   BENCH_TIMEOUT=120    wall seconds per boot
#   MKINITCPIO_DIR=DIR   also boot mkinitcpio + the netroot hook (see below)
# Every step is cached in build/ (kernel, root, images); logs of every boot
# are kept in build/bench/logs/<mode>/<contender>-<round>.log.
set -euo pipefail

# shellcheck source=qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../qemu/lib.sh"
top="$LAB_TOP"
here="$top/bench"
build="$LAB_BUILD"
out="$build/bench"
K=${K:-5}
MODES=${BENCH_MODES:-slirp tap}
TIMEOUT=${BENCH_TIMEOUT:-120}
mkdir -p "$out"
t0=$(date +%s)
# The host is shared: record how busy it was (load average, other guests).
others() { pgrep -c '^qemu-system' || true; }
load_start="$(cut -d' ' -f1-3 /proc/loadavg), $(others) QEMU guests running"

say() { echo "bench: $*" >&2; }

# --- inputs (the Makefile remakes what is stale) --------------------------------
lab_make build/vmlinuz build/testroot.stamp >&2
ver=$("$top/qemu/kernel.sh" --print-version)
# The root's first program for every contender (init=/sbin/bench-init): it
# prints the uptime and the memory in use, then execs the test root's init.
install -m 0755 "$here/peers/bench-init" "$build/testroot/sbin/bench-init"

declare -A IMG=() NOTE=()
IMG[netroot]="$build/initramfs.img"
bin=$LAB_BIN
if [ -x "$bin" ]; then
	lab_make build/initramfs.img >&2 || NOTE[netroot]="image build failed (make build/initramfs.img: netroot initramfs)"
else
	NOTE[netroot]="no $bin (make build)"
fi
ALL="netroot netroot-live netroot-https busybox klibc-retry klibc-once dracut floor mkinitcpio"
ONLY=${BENCH_ONLY:-$ALL}
# Only the peers this run boots are built (dracut's image takes minutes).
peers=()
for p in busybox klibc dracut floor; do
	case " ${ONLY//klibc-retry/klibc} ${ONLY//klibc-once/klibc} " in *" $p "*) peers+=("$p") ;; esac
done
if [ ${#peers[@]} -gt 0 ]; then
	"$here/peers/build.sh" "${peers[@]}" >&2 || true
fi
for p in busybox klibc dracut floor; do
	[ -s "$out/$p.img" ] || NOTE[$p]="image not built (see bench/peers/build.sh output)"
done

# netroot-live: the same image, the root a ~BENCH_LIVE_MB squashfs over HTTP
# (root=live:http://): the test root with bench-init, plus a file of random
# bytes (incompressible: the image stays that big), rebuilt when the root's
# init, bench-init or the size changed. Served from build/lab/www.
IMG[netroot-live]="$build/initramfs.img"
NOTE[netroot-live]=${NOTE[netroot]:-}
IMG[netroot-https]="$out/https.img"
case " $ONLY " in *" netroot-https "*) lab_make build-https >&2 || NOTE[netroot-https]="make build-https failed" ;; esac
live_mb=${BENCH_LIVE_MB:-200}
live="$out/live/bench-live.squashfs"
case " $ONLY " in
*" netroot-live "* | *" netroot-https "*)
	stamp="$live_mb $(cat "$build/testroot/sbin/init" "$here/peers/bench-init" | sha256sum | cut -d' ' -f1)"
	if [ ! -s "$live" ] || [ "$(cat "$live.stamp" 2>/dev/null)" != "$stamp" ]; then
		say "building $live: the test root + $live_mb MB of random filler, squashfs"
		rm -rf "$out/live"
		mkdir -p "$out/live"
		cp -a "$build/testroot" "$out/live/tree"
		rm -f "$out/live/tree"/host-* "$out/live/tree"/var/log/host-*
		head -c "$((live_mb * 1000000 - 2000000))" /dev/urandom >"$out/live/tree/filler"
		mksquashfs "$out/live/tree" "$live" -noappend -all-root -quiet >/dev/null
		rm -rf "$out/live/tree"
		echo "$stamp" >"$live.stamp"
	fi
	mkdir -p "$build/lab/www"
	ln -f "$live" "$build/lab/www/bench-live.squashfs"
	;;
esac

# mkinitcpio + the netroot hook: only with a mkinitcpio checkout or install
# named by MKINITCPIO_DIR (Debian has no mkinitcpio package).
IMG[mkinitcpio]="$out/mkinitcpio.img"
if [ -n "${MKINITCPIO_DIR:-}" ]; then
	lab_make build/bench/mkinitcpio.img >&2 ||
		NOTE[mkinitcpio]="image build failed (make build/bench/mkinitcpio.img)"
else
	NOTE[mkinitcpio]="skipped: MKINITCPIO_DIR not set"
fi

# --- contenders: name, image, kernel command line (%S = the server address) ----
IMG[busybox]="$out/busybox.img"
IMG[klibc-retry]="$out/klibc.img"
IMG[klibc-once]="$out/klibc.img"
IMG[dracut]="$out/dracut.img"
IMG[floor]="$out/floor.img"
NOTE[klibc-retry]=${NOTE[klibc]:-}
NOTE[klibc-once]=${NOTE[klibc]:-}
declare -A CMD=(
	[netroot]="ip=dhcp root=/dev/nfs nfsroot=%S:/arch init=/sbin/bench-init"
	[netroot-live]="ip=dhcp root=live:http://%S:8080/bench-live.squashfs init=/sbin/bench-init"
	[netroot-https]="ip=dhcp root=live:https://%S:8443/bench-live.squashfs init=/sbin/bench-init"
	[busybox]="ip=dhcp root=/dev/nfs nfsroot=%S:/arch init=/sbin/bench-init"
	[klibc-retry]="ip=dhcp nfsroot=%S:/arch bench.klibc=retry init=/sbin/bench-init"
	[klibc-once]="ip=dhcp nfsroot=%S:/arch bench.klibc=once init=/sbin/bench-init"
	[dracut]="root=nfs4:%S:/arch ip=dhcp rd.neednet=1 init=/sbin/bench-init"
	[floor]="ip=dhcp"
	[mkinitcpio]="ip=dhcp root=/dev/nfs nfsroot=%S:/arch init=/sbin/bench-init"
)

# --- servers -------------------------------------------------------------------
cleanup() {
	"$top/qemu/servers.sh" stop --nfs4 --nfs3 --https >/dev/null 2>&1 || true
	"$here/delaynet.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for m in $MODES; do
	case "$m" in
	slirp)
		"$top/qemu/servers.sh" start --nfs4 --nfs3 --https >&2
		# The https build's image, trusting the lab CA servers.sh made.
		if [ -z "${NOTE[netroot-https]:-}" ] && [[ " $ONLY " == *" netroot-https "* ]]; then
			"$top/target/x86_64-unknown-linux-musl/release-https/netroot" initramfs --root "$build/kernel" \
				--kver "$ver" --ca-bundle "$build/lab/tls/ca.pem" -o "$out/https.img" >&2 ||
				NOTE[netroot-https]="image build failed (netroot initramfs --ca-bundle)"
		fi
		;;
	tap) "$here/delaynet.sh" start >&2 ;;
	*) say "unknown mode $m (slirp|tap)"; exit 2 ;;
	esac
done

# --- boot ------------------------------------------------------------------------
# tap mode: the same QEMU flags as qemu/boot.sh (qemu/lib.sh), the NIC on tap0
# inside the benchmark namespace instead of slirp.
boot_tap() { # img cmdline log
	lab_qemu virtio-net-pci 52:54:00:12:34:56 tap,id=n0,ifname=tap0,script=no,downscript=no
	lab_qemu_run "$3" "$TIMEOUT" "" "$(cat "$build/bench/delay/netns.pid")" "${LAB_QEMU[@]}" \
		-kernel "$build/vmlinuz" -initrd "$1" -append "console=ttyS0 $2" >&2
}

manifest="$out/manifest.tsv"
printf 'mode\tcontender\tround\tstatus\twall_s\tlog\timage\n' >"$manifest"
for m in $MODES; do
	rm -rf "$out/logs/$m"
	mkdir -p "$out/logs/$m"
done
for ((r = 1; r <= K; r++)); do
	for m in $MODES; do
		case "$m" in slirp) srv=10.0.2.2 ;; tap) srv=10.0.3.1 ;; esac
		for c in $ONLY; do
			img=${IMG[$c]:-}
			[ -n "$img" ] || { say "unknown contender $c"; exit 2; }
			log="$out/logs/$m/$c-$r.log"
			if [ -n "${NOTE[$c]:-}" ] || [ ! -s "$img" ]; then
				printf '%s\t%s\t%s\t%s\t\t\t%s\n' "$m" "$c" "$r" "not run: ${NOTE[$c]:-no image}" "$img" >>"$manifest"
				continue
			fi
			if [[ "$c" == netroot-live || "$c" == netroot-https ]] && [ "$m" != slirp ]; then
				printf '%s\t%s\t%s\t%s\t\t\t%s\n' "$m" "$c" "$r" "not run: the HTTP server is in slirp mode only" "$img" >>"$manifest"
				continue
			fi
			cmd=${CMD[$c]//%S/$srv}
			say "round $r/$K, $m, $c: $cmd"
			s=$(date +%s.%N) rc=0
			if [ "$m" = slirp ]; then
				"$top/qemu/boot.sh" --initrd "$img" --log "$log" --timeout "$TIMEOUT" --append "$cmd" >&2 || rc=$?
			else
				boot_tap "$img" "$cmd" "$log" || rc=$?
			fi
			w=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$m" "$c" "$r" "rc=$rc" "$w" "$log" "$img" >>"$manifest"
		done
	done
done

# --- report ------------------------------------------------------------------------
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
cmdline_file="$out/cmdlines.tsv"
: >"$cmdline_file"
for c in $ONLY; do printf '%s\t%s\n' "$c" "${CMD[$c]}" >>"$cmdline_file"; done
python3 "$here/report.py" --manifest "$manifest" --cmdlines "$cmdline_file" \
	--k "$K" --modes "$MODES" --kernel "$ver" --live-image "$live" --elapsed $(($(date +%s) - t0)) \
	--load "at start $load_start; at end $load_end" \
	--command "${MKINITCPIO_DIR:+MKINITCPIO_DIR=${MKINITCPIO_DIR/#$PWD/\$PWD} }K=$K BENCH_MODES=\"$MODES\" BENCH_ONLY=\"$ONLY\" bench/run.sh" \
	--md "$here/RESULTS.md" --svg "$here/timeline.svg"
say "wrote bench/RESULTS.md and bench/timeline.svg in $(($(date +%s) - t0)) s"

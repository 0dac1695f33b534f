#!/usr/bin/env bash
# The lab's tiny test root: build/testroot/ (static busybox, an /sbin/init that
# prints a marker, the network state and the mounts, then powers off) and the
# same tree as a btrfs image, build/testroot-btrfs.img, for the NBD export.
# It carries netroot itself as /usr/bin/netroot (where the package installs
# it: `make install-bin`), from target/x86_64-unknown-linux-musl/release
# (make build), so that the booted root can run `netroot report`.
#
# Usage: qemu/mkroot.sh [--force|--clean]
# Cached: rebuilt only when missing, when this script or the netroot binary
# changed, or with --force.
# --clean: take out of build/testroot what clients wrote there (it is exported
# read-write: testwrite=, testloop=, testio=, testshutdown= below): all that
# build/testroot.list (the tree as built) does not name; a file of the tree's
# own that a client changed makes it build again. No client may be running:
# tests/qemu/run.sh runs it before it starts the servers and after it stopped
# them (bench/run.sh installs its /sbin/bench-init again at each run).
#
# Its /etc/machine-id holds `uninitialized` (a root built for many clients).
# Root init prints `TEST-ROOT identity nodename=... nfs4_unique_id=...
# nfs_identifier=... machine_id=...`.
#
# Root init's kernel parameters (it reads /proc/cmdline):
#   testwrite=PATH   write PATH (default dir /), read it back, print `WROTE PATH`,
#                    then list the other host-* files in that directory
#                    (`OTHERS: ...`), to prove per-client isolation
#   testhold=N       sleep N seconds before powering off (two guests at once;
#                    the lease renewal), then list them again
#                    (`OTHERS-AFTER-HOLD: ...`); `TEST-ROOT resident ...`
#                    lines (as testloop's) before and after the sleep, and
#                    `TEST-ROOT held N s uptime=...` when it is over
#   testloop=N       N rounds, one a second, of: append `line I` to
#                    /host-testloop, sync, read the line back; each prints
#                    `TESTLOOP I ok|error uptime=...`; 3 errors in a row end
#                    it (`TESTLOOP-ERRORS`). Then drop the page cache and
#                    compare the whole file with what was written
#                    (`TESTLOOP-INTACT lines=N md5=...` or `TESTLOOP-CORRUPT`).
#                    Before the loop: `TEST-ROOT resident PID ARGV0 VmRSS: N kB
#                    smaps Rss: N kB Anonymous: N kB exe=PATH` for each
#                    process whose argv[0] starts with `@`.
#   testio=SECONDS   for SECONDS: every 0.2 s write /tmp/io-<address>, read it
#                    back and compare, and append the same line to
#                    /tmp/io-<address>.hold, kept open the whole time (NFSv4
#                    open state); then `TEST-IO done ops=N errors=E held=H`
#                    (H: lines in the .hold file, = N when nothing was lost)
#                    and the kernel's NFS lines as `TEST-ROOT kmsg ...`
#                    (qemu/room.sh, tests/qemu/t-room-*.sh)
#   testreport       run `netroot report` (the timeline PID 1 left in
#                    /run/netroot/timeline.json, as a table): each line as
#                    `TEST-ROOT report: ...`, then `TEST-ROOT report: exit N`
set -euo pipefail

case "${1:-}" in
-h | --help) sed -n '2,50p' "${BASH_SOURCE[0]}"; exit 0 ;;
"" | --force | --clean) ;;
*) echo "mkroot: unknown argument: $1" >&2; exit 2 ;;
esac

# shellcheck source=qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build="$LAB_BUILD" root="$LAB_BUILD/testroot"
# build/testroot-btrfs.img, build/testroot.stamp, build/testroot.list
img="$root-btrfs.img" stamp="$root.stamp" list="$root.list"

bin=$LAB_BIN
# The key: this script and the binary the tree carries.
sum=$(cat "${BASH_SOURCE[0]}" "$bin" 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ "${1:-}" != --force ] && [ -x "$root/sbin/init" ] && [ -s "$img" ] && [ -s "$list" ] &&
	[ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
	[ "${1:-}" = --clean ] || exit 0
	lab_root_clean mkroot "$root" "$list"
	[ -n "$LAB_ROOT_CHANGED" ] || exit 0
	echo "mkroot: clients changed the tree's own files ($(echo "$LAB_ROOT_CHANGED" | head -n 5 | tr '\n' ' ')): building it again"
elif [ "${1:-}" = --clean ]; then
	exit 0 # nothing built to clean (make build/testroot.stamp builds it)
fi

bb=$(command -v busybox) || { echo "mkroot: busybox not found (busybox-static)" >&2; exit 1; }
file -L "$bb" | grep -q 'statically linked' || { echo "mkroot: $bb is not static (busybox-static)" >&2; exit 1; }
[ -x "$bin" ] || { echo "mkroot: no $bin (make build): the test root carries netroot as /usr/bin/netroot" >&2; exit 1; }

rm -rf "$root" "$list" "$build/lab/srv"
# /mnt: systemd's switch-root (the dracut-systemd initramfs) moves the old
# root there for a moment and makes the directory when the new root lacks it.
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,root,mnt,var/log,var/spool/cups,usr/bin,usr/sbin}
chmod 1777 "$root/tmp"
install -m 0755 "$bb" "$root/bin/busybox"
for a in $("$bb" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
# The package's place (make install-bin): `netroot report` on the booted root.
install -m 0755 "$bin" "$root/usr/bin/netroot"
echo testroot >"$root/etc/test-root-id"
# An executable that is no program (execve fails with ENOEXEC after the
# switch): tests/qemu/t-fail-init-exec.sh boots it as init=.
printf 'not a program\n' >"$root/etc/not-a-program"
chmod 755 "$root/etc/not-a-program"
printf 'NAME="netroot test root"\nID=netroot-testroot\n' >"$root/etc/os-release"
# Built as a root for many clients is (machine-id(5)): each client gets its
# own id at boot (netroot.machine-id=, README "Each client's identity").
echo uninitialized >"$root/etc/machine-id"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

cat >"$root/sbin/init" <<'EOF'
#!/bin/sh
# netroot lab test root: report what the initramfs handed over, then power off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ -r /proc/uptime ] || mount -t proc proc /proc
[ -d /sys/class ] || mount -t sysfs sysfs /sys
[ -c /dev/null ] || mount -t devtmpfs devtmpfs /dev
up=$(cut -d' ' -f1 /proc/uptime)
echo "NETROOT-TEST-ROOT-OK uptime=$up pid=$$ id=$(cat /etc/test-root-id 2>/dev/null)"
echo "TEST-ROOT cmdline: $(cat /proc/cmdline)"
echo "TEST-ROOT ip addr:"
ip addr
echo "TEST-ROOT ip route:"
ip route
echo "TEST-ROOT mounts:"
cat /proc/mounts
# The identity each client presents: node name, NFSv4 uniquifier (0600
# module parameter; the per-netns identifier wins when set), machine-id.
echo "TEST-ROOT identity nodename=$(cat /proc/sys/kernel/hostname)" \
	"nfs4_unique_id=$(cat /sys/module/nfs/parameters/nfs4_unique_id 2>/dev/null)" \
	"nfs_identifier=$(cat /sys/fs/nfs/net/nfs_client/identifier 2>/dev/null)" \
	"machine_id=$(cat /etc/machine-id 2>/dev/null)"
[ -x /run/initramfs/shutdown ] && echo "TEST-ROOT shutdown-ramfs: /run/initramfs/shutdown $(wc -c </run/initramfs/shutdown) bytes"
for f in /run/net-*.conf; do
	[ -f "$f" ] || continue
	echo "TEST-ROOT $f:"
	cat "$f"
done
# netroot's boot timeline (one line of JSON), for `netroot report --file`.
[ -f /run/netroot/timeline.json ] && echo "TEST-ROOT timeline: $(cat /run/netroot/timeline.json)"
others() { # PATH LABEL: the other host-* files next to PATH
	o_list="" o_dir=$(dirname "$1")
	[ "$o_dir" = / ] && o_dir=""
	for o in "$o_dir"/host-*; do
		[ -e "$o" ] && [ "$o" != "$1" ] && o_list="$o_list $o"
	done
	echo "$2:${o_list:- none}"
}
residents() { # netroot's resident helpers (argv[0] @...) and their memory:
	# VmRSS, and Rss/Anonymous from a walk of the page tables (smaps_rollup).
	# VmRSS is inexact by design (Documentation/filesystems/proc.rst: "use
	# smaps or smaps_rollup" for accurate values): up to Linux 6.1 a task's
	# page faults reach it in batches of 64, so a helper that goes to sleep
	# soon after its start shows next to nothing there.
	for r_p in /proc/[0-9]*; do
		r_cmd=$(tr '\0' ' ' <"$r_p/cmdline" 2>/dev/null)
		case "$r_cmd" in
		@*) echo "TEST-ROOT resident ${r_p#/proc/} ${r_cmd%% *} $(grep VmRSS "$r_p/status")" \
			"smaps $(grep -E '^(Rss|Anonymous):' "$r_p/smaps_rollup" | tr -s ' \t\n' ' ')exe=$(readlink "$r_p/exe")" ;;
		esac
	done
}
testloop() { # ROUNDS
	l_file=/host-testloop l_errs=0 l_i=0 l_n=0
	residents
	# A copy in /run (a tmpfs) powers off even when the root's own busybox
	# can no longer be read (the root's server gone for good).
	cp /bin/busybox /run/busybox-testloop 2>/dev/null || true
	rm -f "$l_file"
	while [ "$l_i" -lt "$1" ]; do
		l_i=$((l_i + 1))
		if echo "line $l_i" >>"$l_file" && sync && [ "$(tail -n 1 "$l_file")" = "line $l_i" ]; then
			l_n=$l_i l_errs=0
			echo "TESTLOOP $l_i ok uptime=$(cut -d' ' -f1 /proc/uptime)"
		else
			l_errs=$((l_errs + 1))
			echo "TESTLOOP $l_i error uptime=$(cut -d' ' -f1 /proc/uptime)"
			if [ "$l_errs" -ge 3 ]; then
				echo "TESTLOOP-ERRORS after $l_n good rounds"
				return 0
			fi
		fi
		sleep 1
	done
	# Read back from the server, not the page cache.
	sync
	echo 3 >/proc/sys/vm/drop_caches
	l_want=$(seq 1 "$l_n" | sed 's/^/line /' | md5sum | cut -d' ' -f1)
	l_got=$(md5sum <"$l_file" | cut -d' ' -f1)
	if [ "$l_want" = "$l_got" ]; then
		echo "TESTLOOP-INTACT lines=$l_n md5=$l_got"
	else
		echo "TESTLOOP-CORRUPT lines=$l_n want=$l_want got=$l_got"
	fi
}
hold=0 wrote="" loop=0 io=0 shut=""
# shellcheck disable=SC2013 # one line of words: splitting is the point
for w in $(cat /proc/cmdline); do
	case "$w" in
	testwrite=*)
		p=${w#testwrite=}
		case "$p" in /*) ;; *) p=/$p ;; esac
		if echo "written by $(hostname) at $up" >"$p" 2>/dev/null && grep -q "at $up" "$p"; then
			echo "WROTE $p"
		else
			echo "WRITE-FAILED $p"
		fi
		wrote=$p
		others "$p" OTHERS
		;;
	testhold=*) hold=${w#testhold=} ;;
	testloop=*) loop=${w#testloop=} ;;
	testio=*) io=${w#testio=} ;;
	testshutdown=*) shut=${w#testshutdown=} ;;
	testreport)
		# As an administrator would ask on the booted system.
		{
			netroot report 2>&1
			echo "exit $?"
		} | sed 's/^/TEST-ROOT report: /'
		;;
	esac
done
if [ "$loop" -gt 0 ] 2>/dev/null; then
	testloop "$loop"
fi
if [ "$io" -gt 0 ] 2>/dev/null; then
	me=$(ip -4 -o addr show scope global | sed -n 's/.* inet \([0-9.]*\).*/\1/p' | head -n 1)
	f=/tmp/io-${me:-$$}
	ops=0 errors=0
	rm -f "$f" "$f.hold"
	echo "TEST-IO start file=$f seconds=$io"
	exec 3>"$f.hold"
	end=$(($(cut -d. -f1 /proc/uptime) + io))
	while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
		ops=$((ops + 1))
		line="$me op $ops at $(cut -d' ' -f1 /proc/uptime)"
		if echo "$line" >"$f" && [ "$(cat "$f")" = "$line" ] && echo "$line" >&3; then
			:
		else
			errors=$((errors + 1))
			echo "TEST-IO error op $ops"
		fi
		usleep 200000
	done
	exec 3>&-
	held=$(grep -c " op " "$f.hold" 2>/dev/null)
	echo "TEST-IO done ops=$ops errors=$errors held=${held:-0} file=$f"
	dmesg | grep -iE 'nfs|rpc|lockd' | sed 's/^/TEST-ROOT kmsg /'
fi
sync
if [ "${shut:-}" = up ] || [ "${shut:-}" = cut ]; then
	# What systemd-shutdown(8) does last: bind /dev /proc /sys into
	# /run/initramfs, pivot into it with the old root at /oldroot, exec
	# /shutdown poweroff as PID 1. With testshutdown=cut the link goes down
	# between the pivot and the exec: the server is gone for netroot's
	# shutdown, and on a btrfs root (NBD) a file written without sync is
	# still to be written back.
	[ -x /run/initramfs/shutdown ] || { echo "TEST-ROOT no /run/initramfs/shutdown"; poweroff -f; }
	echo "unsynced data written by $(hostname) at $up" >/root/testshutdown-unsynced
	for d in dev proc sys; do
		mount --bind "/$d" "/run/initramfs/$d"
	done
	mount --bind /run/initramfs /run/initramfs
	# PID 1 goes on from a copy in RAM: the last close of a program file on
	# an NFSv4 root (at the exec below) waits for the server to answer CLOSE.
	cp /bin/busybox /run/initramfs/busybox
	cd /run/initramfs
	exec /run/initramfs/busybox sh -c '
		/run/initramfs/busybox pivot_root . oldroot || exit 1
		if [ "$1" = cut ]; then
			/busybox ip link set eth0 down
			echo "TEST-ROOT link down, the server is unreachable now"
		fi
		exec /shutdown poweroff' sh "$shut"
fi
if [ "$hold" -gt 0 ] 2>/dev/null; then
	residents
	sleep "$hold"
	echo "TEST-ROOT held $hold s uptime=$(cut -d' ' -f1 /proc/uptime)"
	residents
	# Again after the hold, when a guest booted at the same time has written too.
	[ -n "$wrote" ] && others "$wrote" OTHERS-AFTER-HOLD
fi
echo "TEST-ROOT poweroff"
[ -x /run/busybox-testloop ] && exec /run/busybox-testloop poweroff -f
poweroff -f
EOF
chmod 0755 "$root/sbin/init"

# btrfs image without loop mounts: mkfs.btrfs --rootdir copies the tree in.
# 128 MiB sparse leaves room for writes; mixed block groups suit small images.
rm -f "$img"
truncate -s 128M "$img"
mkfs.btrfs -q -M -L netroot-test --rootdir "$root" "$img" >/dev/null
lab_root_list "$root" >"$list"
echo "$sum" >"$stamp"
echo "mkroot: $root ($(du -sh "$root" | cut -f1)), $img ($(du -h "$img" | cut -f1) used of 128M)"

#!/usr/bin/env bash
# `make demo`: PXE-boot a diskless Debian client under QEMU, on this terminal,
# with netroot as the initramfs's /init, the way the Arch "Diskless System"
# guide boots its clients: QEMU's built-in DHCP + TFTP (slirp, the guide's LAN
# net=10.0.0.0/24, server 10.0.0.1, clients from 10.0.0.128) hands the client
# pxelinux.0, pxelinux loads the kernel and netroot's initramfs, netroot gets
# a lease and mounts the Debian root (qemu/mkdebroot.sh) from the lab's
# servers (qemu/servers.sh), and systemd boots it to a login prompt on the
# serial console (root is logged in automatically).
#
# Usage: qemu/demo.sh [--root nfs|nbd|http] [--watch]
#   nfs (default)  NFSv4 from nfs-ganesha: nfsroot=10.0.0.1:/debian
#   nbd            NBD from nbd-server, btrfs with compress=lzo:
#                  nbd_host=10.0.0.1 nbd_name=debian root=/dev/nbd0 (as the
#                  guide's NBD section, with netroot in place of its hooks)
#   http           no TFTP: slirp's DHCP names an iPXE script URL as the boot
#                  file; QEMU's iPXE ROM fetches the script, the kernel and
#                  the initramfs from lighttpd (build/lab/www, port 8080),
#                  and netroot fetches the test root as a squashfs
#                  (build/lab/www/root.squashfs) into RAM:
#                  root=live:http://10.0.0.1:8080/root.squashfs with
#                  netroot.sha256=; the test root prints its checks and
#                  powers off, which ends the demo
#   --watch        (make demo WATCH=1) the client also gets
#                  netroot.syslog=10.0.0.1:5514 and `netroot watch` listens
#                  there (lab netns): in a tmux pane below the client when
#                  tmux is installed and this is a terminal (the demo starts
#                  a tmux session for it, or splits the one it runs in;
#                  DEMO_TMUX=0 turns that off), else in the background, its
#                  lines in build/demo/watch.log (tail -f it elsewhere)
# Ctrl-a x ends QEMU (or `poweroff` in the client); the servers this script
# started stop with it. Servers that were already running (tests/qemu/run.sh,
# a manual `qemu/servers.sh start`) are left running.
#
# Builds what is missing first (each step cached): the Debian kernel
# (qemu/kernel.sh), build/initramfs.img (netroot initramfs, when the netroot
# binary is newer), the test root the servers also export (qemu/mkroot.sh),
# the Debian root (qemu/mkdebroot.sh: ~2.5 min and ~45 MB of .debs the first
# time). Needs root (network namespace, ganesha) and a built netroot binary
# (`make demo` runs `make deps build` first).
# Env: DEMO_MEM (MiB, default 768).
set -euo pipefail

# shellcheck source=qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build="$LAB_BUILD"
lab="$build/lab"
tftp="$build/demo/tftp"

kind=nfs watch=0
while [ $# -gt 0 ]; do
	case "$1" in
	--root) kind=$2; shift 2 ;;
	--root=*) kind=${1#--root=}; shift ;;
	--watch) watch=1; shift ;;
	-h | --help) sed -n '2,43p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) echo "demo: unknown argument: $1" >&2; exit 2 ;;
	esac
done
case "$kind" in
nfs) root_args="nfsroot=10.0.0.1:/debian rw" service=--nfs4 ;;
nbd) root_args="nbd_host=10.0.0.1 nbd_name=debian root=/dev/nbd0 rootfstype=btrfs rootflags=compress=lzo rw" service=--nbd ;;
http) root_args="root=live:http://10.0.0.1:8080/root.squashfs" service=--http ;;
*) echo "demo: --root is nfs, nbd or http, not $kind" >&2; exit 2 ;;
esac

say() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "demo: needs root (the lab's network namespace, ganesha); run: sudo make demo" >&2; exit 1; }
[ -x "$LAB_BIN" ] || { echo "demo: no $LAB_BIN (make build)" >&2; exit 1; }

# --watch on a terminal, outside tmux, with tmux installed: run the demo in
# a new tmux session, where it splits off the watch pane below.
if [ "$watch" = 1 ] && [ -z "${TMUX:-}" ] && [ "${DEMO_TMUX:-1}" != 0 ] && [ -t 0 ] && [ -t 1 ] &&
	command -v tmux >/dev/null; then
	exec tmux new-session -s "netroot-demo-$$" "$(printf '%q ' "${BASH_SOURCE[0]}" --root "$kind" --watch); echo; read -r -p 'demo ended; Enter closes tmux' _"
fi

# --- build what is missing (the Makefile knows what is stale) ----------------------
if [ "$kind" = http ]; then
	lab_make build/vmlinuz build/initramfs.img build/lab/www/root.squashfs
	root_args="$root_args netroot.sha256=$(sha256sum "$lab/www/root.squashfs" | cut -d' ' -f1)"
else
	lab_make build/vmlinuz build/initramfs.img build/testroot.stamp build/debroot.stamp
fi
cmdline="ip=:::::eth0:dhcp $root_args"
if [ "$watch" = 1 ]; then cmdline="$cmdline netroot.syslog=10.0.0.1:5514"; fi
if [ "$kind" = http ]; then
	# The web root: the kernel, the initramfs and an iPXE script (iPXE's
	# scripting: `kernel URL ARGS`, `initrd URL`, `boot`); BOOTIF= as
	# pxelinux's IPAPPEND 2 gives it, from iPXE's ${netX/mac}.
	mkdir -p "$lab/www"
	put() { cmp -s "$1" "$2" || cp "$1" "$2"; }
	put "$build/vmlinuz" "$lab/www/vmlinuz"
	put "$build/initramfs.img" "$lab/www/initramfs.img"
	cat >"$lab/www/boot.ipxe" <<-EOF
		#!ipxe
		echo netroot demo: kernel and initramfs over HTTP from 10.0.0.1:8080
		kernel http://10.0.0.1:8080/vmlinuz console=ttyS0 $cmdline BOOTIF=01-\${netX/mac:hexhyp}
		initrd http://10.0.0.1:8080/initramfs.img
		boot
	EOF
	boot_net="bootfile=http://10.0.0.1:8080/boot.ipxe"
else
	# The TFTP root: qemu/pxe.sh's layout (the guide's /srv/arch/boot), the Debian root.
	"$LAB_TOP/qemu/pxe.sh" --initrd "$build/initramfs.img" --out "$tftp" --cmdline "$cmdline" >/dev/null
	boot_net="tftp=$tftp,bootfile=pxelinux.0"
fi
cmdline="console=ttyS0 $cmdline"

# --- servers -------------------------------------------------------------------------
owned=1
if lab_alive "$lab/netns.pid"; then owned=0; fi
watch_pid="" watch_pane=""
cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$watch_pid" ] && { kill "$watch_pid" 2>/dev/null || true; wait "$watch_pid" 2>/dev/null || true; }
	[ -n "$watch_pane" ] && { tmux kill-pane -t "$watch_pane" 2>/dev/null || true; }
	if [ "$owned" = 1 ]; then
		say "stopping the servers (qemu/servers.sh stop)"
		"$LAB_TOP/qemu/servers.sh" stop || true
	else
		say "the servers were running before the demo: left running (qemu/servers.sh stop)"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
"$LAB_TOP/qemu/servers.sh" start "$service" >/dev/null
nspid=$(cat "$lab/netns.pid")

say "servers (in the lab network namespace, pid $nspid; the client reaches them at 10.0.0.1):"
if [ "$kind" = nfs ]; then
	say "  NFSv4    nfs-ganesha on 127.0.0.1:2049, export /debian = build/debroot (log build/lab/ganesha.log)"
elif [ "$kind" = http ]; then
	say "  HTTP     lighttpd on 127.0.0.1:8080, root build/lab/www: boot.ipxe, vmlinuz, initramfs.img, root.squashfs (the test root; log build/lab/lighttpd.access)"
else
	say "  NBD      nbd-server on 127.0.0.1:10809, export debian = build/lab/nbd-debian.img, a fresh copy of build/debroot-btrfs.img (log build/lab/nbd-server.log)"
fi
say "  DHCP     QEMU's slirp on the guide's LAN 10.0.0.0/24: server 10.0.0.1, client 10.0.0.128, host name netroot-demo"
if [ "$kind" = http ]; then
	say "  boot     no TFTP: QEMU's iPXE ROM gets the boot file http://10.0.0.1:8080/boot.ipxe by DHCP"
else
	say "  TFTP     QEMU's slirp, root build/demo/tftp, boot file pxelinux.0 (pxelinux.cfg/default)"
fi
say "  look at them: nsenter --net --target $nspid ss -ltnp"
if [ "$watch" = 1 ]; then
	# The client's 10.0.0.1:5514 is the lab namespace's 127.0.0.1:5514 (slirp).
	wcmd=(nsenter --target "$nspid" --net -- "$LAB_BIN" watch --listen 127.0.0.1:5514)
	if [ -n "${TMUX:-}" ] && [ "${DEMO_TMUX:-1}" != 0 ]; then
		watch_pane=$(tmux split-window -d -v -l 10 -P -F '#{pane_id}' "$(printf '%q ' "${wcmd[@]}")")
		say "  watch    netroot watch --listen 127.0.0.1:5514, in the tmux pane below"
	else
		mkdir -p "$build/demo"
		"${wcmd[@]}" >"$build/demo/watch.log" 2>&1 &
		watch_pid=$!
		say "  watch    netroot watch --listen 127.0.0.1:5514 (pid $watch_pid): tail -f build/demo/watch.log"
	fi
fi
say "kernel command line: $cmdline BOOTIF=..."
say "stop: Ctrl-a x ends QEMU (or type poweroff in the client); the servers $([ "$owned" = 1 ] && echo "stop with it" || echo "keep running")"
echo

lab_qemu virtio-net-pci 52:54:00:12:34:56 \
	"user,id=n0,net=10.0.0.0/24,host=10.0.0.1,dhcpstart=10.0.0.128,hostname=netroot-demo,$boot_net" \
	"${DEMO_MEM:-768}"
# QEMU in the lab's network namespace, where 10.0.0.1 (slirp's host) is the
# namespace's loopback with the servers on it; on this terminal (-nographic:
# serial console and monitor on stdio, Ctrl-a x quits). In the foreground:
# it owns the terminal (a background job would get /dev/null as stdin).
rc=0
nsenter --target "$nspid" --net -- "${LAB_QEMU[@]}" -nographic -boot n || rc=$?
echo
say "QEMU ended (exit $rc)"

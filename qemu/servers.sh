#!/usr/bin/env bash
# The lab's servers, on the loopback of a private network namespace (the "lab
# netns", held by build/lab/netns.pid): qemu/boot.sh starts QEMU inside it, so
# a slirp guest reaches them at 10.0.2.2 (or 10.0.0.1 with
# net=10.0.0.0/24,host=10.0.0.1) on their standard ports, whatever else runs
# on the host, and nothing listens outside it. rpcbind (needed by ganesha for
# NFSv3, and by klibc's nfsmount) gets a private /run there too.
#   nfs-ganesha (FSAL VFS): build/testroot at Pseudo /arch, build/lab/srv at
#     Pseudo /srv (per-client roots for nfsroot=...:/srv/%s); NFSv4, and NFSv3
#     with --nfs3 (NFS and MOUNT ports pinned, so a client that passes
#     port=,mountport=,mountproto=tcp,nolock needs no rpcbind)
#   nbd-server: export "arch", a fresh copy of build/testroot-btrfs.img
# and, when qemu/mkdebroot.sh has built the Debian root (otherwise nothing
# changes): ganesha exports build/debroot at Pseudo /debian, nbd-server
# exports "debian", a fresh copy of build/debroot-btrfs.img, with a transaction
# log build/lab/nbd-debian.trlog (every request header).
#
# Usage: qemu/servers.sh start|stop|status|env [--nfs4] [--nfs3] [--nbd]
#   start   (no service flag = all three); idempotent: a running server is kept
#   env     print NFS_PORT= MNT_PORT= NBD_PORT= NETNS_PID= (for `eval`)
#        qemu/servers.sh nbd-extra PORT
#   an additional nbd-server on PORT (export "arch", its own fresh copy of the
#   btrfs image, build/lab/nbd-PORT.*) for a test that takes its server away
#   without disturbing other guests; `stop` removes it
#        qemu/servers.sh pause|resume nfs|nbd|nbd-PORT
#   stop a server (ganesha, the lab's nbd-server, or the extra one on PORT)
#   and start it again later on the same data and configuration (server
#   outage tests; pausing ganesha or the lab's nbd-server affects every guest)
# State, pid files, configs and logs: build/lab/. Needs root (namespaces, and
# ganesha's VFS FSAL uses open_by_handle_at).
# Ports: NFS 2049, MOUNT 20048, rpcbind 111, NBD 10809 (so the Arch guide's
# `nfsroot=10.0.0.1:/arch` works verbatim). To reach them from the host:
#   nsenter --net --target "$(cat build/lab/netns.pid)" <command>
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build="$top/build"
lab="$build/lab"

cmd=${1:-status}
[ $# -gt 0 ] && shift
nfs4=0 nfs3=0 nbd=0
extra_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--nfs4) nfs4=1 ;;
	--nfs3) nfs3=1 ;;
	--nbd) nbd=1 ;;
	-*) echo "servers.sh: unknown argument: $1" >&2; exit 2 ;;
	*)
		case "$cmd" in
		nbd-extra | pause | resume) extra_args+=("$1") ;;
		*) echo "servers.sh: unknown argument: $1" >&2; exit 2 ;;
		esac
		;;
	esac
	shift
done
if [ $((nfs4 + nfs3 + nbd)) = 0 ]; then nfs4=1 nfs3=1 nbd=1; fi

mkdir -p "$lab"
NFS_PORT=2049 MNT_PORT=20048 NBD_PORT=10809
nspid_file="$lab/netns.pid"

alive() { # pidfile
	local pid
	[ -s "$1" ] || return 1
	pid=$(cat "$1")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

in_ns() { # command... : run inside the lab's network and mount namespaces
	nsenter --target "$(cat "$nspid_file")" --net --mount -- "$@"
}

port_busy() {
	in_ns ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

wait_listen() { # port seconds pidfile name log
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		port_busy "$1" && return 0
		if [ $i -gt 5 ] && ! alive "$3"; then break; fi
		sleep 0.1
	done
	echo "servers.sh: $4 did not start listening on 127.0.0.1:$1 (lab netns); last lines of $5:" >&2
	tail -n 20 "$5" >&2 || true
	return 1
}

start_netns() {
	alive "$nspid_file" && return 0
	rm -f "$nspid_file"
	# The holder: a sleep in new net + mount namespaces, with only lo (up),
	# a private tmpfs on /run (rpcbind's socket and lock), and one non-127
	# address on lo, without which ganesha cannot resolve Bind_addr.
	# shellcheck disable=SC2016 # the inner script expands its own $$ and $1
	setsid unshare --net --mount --propagation private -- bash -c '
		set -e
		mount -t tmpfs -o mode=0755 lab-run /run
		ip link set lo up
		ip addr add 169.254.77.1/32 dev lo
		echo $$ >"$1"
		exec sleep infinity' lab-netns "$nspid_file" </dev/null >"$lab/netns.log" 2>&1 &
	local i
	for ((i = 0; i < 50; i++)); do
		alive "$nspid_file" && return 0
		sleep 0.1
	done
	echo "servers.sh: could not create the lab network namespace:" >&2
	cat "$lab/netns.log" >&2
	return 1
}

start_rpcbind() {
	local pidf="$lab/rpcbind.pid" i
	alive "$pidf" && return 0
	# -f: stay in the foreground so its pid is ours to stop; -w: warm start off.
	# (nsenter, not the in_ns function, so that $! is rpcbind itself)
	nsenter --target "$(cat "$nspid_file")" --net --mount -- rpcbind -f </dev/null >"$lab/rpcbind.log" 2>&1 &
	echo $! >"$pidf"
	for ((i = 0; i < 50; i++)); do
		port_busy 111 && return 0
		sleep 0.1
	done
	echo "servers.sh: rpcbind did not start" >&2
	cat "$lab/rpcbind.log" >&2
	return 1
}

start_ganesha() {
	local gd="$lab/ganesha" pidf="$lab/ganesha.pid" log="$lab/ganesha.log" protos
	if alive "$pidf"; then
		# Restart only when NFSv3 is wanted and the running one lacks it
		# (or the Debian root was built since it started).
		if { [ "$nfs3" = 0 ] || grep -q 'Protocols = 3, 4' "$gd/ganesha.conf"; } &&
			{ [ ! -f "$build/debroot/etc/os-release" ] || grep -q 'Pseudo = /debian' "$gd/ganesha.conf"; }; then
			return 0
		fi
		stop_one ganesha
	fi
	[ -x "$build/testroot/sbin/init" ] || { echo "servers.sh: no build/testroot (run qemu/mkroot.sh)" >&2; return 1; }
	# A client from an earlier run may have left files behind.
	rm -f "$build"/testroot/host-* "$build"/testroot/var/log/host-*
	rm -rf "$gd"
	mkdir -p "$gd/recovery" "$lab/srv"
	# Per-client root for nfsroot=<server>:/srv/%s (the kernel's nfsroot.rst:
	# %s is the client's IP address); slirp's first lease is 10.0.2.15.
	if [ ! -x "$lab/srv/10.0.2.15/sbin/init" ]; then
		rm -rf "$lab/srv/10.0.2.15"
		cp -a "$build/testroot" "$lab/srv/10.0.2.15"
		echo "srv-10.0.2.15" >"$lab/srv/10.0.2.15/etc/test-root-id"
	fi
	protos=4
	# NFSv3 makes ganesha register with rpcbind (and fail without it).
	if [ "$nfs3" = 1 ]; then
		protos="3, 4"
		start_rpcbind
	fi
	# The Debian root, when built (qemu/mkdebroot.sh).
	local debian=""
	if [ -f "$build/debroot/etc/os-release" ]; then
		debian="EXPORT { Export_Id = 3; Path = \"$build/debroot\"; Pseudo = /debian; Access_Type = RW; Protocols = $protos; FSAL { Name = VFS; } }"
	fi
	cat >"$gd/ganesha.conf" <<-EOF
		# written by qemu/servers.sh
		NFS_CORE_PARAM {
		    Protocols = $protos;
		    NFS_Port = $NFS_PORT;
		    MNT_Port = $MNT_PORT;
		    Bind_addr = 127.0.0.1;
		    Enable_NLM = false;
		    Enable_RQUOTA = false;
		    Enable_UDP = false;
		    Mount_Path_Pseudo = true;
		}
		NFSV4 {
		    Graceless = true;
		    Lease_Lifetime = 10;
		    RecoveryBackend = fs;
		    RecoveryRoot = "$gd/recovery";
		    # Owners as numbers ("0"), not names ("root@localdomain"): the
		    # client has no idmapper (no nfsidmap/request-key in an
		    # initramfs or a minimal root), so names showed every file as
		    # owned by 4294967294 and setuid mount(8) refused to run.
		    Only_Numeric_Owners = true;
		}
		NFS_KRB5 { Active_krb5 = false; }
		# Attr_Expiration_Time = 0: revalidate attributes and directories on
		# every access, so files the tests remove on the host side vanish for
		# the next guest at once (ganesha caches them 60 s by default).
		EXPORT_DEFAULTS {
		    SecType = sys;
		    Squash = No_Root_Squash;
		    Transports = TCP;
		    Attr_Expiration_Time = 0;
		}
		EXPORT {
		    Export_Id = 1;
		    Path = "$build/testroot";
		    Pseudo = /arch;
		    Access_Type = RW;
		    Protocols = $protos;
		    FSAL { Name = VFS; }
		}
		EXPORT {
		    Export_Id = 2;
		    Path = "$lab/srv";
		    Pseudo = /srv;
		    Access_Type = RW;
		    Protocols = $protos;
		    FSAL { Name = VFS; }
		}
		$debian
	EOF
	: >"$log"
	run_ganesha
}

start_nbd() {
	local pidf="$lab/nbd-server.pid" log="$lab/nbd-server.log" img="$lab/nbd-arch.img"
	if alive "$pidf"; then
		{ [ ! -s "$build/debroot-btrfs.img" ] || grep -q 'nbd-debian.trlog' "$lab/nbd-server.conf"; } && return 0
		stop_one nbd-server
	fi
	[ -s "$build/testroot-btrfs.img" ] || { echo "servers.sh: no build/testroot-btrfs.img (run qemu/mkroot.sh)" >&2; return 1; }
	# Serve a fresh copy so writes by one run's guests never leak into the next.
	cp --sparse=always "$build/testroot-btrfs.img" "$img"
	: >"$log"
	cat >"$lab/nbd-server.conf" <<-EOF
		# written by qemu/servers.sh
		[generic]
		    listenaddr = 127.0.0.1
		    port = $NBD_PORT
		    allowlist = true
		[arch]
		    exportname = $img
	EOF
	if [ -s "$build/debroot-btrfs.img" ]; then
		cp --sparse=always "$build/debroot-btrfs.img" "$lab/nbd-debian.img"
		# The transaction log (nbd-server(5) transactionlog=) records every
		# request header: a clean disconnect ends it with NBD_CMD_DISC
		# (tests/qemu/t-debian-nbd.sh reads it with nbd-trdump).
		printf '[debian]\n    exportname = %s\n    transactionlog = %s\n' \
			"$lab/nbd-debian.img" "$lab/nbd-debian.trlog" >>"$lab/nbd-server.conf"
	fi
	run_nbd nbd-server "$NBD_PORT"
}

run_nbd() { # NAME PORT: start nbd-server with build/lab/NAME.conf
	local pidf="$lab/$1.pid" log="$lab/$1.log"
	in_ns nbd-server -C "$lab/$1.conf" -p "$pidf" >>"$log" 2>&1
	wait_listen "$2" 10 "$pidf" "$1" "$log"
}

run_ganesha() {
	local gd="$lab/ganesha" pidf="$lab/ganesha.pid" log="$lab/ganesha.log"
	in_ns ganesha.nfsd -f "$gd/ganesha.conf" -L "$log" -p "$pidf" -N NIV_EVENT
	wait_listen "$NFS_PORT" 15 "$pidf" ganesha "$log"
	if grep -q 'Protocols = 3, 4' "$gd/ganesha.conf"; then
		wait_listen "$MNT_PORT" 5 "$pidf" "ganesha (MOUNT)" "$log"
	fi
}

start_nbd_extra() { # PORT: an extra nbd-server with its own image
	local port=$1 name="nbd-$1"
	case "$port" in '' | *[!0-9]*) echo "servers.sh: nbd-extra needs a port number" >&2; return 2 ;; esac
	[ "$port" != "$NBD_PORT" ] || { echo "servers.sh: port $port is the lab's nbd-server" >&2; return 2; }
	[ -s "$build/testroot-btrfs.img" ] || { echo "servers.sh: no build/testroot-btrfs.img (run qemu/mkroot.sh)" >&2; return 1; }
	stop_one "$name"
	cp --sparse=always "$build/testroot-btrfs.img" "$lab/$name.img"
	cat >"$lab/$name.conf" <<-EOF
		# written by qemu/servers.sh nbd-extra
		[generic]
		    listenaddr = 127.0.0.1
		    port = $port
		    allowlist = true
		[arch]
		    exportname = $lab/$name.img
	EOF
	: >"$lab/$name.log"
	run_nbd "$name" "$port"
}

pause_resume() { # pause|resume nfs|nbd|nbd-PORT
	local name port
	case "$2" in
	nfs) name=ganesha ;;
	nbd) name=nbd-server port=$NBD_PORT ;;
	nbd-[0-9]*) name=$2 port=${2#nbd-} ;;
	*) echo "servers.sh: $1 what? (nfs, nbd, nbd-PORT)" >&2; return 2 ;;
	esac
	if [ "$1" = pause ]; then
		stop_one "$name"
		return 0
	fi
	alive "$lab/$name.pid" && return 0
	if [ "$name" = ganesha ]; then
		[ -s "$lab/ganesha/ganesha.conf" ] || { echo "servers.sh: ganesha was never started" >&2; return 1; }
		run_ganesha
	else
		[ -s "$lab/$name.conf" ] || { echo "servers.sh: $name was never started" >&2; return 1; }
		run_nbd "$name" "$port"
	fi
}

stop_one() { # name
	local pidf="$lab/$1.pid" pid i
	if alive "$pidf"; then
		pid=$(cat "$pidf")
		# nbd-server serves each client from a child: end those too, so
		# that clients see the connection go (they are ours: children of
		# the pid we started).
		pkill -TERM -P "$pid" 2>/dev/null || true
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$pidf"
}

status() {
	if ! alive "$nspid_file"; then
		echo "lab netns: stopped (ganesha, rpcbind, nbd-server stopped)"
		return 0
	fi
	echo "lab netns: held by pid $(cat "$nspid_file"); enter with: nsenter --net --target $(cat "$nspid_file")"
	if alive "$lab/ganesha.pid"; then
		echo "ganesha: pid $(cat "$lab/ganesha.pid"), NFS $(sed -n 's/^ *Protocols = \(.*\);/v\1/p' "$lab/ganesha/ganesha.conf" | head -n1) on 127.0.0.1:$NFS_PORT, MOUNT on :$MNT_PORT (guest: 10.0.2.2), exports /arch=build/testroot /srv=build/lab/srv$(grep -q 'Pseudo = /debian' "$lab/ganesha/ganesha.conf" && echo ' /debian=build/debroot'), log build/lab/ganesha.log"
	else
		echo "ganesha: stopped"
	fi
	if alive "$lab/rpcbind.pid"; then
		echo "rpcbind: pid $(cat "$lab/rpcbind.pid"), 127.0.0.1:111"
	else
		echo "rpcbind: stopped"
	fi
	if alive "$lab/nbd-server.pid"; then
		echo "nbd-server: pid $(cat "$lab/nbd-server.pid"), 127.0.0.1:$NBD_PORT (guest: 10.0.2.2:$NBD_PORT), export arch=build/lab/nbd-arch.img$(grep -q '^\[debian\]' "$lab/nbd-server.conf" && echo ' debian=build/lab/nbd-debian.img')"
	else
		echo "nbd-server: stopped"
	fi
}

case "$cmd" in
start)
	start_netns
	if [ "$nfs4" = 1 ] || [ "$nfs3" = 1 ]; then start_ganesha; fi
	if [ "$nbd" = 1 ]; then start_nbd; fi
	status
	;;
stop)
	if [ "$nfs4" = 1 ] || [ "$nfs3" = 1 ]; then stop_one ganesha; fi
	if [ "$nfs3" = 1 ]; then stop_one rpcbind; fi
	if [ "$nbd" = 1 ]; then
		stop_one nbd-server
		for f in "$lab"/nbd-[0-9]*.pid "$lab"/nbd-[0-9]*.conf; do
			[ -e "$f" ] || continue
			f=$(basename "$f")
			stop_one "${f%.*}"
			rm -f "$lab/${f%.*}".{conf,img,log}
		done
	fi
	# The namespace goes when nothing in it is left.
	if ! alive "$lab/ganesha.pid" && ! alive "$lab/rpcbind.pid" && ! alive "$lab/nbd-server.pid"; then
		stop_one netns
	fi
	;;
status) status ;;
nbd-extra)
	start_netns
	start_nbd_extra "${extra_args[0]:-}"
	;;
pause | resume) pause_resume "$cmd" "${extra_args[0]:-}" ;;
env)
	printf 'NFS_PORT=%s\nMNT_PORT=%s\nNBD_PORT=%s\nNETNS_PID=%s\n' "$NFS_PORT" "$MNT_PORT" "$NBD_PORT" \
		"$(alive "$nspid_file" && cat "$nspid_file")"
	;;
*)
	echo "usage: $0 start|stop|status|env [--nfs4] [--nfs3] [--nbd] | nbd-extra PORT | pause|resume nfs|nbd|nbd-PORT" >&2
	exit 2
	;;
esac

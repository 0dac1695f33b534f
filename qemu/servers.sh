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
#   lighttpd (only with --http): build/lab/www on port 8080 (`make demo
#     ROOT=http` and the benchmark put their kernel, initramfs, iPXE script
#     and live images there); with --https also over TLS on port 8443, with
#     a certificate for 10.0.2.2 signed by the lab CA build/lab/tls/ca.pem
#     (qemu/testca.sh, made once, renewed when it expires within a day)
# and, when qemu/mkdebroot.sh has built the Debian root (otherwise nothing
# changes): ganesha exports build/debroot at Pseudo /debian, nbd-server
# exports "debian", a fresh copy of build/debroot-btrfs.img, with a transaction
# log build/lab/nbd-debian.trlog (every request header).
#
# Usage: qemu/servers.sh start|stop|status|env [--nfs4] [--nfs3] [--nbd] [--http] [--https]
#   start   (no service flag = the first three); idempotent: a running server is kept
#   stop    (no service flag = all)
#   env     print NFS_PORT= MNT_PORT= NBD_PORT= NETNS_PID= (for `eval`)
#        qemu/servers.sh nbd-extra PORT [debian]
#   an additional nbd-server on PORT (export "arch", its own fresh copy of the
#   btrfs image, build/lab/nbd-PORT.*) for a test that takes its server away
#   without disturbing other guests; `stop` removes it. With `debian`: export
#   "debian", a fresh copy of build/debroot-btrfs.img, with a transaction log
#   build/lab/nbd-PORT.trlog
#        qemu/servers.sh pause|resume nfs|nbd|nbd-PORT
#   stop a server (ganesha, the lab's nbd-server, or the extra one on PORT)
#   and start it again later on the same data and configuration (server
#   outage tests; pausing ganesha or the lab's nbd-server affects every guest)
# State, pid files, configs and logs: build/lab/. Needs root (namespaces, and
# ganesha's VFS FSAL uses open_by_handle_at).
# Ports: NFS 2049, MOUNT 20048, rpcbind 111, NBD 10809, HTTP 8080 (so the Arch guide's
# `nfsroot=10.0.0.1:/arch` works verbatim). To reach them from the host:
#   nsenter --net --target "$(cat build/lab/netns.pid)" <command>
set -euo pipefail

# shellcheck source=qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build="$LAB_BUILD"
lab="$build/lab"

cmd=${1:-status}
[ $# -gt 0 ] && shift
nfs4=0 nfs3=0 nbd=0 http=0 https=0
extra_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--nfs4) nfs4=1 ;;
	--nfs3) nfs3=1 ;;
	--nbd) nbd=1 ;;
	--http) http=1 ;;
	--https) http=1 https=1 ;;
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
if [ $((nfs4 + nfs3 + nbd + http)) = 0 ]; then
	nfs4=1 nfs3=1 nbd=1
	# A plain stop stops lighttpd too.
	if [ "$cmd" = stop ]; then http=1; fi
fi

mkdir -p "$lab"
NFS_PORT=$LAB_NFS_PORT MNT_PORT=$LAB_MNT_PORT NBD_PORT=$LAB_NBD_PORT HTTP_PORT=8080 HTTPS_PORT=8443
LAB_NS="$lab/netns.pid"

# One non-127 address on lo, without which ganesha cannot resolve Bind_addr.
start_netns() {
	lab_netns_start lab-netns "$lab/netns.log" 'ip addr add 169.254.77.1/32 dev lo'
}

start_ganesha() {
	local protos exports
	if lab_alive "$lab/ganesha.pid"; then
		# Restart only when NFSv3 is wanted and the running one lacks it
		# (or the Debian root was built since it started).
		if { [ "$nfs3" = 0 ] || grep -q 'Protocols = 3, 4' "$lab/ganesha.conf"; } &&
			{ [ ! -f "$build/debroot/etc/os-release" ] || grep -q 'Pseudo = /debian' "$lab/ganesha.conf"; }; then
			return 0
		fi
		stop_one ganesha
	fi
	[ -x "$build/testroot/sbin/init" ] || { echo "servers.sh: no build/testroot (run qemu/mkroot.sh)" >&2; return 1; }
	# A client from an earlier run may have left files behind.
	rm -f "$build"/testroot/host-* "$build"/testroot/var/log/host-*
	mkdir -p "$lab/srv"
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
		lab_rpcbind_start "$lab"
	fi
	exports=("$build/testroot=/arch" "$lab/srv=/srv")
	# The Debian root, when built (qemu/mkdebroot.sh).
	[ -f "$build/debroot/etc/os-release" ] && exports+=("$build/debroot=/debian")
	lab_ganesha_start "$lab" "$protos" 127.0.0.1 0 "${exports[@]}"
}

start_nbd() {
	local pidf="$lab/nbd-server.pid" log="$lab/nbd-server.log" img="$lab/nbd-arch.img"
	if lab_alive "$pidf"; then
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

start_http() {
	local pidf="$lab/lighttpd.pid" log="$lab/lighttpd.log" tls="$lab/tls"
	if lab_alive "$pidf"; then
		{ [ "$https" = 0 ] || grep -q "$HTTPS_PORT" "$lab/lighttpd.conf"; } && return 0
		stop_one lighttpd
	fi
	mkdir -p "$lab/www"
	if [ "$https" = 1 ] && ! openssl x509 -checkend 86400 -noout -in "$tls/server.pem" >/dev/null 2>&1; then
		rm -rf "$tls"
		"$LAB_TOP/qemu/testca.sh" "$tls" server IP:10.0.2.2,IP:10.0.0.1 30
	fi
	cat >"$lab/lighttpd.conf" <<-EOF
		# written by qemu/servers.sh
		server.document-root = "$lab/www"
		server.bind = "127.0.0.1"
		server.port = $HTTP_PORT
		server.errorlog = "$log"
		server.modules = ("mod_accesslog")
		accesslog.filename = "$lab/lighttpd.access"
	EOF
	if [ "$https" = 1 ]; then
		cat >>"$lab/lighttpd.conf" <<-EOF
			server.modules += ("mod_openssl")
			\$SERVER["socket"] == "127.0.0.1:$HTTPS_PORT" {
			    ssl.engine = "enable"
			    ssl.pemfile = "$tls/server.pem"
			    ssl.privkey = "$tls/server.key"
			}
		EOF
	fi
	# -D: in the foreground, so its pid is ours (nsenter, as for rpcbind).
	nsenter --target "$(cat "$LAB_NS")" --net --mount -- lighttpd -D -f "$lab/lighttpd.conf" </dev/null >>"$log" 2>&1 &
	echo $! >"$pidf"
	lab_wait_listen "$HTTP_PORT" 10 "$pidf" lighttpd "$log"
	if [ "$https" = 1 ]; then lab_wait_listen "$HTTPS_PORT" 10 "$pidf" lighttpd "$log"; fi
}

run_nbd() { # NAME PORT: start nbd-server with build/lab/NAME.conf
	local pidf="$lab/$1.pid" log="$lab/$1.log"
	lab_in_ns nbd-server -C "$lab/$1.conf" -p "$pidf" >>"$log" 2>&1
	lab_wait_listen "$2" 10 "$pidf" "$1" "$log"
}

start_nbd_extra() { # PORT [debian]: an extra nbd-server with its own image
	local port=$1 name="nbd-$1" export=${2:-arch} src=testroot made=qemu/mkroot.sh
	case "$port" in '' | *[!0-9]*) echo "servers.sh: nbd-extra needs a port number" >&2; return 2 ;; esac
	[ "$port" != "$NBD_PORT" ] || { echo "servers.sh: port $port is the lab's nbd-server" >&2; return 2; }
	case "$export" in
	arch) ;;
	debian) src=debroot made=qemu/mkdebroot.sh ;;
	*) echo "servers.sh: nbd-extra exports arch or debian, not $export" >&2; return 2 ;;
	esac
	[ -s "$build/$src-btrfs.img" ] || { echo "servers.sh: no build/$src-btrfs.img (run $made)" >&2; return 1; }
	stop_one "$name"
	cp --sparse=always "$build/$src-btrfs.img" "$lab/$name.img"
	cat >"$lab/$name.conf" <<-EOF
		# written by qemu/servers.sh nbd-extra
		[generic]
		    listenaddr = 127.0.0.1
		    port = $port
		    allowlist = true
		[$export]
		    exportname = $lab/$name.img
	EOF
	if [ "$export" = debian ]; then
		: >"$lab/$name.trlog"
		echo "    transactionlog = $lab/$name.trlog" >>"$lab/$name.conf"
	fi
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
	lab_alive "$lab/$name.pid" && return 0
	if [ "$name" = ganesha ]; then
		[ -s "$lab/ganesha.conf" ] || { echo "servers.sh: ganesha was never started" >&2; return 1; }
		lab_ganesha_run "$lab"
	else
		[ -s "$lab/$name.conf" ] || { echo "servers.sh: $name was never started" >&2; return 1; }
		run_nbd "$name" "$port"
	fi
}

stop_one() { # name
	lab_stop "$lab/$1.pid"
}

status() {
	if ! lab_alive "$LAB_NS"; then
		echo "lab netns: stopped (ganesha, rpcbind, nbd-server stopped)"
		return 0
	fi
	echo "lab netns: held by pid $(cat "$LAB_NS"); enter with: nsenter --net --target $(cat "$LAB_NS")"
	if lab_alive "$lab/ganesha.pid"; then
		echo "ganesha: pid $(cat "$lab/ganesha.pid"), NFS $(sed -n 's/^ *Protocols = \(.*\);/v\1/p' "$lab/ganesha.conf" | head -n1) on 127.0.0.1:$NFS_PORT, MOUNT on :$MNT_PORT (guest: 10.0.2.2), exports /arch=build/testroot /srv=build/lab/srv$(grep -q 'Pseudo = /debian' "$lab/ganesha.conf" && echo ' /debian=build/debroot'), log build/lab/ganesha.log"
	else
		echo "ganesha: stopped"
	fi
	if lab_alive "$lab/rpcbind.pid"; then
		echo "rpcbind: pid $(cat "$lab/rpcbind.pid"), 127.0.0.1:111"
	else
		echo "rpcbind: stopped"
	fi
	if lab_alive "$lab/nbd-server.pid"; then
		echo "nbd-server: pid $(cat "$lab/nbd-server.pid"), 127.0.0.1:$NBD_PORT (guest: 10.0.2.2:$NBD_PORT), export arch=build/lab/nbd-arch.img$(grep -q '^\[debian\]' "$lab/nbd-server.conf" && echo ' debian=build/lab/nbd-debian.img')"
	else
		echo "nbd-server: stopped"
	fi
	if lab_alive "$lab/lighttpd.pid"; then
		echo "lighttpd: pid $(cat "$lab/lighttpd.pid"), 127.0.0.1:$HTTP_PORT (guest: 10.0.2.2:$HTTP_PORT)$(grep -q "$HTTPS_PORT" "$lab/lighttpd.conf" && echo ", TLS on :$HTTPS_PORT (CA build/lab/tls/ca.pem)"), root build/lab/www"
	fi
}

case "$cmd" in
start)
	start_netns
	if [ "$nfs4" = 1 ] || [ "$nfs3" = 1 ]; then start_ganesha; fi
	if [ "$nbd" = 1 ]; then start_nbd; fi
	if [ "$http" = 1 ]; then start_http; fi
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
	if [ "$http" = 1 ]; then stop_one lighttpd; fi
	# The namespace goes when nothing in it is left.
	if ! lab_alive "$lab/ganesha.pid" && ! lab_alive "$lab/rpcbind.pid" && ! lab_alive "$lab/nbd-server.pid" &&
		! lab_alive "$lab/lighttpd.pid"; then
		stop_one netns
	fi
	;;
status) status ;;
nbd-extra)
	start_netns
	start_nbd_extra "${extra_args[0]:-}" "${extra_args[1]:-}"
	;;
pause | resume) pause_resume "$cmd" "${extra_args[0]:-}" ;;
env)
	printf 'NFS_PORT=%s\nMNT_PORT=%s\nNBD_PORT=%s\nNETNS_PID=%s\n' "$NFS_PORT" "$MNT_PORT" "$NBD_PORT" \
		"$(lab_alive "$LAB_NS" && cat "$LAB_NS")"
	;;
*)
	echo "usage: $0 start|stop|status|env [--nfs4] [--nfs3] [--nbd] [--http] [--https] | nbd-extra PORT [debian] | pause|resume nfs|nbd|nbd-PORT" >&2
	exit 2
	;;
esac

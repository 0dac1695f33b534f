# shellcheck shell=bash disable=SC2034 # its variables are for the scripts that source it
# The lab's shared shell: a private network namespace, the servers in it
# (rpcbind, nfs-ganesha), waits, and one QEMU boot with its serial console in
# a file. Sourced (never run) by qemu/servers.sh, qemu/boot.sh, qemu/demo.sh,
# qemu/room.sh, bench/delaynet.sh and bench/run.sh:
#   . "$(dirname "${BASH_SOURCE[0]}")/../qemu/lib.sh"
# It sets LAB_TOP (the repository), LAB_BUILD (its build/), LAB_BIN (the
# netroot binary `make build` makes) and defines:
#
#   lab_make TARGET...        bring build/ inputs up to date with the Makefile
#                             (Make decides what is stale: kernel, test root,
#                             initramfs images, TFTP trees, Debian root)
#   lab_number SCRIPT OPTION VALUE MIN MAX
#                             exit 2 with `SCRIPT: OPTION wants a number from
#                             MIN to MAX, not 'VALUE'` unless it is one (the
#                             scripts' numeric options)
#   lab_alive PIDFILE         the pid in PIDFILE runs
#   lab_stop PIDFILE          TERM it (and its children: nbd-server serves each
#                             client from one), wait up to 5 s, KILL; remove PIDFILE
#   LAB_NS=PIDFILE            the namespace the next calls act in (its holder's pid)
#   lab_in_ns CMD...          run CMD in that namespace's network and mount namespaces
#   lab_wait_listen PORT SECONDS PIDFILE NAME LOG
#                             until something listens on PORT there; else show LOG
#   lab_netns_start NAME LOG [SETUP]
#                             create the namespace (pid in $LAB_NS): lo up, a
#                             private tmpfs /run, then the shell lines SETUP
#   lab_rpcbind_start DIR     rpcbind -f in it (DIR/rpcbind.pid, DIR/rpcbind.log)
#   lab_dnsmasq_start DIR IFACE ROUTER FIRST LAST [OPTION...]
#                             dnsmasq in it, DHCP only on IFACE, FIRST-LAST/24
#                             with ROUTER, no ping check; pid, leases and log
#                             in DIR (dnsmasq.pid/.leases/.log); leases of
#                             LAB_DHCP_LEASE (default 1h; dnsmasq's shortest
#                             is 2m)
#   lab_ganesha_start DIR PROTOS BIND ATTR_EXP EXPORT...
#                             DIR/ganesha.conf (EXPORT = PATH=PSEUDO, numbered
#                             from 1), then lab_ganesha_run DIR
#   lab_ganesha_run DIR       ganesha.nfsd in it with DIR/ganesha.conf, wait
#                             for NFS (and MOUNT with NFSv3); pid and log in DIR
#   lab_qemu NIC_MODEL MAC NETDEV [MEM]
#                             LAB_QEMU=(qemu-system-x86_64 ...): the lab's
#                             flags (TCG, one CPU, -no-reboot) and the first NIC
#   lab_qemu_run LOG TIMEOUT EXPECT NSPID QEMU-ARGV...
#                             run it (in the network namespace of NSPID unless
#                             empty), serial console in LOG, until it exits, LOG
#                             matches EXPECT (grep -E; empty: never) or TIMEOUT
#                             seconds pass; prints `boot: <reason> after <s> s,
#                             log LOG`; returns 0 (exit or marker), 124
#                             (timeout) or 1 (QEMU failed)
#   lab_root_list DIR         what a root tree holds, one line an entry (path,
#                             type; size, mtime and link target of all but
#                             directories), sorted: mkroot.sh and mkdebroot.sh
#                             keep it as build/<root>.list when they build
#   lab_root_clean WHO DIR LIST
#                             remove from DIR what LIST does not name (what
#                             clients wrote into a root shared read-write);
#                             says what it removed (`WHO: removed ...`);
#                             LAB_ROOT_CHANGED: the entries of LIST that are
#                             gone or differ

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_BUILD="$LAB_TOP/build"
LAB_BIN="$LAB_TOP/target/x86_64-unknown-linux-musl/release/netroot"
LAB_NS=""
LAB_QEMU=()
LAB_DHCP_LEASE=1h
# The servers' standard ports (the Arch guide's nfsroot=10.0.0.1:/arch works verbatim).
LAB_NFS_PORT=2049 LAB_MNT_PORT=20048 LAB_NBD_PORT=10809

lab_make() {
	make -s --no-print-directory -C "$LAB_TOP" "$@"
}

lab_number() { # SCRIPT OPTION VALUE MIN MAX
	case "$3" in
	'' | *[!0-9]* | 0?*) ;;
	*) [ "${#3}" -le 9 ] && [ "$3" -ge "$4" ] && [ "$3" -le "$5" ] && return 0 ;;
	esac
	echo "$1: $2 wants a number from $4 to $5, not '$3'" >&2
	exit 2
}

lab_alive() { # PIDFILE
	local pid
	[ -s "$1" ] || return 1
	pid=$(cat "$1")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

lab_stop() { # PIDFILE
	local pid i
	if lab_alive "$1"; then
		pid=$(cat "$1")
		# Children first, so that clients see their connection go.
		pkill -TERM -P "$pid" 2>/dev/null || true
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$1"
}

lab_in_ns() { # CMD...
	nsenter --target "$(cat "$LAB_NS")" --net --mount -- "$@"
}

lab_port_busy() { # PORT
	lab_in_ns ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

lab_wait_listen() { # PORT SECONDS PIDFILE NAME LOG
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		lab_port_busy "$1" && return 0
		if [ $i -gt 5 ] && ! lab_alive "$3"; then break; fi
		sleep 0.1
	done
	echo "$4 did not start listening on port $1 (network namespace of $LAB_NS); last lines of $5:" >&2
	tail -n 20 "$5" >&2 || true
	return 1
}

lab_netns_start() { # NAME LOG [SETUP]
	lab_alive "$LAB_NS" && return 0
	rm -f "$LAB_NS"
	# The holder: a sleep in new net + mount namespaces, with lo up and a
	# private tmpfs on /run (rpcbind's socket and lock).
	# shellcheck disable=SC2016 # the inner script expands its own $$ and $1
	setsid unshare --net --mount --propagation private -- bash -c '
		set -e
		mount -t tmpfs -o mode=0755 "$2" /run
		ip link set lo up
		'"${3:-}"'
		echo $$ >"$1"
		exec sleep infinity' "$1" "$LAB_NS" "$1-run" </dev/null >"$2" 2>&1 &
	local i
	for ((i = 0; i < 50; i++)); do
		lab_alive "$LAB_NS" && return 0
		sleep 0.1
	done
	echo "$1: could not create the network namespace:" >&2
	cat "$2" >&2
	return 1
}

lab_rpcbind_start() { # DIR
	local pidf="$1/rpcbind.pid"
	lab_alive "$pidf" && return 0
	# -f: stay in the foreground so its pid is ours to stop; -w: warm start off.
	# (nsenter, not lab_in_ns, so that $! is rpcbind itself)
	nsenter --target "$(cat "$LAB_NS")" --net --mount -- rpcbind -f </dev/null >"$1/rpcbind.log" 2>&1 &
	echo $! >"$pidf"
	lab_wait_listen 111 5 "$pidf" rpcbind "$1/rpcbind.log"
}

lab_dnsmasq_start() { # DIR IFACE ROUTER FIRST LAST [OPTION...]
	local dir=$1 iface=$2 router=$3 first=$4 last=$5 i
	shift 5
	lab_alive "$dir/dnsmasq.pid" && return 0
	lab_in_ns dnsmasq --conf-file=/dev/null --port=0 --bind-interfaces --interface="$iface" \
		--except-interface=lo --no-ping "$@" \
		--dhcp-range="$first,$last,255.255.255.0,$LAB_DHCP_LEASE" --dhcp-option="option:router,$router" \
		--dhcp-leasefile="$dir/dnsmasq.leases" --pid-file="$dir/dnsmasq.pid" \
		--log-dhcp --log-facility="$dir/dnsmasq.log"
	for ((i = 0; i < 50; i++)); do
		lab_alive "$dir/dnsmasq.pid" && return 0
		sleep 0.1
	done
	echo "dnsmasq did not start (network namespace of $LAB_NS); $dir/dnsmasq.log:" >&2
	tail -n 20 "$dir/dnsmasq.log" >&2 || true
	return 1
}

lab_ganesha_start() { # DIR PROTOS BIND ATTR_EXP EXPORT...
	local dir=$1 protos=$2 bind=$3 attr=$4 id=0 e exports=""
	shift 4
	for e in "$@"; do
		id=$((id + 1))
		exports+="EXPORT { Export_Id = $id; Path = \"${e%%=*}\"; Pseudo = ${e#*=}; Access_Type = RW; Protocols = $protos; FSAL { Name = VFS; } }"$'\n'
	done
	rm -rf "$dir/recovery"
	mkdir -p "$dir/recovery"
	cat >"$dir/ganesha.conf" <<-EOF
		# written by qemu/lib.sh (lab_ganesha_start)
		NFS_CORE_PARAM {
		    Protocols = $protos;
		    NFS_Port = $LAB_NFS_PORT;
		    MNT_Port = $LAB_MNT_PORT;
		    Bind_addr = $bind;
		    Enable_NLM = false;
		    Enable_RQUOTA = false;
		    Enable_UDP = false;
		    Mount_Path_Pseudo = true;
		}
		NFSV4 {
		    Graceless = true;
		    Lease_Lifetime = 10;
		    RecoveryBackend = fs;
		    RecoveryRoot = "$dir/recovery";
		    # Owners as numbers ("0"), not names ("root@localdomain"): the
		    # client has no idmapper (no nfsidmap/request-key in an
		    # initramfs or a minimal root), so names showed every file as
		    # owned by 4294967294 and setuid mount(8) refused to run.
		    Only_Numeric_Owners = true;
		}
		NFS_KRB5 { Active_krb5 = false; }
		# Attr_Expiration_Time = 0 revalidates attributes and directories on
		# every access, so files a test removes on the host side vanish for
		# the next guest at once (ganesha caches them 60 s by default).
		EXPORT_DEFAULTS {
		    SecType = sys;
		    Squash = No_Root_Squash;
		    Transports = TCP;
		    Attr_Expiration_Time = $attr;
		}
		$exports
	EOF
	: >"$dir/ganesha.log"
	lab_ganesha_run "$dir"
}

lab_ganesha_run() { # DIR
	lab_in_ns ganesha.nfsd -f "$1/ganesha.conf" -L "$1/ganesha.log" -p "$1/ganesha.pid" -N NIV_EVENT
	lab_wait_listen "$LAB_NFS_PORT" 15 "$1/ganesha.pid" ganesha "$1/ganesha.log" || return 1
	if grep -q '^ *Protocols = 3' "$1/ganesha.conf"; then
		lab_wait_listen "$LAB_MNT_PORT" 5 "$1/ganesha.pid" "ganesha (MOUNT)" "$1/ganesha.log"
	fi
}

lab_qemu() { # NIC_MODEL MAC NETDEV [MEM]
	LAB_QEMU=(qemu-system-x86_64 -accel tcg -m "${4:-768}" -smp 1 -no-reboot
		-netdev "$3" -device "$1,netdev=n0,mac=$2")
}

lab_qemu_run() { # LOG TIMEOUT EXPECT NSPID QEMU-ARGV...
	local log=$1 timeout=$2 expect=$3 nspid=$4 ns=() start qpid reason rc=0 deadline traps
	shift 4
	traps=$(trap -p EXIT INT TERM)
	mkdir -p "$(dirname "$log")"
	: >"$log"
	# nsenter execs QEMU (no fork without --pid), so $! below is QEMU's pid.
	[ -n "$nspid" ] && ns=(nsenter --target "$nspid" --net --)
	start=$(date +%s.%N)
	"${ns[@]}" "$@" -display none -monitor none -serial "file:$log" </dev/null >"$log.qemu" 2>&1 &
	qpid=$!
	# shellcheck disable=SC2064 # the pid is fixed now
	trap "kill $qpid 2>/dev/null || true" EXIT INT TERM
	deadline=$(($(date +%s) + timeout))
	while :; do
		if ! kill -0 "$qpid" 2>/dev/null; then
			wait "$qpid" || rc=$?
			if [ "$rc" = 0 ]; then reason="guest powered off (or rebooted)"; else reason="qemu exited with $rc"; fi
			if grep -q . "$log.qemu"; then sed 's/^/qemu: /' "$log.qemu" >&2; fi
			[ "$rc" = 0 ] || rc=1
			break
		fi
		if [ -n "$expect" ] && grep -Eq -- "$expect" "$log"; then
			reason="marker seen"
			break
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			reason="timeout (${timeout} s)"
			rc=124
			break
		fi
		sleep 0.2
	done
	kill "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
	trap - EXIT INT TERM
	eval "$traps"
	rm -f "$log.qemu"
	echo "boot: $reason after $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s, log $log"
	return "$rc"
}

lab_root_list() { # DIR
	(cd "$1" && find . -xdev -mindepth 1 \( -type d -printf '%P\td\n' \) -o -printf '%P\t%y\t%s\t%T@\t%l\n') |
		LC_ALL=C sort
}

lab_root_clean() { # WHO DIR LIST
	local who=$1 dir=$2 list=$3 now p n=0 shown=""
	now=$(lab_root_list "$dir")
	# Sorted, a directory comes before what it holds: rm -rf takes both.
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		rm -rf -- "${dir:?}/$p"
		n=$((n + 1))
		if [ $n -le 5 ]; then shown="$shown /$p"; fi
	done < <(LC_ALL=C comm -13 <(cut -f1 "$list") <(cut -f1 <<<"$now"))
	[ $n = 0 ] || echo "$who: removed $n entries that clients left in ${dir#"$LAB_TOP"/}:$shown$([ $n -le 5 ] || echo ' ...')"
	LAB_ROOT_CHANGED=$(LC_ALL=C comm -23 "$list" <(lab_root_list "$dir") | cut -f1)
}

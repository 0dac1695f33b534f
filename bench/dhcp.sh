#!/usr/bin/env bash
# bench/dhcp.sh — DHCP bring-up benchmark: `netroot net` against busybox udhcpc.
#
# N clients (default 200), each in its own network namespace with one veth
# (eth0), all plugged into one Linux bridge that lives in a namespace of its
# own together with one dnsmasq serving a /16. Both contenders run in the same
# invocation, in alternating order, each on freshly created namespaces and a
# freshly started dnsmasq with an empty lease file. Two server variants: the
# plain four-message exchange, and dnsmasq with --dhcp-rapid-commit (RFC 4039).
# Two link modes: "cold", where each client raises eth0 inside its timing (as
# at boot: the link just came up), and "warm", where eth0 was raised before the
# barrier and the bridge port has settled, which isolates the DHCP exchange.
# Cold matters: a bridge port only forwards once the kernel's linkwatch has
# seen its carrier (up to ~1 s later), so a client that sends the moment its
# own carrier appears can lose its first frame and then waits for its first
# retransmission; the frames column shows it.
#
# Every client blocks on a FIFO barrier inside its namespace; the coordinator
# opens the FIFO once all N are waiting, which releases them together (a
# thundering herd, as when a rack powers on). Each client stamps its own start
# (after the barrier) and end (its DHCP client exited) with $EPOCHREALTIME.
#
# Measured per run: clients bound, time until all N are bound (from the
# release), median and p99 per-client time to bound, DHCP messages each client
# sent as logged by dnsmasq (its one line per message; not --log-dhcp, whose
# dozen lines per message made dnsmasq itself the bottleneck at N=200), and frames each client put on the
# wire (rx_packets of its bridge port: exact, no capture tool needed).
#
# dnsmasq runs with --no-ping: by default it ICMP-pings every address before
# its first offer and waits up to 3 s for an answer (dnsmasq(8) --no-ping),
# which would measure dnsmasq's conflict check instead of the clients.
#
# Environment: N (clients, 200), REPS (runs per variant and contender, 2),
# VARIANTS ("plain rapid"), LINKS ("cold warm"), NETROOT (binary, the static musl build),
# OUT (bench/DHCP-RESULTS.md), KEEP=1 keeps the work directory, BENCH_TMP (where
# it goes, /dev/shm: a tmpfs).
# Traffic stays inside the namespaces created here; an EXIT trap deletes them
# and stops dnsmasq and any client still running. Needs root, ip, dnsmasq,
# busybox.
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
CLIENT_CMDLINE='ip=:::::eth0:dhcp netroot.timeout=60'

# ---------------------------------------------------------------- client side
# Runs inside a client namespace (ip netns exec NS dhcp.sh __client ...).
# Arguments: contender, link mode, client directory, barrier FIFO, netroot binary.
client() {
	local who=$1 link=$2 dir=$3 fifo=$4 netroot=$5 t0 t1 rc=0 pid up=1
	# No IPv6 on the client link: its DAD/MLD/RS multicast would be flooded to
	# every port and pollute the per-client frame count. A builtin write, so
	# it costs no fork (/proc/sys/net follows the caller's namespace).
	echo 1 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6
	if [[ $link == warm ]]; then
		busybox ip link set eth0 up
		up=0
	fi
	# CPU time of this shell's children so far (busybox ip, when warm); the
	# second line of `times`. Taken again after the DHCP client exits.
	times >"$dir/cpu0"
	: >"$dir/ready"
	# Barrier: opening a FIFO for reading blocks until a writer opens it.
	: <"$fifo"
	t0=$EPOCHREALTIME
	case $who in
	netroot)
		"$netroot" net --run-dir "$dir" --etc-dir "$dir/etc" \
			--cmdline "$CLIENT_CMDLINE" >"$dir/out" 2>&1 &
		;;
	udhcpc)
		# udhcpc does not raise the link itself (its default script does);
		# netroot does, inside its own timing, so with a cold link this is
		# timed too. -t 20 -T 3 gives udhcpc about netroot's 60 s budget.
		{ { ((up == 0)) || busybox ip link set eth0 up; } &&
			exec busybox udhcpc -i eth0 -n -q -f -s /bin/true -t 20 -T 3; } \
			>"$dir/out" 2>&1 &
		;;
	*)
		echo "unknown contender $who" >&2
		return 2
		;;
	esac
	pid=$!
	echo "$pid" >"$dir/pid"
	wait "$pid" || rc=$?
	t1=$EPOCHREALTIME
	times >"$dir/cpu1"
	echo "$t0 $t1 $rc" >"$dir/time"
}

# Prints "port rx_packets" for every bridge port, then "udp-rcvbuf-errors N"
# (datagrams the kernel dropped because a socket's receive buffer, here
# dnsmasq's, was full). Runs in the bridge namespace.
port_stats() {
	local d line
	for d in /sys/class/net/h*; do
		echo "${d##*/} $(<"$d/statistics/rx_packets")"
	done
	# /proc/net/snmp: a "Udp:" header line with field names, then the values.
	local -a names=() values=()
	while read -r line; do
		[[ $line == Udp:* ]] || continue
		if ((${#names[@]} == 0)); then read -ra names <<<"$line"; else read -ra values <<<"$line"; fi
	done </proc/net/snmp
	for d in "${!names[@]}"; do
		[[ ${names[d]} == RcvbufErrors ]] && echo "udp-rcvbuf-errors ${values[d]}"
	done
	return 0
}

case ${1:-} in
__client)
	shift
	client "$@"
	exit
	;;
__ports)
	port_stats
	exit
	;;
esac

# ----------------------------------------------------------- coordinator side
cd "$(dirname "$SELF")/.."
SIZES=${N:-200} # one size, or several ("20 200"): one table each
REPS=${REPS:-2}
VARIANTS=${VARIANTS:-plain rapid}
LINKS=${LINKS:-cold warm}
NETROOT=$(readlink -f "${NETROOT:-target/x86_64-unknown-linux-musl/release/netroot}")
OUT=${OUT:-bench/DHCP-RESULTS.md}
RUN_DEADLINE=100 # seconds a run may take after the release (clients give up at ~60)
READY_DEADLINE=60

die() {
	echo "bench-dhcp: $*" >&2
	exit 1
}
for N in $SIZES; do
	if ! [[ $N =~ ^[0-9]+$ ]] || ((N < 1 || N > 60000)); then die "N must be 1..60000, got '$N'"; fi
done
if ! [[ $REPS =~ ^[0-9]+$ ]] || ((REPS < 1)); then die "REPS must be a positive number, got '$REPS'"; fi
((EUID == 0)) || die "needs root (network namespaces)"
for t in ip dnsmasq busybox mkfifo awk sort; do
	command -v "$t" >/dev/null || die "missing tool: $t"
done
[[ -x $NETROOT ]] || die "no netroot binary at $NETROOT (run 'make build')"
for v in $VARIANTS; do
	[[ $v == plain || $v == rapid ]] || die "unknown variant '$v' (plain, rapid)"
done
for v in $LINKS; do
	[[ $v == cold || $v == warm ]] || die "unknown link mode '$v' (cold, warm)"
done

PFX="nrb$$"
BRNS="${PFX}br"
# The work directory (client run dirs, dnsmasq's lease file) on tmpfs: at boot
# netroot writes its hand-over files to /run, a tmpfs; on this disk, under
# other jobs' I/O, creating them took 50-200 ms per client (and dnsmasq's
# lease file rewrites as long), which the clients' medians then measured.
WORK=$(mktemp -d "${BENCH_TMP:-/dev/shm}/bench-dhcp.XXXXXX")
DNSMASQ_PID=
WATCHDOG_PID=
CLIENT_PIDS=()

netns_ours() {
	ip netns list | awk -v p="$PFX" 'index($1, p) == 1 { print $1 }'
}

kill_clients() {
	local f p
	# Still at the barrier (no DHCP client started yet): the wrappers.
	for p in "${CLIENT_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for f in "$WORK"/run/c*/pid; do
		[[ -e $f ]] || continue
		kill "$(<"$f")" 2>/dev/null || true
	done
}

teardown() {
	kill_clients
	if [[ -n $DNSMASQ_PID ]]; then
		kill "$DNSMASQ_PID" 2>/dev/null || true
		wait "$DNSMASQ_PID" 2>/dev/null || true
		DNSMASQ_PID=
	fi
	netns_ours | sed 's/^/netns del /' | ip -force -batch - 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[[ -n $WATCHDOG_PID ]] && kill "$WATCHDOG_PID" 2>/dev/null
	teardown
	if [[ ${KEEP:-0} == 1 ]]; then
		echo "bench-dhcp: work directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mac_of() { printf '02:6e:72:%02x:%02x:%02x' $(($1 >> 16)) $((($1 >> 8) & 255)) $(($1 & 255)); }

# Fresh namespaces, bridge, veths and client directories for one run.
setup() {
	local i
	rm -rf "$WORK/run"
	mkdir -p "$WORK/run"
	{
		echo "netns add $BRNS"
		for ((i = 1; i <= N; i++)); do echo "netns add ${PFX}c$i"; done
	} | ip -batch -
	ip netns exec "$BRNS" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	{
		echo "link add br0 type bridge stp_state 0"
		echo "addr add 10.77.0.1/16 dev br0"
		# The server's own port: a bridge has carrier only while one of its
		# ports forwards (net/bridge/br_stp.c), so without it br0 would be
		# without carrier, and its transmit queue inactive, until the first
		# client's port came up, and the first OFFERs could be dropped. A
		# real server's link is up long before the clients boot.
		echo "link add up0 type veth peer name up1"
		echo "link set up1 up"
		echo "link set up0 master br0 up"
		echo "link set br0 up"
		for ((i = 1; i <= N; i++)); do
			echo "link add h$i type veth peer name eth0 address $(mac_of "$i") netns ${PFX}c$i"
			echo "link set h$i master br0 up"
		done
	} | ip -n "$BRNS" -batch -
	for ((i = 1; i <= N; i++)); do mkdir -p "$WORK/run/c$i/etc"; done
}

start_dnsmasq() {
	local variant=$1 i
	local -a extra=()
	[[ $variant == rapid* ]] && extra+=(--dhcp-rapid-commit)
	: >"$WORK/run/leases"
	ip netns exec "$BRNS" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
		--bind-interfaces --interface=br0 --user=root --no-ping \
		--log-facility="$WORK/run/dnsmasq.log" --dhcp-leasefile="$WORK/run/leases" \
		--pid-file="$WORK/run/dnsmasq.pid" \
		--dhcp-range=10.77.1.1,10.77.254.254,255.255.0.0,1h \
		--dhcp-lease-max=$((N + 100)) --dhcp-option=option:router,10.77.0.1 \
		"${extra[@]}" &
	DNSMASQ_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -qs 'DHCP, IP range' "$WORK/run/dnsmasq.log" && return 0
		kill -0 "$DNSMASQ_PID" 2>/dev/null || die "dnsmasq exited: $(cat "$WORK/run/dnsmasq.log" 2>/dev/null)"
		sleep 0.1
	done
	die "dnsmasq did not start within 10 s"
}

# CPU milliseconds (user + system) the client's children used between two
# `times` outputs (files), from their second lines ("0m0.012s 0m0.020s").
cpu_ms() {
	awk 'function ms(t) { split(t, a, "m"); sub(/s$/, "", a[2]); return (a[1] * 60 + a[2]) * 1000 }
		FNR == 2 { s[FILENAME == ARGV[1] ? 0 : 1] = ms($1) + ms($2) }
		END { printf "%.0f", s[1] - s[0] }' "$1" "$2"
}

# One run: variant (server-link), contender, rep. Appends per-client rows to
# $WORK/rows: variant contender rep client own_ms since_release_ms rc
# dhcp_msgs frames rapid cpu_ms server_drops_in_this_run
run_one() {
	local variant=$1 who=$2 rep=$3 i n fifo release rc t_setup=$SECONDS
	setup
	start_dnsmasq "$variant"
	fifo="$WORK/run/go"
	mkfifo "$fifo"
	CLIENT_PIDS=()
	for ((i = 1; i <= N; i++)); do
		ip netns exec "${PFX}c$i" "$SELF" __client "$who" "${variant#*-}" "$WORK/run/c$i" "$fifo" "$NETROOT" &
		CLIENT_PIDS+=($!)
	done
	for ((i = 0; ; i++)); do
		n=$(find "$WORK/run" -maxdepth 2 -name ready | wc -l)
		((n == N)) && break
		((i < READY_DEADLINE * 10)) || die "only $n of $N clients ready after ${READY_DEADLINE} s"
		sleep 0.1
	done
	echo "bench-dhcp:   setup+ready $((SECONDS - t_setup)) s" >&2
	# Let the last ones reach the open(2) of the FIFO, and (warm) the bridge
	# ports see their carrier; none is timed yet.
	sleep 2
	release=$EPOCHREALTIME
	exec 9<>"$fifo"
	(
		# The sleep must die with the watchdog, or it keeps our stdout open.
		trap 'kill "$!" 2>/dev/null; exit 0' TERM
		sleep "$RUN_DEADLINE" &
		wait "$!"
		echo "bench-dhcp: run deadline reached, stopping clients" >&2
		for f in "$WORK"/run/c*/pid; do kill "$(<"$f")" 2>/dev/null; done
	) &
	WATCHDOG_PID=$!
	for i in "${CLIENT_PIDS[@]}"; do wait "$i" || true; done
	CLIENT_PIDS=()
	kill "$WATCHDOG_PID" 2>/dev/null || true
	wait "$WATCHDOG_PID" 2>/dev/null || true
	WATCHDOG_PID=
	exec 9>&-
	ip netns exec "$BRNS" "$SELF" __ports >"$WORK/run/ports"
	kill "$DNSMASQ_PID" 2>/dev/null || true
	wait "$DNSMASQ_PID" 2>/dev/null || true
	DNSMASQ_PID=
	cp "$WORK/run/dnsmasq.log" "$WORK/dnsmasq-$variant-$who-$rep.log"
	# Client-originated messages per MAC, as dnsmasq logged them.
	awk '/DHCP(DISCOVER|REQUEST|DECLINE|RELEASE|INFORM)\(/ {
			for (f = 1; f <= NF; f++) if ($f ~ /^02:6e:72:/) { n[$f]++; break }
		}
		END { for (m in n) print m, n[m] }' "$WORK/run/dnsmasq.log" >"$WORK/run/msgs"
	awk '$1 == "udp-rcvbuf-errors" && $2 > 0 {
			print "bench-dhcp:   the server namespace dropped " $2 " datagrams on a full socket buffer" }' \
		"$WORK/run/ports" >&2
	grep -q 'messages lost' "$WORK/run/dnsmasq.log" &&
		echo "bench-dhcp: warning: dnsmasq lost log lines in $variant/$who/$rep" >&2
	local d t0 t1 rapid cpu
	for ((i = 1; i <= N; i++)); do
		d="$WORK/run/c$i" t0=0 t1=0 rc=timeout rapid=0 cpu=-
		[[ -s $d/time ]] && read -r t0 t1 rc <"$d/time"
		[[ -s $d/cpu1 ]] && cpu=$(cpu_ms "$d/cpu0" "$d/cpu1")
		[[ -s $d/out && $(<"$d/out") == *"rapid commit"* ]] && rapid=1
		[[ $rc == 0 ]] || cp "$d/out" "$WORK/fail-$variant-$who-$rep-c$i.out" 2>/dev/null || true
		echo "$i $t0 $t1 $rc $rapid $cpu"
	done >"$WORK/run/clients"
	awk -v v="$variant" -v w="$who" -v r="$rep" -v rel="$release" '
		FILENAME ~ /msgs$/ { msgs[$1] = $2; next }
		FILENAME ~ /ports$/ { frames[$1] = $2; next }
		FNR == 1 { drops = ("udp-rcvbuf-errors" in frames) ? frames["udp-rcvbuf-errors"] : 0 }
		{
			mac = sprintf("02:6e:72:%02x:%02x:%02x", int($1 / 65536), int($1 / 256) % 256, $1 % 256)
			m = (mac in msgs) ? msgs[mac] : 0
			f = (("h" $1) in frames) ? frames["h" $1] : 0
			if ($4 == "0")
				printf "%s %s %s %d %.3f %.3f 0 %d %d %d %s %d\n", v, w, r, $1, ($3 - $2) * 1000, ($3 - rel) * 1000, m, f, $5, $6, drops
			else
				printf "%s %s %s %d - - %s %d %d 0 %s %d\n", v, w, r, $1, $4, m, f, $6, drops
		}' "$WORK/run/msgs" "$WORK/run/ports" "$WORK/run/clients" >>"$WORK/rows"
	echo "bench-dhcp:   collected $((SECONDS - t_setup)) s" >&2
	teardown
	echo "bench-dhcp:   teardown $((SECONDS - t_setup)) s" >&2
	# Namespace teardown finishes asynchronously in the kernel; let it settle
	# so it does not eat into the next contender's run.
	sleep 3
}

# Aggregates the rows on stdin (one variant and contender, any runs) into the
# cells of one table row. p99 is the nearest-rank percentile over all clients.
agg() {
	local rows="$WORK/agg" times
	cat >"$rows"
	times=$(awk '$7 == "0" { print $5 }' "$rows" | sort -n |
		awk '{ t[NR] = $1 }
		END {
			n = NR; if (n == 0) { print "- -"; exit }
			med = n % 2 ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
			p = int(n * 0.99); if (p < n * 0.99) p++; if (p < 1) p = 1
			printf "%.1f %.1f", med, t[p]
		}')
	# Time until all are bound, per run (only runs where all N bound).
	awk -v N="$N" '{ runs[$3] = 1 } $7 == "0" { ok[$3]++; if ($6 + 0 > mk[$3]) mk[$3] = $6 + 0 }
		END { for (r in runs) if (ok[r] == N) printf "%.0f\n", mk[r] }' "$rows" | sort -n |
		paste -sd/ - | sed 's|/| / |g' >"$WORK/agg.mk"
	awk -v tm="$times" -v mk="$(<"$WORK/agg.mk")" '
		{ total++; if ($7 == "0") ok++; msgs += $8; frames += $9; rapid += $10
		  if ($11 != "-") { cpu += $11; ncpu++ }
		  if (!($3 in seen)) { seen[$3] = 1; runs++; drops += $12 }
		  if ($8 > mmax) mmax = $8; if ($9 > fmax) fmax = $9 }
		END {
			split(tm, t, " ")
			if (mk == "") mk = "never"
			printf "| %d/%d | %s | %s | %s | %.2f (max %d) | %.2f (max %d) | %.0f | %.1f | %d |", ok, total, mk, t[1], t[2],
				total ? msgs / total : 0, mmax, total ? frames / total : 0, fmax, runs ? drops / runs : 0,
				ncpu ? cpu / ncpu : 0, rapid
		}' "$rows"
}

{
	echo "# machine"
	echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
	echo "kernel: $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$WORK/machine"

start_ts=$(date -u '+%Y-%m-%d %H:%M UTC')
: >"$WORK/tables"
for N in $SIZES; do
	: >"$WORK/rows"
	for ((rep = 1; rep <= REPS; rep++)); do
		cell=0
		for variant in $VARIANTS; do
			for link in $LINKS; do
				# Who goes first alternates from one rep to the next in every
				# cell, and from one cell to the next within a rep.
				if (((rep + cell++) % 2 == 1)); then pair=(netroot udhcpc); else pair=(udhcpc netroot); fi
				for who in "${pair[@]}"; do
					echo "bench-dhcp: server=$variant link=$link rep=$rep contender=$who N=$N" >&2
					run_one "$variant-$link" "$who" "$rep"
					awk -v v="$variant-$link" -v w="$who" -v r="$rep" \
						'$1 == v && $2 == w && $3 == r' "$WORK/rows" | agg | sed 's/^/bench-dhcp:   /' >&2
					echo >&2
				done
			done
		done
	done
	{
		echo
		echo "## N = $N clients, $REPS runs per row"
		echo
		echo "| server | link | contender | bound | all bound (ms, per run) | median (ms) | p99 (ms) |" \
			"DHCP msgs / client | frames / client | server drops / run | CPU ms / client | rapid ACKs |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
		for variant in $VARIANTS; do
			for link in $LINKS; do
				for who in netroot udhcpc; do
					printf '| %s | %s | %s ' "$variant" "$link" "$who"
					awk -v v="$variant-$link" -v w="$who" '$1 == v && $2 == w' "$WORK/rows" | agg
					echo
				done
			done
		done
	} >>"$WORK/tables"
	cp "$WORK/rows" "$WORK/rows-$N"
	fails=$(awk '$7 != 0' "$WORK/rows" | wc -l)
	if ((fails > 0)); then
		echo "bench-dhcp: N=$N: $fails client runs did not bind (outputs: $WORK/fail-*)" >&2
		KEEP=1
	fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
	echo "# DHCP bring-up benchmark: netroot vs busybox udhcpc"
	echo
	echo "- date: $start_ts; N=$SIZES clients per run, $REPS runs per variant and contender"
	echo "- machine: $(sed -n 2p "$WORK/machine"); $(sed -n 3p "$WORK/machine"); load after: $load_after"
	echo "- netroot: built from $(git log -1 --format=%h -- src Cargo.toml Cargo.lock 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)'), static musl build, $(stat -c %s "$NETROOT") bytes:" \
		"\`netroot net --run-dir DIR --etc-dir DIR/etc --cmdline '$CLIENT_CMDLINE'\`"
	echo "- udhcpc: $(busybox | head -1 | cut -d' ' -f1-2):" \
		"\`busybox ip link set eth0 up && busybox udhcpc -i eth0 -n -q -f -s /bin/true -t 20 -T 3\`"
	echo "- server: $(dnsmasq --version | head -1 | cut -d' ' -f1-3), one /16 range, \`--no-ping\`" \
		"(its default ICMP check delays every first offer by up to 3 s), no \`--log-dhcp\`;" \
		"variant *rapid* adds \`--dhcp-rapid-commit\` (RFC 4039; udhcpc does not ask for it)"
	echo "- command: \`N='$SIZES' REPS=$REPS make bench-dhcp\` (bench/dhcp.sh)"
	echo "- work directory (netroot's hand-over files, dnsmasq's lease file): $(stat -f -c %T "$WORK") (at boot: /run, a tmpfs)"
	echo "- each client in its own netns, one veth to a bridge in another netns; fresh namespaces," \
		"fresh dnsmasq and empty lease file for every run; all N released at once by a FIFO barrier;" \
		"who goes first alternates between reps (with an even REPS each order equally often)"
	echo
	echo "Time to bound = from the barrier release in the client to its DHCP client's exit with a lease"
	echo "(netroot has by then also set address and routes and written its files; udhcpc ran /bin/true)."
	echo "Link *cold*: the client raises eth0 inside its timing (udhcpc via \`busybox ip link set eth0 up\`);"
	echo "*warm*: eth0 was raised before the barrier and its bridge port had 2 s to start forwarding."
	echo "\"All bound\" is per run, from the release to the last client bound. DHCP msgs = client"
	echo "messages dnsmasq logged per MAC; frames = packets the client's bridge port received (everything it sent)."
	echo "Server drops = datagrams the server namespace dropped on a full socket buffer (UDP RcvbufErrors)."
	echo "CPU = user + system time of the timed processes (bash \`times\` of the client's children)."
	cat "$WORK/tables"
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"

#!/usr/bin/env bash
# init: netroot. NFSv4 root over IPv6 only, with dracut's static form
# ip=[<addr>]::[<gw>]:<prefix>:<host>:<if>:none and a bracketed server in
# nfsroot= (nfsroot.rst's form). Slirp gives the guest the IPv6 network
# fec0::/64 and answers as fec0::2, which it connects to the ::1 of the
# network namespace QEMU runs in. That namespace is the test's own, with a
# ganesha bound to ::1 only: nothing listens on IPv4 there, so the root can
# only have come over IPv6. The guest's console shows the mount (/proc/mounts
# through the test root's init: addr= and clientaddr= the bare IPv6
# addresses), that no IPv4 address was configured, and the IPv6 keys of the
# hand-over file /run/net-eth0.conf. Two more boots on the same servers:
# NFSv3 over IPv6 (rpcbind and the mount protocol over tcp6), and an NBD root
# from an nbd-server on ::1 (root=nbd:[fec0::2]:...).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=qemu/lib.sh
. "$TOP/qemu/lib.sh"
use_init netroot
# NFSv3 too (the second boot): ganesha registers with rpcbind, which the
# kernel asks for the ports over IPv6 ([fec0::2]:111); the NBD boot's
# nbd-server on ::1.
ipv6_only_lab --nfs3 --nbd
in_ns_listening() { nsenter --target "$(cat "$LAB_NS")" --net -- ss -Hltn; }
in_ns_listening | grep -q '\[::1\]:2049' || fail "ganesha does not listen on [::1]:2049"
if in_ns_listening | grep -q '127\.0\.0\.1:2049\|0\.0\.0\.0:2049'; then
	fail "ganesha listens on IPv4 too"
fi
boot_expect "ip=[fec0::15]::[fec0::2]:64:node6:eth0:none nfsroot=[fec0::2]:/arch" \
	"$ROOT_OK" \
	'netroot: .*eth0: no IPv4, fec0::15/64' \
	'inet6 fec0::15/64 scope site' \
	'^\[fec0::2\]:/arch / nfs4 .*addr=fec0::2' \
	'^\[fec0::2\]:/arch / nfs4 .*clientaddr=fec0::15' \
	'^\[fec0::2\]:/arch / nfs4 .*proto=tcp6' \
	"^IPV4ADDR='0\.0\.0\.0'" \
	"^IPV6ADDR='fec0::15'" \
	"^IPV6GATEWAY='fec0::2'"
# No IPv4 address on eth0 (the test root's `ip addr`: only lo's 127.0.0.1),
# and none from the kernel's SLAAC either (RAs refused for a static address).
assert_log_lacks 'inet 10\.'
assert_log_lacks 'inet6 fec0::5054'
assert_no_panic
report_uptime

# NFSv3 over IPv6: the mount protocol and NFS over tcp6, the ports from
# rpcbind over IPv6.
LOG="$T_LOGDIR/boot-nfs3.log"
boot_expect "ip=[fec0::15]::[fec0::2]:64:node6:eth0:none nfsroot=[fec0::2]:/arch,vers=3" \
	"$ROOT_OK" \
	'^\[fec0::2\]:/arch / nfs .*vers=3.*proto=tcp6' \
	'^\[fec0::2\]:/arch / nfs .*mountproto=tcp6' \
	'^\[fec0::2\]:/arch / nfs .*addr=fec0::2'
assert_log_lacks 'inet 10\.'
assert_no_panic

# NBD over IPv6: dracut's root=nbd: with the bracketed server (the lab's
# nbd-server on ::1 serves the test root's btrfs image read-only).
LOG="$T_LOGDIR/boot-nbd.log"
boot_expect "ip=[fec0::15]::[fec0::2]:64:node6:eth0:none root=nbd:[fec0::2]:$LAB_NBD_PORT/arch:btrfs" \
	"$ROOT_OK" \
	"netroot: nbd \[fec0::2\]:$LAB_NBD_PORT export \"arch\"" \
	'^/dev/nbd0 / btrfs ro'
assert_log_lacks 'inet 10\.'
assert_no_panic

#!/usr/bin/env bash
# init: netroot. The Debian root over NFSv4 loses its server while systemd
# shuts down (netroot.check.cut: the check sets the boot link down right
# after `systemctl poweroff`): the machine still powers off, within
# netroot.shutdown.timeout.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
root="$BUILD/debroot"
[ -f "$root/etc/os-release" ] || fail "no $root (run.sh builds it with qemu/mkdebroot.sh)"
BOOT_TIMEOUT=${BOOT_TIMEOUT_GONE:-400}
token=gone-$$-$RANDOM
written="$root/var/tmp/netroot-$token"
trap 'rm -f "$written"' EXIT
boot_expect "ip=dhcp root=/dev/nfs nfsroot=$SRV:/debian rw netroot.check=$token netroot.check.cut netroot.shutdown.timeout=${GONE_TIMEOUT:-30}" \
	"NETROOT-CHECK begin token=$token" \
	'NETROOT-CHECK cut' \
	'reboot: Power down'
cut=$(tr -d '\r' <"$LOG" | grep -a 'NETROOT-CHECK cut' | head -n1)
echo "cut: $cut"
grep -a 'netroot.*watchdog\|systemd-shutdown\|Power down' "$LOG" | tail -n 15

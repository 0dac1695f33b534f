#!/usr/bin/env bash
# Build an initramfs with Debian's dracut (dracut-core) and netroot's dracut
# module, for the lab kernel (tests/qemu/t-dracut-*.sh boot it).
#
# Usage: tests/dracut/build.sh [--out FILE] [--modules "M..." | --add-netroot]
#   --out FILE       default build/lab/dracut-netroot.img
#   --modules "M..." dracut -m (default "base netroot": dracut's shell /init,
#                    without systemd in the image)
#   --add-netroot    no -m: dracut's own choice of modules (with systemd in
#                    the image where the system has it, as on Fedora) and
#                    `--add netroot`, as an administrator builds it by hand;
#                    netroot's dracut.conf.d file leaves dracut's network
#                    and network-root modules out
#
# The module, its dracut.conf.d file and the binary come from `make install
# DESTDIR=<tmp>` (the layout the Debian package has). dracut reads its
# modules from $dracutbasedir: a copy of /usr/lib/dracut made of symlinks,
# with netroot's module and conf file added, so nothing is installed on this
# machine. The host's /etc/dracut.conf* are not read (--conf, --confdir); the
# modules are the lab kernel's (--kver, --kmoddir). Prints dracut's log on
# failure and ends with the image's path and size.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build="$top/build"

out="$build/lab/dracut-netroot.img"
modules="base netroot"
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--modules) modules=$2; shift 2 ;;
	--add-netroot) modules=""; shift ;;
	-h | --help) sed -n '2,21p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) echo "build.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
done
command -v dracut >/dev/null || { echo "build.sh: dracut is not installed (make deps: dracut-core)" >&2; exit 1; }

"$top/qemu/kernel.sh" >&2
kver=$("$top/qemu/kernel.sh" --print-version)

work=$(mktemp -d "${TMPDIR:-/tmp}/netroot-dracut.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The binary is built with cargo alone, so that make finds it up to date.
(cd "$top" && cargo build --release --locked --target x86_64-unknown-linux-musl) >&2
make -C "$top" --no-print-directory install DESTDIR="$work/dest" PREFIX=/usr INSTALL_FLAVOUR=dracut >&2

base="$work/dracut"
cp -as /usr/lib/dracut "$base"
cp -r "$work/dest/usr/lib/dracut/modules.d/95netroot" "$base/modules.d/"
mkdir -p "$base/dracut.conf.d" "$work/confdir"
cp "$work/dest/usr/lib/dracut/dracut.conf.d/50-netroot.conf" "$base/dracut.conf.d/"
: >"$work/dracut.conf"

mkdir -p "$(dirname "$out")"
if [ -n "$modules" ]; then mods=(-m "$modules"); else mods=(--add netroot); fi
# --no-hostonly: a generic image (the client's NIC is not this machine's).
if ! DRACUT_PATH="$work/dest/usr/bin /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin" dracutbasedir="$base" dracut --force --no-hostonly --no-hostonly-cmdline \
	--conf "$work/dracut.conf" --confdir "$work/confdir" \
	--kver "$kver" --kmoddir "$build/kernel/lib/modules/$kver" "${mods[@]}" \
	"$out.tmp" >"$work/dracut.log" 2>&1; then
	tail -n 30 "$work/dracut.log" >&2
	rm -f "$out.tmp"
	echo "build.sh: dracut failed" >&2
	exit 1
fi
cat "$work/dracut.log" >&2
# The image must hold netroot and its hooks (and the system's CA bundle for
# root=live:https://, when there is one), and none of dracut's own network
# root handling.
listing=$(lsinitrd "$out.tmp" 2>/dev/null || true)
need=(usr/bin/netroot lib/dracut/hooks/cmdline/20-netroot-cmdline.sh
	lib/dracut/hooks/pre-mount/10-netroot-net.sh lib/dracut/hooks/mount/10-netroot-mount.sh)
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then need+=(etc/netroot/ca-certificates.crt); fi
for f in "${need[@]}"; do
	grep -Eq " (usr/)?$f\$" <<<"$listing" || {
		grep -E 'netroot|hooks' <<<"$listing" >&2
		rm -f "$out.tmp"
		echo "build.sh: the image lacks /$f" >&2
		exit 1
	}
done
# vlan=, bond=, bridge=: netroot's module adds their drivers.
for m in 8021q bonding bridge; do
	grep -Eq "/$m\.ko(\.[a-z]+)?\$" <<<"$listing" || { rm -f "$out.tmp"; echo "build.sh: the image lacks the $m module" >&2; exit 1; }
done
for f in sbin/nfsroot sbin/nbdroot sbin/ifup sbin/dhclient; do
	if grep -Eq " (usr/)?$f\$" <<<"$listing"; then rm -f "$out.tmp"; echo "build.sh: the image has dracut's /$f" >&2; exit 1; fi
done
mv "$out.tmp" "$out"
echo "dracut image: $out ($(stat -c %s "$out") bytes)"

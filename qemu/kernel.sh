#!/usr/bin/env bash
# Fetch a lab kernel: Debian's current linux-image-amd64 dependency, unpacked
# (never installed) into build/kernel/, with build/vmlinuz and the modules dir.
# Usage: qemu/kernel.sh [--backports] [--print-version]
#   --backports  the bookworm-backports kernel (6.12, compressed .ko.xz
#                modules) into build/kernel-bpo/ and build/vmlinuz-bpo, from
#                a private apt configuration under build/apt/ (a sources list
#                with the mirror of this machine's own Debian sources; the
#                machine's sources and packages are left alone)
# Cached: does nothing when the vmlinuz and the modules dir already exist.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build="$top/build"
kdir="$build/kernel"
vmlinuz="$build/vmlinuz"
print=0
backports=0
for a in "$@"; do
	case "$a" in
	-h | --help) sed -n '2,10p' "${BASH_SOURCE[0]}"; exit 0 ;;
	--print-version) print=1 ;;
	--backports) backports=1 kdir="$build/kernel-bpo" vmlinuz="$build/vmlinuz-bpo" ;;
	*) echo "kernel.sh: unknown argument: $a" >&2; exit 2 ;;
	esac
done

kernel_version() {
	# The one modules dir under $kdir/lib/modules is the kernel's release string.
	local d
	for d in "$kdir"/lib/modules/*/; do
		[ -d "$d" ] || continue
		basename "$d"
		return 0
	done
	return 1
}

if [ -s "$vmlinuz" ] && ver=$(kernel_version) && [ ! -f "$kdir/lib/modules/$ver/modules.dep" ]; then
	depmod -b "$kdir" "$ver"
fi
if [ -s "$vmlinuz" ] && ver=$(kernel_version) && [ -f "$kdir/lib/modules/$ver/modules.dep" ]; then
	[ "$print" = 1 ] && echo "$ver"
	exit 0
fi

apt_opts=()
if [ "$backports" = 1 ]; then
	# The Debian mirror of this machine's own sources (one-line .list or
	# deb822 .sources), with bookworm-backports as the only suite.
	mirror=$({ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true; } 2>/dev/null |
		awk '$1 == "deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }')
	if [ -z "$mirror" ]; then
		mirror=$({ cat /etc/apt/sources.list.d/*.sources || true; } 2>/dev/null |
			awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ && u ~ /debian\/?$/ { print u; exit }')
	fi
	[ -n "$mirror" ] || { echo "kernel.sh: no Debian bookworm mirror in /etc/apt/sources*" >&2; exit 1; }
	apt="$build/apt"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
	echo "deb $mirror bookworm-backports main" >"$apt/sources.list"
	apt_opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=-"
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache")
	apt-get "${apt_opts[@]}" update -qq >&2
fi

mkdir -p "$build/kernel-deb"
# linux-image-amd64 is a metapackage; its Depends names the real versioned image package.
pkg=$(apt-cache "${apt_opts[@]}" depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$pkg" ]; then
	echo "kernel.sh: cannot resolve linux-image-amd64 (run apt-get update?)" >&2
	exit 1
fi
echo "kernel.sh: fetching $pkg" >&2
(cd "$build/kernel-deb" && apt-get "${apt_opts[@]}" download -q "$pkg" >&2)
deb=
for f in "$build/kernel-deb/${pkg}"_*.deb; do deb=$f; done
[ -f "$deb" ] || { echo "kernel.sh: download of $pkg failed" >&2; exit 1; }
rm -rf "$kdir.tmp"
dpkg -x "$deb" "$kdir.tmp"
rm -rf "$kdir"
mv "$kdir.tmp" "$kdir"
ver=$(kernel_version)
# The .deb ships no modules.dep (its postinst runs depmod); generate the index here.
depmod -b "$kdir" "$ver"
rm -f "$deb"
cp "$kdir/boot/vmlinuz-$ver" "$vmlinuz"
echo "kernel.sh: $ver -> ${vmlinuz#"$top"/}, ${kdir#"$top"/}/lib/modules/$ver" >&2
[ "$print" = 1 ] && echo "$ver"
exit 0

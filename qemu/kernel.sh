#!/usr/bin/env bash
# Fetch the lab kernel: Debian's current linux-image-amd64 dependency, unpacked
# (never installed) into build/kernel/, with build/vmlinuz and the modules dir.
# Usage: qemu/kernel.sh [--print-version]
# Cached: does nothing when build/vmlinuz and the modules dir already exist.
set -euo pipefail

case "${1:-}" in
-h | --help) sed -n '2,5p' "${BASH_SOURCE[0]}"; exit 0 ;;
"" | --print-version) ;;
*) echo "kernel.sh: unknown argument: $1" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build="$top/build"
kdir="$build/kernel"

kernel_version() {
	# The one modules dir under build/kernel/lib/modules is the kernel's release string.
	local d
	for d in "$kdir"/lib/modules/*/; do
		[ -d "$d" ] || continue
		basename "$d"
		return 0
	done
	return 1
}

if [ -s "$build/vmlinuz" ] && ver=$(kernel_version) && [ ! -f "$kdir/lib/modules/$ver/modules.dep" ]; then
	depmod -b "$kdir" "$ver"
fi
if [ -s "$build/vmlinuz" ] && ver=$(kernel_version) && [ -f "$kdir/lib/modules/$ver/modules.dep" ]; then
	[ "${1:-}" = --print-version ] && echo "$ver"
	exit 0
fi

mkdir -p "$build/kernel-deb"
# linux-image-amd64 is a metapackage; its Depends names the real versioned image package.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$pkg" ]; then
	echo "kernel.sh: cannot resolve linux-image-amd64 (run apt-get update?)" >&2
	exit 1
fi
echo "kernel.sh: fetching $pkg" >&2
(cd "$build/kernel-deb" && apt-get download -q "$pkg" >&2)
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
cp "$kdir/boot/vmlinuz-$ver" "$build/vmlinuz"
echo "kernel.sh: $ver -> build/vmlinuz, build/kernel/lib/modules/$ver" >&2
[ "${1:-}" = --print-version ] && echo "$ver"
exit 0

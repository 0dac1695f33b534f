#!/usr/bin/env bash
# Optional contender: an mkinitcpio image with the netroot hook, built with a
# mkinitcpio that is not packaged on Debian. MKINITCPIO_DIR names either an
# installed tree (DIR/usr/bin/mkinitcpio + DIR/usr/lib/initcpio) or a source
# checkout (DIR/mkinitcpio, DIR/functions, DIR/hooks, DIR/install); mkinitcpio
# also needs its base hook's busybox (DIR/usr/lib/initcpio/busybox or a
# static busybox on this host).
# Usage: bench/peers/mkinitcpio.sh MKINITCPIO_DIR KERNEL_VERSION OUT.img
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=$1 ver=$2 img=$3
bin="$top/target/x86_64-unknown-linux-musl/release/netroot"

# The project's own builder, when this tree has it (it prepares a mkinitcpio
# checkout and installs the hooks the way `make install` lays them out).
if [ -x "$top/tests/mkinitcpio/build.sh" ]; then
	MKINITCPIO_DIR=$dir "$top/tests/mkinitcpio/build.sh" --hooks "base netroot" --out "$img"
	exit
fi
[ -x "$bin" ] || { echo "mkinitcpio: no $bin (make build)" >&2; exit 1; }

mk="" libdir=""
if [ -x "$dir/usr/bin/mkinitcpio" ]; then
	mk="$dir/usr/bin/mkinitcpio" libdir="$dir/usr/lib/initcpio"
elif [ -x "$dir/mkinitcpio" ]; then
	mk="$dir/mkinitcpio" libdir="$dir"
else
	echo "mkinitcpio: no mkinitcpio executable under $dir" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Our hooks, with the install hook pointed at the freshly built binary
# instead of /usr/bin/netroot (this host does not have it installed).
mkdir -p "$work/initcpio/hooks" "$work/initcpio/install"
cp "$top/hooks/netroot" "$work/initcpio/hooks/netroot"
sed "s|for bin in /usr/bin/netroot /usr/local/bin/netroot; do|for bin in $bin; do|" \
	"$top/install/netroot" >"$work/initcpio/install/netroot"
cat >"$work/mkinitcpio.conf" <<-EOC
	MODULES=(virtio_pci virtio_net)
	BINARIES=()
	FILES=()
	HOOKS=(base netroot)
	COMPRESSION="zstd"
EOC
"$mk" -c "$work/mkinitcpio.conf" -D "$work/initcpio:$libdir" -r "$top/build/kernel" \
	-k "$ver" -g "$img.tmp"
mv "$img.tmp" "$img"

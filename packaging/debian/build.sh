#!/usr/bin/env bash
# `make deb`: the Debian package, built with dpkg-deb from a tree staged by
# `make install` (the binary, the initramfs-tools hook, boot script and
# conf.d file, the dracut module and its dracut.conf.d file, the kernel
# hooks, /etc/default/netroot, the README).
#
# Usage: packaging/debian/build.sh BINARY OUT_DIR
# Writes OUT_DIR/netroot_<version>_<arch>.deb (version from Cargo.toml) and
# prints its absolute path. Files under /etc are conffiles; the triggers file makes
# dpkg run update-initramfs once netroot's initramfs-tools files are in place.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
[ $# = 2 ] || { echo "usage: packaging/debian/build.sh BINARY OUT_DIR" >&2; exit 2; }
bin=$1 outdir=$2
[ -x "$bin" ] || { echo "packaging/debian/build.sh: no binary $bin (make build)" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$top/Cargo.toml" | head -n 1)
[ -n "$version" ] || { echo "packaging/debian/build.sh: no version in Cargo.toml" >&2; exit 1; }
arch=$(dpkg --print-architecture)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
stage=$(mktemp -d "$outdir/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"

make -C "$top" --no-print-directory install-bin install-kernel-hooks install-initramfs-tools install-dracut \
	DESTDIR="$stage" PREFIX=/usr SYSCONFDIR=/etc >&2
install -Dm644 "$top/README.md" "$stage/usr/share/doc/netroot/README.md"
printf '%s\n' "netroot $version" "License: MIT OR Apache-2.0" >"$stage/usr/share/doc/netroot/copyright"

mkdir -p "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$here/control.in" >"$stage/DEBIAN/control"
install -m644 "$here/triggers" "$stage/DEBIAN/triggers"
(cd "$stage" && find etc -type f | sort | sed 's|^|/|') >"$stage/DEBIAN/conffiles"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs md5sum) >"$stage/DEBIAN/md5sums"

deb="$outdir/netroot_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >&2
echo "$deb"

#!/usr/bin/env bash
# Build an initramfs the way a Debian administrator does: `update-initramfs`
# inside the client's root, with netroot's initramfs-tools hook, boot script
# and conf.d file installed (tests/qemu/t-initramfs-tools-*.sh boot it).
#
# Usage: tests/initramfs-tools/build.sh [--out FILE]
#   --out FILE   default build/lab/initramfs-tools.img
#
# The root: build/itools-root, a copy of the lab's Debian root
# (qemu/mkdebroot.sh, build/debroot, which stays as it is: other tests boot
# it) with initramfs-tools and zstd installed by apt from the Debian mirror
# in its sources.list (~1 min, once; redone when build/debroot was rebuilt).
# Every run then installs netroot's Debian package (`make deb`) into it with
# `dpkg -i` in a chroot, binds the lab
# kernel's modules (build/kernel/lib/modules/<version>) and its config onto
# the root's /lib/modules and /boot in a private mount namespace, and runs
# `update-initramfs -c -k <version>` in a chroot. The image must hold
# netroot's binary and boot script; its size is printed at the end.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build="$top/build"

out="$build/lab/initramfs-tools.img"
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	-h | --help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) echo "build.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "build.sh: needs root (chroot, mount namespace)" >&2; exit 1; }

"$top/qemu/kernel.sh" >&2
kver=$("$top/qemu/kernel.sh" --print-version)
"$top/qemu/mkdebroot.sh" >&2
root="$build/itools-root"
stamp="$build/itools-root.stamp"

# --- the client's root with initramfs-tools (cached) --------------------------
key="$(cat "$build/debroot.stamp" "$build/debroot.base-stamp") initramfs-tools zstd"
if [ ! -x "$root/usr/sbin/update-initramfs" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$key" ]; then
	t0=$(date +%s)
	echo "build.sh: copying build/debroot to build/itools-root and installing initramfs-tools" >&2
	rm -rf "$root" "$stamp"
	cp -a "$build/debroot" "$root"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	# shellcheck disable=SC2016 # the inner script's own arguments
	unshare --mount --propagation private -- bash -euc '
		mount -t proc proc "$1/proc"
		mount --rbind /dev "$1/dev"
		chroot "$1" apt-get -q update
		DEBIAN_FRONTEND=noninteractive chroot "$1" apt-get -q install -y --no-install-recommends initramfs-tools zstd
		chroot "$1" apt-get clean' build "$root" >"$build/itools-root.log" 2>&1 || {
		tail -n 20 "$build/itools-root.log" >&2
		echo "build.sh: installing initramfs-tools failed (log build/itools-root.log)" >&2
		exit 1
	}
	echo "$key" >"$stamp"
	echo "build.sh: build/itools-root ready in $(($(date +%s) - t0)) s" >&2
fi

# --- netroot into the root, update-initramfs in it -----------------------------
# The binary is built with cargo alone, so that make finds it up to date.
(cd "$top" && cargo build --release --locked --target x86_64-unknown-linux-musl) >&2
deb=$(make -C "$top" --no-print-directory deb | tail -n 1)
cp "$deb" "$root/tmp/netroot.deb"
mkdir -p "$root/lib/modules/$kver" "$root/boot"
cp "$build/kernel/boot/config-$kver" "$root/boot/"
rm -f "$root/boot/initrd.img-$kver"
# dpkg -i as on a client root (its trigger runs update-initramfs -u, which
# finds no image yet), then the image for the lab kernel.
# shellcheck disable=SC2016 # the inner script's own arguments
unshare --mount --propagation private -- bash -euc '
	mount -t proc proc "$1/proc"
	mount --rbind /dev "$1/dev"
	mount --bind -o ro "$2" "$1/lib/modules/$3"
	chroot "$1" dpkg -i /tmp/netroot.deb
	rm -f "$1/tmp/netroot.deb"
	chroot "$1" dpkg-query -W -f "\${Package} \${Version} \${Status}\n" netroot
	chroot "$1" update-initramfs -c -k "$3"' build "$root" "$build/kernel/lib/modules/$kver" "$kver" >&2
img="$root/boot/initrd.img-$kver"
[ -s "$img" ] || { echo "build.sh: update-initramfs wrote no $img" >&2; exit 1; }

listing=$(chroot "$root" lsinitramfs "/boot/initrd.img-$kver")
for f in usr/bin/netroot scripts/netroot conf/conf.d/netroot; do
	grep -qx "$f" <<<"$listing" || { echo "build.sh: the image lacks /$f" >&2; exit 1; }
done
# vlan=, bond=, bridge=: netroot's hook adds their drivers.
for m in 8021q bonding bridge; do
	grep -Eq "/$m\.ko(\.[a-z]+)?\$" <<<"$listing" || { echo "build.sh: the image lacks the $m module" >&2; exit 1; }
done
mkdir -p "$(dirname "$out")"
cp "$img" "$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs-tools image: $out ($(stat -c %s "$out") bytes)"

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
# `dpkg -i` in a chroot, binds the lab kernel's modules
# (build/kernel/lib/modules/<version>) and puts its config and vmlinuz onto
# the root's /lib/modules and /boot in a private mount namespace, and runs
# the kernel's hooks in a chroot as its Debian package would on install and
# removal (run-parts /etc/kernel/postinst.d, postrm.d), then kernel-install
# add and remove. The postinst.d hooks build the image (initramfs-tools'
# runs `update-initramfs -c`), which must hold netroot's binary and boot
# script; netroot's own (zz-netroot, 90-netroot.install, with NETROOT_IMAGE
# set) must build a standalone netroot image and delete it again (copies
# in build/lab/itools-hooks/). The image's size is printed at the end.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build="$top/build"

out="$build/lab/initramfs-tools.img"
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	-h | --help) sed -n '2,24p' "${BASH_SOURCE[0]}"; exit 0 ;;
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

# --- netroot into the root, a kernel "installed" in it ---------------------------
# The binary is built with cargo alone, so that make finds it up to date.
(cd "$top" && cargo build --release --locked --target x86_64-unknown-linux-musl) >&2
deb=$(make -C "$top" --no-print-directory deb | tail -n 1)
cp "$deb" "$root/tmp/netroot.deb"
mkdir -p "$root/lib/modules/$kver" "$root/boot"
cp "$build/kernel/boot/config-$kver" "$root/boot/"
cp "$build/vmlinuz" "$root/boot/vmlinuz-$kver"
rm -f "$root/boot/initrd.img-$kver" "$root/boot/netroot.img-$kver"
hooked="$build/lab/itools-hooks"
rm -rf "$hooked"
mkdir -p "$hooked"
# dpkg -i as on a client root (its trigger runs update-initramfs -u, which
# finds no image yet). Then the administrator asks for netroot's standalone
# image too (NETROOT_IMAGE in /etc/default/netroot), and the kernel's
# hooks run as its package's maintainer scripts run them (Debian's
# linux-image postinst and postrm: `DEB_MAINT_PARAMS="$*" run-parts --report
# --exit-on-error --arg=VERSION --arg=/boot/vmlinuz-VERSION
# /etc/kernel/post{inst,rm}.d`): postinst.d's initramfs-tools hook runs
# `update-initramfs -c` (the image this script delivers) and zz-netroot
# builds /boot/netroot.img-VERSION. After a copy of both is taken, postrm.d
# deletes them. Then kernel-install (systemd's, restricted to netroot's
# plugin by KERNEL_INSTALL_PLUGINS, a temporary BOOT_ROOT) calls
# 90-netroot.install with `add VERSION ENTRY_DIR KERNEL_IMAGE` and
# `remove VERSION ENTRY_DIR`. The package's /etc/default/netroot is put
# back at the end.
# shellcheck disable=SC2016 # the inner script's own arguments
unshare --mount --propagation private -- bash -euc '
	r=$1 kver=$3 out=$4
	mount -t proc proc "$r/proc"
	mount --rbind /dev "$r/dev"
	mount --bind -o ro "$2" "$r/lib/modules/$kver"
	[ ! -e "$r/etc/default/netroot.pkg" ] || mv "$r/etc/default/netroot.pkg" "$r/etc/default/netroot"
	chroot "$r" dpkg -i /tmp/netroot.deb
	rm -f "$r/tmp/netroot.deb"
	chroot "$r" dpkg-query -W -f "\${Package} \${Version} \${Status}\n" netroot
	cp "$r/etc/default/netroot" "$r/etc/default/netroot.pkg"
	sed -i "s|^NETROOT_IMAGE=\$|NETROOT_IMAGE=/boot/netroot.img-%v|" "$r/etc/default/netroot"
	grep -qx "NETROOT_IMAGE=/boot/netroot.img-%v" "$r/etc/default/netroot"
	img=/boot/netroot.img-$kver
	hooks() { # ACTION (postinst, postrm)
		DEB_MAINT_PARAMS=$2 chroot "$r" run-parts --verbose --exit-on-error \
			--arg="$kver" --arg="/boot/vmlinuz-$kver" "/etc/kernel/$1.d"
	}
	hooks postinst configure
	[ -s "$r/boot/initrd.img-$kver" ] || { echo "postinst.d: no /boot/initrd.img-$kver" >&2; exit 1; }
	[ -s "$r$img" ] || { echo "postinst.d: zz-netroot built no $img" >&2; exit 1; }
	cp "$r/boot/initrd.img-$kver" "$out/initrd.img"
	cp "$r$img" "$out/postinst.img"
	hooks postrm remove
	[ ! -e "$r$img" ] || { echo "postrm.d: zz-netroot left $img" >&2; exit 1; }
	echo "postrm.d: $img removed"
	ki() {
		chroot "$r" env KERNEL_INSTALL_PLUGINS=/usr/lib/kernel/install.d/90-netroot.install \
			BOOT_ROOT=/tmp/kernel-install-boot MACHINE_ID=0123456789abcdef0123456789abcdef \
			kernel-install --verbose "$@"
	}
	rm -rf "$r/tmp/kernel-install-boot"
	mkdir "$r/tmp/kernel-install-boot"
	ki add "$kver" "/boot/vmlinuz-$kver"
	[ -s "$r$img" ] || { echo "kernel-install add: 90-netroot.install built no $img" >&2; exit 1; }
	cp "$r$img" "$out/kernel-install.img"
	ki remove "$kver"
	[ ! -e "$r$img" ] || { echo "kernel-install remove: 90-netroot.install left $img" >&2; exit 1; }
	echo "kernel-install remove: $img removed"
	rm -rf "$r/tmp/kernel-install-boot"
	mv "$r/etc/default/netroot.pkg" "$r/etc/default/netroot"' \
	build "$root" "$build/kernel/lib/modules/$kver" "$kver" "$hooked" >&2
img="$hooked/initrd.img"

# netroot's standalone image from the hooks: netroot is its /init (the
# root's binary, byte for byte) with the NIC and NFS modules of the default
# set; kernel-install's build of the same inputs is the same bytes.
entries=$(zstd -dc "$hooked/postinst.img" | cpio -it --quiet)
for f in init lib/modules/"$kver"/modules.dep; do
	grep -qx "$f" <<<"$entries" || { echo "build.sh: zz-netroot's image lacks /$f" >&2; exit 1; }
done
for m in virtio_net nfsv4 nbd; do
	grep -Eq "^lib/modules/$kver/kernel/.*/$m\.ko\$" <<<"$entries" || { echo "build.sh: zz-netroot's image lacks the $m module" >&2; exit 1; }
done
(cd "$hooked" && zstd -dc postinst.img | cpio -i --quiet init)
cmp "$hooked/init" "$root/usr/bin/netroot" || { echo "build.sh: zz-netroot's image's /init is not the root's /usr/bin/netroot" >&2; exit 1; }
cmp "$hooked/postinst.img" "$hooked/kernel-install.img" ||
	{ echo "build.sh: kernel-install's image differs from the postinst.d one" >&2; exit 1; }
echo "kernel hooks: postinst.d and kernel-install built /boot/netroot.img-$kver ($(stat -c %s "$hooked/postinst.img") bytes, /init = /usr/bin/netroot), postrm.d and kernel-install remove deleted it" >&2

cp "$img" "$root/tmp/initrd.img"
listing=$(chroot "$root" lsinitramfs /tmp/initrd.img)
rm -f "$root/tmp/initrd.img"
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

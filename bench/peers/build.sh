#!/usr/bin/env bash
# Build the benchmark's peer images into build/bench/ (each cached: rebuilt
# only when one of its inputs changed, recorded as a sha256 stamp):
#   busybox.img  qemu/mkbaseline.sh --baseline busybox --modules minimal
#   klibc.img    klibc-utils' sh/ipconfig/nfsmount/insmod/run-init + klibc .so,
#                bench/peers/klibc-init.sh as /init, NIC + NFSv3 modules
#   dracut.img   Debian's dracut, -m "base nfs network-legacy"
#   floor.img    bench/peers/floor.c (static, musl) + the modules netroot loads
#                on the lab VM (FLOOR_MODULES)
# Usage: bench/peers/build.sh [busybox|klibc|dracut|floor ...] (default: all)
# A peer that cannot be built is reported on stderr and leaves no image; the
# others are still built (exit status 0 unless all failed).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build="$top/build"
out="$build/bench"
mkdir -p "$out"

ver=$("$top/qemu/kernel.sh" --print-version) || { echo "peers: no kernel" >&2; exit 1; }
kbase="$build/kernel"
kmods="$kbase/lib/modules/$ver"

# One stamp per image: sha256 over the named input files (and extra text).
stamp_of() { # name text files...
	local name=$1 text=$2
	shift 2
	{ echo "$name $text"; cat "$@"; } | sha256sum | cut -d' ' -f1
}
fresh() { # img stamp
	[ -s "$1" ] && [ "$(cat "$1.stamp" 2>/dev/null)" = "$2" ]
}

# Modules in load order (dependencies first), paths relative to /lib/modules
# (so they start with the kernel version).
mod_order() {
	modprobe -d "$kbase" -S "$ver" --show-depends -a "$@" |
		awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' | sed "s|^$kbase/lib/modules/||"
}

# newc archive of a staged tree, with /dev/console prepended (the kernel opens
# it for /init's fds before anything mounts devtmpfs); built with fakeroot-free
# cpio -R 0:0, the console node written by a tiny mknod-less newc header.
pack() { # stagedir out.img compressor...
	local stage=$1 img=$2
	shift 2
	local hdr
	hdr=$(printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 $((8#020600)) 0 0 1 0 0 0 0 5 1 12 0)
	{
		printf '%s%s\0' "$hdr" dev/console
		# 110 + 12 = 122 -> pad to 124
		head -c 2 /dev/zero
		(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible)
	} | "$@" >"$img.tmp" && mv "$img.tmp" "$img"
}

stage_modules() { # stagedir module-names...
	local stage=$1 m
	shift
	mkdir -p "$stage/lib/modules/$ver" "$stage/etc"
	mod_order "$@" >"$stage/etc/modules.list" || return 1
	while read -r m; do
		install -D -m 0644 "$kbase/lib/modules/$m" "$stage/lib/modules/$m"
	done <"$stage/etc/modules.list"
}

# A staged peer's last steps: the MODULES with their dependencies, the
# archive (zstd -19), its stamp; the stage is removed.
pack_peer() { # stagedir out.img stamp modules...
	local rc=0 stage=$1 img=$2 st=$3
	shift 3
	stage_modules "$stage" "$@" &&
		pack "$stage" "$img" zstd -q -19 -T0 && echo "$st" >"$img.stamp" || rc=$?
	rm -rf "$stage"
	return $rc
}

# The floor loads what netroot loads on the lab VM (one virtio NIC, NFSv4
# root): the NIC drivers coldplug finds (virtio_pci, virtio_net), the NFSv4
# chain, and the power-button watchdog's button + evdev; no driver for a
# device the VM does not have (the busybox script also loads e1000 and
# e1000e, 1 MB of modules that netroot's coldplug leaves alone).
FLOOR_MODULES="virtio_pci virtio_net nfsv4 button evdev"

build_busybox() {
	local img="$out/busybox.img" st
	st=$(stamp_of busybox "$ver" "$top/qemu/mkbaseline.sh" "$top/qemu/baseline/busybox-init.sh")
	fresh "$img" "$st" && return 0
	"$top/qemu/mkbaseline.sh" --baseline busybox --modules minimal --out "$img" >&2 || return 1
	echo "$st" >"$img.stamp"
}

build_klibc() {
	local img="$out/klibc.img" st so stage b
	so=""
	for b in /usr/lib/klibc-*.so; do [ -f "$b" ] && so=$b; done
	if [ -z "$so" ] || [ ! -x /usr/lib/klibc/bin/ipconfig ]; then
		echo "peers: klibc: no /usr/lib/klibc-*.so or /usr/lib/klibc/bin/ipconfig (apt-get install klibc-utils)" >&2
		return 1
	fi
	st=$(stamp_of klibc "$ver $so" "$here/klibc-init.sh" "$here/build.sh" "$so" /usr/lib/klibc/bin/ipconfig)
	fresh "$img" "$st" && return 0
	stage=$(mktemp -d "$out/stage.XXXXXX")
	mkdir -p "$stage"/{bin,lib,dev,proc,sys,run,newroot,tmp}
	cp "$so" "$stage/lib/"
	# klibc's sh is /bin/sh: every binary's interpreter is the .so in /lib.
	for b in sh ipconfig nfsmount insmod run-init mount umount cat mkdir sleep poweroff; do
		install -m 0755 "/usr/lib/klibc/bin/$b" "$stage/bin/$b"
	done
	install -m 0755 "$here/klibc-init.sh" "$stage/init"
	pack_peer "$stage" "$img" "$st" virtio_pci virtio_net e1000 e1000e nfsv3
}

build_floor() {
	local img="$out/floor.img" st stage
	command -v musl-gcc >/dev/null || { echo "peers: floor: no musl-gcc (apt-get install musl-tools)" >&2; return 1; }
	st=$(stamp_of floor "$ver $FLOOR_MODULES" "$here/floor.c" "$here/build.sh")
	fresh "$img" "$st" && return 0
	stage=$(mktemp -d "$out/stage.XXXXXX")
	mkdir -p "$stage"/{dev,proc,sys}
	if ! musl-gcc -static -Os -s -Wall -o "$stage/init" "$here/floor.c"; then
		rm -rf "$stage"
		return 1
	fi
	# shellcheck disable=SC2086 # a list of module names
	pack_peer "$stage" "$img" "$st" $FLOOR_MODULES
}

build_dracut() {
	local img="$out/dracut.img" st
	command -v dracut >/dev/null || { echo "peers: dracut: not installed (dracut-core dracut-network)" >&2; return 1; }
	[ -d /usr/lib/dracut/modules.d/35network-legacy ] || { echo "peers: dracut: no network-legacy module (dracut-network)" >&2; return 1; }
	st=$(stamp_of dracut "$ver $(dpkg-query -W -f='${Version}' dracut-core 2>/dev/null)" \
		"$here/dracut/online.sh" "$here/dracut/pre-pivot.sh" "$here/build.sh")
	fresh "$img" "$st" && return 0
	# --kmoddir points dracut at the unpacked (not installed) kernel's modules;
	# --no-hostonly: a generic image, not one for this build host's hardware.
	# The two hooks only print benchmark markers.
	dracut --quiet --force --no-hostonly --no-hostonly-cmdline --kver "$ver" --kmoddir "$kmods" \
		-m "base nfs network-legacy" --add-drivers "virtio_pci virtio_net" \
		--include "$here/dracut/online.sh" /lib/dracut/hooks/initqueue/online/99-bench.sh \
		--include "$here/dracut/pre-pivot.sh" /lib/dracut/hooks/pre-pivot/99-bench.sh \
		"$img.tmp" >"$out/dracut.log" 2>&1 || {
		echo "peers: dracut failed, last lines of $out/dracut.log:" >&2
		tail -n 15 "$out/dracut.log" >&2
		rm -f "$img.tmp"
		return 1
	}
	mv "$img.tmp" "$img" && echo "$st" >"$img.stamp"
}

want=("$@")
[ ${#want[@]} -gt 0 ] || want=(busybox klibc dracut floor)
ok=0
for p in "${want[@]}"; do
	if "build_$p"; then
		ok=$((ok + 1))
		echo "peers: $p: $out/$p.img ($(stat -c %s "$out/$p.img") bytes)" >&2
	else
		rm -f "$out/$p.img" "$out/$p.img.stamp"
		echo "peers: $p: not built" >&2
	fi
done
[ "$ok" -gt 0 ]

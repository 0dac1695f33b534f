#!/usr/bin/env bash
# Build the busybox baseline initramfs: a compressed cpio (newc) with a static
# busybox running qemu/baseline/busybox-init.sh as /init, the chosen kernel
# modules and their dependency closure, and depmod's files for them. It is
# the benchmark's "minimal busybox" contender and the lab's baseline tests'
# image. netroot's own image is built by netroot itself (`netroot initramfs`,
# src/image/); this stays a script because a peer of the benchmark must build
# without netroot (bench/run.sh keeps the peers when netroot fails to build),
# and because it is what a hand-made busybox initramfs is.
#
# Usage: qemu/mkbaseline.sh [--baseline busybox] [--modules default|generic|minimal]
#          [--extra "m1 m2"] [--out FILE] [--compress gzip|zstd|xz] [--measure]
#
#   --baseline busybox
#               the only image it builds (the default; accepted for the
#               callers that name it)
#   --measure   also write FILE.gz/.zst/.xz and print each size (see below)
#
# Compression, measured here (2026-11-26, kernel 6.1.0-56-amd64, the static
# busybox (1.9 MB) standing in for /init; "unpack" is the kernel's "Trying to
# unpack rootfs" -> "Freeing initrd memory" span in a TCG guest, best of 4-6
# boots; "host" is userspace decompression on the build machine):
#                          default set (14.5 MB cpio)      generic set (30.7 MB cpio)
#     gzip -9              3.98 MB  unpack 0.19 s  host 0.08 s      7.93 MB
#     zstd -19             3.21 MB  unpack 0.21 s  host 0.05 s      6.27 MB
#     xz -9 --check=crc32  2.88 MB  unpack 0.77 s  host 0.16 s      5.56 MB
# In the guest, copying 14.5 MB of cpio into the rootfs dominates, so gzip and
# zstd unpack alike (+0.02 s for zstd, within the noise), while xz costs
# +0.55 s. zstd is 20% smaller than gzip, which matters where the image
# travels over TFTP (PXE) and keeps both sets well under their limits (gzip
# puts the generic set at 7.9 of 8 MiB). Hence zstd; xz would save 0.33 MB for
# half a second of every boot. (The kernel's xz decoder only takes CRC32
# checks, hence --check=crc32 when xz is asked for.)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build="$top/build"

set_name=default
extra=""
out="$build/lab/baseline.img"
baseline=busybox
compress=zstd
measure=0

die() {
	echo "mkbaseline: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--modules) set_name=${2:?}; shift 2 ;;
	--extra) extra=${2-}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--baseline) baseline=${2:?}; shift 2 ;;
	--compress) compress=${2:?}; shift 2 ;;
	--measure) measure=1; shift ;;
	-h | --help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) die "unknown argument: $1" ;;
	esac
done

# Size limits from the issue: what a PXE/TFTP chain loads comfortably.
case "$set_name" in
default | minimal) limit=$((4 * 1024 * 1024)) ;;
generic) limit=$((8 * 1024 * 1024)) ;;
*) die "unknown module set: $set_name (default|generic|minimal)" ;;
esac
case "$baseline" in
busybox) ;;
*) die "unknown baseline: $baseline (busybox; netroot's image: netroot initramfs)" ;;
esac

ver=$("$here/kernel.sh" --print-version)
kmods="$build/kernel/lib/modules/$ver"

# Module names: modules must be present (error otherwise); optional ones are
# taken "where the kernel has them".
required=(virtio_pci virtio_net e1000 e1000e nfsv4 nfsv3 nbd btrfs overlay)
# "minimal": the lab NICs, NFS and overlay only (the busybox baseline's set)
[ "$set_name" = minimal ] && required=(virtio_pci virtio_net e1000 e1000e nfsv4 nfsv3 overlay)
optional=()
if [ "$set_name" = generic ]; then
	required+=(ext4 xfs)
	optional+=(igb ixgbe r8169 tg3 bnx2x mlx4_en mlx5_core)
fi
read -r -a extra_list <<<"$extra"
required+=("${extra_list[@]}")

# --- index the kernel's modules ------------------------------------------------
declare -A path_of=() deps_of=() builtin=() want=()
norm() { # module name from a path or a name: no dir, no .ko*, '-' -> '_'
	local n=${1##*/}
	n=${n%%.ko*}
	echo "${n//-/_}"
}
while IFS= read -r line; do
	p=${line%%:*}
	n=$(norm "$p")
	path_of[$n]=$p
	deps_of[$p]=${line#*:}
done <"$kmods/modules.dep"
while IFS= read -r p; do
	builtin[$(norm "$p")]=1
done <"$kmods/modules.builtin"

# softdep "pre:"/"post:" names may be aliases (crypto-crc32c); resolve them all
# (crc32c_intel needs SSE4.2, crc32c_generic always works: ship both).
resolve_name() {
	local n=${1//-/_}
	if [ -n "${path_of[$n]:-}" ] || [ -n "${builtin[$n]:-}" ]; then
		echo "$n"
		return
	fi
	awk -v a="$1" '$1 == "alias" && $2 == a { print $3 }' "$kmods/modules.alias"
}
softdeps_of() {
	awk -v m="$1" '$1 == "softdep" && $2 == m { for (i = 3; i <= NF; i++) if ($i !~ /:$/) print $i }' \
		"$kmods/modules.softdep"
}

add() { # add a module and its closure (modules.dep + softdeps) to want[]
	local n
	n=$(norm "$1")
	[ -n "${want[$n]:-}" ] && return 0
	if [ -n "${builtin[$n]:-}" ]; then
		want[$n]=builtin
		return 0
	fi
	local p=${path_of[$n]:-}
	[ -n "$p" ] || return 1
	want[$n]=$p
	local d s r
	for d in ${deps_of[$p]}; do
		add "$d" || die "$n depends on $d, which the kernel does not have"
	done
	for s in $(softdeps_of "$n"); do
		for r in $(resolve_name "$s"); do
			add "$r" || echo "mkbaseline: note: softdep $s of $n not found, skipped" >&2
		done
	done
}
for m in "${required[@]}"; do
	add "$m" || die "module $m: not in kernel $ver (modules.dep) and not built in"
done
for m in "${optional[@]}"; do
	add "$m" || echo "mkbaseline: note: kernel $ver has no $m, skipped" >&2
done

# --- stage ---------------------------------------------------------------------
stage=$(mktemp -d "$build/initramfs-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{dev,proc,sys,run,newroot,tmp,bin,sbin}
chmod 1777 "$stage/tmp"
sm="$stage/lib/modules/$ver"
mkdir -p "$sm"
nmods=0
for n in "${!want[@]}"; do
	p=${want[$n]}
	[ "$p" = builtin ] && continue
	install -D -m 0644 "$kmods/$p" "$sm/$p"
	nmods=$((nmods + 1))
done
cp "$kmods/modules.builtin" "$kmods/modules.builtin.modinfo" "$kmods/modules.order" "$sm/"
depmod -b "$stage" "$ver"

bb=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
file -L "$bb" | grep -q 'statically linked' || die "$bb is not static (busybox-static)"
install -m 0755 "$bb" "$stage/bin/busybox"
for a in $("$bb" --list); do
	[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
done
install -m 0755 "$here/baseline/busybox-init.sh" "$stage/init"

# /dev/console must exist before /init runs (the kernel opens it for fds 0-2,
# before anyone mounts devtmpfs). Write that one node as its own newc archive
# with printf so the build needs no root for mknod; the kernel unpacks
# concatenated archives in order.
newc_entry() { # name mode rdevmajor rdevminor
	local name=$1 mode=$2 maj=$3 min=$4 hdr pad
	hdr=$(printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 "$mode" 0 0 1 0 0 0 0 "$maj" "$min" $((${#name} + 1)) 0)
	printf '%s%s\0' "$hdr" "$name"
	pad=$(((4 - (110 + ${#name} + 1) % 4) % 4))
	head -c "$pad" /dev/zero
}
raw="$stage.cpio"
trap 'rm -rf "$stage" "$raw"' EXIT
{
	newc_entry dev/console $((8#020600)) 5 1
	newc_entry 'TRAILER!!!' 0 0 0
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible)
} >"$raw"

comp() { # method < cpio > compressed
	case "$1" in
	gzip) gzip -9 -n ;;
	zstd) zstd -q -19 -T0 ;;
	xz) xz -9 --check=crc32 -T0 ;;
	*) die "unknown compression: $1 (gzip|zstd|xz)" ;;
	esac
}
mkdir -p "$(dirname "$out")"
comp "$compress" <"$raw" >"$out.tmp"
mv "$out.tmp" "$out"
size=$(stat -c %s "$out")
raw_size=$(stat -c %s "$raw")
if [ "$measure" = 1 ]; then
	for c in gzip zstd xz; do
		ext=${c/gzip/gz}
		ext=${ext/zstd/zst}
		comp "$c" <"$raw" >"$out.$ext"
		echo "mkbaseline: measure: $c $(stat -c %s "$out.$ext") bytes -> $out.$ext"
	done
fi
echo "mkbaseline: $out: $size bytes ($compress; cpio $raw_size bytes; $nmods modules, set $set_name; kernel $ver)"
if [ "$size" -gt "$limit" ]; then
	die "$out is $size bytes, over the $((limit / 1024 / 1024)) MiB limit of set $set_name"
fi

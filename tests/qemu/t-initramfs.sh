#!/usr/bin/env bash
# init: none (no boot). What `make initramfs` builds: both module sets within
# their size limits, /init and /dev/console in place, the modules with their
# dependency and softdep closure, and depmod's files generated at build time.
# Uses build/initramfs.img when the agent is built, else a stand-in image with
# busybox as /init (same module sets).
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ver=$("$TOP/qemu/kernel.sh" --print-version)

list() { # IMG -> "mode major:minor name" per entry, every concatenated archive
	zstd -dc "$1" | python3 -c '
import sys
d = sys.stdin.buffer.read()
i = 0
while i + 110 <= len(d):
    if d[i:i + 6] != b"070701":
        i += 1  # zero padding between archives
        continue
    f = [int(d[i + 6 + 8 * k:i + 14 + 8 * k], 16) for k in range(13)]
    mode, size, rmaj, rmin, nsz = f[1], f[6], f[9], f[10], f[11]
    name = d[i + 110:i + 110 + nsz - 1].decode()
    i = (i + 110 + nsz + 3) & ~3
    i = (i + size + 3) & ~3
    if name != "TRAILER!!!":
        print("%o %d:%d %s" % (mode, rmaj, rmin, name))
'
}

check() { # IMG LIMIT_BYTES MODULE...
	local img=$1 limit=$2 size entries m
	shift 2
	size=$(stat -c %s "$img")
	[ "$size" -le "$limit" ] || fail "$img: $size bytes, over $limit"
	echo "ok: $(basename "$img") is $size bytes (limit $limit)"
	entries=$(list "$img")
	grep -Eq '^100755 0:0 init$' <<<"$entries" || fail "no executable /init"
	grep -Eq '^20600 5:1 dev/console$' <<<"$entries" || fail "no /dev/console (c 5 1)"
	for d in proc sys run newroot tmp; do
		grep -Eq "^4[0-7]{4} 0:0 $d\$" <<<"$entries" || fail "no /$d"
	done
	for f in modules.dep modules.alias modules.softdep modules.builtin modules.builtin.modinfo modules.order; do
		grep -Eq " lib/modules/$ver/$f\$" <<<"$entries" || fail "no lib/modules/$ver/$f"
	done
	for m in "$@"; do
		grep -Eq " lib/modules/$ver/kernel/.*/${m//_/[_-]}\.ko\$" <<<"$entries" || fail "no module $m"
	done
	echo "ok: init, console, dirs, depmod files, $# modules checked in $(basename "$img")"
}

default_mods=(virtio_pci virtio_net e1000 e1000e nfsv4 nfsv3 nbd btrfs overlay
	sunrpc nfs lockd grace dns_resolver libcrc32c crc32c_generic zstd_compress)
generic_mods=("${default_mods[@]}" ext4 xfs igb ixgbe r8169 tg3 bnx2x mlx4_en mlx5_core jbd2)
bin="$TOP/target/x86_64-unknown-linux-musl/release/netroot"
if [ -x "$bin" ] && [ -s "$BUILD/initramfs.img" ] && [ "${NETROOT_QEMU_SKIP_AGENT:-0}" != 1 ]; then
	init=$bin
	check "$BUILD/initramfs.img" $((4 * 1024 * 1024)) "${default_mods[@]}"
else
	init=$(command -v busybox)
	"$TOP/qemu/mkinitramfs.sh" --init "$init" --modules default --out "$T_LOGDIR/default.img"
	check "$T_LOGDIR/default.img" $((4 * 1024 * 1024)) "${default_mods[@]}"
fi
"$TOP/qemu/mkinitramfs.sh" --init "$init" --modules generic --out "$T_LOGDIR/generic.img"
check "$T_LOGDIR/generic.img" $((8 * 1024 * 1024)) "${generic_mods[@]}"
# A module the kernel lacks is an error naming it.
if "$TOP/qemu/mkinitramfs.sh" --init "$init" --extra no_such_module --out "$T_LOGDIR/bad.img" 2>"$T_LOGDIR/bad.err"; then
	fail "an unknown EXTRA module was accepted"
fi
grep -q 'module no_such_module' "$T_LOGDIR/bad.err" || fail "the error does not name the module: $(cat "$T_LOGDIR/bad.err")"
echo "ok: unknown module refused: $(cat "$T_LOGDIR/bad.err")"

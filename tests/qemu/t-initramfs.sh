#!/usr/bin/env bash
# parallel: yes
# init: none (no boot). What `netroot initramfs` builds: the module sets
# within their size limits, /init and /dev/console in place, the modules with
# their dependency and softdep closure, and depmod's files generated at build
# time; `--modules host` has this machine's NIC drivers and no other NIC's;
# the 6.12 kernel's .ko.xz modules stored as .ko; the firmware the modules
# name (found, decompressed; missing ones warned about); the same
# inputs give the same bytes; an unknown module is an error naming it.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ver=$("$TOP/qemu/kernel.sh" --print-version)
bin="$TOP/target/x86_64-unknown-linux-musl/release/netroot"
[ -x "$bin" ] || skip "no $bin (make build)"

list() { # IMG -> "mode major:minor name" per entry, every concatenated archive
	zstd -dcf "$1" | python3 -c '
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

check() { # IMG LIMIT_BYTES MODULE... (kernel $ver)
	local img=$1 limit=$2 size entries m v
	shift 2
	v=${ver//./\\.} # a regular expression (6.12.95+deb12-amd64)
	v=${v//+/\\+}
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
		grep -Eq " lib/modules/$v/$f\$" <<<"$entries" || fail "no lib/modules/$ver/$f"
	done
	for m in "$@"; do
		grep -Eq " lib/modules/$v/kernel/.*/${m//_/[_-]}\.ko\$" <<<"$entries" || fail "no module $m"
	done
	echo "ok: init, console, dirs, depmod files, $# modules checked in $(basename "$img")"
}

default_mods=(virtio_pci virtio_net e1000 e1000e nfsv4 nfsv3 nbd btrfs overlay
	sunrpc nfs lockd grace dns_resolver libcrc32c crc32c_generic zstd_compress)
generic_mods=("${default_mods[@]}" ext4 xfs igb ixgbe r8169 tg3 bnx2x mlx4_en mlx5_core jbd2)
[ -s "$BUILD/initramfs.img" ] || fail "no $BUILD/initramfs.img (run.sh builds it)"
check "$BUILD/initramfs.img" $((4 * 1024 * 1024)) "${default_mods[@]}"
mk() { "$bin" initramfs --root "$BUILD/kernel" --kver "$ver" "$@"; }
mk --modules generic -o "$T_LOGDIR/generic.img"
check "$T_LOGDIR/generic.img" $((8 * 1024 * 1024)) "${generic_mods[@]}"

# --modules host: the drivers of THIS machine's NICs, as found here
# independently of netroot: each interface's device's bound driver module
# (device/driver/module, Documentation/ABI/stable/sysfs-module) and the
# module kmod's modprobe resolves its modalias to in the lab kernel's tree
# (a driver built into this machine's kernel has no module link), each kept
# when the lab kernel has it as a module (not built in, not absent). The
# image has those, the network root's modules and this root's file system
# type (when a module there), none of the generic set's other NIC drivers,
# and is smaller than the generic image.
mdir="$BUILD/kernel/lib/modules/$ver"
lab_module() { # NAME: the lab kernel has it as a loadable module
	local re="/${1//_/[_-]}\.ko(\.[a-z]+)?"
	grep -Eq "$re:" "$mdir/modules.dep" && ! grep -Eq "$re\$" "$mdir/modules.builtin"
}
host_nics=()
for i in /sys/class/net/*; do
	[ -e "$i/device" ] || continue # virtual: lo, bridges, tunnels
	cands=()
	if m=$(readlink "$i/device/driver/module"); then cands+=("${m##*/}"); fi
	if [ -r "$i/device/modalias" ]; then
		mapfile -t -O "${#cands[@]}" cands < <(modprobe -d "$BUILD/kernel" -S "$ver" -R "$(cat "$i/device/modalias")" 2>/dev/null || true)
	fi
	for m in "${cands[@]}"; do
		m=${m//-/_}
		if lab_module "$m"; then host_nics+=("$m"); else echo "note: ${i##*/}'s $m is not a module of the lab kernel"; fi
	done
done
host_mods=("${host_nics[@]}" nfsv4 nfsv3 nfs sunrpc nbd overlay)
rootfs=$(findmnt -n -o FSTYPE /)
if lab_module "$rootfs"; then host_mods+=("$rootfs"); fi
echo "this machine: NIC modules ${host_nics[*]:-(none in the lab kernel)}; root file system $rootfs"
mk --modules host -o "$T_LOGDIR/host.img"
check "$T_LOGDIR/host.img" $((4 * 1024 * 1024)) "${host_mods[@]}"
host_entries=$(list "$T_LOGDIR/host.img")
for m in e1000 e1000e igb ixgbe r8169 tg3 bnx2x mlx4_en mlx5_core; do
	case " ${host_nics[*]} " in *" $m "*) continue ;; esac
	grep -Eq "/${m//_/[_-]}\.ko\$" <<<"$host_entries" && fail "the host image has $m, not a driver of this machine's NICs"
done
[ "$(stat -c %s "$T_LOGDIR/host.img")" -lt "$(stat -c %s "$T_LOGDIR/generic.img")" ] ||
	fail "the host image ($(stat -c %s "$T_LOGDIR/host.img") bytes) is not smaller than the generic one ($(stat -c %s "$T_LOGDIR/generic.img"))"
echo "ok: host image: $(grep -c '\.ko$' <<<"$host_entries") modules, $(stat -c %s "$T_LOGDIR/host.img") bytes; generic $(stat -c %s "$T_LOGDIR/generic.img") bytes"

# Deterministic: a second build of the same inputs is byte-identical.
mk -o "$T_LOGDIR/again.img" >/dev/null
cmp "$BUILD/initramfs.img" "$T_LOGDIR/again.img" || fail "two builds of the default image differ"
echo "ok: two builds are byte-identical ($(sha256sum <"$T_LOGDIR/again.img" | cut -c1-16))"

# A module the kernel lacks is an error naming it (exit status 1).
rc=0
mk --add no_such_module -o "$T_LOGDIR/bad.img" 2>"$T_LOGDIR/bad.err" || rc=$?
[ "$rc" = 1 ] || fail "an unknown --add module gave exit status $rc, not 1"
grep -q 'module no_such_module' "$T_LOGDIR/bad.err" || fail "the error does not name the module: $(cat "$T_LOGDIR/bad.err")"
[ ! -e "$T_LOGDIR/bad.img" ] || fail "a failed build left $T_LOGDIR/bad.img"
echo "ok: unknown module refused: $(cat "$T_LOGDIR/bad.err")"

# Firmware: a root whose lib/firmware has two of r8169's files (one plain,
# one .zst as Arch and Fedora ship them) gets both, decompressed, and a
# warning naming the ones it lacks.
fwroot="$T_LOGDIR/fwroot"
rm -rf "$fwroot"
mkdir -p "$fwroot/lib/modules" "$fwroot/lib/firmware/rtl_nic"
ln -s "$BUILD/kernel/lib/modules/$ver" "$fwroot/lib/modules/$ver"
echo plain-fw >"$fwroot/lib/firmware/rtl_nic/rtl8168d-1.fw"
echo zst-fw | zstd -q >"$fwroot/lib/firmware/rtl_nic/rtl8168e-1.fw.zst"
"$bin" initramfs --root "$fwroot" --kver "$ver" --add r8169 --compress none -o "$T_LOGDIR/fw.cpio" 2>"$T_LOGDIR/fw.err"
entries=$(list "$T_LOGDIR/fw.cpio")
for f in rtl8168d-1.fw rtl8168e-1.fw; do
	grep -Eq "^100644 0:0 lib/firmware/rtl_nic/$f\$" <<<"$entries" || fail "no lib/firmware/rtl_nic/$f"
done
grep -aq zst-fw "$T_LOGDIR/fw.cpio" || fail "the .zst firmware is not stored decompressed"
grep -q 'warning: module r8169: firmware not found under .*rtl_nic/rtl8168g-2.fw' "$T_LOGDIR/fw.err" ||
	fail "no warning naming r8169's missing firmware: $(cat "$T_LOGDIR/fw.err")"
grep -q 'rtl8168d-1.fw' "$T_LOGDIR/fw.err" && fail "a firmware file that was found is in the warning"
echo "ok: firmware found and decompressed, the missing ones named"

# The 6.12 backports kernel ships .ko.xz: the image stores them as .ko,
# named so in its modules.dep (fetched when absent, like run.sh does for
# the t-kernel-612 tests).
"$TOP/qemu/kernel.sh" --backports
kb=$("$TOP/qemu/kernel.sh" --backports --print-version)
"$bin" initramfs --root "$BUILD/kernel-bpo" --kver "$kb" -o "$T_LOGDIR/bpo.img"
ver=$kb check "$T_LOGDIR/bpo.img" $((4 * 1024 * 1024)) virtio_net e1000 nfsv4 nbd btrfs overlay
list "$T_LOGDIR/bpo.img" | grep -E '\.ko\.(xz|zst|gz)$' && fail "compressed modules in the image"
zstd -dc "$T_LOGDIR/bpo.img" | python3 -c '
import sys
d = sys.stdin.buffer.read()
i = d.index(b"/modules.dep\0")
hdr = d.rindex(b"070701", 0, i)
size = int(d[hdr + 54:hdr + 62], 16)
nsz = int(d[hdr + 94:hdr + 102], 16)
start = (hdr + 110 + nsz + 3) & ~3
dep = d[start:start + size].decode()
assert "kernel/drivers/net/virtio_net.ko:" in dep, dep[:300]
assert ".ko.xz" not in dep
print("ok: modules.dep names the stored .ko files (%d lines)" % dep.count("\n"))
'

#!/usr/bin/env bash
# Prepare a runnable mkinitcpio checkout in DIR for tests/mkinitcpio/build.sh.
#
# Usage: tests/mkinitcpio/prepare.sh DIR [SOURCE]
#   DIR holds (or receives) a copy of mkinitcpio's source. When DIR has no
#   `mkinitcpio` script yet, it is taken from SOURCE (or $MKINITCPIO_SRC when
#   SOURCE is not given, else build/mkinitcpio.git when it exists): a git
#   repository of mkinitcpio (a clone, bare or not: its HEAD is exported) or
#   an unpacked source tree. To get one:
#     git clone https://gitlab.archlinux.org/archlinux/mkinitcpio/mkinitcpio.git
#   Then, in DIR only:
#   - the meson placeholders (@INITCPIO_LIBDIR@, @SYSCONFDIR@, ...) are
#     replaced so that the tree runs in place: DIR is the library, the
#     config and hooks directory;
#   - PATH inside mkinitcpio gets /usr/sbin: Debian keeps modinfo, blkid and
#     switch_root there;
#   - install/base takes busybox from DIR/busybox (a copy of the static
#     busybox: a symlink would point at itself inside the image) instead of
#     /usr/lib/initcpio/busybox, which this machine does not have.
# Idempotent. mkinitcpio is GPL-2.0 and is never committed here: DIR belongs
# under build/ (gitignored): use build/mkinitcpio.
# Needs: bash >= 5, bsdtar (libarchive-tools), kmod, zstd, busybox-static.
set -euo pipefail

case "${1:-}" in
-h | --help) sed -n '2,22p' "${BASH_SOURCE[0]}"; exit 0 ;;
esac
dir=${1:?usage: prepare.sh DIR [SOURCE] (or MKINITCPIO_SRC=SOURCE)}
src=${2:-${MKINITCPIO_SRC:-${MKINITCPIO_GIT:-}}}
if [ -z "$src" ]; then
	src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/mkinitcpio.git"
	[ -d "$src" ] || src=""
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ ! -f "$dir/mkinitcpio" ]; then
	if [ -z "$src" ] || [ ! -d "$src" ]; then
		echo "prepare.sh: $dir has no mkinitcpio and no source was given${src:+ ($src is not a directory)}." >&2
		echo "prepare.sh: get one with" >&2
		echo "    git clone https://gitlab.archlinux.org/archlinux/mkinitcpio/mkinitcpio.git" >&2
		echo "prepare.sh: then run: tests/mkinitcpio/prepare.sh $1 mkinitcpio (or MKINITCPIO_SRC=mkinitcpio)" >&2
		exit 1
	fi
	if git_dir=$(git -C "$src" rev-parse --absolute-git-dir 2>/dev/null); then
		rev=$(git --git-dir="$git_dir" describe --tags --always HEAD 2>/dev/null || echo git)
		echo "prepare.sh: exporting mkinitcpio $rev from $src into $dir" >&2
		git --git-dir="$git_dir" archive HEAD | tar -x -C "$dir"
	elif [ -f "$src/mkinitcpio" ]; then
		rev=git
		echo "prepare.sh: copying the mkinitcpio tree $src into $dir" >&2
		cp -a "$src/." "$dir/"
	else
		echo "prepare.sh: $src is neither a git repository nor a mkinitcpio source tree (no $src/mkinitcpio)" >&2
		exit 1
	fi
	echo "$rev" >"$dir/.version"
fi

version=$(cat "$dir/.version" 2>/dev/null || echo git)
# The files that carry placeholders (the tests and man pages are not run).
mapfile -t files < <(grep -rlI -E '@[A-Z_]+@' --exclude-dir=test --exclude-dir=man \
	--exclude='meson.build' --exclude='*.adoc' "$dir" | sed "s|^$dir/||")
for f in "${files[@]}"; do
	sed -i \
		-e "s|@VERSION@|$version|g" \
		-e "s|@INITCPIO_LIBDIR@|$dir|g" \
		-e "s|@INITCPIO_SYSCONFDIR@|$dir/etc-initcpio|g" \
		-e "s|@SYSCONFDIR@|$dir|g" \
		-e "s|@BINDIR@|/usr/bin:/usr/sbin|g" \
		-e "s|@VCONSOLE_CONF@|/etc/vconsole.conf|g" \
		-e "s|@MKINITCPIO_HOOKS@|base|g" \
		-e "s|@UDEVD_PATH@|/lib/systemd/systemd-udevd|g" \
		-e "s|@TMPFILES_PATH@||g" \
		"$dir/$f"
done
chmod +x "$dir/mkinitcpio" "$dir/lsinitcpio"

# install/base: busybox from the checkout, not from /usr/lib/initcpio.
sed -i "s|/usr/lib/initcpio/busybox|$dir/busybox|g" "$dir/install/base"
bb=$(command -v busybox || true)
if [ -z "$bb" ] || ! file -L "$bb" | grep -q 'statically linked'; then
	echo "prepare.sh: need a static busybox (apt-get install busybox-static)" >&2
	exit 1
fi
if ! cmp -s "$bb" "$dir/busybox"; then
	# A copy, not a symlink: mkinitcpio adds the file itself.
	cp -L "$bb" "$dir/busybox"
	chmod 755 "$dir/busybox"
fi

for tool in bsdtar modinfo depmod zstd ldd; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null ||
		echo "prepare.sh: warning: $tool not found (mkinitcpio needs it)" >&2
done
if left=$(cd "$dir" && grep -rlI -E '@[A-Z_]+@' mkinitcpio functions init init_functions install/base mkinitcpio.conf); then
	echo "prepare.sh: placeholders left in: $left" >&2
	exit 1
fi
echo "prepare.sh: $dir/mkinitcpio is ready (mkinitcpio $version)" >&2

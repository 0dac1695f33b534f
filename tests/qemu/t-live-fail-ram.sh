#!/usr/bin/env bash
# parallel: yes
# init: netroot. Live image larger than the guest's RAM (a sparse 1 GiB file
# for a 768 MiB guest): refused before the download with the sizes named;
# nothing is fetched or mounted; panic=5 reboots.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
dir="$T_LOGDIR/www"
mkdir -p "$dir"
truncate -s 1G "$dir/huge.squashfs"
live_server 8188 "$dir"
expect_reboot "ip=dhcp root=live:http://$SRV:8188/huge.squashfs netroot.timeout=10 panic=5" \
	'netroot: .*live image http://10\.0\.2\.2:8188/huge\.squashfs is 1024\.0 MiB; it needs 1073\.0 MiB of RAM in a tmpfs, but only [0-9.]+ MiB are available \(MemAvailable in /proc/meminfo\)'
assert_log_lacks 'loop[0-9]+: detected capacity'
rm -f "$dir/huge.squashfs"

#!/bin/sh
# SPDX-License-Identifier: MIT OR Apache-2.0
# dracut cmdline hook (20, after base's parse-root-opts): claims a network
# root for netroot so that no other module waits for a root= device.
# shellcheck disable=SC2034 # root, rootok: read by dracut's /init

if ! netroot_kind="$(netroot query root-kind)"; then
    die "netroot: the kernel command line is not valid (see the message above)"
fi
case "$netroot_kind" in
nfs | nbd)
    # root=/dev/nfs or /dev/nbd0 would make rootfs-block wait for a block
    # device; nbd_host= alone leaves root= empty. netroot mounts it.
    root=netroot
    rootok=1
    ;;
esac

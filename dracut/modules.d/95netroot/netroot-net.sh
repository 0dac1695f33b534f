#!/bin/sh
# SPDX-License-Identifier: MIT OR Apache-2.0
# dracut pre-mount hook: the network, once udev has loaded the NIC drivers
# (the initqueue has settled). netroot net runs DHCP or the static ip= and
# writes /run/net-IFACE.conf (klibc ipconfig's format), /run/netroot/net.json
# and systemd-networkd files for the booted system.
# shellcheck disable=SC2154,SC2034 # netroot_kind: set by netroot-cmdline.sh; the pid: read by netroot-mount.sh

if netroot query wants-network; then
    if [ "$netroot_kind" = nfs ] || [ "$netroot_kind" = nbd ]; then
        # The root's modules load while the network comes up.
        # shellcheck disable=SC2046 # one module name per word
        modprobe -qa $(netroot query root-modules) &
        netroot_modprobe_pid=$!
    fi
    netroot net || die "netroot: the network did not come up (see the message above)"
fi

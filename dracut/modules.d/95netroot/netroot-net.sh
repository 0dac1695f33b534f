#!/bin/sh
# SPDX-License-Identifier: MIT OR Apache-2.0
# dracut pre-mount hook: the network, once udev has loaded the NIC drivers
# (the initqueue has settled). netroot net runs DHCP or the static ip= and
# writes /run/net-IFACE.conf (klibc ipconfig's format), /run/netroot/net.json
# and systemd-networkd files for the booted system. Each hook asks netroot
# again: with systemd in the image, every hook runs in its own service and
# only exported variables reach the next one.
# shellcheck disable=SC2034 # the pid: read by netroot-mount.sh (same shell without systemd)

if netroot query wants-network; then
    case "$(netroot query root-kind)" in
    nfs | nbd)
        # The root's modules load while the network comes up.
        # shellcheck disable=SC2046 # one module name per word
        modprobe -qa $(netroot query root-modules) &
        netroot_modprobe_pid=$!
        ;;
    esac
    netroot net || die "netroot: the network did not come up (see the message above)"
fi

#!/bin/sh
# SPDX-License-Identifier: MIT OR Apache-2.0
# dracut mount hook: the network root on $NEWROOT, with the lease netroot net
# left in /run/netroot/net.json; ro/rw, rootflags= and the NFS version come
# from the command line.
# shellcheck disable=SC2154 # NEWROOT: set by dracut

case "$(netroot query root-kind)" in
nfs | nbd)
    if ! ismounted "$NEWROOT"; then
        # Without systemd the hooks share /init's shell: the root's
        # modules started loading in netroot-net.sh.
        if [ -n "$netroot_modprobe_pid" ]; then
            wait "$netroot_modprobe_pid"
            netroot_modprobe_pid=
        fi
        netroot mount "$NEWROOT" || die "netroot: could not mount the network root on $NEWROOT (see the message above)"
    fi
    ;;
esac

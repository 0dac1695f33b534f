#!/bin/bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# dracut module for netroot (dracut.modules(7)): the static netroot binary
# brings the network up and mounts the NFS or NBD root, in place of dracut's
# network, nfs and nbd modules. Add it with `dracut --add netroot --omit
# "nfs nbd network"` (or the dracut.conf.d file netroot installs).

# called by dracut: only when asked for (--add netroot, add_dracutmodules),
# and only when the binary is there.
check() {
    require_binaries netroot || return 1
    return 255
}

# called by dracut: the wired NIC drivers (every one unless
# --hostonly-nics); udev's coldplug loads the client's.
depends() {
    echo kernel-network-modules
}

# called by dracut
installkernel() {
    # NFS (v4 first; v3 loads only on a fallback), NBD, overlay for
    # netroot.overlay=tmpfs, AF_PACKET for DHCP when it is a module; the
    # drivers of vlan=, bond=, bridge= (the image cannot know the command
    # line; instmods skips the ones the kernel lacks).
    hostonly='' instmods nfsv4 nfsv3 nbd overlay af_packet virtio_pci 8021q bonding bridge
}

# called by dracut
# shellcheck disable=SC2154 # moddir: set by dracut
install() {
    local m
    # Static: no libraries to follow.
    inst_simple "$(command -v netroot)" /usr/bin/netroot
    inst_multiple modprobe
    # The CAs that root=live:https:// trusts, at netroot's fixed place in
    # the image: the system's bundle, or NETROOT_CA_BUNDLE's file.
    local ca=${NETROOT_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
    if [[ -r "$ca" ]]; then
        inst_simple "$ca" /etc/netroot/ca-certificates.crt
    elif [[ -n "${NETROOT_CA_BUNDLE:-}" ]]; then
        derror "netroot: NETROOT_CA_BUNDLE=$ca is not a readable file"
        return 1
    fi
    inst_hook cmdline 20 "$moddir/netroot-cmdline.sh"
    inst_hook pre-mount 10 "$moddir/netroot-net.sh"
    inst_hook mount 10 "$moddir/netroot-mount.sh"
    # Two network stacks would both run DHCP and race for the root.
    for m in network network-legacy network-manager nfs nbd; do
        if dracut_module_included "$m"; then
            dwarn "netroot: dracut's $m module is in the image too; netroot replaces it (--omit \"nfs nbd network\")"
        fi
    done
}

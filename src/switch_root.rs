//! switch_root: move the API filesystems, empty the initramfs, MS_MOVE + chroot + exec.

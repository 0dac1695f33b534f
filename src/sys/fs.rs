//! Mount, module loading, chroot, exec, reboot, ioctl: the PID 1 syscalls.

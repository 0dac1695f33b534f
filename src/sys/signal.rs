//! Signals taken synchronously (blocked, then sigwaitinfo(2)), and signals
//! sent through a pidfd (pidfd_open(2), pidfd_send_signal(2)), which names
//! the process it was opened for and never a later one with the same PID.

use std::io;
use std::os::fd::{AsFd, OwnedFd};

/// A signal set of `signals` (numbers as in signal(7)).
fn set_of(signals: &[i32]) -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; sigemptyset initialises it before use
    // and sigaddset only writes into it (an invalid number is EINVAL, which
    // leaves the set unchanged).
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &s in signals {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

/// Block `signals` in the calling thread, so that they stay pending until
/// [`wait`] takes them. Threads spawned afterwards inherit the mask: call
/// it before spawning any.
pub fn block(signals: &[i32]) -> io::Result<()> {
    let set = set_of(signals);
    // SAFETY: `set` is an initialised sigset_t on our stack; the old mask is
    // not asked for (null).
    let r = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if r != 0 {
        return Err(io::Error::from_raw_os_error(r));
    }
    Ok(())
}

/// Wait (blocking, no timeout) for one of `signals`, which must be blocked
/// ([`block`]). Returns the signal number and the sending process's PID
/// (`si_pid`; 0 when the kernel sent it).
pub fn wait(signals: &[i32]) -> io::Result<(i32, i32)> {
    let set = set_of(signals);
    loop {
        // SAFETY: siginfo_t is plain data the kernel fills in; `set` is an
        // initialised sigset_t; both live on our stack for the call.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let r = unsafe { libc::sigwaitinfo(&set, &mut info) };
        if r > 0 {
            // SAFETY: si_pid is valid for signals sent by kill(2), sigqueue(3)
            // and pidfd_send_signal(2) (SI_USER, SI_QUEUE); for others the
            // union holds other data and the value is only logged.
            let pid = unsafe { info.si_pid() };
            return Ok((r, pid));
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// A pidfd for `pid` (Linux 5.3).
pub fn pidfd_open(pid: i32) -> io::Result<OwnedFd> {
    let p = rustix::process::Pid::from_raw(pid)
        .ok_or_else(|| io::Error::from_raw_os_error(libc::ESRCH))?;
    Ok(rustix::process::pidfd_open(
        p,
        rustix::process::PidfdFlags::empty(),
    )?)
}

/// Send `signal` to the process `pidfd` names (ESRCH once it has exited).
pub fn pidfd_signal(pidfd: impl AsFd, signal: i32) -> io::Result<()> {
    let s = rustix::process::Signal::from_named_raw(signal)
        .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))?;
    Ok(rustix::process::pidfd_send_signal(pidfd, s)?)
}

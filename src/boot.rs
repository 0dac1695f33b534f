//! The PID 1 pipeline: command line → modules → network → root → hand-over
//! (switch_root). Each phase runs under the failure policy
//! ([`failure`]): a phase that fails is retried, or a shell or a reboot is
//! offered, as the command line asks. The subcommands for other initramfs
//! frameworks (`netroot net`, `netroot mount`) run the same phases from
//! `cli`.

mod failure;
pub(crate) mod modules;

use std::path::Path;
use std::time::Instant;

use crate::cmdline::{self, RootSpec};
use crate::util::uptime;
use crate::{error, info, warn};
pub use failure::BootError;
use failure::{fail, halt, lenient_outcome, phase};

/// Where the new root is mounted in PID 1 mode.
pub const NEWROOT: &str = "/newroot";

/// PID 1: boot the machine. Never returns while it can do anything useful.
pub(crate) fn pid1() -> i32 {
    crate::log::init(false, true, false);
    if let Err((what, e)) = crate::sys::init::mount_api_filesystems() {
        // Without /proc we cannot even read the command line: say so, wait.
        error!("cannot mount {what}: {e}");
        halt(&BootError::ApiFs(what, e));
    }
    let ratelimit = crate::log::lift_ratelimit();
    std::panic::set_hook(Box::new(|info| {
        error!("internal error: {info}");
    }));
    let line = match std::fs::read_to_string("/proc/cmdline") {
        Ok(l) => l,
        Err(e) => halt(&BootError::Read {
            path: "/proc/cmdline".into(),
            reason: e.to_string(),
        }),
    };
    let cfg = match cmdline::parse(&line) {
        Ok(c) => c,
        Err(e) => {
            crate::log::init(true, true, false);
            let e = BootError::from(e);
            let outcome = lenient_outcome(&line);
            loop {
                fail(&e, outcome, 0);
            }
        }
    };
    crate::log::init(true, !cfg.quiet, cfg.options.debug);
    let (up_at_start, idle_at_start) = (uptime(), crate::util::cpu_idle());
    let on_failure = cfg.on_failure();
    info!(
        "netroot {} started as /init at {:.2} s",
        env!("CARGO_PKG_VERSION"),
        uptime()
    );

    // The root's modules load in the background while the network comes
    // up: on a slow DHCP server that hides their cost. (Nothing on this
    // path may make a blocking getrandom(2) call: early in boot it waits
    // for the kernel's entropy pool, which under QEMU took a second and
    // looked like module loading delaying DHCP.)
    let started = phase("modules", on_failure, || modules::start_modules(&cfg));
    let (tree, modules) = match started {
        Some(s) => (Some(s.tree), Some(s.root)),
        None => (None, None),
    };

    let net_start = Instant::now();
    let net = if cfg.wants_network() {
        let env = crate::net::Env::default();
        let o = phase("network", on_failure, || {
            crate::net::bring_up(&cfg, &env).map_err(BootError::from)
        });
        info!(
            "{} (network up at {:.2} s)",
            crate::net::summary(&o),
            uptime()
        );
        crate::log::start_remote(&cfg, &o);
        Some(o)
    } else {
        crate::log::remote_off();
        info!("no network wanted by the command line");
        None
    };

    if let Some(h) = &modules {
        crate::timeline::begin("root-modules");
        let t = Instant::now();
        if let Err(e) = h.wait_all() {
            // A module that failed is named; the mount below says whether
            // it mattered (e.g. nfsv3 missing while v4 works).
            warn!("{e}");
        }
        info!(
            "root modules ready after {} ms more",
            t.elapsed().as_millis()
        );
        crate::timeline::end("root-modules");
    }

    let Some(net) = net else {
        halt(&BootError::Root(crate::root::Error::NoRoot));
    };
    if matches!(cfg.root, RootSpec::None) {
        halt(&BootError::Root(crate::root::Error::NoRoot));
    }
    let info = crate::root::NetInfo::new(
        &cfg,
        net.proto,
        &net.lease,
        net.lease6.as_ref(),
        Some(net.mac),
    );
    // The watchdog's modules load while the root is mounted (its waits on
    // the server leave the CPU idle), not after it.
    let watchdog_modules = tree
        .as_ref()
        .filter(|_| cfg.options.watchdog)
        .and_then(modules::start_watchdog_modules);
    let target = Path::new(NEWROOT);
    // Before the mount: the NBD helpers it starts run from this copy
    // (shutdown::resident_exe), so that nothing keeps the initramfs's /init.
    crate::shutdown::install_logged();
    phase("root", on_failure, || {
        let _ = std::fs::create_dir_all(target);
        let deadline = Instant::now() + cfg.options.timeout;
        crate::root::mount_root(&cfg, &info, target, deadline, &modules::load_late)
            .map_err(BootError::from)
    });
    info!("root mounted at {:.2} s", uptime());

    let init = cfg.init_path().to_string();
    let mut args = vec![init.clone()];
    args.extend(cfg.init_args.iter().cloned());
    crate::net::dhcp::resident::start_before_switch(&cfg, &net, net_start, target);
    // systemd as the root's init: its shutdowns arm the watchdog too.
    let systemd = crate::switch_root::check_init(target, &init)
        .is_ok_and(|p| p.file_name().is_some_and(|n| n == "systemd"));
    crate::watchdog::start_before_switch(
        &cfg,
        watchdog_modules.as_ref(),
        systemd,
        Path::new("/run/systemd/system"),
    );
    crate::timeline::begin("switch");
    info!("switching to the root, exec {init} at {:.2} s", uptime());
    crate::log::restore_ratelimit(ratelimit);
    let summary = crate::timeline::finish(Path::new(crate::timeline::FILE));
    crate::log::emit_as(
        crate::log::Level::Info,
        Some("switched"),
        format_args!("{summary}"),
    );
    if let (Some(a), Some(b)) = (idle_at_start, crate::util::cpu_idle()) {
        // What overlapping could still win: the time nothing was runnable
        // (on one CPU; summed over CPUs on several). Near 0: the initramfs
        // is CPU-bound (module loading, the kernel's network and NFS code),
        // and only less work makes it shorter.
        info!(
            "CPU idle {:.2} s of the {:.2} s since /init started",
            (b - a).max(0.0),
            uptime() - up_at_start
        );
    }
    // A failed exec happens after the chroot (e.g. an I/O error reading
    // init from a server that went away): from then on only the exec is
    // retried, in the new root.
    let mut entered = false;
    for attempt in 0.. {
        let e = if entered {
            crate::switch_root::exec_init(&init, &args[1..])
        } else {
            match crate::switch_root::switch_root(target, &init, &args[1..]) {
                Ok(()) => continue,
                Err(e) => e,
            }
        };
        entered |= matches!(e, crate::switch_root::Error::Exec { .. });
        fail(&BootError::from(e), on_failure, attempt);
    }
    halt(&BootError::Root(crate::root::Error::NoRoot))
}

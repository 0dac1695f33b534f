//! The phase pipeline: cmdline → modules → link → ip config → root → state →
//! hand-over → switch_root, and the entry points of the binary.

use crate::cmdline::{self, BootConfig, OnFailure, RootSpec};
use crate::{debug, error, info, warn};
use std::path::Path;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: netroot [explain [--cmdline STR | --file PATH] [--json] | net [...] | mount DIR [...] | query root-kind|wants-network|root-modules [--cmdline STR]]
as PID 1 (the initramfs's /init) it boots the machine";

/// Entry point called by `main`: returns the process exit code.
pub fn main_entry() -> i32 {
    let args: Vec<String> = std::env::args().collect();
    if args
        .first()
        .is_some_and(|a| a.starts_with(crate::root::nbd::HELPER_ARGV0))
    {
        return crate::root::nbd::helper_main(&args);
    }
    // As PID 1 every argv is a boot: the kernel hands init the bare words of
    // its command line, and a word like `net` must not pick a helper mode.
    if crate::sys::init::is_pid1() {
        return pid1();
    }
    match args.get(1).map(String::as_str) {
        Some("explain") => crate::explain::run(&args[2..]),
        Some("query") => query(&args[2..]),
        Some("net") => net_cli(&args[2..]),
        Some("mount") => mount_cli(&args[2..]),
        Some("--version") | Some("version") => {
            println!("netroot {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Some("--help") | Some("-h") | Some("help") => {
            println!("{USAGE}");
            0
        }
        _ => {
            eprintln!("{USAGE}");
            2
        }
    }
}

/// `netroot net [--load-modules] ...`: with `--load-modules` the NIC drivers
/// are coldplugged first, for images without udev that carry the text
/// modules.dep (mkinitcpio's hook uses kmod's modprobe instead: its images
/// keep only the binary indexes); the rest is [`crate::net::run_cli`].
fn net_cli(args: &[String]) -> i32 {
    let load = args.iter().any(|a| a == "--load-modules");
    let rest: Vec<String> = args
        .iter()
        .filter(|a| *a != "--load-modules")
        .cloned()
        .collect();
    if load {
        crate::log::init(false, true, false);
        if let Some(tree) = image_modules() {
            coldplug_drivers(&tree);
        }
    }
    crate::net::run_cli(&rest)
}

/// Parse a klibc-ipconfig style `net-IFACE.conf` (`KEY='value'` lines, `'`
/// written as `'\''`) into its keys and values. Lines that do not have this
/// shape are skipped: the file is ours, but it is read as untrusted text.
pub fn read_ipconfig_conf(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((key, rest)) = line.split_once('=') else {
            continue;
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let mut value = String::new();
        let mut chars = rest.chars();
        let mut ok = true;
        while let Some(c) = chars.next() {
            match c {
                '\'' => loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => value.push(c),
                        None => {
                            ok = false;
                            break;
                        }
                    }
                },
                '\\' => match chars.next() {
                    Some(c) => value.push(c),
                    None => ok = false,
                },
                c => value.push(c),
            }
        }
        if ok {
            out.push((key.to_string(), value));
        }
    }
    out
}

/// The [`crate::root::NetInfo`] that `netroot net` left in `run_dir`
/// (`net-*.conf`, the first one whose PROTO is not empty).
fn net_info_from_run(cfg: &BootConfig, run_dir: &Path) -> Result<crate::root::NetInfo, String> {
    let mut files: Vec<_> = std::fs::read_dir(run_dir)
        .map_err(|e| format!("cannot read {}: {e}", run_dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("net-") && n.ends_with(".conf"))
        })
        .collect();
    files.sort();
    let Some(path) = files.first() else {
        return Err(format!(
            "no {}/net-*.conf: run `netroot net` first",
            run_dir.display()
        ));
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let kv = read_ipconfig_conf(&text);
    let get = |k: &str| {
        kv.iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let addr = |k: &str| {
        get(k)
            .and_then(|v| v.parse::<std::net::Ipv4Addr>().ok())
            .filter(|a| !a.is_unspecified())
    };
    let client = addr("IPV4ADDR").ok_or_else(|| format!("{}: no IPV4ADDR", path.display()))?;
    let dhcp = get("PROTO") == Some("dhcp");
    Ok(crate::root::NetInfo {
        client,
        dhcp_root_path: get("ROOTPATH")
            .filter(|v| !v.is_empty())
            .map(str::to_string),
        ip_server: cfg.ip.iter().find_map(|p| p.server),
        dhcp_server: if dhcp { addr("ROOTSERVER") } else { None },
        dns: ["IPV4DNS0", "IPV4DNS1"]
            .iter()
            .filter_map(|k| addr(k))
            .collect(),
    })
}

/// `netroot mount DIR [--cmdline STR] [--run-dir DIR]`: the root phases alone,
/// after `netroot net`, for other initramfs frameworks.
fn mount_cli(args: &[String]) -> i32 {
    crate::log::init(false, true, false);
    let (cfg, rest) = match config_arg(args, "netroot mount") {
        Ok(v) => v,
        Err(code) => return code,
    };
    let mut target = None;
    let mut run_dir = std::path::PathBuf::from("/run");
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--run-dir" => match it.next() {
                Some(d) => run_dir = d.into(),
                None => {
                    eprintln!("netroot mount: --run-dir needs a value");
                    return 2;
                }
            },
            s if !s.starts_with('-') && target.is_none() => {
                target = Some(std::path::PathBuf::from(s))
            }
            _ => {
                eprintln!("netroot mount: unexpected argument {a:?}\nusage: netroot mount DIR [--cmdline STR] [--run-dir DIR]");
                return 2;
            }
        }
    }
    let Some(target) = target else {
        eprintln!("usage: netroot mount DIR [--cmdline STR] [--run-dir DIR]");
        return 2;
    };
    crate::log::init(false, !cfg.quiet, cfg.options.debug);
    let info = match net_info_from_run(&cfg, &run_dir) {
        Ok(i) => i,
        Err(e) => {
            error!("{e}");
            return 1;
        }
    };
    if let Some(tree) = image_modules() {
        match root_module_plan(&tree, &cfg) {
            Ok(plan) => {
                if let Err(e) = crate::kmod::Loader::spawn(plan).wait_all() {
                    warn!("{e}");
                }
            }
            Err(e) => {
                error!("{e}");
                return 1;
            }
        }
    }
    let deadline = Instant::now() + cfg.options.timeout;
    match crate::root::mount_root(&cfg, &info, &target, deadline) {
        Ok(()) => {
            info!("root mounted at {:.2} s on {}", uptime(), target.display());
            0
        }
        Err(e) => {
            error!("{e}");
            1
        }
    }
}

/// Read the command line from `--cmdline STR` or /proc/cmdline.
fn cmdline_arg(args: &[String]) -> Result<(String, Vec<String>), String> {
    let mut rest = Vec::new();
    let mut line = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--cmdline" {
            line = Some(it.next().ok_or("--cmdline needs a value")?.clone());
        } else if let Some(v) = a.strip_prefix("--cmdline=") {
            line = Some(v.to_string());
        } else {
            rest.push(a.clone());
        }
    }
    let line = match line {
        Some(l) => l,
        None => std::fs::read_to_string("/proc/cmdline")
            .map_err(|e| format!("cannot read /proc/cmdline: {e}"))?,
    };
    Ok((line, rest))
}

/// The modules the root of `cfg` needs, required ones first, separated by
/// spaces: what `netroot query root-modules` prints for hooks that load
/// modules with kmod's modprobe (mkinitcpio images keep only kmod's binary
/// indexes, and may hold compressed modules).
fn root_modules_line(cfg: &BootConfig) -> String {
    let needs = crate::root::modules_for(cfg);
    let mut all = needs.required;
    all.extend(needs.optional);
    all.join(" ")
}

/// [`cmdline_arg`], parsed: the configuration and the other arguments, or
/// (after printing the error prefixed with `who`) the exit code 2.
fn config_arg(args: &[String], who: &str) -> Result<(BootConfig, Vec<String>), i32> {
    let (line, rest) = cmdline_arg(args).map_err(|e| {
        eprintln!("{who}: {e}");
        2
    })?;
    let cfg = cmdline::parse(&line).map_err(|e| {
        eprintln!("{who}: {e}");
        2
    })?;
    Ok((cfg, rest))
}

/// `netroot query root-kind|wants-network|root-modules`: small answers for
/// shell hooks.
fn query(args: &[String]) -> i32 {
    let (cfg, rest) = match config_arg(args, "netroot") {
        Ok(v) => v,
        Err(code) => return code,
    };
    match rest.first().map(String::as_str) {
        Some("root-kind") => {
            println!(
                "{}",
                match cfg.root {
                    RootSpec::None => "none",
                    RootSpec::Nfs(_) => "nfs",
                    RootSpec::Nbd(_) => "nbd",
                }
            );
            0
        }
        Some("wants-network") => i32::from(!cfg.wants_network()),
        Some("root-modules") => {
            println!("{}", root_modules_line(&cfg));
            0
        }
        _ => {
            eprintln!("netroot query: expected root-kind, wants-network or root-modules");
            2
        }
    }
}

/// Where the new root is mounted in PID 1 mode.
pub const NEWROOT: &str = "/newroot";

/// A failed phase, named.
#[derive(Debug, thiserror::Error)]
pub enum BootError {
    /// The command line is malformed.
    #[error("command line: {0}")]
    Cmdline(#[from] cmdline::Error),
    /// Reading a file the boot needs.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Mounting /proc, /sys, /dev or /run.
    #[error("cannot mount {0}: {1}")]
    ApiFs(String, std::io::Error),
    /// Kernel modules.
    #[error("modules: {0}")]
    Modules(#[from] crate::kmod::Error),
    /// The network.
    #[error("network: {0}")]
    Net(#[from] crate::net::Error),
    /// The root mount.
    #[error("root: {0}")]
    Root(#[from] crate::root::Error),
    /// The hand-over to the real init.
    #[error("switch_root: {0}")]
    SwitchRoot(#[from] crate::switch_root::Error),
    /// A bug: a panic inside a phase.
    #[error("internal error in the {phase} phase: {msg}")]
    Panic {
        /// The phase.
        phase: &'static str,
        /// The panic message.
        msg: String,
    },
}

impl BootError {
    /// Whether trying the same phase again can help: a typo on the command
    /// line or a module missing from the image will not fix itself; an
    /// unanswered server may come back.
    pub fn retryable(&self) -> bool {
        !matches!(
            self,
            BootError::Cmdline(_) | BootError::Modules(_) | BootError::ApiFs(..)
        )
    }

    /// A hint for the person at the console.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            BootError::Cmdline(_) => Some(
                "fix the kernel command line in the boot loader configuration; check it with: netroot explain --cmdline '...'",
            ),
            BootError::Net(_) => Some(
                "check the cable and switch port and that a DHCP server answers on this segment; netroot.timeout= sets how long to wait",
            ),
            BootError::Root(_) => Some(
                "check that the server runs and exports this path to this client; netroot.debug logs every attempt",
            ),
            BootError::Modules(_) => {
                Some("rebuild the initramfs with the module (make initramfs EXTRA_MODULES=...)")
            }
            BootError::SwitchRoot(_) => {
                Some("the root was mounted but cannot be booted: check init= and the export's contents")
            }
            _ => None,
        }
    }
}

/// Run `f`, turning a panic into [`BootError::Panic`] so PID 1 survives it.
fn guarded<T>(
    phase: &'static str,
    f: impl FnOnce() -> Result<T, BootError>,
) -> Result<T, BootError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string());
            Err(BootError::Panic { phase, msg })
        }
    }
}

/// The failure outcome for `err` after `attempt` failed tries of a phase:
/// returns when the phase should be tried again; never returns for reboot
/// or for an error that retrying cannot fix.
fn fail(err: &BootError, on_failure: OnFailure, attempt: u32) {
    error!("{err}");
    if let Some(h) = err.hint() {
        error!("hint: {h}");
    }
    match on_failure {
        OnFailure::Shell => {
            error!("netroot.shell: starting a rescue shell; exit it to try again");
            if !crate::sys::init::rescue_shell() {
                error!(
                    "netroot.shell: this image has no /bin/sh; waiting 30 s before trying again"
                );
                std::thread::sleep(Duration::from_secs(30));
            }
        }
        OnFailure::Reboot(n) => {
            error!("rebooting in {n} s (panic={n})");
            std::thread::sleep(Duration::from_secs(u64::from(n)));
            let e = crate::sys::init::reboot();
            error!("reboot failed: {e}");
            halt(err)
        }
        OnFailure::Retry => {
            if !err.retryable() {
                halt(err)
            }
            // 5, 10, 20, 40, 60, 60 ... s, ±20 %: nodes that failed together
            // do not come back in lockstep.
            let base = 5u64.saturating_mul(1 << attempt.min(4)).min(60);
            let jitter = jitter_percent(20);
            let wait = Duration::from_millis(
                (base * 1000).saturating_add_signed(base as i64 * 10 * jitter),
            );
            error!(
                "trying again in {:.0} s (attempt {}); add panic=N to reboot instead, netroot.shell for a shell",
                wait.as_secs_f64(),
                attempt + 1
            );
            std::thread::sleep(wait);
        }
    }
}

/// Wait forever, repeating the error now and then so a late look at the
/// console still shows it. PID 1 must not exit.
fn halt(err: &BootError) -> ! {
    loop {
        error!("cannot continue: {err}");
        error!("add panic=N to the command line to reboot after N seconds, or netroot.shell for a shell");
        for _ in 0..60 {
            crate::sys::init::reap_children();
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// A value in -pct..=pct from the clock's low bits (no RNG needed for this).
fn jitter_percent(pct: i64) -> i64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    (i64::from(nanos) % (2 * pct + 1)) - pct
}

/// Guest uptime in seconds, for the boot story.
pub(crate) fn uptime() -> f64 {
    std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

/// A lenient look at a command line that failed to parse, for the failure
/// outcome only: `netroot.shell` and `panic=N` still count.
fn lenient_outcome(line: &str) -> OnFailure {
    let t = cmdline::tokenize(line);
    if t.params.iter().any(|(k, _)| k == "netroot.shell") {
        return OnFailure::Shell;
    }
    let panic = t
        .params
        .iter()
        .rev()
        .find(|(k, _)| k == "panic")
        .and_then(|(_, v)| v.as_deref()?.parse::<i32>().ok());
    match panic {
        Some(n) if n > 0 => OnFailure::Reboot(n as u32),
        _ => OnFailure::Retry,
    }
}

/// Try a phase until it succeeds, applying the failure outcome between tries.
fn phase<T>(
    name: &'static str,
    on_failure: OnFailure,
    mut f: impl FnMut() -> Result<T, BootError>,
) -> T {
    let mut attempt = 0;
    loop {
        match guarded(name, &mut f) {
            Ok(v) => return v,
            Err(e) => {
                fail(&e, on_failure, attempt);
                attempt += 1;
            }
        }
    }
}

/// The modules directory of the running kernel inside the image.
fn image_modules() -> Option<crate::kmod::Tree> {
    let dir = crate::kmod::running_modules_dir(Path::new("/"));
    if !dir.join("modules.dep").exists() && dir.join("modules.dep.bin").exists() {
        // A mkinitcpio image: it keeps only kmod's binary indexes, and its
        // netroot hook loads the modules with modprobe.
        debug!(
            "no {}/modules.dep: modules are left to modprobe",
            dir.display()
        );
        return None;
    }
    if !dir.join("modules.dep").exists() {
        warn!(
            "no {}: loading no modules (built-in drivers only)",
            dir.display()
        );
        return None;
    }
    match crate::kmod::Tree::open(&dir) {
        Ok(mut t) => {
            t.mark_loaded(crate::kmod::loaded_modules(Path::new("/proc")));
            Some(t)
        }
        Err(e) => {
            warn!("{e}: loading no modules");
            None
        }
    }
}

/// The root's modules, planned (a missing required one is an error).
fn root_module_plan(
    tree: &crate::kmod::Tree,
    cfg: &BootConfig,
) -> Result<crate::kmod::Plan, BootError> {
    let needs = crate::root::modules_for(cfg);
    let mut wanted: Vec<&str> = needs.required.iter().map(String::as_str).collect();
    for m in &needs.optional {
        if tree.plan(&[m.as_str()], &[]).is_ok() {
            wanted.push(m);
        }
    }
    Ok(tree.plan(&wanted, &[])?)
}

/// Coldplug the NIC and bus drivers (the network phase needs them) and
/// return the root's module plan, to load while or after the network comes up.
fn start_modules(cfg: &BootConfig) -> Result<Option<crate::kmod::Plan>, BootError> {
    let Some(tree) = image_modules() else {
        return Ok(None);
    };
    let plan = root_module_plan(&tree, cfg)?;
    coldplug_drivers(&tree);
    Ok(Some(plan))
}

/// Load the drivers of the devices present (NICs and their buses) and say
/// which; a driver that fails is reported and the others go on.
fn coldplug_drivers(tree: &crate::kmod::Tree) {
    let t = Instant::now();
    let (loaded, failed) = crate::kmod::coldplug(
        tree,
        Path::new("/sys"),
        std::sync::Arc::new(crate::kmod::loader::load_file),
    );
    for e in failed {
        warn!("coldplug: {e}");
    }
    info!(
        "drivers loaded in {} ms: {}",
        t.elapsed().as_millis(),
        if loaded.is_empty() {
            "none".to_string()
        } else {
            loaded.join(" ")
        }
    );
}

/// What the root phase needs from the network phase.
fn net_info(cfg: &BootConfig, o: &crate::net::Outcome) -> crate::root::NetInfo {
    let l = &o.lease;
    crate::root::NetInfo {
        client: l.addr.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED),
        dhcp_root_path: l.root_path.clone(),
        ip_server: cfg.ip.iter().find_map(|p| p.server),
        dhcp_server: match o.proto {
            crate::net::Proto::Dhcp => l.next_server.or(l.server_id),
            crate::net::Proto::Static => None,
        },
        dns: l.dns.clone(),
    }
}

/// PID 1: boot the machine. Never returns while it can do anything useful.
fn pid1() -> i32 {
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
    let on_failure = cfg.on_failure();
    info!(
        "netroot {} started as /init at {:.2} s",
        env!("CARGO_PKG_VERSION"),
        uptime()
    );

    let plan = phase("modules", on_failure, || start_modules(&cfg));
    let mut modules = None;
    // The root's modules load while the network comes up: on a slow DHCP
    // server that hides their cost. (Nothing on this path may make a
    // blocking getrandom(2) call: early in boot it waits for the kernel's
    // entropy pool, which under QEMU took a second and looked like module
    // loading delaying DHCP.)
    if let Some(p) = plan {
        debug!("loading in the background: {}", p.names().join(" "));
        modules = Some(crate::kmod::Loader::spawn(p));
    }

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
        Some(o)
    } else {
        info!("no network wanted by the command line");
        None
    };

    if let Some(h) = &modules {
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
    }

    let Some(net) = net else {
        halt(&BootError::Root(crate::root::Error::NoRoot));
    };
    if matches!(cfg.root, RootSpec::None) {
        halt(&BootError::Root(crate::root::Error::NoRoot));
    }
    let info = net_info(&cfg, &net);
    let target = Path::new(NEWROOT);
    phase("root", on_failure, || {
        let _ = std::fs::create_dir_all(target);
        let deadline = Instant::now() + cfg.options.timeout;
        crate::root::mount_root(&cfg, &info, target, deadline).map_err(BootError::from)
    });
    info!("root mounted at {:.2} s", uptime());

    let init = cfg.init_path().to_string();
    let mut args = vec![init.clone()];
    args.extend(cfg.init_args.iter().cloned());
    info!("switching to the root, exec {init} at {:.2} s", uptime());
    crate::log::restore_ratelimit(ratelimit);
    loop {
        let e = match crate::switch_root::switch_root(target, &init, &args[1..]) {
            Ok(()) => continue,
            Err(e) => BootError::from(e),
        };
        fail(&e, on_failure, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn ipconfig_conf_round_trips_quotes() {
        let kv = read_ipconfig_conf("A='x'\\''y'\nB=''\nbad line\nC='$(reboot)'\n");
        assert_eq!(
            kv,
            vec![
                ("A".to_string(), "x'y".to_string()),
                ("B".to_string(), String::new()),
                ("C".to_string(), "$(reboot)".to_string()),
            ]
        );
    }

    #[test]
    fn query_answers_root_kind_and_network() {
        assert_eq!(
            query(&s(&[
                "root-kind",
                "--cmdline",
                "root=/dev/nfs nfsroot=10.0.0.1:/arch"
            ])),
            0
        );
        assert_eq!(
            query(&s(&["wants-network", "--cmdline", "root=/dev/sda1"])),
            1
        );
        assert_eq!(query(&s(&["wants-network", "--cmdline", "ip=dhcp"])), 0);
        assert_eq!(
            query(&s(&["root-kind", "--cmdline", "ip=1.2.3.4:::255.0.300.0"])),
            2
        );
        assert_eq!(
            query(&s(&["root-modules", "--cmdline", "root=/dev/nfs"])),
            0
        );
    }

    #[test]
    fn root_modules_line_lists_required_then_optional() {
        let line = |c: &str| root_modules_line(&cmdline::parse(c).unwrap());
        assert_eq!(line("root=/dev/nfs nfsroot=10.0.0.1:/arch"), "nfsv4 nfsv3");
        assert_eq!(line("root=/dev/nfs nfsroot=10.0.0.1:/arch,vers=3"), "nfsv3");
        assert_eq!(
            line("nbd_host=10.0.2.2 nbd_name=arch root=/dev/nbd0 rootfstype=btrfs"),
            "nbd btrfs"
        );
        assert_eq!(
            line("nbd_host=10.0.2.2 nbd_name=arch root=/dev/nbd0 netroot.overlay=tmpfs"),
            "nbd overlay btrfs ext4 xfs"
        );
        assert_eq!(line("root=/dev/sda1"), "");
    }
}

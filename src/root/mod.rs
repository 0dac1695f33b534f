//! Mounting the root: NFS, NBD, and per-host state on top.
//!
//! [`mount_root`] is the phase entry point: it merges the NFS sources in the
//! kernel's precedence (`cmdline::root::merge_nfs`), resolves server names
//! through the lease's DNS servers, mounts NFS or NBD, then applies
//! `netroot.overlay=` and `netroot.state=`.

pub(crate) mod dns;
pub(crate) mod identity;
pub mod live;
pub mod nbd;
pub(crate) mod nfs;
pub(crate) mod state;

use crate::cmdline::{self, BootConfig, NfsVersion, Overlay, RootSpec};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Root phase errors: one variant per step, each wrapping the step's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The command line names no network root.
    #[error("no network root on the command line (root=/dev/nfs with nfsroot=, root=nfs:..., root=nbd:..., root=live:... or nbd_host=)")]
    NoRoot,
    /// Merging the NFS sources failed (e.g. no server anywhere, bad root-path).
    #[error("{0}")]
    Cmdline(#[from] cmdline::Error),
    /// NFS mount.
    #[error("{0}")]
    Nfs(#[from] nfs::Error),
    /// NBD attach or mount.
    #[error("{0}")]
    Nbd(#[from] nbd::Error),
    /// Live image.
    #[error("{0}")]
    Live(#[from] live::Error),
    /// State dirs or overlay.
    #[error("{0}")]
    State(#[from] state::Error),
    /// A directory for the overlay's lower layer could not be made.
    #[error("cannot create {path}: {reason}")]
    Mkdir {
        /// The directory.
        path: PathBuf,
        /// OS error text.
        reason: String,
    },
}

/// What the network phase learnt that the root phase needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetInfo {
    /// Our address (for `clientaddr=` and `%s`).
    pub client: Ipv4Addr,
    /// Our global IPv6 address, if IPv6 was configured (for `clientaddr=`
    /// of an IPv6 server, and `%s` when there is no IPv4 address).
    pub client6: Option<Ipv6Addr>,
    /// DHCP option 17 (root-path), if the lease had one.
    pub dhcp_root_path: Option<String>,
    /// The DHCP boot file name (field `file` or option 67).
    pub dhcp_bootfile: Option<String>,
    /// The server-ip field of `ip=` (`[addr]` for IPv6).
    pub ip_server: Option<IpAddr>,
    /// The DHCP server (siaddr / server identifier).
    pub dhcp_server: Option<Ipv4Addr>,
    /// DNS servers from the lease or `ip=`.
    pub dns: Vec<Ipv4Addr>,
    /// IPv6 name servers (RA RDNSS, DHCPv6, a static `ip=[...]`).
    pub dns6: Vec<Ipv6Addr>,
    /// The DHCPv6 boot file URL (option 59), read like the DHCP root-path
    /// when DHCPv4 gave none (dracut's `root=dhcp6`).
    pub dhcp6_root_path: Option<String>,
    /// The boot interface's MAC (the per-machine value when the DMI
    /// product UUID is not a real one).
    pub mac: Option<[u8; 6]>,
}

impl NetInfo {
    /// What the root phase needs of the network phase's result: the lease
    /// `netroot net` or PID 1 got (or the static `ip=` filled into one).
    /// The DHCP server is the next server (siaddr), else the server
    /// identifier; a static configuration has none.
    pub fn new(
        cfg: &BootConfig,
        proto: crate::net::Proto,
        lease: &crate::net::dhcp::Lease,
        lease6: Option<&crate::net::ipv6::Lease6>,
        mac: Option<[u8; 6]>,
    ) -> Self {
        NetInfo {
            client: lease.addr.unwrap_or(Ipv4Addr::UNSPECIFIED),
            client6: lease6.and_then(|l| l.addrs.first()).map(|a| a.addr),
            dhcp_root_path: lease.root_path.clone(),
            dhcp6_root_path: lease6.and_then(|l| l.boot_url.clone()),
            dhcp_bootfile: lease.bootfile.clone(),
            ip_server: cfg
                .ip
                .iter()
                .find_map(|p| p.server.map(IpAddr::V4).or(p.server6.map(IpAddr::V6))),
            dhcp_server: match proto {
                crate::net::Proto::Dhcp => lease.next_server.or(lease.server_id),
                crate::net::Proto::Static => None,
            },
            dns: lease.dns.clone(),
            dns6: lease6.map(|l| l.dns.clone()).unwrap_or_default(),
            mac,
        }
    }
}

impl NetInfo {
    /// Our address of the server's family, for `clientaddr=` (None: we
    /// have none of that family).
    pub fn client_for(&self, server: IpAddr) -> Option<IpAddr> {
        match server {
            IpAddr::V4(_) => (!self.client.is_unspecified()).then_some(IpAddr::V4(self.client)),
            IpAddr::V6(_) => self.client6.map(IpAddr::V6),
        }
    }

    /// An IPv6-only boot: an IPv6 address and no IPv4 one. The one place
    /// this is decided (name lookups, `%s`, the remote log's `ip`).
    pub fn ipv6_only(&self) -> bool {
        self.client.is_unspecified() && self.client6.is_some()
    }

    /// The name servers, asked for AAAA records on an IPv6-only boot.
    pub fn servers(&self) -> dns::Servers<'_> {
        dns::Servers::of_boot(&self.dns, &self.dns6, self.ipv6_only())
    }

    /// Our address: the IPv4 one, else (an IPv6-only boot) the first IPv6
    /// one; None when we have neither.
    pub fn address(&self) -> Option<IpAddr> {
        match self.client6 {
            Some(a) if self.ipv6_only() => Some(IpAddr::V6(a)),
            _ => (!self.client.is_unspecified()).then_some(IpAddr::V4(self.client)),
        }
    }

    /// The address `%s` in an NFS path stands for: the IPv4 one, else the
    /// IPv6 one.
    pub fn percent_s(&self) -> IpAddr {
        self.address().unwrap_or(IpAddr::V4(self.client))
    }
}

/// Kernel modules the root needs: `required` must load (a missing one is
/// an error), `optional` are loaded when the image has them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleNeeds {
    /// Must be present.
    pub required: Vec<String>,
    /// Nice to have (filesystem candidates for the NBD probe).
    pub optional: Vec<String>,
    /// Loaded only if the NFS mount falls back to version 3 (`nfsv3`,
    /// which brings `nfs_acl`): a v4 root does not pay for them.
    pub fallback: Vec<String>,
}

/// The modules [`mount_root`] will need for `cfg`, so the loader can start
/// them while the network comes up.
pub fn modules_for(cfg: &BootConfig) -> ModuleNeeds {
    let mut n = ModuleNeeds::default();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    match &cfg.root {
        RootSpec::None => {}
        RootSpec::Nfs(r) => match r.version {
            Some(NfsVersion::V3) => n.required = s(&["nfsv3"]),
            Some(_) => n.required = s(&["nfsv4"]),
            None => {
                n.required = s(&["nfsv4"]);
                n.fallback = s(&["nfsv3"]);
            }
        },
        RootSpec::Live(_) => {
            n.required = s(&["loop"]);
            n.optional = s(&["squashfs", "erofs"]);
        }
        RootSpec::Nbd(r) => {
            n.required = s(&["nbd"]);
            match r.fstype.as_ref().or(cfg.rootfstype.as_ref()) {
                Some(t) => n.required.push(t.clone()),
                None => n.optional = s(&["btrfs", "ext4", "xfs"]),
            }
        }
    }
    if cfg.options.overlay.is_some() {
        n.required.push("overlay".into());
    }
    // dracut's bond=, bridge=, vlan=: the network phase loads these itself
    // before it creates the links (boot::modules::start_modules); listed
    // here so the plan checks them and `query root-modules` names them.
    n.required
        .extend(cfg.netdevs.modules().iter().map(|m| m.to_string()));
    n
}

fn mkdir_p(path: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(path).map_err(|e| Error::Mkdir {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// The modules a live root loads when it was not planned (a URL in the
/// DHCP root-path or boot file name).
pub const LIVE_MODULES: [&str; 4] = ["loop", "squashfs", "erofs", "overlay"];

/// The live image to fetch: `root=live:<url>`, or with `root=dhcp` (an NFS
/// root with nothing on the command line) a URL in the DHCP root-path or
/// else the boot file name.
pub fn live_source(cfg: &BootConfig, net: &NetInfo) -> Result<Option<cmdline::LiveRoot>, Error> {
    match &cfg.root {
        RootSpec::Live(l) => Ok(Some(l.clone())),
        RootSpec::Nfs(n) if *n == cmdline::NfsRoot::default() => {
            for text in [&net.dhcp_root_path, &net.dhcp_bootfile]
                .into_iter()
                .flatten()
            {
                if let Some(live) = cmdline::root::live_from_dhcp(text) {
                    return Ok(Some(live?));
                }
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// Mount the network root of `cfg` at `target` (NFS or NBD), then the
/// overlay and state dirs the command line asks for. Retries until
/// `deadline`. With `netroot.overlay=tmpfs` the network root is mounted
/// read-only under `/run/netroot/lower` and the overlay at `target`.
/// `load` loads the [`ModuleNeeds::fallback`] modules when the NFS mount
/// falls back to version 3.
pub fn mount_root(
    cfg: &BootConfig,
    net: &NetInfo,
    target: &Path,
    deadline: Instant,
    load: &dyn Fn(&[String]),
) -> Result<(), Error> {
    let started = Instant::now();
    let live = live_source(cfg, net)?;
    // A live image is read-only: always under the tmpfs overlay.
    let overlay = match live {
        Some(_) => Some(Overlay::Tmpfs),
        None => cfg.options.overlay,
    };
    let dirs = state::OverlayDirs::under(Path::new("/run"));
    let net_target: PathBuf = match overlay {
        Some(Overlay::Tmpfs) => {
            mkdir_p(&dirs.lower)?;
            dirs.lower.clone()
        }
        None => target.to_path_buf(),
    };
    let read_only = overlay.is_some() || cfg.mount_read_only();
    let run = Path::new("/run");
    let ident = identity::prepare(cfg, Path::new("/sys"), net.mac);
    match &cfg.root {
        _ if live.is_some() => {
            let Some(l) = &live else {
                return Err(Error::NoRoot);
            };
            if !matches!(cfg.root, RootSpec::Live(_)) {
                load(&LIVE_MODULES.map(String::from));
            }
            crate::info!("live: fetching {}", l.url);
            let image_dir = run.join("netroot/image");
            let (image, fstype) = live::fetch(
                &l.url,
                net.servers(),
                &image_dir,
                cfg.options.sha256.as_deref(),
                deadline,
            )?;
            if let Err(e) = live::mount_image(&image, fstype, &net_target) {
                // Start the next attempt clean: the image goes with its tmpfs.
                let _ = crate::sys::fs::umount(&image_dir, true);
                return Err(e.into());
            }
            crate::info!(
                "live: {fstype} image mounted read-only {:.2} s after the first request",
                started.elapsed().as_secs_f64()
            );
        }
        RootSpec::None | RootSpec::Live(_) => return Err(Error::NoRoot),
        RootSpec::Nfs(nr) => {
            let merged = cmdline::root::merge_nfs(
                nr,
                net.dhcp_root_path
                    .as_deref()
                    .or(net.dhcp6_root_path.as_deref()),
                net.ip_server,
                net.dhcp_server,
                net.percent_s(),
            )?;
            crate::timeline::begin("mount");
            let server = nfs::resolve(&merged.server, net.servers())?;
            let req = nfs::Request {
                server,
                path: merged.path,
                client: net.client_for(server),
                version: merged.version,
                user_options: merged.options,
                read_only,
            };
            let late = modules_for(cfg).fallback;
            nfs::mount(&req, &net_target, deadline, &mut || {
                if !late.is_empty() {
                    load(&late)
                }
            })?;
            crate::timeline::end("mount");
        }
        RootSpec::Nbd(nb) => {
            // Attaching the device and mounting it are one step of nbd.rs.
            crate::timeline::begin("attach");
            let server = nfs::resolve(&nb.server, net.servers())?;
            let req = nbd::Request {
                server,
                port: nb.port,
                export: nb.export.clone(),
                fstype: nb.fstype.clone().or_else(|| cfg.rootfstype.clone()),
                flags: nb.flags.clone().or_else(|| cfg.rootflags.clone()),
                read_only,
                give_up: cfg.options.nbd_give_up,
            };
            nbd::mount(&req, &net_target, deadline)?;
            crate::timeline::end("attach");
        }
    }
    if overlay.is_some() {
        crate::timeline::begin("overlay");
        state::apply(&state::plan_overlay(&dirs, target))?;
        crate::timeline::end("overlay");
    }
    if !cfg.options.state.is_empty() {
        crate::timeline::begin("state");
        let plan = state::plan_state(
            target,
            &cfg.options.state,
            overlay.is_some(),
            &state::stat_dir,
        )?;
        for (p, why) in &plan.skipped {
            crate::warn!("netroot.state: {p} {why}");
        }
        state::apply(&plan.actions)?;
        crate::timeline::end("state");
    }
    identity::apply_machine_id(cfg, &ident, target, run);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdline::{NbdRoot, NfsRoot};

    #[test]
    fn module_needs() {
        let mut cfg = BootConfig {
            root: RootSpec::Nfs(NfsRoot::default()),
            ..Default::default()
        };
        let n = modules_for(&cfg);
        assert_eq!(n.required, vec!["nfsv4"]);
        assert!(n.optional.is_empty());
        assert_eq!(n.fallback, vec!["nfsv3"]);
        cfg.root = RootSpec::Nbd(NbdRoot {
            server: cmdline::Host::Addr(Ipv4Addr::LOCALHOST),
            port: 10809,
            export: String::new(),
            fstype: None,
            flags: None,
            nbd_options: vec![],
        });
        cfg.rootfstype = Some("btrfs".into());
        cfg.options.overlay = Some(Overlay::Tmpfs);
        assert_eq!(modules_for(&cfg).required, vec!["nbd", "btrfs", "overlay"]);
    }

    #[test]
    fn live_sources() {
        let mut net = NetInfo {
            client: Ipv4Addr::new(10, 0, 2, 15),
            client6: None,
            dhcp_root_path: None,
            dhcp6_root_path: None,
            dhcp_bootfile: Some("pxelinux.0".into()),
            ip_server: None,
            dhcp_server: None,
            dns: vec![],
            dns6: vec![],
            mac: None,
        };
        let url = |cfg: &BootConfig, net: &NetInfo| {
            live_source(cfg, net).map(|l| l.map(|l| l.url.to_string()))
        };
        let dhcp = cmdline::parse("root=dhcp").unwrap();
        assert_eq!(url(&dhcp, &net), Ok(None));
        net.dhcp_bootfile = Some("http://10.0.2.2/boot.squashfs".into());
        assert_eq!(
            url(&dhcp, &net),
            Ok(Some("http://10.0.2.2/boot.squashfs".into()))
        );
        // The root-path wins over the boot file name.
        net.dhcp_root_path = Some("live:http://10.0.2.2:8080/rp.erofs".into());
        assert_eq!(
            url(&dhcp, &net),
            Ok(Some("http://10.0.2.2:8080/rp.erofs".into()))
        );
        // An NFS root on the command line ignores both.
        let nfs = cmdline::parse("root=nfs:10.0.2.2:/srv").unwrap();
        assert_eq!(url(&nfs, &net), Ok(None));
        net.dhcp_root_path = Some("http://bad host/x".into());
        assert!(matches!(url(&dhcp, &net), Err(Error::Cmdline(_))));
        let live = cmdline::parse("root=live:http://s/r.img").unwrap();
        assert_eq!(url(&live, &net), Ok(Some("http://s/r.img".into())));
        assert_eq!(modules_for(&live).required, vec!["loop", "overlay"]);
        assert_eq!(modules_for(&live).optional, vec!["squashfs", "erofs"]);
    }

    #[test]
    fn no_root_and_no_server_errors() {
        let cfg = BootConfig::default();
        let net = NetInfo {
            client: Ipv4Addr::new(10, 0, 2, 15),
            client6: None,
            dhcp_root_path: None,
            dhcp6_root_path: None,
            dhcp_bootfile: None,
            ip_server: None,
            dhcp_server: None,
            dns: vec![],
            dns6: vec![],
            mac: None,
        };
        let t = Path::new("/nonexistent");
        let e = mount_root(&cfg, &net, t, Instant::now(), &|_| {}).unwrap_err();
        assert_eq!(e, Error::NoRoot);
        let cfg = BootConfig {
            root: RootSpec::Nfs(NfsRoot::default()),
            ..Default::default()
        };
        let e = mount_root(&cfg, &net, t, Instant::now(), &|_| {}).unwrap_err();
        assert!(matches!(e, Error::Cmdline(_)), "{e}");
    }
}

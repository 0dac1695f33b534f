//! dracut's virtual links, created before addressing: renames (`ifname=`),
//! bonds, bridges and VLANs over rtnetlink (`RTM_NEWLINK` with
//! `IFLA_LINKINFO`; members joined with `IFLA_MASTER`). The order is
//! planned here, PURE ([`plan`]): a device is created once every link it
//! sits on exists, so a VLAN on a bond and a bridge over a VLAN both work.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use super::link::{self, CarrierWatch, Link, Rtnl};
use super::rtnl_wire::{DevRequest, LinkKind};
use crate::cmdline::netdev::{Bond, Bridge, NetDevs, Vlan};

/// One device to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dev<'a> {
    /// `bond=`.
    Bond(&'a Bond),
    /// `bridge=`.
    Bridge(&'a Bridge),
    /// `vlan=`.
    Vlan(&'a Vlan),
}

impl<'a> Dev<'a> {
    /// The device's name.
    pub fn name(&self) -> &'a str {
        match self {
            Dev::Bond(b) => &b.name,
            Dev::Bridge(b) => &b.name,
            Dev::Vlan(v) => &v.name,
        }
    }

    /// The links it sits on.
    pub fn lower(&self) -> Vec<&'a str> {
        match self {
            Dev::Bond(b) => b.slaves.iter().map(String::as_str).collect(),
            Dev::Bridge(b) => b.ports.iter().map(String::as_str).collect(),
            Dev::Vlan(v) => vec![v.parent.as_str()],
        }
    }
}

/// The devices that can be set up now, in order, given the names of the
/// links that exist (`have`) and of those already set up (`done`); the
/// rest wait for their lower links. A device that exists already (the
/// bonding module makes a `bond0` when it loads; `netroot net` run twice)
/// is set up all the same: its members joined, its options set. PURE.
pub fn plan<'a>(devs: &'a NetDevs, have: &[&str], done: &[String]) -> (Vec<Dev<'a>>, Vec<Dev<'a>>) {
    let mut pending: Vec<Dev<'a>> = devs
        .bonds
        .iter()
        .map(Dev::Bond)
        .chain(devs.bridges.iter().map(Dev::Bridge))
        .chain(devs.vlans.iter().map(Dev::Vlan))
        .filter(|d| !done.iter().any(|n| n == d.name()))
        .collect();
    let mut names: Vec<&str> = have.to_vec();
    let mut ready = Vec::new();
    while let Some(i) = pending
        .iter()
        .position(|d| d.lower().iter().all(|l| names.contains(l)))
    {
        let d = pending.remove(i);
        names.push(d.name());
        ready.push(d);
    }
    (ready, pending)
}

/// The physical links under the virtual ones, with their own MACs as
/// `before` (a dump taken before any bond changed them) shows them, or as
/// `ifname=` gives them. PURE.
pub fn port_macs(devs: &NetDevs, before: &[Link]) -> Vec<(String, [u8; 6])> {
    let all: Vec<Dev<'_>> = devs
        .bonds
        .iter()
        .map(Dev::Bond)
        .chain(devs.bridges.iter().map(Dev::Bridge))
        .chain(devs.vlans.iter().map(Dev::Vlan))
        .collect();
    let mut out: Vec<(String, [u8; 6])> = Vec::new();
    for name in all.iter().flat_map(|d| d.lower()) {
        if all.iter().any(|d| d.name() == name) || out.iter().any(|(n, _)| n == name) {
            continue;
        }
        let mac = devs
            .ifnames
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.mac)
            .or_else(|| find(before, name).and_then(|l| l.mac));
        if let Some(mac) = mac {
            out.push((name.to_string(), mac));
        }
    }
    out
}

fn find<'a>(links: &'a [Link], name: &str) -> Option<&'a Link> {
    links.iter().find(|l| l.name == name)
}

fn exists_ok(r: Result<(), link::Error>) -> Result<(), link::Error> {
    match r {
        Err(link::Error::Request { source, .. }) if source.raw_os_error() == Some(libc::EEXIST) => {
            Ok(())
        }
        r => r,
    }
}

fn missing(what: &str, name: &str) -> link::Error {
    link::Error::Request {
        op: "find",
        iface: format!("{name} ({what})"),
        source: io::Error::from_raw_os_error(libc::ENODEV),
    }
}

/// Rename the links `ifname=` names by MAC (down while renamed, as the
/// kernel requires).
fn rename(rtnl: &mut Rtnl, sys_root: &Path, devs: &NetDevs) -> Result<(), link::Error> {
    let links = rtnl.links(sys_root)?;
    for r in &devs.ifnames {
        let Some(l) = links.iter().find(|l| l.mac == Some(r.mac)) else {
            continue; // not there (yet): the candidates wait names it
        };
        if l.name == r.name {
            continue;
        }
        crate::info!("{}: renamed to {} (ifname=)", l.name, r.name);
        if l.up {
            rtnl.set_down(l)?;
        }
        let req = DevRequest::Rename {
            index: l.index,
            name: r.name.clone(),
        };
        rtnl.dev_request(&req, "rename", &l.name)?;
    }
    Ok(())
}

fn create(rtnl: &mut Rtnl, sys_root: &Path, dev: &Dev<'_>) -> Result<(), link::Error> {
    let links = rtnl.links(sys_root)?;
    let (kind, mtu) = match dev {
        Dev::Bond(b) => {
            let o = &b.options;
            (
                LinkKind::Bond {
                    mode: o.mode,
                    miimon: o.miimon,
                    updelay: o.updelay,
                    downdelay: o.downdelay,
                    lacp_rate: o.lacp_rate,
                    xmit_hash_policy: o.xmit_hash_policy,
                },
                b.mtu,
            )
        }
        Dev::Bridge(_) => (LinkKind::Bridge, None),
        Dev::Vlan(v) => {
            let parent = find(&links, &v.parent).ok_or_else(|| missing("vlan=", &v.parent))?;
            (
                LinkKind::Vlan {
                    parent: parent.index,
                    id: v.id,
                },
                None,
            )
        }
    };
    let name = dev.name().to_string();
    let req = DevRequest::Create {
        name: name.clone(),
        kind,
        mtu,
    };
    let existed = match rtnl.dev_request(&req, "create", &name) {
        Ok(()) => false,
        r => {
            exists_ok(r)?;
            true
        }
    };
    let links = rtnl.links(sys_root)?;
    let me = find(&links, &name).ok_or_else(|| missing("created", &name))?;
    let master = me.index;
    if let (true, DevRequest::Create { kind, .. }) = (existed, &req) {
        if matches!(dev, Dev::Bond(_)) {
            // The mode changes only while the bond is down (bonding.rst).
            if me.up {
                rtnl.set_down(me)?;
            }
            let change = DevRequest::ChangeBond {
                index: master,
                kind: kind.clone(),
            };
            rtnl.dev_request(&change, "set bond options", &name)?;
        }
    }
    match dev {
        Dev::Bond(_) | Dev::Bridge(_) => {
            for m in dev.lower() {
                let l = find(&links, m).ok_or_else(|| missing("member", m))?;
                // A bond takes only members that are down (bonding.rst).
                if l.up && matches!(dev, Dev::Bond(_)) {
                    rtnl.set_down(l)?;
                }
                let req = DevRequest::SetMaster {
                    index: l.index,
                    master,
                };
                rtnl.dev_request(&req, "enslave", m)?;
                let links = rtnl.links(sys_root)?;
                if let Some(l) = find(&links, m) {
                    if !l.up {
                        rtnl.set_up(l)?;
                    }
                }
            }
            if let Dev::Bond(b) = dev {
                if let Some(p) = &b.options.primary {
                    let l = find(&links, p).ok_or_else(|| missing("primary", p))?;
                    let req = DevRequest::SetPrimary {
                        index: master,
                        primary: l.index,
                    };
                    rtnl.dev_request(&req, "set primary", &name)?;
                }
            }
        }
        Dev::Vlan(v) => {
            if let Some(p) = find(&links, &v.parent) {
                if !p.up {
                    rtnl.set_up(p)?;
                }
            }
        }
    }
    crate::info!(
        "{name}: {} ({} on {})",
        if existed {
            "set up, it existed"
        } else {
            "created"
        },
        match dev {
            Dev::Bond(b) => format!("bond, {}", b.options.mode_name()),
            Dev::Bridge(_) => "bridge".to_string(),
            Dev::Vlan(v) => format!("vlan {}", v.id),
        },
        dev.lower().join(", ")
    );
    Ok(())
}

/// Rename and create what `devs` asks for, waiting (on link events, up to
/// `deadline`) for lower links that are not there yet. Returns the names
/// of the devices created.
pub fn setup(
    rtnl: &mut Rtnl,
    watch: &mut CarrierWatch,
    sys_root: &Path,
    devs: &NetDevs,
    deadline: Instant,
) -> Result<Vec<String>, link::Error> {
    let mut done = Vec::new();
    loop {
        rename(rtnl, sys_root, devs)?;
        let links = rtnl.links(sys_root)?;
        let have: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
        let (ready, pending) = plan(devs, &have, &done);
        for d in &ready {
            create(rtnl, sys_root, d)?;
            done.push(d.name().to_string());
        }
        if pending.is_empty() {
            return Ok(done);
        }
        if !ready.is_empty() {
            continue;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let lacking: Vec<String> = pending
            .iter()
            .flat_map(|d| d.lower())
            .filter(|l| !have.contains(l) && !pending.iter().any(|d| d.name() == *l))
            .map(str::to_string)
            .collect();
        if lacking.is_empty() {
            let names: Vec<&str> = pending.iter().map(|d| d.name()).collect();
            return Err(missing("devices on each other", &names.join(", ")));
        }
        if left.is_zero() {
            return Err(missing(
                "needed by vlan=, bond= or bridge=",
                &lacking.join(", "),
            ));
        }
        crate::info!("waiting for {} to appear", lacking.join(", "));
        watch.wait_any(left.min(Duration::from_secs(3)))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdline::parse;

    fn order(line: &str, have: &[&str]) -> (Vec<String>, Vec<String>) {
        let cfg = parse(line).unwrap();
        let (r, p) = plan(&cfg.netdevs, have, &[]);
        let n = |v: Vec<Dev<'_>>| v.iter().map(|d| d.name().to_string()).collect();
        (n(r), n(p))
    }

    #[test]
    fn lower_links_first() {
        let (r, p) = order(
            "vlan=vlan5:bond0 bond=bond0:eth0,eth1 bridge=br0:vlan5",
            &["lo", "eth0", "eth1"],
        );
        assert_eq!(r, ["bond0", "vlan5", "br0"]);
        assert!(p.is_empty());
        // A member missing: that device and those on it wait.
        let (r, p) = order("bond=bond0:eth0,eth1 vlan=vlan5:bond0", &["eth0"]);
        assert!(r.is_empty());
        assert_eq!(p, ["bond0", "vlan5"]);
        // Already there (netroot net run twice, or bond0 made by the
        // bonding module): set up all the same.
        let (r, p) = order("bond=bond0:eth0,eth1", &["eth0", "eth1", "bond0"]);
        assert_eq!(r, ["bond0"]);
        assert!(p.is_empty());
    }
}

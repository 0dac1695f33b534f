//! dracut's virtual network devices, PURE: `vlan=`, `bond=`, `bridge=` and
//! the rename `ifname=` (dracut.cmdline(7), "Network"). The bonding modes
//! and options are the kernel's (Documentation/networking/bonding.rst).

use super::{ip, value_err, Error};

/// `vlan=<name>:<phys>`: an 802.1Q VLAN named `name` on `parent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vlan {
    /// The VLAN interface's name.
    pub name: String,
    /// The physical interface it is on.
    pub parent: String,
    /// The VLAN id (1–4094), from the name.
    pub id: u16,
}

/// `bond=<name>[:<slaves>[:<options>[:<mtu>]]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bond {
    /// The bond's name.
    pub name: String,
    /// Its members (dracut's default: `eth0,eth1`).
    pub slaves: Vec<String>,
    /// The bonding options.
    pub options: BondOptions,
    /// MTU of the bond, if given.
    pub mtu: Option<u32>,
}

/// The bonding options netroot sets (bonding.rst names and values).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BondOptions {
    /// `mode=`: 0 balance-rr (the default) ... 6 balance-alb.
    pub mode: u8,
    /// `miimon=` milliseconds.
    pub miimon: Option<u32>,
    /// `updelay=` milliseconds.
    pub updelay: Option<u32>,
    /// `downdelay=` milliseconds.
    pub downdelay: Option<u32>,
    /// `primary=` member name.
    pub primary: Option<String>,
    /// `lacp_rate=`: 0 slow, 1 fast.
    pub lacp_rate: Option<u8>,
    /// `xmit_hash_policy=`: 0 layer2 ... 5 vlan+srcmac.
    pub xmit_hash_policy: Option<u8>,
}

/// The bonding modes by number (bonding.rst, "mode").
pub const BOND_MODES: [&str; 7] = [
    "balance-rr",
    "active-backup",
    "balance-xor",
    "broadcast",
    "802.3ad",
    "balance-tlb",
    "balance-alb",
];

const HASH_POLICIES: [&str; 6] = [
    "layer2",
    "layer3+4",
    "layer2+3",
    "encap2+3",
    "encap3+4",
    "vlan+srcmac",
];

const LACP_RATES: [&str; 2] = ["slow", "fast"];

impl BondOptions {
    /// The mode's name (`active-backup`).
    pub fn mode_name(&self) -> &'static str {
        BOND_MODES
            .get(usize::from(self.mode))
            .copied()
            .unwrap_or("?")
    }

    /// The options in bonding.rst's `name=value` form, in a fixed order,
    /// with the mode first (for explain and the hand-over files).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![("mode", self.mode_name().to_string())];
        let ms = [
            ("miimon", self.miimon),
            ("updelay", self.updelay),
            ("downdelay", self.downdelay),
        ];
        v.extend(
            ms.iter()
                .filter_map(|(k, x)| x.map(|x| (*k, x.to_string()))),
        );
        if let Some(p) = &self.primary {
            v.push(("primary", p.clone()));
        }
        if let Some(r) = self.lacp_rate {
            v.push(("lacp_rate", LACP_RATES[usize::from(r)].to_string()));
        }
        if let Some(h) = self.xmit_hash_policy {
            v.push((
                "xmit_hash_policy",
                HASH_POLICIES[usize::from(h)].to_string(),
            ));
        }
        v
    }
}

/// `bridge=<name>:<ports>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bridge {
    /// The bridge's name.
    pub name: String,
    /// Its ports (dracut's default: `eth0`).
    pub ports: Vec<String>,
}

/// `ifname=<name>:<mac>`: give the interface with this MAC this name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfName {
    /// The new name.
    pub name: String,
    /// The interface's MAC.
    pub mac: [u8; 6],
}

/// Every virtual device and rename the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetDevs {
    /// `ifname=`, applied first.
    pub ifnames: Vec<IfName>,
    /// `bond=`.
    pub bonds: Vec<Bond>,
    /// `bridge=`.
    pub bridges: Vec<Bridge>,
    /// `vlan=`.
    pub vlans: Vec<Vlan>,
}

impl NetDevs {
    /// Whether there is nothing to create or rename.
    pub fn is_empty(&self) -> bool {
        self.ifnames.is_empty()
            && self.bonds.is_empty()
            && self.bridges.is_empty()
            && self.vlans.is_empty()
    }

    /// The names of the virtual links that are not themselves a member of
    /// another one (a VLAN on a bond: the VLAN): where the address goes.
    pub fn top_level(&self) -> Vec<&str> {
        let lower: Vec<&str> = self
            .vlans
            .iter()
            .map(|v| v.parent.as_str())
            .chain(
                self.bonds
                    .iter()
                    .flat_map(|b| b.slaves.iter().map(String::as_str)),
            )
            .chain(
                self.bridges
                    .iter()
                    .flat_map(|b| b.ports.iter().map(String::as_str)),
            )
            .collect();
        self.bonds
            .iter()
            .map(|b| b.name.as_str())
            .chain(self.bridges.iter().map(|b| b.name.as_str()))
            .chain(self.vlans.iter().map(|v| v.name.as_str()))
            .filter(|n| !lower.contains(n))
            .collect()
    }

    /// The kernel modules the devices need (bonding, bridge, 8021q).
    pub fn modules(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        if !self.bonds.is_empty() {
            m.push("bonding");
        }
        if !self.bridges.is_empty() {
            m.push("bridge");
        }
        if !self.vlans.is_empty() {
            m.push("8021q");
        }
        m
    }
}

/// An interface name as the kernel takes it (`dev_valid_name`): 1 to 15
/// bytes (IFNAMSIZ − 1), no `/`, `:` or white space, not `.` or `..`.
fn check_name(param: &str, value: &str, name: &str) -> Result<String, Error> {
    let ok = !name.is_empty()
        && name.len() <= 15
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == ':' || c.is_whitespace() || c.is_control());
    if ok {
        Ok(name.to_string())
    } else {
        Err(value_err(
            param,
            value,
            &format!(
                "has {name:?}, not an interface name (1 to 15 characters, no '/', ':' or spaces)"
            ),
        ))
    }
}

fn names(param: &str, value: &str, list: &str) -> Result<Vec<String>, Error> {
    list.split(',')
        .map(|n| check_name(param, value, n))
        .collect()
}

/// The VLAN id in a dracut VLAN name: `vlan0005`, `vlan5`, `eth0.0005`,
/// `eth0.5` (dracut.cmdline(7)'s four naming styles).
fn vlan_id(name: &str) -> Option<u16> {
    let digits = match name.rsplit_once('.') {
        Some((_, d)) => d,
        None => name.strip_prefix("vlan")?,
    };
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id| (1..=4094).contains(id))
}

/// `vlan=<name>:<phys>`.
pub fn parse_vlan(param: &str, value: &str) -> Result<Vlan, Error> {
    let Some((name, parent)) = value.split_once(':') else {
        return Err(value_err(param, value, "is not <vlan name>:<interface>"));
    };
    let name = check_name(param, value, name)?;
    let parent = check_name(param, value, parent)?;
    let id = vlan_id(&name).ok_or_else(|| {
        value_err(
            param,
            value,
            "has no VLAN id 1-4094 in its name (vlan0005, vlan5, eth0.0005, eth0.5)",
        )
    })?;
    Ok(Vlan { name, parent, id })
}

fn choice(param: &str, value: &str, key: &str, v: &str, names: &[&str]) -> Result<u8, Error> {
    let i = match v.parse::<usize>() {
        Ok(n) if n < names.len() => Some(n),
        _ => names.iter().position(|n| *n == v),
    };
    i.map(|i| i as u8).ok_or_else(|| {
        value_err(
            param,
            value,
            &format!("has {key}={v}, not one of {}", names.join(", ")),
        )
    })
}

fn millis(param: &str, value: &str, key: &str, v: &str) -> Result<u32, Error> {
    v.parse().map_err(|_| {
        value_err(
            param,
            value,
            &format!("has {key}={v}, not a number of milliseconds"),
        )
    })
}

/// bonding options, `mode=active-backup,miimon=100`.
fn bond_options(param: &str, value: &str, text: &str) -> Result<BondOptions, Error> {
    let mut o = BondOptions::default();
    for opt in text.split(',').filter(|s| !s.is_empty()) {
        let Some((k, v)) = opt.split_once('=') else {
            return Err(value_err(
                param,
                value,
                &format!("has bonding option {opt:?} without =<value>"),
            ));
        };
        match k {
            "mode" => o.mode = choice(param, value, k, v, &BOND_MODES)?,
            "miimon" => o.miimon = Some(millis(param, value, k, v)?),
            "updelay" => o.updelay = Some(millis(param, value, k, v)?),
            "downdelay" => o.downdelay = Some(millis(param, value, k, v)?),
            "primary" => o.primary = Some(check_name(param, value, v)?),
            "lacp_rate" => o.lacp_rate = Some(choice(param, value, k, v, &LACP_RATES)?),
            "xmit_hash_policy" => {
                o.xmit_hash_policy = Some(choice(param, value, k, v, &HASH_POLICIES)?)
            }
            _ => {
                return Err(value_err(
                    param,
                    value,
                    &format!(
                        "has bonding option {k}, which netroot does not set (mode, miimon, updelay, downdelay, primary, lacp_rate, xmit_hash_policy)"
                    ),
                ))
            }
        }
    }
    Ok(o)
}

/// `bond=<name>[:<slaves>[:<options>[:<mtu>]]]`; a bare `bond` is
/// `bond0:eth0,eth1:mode=balance-rr` (dracut.cmdline(7)).
pub fn parse_bond(param: &str, value: Option<&str>) -> Result<Bond, Error> {
    let value = value.unwrap_or("bond0");
    let mut parts = value.splitn(4, ':');
    let name = check_name(param, value, parts.next().unwrap_or_default())?;
    let slaves = match parts.next() {
        None | Some("") => vec!["eth0".to_string(), "eth1".to_string()],
        Some(s) => names(param, value, s)?,
    };
    let options = bond_options(param, value, parts.next().unwrap_or_default())?;
    let mtu = match parts.next() {
        None | Some("") => None,
        Some(m) => Some(
            m.parse::<u32>()
                .ok()
                .filter(|m| (68..=65535).contains(m))
                .ok_or_else(|| value_err(param, value, "has an MTU that is not 68 to 65535"))?,
        ),
    };
    if let Some(p) = &options.primary {
        if !slaves.contains(p) {
            return Err(value_err(
                param,
                value,
                &format!("has primary={p}, which is not one of its members"),
            ));
        }
    }
    Ok(Bond {
        name,
        slaves,
        options,
        mtu,
    })
}

/// `bridge=<name>:<ports>`; a bare `bridge` is `br0:eth0`.
pub fn parse_bridge(param: &str, value: Option<&str>) -> Result<Bridge, Error> {
    let Some(value) = value else {
        return Ok(Bridge {
            name: "br0".into(),
            ports: vec!["eth0".into()],
        });
    };
    let Some((name, ports)) = value.split_once(':') else {
        return Err(value_err(param, value, "is not <bridge name>:<ports>"));
    };
    Ok(Bridge {
        name: check_name(param, value, name)?,
        ports: names(param, value, ports)?,
    })
}

/// `ifname=<name>:<mac>`.
pub fn parse_ifname(param: &str, value: &str) -> Result<IfName, Error> {
    let Some((name, mac)) = value.split_once(':') else {
        return Err(value_err(param, value, "is not <name>:<MAC address>"));
    };
    let name = check_name(param, value, name)?;
    let mac = ip::parse_mac(mac).ok_or_else(|| {
        value_err(
            param,
            value,
            "has no Ethernet MAC address after the name (aa:bb:cc:dd:ee:ff)",
        )
    })?;
    Ok(IfName { name, mac })
}

/// Check the devices against each other: one definition per name, and no
/// member claimed twice.
pub fn check(d: &NetDevs) -> Result<(), Error> {
    let mut defined: Vec<(&str, &str)> = Vec::new();
    let defs = d
        .bonds
        .iter()
        .map(|b| (b.name.as_str(), "bond"))
        .chain(d.bridges.iter().map(|b| (b.name.as_str(), "bridge")))
        .chain(d.vlans.iter().map(|v| (v.name.as_str(), "vlan")));
    for (name, param) in defs {
        if let Some((_, other)) = defined.iter().find(|(n, _)| *n == name) {
            return Err(value_err(
                param,
                name,
                &format!("names a device that {other}= defines too"),
            ));
        }
        defined.push((name, param));
    }
    let mut members: Vec<(&str, &str)> = Vec::new();
    let claims = d
        .bonds
        .iter()
        .flat_map(|b| b.slaves.iter().map(move |s| (s.as_str(), "bond")))
        .chain(
            d.bridges
                .iter()
                .flat_map(|b| b.ports.iter().map(move |p| (p.as_str(), "bridge"))),
        );
    for (name, param) in claims {
        if members.iter().any(|(n, _)| *n == name) {
            return Err(value_err(
                param,
                name,
                "is a member of two bonds or bridges",
            ));
        }
        members.push((name, param));
    }
    Ok(())
}

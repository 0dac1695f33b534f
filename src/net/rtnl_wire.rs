//! rtnetlink wire format, PURE: build request datagrams and parse the
//! kernel's replies and events. No fd, no clock: `net::link` drives the
//! socket (`sys::netlink`).
//!
//! Only what netroot needs is modelled: link dumps and link events
//! (`RTM_GETLINK`/`RTM_NEWLINK`), setting a link up/down and its MTU
//! (`RTM_SETLINK`), adding an IPv4 address (`RTM_NEWADDR`) and an IPv4 route
//! (`RTM_NEWROUTE`), and the control messages `NLMSG_ERROR` (errors and
//! ACKs) and `NLMSG_DONE` (end of a multi-part dump).
//!
//! Layouts and constants: the kernel uAPI headers `linux/netlink.h`
//! (`struct nlmsghdr`, `struct nlmsgerr`, `struct nlattr`, `NLM_F_*`,
//! `NLMSG_*`), `linux/rtnetlink.h` (`RTM_*`, `struct rtattr`, `struct
//! rtmsg`, `RTN_*`, `RT_SCOPE_*`, `RTPROT_*`, `RTNH_F_ONLINK`,
//! `RT_TABLE_MAIN`, `RTA_*`, `struct ifinfomsg`), `linux/if_link.h`
//! (`IFLA_*`), `linux/if_addr.h` (`struct ifaddrmsg`, `IFA_*`), `linux/if.h`
//! (`IFF_*`, `IF_OPER_*`), and the man pages netlink(7) and rtnetlink(7).
//!
//! Netlink headers and integer attributes are in host byte order
//! (netlink(7)); IPv4 addresses in attributes are `struct in_addr`, i.e.
//! network byte order. Every parser here checks bounds before it reads and
//! returns "nothing more" or an error on malformed input; none panics.

use std::net::Ipv4Addr;

// The framing (`struct nlmsghdr`, attributes, `NLMSG_ERROR`) is shared with
// generic netlink: `crate::netlink`. Re-exported so callers and the fuzz
// target keep one path.
pub use crate::netlink::{
    attrs, messages, Attrs, Error, Message, Messages, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN,
    NLMSG_NOOP, NLMSG_OVERRUN, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_MULTI,
    NLM_F_REPLACE, NLM_F_REQUEST,
};
use crate::netlink::{finish, push_attr, push_nested, start, u32_at};

// ---- linux/rtnetlink.h ----

/// `RTM_NEWLINK`: a link (dump entry or event).
pub const RTM_NEWLINK: u16 = 16;
/// `RTM_DELLINK`: a link went away.
pub const RTM_DELLINK: u16 = 17;
/// `RTM_GETLINK`: ask for links.
pub const RTM_GETLINK: u16 = 18;
/// `RTM_SETLINK`: change a link.
pub const RTM_SETLINK: u16 = 19;
/// `RTM_NEWADDR`: add an address.
pub const RTM_NEWADDR: u16 = 20;
/// `RTM_GETADDR`: ask for addresses.
pub const RTM_GETADDR: u16 = 22;
/// `RTM_NEWROUTE`: add a route.
pub const RTM_NEWROUTE: u16 = 24;

/// `RTN_UNICAST`: a gateway or direct route.
pub const RTN_UNICAST: u8 = 1;
/// `RT_SCOPE_UNIVERSE`: a route through a gateway; a global address.
pub const RT_SCOPE_UNIVERSE: u8 = 0;
/// `RT_SCOPE_LINK`: a destination directly on the link.
pub const RT_SCOPE_LINK: u8 = 253;
/// `RT_TABLE_MAIN`: the main routing table.
pub const RT_TABLE_MAIN: u8 = 254;
/// `RTPROT_BOOT`: route installed during boot (a static `ip=`).
pub const RTPROT_BOOT: u8 = 3;
/// `RTPROT_RA`: route learnt from a router advertisement.
pub const RTPROT_RA: u8 = 9;
/// `RTPROT_DHCP`: route installed by a DHCP client.
pub const RTPROT_DHCP: u8 = 16;
/// `RTNH_F_ONLINK`: the gateway is on the link even if no address's
/// subnet contains it (`ip route ... onlink`).
pub const RTNH_F_ONLINK: u32 = 4;

/// `RTA_DST`: route destination (`struct in_addr`).
pub const RTA_DST: u16 = 1;
/// `RTA_OIF`: output interface index (u32).
pub const RTA_OIF: u16 = 4;
/// `RTA_GATEWAY`: next hop (`struct in_addr`).
pub const RTA_GATEWAY: u16 = 5;

/// `AF_UNSPEC`.
pub const AF_UNSPEC: u8 = 0;
/// `AF_INET`.
pub const AF_INET: u8 = 2;
/// `AF_INET6`.
pub const AF_INET6: u8 = 10;
/// `IFA_F_NODAD` (`ifa_flags`): no duplicate address detection, the
/// address is usable at once instead of tentative.
pub const IFA_F_NODAD: u8 = 0x02;
/// `IFA_F_OPTIMISTIC` (`ifa_flags`): Optimistic DAD (RFC 4429).
pub const IFA_F_OPTIMISTIC: u8 = 0x04;
/// `IFA_CACHEINFO`: `struct ifa_cacheinfo` (preferred and valid lifetime
/// in seconds, then two timestamps the kernel fills in).
pub const IFA_CACHEINFO: u16 = 6;
/// A lifetime that never ends (`INFINITY_LIFE_TIME`).
pub const INFINITY_LIFE_TIME: u32 = u32::MAX;

/// `sizeof(struct ifinfomsg)`: family u8, pad u8, type u16, index i32,
/// flags u32, change u32.
pub const IFINFOMSG_LEN: usize = 16;
/// `sizeof(struct ifaddrmsg)`: family, prefixlen, flags, scope (u8 each),
/// index u32.
pub const IFADDRMSG_LEN: usize = 8;
/// `sizeof(struct rtmsg)`: family, dst_len, src_len, tos, table, protocol,
/// scope, type (u8 each), flags u32.
pub const RTMSG_LEN: usize = 12;
// ---- linux/if.h ----

/// `IFF_UP`: administratively up.
pub const IFF_UP: u32 = 0x1;
/// `IFF_BROADCAST`: broadcast capable.
pub const IFF_BROADCAST: u32 = 0x2;
/// `IFF_LOOPBACK`: a loopback device.
pub const IFF_LOOPBACK: u32 = 0x8;
/// `IFF_LOWER_UP`: the driver signals L1 up (carrier).
pub const IFF_LOWER_UP: u32 = 0x10000;

// ---- linux/if_link.h ----

/// `IFLA_ADDRESS`: hardware address.
pub const IFLA_ADDRESS: u16 = 1;
/// `IFLA_IFNAME`: NUL-terminated interface name.
pub const IFLA_IFNAME: u16 = 3;
/// `IFLA_MTU`: u32.
pub const IFLA_MTU: u16 = 4;
/// `IFLA_OPERSTATE`: u8, RFC 2863 state (`IF_OPER_*`).
pub const IFLA_OPERSTATE: u16 = 16;
/// `IFLA_CARRIER`: u8, the driver's carrier state.
pub const IFLA_CARRIER: u16 = 33;
/// `IFLA_LINK`: u32, the lower device of a VLAN.
pub const IFLA_LINK: u16 = 5;
/// `IFLA_MASTER`: u32, the bond or bridge a link is a member of.
pub const IFLA_MASTER: u16 = 10;
/// `IFLA_LINKINFO`: nested, the link's kind and its kind's data.
pub const IFLA_LINKINFO: u16 = 18;
/// `IFLA_INFO_KIND`: string, `vlan`, `bond`, `bridge`.
pub const IFLA_INFO_KIND: u16 = 1;
/// `IFLA_INFO_DATA`: nested, the kind's attributes.
pub const IFLA_INFO_DATA: u16 = 2;
/// `IFLA_VLAN_ID`: u16.
pub const IFLA_VLAN_ID: u16 = 1;
/// `IFLA_BOND_MODE`: u8.
pub const IFLA_BOND_MODE: u16 = 1;
/// `IFLA_BOND_MIIMON`: u32 ms.
pub const IFLA_BOND_MIIMON: u16 = 3;
/// `IFLA_BOND_UPDELAY`: u32 ms.
pub const IFLA_BOND_UPDELAY: u16 = 4;
/// `IFLA_BOND_DOWNDELAY`: u32 ms.
pub const IFLA_BOND_DOWNDELAY: u16 = 5;
/// `IFLA_BOND_PRIMARY`: u32 ifindex.
pub const IFLA_BOND_PRIMARY: u16 = 11;
/// `IFLA_BOND_XMIT_HASH_POLICY`: u8.
pub const IFLA_BOND_XMIT_HASH_POLICY: u16 = 14;
/// `IFLA_BOND_AD_LACP_RATE`: u8.
pub const IFLA_BOND_AD_LACP_RATE: u16 = 21;

// ---- linux/if_addr.h ----

/// `IFA_ADDRESS`: the address (the peer on point-to-point links).
pub const IFA_ADDRESS: u16 = 1;
/// `IFA_LOCAL`: the local address.
pub const IFA_LOCAL: u16 = 2;
/// `IFA_BROADCAST`: the broadcast address.
pub const IFA_BROADCAST: u16 = 4;
/// `IFA_FLAGS`: u32, the full `IFA_F_*` flags (`ifa_flags` holds 8 bits).
pub const IFA_FLAGS: u16 = 8;
/// `IFA_F_DADFAILED`: duplicate address detection found the address in use.
pub const IFA_F_DADFAILED: u32 = 0x08;
/// `IFA_F_TENTATIVE`: duplicate address detection still runs.
pub const IFA_F_TENTATIVE: u32 = 0x40;

// ---------------------------------------------------------------- encoding

/// A request netroot sends. Each is one netlink message in one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// `RTM_GETLINK` with `NLM_F_DUMP`: every link (rtnetlink(7)).
    DumpLinks,
    /// `RTM_SETLINK`: change `IFF_UP` (when `up` is Some) and/or the MTU.
    SetLink {
        /// ifindex.
        index: u32,
        /// Set (true) or clear (false) `IFF_UP`; None leaves it.
        up: Option<bool>,
        /// New MTU (`IFLA_MTU`).
        mtu: Option<u32>,
    },
    /// `RTM_NEWADDR`: an IPv4 address, created or replaced.
    NewAddress {
        /// ifindex.
        index: u32,
        /// Our address (`IFA_LOCAL` and `IFA_ADDRESS`: equal on a
        /// broadcast link).
        addr: Ipv4Addr,
        /// Prefix length (`ifa_prefixlen`).
        prefix_len: u8,
        /// `IFA_BROADCAST`.
        broadcast: Option<Ipv4Addr>,
    },
    /// `RTM_NEWADDR`: an IPv6 address, created or replaced (RFC 3549 §3.1.2
    /// style; `ifa_scope` universe, the kernel derives the real scope).
    NewAddress6 {
        /// ifindex.
        index: u32,
        /// The address (`IFA_LOCAL` and `IFA_ADDRESS`).
        addr: std::net::Ipv6Addr,
        /// Prefix length (`ifa_prefixlen`); the kernel adds the on-link
        /// route of the prefix.
        prefix_len: u8,
        /// `IFA_F_NODAD`.
        nodad: bool,
        /// `IFA_F_OPTIMISTIC`: usable while DAD runs (RFC 4429; the kernel
        /// honours it when the interface's `optimistic_dad` is set).
        optimistic: bool,
        /// Preferred and valid lifetime in seconds (`IFA_CACHEINFO`);
        /// None: infinite (a static address).
        lifetimes: Option<(u32, u32)>,
    },
    /// `RTM_NEWROUTE`: an IPv6 unicast route in the main table, created or
    /// replaced.
    NewRoute6 {
        /// Output interface (`RTA_OIF`: needed for a link-local gateway).
        oif: u32,
        /// Destination network (`RTA_DST`, omitted for prefix length 0).
        dest: std::net::Ipv6Addr,
        /// Destination prefix length (`rtm_dst_len`).
        prefix_len: u8,
        /// Next hop (`RTA_GATEWAY`).
        gateway: Option<std::net::Ipv6Addr>,
        /// `RTNH_F_ONLINK` in `rtm_flags`.
        onlink: bool,
        /// `rtm_protocol` (`RTPROT_*`).
        protocol: u8,
    },
    /// `RTM_NEWROUTE`: an IPv4 unicast route in the main table, created or
    /// replaced.
    NewRoute {
        /// Output interface (`RTA_OIF`).
        oif: u32,
        /// Destination network (`RTA_DST`, omitted for prefix length 0).
        dest: Ipv4Addr,
        /// Destination prefix length (`rtm_dst_len`).
        prefix_len: u8,
        /// Next hop (`RTA_GATEWAY`).
        gateway: Option<Ipv4Addr>,
        /// `RTNH_F_ONLINK` in `rtm_flags`.
        onlink: bool,
        /// `rtm_scope` (`RT_SCOPE_*`).
        scope: u8,
        /// `rtm_protocol` (`RTPROT_*`).
        protocol: u8,
    },
    /// `RTM_GETADDR` with `NLM_F_DUMP` for `AF_INET6`: every IPv6 address.
    DumpAddrs6,
}

impl Request {
    /// The `nlmsg_flags` of this request. Every request asks for an ACK so
    /// errors are reported; additions create or replace, so running
    /// `netroot net` again converges instead of failing with `EEXIST`.
    pub fn flags(&self) -> u16 {
        match self {
            Request::DumpLinks | Request::DumpAddrs6 => NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
            Request::SetLink { .. } => NLM_F_REQUEST | NLM_F_ACK,
            Request::NewAddress { .. }
            | Request::NewRoute { .. }
            | Request::NewAddress6 { .. }
            | Request::NewRoute6 { .. } => NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
        }
    }

    /// The datagram to send, with sequence number `seq` (port id 0: the
    /// kernel fills in ours).
    pub fn encode(&self, seq: u32) -> Vec<u8> {
        let mut buf = start();
        let kind = match *self {
            Request::DumpLinks => {
                // An all-zero ifinfomsg (AF_UNSPEC): no filter.
                buf.extend_from_slice(&[0; IFINFOMSG_LEN]);
                RTM_GETLINK
            }
            Request::SetLink { index, up, mtu } => {
                // struct ifinfomsg: ifi_change selects which ifi_flags bits
                // to change (rtnetlink(7)).
                let (flags, change) = match up {
                    Some(true) => (IFF_UP, IFF_UP),
                    Some(false) => (0, IFF_UP),
                    None => (0, 0),
                };
                buf.extend_from_slice(&[AF_UNSPEC, 0, 0, 0]);
                buf.extend_from_slice(&index.to_ne_bytes());
                buf.extend_from_slice(&flags.to_ne_bytes());
                buf.extend_from_slice(&change.to_ne_bytes());
                if let Some(m) = mtu {
                    push_attr(&mut buf, IFLA_MTU, &m.to_ne_bytes());
                }
                RTM_SETLINK
            }
            Request::NewAddress {
                index,
                addr,
                prefix_len,
                broadcast,
            } => {
                // struct ifaddrmsg: family, prefixlen, flags, scope, index.
                buf.extend_from_slice(&[AF_INET, prefix_len, 0, RT_SCOPE_UNIVERSE]);
                buf.extend_from_slice(&index.to_ne_bytes());
                push_attr(&mut buf, IFA_LOCAL, &addr.octets());
                push_attr(&mut buf, IFA_ADDRESS, &addr.octets());
                if let Some(b) = broadcast {
                    push_attr(&mut buf, IFA_BROADCAST, &b.octets());
                }
                RTM_NEWADDR
            }
            Request::NewAddress6 {
                index,
                addr,
                prefix_len,
                nodad,
                optimistic,
                lifetimes,
            } => {
                let flags = if nodad { IFA_F_NODAD } else { 0 }
                    | if optimistic { IFA_F_OPTIMISTIC } else { 0 };
                buf.extend_from_slice(&[AF_INET6, prefix_len, flags, RT_SCOPE_UNIVERSE]);
                buf.extend_from_slice(&index.to_ne_bytes());
                push_attr(&mut buf, IFA_LOCAL, &addr.octets());
                push_attr(&mut buf, IFA_ADDRESS, &addr.octets());
                if let Some((preferred, valid)) = lifetimes {
                    let mut ci = Vec::with_capacity(16);
                    for v in [preferred, valid, 0, 0] {
                        ci.extend_from_slice(&v.to_ne_bytes());
                    }
                    push_attr(&mut buf, IFA_CACHEINFO, &ci);
                }
                RTM_NEWADDR
            }
            Request::NewRoute6 {
                dest,
                gateway,
                oif,
                prefix_len,
                onlink,
                protocol,
            } => {
                let gw = gateway.map(|g| g.octets());
                // IPv6 routes are all of universe scope.
                let r = RouteMsg {
                    family: AF_INET6,
                    scope: RT_SCOPE_UNIVERSE,
                    dest: &dest.octets(),
                    gateway: gw.as_ref().map(|g| &g[..]),
                    oif,
                    prefix_len,
                    onlink,
                    protocol,
                };
                push_route(&mut buf, &r);
                RTM_NEWROUTE
            }
            Request::NewRoute {
                oif,
                dest,
                prefix_len,
                gateway,
                onlink,
                scope,
                protocol,
            } => {
                let gw = gateway.map(|g| g.octets());
                push_route(
                    &mut buf,
                    &RouteMsg {
                        family: AF_INET,
                        prefix_len,
                        protocol,
                        scope,
                        onlink,
                        dest: &dest.octets(),
                        gateway: gw.as_ref().map(|g| &g[..]),
                        oif,
                    },
                );
                RTM_NEWROUTE
            }
            Request::DumpAddrs6 => {
                buf.extend_from_slice(&[AF_INET6, 0, 0, 0, 0, 0, 0, 0]);
                RTM_GETADDR
            }
        };
        finish(buf, kind, self.flags(), seq)
    }
}

/// A unicast route in the main table, of either family.
struct RouteMsg<'a> {
    family: u8,
    prefix_len: u8,
    protocol: u8,
    scope: u8,
    onlink: bool,
    dest: &'a [u8],
    gateway: Option<&'a [u8]>,
    oif: u32,
}

/// `struct rtmsg` (family, dst_len, src_len, tos, table, protocol, scope,
/// type, flags) and the route's attributes.
fn push_route(buf: &mut Vec<u8>, r: &RouteMsg<'_>) {
    buf.extend_from_slice(&[
        r.family,
        r.prefix_len,
        0,
        0,
        RT_TABLE_MAIN,
        r.protocol,
        r.scope,
        RTN_UNICAST,
    ]);
    let flags = if r.onlink { RTNH_F_ONLINK } else { 0 };
    buf.extend_from_slice(&flags.to_ne_bytes());
    if r.prefix_len > 0 {
        push_attr(buf, RTA_DST, r.dest);
    }
    if let Some(gw) = r.gateway {
        push_attr(buf, RTA_GATEWAY, gw);
    }
    push_attr(buf, RTA_OIF, &r.oif.to_ne_bytes());
}

/// The kind of a virtual link to create, with its `IFLA_INFO_DATA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkKind {
    /// 802.1Q VLAN `id` on the link `parent` (ifindex).
    Vlan {
        /// Lower link (`IFLA_LINK`).
        parent: u32,
        /// `IFLA_VLAN_ID`.
        id: u16,
    },
    /// A bond; the `IFLA_BOND_*` attributes (kernel Documentation/
    /// networking/bonding.rst for their meaning).
    Bond {
        /// `IFLA_BOND_MODE`.
        mode: u8,
        /// `IFLA_BOND_MIIMON`.
        miimon: Option<u32>,
        /// `IFLA_BOND_UPDELAY`.
        updelay: Option<u32>,
        /// `IFLA_BOND_DOWNDELAY`.
        downdelay: Option<u32>,
        /// `IFLA_BOND_AD_LACP_RATE`.
        lacp_rate: Option<u8>,
        /// `IFLA_BOND_XMIT_HASH_POLICY`.
        xmit_hash_policy: Option<u8>,
    },
    /// A bridge, with the kernel's defaults (no spanning tree).
    Bridge,
}

/// A request that creates or reshapes a link: an `RTM_NEWLINK` with
/// `IFLA_LINKINFO` (rtnetlink(7), `ip-link(8)`'s `add ... type`), or an
/// `RTM_SETLINK` that sets the master (`IFLA_MASTER`), the bond's primary
/// member or the name (`IFLA_IFNAME`, only while the link is down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevRequest {
    /// Create `name` of `kind` (`NLM_F_CREATE | NLM_F_EXCL`: an existing
    /// link answers `EEXIST`).
    Create {
        /// `IFLA_IFNAME`.
        name: String,
        /// What to create.
        kind: LinkKind,
        /// `IFLA_MTU`.
        mtu: Option<u32>,
    },
    /// Set a bond's options on an existing, member-less bond (the one the
    /// bonding module creates when it loads, `max_bonds=1`): the same
    /// `IFLA_LINKINFO` on its ifindex, without `NLM_F_CREATE`.
    ChangeBond {
        /// The bond.
        index: u32,
        /// Its options ([`LinkKind::Bond`]).
        kind: LinkKind,
    },
    /// Make `index` a member of `master` (0: of none).
    SetMaster {
        /// The member.
        index: u32,
        /// The bond or bridge.
        master: u32,
    },
    /// Name the bond's primary member (`IFLA_BOND_PRIMARY`).
    SetPrimary {
        /// The bond.
        index: u32,
        /// The member.
        primary: u32,
    },
    /// Rename `index` to `name`.
    Rename {
        /// The link.
        index: u32,
        /// `IFLA_IFNAME`.
        name: String,
    },
}

fn push_name(buf: &mut Vec<u8>, name: &str) {
    let mut b = name.as_bytes().to_vec();
    b.push(0);
    push_attr(buf, IFLA_IFNAME, &b);
}

fn ifinfo_header(buf: &mut Vec<u8>, index: u32) {
    buf.extend_from_slice(&[AF_UNSPEC, 0, 0, 0]);
    buf.extend_from_slice(&index.to_ne_bytes());
    buf.extend_from_slice(&[0; 8]); // flags, change: none
}

fn push_info(buf: &mut Vec<u8>, kind: &str, data: impl FnOnce(&mut Vec<u8>)) {
    push_nested(buf, IFLA_LINKINFO, |info| {
        push_attr(info, IFLA_INFO_KIND, kind.as_bytes());
        push_nested(info, IFLA_INFO_DATA, data);
    });
}

fn push_kind(buf: &mut Vec<u8>, kind: &LinkKind) {
    match kind {
        LinkKind::Vlan { parent, id } => {
            push_attr(buf, IFLA_LINK, &parent.to_ne_bytes());
            push_info(buf, "vlan", |d| {
                push_attr(d, IFLA_VLAN_ID, &id.to_ne_bytes())
            });
        }
        LinkKind::Bond {
            mode,
            miimon,
            updelay,
            downdelay,
            lacp_rate,
            xmit_hash_policy,
        } => push_info(buf, "bond", |d| {
            push_attr(d, IFLA_BOND_MODE, &[*mode]);
            let ms = [
                (IFLA_BOND_MIIMON, miimon),
                (IFLA_BOND_UPDELAY, updelay),
                (IFLA_BOND_DOWNDELAY, downdelay),
            ];
            for (k, v) in ms {
                if let Some(v) = v {
                    push_attr(d, k, &v.to_ne_bytes());
                }
            }
            if let Some(r) = lacp_rate {
                push_attr(d, IFLA_BOND_AD_LACP_RATE, &[*r]);
            }
            if let Some(h) = xmit_hash_policy {
                push_attr(d, IFLA_BOND_XMIT_HASH_POLICY, &[*h]);
            }
        }),
        LinkKind::Bridge => push_nested(buf, IFLA_LINKINFO, |info| {
            push_attr(info, IFLA_INFO_KIND, b"bridge")
        }),
    }
}

impl DevRequest {
    /// The datagram to send, with sequence number `seq`.
    pub fn encode(&self, seq: u32) -> Vec<u8> {
        let mut buf = start();
        let (kind, flags) = match self {
            DevRequest::Create { name, kind, mtu } => {
                ifinfo_header(&mut buf, 0);
                push_name(&mut buf, name);
                if let Some(m) = mtu {
                    push_attr(&mut buf, IFLA_MTU, &m.to_ne_bytes());
                }
                push_kind(&mut buf, kind);
                (
                    RTM_NEWLINK,
                    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
                )
            }
            DevRequest::ChangeBond { index, kind } => {
                ifinfo_header(&mut buf, *index);
                push_kind(&mut buf, kind);
                (RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK)
            }
            DevRequest::SetMaster { index, master } => {
                ifinfo_header(&mut buf, *index);
                push_attr(&mut buf, IFLA_MASTER, &master.to_ne_bytes());
                (RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK)
            }
            DevRequest::SetPrimary { index, primary } => {
                ifinfo_header(&mut buf, *index);
                push_info(&mut buf, "bond", |d| {
                    push_attr(d, IFLA_BOND_PRIMARY, &primary.to_ne_bytes())
                });
                (RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK)
            }
            DevRequest::Rename { index, name } => {
                ifinfo_header(&mut buf, *index);
                push_name(&mut buf, name);
                (RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK)
            }
        };
        finish(buf, kind, flags, seq)
    }
}

// ----------------------------------------------------------------- parsing

/// A link as an `RTM_NEWLINK` message (dump entry or event) describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkMsg {
    /// `ifi_index`.
    pub index: u32,
    /// `ifi_flags` (`IFF_*`).
    pub flags: u32,
    /// `IFLA_IFNAME`, up to the NUL (lossy UTF-8).
    pub name: Option<String>,
    /// `IFLA_ADDRESS`: the hardware address, any length.
    pub address: Option<Vec<u8>>,
    /// `IFLA_MTU`.
    pub mtu: Option<u32>,
    /// `IFLA_OPERSTATE` (`IF_OPER_*`).
    pub operstate: Option<u8>,
    /// `IFLA_CARRIER`.
    pub carrier: Option<bool>,
}

/// `IF_OPER_*` (linux/if.h, RFC 2863) spelled as `ip link` and sysfs
/// `operstate` do.
pub fn operstate_name(state: u8) -> &'static str {
    match state {
        1 => "NOTPRESENT",
        2 => "DOWN",
        3 => "LOWERLAYERDOWN",
        4 => "TESTING",
        5 => "DORMANT",
        6 => "UP",
        _ => "UNKNOWN",
    }
}

/// Parse the payload of an `RTM_NEWLINK` message: `struct ifinfomsg` and
/// its attributes. Attributes with an unexpected size are ignored; a
/// payload shorter than `ifinfomsg` is an error.
pub fn parse_link(payload: &[u8]) -> Result<LinkMsg, Error> {
    let short = Error::Short {
        kind: RTM_NEWLINK,
        len: payload.len(),
    };
    let (Some(index), Some(flags), Some(rest)) = (
        u32_at(payload, 4),
        u32_at(payload, 8),
        payload.get(IFINFOMSG_LEN..),
    ) else {
        return Err(short);
    };
    let mut link = LinkMsg {
        index,
        flags,
        ..LinkMsg::default()
    };
    for (kind, data) in attrs(rest) {
        match (kind, data.len()) {
            (IFLA_IFNAME, _) => {
                let end = data.iter().position(|&c| c == 0).unwrap_or(data.len());
                let name = data.get(..end).unwrap_or(&[]);
                link.name = Some(String::from_utf8_lossy(name).into_owned());
            }
            (IFLA_ADDRESS, _) => link.address = Some(data.to_vec()),
            (IFLA_MTU, 4) => link.mtu = u32_at(data, 0),
            (IFLA_OPERSTATE, 1) => link.operstate = data.first().copied(),
            (IFLA_CARRIER, 1) => link.carrier = data.first().map(|&c| c != 0),
            _ => {}
        }
    }
    Ok(link)
}

/// An IPv6 address as an `RTM_NEWADDR` message (dump entry or event)
/// describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrMsg {
    /// `ifa_index`.
    pub index: u32,
    /// `ifa_prefixlen`.
    pub prefix_len: u8,
    /// `IFA_FLAGS` when present, else `ifa_flags`.
    pub flags: u32,
    /// `IFA_ADDRESS` (or `IFA_LOCAL`).
    pub addr: std::net::Ipv6Addr,
}

/// Parse the payload of an `RTM_NEWADDR` message for `AF_INET6`: `struct
/// ifaddrmsg` and its attributes. None for another family, a short
/// payload or no 16-byte address.
pub fn parse_addr6(payload: &[u8]) -> Option<AddrMsg> {
    let head = payload.get(..IFADDRMSG_LEN)?;
    if head[0] != AF_INET6 {
        return None;
    }
    let mut flags = u32::from(head[2]);
    let mut addr = None;
    for (kind, data) in attrs(payload.get(IFADDRMSG_LEN..)?) {
        match (kind, <[u8; 16]>::try_from(data)) {
            (IFA_ADDRESS, Ok(a)) => addr = Some(std::net::Ipv6Addr::from(a)),
            (IFA_LOCAL, Ok(a)) if addr.is_none() => addr = Some(std::net::Ipv6Addr::from(a)),
            (IFA_FLAGS, _) => flags = u32_at(data, 0).unwrap_or(flags),
            _ => {}
        }
    }
    Some(AddrMsg {
        index: u32_at(head, 4)?,
        prefix_len: head[1],
        flags,
        addr: addr?,
    })
}

/// What one received message means to a requester or a watcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `NLMSG_ERROR` with code 0: the request succeeded.
    Ack,
    /// `NLMSG_ERROR` with a negative code: the (positive) errno. A
    /// nonsensical positive code is reported as `EPROTO`.
    Error(i32),
    /// `NLMSG_DONE`: the multi-part dump is complete.
    Done,
    /// `RTM_NEWLINK`: a dump entry or event.
    Link(LinkMsg),
    /// `RTM_NEWADDR` for an IPv6 address: a dump entry or event.
    Addr6(AddrMsg),
    /// Anything else (`NLMSG_NOOP`, `RTM_DELLINK`, ...): ignore.
    Other(u16),
}

/// Interpret one message.
pub fn parse(msg: &Message<'_>) -> Result<Reply, Error> {
    if let Some(code) = msg.error_code() {
        return Ok(match code? {
            0 => Reply::Ack,
            e => Reply::Error(e),
        });
    }
    match msg.kind {
        NLMSG_DONE => Ok(Reply::Done),
        RTM_NEWLINK => parse_link(msg.payload).map(Reply::Link),
        RTM_NEWADDR => Ok(parse_addr6(msg.payload).map_or(Reply::Other(RTM_NEWADDR), Reply::Addr6)),
        other => Ok(Reply::Other(other)),
    }
}

/// Every message of a datagram, interpreted: (sequence number, reply).
/// Malformed messages are skipped (a malformed length ends the datagram).
pub fn replies(datagram: &[u8]) -> impl Iterator<Item = (u32, Reply)> + '_ {
    messages(datagram)
        .map_while(Result::ok)
        .filter_map(|m| parse(&m).ok().map(|r| (m.seq, r)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::{align4, EPROTO};

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    /// A netlink message: header (host order) + payload, padded.
    fn nlmsg(kind: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&((16 + payload.len()) as u32).to_ne_bytes());
        b.extend_from_slice(&kind.to_ne_bytes());
        b.extend_from_slice(&flags.to_ne_bytes());
        b.extend_from_slice(&seq.to_ne_bytes());
        b.extend_from_slice(&4242u32.to_ne_bytes());
        b.extend_from_slice(payload);
        b.resize(align4(b.len()), 0);
        b
    }

    fn attr(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        push_attr(&mut b, kind, data);
        b
    }

    fn ifinfo(index: u32, flags: u32, attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut b = vec![AF_UNSPEC, 0, 1, 0]; // ifi_type ARPHRD_ETHER
        b.extend_from_slice(&index.to_ne_bytes());
        b.extend_from_slice(&flags.to_ne_bytes());
        b.extend_from_slice(&0u32.to_ne_bytes());
        for a in attrs {
            b.extend_from_slice(a);
        }
        b
    }

    // Byte-exact layouts, written out by hand for a little-endian host
    // (x86_64, the only target): nlmsghdr, then the family header, then
    // rtattrs {len, type, data, pad}.

    #[test]
    #[cfg(target_endian = "little")]
    fn ipv6_address_dump_bytes() {
        let d = Request::DumpAddrs6.encode(2);
        assert_eq!(&d[4..8], &[22, 0, 0x05, 0x03]);
        assert_eq!(d[16], AF_INET6);
    }

    #[test]
    fn ipv6_address_events() {
        let a: std::net::Ipv6Addr = "fe80::ff:fe00:1".parse().unwrap();
        let mut p = vec![AF_INET6, 64, 0x40, RT_SCOPE_LINK];
        p.extend_from_slice(&7u32.to_ne_bytes());
        p.extend(attr(IFA_ADDRESS, &a.octets()));
        p.extend(attr(IFA_FLAGS, &(IFA_F_TENTATIVE | 0x80).to_ne_bytes()));
        let dg = nlmsg(RTM_NEWADDR, 0, 0, &p);
        let got: Vec<_> = replies(&dg).collect();
        assert_eq!(
            got,
            vec![(
                0,
                Reply::Addr6(AddrMsg {
                    index: 7,
                    prefix_len: 64,
                    flags: IFA_F_TENTATIVE | 0x80,
                    addr: a,
                })
            )]
        );
        // IPv4, short, or without an address: not an IPv6 address.
        p[0] = AF_INET;
        assert_eq!(parse_addr6(&p), None);
        assert_eq!(parse_addr6(&p[..5]), None);
        let mut bare = vec![AF_INET6, 64, 0, 0];
        bare.extend_from_slice(&7u32.to_ne_bytes());
        assert_eq!(parse_addr6(&bare), None);
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn dump_links_bytes() {
        let got = Request::DumpLinks.encode(7);
        #[rustfmt::skip]
        let want: Vec<u8> = vec![
            32, 0, 0, 0,  18, 0,  0x05, 0x03,  7, 0, 0, 0,  0, 0, 0, 0,
            0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,
        ];
        assert_eq!(got, want);
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn set_link_bytes() {
        let up = Request::SetLink {
            index: 3,
            up: Some(true),
            mtu: None,
        };
        #[rustfmt::skip]
        let want: Vec<u8> = vec![
            32, 0, 0, 0,  19, 0,  0x05, 0,  1, 0, 0, 0,  0, 0, 0, 0,
            0, 0, 0, 0,  3, 0, 0, 0,  1, 0, 0, 0,  1, 0, 0, 0,
        ];
        assert_eq!(up.encode(1), want);

        let down = Request::SetLink {
            index: 3,
            up: Some(false),
            mtu: None,
        };
        let b = down.encode(1);
        assert_eq!(&b[24..32], &[0, 0, 0, 0, 1, 0, 0, 0]);

        let mtu = Request::SetLink {
            index: 0x0102,
            up: None,
            mtu: Some(1400),
        };
        #[rustfmt::skip]
        let want: Vec<u8> = vec![
            40, 0, 0, 0,  19, 0,  0x05, 0,  2, 0, 0, 0,  0, 0, 0, 0,
            0, 0, 0, 0,  2, 1, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,
            8, 0, 4, 0,  0x78, 0x05, 0, 0,
        ];
        assert_eq!(mtu.encode(2), want);
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn new_address_bytes() {
        let r = Request::NewAddress {
            index: 2,
            addr: ip("10.77.0.50"),
            prefix_len: 24,
            broadcast: Some(ip("10.77.0.255")),
        };
        #[rustfmt::skip]
        let want: Vec<u8> = vec![
            48, 0, 0, 0,  20, 0,  0x05, 0x05,  9, 0, 0, 0,  0, 0, 0, 0,
            2, 24, 0, 0,  2, 0, 0, 0,
            8, 0, 2, 0,  10, 77, 0, 50,
            8, 0, 1, 0,  10, 77, 0, 50,
            8, 0, 4, 0,  10, 77, 0, 255,
        ];
        assert_eq!(r.encode(9), want);
        let r = Request::NewAddress {
            index: 2,
            addr: ip("10.77.0.50"),
            prefix_len: 32,
            broadcast: None,
        };
        let b = r.encode(9);
        assert_eq!(b.len(), 40);
        assert_eq!(b[0], 40);
        assert_eq!(b[17], 32);
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn new_route_bytes() {
        // 192.168.7.0/24 via 172.16.0.1 dev 2 onlink proto dhcp.
        let r = Request::NewRoute {
            oif: 2,
            dest: ip("192.168.7.0"),
            prefix_len: 24,
            gateway: Some(ip("172.16.0.1")),
            onlink: true,
            scope: RT_SCOPE_UNIVERSE,
            protocol: RTPROT_DHCP,
        };
        #[rustfmt::skip]
        let want: Vec<u8> = vec![
            52, 0, 0, 0,  24, 0,  0x05, 0x05,  5, 0, 0, 0,  0, 0, 0, 0,
            2, 24, 0, 0,  254, 16, 0, 1,  4, 0, 0, 0,
            8, 0, 1, 0,  192, 168, 7, 0,
            8, 0, 5, 0,  172, 16, 0, 1,
            8, 0, 4, 0,  2, 0, 0, 0,
        ];
        assert_eq!(r.encode(5), want);

        // Default route: no RTA_DST. Direct route: no gateway, link scope.
        let r = Request::NewRoute {
            oif: 2,
            dest: ip("0.0.0.0"),
            prefix_len: 0,
            gateway: Some(ip("10.77.0.1")),
            onlink: false,
            scope: RT_SCOPE_UNIVERSE,
            protocol: RTPROT_BOOT,
        };
        #[rustfmt::skip]
        let want: Vec<u8> = vec![
            44, 0, 0, 0,  24, 0,  0x05, 0x05,  6, 0, 0, 0,  0, 0, 0, 0,
            2, 0, 0, 0,  254, 3, 0, 1,  0, 0, 0, 0,
            8, 0, 5, 0,  10, 77, 0, 1,
            8, 0, 4, 0,  2, 0, 0, 0,
        ];
        assert_eq!(r.encode(6), want);
        let r = Request::NewRoute {
            oif: 7,
            dest: ip("172.16.0.0"),
            prefix_len: 16,
            gateway: None,
            onlink: false,
            scope: RT_SCOPE_LINK,
            protocol: RTPROT_DHCP,
        };
        let b = r.encode(1);
        assert_eq!(b.len(), 44);
        assert_eq!(&b[16..28], &[2, 16, 0, 0, 254, 16, 253, 1, 0, 0, 0, 0]);
        assert_eq!(
            &b[28..44],
            &[8, 0, 1, 0, 172, 16, 0, 0, 8, 0, 4, 0, 7, 0, 0, 0]
        );
    }

    #[test]
    fn encoded_requests_frame_back() {
        // Our own encoder's output is one well-formed message.
        let r = Request::NewAddress {
            index: 2,
            addr: ip("192.0.2.1"),
            prefix_len: 24,
            broadcast: None,
        };
        let b = r.encode(77);
        let all: Vec<_> = messages(&b).collect();
        assert_eq!(all.len(), 1);
        let m = all[0].clone().unwrap();
        assert_eq!((m.kind, m.seq, m.flags), (RTM_NEWADDR, 77, r.flags()));
        let a: Vec<_> = attrs(&m.payload[IFADDRMSG_LEN..]).collect();
        assert_eq!(
            a,
            vec![
                (IFA_LOCAL, &[192, 0, 2, 1][..]),
                (IFA_ADDRESS, &[192, 0, 2, 1][..])
            ]
        );
    }

    #[test]
    fn vlan_and_bond_creation_nest_their_link_info() {
        let r = DevRequest::Create {
            name: "vlan5".into(),
            kind: LinkKind::Vlan { parent: 2, id: 5 },
            mtu: None,
        };
        let b = r.encode(9);
        let m = messages(&b).next().unwrap().unwrap();
        assert_eq!(m.kind, RTM_NEWLINK);
        assert_eq!(
            m.flags,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
        );
        let a: Vec<_> = attrs(&m.payload[IFINFOMSG_LEN..]).collect();
        assert_eq!(a[0], (IFLA_IFNAME, &b"vlan5\0"[..]));
        assert_eq!(a[1], (IFLA_LINK, &2u32.to_ne_bytes()[..]));
        assert_eq!(a[2].0, IFLA_LINKINFO);
        let info: Vec<_> = attrs(a[2].1).collect();
        assert_eq!(info[0], (IFLA_INFO_KIND, &b"vlan"[..]));
        assert_eq!(info[1].0, IFLA_INFO_DATA);
        let data: Vec<_> = attrs(info[1].1).collect();
        assert_eq!(data, vec![(IFLA_VLAN_ID, &5u16.to_ne_bytes()[..])]);

        let r = DevRequest::Create {
            name: "bond0".into(),
            kind: LinkKind::Bond {
                mode: 1,
                miimon: Some(100),
                updelay: None,
                downdelay: None,
                lacp_rate: None,
                xmit_hash_policy: None,
            },
            mtu: Some(9000),
        };
        let b = r.encode(10);
        let m = messages(&b).next().unwrap().unwrap();
        let a: Vec<_> = attrs(&m.payload[IFINFOMSG_LEN..]).collect();
        assert_eq!(a[1], (IFLA_MTU, &9000u32.to_ne_bytes()[..]));
        let info: Vec<_> = attrs(a[2].1).collect();
        assert_eq!(info[0], (IFLA_INFO_KIND, &b"bond"[..]));
        let data: Vec<_> = attrs(info[1].1).collect();
        assert_eq!(
            data,
            vec![
                (IFLA_BOND_MODE, &[1u8][..]),
                (IFLA_BOND_MIIMON, &100u32.to_ne_bytes()[..])
            ]
        );
    }

    fn eth0_payload() -> Vec<u8> {
        ifinfo(
            2,
            IFF_UP | IFF_BROADCAST | IFF_LOWER_UP,
            &[
                attr(IFLA_IFNAME, b"eth0\0"),
                attr(IFLA_MTU, &1500u32.to_ne_bytes()),
                attr(IFLA_OPERSTATE, &[6]),
                attr(IFLA_CARRIER, &[1]),
                attr(IFLA_ADDRESS, &[0x52, 0x54, 0, 0x12, 0x34, 0x56]),
                attr(99, &[1, 2, 3]), // unknown: skipped
            ],
        )
    }

    #[test]
    fn parses_a_multipart_dump() {
        let mut dg = nlmsg(RTM_NEWLINK, NLM_F_MULTI, 3, &eth0_payload());
        dg.extend(nlmsg(
            RTM_NEWLINK,
            NLM_F_MULTI,
            3,
            &ifinfo(1, IFF_UP | IFF_LOOPBACK, &[attr(IFLA_IFNAME, b"lo\0")]),
        ));
        dg.extend(nlmsg(NLMSG_DONE, NLM_F_MULTI, 3, &0i32.to_ne_bytes()));
        let got: Vec<_> = replies(&dg).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0],
            (
                3,
                Reply::Link(LinkMsg {
                    index: 2,
                    flags: IFF_UP | IFF_BROADCAST | IFF_LOWER_UP,
                    name: Some("eth0".into()),
                    address: Some(vec![0x52, 0x54, 0, 0x12, 0x34, 0x56]),
                    mtu: Some(1500),
                    operstate: Some(6),
                    carrier: Some(true),
                })
            )
        );
        let Reply::Link(lo) = &got[1].1 else {
            panic!("not a link: {:?}", got[1]);
        };
        assert_eq!(
            (lo.index, lo.name.as_deref(), lo.mtu),
            (1, Some("lo"), None)
        );
        assert_eq!(got[2], (3, Reply::Done));
    }

    #[test]
    fn error_and_ack() {
        // nlmsgerr: error code then the echoed request header.
        let mut err = (-17i32).to_ne_bytes().to_vec();
        err.extend_from_slice(&Request::DumpLinks.encode(4)[..16]);
        let mut dg = nlmsg(NLMSG_ERROR, 0, 4, &err);
        let mut ack = 0i32.to_ne_bytes().to_vec();
        ack.extend_from_slice(&[0; 16]);
        dg.extend(nlmsg(NLMSG_ERROR, 0x100, 5, &ack)); // NLM_F_CAPPED
        dg.extend(nlmsg(NLMSG_ERROR, 0, 6, &1i32.to_ne_bytes()));
        dg.extend(nlmsg(NLMSG_ERROR, 0, 7, &i32::MIN.to_ne_bytes()));
        dg.extend(nlmsg(NLMSG_NOOP, 0, 8, &[]));
        dg.extend(nlmsg(RTM_DELLINK, 0, 9, &eth0_payload()));
        let got: Vec<_> = replies(&dg).collect();
        assert_eq!(
            got,
            vec![
                (4, Reply::Error(17)),
                (5, Reply::Ack),
                (6, Reply::Error(EPROTO)),
                (7, Reply::Error(EPROTO)),
                (8, Reply::Other(NLMSG_NOOP)),
                (9, Reply::Other(RTM_DELLINK)),
            ]
        );
        // An error message too short for its code is malformed, skipped.
        let short = nlmsg(NLMSG_ERROR, 0, 1, &[0xff, 0xff]);
        assert!(matches!(
            parse(&messages(&short).next().unwrap().unwrap()),
            Err(Error::Short {
                kind: NLMSG_ERROR,
                len: 2
            })
        ));
        assert_eq!(replies(&short).count(), 0);
    }

    #[test]
    fn truncated_and_garbage_input() {
        assert_eq!(messages(&[]).count(), 0);
        // Fewer bytes than a header.
        assert_eq!(
            messages(&[1, 2, 3]).next(),
            Some(Err(Error::BadLength { len: 0, left: 3 }))
        );
        // A length below the header size (would loop forever if accepted).
        let mut b = nlmsg(NLMSG_DONE, 0, 1, &[]);
        b[0] = 4;
        assert_eq!(
            messages(&b).collect::<Vec<_>>(),
            vec![Err(Error::BadLength { len: 4, left: 16 })]
        );
        // A length past the datagram: the good first message survives.
        let mut dg = nlmsg(NLMSG_DONE, 0, 1, &[]);
        let mut bad = nlmsg(RTM_NEWLINK, 0, 2, &eth0_payload());
        bad.truncate(30);
        dg.extend(bad);
        let got: Vec<_> = messages(&dg).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].as_ref().unwrap().kind, NLMSG_DONE);
        assert!(got[1].is_err());
        assert_eq!(replies(&dg).collect::<Vec<_>>(), vec![(1, Reply::Done)]);
        // u32::MAX length.
        let mut b = nlmsg(NLMSG_DONE, 0, 1, &[]);
        b[0..4].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert!(messages(&b).next().unwrap().is_err());

        // ifinfomsg cut short.
        assert!(parse_link(&eth0_payload()[..15]).is_err());
        // Attribute running past the end: parsing stops there, the header
        // and earlier attributes stand.
        let mut p = ifinfo(5, 0, &[attr(IFLA_MTU, &9000u32.to_ne_bytes())]);
        p.extend_from_slice(&[200, 0, 3, 0, b'x']);
        let l = parse_link(&p).unwrap();
        assert_eq!((l.index, l.mtu, l.name), (5, Some(9000), None));
        // Attribute length below its header.
        let mut p = ifinfo(5, 0, &[]);
        p.extend_from_slice(&[2, 0, 3, 0, b'x', 0, 0, 0]);
        assert_eq!(parse_link(&p).unwrap().name, None);
        // Wrong-size integer attributes are ignored, not misread.
        let p = ifinfo(
            5,
            0,
            &[
                attr(IFLA_MTU, &[1, 2]),
                attr(IFLA_OPERSTATE, &[6, 6]),
                attr(IFLA_CARRIER, &[]),
            ],
        );
        let l = parse_link(&p).unwrap();
        assert_eq!((l.mtu, l.operstate, l.carrier), (None, None, None));
        // A name without NUL, and one with invalid UTF-8.
        let l = parse_link(&ifinfo(5, 0, &[attr(IFLA_IFNAME, b"ens3")])).unwrap();
        assert_eq!(l.name.as_deref(), Some("ens3"));
        let l = parse_link(&ifinfo(5, 0, &[attr(IFLA_IFNAME, b"e\xffx\0junk")])).unwrap();
        assert_eq!(l.name.as_deref(), Some("e\u{fffd}x"));
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn nested_flag_bits_are_masked() {
        let mut a = attr(IFLA_IFNAME, b"eth9\0");
        a[3] |= 0x80; // NLA_F_NESTED
        let l = parse_link(&ifinfo(1, 0, &[a])).unwrap();
        assert_eq!(l.name.as_deref(), Some("eth9"));
    }

    #[test]
    fn operstate_names() {
        assert_eq!(operstate_name(6), "UP");
        assert_eq!(operstate_name(2), "DOWN");
        assert_eq!(operstate_name(0), "UNKNOWN");
        assert_eq!(operstate_name(200), "UNKNOWN");
    }

    mod prop {
        use super::super::*;
        use super::{attr, ifinfo, nlmsg};
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                let n = replies(&bytes).count();
                prop_assert!(n <= bytes.len() / NLMSG_HDRLEN);
                for m in messages(&bytes).flatten() {
                    let _ = parse(&m);
                    let _ = parse_link(m.payload);
                    prop_assert!(attrs(m.payload).count() <= m.payload.len() / 4);
                }
            }

            #[test]
            fn corrupted_link_messages_never_panic(
                name in proptest::collection::vec(any::<u8>(), 0..20),
                cut in 0usize..96,
                flip in 0usize..96,
                val in any::<u8>(),
            ) {
                let p = ifinfo(3, IFF_UP, &[attr(IFLA_IFNAME, &name), attr(IFLA_MTU, &[1, 0, 0, 0])]);
                let mut dg = nlmsg(RTM_NEWLINK, 0, 1, &p);
                if let Some(b) = dg.get_mut(flip) {
                    *b = val;
                }
                dg.truncate(cut);
                let _ = replies(&dg).count();
            }
        }
    }
}

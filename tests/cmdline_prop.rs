//! Property tests: the tokenizer and the parsers never panic on any input,
//! and an `ip=` value formatted back with `Display` parses to the same value.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netroot::cmdline::ip::{self, Autoconf, Mode6};
use netroot::cmdline::{parse, root, tokenize, IpParam, NfsRoot};
use proptest::prelude::*;

/// Text that looks like a command line: the characters that matter to the
/// grammar (quotes, `=`, `:`, `,`, `.`, `-`, `/`, `%`, whitespace) are
/// frequent.
fn cmdline_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,80}",
        "[ \t\n\"=:,./%a-f0-9xs-]{0,80}",
        proptest::collection::vec(
            prop_oneof![
                Just("ip=".to_string()),
                Just("nfsroot=".to_string()),
                Just("root=".to_string()),
                Just("root=nbd:".to_string()),
                Just("root=nfs4:".to_string()),
                Just("netroot=".to_string()),
                Just("BOOTIF=01-".to_string()),
                Just("nbd_port=".to_string()),
                Just("netroot.state=".to_string()),
                Just("netroot.timeout=".to_string()),
                Just("dhcp".to_string()),
                Just("dhcp6".to_string()),
                Just("[".to_string()),
                Just("]".to_string()),
                Just("[2001:db8::1]".to_string()),
                Just("root=nbd:[fd00::2]:".to_string()),
                Just("nfsroot=[".to_string()),
                Just(" -- ".to_string()),
                Just("\"".to_string()),
                Just(" ".to_string()),
                Just(":".to_string()),
                Just(",".to_string()),
                Just("/".to_string()),
                "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
                "[a-z0-9]{0,6}",
            ],
            0..12
        )
        .prop_map(|v| v.concat()),
    ]
}

/// One field of an `ip=` value, drawn from what each field may hold (and
/// some things it may not).
fn ip_field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("0.0.0.0".to_string()),
        (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        (0u32..=32).prop_map(|n| {
            let m = if n == 0 { 0 } else { u32::MAX << (32 - n) };
            Ipv4Addr::from(m).to_string()
        }),
        "[a-z][a-z0-9-]{0,8}(\\.[a-z0-9]{1,6}){0,2}",
        "(eth|enp|ens)[0-9]{1,2}",
        prop_oneof![
            Just("off"),
            Just("none"),
            Just("on"),
            Just("any"),
            Just("dhcp"),
            Just("bootp"),
            Just("both"),
            Just("static"),
            Just("all"),
            Just("rarp"),
            Just("dhcp6"),
            Just("auto6"),
            Just("either6"),
            Just("link6"),
            Just("dhcp,dhcp6"),
            Just("any,auto6"),
            Just("dhcp6,auto6"),
            Just("dhcp,,dhcp6"),
        ]
        .prop_map(str::to_string),
        // IPv6 in brackets, with and without a prefix length, and broken.
        any::<u128>().prop_map(|a| format!("[{}]", Ipv6Addr::from(a))),
        (any::<u128>(), 0u32..=130).prop_map(|(a, n)| format!("[{}/{n}]", Ipv6Addr::from(a))),
        r"\[[0-9a-fz:]{0,12}\]?",
        any::<u16>().prop_map(|a| format!("[2001:db8::{a:x}]")),
        Just("[::]".to_string()),
        (any::<u8>(), "[a-z0-9-]{0,8}").prop_map(|(t, v)| format!("dhcp,{t},{v}")),
        (0u32..=70000).prop_map(|m| m.to_string()),
        "[0-9a-fA-F]{2}(-[0-9a-fA-F]{2}){5}",
        "[0-9a-f]{2}(:[0-9a-f]{2}){5}",
        "\\PC{0,6}",
    ]
}

fn ip_value() -> impl Strategy<Value = String> {
    prop_oneof![
        ip_field(),
        proptest::collection::vec(ip_field(), 1..15).prop_map(|v| v.join(":")),
    ]
}

fn opt_addr() -> impl Strategy<Value = Option<Ipv4Addr>> {
    proptest::option::of(
        any::<u32>()
            .prop_filter("unset", |a| *a != 0)
            .prop_map(Ipv4Addr::from),
    )
}

fn v6() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>()
        .prop_filter("unset", |a| *a != 0)
        .prop_map(Ipv6Addr::from)
}

/// A server of either family.
fn server() -> impl Strategy<Value = Option<IpAddr>> {
    proptest::option::of(prop_oneof![
        any::<u32>()
            .prop_filter("unset", |a| *a != 0)
            .prop_map(|a| IpAddr::V4(a.into())),
        v6().prop_map(IpAddr::V6),
    ])
}

fn dynamic6() -> impl Strategy<Value = Option<Mode6>> {
    proptest::option::of(prop_oneof![
        Just(Mode6::Auto6),
        Just(Mode6::Dhcp6),
        Just(Mode6::Either6)
    ])
}

/// IpParam values of the shapes the parser produces: IPv4 (with or
/// without a dynamic IPv6 method beside it) and static IPv6.
fn ip_param() -> impl Strategy<Value = IpParam> {
    prop_oneof![
        (ip_param4(), dynamic6(), server()).prop_map(|(mut p, m, srv)| {
            if p.client_id.is_none() {
                p.mode6 = m;
            }
            if let Some(IpAddr::V6(a)) = srv {
                p.server = None;
                p.server6 = Some(a);
            }
            p
        }),
        (
            ip_param4(),
            (v6(), 1u8..=128),
            server(),
            proptest::option::of(v6()),
            proptest::collection::vec(v6(), 0..=2),
        )
            .prop_map(|(mut p, client6, srv, gw, dns6)| {
                p.client = None;
                p.netmask = None;
                p.gateway = None;
                p.gateway6 = gw;
                p.client6 = Some(client6);
                p.mode6 = Some(Mode6::Static);
                (p.server, p.server6) = match srv {
                    Some(IpAddr::V4(a)) => (Some(a), None),
                    Some(IpAddr::V6(a)) => (None, Some(a)),
                    None => (None, None),
                };
                if p.autoconf == Autoconf::Static {
                    p.autoconf = Autoconf::Off;
                }
                if p.mtu.is_none() && p.mac.is_none() {
                    p.dns.truncate(2 - dns6.len());
                    p.dns6 = dns6;
                }
                p
            }),
    ]
}

/// IPv4 IpParam values of the shapes the parser produces.
fn ip_param4() -> impl Strategy<Value = IpParam> {
    let autoconf = prop_oneof![
        Just(Autoconf::Off),
        Just(Autoconf::Any),
        Just(Autoconf::Dhcp),
        Just(Autoconf::Bootp),
        Just(Autoconf::Static),
    ];
    let host = proptest::option::of("[a-z][a-z0-9_-]{0,10}");
    let nis = proptest::option::of("[a-z0-9]{1,6}(\\.[a-z0-9]{1,6}){0,2}");
    let tail = prop_oneof![
        // kernel: DNS and NTP
        (
            proptest::collection::vec(any::<u32>().prop_filter("unset", |a| *a != 0), 0..=2),
            opt_addr()
        )
            .prop_map(|(dns, ntp)| (
                dns.into_iter().map(Ipv4Addr::from).collect::<Vec<_>>(),
                ntp,
                None,
                None
            )),
        // dracut: MTU and MAC
        (
            proptest::option::of(68u16..),
            proptest::option::of(any::<[u8; 6]>())
        )
            .prop_map(|(mtu, mac)| (Vec::new(), None, mtu, mac)),
    ];
    (
        (opt_addr(), opt_addr(), opt_addr()),
        proptest::option::of(0u32..=32),
        (host, nis),
        proptest::option::of("[a-z]{1,4}[0-9]{0,3}"),
        autoconf,
        proptest::option::of((any::<u8>(), "[a-zA-Z0-9_.-]{1,12}")),
        tail,
    )
        .prop_map(
            |((client, server, gateway), mask, (hostname, nis), device, autoconf, cid, tail)| {
                let (dns, ntp, mtu, mac) = tail;
                let netmask = mask
                    .filter(|n| *n > 0)
                    .map(|n| Ipv4Addr::from(u32::MAX << (32 - n)));
                let client_id = if autoconf == Autoconf::Dhcp {
                    cid
                } else {
                    None
                };
                IpParam {
                    client,
                    server,
                    gateway,
                    netmask,
                    hostname,
                    nis_domain: nis,
                    device,
                    autoconf,
                    client_id,
                    dns,
                    ntp,
                    mtu,
                    mac,
                    ..IpParam::default()
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn tokenizer_never_panics_and_drops_no_text(s in cmdline_text()) {
        let t = tokenize(&s);
        // Every character except quotes and separating whitespace survives.
        let kept: usize = t.params.iter().map(|(k, v)| k.len() + v.as_ref().map_or(0, |v| v.len() + 1)).sum::<usize>()
            + t.init_args.iter().map(String::len).sum::<usize>();
        prop_assert!(kept <= s.len());
        for (k, _) in &t.params {
            prop_assert!(!k.contains('"'));
        }
    }

    #[test]
    fn tokenizer_splits_plain_words_exactly(words in proptest::collection::vec("[a-z0-9.=:,/_-]{1,12}", 0..10)) {
        let words: Vec<String> = words.into_iter().filter(|w| w != "--").collect();
        let t = tokenize(&words.join(" "));
        let back: Vec<String> = t.params.iter().map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => k.clone(),
        }).collect();
        prop_assert_eq!(back, words);
    }

    #[test]
    fn quoted_values_keep_their_spaces(key in "[a-z]{1,8}", value in "[a-z0-9 :,./-]{0,20}") {
        let t = tokenize(&format!("x {key}=\"{value}\" y"));
        prop_assert_eq!(t.params.len(), 3);
        prop_assert_eq!(&t.params[1], &(key, Some(value)));
    }

    #[test]
    fn parse_never_panics(s in cmdline_text()) {
        let _ = parse(&s);
    }

    #[test]
    fn ip_parser_never_panics(s in ip_value()) {
        let _ = ip::parse("ip", &s);
    }

    #[test]
    fn root_parsers_never_panic(s in cmdline_text()) {
        let _ = root::parse_nfsroot(&s);
        let _ = root::parse_dracut_nfs("root", &s);
        let _ = root::parse_dracut_nbd("root", &s);
        let _ = root::parse_root_path(&s);
        let _ = root::merge_nfs(&NfsRoot::default(), Some(&s), None, Some(Ipv4Addr::LOCALHOST), IpAddr::V4(Ipv4Addr::LOCALHOST));
        let _ = root::merge_nfs(&NfsRoot::default(), Some(&s), Some(IpAddr::V6(Ipv6Addr::LOCALHOST)), None, IpAddr::V6(Ipv6Addr::LOCALHOST));
    }

    #[test]
    fn parsed_ip_formats_back_to_the_same_value(s in ip_value()) {
        if let Ok(p) = ip::parse("ip", &s) {
            let shown = p.to_string();
            prop_assert_eq!(ip::parse("ip", &shown), Ok(p), "{} shown as {}", s, shown);
        }
    }

    #[test]
    fn generated_ip_formats_back_to_the_same_value(p in ip_param()) {
        let shown = p.to_string();
        // The same text on a whole command line, too.
        let cfg = parse(&format!("ip={shown}"));
        prop_assert_eq!(ip::parse("ip", &shown), Ok(p.clone()), "shown as {}", shown);
        prop_assert_eq!(cfg.map(|c| c.ip), Ok(vec![p]));
    }
}

#[test]
fn the_generators_reach_valid_values() {
    // Guard against the round-trip property passing vacuously: a good share
    // of the generated ip= values must parse.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = ip_value();
    let total = 2000;
    let parsed = (0..total)
        .filter(|_| {
            let v = strategy.new_tree(&mut runner).unwrap().current();
            ip::parse("ip", &v).is_ok()
        })
        .count();
    assert!(
        parsed * 10 > total,
        "only {parsed} of {total} generated values parse"
    );
}

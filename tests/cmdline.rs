//! Table tests for the command-line model: every example of the kernel's
//! Documentation/admin-guide/nfs/nfsroot.rst, the network and NFS/NBD
//! examples of dracut.cmdline(7), mkinitcpio-nbd's documented usage, the
//! seed line, and malformed parameters with their exact error text.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use netroot::cmdline::ip::{self, Autoconf, Mode6};
use netroot::cmdline::root::{self, DEFAULT_NFS_PATH, NBD_PORT};
use netroot::cmdline::{
    merge_nfs, parse, tokenize, BootConfig, Error, Host, IpParam, NbdRoot, NfsRoot, NfsVersion,
    OnFailure, Overlay, ResolvedNfs, RootSpec,
};

fn a(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn ok(line: &str) -> BootConfig {
    match parse(line) {
        Ok(c) => c,
        Err(e) => panic!("{line:?} should parse, got: {e}"),
    }
}

fn err(line: &str) -> String {
    match parse(line) {
        Ok(c) => panic!("{line:?} should fail, parsed as {c:?}"),
        Err(e) => e.to_string(),
    }
}

fn one_ip(line: &str) -> IpParam {
    let c = ok(line);
    assert_eq!(c.ip.len(), 1, "{line:?}: {:?}", c.ip);
    c.ip.into_iter().next().unwrap()
}

fn nfs(c: &BootConfig) -> &NfsRoot {
    match &c.root {
        RootSpec::Nfs(n) => n,
        other => panic!("expected an NFS root, got {other:?}"),
    }
}

fn nbd(c: &BootConfig) -> &NbdRoot {
    match &c.root {
        RootSpec::Nbd(n) => n,
        other => panic!("expected an NBD root, got {other:?}"),
    }
}

// ---------------------------------------------------------------- seed line

#[test]
fn seed_line() {
    let c = ok("ip=:::::eth0:dhcp nfsroot=10.0.0.1:/arch");
    assert_eq!(
        c.ip,
        vec![IpParam {
            device: Some("eth0".into()),
            autoconf: Autoconf::Dhcp,
            ..IpParam::default()
        }]
    );
    assert_eq!(
        c.root,
        RootSpec::Nfs(NfsRoot {
            server: Some(Host::Addr(a("10.0.0.1"))),
            path: Some("/arch".into()),
            options: vec![],
            version: None,
        })
    );
    assert!(c.wants_network());
    assert!(c.mount_read_only());
    assert_eq!(c.init_path(), "/sbin/init");
    assert_eq!(c.on_failure(), OnFailure::Retry);
    assert_eq!(c.options.timeout, Duration::from_secs(90));
}

// ------------------------------------------------------------- nfsroot.rst

#[test]
fn nfsroot_rst_root_dev_nfs_and_default_path() {
    // "root=/dev/nfs ... If the `nfsroot' parameter is NOT given on the
    // command line, the default "/tftpboot/%s" will be used."
    let c = ok("root=/dev/nfs");
    assert_eq!(nfs(&c), &NfsRoot::default());
    assert_eq!(nfs(&c).expand_path(a("10.0.0.5")), "/tftpboot/10.0.0.5");
    assert_eq!(DEFAULT_NFS_PATH, "/tftpboot/%s");
    // The FDARGS example passes the parameter in double quotes.
    let c = ok(r#""root=/dev/nfs""#);
    assert_eq!(nfs(&c), &NfsRoot::default());
}

#[test]
fn nfsroot_rst_nfsroot_forms() {
    // nfsroot=[<server-ip>:]<root-dir>[,<nfs-options>]
    type Case<'a> = (
        &'a str,
        Option<Host>,
        Option<&'a str>,
        &'a [&'a str],
        Option<NfsVersion>,
    );
    let cases: &[Case] = &[
        ("nfsroot=/srv/root", None, Some("/srv/root"), &[], None),
        (
            "nfsroot=10.0.0.1:/srv/root",
            Some(Host::Addr(a("10.0.0.1"))),
            Some("/srv/root"),
            &[],
            None,
        ),
        (
            "nfsroot=10.0.0.1:/srv/%s,rsize=4096,wsize=4096,timeo=7,retrans=3",
            Some(Host::Addr(a("10.0.0.1"))),
            Some("/srv/%s"),
            &["rsize=4096", "wsize=4096", "timeo=7", "retrans=3"],
            None,
        ),
        (
            "nfsroot=/tftpboot/%s,hard,nointr,vers=3",
            None,
            Some("/tftpboot/%s"),
            &["hard", "nointr"],
            Some(NfsVersion::V3),
        ),
        // Only options: the path comes from DHCP or the default.
        (
            "nfsroot=,nfsvers=4.2",
            None,
            None,
            &[],
            Some(NfsVersion::V4_2),
        ),
        ("nfsroot=default,tcp", None, None, &["tcp"], None),
        // The kernel puts a bare name below /tftpboot (nfs_root_setup()).
        (
            "nfsroot=client7",
            None,
            Some("/tftpboot/client7"),
            &[],
            None,
        ),
        // netroot also takes server names.
        (
            "nfsroot=nfs.example.org:/exports/arch,v4.1",
            Some(Host::Name("nfs.example.org".into())),
            Some("/exports/arch"),
            &[],
            Some(NfsVersion::V4_1),
        ),
        // dracut.cmdline(7): nfsroot=[<server-ip>:]<root-dir>[:<nfs-options>]
        (
            "nfsroot=10.0.0.1:/arch:vers=4,noatime",
            Some(Host::Addr(a("10.0.0.1"))),
            Some("/arch"),
            &["noatime"],
            Some(NfsVersion::V4Any),
        ),
    ];
    for (line, server, path, options, version) in cases {
        let c = ok(line);
        let n = nfs(&c);
        assert_eq!(&n.server, server, "{line}");
        assert_eq!(n.path.as_deref(), *path, "{line}");
        assert_eq!(n.options, *options, "{line}");
        assert_eq!(n.version, *version, "{line}");
    }
}

#[test]
fn nfsroot_rst_ip_lone_autoconf_values() {
    // "The <autoconf> parameter can appear alone as the value to the ip
    // parameter... "ip=off" or "ip=none", no autoconfiguration... The most
    // common way to use this is "ip=dhcp"."
    let cases = [
        ("ip=off", Autoconf::Off),
        ("ip=none", Autoconf::Off),
        ("ip=", Autoconf::Off),
        ("ip=on", Autoconf::Any),
        ("ip=any", Autoconf::Any),
        ("ip=dhcp", Autoconf::Dhcp),
        ("ip=bootp", Autoconf::Bootp),
        ("ip=both", Autoconf::Any),
        ("nfsaddrs=dhcp", Autoconf::Dhcp),
        // klibc ipconfig
        ("ip=static", Autoconf::Static),
        ("ip=all", Autoconf::Any),
        // dracut
        ("ip=single-dhcp", Autoconf::Dhcp),
    ];
    for (line, want) in cases {
        let p = one_ip(line);
        assert_eq!(
            p,
            IpParam {
                autoconf: want,
                ..IpParam::default()
            },
            "{line}"
        );
    }
    assert!(!ok("ip=off").wants_network());
    assert!(!ok("root=/dev/sda1").wants_network());
    assert!(ok("ip=10.0.0.5:::::eth0:off root=/dev/sda1").wants_network());
    assert!(ok("ip=off root=/dev/nfs").wants_network());
    assert!(ok("ip=dhcp").wants_network());
}

#[test]
fn nfsroot_rst_dhcp_client_id() {
    // "ip=dhcp,client-id-type,client-id-value"
    let p = one_ip("ip=dhcp,1,00:11:22:33:44:55");
    assert_eq!(p.autoconf, Autoconf::Dhcp);
    assert_eq!(p.client_id, Some((1, "00:11:22:33:44:55".into())));
    // kstrtou8(.., 0, ..): hexadecimal and octal types too.
    assert_eq!(
        one_ip("ip=dhcp,0xff,node7").client_id,
        Some((255, "node7".into()))
    );
    assert_eq!(one_ip("ip=dhcp,010,x").client_id, Some((8, "x".into())));
    // In the autoconf field of the full form.
    let p = one_ip("ip=:::::eth0:dhcp,0,client-a");
    assert_eq!(p.device.as_deref(), Some("eth0"));
    assert_eq!(p.client_id, Some((0, "client-a".into())));
}

#[test]
fn nfsroot_rst_all_ten_fields() {
    let p = one_ip(
        "ip=10.0.0.5:10.0.0.1:10.0.0.254:255.255.255.0:node5.nis.lab:eth0:off:10.0.0.53:10.0.0.54:10.0.0.123",
    );
    assert_eq!(
        p,
        IpParam {
            client: Some(a("10.0.0.5")),
            server: Some(a("10.0.0.1")),
            gateway: Some(a("10.0.0.254")),
            netmask: Some(a("255.255.255.0")),
            hostname: Some("node5".into()),
            nis_domain: Some("nis.lab".into()),
            device: Some("eth0".into()),
            autoconf: Autoconf::Off,
            client_id: None,
            dns: vec![a("10.0.0.53"), a("10.0.0.54")],
            ntp: Some(a("10.0.0.123")),
            mtu: None,
            mac: None,
            ..IpParam::default()
        }
    );
}

#[test]
fn nfsroot_rst_each_autoconf_field_value() {
    for (word, want) in [
        ("off", Autoconf::Off),
        ("none", Autoconf::Off),
        ("on", Autoconf::Any),
        ("any", Autoconf::Any),
        ("dhcp", Autoconf::Dhcp),
        ("bootp", Autoconf::Bootp),
        ("both", Autoconf::Any),
        ("static", Autoconf::Static),
        ("all", Autoconf::Any),
    ] {
        let p = one_ip(&format!("ip=10.0.0.5::10.0.0.1:255.0.0.0::eth0:{word}"));
        assert_eq!(p.autoconf, want, "{word}");
    }
    // Default (empty) autoconf: any, unless a client address is given, in
    // which case the kernel uses the given values as they are.
    assert_eq!(one_ip("ip=::::::").autoconf, Autoconf::Any);
    assert_eq!(one_ip("ip=:::::eth0").autoconf, Autoconf::Any);
    assert_eq!(one_ip("ip=10.0.0.5:::::eth0").autoconf, Autoconf::Static);
    assert_eq!(one_ip("ip=10.0.0.5").autoconf, Autoconf::Static);
}

#[test]
fn nfsroot_rst_unset_values() {
    // Empty fields and 0.0.0.0 are unset; trailing fields may be left out.
    let p = one_ip("ip=0.0.0.0:0.0.0.0:0.0.0.0:0.0.0.0::eth1:dhcp:0.0.0.0:10.0.0.54:0.0.0.0");
    assert_eq!(p.client, None);
    assert_eq!(p.server, None);
    assert_eq!(p.gateway, None);
    assert_eq!(p.netmask, None);
    assert_eq!(p.dns, vec![a("10.0.0.54")]);
    assert_eq!(p.ntp, None);
    let p = one_ip("ip=10.0.0.5:10.0.0.1");
    assert_eq!(
        (p.client, p.server),
        (Some(a("10.0.0.5")), Some(a("10.0.0.1")))
    );
    assert_eq!(p.gateway, None);
    // Netmask left out: the classful default applies when static.
    assert_eq!(ip::classful_netmask(a("10.0.0.5")), a("255.0.0.0"));
    assert_eq!(ip::classful_netmask(a("172.16.0.5")), a("255.255.0.0"));
    assert_eq!(ip::classful_netmask(a("192.168.1.5")), a("255.255.255.0"));
}

#[test]
fn nfsroot_rst_hostname_and_nis_domain() {
    // "anything before the first '.' is used as the client's hostname, and
    // anything after it is used as its NIS domain name"
    let p = one_ip("ip=::::a.b:eth0:dhcp");
    assert_eq!(
        (p.hostname.as_deref(), p.nis_domain.as_deref()),
        (Some("a"), Some("b"))
    );
    let p = one_ip("ip=::::node1::dhcp");
    assert_eq!((p.hostname.as_deref(), p.nis_domain), (Some("node1"), None));
    let p = one_ip("ip=::::n.x.y::dhcp");
    assert_eq!(
        (p.hostname.as_deref(), p.nis_domain.as_deref()),
        (Some("n"), Some("x.y"))
    );
}

#[test]
fn nfsroot_rst_kernel_leading_zeros_are_decimal() {
    // in_aton() reads each part as decimal.
    assert_eq!(one_ip("ip=010.000.000.005").client, Some(a("10.0.0.5")));
}

// -------------------------------------------------------- dracut.cmdline(7)

#[test]
fn dracut_ip_lone_methods() {
    // ip={dhcp|on|any|dhcp6|auto6|either6|link6|single-dhcp}
    for (line, want) in [
        ("ip=dhcp", Ok(Autoconf::Dhcp)),
        ("ip=on", Ok(Autoconf::Any)),
        ("ip=any", Ok(Autoconf::Any)),
        ("ip=single-dhcp", Ok(Autoconf::Dhcp)),
        (
            "ip=link6",
            Err("ip=: field 7 (autoconf) \"link6\" is not supported by netroot (a link-local address alone cannot reach a root server off the link; use auto6 or a static [address])"),
        ),
    ] {
        match want {
            Ok(w) => assert_eq!(one_ip(line).autoconf, w, "{line}"),
            Err(e) => assert_eq!(err(line), e, "{line}"),
        }
    }
}

#[test]
fn dracut_ip_interface_forms() {
    // ip=<interface>:{dhcp|on|any|dhcp6|auto6|link6}[:[<mtu>][:<macaddr>]]
    let p = one_ip("ip=enp1s0:dhcp");
    assert_eq!(
        p,
        IpParam {
            device: Some("enp1s0".into()),
            autoconf: Autoconf::Dhcp,
            ..IpParam::default()
        }
    );
    let p = one_ip("ip=eth0:on:9000");
    assert_eq!((p.autoconf, p.mtu), (Autoconf::Any, Some(9000)));
    let p = one_ip("ip=eth0:any:1500:52:54:00:12:34:56");
    assert_eq!(p.mtu, Some(1500));
    assert_eq!(p.mac, Some([0x52, 0x54, 0, 0x12, 0x34, 0x56]));
    let p = one_ip("ip=eth0:dhcp::52-54-00-AB-CD-EF");
    assert_eq!(p.mtu, None);
    assert_eq!(p.mac, Some([0x52, 0x54, 0, 0xab, 0xcd, 0xef]));
    // auto6|dhcp6 on an interface: IPv6 only, IPv4 off.
    let p = one_ip("ip=eth0:auto6");
    assert_eq!(
        (p.device.as_deref(), p.autoconf, p.mode6),
        (Some("eth0"), Autoconf::Off, Some(Mode6::Auto6))
    );
}

#[test]
fn dracut_ip_explicit_with_mtu_and_mac() {
    // ip=<client-IP>:[<peer>]:<gateway-IP>:<netmask>:<client_hostname>:<interface>:{none|off|dhcp|on|any|dhcp6|auto6|ibft}[:[<mtu>][:<macaddr>]]
    let p = one_ip(
        "ip=192.168.1.10::192.168.1.1:255.255.255.0:client:eth0:none:1492:52:54:00:12:34:56",
    );
    assert_eq!(p.client, Some(a("192.168.1.10")));
    assert_eq!(p.server, None);
    assert_eq!(p.gateway, Some(a("192.168.1.1")));
    assert_eq!(p.netmask, Some(a("255.255.255.0")));
    assert_eq!(p.hostname.as_deref(), Some("client"));
    assert_eq!(p.device.as_deref(), Some("eth0"));
    assert_eq!(p.autoconf, Autoconf::Off);
    assert_eq!(p.mtu, Some(1492));
    assert_eq!(p.mac, Some([0x52, 0x54, 0, 0x12, 0x34, 0x56]));
    assert!(p.dns.is_empty());
    let p = one_ip("ip=192.168.1.10::192.168.1.1:255.255.255.0::eth0:off:9000");
    assert_eq!((p.mtu, p.mac), (Some(9000), None));
    let p = one_ip("ip=192.168.1.10::192.168.1.1:255.255.255.0::eth0:off::52:54:00:12:34:56");
    assert_eq!((p.mtu, p.mac.is_some()), (None, true));
    assert_eq!(
        err("ip=192.168.1.10::192.168.1.1:255.255.255.0::eth0:ibft"),
        "ip=: field 7 (autoconf) \"ibft\" is not supported by netroot (no iBFT)"
    );
}

#[test]
fn dracut_ip_explicit_with_dns() {
    // ip=<client-IP>:[<peer>]:<gateway-IP>:<netmask>:<client_hostname>:<interface>:{none|off|...}[:[<dns1>][:<dns2>]]
    let p = one_ip(
        "ip=192.168.1.10::192.168.1.1:255.255.255.0:client:eth0:none:192.168.1.2:192.168.1.3",
    );
    assert_eq!(p.dns, vec![a("192.168.1.2"), a("192.168.1.3")]);
    assert_eq!((p.mtu, p.mac), (None, None));
    let p = one_ip("ip=192.168.1.10::192.168.1.1:255.255.255.0:client:eth0:none::192.168.1.3");
    assert_eq!(p.dns, vec![a("192.168.1.3")]);
}

#[test]
fn dracut_several_ip_parameters() {
    // "This parameter can be specified multiple times."
    let c = ok("ip=eth0:dhcp ip=10.1.0.5::10.1.0.1:255.255.0.0::eth1:none ip=eth2:dhcp");
    let devs: Vec<_> = c.ip.iter().map(|p| p.device.as_deref()).collect();
    assert_eq!(devs, vec![Some("eth0"), Some("eth1"), Some("eth2")]);
    // A later ip= for the same interface (or for none) replaces the earlier
    // one, as a later ip= does in the kernel.
    let c = ok("ip=dhcp ip=eth0:dhcp ip=10.0.0.5:10.0.0.1:10.0.0.1:255.255.255.0 ip=eth0:on");
    assert_eq!(c.ip.len(), 2);
    assert_eq!(c.ip[0].client, Some(a("10.0.0.5")));
    assert_eq!(
        (c.ip[1].device.as_deref(), c.ip[1].autoconf),
        (Some("eth0"), Autoconf::Any)
    );
}

#[test]
fn dracut_bootif_and_unknown_network_parameters_are_ignored() {
    // ifname=, rd.route=, bootdev=, nameserver=, rd.neednet= belong to
    // dracut; netroot ignores them.
    let c = ok(
        "ifname=bootnet:52:54:00:12:34:56 rd.route=192.168.200.0/24:192.168.100.222:ens10 \
                bootdev=ens10 nameserver=192.168.1.2 rd.neednet=1 vlan=vlan5:eth0 \
                BOOTIF=01-52-54-00-12-34-56 ip=dhcp",
    );
    assert_eq!(c.bootif, Some([0x52, 0x54, 0, 0x12, 0x34, 0x56]));
    assert_eq!(c.ip.len(), 1);
    assert_eq!(c.root, RootSpec::None);
}

#[test]
fn dracut_nfs_roots() {
    // root=[<server-ip>:]<root-dir>[:<nfs-options>]
    let c = ok("root=192.168.1.1:/nfs/client:ro,vers=3");
    let n = nfs(&c);
    assert_eq!(n.server, Some(Host::Addr(a("192.168.1.1"))));
    assert_eq!(n.path.as_deref(), Some("/nfs/client"));
    assert_eq!(n.options, vec!["ro"]);
    assert_eq!(n.version, Some(NfsVersion::V3));
    // root=nfs:[<server-ip>:]<root-dir>[:<nfs-options>]
    let c = ok("root=nfs:192.168.1.1:/nfs/client");
    assert_eq!(nfs(&c).server, Some(Host::Addr(a("192.168.1.1"))));
    assert_eq!(nfs(&c).version, None);
    // without a server: dracut uses the DHCP next-server
    let c = ok("root=nfs:/nfs/client:tcp");
    assert_eq!(nfs(&c).server, None);
    assert_eq!(nfs(&c).options, vec!["tcp"]);
    // root=nfs4:...
    let c = ok("root=nfs4:srv.lab:/exports/%s:noatime,vers=4.2");
    let n = nfs(&c);
    assert_eq!(n.server, Some(Host::Name("srv.lab".into())));
    assert_eq!(n.path.as_deref(), Some("/exports/%s"));
    assert_eq!(n.options, vec!["noatime"]);
    assert_eq!(n.version, Some(NfsVersion::V4_2));
    assert_eq!(
        nfs(&ok("root=nfs4:10.0.0.1:/x")).version,
        Some(NfsVersion::V4Any)
    );
    // kernel-style ',' after the path
    let c = ok("root=nfs:10.0.0.1:/x,soft");
    assert_eq!(nfs(&c).options, vec!["soft"]);
    // root=dhcp / netroot=dhcp: everything from the DHCP root-path
    assert_eq!(nfs(&ok("root=dhcp")), &NfsRoot::default());
    assert_eq!(nfs(&ok("root=/dev/root netroot=dhcp")), &NfsRoot::default());
    // root=/dev/nfs nfsroot=... (deprecated in dracut, the kernel's way)
    let c = ok("root=/dev/nfs nfsroot=10.0.0.1:/arch");
    assert_eq!(nfs(&c).path.as_deref(), Some("/arch"));
    // a local root wins over nfsroot=
    assert_eq!(
        ok("root=/dev/sda2 nfsroot=10.0.0.1:/arch").root,
        RootSpec::None
    );
    assert_eq!(ok("root=UUID=1234-5678 ro").root, RootSpec::None);
}

#[test]
fn dracut_nbd_roots() {
    // root=nbd:<server>:<port>[:<fstype>[:<rootflags>[:<nbdopts>]]]
    let c = ok("root=nbd:192.168.1.1:10809");
    assert_eq!(
        nbd(&c),
        &NbdRoot {
            server: Host::Addr(a("192.168.1.1")),
            port: 10809,
            export: String::new(),
            fstype: None,
            flags: None,
            nbd_options: vec![],
        }
    );
    let c = ok("root=nbd:srv:10810/arch:btrfs:compress=lzo,ro:timeout=30,bs=4096");
    assert_eq!(
        nbd(&c),
        &NbdRoot {
            server: Host::Name("srv".into()),
            port: 10810,
            export: "arch".into(),
            fstype: Some("btrfs".into()),
            flags: Some("compress=lzo,ro".into()),
            nbd_options: vec!["timeout=30".into(), "bs=4096".into()],
        }
    );
    // "If "exportname" instead of "port" is given the standard port is used."
    let c = ok("root=/dev/root netroot=nbd:192.168.1.1:arch:ext4");
    let b = nbd(&c);
    assert_eq!(
        (b.port, b.export.as_str(), b.fstype.as_deref()),
        (NBD_PORT, "arch", Some("ext4"))
    );
    // root= beats netroot= (parse-nbdroot.sh)
    let c = ok("netroot=nbd:10.0.0.9:1 root=nbd:10.0.0.1:2");
    assert_eq!(nbd(&c).server, Host::Addr(a("10.0.0.1")));
}

#[test]
fn dracut_root_path_examples_merge() {
    // root-path=<server-ip>:<root-dir>[,<nfs-options>]
    // root-path=nfs:<server-ip>:<root-dir>[,<nfs-options>]
    // root-path=nfs4:<server-ip>:<root-dir>[,<nfs-options>]
    let client = IpAddr::V4(a("10.0.0.5"));
    let cmd = NfsRoot::default();
    let r = merge_nfs(
        &cmd,
        Some("10.0.0.9:/srv/%s,vers=3,tcp"),
        None,
        None,
        client,
    )
    .unwrap();
    assert_eq!(
        r,
        ResolvedNfs {
            server: Host::Addr(a("10.0.0.9")),
            path: "/srv/10.0.0.5".into(),
            options: vec!["tcp".into()],
            version: Some(NfsVersion::V3),
        }
    );
    let r = merge_nfs(
        &cmd,
        Some("nfs:10.0.0.9:/srv/root,soft"),
        None,
        None,
        client,
    )
    .unwrap();
    assert_eq!(
        (r.path.as_str(), r.options.clone(), r.version),
        ("/srv/root", vec!["soft".to_string()], None)
    );
    let r = merge_nfs(
        &cmd,
        Some("nfs4:files.lab:/root,noatime"),
        None,
        None,
        client,
    )
    .unwrap();
    assert_eq!(r.server, Host::Name("files.lab".into()));
    assert_eq!(r.version, Some(NfsVersion::V4Any));
    assert_eq!(r.options, vec!["noatime"]);
}

// ------------------------------------------------------------ mkinitcpio-nbd

#[test]
fn mkinitcpio_nbd_usage() {
    // "set 'root=/dev/nbd0' and the 'ip' parameter from the 'net' hook";
    // nbd_host and nbd_name required, nbd_port only if not 10809.
    let c = ok("ip=::::::dhcp nbd_host=192.168.0.1 nbd_name=arch root=/dev/nbd0");
    assert_eq!(
        nbd(&c),
        &NbdRoot {
            server: Host::Addr(a("192.168.0.1")),
            port: 10809,
            export: "arch".into(),
            fstype: None,
            flags: None,
            nbd_options: vec![],
        }
    );
    assert_eq!(c.ip[0].autoconf, Autoconf::Dhcp);
    let c = ok("ip=dhcp nbd_host=nbd.lab nbd_name=root nbd_port=10810 root=/dev/nbd0 rootfstype=btrfs rootflags=compress=lzo rw");
    let b = nbd(&c);
    assert_eq!(
        (b.server.to_string(), b.port, b.export.as_str()),
        ("nbd.lab".into(), 10810, "root")
    );
    assert_eq!(c.rootfstype.as_deref(), Some("btrfs"));
    assert_eq!(c.rootflags.as_deref(), Some("compress=lzo"));
    assert!(!c.mount_read_only());
    assert_eq!(
        err("root=/dev/nbd0 nbd_name=arch"),
        "root=: \"/dev/nbd0\" needs nbd_host= (and nbd_name=) or root=nbd:<server>:<port>"
    );
}

// ------------------------------------------------------ generic parameters

#[test]
fn generic_and_netroot_options() {
    let c = ok(
        "quiet ro rw init=/usr/lib/systemd/systemd panic=30 netroot.timeout=120 \
                netroot.debug netroot.shell=0 netroot.state=/var/log,/var/lib/dhcp/ \
                netroot.state=/var/log,/srv netroot.overlay=tmpfs netroot.renew -- single \"a b\"",
    );
    assert!(c.quiet);
    assert_eq!(c.read_only, Some(false), "last of ro/rw wins");
    assert_eq!(c.init.as_deref(), Some("/usr/lib/systemd/systemd"));
    assert_eq!(c.panic, Some(30));
    assert_eq!(c.options.timeout, Duration::from_secs(120));
    assert!(c.options.debug);
    assert!(!c.options.shell);
    assert_eq!(c.options.state, vec!["/var/log", "/var/lib/dhcp", "/srv"]);
    assert_eq!(c.options.overlay, Some(Overlay::Tmpfs));
    assert_eq!(c.options.renew, Some(true));
    assert_eq!(ok("netroot.renew=0").options.renew, Some(false));
    assert_eq!(ok("netroot.renew=1").options.renew, Some(true));
    assert_eq!(
        ok("netroot.renew=0 netroot.renew").options.renew,
        Some(true)
    );
    assert_eq!(ok("").options.renew, None, "decided from the new root");
    assert_eq!(c.init_args, vec!["single", "a b"]);
    assert_eq!(c.on_failure(), OnFailure::Reboot(30));
    assert_eq!(ok("panic=30 netroot.shell").on_failure(), OnFailure::Shell);
    assert_eq!(ok("panic=0").on_failure(), OnFailure::Retry);
    assert_eq!(ok("panic=-1").on_failure(), OnFailure::Retry);
    assert_eq!(ok("rw ro").read_only, Some(true));
    assert_eq!(ok("").read_only, None);
    assert_eq!(ok("").options.nbd_give_up, None);
    let t = ok("rd.net.timeout.carrier=45 rd.net.timeout.dhcp=20").options;
    assert_eq!(t.timeout_carrier, Some(Duration::from_secs(45)));
    assert_eq!(t.timeout_dhcp, Some(Duration::from_secs(20)));
    assert_eq!(ok("").options.timeout_carrier, None);
    assert_eq!(ok("").options.timeout_dhcp, None);
    assert_eq!(
        ok("netroot.nbd.give-up=10").options.nbd_give_up,
        Some(Duration::from_secs(10))
    );
    assert_eq!(
        ok("netroot.nbd.give-up=10 netroot.nbd.give-up=604800")
            .options
            .nbd_give_up,
        Some(Duration::from_secs(604_800)),
        "the last one wins"
    );
    // Parameters after `--` are init's, not ours.
    assert_eq!(ok("-- ip=bogus:::").ip, vec![]);
    // Unknown parameters and unknown bare words are ignored.
    assert_eq!(
        ok("console=ttyS0,115200 loglevel=7 splash rd.shell foo=bar=baz"),
        BootConfig::default()
    );
}

#[test]
fn tokenizer_matches_the_kernel_on_common_spellings() {
    let t =
        tokenize("root=/dev/nfs  nfsroot=\"10.0.0.1:/with space\"  \"init=/bin/my init\" -- -s\n");
    assert_eq!(
        t.params,
        vec![
            ("root".to_string(), Some("/dev/nfs".to_string())),
            (
                "nfsroot".to_string(),
                Some("10.0.0.1:/with space".to_string())
            ),
            ("init".to_string(), Some("/bin/my init".to_string())),
        ]
    );
    assert_eq!(t.init_args, vec!["-s"]);
    let c = ok("nfsroot=\"10.0.0.1:/with space\"");
    assert_eq!(nfs(&c).path.as_deref(), Some("/with space"));
}

// ---------------------------------------------------------------- merging

#[test]
fn merge_precedence_defaults_dhcp_cmdline() {
    let client = IpAddr::V4(a("10.0.0.5"));
    // Nothing at all: no server.
    assert_eq!(
        merge_nfs(&NfsRoot::default(), None, None, None, client),
        Err(Error::NoServer)
    );
    // Defaults only, server from the DHCP server.
    let r = merge_nfs(&NfsRoot::default(), None, None, Some(a("10.0.0.2")), client).unwrap();
    assert_eq!(r.server, Host::Addr(a("10.0.0.2")));
    assert_eq!(r.path, "/tftpboot/10.0.0.5");
    assert!(r.options.is_empty());
    // ip= server-ip beats the DHCP server; the root-path server beats both.
    let r = merge_nfs(
        &NfsRoot::default(),
        None,
        Some(IpAddr::V4(a("10.0.0.3"))),
        Some(a("10.0.0.2")),
        client,
    )
    .unwrap();
    assert_eq!(r.server, Host::Addr(a("10.0.0.3")));
    let r = merge_nfs(
        &NfsRoot::default(),
        Some("10.0.0.4:/rp"),
        Some(IpAddr::V4(a("10.0.0.3"))),
        Some(a("10.0.0.2")),
        client,
    )
    .unwrap();
    assert_eq!(
        (r.server, r.path.as_str()),
        (Host::Addr(a("10.0.0.4")), "/rp")
    );
    // Root-path without server: path only.
    let r = merge_nfs(
        &NfsRoot::default(),
        Some("/rp/%s"),
        None,
        Some(a("10.0.0.2")),
        client,
    )
    .unwrap();
    assert_eq!(
        (r.server, r.path.as_str()),
        (Host::Addr(a("10.0.0.2")), "/rp/10.0.0.5")
    );
    // "default" keeps the default path; options still apply.
    let r = merge_nfs(
        &NfsRoot::default(),
        Some("default,rsize=8192"),
        None,
        Some(a("10.0.0.2")),
        client,
    )
    .unwrap();
    assert_eq!(
        (r.path.as_str(), r.options.clone()),
        ("/tftpboot/10.0.0.5", vec!["rsize=8192".to_string()])
    );
    // The command line beats the root-path; options: root-path's then ours.
    let cmd = root::parse_nfsroot("10.0.0.1:/arch,hard,vers=4.1").unwrap();
    let r = merge_nfs(
        &cmd,
        Some("10.0.0.9:/other,soft,vers=3"),
        None,
        Some(a("10.0.0.2")),
        client,
    )
    .unwrap();
    assert_eq!(
        r,
        ResolvedNfs {
            server: Host::Addr(a("10.0.0.1")),
            path: "/arch".into(),
            options: vec!["soft".into(), "hard".into()],
            version: Some(NfsVersion::V4_1),
        }
    );
    // Command line with options only: path and server from the root-path.
    let cmd = root::parse_nfsroot(",noatime").unwrap();
    let r = merge_nfs(&cmd, Some("10.0.0.9:/other/%s"), None, None, client).unwrap();
    assert_eq!(
        (r.server, r.path.as_str()),
        (Host::Addr(a("10.0.0.9")), "/other/10.0.0.5")
    );
    assert_eq!(r.options, vec!["noatime"]);
    // expand_path replaces every %s.
    let n = NfsRoot {
        path: Some("/a/%s/b/%s".into()),
        ..NfsRoot::default()
    };
    assert_eq!(n.expand_path(client), "/a/10.0.0.5/b/10.0.0.5");
}

#[test]
fn merge_rejects_bad_root_paths() {
    let client = IpAddr::V4(a("10.0.0.5"));
    let e = |rp: &str| {
        merge_nfs(
            &NfsRoot::default(),
            Some(rp),
            None,
            Some(a("10.0.0.5")),
            client,
        )
        .unwrap_err()
        .to_string()
    };
    assert_eq!(
        e("nbd:10.0.0.1:10809"),
        "DHCP root-path (option 17) \"nbd:10.0.0.1:10809\" is not an NFS root path"
    );
    assert_eq!(
        e("10.0.0.1:/x,vers=2"),
        "DHCP root-path (option 17) \"10.0.0.1:/x,vers=2\" has nfs-options \"vers=2\" that is not an NFS version netroot mounts (3, 4, 4.0, 4.1, 4.2)"
    );
    assert_eq!(
        e("bad!host:/x"),
        "DHCP root-path (option 17) \"bad!host:/x\" has server-ip \"bad!host\" that is not an IPv4 address, a bracketed IPv6 address or a host name"
    );
}

// --------------------------------------------------------------- malformed

#[test]
fn malformed_parameters_name_the_parameter_field_and_value() {
    let cases = [
        (
            "ip=10.0.0.2::10.0.0.1:255.0.300.0",
            r#"ip=: field 4 (netmask) "255.0.300.0" is not an IPv4 address"#,
        ),
        (
            "ip=10.0.0.2::10.0.0.1:255.0.255.0",
            r#"ip=: field 4 (netmask) "255.0.255.0" is not a contiguous netmask"#,
        ),
        (
            "nfsaddrs=10.0.0.300",
            r#"nfsaddrs=: field 1 (client-ip) "10.0.0.300" is not an IPv4 address"#,
        ),
        (
            "ip=10.0.0.2:srv",
            r#"ip=: field 2 (server-ip) "srv" is not an IPv4 address"#,
        ),
        (
            "ip=10.0.0.2::gw",
            r#"ip=: field 3 (gw-ip) "gw" is not an IPv4 address"#,
        ),
        (
            "ip=:::::eth0:dhcp:1.2.3",
            r#"ip=: field 8 (dns0-ip) "1.2.3" is not an IPv4 address"#,
        ),
        (
            "ip=:::::eth0:dhcp::x",
            r#"ip=: field 9 (dns1-ip) "x" is not an IPv4 address"#,
        ),
        (
            "ip=:::::eth0:dhcp:::ntp",
            r#"ip=: field 10 (ntp0-ip) "ntp" is not an IPv4 address"#,
        ),
        (
            "ip=dhpc",
            r#"ip=: "dhpc" is not an autoconf method (off, none, on, any, dhcp, bootp, both, static, all, dhcp6, auto6, either6) nor an IPv4 address"#,
        ),
        (
            "ip=:::::eth0:dhcpx",
            r#"ip=: field 7 (autoconf) "dhcpx" is not an autoconf method (off, none, on, any, dhcp, bootp, both, static, all, dhcp6, auto6, either6)"#,
        ),
        (
            "ip=rarp",
            r#"ip=: field 7 (autoconf) "rarp" is not supported by netroot (use dhcp or a static address)"#,
        ),
        (
            "ip=dhcp,abc,foo",
            r#"ip=: field 7 (autoconf) "dhcp,abc,foo" has a client-id type that is not a number from 0 to 255"#,
        ),
        (
            "ip=dhcp,1",
            r#"ip=: field 7 (autoconf) "dhcp,1" has no client-id value (dhcp,<client-id-type>,<client-id-value>)"#,
        ),
        (
            "ip=eth0:dhcp:10",
            r#"ip=: field 3 (mtu) "10" is not an MTU (68 to 65535)"#,
        ),
        (
            "ip=eth0:dhcp:1500:zz:bb:cc:dd:ee:ff",
            r#"ip=: field 4 (macaddr) "zz:bb:cc:dd:ee:ff" is not a MAC address"#,
        ),
        (
            "ip=10.0.0.2::::::off:1500:52:54:00",
            r#"ip=: "10.0.0.2::::::off:1500:52:54:00" has 11 fields; at most 10 (<client-ip>:...:<ntp0-ip>) or 14 (...:<autoconf>:<mtu>:<macaddr>)"#,
        ),
        (
            "ip=[2001:db8::zz]:::64::eth0:none",
            r#"ip=: field 1 (client-ip) "[2001:db8::zz]" is not an IPv6 address"#,
        ),
        (
            "ip=[2001:db8::2]:::129::eth0:none",
            r#"ip=: field 4 (netmask) "129" is not an IPv6 prefix length (1 to 128)"#,
        ),
        (
            "ip=[2001:db8::2/64]:::48::eth0:none",
            r#"ip=: "[2001:db8::2/64]:::48::eth0:none" gives two prefix lengths (64 in the brackets, 48 in field 4)"#,
        ),
        (
            "ip=[2001:db8::2]::10.0.0.1:64::eth0:none",
            r#"ip=: "[2001:db8::2]::10.0.0.1:64::eth0:none" mixes an IPv4 and an IPv6 address in client-ip and gw-ip (give one ip= per family)"#,
        ),
        (
            "ip=[2001:db8::2]:::64::eth0:dhcp6",
            r#"ip=: "[2001:db8::2]:::64::eth0:dhcp6" gives a static IPv6 address and the IPv6 method dhcp6; give one"#,
        ),
        (
            "ip=[2001:db8::2:::64::eth0:none",
            r#"ip=: "[2001:db8::2:::64::eth0:none" has a '[' without its ']'"#,
        ),
        (
            "ip=2001:db8::2",
            r#"ip=: "2001:db8::2" is an IPv6 address without brackets (write [addr]::[gateway]:<prefix>:<hostname>:<interface>:none)"#,
        ),
        (
            "ip=eth0:dhcp6,auto6",
            r#"ip=: field 2 (autoconf) "dhcp6,auto6" names two IPv6 methods (dhcp6 and auto6); give one"#,
        ),
        (
            "ip=10.0.0.2::::::off:[fe80::1%eth0]",
            r#"ip=: field 8 (dns0-ip) "[fe80::1%eth0]" is not an IPv6 address"#,
        ),
        (
            "ip=:::::a-very-long-interface-name:dhcp",
            r#"ip=: field 6 (device) "a-very-long-interface-name" is not an interface name (at most 15 characters, no '/', ':' or spaces)"#,
        ),
        (
            "ip=::::bad!host::dhcp",
            r#"ip=: field 5 (hostname) "bad!host" is not a host name (letters, digits, '-' and '_', at most 64 characters, then an optional .<nis-domain>)"#,
        ),
        (
            "BOOTIF=02-aa-bb-cc-dd-ee-ff",
            r#"BOOTIF=: "02-aa-bb-cc-dd-ee-ff" is not an Ethernet MAC address (01-aa-bb-cc-dd-ee-ff)"#,
        ),
        (
            "BOOTIF=01-aa-bb",
            r#"BOOTIF=: "01-aa-bb" is not an Ethernet MAC address (01-aa-bb-cc-dd-ee-ff)"#,
        ),
        (
            "nfsroot=10.0.0.1:/arch,vers=2",
            r#"nfsroot=: field 3 (nfs-options) "vers=2" is not an NFS version netroot mounts (3, 4, 4.0, 4.1, 4.2)"#,
        ),
        (
            "nfsroot=10.0.0.1:arch",
            r#"nfsroot=: field 2 (root-dir) "arch" is not an absolute path"#,
        ),
        (
            "nfsroot=bad!host:/x",
            r#"nfsroot=: field 1 (server-ip) "bad!host" is not an IPv4 address, a bracketed IPv6 address or a host name"#,
        ),
        (
            "nfsroot=10.0.0.256:/x",
            r#"nfsroot=: field 1 (server-ip) "10.0.0.256" is not an IPv4 address, a bracketed IPv6 address or a host name"#,
        ),
        (
            "root=nbd:10.0.0.1",
            r#"root=: field 2 (port) "" is missing (nbd:<server>:<port>[/<export>])"#,
        ),
        (
            "root=nbd:10.0.0.1:0",
            r#"root=: field 2 (port) "0" is not a TCP port (1 to 65535)"#,
        ),
        (
            "root=nbd:10.0.0.1:99999/x",
            r#"root=: field 2 (port) "99999/x" is not a TCP port (1 to 65535)"#,
        ),
        (
            "root=nbd::10809",
            r#"root=: field 1 (server) "" is not an IPv4 address, a bracketed IPv6 address or a host name"#,
        ),
        (
            "netroot=nbd:[fe80::zz]:10809",
            r#"netroot=: field 1 (server) "[fe80::zz]" is not an IPv4 address, a bracketed IPv6 address or a host name"#,
        ),
        (
            "nfsroot=[2001:db8::1:/srv",
            r#"nfsroot=: field 1 (server-ip) "[2001:db8::1:/srv" is not an IPv4 address, a bracketed IPv6 address or a host name"#,
        ),
        (
            "root=nfs4:[2001:db8::1]:srv",
            r#"root=: field 1 (server) "[2001" is not an IPv4 address, a bracketed IPv6 address or a host name"#,
        ),
        (
            "root=nfs:10.0.0.1:x",
            r#"root=: field 2 (root-dir) "x" is not an absolute path"#,
        ),
        (
            "root=nfs4:10.0.0.1:/x:vers=3",
            r#"root=: "nfs4:10.0.0.1:/x:vers=3" asks for nfs4 but its options say NFS version 3"#,
        ),
        (
            "netroot=iscsi:10.0.0.1::::iqn.2009-06.dracut:target0",
            r#"netroot=: "iscsi:10.0.0.1::::iqn.2009-06.dracut:target0" is not supported by netroot (nfs:, nfs4:, nbd:, live:, dhcp)"#,
        ),
        (
            "nbd_host=bad!host",
            r#"nbd_host=: "bad!host" is not an IPv4 address, a bracketed IPv6 address or a host name"#,
        ),
        (
            "nbd_port=70000",
            r#"nbd_port=: "70000" is not a TCP port (1 to 65535)"#,
        ),
        ("panic=soon", r#"panic=: "soon" is not a number of seconds"#),
        (
            "init=",
            r#"init=: "" is empty (give the path of the init program)"#,
        ),
        (
            "netroot.timeout=0",
            r#"netroot.timeout=: "0" is not a number of seconds from 1 to 86400"#,
        ),
        (
            "netroot.timeout=90s",
            r#"netroot.timeout=: "90s" is not a number of seconds from 1 to 86400"#,
        ),
        (
            "rd.net.timeout.carrier=0",
            r#"rd.net.timeout.carrier=: "0" is not a number of seconds from 1 to 86400"#,
        ),
        (
            "rd.net.timeout.dhcp=1m",
            r#"rd.net.timeout.dhcp=: "1m" is not a number of seconds from 1 to 86400"#,
        ),
        (
            "netroot.nbd.give-up=0",
            r#"netroot.nbd.give-up=: "0" is not a number of seconds from 1 to 604800"#,
        ),
        (
            "netroot.nbd.give-up=1h",
            r#"netroot.nbd.give-up=: "1h" is not a number of seconds from 1 to 604800"#,
        ),
        (
            "netroot.nbd.give-up=604801",
            r#"netroot.nbd.give-up=: "604801" is not a number of seconds from 1 to 604800"#,
        ),
        (
            "netroot.debug=maybe",
            r#"netroot.debug=: "maybe" is not a boolean (1, yes, true, on, 0, no, false, off)"#,
        ),
        (
            "netroot.renew=2",
            r#"netroot.renew=: "2" is not a boolean (1, yes, true, on, 0, no, false, off)"#,
        ),
        (
            "netroot.state=var/log",
            r#"netroot.state=: "var/log" is not an absolute path below / (without '..')"#,
        ),
        (
            "netroot.state=/var/../etc",
            r#"netroot.state=: "/var/../etc" is not an absolute path below / (without '..')"#,
        ),
        (
            "netroot.overlay=zram",
            r#"netroot.overlay=: "zram" is not an overlay type (tmpfs, none)"#,
        ),
        (
            "netroot.syslog=10.0.2.2:0",
            r#"netroot.syslog=: "0" is not a UDP port (1 to 65535)"#,
        ),
        (
            "netroot.syslog=:514",
            r#"netroot.syslog=: ":514" names no host (<host>[:<port>] or dhcp)"#,
        ),
        (
            "netroot.syslog=log/host",
            r#"netroot.syslog=: "log/host" is not an IPv4 address, a bracketed IPv6 address or a host name"#,
        ),
        (
            "netroot.syslog=dhcp:x",
            r#"netroot.syslog=: "x" is not a UDP port (1 to 65535)"#,
        ),
        (
            "root=live:",
            r#"root=: "live:" needs a URL: live:http://<server>[:<port>]/<image>"#,
        ),
        (
            "root=live:/dev/sr0",
            r#"root=: "live:/dev/sr0" names a local image; netroot fetches live images over http:// only"#,
        ),
        (
            "root=live:ftp://s/r.img",
            r#"root=: "live:ftp://s/r.img" is not an http:// or https:// URL"#,
        ),
        (
            "root=live:http://s:http/r.img",
            r#"root=: "live:http://s:http/r.img" has port "http" that is not a TCP port (1 to 65535)"#,
        ),
        (
            "netroot=live:http://a%b/r",
            r#"netroot=: "live:http://a%b/r" has server "a%b" that is not an IP address (IPv6 in brackets) or host name"#,
        ),
        (
            "netroot.sha256=abc",
            r#"netroot.sha256=: "abc" is not a SHA-256 digest (64 hexadecimal digits, as sha256sum prints it)"#,
        ),
    ];
    for (line, want) in cases {
        assert_eq!(err(line), want, "{line}");
    }
}

#[test]
fn syslog_target() {
    use netroot::cmdline::{Host, Syslog};
    let at = |line: &str| ok(line).options.syslog;
    assert_eq!(at(""), None);
    assert_eq!(
        at("netroot.syslog=10.0.2.2"),
        Some(Syslog::Host {
            host: Host::Addr(Ipv4Addr::new(10, 0, 2, 2)),
            port: 514
        })
    );
    assert_eq!(
        at("netroot.syslog=10.0.2.2:5514"),
        Some(Syslog::Host {
            host: Host::Addr(Ipv4Addr::new(10, 0, 2, 2)),
            port: 5514
        })
    );
    assert_eq!(
        at("netroot.syslog=loghost.lab:1514"),
        Some(Syslog::Host {
            host: Host::Name("loghost.lab".into()),
            port: 1514
        })
    );
    assert_eq!(at("netroot.syslog=dhcp"), Some(Syslog::Dhcp { port: 514 }));
    assert_eq!(
        at("netroot.syslog=dhcp:601"),
        Some(Syslog::Dhcp { port: 601 })
    );
    // The last one wins; off turns it off again.
    assert_eq!(at("netroot.syslog=dhcp netroot.syslog=off"), None);
    assert_eq!(
        ok("netroot.syslog=10.0.2.2:5514")
            .options
            .syslog
            .unwrap()
            .to_string(),
        "10.0.2.2:5514"
    );
}

#[test]
fn bootif_is_case_insensitive() {
    for line in [
        "BOOTIF=01-aa-bb-cc-dd-ee-ff",
        "BOOTIF=01-AA-BB-CC-DD-EE-FF",
        "bootif=01-Aa-bB-cc-DD-ee-FF",
        "BOOTIF=aa:bb:cc:dd:ee:ff",
    ] {
        assert_eq!(
            ok(line).bootif,
            Some([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]),
            "{line}"
        );
    }
}

#[test]
fn display_writes_kernel_syntax() {
    for (input, shown) in [
        ("dhcp", "dhcp"),
        ("", "off"),
        ("none", "off"),
        ("dhcp,1,00:11:22", "dhcp,1,00:11:22"),
        (":::::eth0:dhcp", ":::::eth0:dhcp"),
        ("eth0:dhcp", ":::::eth0:dhcp"),
        (
            "eth0:on:1500:52:54:00:12:34:56",
            ":::::eth0:any:1500:52:54:00:12:34:56",
        ),
        (
            "10.0.0.5::10.0.0.1:255.255.255.0:h.nis:eth0",
            "10.0.0.5::10.0.0.1:255.255.255.0:h.nis:eth0:static",
        ),
        (
            "10.0.0.5:::::eth0:off:::10.0.0.123",
            "10.0.0.5:::::eth0:off:::10.0.0.123",
        ),
        (
            "10.0.0.5:::::eth0:off:0.0.0.0:10.0.0.54",
            "10.0.0.5:::::eth0:off:10.0.0.54",
        ),
    ] {
        let p = ip::parse("ip", input).unwrap();
        assert_eq!(p.to_string(), shown, "{input}");
        assert_eq!(ip::parse("ip", shown).unwrap(), p, "{input} -> {shown}");
    }
}

#[test]
fn machine_id_parameter() {
    use netroot::cmdline::MachineIdMode;
    let mode = |line: &str| parse(line).unwrap().options.machine_id;
    assert_eq!(mode(""), MachineIdMode::Auto);
    assert_eq!(mode("netroot.machine-id=keep"), MachineIdMode::Keep);
    assert_eq!(mode("netroot.machine-id=auto"), MachineIdMode::Auto);
    assert_eq!(
        mode("netroot.machine-id=0123456789ABCDEF0123456789abcdef"),
        MachineIdMode::Fixed("0123456789abcdef0123456789abcdef".into())
    );
    // The last one wins, as for every other parameter.
    assert_eq!(
        mode("netroot.machine-id=keep netroot.machine-id=auto"),
        MachineIdMode::Auto
    );
    for (line, msg) in [
        (
            "netroot.machine-id=yes",
            r#"netroot.machine-id=: "yes" is not keep, auto or a machine id of 32 hexadecimal digits"#,
        ),
        (
            "netroot.machine-id=0123456789abcdef0123456789abcde",
            r#"netroot.machine-id=: "0123456789abcdef0123456789abcde" is not keep, auto or a machine id of 32 hexadecimal digits"#,
        ),
        (
            "netroot.machine-id=0123456789abcdef-123456789abcdef",
            r#"netroot.machine-id=: "0123456789abcdef-123456789abcdef" is not keep, auto or a machine id of 32 hexadecimal digits"#,
        ),
        (
            "netroot.machine-id=00000000000000000000000000000000",
            r#"netroot.machine-id=: "00000000000000000000000000000000" is the null id (machine-id(5) does not allow all zeros)"#,
        ),
        (
            "netroot.machine-id",
            r#"netroot.machine-id=: "" needs a value: keep, auto or 32 hexadecimal digits"#,
        ),
    ] {
        assert_eq!(parse(line).unwrap_err().to_string(), msg, "{line}");
    }
}

#[test]
fn nfs4_unique_id_parameter() {
    let id = |line: &str| parse(line).unwrap().options.nfs4_unique_id;
    assert_eq!(id(""), None);
    assert_eq!(
        id("nfs.nfs4_unique_id=lab-pc-7").as_deref(),
        Some("lab-pc-7")
    );
    assert_eq!(
        id("nfs.nfs4-unique-id=lab-pc-8").as_deref(),
        Some("lab-pc-8")
    );
    assert_eq!(id("nfs.nfs4_unique_id="), None);
    let long = format!("nfs.nfs4_unique_id={}", "x".repeat(64));
    assert_eq!(
        parse(&long).unwrap_err().to_string(),
        format!(
            r#"nfs.nfs4_unique_id=: "{}" is not 1 to 63 printable characters without spaces"#,
            "x".repeat(64)
        )
    );
}

// ------------------------------------------------ vlan=, bond=, bridge=, ifname=

#[test]
fn dracut_virtual_devices() {
    use netroot::cmdline::netdev::{Bond, BondOptions, Bridge, IfName, Vlan};
    let vlan = |name: &str, parent: &str, id: u16| Vlan {
        name: name.into(),
        parent: parent.into(),
        id,
    };
    // dracut.cmdline(7)'s four VLAN naming styles.
    for (line, want) in [
        ("vlan=vlan0005:eth0", vlan("vlan0005", "eth0", 5)),
        ("vlan=vlan5:eth0", vlan("vlan5", "eth0", 5)),
        ("vlan=eth0.0005:eth0", vlan("eth0.0005", "eth0", 5)),
        ("vlan=eth0.4094:eth0", vlan("eth0.4094", "eth0", 4094)),
        ("vlan=bond0.12:bond0", vlan("bond0.12", "bond0", 12)),
    ] {
        assert_eq!(ok(line).netdevs.vlans, vec![want], "{line}");
    }
    let c = ok("bond=bond0:eth0,eth1:mode=active-backup,miimon=100,primary=eth1:9000");
    assert_eq!(
        c.netdevs.bonds,
        vec![Bond {
            name: "bond0".into(),
            slaves: vec!["eth0".into(), "eth1".into()],
            options: BondOptions {
                mode: 1,
                miimon: Some(100),
                primary: Some("eth1".into()),
                ..BondOptions::default()
            },
            mtu: Some(9000),
        }]
    );
    assert_eq!(
        c.netdevs.bonds[0].options.pairs(),
        vec![
            ("mode", "active-backup".to_string()),
            ("miimon", "100".to_string()),
            ("primary", "eth1".to_string())
        ]
    );
    // Bare forms: dracut's defaults.
    let c = ok("bond");
    assert_eq!(c.netdevs.bonds[0].name, "bond0");
    assert_eq!(c.netdevs.bonds[0].slaves, vec!["eth0", "eth1"]);
    assert_eq!(c.netdevs.bonds[0].options.mode_name(), "balance-rr");
    assert_eq!(
        ok("bridge").netdevs.bridges,
        vec![Bridge {
            name: "br0".into(),
            ports: vec!["eth0".into()]
        }]
    );
    let c = ok("bond=bond1:ens3,ens4:mode=4,lacp_rate=fast,xmit_hash_policy=layer3+4");
    assert_eq!(c.netdevs.bonds[0].options.mode_name(), "802.3ad");
    assert_eq!(c.netdevs.bonds[0].options.lacp_rate, Some(1));
    assert_eq!(c.netdevs.bonds[0].options.xmit_hash_policy, Some(1));
    let c = ok("bridge=br1:eth0,eth2 ifname=lan0:52:54:00:12:34:56");
    assert_eq!(c.netdevs.bridges[0].ports, vec!["eth0", "eth2"]);
    assert_eq!(
        c.netdevs.ifnames,
        vec![IfName {
            name: "lan0".into(),
            mac: [0x52, 0x54, 0, 0x12, 0x34, 0x56]
        }]
    );
    // A VLAN on a bond: the VLAN is where the address goes.
    let c = ok("bond=bond0:eth0,eth1 vlan=vlan7:bond0");
    assert_eq!(c.netdevs.top_level(), vec!["vlan7"]);
    assert_eq!(c.netdevs.modules(), vec!["bonding", "8021q"]);
    let c = ok("bond=bond0:eth0,eth1 bridge=br0:bond0");
    assert_eq!(c.netdevs.top_level(), vec!["br0"]);
    assert!(ok("").netdevs.is_empty());
}

#[test]
fn dracut_virtual_device_errors() {
    for (line, want) in [
        (
            "vlan=eth0",
            r#"vlan=: "eth0" is not <vlan name>:<interface>"#,
        ),
        (
            "vlan=vlan:eth0",
            r#"vlan=: "vlan:eth0" has no VLAN id 1-4094 in its name (vlan0005, vlan5, eth0.0005, eth0.5)"#,
        ),
        (
            "vlan=eth0.4095:eth0",
            r#"vlan=: "eth0.4095:eth0" has no VLAN id 1-4094 in its name (vlan0005, vlan5, eth0.0005, eth0.5)"#,
        ),
        (
            "vlan=averyveryverylongname.5:eth0",
            r#"vlan=: "averyveryverylongname.5:eth0" has "averyveryverylongname.5", not an interface name (1 to 15 characters, no '/', ':' or spaces)"#,
        ),
        (
            "bond=bond0:eth0,eth1:mode=fast",
            r#"bond=: "bond0:eth0,eth1:mode=fast" has mode=fast, not one of balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb"#,
        ),
        (
            "bond=bond0:eth0,eth1:miimon=1s",
            r#"bond=: "bond0:eth0,eth1:miimon=1s" has miimon=1s, not a number of milliseconds"#,
        ),
        (
            "bond=bond0:eth0,eth1:arp_interval=100",
            r#"bond=: "bond0:eth0,eth1:arp_interval=100" has bonding option arp_interval, which netroot does not set (mode, miimon, updelay, downdelay, primary, lacp_rate, xmit_hash_policy)"#,
        ),
        (
            "bond=bond0:eth0,eth1:mode=1,primary=eth2",
            r#"bond=: "bond0:eth0,eth1:mode=1,primary=eth2" has primary=eth2, which is not one of its members"#,
        ),
        (
            "bond=bond0:eth0,eth1::12",
            r#"bond=: "bond0:eth0,eth1::12" has an MTU that is not 68 to 65535"#,
        ),
        (
            "bond=bond0:eth0,,eth1",
            r#"bond=: "bond0:eth0,,eth1" has "", not an interface name (1 to 15 characters, no '/', ':' or spaces)"#,
        ),
        (
            "bridge=br0",
            r#"bridge=: "br0" is not <bridge name>:<ports>"#,
        ),
        (
            "ifname=lan0:52:54:00",
            r#"ifname=: "lan0:52:54:00" has no Ethernet MAC address after the name (aa:bb:cc:dd:ee:ff)"#,
        ),
        (
            "bond=br0:eth0,eth1 bridge=br0:eth2",
            r#"bridge=: "br0" names a device that bond= defines too"#,
        ),
        (
            "bond=bond0:eth0,eth1 bridge=br0:eth1",
            r#"bridge=: "eth1" is a member of two bonds or bridges"#,
        ),
    ] {
        assert_eq!(err(line), want, "{line}");
    }
}

#[test]
fn live_roots() {
    let c = parse("root=live:http://10.0.2.2:8080/img/root.squashfs netroot.sha256=E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855").unwrap();
    let RootSpec::Live(l) = &c.root else {
        panic!("{:?}", c.root)
    };
    assert_eq!(l.url.to_string(), "http://10.0.2.2:8080/img/root.squashfs");
    assert_eq!(l.url.port, 8080);
    assert_eq!(
        c.options.sha256.as_deref(),
        Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    // Always under the tmpfs overlay, whatever netroot.overlay= says.
    assert!(parse("root=live:http://s/r.img netroot.overlay=none")
        .unwrap()
        .options
        .overlay
        .is_some());
    // netroot=live: (dracut) and a host name with the default port.
    let c = parse("netroot=live:http://boot.lab/r.erofs").unwrap();
    let RootSpec::Live(l) = &c.root else {
        panic!("{:?}", c.root)
    };
    assert_eq!((l.url.port, l.url.path.as_str()), (80, "/r.erofs"));
    assert!(c.wants_network());
}

// ------------------------------------------------------------------ IPv6

fn a6(s: &str) -> std::net::Ipv6Addr {
    s.parse().unwrap()
}

#[test]
fn ipv6_methods_alone_on_an_interface_and_in_dracut_lists() {
    // dracut.cmdline(7): ip={dhcp|on|any|dhcp6|auto6|either6|...}
    for (line, m) in [
        ("ip=dhcp6", Mode6::Dhcp6),
        ("ip=auto6", Mode6::Auto6),
        ("ip=either6", Mode6::Either6),
    ] {
        let p = one_ip(line);
        assert_eq!(
            (p.autoconf, p.mode6, p.device),
            (Autoconf::Off, Some(m), None)
        );
        assert!(ok(line).wants_network(), "{line}");
    }
    // ip=<interface>:dhcp6 with dracut's MTU field.
    let p = one_ip("ip=eth0:dhcp6:9000");
    assert_eq!((p.mode6, p.mtu), (Some(Mode6::Dhcp6), Some(9000)));
    // dracut's ifup runs each word of a comma list: both families.
    let p = one_ip("ip=eth0:dhcp,dhcp6");
    assert_eq!((p.autoconf, p.mode6), (Autoconf::Dhcp, Some(Mode6::Dhcp6)));
    let p = one_ip("ip=any,auto6");
    assert_eq!((p.autoconf, p.mode6), (Autoconf::Any, Some(Mode6::Auto6)));
    assert_eq!(p.to_string(), "any,auto6");
    // The kernel's dhcp,<type>,<value> is not a list.
    let p = one_ip("ip=dhcp,1,node-a");
    assert_eq!((p.client_id, p.mode6), (Some((1, "node-a".into())), None));
}

#[test]
fn ipv6_dual_stack_with_one_ip_per_family() {
    // dracut: ip= "can be specified multiple times".
    let c = ok("ip=eth0:dhcp ip=eth0:dhcp6");
    assert_eq!(c.ip.len(), 2);
    assert_eq!(c.ip[0].autoconf, Autoconf::Dhcp);
    assert_eq!(
        c.ip6().map(|(m, p)| (m, p.device.clone())),
        Some((Mode6::Dhcp6, Some("eth0".into())))
    );
    // A later one of the same family replaces the earlier.
    let c = ok("ip=eth0:dhcp6 ip=eth0:auto6 ip=eth0:dhcp");
    assert_eq!(c.ip.len(), 2);
    assert_eq!(c.ip6().map(|(m, _)| m), Some(Mode6::Auto6));
    let c = ok("ip=eth0:dhcp ip=eth0:off");
    assert_eq!(c.ip.len(), 1);
    assert_eq!(c.ip[0].autoconf, Autoconf::Off);
    // One interface is configured: the two families on two named ones is
    // refused, naming both (else IPv6 would land on eth0 without a word).
    let e = err("ip=eth0:dhcp ip=eth1:dhcp6");
    assert!(
        e.contains("IPv4 on eth0 and IPv6 on eth1") && e.starts_with("ip=:"),
        "{e}"
    );
    let e =
        err("ip=10.0.0.5::10.0.0.1:255.255.255.0::eth2:off ip=[fd00::5]::[fd00::1]:64::eth1:none");
    assert!(e.contains("IPv4 on eth2 and IPv6 on eth1"), "{e}");
    // ... but an IPv4 ip= without an interface goes with the named one
    // (net::bring_up selects eth1 for both).
    assert_eq!(ok("ip=dhcp ip=eth1:dhcp6").ip.len(), 2);
}

#[test]
fn ipv6_static_forms() {
    // dracut.cmdline(7): "If you want do define a IPv6 address, put it in
    // brackets"; the netmask field is a prefix length.
    let p = one_ip("ip=[2001:db8::10]::[2001:db8::1]:64:node7:eth0:none");
    assert_eq!(p.client6, Some((a6("2001:db8::10"), 64)));
    assert_eq!(p.gateway6, Some(a6("2001:db8::1")));
    assert_eq!((p.client, p.gateway, p.netmask), (None, None, None));
    assert_eq!((p.autoconf, p.mode6), (Autoconf::Off, Some(Mode6::Static)));
    assert_eq!(p.hostname.as_deref(), Some("node7"));
    assert_eq!(p.device.as_deref(), Some("eth0"));
    assert_eq!(
        p.to_string(),
        "[2001:db8::10]::[2001:db8::1]:64:node7:eth0:off"
    );
    // <client>:[<peer>]:<gw>: the peer is the kernel's server-ip field.
    let p = one_ip("ip=[fd00::15]:[fd00::2]:[fd00::1]:48::eth0:none:[fd00::53]:10.0.0.53");
    assert_eq!(p.client6, Some((a6("fd00::15"), 48)));
    assert_eq!(p.server6, Some(a6("fd00::2")));
    assert_eq!(p.dns6, vec![a6("fd00::53")]);
    assert_eq!(p.dns, vec![a("10.0.0.53")]);
    // The prefix in the brackets; without one dracut assumes /64.
    assert_eq!(
        one_ip("ip=[fd00::15/56]::::::none").client6,
        Some((a6("fd00::15"), 56))
    );
    assert_eq!(one_ip("ip=[fd00::15]").client6, Some((a6("fd00::15"), 64)));
    // A static IPv6 address beside IPv4 DHCP.
    let p = one_ip("ip=[fd00::15]:::64::eth0:dhcp");
    assert_eq!((p.autoconf, p.mode6), (Autoconf::Dhcp, Some(Mode6::Static)));
    assert!(ok("ip=[fd00::15]:::64::eth0:none").wants_network());
}

#[test]
fn ipv6_servers_for_nfs_and_nbd() {
    let v6 = |s: &str| Some(Host::Addr6(a6(s)));
    // nfsroot.rst's form with a bracketed server.
    let c = ok("root=/dev/nfs nfsroot=[2001:db8::1]:/srv/root,vers=4.2,tcp");
    assert_eq!(nfs(&c).server, v6("2001:db8::1"));
    assert_eq!(nfs(&c).path.as_deref(), Some("/srv/root"));
    assert_eq!(nfs(&c).version, Some(NfsVersion::V4_2));
    // dracut: root=nfs4:[<server-ip>]:<root-dir>[:<nfs-options>], nfs:,
    // and the bare <server-ip>:<root-dir>.
    for line in [
        "root=nfs4:[2001:db8::1]:/srv/root:noatime",
        "root=nfs:[2001:db8::1]:/srv/root:noatime",
        "root=[2001:db8::1]:/srv/root:noatime",
        "netroot=nfs4:[2001:db8::1]:/srv/root,noatime",
    ] {
        let c = ok(line);
        assert_eq!(nfs(&c).server, v6("2001:db8::1"), "{line}");
        assert_eq!(nfs(&c).path.as_deref(), Some("/srv/root"), "{line}");
        assert_eq!(nfs(&c).options, vec!["noatime"], "{line}");
    }
    // The DHCP root-path with a bracketed server.
    let r = merge_nfs(
        &NfsRoot::default(),
        Some("[fd00::2]:/srv/%s,vers=3"),
        None,
        None,
        IpAddr::V6(a6("fd00::15")),
    )
    .unwrap();
    assert_eq!(r.server, Host::Addr6(a6("fd00::2")));
    assert_eq!(r.path, "/srv/fd00::15");
    assert_eq!(r.version, Some(NfsVersion::V3));
    // The server-ip field of ip= as the last resort.
    let r = merge_nfs(
        &NfsRoot::default(),
        None,
        Some(IpAddr::V6(a6("fd00::2"))),
        None,
        IpAddr::V6(a6("fd00::15")),
    )
    .unwrap();
    assert_eq!(r.server, Host::Addr6(a6("fd00::2")));
    // NBD: dracut's nbd:<server>:<port/exportname>, the server in brackets.
    let c = ok("root=nbd:[2001:db8::1]:10809/root:btrfs:compress=lzo");
    let n = nbd(&c);
    assert_eq!(n.server, Host::Addr6(a6("2001:db8::1")));
    assert_eq!((n.port, n.export.as_str()), (10809, "root"));
    assert_eq!(n.fstype.as_deref(), Some("btrfs"));
    assert_eq!(n.flags.as_deref(), Some("compress=lzo"));
    let c = ok("root=nbd:[fd00::2]:arch");
    assert_eq!((nbd(&c).port, nbd(&c).export.as_str()), (NBD_PORT, "arch"));
    // mkinitcpio-nbd's nbd_host= holds the host alone: brackets optional.
    for h in ["fd00::2", "[fd00::2]"] {
        let c = ok(&format!("root=/dev/nbd0 nbd_host={h} nbd_name=r"));
        assert_eq!(nbd(&c).server, Host::Addr6(a6("fd00::2")), "{h}");
    }
    // netroot.syslog= with a bracketed IPv6 host, with and without a port.
    let c = ok("netroot.syslog=[fd00::2]:5514");
    assert_eq!(
        c.options.syslog,
        Some(netroot::cmdline::Syslog::Host {
            host: Host::Addr6(a6("fd00::2")),
            port: 5514
        })
    );
    let c = ok("netroot.syslog=[fd00::2]");
    assert!(matches!(
        c.options.syslog,
        Some(netroot::cmdline::Syslog::Host { port: 514, .. })
    ));
    assert_eq!(
        err("netroot.syslog=[fd00::2]x"),
        r#"netroot.syslog=: "x" is not a UDP port (1 to 65535)"#
    );
    // Shown as written: in brackets.
    assert_eq!(Host::Addr6(a6("fd00::2")).to_string(), "[fd00::2]");
    // root=dhcp6: the root-path from DHCPv6, read like DHCP's.
    assert_eq!(ok("root=dhcp6").root, RootSpec::Nfs(NfsRoot::default()));
}

//! The shape of `netroot explain --json` (explain::plan_json) and the text
//! plan, for the main kinds of command line.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use netroot::cmdline::parse;
use netroot::explain::{plan_json, plan_text};
use netroot::json::Value;

/// Look up a dotted path (`net.mode`) in a JSON object.
fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    let mut cur = v;
    for key in path.split('.') {
        cur = match cur {
            Value::Object(pairs) => match pairs.iter().find(|(k, _)| k == key) {
                Some((_, v)) => v,
                None => panic!("no key {key} (in {path}) in {}", cur.render()),
            },
            other => panic!("{path}: {} is not an object", other.render()),
        };
    }
    cur
}

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

fn strs(v: &[&str]) -> Value {
    Value::Array(v.iter().map(|x| s(x)).collect())
}

fn plan(line: &str) -> Value {
    plan_json(&parse(line).unwrap_or_else(|e| panic!("{line}: {e}")))
}

/// Keys the issue requires, present on every plan.
const REQUIRED: &[&str] = &[
    "net.mode",
    "net.device",
    "net.client_ip",
    "net.server_ip",
    "net.gateway",
    "net.netmask",
    "net.hostname",
    "net.dns",
    "root.kind",
    "root.server",
    "root.path",
    "root.nfs_version",
    "root.options",
    "root.port",
    "root.export",
    "root.fstype",
    "root.flags",
    "init",
];

#[test]
fn every_plan_has_the_required_keys() {
    for line in [
        "",
        "ip=dhcp nfsroot=10.0.0.1:/arch",
        "root=nbd:10.0.0.1:10809",
        "ip=10.0.0.5::10.0.0.1:255.255.255.0::eth0:off root=/dev/sda1",
    ] {
        let v = plan(line);
        for key in REQUIRED {
            let _ = get(&v, key);
        }
        assert!(matches!(get(&v, "net.dns"), Value::Array(_)), "{line}");
    }
}

#[test]
fn dracut_timeouts_in_json_and_text() {
    let line = "ip=dhcp rd.net.timeout.carrier=45 rd.net.timeout.dhcp=20 nfsroot=10.0.0.1:/arch";
    let v = plan(line);
    assert_eq!(get(&v, "net.timeout_carrier"), &Value::Int(45));
    assert_eq!(get(&v, "net.timeout_dhcp"), &Value::Int(20));
    let cfg = parse(line).unwrap();
    let text = plan_text(&cfg);
    assert!(
        text.contains("DHCP keeps trying for up to 20 s (rd.net.timeout.dhcp)"),
        "{text}"
    );
    assert!(
        text.contains("carrier: waited for up to 45 s (rd.net.timeout.carrier)"),
        "{text}"
    );
}

#[test]
fn seed_line_json_exactly() {
    let v = plan("ip=:::::eth0:dhcp nfsroot=10.0.0.1:/arch");
    assert_eq!(get(&v, "net.mode"), &s("dhcp"));
    assert_eq!(get(&v, "net.device"), &s("eth0"));
    assert_eq!(get(&v, "net.client_ip"), &Value::Null);
    assert_eq!(get(&v, "root.kind"), &s("nfs"));
    assert_eq!(get(&v, "root.server"), &s("10.0.0.1"));
    assert_eq!(get(&v, "root.path"), &s("/arch"));
    assert_eq!(get(&v, "root.nfs_version"), &Value::Null);
    assert_eq!(get(&v, "root.options"), &strs(&[]));
    assert_eq!(get(&v, "root.port"), &Value::Null);
    assert_eq!(get(&v, "init"), &Value::Null);
    assert_eq!(
        v.render(),
        concat!(
            r#"{"net":{"mode":"dhcp","autoconf":"dhcp","device":"eth0","client_ip":null,"server_ip":null,"#,
            r#""gateway":null,"netmask":null,"netmask_default":null,"hostname":null,"nis_domain":null,"dns":[],"#,
            r#""ntp":null,"mtu":null,"#,
            r#""mac":null,"client_id":null,"bootif":null,"interfaces":[{"mode":"dhcp","autoconf":"dhcp","#,
            r#""device":"eth0","client_ip":null,"server_ip":null,"gateway":null,"netmask":null,"#,
            r#""netmask_default":null,"hostname":null,"#,
            r#""nis_domain":null,"dns":[],"ntp":null,"mtu":null,"mac":null,"client_id":null}],"#,
            r#""vlans":[],"bonds":[],"bridges":[],"ifnames":[],"ipv6":null,"timeout_carrier":null,"timeout_dhcp":null},"#,
            r#""root":{"kind":"nfs","server":"10.0.0.1","path":"/arch","mount_path":null,"nfs_version":null,"#,
            r#""options":[],"#,
            r#""port":null,"export":null,"fstype":null,"flags":null,"read_only":true,"give_up":null,"url":null,"sha256":null},"#,
            r#""init":null,"init_path":"/sbin/init","init_args":[],"state":[],"overlay":null,"syslog":null,"timeout":90,"#,
            r#""debug":false,"shell":false,"renew":null,"shutdown_timeout":120,"quiet":false,"panic":null,"#,
            r#""on_failure":{"action":"retry","after":null},"#,
            r#""identity":{"node_name":{"source":"dhcp","value":null},"#,
            r#""nfs4_unique_id":{"source":"dmi-or-mac","value":null},"#,
            r#""machine_id":{"mode":"auto","applies":"root-unset","value":null}}}"#
        )
    );
}

#[test]
fn static_network_values() {
    let v = plan(
        "ip=10.0.0.5:10.0.0.1:10.0.0.254:255.255.255.0:node5.lab:eth1:none:10.0.0.53:10.0.0.54 \
         nfsroot=/srv/%s,vers=4.2,noatime init=/bin/init -- single",
    );
    assert_eq!(get(&v, "net.mode"), &s("static"));
    assert_eq!(get(&v, "net.device"), &s("eth1"));
    assert_eq!(get(&v, "net.client_ip"), &s("10.0.0.5"));
    assert_eq!(get(&v, "net.server_ip"), &s("10.0.0.1"));
    assert_eq!(get(&v, "net.gateway"), &s("10.0.0.254"));
    assert_eq!(get(&v, "net.netmask"), &s("255.255.255.0"));
    assert_eq!(get(&v, "net.hostname"), &s("node5"));
    assert_eq!(get(&v, "net.nis_domain"), &s("lab"));
    assert_eq!(get(&v, "net.dns"), &strs(&["10.0.0.53", "10.0.0.54"]));
    assert_eq!(
        get(&v, "root.server"),
        &s("10.0.0.1"),
        "a static ip= runs no DHCP: its server-ip is the server"
    );
    assert_eq!(get(&v, "root.path"), &s("/srv/%s"));
    assert_eq!(get(&v, "root.mount_path"), &s("/srv/10.0.0.5"));
    assert_eq!(get(&v, "root.nfs_version"), &s("4.2"));
    assert_eq!(get(&v, "root.options"), &strs(&["noatime"]));
    assert_eq!(get(&v, "init"), &s("/bin/init"));
    assert_eq!(get(&v, "init_args"), &strs(&["single"]));
}

#[test]
fn nbd_values_and_rootfstype_fallback() {
    let v = plan(
        "ip=dhcp nbd_host=nbd.lab nbd_name=arch root=/dev/nbd0 rootfstype=ext4 rootflags=discard",
    );
    assert_eq!(get(&v, "root.kind"), &s("nbd"));
    assert_eq!(get(&v, "root.server"), &s("nbd.lab"));
    assert_eq!(get(&v, "root.port"), &Value::Int(10809));
    assert_eq!(get(&v, "root.export"), &s("arch"));
    assert_eq!(get(&v, "root.fstype"), &s("ext4"));
    assert_eq!(get(&v, "root.flags"), &s("discard"));
    assert_eq!(get(&v, "root.path"), &Value::Null);
    assert_eq!(get(&v, "root.nfs_version"), &Value::Null);
    let v = plan("root=nbd:10.0.0.1:10810/x:btrfs:compress=lzo:timeout=5 rootfstype=ext4");
    assert_eq!(
        get(&v, "root.fstype"),
        &s("btrfs"),
        "root=nbd: beats rootfstype="
    );
    assert_eq!(get(&v, "root.options"), &strs(&["timeout=5"]));
}

#[test]
fn no_network_and_implied_dhcp() {
    let v = plan("root=/dev/sda1 quiet");
    assert_eq!(get(&v, "net.mode"), &s("off"));
    assert_eq!(get(&v, "root.kind"), &s("none"));
    for key in [
        "server",
        "path",
        "nfs_version",
        "options",
        "port",
        "export",
        "fstype",
        "flags",
    ] {
        assert_eq!(get(&v, &format!("root.{key}")), &Value::Null, "{key}");
    }
    // A network root without ip=: DHCP everywhere.
    let v = plan("root=/dev/nfs BOOTIF=01-52-54-00-12-34-56");
    assert_eq!(get(&v, "net.mode"), &s("dhcp"));
    assert_eq!(get(&v, "net.device"), &Value::Null);
    assert_eq!(get(&v, "net.bootif"), &s("52:54:00:12:34:56"));
    assert_eq!(get(&v, "net.interfaces"), &Value::Array(vec![]));
    assert_eq!(get(&v, "root.kind"), &s("nfs"));
}

#[test]
fn options_and_failure_outcome() {
    let v = plan(
        "root=/dev/nfs netroot.timeout=30 netroot.debug netroot.state=/var/log netroot.overlay=tmpfs panic=5",
    );
    assert_eq!(get(&v, "timeout"), &Value::Int(30));
    assert_eq!(get(&v, "debug"), &Value::Bool(true));
    assert_eq!(get(&v, "state"), &strs(&["/var/log"]));
    assert_eq!(get(&v, "overlay"), &s("tmpfs"));
    assert_eq!(get(&v, "on_failure.action"), &s("reboot"));
    assert_eq!(get(&v, "on_failure.after"), &Value::Int(5));
    let v = plan("root=nbd:srv:10809/x netroot.nbd.give-up=15");
    assert_eq!(get(&v, "root.give_up"), &Value::Int(15));
    let v = plan("root=nbd:srv:10809/x");
    assert_eq!(get(&v, "root.give_up"), &Value::Null);
    let v = plan(&format!(
        "root=live:http://10.0.2.2:8080/r.squashfs netroot.sha256={}",
        "ab".repeat(32)
    ));
    assert_eq!(get(&v, "root.kind"), &s("live"));
    assert_eq!(get(&v, "root.url"), &s("http://10.0.2.2:8080/r.squashfs"));
    assert_eq!(get(&v, "root.sha256"), &s(&"ab".repeat(32)));
    assert_eq!(get(&v, "root.read_only"), &Value::Bool(true));
    assert_eq!(get(&v, "overlay"), &s("tmpfs"));
    let v = plan("root=/dev/nfs netroot.shell panic=5 netroot.syslog=10.0.2.2:5514");
    assert_eq!(get(&v, "on_failure.action"), &s("shell"));
    assert_eq!(get(&v, "syslog.server"), &s("10.0.2.2"));
    assert_eq!(get(&v, "syslog.port"), &Value::Int(5514));
    let v = plan("root=/dev/nfs netroot.syslog=dhcp");
    assert_eq!(get(&v, "syslog.server"), &s("dhcp"));
    assert_eq!(get(&v, "syslog.port"), &Value::Int(514));
    let t = plan_text(&parse("root=/dev/nfs netroot.syslog=dhcp").unwrap());
    assert!(
        t.contains("remote log: every message as RFC 5424 syslog over UDP to the DHCP log server (option 7), port 514"),
        "{t}"
    );
    assert_eq!(get(&v, "on_failure.after"), &Value::Null);
}

#[test]
fn text_plan_mentions_dhcp_sources_when_the_server_is_not_given() {
    let t = plan_text(&parse("ip=:10.0.0.1::::eth0:dhcp root=/dev/nfs").unwrap());
    assert!(
        t.contains("server: from the DHCP root-path (option 17), else 10.0.0.1 (server-ip of ip=)"),
        "{t}"
    );
    assert!(
        t.contains("path: from the DHCP root-path (option 17), else /tftpboot/%s"),
        "{t}"
    );
    let t = plan_text(&parse("ip=off root=/dev/nfs").unwrap());
    assert!(
        t.contains("warning: the root is on the network but ip= turns the network off"),
        "{t}"
    );
    let t = plan_text(&parse("ip=dhcp,1,node7 root=/dev/nfs BOOTIF=01-52-54-00-12-34-56").unwrap());
    assert!(
        t.contains("DHCP on the interface with MAC 52:54:00:12:34:56 (BOOTIF)"),
        "{t}"
    );
    assert!(t.contains("client identifier type 1 \"node7\""), "{t}");
}

/// A static `ip=` runs no DHCP: what the text derives from it (classful
/// netmask, the server-ip as the NFS server, `%s` replaced by the client
/// address) is in the JSON too.
#[test]
fn static_ip_json_carries_what_the_text_shows() {
    let line = "ip=10.0.0.5:10.0.0.1::::eth0:off nfsroot=/srv/nfs/%s,vers=3";
    let v = plan(line);
    assert_eq!(get(&v, "net.netmask"), &Value::Null);
    assert_eq!(get(&v, "net.netmask_default"), &s("255.0.0.0"));
    assert_eq!(get(&v, "root.server"), &s("10.0.0.1"));
    assert_eq!(get(&v, "root.path"), &s("/srv/nfs/%s"));
    assert_eq!(get(&v, "root.mount_path"), &s("/srv/nfs/10.0.0.5"));
    let t = plan_text(&parse(line).unwrap());
    for want in [
        "netmask 255.0.0.0 (classful default)",
        "server: 10.0.0.1 (server-ip of ip=; a static ip= runs no DHCP)",
        "path: /srv/nfs/10.0.0.5 (/srv/nfs/%s, %s = the client's IP address)",
    ] {
        assert!(t.contains(want), "missing {want:?} in\n{t}");
    }
    // No path: the kernel default, expanded; a given netmask has no default.
    let v = plan("ip=192.168.1.7:192.168.1.1::255.255.0.0:::off root=/dev/nfs");
    assert_eq!(get(&v, "root.mount_path"), &s("/tftpboot/192.168.1.7"));
    assert_eq!(get(&v, "net.netmask_default"), &Value::Null);
    // With DHCP nothing is known before the lease.
    let v = plan("ip=dhcp nfsroot=/srv/%s");
    assert_eq!(get(&v, "root.server"), &Value::Null);
    assert_eq!(get(&v, "root.mount_path"), &Value::Null);
    assert_eq!(get(&v, "net.netmask_default"), &Value::Null);
}

#[test]
fn dracut_virtual_links_in_json_and_text() {
    let line = "bond=bond0:eth0,eth1:mode=active-backup,miimon=100:9000 vlan=vlan5:bond0 \
                bridge=br1:eth2 ifname=eth2:52:54:00:12:34:56 nfsroot=10.0.0.1:/arch";
    let v = plan(line);
    assert_eq!(
        get(&v, "net.vlans").render(),
        r#"[{"name":"vlan5","parent":"bond0","id":5}]"#
    );
    assert_eq!(
        get(&v, "net.bonds").render(),
        r#"[{"name":"bond0","slaves":["eth0","eth1"],"options":{"mode":"active-backup","miimon":"100"},"mtu":9000}]"#
    );
    assert_eq!(
        get(&v, "net.bridges").render(),
        r#"[{"name":"br1","ports":["eth2"]}]"#
    );
    assert_eq!(
        get(&v, "net.ifnames").render(),
        r#"[{"name":"eth2","mac":"52:54:00:12:34:56"}]"#
    );
    let text = plan_text(&parse(line).unwrap());
    for want in [
        "  rename the interface with MAC 52:54:00:12:34:56 to eth2 (ifname=)\n",
        "  bond bond0 of eth0, eth1 (mode=active-backup,miimon=100, MTU 9000) (bond=)\n",
        "  bridge br1 over eth2 (bridge=)\n",
        "  VLAN vlan5 (id 5) on bond0 (vlan=)\n",
        "DHCP on br1 or vlan5 (created from the command line)",
    ] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }
}

#[test]
fn ipv6_static_plan() {
    let line = "ip=[2001:db8::10]::[2001:db8::1]:64:node6:eth0:none nfsroot=[2001:db8::2]:/srv/%s";
    let p = plan(line);
    assert_eq!(get(&p, "net.ipv6.mode"), &s("static"));
    assert_eq!(get(&p, "net.ipv6.device"), &s("eth0"));
    assert_eq!(get(&p, "net.ipv6.address"), &s("2001:db8::10"));
    assert_eq!(get(&p, "net.ipv6.prefix_len"), &Value::Int(64));
    assert_eq!(get(&p, "net.ipv6.gateway"), &s("2001:db8::1"));
    assert_eq!(get(&p, "net.ipv6.server_ip"), &Value::Null);
    // The IPv4 keys keep their shape: IPv4 is off.
    assert_eq!(get(&p, "net.mode"), &s("off"));
    assert_eq!(get(&p, "net.client_ip"), &Value::Null);
    assert_eq!(get(&p, "root.server"), &s("[2001:db8::2]"));
    assert_eq!(get(&p, "root.mount_path"), &s("/srv/2001:db8::10"));
    let t = plan_text(&parse(line).unwrap());
    assert!(
        t.contains("  IPv4: not configured on interface eth0\n"),
        "{t}"
    );
    assert!(t.contains("  IPv6: static address 2001:db8::10/64 on interface eth0\n    IPv6 gateway 2001:db8::1\n"), "{t}");
    assert!(t.contains("  server: [2001:db8::2]\n"), "{t}");
    assert!(
        t.contains("  path: /srv/2001:db8::10 (/srv/%s, %s = the client's IP address)\n"),
        "{t}"
    );
    assert!(!t.contains("warning"), "{t}");
}

#[test]
fn ipv6_dual_stack_text() {
    // One ip= per family: IPv4 is configured (by the other one), and an
    // IPv4 ip= without an interface goes with the one IPv6 names.
    for (line, dev) in [
        ("ip=eth0:dhcp ip=eth0:dhcp6", "eth0"),
        ("ip=dhcp ip=eth1:dhcp6", "eth1"),
    ] {
        let t = plan_text(&parse(line).unwrap());
        assert!(t.contains(&format!("  DHCP on interface {dev}\n")), "{t}");
        assert!(
            t.contains(&format!("  IPv6: DHCPv6 (dhcp6) on interface {dev}\n")),
            "{t}"
        );
        assert!(!t.contains("IPv4: not configured"), "{t}");
    }
}

#[test]
fn ipv6_dynamic_and_dual_stack_plans() {
    let line = "ip=eth0:dhcp ip=eth0:dhcp6 root=nfs4:[fd00::2]:/arch";
    let p = plan(line);
    assert_eq!(get(&p, "net.mode"), &s("dhcp"));
    assert_eq!(get(&p, "net.ipv6.mode"), &s("dhcp6"));
    assert_eq!(get(&p, "net.ipv6.address"), &Value::Null);
    assert_eq!(get(&p, "root.server"), &s("[fd00::2]"));
    let t = plan_text(&parse(line).unwrap());
    assert!(t.contains("  DHCP on interface eth0\n"), "{t}");
    assert!(
        t.contains("  IPv6: DHCPv6 (dhcp6) on interface eth0\n"),
        "{t}"
    );
    let t = plan_text(&parse("ip=auto6 root=nbd:[fd00::2]:10809/arch").unwrap());
    assert!(
        t.contains("IPv6: autoconfiguration from router advertisements (auto6)"),
        "{t}"
    );
    assert!(t.contains("[fd00::2]"), "{t}");
    assert_eq!(get(&plan("ip=dhcp nfsroot=/x"), "net.ipv6"), &Value::Null);
}

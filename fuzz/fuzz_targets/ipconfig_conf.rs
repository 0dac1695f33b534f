//! Fuzz the reader of klibc-style `net-IFACE.conf` files (`KEY='value'`,
//! read back by `netroot mount` after `netroot net`): the file is ours, but
//! its values came from the network (DHCP host names, root paths), so it is
//! read as untrusted text. Also checks the round trip with the writer's
//! quoting (`sh_assign`): any value written reads back the same (without
//! NUL, which a shell variable cannot hold).
//!
//! Input: the file's text; its first line is also used as a value to write.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netroot::boot::read_ipconfig_conf;
use netroot::net::handover::sh_assign;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (key, _) in read_ipconfig_conf(text) {
        assert!(!key.is_empty());
        assert!(
            key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{key:?}"
        );
    }
    let value = text.lines().next().unwrap_or("");
    let mut out = String::new();
    sh_assign(&mut out, "ROOTPATH", value);
    let back = read_ipconfig_conf(&out);
    let want: String = value.chars().filter(|&c| c != '\0').collect();
    assert_eq!(back, vec![("ROOTPATH".to_string(), want)], "{out:?}");
});

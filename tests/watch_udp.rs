//! `netroot watch --json` as a process on loopback: datagrams in, JSON
//! lines out (a valid message, a malformed one, a client going stuck,
//! the final table once the client has switched).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use netroot::json::Value;
use netroot::syslog::{Element, Message, APP_NAME, FACILITY, SD_ID};
use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::Duration;

fn message(mac: &str, msgid: &str, uptime: &str, text: &str) -> Vec<u8> {
    Message {
        facility: FACILITY,
        severity: 6,
        timestamp: None,
        hostname: Some("node7".into()),
        app_name: Some(APP_NAME.into()),
        procid: Some("1".into()),
        msgid: Some(msgid.into()),
        sd: vec![Element {
            id: SD_ID.into(),
            params: vec![
                ("mac".into(), mac.into()),
                ("ip".into(), "10.0.2.15".into()),
                ("uptime".into(), uptime.into()),
            ],
        }],
        msg: text.into(),
    }
    .render()
}

#[test]
fn watch_json_reports_messages_invalid_stuck_and_final() {
    // A free port: bind, note it, release it.
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_netroot"))
        .args([
            "watch",
            "--json",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--stuck",
            "1",
            "--clients",
            "2",
            "--duration",
            "20",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = format!("127.0.0.1:{port}");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The listener may not be bound yet: send the first message until heard.
    let heard = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sender = {
        let (heard, tx, to) = (heard.clone(), tx.try_clone().unwrap(), to.clone());
        std::thread::spawn(move || {
            while !heard.load(std::sync::atomic::Ordering::SeqCst) {
                tx.send_to(&message("52:54:00:00:00:0a", "dhcp", "2.500", "lease"), &to)
                    .unwrap();
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let first = lines.next().unwrap().unwrap();
    heard.store(true, std::sync::atomic::Ordering::SeqCst);
    sender.join().unwrap();
    let v = netroot::json::parse(&first).unwrap();
    assert_eq!(v.get("event").and_then(Value::as_str), Some("message"));
    assert_eq!(v.get("msgid").and_then(Value::as_str), Some("dhcp"));
    let c = v.get("client").unwrap();
    assert_eq!(
        c.get("mac").and_then(Value::as_str),
        Some("52:54:00:00:00:0a")
    );
    assert_eq!(c.get("hostname").and_then(Value::as_str), Some("node7"));
    assert_eq!(c.get("uptime_ms").and_then(Value::as_int), Some(2500));
    tx.send_to(b"<13>1 2003-13-01T00:00:00Z h a p m -", &to)
        .unwrap();
    let second = loop {
        let v = netroot::json::parse(&lines.next().unwrap().unwrap()).unwrap();
        if v.get("event").and_then(Value::as_str) != Some("message") {
            break v;
        }
    };
    assert_eq!(second.get("event").and_then(Value::as_str), Some("invalid"));
    assert!(second
        .get("error")
        .and_then(Value::as_str)
        .unwrap()
        .contains("a date that exists"));
    // Silent for more than --stuck 1.
    let mut stuck = false;
    for l in lines.by_ref() {
        let v = netroot::json::parse(&l.unwrap()).unwrap();
        if v.get("event").and_then(Value::as_str) == Some("stuck") {
            stuck = true;
            break;
        }
    }
    assert!(stuck);
    tx.send_to(
        &message("52:54:00:00:00:0a", "switched", "4.250", "done"),
        &to,
    )
    .unwrap();
    tx.send_to(
        &message("52:54:00:00:00:0b", "switched", "5.000", "done"),
        &to,
    )
    .unwrap();
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(child.wait().unwrap().success());
    let fin = netroot::json::parse(rest.last().unwrap()).unwrap();
    assert_eq!(fin.get("event").and_then(Value::as_str), Some("final"));
    let Some(Value::Array(rows)) = fin.get("clients") else {
        panic!("{fin:?}")
    };
    let boots: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.get("state").and_then(Value::as_str).unwrap().to_string(),
                r.get("boot_ms").and_then(Value::as_int),
            )
        })
        .collect();
    assert_eq!(
        boots,
        [
            ("switched".to_string(), Some(4250)),
            ("switched".to_string(), Some(5000))
        ]
    );
}

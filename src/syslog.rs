//! RFC 5424 syslog messages: the writer netroot's remote log uses and the
//! strict reader `netroot watch` uses. PURE: bytes in, bytes out.
//!
//! RFC 5424 §6: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
//! STRUCTURED-DATA [MSG]`. netroot sends them over UDP (RFC 5426), one
//! message per datagram, at most [`MAX_LEN`] octets.
//!
//! Our structured data element is `netroot@32473`: an SD-ID of the form
//! `name@<private enterprise number>` (§7.2.2), with 32473, the PEN that
//! RFC 5612 reserves for documentation and examples. Its parameters: `mac`,
//! `ip`, `uptime` (seconds since the kernel started, which is what a
//! client without a set clock knows), and on the failure report `error`.

use std::fmt::Write as _;

/// The SD-ID of netroot's structured data element.
pub const SD_ID: &str = "netroot@32473";
/// APP-NAME.
pub const APP_NAME: &str = "netroot";
/// RFC 5426 §3.2: receivers SHOULD take 2048 octets; we send no more.
pub const MAX_LEN: usize = 2048;
/// Facility 3, system daemons (RFC 5424 §6.2.1 table 1).
pub const FACILITY: u8 = 3;
/// The UTF-8 byte order mark that marks MSG as UTF-8 (§6.4).
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One structured data element: SD-ID and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// SD-ID.
    pub id: String,
    /// PARAM-NAME, PARAM-VALUE (unescaped).
    pub params: Vec<(String, String)>,
}

impl Element {
    /// The value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A syslog message (what the writer is given, what the reader returns).
/// `None` stands for NILVALUE `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Facility (0..=23).
    pub facility: u8,
    /// Severity (0..=7).
    pub severity: u8,
    /// `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)`.
    pub timestamp: Option<String>,
    /// HOSTNAME.
    pub hostname: Option<String>,
    /// APP-NAME.
    pub app_name: Option<String>,
    /// PROCID.
    pub procid: Option<String>,
    /// MSGID (netroot: the phase).
    pub msgid: Option<String>,
    /// STRUCTURED-DATA.
    pub sd: Vec<Element>,
    /// MSG (without the BOM).
    pub msg: String,
}

impl Message {
    /// The element with SD-ID `id`.
    pub fn element(&self, id: &str) -> Option<&Element> {
        self.sd.iter().find(|e| e.id == id)
    }

    /// Render as one datagram: at most [`MAX_LEN`] octets (MSG is cut at a
    /// character boundary). Header fields are sanitised to what the grammar
    /// allows (PRINTUSASCII, bounded length); an empty one becomes `-`.
    pub fn render(&self) -> Vec<u8> {
        let mut head = format!(
            "<{}>1 {} {} {} {} {} ",
            u16::from(self.facility.min(23)) * 8 + u16::from(self.severity.min(7)),
            field(self.timestamp.as_deref(), 64),
            field(self.hostname.as_deref(), 255),
            field(self.app_name.as_deref(), 48),
            field(self.procid.as_deref(), 128),
            field(self.msgid.as_deref(), 32),
        );
        if self.sd.is_empty() {
            head.push('-');
        }
        for e in &self.sd {
            let _ = write!(head, "[{}", sd_name(&e.id));
            for (k, v) in &e.params {
                let _ = write!(head, " {}=\"", sd_name(k));
                for c in v.chars() {
                    if matches!(c, '"' | '\\' | ']') {
                        head.push('\\');
                    }
                    head.push(c);
                }
                head.push('"');
            }
            head.push(']');
        }
        let mut out = head.into_bytes();
        if !self.msg.is_empty() {
            out.push(b' ');
            out.extend_from_slice(BOM);
            let room = MAX_LEN.saturating_sub(out.len());
            let mut cut = self.msg.len().min(room);
            while !self.msg.is_char_boundary(cut) {
                cut -= 1;
            }
            out.extend_from_slice(&self.msg.as_bytes()[..cut]);
        }
        out.truncate(MAX_LEN);
        out
    }
}

/// A header field: PRINTUSASCII only (others become `_`), at most `max`.
fn field(v: Option<&str>, max: usize) -> String {
    match v {
        Some(s) if !s.is_empty() => s
            .chars()
            .take(max)
            .map(|c| if c.is_ascii_graphic() { c } else { '_' })
            .collect(),
        _ => "-".to_string(),
    }
}

/// An SD-NAME: PRINTUSASCII except `=`, space, `]`, `"`; 1 to 32 characters.
fn sd_name(v: &str) -> String {
    let s: String = v
        .chars()
        .filter(|c| c.is_ascii_graphic() && !matches!(c, '=' | ']' | '"'))
        .take(32)
        .collect();
    if s.is_empty() {
        "_".to_string()
    } else {
        s
    }
}

/// A TIMESTAMP (RFC 5424 §6.2.3, RFC 3339) in UTC with microseconds, from
/// seconds and microseconds since the epoch.
pub fn timestamp(epoch_secs: u64, micros: u32) -> String {
    let days = epoch_secs / 86_400;
    let rem = epoch_secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        micros.min(999_999)
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (the era arithmetic of H. Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// Why a datagram is not an RFC 5424 message; `at` is the byte offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not RFC 5424 at byte {at}: {what}")]
pub struct ParseError {
    /// Byte offset.
    pub at: usize,
    /// What was expected.
    pub what: &'static str,
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn fail<T>(&self, what: &'static str) -> Result<T, ParseError> {
        Err(ParseError { at: self.i, what })
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, c: u8, what: &'static str) -> Result<(), ParseError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            self.fail(what)
        }
    }

    /// `n` digits exactly.
    fn digits(&mut self, n: usize, what: &'static str) -> Result<u32, ParseError> {
        let mut v = 0u32;
        for _ in 0..n {
            match self.peek() {
                Some(c) if c.is_ascii_digit() => v = v * 10 + u32::from(c - b'0'),
                _ => return self.fail(what),
            }
            self.i += 1;
        }
        Ok(v)
    }

    /// A header field: NILVALUE or 1..=max PRINTUSASCII, then SP.
    fn header_field(
        &mut self,
        max: usize,
        what: &'static str,
    ) -> Result<Option<String>, ParseError> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_graphic()) {
            self.i += 1;
        }
        let len = self.i - start;
        if len == 0 || len > max {
            self.i = start;
            return self.fail(what);
        }
        self.expect(b' ', "SP after a header field")?;
        let s = &self.b[start..start + len];
        // PRINTUSASCII only: valid UTF-8.
        let s = String::from_utf8_lossy(s).into_owned();
        Ok((s != "-").then_some(s))
    }

    /// An SD-NAME (1..=32 PRINTUSASCII except `=`, SP, `]`, `"`).
    fn sd_name(&mut self, what: &'static str) -> Result<String, ParseError> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_graphic() && !matches!(c, b'=' | b']' | b'"'))
        {
            self.i += 1;
        }
        let len = self.i - start;
        if len == 0 || len > 32 {
            self.i = start;
            return self.fail(what);
        }
        Ok(String::from_utf8_lossy(&self.b[start..self.i]).into_owned())
    }

    fn timestamp(&mut self) -> Result<Option<String>, ParseError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
            self.expect(b' ', "SP after TIMESTAMP")?;
            return Ok(None);
        }
        // FULL-DATE "T" FULL-TIME (§6.2.3; "T" and "Z" upper case).
        self.digits(4, "DATE-FULLYEAR")?;
        self.expect(b'-', "'-' in FULL-DATE")?;
        let month = self.digits(2, "DATE-MONTH")?;
        self.expect(b'-', "'-' in FULL-DATE")?;
        let day = self.digits(2, "DATE-MDAY")?;
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return self.fail("a date that exists");
        }
        self.expect(b'T', "'T' in TIMESTAMP")?;
        self.time()?;
        if self.peek() == Some(b'.') {
            self.i += 1;
            let s = self.i;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
            if !(1..=6).contains(&(self.i - s)) {
                return self.fail("TIME-SECFRAC of 1 to 6 digits");
            }
        }
        match self.peek() {
            Some(b'Z') => self.i += 1,
            Some(b'+' | b'-') => {
                self.i += 1;
                let h = self.digits(2, "TIME-HOUR of the offset")?;
                self.expect(b':', "':' in TIME-NUMOFFSET")?;
                let m = self.digits(2, "TIME-MINUTE of the offset")?;
                if h > 23 || m > 59 {
                    return self.fail("a valid TIME-NUMOFFSET");
                }
            }
            _ => return self.fail("TIME-OFFSET (Z or +hh:mm)"),
        }
        let ts = String::from_utf8_lossy(&self.b[start..self.i]).into_owned();
        self.expect(b' ', "SP after TIMESTAMP")?;
        Ok(Some(ts))
    }

    fn time(&mut self) -> Result<(), ParseError> {
        let h = self.digits(2, "TIME-HOUR")?;
        self.expect(b':', "':' in PARTIAL-TIME")?;
        let m = self.digits(2, "TIME-MINUTE")?;
        self.expect(b':', "':' in PARTIAL-TIME")?;
        let s = self.digits(2, "TIME-SECOND")?;
        if h > 23 || m > 59 || s > 60 {
            return self.fail("a valid PARTIAL-TIME");
        }
        Ok(())
    }

    fn element(&mut self) -> Result<Element, ParseError> {
        self.expect(b'[', "'[' opening an SD-ELEMENT")?;
        let id = self.sd_name("SD-ID")?;
        // §7.2.2: an SD-ID with '@' is name@<private enterprise number>;
        // without one it must be an IANA-registered name (no '@' at all).
        if let Some((name, pen)) = id.split_once('@') {
            let pen_ok = !pen.is_empty() && pen.bytes().all(|c| c.is_ascii_digit() || c == b'.');
            if name.is_empty() || name.contains('@') || pen.contains('@') || !pen_ok {
                return self.fail("SD-ID of the form name@<enterprise number>");
            }
        }
        let mut params = Vec::new();
        while self.peek() == Some(b' ') {
            self.i += 1;
            let name = self.sd_name("PARAM-NAME")?;
            self.expect(b'=', "'=' after PARAM-NAME")?;
            self.expect(b'"', "'\"' opening PARAM-VALUE")?;
            let mut v = Vec::new();
            loop {
                match self.peek() {
                    None => return self.fail("'\"' closing PARAM-VALUE"),
                    Some(b'"') => break,
                    Some(b']') => return self.fail("']' escaped inside PARAM-VALUE"),
                    Some(b'\\') => {
                        self.i += 1;
                        match self.peek() {
                            Some(c @ (b'"' | b'\\' | b']')) => v.push(c),
                            // §6.3.3: a backslash before any other
                            // character is kept as it is.
                            _ => {
                                v.push(b'\\');
                                continue;
                            }
                        }
                    }
                    Some(c) => v.push(c),
                }
                self.i += 1;
            }
            self.i += 1;
            let Ok(v) = String::from_utf8(v) else {
                return self.fail("PARAM-VALUE in UTF-8");
            };
            params.push((name, v));
        }
        self.expect(b']', "']' closing an SD-ELEMENT")?;
        Ok(Element { id, params })
    }
}

/// Parse one datagram strictly by RFC 5424's ABNF (§6): VERSION 1 only,
/// every field within its length, TIMESTAMP in the §6.2.3 form, SD-IDs
/// either registered names or `name@number`. MSG with a BOM must be
/// UTF-8; without one it is read leniently.
pub fn parse(b: &[u8]) -> Result<Message, ParseError> {
    let mut c = Cursor { b, i: 0 };
    c.expect(b'<', "'<' opening PRI")?;
    let s = c.i;
    while c.peek().is_some_and(|d| d.is_ascii_digit()) {
        c.i += 1;
    }
    let digits = &b[s..c.i];
    let pri: u16 = match digits {
        [] => return c.fail("PRIVAL"),
        [b'0', _, ..] => return c.fail("PRIVAL without leading zeros"),
        d if d.len() > 3 => return c.fail("PRIVAL of at most 3 digits"),
        d => d.iter().fold(0, |a, x| a * 10 + u16::from(x - b'0')),
    };
    if pri > 191 {
        return c.fail("PRIVAL from 0 to 191");
    }
    c.expect(b'>', "'>' closing PRI")?;
    c.expect(b'1', "VERSION 1")?;
    if c.peek().is_some_and(|d| d.is_ascii_digit()) {
        return c.fail("VERSION 1");
    }
    c.expect(b' ', "SP after VERSION")?;
    let timestamp = c.timestamp()?;
    let hostname = c.header_field(255, "HOSTNAME")?;
    let app_name = c.header_field(48, "APP-NAME")?;
    let procid = c.header_field(128, "PROCID")?;
    let msgid = c.header_field(32, "MSGID")?;
    let mut sd = Vec::new();
    if c.peek() == Some(b'-') {
        c.i += 1;
    } else {
        loop {
            sd.push(c.element()?);
            if c.peek() != Some(b'[') {
                break;
            }
        }
    }
    let msg = match c.peek() {
        None => String::new(),
        Some(b' ') => {
            let rest = &b[c.i + 1..];
            match rest.strip_prefix(BOM) {
                Some(utf8) => match std::str::from_utf8(utf8) {
                    Ok(m) => m.to_string(),
                    Err(_) => {
                        c.i += 1 + BOM.len();
                        return c.fail("MSG in UTF-8 after the BOM");
                    }
                },
                None => String::from_utf8_lossy(rest).into_owned(),
            }
        }
        Some(_) => return c.fail("SP before MSG"),
    };
    Ok(Message {
        facility: (pri / 8) as u8,
        severity: (pri % 8) as u8,
        timestamp,
        hostname,
        app_name,
        procid,
        msgid,
        sd,
        msg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ours() -> Message {
        Message {
            facility: FACILITY,
            severity: 6,
            timestamp: None,
            hostname: Some("10.0.2.15".into()),
            app_name: Some(APP_NAME.into()),
            procid: Some("1".into()),
            msgid: Some("dhcp".into()),
            sd: vec![Element {
                id: SD_ID.into(),
                params: vec![
                    ("mac".into(), "52:54:00:12:34:56".into()),
                    ("ip".into(), "10.0.2.15".into()),
                    ("uptime".into(), "2.310".into()),
                    ("error".into(), "a \"quoted\" \\ [x]".into()),
                ],
            }],
            msg: "eth0: lease 10.0.2.15/24 from 10.0.2.2".into(),
        }
    }

    #[test]
    fn renders_the_rfc_form_and_reads_it_back() {
        let m = ours();
        let b = m.render();
        let text = String::from_utf8(b.clone()).unwrap();
        assert_eq!(
            text,
            "<30>1 - 10.0.2.15 netroot 1 dhcp [netroot@32473 mac=\"52:54:00:12:34:56\" ip=\"10.0.2.15\" uptime=\"2.310\" error=\"a \\\"quoted\\\" \\\\ [x\\]\"] \u{feff}eth0: lease 10.0.2.15/24 from 10.0.2.2"
        );
        assert_eq!(parse(&b).unwrap(), m);
    }

    #[test]
    fn reads_the_rfc_examples() {
        // RFC 5424 §6.5, examples 1 to 4 (example 1 with its BOM).
        let ex1 = b"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8";
        let m = parse(ex1).unwrap();
        assert_eq!((m.facility, m.severity), (4, 2));
        assert_eq!(m.msgid.as_deref(), Some("ID47"));
        assert_eq!(m.procid, None);
        assert_eq!(m.msg, "'su root' failed for lonvick on /dev/pts/8");
        let ex2 = b"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.";
        assert_eq!(parse(ex2).unwrap().hostname.as_deref(), Some("192.0.2.1"));
        let ex3 = b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \xEF\xBB\xBFAn application event log entry...";
        let m = parse(ex3).unwrap();
        assert_eq!(
            m.element("exampleSDID@32473").unwrap().param("eventID"),
            Some("1011")
        );
        let ex4 = b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]";
        let m = parse(ex4).unwrap();
        assert_eq!(m.sd.len(), 2);
        assert_eq!(m.msg, "");
    }

    #[test]
    fn rejects_what_the_grammar_does_not_allow() {
        let bad: &[&[u8]] = &[
            b"",
            b"<34> 2003",                                         // no VERSION
            b"<34>2 - h a p m -",                                 // VERSION 2
            b"<192>1 - h a p m -",                                // PRIVAL > 191
            b"<034>1 - h a p m -",                                // leading zero
            b"<34>1 2003-10-11 22:14:15Z h a p m -",              // no T
            b"<34>1 2003-13-11T22:14:15Z h a p m -",              // month 13
            b"<34>1 2003-10-11T22:14:15.1234567Z h a p m -",      // 7 digits
            b"<34>1 2003-10-11T22:14:15 h a p m -",               // no offset
            b"<34>1 - h a p m",                                   // no SD
            b"<34>1 - h a p 123456789012345678901234567890123 -", // MSGID > 32
            b"<34>1 - h a p m [x@ a=\"1\"]",                      // empty PEN
            b"<34>1 - h a p m [x@32473 a=\"]\"]",                 // unescaped ]
            b"<34>1 - h a p m [x@32473 a=\"1\"",                  // unclosed
            b"<34>1 - h a p m -x",                                // no SP before MSG
            b"<34>1 - h a p m - \xEF\xBB\xBF\xFF",                // BOM, then not UTF-8
            b"<34>1 -  a p m -",                                  // empty HOSTNAME
        ];
        for b in bad {
            assert!(parse(b).is_err(), "{:?}", String::from_utf8_lossy(b));
        }
    }

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(timestamp(0, 0), "1970-01-01T00:00:00.000000Z");
        // 2000-02-29 (a leap day in a century year divisible by 400).
        assert_eq!(
            timestamp(951_782_400 + 3661, 5),
            "2000-02-29T01:01:01.000005Z"
        );
        assert_eq!(timestamp(1_796_083_200, 0), "2026-12-01T00:00:00.000000Z");
        let b = Message {
            timestamp: Some(timestamp(1_796_083_200, 123)),
            ..ours()
        }
        .render();
        assert_eq!(
            parse(&b).unwrap().timestamp.as_deref(),
            Some("2026-12-01T00:00:00.000123Z")
        );
    }

    #[test]
    fn long_messages_are_cut_to_2048_octets_at_a_character() {
        let m = Message {
            msg: "é".repeat(3000),
            ..ours()
        };
        let b = m.render();
        assert!(b.len() <= MAX_LEN && b.len() > MAX_LEN - 2);
        assert!(parse(&b).unwrap().msg.chars().all(|c| c == 'é'));
    }

    proptest! {
        #[test]
        fn parse_never_panics(b in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse(&b);
        }

        #[test]
        fn parse_never_panics_on_near_misses(
            cut in 0usize..200,
            byte in any::<u8>(),
        ) {
            // Mutations of a valid message: one byte changed, or cut short.
            let mut b = ours().render();
            let at = cut % b.len();
            b[at] = byte;
            let _ = parse(&b);
            let _ = parse(&b[..at]);
        }

        #[test]
        fn what_we_render_we_read_back(
            host in "[ -~]{0,40}",
            msgid in "[a-z-]{0,40}",
            value in "\\PC{0,60}",
            msg in "\\PC{0,100}",
            sev in 0u8..8,
        ) {
            let m = Message {
                severity: sev,
                hostname: Some(host.clone()),
                msgid: Some(msgid.clone()),
                sd: vec![Element { id: SD_ID.into(), params: vec![("v".into(), value.clone())] }],
                msg: msg.clone(),
                ..ours()
            };
            let back = parse(&m.render()).unwrap();
            prop_assert_eq!(back.severity, sev);
            prop_assert_eq!(back.element(SD_ID).unwrap().param("v"), Some(value.as_str()));
            prop_assert_eq!(back.msg, msg);
            let want_host: String = host.chars().map(|c| if c == ' ' { '_' } else { c }).collect();
            prop_assert_eq!(back.hostname, (!want_host.is_empty() && want_host != "-").then_some(want_host));
            let want_id: String = msgid.chars().take(32).collect();
            prop_assert_eq!(back.msgid, (!want_id.is_empty() && want_id != "-").then_some(want_id));
        }
    }
}

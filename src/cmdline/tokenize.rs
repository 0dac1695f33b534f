//! Split a command line into parameters as the kernel's `next_arg()` does
//! (kernel/params.c): parameters are separated by whitespace, double quotes
//! group words that contain spaces, and a lone `--` ends the kernel's
//! parameters; what follows it is handed to init as its arguments.
//!
//! One deliberate simplification: the kernel strips only a quote that opens
//! the parameter or its value and the one that closes the parameter
//! (`"a b"`, `k="a b"`), leaving quotes in other places in the text. netroot
//! strips every double quote, so `k=a" "b` reads as `a b`; for the usual
//! spellings both give the same result.

/// The parameters before `--` (kernel/initramfs parameters) and the words
/// after it (passed to init).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tokens {
    /// `(key, value)`; value is None for a bare word like `ro`, `Some("")`
    /// for `ip=`.
    pub params: Vec<(String, Option<String>)>,
    /// Words after a lone `--`, quotes removed (`k=v` words kept whole).
    pub init_args: Vec<String>,
}

/// The kernel's `isspace()` for the bytes a command line can hold.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Split off one word: returns the word with its quotes removed, the byte
/// offset of its first `=` (the kernel splits at the first `=` whether it is
/// quoted or not), and the rest of the input.
fn next_word(s: &str) -> (String, Option<usize>, &str) {
    let mut word = String::new();
    let mut equals = None;
    let mut in_quote = false;
    let mut end = s.len();
    for (i, c) in s.char_indices() {
        if is_space(c) && !in_quote {
            end = i;
            break;
        }
        match c {
            '"' => in_quote = !in_quote,
            '=' if equals.is_none() => {
                equals = Some(word.len());
                word.push(c);
            }
            _ => word.push(c),
        }
    }
    (word, equals, &s[end..])
}

/// Tokenize a command line. Never fails: any text gives some tokens.
pub fn tokenize(cmdline: &str) -> Tokens {
    let mut tokens = Tokens::default();
    let mut rest = cmdline.trim_start_matches(is_space);
    let mut after_dashes = false;
    while !rest.is_empty() {
        let (word, equals, tail) = next_word(rest);
        rest = tail.trim_start_matches(is_space);
        if after_dashes {
            tokens.init_args.push(word);
            continue;
        }
        match equals {
            // A bare `--` (quoted or not, as in the kernel, which compares
            // after stripping) ends the kernel's parameters.
            None if word == "--" => after_dashes = true,
            None => tokens.params.push((word, None)),
            Some(at) => {
                let value = word[at + 1..].to_string();
                let mut key = word;
                key.truncate(at);
                tokens.params.push((key, Some(value)));
            }
        }
    }
    tokens
}

impl Tokens {
    /// The value of the last `key=value` (the kernel and most initramfs
    /// tools let a later parameter override an earlier one).
    pub fn last(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, v)| k == key && v.is_some())
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether a bare word (no `=`) is present.
    pub fn has_flag(&self, key: &str) -> bool {
        self.params.iter().any(|(k, v)| k == key && v.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(k: &str, v: Option<&str>) -> (String, Option<String>) {
        (k.to_string(), v.map(str::to_string))
    }

    #[test]
    fn splits_on_any_whitespace_and_trailing_newline() {
        let t = tokenize("  ro\tquiet\nip=dhcp  root=/dev/nfs\n");
        assert_eq!(
            t.params,
            vec![
                p("ro", None),
                p("quiet", None),
                p("ip", Some("dhcp")),
                p("root", Some("/dev/nfs")),
            ]
        );
        assert!(t.init_args.is_empty());
    }

    #[test]
    fn quotes_group_spaces_and_are_stripped() {
        let t = tokenize(r#"a="x y" "b=1 2" c=3"4 5"6 "bare word""#);
        assert_eq!(
            t.params,
            vec![
                p("a", Some("x y")),
                p("b", Some("1 2")),
                p("c", Some("34 56")),
                p("bare word", None),
            ]
        );
    }

    #[test]
    fn unterminated_quote_runs_to_the_end() {
        let t = tokenize(r#"a="x y z"#);
        assert_eq!(t.params, vec![p("a", Some("x y z"))]);
    }

    #[test]
    fn first_equals_splits_key_and_value() {
        let t = tokenize("rootflags=a=b,c ip= =x");
        assert_eq!(
            t.params,
            vec![
                p("rootflags", Some("a=b,c")),
                p("ip", Some("")),
                p("", Some("x"))
            ]
        );
    }

    #[test]
    fn double_dash_hands_the_rest_to_init() {
        let t = tokenize(r#"ro -- single "a b" x=1 --"#);
        assert_eq!(t.params, vec![p("ro", None)]);
        assert_eq!(t.init_args, vec!["single", "a b", "x=1", "--"]);
        // `--x` or `--=1` are ordinary parameters.
        let t = tokenize("--x --=1");
        assert_eq!(t.params, vec![p("--x", None), p("--", Some("1"))]);
    }

    #[test]
    fn empty_and_blank() {
        assert_eq!(tokenize(""), Tokens::default());
        assert_eq!(tokenize(" \n\t "), Tokens::default());
        assert_eq!(tokenize(r#""""#).params, vec![p("", None)]);
    }

    #[test]
    fn last_and_flag() {
        let t = tokenize("root=/dev/sda ro root=/dev/nfs rw=1");
        assert_eq!(t.last("root"), Some("/dev/nfs"));
        assert!(t.has_flag("ro"));
        assert!(!t.has_flag("rw"));
        assert_eq!(t.last("init"), None);
    }
}

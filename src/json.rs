//! A tiny JSON writer, enough for `netroot explain --json` and the hand-over
//! files. It avoids pulling serde into an image that must stay small.

use std::fmt::Write;

/// A JSON value built in memory and rendered with [`Value::render`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string, escaped on output.
    Str(String),
    /// An array.
    Array(Vec<Value>),
    /// An object; keys keep their insertion order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// An object from `(key, value)` pairs.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// `Str` for `Some`, `Null` for `None`.
    pub fn opt_str<S: ToString>(v: Option<S>) -> Value {
        match v {
            Some(s) => Value::Str(s.to_string()),
            None => Value::Null,
        }
    }

    /// Render compactly.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Str(s) => write_str(out, s),
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Value::Object(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_and_quotes() {
        let v = Value::object([
            ("a\"b", Value::Str("x\n\u{1}\\".into())),
            ("n", Value::Null),
        ]);
        assert_eq!(v.render(), r#"{"a\"b":"x\n\u0001\\","n":null}"#);
    }

    #[test]
    fn arrays_and_scalars() {
        let v = Value::Array(vec![
            Value::Int(-3),
            Value::Bool(true),
            Value::Array(vec![]),
        ]);
        assert_eq!(v.render(), "[-3,true,[]]");
    }
}

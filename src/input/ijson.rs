//! Request bodies as I-JSON (RFC 7493): what the service stores and hashes must mean
//! one thing to every reader. A body is parsed into a value while every member that
//! breaks the rules is collected with its path: member names given twice, text with a
//! NUL character (PostgreSQL cannot store it), and numbers that are not integers an
//! IEEE double holds exactly (JCS, RFC 8785, writes numbers as doubles). The API has no
//! fractional numbers, so integers are the only numbers a body may carry.

use crate::error::FieldError;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::fmt;

/// Largest integer an IEEE double holds exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Why a body could not be read as JSON at all.
#[derive(Debug, PartialEq, Eq)]
pub struct Unparsable {
    /// A sentence for the client, with the line and column where parsing stopped.
    pub detail: String,
}

/// The body's value, or the members that break the rules (all of them).
pub fn parse(bytes: &[u8]) -> Result<Result<Value, Vec<FieldError>>, Unparsable> {
    let errors = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Strict {
        path: String::new(),
        errors: &errors,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| Unparsable {
        detail: describe(&e),
    })?;
    let errors = errors.into_inner();
    Ok(if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    })
}

/// serde_json's own message names its parser's states; a client needs where.
fn describe(e: &serde_json::Error) -> String {
    let at = format!("line {}, column {}", e.line(), e.column());
    if e.to_string().contains("recursion limit") {
        // serde_json's limit: 127 arrays and objects, each in the one around it.
        format!("the body nests deeper than the 127 levels allowed ({at})")
    } else if e.is_eof() {
        if e.line() == 1 && e.column() == 0 {
            "the body is empty: send a JSON object".to_owned()
        } else {
            format!("the body ends before its JSON is complete ({at})")
        }
    } else {
        format!("the body is not valid JSON ({at})")
    }
}

/// The path of a member, as `FieldError::field` names it: `details.n`, `items[2]`.
pub fn member_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// The field an error about the whole body names.
pub const BODY: &str = "body";

/// The field a path names: the body itself at the root.
pub fn field(path: &str) -> &str {
    if path.is_empty() { BODY } else { path }
}

struct Strict<'a> {
    path: String,
    errors: &'a RefCell<Vec<FieldError>>,
}

impl Strict<'_> {
    fn refuse(&self, message: &str) {
        self.errors
            .borrow_mut()
            .push(FieldError::new(field(&self.path), message));
    }

    fn integer(&self, n: i128) -> Value {
        if n.unsigned_abs() > MAX_SAFE_INTEGER as u128 {
            self.refuse("must be an integer between -(2^53-1) and 2^53-1");
            return Value::Null;
        }
        Value::Number(Number::from(n as i64))
    }

    fn text(&self, s: &str) -> Value {
        if s.contains('\0') {
            self.refuse("must not contain NUL characters");
        }
        Value::String(s.to_owned())
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(self.integer(i128::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(self.integer(i128::from(v)))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Value, E> {
        // serde_json hands over as f64 every number written with a fraction or an
        // exponent, and every integer beyond 64 bits.
        self.refuse("must be an integer: this API has no fractional numbers");
        Ok(Value::Null)
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(self.text(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let seed = Strict {
                path: format!("{}[{}]", self.path, items.len()),
                errors: self.errors,
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let path = member_path(&self.path, &name);
            let seed = Strict {
                path: path.clone(),
                errors: self.errors,
            };
            if name.contains('\0') {
                seed.refuse("the member name must not contain NUL characters");
            }
            let value = map.next_value_seed(seed)?;
            if members.contains_key(&name) {
                self.errors.borrow_mut().push(FieldError::new(
                    path,
                    "is given more than once: a member name may appear once in an object",
                ));
            } else {
                members.insert(name, value);
            }
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(body: &str) -> Vec<(String, String)> {
        parse(body.as_bytes())
            .expect("parses")
            .expect_err("refused")
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn plain_json_is_read_as_serde_json_reads_it() {
        let body = r#"{"a": [1, -2, true, null, "x"], "b": {"c": "é🔒"}, "n": 9007199254740991}"#;
        assert_eq!(
            parse(body.as_bytes()).unwrap().unwrap(),
            serde_json::from_str::<Value>(body).unwrap()
        );
    }

    #[test]
    fn every_broken_member_is_named() {
        let found = refused(
            r#"{"details": {"n": 9007199254740993, "m": -9007199254740992, "f": 1.5,
                "e": 1e3, "a": 1, "a": 2, "deep": [{"x": "a\u0000b"}]}, "t\u0000": 1}"#,
        );
        let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "details.n",
                "details.m",
                "details.f",
                "details.e",
                "details.a",
                "details.deep[0].x",
                "t\0"
            ]
        );
        assert!(found[4].1.contains("more than once"));
        assert!(found[5].1.contains("NUL"));
    }

    #[test]
    fn the_limits_of_safe_integers_are_kept() {
        let ok = parse(br#"[9007199254740991, -9007199254740991]"#)
            .unwrap()
            .unwrap();
        assert_eq!(ok, json!([9007199254740991_i64, -9007199254740991_i64]));
        assert_eq!(refused("18446744073709551616")[0].0, BODY);
    }

    #[test]
    fn unparsable_bodies_say_where_without_parser_states() {
        let cases = [
            ("", "the body is empty: send a JSON object"),
            (
                "{\"a\": ",
                "the body ends before its JSON is complete (line 1, column 6)",
            ),
            ("{\"a\" 1}", "the body is not valid JSON (line 1, column 6)"),
            ("{} {}", "the body is not valid JSON (line 1, column 4)"),
        ];
        for (body, detail) in cases {
            assert_eq!(parse(body.as_bytes()).unwrap_err().detail, detail, "{body}");
        }
        let nested = |levels: usize| "[".repeat(levels) + &"]".repeat(levels);
        assert!(
            parse(nested(128).as_bytes())
                .unwrap_err()
                .detail
                .contains("127 levels")
        );
        assert!(parse(nested(127).as_bytes()).is_ok());
    }
}

//! RFC 8785 (JCS) canonical JSON for the values this service hashes: custody entries,
//! audit entries and idempotency fingerprints.
//!
//! Most values need nothing JCS does beyond plain compact JSON with sorted keys, and
//! are written directly. The general canonicaliser (`serde_json_canonicalizer`) takes
//! over for anything else: a key with a character at or above U+E000 (where UTF-16
//! order, which JCS sorts by, parts from byte order) or a number that is not an
//! integer an IEEE double holds exactly (JCS writes numbers as ECMAScript does). Both
//! paths give the same bytes; the tests compare them.

use serde_json::Value;

/// Largest integer an IEEE double holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The canonical (JCS) text of `value`.
pub fn to_string(value: &Value) -> serde_json::Result<String> {
    if !plain(value) {
        return serde_json_canonicalizer::to_string(value);
    }
    let mut out = String::with_capacity(512);
    write(value, &mut out)?;
    Ok(out)
}

/// Whether compact JSON with byte-sorted keys is already canonical for `value`.
fn plain(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => true,
        Value::Number(n) => {
            n.as_u64().is_some_and(|u| u <= MAX_SAFE_INTEGER)
                || n.as_i64()
                    .is_some_and(|i| i.unsigned_abs() <= MAX_SAFE_INTEGER)
        }
        Value::Array(items) => items.iter().all(plain),
        // U+E000 and above start with byte 0xEE or higher in UTF-8.
        Value::Object(map) => map
            .iter()
            .all(|(key, value)| key.bytes().all(|b| b < 0xEE) && plain(value)),
    }
}

fn write(value: &Value, out: &mut String) -> serde_json::Result<()> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&n.to_string()),
        // serde_json escapes exactly what JCS does: `"`, `\` and control characters,
        // with the short forms and lowercase `\u00xx` otherwise.
        Value::String(s) => out.push_str(&serde_json::to_string(s)?),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, value)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key)?);
                out.push(':');
                write(value, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn same(value: Value) {
        let general = serde_json_canonicalizer::to_string(&value).unwrap();
        assert_eq!(to_string(&value).unwrap(), general, "{value}");
    }

    #[test]
    fn plain_values_match_the_general_canonicaliser() {
        same(json!(null));
        same(json!({"b": 1, "a": [true, false, null], "c": {"z": "", "y": -0}}));
        same(json!({"seq": 9007199254740991_i64, "neg": -9007199254740991_i64}));
        same(json!({"text": "quote \" backslash \\ slash / tab \t nl \n cr \r bs \u{8} ff \u{c}"}));
        same(json!({"controls": "\u{0}\u{1}\u{1f}\u{7f}", "line seps": "\u{2028}\u{2029}"}));
        same(json!({"é": 1, "e": 2, "z": 3, "€": 4, "日本": [5, {"ü": "ö"}]}));
        same(json!({"emoji value": "🔒 sealed bag", "": "empty key"}));
        same(json!({"nested": {"deeper": {"deepest": [[], {}, [{}]]}}}));
    }

    #[test]
    fn values_jcs_treats_differently_take_the_general_path() {
        // UTF-16 order puts the surrogate pair of U+1F512 before U+E000.
        let keys = json!({"\u{e000}": 1, "🔒": 2, "a": 3});
        assert!(!plain(&keys));
        same(keys);
        // Beyond 2^53, ECMAScript number formatting differs from the integer's digits.
        let big = json!({"n": 9007199254740993_u64});
        assert!(!plain(&big));
        same(big);
        let exponent = json!({"n": 1e21});
        assert!(!plain(&exponent));
        same(exponent);
        let fraction = json!({"n": 0.5, "m": -1.25e-7});
        assert!(!plain(&fraction));
        same(fraction);
    }

    #[test]
    fn keys_sort_by_bytes_even_where_insertion_order_differs() {
        let mut map = serde_json::Map::new();
        map.insert("zeta".into(), json!(1));
        map.insert("alpha".into(), json!(2));
        map.insert("Beta".into(), json!(3));
        assert_eq!(
            to_string(&Value::Object(map)).unwrap(),
            r#"{"Beta":3,"alpha":2,"zeta":1}"#
        );
    }
}

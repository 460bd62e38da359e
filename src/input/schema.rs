//! The request schemas of the OpenAPI document, compiled into checks: what the spec
//! says a body or a query accepts is exactly what the service accepts, and each
//! violation is reported with the member it concerns, in words, all at once.
//!
//! Only the part of JSON Schema that utoipa writes is understood: `$ref` to
//! `#/components/schemas`, `oneOf`/`anyOf`/`allOf`, `type` (one or several), `enum`,
//! `properties`, `required`, `additionalProperties`, `items`, string lengths,
//! `pattern`, `format` (`date`, `date-time`, `uuid`), numeric bounds and item counts.

use crate::error::FieldError;
use regex::Regex;
use serde_json::Value;
use std::collections::HashMap;

use super::ijson::{field, member_path};

/// A compiled schema.
#[derive(Debug, Clone)]
pub enum Check {
    /// A named schema of `#/components/schemas`.
    Ref(String),
    /// Valid when any of these is (`oneOf`/`anyOf`).
    AnyOf(Vec<Check>),
    /// Valid when all of these are.
    AllOf(Vec<Check>),
    Leaf(Box<Leaf>),
}

#[derive(Debug, Clone, Default)]
pub struct Leaf {
    /// JSON types allowed; empty allows any.
    types: Vec<JsonType>,
    allowed: Option<Vec<Value>>,
    properties: Vec<(String, Check)>,
    required: Vec<String>,
    /// `additionalProperties`: `None` allows any, `Some(None)` none.
    additional: Option<Option<Box<Check>>>,
    items: Option<Box<Check>>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<(Regex, String)>,
    format: Option<Format>,
    minimum: Option<f64>,
    maximum: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

impl JsonType {
    fn parse(name: &str) -> Option<JsonType> {
        Some(match name {
            "null" => JsonType::Null,
            "boolean" => JsonType::Boolean,
            "integer" => JsonType::Integer,
            "number" => JsonType::Number,
            "string" => JsonType::String,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            _ => return None,
        })
    }

    fn matches(self, value: &Value) -> bool {
        match self {
            JsonType::Null => value.is_null(),
            JsonType::Boolean => value.is_boolean(),
            JsonType::Integer => value.is_i64() || value.is_u64(),
            JsonType::Number => value.is_number(),
            JsonType::String => value.is_string(),
            JsonType::Array => value.is_array(),
            JsonType::Object => value.is_object(),
        }
    }

    fn phrase(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "true or false",
            JsonType::Integer => "an integer",
            JsonType::Number => "a number",
            JsonType::String => "a string",
            JsonType::Array => "an array",
            JsonType::Object => "an object",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Date,
    DateTime,
    Uuid,
}

impl Check {
    /// Compiles one schema of the document (as JSON).
    pub fn compile(schema: &Value) -> Check {
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            let name = target.rsplit('/').next().unwrap_or(target);
            return Check::Ref(name.to_owned());
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                return Check::AnyOf(options.iter().map(Check::compile).collect());
            }
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            return Check::AllOf(parts.iter().map(Check::compile).collect());
        }
        let types = match schema.get("type") {
            Some(Value::String(t)) => JsonType::parse(t).into_iter().collect(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(|t| t.as_str().and_then(JsonType::parse))
                .collect(),
            _ => Vec::new(),
        };
        let count = |key: &str| schema.get(key).and_then(Value::as_u64);
        let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
        let leaf = Leaf {
            types,
            allowed: schema.get("enum").and_then(Value::as_array).cloned(),
            properties: schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| {
                    p.iter()
                        .map(|(k, v)| (k.clone(), Check::compile(v)))
                        .collect()
                })
                .unwrap_or_default(),
            required: schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|n| n.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            additional: match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => Some(None),
                Some(extra @ Value::Object(_)) => Some(Some(Box::new(Check::compile(extra)))),
                _ => None,
            },
            items: schema.get("items").map(|i| Box::new(Check::compile(i))),
            min_items: count("minItems"),
            max_items: count("maxItems"),
            min_length: count("minLength"),
            max_length: count("maxLength"),
            pattern: schema
                .get("pattern")
                .and_then(Value::as_str)
                .and_then(|p| Regex::new(p).ok().map(|r| (r, p.to_owned()))),
            format: match schema.get("format").and_then(Value::as_str) {
                Some("date") => Some(Format::Date),
                Some("date-time") => Some(Format::DateTime),
                Some("uuid") => Some(Format::Uuid),
                _ => None,
            },
            minimum: bound("minimum"),
            maximum: bound("maximum"),
        };
        Check::Leaf(Box::new(leaf))
    }

    /// The JSON types this schema accepts, following references and alternatives:
    /// how a query parameter's text is to be read.
    pub fn types(&self, components: &Components) -> Vec<JsonType> {
        match self {
            Check::Ref(name) => components
                .get(name)
                .map(|c| c.types(components))
                .unwrap_or_default(),
            Check::AnyOf(options) | Check::AllOf(options) => {
                options.iter().flat_map(|o| o.types(components)).collect()
            }
            Check::Leaf(leaf) => leaf.types.clone(),
        }
    }

    /// Adds to `errors` what is wrong with `value` at `path`.
    pub fn check(
        &self,
        components: &Components,
        value: &Value,
        path: &str,
        errors: &mut Vec<FieldError>,
    ) {
        match self {
            Check::Ref(name) => {
                if let Some(target) = components.get(name) {
                    target.check(components, value, path, errors);
                }
            }
            Check::AllOf(parts) => {
                for part in parts {
                    part.check(components, value, path, errors);
                }
            }
            Check::AnyOf(options) => {
                let mut attempts = Vec::new();
                for option in options {
                    let mut found = Vec::new();
                    option.check(components, value, path, &mut found);
                    if found.is_empty() {
                        return;
                    }
                    attempts.push((option, found));
                }
                // Report against the alternative that accepts this kind of value (the
                // schema of `Option<T>` is "T or null": a string sent for T is judged
                // by T's rules), or say what is allowed.
                let fitting = attempts.into_iter().find(|(option, _)| {
                    let types = option.types(components);
                    !types.is_empty() && types.iter().any(|t| t.matches(value))
                });
                match fitting {
                    Some((_, found)) => errors.extend(found),
                    None => errors.push(FieldError::new(
                        field(path),
                        say("has a type or form not allowed here", &[]),
                    )),
                }
            }
            Check::Leaf(leaf) => leaf.check(components, value, path, errors),
        }
    }
}

/// A field message in the language of the answer being made.
fn say(template: &str, values: &[(&str, &str)]) -> String {
    crate::catalogue::problems::say(crate::catalogue::current(), template, values)
}

impl Leaf {
    fn check(
        &self,
        components: &Components,
        value: &Value,
        path: &str,
        errors: &mut Vec<FieldError>,
    ) {
        let mut refuse = |message: String| errors.push(FieldError::new(field(path), message));
        if !self.types.is_empty() && !self.types.iter().any(|t| t.matches(value)) {
            let wanted: Vec<String> = self
                .types
                .iter()
                .filter(|t| **t != JsonType::Null)
                .map(|t| say(t.phrase(), &[]))
                .collect();
            let or = format!(" {} ", say("or", &[]));
            refuse(say("must be {types}", &[("types", &wanted.join(&or))]));
            return;
        }
        if let Some(allowed) = &self.allowed
            && !allowed.contains(value)
        {
            let names: Vec<String> = allowed
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect();
            refuse(say(
                "must be one of: {names}",
                &[("names", &names.join(", "))],
            ));
            return;
        }
        match value {
            Value::String(s) => {
                let chars = s.chars().count() as u64;
                if let Some(min) = self.min_length
                    && chars < min
                {
                    refuse(if min == 1 {
                        say("must not be empty", &[])
                    } else {
                        say(
                            "must be at least {min} characters",
                            &[("min", &min.to_string())],
                        )
                    });
                }
                if let Some(max) = self.max_length
                    && chars > max
                {
                    refuse(say(
                        "must be at most {max} characters",
                        &[("max", &max.to_string())],
                    ));
                }
                if let Some((pattern, source)) = &self.pattern
                    && !pattern.is_match(s)
                {
                    refuse(say(
                        "must match the pattern {pattern}",
                        &[("pattern", source)],
                    ));
                }
                match self.format {
                    Some(Format::Date) if crate::time::FullDate::parse(s).is_none() => {
                        refuse(crate::time::DATE_RULE.into())
                    }
                    Some(Format::DateTime) if crate::time::parse_instant(s).is_none() => {
                        refuse(say(
                            "must be an RFC 3339 date-time with its offset, such as 2026-12-01T09:30:00Z, from 1900 to 2100",
                            &[],
                        ))
                    }
                    Some(Format::Uuid) if !super::is_canonical_uuid(s) => {
                        refuse(say("must be a UUID in lower-case hyphenated form", &[]))
                    }
                    _ => {}
                }
            }
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or_default();
                if let Some(min) = self.minimum
                    && x < min
                {
                    refuse(say("must be at least {min}", &[("min", &min.to_string())]));
                }
                if let Some(max) = self.maximum
                    && x > max
                {
                    refuse(say("must be at most {max}", &[("max", &max.to_string())]));
                }
            }
            Value::Array(items) => {
                let n = items.len() as u64;
                if let Some(min) = self.min_items
                    && n < min
                {
                    refuse(if min == 1 {
                        say("must name at least one item", &[])
                    } else {
                        say(
                            "must have at least {min} items",
                            &[("min", &min.to_string())],
                        )
                    });
                }
                if let Some(max) = self.max_items
                    && n > max
                {
                    refuse(say(
                        "must have at most {max} items",
                        &[("max", &max.to_string())],
                    ));
                }
                if let Some(item) = &self.items {
                    for (i, v) in items.iter().enumerate() {
                        item.check(components, v, &format!("{path}[{i}]"), errors);
                    }
                }
            }
            Value::Object(members) => {
                for name in &self.required {
                    if !members.contains_key(name) {
                        errors.push(FieldError::new(
                            member_path(path, name),
                            say("is required", &[]),
                        ));
                    }
                }
                for (name, member) in members {
                    let at = member_path(path, name);
                    match self.properties.iter().find(|(n, _)| n == name) {
                        Some((_, check)) => check.check(components, member, &at, errors),
                        None => match &self.additional {
                            Some(None) => {
                                errors.push(FieldError::new(at, say("is not a known field", &[])))
                            }
                            Some(Some(check)) => check.check(components, member, &at, errors),
                            None => {}
                        },
                    }
                }
            }
            _ => {}
        }
    }
}

/// The compiled `#/components/schemas` a check's references point to.
#[derive(Debug, Default)]
pub struct Components(HashMap<String, Check>);

impl Components {
    pub fn compile(schemas: Option<&serde_json::Map<String, Value>>) -> Components {
        Components(
            schemas
                .into_iter()
                .flatten()
                .map(|(name, schema)| (name.clone(), Check::compile(schema)))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&Check> {
        self.0.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(schema: Value, components: Value, value: Value) -> Vec<(String, String)> {
        let components = Components::compile(components.as_object());
        let mut found = Vec::new();
        Check::compile(&schema).check(&components, &value, "", &mut found);
        found.into_iter().map(|e| (e.field, e.message)).collect()
    }

    #[test]
    fn every_member_is_checked_and_named() {
        let components = json!({
            "Priority": {"type": "string", "enum": ["low", "high"]},
            "Seal": {"type": "object", "required": ["number"], "properties": {"number": {"type": "string"}}, "additionalProperties": false},
        });
        let schema = json!({
            "type": "object",
            "required": ["title", "priority", "offences"],
            "properties": {
                "title": {"type": "string", "minLength": 1, "maxLength": 5},
                "priority": {"$ref": "#/components/schemas/Priority"},
                "offences": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Priority"}},
                "seal": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Seal"}]},
                "at": {"type": ["string", "null"], "format": "date-time"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 200},
            },
            "additionalProperties": false,
        });
        let found = errors(
            schema.clone(),
            components.clone(),
            json!({"title": "too long", "offences": ["low", "mid"], "seal": {"colour": 1},
                   "at": "yesterday", "limit": 0, "budget": 1}),
        );
        let expected = [
            ("priority", "is required"),
            (
                "at",
                "must be an RFC 3339 date-time with its offset, such as 2026-12-01T09:30:00Z, from 1900 to 2100",
            ),
            ("budget", "is not a known field"),
            ("limit", "must be at least 1"),
            ("offences[1]", "must be one of: low, high"),
            ("seal.number", "is required"),
            ("seal.colour", "is not a known field"),
            ("title", "must be at most 5 characters"),
        ];
        let mut got: Vec<(&str, &str)> = found
            .iter()
            .map(|(f, m)| (f.as_str(), m.as_str()))
            .collect();
        got.sort();
        let mut want = expected.to_vec();
        want.sort();
        assert_eq!(got, want);
        assert!(
            errors(
                schema.clone(),
                components.clone(),
                json!({"title": "ok", "priority": "low", "offences": ["high"], "seal": null})
            )
            .is_empty()
        );
        assert_eq!(
            errors(
                schema,
                components,
                json!({"title": 5, "priority": "low", "offences": [], "seal": "x"})
            ),
            [
                (
                    "offences".to_owned(),
                    "must name at least one item".to_owned()
                ),
                (
                    "seal".to_owned(),
                    "has a type or form not allowed here".to_owned()
                ),
                ("title".to_owned(), "must be a string".to_owned()),
            ]
        );
    }
}

//! What a request may carry, checked against the OpenAPI document before a handler
//! sees it: bodies ([`Json`]), query strings ([`Query`]) and path ids ([`Id`]).
//!
//! A body that does not parse is 400; everything else wrong with a body or a query
//! (a missing, unknown or mistyped member, a value out of range, text with a NUL, a
//! number that is not a safe integer, a member given twice) is one 422 whose
//! `errors[]` names every member at fault. The checks are compiled from the served
//! document, so the constraints the spec states and the ones enforced are the same.

pub mod ijson;
pub mod schema;

use crate::error::{ApiError, FieldError};
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use schema::{Check, Components, JsonType};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// The request side of every operation in the OpenAPI document.
pub struct Contract {
    components: Components,
    operations: HashMap<(Method, String), Operation>,
    body_limit: usize,
}

#[derive(Default)]
struct Operation {
    body: Option<Check>,
    query: Vec<QueryParameter>,
}

struct QueryParameter {
    name: String,
    required: bool,
    check: Check,
}

impl Contract {
    /// Compiles the document's request schemas; `body_limit` is the largest body read.
    pub fn new(document: &utoipa::openapi::OpenApi, body_limit: usize) -> Contract {
        let doc = serde_json::to_value(document).unwrap_or_default();
        let components = Components::compile(doc["components"]["schemas"].as_object());
        let mut operations = HashMap::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let Ok(method) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                    continue;
                };
                let body = op["requestBody"]["content"]["application/json"]
                    .get("schema")
                    .map(Check::compile);
                let query = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| {
                        Some(QueryParameter {
                            name: p["name"].as_str()?.to_owned(),
                            required: p["required"].as_bool().unwrap_or(false),
                            check: p.get("schema").map(Check::compile)?,
                        })
                    })
                    .collect();
                operations.insert((method, path.clone()), Operation { body, query });
            }
        }
        Contract {
            components,
            operations,
            body_limit,
        }
    }

    fn operation(&self, req: &HttpRequest) -> Option<&Operation> {
        let pattern = req.match_pattern()?;
        self.operations.get(&(req.method().clone(), pattern))
    }

    /// The route's contract, when the app carries one (it always does in the service).
    fn of(req: &HttpRequest) -> Option<web::Data<Contract>> {
        req.app_data::<web::Data<Contract>>().cloned()
    }
}

/// Deserialises a value that the contract accepted. A type whose own rules go further
/// than its schema is answered with the member serde stopped at, never serde's words.
fn deserialize<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            ijson::BODY.to_owned()
        } else {
            path
        };
        ApiError::Validation(vec![FieldError::new(field, "is not valid here")])
    })
}

/// A JSON request body, checked as I-JSON and against the operation's schema.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    let Ok(Some(mime)) = req.mime_type() else {
        return false;
    };
    mime.type_() == "application"
        && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Json<T>, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let bytes = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let contract = Contract::of(&req);
            if !is_json(&req) {
                return Err(ApiError::UnsupportedMediaType);
            }
            let bytes =
                bytes
                    .await
                    .map_err(|e| match e.as_error::<actix_web::error::PayloadError>() {
                        Some(actix_web::error::PayloadError::Overflow) => {
                            ApiError::PayloadTooLarge {
                                limit: contract.as_ref().map(|c| c.body_limit),
                            }
                        }
                        _ => ApiError::Malformed("the request body could not be read".into()),
                    })?;
            let value = ijson::parse(&bytes)
                .map_err(|unparsable| ApiError::Malformed(unparsable.detail))?
                .map_err(ApiError::Validation)?;
            if let Some(contract) = &contract
                && let Some(check) = contract.operation(&req).and_then(|op| op.body.as_ref())
            {
                let mut errors = Vec::new();
                check.check(&contract.components, &value, "", &mut errors);
                if !errors.is_empty() {
                    return Err(ApiError::Validation(errors));
                }
            }
            deserialize(value).map(Json)
        })
    }
}

/// A query string, checked parameter by parameter against the operation's.
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// A parameter's text as the JSON value its schema describes.
fn typed(text: &str, types: &[JsonType]) -> Result<Value, &'static str> {
    let is = |t| types.contains(&t);
    if is(JsonType::String) || types.is_empty() {
        return Ok(Value::String(text.to_owned()));
    }
    if is(JsonType::Integer) {
        return text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "must be an integer");
    }
    if is(JsonType::Boolean) {
        return match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("must be true or false"),
        };
    }
    Ok(Value::String(text.to_owned()))
}

fn query_value(req: &HttpRequest) -> Result<Value, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::Malformed("the query string cannot be decoded".into()))?;
    let contract = Contract::of(req);
    let operation = contract.as_deref().and_then(|c| c.operation(req));
    let mut object = Map::new();
    let mut errors = Vec::new();
    for (name, text) in pairs {
        if text.contains('\0') || name.contains('\0') {
            errors.push(FieldError::new(&name, "must not contain NUL characters"));
            continue;
        }
        if object.contains_key(&name) {
            errors.push(FieldError::new(&name, "is given more than once"));
            continue;
        }
        let value = match (&contract, operation) {
            (Some(contract), Some(op)) => {
                let Some(param) = op.query.iter().find(|p| p.name == name) else {
                    errors.push(FieldError::new(&name, "is not a known parameter"));
                    continue;
                };
                match typed(&text, &param.check.types(&contract.components)) {
                    Ok(value) => {
                        param
                            .check
                            .check(&contract.components, &value, &name, &mut errors);
                        value
                    }
                    Err(message) => {
                        errors.push(FieldError::new(&name, message));
                        continue;
                    }
                }
            }
            _ => Value::String(text),
        };
        object.insert(name, value);
    }
    for param in operation.into_iter().flat_map(|op| &op.query) {
        if param.required
            && !object.contains_key(&param.name)
            && !errors.iter().any(|e| e.field == param.name)
        {
            errors.push(FieldError::new(&param.name, "is required"));
        }
    }
    if errors.is_empty() {
        Ok(Value::Object(object))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Keeps the members `T` declares: an operation's query may also carry parameters
/// another extractor reads (paging's `limit` and `cursor`).
fn members_of<T: utoipa::IntoParams>(value: Value) -> Value {
    let names: Vec<String> = T::into_params(|| None)
        .into_iter()
        .map(|p| p.name)
        .collect();
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(name, _)| names.contains(name))
                .collect(),
        ),
        other => other,
    }
}

impl<T: DeserializeOwned + utoipa::IntoParams> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Query<T>, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = query_value(req).map(members_of::<T>);
        std::future::ready(value.and_then(deserialize).map(Query))
    }
}

/// `If-Match` (RFC 9110 §13.1.1): the versions a change is based on. The service
/// needs the version a client read, so `*` is not enough, and entity tags compare
/// strongly (a weak tag never matches).
pub struct IfMatch(Option<Vec<String>>);

/// An entity tag as sent, quotes included, and whether it is weak (`W/"x"`).
#[derive(Debug, PartialEq)]
struct EntityTag {
    weak: bool,
    tag: String,
}

/// The entity tags of an `If-Match` value, if it is one: `"v3"`, `W/"x", "v4"`.
fn entity_tags(value: &str) -> Option<Vec<EntityTag>> {
    let mut tags = Vec::new();
    for part in value.split(',') {
        let part = part.trim();
        let (weak, tag) = match part.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, part),
        };
        let opaque = tag.strip_prefix('"')?.strip_suffix('"')?;
        let etagc = |b: u8| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80;
        if !opaque.bytes().all(etagc) {
            return None;
        }
        tags.push(EntityTag {
            weak,
            tag: tag.to_owned(),
        });
    }
    Some(tags)
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<IfMatch, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(actix_web::http::header::IF_MATCH) else {
            return std::future::ready(Ok(IfMatch(None)));
        };
        let text = value.to_str().unwrap_or_default().trim();
        let parsed = if text.is_empty() || text == "*" {
            Ok(IfMatch(None))
        } else {
            entity_tags(text)
                .map(|tags| {
                    IfMatch(Some(
                        tags.into_iter()
                            .filter(|t| !t.weak)
                            .map(|t| t.tag)
                            .collect(),
                    ))
                })
                .ok_or_else(|| {
                    ApiError::validation(
                        "If-Match",
                        "must be one or more entity tags, such as \"v3\"",
                    )
                })
        };
        std::future::ready(parsed)
    }
}

/// The entity tag of a row's `version`, as every versioned object sends it and
/// [`IfMatch::require`] compares it: `"v3"`.
pub fn version_tag(version: i32) -> String {
    format!("\"v{version}\"")
}

impl IfMatch {
    /// Whether a change based on these versions may apply to the `current` one:
    /// 428 without a version, 412 when none is current.
    pub fn require(&self, current: &str) -> Result<(), ApiError> {
        match &self.0 {
            None => Err(ApiError::PreconditionRequired),
            Some(tags) if tags.iter().any(|t| t == current) => Ok(()),
            Some(_) => Err(ApiError::PreconditionFailed),
        }
    }
}

/// The request's `Idempotency-Key`, when it sent one, with the method and path it
/// came with: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    key: Option<String>,
    target: String,
}

impl IdempotencyKey {
    /// The key as `user_id`'s claim, with the request's fingerprint (method, path,
    /// canonical JSON body), when the client sent a key.
    pub fn claim(
        self,
        user_id: &str,
        body: &impl serde::Serialize,
    ) -> Option<crate::ledger::Claim> {
        let key = self.key?;
        let body = serde_json::to_value(body).unwrap_or_default();
        let canonical = crate::jcs::to_string(&body).unwrap_or_default();
        let request_hash =
            crate::ledger::sha256_hex(format!("{}\n{canonical}", self.target).as_bytes());
        Some(crate::ledger::Claim {
            user_id: user_id.to_owned(),
            key,
            request_hash,
        })
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<IdempotencyKey, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = req.headers().get("idempotency-key").map(|v| {
            let visible = |b: &u8| (0x21..=0x7e).contains(b);
            Some(v.as_bytes())
                .filter(|k| (1..=255).contains(&k.len()) && k.iter().all(visible))
                .and_then(|k| std::str::from_utf8(k).ok())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::validation(
                        "Idempotency-Key",
                        "must be 1 to 255 visible ASCII characters",
                    )
                })
        });
        let target = format!("{} {}", req.method(), req.path());
        std::future::ready(key.transpose().map(|key| IdempotencyKey { key, target }))
    }
}

/// True for a UUID in the form ids are stored in: lower-case, hyphenated.
pub fn is_canonical_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok_and(|u| u.hyphenated().to_string() == s)
}

/// The id of a stored object as a path names it: a lower-case hyphenated UUID.
/// Anything else names nothing (404, as for an id that does not exist) and never
/// reaches the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id(String);

impl Id {
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::ops::Deref for Id {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        let text = String::deserialize(d)?;
        if is_canonical_uuid(&text) {
            Ok(Id(text))
        } else {
            Err(serde::de::Error::custom("not an id"))
        }
    }
}

/// The request's `Accept-Language` field, if it has one of text.
pub fn accept_language(req: &actix_web::HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Every answer of a request in one language (see [`crate::catalogue::answering`]):
/// the request's `Accept-Language`, then the person's choice once it is known; the
/// answer says which in `Content-Language`.
pub async fn in_language(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::http::header::{CONTENT_LANGUAGE, HeaderValue, VARY};
    let accept = accept_language(req.request());
    crate::catalogue::answering(accept.as_deref(), async move {
        let mut res = next.call(req).await?;
        let language = crate::catalogue::current();
        let headers = res.headers_mut();
        // An answer in a language of its own (a report printed for a court) says so
        // itself.
        if !headers.contains_key(CONTENT_LANGUAGE) {
            headers.insert(
                CONTENT_LANGUAGE,
                HeaderValue::from_static(language.as_str()),
            );
        }
        headers.append(VARY, HeaderValue::from_static("Accept-Language"));
        Ok(res)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_canonical_uuids_only() {
        assert!(is_canonical_uuid("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
        for not in [
            "0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B",
            "0193a1b2c3d47e5f8a9b0c1d2e3f4a5b",
            "{0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b}",
            "\0",
            "",
        ] {
            assert!(!is_canonical_uuid(not), "{not}");
        }
    }

    #[test]
    fn if_match_compares_strong_entity_tags() {
        let tag = |weak: bool, tag: &str| EntityTag {
            weak,
            tag: tag.to_owned(),
        };
        assert_eq!(entity_tags(r#""v3""#), Some(vec![tag(false, r#""v3""#)]));
        assert_eq!(
            entity_tags(r#"W/"v2", "v3""#),
            Some(vec![tag(true, r#""v2""#), tag(false, r#""v3""#)])
        );
        for malformed in ["v3", r#""v3"#, r#""a"b""#, r#"W/"F%9&!@?"x"#, ","] {
            assert_eq!(entity_tags(malformed), None, "{malformed}");
        }
        let strong = IfMatch(Some(vec![r#""v3""#.to_owned()]));
        assert!(strong.require(r#""v3""#).is_ok());
        assert!(matches!(
            strong.require(r#""v4""#),
            Err(ApiError::PreconditionFailed)
        ));
        assert!(matches!(
            IfMatch(None).require(r#""v3""#),
            Err(ApiError::PreconditionRequired)
        ));
    }

    #[test]
    fn query_text_is_read_as_its_schema_says() {
        assert_eq!(typed("42", &[JsonType::Integer]), Ok(Value::from(42)));
        assert_eq!(typed("x", &[JsonType::Integer]), Err("must be an integer"));
        assert_eq!(
            typed("42", &[JsonType::String, JsonType::Null]),
            Ok(Value::from("42"))
        );
        assert_eq!(typed("true", &[JsonType::Boolean]), Ok(Value::Bool(true)));
    }
}

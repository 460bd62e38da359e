//! The OpenAPI document's frame (info, tags, security scheme) and what every
//! operation answers besides its own responses, added after the routes are
//! registered, so that the document lists every status the service can send.

use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "caseledger",
        description = "Cross-border cybercrime cases, mutual legal assistance and verifiable evidence custody for the CARICOM member states.\n\n**Limits.** A request's line and headers together are at most 128 KiB (131,072 bytes) in at most 96 header fields: beyond either, the HTTP layer answers 431 before the service reads the request, with an empty body, and closes the connection. A JSON body is at most `CASELEDGER_MAX_JSON_BODY_BYTES` (256 KiB by default; 413) and nests at most 127 arrays and objects deep (400, `malformed-request`, naming the line and column). Every other error is an RFC 9457 problem document.",
        license(name = "Apache-2.0")
    ),
    // Schemas that only query parameters name (utoipa collects those of bodies).
    components(schemas(
        crate::ledger::Action,
        crate::mla::request::Direction,
        crate::mla::request::RequestStatus,
        crate::mla::preservations::model::PreservationStatus,
        crate::deadlines::AnyStatus,
        crate::custody::routes::TransferDirection,
        crate::custody::routes::TransferStatus
    )),
    tags(
        (name = "auth", description = "Login, tokens and the caller's identity"),
        (name = "directory", description = "Countries and agencies"),
        (name = "users", description = "User accounts"),
        (name = "identity providers", description = "National identity providers (OpenID Connect) people sign in with"),
        (name = "providers", description = "Service providers that take orders directly (Second Additional Protocol), and their contacts"),
        (name = "cases", description = "Cross-border cases and their sharing"),
        (name = "audit", description = "The tamper-evident audit trail"),
        (name = "evidence", description = "Evidence items and their custody"),
        (name = "log", description = "The custody log: checkpoints and proofs"),
        (name = "mla", description = "Mutual legal assistance between states, and their deadlines"),
        (name = "orders", description = "Orders to service providers: subscriber, domain and traffic data, content, emergency disclosure, preservation"),
        (name = "preservations", description = "Expedited preservation requests between 24/7 points of contact"),
        (name = "integration", description = "National case systems: service accounts and client credentials"),
        (name = "monitoring", description = "Regional monitoring: each state's status review against the regional minimum standards"),
        (name = "uploads", description = "Resumable uploads (tus 1.0) of files too large for one request, bound afterwards to an item's content or a request's document"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

/// Operations a caller who still owes a password change may use.
pub const OPEN_DURING_PASSWORD_CHANGE: [&str; 3] =
    ["/api/v1/me", "/api/v1/auth/password", "/api/v1/auth/logout"];

/// A status most operations can answer, as a shared response of the document.
struct Standard {
    status: &'static str,
    name: &'static str,
    description: &'static str,
}

const BAD_REQUEST: Standard = Standard {
    status: "400",
    name: "MalformedRequest",
    description: "The body is not JSON or nests deeper than 127 levels, or the query string cannot be decoded",
};
const UNAUTHENTICATED: Standard = Standard {
    status: "401",
    name: "Unauthenticated",
    description: "No valid access token",
};
const PASSWORD_CHANGE_REQUIRED: Standard = Standard {
    status: "403",
    name: "PasswordChangeRequired",
    description: "Forbidden: the caller must change their password first (`password-change-required`) or enrol a second factor first (`factor-enrolment-required`), or their roles or agency do not allow this",
};
const NOT_FOUND: Standard = Standard {
    status: "404",
    name: "NotFound",
    description: "No such object, or not one the caller may see",
};
const TOO_LARGE: Standard = Standard {
    status: "413",
    name: "PayloadTooLarge",
    description: "The body exceeds the configured limit (`CASELEDGER_MAX_JSON_BODY_BYTES`, 256 KiB by default)",
};

/// Any request whose head is too large is refused by the HTTP layer, before the
/// service reads it: an empty answer, no problem document.
const HEADERS_TOO_LARGE: (&str, &str, &str) = (
    "431",
    "HeadersTooLarge",
    "The request line and headers exceed 128 KiB, or 96 header fields: the HTTP layer refuses the request before the service reads it, with an empty body, and closes the connection",
);
const NOT_JSON: Standard = Standard {
    status: "415",
    name: "UnsupportedMediaType",
    description: "The body is not `application/json`",
};
const INVALID: Standard = Standard {
    status: "422",
    name: "ValidationFailed",
    description: "A member or parameter is missing, unknown, of the wrong type or out of range; `errors` names each",
};
const INTERNAL: Standard = Standard {
    status: "500",
    name: "InternalError",
    description: "The service failed; the cause is logged, never sent",
};
const UNAVAILABLE: Standard = Standard {
    status: "503",
    name: "Unavailable",
    description: "The database cannot be reached, or too many requests of one kind (password hashing) are being served at once: see `Retry-After`",
};

const STANDARD: [&Standard; 9] = [
    &BAD_REQUEST,
    &UNAUTHENTICATED,
    &PASSWORD_CHANGE_REQUIRED,
    &NOT_FOUND,
    &TOO_LARGE,
    &NOT_JSON,
    &INVALID,
    &INTERNAL,
    &UNAVAILABLE,
];

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            crate::error::PROBLEM_CONTENT_TYPE,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("GET", item.get.as_mut()),
        ("PUT", item.put.as_mut()),
        ("POST", item.post.as_mut()),
        ("DELETE", item.delete.as_mut()),
        ("PATCH", item.patch.as_mut()),
        ("HEAD", item.head.as_mut()),
        ("OPTIONS", item.options.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.map(|op| (method, op)))
}

/// Adds what the document needs beyond the routes' own declarations: the bearer
/// scheme, the shared problem responses, each operation's standard statuses, and a
/// description for every response.
pub fn complete(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    for standard in STANDARD {
        components.responses.insert(
            standard.name.to_owned(),
            RefOr::T(problem_response(standard.description)),
        );
    }
    let (head_status, head_name, head_description) = HEADERS_TOO_LARGE;
    components.responses.insert(
        head_name.to_owned(),
        RefOr::T(ResponseBuilder::new().description(head_description).build()),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        let api = path.starts_with("/api/");
        let has_path_params = path.contains('{');
        for (_, op) in operations(item) {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_body = op.request_body.is_some();
            let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut wanted: Vec<&Standard> = Vec::new();
            if has_body || has_params {
                wanted.push(&BAD_REQUEST);
            }
            if secured {
                wanted.push(&UNAUTHENTICATED);
                if !OPEN_DURING_PASSWORD_CHANGE.contains(&path.as_str()) {
                    wanted.push(&PASSWORD_CHANGE_REQUIRED);
                }
            }
            if has_path_params {
                wanted.push(&NOT_FOUND);
            }
            if has_body {
                wanted.extend([&TOO_LARGE, &NOT_JSON]);
            }
            if has_body || has_params {
                wanted.push(&INVALID);
            }
            if api {
                wanted.extend([&INTERNAL, &UNAVAILABLE]);
            }
            let responses = &mut op.responses.responses;
            responses
                .entry(head_status.to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(head_name)));
            for standard in wanted {
                responses
                    .entry(standard.status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(standard.name)));
            }
            for (status, response) in responses.iter_mut() {
                if let RefOr::T(response) = response
                    && response.description.is_empty()
                {
                    response.description = default_description(status).to_owned();
                }
            }
        }
    }
    bound_integers(doc)
}

/// Bounds every integer of the document to what a JSON number holds exactly, the
/// I-JSON rule request bodies are read by (`input::ijson`): a larger one is refused.
fn bound_integers(doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(members) => {
                let integer = match members.get("type") {
                    Some(serde_json::Value::String(t)) => t == "integer",
                    Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
                    _ => false,
                };
                if integer {
                    let safe = crate::input::ijson::MAX_SAFE_INTEGER;
                    members.entry("minimum").or_insert((-safe).into());
                    members.entry("maximum").or_insert(safe.into());
                }
                members.values_mut().for_each(walk);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(&doc).expect("the document serialises");
    walk(&mut value);
    headers_never_null(&mut value);
    serde_json::from_value(value).expect("the bounded document is still a document")
}

/// An optional header is absent or has a value; it is never `null` (which a client
/// would send as the text `null`), whatever `Option` made of its schema.
fn headers_never_null(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for operation in operations {
        let Some(Value::Array(parameters)) = operation.get_mut("parameters") else {
            continue;
        };
        for parameter in parameters.iter_mut() {
            if parameter.get("in").and_then(Value::as_str) != Some("header") {
                continue;
            }
            let Some(Value::Array(types)) = parameter.pointer_mut("/schema/type") else {
                continue;
            };
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let only = types.remove(0);
                if let Some(schema) = parameter.get_mut("schema") {
                    schema["type"] = only;
                }
            }
        }
    }
}

fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "Done; nothing to return",
        _ => "See the problem document",
    }
}

/// The methods each documented path answers, for a 405 with `Allow` on any other.
pub struct MethodTable(Vec<(Vec<String>, Vec<&'static str>)>);

impl MethodTable {
    pub fn new(doc: &utoipa::openapi::OpenApi, extra: &[(&str, &'static str)]) -> MethodTable {
        let mut table: Vec<(Vec<String>, Vec<&'static str>)> = Vec::new();
        let segments = |path: &str| path.split('/').map(str::to_owned).collect::<Vec<_>>();
        for (path, item) in &doc.paths.paths {
            let mut item = item.clone();
            let methods = operations(&mut item).map(|(m, _)| m).collect();
            table.push((segments(path), methods));
        }
        for (path, method) in extra {
            match table.iter_mut().find(|(p, _)| *p == segments(path)) {
                Some((_, methods)) => methods.push(method),
                None => table.push((segments(path), vec![method])),
            }
        }
        MethodTable(table)
    }

    /// The methods of the documented path `path` matches, if it matches one.
    pub fn allowed(&self, path: &str) -> Option<&[&'static str]> {
        let wanted: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(template, _)| {
                template.len() == wanted.len()
                    && template.iter().zip(&wanted).all(|(t, w)| {
                        if t.starts_with('{') {
                            !w.is_empty()
                        } else {
                            t == w
                        }
                    })
            })
            .map(|(_, methods)| methods.as_slice())
    }
}

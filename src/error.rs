//! The one error type users see, rendered as RFC 9457 problem documents.
//!
//! Each variant has a stable `type` URI. Internal failures are logged with their cause
//! and answered with a generic 500 that carries nothing from the database or the code.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_BASE: &str = "https://caseledger.org/problems/";
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem.
    #[schema(example = "https://caseledger.org/problems/not-found")]
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Field-level validation failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The OAuth 2.0 error code (RFC 6749 §5.2), on the token endpoint's problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "invalid_client")]
    pub error: Option<String>,
    /// On `mfa-required`: the single-use token that gives the second factor to
    /// `POST /api/v1/auth/login/mfa`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_token: Option<String>,
    /// On `mfa-required`: seconds until `mfa_token` expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// On `mfa-required`: the kinds of factor the person holds (`totp`); a recovery
    /// code is accepted too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factors: Option<Vec<String>>,
}

/// What a password accepted at sign-in leaves owed: a second factor, given with
/// `mfa_token` to `POST /api/v1/auth/login/mfa`.
#[derive(Debug, Clone)]
pub struct MfaChallenge {
    /// Single use, short-lived.
    pub mfa_token: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// The kinds of factor the person holds (a recovery code is always accepted).
    pub factors: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as a JSON member name or a dotted path.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("payload too large")]
    /// The limit, when the layer that refused the body knows it.
    PayloadTooLarge { limit: Option<usize> },
    #[error("authentication required")]
    Unauthenticated,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("second factor enrolment required")]
    FactorEnrolmentRequired,
    /// A password accepted: the second factor is owed, with the token that gives it.
    #[error("second factor required")]
    MfaRequired(MfaChallenge),
    /// A second factor refused at sign-in (wrong, reused or expired), or an `mfa_token`
    /// spent, expired or unknown: one answer for each.
    #[error("invalid second factor")]
    InvalidSecondFactor,
    /// The action needs a second factor given recently (RFC 9470).
    #[error("step-up required")]
    StepUpRequired,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// With the methods the path does answer, for `Allow` (none when unknown).
    #[error("method not allowed")]
    MethodNotAllowed(Vec<&'static str>),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("precondition required")]
    PreconditionRequired,
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    #[error("custody rule: {0}")]
    CustodyRule(String),
    #[error("the custody chain has moved on")]
    StaleChain,
    #[error("service unavailable")]
    Unavailable,
    /// Too much work of one kind at once (password hashing): try again shortly.
    #[error("server busy")]
    Busy { retry_after_secs: u32 },
    /// A refusal of the OAuth token endpoint, with its RFC 6749 §5.2 error code:
    /// `invalid_client` (401), `invalid_request`, `unsupported_grant_type` (400).
    #[error("oauth: {error}")]
    OAuth {
        error: &'static str,
        description: String,
    },
    /// Uploaded bytes that are not the ones the record names (hash or size).
    #[error("content mismatch: {0}")]
    ContentMismatch(String),
    /// What existed and no longer does (destroyed content).
    #[error("gone: {0}")]
    Gone(String),
    /// A byte range outside the content, of `size` bytes.
    #[error("range not satisfiable")]
    RangeNotSatisfiable { size: u64 },
    /// The content store has no room left.
    #[error("insufficient storage")]
    InsufficientStorage,
    /// The content store cannot be reached now.
    #[error("content store unavailable")]
    StoreUnavailable,
    /// Stored content that does not open: it was altered in the store.
    #[error("stored content altered")]
    ContentAltered,
    /// A tus request without `Tus-Resumable: 1.0.0`.
    #[error("tus version not supported")]
    TusVersion,
    /// A tus PATCH whose body is not what its `Upload-Checksum` says.
    #[error("checksum mismatch")]
    ChecksumMismatch,
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn forbidden(why: impl Into<String>) -> ApiError {
        ApiError::Forbidden(why.into())
    }

    /// The stable slug of the problem type and its title.
    pub fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::Malformed(_) => ("malformed-request", "Malformed request"),
            ApiError::Validation(_) => ("validation-failed", "Validation failed"),
            ApiError::UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
            ApiError::PayloadTooLarge { .. } => ("payload-too-large", "Payload too large"),
            ApiError::Unauthenticated => ("unauthenticated", "Authentication required"),
            ApiError::InvalidCredentials => ("invalid-credentials", "Invalid credentials"),
            ApiError::InvalidRefreshToken => ("invalid-refresh-token", "Invalid refresh token"),
            ApiError::PasswordChangeRequired => {
                ("password-change-required", "Password change required")
            }
            ApiError::FactorEnrolmentRequired => (
                "factor-enrolment-required",
                "Second factor enrolment required",
            ),
            ApiError::MfaRequired(_) => ("mfa-required", "Second factor required"),
            ApiError::InvalidSecondFactor => ("invalid-second-factor", "Invalid second factor"),
            ApiError::StepUpRequired => ("step-up-required", "Second factor required again"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::NotFound => ("not-found", "Not found"),
            ApiError::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::PreconditionFailed => ("precondition-failed", "Precondition failed"),
            ApiError::PreconditionRequired => ("precondition-required", "Precondition required"),
            ApiError::IdempotencyKeyReused => ("idempotency-key-reused", "Idempotency key reused"),
            ApiError::CustodyRule(_) => ("custody-rule-violated", "Custody rule violated"),
            ApiError::StaleChain => ("custody-chain-moved", "Custody chain moved on"),
            ApiError::Unavailable => ("service-unavailable", "Service unavailable"),
            ApiError::Busy { .. } => ("server-busy", "Server busy"),
            ApiError::OAuth { error, .. } => match *error {
                "invalid_client" => ("invalid-client", "Client authentication failed"),
                "unsupported_grant_type" => ("unsupported-grant-type", "Unsupported grant type"),
                _ => ("invalid-token-request", "Invalid token request"),
            },
            ApiError::ContentMismatch(_) => {
                ("content-mismatch", "Content does not match its record")
            }
            ApiError::Gone(_) => ("gone", "Gone"),
            ApiError::RangeNotSatisfiable { .. } => {
                ("range-not-satisfiable", "Range not satisfiable")
            }
            ApiError::InsufficientStorage => ("insufficient-storage", "Insufficient storage"),
            ApiError::StoreUnavailable => ("store-unavailable", "Content store unavailable"),
            ApiError::ContentAltered => ("content-altered", "Stored content altered"),
            ApiError::TusVersion => ("tus-version-unsupported", "tus version not supported"),
            ApiError::ChecksumMismatch => ("checksum-mismatch", "Checksum mismatch"),
            ApiError::Internal(_) => ("internal-error", "Internal server error"),
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            ApiError::Malformed(d)
            | ApiError::Forbidden(d)
            | ApiError::Conflict(d)
            | ApiError::CustodyRule(d)
            | ApiError::ContentMismatch(d)
            | ApiError::Gone(d) => Some(d.clone()),
            ApiError::RangeNotSatisfiable { size } => Some(format!(
                "the range asked for is not within the content's {size} bytes"
            )),
            ApiError::InsufficientStorage => Some(
                "the content store has no room left: nothing was kept or recorded".into(),
            ),
            ApiError::StoreUnavailable => Some(
                "the content store cannot be reached now: nothing was kept or recorded; try again"
                    .into(),
            ),
            ApiError::TusVersion => Some(
                "this server speaks tus 1.0.0 only: send Tus-Resumable: 1.0.0".into(),
            ),
            ApiError::ChecksumMismatch => Some(
                "the bytes sent are not those Upload-Checksum names: none of them was kept; send them again".into(),
            ),
            ApiError::ContentAltered => Some(
                "the stored content does not open: it was altered in the store, and none of it is served"
                    .into(),
            ),
            ApiError::StaleChain => {
                Some("prev is not the latest entry of this item: read its custody again".into())
            }
            ApiError::PayloadTooLarge { limit } => Some(match limit {
                Some(limit) => format!("the request body exceeds the limit of {limit} bytes"),
                None => "the request body is too large".into(),
            }),
            ApiError::InvalidCredentials => {
                Some("the username or password is wrong, or the account is locked".into())
            }
            ApiError::PasswordChangeRequired => {
                Some("change your password with POST /api/v1/auth/password first".into())
            }
            ApiError::FactorEnrolmentRequired => Some(
                "enrol a second factor with POST /api/v1/me/factors and confirm it first".into(),
            ),
            ApiError::MfaRequired(_) => Some(
                "give a second factor with the mfa_token to POST /api/v1/auth/login/mfa".into(),
            ),
            ApiError::StepUpRequired => Some(
                "give your second factor again with POST /api/v1/auth/step-up, then retry".into(),
            ),
            ApiError::InvalidSecondFactor => Some(
                "the code is wrong or was used already, or the mfa_token has expired or was used"
                    .into(),
            ),
            ApiError::Validation(_) => Some("one or more fields are invalid".into()),
            ApiError::OAuth { description, .. } => Some(description.clone()),
            ApiError::PreconditionFailed => {
                Some("the resource has changed since you read it: read it again".into())
            }
            ApiError::MethodNotAllowed(allowed) if !allowed.is_empty() => {
                Some(format!("this path answers {} only", allowed.join(", ")))
            }
            ApiError::PreconditionRequired => {
                Some("send If-Match with the ETag of the version you read".into())
            }
            ApiError::Busy { retry_after_secs } => Some(format!(
                "too many sign-ins are being checked at once: try again in {retry_after_secs} s"
            )),
            ApiError::IdempotencyKeyReused => {
                Some("this Idempotency-Key was used with a different request".into())
            }
            _ => None,
        }
    }

    /// The title and detail in `language`: the catalogue's words where it has them;
    /// a detail the code words of the case at hand (a field, a rule, a conflict) is
    /// given as written.
    fn worded(&self, language: crate::catalogue::Language) -> (String, Option<String>) {
        let (slug, title) = self.kind();
        let detail = self.detail();
        let entry = match self {
            ApiError::PayloadTooLarge { limit: None } => "payload-too-large.unbounded",
            _ => slug,
        };
        let Some(words) = language.problem(entry) else {
            return (title.to_owned(), detail);
        };
        let detail = match (words.detail, detail) {
            (Some(template), Some(_)) => {
                let values: Vec<(&str, String)> = match self {
                    ApiError::PayloadTooLarge { limit: Some(limit) } => {
                        vec![("limit", limit.to_string())]
                    }
                    ApiError::RangeNotSatisfiable { size } => vec![("size", size.to_string())],
                    ApiError::Busy { retry_after_secs } => {
                        vec![("seconds", retry_after_secs.to_string())]
                    }
                    ApiError::MethodNotAllowed(allowed) => vec![("methods", allowed.join(", "))],
                    _ => Vec::new(),
                };
                let values: Vec<(&str, &str)> =
                    values.iter().map(|(k, v)| (*k, v.as_str())).collect();
                Some(crate::catalogue::Words::fill(template, &values))
            }
            (_, detail) => detail,
        };
        (words.title.to_owned(), detail)
    }

    pub fn problem(&self) -> Problem {
        let (slug, _) = self.kind();
        let (title, detail) = self.worded(crate::catalogue::current());
        let mut problem = Problem {
            type_: format!("{PROBLEM_BASE}{slug}"),
            title,
            status: self.status_code().as_u16(),
            detail,
            errors: match self {
                ApiError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            error: match self {
                ApiError::OAuth { error, .. } => Some((*error).to_owned()),
                _ => None,
            },
            mfa_token: None,
            expires_in: None,
            factors: None,
        };
        if let ApiError::MfaRequired(challenge) = self {
            problem.mfa_token = Some(challenge.mfa_token.clone());
            problem.expires_in = Some(challenge.expires_in);
            problem.factors = Some(challenge.factors.clone());
        }
        problem
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthenticated
            | ApiError::InvalidCredentials
            | ApiError::InvalidRefreshToken
            | ApiError::MfaRequired(_)
            | ApiError::InvalidSecondFactor
            | ApiError::StepUpRequired => StatusCode::UNAUTHORIZED,
            ApiError::PasswordChangeRequired
            | ApiError::FactorEnrolmentRequired
            | ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::CustodyRule(_) | ApiError::StaleChain => StatusCode::CONFLICT,
            ApiError::Unavailable | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::OAuth { error, .. } if *error == "invalid_client" => StatusCode::UNAUTHORIZED,
            ApiError::OAuth { .. } => StatusCode::BAD_REQUEST,
            ApiError::ContentMismatch(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TusVersion => StatusCode::PRECONDITION_FAILED,
            ApiError::ChecksumMismatch => StatusCode::from_u16(460).expect("460 is a status code"),
            ApiError::ContentAltered | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header(ContentType(
            PROBLEM_CONTENT_TYPE.parse().expect("valid media type"),
        ));
        if matches!(self, ApiError::Unauthenticated) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if matches!(self, ApiError::StepUpRequired) {
            response.insert_header((
                "WWW-Authenticate",
                "Bearer error=\"insufficient_user_authentication\", \
                 error_description=\"a second factor given recently is required\"",
            ));
        }
        if let ApiError::OAuth { error, .. } = self {
            response.insert_header(("Cache-Control", "no-store"));
            if *error == "invalid_client" {
                response.insert_header(("WWW-Authenticate", "Basic realm=\"caseledger\""));
            }
        }
        if let ApiError::MethodNotAllowed(allowed) = self
            && !allowed.is_empty()
        {
            response.insert_header(("Allow", allowed.join(", ")));
        }
        if let ApiError::Busy { retry_after_secs } = self {
            response.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        if matches!(self, ApiError::TusVersion) {
            response.insert_header(("Tus-Version", "1.0.0"));
        }
        if matches!(self, ApiError::StoreUnavailable) {
            response.insert_header(("Retry-After", "30"));
        }
        if let ApiError::RangeNotSatisfiable { size } = self {
            response.insert_header(("Content-Range", format!("bytes */{size}")));
        }
        response.json(self.problem())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> ApiError {
        match e {
            diesel::result::Error::NotFound => ApiError::NotFound,
            other => ApiError::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> ApiError {
        tracing::error!(error = %e, "database pool");
        ApiError::Unavailable
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub fn path_error(_: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    // A malformed identifier names nothing that exists.
    ApiError::NotFound.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Language;

    /// One error of every kind.
    fn every_kind() -> Vec<ApiError> {
        vec![
            ApiError::Malformed("x".into()),
            ApiError::validation("name", "is required"),
            ApiError::UnsupportedMediaType,
            ApiError::PayloadTooLarge { limit: Some(1024) },
            ApiError::PayloadTooLarge { limit: None },
            ApiError::Unauthenticated,
            ApiError::InvalidCredentials,
            ApiError::InvalidRefreshToken,
            ApiError::PasswordChangeRequired,
            ApiError::FactorEnrolmentRequired,
            ApiError::MfaRequired(MfaChallenge {
                mfa_token: "t".into(),
                expires_in: 60,
                factors: Vec::new(),
            }),
            ApiError::InvalidSecondFactor,
            ApiError::StepUpRequired,
            ApiError::Forbidden("x".into()),
            ApiError::NotFound,
            ApiError::MethodNotAllowed(vec!["GET", "POST"]),
            ApiError::Conflict("x".into()),
            ApiError::PreconditionFailed,
            ApiError::PreconditionRequired,
            ApiError::IdempotencyKeyReused,
            ApiError::CustodyRule("x".into()),
            ApiError::StaleChain,
            ApiError::Unavailable,
            ApiError::Busy {
                retry_after_secs: 3,
            },
            ApiError::OAuth {
                error: "invalid_client",
                description: "x".into(),
            },
            ApiError::OAuth {
                error: "unsupported_grant_type",
                description: "x".into(),
            },
            ApiError::OAuth {
                error: "invalid_grant",
                description: "x".into(),
            },
            ApiError::ContentMismatch("x".into()),
            ApiError::Gone("x".into()),
            ApiError::RangeNotSatisfiable { size: 10 },
            ApiError::InsufficientStorage,
            ApiError::StoreUnavailable,
            ApiError::ContentAltered,
            ApiError::TusVersion,
            ApiError::ChecksumMismatch,
            ApiError::Internal(anyhow::anyhow!("x")),
        ]
    }

    #[test]
    fn every_problem_type_has_its_words_in_every_language_and_a_stable_type() {
        for e in every_kind() {
            let (slug, english) = e.kind();
            let (title, detail) = e.worded(Language::En);
            assert_eq!(title, english);
            assert_eq!(detail, e.detail());
            for language in [Language::Fr, Language::Nl] {
                let (title, translated) = e.worded(language);
                assert_ne!(title, english, "{language:?} {slug}: the title translated");
                assert!(!title.is_empty());
                // A detail the service words alike every time is translated, its
                // values filled in; one the code words of the case stays as written.
                match (e.detail(), translated) {
                    (None, None) => {}
                    (Some(en), Some(text)) if en == "x" => assert_eq!(text, "x"),
                    (Some(en), Some(text)) => {
                        assert_ne!(text, en, "{language:?} {slug}: the detail translated");
                        assert!(!text.contains('{'), "{language:?} {slug}: {text}");
                        for value in ["1024", "10", "3", "GET, POST"] {
                            assert_eq!(en.contains(value), text.contains(value), "{slug}: {value}");
                        }
                    }
                    (en, text) => panic!("{language:?} {slug}: {en:?} became {text:?}"),
                }
            }
        }
    }
}

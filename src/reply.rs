//! A response built on the blocking pool (where `HttpResponse`, not being `Send`,
//! cannot be) and stored for idempotent replays.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{ETAG, LOCATION};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reply {
    #[serde(with = "status_code")]
    pub status: StatusCode,
    pub body: Value,
    pub etag: Option<String>,
    pub location: Option<String>,
    #[serde(skip)]
    pub replayed: bool,
}

impl Reply {
    pub fn json(status: StatusCode, body: &impl Serialize) -> Reply {
        Reply {
            status,
            body: serde_json::to_value(body).unwrap_or(Value::Null),
            etag: None,
            location: None,
            replayed: false,
        }
    }

    /// A reply whose body is already a JSON value (no copy made).
    pub fn value(status: StatusCode, body: Value) -> Reply {
        Reply {
            status,
            body,
            etag: None,
            location: None,
            replayed: false,
        }
    }

    /// No body: for work whose answer the handler builds itself.
    pub fn empty() -> Reply {
        Reply::value(StatusCode::NO_CONTENT, Value::Null)
    }

    pub fn etag(mut self, etag: String) -> Reply {
        self.etag = Some(etag);
        self
    }

    pub fn location(mut self, location: String) -> Reply {
        self.location = Some(location);
        self
    }

    pub fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(etag) = self.etag {
            response.insert_header((ETAG, etag));
        }
        if let Some(location) = self.location {
            response.insert_header((LOCATION, location));
        }
        if self.replayed {
            response.insert_header(("Idempotent-Replayed", "true"));
        }
        if self.status == StatusCode::NO_CONTENT {
            return response.finish();
        }
        response.json(self.body)
    }
}

mod status_code {
    use actix_web::http::StatusCode;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(status: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(status.as_u16())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<StatusCode, D::Error> {
        StatusCode::from_u16(u16::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

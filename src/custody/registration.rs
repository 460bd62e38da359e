//! Registering an evidence item: what the request carries, checked field by field,
//! and the item it becomes, with the circumstances of its first custody entry.

use super::entry::{FirstEntry, check_circumstances};
use super::model::{EvidenceKind, EvidenceRow, ItemStatus, is_sha256_hex};
use crate::error::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A new evidence item as a request describes it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvidence {
    #[schema(min_length = 1, max_length = 5000)]
    pub description: String,
    pub kind: EvidenceKind,
    /// Lowercase hex SHA-256 of the content; required for digital items.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: Option<String>,
    /// Other content hashes taken at acquisition, by algorithm: `sha-512`, `sha-1`,
    /// `md5` or `blake3` (another spelling of one is recorded in this one), each in
    /// hex of its length. Later hash checks of these algorithms are compared with them.
    #[schema(value_type = Option<Object>, example = json!({"md5": "098f6bcd4621d373cade4e832627b4f6"}))]
    pub other_hashes: Option<Value>,
    #[schema(minimum = 0)]
    pub size_bytes: Option<i64>,
    #[schema(min_length = 1, max_length = 200)]
    pub seal_number: Option<String>,
    #[schema(min_length = 1, max_length = 500)]
    pub storage_location: Option<String>,
    /// Seized from whom and where, under which legal authority or warrant reference.
    #[schema(value_type = Option<Object>)]
    pub source: Option<Value>,
    /// Method, tool and version, by whom, started and ended.
    #[schema(value_type = Option<Object>)]
    pub acquisition: Option<Value>,
    /// The item this one was derived from: an item of the same case that the caller
    /// sees (any other answers as one that does not exist).
    #[schema(format = Uuid)]
    pub parent_id: Option<String>,
    /// Where, why and under what authority it was collected (the first custody entry).
    #[serde(default)]
    pub collected: FirstEntry,
}

/// A free JSON member of an item's record: an object of at most 16 KiB, stored as text.
fn object_or_empty(field: &str, value: Option<Value>, errors: &mut Vec<FieldError>) -> String {
    match value {
        None => "{}".into(),
        Some(v) if v.is_object() && v.to_string().len() <= 16 * 1024 => v.to_string(),
        Some(_) => {
            errors.push(FieldError::new(
                field,
                "must be a JSON object of at most 16 KiB",
            ));
            "{}".into()
        }
    }
}

/// The other acquisition hashes, each algorithm in its canonical spelling and each
/// value in lower-case hex of its length, as stored text.
fn other_hashes(value: Option<Value>, errors: &mut Vec<FieldError>) -> String {
    let Some(value) = value else {
        return "{}".into();
    };
    let Some(given) = value.as_object() else {
        errors.push(FieldError::new(
            "other_hashes",
            "must be a JSON object of hashes by algorithm",
        ));
        return "{}".into();
    };
    let mut kept = serde_json::Map::new();
    for (algorithm, hash) in given {
        let field = format!("other_hashes.{algorithm}");
        if super::hashes::canonical(algorithm) == Some("sha-256") {
            errors.push(FieldError::new(field, "the SHA-256 is given as `sha256`"));
            continue;
        }
        match super::hashes::written(algorithm, hash.as_str().unwrap_or_default()) {
            Ok((name, _)) if kept.contains_key(name) => errors.push(FieldError::new(
                field,
                format!("gives {name} a second time"),
            )),
            Ok((name, hex)) => {
                kept.insert(name.to_owned(), Value::String(hex));
            }
            Err(refusal) => errors.push(FieldError::new(field, refusal.message())),
        }
    }
    Value::Object(kept).to_string()
}

/// An item ready to register: its row (labelled when it is committed) and the
/// circumstances of its first entry.
pub struct ItemToRegister {
    pub item: EvidenceRow,
    pub first: FirstEntry,
}

impl NewEvidence {
    /// The item to register in `case_id`, checked field by field (every problem at
    /// once).
    pub fn into_item(
        self,
        case_id: String,
        created_by: String,
    ) -> Result<ItemToRegister, ApiError> {
        let mut errors = Vec::new();
        let description = self.description.trim().to_owned();
        if description.is_empty() || description.chars().count() > 5000 {
            errors.push(FieldError::new(
                "description",
                "must be 1 to 5000 characters",
            ));
        }
        match &self.sha256 {
            Some(h) if !is_sha256_hex(h) => {
                errors.push(FieldError::new("sha256", "must be 64 lowercase hex digits"))
            }
            None if self.kind.is_digital() => errors.push(FieldError::new(
                "sha256",
                "is required for digital evidence",
            )),
            _ => {}
        }
        if self.size_bytes.is_some_and(|s| s < 0) {
            errors.push(FieldError::new("size_bytes", "must not be negative"));
        }
        let source = object_or_empty("source", self.source, &mut errors);
        let acquisition = object_or_empty("acquisition", self.acquisition, &mut errors);
        let other_hashes = other_hashes(self.other_hashes, &mut errors);
        errors.extend(
            check_circumstances(&self.collected)
                .into_iter()
                .map(|e| FieldError::new(format!("collected.{}", e.field), e.message)),
        );
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let row = EvidenceRow {
            id: uuid::Uuid::now_v7().to_string(),
            case_id,
            label: String::new(),
            description,
            kind: self.kind.as_str().to_owned(),
            source,
            acquisition,
            sha256: self.sha256,
            other_hashes,
            size_bytes: self.size_bytes,
            seal_number: self.seal_number,
            storage_location: self.storage_location,
            parent_id: self.parent_id,
            created_by,
            created_at: crate::db::now(),
            status: ItemStatus::InCustody.as_str().to_owned(),
            custodian_user_id: None,
            custodian_agency_id: None,
            pending_agency_id: None,
            pending_custodian_id: None,
            integrity_alert: false,
            last_seq: -1,
            last_hash: String::new(),
            mla_request_id: None,
            holder_agency_id: None,
            order_id: None,
        };
        Ok(ItemToRegister {
            item: row,
            first: self.collected,
        })
    }
}

/// What an item was produced under: an MLA request executed, or an order a provider
/// answered.
pub enum ProducedUnder {
    Request(String),
    Order(String),
}

/// Registers what was produced under a request or an order, once the caller's sight
/// of it was checked: the ledger then checks, under its lock, that the caller may
/// register under it now, and files the item in the case it serves.
pub async fn register_produced(
    state: &crate::state::AppState,
    credentials: crate::auth::Credentials,
    body: NewEvidence,
    claim: Option<crate::ledger::Claim>,
    under: ProducedUnder,
) -> crate::error::ApiResult<crate::reply::Reply> {
    use super::jobs::{Custody, CustodyJob, Registration};
    let ItemToRegister { mut item, first } =
        body.into_item(String::new(), credentials.claims.sub.clone())?;
    match under {
        ProducedUnder::Request(id) => item.mla_request_id = Some(id),
        ProducedUnder::Order(id) => item.order_id = Some(id),
    }
    let job = CustodyJob::Register(Box::new(Registration {
        credentials,
        item,
        first,
    }));
    state.ledger.submit::<Custody>(job, claim).await
}

//! Evidence items and the rules of the chain of custody.

use crate::db::schema::evidence_items;
use crate::error::{ApiError, FieldError};
use crate::time::UtcTimestamp;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

crate::string_enum! {
    EvidenceKind {
        Device => "device",
        StorageMedium => "storage_medium",
        DiskImage => "disk_image",
        MemoryCapture => "memory_capture",
        NetworkCapture => "network_capture",
        CloudAccountData => "cloud_account_data",
        Logs => "logs",
        Document => "document",
        Other => "other",
    }
}

impl EvidenceKind {
    /// Digital items must carry a SHA-256 of their content.
    pub fn is_digital(self) -> bool {
        matches!(
            self,
            EvidenceKind::DiskImage
                | EvidenceKind::MemoryCapture
                | EvidenceKind::NetworkCapture
                | EvidenceKind::CloudAccountData
                | EvidenceKind::Logs
        )
    }
}

crate::string_enum! {
    /// Custody event types (ISO/IEC 27037 practice).
    EventType {
        Collected => "collected",
        Sealed => "sealed",
        Transferred => "transferred",
        Received => "received",
        CheckedOut => "checked_out",
        CheckedIn => "checked_in",
        HashVerified => "hash_verified",
        Analysed => "analysed",
        Copied => "copied",
        SharedAbroad => "shared_abroad",
        Returned => "returned",
        Released => "released",
        Destroyed => "destroyed",
        Note => "note",
        Correction => "correction",
    }
}

crate::string_enum! {
    /// Where an item stands, derived from its custody log.
    ItemStatus {
        InCustody => "in_custody",
        CheckedOut => "checked_out",
        InTransit => "in_transit",
        Returned => "returned",
        Released => "released",
        Destroyed => "destroyed",
    }
}

impl ItemStatus {
    /// After release, return or destruction only notes and corrections are recorded.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ItemStatus::Returned | ItemStatus::Released | ItemStatus::Destroyed
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Custodian {
    pub user_id: String,
    pub agency_id: String,
}

/// An item as stored. `None` is stored as NULL (one multi-row insert on SQLite).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evidence_items, treat_none_as_default_value = false)]
pub struct EvidenceRow {
    pub id: String,
    pub case_id: String,
    pub label: String,
    pub description: String,
    pub kind: String,
    pub source: String,
    pub acquisition: String,
    pub sha256: Option<String>,
    pub other_hashes: String,
    pub size_bytes: Option<i64>,
    pub seal_number: Option<String>,
    pub storage_location: Option<String>,
    pub parent_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub status: String,
    pub custodian_user_id: Option<String>,
    pub custodian_agency_id: Option<String>,
    pub pending_agency_id: Option<String>,
    pub pending_custodian_id: Option<String>,
    pub integrity_alert: bool,
    pub last_seq: i32,
    pub last_hash: String,
}

impl EvidenceRow {
    pub fn status(&self) -> ItemStatus {
        ItemStatus::parse(&self.status).unwrap_or(ItemStatus::InCustody)
    }

    pub fn custodian(&self) -> Option<Custodian> {
        Some(Custodian {
            user_id: self.custodian_user_id.clone()?,
            agency_id: self.custodian_agency_id.clone()?,
        })
    }
}

/// An evidence item as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Evidence {
    pub id: String,
    pub case_id: String,
    /// Unique in the case, such as `JM-2026-000042/E07`.
    pub label: String,
    pub description: String,
    pub kind: EvidenceKind,
    /// Seized from whom and where, under which authority.
    #[schema(value_type = Object)]
    pub source: Value,
    /// Method, tool and version, by whom, started and ended.
    #[schema(value_type = Object)]
    pub acquisition: Value,
    pub sha256: Option<String>,
    /// Other content hashes by algorithm.
    #[schema(value_type = Object)]
    pub other_hashes: Value,
    pub size_bytes: Option<i64>,
    pub seal_number: Option<String>,
    pub storage_location: Option<String>,
    /// The item this one was derived from (an image of a seized disk).
    pub parent_id: Option<String>,
    pub created_by: String,
    pub created_at: UtcTimestamp,
    /// Derived from the custody log.
    pub status: ItemStatus,
    /// Derived from the custody log.
    pub custodian: Option<Custodian>,
    /// A transfer awaiting `received`.
    pub pending_transfer: Option<Custodian>,
    /// True once a `hash_verified` entry observed a hash other than the acquisition hash.
    pub integrity_alert: bool,
    /// Number of custody entries.
    pub entries: i32,
    /// `entry_hash` of the latest entry: pass it as `prev` to append safely.
    pub head: String,
}

impl From<EvidenceRow> for Evidence {
    fn from(row: EvidenceRow) -> Evidence {
        let parse = |s: &str| serde_json::from_str(s).unwrap_or(Value::Object(Default::default()));
        Evidence {
            kind: EvidenceKind::parse(&row.kind).unwrap_or(EvidenceKind::Other),
            status: row.status(),
            custodian: row.custodian(),
            pending_transfer: match (&row.pending_agency_id, &row.pending_custodian_id) {
                (Some(agency_id), Some(user_id)) => Some(Custodian {
                    user_id: user_id.clone(),
                    agency_id: agency_id.clone(),
                }),
                _ => None,
            },
            source: parse(&row.source),
            acquisition: parse(&row.acquisition),
            other_hashes: parse(&row.other_hashes),
            entries: row.last_seq + 1,
            head: row.last_hash,
            id: row.id,
            case_id: row.case_id,
            label: row.label,
            description: row.description,
            sha256: row.sha256,
            size_bytes: row.size_bytes,
            seal_number: row.seal_number,
            storage_location: row.storage_location,
            parent_id: row.parent_id,
            created_by: row.created_by,
            created_at: row.created_at.into(),
            integrity_alert: row.integrity_alert,
        }
    }
}

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

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
    /// Other content hashes by algorithm.
    #[schema(value_type = Option<Object>)]
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
    /// The item this one was derived from, in the same case.
    #[schema(format = Uuid)]
    pub parent_id: Option<String>,
    /// Where, why and under what authority it was collected (the first custody entry).
    #[serde(default)]
    pub collected: super::entry::FirstEntry,
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

/// An item ready to register: its row (labelled when it is committed) and the
/// circumstances of its first entry.
pub struct ItemToRegister {
    pub item: EvidenceRow,
    pub first: super::entry::FirstEntry,
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
        let other_hashes = object_or_empty("other_hashes", self.other_hashes, &mut errors);
        errors.extend(
            super::entry::check_circumstances(&self.collected)
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
        };
        Ok(ItemToRegister {
            item: row,
            first: self.collected,
        })
    }
}

//! Evidence items and the rules of the chain of custody.

use crate::db::schema::evidence_items;
use crate::time::UtcTimestamp;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
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
        /// Recorded by the service when the holder stores the item's bytes.
        ContentStored => "content_stored",
        /// Recorded by the service at each download of the item's bytes.
        ContentDownloaded => "content_downloaded",
    }
}

impl EventType {
    /// Events the service records itself (registration, content), never appended
    /// through `POST .../custody`.
    pub fn recorded_by_service(self) -> bool {
        matches!(
            self,
            EventType::Collected | EventType::ContentStored | EventType::ContentDownloaded
        )
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
    /// The MLA request whose execution produced the item.
    pub mla_request_id: Option<String>,
    /// The agency that holds the item, or last held it once it was released,
    /// returned or destroyed: it alone records what a holder does.
    pub holder_agency_id: Option<String>,
    /// The order under which a provider produced the item.
    pub order_id: Option<String>,
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
    pub source: Box<RawValue>,
    /// Method, tool and version, by whom, started and ended.
    #[schema(value_type = Object)]
    pub acquisition: Box<RawValue>,
    pub sha256: Option<String>,
    /// Other content hashes by algorithm.
    #[schema(value_type = Object)]
    pub other_hashes: Box<RawValue>,
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
    /// The agency that holds the item (or last held it, once it was released,
    /// returned or destroyed): it alone records the item's custody, but for the
    /// receipt of a transfer, which the receiving agency records. Derived from the
    /// custody log.
    pub holder_agency_id: Option<String>,
    /// The order to a provider under which the item was produced.
    pub order_id: Option<String>,
    /// True once a `hash_verified` entry observed a hash other than the acquisition hash.
    pub integrity_alert: bool,
    /// Number of custody entries.
    pub entries: i32,
    /// `entry_hash` of the latest entry: pass it as `prev` to append safely.
    pub head: String,
}

impl From<EvidenceRow> for Evidence {
    fn from(row: EvidenceRow) -> Evidence {
        // Stored as the JSON objects they were given: passed on as they are, not
        // parsed into values and written out again (a list of items is mostly this).
        let parse = |s: String| {
            RawValue::from_string(s).unwrap_or_else(|_| {
                RawValue::from_string("{}".to_owned()).expect("an empty object is JSON")
            })
        };
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
            source: parse(row.source),
            acquisition: parse(row.acquisition),
            other_hashes: parse(row.other_hashes),
            entries: row.last_seq + 1,
            head: row.last_hash,
            holder_agency_id: row.holder_agency_id,
            order_id: row.order_id,
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

/// An item's bytes as the database knows them: which object of the content store
/// holds them and its wrapped data key (none once shredded), and what they are.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::contents, treat_none_as_default_value = false)]
pub struct ContentRow {
    pub id: String,
    pub evidence_id: Option<String>,
    pub object_name: String,
    pub wrapped_key: Option<Vec<u8>>,
    pub sha256: String,
    pub size_bytes: i64,
    pub stored_at: NaiveDateTime,
    pub stored_by: String,
    pub shredded_at: Option<NaiveDateTime>,
    pub object_deleted_at: Option<NaiveDateTime>,
}

/// An item's stored content as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoredContent {
    /// Lower-case hex SHA-256 of the bytes: the item's registered `sha256`.
    pub sha256: String,
    pub size_bytes: i64,
    pub stored_at: UtcTimestamp,
}

impl From<&ContentRow> for StoredContent {
    fn from(row: &ContentRow) -> StoredContent {
        StoredContent {
            sha256: row.sha256.clone(),
            size_bytes: row.size_bytes,
            stored_at: row.stored_at.into(),
        }
    }
}

/// A custody entry to store: its place in the log and in its item's chain, and its
/// canonical text with that text's hash.
pub struct NewEntryRow {
    pub log_index: i64,
    pub evidence_id: String,
    pub seq: i32,
    pub entry_type: &'static str,
    pub canonical: String,
    pub entry_hash: String,
}

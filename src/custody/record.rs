//! The custody record of one item as people read it: its entries with their proofs,
//! the verdict, the names behind the ids, the bundle (spec §4) and the report made
//! of them. The API and the review pages read it through here, after the item's own
//! access check.

use super::access;
use super::hashes::{Acquired, Comparison};
use super::model::{EventType, Evidence, EvidenceRow, ItemStatus};
use super::queries;
use super::report::{self, CheckpointFacts, CustodyReport, Directory, ReportEntry};
use super::verify::{self, EntrySource, EntryToCheck, Report};
use crate::auth::Principal;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::Event;
use crate::ledger::log::{self, LogSigner};
use crate::ledger::merkle::Hash;
use serde_json::{Value, json};

pub(crate) fn parse_entry(canonical: &str) -> ApiResult<Value> {
    serde_json::from_str(canonical)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored entry: {e}")))
}

/// An entry with what verifying it needs.
pub(crate) struct ProvenEntry {
    pub stored: queries::StoredEntry,
    pub proof: Vec<Hash>,
}

/// What verifying an item needs: the latest checkpoint, and the item's entries with
/// their inclusion proofs against it.
pub(crate) struct ItemProofs {
    pub note: String,
    pub size: u64,
    pub signed_at: Option<chrono::NaiveDateTime>,
    pub entries: Vec<ProvenEntry>,
}

/// The proofs of an item's entries, up to `horizon` when the reader sees no further.
pub(crate) fn item_proofs(
    conn: &mut DbConn,
    signer: &LogSigner,
    evidence_id: &str,
    horizon: Option<i32>,
) -> ApiResult<ItemProofs> {
    let stored = queries::entries_of(conn, evidence_id, horizon)?;
    let indices: Vec<u64> = stored.iter().map(|e| e.log_index as u64).collect();
    let (checkpoint, proofs) = crate::ledger::witnessed::proofs_at(conn, signer, &indices)?;
    let entries = stored
        .into_iter()
        .zip(proofs)
        .map(|(stored, proof)| ProvenEntry { stored, proof })
        .collect();
    Ok(ItemProofs {
        size: checkpoint.size,
        signed_at: checkpoint.signed_at,
        note: checkpoint.note,
        entries,
    })
}

/// The item as its reader sees it: as its whole log leaves it, or, for a reader who
/// sees its history up to the receipt that ended their custody, as that receipt left
/// it (nothing later shows: not who holds it now, nor what became of it).
pub fn item_seen(conn: &mut DbConn, found: &queries::ItemInCase) -> ApiResult<Evidence> {
    if found.horizon.is_none() {
        return Ok(Evidence::from(found.item.clone()));
    }
    let stored = queries::entries_of(conn, &found.item.id, found.horizon)?;
    let entries = stored
        .iter()
        .map(|e| Ok((parse_entry(&e.canonical)?, e.entry_hash.as_str())))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(as_left_by(&found.item, &entries))
}

/// The item's derived custody state replayed from its first entries (the entry and
/// its hash, in `seq` order).
fn as_left_by(item: &EvidenceRow, entries: &[(Value, &str)]) -> Evidence {
    let mut row = item.clone();
    row.status = ItemStatus::InCustody.as_str().to_owned();
    row.pending_agency_id = None;
    row.pending_custodian_id = None;
    row.integrity_alert = false;
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let acquired = Acquired::of(
        item.sha256.as_deref(),
        &serde_json::from_str(&item.other_hashes).unwrap_or(Value::Null),
    );
    for (seq, (entry, hash)) in entries.iter().enumerate() {
        let after = &entry["custodian_after"];
        row.custodian_user_id = text(&after["user_id"]);
        row.custodian_agency_id = text(&after["agency_id"]);
        if row.custodian_agency_id.is_some() {
            row.holder_agency_id = row.custodian_agency_id.clone();
        }
        let status = match entry["type"].as_str().and_then(EventType::parse) {
            Some(EventType::Transferred) => {
                row.pending_agency_id = text(&entry["to_agency_id"]);
                row.pending_custodian_id = text(&entry["to_custodian_id"]);
                Some(ItemStatus::InTransit)
            }
            Some(EventType::Received | EventType::CheckedIn) => {
                row.pending_agency_id = None;
                row.pending_custodian_id = None;
                Some(ItemStatus::InCustody)
            }
            Some(EventType::CheckedOut) => Some(ItemStatus::CheckedOut),
            Some(EventType::Released) => Some(ItemStatus::Released),
            Some(EventType::Returned) => Some(ItemStatus::Returned),
            Some(EventType::Destroyed) => Some(ItemStatus::Destroyed),
            _ => None,
        };
        if let Some(status) = status {
            row.status = status.as_str().to_owned();
        }
        if matches!(acquired.judge(entry), Some(Comparison::Mismatch { .. })) {
            row.integrity_alert = true;
        }
        row.last_seq = seq as i32;
        row.last_hash = (*hash).to_owned();
    }
    Evidence::from(row)
}

/// A bundle and who its entries name.
pub(crate) struct Bundle {
    pub json: Value,
    pub entries: Vec<Value>,
    pub directory: Directory,
}

/// The spec's bundle of one item (§4), with the evidence record, the case reference,
/// and the names of the people and agencies its entries name by id.
pub(crate) fn bundle_of(
    conn: &mut DbConn,
    found: &queries::ItemInCase,
    proofs: &ItemProofs,
    signer: &LogSigner,
) -> ApiResult<Bundle> {
    let parsed = proofs
        .entries
        .iter()
        .map(|e| parse_entry(&e.stored.canonical))
        .collect::<ApiResult<Vec<Value>>>()?;
    let entries: Vec<Value> = proofs
        .entries
        .iter()
        .zip(&parsed)
        .map(|(e, entry)| {
            json!({
                "log_index": e.stored.log_index,
                "entry": entry,
                "entry_hash": e.stored.entry_hash,
                "inclusion_proof": log::hex_path(&e.proof),
            })
        })
        .collect();
    let (people, agencies) = super::report::named_in(&parsed);
    let directory = queries::directory(conn, &people, &agencies)?;
    Ok(Bundle {
        json: json!({
            "evidence_id": found.item.id,
            "entries": entries,
            "checkpoint": proofs.note,
            "public_key": signer.verifier_key,
            "case_reference": found.case.reference,
            "evidence": as_left_by(&found.item, &proven(&parsed, proofs)),
            "names": directory,
        }),
        entries: parsed,
        directory,
    })
}

/// Each parsed entry with its hash.
fn proven<'a>(parsed: &'a [Value], proofs: &'a ItemProofs) -> Vec<(Value, &'a str)> {
    parsed
        .iter()
        .cloned()
        .zip(proofs.entries.iter().map(|e| e.stored.entry_hash.as_str()))
        .collect()
}

/// The verdict on an item's entries against the checkpoint they were proven in.
pub(crate) fn verification(evidence_id: &str, proofs: &ItemProofs, signer: &LogSigner) -> Report {
    let checks: Vec<EntryToCheck> = proofs
        .entries
        .iter()
        .map(|e| EntryToCheck {
            log_index: e.stored.log_index as u64,
            entry: EntrySource::Stored(&e.stored.canonical),
            entry_hash: &e.stored.entry_hash,
            proof: &e.proof,
        })
        .collect();
    verify::verify(
        verify::History::Evidence(evidence_id),
        &proofs.note,
        &signer.verifier,
        &checks,
    )
}

/// An item's custody record, read for people: what the evidence page and the report
/// show.
pub struct Timeline {
    pub item: Evidence,
    pub case_id: String,
    pub case_reference: String,
    pub verification: Report,
    pub entries: Vec<ReportEntry>,
    pub directory: Directory,
    pub checkpoint: CheckpointFacts,
    /// The bundle, as the report attaches it.
    pub bundle: Vec<u8>,
    /// The item's stored bytes, if it holds any (or held them: destroyed), and
    /// whether the reader may download them (an agency that handed the item on may
    /// not).
    pub content: Option<ContentState>,
}

/// An item's stored content, as a reader of its record sees it.
pub struct ContentState {
    pub stored: super::model::StoredContent,
    pub destroyed: bool,
    pub downloadable: bool,
}

/// The record of an item the caller may see (404 otherwise, as for a missing one);
/// the verdict goes into the audit entry.
pub fn timeline(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
    signer: &LogSigner,
) -> ApiResult<Timeline> {
    let found = access::visible(conn, caller, id, event)?;
    let proofs = item_proofs(conn, signer, &found.item.id, found.horizon)?;
    let verification = verification(&found.item.id, &proofs, signer);
    let Bundle {
        json,
        entries: parsed,
        directory,
    } = bundle_of(conn, &found, &proofs, signer)?;
    let item = as_left_by(&found.item, &proven(&parsed, &proofs));
    let bundle = serde_json::to_vec_pretty(&json).map_err(|e| ApiError::Internal(e.into()))?;
    let entries = proofs
        .entries
        .iter()
        .zip(parsed)
        .map(|(e, entry)| ReportEntry {
            entry,
            entry_hash: e.stored.entry_hash.clone(),
            log_index: e.stored.log_index as u64,
        })
        .collect();
    event.set_detail("verdict", verification.verdict.as_str());
    let content = queries::content_of(conn, &found.item.id)?.map(|row| ContentState {
        stored: (&row).into(),
        destroyed: row.wrapped_key.is_none(),
        downloadable: row.wrapped_key.is_some() && found.horizon.is_none(),
    });
    Ok(Timeline {
        item,
        case_id: found.case.id.clone(),
        case_reference: found.case.reference.clone(),
        verification,
        entries,
        directory,
        checkpoint: CheckpointFacts {
            size: proofs.size,
            signed_at: proofs.signed_at,
            verifier_key: signer.verifier_key.clone(),
            witnessed: signer
                .policy
                .as_ref()
                .and_then(|policy| super::verify::witnessed(&proofs.note, policy).ok()),
        },
        bundle,
        content,
    })
}

/// The custody report of a record, in `language`.
pub fn report_pdf(timeline: &Timeline, language: crate::catalogue::Language) -> Vec<u8> {
    report::render(&CustodyReport {
        language,
        words: language.words(),
        case_reference: &timeline.case_reference,
        item: &timeline.item,
        verification: &timeline.verification,
        entries: &timeline.entries,
        checkpoint: &timeline.checkpoint,
        directory: &timeline.directory,
        bundle: &timeline.bundle,
        generated_at: chrono::Utc::now(),
    })
}

/// The verdict on one item's record (for lists of items).
/// Recomputes an item's chain and the inclusion of every entry in the latest signed
/// checkpoint, for one who sees the item or an auditor of its country (the report
/// holds hashes, positions and event types, no case content); 404 for anyone else.
pub fn verify_item(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
    signer: &LogSigner,
) -> ApiResult<Report> {
    let (evidence_id, horizon) = match access::visible(conn, caller, id, event) {
        Ok(found) => (found.item.id, found.horizon),
        Err(ApiError::NotFound)
            if event
                .subject
                .as_ref()
                .and_then(|s| s.country.as_deref())
                .is_some_and(|country| access::auditor_may_verify(caller, country)) =>
        {
            (id.to_owned(), None)
        }
        Err(e) => return Err(e),
    };
    let proofs = item_proofs(conn, signer, &evidence_id, horizon)?;
    let report = verification(&evidence_id, &proofs, signer);
    event.set_detail("verdict", report.verdict.as_str());
    Ok(report)
}

/// The items an auditor may verify, most recently registered first: their state's,
/// or every state's for an auditor of a regional agency; none for anyone else.
pub fn verifiable_items(
    conn: &mut DbConn,
    caller: &Principal,
) -> ApiResult<Vec<queries::VerifiableItem>> {
    const DESK_LIMIT: i64 = 50;
    if !caller.has(crate::auth::roles::Role::Auditor) {
        return Ok(Vec::new());
    }
    let country = (caller.agency_kind != "regional").then_some(caller.country.as_str());
    Ok(queries::verifiable_items(conn, country, DESK_LIMIT)?)
}

/// Items sent to the caller's agency that wait for its `received` (those sent to
/// someone else of the agency left out), oldest first; none for roles that do not
/// handle evidence.
pub fn awaiting_receipt(conn: &mut DbConn, caller: &Principal) -> ApiResult<Vec<EvidenceRow>> {
    const DESK_LIMIT: i64 = 100;
    if !super::access::handles_evidence(caller) {
        return Ok(Vec::new());
    }
    let rows = super::queries::pending_transfers(conn, &caller.agency_id, true, None, DESK_LIMIT)?;
    Ok(rows
        .into_iter()
        .take(DESK_LIMIT as usize)
        .filter(|row| {
            row.pending_custodian_id
                .as_deref()
                .is_none_or(|to| to == caller.user_id)
        })
        .collect())
}

/// An item of a case, with whether its record holds a failed integrity check: kept
/// as its entries commit, so a case's items list without re-verifying any proof
/// (each item's page and report verify its record in full).
pub struct ItemAlert {
    pub item: EvidenceRow,
    pub alert: bool,
}

/// The most items a case page lists.
pub const CASE_PAGE_ITEMS: i64 = 500;

/// A case's items in registration order (the caller has checked that the reader sees
/// the case).
pub fn items_of_case(conn: &mut DbConn, case_id: &str) -> ApiResult<Vec<ItemAlert>> {
    let items = super::queries::items_of_case(conn, case_id, None, CASE_PAGE_ITEMS)?;
    Ok(items
        .into_iter()
        .take(CASE_PAGE_ITEMS as usize)
        .map(|item| ItemAlert {
            alert: item.integrity_alert,
            item,
        })
        .collect())
}

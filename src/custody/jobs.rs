//! Custody as a kind of ledger work: registering an item (its first entry,
//! `collected`) and appending an event. A batch's callers are authenticated and
//! checked together, from what the ledger's helper loaded while the batch began, and
//! the items the writer touched recently stay cached between batches.

use super::access::{self, Holding, Reach};
use super::entry::{self, Applied, FirstEntry, ItemState, NewEntry, SealedEntry};
use super::hashes::Acquired;
use super::model::{
    ContentRow, Custodian, EventType, Evidence, EvidenceRow, ItemStatus, NewEntryRow,
};
use super::queries::{self, AccessChange, Reaches};
use crate::auth::factors::StepUp;
use crate::auth::{Credentials, Principal, Principals};
use crate::error::{ApiError, ApiResult};
use crate::ledger::{Action, Actor, Batch, Event, Kind, Loader, Outcome, Subject};
use crate::reply::Reply;
use crate::store::StoredObject;
use crate::store::uploads::UploadClaim;
use actix_web::http::StatusCode;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// A new item for a case: its record, and where, why and under what authority it
/// was collected. Its label and chain head are assigned in the batch.
pub struct Registration {
    pub credentials: Credentials,
    pub item: EvidenceRow,
    pub first: FirstEntry,
}

/// A custody event for an item.
pub struct Append {
    pub credentials: Credentials,
    pub evidence_id: String,
    pub request: NewEntry,
}

/// What happened to an item's content, recorded by the service in its custody.
pub enum ContentChange {
    /// The holder's upload, stored: it becomes the item's content if it is the one the
    /// item was registered with, and the item has none yet. From a resumable upload,
    /// the upload is consumed in the same commit.
    Stored {
        stored: StoredObject,
        from_upload: Option<UploadClaim>,
    },
    /// A download by someone who may see the item: all of it, or `first..=last`.
    Downloaded { range: Option<(u64, u64)> },
}

/// A content change of an item.
pub struct ContentJob {
    pub credentials: Credentials,
    pub evidence_id: String,
    pub change: ContentChange,
}

pub enum CustodyJob {
    Register(Box<Registration>),
    Append(Box<Append>),
    Content(Box<ContentJob>),
}

impl CustodyJob {
    fn credentials(&self) -> &Credentials {
        match self {
            CustodyJob::Register(r) => &r.credentials,
            CustodyJob::Append(a) => &a.credentials,
            CustodyJob::Content(c) => &c.credentials,
        }
    }

    /// The item the job changes, when it is one that exists.
    fn item(&self) -> Option<&str> {
        match self {
            CustodyJob::Register(_) => None,
            CustodyJob::Append(a) => Some(&a.evidence_id),
            CustodyJob::Content(c) => Some(&c.evidence_id),
        }
    }
}

/// What checking a batch's custody jobs needs: its callers and the items' and cases'
/// reach for their agencies.
#[derive(Default)]
pub struct Loaded {
    principals: Principals,
    reaches: Reaches,
}

/// Items kept between batches at most (each a few hundred bytes).
const CACHED_ITEMS: usize = 4096;

/// The custody kind, with the items it touched recently. Only this kind changes an
/// item's derived state, and every change appends a leaf, so the cache holds while
/// the log has the size the ledger expects; the ledger calls `forget` otherwise.
pub struct Custody {
    items: HashMap<String, EvidenceRow>,
    /// Destroying an item asks for a second factor given lately.
    step_up: StepUp,
}

impl Kind for Custody {
    type Job = CustodyJob;
    type Loaded = Loaded;

    fn loader(&self, jobs: &[&CustodyJob]) -> Option<Loader<Loaded>> {
        let sessions = Credentials::sessions(jobs.iter().map(|j| j.credentials()));
        let mut item_ids = Vec::new();
        let mut case_ids = Vec::new();
        let mut parent_ids = Vec::new();
        let mut request_ids = Vec::new();
        let mut order_ids = Vec::new();
        for job in jobs {
            match job {
                CustodyJob::Append(_) | CustodyJob::Content(_) => {
                    item_ids.extend(job.item().map(str::to_owned));
                }
                CustodyJob::Register(r) => {
                    match (&r.item.mla_request_id, &r.item.order_id) {
                        (Some(request), _) => request_ids.push(request.clone()),
                        (None, Some(order)) => order_ids.push(order.clone()),
                        (None, None) => case_ids.push(r.item.case_id.clone()),
                    }
                    parent_ids.extend(r.item.parent_id.clone());
                }
            }
        }
        for ids in [
            &mut item_ids,
            &mut case_ids,
            &mut parent_ids,
            &mut request_ids,
            &mut order_ids,
        ] {
            ids.sort();
            ids.dedup();
        }
        Some(Box::new(move |conn| {
            let principals = crate::auth::queries::load_principals(conn, &sessions)?;
            let mut agencies: Vec<String> =
                principals.values().map(|p| p.agency_id.clone()).collect();
            agencies.sort();
            agencies.dedup();
            // An item produced under a request or an order goes into the case it
            // serves.
            let requests = queries::executed_requests(conn, &request_ids)?;
            let orders = queries::producing_orders(conn, &order_ids)?;
            let mut case_ids = case_ids;
            case_ids.extend(requests.values().map(|r| r.case_id.clone()));
            case_ids.extend(orders.values().map(|o| o.case_id.clone()));
            case_ids.sort();
            case_ids.dedup();
            let mut reaches = queries::reaches(conn, &item_ids, &case_ids, &parent_ids, &agencies)?;
            reaches.requests = requests;
            reaches.orders = orders;
            Ok(Loaded {
                principals,
                reaches,
            })
        }))
    }

    fn apply(
        &mut self,
        batch: &mut Batch<'_>,
        loaded: Loaded,
        jobs: Vec<CustodyJob>,
    ) -> ApiResult<Vec<ApiResult<Reply>>> {
        let missing: Vec<&str> = jobs
            .iter()
            .filter_map(CustodyJob::item)
            .filter(|id| !self.items.contains_key(*id))
            .collect();
        if !missing.is_empty() {
            let rows = queries::items(batch.conn(), &missing)?;
            self.items
                .extend(rows.into_iter().map(|r| (r.id.clone(), r)));
        }
        let mut work = Work::default();
        let mut results = Vec::with_capacity(jobs.len());
        let mut registrations = Vec::new();
        for job in jobs {
            let position = results.len();
            results.push(Ok(Reply::empty()));
            let principal = match job.credentials().principal(&loaded.principals) {
                Ok(p) => p,
                Err(e) => {
                    results[position] = Err(e);
                    continue;
                }
            };
            match job {
                CustodyJob::Append(app) => {
                    results[position] =
                        self.append(batch, &mut work, &loaded.reaches, principal, *app);
                }
                CustodyJob::Content(job) => {
                    results[position] =
                        self.content(batch, &mut work, &loaded.reaches, principal, *job);
                }
                CustodyJob::Register(mut reg) => {
                    if let Some(request) = reg
                        .item
                        .mla_request_id
                        .as_ref()
                        .and_then(|id| loaded.reaches.requests.get(id))
                    {
                        reg.item.case_id = request.case_id.clone();
                    }
                    if let Some(order) = reg
                        .item
                        .order_id
                        .as_ref()
                        .and_then(|id| loaded.reaches.orders.get(id))
                    {
                        reg.item.case_id = order.case_id.clone();
                    }
                    match check_registration(batch, &loaded.reaches, principal, &reg) {
                        Ok(case) => registrations.push(Checked {
                            position,
                            registration: reg,
                            case,
                            principal,
                        }),
                        Err(e) => results[position] = Err(e),
                    }
                }
            }
        }
        if !registrations.is_empty() {
            self.register(batch, &mut work, registrations, &mut results)?;
        }
        work.store(batch, &self.items)?;
        if self.items.len() > CACHED_ITEMS {
            self.items.clear();
        }
        Ok(results)
    }

    fn forget(&mut self) {
        self.items.clear();
    }
}

/// The case a registration goes into: its reference (labels start with it) and
/// country (its auditors see the entry).
struct TargetCase {
    reference: String,
    country: String,
}

/// A registration that passed its checks, waiting for its number.
struct Checked<'p> {
    position: usize,
    registration: Box<Registration>,
    case: TargetCase,
    principal: &'p Principal,
}

/// What a batch's custody jobs write, gathered before the writes.
#[derive(Default)]
struct Work {
    entries: Vec<NewEntryRow>,
    /// Items whose derived state changed, in the order first touched.
    touched: Vec<String>,
    new_items: Vec<String>,
    /// Who reads items outside their cases, changed in the batch's order.
    access: Vec<AccessChange>,
    /// Content stored by the batch.
    contents: Vec<ContentRow>,
    /// Items destroyed by the batch, whose content is shredded.
    shredded: Vec<String>,
    /// Uploads the batch's content came from, consumed with it.
    uploads: Vec<UploadClaim>,
}

impl Work {
    fn touch(&mut self, id: &str) {
        if !self.touched.iter().any(|t| t == id) {
            self.touched.push(id.to_owned());
        }
    }

    fn store(self, batch: &mut Batch<'_>, items: &HashMap<String, EvidenceRow>) -> ApiResult<()> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let now = crate::db::now();
        let new: Vec<&EvidenceRow> = self.new_items.iter().map(|id| &items[id]).collect();
        queries::insert_items(batch.conn(), &new)?;
        let updated: Vec<&EvidenceRow> = self
            .touched
            .iter()
            .filter(|id| !self.new_items.contains(id))
            .map(|id| &items[id])
            .collect();
        queries::store_entries(batch.conn(), &updated, &self.entries, now)?;
        queries::change_access(batch.conn(), &self.access, now)?;
        queries::insert_contents(batch.conn(), &self.contents)?;
        queries::shred_contents(batch.conn(), &self.shredded, now)?;
        for upload in &self.uploads {
            upload.consume(batch.conn())?;
        }
        Ok(())
    }
}

/// Names the item and its case in the audit event, so that a refused attempt on
/// another country's item reaches that country's auditors.
fn about(event: &mut Event, item_id: &str, case: &crate::cases::model::CaseRow) {
    event.case_id = Some(case.id.clone());
    event.subject = Some(Subject::new("evidence", item_id, Some(&case.owner_country)));
}

/// Records a refusal the audit trail keeps (403, or 404 for what the caller may not
/// see), and returns it.
fn refused(batch: &mut Batch<'_>, event: Event, e: ApiError) -> ApiError {
    if crate::ledger::is_refusal(&e) {
        batch.audit(event.detail("refused", e.kind().0), Outcome::Denied);
    }
    e
}

impl Custody {
    pub fn new(step_up: StepUp) -> Custody {
        Custody {
            items: HashMap::new(),
            step_up,
        }
    }

    fn append(
        &mut self,
        batch: &mut Batch<'_>,
        work: &mut Work,
        reaches: &Reaches,
        principal: &Principal,
        app: Append,
    ) -> ApiResult<Reply> {
        let mut event = Event::by(Action::CustodyAppend, principal, &app.credentials.meta);
        let checked = (|| {
            let item = self.items.get(&app.evidence_id).ok_or(ApiError::NotFound)?;
            let case = reaches
                .item_cases
                .get(&item.id)
                .and_then(|case| reaches.cases.get(case))
                .ok_or(ApiError::NotFound)?;
            about(&mut event, &item.id, case);
            let agency = principal.agency_id.clone();
            let reach = Reach {
                standing: reaches
                    .standing
                    .get(&(case.id.clone(), agency.clone()))
                    .copied(),
                via_transfer: reaches.transferred.contains(&(item.id.clone(), agency)),
            };
            let holding = Holding {
                holder: item.holder_agency_id.as_deref(),
                receiving: item.pending_agency_id.as_deref(),
            };
            access::may_record(principal, reach, holding, app.request.event)?;
            if app.request.event == EventType::Destroyed {
                self.step_up.require(principal)?;
            }
            let grant = match &app.request.to_agency_id {
                Some(recipient) => check_recipient(
                    batch,
                    case,
                    recipient,
                    app.request.to_custodian_id.as_deref(),
                )?,
                None => None,
            };
            Ok(grant)
        })();
        let grant = checked.map_err(|e| refused(batch, event.clone(), e))?;
        let actor = Actor::from(principal);
        let row = self.items[&app.evidence_id].clone();
        let before = state_of(&row);
        let mut applied = entry::apply(&before, &app.request, &actor)?;
        let handed_on = before.holder.clone().filter(|h| *h != actor.agency_id);
        // Destroying an item destroys its content: its key is forgotten in the same
        // commit (the object is deleted soon after), and the entry says so.
        if app.request.event == EventType::Destroyed
            && queries::content_of(batch.conn(), &row.id)?.is_some_and(|c| c.shredded_at.is_none())
        {
            applied
                .entry
                .insert("content_shredded".into(), Value::Bool(true));
            work.shredded.push(row.id.clone());
        }
        // A hash check that failed counts in the region's integrity alerts.
        if super::figures::is_alert(&applied.entry)
            && let Some(country) = event.subject.as_ref().and_then(|s| s.country.clone())
        {
            event.tally(super::figures::alert(&country, crate::db::now()));
        }
        let committed = commit_entry(batch, work, row, applied, &mut event)?;
        let row = committed.row;
        event.announce(item_event("custody.appended", &row.id));
        if row.pending_agency_id.is_some() && app.request.to_agency_id.is_some() {
            event.announce(item_event("transfer.pending", &row.id));
        }
        if let Some(agency_id) = grant {
            work.access.push(AccessChange::Grant {
                evidence_id: row.id.clone(),
                agency_id,
            });
        }
        if app.request.event == EventType::Received
            && let Some(agency_id) = handed_on
        {
            // The agency that sent it keeps the history it was part of, no more.
            work.access.push(AccessChange::HandedOn {
                evidence_id: row.id.clone(),
                agency_id,
                seq: row.last_seq,
            });
        }
        batch.audit(event, Outcome::Success);
        self.items.insert(row.id.clone(), row);
        Ok(committed.reply)
    }

    /// Records a content change: stored by the item's holder, once, when the bytes are
    /// those it was registered with; downloaded by anyone who may see it.
    fn content(
        &mut self,
        batch: &mut Batch<'_>,
        work: &mut Work,
        reaches: &Reaches,
        principal: &Principal,
        job: ContentJob,
    ) -> ApiResult<Reply> {
        let action = match job.change {
            ContentChange::Stored { .. } => Action::ContentStore,
            ContentChange::Downloaded { .. } => Action::ContentDownload,
        };
        let mut event = Event::by(action, principal, &job.credentials.meta);
        let checked = (|| {
            let item = self.items.get(&job.evidence_id).ok_or(ApiError::NotFound)?;
            let case = reaches
                .item_cases
                .get(&item.id)
                .and_then(|case| reaches.cases.get(case))
                .ok_or(ApiError::NotFound)?;
            about(&mut event, &item.id, case);
            let agency = principal.agency_id.clone();
            let reach = Reach {
                standing: reaches
                    .standing
                    .get(&(case.id.clone(), agency.clone()))
                    .copied(),
                via_transfer: reaches.transferred.contains(&(item.id.clone(), agency)),
            };
            match &job.change {
                ContentChange::Stored { .. } => {
                    let holding = Holding {
                        holder: item.holder_agency_id.as_deref(),
                        receiving: item.pending_agency_id.as_deref(),
                    };
                    access::may_record(principal, reach, holding, EventType::ContentStored)
                }
                ContentChange::Downloaded { .. } => access::may_see(principal, reach),
            }
        })();
        checked.map_err(|e| refused(batch, event.clone(), e))?;
        let row = self.items[&job.evidence_id].clone();
        let recorded = match &job.change {
            ContentChange::Stored {
                stored,
                from_upload,
            } => {
                if let Some(upload) = from_upload {
                    let taken = work.uploads.iter().any(|u| u.upload_id == upload.upload_id);
                    if taken || !upload.bindable(batch.conn())? {
                        return Err(ApiError::Conflict(
                            "the upload was bound, ended or expired meanwhile".into(),
                        ));
                    }
                }
                if row.sha256.as_deref() != Some(stored.sha256.as_str())
                    || row
                        .size_bytes
                        .is_some_and(|size| i64::try_from(stored.size).ok() != Some(size))
                {
                    return Err(ApiError::ContentMismatch(
                        "the bytes are not those the item was registered with (its sha256 and size_bytes)"
                            .into(),
                    ));
                }
                let held = queries::content_of(batch.conn(), &row.id)?.is_some()
                    || work
                        .contents
                        .iter()
                        .any(|c| c.evidence_id.as_ref() == Some(&row.id));
                if held {
                    return Err(ApiError::Conflict(
                        "the item holds its content already: stored content is never replaced"
                            .into(),
                    ));
                }
                entry::ContentEvent::Stored {
                    sha256: stored.sha256.clone(),
                    size_bytes: stored.size,
                }
            }
            ContentChange::Downloaded { range } => {
                entry::ContentEvent::Downloaded { range: *range }
            }
        };
        let actor = Actor::from(principal);
        let applied = entry::content(&state_of(&row), &recorded, &actor)?;
        let committed = commit_entry(batch, work, row, applied, &mut event)?;
        let row = committed.row;
        if let ContentChange::Stored {
            stored,
            from_upload,
        } = job.change
        {
            work.uploads.extend(from_upload);
            work.contents.push(ContentRow {
                id: uuid::Uuid::now_v7().to_string(),
                evidence_id: Some(row.id.clone()),
                object_name: stored.object,
                wrapped_key: Some(stored.wrapped_key),
                sha256: stored.sha256,
                size_bytes: stored.size as i64,
                stored_at: crate::db::now(),
                stored_by: principal.user_id.clone(),
                shredded_at: None,
                object_deleted_at: None,
            });
        }
        event.announce(item_event("custody.appended", &row.id));
        batch.audit(event, Outcome::Success);
        self.items.insert(row.id.clone(), row);
        Ok(committed.reply)
    }

    /// Numbers the checked registrations of the batch (each case's next labels, in
    /// one statement), then writes their first entries.
    fn register(
        &mut self,
        batch: &mut Batch<'_>,
        work: &mut Work,
        registrations: Vec<Checked<'_>>,
        results: &mut [ApiResult<Reply>],
    ) -> ApiResult<()> {
        let mut wanted: BTreeMap<String, i32> = BTreeMap::new();
        for checked in &registrations {
            let case_id = &checked.registration.item.case_id;
            *wanted.entry(case_id.clone()).or_default() += 1;
        }
        let mut next = queries::reserve_evidence_numbers(batch.conn(), &wanted)?;
        for Checked {
            position,
            registration,
            case,
            principal,
        } in registrations
        {
            let Registration {
                credentials,
                mut item,
                first,
            } = *registration;
            let number = next.get_mut(&item.case_id).expect("counted above");
            item.label = format!("{}/E{:02}", case.reference, *number);
            *number += 1;
            let mut event = Event::by(Action::EvidenceRegister, principal, &credentials.meta)
                .subject(Subject::new("evidence", &item.id, Some(&case.country)));
            event.case_id = Some(item.case_id.clone());
            let actor = Actor::from(principal);
            let mut applied = entry::collected(record_of(&item), &actor, &first);
            if let Some(request) = &item.mla_request_id {
                // The entry names the request whose execution produced the item.
                applied
                    .entry
                    .insert("mla_request_id".into(), json!(request));
            }
            if let Some(order) = &item.order_id {
                // ...or the order under which a provider produced it.
                applied.entry.insert("order_id".into(), json!(order));
            }
            item.status = ItemStatus::InCustody.as_str().to_owned();
            work.new_items.push(item.id.clone());
            if item.mla_request_id.is_some() || item.order_id.is_some() {
                // The executing agency (or the provider) sees what it produced,
                // through the request (or the order): the item and its custody,
                // nothing else of the case.
                work.access.push(AccessChange::Grant {
                    evidence_id: item.id.clone(),
                    agency_id: principal.agency_id.clone(),
                });
                if item.mla_request_id.is_some() {
                    event.set_detail("mla_request_id", item.mla_request_id.clone());
                } else {
                    event.set_detail("order_id", item.order_id.clone());
                }
            }
            let row = commit_entry(batch, work, item, applied, &mut event)?.row;
            event.announce(item_event("evidence.registered", &row.id));
            results[position] = Ok(
                Reply::json(StatusCode::CREATED, &Evidence::from(row.clone()))
                    .location(format!("/api/v1/evidence/{}", row.id)),
            );
            batch.audit(event, Outcome::Success);
            self.items.insert(row.id.clone(), row);
        }
        Ok(())
    }
}

/// A registration the caller may make: the case is visible with a standing that
/// allows it, and a parent item belongs to the same case.
fn check_registration(
    batch: &mut Batch<'_>,
    reaches: &Reaches,
    principal: &Principal,
    reg: &Registration,
) -> ApiResult<TargetCase> {
    let mut event = Event::by(Action::EvidenceRegister, principal, &reg.credentials.meta);
    event.case_id = Some(reg.item.case_id.clone());
    let case = reaches
        .cases
        .get(&reg.item.case_id)
        .ok_or(ApiError::NotFound)
        .map_err(|e| refused(batch, event.clone(), e))?;
    event.subject = Some(Subject::new("case", &case.id, Some(&case.owner_country)));
    match (&reg.item.mla_request_id, &reg.item.order_id) {
        (Some(request), _) => {
            event.set_detail("mla_request_id", request.clone());
            let request = reaches.requests.get(request).ok_or(ApiError::NotFound);
            request
                .and_then(|r| {
                    access::may_register_under_request(
                        principal,
                        r.executing_agency_id.as_deref(),
                        &r.status,
                    )
                })
                .map_err(|e| refused(batch, event, e))?;
        }
        (None, Some(order)) => {
            event.set_detail("order_id", order.clone());
            let order = reaches.orders.get(order).ok_or(ApiError::NotFound);
            order
                .and_then(|o| access::may_register_under_order(principal, o, crate::db::now()))
                .map_err(|e| refused(batch, event, e))?;
        }
        (None, None) => {
            let standing = reaches
                .standing
                .get(&(case.id.clone(), principal.agency_id.clone()))
                .copied();
            access::may_register(principal, standing).map_err(|e| refused(batch, event, e))?;
        }
    }
    // A parent is an item of the same case that the caller sees: one it may not see
    // is refused exactly as one that does not exist.
    if let Some(parent) = &reg.item.parent_id {
        let agency = &principal.agency_id;
        let seen = access::may_see(
            principal,
            Reach {
                standing: reaches
                    .standing
                    .get(&(case.id.clone(), agency.clone()))
                    .copied(),
                via_transfer: reaches
                    .transferred
                    .contains(&(parent.clone(), agency.clone())),
            },
        );
        if reaches.parent_cases.get(parent) != Some(&case.id) || seen.is_err() {
            return Err(ApiError::validation(
                "parent_id",
                "must be an evidence item of the same case",
            ));
        }
    }
    Ok(TargetCase {
        reference: case.reference.clone(),
        country: case.owner_country.clone(),
    })
}

/// An entry sealed into its item's chain and the log: the answer to its request and
/// the item as it now stands.
struct CommittedEntry {
    reply: Reply,
    row: EvidenceRow,
}

/// Seals an entry into the item's chain and the log, and gathers its row.
fn commit_entry(
    batch: &mut Batch<'_>,
    work: &mut Work,
    mut row: EvidenceRow,
    applied: Applied,
    event: &mut Event,
) -> ApiResult<CommittedEntry> {
    let at = crate::ledger::format_at(crate::db::now());
    let Applied {
        entry: fields,
        next: mut state,
    } = applied;
    let seq = state.last_seq + 1;
    let SealedEntry { value, canonical } =
        entry::seal_entry(fields, &row.id, seq, state.last_hash.as_deref(), &at)?;
    let entry_hash = crate::ledger::sha256_hex(canonical.as_bytes());
    let index = batch.append_leaf(canonical.as_bytes());
    let event_type = EventType::parse(value["type"].as_str().unwrap_or_default())
        .map(EventType::as_str)
        .unwrap_or("note");
    work.entries.push(NewEntryRow {
        log_index: index as i64,
        evidence_id: row.id.clone(),
        seq: seq as i32,
        entry_type: event_type,
        canonical,
        entry_hash: entry_hash.clone(),
    });
    state.last_seq = seq;
    state.last_hash = Some(entry_hash.clone());
    set_state(&mut row, &state);
    work.touch(&row.id);
    event.set_detail("evidence_id", row.id.clone());
    event.set_detail("seq", seq);
    event.set_detail("log_index", index);
    event.set_detail("type", event_type);
    let mut body = Map::new();
    body.insert("log_index".into(), Value::from(index));
    body.insert("entry".into(), value);
    body.insert("entry_hash".into(), Value::from(entry_hash));
    Ok(CommittedEntry {
        reply: Reply::value(StatusCode::CREATED, Value::Object(body)),
        row,
    })
}

/// The evidence record the first entry commits to (its acquisition hash included).
fn record_of(row: &EvidenceRow) -> Value {
    let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
    json!({
        "id": row.id,
        "case_id": row.case_id,
        "label": row.label,
        "kind": row.kind,
        "description": row.description,
        "sha256": row.sha256,
        "other_hashes": parse(&row.other_hashes),
        "size_bytes": row.size_bytes,
        "seal_number": row.seal_number,
        "parent_id": row.parent_id,
        "source": parse(&row.source),
        "acquisition": parse(&row.acquisition),
    })
}

/// A transfer names a real agency and one of its active investigators or
/// supervisors. Returns the agency that gets access to the item through it, if any.
fn check_recipient(
    batch: &mut Batch<'_>,
    case: &crate::cases::model::CaseRow,
    agency_id: &str,
    custodian_id: Option<&str>,
) -> ApiResult<Option<String>> {
    if crate::agencies::find(batch.conn(), agency_id)?.is_none() {
        return Err(ApiError::validation(
            "to_agency_id",
            "is not a known agency",
        ));
    }
    if let Some(custodian) = custodian_id
        && !crate::users::queries::serves(
            batch.conn(),
            custodian,
            agency_id,
            access::CUSTODIAN_ROLES,
        )?
    {
        return Err(ApiError::validation(
            "to_custodian_id",
            "must be an active investigator or supervisor of the receiving agency",
        ));
    }
    let standing = crate::cases::queries::standing(batch.conn(), &case.id, agency_id)?;
    Ok(access::transfer_grants_access(standing).then(|| agency_id.to_owned()))
}

fn state_of(row: &EvidenceRow) -> ItemState {
    ItemState {
        status: row.status(),
        custodian: row.custodian(),
        pending: match (&row.pending_agency_id, &row.pending_custodian_id) {
            (Some(agency_id), Some(user_id)) => Some(Custodian {
                user_id: user_id.clone(),
                agency_id: agency_id.clone(),
            }),
            _ => None,
        },
        holder: row.holder_agency_id.clone(),
        acquired: Acquired::of(
            row.sha256.as_deref(),
            &serde_json::from_str(&row.other_hashes).unwrap_or(Value::Null),
        ),
        integrity_alert: row.integrity_alert,
        last_seq: i64::from(row.last_seq),
        last_hash: (row.last_seq >= 0).then(|| row.last_hash.clone()),
    }
}

fn set_state(row: &mut EvidenceRow, state: &ItemState) {
    row.status = state.status.as_str().to_owned();
    row.custodian_user_id = state.custodian.as_ref().map(|c| c.user_id.clone());
    row.custodian_agency_id = state.custodian.as_ref().map(|c| c.agency_id.clone());
    row.pending_agency_id = state.pending.as_ref().map(|c| c.agency_id.clone());
    row.pending_custodian_id = state.pending.as_ref().map(|c| c.user_id.clone());
    row.holder_agency_id = state.holder.clone();
    row.integrity_alert = state.integrity_alert;
    row.last_seq = state.last_seq as i32;
    row.last_hash = state.last_hash.clone().unwrap_or_default();
}

/// The event national systems hear of an item (`evidence.registered`,
/// `custody.appended`, `transfer.pending`).
fn item_event(event_type: &str, item_id: &str) -> crate::ledger::Emit {
    crate::ledger::Emit::new(
        event_type,
        "evidence",
        item_id,
        format!("/api/v1/evidence/{item_id}"),
    )
}

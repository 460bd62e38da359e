//! A request's page: its facts and content in words, its deadlines ("none set" where
//! its basis sets none), its documents with the form that adds one, its history
//! naming who took each step, a link to its case for those who see that too; for a
//! prosecutor of the requesting state, the completeness check and the approve button.

use super::page::{Fact, Leave, Me, PageResult, after_post, html, page_id, refused_on_page};
use super::sign_in::CsrfForm;
use super::visitor::Visitor;
use crate::catalogue::{PageWords, in_words};
use crate::error::ApiError;
use crate::ledger::Action;
use crate::mla::documents::Document;
use crate::mla::documents::RequestRef;
use crate::mla::review::{RequestReview, Step};
use crate::state::AppState;
use crate::time::Clock;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;

#[derive(Template)]
#[template(path = "request.html", config = "src/web/askama.toml")]
struct RequestPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    id: String,
    reference: String,
    notice: Option<&'a str>,
    problems: Vec<String>,
    /// The case, for a reader who may see it.
    case: Option<CaseLink>,
    facts: Vec<Fact>,
    content: Vec<Fact>,
    show_completeness: bool,
    missing: Vec<String>,
    may_approve: bool,
    csrf: String,
    history: Vec<HistoryLine>,
    /// What the problems listed are the refusal of.
    refusal: &'a str,
    documents: Vec<DocumentLine>,
    /// The kinds of document the reader may add (no form when none).
    addable: Vec<KindChoice>,
}

/// A link to a case from another page.
pub struct CaseLink {
    pub id: String,
    pub reference: String,
    pub title: String,
}

/// A step of a request's history: what, by whom, when.
pub(super) struct HistoryLine {
    pub(super) event: String,
    pub(super) by: String,
    pub(super) at: String,
}

/// A document of a request, as its page lists it.
pub(super) struct DocumentLine {
    /// Where it downloads from.
    pub(super) href: String,
    pub(super) title: String,
    pub(super) kind: String,
    pub(super) language: String,
    pub(super) size: String,
    pub(super) sha256: String,
    pub(super) added: String,
}

/// A kind of document the form offers.
struct KindChoice {
    code: &'static str,
    name: String,
}

/// Members of a request that its facts table shows, or that are bookkeeping: the
/// rest is its content.
const NOT_CONTENT: &[&str] = &[
    "id",
    "reference",
    "their_reference",
    "status",
    "case_id",
    "requesting_agency_id",
    "requesting_country",
    "requested_country",
    "legal_basis",
    "executing_agency_id",
    "urgency",
    "wanted_by",
    "acknowledge_by",
    "decide_by",
    "execute_by",
    "missing_fields",
    "version",
    "created_by",
    "created_at",
    "updated_at",
];

/// The words of the codes a member holds, for members that hold codes.
fn codes_of<'w>(w: &'w PageWords, member: &str) -> Option<&'w [(&'static str, &'static str)]> {
    match member {
        "assistance_types" => Some(w.assistance_types),
        "offence" => Some(w.offence_names),
        _ => None,
    }
}

/// A content member as people read it: lists joined by "; ", the members of an
/// object named ("Name: Det. Sgt. Brown, Email: ..."), codes in words, empty ones
/// left out.
fn shown(w: &PageWords, member: &str, value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => match codes_of(w, member) {
            Some(words) => in_words(words, s),
            None => s.clone(),
        },
        serde_json::Value::Bool(true) => w.yes.to_owned(),
        serde_json::Value::Bool(false) => w.no.to_owned(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|v| shown(w, member, v))
            .collect::<Vec<_>>()
            .join("; "),
        serde_json::Value::Object(members) => {
            let mut members: Vec<_> = members.iter().filter(|(_, v)| !v.is_null()).collect();
            members.sort_by_key(|(k, _)| w.request_member_rank(k));
            members
                .into_iter()
                .map(|(k, v)| format!("{}: {}", w.request_member(k), shown(w, k, v)))
                .collect::<Vec<_>>()
                .join(", ")
        }
        other => other.to_string(),
    }
}

/// What a request page says after an approval, or a document, was tried.
#[derive(Default)]
struct Outcome {
    notice: Option<&'static str>,
    problems: Vec<String>,
    /// What was refused, when something was (an approval unless said).
    refusal: Option<&'static str>,
}

/// A request as its page reads it (the not-found page for one the reader may not
/// see).
async fn review(state: &AppState, visitor: &Visitor, id: &str) -> Result<RequestReview, Leave> {
    let id = id.to_owned();
    let read = state
        .read_as(
            visitor.credentials(),
            Action::MlaRequestRead,
            move |conn, caller, event| {
                event.set_detail("page", "request");
                crate::mla::review::read(conn, caller, &id, event)
            },
        )
        .await?;
    Ok(read)
}

/// The facts table: status, states, basis, urgency and the deadlines.
fn facts(w: &PageWords, clock: &Clock, review: &RequestReview) -> Vec<Fact> {
    let r = &review.request;
    let when = |t: &Option<crate::time::UtcTimestamp>| {
        t.map_or_else(|| w.none_set.to_owned(), |t| clock.show_stored(t, false))
    };
    let names = &review.names;
    let mut facts = vec![
        Fact::new(w.status, in_words(w.request_statuses, r.status.as_str())),
        Fact::new(w.from_state, names.requesting_state.clone()),
        Fact::new(w.to_state, names.requested_state.clone()),
        Fact::new(w.legal_basis, names.legal_basis.clone()),
        Fact::new(w.urgency, in_words(w.urgencies, r.urgency.as_str())),
        Fact::new(
            w.wanted_by,
            r.wanted_by.clone().unwrap_or_else(|| w.none_set.to_owned()),
        ),
        Fact::new(w.acknowledge_by, when(&r.acknowledge_by)),
        Fact::new(w.decide_by, when(&r.decide_by)),
        Fact::new(w.execute_by, when(&r.execute_by)),
    ];
    if let Some(theirs) = &r.their_reference {
        facts.insert(1, Fact::new(w.their_reference, theirs.clone()));
    }
    facts
}

/// What a request (or preservation) asks, member by member in the catalogue's
/// order, leaving out the members `shown_elsewhere` names.
pub(super) fn content_facts(
    w: &PageWords,
    value: serde_json::Value,
    shown_elsewhere: &[&str],
) -> Vec<Fact> {
    match value {
        serde_json::Value::Object(members) => {
            let mut members: Vec<_> = members
                .iter()
                .filter(|(k, v)| !shown_elsewhere.contains(&k.as_str()) && !v.is_null())
                .collect();
            members.sort_by_key(|(k, _)| w.request_member_rank(k));
            members
                .into_iter()
                .map(|(k, v)| Fact::new(w.request_member(k), shown(w, k, v)))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A history, each step with who took it.
pub(super) fn history_lines(
    w: &PageWords,
    events: &[(&'static str, &'static str)],
    clock: &Clock,
    steps: &[Step],
) -> Vec<HistoryLine> {
    steps
        .iter()
        .map(|step| HistoryLine {
            event: in_words(events, &step.event.event_type),
            by: step.by.as_ref().map_or_else(
                || w.the_service.to_owned(),
                |by| format!("{}, {} ({})", by.person, by.agency, by.state),
            ),
            at: clock.show_stored(step.event.at, false),
        })
        .collect()
}

/// Documents as a page lists them, each downloaded under `page` (the page's path).
pub(super) fn document_lines(
    w: &PageWords,
    clock: &Clock,
    documents: &[Document],
    page: &str,
) -> Vec<DocumentLine> {
    documents
        .iter()
        .map(|d| DocumentLine {
            href: format!("{page}/documents/{}", d.id),
            title: d.title.clone(),
            kind: in_words(w.document_kinds, d.kind.as_str()),
            // A language the catalogue names is shown by name, any other as given.
            language: d
                .language
                .as_deref()
                .map(|code| {
                    w.languages
                        .iter()
                        .find(|(c, _)| c.eq_ignore_ascii_case(code))
                        .map_or_else(|| code.to_owned(), |(_, name)| (*name).to_owned())
                })
                .unwrap_or_default(),
            size: format!(
                "{} {}",
                super::page::language().number(d.size_bytes),
                w.bytes
            ),
            sha256: d.sha256.clone(),
            added: clock.show_stored(d.added_at, false),
        })
        .collect()
}

async fn show(
    state: &AppState,
    visitor: Visitor,
    id: String,
    outcome: Outcome,
    status: StatusCode,
) -> PageResult {
    let mut review = review(state, &visitor, &id).await?;
    // Opened on its page by the requested central authority, it is delivered, as
    // when it is opened through the API; the page then shows it so.
    if crate::mla::delivery::delivers(&visitor.signed.principal, &review.request)
        && crate::mla::delivery::record(state, visitor.credentials(), &review.request).await?
    {
        review = self::review(state, &visitor, &id).await?;
    }
    let w = super::page::words();
    let clock = Clock::of_country(&visitor.me.country);
    let r = &review.request;
    let principal = &visitor.signed.principal;
    let home_prosecutor = principal.country == r.requesting_country
        && principal.has(crate::auth::roles::Role::Prosecutor);
    let history = history_lines(w, w.request_events, &clock, &review.history);
    let documents = document_lines(
        w,
        &clock,
        &review.documents,
        &format!("/app/requests/{}", r.id),
    );
    let addable = review
        .addable
        .iter()
        .map(|k| KindChoice {
            code: k.as_str(),
            name: in_words(w.document_kinds, k.as_str()),
        })
        .collect();
    Ok(html(
        status,
        RequestPage {
            w,
            facts: facts(w, &clock, &review),
            content: content_facts(
                w,
                serde_json::to_value(&review.request).unwrap_or_default(),
                NOT_CONTENT,
            ),
            id: r.id.clone(),
            reference: r.reference.clone(),
            notice: outcome.notice,
            problems: outcome.problems,
            case: review.case.as_ref().map(|c| CaseLink {
                id: c.id.clone(),
                reference: c.reference.clone(),
                title: c.title.clone(),
            }),
            show_completeness: home_prosecutor,
            missing: r
                .missing_fields
                .iter()
                .map(|f| w.request_member(f.as_str()))
                .collect(),
            may_approve: review.may_approve,
            csrf: visitor.signed.csrf.clone(),
            history,
            refusal: outcome.refusal.unwrap_or(w.approval_refused),
            documents,
            addable,
            me: Some(visitor.me),
        },
    ))
}

/// A request, saying how the last form went when the address says so.
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
) -> PageResult {
    let id = page_id(&path)?;
    let w = super::page::words();
    let notice = match req.query_string() {
        "approved=1" => Some(w.approved_now),
        "document=added" => Some(w.document_added_now),
        _ => None,
    };
    let refused = match req.query_string() {
        "refused=incomplete" => Some(w.approval_incomplete),
        "refused=not-draft" => Some(w.approval_not_draft),
        "refused=not-yours" => Some(w.approval_not_yours),
        _ => None,
    };
    let outcome = Outcome {
        notice,
        problems: refused.into_iter().map(str::to_owned).collect(),
        refusal: None,
    };
    show(&state, visitor, id, outcome, StatusCode::OK).await
}

/// Approves a draft, as the API's `approved` event. Approved or refused, the browser
/// goes back to the request's page (a redirect after the post: reloading it approves
/// nothing), which says how it went.
pub async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> PageResult {
    let id = page_id(&path)?;
    visitor.check_form(&req, &form.csrf)?;
    let tried = crate::mla::review::approve(&state, visitor.credentials(), id.clone()).await;
    let said = match tried {
        Ok(()) => "approved=1",
        Err(ApiError::NotFound) => return Err(Leave::NotFound),
        Err(ApiError::Validation(_)) => "refused=incomplete",
        Err(ApiError::Conflict(_)) => "refused=not-draft",
        Err(ApiError::Forbidden(_)) => "refused=not-yours",
        Err(ApiError::StepUpRequired) => {
            return Ok(super::factors::to_step_up(&format!("/app/requests/{id}")));
        }
        Err(e) => return Err(Leave::Failed(e)),
    };
    Ok(after_post(&format!("/app/requests/{id}?{said}")))
}

/// The CSRF token a multipart form carries as its first field, read before anything
/// else of the form (the file is never read for a form without it).
pub(super) async fn multipart_token(form: &mut actix_multipart::Multipart) -> Option<String> {
    use futures_util::StreamExt;
    let mut field = form.next().await?.ok()?;
    if field.name() != Some("csrf") {
        return None;
    }
    let mut token = Vec::new();
    while let Some(chunk) = field.next().await {
        token.extend_from_slice(&chunk.ok()?);
        if token.len() > 256 {
            return None;
        }
    }
    String::from_utf8(token).ok()
}

/// Adds a document from the request page's form (`multipart/form-data`, no script):
/// the API's rules, then the page again saying how it went.
pub async fn add_document(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
    mut form: actix_multipart::Multipart,
) -> PageResult {
    let id = page_id(&path)?;
    let token = multipart_token(&mut form).await.unwrap_or_default();
    visitor.check_form(&req, &token)?;
    let on = RequestRef::Mla(id.clone());
    let tried =
        crate::mla::document_routes::add_from_form(&state, visitor.credentials(), on, &mut form)
            .await;
    let refusal = Some(super::page::words().document_refused);
    let (status, problems) = match tried {
        Ok(_) => return Ok(after_post(&format!("/app/requests/{id}?document=added"))),
        Err(ApiError::NotFound) => return Err(Leave::NotFound),
        // Too large, a store full or out of reach: said on the page, as the API says it.
        Err(e) => match refused_on_page(&e) {
            Some(said) => said,
            None => return Err(Leave::Failed(e)),
        },
    };
    let outcome = Outcome {
        notice: None,
        problems,
        refusal,
    };
    show(&state, visitor, id, outcome, status).await
}

/// A document of a request, downloaded from its page (audited, as through the API).
pub async fn document(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
) -> PageResult {
    download_document(&state, visitor, path.into_inner(), RequestRef::Mla).await
}

/// A document of the request or preservation `on` names by id, for its page's link:
/// the API's download, its access rule and audit.
pub(super) async fn download_document(
    state: &AppState,
    visitor: Visitor,
    (id, document): (String, String),
    on: fn(String) -> RequestRef,
) -> PageResult {
    let id = page_id(&id)?;
    if !crate::input::is_canonical_uuid(&document) {
        return Err(Leave::NotFound);
    }
    Ok(
        crate::mla::document_routes::download(state, visitor.credentials(), on(id), document)
            .await?,
    )
}

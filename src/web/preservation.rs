//! A preservation's page: its facts and what it asks in words, until when the data is
//! preserved ("none set" before it is, and while the request that followed is
//! decided), the request that followed (a link, for those who see it), its documents
//! and its history naming who took each step.

use super::page::{Fact, Leave, Me, PageResult, html, page_id};
use super::request::{
    DocumentLine, HistoryLine, content_facts, document_lines, download_document, history_lines,
};
use super::visitor::Visitor;
use crate::catalogue::{PageWords, in_words};
use crate::ledger::Action;
use crate::mla::documents::RequestRef;
use crate::mla::review::PreservationReview;
use crate::state::AppState;
use crate::time::Clock;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

#[derive(Template)]
#[template(path = "preservation.html", config = "src/web/askama.toml")]
struct PreservationPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    reference: String,
    facts: Vec<Fact>,
    /// The request that followed, for a reader who sees it.
    followed_by: Option<RequestLink>,
    content: Vec<Fact>,
    documents: Vec<DocumentLine>,
    history: Vec<HistoryLine>,
}

/// A link to a request from another page.
struct RequestLink {
    id: String,
    reference: String,
}

/// Members its facts table shows, or that are bookkeeping: the rest is its content.
const NOT_CONTENT: &[&str] = &[
    "id",
    "reference",
    "their_reference",
    "status",
    "requesting_agency_id",
    "requesting_country",
    "requested_country",
    "legal_basis",
    "mla_request_id",
    "third_country",
    "expires_at",
    "expiry_suspended",
    "created_at",
    "updated_at",
];

fn facts(w: &PageWords, clock: &Clock, review: &PreservationReview) -> Vec<Fact> {
    let p = &review.preservation;
    let names = &review.names;
    let mut facts = vec![
        Fact::new(
            w.status,
            in_words(w.preservation_statuses, p.status.as_str()),
        ),
        Fact::new(w.from_state, names.requesting_state.clone()),
        Fact::new(w.to_state, names.requested_state.clone()),
        Fact::new(w.legal_basis, names.legal_basis.clone()),
        Fact::new(
            w.expires_at,
            p.expires_at
                .map_or_else(|| w.none_set.to_owned(), |t| clock.show_stored(t, false)),
        ),
    ];
    if let Some(theirs) = &p.their_reference {
        facts.insert(1, Fact::new(w.their_reference, theirs.clone()));
    }
    facts
}

async fn review(
    state: &AppState,
    visitor: &Visitor,
    id: String,
) -> Result<PreservationReview, Leave> {
    let read = state
        .read_as(
            visitor.credentials(),
            Action::PreservationRead,
            move |conn, caller, event| {
                event.set_detail("page", "preservation");
                crate::mla::review::read_preservation(conn, caller, &id, event)
            },
        )
        .await?;
    Ok(read)
}

pub async fn page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> PageResult {
    let id = page_id(&path)?;
    let review = review(&state, &visitor, id).await?;
    let w = super::page::words();
    let clock = Clock::of_country(&visitor.me.country);
    let p = &review.preservation;
    Ok(html(
        StatusCode::OK,
        PreservationPage {
            w,
            reference: p.reference.clone(),
            facts: facts(w, &clock, &review),
            followed_by: review.followed_by.as_ref().map(|r| RequestLink {
                id: r.id.clone(),
                reference: r.reference.clone(),
            }),
            content: content_facts(w, serde_json::to_value(p).unwrap_or_default(), NOT_CONTENT),
            documents: document_lines(
                w,
                &clock,
                &review.documents,
                &format!("/app/preservations/{}", p.id),
            ),
            history: history_lines(w, w.preservation_events, &clock, &review.history),
            me: Some(visitor.me),
        },
    ))
}

/// A document of a preservation, downloaded from its page (audited, as through the
/// API).
pub async fn document(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
) -> PageResult {
    download_document(&state, visitor, path.into_inner(), RequestRef::Preservation).await
}

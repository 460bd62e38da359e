//! An evidence item's page: the verdict in words first, then its custody timeline
//! with alerts where they happen, and its downloads (the court report, the bundle,
//! the stored content), each read and audited as through the API.

use super::page::{Leave, Me, PageResult, html, page_id};
use super::visitor::Visitor;
use crate::catalogue::{Language, PageWords, in_words};
use crate::custody::record::{self, Timeline};
use crate::custody::report::{EntryView, entry_views};
use crate::custody::verify::Verdict;
use crate::ledger::Action;
use crate::pdf::Field;
use crate::state::AppState;
use crate::time::Clock;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_DISPOSITION;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "evidence.html", config = "src/web/askama.toml")]
struct EvidencePage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    id: String,
    label: String,
    verdict: &'a str,
    verdict_class: &'a str,
    summary: String,
    facts: Vec<Field>,
    entries: Vec<EntryView>,
    downloadable: bool,
}

/// A verdict in words, and the class that colours it.
pub fn verdict_in_words(verdict: Verdict) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Verified => (super::page::language().words().verdict_verified, "verified"),
        Verdict::IntegrityAlert => (
            super::page::language().words().verdict_integrity_alert,
            "alert",
        ),
        Verdict::NotVerified => (
            super::page::language().words().verdict_not_verified,
            "alert",
        ),
    }
}

/// An item's custody record, read as the API's custody read, and what `then` makes
/// of it (in the same blocking task: a report is drawn there too).
async fn read_timeline<T, F>(
    state: &AppState,
    visitor: &Visitor,
    id: String,
    action: Action,
    then: F,
) -> Result<T, Leave>
where
    F: FnOnce(Timeline) -> T + Send + 'static,
    T: Send + 'static,
{
    let signer = state.log.clone();
    let read = state
        .read_as(visitor.credentials(), action, move |conn, caller, event| {
            event.set_detail("page", "evidence");
            record::timeline(conn, caller, &id, event, &signer).map(then)
        })
        .await?;
    Ok(read)
}

/// The facts table: the case, what the item is, the hash taken at acquisition and
/// the stored content.
fn facts(w: &PageWords, clock: &Clock, timeline: &Timeline) -> Vec<Field> {
    let item = &timeline.item;
    let mut facts = vec![
        Field::new(
            super::page::language().words().case_reference,
            timeline.case_reference.clone(),
        ),
        Field::new(
            super::page::language().words().description,
            item.description.clone(),
        ),
        Field::new(
            super::page::language().words().kind,
            in_words(w.evidence_kinds, item.kind.as_str()),
        ),
        Field::mono(
            super::page::language().words().acquisition_hash,
            item.sha256
                .clone()
                .unwrap_or_else(|| super::page::language().words().not_recorded.to_owned()),
        ),
    ];
    if let Some(content) = &timeline.content {
        let stored = &content.stored;
        let mut what = format!(
            "SHA-256 {} · {} {} · {}",
            stored.sha256,
            super::page::language().number(stored.size_bytes),
            w.bytes,
            clock.show_stored(stored.stored_at, false)
        );
        if content.destroyed {
            what = format!("{what} · {}", w.content_destroyed);
        }
        facts.push(Field::mono(w.stored_content, what));
    }
    facts
}

pub async fn page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> PageResult {
    let id = page_id(&path)?;
    let timeline = read_timeline(&state, &visitor, id, Action::CustodyRead, |t| t).await?;
    let w = super::page::words();
    let clock = Clock::of_country(&visitor.me.country);
    let (verdict, verdict_class) = verdict_in_words(timeline.verification.verdict);
    let entries = entry_views(
        super::page::language().words(),
        &clock,
        &timeline.verification,
        &timeline.entries,
        &timeline.directory,
    );
    Ok(html(
        StatusCode::OK,
        EvidencePage {
            w,
            facts: facts(w, &clock, &timeline),
            me: Some(visitor.me),
            id: timeline.item.id.clone(),
            label: timeline.item.label.clone(),
            verdict,
            verdict_class,
            summary: timeline
                .verification
                .summary_in(super::page::language().words()),
            entries,
            downloadable: timeline.content.as_ref().is_some_and(|c| c.downloadable),
        },
    ))
}

/// The item's stored bytes: recorded in its custody as any download is.
pub async fn content(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> PageResult {
    let id = page_id(&path)?;
    Ok(crate::custody::content::serve(&state, visitor.credentials(), id, None).await?)
}

/// A file the page offers, as the API gives it.
struct Attachment {
    content_type: &'static str,
    name: String,
    body: Vec<u8>,
}

impl Attachment {
    fn response(self) -> HttpResponse {
        HttpResponse::Ok()
            .content_type(self.content_type)
            .insert_header((
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", self.name),
            ))
            .body(self.body)
    }
}

/// The court report (PDF, the bundle attached).
pub async fn report(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
) -> PageResult {
    let id = page_id(&path)?;
    let language = Language::negotiate(
        visitor.signed.principal.language,
        crate::input::accept_language(&req).as_deref(),
    );
    let report = read_timeline(&state, &visitor, id, Action::CustodyReport, move |t| {
        Attachment {
            content_type: "application/pdf",
            name: format!("custody-report-{}.pdf", t.item.id),
            body: record::report_pdf(&t, language),
        }
    })
    .await?;
    let mut response = report.response();
    response.headers_mut().insert(
        actix_web::http::header::CONTENT_LANGUAGE,
        actix_web::http::header::HeaderValue::from_static(language.as_str()),
    );
    Ok(response)
}

/// The bundle, for offline verification.
pub async fn bundle(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> PageResult {
    let id = page_id(&path)?;
    let bundle = read_timeline(&state, &visitor, id, Action::CustodyExport, |t| {
        Attachment {
            content_type: "application/json",
            name: format!("custody-bundle-{}.json", t.item.id),
            body: t.bundle,
        }
    })
    .await?;
    Ok(bundle.response())
}

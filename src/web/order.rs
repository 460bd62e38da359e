//! An order's page: to whom, on what basis, what it asks for in words, the deadlines
//! running (the provider's, and the end of the notified state's period to object),
//! and its history naming who took each step. Its case team, the provider's liaisons
//! and the notified state's central authority read it; the case is shown to the
//! team alone. Each records the events its part allows from the page; a provider's
//! liaison uploads what it produces (registered in the requesting case, stored, and
//! handed to whom the order names, in one go).

use super::page::{Fact, Leave, Me, PageResult, after_post, html, page_id, refused_on_page};
use super::request::{HistoryLine, history_lines, multipart_token};
use super::visitor::Visitor;
use crate::catalogue::{PageWords, in_words};
use crate::custody::model::EvidenceKind;
use crate::error::ApiError;
use crate::ledger::Action;
use crate::orders::jobs::{OrderEvents, Recording};
use crate::orders::model::{NewOrderEvent, OrderEventType, SoughtIdentifier};
use crate::orders::production::{Production, Refused};
use crate::orders::review::OrderReview;
use crate::state::AppState;
use crate::time::Clock;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "order.html", config = "src/web/askama.toml")]
struct OrderPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    reference: String,
    /// Its case, for the case team.
    case_id: Option<String>,
    facts: Vec<Fact>,
    deadlines: Vec<DeadlineLine>,
    sought: Vec<SoughtLine>,
    content: Vec<Fact>,
    history: Vec<HistoryLine>,
    id: String,
    csrf: String,
    notice: Option<&'a str>,
    problems: Vec<String>,
    /// What the problems listed are the refusal of.
    refusal: &'a str,
    /// The events the reader may record now (no form when none).
    recordable: Vec<Choice>,
    /// The upload form, for the provider's liaison when it may produce.
    may_produce: bool,
    kinds: Vec<Choice>,
    /// The answers an upload may give the order.
    answers: Vec<Choice>,
}

/// An option of a form's list: its code and its words.
struct Choice {
    code: &'static str,
    name: String,
}

/// What a provider produces, as the upload form offers it.
const PRODUCED_KINDS: [EvidenceKind; 5] = [
    EvidenceKind::Document,
    EvidenceKind::Logs,
    EvidenceKind::CloudAccountData,
    EvidenceKind::NetworkCapture,
    EvidenceKind::Other,
];

/// How the last form went.
#[derive(Default)]
struct Outcome {
    notice: Option<&'static str>,
    problems: Vec<String>,
    refusal: Option<&'static str>,
}

/// A deadline running on the order.
struct DeadlineLine {
    kind: String,
    due: String,
    overdue: bool,
}

/// One identifier the order asks about, in words.
struct SoughtLine {
    kind: String,
    identifier: String,
    when: String,
    time_zone: String,
}

fn facts(w: &PageWords, clock: &Clock, review: &OrderReview) -> Vec<Fact> {
    let o = &review.order;
    let yes_no = |b: bool| if b { w.yes } else { w.no };
    let mut facts = vec![
        Fact::new(w.status, in_words(w.order_statuses, o.status.as_str())),
        Fact::new(w.provider, review.provider.clone()),
        Fact::new(w.provider_state, review.names.requested_state.clone()),
        Fact::new(w.requesting_state, review.names.requesting_state.clone()),
        Fact::new(w.order_type, in_words(w.order_types, o.order_type.as_str())),
        Fact::new(w.legal_basis, review.names.legal_basis.clone()),
        Fact::new(w.urgency, in_words(w.urgencies, o.urgency.as_str())),
    ];
    if let Some(at) = o.sent_at {
        facts.push(Fact::new(w.sent_at, clock.show_stored(at, false)));
        facts.push(Fact::new(w.notified_state, yes_no(o.notified)));
    }
    if o.held_back
        && let Some(until) = o.objection_by
    {
        facts.push(Fact::new(
            w.held_back_until,
            clock.show_stored(until, false),
        ));
    }
    if let Some(a) = &o.authorisation {
        facts.push(Fact::new(
            w.authorisation,
            format!(
                "{}, {}, {} ({})",
                a.court, a.judge, a.reference, a.issued_on
            ),
        ));
    }
    if o.status.is_sent() {
        facts.push(Fact::new(w.produced_items, o.produced_items.to_string()));
    }
    facts
}

fn sought(w: &PageWords, identifiers: &[SoughtIdentifier]) -> Vec<SoughtLine> {
    identifiers
        .iter()
        .map(|s| SoughtLine {
            kind: in_words(w.identifier_kinds, s.kind.as_str()),
            identifier: match s.port {
                Some(port) => format!("{} : {port}", s.identifier),
                None => s.identifier.clone(),
            },
            when: match (&s.at, &s.from, &s.to) {
                (Some(at), _, _) => at.clone(),
                (None, Some(from), Some(to)) => format!("{from} – {to}"),
                (None, Some(from), None) => format!("{from} –"),
                (None, None, Some(to)) => format!("– {to}"),
                (None, None, None) => String::new(),
            },
            time_zone: s.time_zone.clone().unwrap_or_default(),
        })
        .collect()
}

async fn review(state: &AppState, visitor: &Visitor, id: String) -> Result<OrderReview, Leave> {
    let read = state
        .read_as(
            visitor.credentials(),
            Action::OrderRead,
            move |conn, caller, event| {
                event.set_detail("page", "order");
                crate::orders::review::read(conn, caller, &id, event)
            },
        )
        .await?;
    Ok(read)
}

/// The order, saying how the last form went.
async fn show(
    state: &AppState,
    visitor: Visitor,
    id: String,
    outcome: Outcome,
    status: StatusCode,
) -> PageResult {
    let review = review(state, &visitor, id).await?;
    let w = super::page::words();
    let clock = Clock::of_country(&visitor.me.country);
    let now = crate::db::now();
    let o = &review.order;
    let mut content = Vec::new();
    for (member, value) in [
        ("summary_of_facts", &o.content.summary_of_facts),
        ("urgency_reasons", &o.content.urgency_reasons),
    ] {
        if let Some(text) = value {
            content.push(Fact::new(w.request_member(member), text.clone()));
        }
    }
    Ok(html(
        status,
        OrderPage {
            w,
            reference: o.reference.clone(),
            case_id: o.case_id.clone(),
            facts: facts(w, &clock, &review),
            deadlines: review
                .running
                .iter()
                .map(|(kind, at)| DeadlineLine {
                    kind: in_words(w.deadline_kinds, kind.as_str()),
                    due: clock.show_stored((*at).into(), false),
                    overdue: *at < now,
                })
                .collect(),
            sought: sought(w, o.content.data_sought.as_deref().unwrap_or_default()),
            content,
            history: history_lines(w, w.order_events, &clock, &review.history),
            id: o.id.clone(),
            csrf: visitor.signed.csrf.clone(),
            notice: outcome.notice,
            problems: outcome.problems,
            refusal: outcome.refusal.unwrap_or(w.order_event_refused),
            recordable: review
                .recordable
                .iter()
                .map(|e| Choice {
                    code: e.as_str(),
                    name: in_words(w.order_events, e.as_str()),
                })
                .collect(),
            may_produce: review.may_produce,
            kinds: PRODUCED_KINDS
                .iter()
                .map(|k| Choice {
                    code: k.as_str(),
                    name: in_words(w.evidence_kinds, k.as_str()),
                })
                .collect(),
            answers: [OrderEventType::PartiallyProduced, OrderEventType::Produced]
                .iter()
                .map(|e| Choice {
                    code: e.as_str(),
                    name: in_words(w.order_events, e.as_str()),
                })
                .collect(),
            me: Some(visitor.me),
        },
    ))
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
) -> PageResult {
    let id = page_id(&path)?;
    let w = super::page::words();
    let notice = match req.query_string() {
        "recorded=1" => Some(w.order_event_recorded),
        "produced=1" => Some(w.order_produced_now),
        _ => None,
    };
    let outcome = Outcome {
        notice,
        ..Outcome::default()
    };
    show(&state, visitor, id, outcome, StatusCode::OK).await
}

/// The event form: its type, and the note or grounds it takes.
#[derive(Deserialize)]
pub struct EventForm {
    #[serde(default)]
    csrf: String,
    #[serde(rename = "type", default)]
    event: String,
    #[serde(default)]
    text: String,
}

/// Records an event from the order's page, as the API's `POST /orders/{id}/events`
/// (the text is the grounds of a refusal or an objection, the note of anything
/// else). Recorded, the browser goes back to the page (reloading records nothing);
/// refused, the page says why.
pub async fn record(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<EventForm>,
) -> PageResult {
    let id = page_id(&path)?;
    let form = form.into_inner();
    visitor.check_form(&req, &form.csrf)?;
    let tried = match OrderEventType::parse(&form.event) {
        None => Err(ApiError::validation("type", "is not an event of an order")),
        Some(kind) => {
            let mut event = NewOrderEvent::of(kind);
            let text = form.text.trim();
            if !text.is_empty() {
                match kind {
                    OrderEventType::Refused | OrderEventType::Objected => {
                        event.grounds = Some(text.to_owned())
                    }
                    _ => event.note = Some(text.to_owned()),
                }
            }
            match event.check() {
                Ok(()) => {
                    let job = Recording {
                        credentials: visitor.credentials(),
                        order_id: id.clone(),
                        event,
                    };
                    state
                        .ledger
                        .submit::<OrderEvents>(job, None)
                        .await
                        .map(drop)
                }
                Err(e) => Err(e),
            }
        }
    };
    match tried {
        Ok(()) => Ok(after_post(&format!("/app/orders/{id}?recorded=1"))),
        Err(ApiError::NotFound) => Err(Leave::NotFound),
        Err(ApiError::StepUpRequired) => {
            Ok(super::factors::to_step_up(&format!("/app/orders/{id}")))
        }
        Err(e) => match refused_on_page(&e) {
            Some((status, problems)) => {
                let outcome = Outcome {
                    problems,
                    ..Outcome::default()
                };
                show(&state, visitor, id, outcome, status).await
            }
            None => Err(Leave::Failed(e)),
        },
    }
}

/// The small fields of the upload form, at most this long each.
const FIELD: usize = 20_000;

/// Produces from the order's page (`multipart/form-data`, no script): the file is
/// registered as an item of the requesting case under the order, stored, handed to
/// whom the order names, and, as the liaison says, answers the order in part or
/// whole. Then the page again, saying how it went.
pub async fn produce(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
    mut form: actix_multipart::Multipart,
) -> PageResult {
    let id = page_id(&path)?;
    let token = multipart_token(&mut form).await.unwrap_or_default();
    visitor.check_form(&req, &token)?;
    let w = super::page::words();
    let credentials = visitor.credentials();
    let allowed = crate::orders::production::may_produce(&state, credentials, id.clone()).await;
    let read = match allowed {
        Ok(order) => read_production(&state, &mut form)
            .await
            .map(|production| (order, production)),
        Err(e) => Err(e),
    };
    let tried = match read {
        Ok((order, production)) => {
            crate::orders::production::produce(&state, visitor.credentials(), order, production)
                .await
        }
        Err(error) => Err(Refused {
            item_id: None,
            error,
        }),
    };
    let Refused { item_id, error } = match tried {
        Ok(_) => return Ok(after_post(&format!("/app/orders/{id}?produced=1"))),
        Err(refused) => refused,
    };
    if matches!(error, ApiError::NotFound) && item_id.is_none() {
        return Err(Leave::NotFound);
    }
    let Some((status, mut problems)) = refused_on_page(&error) else {
        return Err(Leave::Failed(error));
    };
    if let Some(item) = item_id {
        problems.insert(0, format!("{} {item}", w.produced_item_kept));
    }
    let outcome = Outcome {
        problems,
        refusal: Some(w.production_refused),
        ..Outcome::default()
    };
    show(&state, visitor, id, outcome, status).await
}

/// The upload form's fields and file (the file in the store).
async fn read_production(
    state: &AppState,
    form: &mut actix_multipart::Multipart,
) -> Result<Production, ApiError> {
    let upload = crate::store::form::read(
        &state.store,
        state.settings.max_upload_bytes,
        form,
        &["description", "kind", "answer"],
        FIELD,
    )
    .await?;
    let kind = upload.field("kind").and_then(EvidenceKind::parse);
    let answer = match upload.field("answer").unwrap_or_default() {
        "" => Ok(None),
        "partially_produced" => Ok(Some(OrderEventType::PartiallyProduced)),
        "produced" => Ok(Some(OrderEventType::Produced)),
        _ => Err(ApiError::validation(
            "answer",
            "must be partially_produced, produced or empty",
        )),
    };
    let description = upload.field("description").unwrap_or_default().to_owned();
    let checked = match (kind, answer) {
        (None, _) => Err(ApiError::validation("kind", "is not a kind of evidence")),
        (_, Err(e)) => Err(e),
        (Some(kind), Ok(answer)) => Ok((kind, answer)),
    };
    let (kind, answer) = match checked {
        Ok(checked) => checked,
        Err(e) => {
            upload.abort().await;
            return Err(e);
        }
    };
    let Some(writer) = upload.writer else {
        return Err(ApiError::validation("file", "is required"));
    };
    let stored = writer.finish().await?;
    Ok(Production {
        description,
        kind,
        stored,
        answer,
    })
}

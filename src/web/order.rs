//! An order's page: to whom, on what basis, what it asks for in words, the deadlines
//! running (the provider's, and the end of the notified state's period to object),
//! and its history naming who took each step. Its case team, the provider's liaisons
//! and the notified state's central authority read it; the case is shown to the
//! team alone.

use super::page::{Fact, Leave, Me, PageResult, html, page_id};
use super::request::{HistoryLine, history_lines};
use super::visitor::Visitor;
use crate::catalogue::{ENGLISH_PAGES, PageWords, in_words};
use crate::ledger::Action;
use crate::orders::model::SoughtIdentifier;
use crate::orders::review::OrderReview;
use crate::state::AppState;
use crate::time::Clock;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

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

pub async fn page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> PageResult {
    let id = page_id(&path)?;
    let review = review(&state, &visitor, id).await?;
    let w = &ENGLISH_PAGES;
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
        StatusCode::OK,
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
            me: Some(visitor.me),
        },
    ))
}

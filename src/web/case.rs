//! A case's page: its summary, its evidence items each with the alert its record
//! holds (kept as entries commit; each item's page verifies in full), its
//! requests (those the reader sees, each a link), the agencies it is shared with, and
//! how its status came to be.

use super::page::{Fact, Me, PageResult, html, page_id};
use super::visitor::Visitor;
use crate::cases::review::CaseReview;
use crate::catalogue::{PageWords, in_words};
use crate::custody::record::ItemAlert;
use crate::ledger::Action;
use crate::mla::request::MlaRequestRow;
use crate::state::AppState;
use crate::time::Clock;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

#[derive(Template)]
#[template(path = "case.html", config = "src/web/askama.toml")]
struct CasePage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    reference: String,
    title: String,
    facts: Vec<Fact>,
    items: Vec<ItemLine>,
    requests: Vec<RequestLine>,
    participants: Vec<ParticipantLine>,
    history: Vec<StatusLine>,
}

/// An evidence item as the case page lists it, with the alert its record holds.
struct ItemLine {
    id: String,
    label: String,
    description: String,
    alert: bool,
}

/// A request of the case.
struct RequestLine {
    id: String,
    reference: String,
    to: String,
    status: String,
}

/// An agency the case is shared with.
struct ParticipantLine {
    agency: String,
    state: String,
    access: String,
}

/// A step of the case's status.
struct StatusLine {
    at: String,
    change: String,
    reason: String,
    by: String,
}

/// What the case page reads, in one audited read.
struct CaseRead {
    review: CaseReview,
    items: Vec<ItemAlert>,
    requests: Vec<MlaRequestRow>,
}

fn facts(w: &PageWords, review: &CaseReview) -> Vec<Fact> {
    let c = &review.case;
    let offences: Vec<String> = crate::cases::model::decode_offences(&c.offences)
        .into_iter()
        .map(|o| in_words(w.offence_names, o.as_str()))
        .collect();
    vec![
        Fact::new(w.status, in_words(w.case_statuses, &c.status)),
        Fact::new(w.summary, c.summary.clone()),
        Fact::new(
            w.owner,
            format!("{} ({})", review.owner, review.states.of(&c.owner_country)),
        ),
        Fact::new(w.priority, in_words(w.priorities, &c.priority)),
        Fact::new(w.offences, offences.join("; ")),
    ]
}

fn history(w: &PageWords, clock: &Clock, review: &CaseReview) -> Vec<StatusLine> {
    review
        .history
        .iter()
        .map(|h| StatusLine {
            at: clock.show(h.at.and_utc(), false),
            change: match &h.from {
                Some(from) => format!(
                    "{} \u{2192} {}",
                    in_words(w.case_statuses, from),
                    in_words(w.case_statuses, &h.to)
                ),
                None => format!("{} ({})", in_words(w.case_statuses, &h.to), w.opened),
            },
            reason: h.reason.clone().unwrap_or_default(),
            by: h
                .by_user_id
                .as_ref()
                .and_then(|id| review.people.get(id).cloned())
                .unwrap_or_default(),
        })
        .collect()
}

pub async fn page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> PageResult {
    let id = page_id(&path)?;
    let read = state
        .read_as(
            visitor.credentials(),
            Action::CaseRead,
            move |conn, caller, event| {
                event.set_detail("page", "case");
                let review = crate::cases::review::read(conn, caller, &id, event)?;
                let items = crate::custody::record::items_of_case(conn, &id)?;
                let requests = crate::mla::review::requests_of_case(conn, caller, &id)?;
                Ok(CaseRead {
                    review,
                    items,
                    requests,
                })
            },
        )
        .await?;
    let w = super::page::words();
    let clock = Clock::of_country(&visitor.me.country);
    let review = &read.review;
    let items = read
        .items
        .into_iter()
        .map(|i| ItemLine {
            id: i.item.id,
            label: i.item.label,
            description: i.item.description,
            alert: i.alert,
        })
        .collect();
    let requests = read
        .requests
        .iter()
        .map(|r| RequestLine {
            id: r.id.clone(),
            reference: r.reference.clone(),
            to: review.states.of(&r.requested_country),
            status: in_words(w.request_statuses, &r.status),
        })
        .collect();
    let participants = review
        .participants
        .iter()
        .map(|p| ParticipantLine {
            agency: p.agency_name.clone(),
            state: review.states.of(&p.country),
            access: in_words(w.access_levels, &p.access),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        CasePage {
            w,
            me: Some(visitor.me),
            reference: review.case.reference.clone(),
            title: review.case.title.clone(),
            facts: facts(w, review),
            history: history(w, &clock, review),
            items,
            requests,
            participants,
        },
    ))
}

//! An auditor's pages: an item's custody verified (hashes, positions and event types,
//! never what the item holds) and the audit trail verified, each as the API's verify
//! and audited the same way. Anyone who may not gets the not-found page.

use super::evidence::verdict_in_words;
use super::page::{Fact, Leave, Me, PageResult, html, page_id};
use super::visitor::Visitor;
use crate::auth::roles::Role;
use crate::catalogue::{PageWords, in_words};
use crate::ledger::Action;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

#[derive(Template)]
#[template(path = "verification.html", config = "src/web/askama.toml")]
struct VerificationPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    id: String,
    label: String,
    verdict: &'a str,
    verdict_class: &'a str,
    summary: String,
    facts: Vec<Fact>,
    entries: Vec<FindingLine>,
}

/// What verifying one entry found.
struct FindingLine {
    position: usize,
    log_index: u64,
    event: String,
    inclusion_checked: &'static str,
    problems: String,
}

#[derive(Template)]
#[template(path = "audit.html", config = "src/web/askama.toml")]
struct AuditPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    intact: bool,
    facts: Vec<Fact>,
}

/// An item's verification, and the label that names it.
struct VerifiedItem {
    label: String,
    report: crate::custody::verify::Report,
}

/// An item's custody verified, as `GET /evidence/{id}/custody/verify` answers it.
pub async fn verification(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> PageResult {
    let id = page_id(&path)?;
    let signer = state.log.clone();
    let VerifiedItem { label, report } = state
        .read_as(
            visitor.credentials(),
            Action::CustodyVerify,
            move |conn, caller, event| {
                event.set_detail("page", "verification");
                let report =
                    crate::custody::record::verify_item(conn, caller, &id, event, &signer)?;
                let label = crate::custody::queries::items(conn, &[id.as_str()])?
                    .into_iter()
                    .next()
                    .map(|item| item.label)
                    .unwrap_or_default();
                Ok(VerifiedItem { label, report })
            },
        )
        .await?;
    let w = super::page::words();
    let (verdict, verdict_class) = verdict_in_words(report.verdict);
    let mut facts = vec![Fact::new(
        w.checkpoint_size,
        report.checkpoint_size.map_or_else(
            || w.none.to_owned(),
            |size| format!("{size} {}", w.entries_word),
        ),
    )];
    if !report.checkpoint_problems.is_empty() {
        facts.push(Fact::new(w.problems, report.checkpoint_problems.join("; ")));
    }
    let entries = report
        .entries
        .iter()
        .map(|f| FindingLine {
            position: f.position,
            log_index: f.log_index,
            event: f
                .event_type
                .as_deref()
                .map(|t| in_words(super::page::language().words().event_types, t))
                .unwrap_or_default(),
            inclusion_checked: if f.inclusion_checked { w.yes } else { w.no },
            problems: if f.problems.is_empty() {
                w.none.to_owned()
            } else {
                f.problems.join("; ")
            },
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        VerificationPage {
            w,
            me: Some(visitor.me),
            id: report.evidence_id.clone().unwrap_or_default(),
            label,
            verdict,
            verdict_class,
            summary: report.summary_in(super::page::language().words()),
            facts,
            entries,
        },
    ))
}

/// The audit trail verified, as `GET /audit/verify` answers it: for auditors only.
pub async fn trail(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    if !visitor.has(Role::Auditor) {
        return Err(Leave::NotFound);
    }
    let found = state
        .read_as(
            visitor.credentials(),
            Action::AuditVerify,
            move |conn, caller, event| {
                crate::audit::routes::scope(caller)?;
                let v = crate::audit::verify::verify(conn)?;
                event.set_detail("intact", v.intact);
                event.set_detail("entries", v.entries);
                event.set_detail("page", "audit");
                Ok(v)
            },
        )
        .await?;
    let w = super::page::words();
    let mut facts = vec![
        Fact::new(w.entries_checked, found.entries.to_string()),
        Fact::mono(
            w.head_hash,
            found.head_hash.clone().unwrap_or_else(|| w.none.to_owned()),
        ),
    ];
    if let Some(seq) = found.broken_seq {
        facts.push(Fact::new(w.first_broken_entry, seq.to_string()));
    }
    if let Some(problem) = &found.problem {
        facts.push(Fact::new(w.problems, problem.clone()));
    }
    Ok(html(
        StatusCode::OK,
        AuditPage {
            w,
            me: Some(visitor.me),
            intact: found.intact,
            facts,
        },
    ))
}

//! The review pages under `/app/`: HTML rendered by the server from templates
//! compiled into the binary, no JavaScript, every asset served by the service. A page
//! shows what the API would answer the same person, through the same access policy
//! and audit; forms carry CSRF tokens; a strict Content-Security-Policy allows
//! nothing but this service's own stylesheet.

mod audit;
mod case;
pub mod csrf;
mod desk;
mod evidence;
mod factors;
pub mod monitoring;
mod order;
pub mod page;
mod passkey;
mod preservation;
pub mod queries;
mod request;
pub mod session;
mod sign_in;
mod sso;
pub mod visitor;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use actix_web::{Error, http::Method, web};

/// The policy of every page: no script at all, styles and images only from here,
/// forms only to here, never in a frame.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn routes(cfg: &mut web::ServiceConfig) {
    // `/app` without its slash is the desk too.
    cfg.route(
        "/app",
        web::get().to(|| async {
            actix_web::HttpResponse::Found()
                .insert_header((actix_web::http::header::LOCATION, "/app/"))
                .finish()
        }),
    );
    cfg.service(
        web::scope("/app")
            .wrap(
                DefaultHeaders::new()
                    .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
                    .add(("X-Frame-Options", "DENY"))
                    // Not `no-referrer`: under it a browser posts forms with
                    // `Origin: null`, and the CSRF check needs the real origin.
                    // Other sites still learn nothing of the pages' addresses.
                    .add(("Referrer-Policy", "same-origin"))
                    .add(("Cross-Origin-Opener-Policy", "same-origin")),
            )
            .wrap(from_fn(refuse_other_sites))
            .configure(pages)
            .configure(monitoring::pages)
            .default_service(web::to(|| async { page::not_found() })),
    );
}

/// The stylesheet and the icon, drawn into the binary: nothing is fetched elsewhere.
const CSS: &str = include_str!("assets/app.css");
const FAVICON: &str = include_str!("assets/favicon.svg");

/// Every page but the monitoring page's, by its address under `/app`.
fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(desk::page))
        .route("/login", web::get().to(sign_in::login_page))
        .route("/login", web::post().to(sign_in::login))
        .route("/login/code", web::post().to(sign_in::login_code))
        .route("/sso/callback", web::get().to(sso::callback))
        .route("/sso/{id}", web::get().to(sso::start))
        .route("/logout", web::post().to(sign_in::logout))
        .route("/language", web::post().to(sign_in::choose_language))
        .route("/password", web::get().to(sign_in::password_page))
        .route("/password", web::post().to(sign_in::change_password))
        .route("/factors", web::get().to(factors::page))
        .route("/factors", web::post().to(factors::begin))
        .route("/factors/{id}/confirm", web::post().to(factors::confirm))
        .route("/factors/{id}/remove", web::post().to(factors::remove))
        .route(
            "/recovery-codes",
            web::post().to(factors::renew_recovery_codes),
        )
        .route("/step-up", web::get().to(factors::step_up_page))
        .route("/step-up", web::post().to(factors::step_up))
        .route("/evidence/{id}", web::get().to(evidence::page))
        .route("/evidence/{id}/report.pdf", web::get().to(evidence::report))
        .route(
            "/evidence/{id}/bundle.json",
            web::get().to(evidence::bundle),
        )
        .route("/evidence/{id}/content", web::get().to(evidence::content))
        .route(
            "/evidence/{id}/verification",
            web::get().to(audit::verification),
        )
        .route("/audit", web::get().to(audit::trail))
        .route("/cases/{id}", web::get().to(case::page))
        .route("/requests/{id}", web::get().to(request::page))
        .route("/requests/{id}/approve", web::post().to(request::approve))
        .route(
            "/requests/{id}/documents",
            web::post().to(request::add_document),
        )
        .route(
            "/requests/{id}/documents/{document}",
            web::get().to(request::document),
        )
        .route("/preservations/{id}", web::get().to(preservation::page))
        .route("/orders/{id}", web::get().to(order::page))
        .route("/orders/{id}/events", web::post().to(order::record))
        .route("/orders/{id}/evidence", web::post().to(order::produce))
        .route(
            "/preservations/{id}/documents/{document}",
            web::get().to(preservation::document),
        )
        .route(
            "/assets/app.css",
            web::get().to(|| async {
                actix_web::HttpResponse::Ok()
                    .content_type("text/css; charset=utf-8")
                    .insert_header(("Cache-Control", "public, max-age=3600"))
                    .body(CSS)
            }),
        )
        .route(
            "/assets/favicon.svg",
            web::get().to(|| async {
                actix_web::HttpResponse::Ok()
                    .content_type("image/svg+xml")
                    .insert_header(("Cache-Control", "public, max-age=86400"))
                    .body(FAVICON)
            }),
        );
}

/// A form posted from another site is refused before anything reads it, signed in or
/// not: the session cookie is `SameSite=Strict`, so such a post would otherwise meet
/// the sign-in page and leave the person wondering.
async fn refuse_other_sites(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == Method::POST && !csrf::same_site(req.request()) {
        return Ok(req.into_response(page::refused(None)).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use crate::catalogue::ENGLISH_PAGES as W;

    /// The catalogue's table holds words for exactly these codes, no more, no fewer.
    fn words_for_exactly(table: &[(&str, &str)], codes: &[&str], what: &str) {
        let mut held: Vec<&str> = table.iter().map(|(code, _)| *code).collect();
        let mut wanted = codes.to_vec();
        held.sort_unstable();
        wanted.sort_unstable();
        assert_eq!(held, wanted, "the catalogue's words for {what}");
        assert!(table.iter().all(|(_, words)| !words.is_empty()));
    }

    #[test]
    fn every_code_a_page_shows_has_its_words_in_the_catalogue() {
        use crate::cases::model::{Access, CaseStatus, Offence, Priority};
        use crate::mla::{
            deadlines::DeadlineKind, events::RequestEventType, request::RequestStatus,
            request::Urgency,
        };
        words_for_exactly(
            W.case_statuses,
            &CaseStatus::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            "case statuses",
        );
        words_for_exactly(
            W.priorities,
            &Priority::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "priorities",
        );
        words_for_exactly(
            W.offence_names,
            &Offence::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "offences",
        );
        words_for_exactly(
            W.access_levels,
            &Access::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "access levels",
        );
        words_for_exactly(
            W.request_statuses,
            &RequestStatus::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            "request statuses",
        );
        words_for_exactly(
            W.request_events,
            &RequestEventType::ALL
                .iter()
                .map(|c| c.as_str())
                .chain([crate::mla::documents::DOCUMENT_ADDED])
                .collect::<Vec<_>>(),
            "request events",
        );
        words_for_exactly(
            W.urgencies,
            &Urgency::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "urgencies",
        );
        words_for_exactly(
            W.desk_tasks,
            &crate::mla::desk::DeskTask::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            "desk tasks",
        );
        {
            use crate::mla::preservations::model::{PreservationEventType, PreservationStatus};
            words_for_exactly(
                W.preservation_statuses,
                &PreservationStatus::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>(),
                "preservation statuses",
            );
            words_for_exactly(
                W.preservation_events,
                &PreservationEventType::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .chain(["requested", crate::mla::documents::DOCUMENT_ADDED])
                    .collect::<Vec<_>>(),
                "preservation events",
            );
        }
        words_for_exactly(
            W.evidence_kinds,
            &crate::custody::model::EvidenceKind::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            "evidence kinds",
        );
        words_for_exactly(
            W.assistance_types,
            &crate::mla::request::AssistanceType::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            "assistance types",
        );
        {
            use crate::orders::model::{IdentifierKind, OrderEventType, OrderStatus};
            use crate::providers::OrderType;
            words_for_exactly(
                W.order_statuses,
                &OrderStatus::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>(),
                "order statuses",
            );
            words_for_exactly(
                W.order_events,
                &OrderEventType::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>(),
                "order events",
            );
            words_for_exactly(
                W.order_types,
                &OrderType::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>(),
                "order types",
            );
            words_for_exactly(
                W.identifier_kinds,
                &IdentifierKind::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>(),
                "identifier kinds",
            );
        }
        words_for_exactly(
            W.deadline_kinds,
            &DeadlineKind::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            "deadline kinds",
        );
    }

    #[test]
    fn a_code_the_catalogue_lacks_is_still_shown_readably() {
        assert_eq!(
            crate::catalogue::in_words(W.case_statuses, "under_investigation"),
            "Under investigation"
        );
        assert_eq!(
            crate::catalogue::in_words(&[], "under_investigation"),
            "Under investigation"
        );
        assert_eq!(crate::catalogue::in_words(&[], ""), "");
    }
}

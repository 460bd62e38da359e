//! The review pages under `/app/`: HTML rendered by the server from templates
//! compiled into the binary, no JavaScript, every asset served by the service. A page
//! shows what the API would answer the same person, through the same access policy
//! and audit; forms carry CSRF tokens; a strict Content-Security-Policy allows
//! nothing but this service's own stylesheet.

pub mod csrf;
pub mod monitoring;
pub mod queries;
pub mod routes;
pub mod session;

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
            .configure(routes::pages)
            .configure(monitoring::pages),
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
        return Ok(req
            .into_response(routes::refused(None))
            .map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

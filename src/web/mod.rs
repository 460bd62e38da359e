//! The review pages under `/app/`: HTML rendered by the server from templates
//! compiled into the binary, no JavaScript, every asset served by the service. A page
//! shows what the API would answer the same person, through the same access policy
//! and audit; forms carry CSRF tokens; a strict Content-Security-Policy allows
//! nothing but this service's own stylesheet.

pub mod csrf;
pub mod queries;
pub mod routes;
pub mod session;

use actix_web::middleware::DefaultHeaders;
use actix_web::web;

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
                    .add(("Referrer-Policy", "no-referrer"))
                    .add(("Cross-Origin-Opener-Policy", "same-origin")),
            )
            .configure(routes::pages),
    );
}

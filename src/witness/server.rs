//! The witness's HTTP side: `POST /add-checkpoint` (C2SP `tlog-witness` v1.0.0).

use super::Identity;
use super::check::{self, Logs, Refusal};
use super::state::{Outcome, State};
use crate::ledger::cosignature;
use actix_web::{HttpResponse, web};
use std::sync::Arc;

/// The largest request read: an old size, a proof of at most 63 hashes, a checkpoint
/// with its signatures.
const MAX_BODY: usize = 64 * 1024;

pub struct Witness {
    pub identity: Identity,
    pub logs: Logs,
    pub state: State,
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn add_checkpoint(witness: web::Data<Arc<Witness>>, body: web::Bytes) -> HttpResponse {
    let Ok(text) = std::str::from_utf8(&body).map(str::to_owned) else {
        return refused(&Refusal::Malformed("the body is not UTF-8"));
    };
    let w = witness.get_ref().clone();
    let decided = web::block(move || {
        let sub = match check::read(&text, &w.logs) {
            Ok(sub) => sub,
            Err(refusal) => return Ok::<_, anyhow::Error>(Err(refusal)),
        };
        let now = unix_now();
        match w.state.submit(&sub, now)? {
            Outcome::Refused(refusal) => Ok(Err(refusal)),
            Outcome::Cosign => Ok(Ok(cosignature::cosign(
                &sub.body,
                &w.identity.name,
                &w.identity.key,
                u64::try_from(now).unwrap_or(0),
            ))),
        }
    })
    .await;
    match decided {
        Ok(Ok(Ok(line))) => HttpResponse::Ok()
            .content_type("text/x.tlog.signature")
            .body(line),
        Ok(Ok(Err(refusal))) => refused(&refusal),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the witness state failed");
            HttpResponse::InternalServerError().finish()
        }
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

fn refused(refusal: &Refusal) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(refusal.status())
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    match refusal {
        Refusal::Behind(size) => HttpResponse::build(status)
            .content_type("text/x.tlog.size")
            .body(format!("{size}\n")),
        Refusal::Malformed(why) => HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(format!("{why}\n")),
        _ => HttpResponse::build(status).finish(),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY))
        .route("/add-checkpoint", web::post().to(add_checkpoint));
}

/// Serves the witness on `bind` until stopped.
pub async fn serve(witness: Witness, bind: &str) -> anyhow::Result<()> {
    let witness = web::Data::new(Arc::new(witness));
    actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(witness.clone())
            .configure(routes)
    })
    .bind(bind)?
    .run()
    .await?;
    Ok(())
}

//! Expiry as it happens, whether or not anyone is looking: a task on every instance
//! looks for preservations that have run out and records `expired` through the
//! ledger, with the service as its actor. Instances racing for one find it expired
//! already (409) and move on: the ledger's lock lets one entry through.

use super::jobs::{PreservationJob, Preservations, Recorder};
use super::model::{NewPreservationEvent, PreservationEventType};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Preservations handled per sweep at most; the next sweep takes the rest.
const PER_SWEEP: i64 = 500;

/// Records `expired` for every preservation that has run out; how many it recorded.
pub async fn sweep(state: &AppState) -> ApiResult<usize> {
    let now = crate::db::now();
    let due = state
        .db(move |conn| Ok(super::queries::run_out(conn, now, PER_SWEEP)?))
        .await?;
    let mut recorded = 0;
    for id in due {
        let job = PreservationJob::Record {
            by: Recorder::Service {
                origin: state.log.origin.clone(),
            },
            preservation_id: id,
            event: Box::new(NewPreservationEvent::of(PreservationEventType::Expired)),
        };
        match state.ledger.submit::<Preservations>(job, None).await {
            Ok(_) => recorded += 1,
            Err(ApiError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(recorded)
}

//! Rebuilding the region's figures from the histories: the upgrade path for events
//! committed before the figures were kept, and a check that the counters kept as
//! events commit are the ones the histories give. Each feature replays its own
//! history with the same tally code its events use.

use crate::db::DbConn;
use crate::error::ApiResult;
use crate::ledger::tally::Replaced;
use crate::ledger::{Action, Event, Outcome};
use crate::observability::RequestMeta;

/// Replaces every counter by what the case histories (in the audit trail), the
/// request and preservation histories and the custody log give, in one transaction
/// under the audit chain's lock (no event commits meanwhile), and records it in the
/// audit trail with how many counters it changed.
pub fn rebuild(conn: &mut DbConn) -> ApiResult<Replaced> {
    crate::ledger::transaction(conn, |tx| {
        let mut tallies = crate::cases::figures::replay(tx)?;
        tallies.extend(crate::mla::figures::replay(tx)?);
        tallies.extend(crate::orders::figures::replay(tx)?);
        tallies.extend(crate::custody::figures::replay(tx)?);
        let replaced = crate::ledger::tally::replace(tx, &tallies)?;
        let event = Event::new(Action::FiguresRebuild, None, &RequestMeta::default())
            .detail("counters", replaced.counters)
            .detail("changed", replaced.changed);
        tx.append(&event, Outcome::Success)?;
        Ok(replaced)
    })
}

//! Deadlines across the service: those of MLA requests, of preservations and of
//! orders to providers, each from its own engine, listed together for whoever may
//! see the thing that is due, and announced when they pass.

pub mod routes;
pub mod watch;

pub use routes::routes;

/// The status of an MLA request, a preservation or an order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(untagged)]
pub enum AnyStatus {
    Request(crate::mla::request::RequestStatus),
    Preservation(crate::mla::preservations::model::PreservationStatus),
    Order(crate::orders::model::OrderStatus),
}

impl AnyStatus {
    /// Its name: statuses of different kinds that share a name are the same to the
    /// filter (`acknowledged` is an acknowledged request or order).
    pub fn as_str(self) -> &'static str {
        match self {
            AnyStatus::Request(s) => s.as_str(),
            AnyStatus::Preservation(s) => s.as_str(),
            AnyStatus::Order(s) => s.as_str(),
        }
    }
}

/// A deadline the caller may see: what falls due, or is overdue, on which request.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Deadline {
    /// The MLA request's, the preservation's or the order's id.
    pub request_id: String,
    /// Whether it is an MLA request, a preservation or an order.
    pub request_type: crate::mla::basis::RequestType,
    #[schema(example = "JM-MLA-2026-000007")]
    pub reference: String,
    pub deadline: crate::mla::deadlines::DeadlineKind,
    pub due_at: crate::time::UtcTimestamp,
    pub overdue: bool,
    pub status: AnyStatus,
    /// Seen from the caller's state.
    pub direction: crate::mla::request::Direction,
    pub requesting_country: String,
    pub requested_country: String,
    /// An MLA request's or an order's urgency (absent for preservations, expedited by
    /// nature).
    pub urgency: Option<crate::mla::request::Urgency>,
}

/// The filters of the deadline list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeadlineFilter {
    /// How far ahead, as an ISO 8601 duration of days, weeks or hours (`P7D`,
    /// `P2W`, `PT36H`); at most a year. Default `P7D`.
    #[param(pattern = "^P(([0-9]{1,3}[DW])|(T[0-9]{1,4}H))$")]
    pub within: Option<String>,
    pub direction: Option<crate::mla::request::Direction>,
    /// Only requests or preservations in this state.
    pub status: Option<AnyStatus>,
    /// Requests between the caller's state and this one.
    #[param(pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
    /// Only what is overdue now.
    pub overdue: Option<bool>,
}

/// What falls due on the requests, preservations and orders `caller` may see up to
/// `until`,
/// or is overdue, as `filter` narrows it: soonest first (so overdue first), each
/// with the key the list pages by.
pub fn due(
    conn: &mut crate::db::DbConn,
    caller: &crate::auth::Principal,
    filter: &DeadlineFilter,
    now: chrono::NaiveDateTime,
    until: chrono::NaiveDateTime,
) -> crate::error::ApiResult<Vec<(String, Deadline)>> {
    use crate::error::ApiError;
    use crate::mla::access::Scope;
    use crate::mla::basis::RequestType;
    use crate::mla::preservations::access::PreservationScope;
    use crate::mla::queries;
    use crate::mla::request::Direction;
    let scope = Scope::of(caller);
    let preserving = PreservationScope::of(caller);
    let ordering = crate::orders::access::OrderScope::of(caller);
    if scope.is_empty() && preserving.is_empty() && ordering.is_empty() {
        return Err(ApiError::forbidden("your roles give no access to requests"));
    }
    let until_date = (until.date() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let rows = if scope.is_empty() {
        Vec::new()
    } else {
        queries::requests_due(conn, &scope, filter.direction, until, until_date)?
    };
    let preservations = if preserving.is_empty() {
        Vec::new()
    } else {
        crate::mla::preservations::queries::expiring(conn, &preserving, filter.direction, until)?
    };
    let between = |requesting: &str, requested: &str| {
        filter
            .country
            .as_deref()
            .is_none_or(|c| (requesting == c || requested == c) && c != caller.country)
    };
    let direction_of = |requesting: &str| {
        if requesting == caller.country {
            Direction::Outgoing
        } else {
            Direction::Incoming
        }
    };
    let mut keyed: Vec<(String, Deadline)> = Vec::new();
    let mut keep = |deadline: Deadline| {
        if deadline.due_at.naive() > until
            || (filter.overdue == Some(true) && !deadline.overdue)
            || filter
                .status
                .is_some_and(|s| s.as_str() != deadline.status.as_str())
        {
            return;
        }
        let key = format!(
            "{}|{}|{}",
            deadline.due_at.naive().format("%Y%m%d%H%M%S%6f"),
            deadline.request_id,
            deadline.deadline.as_str()
        );
        keyed.push((key, deadline));
    };
    for row in rows
        .iter()
        .filter(|r| between(&r.requesting_country, &r.requested_country))
    {
        for (kind, due) in crate::mla::deadlines::of_request(row) {
            keep(Deadline {
                request_id: row.id.clone(),
                request_type: RequestType::Mla,
                reference: row.reference.clone(),
                deadline: kind,
                due_at: due.into(),
                overdue: due < now,
                status: AnyStatus::Request(row.status()),
                direction: direction_of(&row.requesting_country),
                requesting_country: row.requesting_country.clone(),
                requested_country: row.requested_country.clone(),
                urgency: Some(
                    crate::mla::request::Urgency::parse(&row.urgency)
                        .unwrap_or(crate::mla::request::Urgency::Normal),
                ),
            });
        }
    }
    for row in preservations
        .iter()
        .filter(|r| between(&r.requesting_country, &r.requested_country))
    {
        let Some(due) = row.expires_at else { continue };
        keep(Deadline {
            request_id: row.id.clone(),
            request_type: RequestType::Preservation,
            reference: row.reference.clone(),
            deadline: crate::mla::deadlines::DeadlineKind::ExpiresAt,
            due_at: due.into(),
            overdue: due < now,
            status: AnyStatus::Preservation(row.status()),
            direction: direction_of(&row.requesting_country),
            requesting_country: row.requesting_country.clone(),
            requested_country: row.requested_country.clone(),
            urgency: None,
        });
    }
    let orders = if ordering.is_empty() {
        Vec::new()
    } else {
        crate::orders::queries::due(conn, &ordering, until)?
    };
    for row in orders
        .iter()
        .filter(|r| between(&r.requesting_country, &r.provider_country))
    {
        let direction = direction_of(&row.requesting_country);
        if filter.direction.is_some_and(|d| d != direction) {
            continue;
        }
        for (kind, due) in crate::orders::deadlines::running(row, now) {
            keep(Deadline {
                request_id: row.id.clone(),
                request_type: RequestType::Order,
                reference: row.reference.clone(),
                deadline: kind,
                due_at: due.into(),
                overdue: due < now,
                status: AnyStatus::Order(row.status()),
                direction,
                requesting_country: row.requesting_country.clone(),
                requested_country: row.provider_country.clone(),
                urgency: Some(row.urgency()),
            });
        }
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed)
}

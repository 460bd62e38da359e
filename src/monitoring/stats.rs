//! The figures endpoints: cases, requests, turnaround and what is overdue, as JSON
//! or, with `Accept: text/csv`, as CSV. Monitors and regional administrators read
//! them; they hold counts only, never a case's or request's content.

use super::access;
use super::figures::{
    self, CaseFigure, Grouping, OverdueFigure, Period, RequestFigure, TurnaroundFigure, Viewer,
};
use super::order_figures::{self, EmergencyFigure, OrderFigure, OrderTurnaroundFigure};
use super::queries;
use crate::auth::Principal;
use crate::error::{ApiResult, Problem};
use crate::input::Query;
use crate::mla::figures::{REQUESTS, REQUESTS_BY_ASSISTANCE, TURNAROUND};
use crate::monitoring::overview::CASE_MEASURES;
use crate::orders::figures::{EMERGENCIES, ORDER_TURNAROUND, ORDERS};
use crate::state::AppState;
use crate::time::UtcTimestamp;
use actix_web::http::header::{ACCEPT, CONTENT_DISPOSITION};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(case_stats)
        .service(request_stats)
        .service(turnaround_stats)
        .service(overdue_stats)
        .service(order_stats)
        .service(order_turnaround_stats)
        .service(emergency_stats);
}

/// The period and grouping of a figures endpoint.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// The first quarter (default: three quarters before `to`).
    #[param(pattern = "^[0-9]{4}-Q[1-4]$", example = "2026-Q1")]
    pub from: Option<String>,
    /// The last quarter (default: the current one).
    #[param(pattern = "^[0-9]{4}-Q[1-4]$", example = "2026-Q4")]
    pub to: Option<String>,
    /// What to group by, comma-separated; each endpoint names what it groups by.
    #[param(max_length = 100, example = "quarter")]
    pub group_by: Option<String>,
    /// Only figures concerning this state (either state of a pair).
    #[param(pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
}

/// Figures over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct Figures<T> {
    pub period: Period,
    pub items: Vec<T>,
}

/// What is overdue now.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueFigures {
    pub at: UtcTimestamp,
    pub items: Vec<OverdueFigure>,
}

fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().starts_with("text/csv")))
}

/// The figures as JSON, or as a CSV file of the columns named.
fn answer<T: Serialize>(
    req: &HttpRequest,
    name: &str,
    period: Period,
    columns: &[&str],
    items: Vec<T>,
) -> HttpResponse {
    if wants_csv(req) {
        return HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{name}-{}-{}.csv\"",
                    period.from, period.to
                ),
            ))
            .body(figures::csv(columns, &items));
    }
    HttpResponse::Ok().json(Figures { period, items })
}

/// What a figures request asks for, checked: who reads, over which period, grouped how.
struct Ask {
    viewer: Viewer,
    period: Period,
    grouping: Grouping,
    country: Option<String>,
}

impl Ask {
    /// Refuses (403) a caller who may not read figures, and (422) a period or
    /// grouping that is not one.
    fn of(caller: &Principal, q: StatsQuery, allowed: &[&str], default: &[&str]) -> ApiResult<Ask> {
        access::may_read_figures(caller)?;
        Ok(Ask {
            viewer: Viewer {
                country: caller.country.clone(),
            },
            period: Period::of(q.from.as_deref(), q.to.as_deref(), crate::db::now())?,
            grouping: Grouping::of(q.group_by.as_deref(), allowed, default)?,
            country: q.country,
        })
    }

    /// The counters of `measures` over the period.
    async fn rows(
        &self,
        state: &AppState,
        measures: &'static [&'static str],
        folding: figures::Folding,
    ) -> ApiResult<Vec<figures::FigureRow>> {
        let period = self.period.clone();
        state
            .db(move |conn| Ok(queries::figures(conn, measures, &period, folding)?))
            .await
    }
}

/// The counters of `measure` over the period, and the names of the providers they
/// count.
async fn order_rows(
    state: &AppState,
    ask: &Ask,
    measure: &'static [&'static str],
    folding: figures::Folding,
) -> ApiResult<(Vec<figures::FigureRow>, order_figures::ProviderNames)> {
    let period = ask.period.clone();
    state
        .db(move |conn| {
            let rows = queries::figures(conn, measure, &period, folding)?;
            let names =
                crate::agencies::queries::names(conn, &order_figures::providers_named(&rows))?;
            Ok((rows, names))
        })
        .await
}

/// Keeps the figures that concern `country`, when one is asked for.
fn concerning<T>(items: Vec<T>, country: Option<&str>, states: impl Fn(&T) -> [&str; 2]) -> Vec<T> {
    match country {
        Some(c) => items
            .into_iter()
            .filter(|i| states(i).contains(&c))
            .collect(),
        None => items,
    }
}

/// Cases opened, referred to prosecution, charged and closed, and custody integrity
/// alerts (failed hash checks), per state. Group by `quarter` (the default) and
/// `offence`; without `quarter`, the period's total.
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures; a count about fewer than 5 cases is `null` with `suppressed: true` (or hidden beside one, so that it cannot be worked out from a total) for a reader outside the state", content((Figures<CaseFigure> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not a monitor or regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A period or grouping that is not one", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/cases")]
async fn case_stats(
    state: web::Data<AppState>,
    caller: Principal,
    req: HttpRequest,
    query: Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let ask = Ask::of(
        &caller,
        query.into_inner(),
        &["quarter", "offence"],
        &["quarter"],
    )?;
    let rows = ask
        .rows(
            &state,
            &CASE_MEASURES,
            figures::Folding::cases(&ask.grouping),
        )
        .await?;
    let items = figures::case_figures(&rows, &ask.grouping, &ask.viewer);
    let items = concerning(items, ask.country.as_deref(), |i| [&i.country, &i.country]);
    Ok(answer(
        &req,
        "cases",
        ask.period,
        &figures::CASE_COLUMNS,
        items,
    ))
}

/// MLA and preservation requests between each pair of states: sent by the one,
/// received by the other, by the quarter they were submitted in. Group by `quarter` (the default),
/// `legal_basis`, `assistance_type` and `outcome` (`legal_basis` and
/// `assistance_type` not together).
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures; a count about fewer than 5 requests is `null` with `suppressed: true` (or hidden beside one, so that it cannot be worked out from a total) for a reader outside both states", content((Figures<RequestFigure> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not a monitor or regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A period or grouping that is not one", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/requests")]
async fn request_stats(
    state: web::Data<AppState>,
    caller: Principal,
    req: HttpRequest,
    query: Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let ask = Ask::of(
        &caller,
        query.into_inner(),
        &["quarter", "legal_basis", "assistance_type", "outcome"],
        &["quarter"],
    )?;
    if ask.grouping.has("legal_basis") && ask.grouping.has("assistance_type") {
        return Err(crate::error::ApiError::validation(
            "group_by",
            "legal_basis and assistance_type cannot be grouped together",
        ));
    }
    let measure: &'static [&'static str] = if ask.grouping.has("assistance_type") {
        &[REQUESTS_BY_ASSISTANCE]
    } else {
        &[REQUESTS]
    };
    let rows = ask
        .rows(&state, measure, figures::Folding::requests(&ask.grouping))
        .await?;
    let items = figures::request_figures(&rows, &ask.grouping, &ask.viewer);
    let items = concerning(items, ask.country.as_deref(), |i| {
        [&i.requesting_country, &i.requested_country]
    });
    Ok(answer(
        &req,
        "requests",
        ask.period,
        &figures::REQUEST_COLUMNS,
        items,
    ))
}

/// How long each pair of states takes, from submission to acknowledgement, to the
/// decision (accepted or refused; a postponement does not stop the clock) and to
/// execution: count, median and 90th percentile in days, of the requests that reached
/// the stage in the period. Group by `quarter` and `legal_basis` (default: neither,
/// the whole period).
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures; a row about fewer than 5 requests has `null` count, median and percentile with `suppressed: true` (or hidden beside one, so that it cannot be worked out from a total) for a reader outside both states", content((Figures<TurnaroundFigure> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not a monitor or regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A period or grouping that is not one", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/turnaround")]
async fn turnaround_stats(
    state: web::Data<AppState>,
    caller: Principal,
    req: HttpRequest,
    query: Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let ask = Ask::of(
        &caller,
        query.into_inner(),
        &["quarter", "legal_basis"],
        &[],
    )?;
    let period = ask.period.clone();
    let rows = state
        .db(move |conn| Ok(queries::histograms(conn, TURNAROUND, &period)?))
        .await?;
    let items = figures::turnaround_from_histograms(&rows, &ask.grouping, &ask.viewer);
    let items = concerning(items, ask.country.as_deref(), |i| {
        [&i.requesting_country, &i.requested_country]
    });
    Ok(answer(
        &req,
        "turnaround",
        ask.period,
        &figures::TURNAROUND_COLUMNS,
        items,
    ))
}

/// The filter of the overdue figures.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OverdueQuery {
    /// Only this state's.
    #[param(pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
}

/// The deadlines of MLA requests passed now with the request still open, by the
/// state that owes them and the kind of deadline.
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(OverdueQuery),
    responses(
        (status = 200, description = "The figures; a count about fewer than 5 requests is `null` with `suppressed: true` for a reader outside the state", content((OverdueFigures = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not a monitor or regional administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/overdue")]
async fn overdue_stats(
    state: web::Data<AppState>,
    caller: Principal,
    req: HttpRequest,
    query: Query<OverdueQuery>,
) -> ApiResult<HttpResponse> {
    access::may_read_figures(&caller)?;
    let only = query.into_inner().country;
    let now = crate::db::now();
    let overdue = state
        .db(move |conn| Ok(queries::overdue(conn, now)?))
        .await?;
    let viewer = Viewer {
        country: caller.country.clone(),
    };
    let items: Vec<OverdueFigure> = figures::overdue_figures(&overdue, &viewer)
        .into_iter()
        .filter(|f| only.as_deref().is_none_or(|c| f.country == c))
        .collect();
    if wants_csv(&req) {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((CONTENT_DISPOSITION, "attachment; filename=\"overdue.csv\""))
            .body(figures::csv(&figures::OVERDUE_COLUMNS, &items)));
    }
    Ok(HttpResponse::Ok().json(OverdueFigures {
        at: now.into(),
        items,
    }))
}

/// Orders to service providers, by the requesting state and the state where the
/// provider is established, by the quarter they were sent in. Group by `quarter`
/// (the default), `provider`, `order_type` and `outcome`.
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures; a count about fewer than 5 orders is `null` with `suppressed: true` (or hidden beside one, so that it cannot be worked out from a total) for a reader outside both states", content((Figures<OrderFigure> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not a monitor or regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A period or grouping that is not one", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/orders")]
async fn order_stats(
    state: web::Data<AppState>,
    caller: Principal,
    req: HttpRequest,
    query: Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let ask = Ask::of(
        &caller,
        query.into_inner(),
        &["quarter", "provider", "order_type", "outcome"],
        &["quarter"],
    )?;
    let folding = figures::Folding::orders(&ask.grouping, ask.grouping.has("outcome"));
    let (rows, names) = order_rows(&state, &ask, &[ORDERS], folding).await?;
    let items = order_figures::order_figures(&rows, &ask.grouping, &ask.viewer, &names);
    let items = concerning(items, ask.country.as_deref(), |i| {
        [&i.requesting_country, &i.provider_country]
    });
    Ok(answer(
        &req,
        "orders",
        ask.period,
        &order_figures::ORDER_COLUMNS,
        items,
    ))
}

/// How long providers take, from an order's sending to its acknowledgement and to
/// the first data produced (in part or whole): count, median and 90th percentile in
/// hours, of the orders that reached the stage in the period. Group by `provider`
/// (the default), `quarter` and `order_type`.
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures; a row about fewer than 5 orders has `null` count, median and percentile with `suppressed: true` (or hidden beside one, so that it cannot be worked out from a total) for a reader outside both states", content((Figures<OrderTurnaroundFigure> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not a monitor or regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A period or grouping that is not one", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/orders/turnaround")]
async fn order_turnaround_stats(
    state: web::Data<AppState>,
    caller: Principal,
    req: HttpRequest,
    query: Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let ask = Ask::of(
        &caller,
        query.into_inner(),
        &["quarter", "provider", "order_type"],
        &["provider"],
    )?;
    let period = ask.period.clone();
    let (rows, names) = state
        .db(move |conn| {
            let rows = queries::histograms(conn, ORDER_TURNAROUND, &period)?;
            let names = crate::agencies::queries::names(
                conn,
                &order_figures::providers_in_histograms(&rows),
            )?;
            Ok((rows, names))
        })
        .await?;
    let items = order_figures::turnaround_figures(&rows, &ask.grouping, &ask.viewer, &names);
    let items = concerning(items, ask.country.as_deref(), |i| {
        [&i.requesting_country, &i.provider_country]
    });
    Ok(answer(
        &req,
        "order-turnaround",
        ask.period,
        &order_figures::ORDER_TURNAROUND_COLUMNS,
        items,
    ))
}

/// Emergencies (emergency disclosures, and orders sent as emergencies) answered by
/// their providers within the deadline in hours, or late, by the quarter they were
/// answered in: data produced, in part or whole, or refused. Group by `provider`
/// (the default), `quarter` and `order_type`.
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures; a count about fewer than 5 orders is `null` with `suppressed: true` (or hidden beside one, so that it cannot be worked out from a total) for a reader outside both states", content((Figures<EmergencyFigure> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not a monitor or regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A period or grouping that is not one", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/orders/emergencies")]
async fn emergency_stats(
    state: web::Data<AppState>,
    caller: Principal,
    req: HttpRequest,
    query: Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let ask = Ask::of(
        &caller,
        query.into_inner(),
        &["quarter", "provider", "order_type"],
        &["provider"],
    )?;
    let folding = figures::Folding::orders(&ask.grouping, true);
    let (rows, names) = order_rows(&state, &ask, &[EMERGENCIES], folding).await?;
    let items = order_figures::emergency_figures(&rows, &ask.grouping, &ask.viewer, &names);
    let items = concerning(items, ask.country.as_deref(), |i| {
        [&i.requesting_country, &i.provider_country]
    });
    Ok(answer(
        &req,
        "emergencies",
        ask.period,
        &order_figures::EMERGENCY_COLUMNS,
        items,
    ))
}

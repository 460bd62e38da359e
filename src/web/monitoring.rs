//! The monitoring page: every state's status review beside the regional minimum
//! standards, a matrix of median turnaround per pair of states, the trends per quarter
//! as charts drawn by the server (SVG, no script), what is overdue, how providers
//! answer orders, and each table as CSV. For monitors and regional administrators; anyone else gets the not-found page.

use super::page::{Leave, Me, PageResult, html};
use super::visitor::Visitor;
use crate::auth::roles::Role;
use crate::catalogue::{PageWords, in_words};
use crate::countries::queries::StateNames;
use crate::monitoring::figures::{self, Viewer};
use crate::monitoring::order_figures;
use crate::monitoring::overview::{self, Overview, QuarterTotals, Reviews};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_DISPOSITION;
use actix_web::{HttpResponse, web};
use askama::Template;
use plotters::prelude::*;

#[derive(Template)]
#[template(path = "monitoring.html", config = "src/web/askama.toml")]
struct MonitoringPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    period: String,
    checklist: Vec<String>,
    reviews: Vec<ReviewLine>,
    states: Vec<String>,
    matrices: Vec<Matrix>,
    case_chart: String,
    request_chart: String,
    overdue: Vec<OverdueLine>,
    providers: Vec<ProviderLine>,
}

/// One state's review, as the table shows it.
struct ReviewLine {
    state: String,
    budapest: String,
    protocol: String,
    csirt: String,
    contact_point: String,
    central_authority: String,
    checklist: Vec<String>,
    reviewed: String,
}

/// Median turnaround to one stage, requesting states by requested states.
struct Matrix {
    stage: String,
    rows: Vec<MatrixRow>,
}

struct MatrixRow {
    state: String,
    cells: Vec<Cell>,
}

/// A matrix cell: its text and the class that colours it.
struct Cell {
    text: String,
    class: &'static str,
}

/// How one provider answered one state's orders.
struct ProviderLine {
    requesting: String,
    provider: String,
    sent: String,
    to_acknowledgement: String,
    to_production: String,
    in_time: String,
    late: String,
}

struct OverdueLine {
    state: String,
    deadline: String,
    count: String,
}

/// The monitoring page and its tables as CSV.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/monitoring", web::get().to(monitoring))
        .route("/monitoring/{table}", web::get().to(table));
}

/// Who may read the figures: monitors and regional administrators; anyone else gets
/// the not-found page.
fn monitor(visitor: &Visitor) -> Result<Viewer, Leave> {
    if visitor.has(Role::Monitor) || visitor.has(Role::RegionalAdmin) {
        Ok(Viewer {
            country: visitor.signed.principal.country.clone(),
        })
    } else {
        Err(Leave::NotFound)
    }
}

fn shown(w: &PageWords, count: Option<i64>) -> String {
    count.map_or_else(|| w.fewer_than_5.to_owned(), |n| n.to_string())
}

/// How a median reads at a glance: within a month, within three, or longer.
fn speed(median_days: f64) -> &'static str {
    if median_days <= 30.0 {
        "fast"
    } else if median_days <= 90.0 {
        "slow"
    } else {
        "stalled"
    }
}

/// A line chart of `series` over `quarters`, as SVG (a gap where a value is
/// suppressed). Colours and lines are attributes, not styles: the pages' CSP holds.
fn chart(w: &PageWords, quarters: &[String], series: &[QuarterTotals]) -> String {
    const COLOURS: [RGBColor; 5] = [
        RGBColor(0x1f, 0x4e, 0x8c),
        RGBColor(0xb3, 0x47, 0x00),
        RGBColor(0x2e, 0x7d, 0x32),
        RGBColor(0x6a, 0x1b, 0x9a),
        RGBColor(0x55, 0x55, 0x55),
    ];
    let top = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .copied()
        .max()
        .unwrap_or(0)
        .max(5);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (640, 260)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            let n = quarters.len().max(1) as i32;
            let mut c = ChartBuilder::on(&root)
                .margin(12)
                .margin_right(40)
                .x_label_area_size(28)
                .y_label_area_size(40)
                .build_cartesian_2d(0..n - 1, 0..top + top / 10 + 1)?;
            c.configure_mesh()
                .x_labels(quarters.len())
                .x_label_formatter(&|i| quarters.get(*i as usize).cloned().unwrap_or_default())
                .label_style(("sans-serif", 13))
                .draw()?;
            for (i, s) in series.iter().enumerate() {
                let colour = COLOURS[i % COLOURS.len()];
                // One line per run of values shown.
                let mut run: Vec<(i32, i64)> = Vec::new();
                let mut runs = Vec::new();
                for (q, v) in s.values.iter().enumerate() {
                    match v {
                        Some(v) => run.push((q as i32, *v)),
                        None => runs.push(std::mem::take(&mut run)),
                    }
                }
                runs.push(run);
                let name = in_words(w.case_events, &s.series);
                let mut first = true;
                for run in runs.into_iter().filter(|r| !r.is_empty()) {
                    let points = run.clone();
                    let drawn = c.draw_series(LineSeries::new(run, colour.stroke_width(2)))?;
                    if first {
                        drawn
                            .label(name.clone())
                            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], colour));
                        first = false;
                    }
                    c.draw_series(
                        points
                            .into_iter()
                            .map(|p| Circle::new(p, 3, colour.filled())),
                    )?;
                }
            }
            c.configure_series_labels()
                .background_style(WHITE)
                .border_style(BLACK)
                .label_font(("sans-serif", 13))
                .draw()?;
            root.present()?;
            Ok(())
        })();
        if let Err(e) = drawn {
            tracing::error!(error = %e, "a chart was not drawn");
        }
    }
    // The chart is an image whose words are in the figure's caption and table.
    out.replacen(
        "<svg ",
        "<svg role=\"img\" aria-hidden=\"true\" focusable=\"false\" ",
        1,
    )
}

fn page(w: &'static PageWords, me: Me, board: Board) -> MonitoringPage<'static> {
    let Board {
        reviews: board,
        figures: o,
        states: names,
    } = board;
    let reviews = board
        .reviews
        .iter()
        .map(|r| ReviewLine {
            state: names.of(&r.country),
            budapest: in_words(w.treaty_standings, r.budapest_convention.as_str()),
            protocol: in_words(w.treaty_standings, r.second_protocol.as_str()),
            csirt: match (&r.csirt, &r.csirt_name) {
                (true, Some(name)) => name.clone(),
                (true, None) => w.yes.to_owned(),
                (false, _) => w.no.to_owned(),
            },
            contact_point: if r.contact_point.designated {
                r.contact_point.agencies.join("; ")
            } else {
                w.no.to_owned()
            },
            central_authority: if r.central_authority.designated {
                r.central_authority.agencies.join("; ")
            } else {
                w.no.to_owned()
            },
            checklist: r
                .checklist
                .iter()
                .map(|c| in_words(w.checklist_statuses, c.status.as_str()))
                .collect(),
            reviewed: match (&r.last_review, r.reviewed) {
                (_, true) => w.yes.to_owned(),
                (Some(_), false) => w.not_reviewed.to_owned(),
                (None, false) => w.no.to_owned(),
            },
        })
        .collect();
    // The states of the matrices: every one that requested or was requested.
    let mut states: Vec<String> = o
        .turnaround
        .iter()
        .flat_map(|t| [t.requesting_country.clone(), t.requested_country.clone()])
        .collect();
    states.sort();
    states.dedup();
    let matrices = crate::mla::figures::STAGES
        .iter()
        .map(|stage| Matrix {
            stage: in_words(w.stages, stage),
            rows: states
                .iter()
                .map(|from| MatrixRow {
                    state: names.of(from),
                    cells: states
                        .iter()
                        .map(|to| {
                            let found = o.turnaround.iter().find(|t| {
                                &t.requesting_country == from
                                    && &t.requested_country == to
                                    && t.stage == *stage
                            });
                            match found {
                                None => Cell {
                                    text: "\u{2014}".into(),
                                    class: "none",
                                },
                                Some(t) => match t.median_days {
                                    Some(m) => Cell {
                                        text: format!(
                                            "{m:.1} {} ({})",
                                            w.days,
                                            t.count.unwrap_or_default()
                                        ),
                                        class: speed(m),
                                    },
                                    None => Cell {
                                        text: w.fewer_than_5.to_owned(),
                                        class: "suppressed",
                                    },
                                },
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let quarters = o.period.quarters();
    let providers = provider_lines(w, &o, &names);
    MonitoringPage {
        providers,
        w,
        me: Some(me),
        period: format!("{} \u{2013} {}", o.period.from, o.period.to),
        checklist: board.checklist.iter().map(|c| c.title.clone()).collect(),
        reviews,
        states: states.iter().map(|s| names.of(s)).collect(),
        matrices,
        case_chart: chart(w, &quarters, &o.case_trend),
        request_chart: chart(w, &quarters, &o.request_trend),
        overdue: o
            .overdue
            .iter()
            .map(|f| OverdueLine {
                state: names.of(&f.country),
                deadline: in_words(w.deadline_kinds, &f.deadline),
                count: shown(w, f.count),
            })
            .collect(),
    }
}

/// A line per requesting state and provider: orders sent, median hours to each
/// stage, emergencies answered in time and late; each as hidden as the API has it,
/// a dash where there is none.
fn provider_lines<'a>(w: &PageWords, o: &'a Overview, names: &StateNames) -> Vec<ProviderLine> {
    // Every pair any of the three names: an order sent before the period may be
    // answered in it.
    let line = |requesting: &'a str,
                id: &'a Option<String>,
                name: &'a Option<String>,
                country: &'a str| {
        (
            requesting,
            id.as_deref().unwrap_or_default(),
            name.as_deref(),
            country,
        )
    };
    let mut pairs: Vec<(&str, &str, Option<&str>, &str)> = o
        .orders
        .iter()
        .map(|f| {
            line(
                &f.requesting_country,
                &f.provider_id,
                &f.provider_name,
                &f.provider_country,
            )
        })
        .chain(o.order_turnaround.iter().map(|f| {
            line(
                &f.requesting_country,
                &f.provider_id,
                &f.provider_name,
                &f.provider_country,
            )
        }))
        .chain(o.emergencies.iter().map(|f| {
            line(
                &f.requesting_country,
                &f.provider_id,
                &f.provider_name,
                &f.provider_country,
            )
        }))
        .collect();
    pairs.sort();
    pairs.dedup();
    let none = || "\u{2014}".to_owned();
    pairs
        .into_iter()
        .map(|(requesting, provider, name, country)| {
            let mine =
                |r: &str, p: &Option<String>| r == requesting && p.as_deref() == Some(provider);
            let stage = |stage: &str| {
                o.order_turnaround
                    .iter()
                    .find(|t| mine(&t.requesting_country, &t.provider_id) && t.stage == stage)
                    .map_or_else(none, |t| match t.median_hours {
                        Some(m) => format!("{m:.1} {} ({})", w.hours, t.count.unwrap_or_default()),
                        None => w.fewer_than_5.to_owned(),
                    })
            };
            let answered = |how: &str| {
                o.emergencies
                    .iter()
                    .find(|e| mine(&e.requesting_country, &e.provider_id) && e.answered == how)
                    .map_or_else(none, |e| shown(w, e.count))
            };
            let sent = o
                .orders
                .iter()
                .find(|f| mine(&f.requesting_country, &f.provider_id))
                .map_or_else(none, |f| shown(w, f.count));
            ProviderLine {
                requesting: names.of(requesting),
                provider: format!("{} ({})", name.unwrap_or(provider), names.of(country)),
                sent,
                to_acknowledgement: stage("acknowledged"),
                to_production: stage("produced"),
                in_time: answered("in_time"),
                late: answered("late"),
            }
        })
        .collect()
}

/// What the monitoring page reads.
struct Board {
    reviews: Reviews,
    figures: Overview,
    states: StateNames,
}

/// The monitoring page.
pub async fn monitoring(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let viewer = monitor(&visitor)?;
    let now = crate::db::now();
    let board = state
        .db(move |conn| {
            Ok(Board {
                reviews: overview::reviews(conn)?,
                figures: overview::read(conn, &viewer, now)?,
                states: crate::countries::queries::names(conn)?,
            })
        })
        .await?;
    Ok(html(
        StatusCode::OK,
        page(super::page::words(), visitor.me, board),
    ))
}

/// One of the page's tables as CSV: the same rows as the API's `Accept: text/csv`.
pub async fn table(
    state: web::Data<AppState>,
    visitor: Visitor,
    name: web::Path<String>,
) -> PageResult {
    let viewer = monitor(&visitor)?;
    let name = name.into_inner();
    let now = crate::db::now();
    let o = state
        .db(move |conn| overview::read(conn, &viewer, now))
        .await?;
    let body = match name.as_str() {
        "cases.csv" => figures::csv(&figures::CASE_COLUMNS, &o.cases),
        "requests.csv" => figures::csv(&figures::REQUEST_COLUMNS, &o.requests),
        "turnaround.csv" => figures::csv(&figures::TURNAROUND_COLUMNS, &o.turnaround),
        "overdue.csv" => figures::csv(&figures::OVERDUE_COLUMNS, &o.overdue),
        "orders.csv" => figures::csv(&order_figures::ORDER_COLUMNS, &o.orders),
        "order-turnaround.csv" => figures::csv(
            &order_figures::ORDER_TURNAROUND_COLUMNS,
            &o.order_turnaround,
        ),
        "emergencies.csv" => figures::csv(&order_figures::EMERGENCY_COLUMNS, &o.emergencies),
        _ => return Err(Leave::NotFound),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-{}-{}.csv\"",
                name.trim_end_matches(".csv"),
                o.period.from,
                o.period.to
            ),
        ))
        .body(body))
}

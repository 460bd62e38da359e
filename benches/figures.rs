//! The region's figures at national scale: 100,000 cases and 118,000 MLA requests
//! between 20 states, with about 1,000,000 MLA events over two years, on SQLite and
//! on PostgreSQL.
//!
//! Seeding runs every event through the same code the ledger runs when it commits
//! one (`cases::figures::case_tallies`, `mla::figures::tallies`, `ledger::tally::write`,
//! in batches of 512 as the ledger's writer commits them), so the counters are the
//! ones a year of real use would leave. Measured:
//!
//! - what the figures add to each committed event: the time spent in
//!   `tally::write`, per event, next to the time the same batches spend writing each
//!   event's outbox row (`ledger::outbox::write`), which every event already costs;
//! - the figures' answers (the queries and the grouping, suppression, medians and
//!   percentiles of the stats endpoints), p50 and p99, next to a primary-key read of
//!   one counter in the same run.
//!
//! cargo bench --bench figures
//! (BENCH_REQUESTS=118000, BENCH_CASES=100000,
//!  BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/caseledger_test?sslmode=disable)

use caseledger::cases::figures::case_tallies;
use caseledger::cases::model::{CaseRow, CaseStatus, Offence};
use caseledger::db::{self, DbConn};
use caseledger::ledger::outbox::{self, Emit};
use caseledger::ledger::tally::{self, Tally};
use caseledger::mla::events::RequestEventType as E;
use caseledger::mla::figures as mla_figures;
use caseledger::mla::request::{MlaRequestRow, RequestStatus};
use caseledger::monitoring::figures::{self, Folding, Grouping, Period, Viewer};
use caseledger::monitoring::queries;
use chrono::{Duration as Days, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::time::{Duration, Instant};

const STATES: [&str; 20] = [
    "AG", "BB", "BS", "BZ", "DM", "GD", "GY", "HT", "JM", "KN", "LC", "MS", "SR", "TT", "VC", "AI",
    "BM", "KY", "TC", "VG",
];
const BASES: [&str; 4] = ["harare", "caricom-2005", "budapest-31", "reciprocity"];
const BATCH: usize = 512;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// An instant in the two years 2025–2026.
fn instant(rng: &mut Rng) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        + Days::seconds(rng.below(2 * 365 * 86_400) as i64)
}

/// One committed event: its tallies and the outbox row it announces.
struct Committed {
    tallies: Vec<Tally>,
    emit: Emit,
    at: NaiveDateTime,
}

#[derive(Default)]
struct Cost {
    events: usize,
    mla_events: usize,
    tallies: usize,
    tally_time: Duration,
    outbox_time: Duration,
}

/// Commits `events` in the ledger's batches, timing the tallies and the outbox rows.
fn commit(conn: &mut DbConn, events: &mut Vec<Committed>, cost: &mut Cost) -> anyhow::Result<()> {
    for batch in events.chunks(BATCH) {
        db::write_tx(conn, |conn| -> anyhow::Result<()> {
            let tallies: Vec<Tally> = batch
                .iter()
                .flat_map(|e| e.tallies.iter().cloned())
                .collect();
            let emitted: Vec<Emit> = batch.iter().map(|e| e.emit.clone()).collect();
            let t = Instant::now();
            outbox::write(conn, &emitted, batch[0].at)?;
            cost.outbox_time += t.elapsed();
            let t = Instant::now();
            tally::write(conn, &tallies)?;
            cost.tally_time += t.elapsed();
            cost.events += batch.len();
            cost.tallies += tallies.len();
            Ok(())
        })?;
    }
    events.clear();
    Ok(())
}

fn seed(conn: &mut DbConn, cases: usize, requests: usize) -> anyhow::Result<Cost> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut cost = Cost::default();
    let mut pending = Vec::new();
    for i in 0..cases {
        let at = instant(&mut rng);
        let country = STATES[rng.below(STATES.len() as u64) as usize];
        let offences = [
            Offence::ALL[rng.below(Offence::ALL.len() as u64) as usize],
            Offence::ALL[rng.below(Offence::ALL.len() as u64) as usize],
        ];
        let row = CaseRow {
            id: format!("case-{i}"),
            reference: format!("{country}-{i}"),
            owner_agency_id: "agency".into(),
            owner_country: country.into(),
            title: String::new(),
            summary: String::new(),
            offences: caseledger::cases::model::encode_offences(&offences),
            priority: "high".into(),
            status: "open".into(),
            lead_investigator_id: None,
            created_by: "user".into(),
            created_at: at,
            updated_at: at,
            version: 1,
        };
        let mut moves = vec![(CaseStatus::Open, at)];
        if rng.below(3) == 0 {
            moves.push((CaseStatus::ReferredToProsecution, at + Days::days(60)));
            if rng.below(2) == 0 {
                moves.push((CaseStatus::Charged, at + Days::days(120)));
            }
        }
        if rng.below(2) == 0 {
            moves.push((CaseStatus::Closed, at + Days::days(200)));
        }
        for (status, when) in moves {
            pending.push(Committed {
                tallies: case_tallies(status, &row, when),
                emit: Emit::new("case.updated", "case", &row.id, String::new()),
                at: when,
            });
        }
        if pending.len() >= 64 * BATCH {
            commit(conn, &mut pending, &mut cost)?;
        }
    }
    commit(conn, &mut pending, &mut cost)?;
    for i in 0..requests {
        let from = rng.below(STATES.len() as u64) as usize;
        let to = (from + 1 + rng.below(STATES.len() as u64 - 1) as usize) % STATES.len();
        let submitted = instant(&mut rng);
        let mut row = MlaRequestRow {
            id: format!("request-{i}"),
            reference: format!("R-{i}"),
            case_id: "case".into(),
            requesting_agency_id: "agency".into(),
            requesting_country: STATES[from].into(),
            requested_country: STATES[to].into(),
            legal_basis: BASES[rng.below(BASES.len() as u64) as usize].into(),
            urgency: "normal".into(),
            wanted_by: None,
            content: r#"{"assistance_types":["subscriber_information","traffic_data"]}"#.into(),
            status: "approved".into(),
            their_reference: None,
            submitted_at: None,
            version: 1,
            created_by: "user".into(),
            created_at: submitted,
            updated_at: submitted,
            last_seq: 1,
            last_hash: None,
            executing_agency_id: None,
            acknowledge_by: None,
            decide_by: None,
            execute_by: None,
        };
        // Ten events on average: a request's life, decided one way or another.
        let mut life = vec![E::Submitted, E::Delivered, E::Acknowledged];
        match rng.below(10) {
            0 => life.push(E::Withdrawn),
            1 | 2 => life.extend([
                E::InformationRequested,
                E::InformationSupplied,
                E::Refused,
                E::Closed,
            ]),
            3 => life.extend([E::Postponed, E::Accepted, E::Assigned, E::PartiallyExecuted]),
            _ => life.extend([
                E::InformationRequested,
                E::InformationSupplied,
                E::Accepted,
                E::Assigned,
                E::PartiallyExecuted,
                E::Executed,
                E::Closed,
            ]),
        }
        let mut now = submitted;
        cost.mla_events += life.len();
        for kind in life {
            now += Days::hours(1 + rng.below(24 * 20) as i64);
            let tallies = mla_figures::tallies(&row, kind, now);
            row.status = kind.leads_to().as_str().to_owned();
            if kind == E::Submitted {
                row.submitted_at = Some(now);
            }
            pending.push(Committed {
                tallies,
                emit: Emit::new(
                    format!("mla.{}", kind.as_str()),
                    "mla_request",
                    &row.id,
                    String::new(),
                ),
                at: now,
            });
        }
        debug_assert!(RequestStatus::parse(&row.status).is_some());
        if pending.len() >= 64 * BATCH {
            commit(conn, &mut pending, &mut cost)?;
        }
    }
    commit(conn, &mut pending, &mut cost)?;
    Ok(cost)
}

struct Timing {
    p50: Duration,
    p99: Duration,
}

fn time<T>(mut f: impl FnMut() -> T) -> Timing {
    for _ in 0..3 {
        f();
    }
    let mut samples = Vec::new();
    let started = Instant::now();
    while samples.len() < 200 && (samples.len() < 30 || started.elapsed() < Duration::from_secs(5))
    {
        let t = Instant::now();
        std::hint::black_box(f());
        samples.push(t.elapsed());
    }
    samples.sort();
    Timing {
        p50: samples[samples.len() / 2],
        p99: samples[(samples.len() * 99 / 100).min(samples.len() - 1)],
    }
}

fn fmt(d: Duration) -> String {
    if d.as_micros() < 10_000 {
        format!("{} µs", d.as_micros())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }
}

fn run_backend(
    label: &str,
    url: &str,
    cases: usize,
    requests: usize,
    out: &mut String,
) -> anyhow::Result<()> {
    let pool = db::build_pool(url, 2)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let seeding = Instant::now();
    let cost = seed(&mut conn, cases, requests)?;
    conn.batch_execute("ANALYZE")?;
    let rows: i64 = caseledger::db::schema::figures::table
        .count()
        .get_result(&mut conn)?;
    eprintln!(
        "{label}: {} events committed in {:.1}s, {rows} counters",
        cost.events,
        seeding.elapsed().as_secs_f64()
    );
    let per = |d: Duration| d.as_secs_f64() * 1e6 / cost.events as f64;
    out.push_str(&format!(
        "\n### {label}\n\n{} events: {} MLA events of {requests} requests, and the moves of {cases} cases; {} tallies, {rows} counters.\n\n\
         | per committed event, in batches of {BATCH} | µs |\n|---|---|\n\
         | baseline: its outbox row (`outbox::write`) | {:.2} |\n\
         | the figures (`tally::write`) | {:.2} |\n\n",
        cost.events,
        cost.mla_events,
        cost.tallies,
        per(cost.outbox_time),
        per(cost.tally_time),
    ));
    let now = NaiveDate::from_ymd_opt(2026, 12, 31)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let period = Period::of(Some("2026-Q1"), Some("2026-Q4"), now)?;
    let outside = Viewer {
        country: "XX".into(),
    };
    let quarter = Grouping::of(Some("quarter"), &["quarter"], &[])?;
    let outcome = Grouping::of(Some("outcome"), &["outcome"], &[])?;
    let whole = Grouping::default();
    let by_both = Grouping::of(
        Some("quarter,legal_basis"),
        &["quarter", "legal_basis"],
        &[],
    )?;
    let case_measures = caseledger::monitoring::overview::CASE_MEASURES;
    let mut c = pool.get()?;
    let timings = [
        (
            "baseline: one counter by its primary key",
            time(|| {
                use caseledger::db::schema::figures::dsl as f;
                f::figures
                    .find((
                        "requests", "JM", "TT", "2026-Q2", "mla", "harare", "executed", 0,
                    ))
                    .select(f::count)
                    .get_result::<i64>(&mut c)
                    .optional()
                    .unwrap()
            }),
        ),
        (
            "`/stats/cases` (per state and quarter, a year)",
            time(|| {
                let rows =
                    queries::figures(&mut c, &case_measures, &period, Folding::cases(&quarter))
                        .unwrap();
                figures::case_figures(&rows, &quarter, &outside).len()
            }),
        ),
        (
            "`/stats/requests?group_by=outcome` (per pair, a year)",
            time(|| {
                let rows = queries::figures(
                    &mut c,
                    &[mla_figures::REQUESTS],
                    &period,
                    Folding::requests(&outcome),
                )
                .unwrap();
                figures::request_figures(&rows, &outcome, &outside).len()
            }),
        ),
        (
            "`/stats/turnaround` (per pair and stage, a year), from the counters the database adds up (before)",
            time(|| {
                let rows = queries::figures(
                    &mut c,
                    &[mla_figures::TURNAROUND],
                    &period,
                    Folding::turnaround(&whole),
                )
                .unwrap();
                figures::turnaround_figures(&rows, &whole, &outside).len()
            }),
        ),
        (
            "`/stats/turnaround`, from the histogram rows (what the reads take now)",
            time(|| {
                let rows = queries::histograms(&mut c, mla_figures::TURNAROUND, &period).unwrap();
                figures::turnaround_from_histograms(&rows, &whole, &outside).len()
            }),
        ),
        (
            "`/stats/turnaround?group_by=quarter,legal_basis`, from the histogram rows",
            time(|| {
                let rows = queries::histograms(&mut c, mla_figures::TURNAROUND, &period).unwrap();
                figures::turnaround_from_histograms(&rows, &by_both, &outside).len()
            }),
        ),
        (
            "`/stats/turnaround`, every counter sent and added up here (before folding)",
            time(|| {
                let every = Folding {
                    quarter: true,
                    dims: [true; 3],
                };
                let rows =
                    queries::figures(&mut c, &[mla_figures::TURNAROUND], &period, every).unwrap();
                figures::turnaround_figures(&rows, &whole, &outside).len()
            }),
        ),
    ];
    out.push_str("| answer | p50 | p99 |\n|---|---|---|\n");
    for (what, t) in timings {
        out.push_str(&format!("| {what} | {} | {} |\n", fmt(t.p50), fmt(t.p99)));
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let n = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    // 118,000 requests live 8.5 events each on average: 1,000,000 MLA events.
    let (cases, requests) = (n("BENCH_CASES", 100_000), n("BENCH_REQUESTS", 118_000));
    let mut out = String::new();
    let dir = tempfile::tempdir()?;
    if std::env::var("BENCH_ONLY").as_deref() != Ok("postgres") {
        run_backend(
            "SQLite",
            &format!("sqlite://{}", dir.path().join("bench.db").display()),
            cases,
            requests,
            &mut out,
        )?;
    }
    if std::env::var("BENCH_ONLY").as_deref() != Ok("sqlite") {
        let admin = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
            "postgres://postgres@127.0.0.1:5432/caseledger_test?sslmode=disable".into()
        });
        let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let mut pg = diesel::PgConnection::establish(&admin)?;
        pg.batch_execute(&format!("CREATE SCHEMA {schema}"))?;
        let sep = if admin.contains('?') { '&' } else { '?' };
        let result = run_backend(
            "PostgreSQL",
            &format!("{admin}{sep}options=-csearch_path%3D{schema}"),
            cases,
            requests,
            &mut out,
        );
        pg.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
        result?;
    }
    println!("{out}");
    Ok(())
}

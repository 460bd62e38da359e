//! Case listing at national scale: 100,000 cases, the service's own list query, on
//! SQLite and PostgreSQL. Each query's plan is checked with EXPLAIN (no full scan of
//! a case table) and timed; the baselines, measured in the same run, are a
//! primary-key lookup and the same queries with the secondary indexes dropped.
//!
//! cargo bench --bench case_listing
//! (BENCH_CASES=100000, BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/caseledger_test?sslmode=disable)

use caseledger::agencies::{self, AgencyKind};
use caseledger::auth::password::Hasher;
use caseledger::auth::roles::Role;
use caseledger::cases::model::CaseFilter;
use caseledger::cases::model::SystemRef;
use caseledger::cases::model::{CaseRow, CaseStatus, Offence};
use caseledger::cases::queries::case_list_query;
use caseledger::config::Argon2Settings;
use caseledger::db::{self, DbConn};
use caseledger::users::{self, CreateUser};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::time::{Duration, Instant};

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

struct Agencies {
    big: String,
    tiny: String,
}

fn filter() -> CaseFilter {
    CaseFilter {
        status: None,
        owner_country: None,
        offence: None,
        priority: None,
        participant_agency: None,
        created_from: None,
        created_to: None,
        q: None,
        external_ref: None,
    }
}

const WORDS: &[&str] = &[
    "phishing",
    "bank",
    "hotel",
    "ministry",
    "credit",
    "union",
    "lottery",
    "ransomware",
    "port",
    "school",
    "hospital",
    "telecom",
    "crypto",
    "exchange",
    "romance",
    "invoice",
    "payroll",
];

fn seed(conn: &mut DbConn, n: usize) -> anyhow::Result<Agencies> {
    let hasher = Hasher::new(&Argon2Settings {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    })?;
    let mk = |conn: &mut DbConn, country: &str, name: &str| {
        agencies::insert(conn, country, name, AgencyKind::Police)
            .map(|a| a.id)
            .map_err(|e| anyhow::anyhow!("{e}"))
    };
    let big = mk(conn, "JM", "Jamaica Constabulary Force")?;
    let tiny = mk(conn, "MS", "Royal Montserrat Police Service")?;
    let countries = [
        "BB", "TT", "GY", "BS", "BZ", "LC", "GD", "AG", "DM", "VC", "KN", "SR",
    ];
    let mut others = Vec::new();
    for c in countries {
        others.push(mk(conn, c, &format!("{c} police"))?);
    }
    let creator = users::create(
        conn,
        &hasher,
        CreateUser {
            username: "jm.bench.creator".into(),
            display_name: "Bench".into(),
            agency_id: big.clone(),
            roles: vec![Role::Investigator],
            password: "bench-password-not-common".into(),
            must_change_password: false,
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?
    .id;

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let statuses = CaseStatus::ALL;
    let offences = Offence::ALL;
    let start = chrono::Utc::now().naive_utc() - chrono::Duration::days(730);
    let mut counters = std::collections::HashMap::<&str, u32>::new();
    let mut case_rows = Vec::with_capacity(500);
    let mut offence_rows = Vec::new();
    let mut participant_rows = Vec::new();
    let mut external_rows = Vec::new();
    let flush = |conn: &mut DbConn,
                 table: &str,
                 cols: &str,
                 rows: &mut Vec<String>|
     -> anyhow::Result<()> {
        if !rows.is_empty() {
            conn.batch_execute(&format!(
                "INSERT INTO {table} ({cols}) VALUES {}",
                rows.join(",")
            ))?;
            rows.clear();
        }
        Ok(())
    };
    conn.batch_execute("BEGIN")?;
    for i in 0..n {
        // 40% to the national force, 50 cases to the tiny one, the rest spread out.
        let (owner, country) = if i % 5 < 2 {
            (&big, "JM")
        } else if i % 2000 == 3 {
            (&tiny, "MS")
        } else {
            let k = rng.below(others.len() as u64) as usize;
            (&others[k], countries[k])
        };
        let number = counters.entry(country).or_insert(0);
        *number += 1;
        let id = uuid::Uuid::now_v7().to_string();
        let title = if rng.below(1000) == 0 {
            "Wharf terminal ransomware".to_owned()
        } else {
            format!(
                "{} {} {}",
                WORDS[rng.below(17) as usize],
                WORDS[rng.below(17) as usize],
                i
            )
        };
        let mut offs = vec![offences[rng.below(offences.len() as u64) as usize]];
        if rng.below(3) == 0 {
            offs.push(offences[rng.below(offences.len() as u64) as usize]);
        }
        offs.sort();
        offs.dedup();
        let created =
            (start + chrono::Duration::seconds((i as i64) * 630)).format("%Y-%m-%d %H:%M:%S%.6f");
        case_rows.push(format!(
            "('{id}', '{country}-{}-{:06}', '{owner}', '{country}', '{title}', 'summary', '{}', '{}', '{}', NULL, '{creator}', '{created}', '{created}', 1)",
            2024 + (i * 2 / n.max(1)),
            number,
            offs.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(","),
            ["low", "medium", "high", "critical"][rng.below(4) as usize],
            statuses[rng.below(statuses.len() as u64) as usize].as_str(),
        ));
        for o in &offs {
            offence_rows.push(format!("('{id}', '{}')", o.as_str()));
        }
        participant_rows.push(format!(
            "('{id}', '{owner}', 'owner', '{creator}', '{created}')"
        ));
        if owner != &tiny && rng.below(1000) < 2 {
            participant_rows.push(format!(
                "('{id}', '{tiny}', 'read', '{creator}', '{created}')"
            ));
        } else if owner != &big && rng.below(10) == 0 {
            participant_rows.push(format!(
                "('{id}', '{big}', 'contribute', '{creator}', '{created}')"
            ));
        }
        if owner == &big && rng.below(10) == 0 {
            external_rows.push(format!(
                "('{big}', 'jm-cms', 'CMS-{i}', '{id}', '{creator}', '{created}')"
            ));
        }
        if case_rows.len() == 500 {
            flush(
                conn,
                "cases",
                "id, reference, owner_agency_id, owner_country, title, summary, offences, priority, status, lead_investigator_id, created_by, created_at, updated_at, version",
                &mut case_rows,
            )?;
            flush(conn, "case_offences", "case_id, offence", &mut offence_rows)?;
            flush(
                conn,
                "case_participants",
                "case_id, agency_id, access, granted_by, granted_at",
                &mut participant_rows,
            )?;
            flush(
                conn,
                "case_external_refs",
                "agency_id, system, external_id, case_id, created_by, created_at",
                &mut external_rows,
            )?;
        }
    }
    flush(
        conn,
        "cases",
        "id, reference, owner_agency_id, owner_country, title, summary, offences, priority, status, lead_investigator_id, created_by, created_at, updated_at, version",
        &mut case_rows,
    )?;
    flush(conn, "case_offences", "case_id, offence", &mut offence_rows)?;
    flush(
        conn,
        "case_participants",
        "case_id, agency_id, access, granted_by, granted_at",
        &mut participant_rows,
    )?;
    flush(
        conn,
        "case_external_refs",
        "agency_id, system, external_id, case_id, created_by, created_at",
        &mut external_rows,
    )?;
    conn.batch_execute("COMMIT")?;
    // Steady state: PostgreSQL's autovacuum would have merged the GIN pending lists.
    conn.batch_execute(if conn.backend() == db::Backend::Postgres {
        "VACUUM ANALYZE"
    } else {
        "ANALYZE"
    })?;
    Ok(Agencies { big, tiny })
}

struct Timing {
    median: Duration,
    p95: Duration,
}

fn time<T>(mut f: impl FnMut() -> T) -> Timing {
    for _ in 0..5 {
        f();
    }
    let mut samples = Vec::new();
    let started = Instant::now();
    while samples.len() < 300 && (samples.len() < 20 || started.elapsed() < Duration::from_secs(2))
    {
        let t = Instant::now();
        std::hint::black_box(f());
        samples.push(t.elapsed());
    }
    samples.sort();
    Timing {
        median: samples[samples.len() / 2],
        p95: samples[samples.len() * 95 / 100],
    }
}

fn fmt(d: Duration) -> String {
    if d.as_micros() < 10_000 {
        format!("{} µs", d.as_micros())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }
}

/// Full scans of a table in the plan, if any; and a short plan summary.
fn check_plan(backend: db::Backend, plan: &str) -> (Vec<String>, String) {
    let tables = [
        "cases",
        "case_participants",
        "case_offences",
        "case_external_refs",
    ];
    match backend {
        db::Backend::Postgres => {
            let json: serde_json::Value = serde_json::from_str(plan).expect("JSON plan");
            let mut scans = Vec::new();
            let mut nodes = Vec::new();
            fn walk(
                node: &serde_json::Value,
                nodes: &mut Vec<String>,
                scans: &mut Vec<String>,
                tables: &[&str],
            ) {
                let kind = node["Node Type"].as_str().unwrap_or("?");
                let rel = node["Relation Name"].as_str();
                let index = node["Index Name"].as_str();
                nodes.push(match (rel, index) {
                    (_, Some(i)) => format!("{kind} ({i})"),
                    (Some(r), None) => format!("{kind} ({r})"),
                    _ => kind.to_owned(),
                });
                if kind == "Seq Scan" && rel.is_some_and(|r| tables.contains(&r)) {
                    scans.push(rel.unwrap().to_owned());
                }
                for child in node["Plans"].as_array().into_iter().flatten() {
                    walk(child, nodes, scans, tables);
                }
            }
            walk(&json[0]["Plan"], &mut nodes, &mut scans, &tables);
            (scans, nodes.join(" → "))
        }
        db::Backend::Sqlite => {
            let scans = plan
                .lines()
                .filter(|l| {
                    let words: Vec<&str> = l.split_whitespace().collect();
                    words.len() == 2 && words[0] == "SCAN" && tables.contains(&words[1])
                })
                .map(|l| l.to_owned())
                .collect();
            (scans, plan.lines().collect::<Vec<_>>().join("; "))
        }
    }
}

const SECONDARY_INDEXES: &[&str] = &[
    "cases_owner_agency",
    "cases_owner_country",
    "cases_status",
    "cases_created_at",
    "case_offences_offence",
    "case_participants_agency",
];

fn run_backend(label: &str, url: &str, n: usize, out: &mut String) -> anyhow::Result<()> {
    let pool = db::build_pool(url, 2)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let backend = conn.backend();
    let seeding = Instant::now();
    let agencies = seed(&mut conn, n)?;
    eprintln!(
        "{label}: seeded {n} cases in {:.1}s",
        seeding.elapsed().as_secs_f64()
    );

    let some_case: String = caseledger::db::schema::cases::table
        .filter(caseledger::db::schema::cases::owner_agency_id.eq(&agencies.big))
        .select(caseledger::db::schema::cases::id)
        .first(&mut conn)?;
    let pk = time(|| {
        caseledger::db::schema::cases::table
            .find(&some_case)
            .select(CaseRow::as_select())
            .first::<CaseRow>(&mut conn)
            .unwrap()
    });

    // A reference that exists, on a case of the national force.
    let known_ref: String = caseledger::db::schema::case_external_refs::table
        .select(caseledger::db::schema::case_external_refs::external_id)
        .order(caseledger::db::schema::case_external_refs::case_id)
        .first(&mut conn)?;
    type Query = (&'static str, CaseFilter, Option<SystemRef>, bool);
    let queries = || -> Vec<Query> {
        vec![
            ("first page", filter(), None, false),
            (
                "status = charged",
                CaseFilter {
                    status: Some(CaseStatus::Charged),
                    ..filter()
                },
                None,
                false,
            ),
            (
                "offence = ransomware",
                CaseFilter {
                    offence: Some(Offence::Ransomware),
                    ..filter()
                },
                None,
                false,
            ),
            (
                "text \"wharf\"",
                CaseFilter {
                    q: Some("wharf".into()),
                    ..filter()
                },
                None,
                false,
            ),
            (
                "owner country + priority",
                CaseFilter {
                    owner_country: Some("BB".into()),
                    priority: Some(caseledger::cases::model::Priority::High),
                    ..filter()
                },
                None,
                false,
            ),
            ("page 20 (cursor)", filter(), None, true),
            (
                "external ref lookup",
                filter(),
                Some(SystemRef {
                    system: "jm-cms".to_owned(),
                    external_id: known_ref.clone(),
                }),
                false,
            ),
        ]
    };

    let mut rows_out = Vec::new();
    for with_indexes in [true, false] {
        if !with_indexes {
            for index in SECONDARY_INDEXES {
                conn.batch_execute(&format!("DROP INDEX {index}"))?;
            }
            conn.batch_execute("ANALYZE")?;
        }
        for (kind, agency) in [
            ("national force", &agencies.big),
            ("small agency", &agencies.tiny),
        ] {
            let visible: i64 = caseledger::db::schema::case_participants::table
                .filter(caseledger::db::schema::case_participants::agency_id.eq(agency))
                .count()
                .get_result(&mut conn)?;
            let who: &'static str =
                Box::leak(format!("{kind} ({visible} visible)").into_boxed_str());
            for (name, f, external, deep) in queries() {
                let after = if deep {
                    let rows: Vec<(CaseRow, String)> =
                        case_list_query(backend, agency, &f, None, None, 949).load(&mut conn)?;
                    rows.last().map(|r| r.0.id.clone())
                } else {
                    None
                };
                let returned: Vec<(CaseRow, String)> =
                    case_list_query(backend, agency, &f, external.clone(), after.clone(), 50)
                        .load(&mut conn)?;
                let plan = db::explain(
                    &mut conn,
                    case_list_query(backend, agency, &f, external.clone(), after.clone(), 50),
                )?;
                let (scans, summary) = check_plan(backend, &plan);
                let t = time(|| {
                    case_list_query(backend, agency, &f, external.clone(), after.clone(), 50)
                        .load::<(CaseRow, String)>(&mut conn)
                        .unwrap()
                });
                if with_indexes {
                    rows_out.push((who, name, returned.len(), t, scans, summary));
                } else if let Some(row) = rows_out.iter_mut().find(|r| r.0 == who && r.1 == name) {
                    assert_eq!(row.2, returned.len(), "dropping indexes changed the result");
                    row.5 = format!("{}|{}|{}", fmt(t.median), row.5, scans.is_empty());
                }
            }
        }
    }
    out.push_str(&format!(
        "\n### {label}: {n} cases\n\nBaseline, same run: primary-key lookup of one case, median {} (p95 {}).\n\n\
         | visible to | query | rows | median | p95 | median without secondary indexes | full table scans (with indexes) |\n\
         |---|---|---|---|---|---|---|\n",
        fmt(pk.median),
        fmt(pk.p95)
    ));
    let mut plans = String::new();
    let mut failures = Vec::new();
    for (who, name, rows, t, scans, summary) in &rows_out {
        let (without, plan) = summary
            .split_once('|')
            .map(|(a, b)| (a, b.rsplit_once('|').map(|x| x.0).unwrap_or(b)))
            .unwrap_or(("-", summary));
        out.push_str(&format!(
            "| {who} | {name} | {rows} | {} | {} | {without} | {} |\n",
            fmt(t.median),
            fmt(t.p95),
            if scans.is_empty() {
                "none".to_owned()
            } else {
                scans.join(", ")
            }
        ));
        plans.push_str(&format!("- {who}, {name}: `{plan}`\n"));
        if !scans.is_empty() {
            failures.push(format!(
                "{label}: {who}, {name}: full scan of {}",
                scans.join(", ")
            ));
        }
    }
    out.push_str(&format!("\nPlans ({label}, with indexes):\n\n{plans}"));
    if !failures.is_empty() {
        anyhow::bail!("queries without indexes:\n{}", failures.join("\n"));
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::var("BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut out = String::new();
    let dir = tempfile::tempdir()?;
    run_backend(
        "SQLite",
        &format!("sqlite://{}", dir.path().join("bench.db").display()),
        n,
        &mut out,
    )?;

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
        n,
        &mut out,
    );
    pg.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
    println!("{out}");
    result
}

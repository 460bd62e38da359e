//! The region's figures, kept as counters the ledger changes in the same commit as
//! the event they count: a case opened adds one to the cases opened in its state and
//! quarter, a request decided moves one request from "pending" to its outcome and adds
//! its turnaround to a histogram. Reading a figure reads these counters, never the
//! history; and since they commit with the events, a figure never counts an event
//! that did not happen, nor misses one that did.
//!
//! A tally names what it counts (`measure`), the state it concerns (`country`), the
//! other state of a pair (`counterpart`, empty when none), the quarter, up to three
//! dimensions (offence, legal basis, outcome…; empty when unused) and a bucket (the
//! turnaround in tenths of a day; 0 for plain counts). The features decide what their
//! events count; the ledger only adds the deltas up.
//!
//! A histogram's tallies (those given a bucket) are also appended, a line each, to a
//! row per state, counterpart, quarter and first dimension (`figure_histograms`): a
//! year's distribution is then a few thousand rows to read rather than a counter per
//! bucket, and the counters stay the reference a rebuild compares.

use crate::db::{DbConn, MultiBackend};
use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use std::collections::HashMap;

/// A counter's three free columns. What fills them is each family of measures' own
/// (a case's offence; a request's type, basis and outcome; a turnaround's stage and
/// basis): the features name them, and convert their named dimensions to and from
/// these; empty when unused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dimensions {
    pub first: String,
    pub second: String,
    pub third: String,
}

impl Dimensions {
    pub fn of(first: &str, second: &str, third: &str) -> Dimensions {
        Dimensions {
            first: first.to_owned(),
            second: second.to_owned(),
            third: third.to_owned(),
        }
    }
}

/// A change to one counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub measure: &'static str,
    pub country: String,
    pub counterpart: String,
    pub quarter: String,
    pub dims: Dimensions,
    pub bucket: i32,
    pub delta: i64,
    /// A bucket of a histogram (set by [`Tally::bucket`]): the tally is also appended
    /// to its histogram row, which a read of the whole distribution takes instead of
    /// a counter per bucket.
    pub histogram: bool,
}

/// What names a counter: every column of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct CounterKey<'a> {
    measure: &'a str,
    country: &'a str,
    counterpart: &'a str,
    quarter: &'a str,
    dims: &'a Dimensions,
    bucket: i32,
}

impl Tally {
    /// One more of `measure` in `country`, in the quarter of `at`.
    pub fn one(measure: &'static str, country: &str, at: NaiveDateTime) -> Tally {
        Tally {
            measure,
            country: country.to_owned(),
            counterpart: String::new(),
            quarter: quarter_of(at),
            dims: Default::default(),
            bucket: 0,
            delta: 1,
            histogram: false,
        }
    }

    /// The other state of a pair (the requested state of a request).
    pub fn between(mut self, counterpart: &str) -> Tally {
        self.counterpart = counterpart.to_owned();
        self
    }

    /// The dimensions, named by the measure's family.
    pub fn by(mut self, dims: impl Into<Dimensions>) -> Tally {
        self.dims = dims.into();
        self
    }

    /// The tally's bucket in its measure's histogram.
    pub fn bucket(mut self, bucket: i32) -> Tally {
        self.bucket = bucket;
        self.histogram = true;
        self
    }

    /// The same counter, the other way: one fewer.
    pub fn undone(mut self) -> Tally {
        self.delta = -self.delta;
        self
    }

    fn key(&self) -> CounterKey<'_> {
        CounterKey {
            measure: self.measure,
            country: &self.country,
            counterpart: &self.counterpart,
            quarter: &self.quarter,
            dims: &self.dims,
            bucket: self.bucket,
        }
    }
}

/// `2026-Q4`.
pub fn quarter_of(at: NaiveDateTime) -> String {
    format!("{}-Q{}", at.year(), at.month0() / 3 + 1)
}

/// The deltas of each counter added up, in the order the counters first come (so
/// that batches lock rows in a stable order); counters left unchanged dropped.
fn merged(tallies: &[Tally]) -> Vec<Tally> {
    let mut index: HashMap<_, usize> = HashMap::new();
    let mut merged: Vec<Tally> = Vec::with_capacity(tallies.len());
    for t in tallies {
        match index.get(&t.key()) {
            Some(&i) => merged[i].delta += t.delta,
            None => {
                index.insert(t.key(), merged.len());
                merged.push(t.clone());
            }
        }
    }
    merged.retain(|t| t.delta != 0);
    merged
}

/// How many rows one upsert carries. SQLite runs in the process: a cached one-row
/// statement per row is the quickest there. PostgreSQL is a round trip away: one
/// statement per 500.
fn rows_per_statement(conn: &DbConn) -> usize {
    match conn.backend() {
        crate::db::Backend::Sqlite => 1,
        crate::db::Backend::Postgres => 500,
    }
}

/// `($1, $2), ($3, $4)` for `rows` rows of `columns` values.
fn placeholders(rows: usize, columns: usize) -> Vec<String> {
    (0..rows)
        .map(|i| {
            let p: Vec<String> = (1..=columns)
                .map(|k| format!("${}", columns * i + k))
                .collect();
            format!("({})", p.join(", "))
        })
        .collect()
}

/// Adds `tallies` to their counters. Call inside the transaction of the events they
/// count (the ledger does, under the audit chain's lock).
pub fn write(conn: &mut DbConn, tallies: &[Tally]) -> QueryResult<()> {
    let merged = merged(tallies);
    for chunk in merged.chunks(rows_per_statement(conn)) {
        let values = placeholders(chunk.len(), 9);
        let sql = format!(
            "INSERT INTO figures \
             (measure, country, counterpart, quarter, dim1, dim2, dim3, bucket, count) \
             VALUES {} \
             ON CONFLICT (measure, country, counterpart, quarter, dim1, dim2, dim3, bucket) \
             DO UPDATE SET count = figures.count + excluded.count",
            values.join(", ")
        );
        let mut query = diesel::sql_query(sql).into_boxed::<MultiBackend>();
        for t in chunk {
            query = query
                .bind::<Text, _>(t.measure)
                .bind::<Text, _>(&t.country)
                .bind::<Text, _>(&t.counterpart)
                .bind::<Text, _>(&t.quarter)
                .bind::<Text, _>(&t.dims.first)
                .bind::<Text, _>(&t.dims.second)
                .bind::<Text, _>(&t.dims.third)
                .bind::<Integer, _>(t.bucket)
                .bind::<BigInt, _>(t.delta);
        }
        query.execute(conn)?;
    }
    append_histograms(conn, &merged)
}

/// What names a histogram row: a counter's key without its last two dimensions and
/// its bucket, which its entries carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct HistogramKey<'a> {
    measure: &'a str,
    country: &'a str,
    counterpart: &'a str,
    quarter: &'a str,
    first: &'a str,
}

/// One line of a histogram row: a tally of one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistogramEntry<'a> {
    pub second: &'a str,
    pub third: &'a str,
    pub bucket: i32,
    pub delta: i64,
}

/// The entries of a histogram row, in the order they were appended (a bucket may
/// come more than once: add them up).
pub fn histogram_entries(entries: &str) -> impl Iterator<Item = HistogramEntry<'_>> {
    entries.lines().filter_map(|line| {
        let mut fields = line.split('\t');
        let entry = HistogramEntry {
            second: fields.next()?,
            third: fields.next()?,
            bucket: fields.next()?.parse().ok()?,
            delta: fields.next()?.parse().ok()?,
        };
        debug_assert!(fields.next().is_none(), "a histogram entry of five fields");
        Some(entry)
    })
}

/// Appends the histogram tallies among `merged` to their rows, one line each.
fn append_histograms(conn: &mut DbConn, merged: &[Tally]) -> QueryResult<()> {
    let mut index: HashMap<HistogramKey<'_>, usize> = HashMap::new();
    let mut rows: Vec<(HistogramKey<'_>, String)> = Vec::new();
    for t in merged.iter().filter(|t| t.histogram) {
        let (second, third) = (&t.dims.second, &t.dims.third);
        if [second, third].iter().any(|d| d.contains(['\t', '\n'])) {
            return Err(diesel::result::Error::SerializationError(
                "a histogram's dimension holds a tab or a line break".into(),
            ));
        }
        let key = HistogramKey {
            measure: t.measure,
            country: &t.country,
            counterpart: &t.counterpart,
            quarter: &t.quarter,
            first: &t.dims.first,
        };
        let i = *index.entry(key).or_insert_with(|| {
            rows.push((key, String::new()));
            rows.len() - 1
        });
        let line = format!("{second}\t{third}\t{}\t{}\n", t.bucket, t.delta);
        rows[i].1.push_str(&line);
    }
    for chunk in rows.chunks(rows_per_statement(conn)) {
        let values = placeholders(chunk.len(), 6);
        let sql = format!(
            "INSERT INTO figure_histograms (measure, country, counterpart, quarter, dim1, entries) \
             VALUES {} \
             ON CONFLICT (measure, country, counterpart, quarter, dim1) \
             DO UPDATE SET entries = figure_histograms.entries || excluded.entries",
            values.join(", ")
        );
        let mut query = diesel::sql_query(sql).into_boxed::<MultiBackend>();
        for (key, entries) in chunk {
            query = query
                .bind::<Text, _>(key.measure)
                .bind::<Text, _>(key.country)
                .bind::<Text, _>(key.counterpart)
                .bind::<Text, _>(key.quarter)
                .bind::<Text, _>(key.first)
                .bind::<Text, _>(entries);
        }
        query.execute(conn)?;
    }
    Ok(())
}

/// A counter as stored, named by its whole key.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Counter {
    #[diesel(sql_type = Text)]
    pub measure: String,
    #[diesel(sql_type = Text)]
    pub country: String,
    #[diesel(sql_type = Text)]
    pub counterpart: String,
    #[diesel(sql_type = Text)]
    pub quarter: String,
    #[diesel(sql_type = Text)]
    pub dim1: String,
    #[diesel(sql_type = Text)]
    pub dim2: String,
    #[diesel(sql_type = Text)]
    pub dim3: String,
    #[diesel(sql_type = Integer)]
    pub bucket: i32,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

impl Counter {
    pub fn dims(&self) -> Dimensions {
        Dimensions::of(&self.dim1, &self.dim2, &self.dim3)
    }
}

/// Every counter other than zero, in the order of their keys.
pub fn counters(conn: &mut DbConn) -> QueryResult<Vec<Counter>> {
    diesel::sql_query(
        "SELECT measure, country, counterpart, quarter, dim1, dim2, dim3, bucket, count \
         FROM figures WHERE count <> 0 \
         ORDER BY measure, country, counterpart, quarter, dim1, dim2, dim3, bucket",
    )
    .load(conn)
}

/// What replacing the counters found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaced {
    /// Counters other than zero after the replacement.
    pub counters: usize,
    /// Counters whose value the replacement changed (added, altered or removed).
    pub changed: usize,
}

/// Replaces every counter (and histogram row) by the sum of `tallies`: what
/// rebuilding the figures from the history writes. Call under the audit chain's lock, in the transaction that
/// read the history, so that no event commits between the reading and the writing.
pub fn replace(conn: &mut DbConn, tallies: &[Tally]) -> QueryResult<Replaced> {
    let stored: Vec<(Counter, Dimensions)> = counters(conn)?
        .into_iter()
        .map(|c| {
            let dims = c.dims();
            (c, dims)
        })
        .collect();
    let mut before: HashMap<CounterKey<'_>, i64> = stored
        .iter()
        .map(|(c, dims)| {
            let key = CounterKey {
                measure: &c.measure,
                country: &c.country,
                counterpart: &c.counterpart,
                quarter: &c.quarter,
                dims,
                bucket: c.bucket,
            };
            (key, c.count)
        })
        .collect();
    let merged = merged(tallies);
    let mut changed = 0;
    for t in &merged {
        if before.remove(&t.key()) != Some(t.delta) {
            changed += 1;
        }
    }
    changed += before.len();
    diesel::sql_query("DELETE FROM figures").execute(conn)?;
    diesel::sql_query("DELETE FROM figure_histograms").execute(conn)?;
    write(conn, &merged)?;
    Ok(Replaced {
        counters: merged.len(),
        changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_are_named_by_year_and_number() {
        let at = |m, d| {
            chrono::NaiveDate::from_ymd_opt(2026, m, d)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap()
        };
        assert_eq!(quarter_of(at(1, 1)), "2026-Q1");
        assert_eq!(quarter_of(at(3, 31)), "2026-Q1");
        assert_eq!(quarter_of(at(4, 1)), "2026-Q2");
        assert_eq!(quarter_of(at(12, 31)), "2026-Q4");
    }

    #[test]
    fn histogram_entries_read_back_as_written() {
        let text = "harare\t\t42\t1\nbudapest-27\t\t0\t-2\nharare\t\t42\t3\n";
        let entries: Vec<_> = histogram_entries(text).collect();
        assert_eq!(
            entries,
            [
                HistogramEntry {
                    second: "harare",
                    third: "",
                    bucket: 42,
                    delta: 1
                },
                HistogramEntry {
                    second: "budapest-27",
                    third: "",
                    bucket: 0,
                    delta: -2
                },
                HistogramEntry {
                    second: "harare",
                    third: "",
                    bucket: 42,
                    delta: 3
                },
            ]
        );
    }
}

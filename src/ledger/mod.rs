//! The ledger: the one place where audited work is committed.
//!
//! Everything the service must be able to prove later is written here with its audit
//! entry, in one transaction: the audit chain (`chain`), the signed Merkle log that
//! custody entries (and later request histories) are leaves of (`log`, `merkle`,
//! `note`), and the replies stored under `Idempotency-Key`s (`idempotency`). The
//! ledger knows no feature: features plug in as job [`Kind`]s, registered at start.
//!
//! # The engine
//! One writer thread per instance takes jobs from a queue and commits them in
//! batches: one transaction, one lock, one durable commit and (when the batch adds
//! leaves) one signed checkpoint per batch, so throughput grows with concurrency
//! instead of being bound by commits, and every acknowledged leaf is already in a
//! published checkpoint. A helper thread loads what a batch's checks need on its own
//! connection while the writer begins the transaction; on PostgreSQL a third thread
//! commits a batch and sends its replies while the writer begins the next one, whose
//! locks are granted the moment the previous batch commits. Nothing is acknowledged
//! before its COMMIT returns: a read whose audit entry is lost is never answered.
//!
//! # Failures
//! A kind's jobs of one batch are applied together. When a kind fails (a database
//! error, a panic, a job it left unanswered) in a batch that holds other kinds' jobs,
//! the batch goes back to a savepoint taken before that kind (its rows, audit entries
//! and leaves undone), its jobs are answered 500, it forgets its cache, and the other
//! kinds' jobs commit: a failing custody append never costs a read its answer. A
//! failure of the batch as a whole (its locks, the heads, the commit) fails all its
//! jobs, and every kind forgets. A job refused by its kind's checks wrote nothing but
//! the audit entry of the refusal, and commits with the batch.
//!
//! # Lock order
//! The ledger's lock, then the audit chain's lock, then rows. Instances sharing
//! PostgreSQL serialise their batches on the ledger's advisory lock; work that
//! commits on its own ([`transaction`]) takes only the audit chain's lock, first, so
//! no two audited transactions can deadlock. On SQLite `BEGIN IMMEDIATE` is the one
//! write lock.
//!
//! # What is batched
//! Measured (docs/BENCHMARKS.md, "Audited reads and writes through the ledger"): an
//! audit entry on its own costs one durable commit under the chain's lock, so audited
//! work that commits alone runs one commit at a time. Moving reads and case creation
//! here took `GET /cases/{id}` from 957 to 6,973/s on SQLite and from 757 to 2,708/s
//! on PostgreSQL, and `POST /cases` from 668 to 3,276/s and from 511 to 1,801/s, at
//! 16 connections. Batched through the engine: custody registrations and appends, case
//! creations (their gapless per-country numbers assigned in the batch), and the audit
//! entries of reads and of refused attempts ([`Ledger::record`]). Left on single
//! transactions ([`transaction`], [`audited`]): logins and password changes (bounded by
//! argon2 long before the commit), and administrative changes to users, agencies,
//! countries and case sharing, which are rare.

mod action;
pub mod anchor;
mod chain;
pub mod cosignature;
mod engine;
pub mod idempotency;
pub mod log;
pub mod merkle;
pub mod note;
pub mod outbox;
pub mod policy;
pub mod tally;
pub mod witnessed;
mod write;

pub use action::Action;
pub use chain::{
    Actor, AuditEntry, AuditRecord, AuditTx, Event, FORMAT_VERSION, Outcome, Subject, audited,
    canonical, format_at, is_refusal, record, sha256_hex, transaction,
};
pub use engine::{Batch, Kind, Ledger, LedgerBuilder, Loader, Recorded};
pub use idempotency::Claim;
pub use outbox::Emit;
pub use tally::Tally;

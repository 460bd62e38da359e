//! Evidence items and their custody: the rules of the chain of custody, who may do
//! what, the custody jobs the ledger commits, and offline verification of bundles
//! (format: the custody log spec).

pub mod access;
pub mod content;
pub mod entry;
pub mod figures;
pub mod hashes;
pub mod jobs;
pub mod model;
mod pg_write;
pub mod queries;
pub mod record;
pub mod registration;
pub mod report;
pub mod routes;
pub mod verify;

#[cfg(test)]
mod vectors;

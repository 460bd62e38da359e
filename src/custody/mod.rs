//! Evidence items and the verifiable custody ledger (format: the custody log spec).

mod batch_sql;
pub mod entry;
pub mod log;
pub mod merkle;
pub mod model;
pub mod note;
pub mod routes;
pub mod verify;
pub mod writer;

#[cfg(test)]
mod vectors;

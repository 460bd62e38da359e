//! The audit trail as auditors read it: queries over the chain and its verification.
//! Entries are written by the ledger (`crate::ledger`), never here.

pub mod anchoring;
pub mod heads;
pub mod queries;
pub mod routes;
pub mod verify;

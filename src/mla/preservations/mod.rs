//! Expedited preservation requests between states (Budapest Convention arts. 29 and
//! 30), sent and received by the 24/7 points of contact: their content, who sees
//! them, their history in the signed log, and expiry recorded as it happens.

pub mod access;
pub mod jobs;
pub mod model;
pub mod queries;
pub mod routes;
pub mod scope;
pub mod sweeper;

pub use routes::routes;

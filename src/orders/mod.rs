//! Orders to service providers (Second Additional Protocol, arts. 6-9, and domestic
//! production orders): drafted by a case team, approved by a prosecutor (with a
//! judge's authorisation where the basis asks for one), sent to a provider in the
//! directory with notice to its state where the basis or that state requires it,
//! and answered by the provider's liaisons. Every event is an entry of the signed
//! log, as a request's is (custody log spec §5).

pub mod access;
pub mod alerts;
pub mod deadlines;
pub mod figures;
pub mod jobs;
pub mod model;
pub mod production;
pub mod queries;
pub mod review;
pub mod routes;
pub mod scope;

pub use routes::routes;

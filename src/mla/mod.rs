//! Mutual legal assistance and preservation between states: the legal bases requests
//! rest on, with the fields each requires and the deadlines it sets; MLA requests,
//! from draft to closing, with who may see them and record what; preservation
//! requests (`preservations`); the deadlines both run under; and what executing a
//! request produced, registered into the requesting case.

pub mod access;
pub mod alerts;
pub mod basis;
pub mod bundle;
pub mod deadlines;
pub mod delivery;
pub mod desk;
pub mod document_routes;
pub mod documents;
pub mod events;
pub mod figures;
pub mod jobs;
pub mod preservations;
pub mod queries;
pub mod request;
pub mod review;
pub mod routes;
pub mod scope;

pub use routes::routes;

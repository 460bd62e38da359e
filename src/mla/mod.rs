//! Mutual legal assistance and preservation between states. So far: the legal bases
//! requests rest on, with the fields each requires and the deadlines it sets; and
//! the drafting of requests, with who may see and edit them.

pub mod access;
pub mod basis;
pub mod deadlines;
pub mod events;
pub mod jobs;
pub mod queries;
pub mod request;
pub mod routes;
pub mod scope;

pub use routes::routes;

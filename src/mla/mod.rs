//! Mutual legal assistance and preservation between states. So far: the legal bases
//! requests rest on, with the fields each requires and the deadlines it sets.

pub mod basis;
pub mod queries;
pub mod routes;

pub use routes::routes;

//! Regional monitoring and evaluation: each state's status review against the
//! regional minimum standards, kept as versions so that what was known at any moment
//! has an answer.

pub mod access;
pub mod queries;
pub mod review;
pub mod routes;

pub use routes::routes;

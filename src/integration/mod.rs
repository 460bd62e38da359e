//! National case systems: service accounts that authenticate with OAuth 2.0 client
//! credentials (a client secret, or a signed client assertion, RFC 7523) and act
//! with the same need-to-know as their agency's people; and the pull feed of the
//! outbox's events.

pub mod access;
pub mod assertion;
pub mod delivery;
pub mod egress;
pub mod feed;
pub mod jwks;
pub mod oauth;
pub mod queries;
pub mod routes;
pub mod service_account;
pub mod webhook;
pub mod webhook_routes;

pub use routes::routes;

//! Integration tests over the HTTP API. They run on SQLite by default and on
//! PostgreSQL when TEST_DATABASE_URL is set.

mod admin;
mod audit;
mod auth;
mod browser;
mod cases;
mod cli;
mod common;
mod contract;
mod crash;
mod custody;
mod desks;
mod factors;
mod integration;
mod languages;
mod ledger;
mod mla;
mod monitoring;
mod orders;
mod pages;
mod passkeys;
mod providers;
mod sso;
mod step_up;
mod tokens;
mod walkthrough;
mod webhooks;
mod witness;

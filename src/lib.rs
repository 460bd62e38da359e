//! caseledger: cross-border cybercrime cases, mutual legal assistance and verifiable
//! evidence custody for the CARICOM member states.

pub mod agencies;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod countries;
pub mod custody;
pub mod db;
pub mod enums;
pub mod error;
pub mod health;
pub mod identity;
pub mod input;
pub mod integration;
pub mod jcs;
pub mod keys;
pub mod ledger;
pub mod mla;
pub mod monitoring;
pub mod observability;
pub mod openapi;
pub mod pagination;
pub mod pdf;
pub mod proofs;
pub mod reply;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod store;
pub mod time;
pub mod uploads;
pub mod users;
pub mod web;

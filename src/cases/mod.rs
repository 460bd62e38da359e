//! Cross-border cases. A case belongs to its lead agency; other agencies see it only
//! as participants. Everything a caller may not see answers 404, like nothing at all.

pub mod access;
pub mod desk;
pub mod figures;
pub mod jobs;
pub mod model;
pub mod queries;
pub mod review;
pub mod routes;

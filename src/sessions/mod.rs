//! Signing in and out: login, token refresh, logout, password change, the caller's
//! own account (`/me`), its second factors and the public keys that verify access
//! tokens. The rules behind them (lockout, rotation, the password policy, second
//! factors) live in [`crate::auth`].

pub mod factors;
pub mod routes;

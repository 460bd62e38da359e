//! Signing in and out: login, token refresh, logout, password change, the caller's
//! own account (`/me`) and the public keys that verify access tokens. The rules
//! behind them (lockout, rotation, the password policy) live in [`crate::auth`].

pub mod routes;

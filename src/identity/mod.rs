//! Sign-in with national identity providers (OpenID Connect): agencies that run
//! Entra ID, Keycloak or a government identity service sign their people in with it.
//! Regional administrators register a provider (its issuer, this service's client
//! there, the agencies it may sign people into, and a mapping from its claims to
//! agency and roles); a person's account is linked to the provider's `(iss, sub)`,
//! made at their first sign-in, and its roles follow the provider's claims. The
//! provider's second factor counts when its ID token's `amr` or `acr` says one was
//! given; otherwise the service asks for its own.

pub mod oidc;
pub mod provider;
pub mod queries;
pub mod routes;
pub mod sign_in;

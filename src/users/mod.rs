//! User accounts, managed by the administrators of their country and by regional
//! administrators. A user outside the caller's reach answers 404, like one that
//! does not exist.

pub mod model;
pub mod queries;
pub mod routes;

use crate::auth::password::{self, Hasher};
use crate::auth::roles::{Role, encode_roles};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, FieldError};
use model::{NewUser, User, UserStatus, normalize_username};

pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    pub agency_id: String,
    pub roles: Vec<Role>,
    pub password: String,
    pub must_change_password: bool,
}

/// Checks every field, collecting every problem at once; `agency_name` is the name of
/// the user's agency, a word the password must not be built on.
pub fn validate_new(input: &CreateUser, agency_name: &str) -> Result<String, ApiError> {
    let mut errors = Vec::new();
    let username = normalize_username(&input.username)
        .map_err(|m| errors.push(FieldError::new("username", m)))
        .ok();
    let display_len = input.display_name.trim().chars().count();
    if display_len == 0 || display_len > 200 {
        errors.push(FieldError::new(
            "display_name",
            "must be 1 to 200 characters",
        ));
    }
    if input.roles.is_empty() {
        errors.push(FieldError::new("roles", "must name at least one role"));
    }
    let context = password::Context {
        username: username.as_deref().unwrap_or_default(),
        display_name: input.display_name.trim(),
        agency_name,
    };
    errors.extend(password::check_policy(
        "password",
        &input.password,
        &context,
    ));
    match username {
        Some(name) if errors.is_empty() => Ok(name),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// The country prefix every username carries: `jm.` for the agencies of Jamaica.
pub fn namespace(country: &str) -> String {
    format!("{}.", country.to_lowercase())
}

/// A username starts with its agency's country (`jm.jdoe`). Administrators create
/// users only in their own country, so the only account a "username taken" answer can
/// point at is one the administrator already manages: a clash never reveals a user
/// of another country.
fn check_namespace(username: &str, country: &str) -> ApiResult<()> {
    let prefix = namespace(country);
    match username.strip_prefix(&prefix) {
        Some(rest) if !rest.is_empty() => Ok(()),
        _ => Err(ApiError::validation(
            "username",
            format!(
                "must start with {prefix} (the country of the user's agency), such as {prefix}jdoe"
            ),
        )),
    }
}

/// A new account whose fields are valid and whose password is hashed: the slow part
/// of creating a user, done before any transaction.
pub struct PreparedUser {
    username: String,
    input: CreateUser,
    password_hash: String,
}

/// Checks every field of a new account and hashes its password.
pub fn prepare(conn: &mut DbConn, hasher: &Hasher, input: CreateUser) -> ApiResult<PreparedUser> {
    let agency = crate::agencies::find(conn, &input.agency_id)?;
    let Some(agency) = agency else {
        let mut errors = match validate_new(&input, "") {
            Err(ApiError::Validation(errors)) => errors,
            _ => Vec::new(),
        };
        errors.push(FieldError::new("agency_id", "is not a known agency"));
        return Err(ApiError::Validation(errors));
    };
    let username = validate_new(&input, &agency.name)?;
    check_namespace(&username, &agency.country_code)?;
    let password_hash = hasher.hash(&input.password)?;
    Ok(PreparedUser {
        username,
        input,
        password_hash,
    })
}

/// Stores a prepared account; the caller has already decided that it may.
pub fn insert(conn: &mut DbConn, user: PreparedUser) -> ApiResult<User> {
    let PreparedUser {
        username,
        input,
        password_hash: hash,
    } = user;
    let now = crate::db::now();
    let id = uuid::Uuid::now_v7().to_string();
    let roles = encode_roles(&input.roles);
    let user = NewUser {
        id: &id,
        username: &username,
        display_name: input.display_name.trim(),
        agency_id: &input.agency_id,
        roles: &roles,
        status: UserStatus::Active.as_str(),
        password_hash: &hash,
        must_change_password: input.must_change_password,
        failed_logins: 0,
        created_at: now,
        updated_at: now,
    };
    queries::insert(conn, &user).map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            ApiError::Conflict(format!("the username {username} is taken"))
        } else {
            e.into()
        }
    })?;
    crate::auth::queries::remember_password(conn, &id, &hash, now)?;
    let found = queries::find(conn, &id)?.ok_or(ApiError::NotFound)?;
    Ok(User::new(found, now))
}

/// Creates a user outside the API (the command line, the first start): the caller
/// has already decided that it may.
pub fn create(conn: &mut DbConn, hasher: &Hasher, input: CreateUser) -> ApiResult<User> {
    let prepared = prepare(conn, hasher, input)?;
    insert(conn, prepared)
}

pub fn count(conn: &mut DbConn) -> ApiResult<i64> {
    Ok(queries::count(conn)?)
}

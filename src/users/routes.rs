use super::CreateUser;
use super::model::{User, UserInCountry, UserStatus};
use super::queries::{self, UserFilter};
use crate::auth::queries::revoke_user_sessions;
use crate::auth::roles::{Role, encode_roles};
use crate::auth::{Credentials, Principal};
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::input::{Id, Json, Query};
use crate::ledger::{Action, Event, Subject};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(unlock_user)
        .service(reset_factors);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    #[schema(pattern = "^[A-Za-z0-9._@-]{3,64}$")]
    pub username: String,
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    #[schema(format = Uuid)]
    pub agency_id: String,
    #[schema(min_items = 1)]
    pub roles: Vec<Role>,
    /// An initial password; the user must change it at first login. It follows the
    /// password policy (see `POST /api/v1/auth/password`).
    #[schema(format = Password)]
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    #[schema(min_items = 1)]
    pub roles: Option<Vec<Role>>,
    pub status: Option<UserStatus>,
    /// The person's language for pages, reports and messages.
    pub language: Option<crate::catalogue::Language>,
}

/// Whether the caller administers accounts in `country`.
fn manages(caller: &Principal, country: &str) -> bool {
    caller.has(Role::RegionalAdmin) || (caller.has(Role::Admin) && caller.country == country)
}

/// A user the caller may see (themself, or one they administer), or 404.
fn visible_user(
    conn: &mut crate::db::DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<UserInCountry> {
    let found = queries::find(conn, id)?.ok_or(ApiError::NotFound)?;
    event.subject = Some(Subject::new("user", &found.user.id, Some(&found.country)));
    if found.user.id != caller.user_id && !manages(caller, &found.country) {
        return Err(ApiError::NotFound);
    }
    Ok(found)
}

/// Country administrators can neither grant nor touch regional administration.
fn check_role_grant(caller: &Principal, roles: &[Role]) -> ApiResult<()> {
    if roles.contains(&Role::RegionalAdmin) && !caller.has(Role::RegionalAdmin) {
        return Err(ApiError::forbidden(
            "only a regional administrator grants regional_admin",
        ));
    }
    Ok(())
}

/// List the users the caller administers.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UserFilter, PageParams),
    responses(
        (status = 200, description = "A page of users", body = Page<User>),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
async fn list_users(
    state: web::Data<AppState>,
    caller: Credentials,
    filter: Query<UserFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<User>>> {
    let filter = filter.into_inner();
    let (limit, after) = (paging.limit(), paging.after());
    let rows = state
        .read_as(caller, Action::UserList, move |conn, caller, _| {
            caller.require_any(&[Role::Admin, Role::RegionalAdmin])?;
            // A country administrator's list is their own country's: a filter on
            // another country is applied too, and finds nobody.
            let scope = (!caller.has(Role::RegionalAdmin)).then_some(caller.country.as_str());
            Ok(queries::list(conn, scope, &filter, after, limit)?)
        })
        .await?;
    let now = crate::db::now();
    Ok(web::Json(paging.page(
        rows,
        |u| u.user.id.clone(),
        |u| User::new(u, now),
    )))
}

/// Create a user in an agency of the caller's country (any country for regional
/// administrators). The user must change the initial password at first login.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = NewUserRequest,
    responses(
        (status = 201, description = "The user was created", body = User),
        (status = 401, description = "Not authenticated, or creating an account asks for a second factor given in the last `CASELEDGER_STEP_UP_SECS` (`step-up-required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\"`): give one at `POST /api/v1/auth/step-up`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator of the agency's country", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Username taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
async fn create_user(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    body: Json<NewUserRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let input = CreateUser {
        username: body.username,
        display_name: body.display_name,
        agency_id: body.agency_id,
        roles: body.roles,
        password: body.password,
        must_change_password: true,
    };
    let hasher = state.hasher.clone();
    let step_up = state.step_up();
    let event = Event::by(Action::UserCreate, &caller, &meta);
    let roles: Vec<Role> = input.roles.clone();
    let agency_id = input.agency_id.clone();
    // Validated and hashed before the audited transaction, so that no lock is held
    // while argon2 runs; the outcome is reported after the caller's authority.
    let user = state
        .hashing(move |conn| {
            let prepared = super::prepare(conn, &hasher, input);
            crate::ledger::audited(conn, event, |conn, event| {
                caller.require_any(&[Role::Admin, Role::RegionalAdmin])?;
                check_role_grant(&caller, &roles)?;

                // An unknown agency is one more invalid field, among the others.
                if let Some(agency) = crate::agencies::find(conn, &agency_id)? {
                    event.subject = Some(Subject::new(
                        "agency",
                        &agency.id,
                        Some(&agency.country_code),
                    ));
                    if !manages(&caller, &agency.country_code) {
                        return Err(ApiError::forbidden(
                            "administrators manage the users of their own country",
                        ));
                    }
                    crate::agencies::roles_fit(&agency.kind, &roles)
                        .map_err(|why| ApiError::validation("roles", why))?;
                }
                let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                event.set_detail("roles", names);
                let prepared = prepared?;
                step_up.require(&caller)?;
                let user = super::insert(conn, prepared)?;
                event.subject = Some(Subject::new("user", &user.id, Some(&user.country)));
                event.set_detail("username", user.username.clone());
                Ok(user)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(user))
}

/// One user: the caller themself, or a user the caller administers.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "User id")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 404, description = "No such user, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
async fn get_user(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<User>> {
    let id = id.into_inner().into_string();
    let user = state
        .read_as(caller, Action::UserRead, move |conn, caller, event| {
            let found = visible_user(conn, caller, &id, event)?;
            Ok(User::new(found, crate::db::now()))
        })
        .await?;
    Ok(web::Json(user))
}

/// Change a user's display name, roles or status. Takes effect on the user's next
/// request; disabling also ends their sessions.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "User id")),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The user as changed", body = User),
        (status = 401, description = "Not authenticated, or changing roles asks for a second factor given in the last `CASELEDGER_STEP_UP_SECS` (`step-up-required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\"`): give one at `POST /api/v1/auth/step-up`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to make this change", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
async fn update_user(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<UserPatch>,
) -> ApiResult<web::Json<User>> {
    let id = id.into_inner().into_string();
    let patch = body.into_inner();
    let mut errors = Vec::new();
    let display_name = patch.display_name.map(|d| d.trim().to_owned());
    if display_name
        .as_ref()
        .is_some_and(|d| d.is_empty() || d.chars().count() > 200)
    {
        errors.push(FieldError::new(
            "display_name",
            "must be 1 to 200 characters",
        ));
    }
    if patch.roles.as_ref().is_some_and(|r| r.is_empty()) {
        errors.push(FieldError::new("roles", "must name at least one role"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let step_up = state.step_up();
    let event = Event::by(Action::UserUpdate, &caller, &meta);
    let updated = state
        .audited(event, move |conn, event| {
            let UserInCountry { user: row, country } = visible_user(conn, &caller, &id, event)?;
            let is_self = row.id == caller.user_id;
            event.set_detail(
                "changed",
                serde_json::json!({
                    "display_name": display_name,
                    "roles": patch.roles.as_ref().map(|r| encode_roles(r)),
                    "status": patch.status.map(UserStatus::as_str),
                    "language": patch.language.map(crate::catalogue::Language::as_str),
                }),
            );
            if !manages(&caller, &country) {
                return Err(ApiError::forbidden("only administrators change accounts"));
            }
            if is_self && (patch.roles.is_some() || patch.status.is_some()) {
                return Err(ApiError::forbidden(
                    "administrators cannot change their own roles or status",
                ));
            }
            check_role_grant(&caller, &row.roles())?;
            if let Some(roles) = &patch.roles {
                check_role_grant(&caller, roles)?;
                let kind = crate::agencies::find(conn, &row.agency_id)?
                    .map(|a| a.kind)
                    .unwrap_or_default();
                crate::agencies::roles_fit(&kind, roles)
                    .map_err(|why| ApiError::validation("roles", why))?;
                step_up.require(&caller)?;
                if row.is_service()
                    && roles
                        .iter()
                        .any(|r| crate::auth::account::SERVICE_REFUSED_ROLES.contains(r))
                {
                    return Err(ApiError::validation(
                        "roles",
                        "a service account may not hold admin or regional_admin",
                    ));
                }
            }
            let now = crate::db::now();
            let change = queries::AccountChange {
                display_name: display_name.as_deref().unwrap_or(&row.display_name),
                roles: &patch
                    .roles
                    .as_deref()
                    .map(encode_roles)
                    .unwrap_or_else(|| row.roles.clone()),
                status: patch.status.map(UserStatus::as_str).unwrap_or(&row.status),
                language: patch
                    .language
                    .map(crate::catalogue::Language::as_str)
                    .or(row.language.as_deref()),
                updated_at: now,
            };
            queries::change_account(conn, &row.id, &change)?;
            if patch.status == Some(UserStatus::Disabled) {
                revoke_user_sessions(conn, &row.id, None)?;
            }
            let found = queries::find(conn, &row.id)?.ok_or(ApiError::NotFound)?;
            Ok(User::new(found, now))
        })
        .await?;
    Ok(web::Json(updated))
}

/// Lift a lockout caused by failed logins.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "User id")),
    responses(
        (status = 204, description = "Unlocked"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/unlock")]
async fn unlock_user(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let event = Event::by(Action::UserUnlock, &caller, &meta);
    state
        .audited(event, move |conn, event| {
            let found = visible_user(conn, &caller, &id, event)?;
            if !manages(&caller, &found.country) {
                return Err(ApiError::forbidden("only administrators unlock accounts"));
            }
            queries::unlock(conn, &found.user.id, crate::db::now())?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Reset a person's second factors, when they lost them: every factor and recovery
/// code goes and their sessions end; at their next sign-in they enrol again where
/// the policy asks for a factor. Administrators of the person's country and regional
/// administrators, with a second factor given in the last `CASELEDGER_STEP_UP_SECS`;
/// one's own factors are changed at `/me/factors`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "User id")),
    responses(
        (status = 204, description = "The person's factors were reset"),
        (status = 401, description = "No second factor given lately (`step-up-required`): give one at `POST /api/v1/auth/step-up`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator of the person's country, or one's own account", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A service account: it holds no second factor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}/factors")]
async fn reset_factors(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let step_up = state.step_up();
    let event = Event::by(Action::UserFactorsReset, &caller, &meta);
    state
        .audited(event, move |conn, event| {
            let found = visible_user(conn, &caller, &id, event)?;
            if !manages(&caller, &found.country) || found.user.id == caller.user_id {
                return Err(ApiError::forbidden(
                    "administrators reset the factors of others in their country; your own are at /me/factors",
                ));
            }
            if found.user.is_service() {
                return Err(ApiError::Conflict(
                    "a service account holds no second factor".into(),
                ));
            }
            step_up.require(&caller)?;
            let held = crate::auth::second_factor::reset(conn, &found.user.id)?;
            event.set_detail("kinds", held);
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

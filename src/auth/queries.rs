//! The SQL of identity: the live principal behind a session, accounts as login reads
//! them, sessions, refresh tokens and the password history.

use super::account::UserRow;
use super::roles::decode_roles;
use super::{Principal, Principals, SessionKey};
use crate::catalogue::Language;
use crate::db::DbConn;
use crate::db::schema::{
    agencies, factors, login_challenges, passkey_challenges, password_history, recovery_codes,
    refresh_tokens, sessions, users,
};
use crate::error::ApiResult;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A principal as read: a live session, its user and the user's agency.
#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct PrincipalRow {
    #[diesel(column_name = id)]
    user_id: String,
    username: String,
    display_name: String,
    agency_id: String,
    #[diesel(select_expression = agencies::kind)]
    #[diesel(select_expression_type = agencies::kind)]
    agency_kind: String,
    #[diesel(select_expression = agencies::country_code)]
    #[diesel(select_expression_type = agencies::country_code)]
    country: String,
    roles: String,
    must_change_password: bool,
    #[diesel(select_expression = sessions::id)]
    #[diesel(select_expression_type = sessions::id)]
    session_id: String,
    kind: String,
    #[diesel(select_expression = sessions::must_enrol)]
    #[diesel(select_expression_type = sessions::must_enrol)]
    must_enrol: bool,
    #[diesel(select_expression = sessions::factor_at)]
    #[diesel(select_expression_type = sessions::factor_at)]
    factor_at: Option<NaiveDateTime>,
    language: Option<String>,
}

impl From<PrincipalRow> for Principal {
    fn from(row: PrincipalRow) -> Principal {
        Principal {
            user_id: row.user_id,
            username: row.username,
            display_name: row.display_name,
            agency_id: row.agency_id,
            agency_kind: row.agency_kind,
            country: row.country,
            roles: decode_roles(&row.roles),
            session_id: row.session_id,
            must_change_password: row.must_change_password,
            must_enrol: row.must_enrol,
            factor_at: row.factor_at,
            machine: row.kind == super::account::SERVICE_KIND,
            language: row.language.as_deref().and_then(Language::parse),
        }
    }
}

/// The live principals of these sessions: a session that is revoked or expired, or
/// whose user is disabled, yields nothing.
pub fn load_principals(conn: &mut DbConn, of: &[SessionKey]) -> ApiResult<Principals> {
    if of.is_empty() {
        return Ok(Principals::new());
    }
    let now = crate::db::now();
    let ids: Vec<&str> = of.iter().map(|s| s.session_id.as_str()).collect();
    let rows: Vec<PrincipalRow> = sessions::table
        .inner_join(users::table.inner_join(agencies::table))
        .filter(sessions::id.eq_any(ids))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::status.eq("active"))
        .select(PrincipalRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(Principal::from)
        .map(|p| {
            let key = SessionKey {
                user_id: p.user_id.clone(),
                session_id: p.session_id.clone(),
            };
            (key, p)
        })
        .collect())
}

/// The principal an active account acts as outside any session: a service account's
/// view, for what is delivered on its behalf.
pub fn account_principal(conn: &mut DbConn, user_id: &str) -> ApiResult<Option<Principal>> {
    let row: Option<(super::account::UserRow, String, String)> = users::table
        .inner_join(agencies::table)
        .filter(users::id.eq(user_id))
        .filter(users::status.eq("active"))
        .select((
            super::account::UserRow::as_select(),
            agencies::kind,
            agencies::country_code,
        ))
        .get_result(conn)
        .optional()?;
    Ok(row.map(|(user, agency_kind, country)| Principal {
        roles: user.roles(),
        machine: user.is_service(),
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        agency_id: user.agency_id,
        agency_kind,
        country,
        session_id: String::new(),
        must_change_password: false,
        must_enrol: false,
        factor_at: None,
        language: None,
    }))
}

/// The live principal of one session (a query of static shape, prepared once per
/// connection).
pub fn load_principal(
    conn: &mut DbConn,
    user_id: &str,
    session_id: &str,
) -> ApiResult<Option<Principal>> {
    let now = crate::db::now();
    let row: Option<PrincipalRow> = sessions::table
        .inner_join(users::table.inner_join(agencies::table))
        .filter(sessions::id.eq(session_id))
        .filter(users::id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::status.eq("active"))
        .select(PrincipalRow::as_select())
        .get_result(conn)
        .optional()?;
    Ok(row.map(Principal::from))
}

/// The account a (normalized) username names.
pub fn account_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn account(conn: &mut DbConn, user_id: &str) -> QueryResult<UserRow> {
    users::table
        .find(user_id)
        .select(UserRow::as_select())
        .get_result(conn)
}

/// An account with its agency's name (the password policy refuses passwords that
/// contain it).
#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct AccountWithAgency {
    #[diesel(embed)]
    pub user: UserRow,
    #[diesel(select_expression = agencies::name)]
    #[diesel(select_expression_type = agencies::name)]
    pub agency_name: String,
}

pub fn account_with_agency(conn: &mut DbConn, user_id: &str) -> QueryResult<AccountWithAgency> {
    users::table
        .inner_join(agencies::table)
        .filter(users::id.eq(user_id))
        .select(AccountWithAgency::as_select())
        .get_result(conn)
}

pub fn agency_country(conn: &mut DbConn, agency_id: &str) -> QueryResult<String> {
    agencies::table
        .find(agency_id)
        .select(agencies::country_code)
        .get_result(conn)
}

/// Counts one more failed password; returns the count.
pub fn count_failed_login(conn: &mut DbConn, user_id: &str) -> QueryResult<i32> {
    diesel::update(users::table.find(user_id))
        .set(users::failed_logins.eq(users::failed_logins + 1))
        .returning(users::failed_logins)
        .get_result(conn)
}

/// Locks an account until `until`, starting the count of failures afresh.
pub fn lock_account(conn: &mut DbConn, user_id: &str, until: NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::locked_until.eq(Some(until)),
            users::failed_logins.eq(0),
        ))
        .execute(conn)
        .map(drop)
}

/// A successful login forgets earlier failures and any lock.
pub fn clear_failed_logins(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(drop)
}

#[derive(Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    /// The authentication methods that opened it (RFC 8176), comma-separated.
    pub amr: &'a str,
    /// When a second factor was given, if one was.
    pub factor_at: Option<NaiveDateTime>,
    /// The person must hold a second factor and holds none: the session may only
    /// enrol one.
    pub must_enrol: bool,
}

pub fn insert_session(conn: &mut DbConn, session: &NewSession) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)
        .map(drop)
}

pub fn revoke_session(conn: &mut DbConn, session_id: &str) -> QueryResult<()> {
    diesel::update(sessions::table.find(session_id))
        .filter(sessions::revoked_at.is_null())
        .set(sessions::revoked_at.eq(Some(crate::db::now())))
        .execute(conn)
        .map(drop)
}

/// Ends every live session of a user, but `except`.
pub fn revoke_user_sessions(
    conn: &mut DbConn,
    user_id: &str,
    except: Option<&str>,
) -> QueryResult<()> {
    let mut query = diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = except {
        query = query.filter(sessions::id.ne(keep));
    }
    query
        .set(sessions::revoked_at.eq(Some(crate::db::now())))
        .execute(conn)
        .map(drop)
}

/// Counts one more wrong current password given in a session; returns the count.
pub fn count_wrong_password_check(conn: &mut DbConn, session_id: &str) -> QueryResult<i32> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::failed_password_checks.eq(sessions::failed_password_checks + 1))
        .returning(sessions::failed_password_checks)
        .get_result(conn)
}

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    /// SHA-256 of the token: the token itself is never stored.
    pub token_hash: &'a str,
    pub session_id: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert_refresh_token(conn: &mut DbConn, token: &NewRefreshToken) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)
        .map(drop)
}

/// A refresh token with its session and user.
#[derive(Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshLookup {
    pub session_id: String,
    pub used_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
    #[diesel(select_expression = sessions::user_id)]
    pub user_id: String,
    #[diesel(select_expression = sessions::revoked_at)]
    pub revoked_at: Option<NaiveDateTime>,
    #[diesel(select_expression = sessions::expires_at)]
    pub session_expires: NaiveDateTime,
    #[diesel(select_expression = users::status)]
    pub status: String,
    #[diesel(select_expression = users::must_change_password)]
    pub must_change: bool,
    #[diesel(select_expression = sessions::amr)]
    pub amr: String,
    #[diesel(select_expression = sessions::created_at)]
    pub auth_time: NaiveDateTime,
    #[diesel(select_expression = sessions::must_enrol)]
    pub must_enrol: bool,
    #[diesel(select_expression = users::language)]
    pub language: Option<String>,
}

pub fn find_refresh_token(
    conn: &mut DbConn,
    token_hash: &str,
) -> QueryResult<Option<RefreshLookup>> {
    refresh_tokens::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshLookup::as_select())
        .get_result(conn)
        .optional()
}

/// Spends a refresh token if it is unspent: one row when this call spent it, none
/// when another use got there first.
pub fn spend_refresh_token(
    conn: &mut DbConn,
    token_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(refresh_tokens::table.find(token_hash))
        .filter(refresh_tokens::used_at.is_null())
        .set(refresh_tokens::used_at.eq(Some(at)))
        .execute(conn)
}

/// Sets a user's password (no longer one to change).
pub fn set_password(
    conn: &mut DbConn,
    user_id: &str,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(false),
            users::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// How many earlier passwords a change may not go back to (the current one included).
pub const REMEMBERED_PASSWORDS: i64 = 5;

/// The hashes of a user's last passwords, newest first.
pub fn earlier_password_hashes(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<String>> {
    password_history::table
        .filter(password_history::user_id.eq(user_id))
        .order(password_history::set_at.desc())
        .limit(REMEMBERED_PASSWORDS)
        .select(password_history::password_hash)
        .load(conn)
}

/// Records a password just set, and forgets all but the last few.
pub fn remember_password(
    conn: &mut DbConn,
    user_id: &str,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(password_history::table)
        .values((
            password_history::user_id.eq(user_id),
            password_history::set_at.eq(at),
            password_history::password_hash.eq(hash),
        ))
        .execute(conn)?;
    let kept: Vec<NaiveDateTime> = password_history::table
        .filter(password_history::user_id.eq(user_id))
        .order(password_history::set_at.desc())
        .limit(REMEMBERED_PASSWORDS)
        .select(password_history::set_at)
        .load(conn)?;
    if let Some(oldest) = kept
        .last()
        .filter(|_| kept.len() as i64 == REMEMBERED_PASSWORDS)
    {
        diesel::delete(
            password_history::table
                .filter(password_history::user_id.eq(user_id))
                .filter(password_history::set_at.lt(oldest)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// A second factor as stored (its secret sealed).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = factors)]
pub struct FactorRow {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub label: String,
    pub secret: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub last_step: Option<i64>,
    pub last_used_at: Option<NaiveDateTime>,
    /// A passkey's credential id (base64url), once confirmed.
    pub credential_id: Option<String>,
}

pub fn insert_factor(conn: &mut DbConn, factor: &FactorRow) -> QueryResult<()> {
    diesel::insert_into(factors::table)
        .values(factor)
        .execute(conn)
        .map(drop)
}

/// A person's factors, oldest first.
pub fn factors_of(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<FactorRow>> {
    factors::table
        .filter(factors::user_id.eq(user_id))
        .select(FactorRow::as_select())
        .order((factors::created_at, factors::id))
        .load(conn)
}

/// One of a person's factors (another's is none).
pub fn factor_of(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<Option<FactorRow>> {
    factors::table
        .filter(factors::user_id.eq(user_id))
        .filter(factors::id.eq(id))
        .select(FactorRow::as_select())
        .get_result(conn)
        .optional()
}

/// Accepts the code of `step` for a factor if no code of this step or a later one was
/// accepted before (one row); none when it was. Atomic: of two uses of one code, one
/// wins.
pub fn use_step(conn: &mut DbConn, id: &str, step: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(factors::table.find(id))
        .filter(factors::last_step.is_null().or(factors::last_step.lt(step)))
        .set((
            factors::last_step.eq(Some(step)),
            factors::last_used_at.eq(Some(at)),
        ))
        .execute(conn)
}

/// Whether a passkey credential is some factor's already (anyone's).
pub fn credential_taken(conn: &mut DbConn, credential_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        factors::table.filter(factors::credential_id.eq(credential_id)),
    ))
    .get_result(conn)
}

/// Confirms a passkey factor: its sealed secret becomes the credential.
pub fn confirm_passkey(
    conn: &mut DbConn,
    id: &str,
    credential_id: &str,
    sealed: &[u8],
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(factors::table.find(id))
        .filter(factors::confirmed_at.is_null())
        .set((
            factors::confirmed_at.eq(Some(at)),
            factors::credential_id.eq(Some(credential_id)),
            factors::secret.eq(sealed),
        ))
        .execute(conn)
}

/// A passkey used: its credential as updated (the signature counter) and when.
pub fn passkey_used(
    conn: &mut DbConn,
    id: &str,
    sealed: &[u8],
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(factors::table.find(id))
        .set((
            factors::secret.eq(sealed),
            factors::last_used_at.eq(Some(at)),
        ))
        .execute(conn)
        .map(drop)
}

/// A passkey ceremony under way (its state sealed).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = passkey_challenges)]
pub struct PasskeyChallengeRow {
    pub bound_to: String,
    pub user_id: String,
    pub state: Vec<u8>,
    pub expires_at: NaiveDateTime,
}

/// Puts a ceremony in place of any earlier one bound to the same sign-in or session.
pub fn replace_passkey_challenge(conn: &mut DbConn, row: &PasskeyChallengeRow) -> QueryResult<()> {
    diesel::delete(passkey_challenges::table.find(&row.bound_to)).execute(conn)?;
    diesel::insert_into(passkey_challenges::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn passkey_challenge(
    conn: &mut DbConn,
    bound_to: &str,
) -> QueryResult<Option<PasskeyChallengeRow>> {
    passkey_challenges::table
        .find(bound_to)
        .select(PasskeyChallengeRow::as_select())
        .get_result(conn)
        .optional()
}

/// Spends a ceremony if it is still there and unexpired: one row when this call spent
/// it (of two answers to one challenge, one wins).
pub fn spend_passkey_challenge(
    conn: &mut DbConn,
    bound_to: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        passkey_challenges::table
            .filter(passkey_challenges::bound_to.eq(bound_to))
            .filter(passkey_challenges::expires_at.gt(at)),
    )
    .execute(conn)
}

/// Every ceremony of a person's, gone (their factors were reset).
pub fn drop_passkey_challenges_of(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    diesel::delete(passkey_challenges::table.filter(passkey_challenges::user_id.eq(user_id)))
        .execute(conn)
}

pub fn confirm_factor(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(factors::table.find(id))
        .set(factors::confirmed_at.eq(Some(at)))
        .execute(conn)
        .map(drop)
}

pub fn delete_factor(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<usize> {
    diesel::delete(
        factors::table
            .filter(factors::user_id.eq(user_id))
            .filter(factors::id.eq(id)),
    )
    .execute(conn)
}

/// Deletes every factor a person holds (an administrator's reset); how many went.
pub fn delete_factors(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    diesel::delete(factors::table.filter(factors::user_id.eq(user_id))).execute(conn)
}

/// Spends every unspent challenge of a person: a sign-in half done when their factors
/// were reset does not finish.
pub fn spend_challenges_of(conn: &mut DbConn, user_id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(login_challenges::table)
        .filter(login_challenges::user_id.eq(user_id))
        .filter(login_challenges::used_at.is_null())
        .set(login_challenges::used_at.eq(Some(at)))
        .execute(conn)
        .map(drop)
}

/// A recovery code as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = recovery_codes)]
pub struct RecoveryCodeRow {
    pub user_id: String,
    pub lookup: String,
    pub code_hash: String,
    pub created_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// Replaces a person's recovery codes by `codes` (none: removes them).
pub fn replace_recovery_codes(
    conn: &mut DbConn,
    user_id: &str,
    codes: &[RecoveryCodeRow],
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    for code in codes {
        diesel::insert_into(recovery_codes::table)
            .values(code)
            .execute(conn)?;
    }
    Ok(())
}

/// A person's unused recovery code with this lookup prefix.
pub fn unused_recovery_code(
    conn: &mut DbConn,
    user_id: &str,
    lookup: &str,
) -> QueryResult<Option<RecoveryCodeRow>> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::lookup.eq(lookup))
        .filter(recovery_codes::used_at.is_null())
        .select(RecoveryCodeRow::as_select())
        .get_result(conn)
        .optional()
}

/// Spends a recovery code if unspent: one row when this call spent it.
pub fn spend_recovery_code(
    conn: &mut DbConn,
    user_id: &str,
    lookup: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::lookup.eq(lookup))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(Some(at)))
    .execute(conn)
}

/// How many of a person's recovery codes are unused.
pub fn recovery_codes_left(conn: &mut DbConn, user_id: &str) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

/// A password accepted and a second factor owed.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = login_challenges)]
pub struct ChallengeRow {
    pub token_hash: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert_challenge(conn: &mut DbConn, challenge: &ChallengeRow) -> QueryResult<()> {
    diesel::insert_into(login_challenges::table)
        .values(challenge)
        .execute(conn)
        .map(drop)
}

pub fn challenge(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<ChallengeRow>> {
    login_challenges::table
        .find(token_hash)
        .select(ChallengeRow::as_select())
        .get_result(conn)
        .optional()
}

/// Spends a challenge if unspent and unexpired: one row when this call spent it.
pub fn spend_challenge(
    conn: &mut DbConn,
    token_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(login_challenges::table.find(token_hash))
        .filter(login_challenges::used_at.is_null())
        .filter(login_challenges::expires_at.gt(at))
        .set(login_challenges::used_at.eq(Some(at)))
        .execute(conn)
}

/// A second factor given in a session: its methods gain the factor's, and it may do
/// more than enrol.
pub fn factor_given(
    conn: &mut DbConn,
    session_id: &str,
    amr: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(sessions::table.find(session_id))
        .set((
            sessions::factor_at.eq(Some(at)),
            sessions::amr.eq(amr),
            sessions::must_enrol.eq(false),
        ))
        .execute(conn)
        .map(drop)
}

/// A session's authentication methods.
pub fn session_amr(conn: &mut DbConn, session_id: &str) -> QueryResult<String> {
    sessions::table
        .find(session_id)
        .select(sessions::amr)
        .get_result(conn)
}

/// A session whose person removed their last factor: it no longer counts one as given.
pub fn factor_forgotten(conn: &mut DbConn, session_id: &str) -> QueryResult<()> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::factor_at.eq(None::<NaiveDateTime>))
        .execute(conn)
        .map(drop)
}

/// Sets (or, with `None`, unsets) the language a person chose.
pub fn set_language(
    conn: &mut DbConn,
    id: &str,
    language: Option<&str>,
    now: chrono::NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::language.eq(language), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

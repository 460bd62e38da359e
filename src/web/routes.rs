//! The review pages' handlers: sign-in, sign-out and the desk. Each page reads
//! through the same access policy and audit as the API, as the signed-in person.

use super::csrf;
use super::session::{self, Sight, SignedIn};
use crate::auth::service::AuthContext;
use crate::catalogue::{ENGLISH_PAGES, PageWords, in_words};
use crate::custody::record;
use crate::custody::report::{EntryView, entry_views};
use crate::custody::verify::Verdict;
use crate::error::{ApiError, ApiResult};
use crate::ledger::{Action, Event};
use crate::observability::RequestMeta;
use crate::pdf::Field;
use crate::state::AppState;
use crate::time::Clock;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const CSS: &str = include_str!("assets/app.css");
/// The pages' icon: a shield over ledger lines, drawn here (no image is fetched).
const FAVICON: &str = include_str!("assets/favicon.svg");

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(desk))
        .route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/password", web::get().to(password_page))
        .route("/password", web::post().to(change_password))
        .route("/evidence/{id}", web::get().to(evidence))
        .route("/evidence/{id}/report.pdf", web::get().to(evidence_report))
        .route("/evidence/{id}/bundle.json", web::get().to(evidence_bundle))
        .route("/evidence/{id}/content", web::get().to(evidence_content))
        .route("/cases/{id}", web::get().to(case))
        .route("/requests/{id}", web::get().to(request))
        .route("/requests/{id}/approve", web::post().to(approve))
        .route("/requests/{id}/documents", web::post().to(add_document))
        .route(
            "/requests/{id}/documents/{document}",
            web::get().to(request_document),
        )
        .route("/assets/app.css", web::get().to(stylesheet))
        .route("/assets/favicon.svg", web::get().to(favicon))
        .default_service(web::to(not_found));
}

/// Who the header names.
pub struct Me {
    pub name: String,
    pub agency: String,
    pub country: String,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "login.html", config = "src/web/askama.toml")]
struct LoginPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    csrf: String,
    failed: bool,
    username: String,
}

#[derive(Template)]
#[template(path = "password.html", config = "src/web/askama.toml")]
struct PasswordPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    csrf: String,
    problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "desk.html", config = "src/web/askama.toml")]
struct DeskPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    /// Whether to lead to the monitoring page.
    monitoring: bool,
    referred: Vec<CaseLine>,
    awaiting: Vec<RequestLine>,
    deadlines: Vec<DeadlineLine>,
}

/// A request as the desk lists it.
pub struct RequestLine {
    pub id: String,
    pub reference: String,
    pub to: String,
    pub basis: String,
    pub missing: usize,
}

/// A deadline as the desk lists it.
pub struct DeadlineLine {
    pub id: String,
    pub reference: String,
    /// Only MLA requests have a page yet.
    pub link: bool,
    pub kind: String,
    pub due: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "message.html", config = "src/web/askama.toml")]
struct MessagePage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    heading: &'a str,
    text: &'a str,
}

#[derive(Template)]
#[template(path = "evidence.html", config = "src/web/askama.toml")]
struct EvidencePage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    id: String,
    label: String,
    verdict: &'a str,
    verdict_class: &'a str,
    summary: String,
    facts: Vec<Field>,
    entries: Vec<EntryView>,
    downloadable: bool,
}

#[derive(Template)]
#[template(path = "request.html", config = "src/web/askama.toml")]
struct RequestPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    id: String,
    reference: String,
    notice: Option<&'a str>,
    problems: Vec<String>,
    facts: Vec<(&'a str, String)>,
    content: Vec<(String, String)>,
    show_completeness: bool,
    missing: Vec<String>,
    may_approve: bool,
    csrf: String,
    history: Vec<HistoryLine>,
    /// What the problems listed are the refusal of.
    refusal: &'a str,
    documents: Vec<DocumentLine>,
    /// The kinds of document the reader may add (no form when none).
    addable: Vec<KindChoice>,
}

/// A step of a request's history: what, by whom, when.
struct HistoryLine {
    event: String,
    by: String,
    at: String,
}

/// A document of a request, as its page lists it.
struct DocumentLine {
    id: String,
    title: String,
    kind: String,
    language: String,
    size: String,
    sha256: String,
    added: String,
}

/// A kind of document the form offers.
struct KindChoice {
    code: &'static str,
    name: String,
}

#[derive(Template)]
#[template(path = "case.html", config = "src/web/askama.toml")]
struct CasePage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    reference: String,
    title: String,
    facts: Vec<(&'a str, String)>,
    items: Vec<ItemLine>,
    participants: Vec<(String, String, String)>,
    history: Vec<(String, String, String, String)>,
}

/// An evidence item as the case page lists it, with its verdict.
pub struct ItemLine {
    pub id: String,
    pub label: String,
    pub description: String,
    pub verdict: &'static str,
    pub alert: bool,
}

/// A case as a list shows it.
pub struct CaseLine {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub status: String,
}

pub(super) fn html(status: StatusCode, page: impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "a page did not render");
            HttpResponse::InternalServerError()
                .content_type("text/html; charset=utf-8")
                .body("<!doctype html><title>Error</title><p>The page could not be shown.")
        }
    }
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, to.to_owned()))
        .finish()
}

fn message(status: StatusCode, me: Option<Me>, heading: &str, text: &str) -> HttpResponse {
    html(
        status,
        MessagePage {
            w: &ENGLISH_PAGES,
            me,
            heading,
            text,
        },
    )
}

/// The answer to a form that did not come from this service's own page (with the
/// header of the signed-in person, when the form was refused after their session).
pub(crate) fn refused(me: Option<Me>) -> HttpResponse {
    message(
        StatusCode::FORBIDDEN,
        me,
        ENGLISH_PAGES.refused_title,
        ENGLISH_PAGES.refused_text,
    )
}

/// What the request's cookie comes to.
async fn sight(state: &AppState, req: &HttpRequest, meta: RequestMeta) -> ApiResult<Sight> {
    let secret = session::secret_of(req, &state.settings);
    let settings = state.settings.clone();
    state
        .db(move |conn| session::resolve(conn, &settings, secret, meta))
        .await
}

fn me(signed: &SignedIn, agency: String) -> Me {
    Me {
        name: signed.principal.display_name.clone(),
        agency,
        country: signed.principal.country.clone(),
        csrf: signed.csrf.clone(),
    }
}

/// The signed-in person, or the answer to give instead (to the sign-in page).
pub(super) async fn signed_in(
    state: &AppState,
    req: &HttpRequest,
    meta: RequestMeta,
) -> ApiResult<Result<(SignedIn, Me), HttpResponse>> {
    match sight(state, req, meta).await? {
        Sight::SignedIn(signed) => {
            let agency_id = signed.principal.agency_id.clone();
            let agency = state
                .db(move |conn| crate::agencies::find(conn, &agency_id))
                .await?
                .map(|a| a.name)
                .unwrap_or_default();
            let me = me(&signed, agency);
            Ok(Ok((*signed, me)))
        }
        Sight::PasswordChange(_) => Ok(Err(see_other("/app/password"))),
        Sight::Anonymous => Ok(Err(see_other("/app/login"))),
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(CSS)
}

async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(FAVICON)
}

pub(super) async fn not_found() -> HttpResponse {
    message(
        StatusCode::NOT_FOUND,
        None,
        ENGLISH_PAGES.not_found_title,
        ENGLISH_PAGES.not_found_text,
    )
}

fn login_form(
    state: &AppState,
    status: StatusCode,
    failed: bool,
    username: String,
) -> HttpResponse {
    let csrf = session::token();
    let mut res = html(
        status,
        LoginPage {
            w: &ENGLISH_PAGES,
            me: None,
            csrf: csrf.clone(),
            failed,
            username,
        },
    );
    let cookie = session::cookie(
        &state.settings,
        session::login_cookie_name(&state.settings),
        csrf,
    );
    let _ = res.add_cookie(&cookie);
    res
}

async fn login_page(state: web::Data<AppState>) -> HttpResponse {
    login_form(&state, StatusCode::OK, false, String::new())
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

/// Signs in with the same accounts, checks and lockout as the API's login, and opens
/// a page session in the authentication session it starts.
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    form: web::Form<LoginForm>,
) -> ApiResult<HttpResponse> {
    let form = form.into_inner();
    let expected = req
        .cookie(session::login_cookie_name(&state.settings))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !csrf::accepted(&req, &expected, &form.csrf) {
        return Ok(refused(None));
    }
    let st = state.clone().into_inner();
    let (username, password) = (form.username.clone(), form.password);
    let granted = state
        .hashing(move |conn| {
            let ctx = AuthContext {
                hasher: &st.hasher,
                tokens: &st.tokens,
                settings: &st.settings,
            };
            let granted = crate::auth::service::login(conn, &ctx, &meta, &username, &password);
            match granted {
                Ok(tokens) => {
                    let claims = st.tokens.verify(&tokens.access_token)?;
                    Ok(Some(session::open(conn, &claims.sid, &claims.sub)?))
                }
                Err(ApiError::InvalidCredentials) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await?;
    let Some(secret) = granted else {
        return Ok(login_form(
            &state,
            StatusCode::UNAUTHORIZED,
            true,
            form.username,
        ));
    };
    let mut res = see_other("/app/");
    let name = session::cookie_name(&state.settings);
    let _ = res.add_cookie(&session::cookie(&state.settings, name, secret));
    let _ = res.add_cookie(&session::removal(
        &state.settings,
        session::login_cookie_name(&state.settings),
    ));
    Ok(res)
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Signs out: the page session and its authentication session end (audited as the
/// API's logout).
async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    form: web::Form<CsrfForm>,
) -> ApiResult<HttpResponse> {
    let signed = match signed_in(&state, &req, meta.clone()).await? {
        Ok((signed, _)) => signed,
        Err(answer) => return Ok(answer),
    };
    if !csrf::accepted(&req, &signed.csrf, &form.csrf) {
        return Ok(refused(None));
    }
    let event = Event::by(Action::AuthLogout, &signed.principal, &meta)
        .detail("session_id", signed.principal.session_id.as_str())
        .detail("via", "pages");
    let secret_hash = signed.secret_hash().to_owned();
    let session_id = signed.principal.session_id.clone();
    state
        .audited(event, move |conn, _| {
            session::end(conn, &secret_hash, &session_id)
        })
        .await?;
    let mut res = see_other("/app/login");
    let _ = res.add_cookie(&session::removal(
        &state.settings,
        session::cookie_name(&state.settings),
    ));
    Ok(res)
}

/// My desk: what waits for the signed-in person.
async fn desk(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
) -> ApiResult<HttpResponse> {
    let (signed, me) = match signed_in(&state, &req, meta).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let clock = Clock::of_country(&me.country);
    let referred = state
        .read_as(
            signed.credentials.clone(),
            Action::CaseList,
            |conn, caller, event| {
                let cases = crate::cases::desk::referred_to(conn, caller)?;
                let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
                event.set_detail("case_ids", ids);
                event.set_detail("page", "desk");
                Ok(cases
                    .into_iter()
                    .map(|c| CaseLine {
                        id: c.id,
                        reference: c.reference,
                        title: c.title,
                        status: c.status,
                    })
                    .collect())
            },
        )
        .await?;
    let awaiting = state
        .read_as(
            signed.credentials.clone(),
            Action::MlaRequestList,
            |conn, caller, event| {
                let requests = crate::mla::review::awaiting_approval(conn, caller)?;
                let ids: Vec<&str> = requests.iter().map(|r| r.id.as_str()).collect();
                event.set_detail("request_ids", ids);
                event.set_detail("page", "desk");
                Ok(requests
                    .into_iter()
                    .map(|r| RequestLine {
                        missing: r.missing_fields.len(),
                        id: r.id,
                        reference: r.reference,
                        to: r.requested_country,
                        basis: r.legal_basis,
                    })
                    .collect())
            },
        )
        .await?;
    let deadlines = state
        .read_as(
            signed.credentials,
            Action::MlaDeadlineList,
            move |conn, caller, event| {
                let now = crate::db::now();
                let filter = crate::mla::deadlines::DeadlineFilter::default();
                let due = crate::mla::deadlines::due(
                    conn,
                    caller,
                    &filter,
                    now,
                    now + chrono::Duration::days(7),
                )
                .or_else(|e| {
                    if matches!(e, ApiError::Forbidden(_)) {
                        Ok(Vec::new())
                    } else {
                        Err(e)
                    }
                })?;
                let ids: Vec<&str> = due.iter().map(|(_, d)| d.request_id.as_str()).collect();
                event.set_detail("request_ids", ids);
                event.set_detail("page", "desk");
                Ok(due
                    .into_iter()
                    .map(|(_, d)| DeadlineLine {
                        link: d.request_type == crate::mla::basis::RequestType::Mla,
                        id: d.request_id,
                        reference: d.reference,
                        kind: in_words(ENGLISH_PAGES.deadline_kinds, d.deadline.as_str()),
                        due: clock.show_stored(d.due_at, false),
                        overdue: d.overdue,
                    })
                    .collect())
            },
        )
        .await?;
    Ok(html(
        StatusCode::OK,
        DeskPage {
            monitoring: signed.principal.has(crate::auth::roles::Role::Monitor)
                || signed
                    .principal
                    .has(crate::auth::roles::Role::RegionalAdmin),
            w: &ENGLISH_PAGES,
            me: Some(me),
            referred,
            awaiting,
            deadlines,
        },
    ))
}

/// An id from a page's path: anything that is not one is simply not found.
fn page_id(raw: &str) -> Option<String> {
    uuid::Uuid::parse_str(raw).ok().map(|u| u.to_string())
}

/// Whether an error means the page is not one the person may see: then they get the
/// not-found page, exactly as for a missing object.
fn hidden(e: &ApiError) -> bool {
    matches!(e, ApiError::NotFound | ApiError::Forbidden(_))
}

/// A page of one object: the signed-in person and the object's id, or the answer to
/// give instead (the sign-in page, or not found for an id that is none).
async fn visit(
    state: &AppState,
    req: &HttpRequest,
    meta: RequestMeta,
    path: &str,
) -> ApiResult<Result<(SignedIn, Me, String), HttpResponse>> {
    let (signed, me) = match signed_in(state, req, meta).await? {
        Ok(found) => found,
        Err(answer) => return Ok(Err(answer)),
    };
    match page_id(path) {
        Some(id) => Ok(Ok((signed, me, id))),
        None => Ok(Err(not_found().await)),
    }
}

/// What a read of an object comes to: the object, or the not-found page when the
/// person may not see it (as when it does not exist).
async fn found<T>(read: ApiResult<T>) -> ApiResult<Result<T, HttpResponse>> {
    match read {
        Ok(value) => Ok(Ok(value)),
        Err(e) if hidden(&e) => Ok(Err(not_found().await)),
        Err(e) => Err(e),
    }
}

/// An evidence item: the verdict in words first, then its custody timeline, with
/// alerts where they happen, and the downloads.
async fn evidence(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (signed, me, id) = match visit(&state, &req, meta, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let signer = state.log.clone();
    let read = state
        .read_as(
            signed.credentials,
            Action::CustodyRead,
            move |conn, caller, event| {
                event.set_detail("page", "evidence");
                record::timeline(conn, caller, &id, event, &signer)
            },
        )
        .await;
    let timeline = match found(read).await? {
        Ok(value) => value,
        Err(answer) => return Ok(answer),
    };
    let words = &crate::catalogue::ENGLISH;
    let (verdict, verdict_class) = match timeline.verification.verdict {
        Verdict::Verified => (words.verdict_verified, "verified"),
        Verdict::IntegrityAlert => (words.verdict_integrity_alert, "alert"),
        Verdict::NotVerified => (words.verdict_not_verified, "alert"),
    };
    let item = &timeline.item;
    let facts = vec![
        Field::new(words.case_reference, timeline.case_reference.clone()),
        Field::new(words.description, item.description.clone()),
        Field::new(words.kind, item.kind.as_str()),
        Field::mono(
            words.acquisition_hash,
            item.sha256
                .clone()
                .unwrap_or_else(|| words.not_recorded.to_owned()),
        ),
    ];
    let clock = Clock::of_country(&me.country);
    let mut facts = facts;
    if let Some(content) = &timeline.content {
        let stored = &content.stored;
        let mut what = format!(
            "SHA-256 {} · {} {} · {}",
            stored.sha256,
            stored.size_bytes,
            ENGLISH_PAGES.bytes,
            clock.show_stored(stored.stored_at, false)
        );
        if content.destroyed {
            what = format!("{what} · {}", ENGLISH_PAGES.content_destroyed);
        }
        facts.push(Field::mono(ENGLISH_PAGES.stored_content, what));
    }
    let entries = entry_views(
        words,
        &clock,
        &timeline.verification,
        &timeline.entries,
        &timeline.directory,
    );
    Ok(html(
        StatusCode::OK,
        EvidencePage {
            w: &ENGLISH_PAGES,
            me: Some(me),
            id: item.id.clone(),
            label: item.label.clone(),
            verdict,
            verdict_class,
            summary: timeline.verification.summary.clone(),
            facts,
            entries,
            downloadable: timeline.content.as_ref().is_some_and(|c| c.downloadable),
        },
    ))
}

/// An item's stored bytes, downloaded from its page: recorded in its custody as any
/// download is.
async fn evidence_content(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (signed, _, id) = match visit(&state, &req, meta, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let served = crate::custody::content::serve(&state, signed.credentials, id, None).await;
    match found(served).await? {
        Ok(response) => Ok(response),
        Err(answer) => Ok(answer),
    }
}

/// A download of a record, as the API gives it.
enum Download {
    Report,
    Bundle,
}

async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<String>,
    kind: Download,
) -> ApiResult<HttpResponse> {
    let (signed, _, id) = match visit(&state, &req, meta, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let signer = state.log.clone();
    let action = match kind {
        Download::Report => Action::CustodyReport,
        Download::Bundle => Action::CustodyExport,
    };
    let read = state
        .read_as(signed.credentials, action, move |conn, caller, event| {
            event.set_detail("page", "evidence");
            let timeline = record::timeline(conn, caller, &id, event, &signer)?;
            Ok(match kind {
                Download::Report => (
                    "application/pdf",
                    format!("custody-report-{}.pdf", timeline.item.id),
                    record::report_pdf(&timeline),
                ),
                Download::Bundle => (
                    "application/json",
                    format!("custody-bundle-{}.json", timeline.item.id),
                    timeline.bundle,
                ),
            })
        })
        .await;
    match read {
        Ok((content_type, name, body)) => Ok(HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{name}\""),
            ))
            .body(body)),
        Err(e) if hidden(&e) => Ok(not_found().await),
        Err(e) => Err(e),
    }
}

async fn evidence_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    download(state, req, meta, path, Download::Report).await
}

async fn evidence_bundle(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    download(state, req, meta, path, Download::Bundle).await
}

/// Members of a request that its facts table shows, or that are bookkeeping: the
/// rest is its content.
const NOT_CONTENT: &[&str] = &[
    "id",
    "reference",
    "their_reference",
    "status",
    "case_id",
    "requesting_agency_id",
    "requesting_country",
    "requested_country",
    "legal_basis",
    "executing_agency_id",
    "urgency",
    "wanted_by",
    "acknowledge_by",
    "decide_by",
    "execute_by",
    "missing_fields",
    "version",
    "created_by",
    "created_at",
    "updated_at",
];

/// A content member as people read it: lists joined by "; ", the members of an
/// object named ("Name: Det. Sgt. Brown, Email: ..."), empty ones left out.
fn shown(w: &PageWords, value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(true) => w.yes.to_owned(),
        serde_json::Value::Bool(false) => w.no.to_owned(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|v| shown(w, v))
            .collect::<Vec<_>>()
            .join("; "),
        serde_json::Value::Object(members) => {
            let mut members: Vec<_> = members.iter().filter(|(_, v)| !v.is_null()).collect();
            members.sort_by_key(|(k, _)| w.request_member_rank(k));
            members
                .into_iter()
                .map(|(k, v)| format!("{}: {}", w.request_member(k), shown(w, v)))
                .collect::<Vec<_>>()
                .join(", ")
        }
        other => other.to_string(),
    }
}

/// What a request page says after an approval, or a document, was tried.
#[derive(Default)]
struct Outcome {
    notice: Option<&'static str>,
    problems: Vec<String>,
    /// What was refused, when something was (an approval unless said).
    refusal: Option<&'static str>,
}

/// A request as its page reads it, or the not-found page.
async fn request_review(
    state: &AppState,
    signed: &SignedIn,
    id: &str,
) -> ApiResult<Result<crate::mla::review::RequestReview, HttpResponse>> {
    let id = id.to_owned();
    let read = state
        .read_as(
            signed.credentials.clone(),
            Action::MlaRequestRead,
            move |conn, caller, event| {
                event.set_detail("page", "request");
                crate::mla::review::read(conn, caller, &id, event)
            },
        )
        .await;
    found(read).await
}

async fn request_page(
    state: &AppState,
    signed: SignedIn,
    me: Me,
    id: String,
    outcome: Outcome,
) -> ApiResult<HttpResponse> {
    let mut review = match request_review(state, &signed, &id).await? {
        Ok(value) => value,
        Err(answer) => return Ok(answer),
    };
    // Opened on its page by the requested central authority, it is delivered, as
    // when it is opened through the API; the page then shows it so.
    if crate::mla::delivery::delivers(&signed.principal, &review.request)
        && crate::mla::delivery::record(state, signed.credentials.clone(), &review.request).await?
    {
        review = match request_review(state, &signed, &id).await? {
            Ok(value) => value,
            Err(answer) => return Ok(answer),
        };
    }
    let w = &ENGLISH_PAGES;
    let r = &review.request;
    let clock = Clock::of_country(&me.country);
    let when = |t: &Option<crate::time::UtcTimestamp>| {
        t.map_or_else(|| w.none_set.to_owned(), |t| clock.show_stored(t, false))
    };
    let names = &review.names;
    let mut facts = vec![
        (w.status, in_words(w.request_statuses, r.status.as_str())),
        (w.from_state, names.requesting_state.clone()),
        (w.to_state, names.requested_state.clone()),
        (w.legal_basis, names.legal_basis.clone()),
        (w.urgency, in_words(w.urgencies, r.urgency.as_str())),
        (
            w.wanted_by,
            r.wanted_by.clone().unwrap_or_else(|| w.none_set.to_owned()),
        ),
        (w.acknowledge_by, when(&r.acknowledge_by)),
        (w.decide_by, when(&r.decide_by)),
        (w.execute_by, when(&r.execute_by)),
    ];
    if let Some(theirs) = &r.their_reference {
        facts.insert(1, (w.their_reference, theirs.clone()));
    }
    let content = match serde_json::to_value(r) {
        Ok(serde_json::Value::Object(members)) => {
            let mut members: Vec<_> = members
                .iter()
                .filter(|(k, v)| !NOT_CONTENT.contains(&k.as_str()) && !v.is_null())
                .collect();
            members.sort_by_key(|(k, _)| w.request_member_rank(k));
            members
                .into_iter()
                .map(|(k, v)| (w.request_member(k), shown(w, v)))
                .collect()
        }
        _ => Vec::new(),
    };
    let home_prosecutor = signed.principal.country == r.requesting_country
        && signed.principal.has(crate::auth::roles::Role::Prosecutor);
    let history = review
        .history
        .iter()
        .map(|step| HistoryLine {
            event: in_words(w.request_events, &step.event.event_type),
            by: step.by.as_ref().map_or_else(
                || w.the_service.to_owned(),
                |by| format!("{}, {} ({})", by.person, by.agency, by.state),
            ),
            at: clock.show_stored(step.event.at, false),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        RequestPage {
            w,
            me: Some(me),
            id: r.id.clone(),
            reference: r.reference.clone(),
            notice: outcome.notice,
            problems: outcome.problems,
            facts,
            content,
            show_completeness: home_prosecutor,
            missing: r
                .missing_fields
                .iter()
                .map(|f| f.as_str().to_owned())
                .collect(),
            may_approve: review.may_approve,
            csrf: signed.csrf.clone(),
            history,
            refusal: outcome.refusal.unwrap_or(w.approval_refused),
            documents: review
                .documents
                .iter()
                .map(|d| DocumentLine {
                    id: d.id.clone(),
                    title: d.title.clone(),
                    kind: in_words(w.document_kinds, d.kind.as_str()),
                    language: d.language.clone().unwrap_or_default(),
                    size: format!("{} {}", d.size_bytes, w.bytes),
                    sha256: d.sha256.clone(),
                    added: clock.show_stored(d.added_at, false),
                })
                .collect(),
            addable: review
                .addable
                .iter()
                .map(|k| KindChoice {
                    code: k.as_str(),
                    name: in_words(w.document_kinds, k.as_str()),
                })
                .collect(),
        },
    ))
}

/// The CSRF token a multipart form carries as its first field, read before anything
/// else of the form (the file is never read for a form without it).
async fn multipart_token(form: &mut actix_multipart::Multipart) -> Option<String> {
    use futures_util::StreamExt;
    let mut field = form.next().await?.ok()?;
    if field.name() != Some("csrf") {
        return None;
    }
    let mut token = Vec::new();
    while let Some(chunk) = field.next().await {
        token.extend_from_slice(&chunk.ok()?);
        if token.len() > 256 {
            return None;
        }
    }
    String::from_utf8(token).ok()
}

/// Adds a document from the request page's form (`multipart/form-data`, no script):
/// the API's rules, then the page again saying how it went.
async fn add_document(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<String>,
    mut form: actix_multipart::Multipart,
) -> ApiResult<HttpResponse> {
    let (signed, me, id) = match visit(&state, &req, meta, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let token = multipart_token(&mut form).await.unwrap_or_default();
    if !csrf::accepted(&req, &signed.csrf, &token) {
        return Ok(refused(Some(me)));
    }
    let on = crate::mla::documents::RequestRef::Mla(id.clone());
    let tried = crate::mla::document_routes::add_from_form(
        &state,
        signed.credentials.clone(),
        on,
        &mut form,
    )
    .await;
    let refusal = Some(ENGLISH_PAGES.document_refused);
    let (status, outcome) = match tried {
        Ok(_) => {
            let mut res = see_other(&format!("/app/requests/{id}?document=added"));
            res.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                actix_web::http::header::HeaderValue::from_static("no-store"),
            );
            return Ok(res);
        }
        Err(ApiError::NotFound) => return Ok(not_found().await),
        Err(ApiError::Validation(fields)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome {
                notice: None,
                problems: fields
                    .into_iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect(),
                refusal,
            },
        ),
        // Too large, a store full or out of reach: said on the page, as the API says it.
        Err(e)
            if matches!(
                e,
                ApiError::Forbidden(_)
                    | ApiError::Conflict(_)
                    | ApiError::Malformed(_)
                    | ApiError::PayloadTooLarge { .. }
                    | ApiError::InsufficientStorage
                    | ApiError::StoreUnavailable
            ) =>
        {
            let status = actix_web::ResponseError::status_code(&e);
            let problem = e.problem();
            (
                status,
                Outcome {
                    notice: None,
                    problems: vec![problem.detail.unwrap_or(problem.title)],
                    refusal,
                },
            )
        }
        Err(e) => return Err(e),
    };
    let mut res = request_page(&state, signed, me, id, outcome).await?;
    if res.status() == StatusCode::OK {
        *res.status_mut() = status;
    }
    Ok(res)
}

/// A document of a request, downloaded from its page (audited, as through the API).
async fn request_document(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, document) = path.into_inner();
    if !crate::input::is_canonical_uuid(&document) {
        return Ok(not_found().await);
    }
    let (signed, _, id) = match visit(&state, &req, meta, &id).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let on = crate::mla::documents::RequestRef::Mla(id);
    let served =
        crate::mla::document_routes::download(&state, signed.credentials, on, document).await;
    match found(served).await? {
        Ok(response) => Ok(response),
        Err(answer) => Ok(answer),
    }
}

/// A request: its content, its deadlines and its history; for a prosecutor of the
/// requesting state, the completeness check and the approve button.
async fn request(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (signed, me, id) = match visit(&state, &req, meta, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let w = &ENGLISH_PAGES;
    let notice = match req.query_string() {
        "approved=1" => Some(w.approved_now),
        "document=added" => Some(w.document_added_now),
        _ => None,
    };
    let refused = match req.query_string() {
        "refused=incomplete" => Some(w.approval_incomplete),
        "refused=not-draft" => Some(w.approval_not_draft),
        "refused=not-yours" => Some(w.approval_not_yours),
        _ => None,
    };
    let outcome = Outcome {
        notice,
        problems: refused.into_iter().map(str::to_owned).collect(),
        refusal: None,
    };
    request_page(&state, signed, me, id, outcome).await
}

/// Approves a draft, as the API's `approved` event; the page then says how it went.
async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> ApiResult<HttpResponse> {
    let (signed, me, id) = match visit(&state, &req, meta, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    if !csrf::accepted(&req, &signed.csrf, &form.csrf) {
        return Ok(refused(Some(me)));
    }
    let tried = crate::mla::review::approve(&state, signed.credentials.clone(), id.clone()).await;
    // Approved or refused, the browser goes back to the request's page (a redirect
    // after the post: reloading it approves nothing), which says how it went.
    let said = match tried {
        Ok(()) => "approved=1",
        Err(e) if hidden(&e) && !matches!(e, ApiError::Forbidden(_)) => {
            return Ok(not_found().await);
        }
        Err(ApiError::Validation(_)) => "refused=incomplete",
        Err(ApiError::Conflict(_)) => "refused=not-draft",
        Err(ApiError::Forbidden(_)) => "refused=not-yours",
        Err(e) => return Err(e),
    };
    let mut res = see_other(&format!("/app/requests/{id}?{said}"));
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// What the case page reads, in one audited read.
struct CaseRead {
    case: crate::cases::model::CaseRow,
    owner: String,
    participants: Vec<crate::cases::model::ParticipantRow>,
    history: Vec<crate::cases::desk::StatusChange>,
    names: std::collections::HashMap<String, String>,
    items: Vec<ItemLine>,
}

/// A case: its summary, the agencies it is shared with, its status history, and its
/// evidence items, each with its verdict.
async fn case(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (signed, me, id) = match visit(&state, &req, meta, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let signer = state.log.clone();
    let read = state
        .read_as(
            signed.credentials.clone(),
            Action::CaseRead,
            move |conn, caller, event| {
                event.set_detail("page", "case");
                let visible = crate::cases::access::visible(conn, caller, &id, event)?;
                let case = visible.case;
                let owner = crate::agencies::find(conn, &case.owner_agency_id)?
                    .map(|a| format!("{} ({})", a.name, a.country_code))
                    .unwrap_or_default();
                let participants = crate::cases::queries::participants(conn, &case.id)?;
                let history = crate::cases::desk::status_history(conn, &case.id)?;
                let people: Vec<String> = history
                    .iter()
                    .filter_map(|h| h.by_user_id.clone())
                    .collect();
                let names = crate::custody::queries::directory(conn, &people, &[])?
                    .people
                    .into_iter()
                    .collect();
                let words = &crate::catalogue::ENGLISH;
                let mut items = Vec::new();
                for item in crate::custody::queries::items_of_case(conn, &case.id, None, 500)? {
                    let verdict = crate::custody::record::verdict_of(conn, &signer, &item.id)?;
                    let (text, alert) = match verdict {
                        Verdict::Verified => (words.verdict_verified, false),
                        Verdict::IntegrityAlert => (words.verdict_integrity_alert, true),
                        Verdict::NotVerified => (words.verdict_not_verified, true),
                    };
                    items.push(ItemLine {
                        id: item.id,
                        label: item.label,
                        description: item.description,
                        verdict: text,
                        alert,
                    });
                }
                Ok(CaseRead {
                    case,
                    owner,
                    participants,
                    history,
                    names,
                    items,
                })
            },
        )
        .await;
    let read = match found(read).await? {
        Ok(value) => value,
        Err(answer) => return Ok(answer),
    };
    let w = &ENGLISH_PAGES;
    let c = &read.case;
    let offences: Vec<String> = crate::cases::model::decode_offences(&c.offences)
        .into_iter()
        .map(|o| in_words(w.offence_names, o.as_str()))
        .collect();
    let clock = Clock::of_country(&me.country);
    let facts = vec![
        (w.status, in_words(w.case_statuses, &c.status)),
        (w.summary, c.summary.clone()),
        (w.owner, read.owner.clone()),
        (w.priority, in_words(w.priorities, &c.priority)),
        (w.offences, offences.join("; ")),
    ];
    let participants = read
        .participants
        .iter()
        .map(|p| {
            (
                p.agency_name.clone(),
                p.country.clone(),
                in_words(w.access_levels, &p.access),
            )
        })
        .collect();
    let history = read
        .history
        .iter()
        .map(|h| {
            let change = match &h.from {
                Some(from) => format!(
                    "{} \u{2192} {}",
                    in_words(w.case_statuses, from),
                    in_words(w.case_statuses, &h.to)
                ),
                None => format!("{} ({})", in_words(w.case_statuses, &h.to), w.opened),
            };
            let by = h
                .by_user_id
                .as_ref()
                .and_then(|id| read.names.get(id).cloned())
                .unwrap_or_default();
            (
                clock.show(h.at.and_utc(), false),
                change,
                h.reason.clone().unwrap_or_default(),
                by,
            )
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        CasePage {
            w,
            me: Some(me),
            reference: c.reference.clone(),
            title: c.title.clone(),
            facts,
            items: read.items,
            participants,
            history,
        },
    ))
}

/// Who may change their password here: any signed-in person, and one who must.
fn changer(sight: Sight) -> Option<session::Pending> {
    match sight {
        Sight::SignedIn(signed) => Some(session::Pending {
            user_id: signed.principal.user_id.clone(),
            session_id: signed.principal.session_id.clone(),
            csrf: signed.csrf.clone(),
        }),
        Sight::PasswordChange(pending) => Some(pending),
        Sight::Anonymous => None,
    }
}

fn password_form(status: StatusCode, csrf: String, problems: Vec<String>) -> HttpResponse {
    html(
        status,
        PasswordPage {
            w: &ENGLISH_PAGES,
            me: None,
            csrf,
            problems,
        },
    )
}

async fn password_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
) -> ApiResult<HttpResponse> {
    match changer(sight(&state, &req, meta).await?) {
        Some(pending) => Ok(password_form(StatusCode::OK, pending.csrf, Vec::new())),
        None => Ok(see_other("/app/login")),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    current_password: String,
    new_password: String,
}

/// Changes the password as the API does (same policy, history and audit; other
/// sessions end), then leads to the desk.
async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    form: web::Form<PasswordForm>,
) -> ApiResult<HttpResponse> {
    let Some(pending) = changer(sight(&state, &req, meta.clone()).await?) else {
        return Ok(see_other("/app/login"));
    };
    let form = form.into_inner();
    if !csrf::accepted(&req, &pending.csrf, &form.csrf) {
        return Ok(refused(None));
    }
    let st = state.clone().into_inner();
    let (user_id, session_id) = (pending.user_id.clone(), pending.session_id.clone());
    let changed = state
        .hashing(move |conn| {
            let ctx = AuthContext {
                hasher: &st.hasher,
                tokens: &st.tokens,
                settings: &st.settings,
            };
            crate::auth::service::change_password(
                conn,
                &ctx,
                &meta,
                &user_id,
                &session_id,
                &form.current_password,
                &form.new_password,
            )
        })
        .await;
    match changed {
        Ok(()) => Ok(see_other("/app/")),
        Err(ApiError::Validation(fields)) => Ok(password_form(
            StatusCode::UNPROCESSABLE_ENTITY,
            pending.csrf,
            fields
                .into_iter()
                .map(|f| {
                    let fields = [
                        ("current_password", ENGLISH_PAGES.current_password),
                        ("new_password", ENGLISH_PAGES.new_password),
                    ];
                    format!("{} {}", in_words(&fields, &f.field), f.message)
                })
                .collect(),
        )),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use crate::catalogue::ENGLISH_PAGES as W;

    /// The catalogue's table holds words for exactly these codes, no more, no fewer.
    fn words_for_exactly(table: &[(&str, &str)], codes: &[&str], what: &str) {
        let mut held: Vec<&str> = table.iter().map(|(code, _)| *code).collect();
        let mut wanted = codes.to_vec();
        held.sort_unstable();
        wanted.sort_unstable();
        assert_eq!(held, wanted, "the catalogue's words for {what}");
        assert!(table.iter().all(|(_, words)| !words.is_empty()));
    }

    #[test]
    fn every_code_a_page_shows_has_its_words_in_the_catalogue() {
        use crate::cases::model::{Access, CaseStatus, Offence, Priority};
        use crate::mla::{
            deadlines::DeadlineKind, events::RequestEventType, request::RequestStatus,
            request::Urgency,
        };
        words_for_exactly(
            W.case_statuses,
            &CaseStatus::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            "case statuses",
        );
        words_for_exactly(
            W.priorities,
            &Priority::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "priorities",
        );
        words_for_exactly(
            W.offence_names,
            &Offence::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "offences",
        );
        words_for_exactly(
            W.access_levels,
            &Access::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "access levels",
        );
        words_for_exactly(
            W.request_statuses,
            &RequestStatus::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            "request statuses",
        );
        words_for_exactly(
            W.request_events,
            &RequestEventType::ALL
                .iter()
                .map(|c| c.as_str())
                .chain([crate::mla::documents::DOCUMENT_ADDED])
                .collect::<Vec<_>>(),
            "request events",
        );
        words_for_exactly(
            W.urgencies,
            &Urgency::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "urgencies",
        );
        words_for_exactly(
            W.deadline_kinds,
            &DeadlineKind::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            "deadline kinds",
        );
    }

    #[test]
    fn a_code_the_catalogue_lacks_is_still_shown_readably() {
        assert_eq!(
            crate::catalogue::in_words(W.case_statuses, "under_investigation"),
            "Under investigation"
        );
        assert_eq!(
            crate::catalogue::in_words(&[], "under_investigation"),
            "Under investigation"
        );
        assert_eq!(crate::catalogue::in_words(&[], ""), "");
    }
}

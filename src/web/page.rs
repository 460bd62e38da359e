//! The pages' toolkit: rendering a template, the answers a page gives instead of
//! itself (the sign-in page, the not-found page, a refused form, a failure), and the
//! redirect after a post.

use crate::catalogue::{Language, PageWords};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, LOCATION};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

/// The language of the page being answered (see [`crate::catalogue::answering`]).
pub fn language() -> Language {
    crate::catalogue::current()
}

/// The words of the page being answered.
pub fn words() -> &'static PageWords {
    language().pages()
}

/// Answers the rest of the request in the person's language, when they chose one.
pub fn choose_language(chosen: Option<Language>) {
    crate::catalogue::choose(chosen);
}

/// Who the header names.
#[derive(Clone)]
pub struct Me {
    pub name: String,
    pub agency: String,
    /// The state's code (its clock is the pages' time zone) and its name.
    pub country: String,
    pub state: String,
    pub csrf: String,
}

/// A line of a facts table: what, and what it is.
pub struct Fact {
    pub label: String,
    pub value: String,
    /// A hash or key: shown in a fixed-width font, whole.
    pub mono: bool,
}

impl Fact {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Fact {
        Fact {
            label: label.into(),
            value: value.into(),
            mono: false,
        }
    }

    pub fn mono(label: impl Into<String>, value: impl Into<String>) -> Fact {
        Fact {
            mono: true,
            ..Fact::new(label, value)
        }
    }
}

/// What a page handler answers: its page, or what to answer instead.
pub type PageResult = Result<HttpResponse, Leave>;

/// What a page answers instead of itself.
#[derive(Debug)]
pub enum Leave {
    /// No one is signed in: to the sign-in page.
    SignIn,
    /// The password must be changed first.
    PasswordChange,
    /// A second factor must be enrolled first.
    FactorEnrolment,
    /// The object is missing, or one the person may not see: the same page for both.
    NotFound,
    /// A form that did not come from this service's own page (with the header of the
    /// signed-in person, when it was refused after their session was found).
    Refused(Option<Box<Me>>),
    /// Anything else goes wrong: answered as the API answers it.
    Failed(ApiError),
}

impl std::fmt::Debug for Me {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Me").field("name", &self.name).finish()
    }
}

impl std::fmt::Display for Leave {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Leave::SignIn => f.write_str("not signed in"),
            Leave::PasswordChange => f.write_str("the password must be changed"),
            Leave::FactorEnrolment => f.write_str("a second factor must be enrolled"),
            Leave::NotFound => f.write_str("not found"),
            Leave::Refused(_) => f.write_str("a form from elsewhere"),
            Leave::Failed(e) => e.fmt(f),
        }
    }
}

/// A read the person may not make reads as a missing object: a page never tells
/// that something they may not see exists.
impl From<ApiError> for Leave {
    fn from(e: ApiError) -> Leave {
        match e {
            ApiError::NotFound | ApiError::Forbidden(_) => Leave::NotFound,
            e => Leave::Failed(e),
        }
    }
}

impl ResponseError for Leave {
    fn status_code(&self) -> StatusCode {
        match self {
            Leave::SignIn | Leave::PasswordChange | Leave::FactorEnrolment => StatusCode::SEE_OTHER,
            Leave::NotFound => StatusCode::NOT_FOUND,
            Leave::Refused(_) => StatusCode::FORBIDDEN,
            Leave::Failed(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Leave::SignIn => see_other("/app/login"),
            Leave::PasswordChange => see_other("/app/password"),
            Leave::FactorEnrolment => see_other("/app/factors"),
            Leave::NotFound => not_found(),
            Leave::Refused(me) => refused(me.as_deref().cloned()),
            Leave::Failed(e) => e.error_response(),
        }
    }
}

/// A page rendered from its template (a template that fails is logged, and the
/// person told so without detail).
pub fn html(status: StatusCode, page: impl Template) -> HttpResponse {
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

pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to.to_owned()))
        .finish()
}

/// The redirect after a form was acted on: never kept, so that going back or
/// reloading posts nothing again.
pub fn after_post(to: &str) -> HttpResponse {
    let mut res = see_other(to);
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Template)]
#[template(path = "message.html", config = "src/web/askama.toml")]
struct MessagePage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    heading: &'a str,
    text: &'a str,
}

fn message(status: StatusCode, me: Option<Me>, heading: &str, text: &str) -> HttpResponse {
    html(
        status,
        MessagePage {
            w: words(),
            me,
            heading,
            text,
        },
    )
}

/// The answer to a form that did not come from this service's own page.
pub fn refused(me: Option<Me>) -> HttpResponse {
    let w = words();
    message(StatusCode::FORBIDDEN, me, w.refused_title, w.refused_text)
}

/// The page of anything missing, or not the person's to see.
pub fn not_found() -> HttpResponse {
    let w = words();
    message(
        StatusCode::NOT_FOUND,
        None,
        w.not_found_title,
        w.not_found_text,
    )
}

/// An id from a page's path: anything that is not one is simply not found.
pub fn page_id(raw: &str) -> Result<String, Leave> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| Leave::NotFound)
}

/// What a page says of a refusal of its form (as the API says it), with the status
/// the API answers; `None` for what is no refusal of the reader's (the error page).
pub fn refused_on_page(e: &ApiError) -> Option<(StatusCode, Vec<String>)> {
    let status = actix_web::ResponseError::status_code(e);
    match e {
        ApiError::Validation(fields) => Some((
            status,
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect(),
        )),
        ApiError::Forbidden(_)
        | ApiError::Conflict(_)
        | ApiError::Malformed(_)
        | ApiError::ContentMismatch(_)
        | ApiError::PayloadTooLarge { .. }
        | ApiError::InsufficientStorage
        | ApiError::StoreUnavailable => {
            let problem = e.problem();
            Some((status, vec![problem.detail.unwrap_or(problem.title)]))
        }
        _ => None,
    }
}

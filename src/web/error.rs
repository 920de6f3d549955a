//! Turning `AppError` into responses: an HTML page by default, JSON under `/rsrc/api/`.

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::domain::auth::Realm;
use crate::error::AppError;
use crate::messages::Msg;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
    request_id: &'a str,
    home: &'a str,
    css: &'a str,
}

/// A stand-alone page with one message.
pub fn message_page(status: StatusCode, msg: Msg, realm: Realm) -> Response {
    render_error(status, msg.text(), "", realm)
}

fn render_error(status: StatusCode, message: &str, request_id: &str, realm: Realm) -> Response {
    let home = match realm {
        Realm::Front => "/rsrc/",
        Realm::Back => "/sdmanager",
    };
    let css = match realm {
        Realm::Front => "/rsrc/static/app.css",
        Realm::Back => "/sdmanager/static/app.css",
    };
    let page = ErrorPage {
        status: status.as_u16(),
        message,
        request_id,
        home,
        css,
    };
    match page.render() {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(_) => (status, message.to_owned()).into_response(),
    }
}

pub async fn not_found() -> Response {
    message_page(StatusCode::NOT_FOUND, Msg::NotFound, Realm::Front)
}

pub fn panic_page() -> Response {
    tracing::error!("handler panicked");
    render_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        Msg::Unexpected.text(),
        "",
        Realm::Front,
    )
}

/// The body-limit layer answers 413 with plain text; give it the platform's page.
pub async fn body_limit_page(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let http1 = req.version() < axum::http::Version::HTTP_2;
    let api = is_api(req.uri().path());
    let res = next.run(req).await;
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let mut page = if api {
            ApiError(AppError::TooLarge).into_response()
        } else {
            message_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                Msg::BodyTooLarge,
                Realm::Front,
            )
        };
        // The rest of the body is never read, so the connection cannot carry another request:
        // say so, or the client's next request on it fails (HTTP/2 resets the stream instead).
        if http1 {
            page.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        return page;
    }
    res
}

/// Paths answered in JSON, errors included.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/rsrc/api/") || path.starts_with("/sdmanager/api/")
}

/// An error whose page is drawn later by the context middleware, which knows the site.
#[derive(Clone, Debug)]
pub struct Deferred {
    status: StatusCode,
    msg: Msg,
    request_id: String,
    redirect: Option<Redirect_>,
}

#[derive(Clone, Copy, Debug)]
enum Redirect_ {
    Login,
    ChangePassword,
}

impl Deferred {
    /// The page for this error. A login asked for again carries `next`, the page the person
    /// was on (`return_to`), so that logging in leads back to it (SPEC: a timed-out session
    /// must not lose the form; app.js restores what was typed).
    pub fn render(&self, realm: Realm, return_to: Option<&str>) -> Response {
        if let (Some(Redirect_::Login), Some(path)) = (
            self.redirect,
            return_to.and_then(|p| crate::domain::auth::return_path(realm, p)),
        ) {
            let login = match realm {
                Realm::Front => "/rsrc/",
                Realm::Back => "/sdmanager",
            };
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("m", Msg::SessionExpired.code())
                .append_pair("next", path)
                .finish();
            return Redirect::to(&format!("{login}?{query}")).into_response();
        }
        if let Some(r) = self.redirect {
            let to = match (r, realm) {
                (Redirect_::Login, Realm::Front) => "/rsrc/?m=session_expired",
                (Redirect_::Login, Realm::Back) => "/sdmanager?m=session_expired",
                (Redirect_::ChangePassword, Realm::Front) => {
                    "/rsrc/zc/password?m=must_change_password"
                }
                (Redirect_::ChangePassword, Realm::Back) => {
                    "/sdmanager/password?m=must_change_password"
                }
            };
            return Redirect::to(to).into_response();
        }
        render_error(self.status, self.msg.text(), &self.request_id, realm)
    }
}

/// Marks a response that refused access (a foreign object's 404, a role's 403, a CSRF
/// refusal); the request middleware audits it (SECURITY item 28).
#[derive(Clone, Copy, Debug)]
pub struct Refused(pub &'static str);

impl Refused {
    fn of(e: &AppError) -> Option<Refused> {
        match e {
            AppError::NotFound => Some(Refused("not found")),
            AppError::Forbidden => Some(Refused("forbidden")),
            AppError::Csrf => Some(Refused("form token refused")),
            _ => None,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let refused = Refused::of(&self);
        let (status, msg, redirect) = match self {
            AppError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, Msg::BodyTooLarge, None),
            AppError::NotFound => (StatusCode::NOT_FOUND, Msg::NotFound, None),
            AppError::Forbidden => (StatusCode::FORBIDDEN, Msg::Forbidden, None),
            AppError::Csrf => (StatusCode::FORBIDDEN, Msg::CsrfFailed, None),
            AppError::Unauthenticated => (
                StatusCode::SEE_OTHER,
                Msg::SessionExpired,
                Some(Redirect_::Login),
            ),
            AppError::PasswordChangeRequired => (
                StatusCode::SEE_OTHER,
                Msg::MustChangePassword,
                Some(Redirect_::ChangePassword),
            ),
            AppError::TooManyRequests => {
                (StatusCode::TOO_MANY_REQUESTS, Msg::TooManyRequests, None)
            }
            AppError::Conflict(m) => (StatusCode::CONFLICT, m, None),
            AppError::Status(code, m) => (
                StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
                m,
                None,
            ),
            AppError::Validation(errs) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                errs.0.values().next().copied().unwrap_or(Msg::BadRequest),
                None,
            ),
            AppError::Unexpected(e) => {
                let id = uuid::Uuid::now_v7().to_string();
                tracing::error!(error = ?e, error_id = %id, "unexpected error");
                let mut res = StatusCode::INTERNAL_SERVER_ERROR.into_response();
                res.extensions_mut().insert(Deferred {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    msg: Msg::Unexpected,
                    request_id: id,
                    redirect: None,
                });
                return res;
            }
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(Deferred {
            status,
            msg,
            request_id: String::new(),
            redirect,
        });
        if let Some(r) = refused {
            res.extensions_mut().insert(r);
        }
        res
    }
}

/// The JSON form of an error: `{"code", "message", "fields"}`.
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let refused = Refused::of(&self.0);
        let (status, msg, fields) = match self.0 {
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Msg::BodyTooLarge,
                Default::default(),
            ),
            AppError::NotFound => (StatusCode::NOT_FOUND, Msg::NotFound, Default::default()),
            AppError::Forbidden => (StatusCode::FORBIDDEN, Msg::Forbidden, Default::default()),
            AppError::Csrf => (StatusCode::FORBIDDEN, Msg::CsrfFailed, Default::default()),
            AppError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                Msg::SessionExpired,
                Default::default(),
            ),
            AppError::PasswordChangeRequired => (
                StatusCode::FORBIDDEN,
                Msg::MustChangePassword,
                Default::default(),
            ),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                Msg::TooManyRequests,
                Default::default(),
            ),
            AppError::Conflict(m) => (StatusCode::CONFLICT, m, Default::default()),
            AppError::Status(code, m) => (
                StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
                m,
                Default::default(),
            ),
            AppError::Validation(errs) => {
                (StatusCode::UNPROCESSABLE_ENTITY, Msg::BadRequest, errs.0)
            }
            AppError::Unexpected(e) => {
                let id = uuid::Uuid::now_v7();
                tracing::error!(error = ?e, error_id = %id, "unexpected error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Msg::Unexpected,
                    Default::default(),
                )
            }
        };
        let fields: serde_json::Map<String, serde_json::Value> = fields
            .into_iter()
            .map(|(k, v)| {
                (
                    k.to_owned(),
                    serde_json::json!({"code": v.code(), "message": v.text()}),
                )
            })
            .collect();
        let mut res = (
            status,
            Json(serde_json::json!({"code": msg.code(), "message": msg.text(), "fields": fields})),
        )
            .into_response();
        if let Some(r) = refused {
            res.extensions_mut().insert(r);
        }
        res
    }
}

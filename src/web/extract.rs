//! Our own extractors: rejections become `AppError`s, never bare 4xx/5xx texts.

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::context::ReqCtx;
use crate::app::AppState;
use crate::error::AppError;
use crate::messages::Msg;

impl<S: Send + Sync> FromRequestParts<S> for ReqCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<ReqCtx>().cloned().ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!("request context middleware missing"))
        })
    }
}

/// A urlencoded form whose `_csrf` field must equal the request's form token.
/// Fields may repeat (`a=1&a=2`) for lists; unknown fields are ignored.
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct TokenOnly {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let expected = req
            .extensions()
            .get::<ReqCtx>()
            .map(|c| c.csrf.clone())
            .unwrap_or_default();
        let raw = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::TooLarge)?;
        let bytes = clean_urlencoded(&raw);
        let token: TokenOnly =
            serde_html_form::from_bytes(&bytes).map_err(|_| AppError::Conflict(Msg::BadRequest))?;
        if expected.is_empty() || !constant_time_eq(token.csrf.as_bytes(), expected.as_bytes()) {
            return Err(AppError::Csrf);
        }
        serde_html_form::from_bytes(&bytes)
            .map(CsrfForm)
            .map_err(|_| AppError::Conflict(Msg::BadRequest))
    }
}

/// A form posted to a path with parameters: who posts it (`Signed<AdminUser>`, a front
/// account), the path's parameters `P` and the form `F`, taken in that order, as the
/// handlers took them one by one, so a request is refused exactly as before.
pub struct Posted<X, F, P = String>(pub X, pub P, pub F);

impl<X, F, P> FromRequest<AppState> for Posted<X, F, P>
where
    X: FromRequestParts<AppState, Rejection = AppError> + Send,
    F: DeserializeOwned + Send,
    P: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let who = X::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Path(path) = Path::<P>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let CsrfForm(form) = CsrfForm::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Posted(who, path, form))
    }
}

/// The query string of a GET form (search filters), cleaned like a posted form; a query that
/// does not parse is a 400 page, never axum's plain-text rejection.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        serde_html_form::from_bytes(&clean_urlencoded(raw.as_bytes()))
            .map(Query)
            .map_err(|_| AppError::Conflict(Msg::BadRequest))
    }
}

/// The input boundary for urlencoded text (SECURITY item 12): every value loses the control
/// characters no field may hold (NUL, which PostgreSQL refuses, and the rest of C0/C1 but tab
/// and line breaks). Values are percent-decoded first, so `%00` is caught as well as a raw byte.
pub fn clean_urlencoded(raw: &[u8]) -> Cow<'_, [u8]> {
    if !may_hold_control(raw) {
        return Cow::Borrowed(raw);
    }
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(raw) {
        out.append_pair(
            &crate::domain::text::strip_controls(&k),
            &crate::domain::text::strip_controls(&v),
        );
    }
    Cow::Owned(out.finish().into_bytes())
}

/// A cheap over-approximation: a raw control or non-ASCII byte, an escaped control
/// (`%00`–`%1F`, `%7F`), or `%C2`, the lead byte of every C1 control in UTF-8.
fn may_hold_control(raw: &[u8]) -> bool {
    raw.iter().any(|b| b.is_ascii_control() || !b.is_ascii())
        || raw.windows(3).any(|w| {
            w[0] == b'%'
                && (matches!(w[1], b'0' | b'1')
                    || w[1..].eq_ignore_ascii_case(b"7f")
                    || w[1..].eq_ignore_ascii_case(b"c2"))
        })
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The form of a decision on a request (a 上报路径 asked of a unit, a 终审权限 asked of a
/// bureau): the button pressed (通过, 不通过 or 撤销) and the opinion typed.
#[derive(serde::Deserialize, Default)]
pub struct DecideForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub opinion: String,
}

/// The body of a form that carries nothing but its token (退出).
#[derive(serde::Deserialize)]
pub struct NoFields {}

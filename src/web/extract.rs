//! Our own extractors: rejections become `AppError`s, never bare 4xx/5xx texts.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::context::ReqCtx;
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
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::TooLarge)?;
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

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The body of a form that carries nothing but its token (退出).
#[derive(serde::Deserialize)]
pub struct NoFields {}

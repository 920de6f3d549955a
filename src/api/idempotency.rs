//! `Idempotency-Key` on every state-changing API call: the same key with the same request
//! replays the first answer (marked `Idempotent-Replayed: true`); the same key with another
//! request is a 422; a key whose first request is still running is a 409. Keys belong to the
//! credential that sent them and are kept 24 hours.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::AppError;
use crate::infra::crypto::sha256_b64;
use crate::messages::Msg;
use crate::store::idempotency::{self, Claim};
use crate::web::error::ApiError;

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";

/// Answers larger than this are not kept (the API's writes answer a few hundred bytes).
const MAX_KEPT: usize = 256 * 1024;

fn refuse(status: u16, m: Msg) -> Response {
    ApiError(AppError::Status(status, m)).into_response()
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Only the documented writes keep keys; any other method goes on to the router (405).
    let declared = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .is_some_and(|p| crate::api::v1::declared(req.method(), p.as_str()));
    if !declared {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let key = match key.to_str() {
        Ok(k) if (1..=128).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            k.to_owned()
        }
        _ => return refuse(400, Msg::BadRequest),
    };
    let Some(owner) = owner(&state, &req) else {
        // Nobody to keep the answer for: the handler answers 401.
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let limit = crate::domain::application::MAX_FILE_BYTES + 256 * 1024;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return ApiError(AppError::TooLarge).into_response();
    };
    let mut h = Sha256::new();
    h.update(parts.method.as_str());
    h.update(b" ");
    h.update(parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or(""));
    h.update(b"\n");
    h.update(&bytes);
    let hash = hex::encode(h.finalize());
    let now = state.now_ms();
    purge_now_and_then(&state, now).await;
    match idempotency::claim(&state.db.conn, &owner, &key, &hash, now).await {
        Ok(Claim::Fresh) => {}
        Ok(Claim::Busy) => return refuse(409, Msg::IdempotencyBusy),
        Ok(Claim::Mismatch) => return refuse(422, Msg::IdempotencyReused),
        Ok(Claim::Done {
            status,
            content_type,
            body,
        }) => {
            let mut res = Response::new(Body::from(body));
            *res.status_mut() =
                axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK);
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                res.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            res.headers_mut()
                .insert(REPLAYED, HeaderValue::from_static("true"));
            return res;
        }
        Err(e) => return ApiError(e).into_response(),
    }
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = res.status();
    let (rparts, rbody) = res.into_parts();
    let body = match axum::body::to_bytes(rbody, MAX_KEPT).await {
        Ok(b) => b,
        Err(e) => {
            let _ = idempotency::release(&state.db.conn, &owner, &key).await;
            return ApiError(AppError::Unexpected(anyhow::anyhow!(
                "an answer under an idempotency key could not be read: {e}"
            )))
            .into_response();
        }
    };
    if status.is_server_error() {
        // Nothing was promised: a retry with the same key runs again.
        if let Err(e) = idempotency::release(&state.db.conn, &owner, &key).await {
            tracing::warn!(error = ?e, "could not release an idempotency key");
        }
    } else {
        let ctype = rparts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = String::from_utf8_lossy(&body);
        if let Err(e) =
            idempotency::finish(&state.db.conn, &owner, &key, status.as_u16(), &ctype, &text).await
        {
            tracing::warn!(error = ?e, "could not keep an idempotent answer");
        }
    }
    Response::from_parts(rparts, Body::from(body))
}

/// Forgets expired keys at most once a minute per node, not on every write. A key a little
/// past its 24 hours may replay until then, which is what its owner asked for anyway.
async fn purge_now_and_then(state: &AppState, now: i64) {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let last = LAST.load(Ordering::Relaxed);
    if now - last < 60_000
        || LAST
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    if let Err(e) = idempotency::purge(&state.db.conn, now).await {
        tracing::warn!(error = ?e, "could not purge old idempotency keys");
    }
}

/// Whose key this is: a digest of the credential (API token or session cookie).
fn owner(state: &AppState, req: &Request) -> Option<String> {
    if let Some(v) = req.headers().get(header::AUTHORIZATION) {
        return v.to_str().ok().map(|v| sha256_b64(v.as_bytes()));
    }
    let realm = req.extensions().get::<crate::web::RealmTag>()?.0;
    let jar = CookieJar::from_headers(req.headers());
    jar.get(&crate::web::context::cookie_name(state, realm, "sid"))
        .map(|c| sha256_b64(format!("sid:{}", c.value()).as_bytes()))
}

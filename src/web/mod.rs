//! HTML pages and the middleware around them. `front_router` serves `/rsrc/`, `back_router`
//! serves `/sdmanager`; both share the state, the error pages and the security headers.

pub mod back;
pub mod context;
pub mod error;
pub mod extract;
pub mod front;
pub mod health;
pub mod login;
pub mod metrics;
pub mod page;
pub mod session;
pub mod tokens;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::AppState;
use crate::domain::auth::Realm;

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The public site for people and units.
pub fn front_router(state: AppState) -> Router {
    let small = RequestBodyLimitLayer::new(state.settings.max_body_bytes);
    let routes = front::routes()
        .merge(crate::api::routes())
        .layer(small)
        .merge(front::upload_routes());
    let router = Router::new()
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/rsrc/") }),
        )
        .route(
            "/rsrc",
            get(|| async { axum::response::Redirect::to("/rsrc/") }),
        )
        .route("/rsrc/", get(front::login_page))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/rsrc", routes)
        .merge(crate::api::v1::front_routes(&state))
        .fallback(error::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            context::front,
        ))
        .with_state(state.clone());
    with_common_layers(router, &state, false).layer(middleware::from_fn(|req, next| {
        metrics::track("front", req, next)
    }))
}

/// The back office; `tls` marks the UKEY listener, where a client certificate is required.
pub fn back_router(state: AppState, tls: bool) -> Router {
    let router = Router::new()
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/sdmanager") }),
        )
        .route("/sdmanager", get(back::login_page))
        .route("/metrics", get(metrics::render))
        .route("/sdmanager/", get(back::login_page))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest(
            "/sdmanager",
            back::routes().layer(RequestBodyLimitLayer::new(state.settings.max_body_bytes)),
        )
        .merge(crate::api::v1::back_routes(&state))
        .fallback(error::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), context::back))
        .with_state(state.clone());
    with_common_layers(router, &state, tls).layer(middleware::from_fn(|req, next| {
        metrics::track("back", req, next)
    }))
}

/// Request ids, tracing, panic and body-size pages, timeouts and security headers.
fn with_common_layers(router: Router, state: &AppState, tls: bool) -> Router {
    let hsts = tls || state.settings.cookie_secure;
    router
        .layer(middleware::from_fn(error::body_limit_page))
        .layer(DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(middleware::from_fn(move |req, next| security_headers(req, next, hsts)))
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| error::panic_page()))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            // The path only: queries may carry search terms.
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(X_REQUEST_ID.clone(), MakeRequestUuid))
}

/// Headers every response carries (SECURITY items 22 and 24).
async fn security_headers(
    req: Request<axum::body::Body>,
    next: middleware::Next,
    hsts: bool,
) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    // Pages hold personal data: never cached unless a handler says otherwise (static files).
    set(h, header::CACHE_CONTROL, "no-store");
    if hsts {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    res
}

/// Stylesheet and script, compiled into the binary.
pub async fn static_file(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    let (body, ctype) = match name.as_str() {
        "app.css" => (
            include_str!("../../static/app.css"),
            "text/css; charset=utf-8",
        ),
        "app.js" => (
            include_str!("../../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return error::not_found().await.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Which site a request belongs to, set by the context middleware.
#[derive(Clone, Copy)]
pub struct RealmTag(pub Realm);

/// Percent-encodes everything but RFC 3986's unreserved characters (query strings,
/// `filename*=UTF-8''…` of downloads).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

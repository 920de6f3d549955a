//! HTML pages and the middleware around them. `front_router` serves `/rsrc/`, `back_router`
//! serves `/sdmanager`; both share the state, the error pages and the security headers.

/// Gives form pages the `self.err("field")` their templates show beside each field: the
/// message of `errors` for that field, or nothing.
macro_rules! field_errors {
    ($($page:ty),+ $(,)?) => {
        $(impl $page {
            fn err(&self, field: &str) -> &'static str {
                self.errors.get(field).unwrap_or("")
            }
        })+
    };
}

pub mod back;
pub mod context;
pub mod error;
pub mod export;
pub mod extract;
pub mod front;
pub mod health;
pub mod login;
pub mod metrics;
pub mod page;
pub mod password;
pub mod server;
pub mod session;
pub mod site;
pub mod tokens;
pub mod ukey;

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
use tower_http::trace::TraceLayer;

use crate::app::AppState;
use crate::domain::auth::Realm;

pub use site::site_routes;

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The public site for people and units.
pub fn front_router(state: AppState) -> Router {
    let small = RequestBodyLimitLayer::new(state.settings.max_body_bytes);
    let pages = front::routes()
        .merge(crate::api::routes())
        .layer(small)
        .merge(front::upload_routes());
    let routes = Router::new()
        .route("/", redirect_to("/rsrc/"))
        .route("/rsrc", redirect_to("/rsrc/"))
        .route("/rsrc/", get(login::page::<front::LoginPage>))
        .nest("/rsrc", pages)
        .merge(crate::api::v1::front_routes(&state));
    site_router(state, Realm::Front, routes, false)
}

/// The back office; `tls` marks the UKEY listener, where a client certificate is required.
pub fn back_router(state: AppState, tls: bool) -> Router {
    let small = RequestBodyLimitLayer::new(state.settings.max_body_bytes);
    let routes = Router::new()
        .route("/", redirect_to("/sdmanager"))
        .route("/sdmanager", get(login::page::<back::LoginPage>))
        .route("/sdmanager/", get(login::page::<back::LoginPage>))
        .route("/metrics", get(metrics::render))
        .nest("/sdmanager", back::routes().layer(small))
        .merge(crate::api::v1::back_routes(&state));
    site_router(state, Realm::Back, routes, tls)
}

/// A GET that only sends the browser on to `to`.
fn redirect_to(to: &'static str) -> axum::routing::MethodRouter<AppState> {
    get(move || async move { axum::response::Redirect::to(to) })
}

/// The site `realm` around its routes: the health checks, the not-found page, the request
/// context, the common layers and the site's request metrics.
fn site_router(state: AppState, realm: Realm, routes: Router<AppState>, tls: bool) -> Router {
    let router = routes
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(error::not_found)
        .layer(middleware::from_fn_with_state(
            (state.clone(), realm),
            context::site,
        ))
        .with_state(state.clone());
    with_common_layers(router, &state, tls).layer(middleware::from_fn(move |req, next| {
        metrics::track(realm.as_str(), req, next)
    }))
}

/// Request ids, tracing, panic and body-size pages, timeouts and security headers.
fn with_common_layers(router: Router, state: &AppState, tls: bool) -> Router {
    let hsts = tls || state.settings.cookie_secure;
    router
        .layer(middleware::from_fn(error::body_limit_page))
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn(request_timeout))
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

/// How long a request may take, its body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// An upload gets long enough for the largest file on a slow line: 5 MB at 256 kbit/s takes
/// about 164 s. A 30 s limit cut a 4.6 MB file off on a 750 kbit/s uplink.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(
    30 + (crate::domain::application::MAX_FILE_BYTES as u64 * 8).div_ceil(256_000),
);

/// Whether a request is a file upload (the page's and the API's), which gets [`UPLOAD_TIMEOUT`].
fn is_upload(req: &Request<axum::body::Body>) -> bool {
    let path = req.uri().path();
    req.method() == axum::http::Method::POST
        && (path.ends_with("/files") && path.starts_with("/rsrc/zc/transfer/")
            || path.ends_with("/attachments") && path.starts_with("/rsrc/api/v1/applications/"))
}

/// Ends a request that runs past its time with 408 and the platform's page (or JSON error),
/// and closes the connection, whose body may be half-read.
async fn request_timeout(req: Request<axum::body::Body>, next: middleware::Next) -> Response {
    let limit = if is_upload(&req) {
        UPLOAD_TIMEOUT
    } else {
        REQUEST_TIMEOUT
    };
    let realm = if req.uri().path().starts_with("/sdmanager") {
        Realm::Back
    } else {
        Realm::Front
    };
    let api = error::is_api(req.uri().path());
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            let mut res = if api {
                error::ApiError(crate::error::AppError::Status(
                    408,
                    crate::messages::Msg::RequestTimeout,
                ))
                .into_response()
            } else {
                error::message_page(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    crate::messages::Msg::RequestTimeout,
                    realm,
                )
            };
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            res
        }
    }
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
    // Same-origin only: nothing leaves for another site, and a form posted after the session
    // ended can bring its page back after the new login (web::error::Deferred::render).
    set(h, header::REFERRER_POLICY, "same-origin");
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

/// One stylesheet or script, with its gzip and brotli forms made once, at first use.
struct Asset {
    ctype: &'static str,
    plain: &'static [u8],
    gzip: Vec<u8>,
    br: Vec<u8>,
    etag: String,
}

impl Asset {
    fn new(ctype: &'static str, plain: &'static str) -> Asset {
        use std::io::Write;
        let plain = plain.as_bytes();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(plain).expect("gzip into memory");
        let gzip = gz.finish().expect("gzip into memory");
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut &plain[..], &mut br, &params).expect("brotli into memory");
        let digest = <sha2::Sha256 as sha2::Digest>::digest(plain);
        let etag = format!("\"{}\"", hex::encode(&digest[..8]));
        Asset {
            ctype,
            plain,
            gzip,
            br,
            etag,
        }
    }
}

static ASSETS: std::sync::LazyLock<[(&str, Asset); 2]> = std::sync::LazyLock::new(|| {
    [
        (
            "app.css",
            Asset::new(
                "text/css; charset=utf-8",
                include_str!("../../static/app.css"),
            ),
        ),
        (
            "app.js",
            Asset::new(
                "text/javascript; charset=utf-8",
                include_str!("../../static/app.js"),
            ),
        ),
    ]
});

/// Whether `Accept-Encoding` admits `coding` (listed, and not with `q=0`).
fn accepts(accept: &str, coding: &str) -> bool {
    accept.split(',').any(|part| {
        let mut it = part.split(';').map(str::trim);
        it.next().is_some_and(|c| c.eq_ignore_ascii_case(coding))
            && !it.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            })
    })
}

/// `GET …/static/{name}`: the stylesheet and the script, compressed (brotli or gzip, as the
/// browser accepts), cached for an hour and revalidated by ETag.
pub async fn static_file(
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let assets: &'static [(&str, Asset); 2] = &ASSETS;
    let Some((_, asset)) = assets.iter().find(|(n, _)| *n == name) else {
        return error::not_found().await.into_response();
    };
    let common = [
        (header::CONTENT_TYPE, HeaderValue::from_static(asset.ctype)),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        ),
        (header::VARY, HeaderValue::from_static("accept-encoding")),
        (
            header::ETAG,
            HeaderValue::from_str(&asset.etag).expect("hex etag"),
        ),
    ];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == asset.etag || t.trim() == "*")
        });
    if fresh {
        return (axum::http::StatusCode::NOT_MODIFIED, common).into_response();
    }
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (body, coding): (&'static [u8], _) = if accepts(accept, "br") {
        (&asset.br, Some("br"))
    } else if accepts(accept, "gzip") {
        (&asset.gzip, Some("gzip"))
    } else {
        (asset.plain, None)
    };
    let mut res = (common, body).into_response();
    if let Some(c) = coding {
        res.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
    }
    res
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

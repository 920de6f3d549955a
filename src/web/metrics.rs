//! Prometheus metrics: each request counted and timed by its route template (never the
//! concrete path, which holds ids), and `/metrics` on the back-office listener only (so
//! behind its allowed networks).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

/// Counts and times one request.
pub async fn track(site: &'static str, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::histogram!("http_request_duration_seconds", "site" => site, "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        "http_requests_total",
        "site" => site,
        "route" => route,
        "method" => method,
        "status" => status
    )
    .increment(1);
    res
}

/// `GET /metrics`: the Prometheus text, with the pool's state read at scrape time.
pub async fn render(State(state): State<AppState>) -> Response {
    let (size, idle, max) = state.db.pool_use();
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(size - idle));
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("db_pool_connections", "state" => "max").set(f64::from(max));
    crate::telemetry::record_runtime();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::telemetry::metrics().render(),
    )
        .into_response()
}

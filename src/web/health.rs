//! `/healthz` and `/readyz` on both listeners, for load balancers and orchestrators. They
//! carry no personal data and no error details (those go to the log).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::AppState;

/// The process is up and serving.
pub async fn healthz() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

#[derive(Serialize)]
struct Checks {
    database: &'static str,
    migrations: String,
    files: &'static str,
}

/// Ready to take traffic: the database answers, its schema is this build's, and attachment
/// storage takes a write. 503 otherwise, with the check that failed.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let database = state.db.reachable().await;
    let migrations = if database {
        match state.db.pending_migrations().await {
            Ok(0) => "ok".to_owned(),
            Ok(n) => format!("{n} pending"),
            Err(e) => {
                tracing::warn!(error = %e, "readiness: migrations unknown");
                "unknown".to_owned()
            }
        }
    } else {
        "unknown".to_owned()
    };
    let files = match state.files.probe().await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, "readiness: attachment storage not writable");
            "not writable"
        }
    };
    let ready = database && migrations == "ok" && files == "ok";
    let checks = Checks {
        database: if database { "ok" } else { "unreachable" },
        migrations,
        files,
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "unready" },
        "checks": checks,
    });
    (status, Json(body)).into_response()
}

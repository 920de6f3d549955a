//! JSON endpoints under `/rsrc/api/`. Errors come back as `{"code", "message", "fields"}`.

pub mod dicts;
pub mod extract;
pub mod idempotency;
pub mod units;
pub mod v1;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/dict/levels", get(dicts::levels))
        .route("/api/dict/series", get(dicts::series))
        .route("/api/dict/titles", get(dicts::titles))
        .route("/api/dict/specialties", get(dicts::specialties))
        .route("/api/dict/declare-methods", get(dicts::declare_methods))
        .route("/api/dict/regions", get(dicts::regions))
        .route("/api/units", get(units::search))
}

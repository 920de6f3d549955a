//! The units' side (职称认定和外地调入): 外地调入审核, the review page, 外地调入上报,
//! 上报路径申请 / 上报路径审核 and 外地调入终审权限申请.

mod actions;
mod grants;
mod paths;
mod queue;
mod report;
mod view;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::store::entities::unit;
use crate::web::session::FrontUser;

pub use view::{AppView, load_view};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/zc/review", get(queue::page).post(queue::search))
        .route("/zc/review/export", get(queue::export))
        .route("/zc/review/{id}", get(actions::page))
        .route("/zc/review/{id}/files/{file}", get(actions::download))
        .route("/zc/review/{id}/form.pdf", get(actions::download_form))
        .route("/zc/review/{id}/fail/{module}", post(actions::fail))
        .route("/zc/review/{id}/unfail/{module}", post(actions::unfail))
        .route("/zc/review/{id}/approve", post(actions::approve))
        .route("/zc/review/{id}/return", post(actions::send_back))
        .route("/zc/report", get(report::page).post(report::report))
        .route("/zc/paths", get(paths::mine).post(paths::create))
        .route("/zc/paths/review", get(paths::asked))
        .route("/zc/paths/{id}/decide", post(paths::decide))
        .route(
            "/zc/grants",
            get(grants::grants).post(grants::request_grant),
        )
}

/// A logged-in unit; people get "not found" for the units' pages.
pub struct Unit(pub unit::Model, pub FrontUser);

impl FromRequestParts<AppState> for Unit {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match FrontUser::from_request_parts(parts, state).await? {
            FrontUser::Unit(u) => Ok(Unit(u.clone(), FrontUser::Unit(u))),
            FrontUser::Person(_) => Err(AppError::NotFound),
        }
    }
}

pub use crate::app::workflow::visible;

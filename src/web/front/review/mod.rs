//! The units' side (职称认定和外地调入): 外地调入审核, the review page, 外地调入上报,
//! 上报路径申请 / 上报路径审核 and 外地调入终审权限申请.

mod actions;
mod grants;
mod paths;
mod queue;
mod report;
mod view;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::domain::account::FieldErrors;
use crate::error::{AppError, Result};

pub use crate::web::page::Tag;
pub use view::{
    AppView, Applicant, LevelSeries, Steps, basic_rows, load_view, name_of, opinions_on,
    original_rows,
};

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

pub use super::logged_in::Unit;

/// A request form's refusal as the page redraws it: field errors as they are (422); a
/// conflict (asked already, granted already) as the message beside `field` (409). Any
/// other error is an error page.
pub fn refused_at<T>(
    outcome: Result<T>,
    field: &'static str,
) -> Result<std::result::Result<T, (StatusCode, FieldErrors)>> {
    match outcome {
        Ok(done) => Ok(Ok(done)),
        Err(AppError::Validation(errors)) => Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, errors))),
        Err(AppError::Conflict(m)) => {
            let mut errors = FieldErrors::default();
            errors.add(field, m);
            Ok(Err((StatusCode::CONFLICT, errors)))
        }
        Err(e) => Err(e),
    }
}

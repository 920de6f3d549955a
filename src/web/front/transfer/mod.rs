//! 外地调入资格确认 on the applicant's side: 我的申报信息, 新增申报信息, 详细, 附件材料,
//! 确定申报, 撤回, 删除 and 查看进度.

mod actions;
mod basic;
mod detail;
mod files;

pub(crate) use files::{serve as serve_attachment, serve_named};
mod list;
mod progress;

use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::Result;
use crate::web::page::{Flash, Layout};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/zc/transfer", get(list::page))
        .route("/zc/transfer/new", get(basic::new_page).post(basic::create))
        .route("/zc/transfer/{id}", get(detail::page))
        .route(
            "/zc/transfer/{id}/basic",
            get(basic::edit_page).post(basic::save),
        )
        .route(
            "/zc/transfer/{id}/module/{module}",
            post(detail::save_module),
        )
        .route("/zc/transfer/{id}/files/{file}", get(files::download))
        .route("/zc/transfer/{id}/files/{file}/delete", post(files::remove))
        .route("/zc/transfer/{id}/submit", post(actions::submit))
        .route("/zc/transfer/{id}/withdraw", post(actions::withdraw))
        .route("/zc/transfer/{id}/delete", post(actions::delete))
        .route("/zc/transfer/{id}/progress", get(progress::page))
        .route("/zc/transfer/{id}/form.pdf", get(list::download_form))
}

/// Uploads carry files up to 5 MB; their route has its own, larger body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route("/zc/transfer/{id}/files", post(files::upload))
        .layer(RequestBodyLimitLayer::new(8 * 1024 * 1024))
}

pub use super::logged_in::Person;

/// The frame of every applicant's page: they all stand under the one menu entry
/// 外地调入资格确认.
pub async fn frame(me: &Person, flash: Option<Flash>) -> Result<Layout> {
    me.layout("外地调入资格确认", "/rsrc/zc/transfer", flash)
        .await
}

/// `/zc/transfer/{id}/…` path parameters.
pub type AppPath = Path<String>;

/// Units' names for one page, fetched together (one query, however many rows show them).
pub struct UnitNames(std::collections::HashMap<Uuid, String>);

impl UnitNames {
    pub async fn load(
        state: &AppState,
        ids: impl IntoIterator<Item = Option<Uuid>>,
    ) -> Result<Self> {
        let mut ids: Vec<Uuid> = ids.into_iter().flatten().collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(UnitNames(
            crate::store::accounts::unit_names(&state.db.conn, &ids).await?,
        ))
    }

    /// The name, or nothing for no unit.
    pub fn name(&self, id: Option<Uuid>) -> String {
        id.and_then(|id| self.0.get(&id).cloned())
            .unwrap_or_default()
    }
}

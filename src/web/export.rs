//! Excel downloads: the workbook (`infra::export::Sheet`) answered as a file, the export
//! recorded in the audit log first.

use crate::infra::export::Sheet;

/// Every export first spends one of the account's export budget (`Bucket::Export`).
pub async fn allow(state: &crate::app::AppState, account: uuid::Uuid) -> crate::error::Result<()> {
    state
        .limiter
        .allow(crate::app::limit::Bucket::Export, account, state.now_ms())
        .await
}

/// What the audit entry of an export says: the download's name, the action, the object
/// and the detail.
pub struct Export<'a> {
    pub name: &'a str,
    pub action: &'a str,
    pub object: &'a str,
    pub detail: String,
}

/// The end every export shares: the workbook finished, the export recorded in the audit
/// log (by `actor`, from the request's address), and the download answered, named
/// `name.xlsx`.
pub async fn audited_download(
    state: &crate::app::AppState,
    ctx: &crate::web::context::ReqCtx,
    actor: &crate::store::audit::Actor,
    sheet: Sheet,
    export: Export<'_>,
) -> crate::error::Result<axum::response::Response> {
    let bytes = sheet.finish()?;
    let object = export.object.into();
    ctx.record(state, actor, export.action, object, export.detail)
        .await?;
    Ok(download(export.name, bytes))
}

/// The response headers of a download named `name.xlsx`.
fn download(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let encoded = crate::web::percent_encode(&format!("{name}.xlsx"));
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"export.xlsx\"; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

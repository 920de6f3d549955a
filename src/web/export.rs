//! Excel downloads: the workbook (`infra::export::Sheet`) answered as a file, the export
//! recorded in the audit log first.

use crate::infra::export::Sheet;

/// The end every export shares: the workbook finished, the export recorded in the audit
/// log, and the download answered, named `name.xlsx`.
pub async fn audited_download(
    state: &crate::app::AppState,
    name: &str,
    sheet: Sheet,
    event: crate::store::audit::Event<'_>,
) -> crate::error::Result<axum::response::Response> {
    let bytes = sheet.finish()?;
    crate::store::audit::record(&state.db, state.now_ms(), event).await?;
    Ok(download(name, bytes))
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

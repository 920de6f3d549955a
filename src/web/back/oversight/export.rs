//! 导出: the region's units as a workbook.

use axum::response::Response;

use super::operator_scope;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::store::oversight;
use crate::web::export::{Export, audited_download};
use crate::web::session::{AdminUser, Signed};

/// 导出: the region's units (all of them, bounded), with the contact number masked; audited.
pub async fn units_export(Signed { state, ctx, user }: Signed<AdminUser>) -> Result<Response> {
    crate::web::export::allow(&state, user.admin.id).await?;
    let scope = operator_scope(&user)?;
    let d = state.dicts();
    let mut sheet = crate::infra::export::Sheet::new(
        "单位",
        &["单位名称", "统一社会信用代码", "所属地区", "注册时间"],
    )?;
    let mut before = None;
    'pages: loop {
        let batch = oversight::units_before(&state.db.conn, scope.as_deref(), before, 1000).await?;
        let Some(last) = batch.last() else { break };
        before = Some((last.created_at, last.id));
        for u in batch {
            let region = d
                .region(&u.region_code)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            if !sheet.push(&[u.name, u.credit_code, region, format_minutes(u.created_at)])? {
                break 'pages;
            }
        }
    }
    let n = sheet.rows();
    let export = Export {
        name: "单位",
        action: "export",
        object: "units",
        detail: format!("{n} rows"),
    };
    audited_download(&state, &ctx, &user.actor(&d), sheet, export).await
}

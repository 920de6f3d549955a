//! 统计分析: applications of the region by state, series, level, city and month, and how
//! long submission → final approval takes; tables plus bar charts drawn on the server.

use crate::web::extract::Query;
use askama::Template;
use axum::response::Response;
use serde::Deserialize;

use super::oversight::operator_scope;
use crate::app::stats::labelled;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::store::stats::{self, StatsFilter};
use crate::web::export::{Export, audited_download};
use crate::web::extract::CsrfForm;
use crate::web::page::{Layout, render};
use crate::web::session::{AdminUser, Signed};

#[derive(Deserialize, Default, Clone)]
pub struct StatsQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub series: String,
}

impl StatsQuery {
    /// The page's filters within the user's region; an empty or malformed date is no bound.
    pub fn filter(&self, region: Option<String>) -> StatsFilter {
        StatsFilter {
            region,
            series: Some(self.series.trim().to_owned()).filter(|s| !s.is_empty()),
            from_ms: crate::domain::clock::day_bound_ms(&self.from, false),
            to_ms: crate::domain::clock::day_bound_ms(&self.to, true),
        }
    }
}

/// One table with its chart.
pub struct Block {
    pub title: &'static str,
    pub rows: Vec<(String, i64)>,
    pub svg: String,
}

#[derive(Template)]
#[template(path = "back/stats.html")]
struct StatsPage {
    layout: Layout,
    q: StatsQuery,
    series: Vec<(String, String)>,
    blocks: Vec<Block>,
    total: i64,
    median: String,
    p90: String,
    approved: i64,
    elapsed_ms: u128,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart as SVG markup (presentation attributes only: no inline CSS). Its
/// accessible name says what it counts; the table beside it has the same figures.
pub fn bar_chart(title: &str, rows: &[(String, i64)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let (label_w, bar_w, row_h) = (150.0, 420.0, 24.0);
    let height = (rows.len() as f64 * row_h).max(row_h) + 8.0;
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">"#,
        escape(&format!("按{title}统计的申报数柱状图（数据见左侧表格）")),
        label_w + bar_w + 70.0
    );
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * row_h;
        let w = (*n as f64 / max * bar_w).max(1.0);
        svg.push_str(&format!(
            r##"<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#3a4554">{}</text><rect x="{}" y="{}" width="{w:.1}" height="{}" rx="3" fill="#1d4f91"/><text x="{}" y="{}" font-size="12" fill="#1f2a37">{n}</text>"##,
            label_w - 8.0,
            y + 15.0,
            escape(label),
            label_w,
            y + 3.0,
            row_h - 8.0,
            label_w + w + 6.0,
            y + 15.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The page's labels for a grouping and its keys.
/// A table's rows as the page and the workbook show them: label and count.
fn shown(rows: Vec<(String, String, i64)>) -> Vec<(String, i64)> {
    rows.into_iter().map(|(_, l, n)| (l, n)).collect()
}

/// Hours as the page shows them: days from two days up.
fn duration_text(h: Option<f64>) -> String {
    h.map(|h| {
        if h >= 48.0 {
            format!("{:.1} 天", h / 24.0)
        } else {
            format!("{h:.1} 小时")
        }
    })
    .unwrap_or_else(|| "—".into())
}

pub async fn page(
    Signed { state, ctx, user }: Signed<AdminUser>,
    Query(q): Query<StatsQuery>,
) -> Result<Response> {
    let f = q.filter(operator_scope(&user)?);
    let started = std::time::Instant::now();
    let d = state.dicts();
    let summary = crate::app::stats::summary(&state, &f).await?;
    let (median, p90, approved) = summary.durations;
    let tables = labelled(&state, &summary.tables);
    let total = tables.first().map_or(0, |t| t.2.iter().map(|r| r.2).sum());
    let blocks: Vec<Block> = tables
        .into_iter()
        .map(|(_, title, rows)| {
            let rows = shown(rows);
            Block {
                title,
                svg: bar_chart(title, &rows),
                rows,
            }
        })
        .collect();
    render(&StatsPage {
        layout: Layout::back_with_bell(&state, &ctx, &user, "统计分析", "/sdmanager/stats", None)
            .await?,
        series: d
            .series
            .iter()
            .filter(|s| s.enabled)
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect(),
        q,
        blocks,
        total,
        median: duration_text(median),
        p90: duration_text(p90),
        approved,
        elapsed_ms: started.elapsed().as_millis(),
    })
}

/// 导出统计表: every table of the page, one sheet each, and the durations, with the same
/// filters; audited.
pub async fn export(
    Signed { state, ctx, user }: Signed<AdminUser>,
    Query(q): Query<StatsQuery>,
) -> Result<Response> {
    crate::web::export::allow(&state, user.admin.id).await?;
    let f = q.filter(operator_scope(&user)?);
    let d = state.dicts();
    let mut sheet: Option<crate::infra::export::Sheet> = None;
    let summary = crate::app::stats::summary(&state, &f).await?;
    for (_, title, rows) in labelled(&state, &summary.tables) {
        match sheet.as_mut() {
            Some(s) => s.add(title, &[title, "申报数"])?,
            None => sheet = Some(crate::infra::export::Sheet::new(title, &[title, "申报数"])?),
        }
        let s = sheet.as_mut().expect("created above");
        for (k, n) in shown(rows) {
            s.push(&[k, n.to_string()])?;
        }
    }
    let mut sheet = sheet.expect("five sheets");
    let (median, p90, approved) = summary.durations;
    sheet.add("提交至终审", &["指标", "数值"])?;
    for (k, v) in [
        ("终审通过数", approved.to_string()),
        ("中位数", duration_text(median)),
        ("90%分位", duration_text(p90)),
    ] {
        sheet.push(&[k.to_owned(), v])?;
    }
    let export = Export {
        name: "统计分析",
        action: "export",
        object: "statistics",
        detail: format!("from {} to {} series {}", q.from, q.to, q.series),
    };
    audited_download(&state, &ctx, &user.actor(&d), sheet, export).await
}

/// 导出申报明细: the submitted applications under the page's filters, one row each, newest
/// first, with ID numbers masked.
pub async fn details(signed: Signed<AdminUser>, Query(q): Query<StatsQuery>) -> Result<Response> {
    details_export(signed, q, false).await
}

/// The same list with full ID numbers: the operator's reveal right, asked for with a posted
/// form (never a link) and audited as an export of personal information.
pub async fn details_full(
    signed: Signed<AdminUser>,
    CsrfForm(q): CsrfForm<StatsQuery>,
) -> Result<Response> {
    details_export(signed, q, true).await
}

async fn details_export(
    Signed { state, ctx, user }: Signed<AdminUser>,
    q: StatsQuery,
    full_ids: bool,
) -> Result<Response> {
    crate::web::export::allow(&state, user.admin.id).await?;
    let f = q.filter(operator_scope(&user)?);
    let d = state.dicts();
    let mut sheet = crate::infra::export::Sheet::new(
        "申报明细",
        &[
            "姓名",
            "身份证号",
            "申报单位",
            "职称系列",
            "申报职称",
            "状态",
            "提交时间",
            "终审时间",
        ],
    )?;
    let mut before = None;
    'pages: loop {
        let batch = stats::submitted_before(&state.db.conn, &f, before, 1000).await?;
        let Some(last) = batch.last() else { break };
        before = Some((last.submitted_at, last.id));
        for r in batch {
            let r = crate::app::stats::detail(&state, r, full_ids)?;
            let row = [
                r.person,
                r.id_number,
                r.unit,
                r.series,
                r.title,
                r.state.label().to_owned(),
                format_minutes(r.submitted_at),
                r.final_at.map(format_minutes).unwrap_or_default(),
            ];
            if !sheet.push(&row)? {
                break 'pages;
            }
        }
    }
    let n = sheet.rows();
    let export = Export {
        name: "申报明细",
        action: if full_ids { "pii_export" } else { "export" },
        object: "applications",
        detail: format!(
            "{n} rows, from {} to {} series {}, ID numbers {}",
            q.from,
            q.to,
            q.series,
            if full_ids { "in full" } else { "masked" }
        ),
    };
    audited_download(&state, &ctx, &user.actor(&d), sheet, export).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_hours_then_days() {
        assert_eq!(duration_text(None), "—");
        assert_eq!(duration_text(Some(5.5)), "5.5 小时");
        assert_eq!(duration_text(Some(72.0)), "3.0 天");
    }
}

//! 外地调入上报: applications the unit approved without final authority, sent one or many
//! at a time along the unit's active reporting path for their series and level.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::Unit;
use super::queue::{QueryForm, Row, rows};
use crate::app::{AppState, workflow};
use crate::domain::workflow::State as WfState;
use crate::error::Result;
use crate::store::dicts::choices;
use crate::store::review::{self, PAGE_SIZE};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::page::{Layout, flash_from, render, render_status};

#[derive(Template)]
#[template(path = "front/review/report.html")]
struct ReportPage {
    layout: Layout,
    q: QueryForm,
    rows: Vec<Row>,
    total: i64,
    page: u64,
    pages: u64,
    prev: String,
    next: String,
    levels: Vec<(String, String)>,
    series: Vec<(String, String)>,
    problems: Vec<String>,
}

async fn build(
    state: &AppState,
    ctx: &ReqCtx,
    unit: &crate::store::entities::unit::Model,
    user: &crate::web::session::FrontUser,
    q: QueryForm,
    problems: Vec<String>,
) -> Result<ReportPage> {
    let mut f = q.filter(state);
    f.state = Some(WfState::ToReport.as_str().into());
    f.held_now = true;
    let (list, total) = review::page(&state.db.conn, unit.id, &f, q.page_no()).await?;
    let pages = ((total.max(0) as u64).div_ceil(PAGE_SIZE)).max(1);
    let d = state.dicts();
    Ok(ReportPage {
        layout: Layout::front_with_bell(
            state,
            ctx,
            user,
            "外地调入上报",
            "/rsrc/zc/report",
            flash_from(q.m.as_deref()),
        )
        .await?,
        rows: rows(state, unit.id, list),
        total,
        page: q.page_no().min(pages - 1),
        pages,
        prev: q.with_page(q.page_no().saturating_sub(1)),
        next: q.with_page(q.page_no() + 1),
        levels: choices(&d.levels),
        series: choices(&d.series),
        problems,
        q,
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Query(q): Query<QueryForm>,
) -> Result<Response> {
    render(&build(&state, &ctx, &unit, &user, q, Vec::new()).await?)
}

#[derive(Deserialize, Default)]
pub struct ReportForm {
    /// `id:version` of each selected application.
    #[serde(default)]
    pick: Vec<String>,
}

/// 数据上报: each selected application moves to the superior on the active path, in its own
/// transaction; those without a path stay and are listed with the series and level to ask for.
pub async fn report(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> Result<Response> {
    if form.pick.is_empty() {
        return Ok(Redirect::to("/rsrc/zc/report?m=select_first").into_response());
    }
    let picks: Vec<(Uuid, String)> = form
        .pick
        .iter()
        .take(workflow::MAX_REPORT)
        .filter_map(|pick| {
            let (id, version) = pick.split_once(':')?;
            Some((Uuid::parse_str(id).ok()?, version.to_owned()))
        })
        .collect();
    let out = workflow::report(&state, &ctx.caller(&state, &user), &unit, &picks).await?;
    let (done, mut problems) = (out.done.len(), out.problems);
    if problems.is_empty() {
        return Ok(Redirect::to("/rsrc/zc/report?m=reported").into_response());
    }
    if done > 0 {
        problems.insert(0, format!("已成功上报 {done} 条；以下申报未能上报："));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &build(&state, &ctx, &unit, &user, QueryForm::default(), problems).await?,
    )
}

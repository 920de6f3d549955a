//! 外地调入上报: applications the unit approved without final authority, sent one or many
//! at a time along the unit's active reporting path for their series and level.

use crate::web::extract::Query;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::Unit;
use super::queue::{Listing, QueryForm};
use crate::app::workflow;
use crate::domain::workflow::State as WfState;
use crate::error::Result;
use crate::web::extract::CsrfForm;
use crate::web::page::{Layout, flash_from, render, render_status};

#[derive(Template)]
#[template(path = "front/review/report.html")]
struct ReportPage {
    layout: Layout,
    list: Listing,
    problems: Vec<String>,
}

async fn build(me: &Unit, q: QueryForm, problems: Vec<String>) -> Result<ReportPage> {
    let mut f = q.filter(&me.state);
    f.state = Some(WfState::ToReport.as_str().into());
    f.held_now = true;
    Ok(ReportPage {
        layout: me
            .layout(
                "外地调入上报",
                "/rsrc/zc/report",
                flash_from(q.m.as_deref()),
            )
            .await?,
        list: Listing::load(&me.state, me.account.id, q, &f).await?,
        problems,
    })
}

pub async fn page(me: Unit, Query(q): Query<QueryForm>) -> Result<Response> {
    render(&build(&me, q, Vec::new()).await?)
}

#[derive(Deserialize, Default)]
pub struct ReportForm {
    /// `id:version` of each selected application.
    #[serde(default)]
    pick: Vec<String>,
}

/// 数据上报: each selected application moves to the superior on the active path, in its own
/// transaction; those without a path stay and are listed with the series and level to ask for.
pub async fn report(me: Unit, CsrfForm(form): CsrfForm<ReportForm>) -> Result<Response> {
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
    let out = workflow::report(&me.state, &me.caller(), &me.account, &picks).await?;
    let (done, mut problems) = (out.done.len(), out.problems);
    if problems.is_empty() {
        return Ok(Redirect::to("/rsrc/zc/report?m=reported").into_response());
    }
    if done > 0 {
        problems.insert(0, format!("已成功上报 {done} 条；以下申报未能上报："));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &build(&me, QueryForm::default(), problems).await?,
    )
}

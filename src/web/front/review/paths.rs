//! 上报路径申请 (with 新增 and the 外地调入终审权限申请 button) and 上报路径审核.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::{LevelSeries, Tag, Unit, refused_at};
use crate::app::AppState;
use crate::app::chain::{self as app_chain, PathRequest};
use crate::domain::account::FieldErrors;
use crate::domain::clock::format_minutes;
use crate::error::{AppError, Result};
use crate::store::chain;
use crate::web::extract::{CsrfForm, DecideForm};
use crate::web::front::FlashQuery;
use crate::web::page::{Flash, Layout, flash_from, render, render_status};

pub struct PathRow {
    pub id: String,
    pub from: String,
    pub to: String,
    pub series: String,
    pub level: String,
    pub state: Tag,
    pub pending: bool,
    pub opinion: String,
    pub created: String,
    pub decided: String,
}

fn path_rows(state: &AppState, list: Vec<chain::Path>) -> Vec<PathRow> {
    let d = state.dicts();
    list.into_iter()
        .map(|p| PathRow {
            id: p.id.to_string(),
            from: p.from_name,
            to: p.to_name,
            series: d.series_name(&p.series).to_owned(),
            level: d.level_name(&p.level).to_owned(),
            state: Tag::path(p.standing),
            pending: p.standing == crate::domain::chain::Standing::Pending,
            opinion: p.opinion,
            created: format_minutes(p.created_at),
            decided: p.decided_at.map(format_minutes).unwrap_or_default(),
        })
        .collect()
}

#[derive(Deserialize, Default, Clone)]
pub struct PathForm {
    #[serde(default)]
    superior: String,
    #[serde(default)]
    superior_name: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    level: String,
}

#[derive(Template)]
#[template(path = "front/review/paths.html")]
struct PathsPage {
    layout: Layout,
    rows: Vec<PathRow>,
    form: PathForm,
    errors: FieldErrors,
    choices: LevelSeries,
}

field_errors!(PathsPage);

async fn paths_page(
    me: &Unit,
    form: PathForm,
    errors: FieldErrors,
    flash: Option<Flash>,
) -> Result<PathsPage> {
    let state = &me.state;
    Ok(PathsPage {
        layout: me.layout("上报路径申请", "/rsrc/zc/paths", flash).await?,
        rows: path_rows(
            state,
            chain::paths_from(&state.db.conn, me.account.id).await?,
        ),
        form,
        errors,
        choices: LevelSeries::of(&state.dicts()),
    })
}

pub async fn mine(me: Unit, Query(q): Query<FlashQuery>) -> Result<Response> {
    let flash = flash_from(q.m.as_deref());
    render(&paths_page(&me, PathForm::default(), FieldErrors::default(), flash).await?)
}

/// 新增: asks a superior unit for a path for one series and level.
pub async fn create(me: Unit, CsrfForm(mut form): CsrfForm<PathForm>) -> Result<Response> {
    let request = PathRequest {
        superior: Uuid::parse_str(form.superior.trim()).ok(),
        superior_name: form.superior_name.clone(),
        series: form.series.clone(),
        level: form.level.clone(),
    };
    let outcome = app_chain::request_path(&me.state, &me.caller(), &me.account, &request).await;
    let (status, errors) = match refused_at(outcome, "series")? {
        Ok(_) => return Ok(Redirect::to("/rsrc/zc/paths?m=path_requested").into_response()),
        Err(refused) => refused,
    };
    // Redraw with the superior as found, so the picker shows its name.
    if let Some(s) = app_chain::superior_of(&me.state, &request).await? {
        form.superior = s.id.to_string();
        form.superior_name = s.name;
    }
    render_status(status, &paths_page(&me, form, errors, None).await?)
}

#[derive(Template)]
#[template(path = "front/review/paths_review.html")]
struct AskedPage {
    layout: Layout,
    rows: Vec<PathRow>,
}

pub async fn asked(me: Unit, Query(q): Query<FlashQuery>) -> Result<Response> {
    let flash = flash_from(q.m.as_deref());
    let paths = chain::paths_to(&me.state.db.conn, me.account.id).await?;
    render(&AskedPage {
        layout: me
            .layout("上报路径审核", "/rsrc/zc/paths/review", flash)
            .await?,
        rows: path_rows(&me.state, paths),
    })
}

/// 通过 / 不通过 of a path asked of this unit.
pub async fn decide(
    me: Unit,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecideForm>,
) -> Result<Response> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let approve = form.decision == "approve";
    let (state, caller) = (&me.state, me.caller());
    app_chain::decide_path(state, &caller, &me.account, id, approve, &form.opinion).await?;
    Ok(Redirect::to("/rsrc/zc/paths/review?m=decided").into_response())
}

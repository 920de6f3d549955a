//! The review page and its actions: 不通过 per module (with 审核意见), 通过, 退回.
//! Every action is version-guarded: of two reviewers acting at once exactly one wins,
//! the other is told "该申报已被处理".

use crate::web::extract::Query;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::{AppView, Unit, load_view, visible};
use crate::app::{AppState, workflow};
use crate::domain::application::Module;
use crate::domain::workflow::State as WfState;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::applications::{self, Failure};
use crate::store::attachments;
use crate::store::entities::{application, unit};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::front::FlashQuery;
use crate::web::page::{Flash, Layout, flash_from, render, render_status};
use crate::web::session::FrontUser;
use axum::http::StatusCode;

pub struct OpinionRow {
    pub round: i32,
    pub module: &'static str,
    pub unit: String,
    pub opinion: String,
}

#[derive(Template)]
#[template(path = "front/review/review.html")]
struct ReviewPage {
    layout: Layout,
    v: AppView,
    state_label: &'static str,
    state_colour: &'static str,
    version: i32,
    can_act: bool,
    /// Marks of the current round.
    current: Vec<Failure>,
    earlier: Vec<OpinionRow>,
    modules: Vec<(&'static str, &'static str)>,
}

impl ReviewPage {
    fn failed(&self, module: &str) -> String {
        self.current
            .iter()
            .filter(|f| f.module.as_str() == module)
            .map(|f| f.opinion.clone())
            .collect::<Vec<_>>()
            .join("；")
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    let a = visible(&state, &unit, &id).await?;
    render(&review_page(&state, &ctx, &unit, &user, &a, flash_from(q.m.as_deref())).await?)
}

/// A 通过 or 退回 the marks do not allow (a failed module, or none): the review page itself
/// again, with the reason at the top and every mark and opinion as the reviewer left them.
async fn refused_here(
    state: &AppState,
    ctx: &ReqCtx,
    unit: &unit::Model,
    user: &FrontUser,
    a: &application::Model,
    m: Msg,
) -> Result<Response> {
    let flash = Some(Flash {
        ok: false,
        text: m.text(),
    });
    render_status(
        StatusCode::CONFLICT,
        &review_page(state, ctx, unit, user, a, flash).await?,
    )
}

async fn review_page(
    state: &AppState,
    ctx: &ReqCtx,
    unit: &unit::Model,
    user: &FrontUser,
    a: &application::Model,
    flash: Option<Flash>,
) -> Result<ReviewPage> {
    let v = load_view(state, a).await?;
    let st = applications::state(a);
    let can_act = st == WfState::Pending && a.holder_unit_id == Some(unit.id);
    let all = applications::all_failures(&state.db.conn, a.id).await?;
    let (current, earlier): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|f| f.round == a.round && st == WfState::Pending);
    let mut earlier_rows = Vec::new();
    for f in earlier {
        earlier_rows.push(OpinionRow {
            round: f.round,
            module: f.module.label(),
            unit: crate::store::accounts::unit_by_id(&state.db.conn, f.unit_id)
                .await?
                .map(|u| u.name)
                .unwrap_or_default(),
            opinion: f.opinion,
        });
    }
    // Opening the full record is a view of personal information: recorded.
    let actor = user.actor(&state.dicts());
    let object = format!("application:{}", a.id);
    let detail = "审核页面显示完整身份证号".into();
    ctx.record(state, &actor, "pii_view", object, detail)
        .await?;
    Ok(ReviewPage {
        layout: Layout::front_with_bell(state, ctx, user, "外地调入审核", "/rsrc/zc/review", flash)
            .await?,
        state_label: st.label(),
        state_colour: st.colour(),
        version: a.version,
        can_act,
        current,
        earlier: earlier_rows,
        modules: Module::ALL
            .iter()
            .map(|m| (m.as_str(), m.label()))
            .collect(),
        v,
    })
}

pub async fn download(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response> {
    let a = visible(&state, &unit, &id).await?;
    let file_id = Uuid::parse_str(&file).map_err(|_| AppError::NotFound)?;
    let f = attachments::find(&state.db.conn, a.id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::web::front::serve_attachment(&state, &ctx, &user.actor(&state.dicts()), &a, &f).await
}

#[derive(Deserialize, Default)]
pub struct OpinionForm {
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    version: String,
}

fn back(a: &application::Model, m: Msg) -> Response {
    Redirect::to(&format!("/rsrc/zc/review/{}?m={}", a.id, m.code())).into_response()
}

/// 不通过: marks one module failed with the reviewer's opinion.
pub async fn fail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path((id, module)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<OpinionForm>,
) -> Result<Response> {
    let a = workflow::held(&state, &unit, &id).await?;
    let module = Module::parse(&module).ok_or(AppError::NotFound)?;
    let caller = ctx.caller(&state, &user);
    match workflow::fail_module(&state, &caller, &unit, &a, module, &form.opinion).await {
        Ok(()) => Ok(back(&a, Msg::ModuleFailed)),
        Err(AppError::Validation(_)) => Ok(back(&a, Msg::OpinionRequired)),
        Err(e) => Err(e),
    }
}

pub async fn unfail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path((id, module)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<OpinionForm>,
) -> Result<Response> {
    let a = workflow::held(&state, &unit, &id).await?;
    let module = Module::parse(&module).ok_or(AppError::NotFound)?;
    workflow::unfail_module(&state, &ctx.caller(&state, &user), &unit, &a, module).await?;
    Ok(back(&a, Msg::Decided))
}

/// 通过: final when the unit holds the grant for the level, otherwise 待上报 here.
pub async fn approve(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<OpinionForm>,
) -> Result<Response> {
    let a = workflow::held(&state, &unit, &id).await?;
    let caller = ctx.caller(&state, &user);
    match workflow::approve(&state, &caller, &unit, &a, &form.version, &form.opinion).await {
        Ok(_) => Ok(back(&a, Msg::Approved)),
        Err(AppError::Conflict(m @ Msg::FailuresFirst)) => {
            refused_here(&state, &ctx, &unit, &user, &a, m).await
        }
        Err(e) => Err(e),
    }
}

/// 退回: the whole application goes back to the applicant with the failed modules open.
pub async fn send_back(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<OpinionForm>,
) -> Result<Response> {
    let a = workflow::held(&state, &unit, &id).await?;
    match workflow::send_back(&state, &ctx.caller(&state, &user), &unit, &a, &form.version).await {
        Ok(_) => Ok(Redirect::to("/rsrc/zc/review?m=returned").into_response()),
        Err(AppError::Conflict(m @ Msg::NothingFailed)) => {
            refused_here(&state, &ctx, &unit, &user, &a, m).await
        }
        Err(e) => Err(e),
    }
}

/// The 转入表 for the units on the application's chain.
pub async fn download_form(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path(id): Path<String>,
) -> Result<Response> {
    let a = visible(&state, &unit, &id).await?;
    crate::web::front::send_form(&state, &ctx, &user.actor(&state.dicts()), &a).await
}

//! The review page and its actions: 不通过 per module (with 审核意见), 通过, 退回.
//! Every action is version-guarded: of two reviewers acting at once exactly one wins,
//! the other is told "该申报已被处理".

use crate::web::extract::Query;
use askama::Template;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{AppView, Tag, Unit, load_view, opinions_on};
use crate::app::workflow;
use crate::domain::application::Module;
use crate::domain::workflow::State as WfState;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::applications::{self, Failure};
use crate::store::entities::application;

use crate::web::front::FlashQuery;
use crate::web::front::logged_in::{Held, Step};
use crate::web::front::transfer::UnitNames;
use crate::web::page::{Flash, Layout, flash_from, render, render_status};
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
    state: Tag,
    version: i32,
    can_act: bool,
    /// Marks of the current round.
    current: Vec<Failure>,
    earlier: Vec<OpinionRow>,
    modules: Vec<(&'static str, &'static str)>,
}

impl ReviewPage {
    fn failed(&self, module: &str) -> String {
        opinions_on(&self.current, module)
    }
}

pub async fn page(
    me: Unit,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    let a = me.visible(&id).await?;
    render(&review_page(&me, &a, flash_from(q.m.as_deref())).await?)
}

/// A 通过 or 退回 the marks do not allow (a failed module, or none): the review page itself
/// again, with the reason at the top and every mark and opinion as the reviewer left them.
async fn refused_here(me: &Unit, a: &application::Model, m: Msg) -> Result<Response> {
    let flash = Some(Flash {
        ok: false,
        text: m.text(),
    });
    render_status(StatusCode::CONFLICT, &review_page(me, a, flash).await?)
}

async fn review_page(
    me: &Unit,
    a: &application::Model,
    flash: Option<Flash>,
) -> Result<ReviewPage> {
    let state = &me.state;
    let v = load_view(state, a).await?;
    let st = applications::state(a);
    let can_act = st == WfState::Pending && a.holder_unit_id == Some(me.account.id);
    let all = applications::all_failures(&state.db.conn, a.id).await?;
    let (current, earlier): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|f| f.round == a.round && st == WfState::Pending);
    let units = UnitNames::load(state, earlier.iter().map(|f| Some(f.unit_id))).await?;
    let earlier_rows = earlier
        .into_iter()
        .map(|f| OpinionRow {
            round: f.round,
            module: f.module.label(),
            unit: units.name(Some(f.unit_id)),
            opinion: f.opinion,
        })
        .collect();
    // Opening the full record is a view of personal information: recorded.
    let object = format!("application:{}", a.id);
    let detail = "审核页面显示完整身份证号".into();
    me.ctx
        .record(state, &me.actor(), "pii_view", object, detail)
        .await?;
    Ok(ReviewPage {
        layout: me.layout("外地调入审核", "/rsrc/zc/review", flash).await?,
        state: Tag::from(st),
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

pub async fn download(me: Unit, Path((id, file)): Path<(String, String)>) -> Result<Response> {
    let a = me.visible(&id).await?;
    crate::web::front::transfer::serve_named(&me, &a, &file).await
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

/// A module mark: the application (held by this unit now), and the module of the path.
type Mark = Step<Held, OpinionForm, (String, String)>;

/// The module a mark is for; an unknown one is "not found".
fn marked(module: &str) -> Result<Module> {
    Module::parse(module).ok_or(AppError::NotFound)
}

/// 不通过: marks one module failed with the reviewer's opinion.
pub async fn fail(Step { me, a, form, rest }: Mark) -> Result<Response> {
    let module = marked(&rest)?;
    let (state, caller) = (&me.state, me.caller());
    match workflow::fail_module(state, &caller, &me.account, &a, module, &form.opinion).await {
        Ok(()) => Ok(back(&a, Msg::ModuleFailed)),
        Err(AppError::Validation(_)) => Ok(back(&a, Msg::OpinionRequired)),
        Err(e) => Err(e),
    }
}

pub async fn unfail(Step { me, a, rest, .. }: Mark) -> Result<Response> {
    let module = marked(&rest)?;
    workflow::unfail_module(&me.state, &me.caller(), &me.account, &a, module).await?;
    Ok(back(&a, Msg::Decided))
}

/// The outcome of 通过 or 退回: `done` on success; the refusal `expected` of this decision
/// redraws the review page with its reason, anything else is an error page.
async fn decided<T>(
    me: &Unit,
    a: &application::Model,
    outcome: Result<T>,
    expected: Msg,
    done: Response,
) -> Result<Response> {
    match outcome {
        Ok(_) => Ok(done),
        Err(AppError::Conflict(m)) if m == expected => refused_here(me, a, m).await,
        Err(e) => Err(e),
    }
}

/// 通过: final when the unit holds the grant for the level, otherwise 待上报 here.
pub async fn approve(Step { me, a, form, .. }: Step<Held, OpinionForm>) -> Result<Response> {
    let (state, caller) = (&me.state, me.caller());
    let outcome = workflow::approve(
        state,
        &caller,
        &me.account,
        &a,
        &form.version,
        &form.opinion,
    )
    .await;
    decided(
        &me,
        &a,
        outcome,
        Msg::FailuresFirst,
        back(&a, Msg::Approved),
    )
    .await
}

/// 退回: the whole application goes back to the applicant with the failed modules open.
pub async fn send_back(Step { me, a, form, .. }: Step<Held, OpinionForm>) -> Result<Response> {
    let outcome =
        workflow::send_back(&me.state, &me.caller(), &me.account, &a, &form.version).await;
    let done = Redirect::to("/rsrc/zc/review?m=returned").into_response();
    decided(&me, &a, outcome, Msg::NothingFailed, done).await
}

/// The 转入表 for the units on the application's chain.
pub async fn download_form(me: Unit, Path(id): Path<String>) -> Result<Response> {
    let a = me.visible(&id).await?;
    crate::web::front::send_form(&me.state, &me.ctx, &me.actor(), &a).await
}

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
use crate::domain::account::parse_text;
use crate::domain::application::Module;
use crate::domain::auth::SubjectKind;
use crate::domain::clock::CST;
use crate::domain::workflow::{Actor, Command, Position, Refusal, State as WfState, transition};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::startup::AppState;
use crate::store::applications::{self, Failure, NewEvent};
use crate::store::audit::{self, Event, Outcome};
use crate::store::entities::{application, unit};
use crate::store::{attachments, chain, notices};
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
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    audit::append(
        &*tx,
        now,
        Event {
            actor: &user.actor(&state.dicts()),
            ip: &ctx.ip.to_string(),
            action: "pii_view",
            object: format!("application:{}", a.id),
            outcome: Outcome::Success,
            detail: "审核页面显示完整身份证号".into(),
        },
    )
    .await?;
    tx.commit().await?;
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

/// The application if this unit may act on it now.
async fn held(state: &AppState, unit: &unit::Model, id: &str) -> Result<application::Model> {
    let a = visible(state, unit, id).await?;
    if applications::state(&a) != WfState::Pending || a.holder_unit_id != Some(unit.id) {
        return Err(AppError::Conflict(Msg::AlreadyHandled));
    }
    Ok(a)
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

async fn record(
    c: &impl sea_orm::ConnectionTrait,
    ctx: &ReqCtx,
    actor: &audit::Actor,
    a: &application::Model,
    action: &str,
    detail: String,
    now: i64,
) -> Result<()> {
    audit::append(
        c,
        now,
        Event {
            actor,
            ip: &ctx.ip.to_string(),
            action,
            object: format!("application:{}", a.id),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await?;
    Ok(())
}

/// 不通过: marks one module failed with the reviewer's opinion.
pub async fn fail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path((id, module)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<OpinionForm>,
) -> Result<Response> {
    let a = held(&state, &unit, &id).await?;
    let module = Module::parse(&module).ok_or(AppError::NotFound)?;
    let opinion = match parse_text(&form.opinion, 500, true) {
        Ok(o) => o,
        Err(_) => return Ok(back(&a, Msg::OpinionRequired)),
    };
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    // Bumping the version makes a concurrent 通过 fail rather than pass over this mark.
    applications::bump(&*tx, &a, now).await?;
    applications::fail_module(&*tx, a.id, a.round, module, unit.id, &opinion, now).await?;
    record(
        &*tx,
        &ctx,
        &user.actor(&state.dicts()),
        &a,
        "module_fail",
        format!("{}: {opinion}", module.as_str()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(back(&a, Msg::ModuleFailed))
}

pub async fn unfail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path((id, module)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<OpinionForm>,
) -> Result<Response> {
    let a = held(&state, &unit, &id).await?;
    let module = Module::parse(&module).ok_or(AppError::NotFound)?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    applications::bump(&*tx, &a, now).await?;
    applications::unfail_module(&*tx, a.id, a.round, module, unit.id).await?;
    record(
        &*tx,
        &ctx,
        &user.actor(&state.dicts()),
        &a,
        "module_unfail",
        module.as_str().to_owned(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(back(&a, Msg::Decided))
}

fn refusal(r: Refusal) -> AppError {
    match r {
        Refusal::ModulesFailed => AppError::Conflict(Msg::FailuresFirst),
        Refusal::NothingFailed => AppError::Conflict(Msg::NothingFailed),
        _ => AppError::Conflict(Msg::AlreadyHandled),
    }
}

/// 通过: final when the unit holds the grant for the level, otherwise 待上报 here.
pub async fn approve(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<OpinionForm>,
) -> Result<Response> {
    let a = held(&state, &unit, &id).await?;
    applications::expect_version(&a, &form.version)?;
    let failed = applications::failures(&state.db.conn, a.id, a.round)
        .await?
        .len();
    let level = a.level_code.clone().unwrap_or_default();
    let final_authority = chain::has_final_authority(&state.db.conn, unit.id, &level).await?;
    let at = Position {
        state: WfState::Pending,
        holder: a.holder_unit_id,
    };
    let to = transition(
        at,
        Actor::Unit(unit.id),
        Command::Approve {
            failed_modules: failed,
            final_authority,
        },
    );
    let to = match to {
        Ok(to) => to,
        Err(Refusal::ModulesFailed) => {
            return refused_here(&state, &ctx, &unit, &user, &a, Msg::FailuresFirst).await;
        }
        Err(r) => return Err(refusal(r)),
    };
    let opinion = parse_text(&form.opinion, 500, false).unwrap_or_default();
    let opinion = if opinion.is_empty() {
        "同意".to_owned()
    } else {
        opinion
    };
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    applications::move_to(&*tx, &a, to, false, now).await?;
    let action = if to.state == WfState::Approved {
        "final"
    } else {
        "approve"
    };
    applications::add_event(
        &*tx,
        a.id,
        now,
        NewEvent {
            actor_kind: "unit",
            actor_id: Some(unit.id),
            actor_label: &unit.name,
            unit_id: Some(unit.id),
            action,
            from: at.state,
            to: to.state,
            opinion: &opinion,
        },
    )
    .await?;
    record(
        &*tx,
        &ctx,
        &user.actor(&state.dicts()),
        &a,
        "review_approve",
        format!("{} -> {}", at.state.as_str(), to.state.as_str()),
        now,
    )
    .await?;
    if to.state == WfState::Approved {
        let day = crate::domain::clock::from_ms(now).to_offset(CST).date();
        let serial = state.keys.new_serial(&format!(
            "{:04}{:02}{:02}",
            day.year(),
            day.month() as u8,
            day.day()
        ));
        applications::set_serial(&*tx, a.id, &serial).await?;
        notices::notify(
            &*tx,
            (SubjectKind::Person, a.person_id),
            now,
            "外地调入资格确认终审通过",
            &format!(
                "您的外地调入资格确认申报已由{}终审通过，可在“我的申报信息”中下载转入表。",
                unit.name
            ),
            "/rsrc/zc/transfer",
        )
        .await?;
    } else {
        notices::notify(
            &*tx,
            (SubjectKind::Person, a.person_id),
            now,
            "申报审核通过",
            &format!("{}已审核通过您的申报，待上报上级单位审核。", unit.name),
            &format!("/rsrc/zc/transfer/{}/progress", a.id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(back(&a, Msg::Approved))
}

/// 退回: the whole application goes back to the applicant with the failed modules open.
pub async fn send_back(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<OpinionForm>,
) -> Result<Response> {
    let a = held(&state, &unit, &id).await?;
    applications::expect_version(&a, &form.version)?;
    let failures = applications::failures(&state.db.conn, a.id, a.round).await?;
    let at = Position {
        state: WfState::Pending,
        holder: a.holder_unit_id,
    };
    let to = transition(
        at,
        Actor::Unit(unit.id),
        Command::Return {
            failed_modules: failures.len(),
        },
    );
    let to = match to {
        Ok(to) => to,
        Err(Refusal::NothingFailed) => {
            return refused_here(&state, &ctx, &unit, &user, &a, Msg::NothingFailed).await;
        }
        Err(r) => return Err(refusal(r)),
    };
    let reasons = failures
        .iter()
        .map(|f| format!("{}：{}", f.module.label(), f.opinion))
        .collect::<Vec<_>>()
        .join("；");
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    applications::move_to(&*tx, &a, to, false, now).await?;
    applications::add_event(
        &*tx,
        a.id,
        now,
        NewEvent {
            actor_kind: "unit",
            actor_id: Some(unit.id),
            actor_label: &unit.name,
            unit_id: Some(unit.id),
            action: "return",
            from: at.state,
            to: to.state,
            opinion: &reasons,
        },
    )
    .await?;
    record(
        &*tx,
        &ctx,
        &user.actor(&state.dicts()),
        &a,
        "review_return",
        reasons.clone(),
        now,
    )
    .await?;
    notices::notify(
        &*tx,
        (SubjectKind::Person, a.person_id),
        now,
        "申报已退回",
        &format!(
            "{}退回了您的外地调入资格确认申报：{reasons}。请修改后重新确定申报。",
            unit.name
        ),
        &format!("/rsrc/zc/transfer/{}", a.id),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/rsrc/zc/review?m=returned").into_response())
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

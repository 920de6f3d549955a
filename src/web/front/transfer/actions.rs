//! 确定申报, 撤回 and 删除: transitions through the domain state machine, each in one
//! transaction with its history step, audit entry and notice. The form's `version` makes a
//! replayed or double-clicked request change nothing.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::{Person, own, person_label};
use crate::domain::application::{Slot, Snapshot, gaps};
use crate::domain::auth::SubjectKind;
use crate::domain::workflow::{Actor, Command, Position, Refusal, State as WfState, transition};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::startup::AppState;
use crate::store::applications::{self, NewEvent};
use crate::store::audit::{self, Event, Outcome};
use crate::store::{attachments, notices};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::page::render_status;

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    pledge: Option<String>,
}

fn refusal(r: Refusal) -> AppError {
    match r {
        Refusal::Incomplete => AppError::Conflict(Msg::Incomplete),
        Refusal::AlreadyReviewed => AppError::Conflict(Msg::CannotWithdraw),
        _ => AppError::Conflict(Msg::AlreadyHandled),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Person(p, user): Person,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Result<Response> {
    let a = own(&state, &p, &id).await?;
    applications::expect_version(&a, &form.version)?;
    let at = Position {
        state: applications::state(&a),
        holder: a.holder_unit_id,
    };
    if !matches!(at.state, WfState::Draft | WfState::Returned) {
        return Err(AppError::Conflict(Msg::AlreadyHandled));
    }
    let basic = applications::basic(&state.keys, &a);
    let mods = applications::modules(&a);
    let files = attachments::list(&state.db.conn, a.id).await?;
    let dicts = state.dicts();
    let found = {
        let count = |s: Slot| files.iter().filter(|f| f.slot == s).count();
        gaps(&Snapshot {
            basic: &basic,
            original: &mods.original,
            transfer: &mods.transfer,
            education: &mods.education,
            work: &mods.work,
            files: &count,
            title_series: basic
                .title
                .and_then(|t| dicts.title(t))
                .map(|t| t.series_code.clone()),
        })
    };
    let pledged = form.pledge.is_some();
    if !found.is_empty() || !pledged {
        let mut page = super::detail::build(
            &state,
            &ctx,
            &user,
            &a,
            Some(crate::web::page::Flash {
                ok: false,
                text: if found.is_empty() {
                    Msg::PledgeRequired.text()
                } else {
                    Msg::Incomplete.text()
                },
            }),
        )
        .await?;
        page.gaps = found;
        page.pledge_error = !pledged;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let declare_unit = basic
        .declare_unit
        .ok_or(AppError::Conflict(Msg::Incomplete))?;
    let to = transition(
        at,
        Actor::Applicant,
        Command::Submit {
            declare_unit,
            complete: true,
        },
    )
    .map_err(refusal)?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    applications::move_to(&*tx, &a, to, true, now).await?;
    crate::store::chain::hold(&*tx, a.id, declare_unit, now).await?;
    let label = person_label(&p);
    applications::add_event(
        &*tx,
        a.id,
        now,
        NewEvent {
            actor_kind: "person",
            actor_id: Some(p.id),
            actor_label: &label,
            unit_id: Some(declare_unit),
            action: "submit",
            from: at.state,
            to: to.state,
            opinion: "",
        },
    )
    .await?;
    audit::append(
        &*tx,
        now,
        Event {
            actor: &user.actor(&dicts),
            ip: &ctx.ip.to_string(),
            action: "application_submit",
            object: format!("application:{}", a.id),
            outcome: Outcome::Success,
            detail: format!(
                "{} -> {} at unit:{declare_unit}",
                at.state.as_str(),
                to.state.as_str()
            ),
        },
    )
    .await?;
    notices::notify(
        &*tx,
        (SubjectKind::Unit, declare_unit),
        now,
        "新的外地调入申报待审核",
        &format!(
            "{}提交了外地调入资格确认申报（{}），请在“外地调入审核”中办理。",
            p.name,
            dicts.title_name(basic.title)
        ),
        "/rsrc/zc",
    )
    .await?;
    notify_person(
        &*tx,
        p.id,
        a.id,
        now,
        "申报已提交",
        &format!(
            "您的外地调入资格确认申报已提交，当前状态：{}。",
            to.state.label()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/rsrc/zc/transfer?m=submitted").into_response())
}

/// Every change of state reaches the applicant's message box.
pub async fn notify_person(
    c: &impl sea_orm::ConnectionTrait,
    person: Uuid,
    app: Uuid,
    now: i64,
    title: &str,
    body: &str,
) -> Result<()> {
    notices::notify(
        c,
        (SubjectKind::Person, person),
        now,
        title,
        body,
        &format!("/rsrc/zc/transfer/{app}/progress"),
    )
    .await
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Person(p, user): Person,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Result<Response> {
    let a = own(&state, &p, &id).await?;
    applications::expect_version(&a, &form.version)?;
    let at = Position {
        state: applications::state(&a),
        holder: a.holder_unit_id,
    };
    let declare_unit = a
        .declare_unit_id
        .ok_or(AppError::Conflict(Msg::AlreadyHandled))?;
    let acted = applications::unit_acted(&state.db.conn, a.id, a.round, declare_unit).await?;
    let to = transition(
        at,
        Actor::Applicant,
        Command::Withdraw {
            declare_unit,
            acted_this_round: acted,
        },
    )
    .map_err(refusal)?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    applications::move_to(&*tx, &a, to, false, now).await?;
    let label = person_label(&p);
    applications::add_event(
        &*tx,
        a.id,
        now,
        NewEvent {
            actor_kind: "person",
            actor_id: Some(p.id),
            actor_label: &label,
            unit_id: Some(declare_unit),
            action: "withdraw",
            from: at.state,
            to: to.state,
            opinion: "",
        },
    )
    .await?;
    audit::append(
        &*tx,
        now,
        Event {
            actor: &user.actor(&state.dicts()),
            ip: &ctx.ip.to_string(),
            action: "application_withdraw",
            object: format!("application:{}", a.id),
            outcome: Outcome::Success,
            detail: format!("{} -> {}", at.state.as_str(), to.state.as_str()),
        },
    )
    .await?;
    notices::notify(
        &*tx,
        (SubjectKind::Unit, declare_unit),
        now,
        "申报已撤回",
        &format!("{}撤回了外地调入资格确认申报。", p.name),
        "/rsrc/zc",
    )
    .await?;
    notify_person(
        &*tx,
        p.id,
        a.id,
        now,
        "申报已撤回",
        "您的外地调入资格确认申报已撤回，当前状态：未提交。",
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/rsrc/zc/transfer/{}?m=withdrawn", a.id)).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Person(p, user): Person,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Result<Response> {
    let a = own(&state, &p, &id).await?;
    applications::expect_version(&a, &form.version)?;
    let at = Position {
        state: applications::state(&a),
        holder: a.holder_unit_id,
    };
    transition(at, Actor::Applicant, Command::Delete).map_err(refusal)?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let keys = applications::delete_draft(&*tx, &a).await?;
    audit::append(
        &*tx,
        now,
        Event {
            actor: &user.actor(&state.dicts()),
            ip: &ctx.ip.to_string(),
            action: "application_delete",
            object: format!("application:{}", a.id),
            outcome: Outcome::Success,
            detail: format!("{} files", keys.len()),
        },
    )
    .await?;
    tx.commit().await?;
    for k in keys {
        if let Err(e) = state.files.delete(&k).await {
            tracing::warn!(error = %e, "could not remove a deleted draft's file; the orphan sweep will");
        }
    }
    Ok(Redirect::to("/rsrc/zc/transfer?m=deleted").into_response())
}

//! 权限管理 → 外地调终审权限审核: a bureau's business operators decide the final-review
//! requests addressed to it, and can revoke a grant (approved applications stay approved).

use crate::web::extract::Query;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::account::parse_text;
use crate::domain::auth::{AdminRole, SubjectKind};
use crate::domain::chain::{Standing, bureau_may_revoke, bureau_sees_grant};
use crate::domain::clock::format_minutes;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::startup::AppState;
use crate::store::audit::{self, Event, Outcome};
use crate::store::{chain, notices};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::page::{Layout, flash_from, render};
use crate::web::session::{AdminUser, bureau_name};

pub struct Row {
    pub id: String,
    pub unit: String,
    pub region: String,
    pub level: String,
    pub state: &'static str,
    pub colour: &'static str,
    /// 通过 / 不通过 are offered: pending and addressed to this bureau.
    pub pending: bool,
    /// 撤销 is offered.
    pub active: bool,
    /// The bureau the request was addressed to, when not this one.
    pub elsewhere: String,
    pub opinion: String,
    pub created: String,
    pub decided: String,
}

#[derive(Template)]
#[template(path = "back/grants.html")]
struct GrantsPage {
    layout: Layout,
    bureau: String,
    rows: Vec<Row>,
    filter: String,
}

#[derive(Deserialize, Default)]
pub struct GrantQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    m: Option<String>,
}

fn require_operator(user: &AdminUser) -> Result<()> {
    if user.role == AdminRole::Operator {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Query(q): Query<GrantQuery>,
) -> Result<Response> {
    require_operator(&user)?;
    let d = state.dicts();
    let filter = Standing::parse(&q.state);
    let rows = chain::grants_for_bureau(&state.db.conn, &user.admin.bureau_code, filter, 200)
        .await?
        .into_iter()
        .map(|g| Row {
            id: g.id.to_string(),
            unit: g.unit_name,
            region: d
                .region(&g.unit_region)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            level: d.level_name(&g.level).to_owned(),
            state: g.standing.grant_label(),
            colour: g.standing.colour(),
            pending: g.standing == Standing::Pending && g.bureau == user.admin.bureau_code,
            active: g.standing == Standing::Active
                && bureau_may_revoke(&user.admin.bureau_code, &g.bureau, &g.unit_region),
            elsewhere: if g.bureau == user.admin.bureau_code {
                String::new()
            } else {
                d.region(&g.bureau)
                    .map(|r| bureau_name(&r.name))
                    .unwrap_or_default()
            },
            opinion: g.opinion,
            created: format_minutes(g.created_at),
            decided: g.decided_at.map(format_minutes).unwrap_or_default(),
        })
        .collect();
    render(&GrantsPage {
        layout: Layout::back_with_bell(
            &state,
            &ctx,
            &user,
            "外地调终审权限审核",
            "/sdmanager/grants",
            flash_from(q.m.as_deref()),
        )
        .await?,
        bureau: d
            .region(&user.admin.bureau_code)
            .map(|r| bureau_name(&r.name))
            .unwrap_or_default(),
        rows,
        filter: q.state,
    })
}

#[derive(Deserialize, Default)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    opinion: String,
}

/// 通过, 不通过 or 撤销.
pub async fn decide(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecideForm>,
) -> Result<Response> {
    require_operator(&user)?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let grant = chain::grant(&state.db.conn, id)
        .await?
        .filter(|g| bureau_sees_grant(&user.admin.bureau_code, &g.bureau, &g.unit_region))
        .ok_or(AppError::NotFound)?;
    // Only the bureau a request names decides it.
    if form.decision != "revoke" && grant.bureau != user.admin.bureau_code {
        return Err(AppError::Forbidden);
    }
    let needs_opinion = form.decision != "approve";
    let opinion = parse_text(&form.opinion, 500, needs_opinion)
        .map_err(|_| AppError::Conflict(Msg::OpinionRequired))?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let (action, verdict, msg) = match form.decision.as_str() {
        "approve" => {
            chain::decide_grant(
                &*tx,
                id,
                &user.admin.bureau_code,
                true,
                &opinion,
                user.admin.id,
                now,
            )
            .await?;
            ("grant_approve", "已通过", Msg::Approved)
        }
        "refuse" => {
            chain::decide_grant(
                &*tx,
                id,
                &user.admin.bureau_code,
                false,
                &opinion,
                user.admin.id,
                now,
            )
            .await?;
            ("grant_refuse", "未通过", Msg::Decided)
        }
        "revoke" => {
            chain::revoke_grant(
                &*tx,
                id,
                &user.admin.bureau_code,
                &opinion,
                user.admin.id,
                now,
            )
            .await?;
            ("grant_revoke", "已撤销", Msg::Revoked)
        }
        _ => return Err(AppError::Conflict(Msg::BadRequest)),
    };
    audit::append(
        &*tx,
        now,
        Event {
            actor: &user.actor(&state.dicts()),
            ip: &ctx.ip.to_string(),
            action,
            object: format!("grant:{id}"),
            outcome: Outcome::Success,
            detail: format!("unit:{} level {} {opinion}", grant.unit_id, grant.level),
        },
    )
    .await?;
    notices::notify(
        &*tx,
        (SubjectKind::Unit, grant.unit_id),
        now,
        "外地调入终审权限审核结果",
        &format!(
            "您申请的{}外地调入终审权限{verdict}。{opinion}",
            state.dicts().level_name(&grant.level)
        ),
        "/rsrc/zc/grants",
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sdmanager/grants?m={}", msg.code())).into_response())
}
